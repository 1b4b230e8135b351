//! The JSON API under `/api/v1` (issue 21, docs/api.md), after the HUD HMIS API reference: the
//! CoC's projects and inventory as the export shows them (DV shelters only as the aggregate), its
//! project-descriptor files as JSON, and bed-count feeds from shelter software.
//!
//! Every request but the document's carries `Authorization: Bearer <token>`; [`authenticate`]
//! checks it, counts it against the token's per-minute limit and hands the handlers an
//! [`ApiAccess`], the only way they reach the CoC's data. Every error, whichever layer makes it,
//! is one shape: an RFC 9457 problem ([`problem::Problem`]). The OpenAPI document is made from these
//! handlers and the types they use ([`openapi`]).
mod bed_counts;
mod openapi;
mod problem;
mod projects;

use std::sync::Arc;

use app::api_tokens::ssr::{Admission, Rate};
use app::ssr::scope::ApiAccess;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;

use problem::ApiError;
pub use problem::problem_responses;

/// Where the API lives.
pub const BASE: &str = "/api/v1";

#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    /// Requests per token per minute.
    pub rate_limit: u32,
    /// The OpenAPI document, made once.
    document: Arc<serde_json::Value>,
}

/// The `/api/v1` router, to nest at [`BASE`].
pub fn router(db: DatabaseConnection, rate_limit: u32) -> axum::Router {
    let (authenticated, document) = openapi::routes();
    let state = ApiState { db, rate_limit, document: Arc::new(document) };
    axum::Router::new()
        .merge(
            authenticated
                .route_layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
                .with_state(state.clone()),
        )
        .merge(openapi::public_routes().with_state(state))
        .fallback(|| async { ApiError::not_found("There is no such endpoint; see /api/v1/openapi.json.") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .route_layer(axum::middleware::from_fn(crate::metrics::tag_route))
}

/// The checked token of a request, for its handlers.
#[derive(Clone)]
pub struct Caller(pub ApiAccess);

/// The bearer token of `headers`, if it sends one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Check the request's token and count it; the answer carries the token's rate limit state
/// (`RateLimit-*`), and 429 with `Retry-After` once the minute's requests are spent.
async fn authenticate(State(state): State<ApiState>, mut request: Request, next: Next) -> Response {
    let Some(secret) = bearer(request.headers()) else {
        return ApiError::unauthenticated("Send an API token as `Authorization: Bearer <token>`.").into_response();
    };
    let admission = app::api_tokens::ssr::authenticate(&state.db, secret, chrono::Utc::now(), state.rate_limit).await;
    let (access, rate) = match admission {
        Ok(Admission::Admitted(access, rate)) => (access, rate),
        Ok(Admission::Limited(rate)) => {
            let mut response = ApiError::rate_limited(rate.reset_after).into_response();
            rate_headers(response.headers_mut(), rate);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(rate.reset_after));
            return response;
        }
        Err(app::error::AppError::Unauthenticated) => {
            return ApiError::unauthenticated("This API token is not valid: it is unknown or revoked.").into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    request.extensions_mut().insert(Caller(access));
    let mut response = next.run(request).await;
    rate_headers(response.headers_mut(), rate);
    response
}

/// The IETF draft's `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds).
fn rate_headers(headers: &mut HeaderMap, rate: Rate) {
    headers.insert("ratelimit-limit", HeaderValue::from(rate.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(rate.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(rate.reset_after));
}
