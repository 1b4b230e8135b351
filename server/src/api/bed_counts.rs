//! Bed-count feeds: a `bed_counts` token reads and saves the counts of the shelters it names,
//! under the coordinator form's rules (`app::inventory::feed`). The counts version is the ETag;
//! a save sends it as `If-Match` and changes nothing when it is stale (412).
use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use app::inventory::feed::{self, BedCounts, BedCountsUpdate, Fed};
use app::ssr::scope::ApiAccess;

use super::problem::{ApiError, Problem};
use super::{ApiState, Caller};

/// A token that may not feed counts: refused before the ProjectID is looked at, so the answer
/// says nothing about the project.
fn may_feed(access: &ApiAccess) -> Result<(), ApiError> {
    if access.feeds_counts() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "This token may only read; bed counts need a bed-counts token that names the shelter (ask a CoC admin).",
    )
    .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"insufficient_scope\"")))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn answer(counts: BedCounts) -> Response {
    let tag = etag(counts.version);
    let mut response = axum::Json(counts).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

fn not_fed(project_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Project with ProjectID '{}' not found among the shelters this token feeds.",
        app::hmis::csv::clean_text(project_id, 32)
    ))
}

/// The counts version an `If-Match` header names: one strong entity tag, as `ETag` gave it.
fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::field(
            StatusCode::PRECONDITION_REQUIRED,
            "If-Match",
            "If-Match: send the counts version you based this save on, as the ETag of GET .../bed-counts gave it (like \"7\").",
        ));
    };
    let version = raw
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix('"')?.strip_suffix('"'))
        .filter(|v| (1..=18).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<i64>().ok());
    version.ok_or_else(|| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "If-Match",
            "If-Match: give one entity tag as the ETag of GET .../bed-counts gave it, like \"7\" (with the quotes).",
        )
    })
}

/// A JSON body, its rejections as problems that name what is wrong.
pub struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON, with Content-Type: application/json.",
            )),
            Err(JsonRejection::JsonDataError(e)) => {
                // "Failed to deserialize ...: lines[0].beds_total: invalid type ..." names the field.
                let text = e.body_text();
                let reason = text.split_once(": ").map_or(text.as_str(), |(_, r)| r).to_string();
                let field = reason.split_once(": ").map(|(f, _)| f).filter(|f| !f.contains(' ')).unwrap_or("body");
                Err(ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    field,
                    format!("{reason}. See the BedCountsUpdate schema in /api/v1/openapi.json."),
                ))
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "The body is not valid JSON ({}).",
                    e.body_text().rsplit(": ").next().unwrap_or("syntax error")
                ),
            )),
            Err(JsonRejection::BytesRejection(e)) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is over the 1 MiB limit."))
            }
            Err(other) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("The body could not be read ({}).", other.body_text()),
            )),
        }
    }
}

/// A shelter's counts and their version, to base a save on.
#[utoipa::path(
    get,
    path = "/projects/{ProjectID}/bed-counts",
    operation_id = "getBedCounts",
    tag = "bed counts",
    params(("ProjectID" = String, Path, description = "2.02.1 ProjectID of a shelter the token feeds")),
    responses(
        (status = 200, description = "The lines in effect today and their latest counts; `ETag` is the counts version.", body = BedCounts,
         headers(("ETag" = String, description = "The counts version, quoted: send it back as If-Match."))),
        (status = 403, description = "The token may only read.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No shelter with this ProjectID among the ones the token feeds (the same for any other project).", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn show(
    State(state): State<ApiState>,
    Extension(Caller(access)): Extension<Caller>,
    Path(project_id): Path<String>,
) -> Result<Response, ApiError> {
    may_feed(&access)?;
    match feed::counts(&state.db, &access, &project_id).await {
        Ok(counts) => Ok(answer(counts)),
        Err(app::error::AppError::NotFound) => Err(not_fed(&project_id)),
        Err(e) => Err(e.into()),
    }
}

/// Save a shelter's counts: every line in effect today, each once, as the coordinator form does.
#[utoipa::path(
    put,
    path = "/projects/{ProjectID}/bed-counts",
    operation_id = "putBedCounts",
    tag = "bed counts",
    params(
        ("ProjectID" = String, Path, description = "2.02.1 ProjectID of a shelter the token feeds"),
        ("If-Match" = String, Header, description = "The counts version this save is based on, as GET's ETag gave it (like \"7\")."),
    ),
    request_body(content = BedCountsUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved; the counts as they now stand, with the new version as `ETag`.", body = BedCounts,
         headers(("ETag" = String, description = "The new counts version, quoted."))),
        (status = 400, description = "The body is not JSON, or If-Match is malformed.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No shelter with this ProjectID among the ones the token feeds (the same for any other project).", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The counts changed since the version sent; nothing was saved. `ETag` is the current version: GET the counts again.", body = Problem, content_type = "application/problem+json",
         headers(("ETag" = String, description = "The current counts version, quoted."))),
        (status = 413, description = "The body is over 1 MiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not sent as application/json.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A count or line is wrong; `errors` names the field and the fix. Nothing was saved.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn update(
    State(state): State<ApiState>,
    Extension(Caller(access)): Extension<Caller>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<BedCountsUpdate>, ApiError>,
) -> Result<Response, ApiError> {
    may_feed(&access)?;
    // The project first, so a shelter the token does not feed answers 404 whatever else is wrong.
    if let Err(e) = access.fed_shelter(&state.db, &project_id).await {
        return Err(match e {
            app::error::AppError::NotFound => not_fed(&project_id),
            e => e.into(),
        });
    }
    let version = if_match(&headers)?;
    let Json(update) = body?;
    match feed::save(&state.db, &access, &project_id, version, &update).await {
        Ok(Fed::Saved(counts)) => Ok(answer(counts)),
        Ok(Fed::Stale { current }) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "The counts changed since version {version} (they are at version {current} now); nothing was saved. GET the counts again, check them, and send your save with If-Match: \"{current}\"."
            ),
        )
        .with_header(header::ETAG, etag(current))),
        Err(app::error::AppError::NotFound) => Err(not_fed(&project_id)),
        Err(e) => Err(e.into()),
    }
}
