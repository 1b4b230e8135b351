//! Prometheus metrics at `/metrics` (docs/operations.md lists them). Counters and histograms are
//! recorded where things happen (requests here, the worker, the domain through
//! `app::ssr::metrics`, which names them all); the vendors, their queues and circuits are read
//! from the database at scrape time in one query and written straight into the answer, so every
//! replica reports the same numbers whichever one did the work, and a removed vendor's series
//! end with it. Labels name CoCs and vendors only: nothing per shelter or user, so nothing can
//! tell a DV shelter apart.
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};

pub use app::ssr::metrics::*;

use app::outbox::ssr::QueueGauge;
use app::outbox::state::Circuit;
use app::vendors::VendorMode;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Install the process's recorder (once; later calls return the same handle).
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(DELIVERY_SECONDS.into()),
            &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
        )?
        .set_buckets_for_metric(
            Matcher::Full(HTTP_SECONDS.into()),
            &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        )?
        .set_buckets_for_metric(
            Matcher::Full(EXPORT_SECONDS.into()),
            &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        )?
        .build_recorder();
    let handle = recorder.handle();
    // Only the first install in a process sets the global recorder; a second one keeps it.
    if metrics::set_global_recorder(recorder).is_ok() {
        let _ = HANDLE.set(handle);
        describe();
        metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "commit" => env!("HMIS_COMMIT")).set(1.0);
    }
    HANDLE.get().cloned().ok_or_else(|| anyhow::anyhow!("another metrics recorder is installed"))
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_histogram!(
        HTTP_SECONDS,
        Unit::Seconds,
        "HTTP requests by method, matched route (a template, never a raw path) and status class, until the response's head."
    );
    describe_counter!(BED_UPDATES, "Shelter counts submitted by coordinators: saved, conflict or invalid.");
    describe_histogram!(EXPORT_SECONDS, Unit::Seconds, "Exports built (a zip or a JSON document), by CoC and purpose.");
    describe_counter!(EXPORT_BYTES, Unit::Bytes, "Bytes of the exports built.");
    describe_counter!(EXPORT_RECORDS, "Inventory records in the exports built.");
    describe_counter!(ATTEMPTS, "Delivery attempts by vendor and outcome (delivered, transient, permanent).");
    describe_histogram!(DELIVERY_SECONDS, Unit::Seconds, "Time a vendor took to answer a delivery attempt.");
    describe_counter!(DEAD_LETTERED, "Deliveries that became dead letters.");
    describe_counter!(SNOOZED, "Deliveries put back without an attempt because the vendor's circuit was open.");
    describe_counter!(RESCUED, "Deliveries taken back from a worker that stopped mid-delivery (lease expired).");
    describe_counter!(RECORDS_PUSHED, "Inventory records in deliveries that succeeded, by vendor and vendor kind.");
    describe_counter!(
        SCHEDULED,
        "Scheduled pushes that came due: enqueued, or skipped (queued by another replica, or stale)."
    );
    describe_gauge!(WORKER_LAST_LOOP, Unit::Seconds, "Unix time of this process's worker's last loop turn.");
    describe_gauge!(WORKER_CLAIMED_AHEAD, "Claimed deliveries waiting for a free slot in this process's worker.");
    describe_gauge!(BUILD_INFO, "1, labelled with the version and commit running.");
}

/// What `/metrics` needs: the database, and the bearer token Prometheus must send, if one is set.
#[derive(Clone)]
pub struct Scrape {
    pub db: DatabaseConnection,
    pub token: Option<SecretString>,
}

/// Whether two secrets are equal, in time that tells nothing about where they differ: their
/// SHA-256 digests are compared in full.
pub fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// `GET /metrics`.
pub async fn scrape(State(scrape): State<Scrape>, headers: HeaderMap) -> Response {
    if let Some(token) = &scrape.token {
        let sent =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if !sent.is_some_and(|sent| same_secret(sent, token.expose_secret())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need the bearer token set in metrics_token",
            )
                .into_response();
        }
    }
    let Some(handle) = HANDLE.get() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not set up").into_response();
    };
    match render(handle, &scrape.db, Utc::now()).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "could not read the outbox for metrics");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The whole answer: this process's counters, then the database's gauges (one query).
pub async fn render(handle: &PrometheusHandle, db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<String> {
    let gauges = app::outbox::ssr::queue_gauges(db).await?;
    handle.run_upkeep();
    let mut text = handle.render();
    write_gauges(&mut text, &gauges, now);
    Ok(text)
}

/// One gauge family in the text format: its help, its type, then a line per series.
struct Family {
    name: &'static str,
    help: &'static str,
    lines: String,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Family {
        Family { name, help, lines: String::new() }
    }

    fn add(&mut self, labels: &[(&str, &str)], value: f64) {
        self.lines.push_str(self.name);
        self.lines.push('{');
        for (i, (key, val)) in labels.iter().enumerate() {
            if i > 0 {
                self.lines.push(',');
            }
            let _ = write!(self.lines, "{key}=\"{}\"", escape(val));
        }
        let _ = writeln!(self.lines, "}} {value}");
    }

    fn write(self, out: &mut String) {
        let _ = write!(out, "# HELP {} {}\n# TYPE {} gauge\n{}", self.name, self.help, self.name, self.lines);
    }
}

/// A label value as the text format writes it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn write_gauges(out: &mut String, gauges: &[QueueGauge], now: DateTime<Utc>) {
    let mut info = Family::new("hmis_vendor_info", "One series per vendor: its CoC, name and kind (join on vendor).");
    let mut enabled = Family::new("hmis_vendor_enabled", "1 when the vendor is in test or live mode (not off).");
    let mut mode = Family::new("hmis_vendor_mode", "1 for the vendor's mode (test, live or off), 0 for the others.");
    let mut schedule = Family::new(
        "hmis_vendor_schedule_seconds",
        "How often the vendor is pushed on its own (a daily push is 86400); 0 when only on demand.",
    );
    let mut rows =
        Family::new("hmis_outbox_rows", "Outbox rows by vendor and state: the queue and the dead letters (discarded).");
    let mut oldest = Family::new(
        "hmis_outbox_oldest_waiting_seconds",
        "How long ago the vendor's oldest waiting delivery was queued (0 when none waits).",
    );
    let mut circuit =
        Family::new("hmis_vendor_circuit_state", "1 for the vendor's current circuit state (closed, open, half_open).");
    let flag = |on: bool| f64::from(u8::from(on));
    for g in gauges {
        let vendor = g.vendor_id.to_string();
        let who = [("tenant", g.tenant.as_str()), ("vendor", vendor.as_str())];
        let with = |key: &'static str, value: &'static str| [who[0], who[1], (key, value)];
        info.add(&[who[0], who[1], ("name", g.name.as_str()), ("kind", g.kind.as_str())], 1.0);
        enabled.add(&who, flag(g.mode != VendorMode::Off));
        for m in VendorMode::ALL {
            mode.add(&with("mode", m.as_str()), flag(*m == g.mode));
        }
        schedule.add(&who, g.schedule_seconds.unwrap_or(0) as f64);
        for (state, n) in &g.rows {
            rows.add(&with("state", state.as_str()), *n as f64);
        }
        let waited = g.oldest_queued.map_or(0.0, |due| (now - due).num_milliseconds().max(0) as f64 / 1000.0);
        oldest.add(&who, waited);
        let current = Circuit::at(g.circuit_open_until, now);
        for state in Circuit::ALL {
            circuit.add(&with("state", state.as_str()), flag(state == current));
        }
    }
    for family in [info, enabled, mode, schedule, rows, oldest, circuit] {
        family.write(out);
    }
}

/// The route a request matched, carried out on its response for [`track_http`].
#[derive(Clone)]
struct RouteLabel(String);

/// On each router (`route_layer`): note the route template the request matched, for the metrics
/// and on the request's span (`telemetry::RequestSpan`).
pub async fn tag_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| RouteLabel(p.as_str().to_string()));
    if let Some(RouteLabel(route)) = &route {
        tracing::Span::current().record("route", route.as_str());
    }
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Outermost: time every request into `hmis_http_request_duration_seconds` by method, matched
/// route (`static` for the site's files, `other` for paths no route matched) and status class.
pub async fn track_http(State(static_prefix): State<std::sync::Arc<str>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let is_static = request.uri().path().starts_with(&*static_prefix);
    let response = next.run(request).await;
    let route = match response.extensions().get::<RouteLabel>() {
        Some(RouteLabel(route)) => route.clone(),
        None if is_static => "static".into(),
        None => "other".into(),
    };
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::histogram!(HTTP_SECONDS, "method" => method, "route" => route, "status" => status)
        .record(started.elapsed().as_secs_f64());
    response
}
