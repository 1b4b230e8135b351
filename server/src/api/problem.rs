//! The API's one error shape: an RFC 9457 problem (`application/problem+json`), with the fields
//! a request got wrong under `errors`. [`problem_responses`] gives the same shape to errors that
//! other layers make (a body over the limit, a malformed path).
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use app::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error, as every `/api/v1` answer of 400 or more carries it (RFC 9457).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Unprocessable Content", "status": 422,
    "detail": "lines[0].beds_occupied: Beds occupied (Households without children): 45 is more than the 40 beds in total; enter 0 to 40.",
    "errors": [{"field": "lines[0].beds_occupied", "message": "Beds occupied (Households without children): 45 is more than the 40 beds in total; enter 0 to 40."}]
}))]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    /// The status's phrase.
    pub title: String,
    /// The HTTP status.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong and how to fix it, in a sentence or two.
    pub detail: String,
    /// For 400 and 422: each field that was wrong, by its name in the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field a request got wrong.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The query parameter, header, or JSON field (`lines[0].beds_total`).
    pub field: String,
    pub message: String,
}

/// An error a handler answers with.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
    /// Extra headers: `WWW-Authenticate`, `ETag`.
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError { status, detail: detail.into(), errors: Vec::new(), headers: Vec::new() }
    }

    /// A field's error; the detail is its message.
    pub fn field(status: StatusCode, field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut error = ApiError::new(status, message.clone());
        error.errors.push(FieldError { field: field.to_string(), message });
        error
    }

    /// Several fields' errors; the detail is the first one's message.
    pub fn fields(status: StatusCode, errors: Vec<FieldError>) -> ApiError {
        let detail = errors.first().map(|e| e.message.clone()).unwrap_or_default();
        ApiError { status, detail, errors, headers: Vec::new() }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> ApiError {
        self.headers.push((name, value));
        self
    }

    pub fn unauthenticated(detail: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, detail)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"hmis-bridge\""))
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "This endpoint does not take that method; see /api/v1/openapi.json.",
        )
    }

    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("This token has made its requests for this minute; try again in {retry_after} s (Retry-After)."),
        )
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> ApiError {
        match err {
            AppError::Validation { field, message } => {
                ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, &field, message)
            }
            AppError::NotFound => ApiError::not_found("Not found."),
            AppError::Unauthenticated => ApiError::unauthenticated("Send a valid API token."),
            AppError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            AppError::Throttled { .. } => ApiError::new(StatusCode::TOO_MANY_REQUESTS, err.to_string()),
            AppError::Internal(_) => {
                tracing::error!(error = %err.log_text(), "API request failed");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
            }
        }
    }
}

fn problem(status: StatusCode, detail: String, errors: Vec<FieldError>) -> Problem {
    Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        errors,
    }
}

fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], body).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = problem_response(self.status, &problem(self.status, self.detail, self.errors));
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// What another layer's error means for an API client.
fn detail_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is over the 1 MiB limit; send less at once.",
        StatusCode::FORBIDDEN => "This request was refused: a browser page of another site sent it.",
        StatusCode::BAD_REQUEST => "The request is malformed; check its path and query against /api/v1/openapi.json.",
        s if s.is_server_error() => {
            "Something went wrong on our side; try again, and tell the CoC if it keeps happening."
        }
        _ => "The request was refused; see /api/v1/openapi.json.",
    }
}

/// Outermost for `/api/v1`: an error answer that is not a problem yet (another layer's, a
/// rejected path) becomes one with its status and headers kept.
pub async fn problem_responses(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(super::BASE) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_problem =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes() == PROBLEM_JSON.as_bytes());
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let mut converted = problem_response(status, &problem(status, detail_of(status).to_string(), Vec::new()));
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    std::mem::swap(converted.headers_mut(), &mut parts.headers);
    converted
}
