//! Logging (human-readable in development, JSON lines for log shippers) and the request id that
//! ties a request's log lines to the deliveries it queued (docs/operations.md).
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::trace::MakeSpan;
use tracing::Span;
use tracing_subscriber::EnvFilter;

use app::ssr::request_id::{self, RequestId};

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_sessions=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

/// Outermost: the request's id, from `X-Request-Id` when it is a plain token (see
/// [`RequestId::accept_or_new`]) or made here, kept in the request's extensions (for its span)
/// and as the current request (for what it queues), and echoed in the answer.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let sent = request.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok());
    let id = RequestId::accept_or_new(sent);
    request.extensions_mut().insert(id.clone());
    let mut response = request_id::scope(id.clone(), next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    response
}

/// The span every line logged while handling a request is in: its method, path and id (JSON
/// logs carry them as `span.request_id` and so on).
#[derive(Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> Span {
        let id = request.extensions().get::<RequestId>().map(RequestId::as_str);
        tracing::info_span!("request", method = %request.method(), path = request.uri().path(), request_id = id)
    }
}
