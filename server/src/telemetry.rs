//! Logging (human-readable in development, JSON lines for log shippers), optional OTLP trace
//! export, and the request id that ties a request's log lines to the deliveries it queued
//! (docs/operations.md).
use anyhow::Context;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tower_http::trace::MakeSpan;
use tracing::Span;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use app::ssr::request_id::{self, RequestId};

use crate::config::LogFormat;

/// What `init` set up that must be shut down at exit: the OTLP exporter, which sends the spans
/// it still holds when this is dropped.
#[must_use = "dropping it stops the OTLP export"]
pub struct Tracing {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Tracing {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("could not send the last spans to the OTLP collector: {e}");
        }
    }
}

/// Log to stderr in `format`; with `otlp_endpoint` (an OpenTelemetry collector's OTLP/HTTP
/// address, e.g. `http://otel-collector:4318`), also export every span (requests, deliveries)
/// as traces, in batches, off the request path. `RUST_LOG` filters both.
pub fn init(format: LogFormat, otlp_endpoint: Option<&str>) -> anyhow::Result<Tracing> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_sessions=warn"));
    let logs: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Json => {
            tracing_subscriber::fmt::layer().json().flatten_event(true).with_writer(std::io::stderr).boxed()
        }
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().with_writer(std::io::stderr).boxed(),
    };
    let provider = otlp_endpoint.map(otlp).transpose()?;
    // Spans only (their fields: method, route template, ids), at info and above whatever
    // RUST_LOG says: log events stay in the logs, so nothing they carry leaves the machine.
    let traces = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("hmis-bridge"))
            .with_filter(tracing_subscriber::filter::filter_fn(|m| m.is_span() && *m.level() <= tracing::Level::INFO))
    });
    // A second call in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(logs).with(traces).with(filter).try_init();
    Ok(Tracing { provider })
}

/// The trace pipeline to `endpoint`: OTLP over HTTP with protobuf, batched (the batch's size and
/// delay follow the standard `OTEL_BSP_*` variables).
fn otlp(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url.as_str())
        .build()
        .with_context(|| format!("setting up the OTLP trace export to {url}"))?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("hmis-bridge")
        .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
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

/// The span every line logged while handling a request is in: its method, the route template it
/// matched (recorded by `metrics::tag_route`; never the raw path, which can hold a shelter's id)
/// and its id (JSON logs carry them as `span.request_id` and so on).
#[derive(Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> Span {
        let id = request.extensions().get::<RequestId>().map(RequestId::as_str);
        tracing::info_span!("request", method = %request.method(), route = tracing::field::Empty, request_id = id)
    }
}
