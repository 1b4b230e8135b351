//! Prometheus metrics at `/metrics` (docs/outbox.md lists them). Counters and histograms are
//! recorded where things happen (the worker); the queue, dead letters and circuits are read from
//! the database at scrape time, so every replica reports the same numbers whichever one did the
//! work. Labels name CoCs and vendors only: nothing per shelter, so nothing can tell a DV shelter
//! apart.
use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};

use app::outbox::state::Circuit;

/// Delivery attempts by vendor and outcome (delivered, transient, permanent).
pub const ATTEMPTS: &str = "hmis_outbox_attempts_total";
/// How long a vendor took to answer an attempt, by vendor and outcome.
pub const DELIVERY_SECONDS: &str = "hmis_outbox_delivery_seconds";
/// Rows that became dead letters, by vendor.
pub const DEAD_LETTERED: &str = "hmis_outbox_dead_lettered_total";
/// Rows put back unattempted because the vendor's circuit was open, by vendor.
pub const SNOOZED: &str = "hmis_outbox_snoozed_total";
/// Rows whose lease expired and that were taken back from a stopped worker.
pub const RESCUED: &str = "hmis_outbox_rescued_total";

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
        .build_recorder();
    let handle = recorder.handle();
    describe();
    // Only the first install in a process sets the global recorder; a second one keeps it.
    if metrics::set_global_recorder(recorder).is_ok() {
        let _ = HANDLE.set(handle);
    }
    HANDLE.get().cloned().ok_or_else(|| anyhow::anyhow!("another metrics recorder is installed"))
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(ATTEMPTS, "Delivery attempts by vendor and outcome (delivered, transient, permanent).");
    describe_histogram!(DELIVERY_SECONDS, metrics::Unit::Seconds, "Time a vendor took to answer a delivery attempt.");
    describe_counter!(DEAD_LETTERED, "Deliveries that became dead letters.");
    describe_counter!(SNOOZED, "Deliveries put back without an attempt because the vendor's circuit was open.");
    describe_counter!(RESCUED, "Deliveries taken back from a worker that stopped mid-delivery (lease expired).");
    describe_gauge!("hmis_vendor_info", "One series per vendor: its CoC, name and kind (join on `vendor`).");
    describe_gauge!("hmis_vendor_enabled", "1 when the vendor is in test or live mode (not off).");
    describe_gauge!("hmis_vendor_mode", "1 for the vendor's mode (test, live or off), 0 for the others.");
    describe_gauge!("hmis_outbox_rows", "Outbox rows by vendor and state: the queue and the dead letters (discarded).");
    describe_gauge!(
        "hmis_outbox_oldest_waiting_seconds",
        "How long the vendor's longest-waiting delivery has been due."
    );
    describe_gauge!("hmis_vendor_circuit_state", "1 for the vendor's current circuit state (closed, open, half_open).");
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
    let db = scrape.db;
    let Some(handle) = HANDLE.get() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not set up").into_response();
    };
    if let Err(e) = refresh_queue_gauges(&db).await {
        tracing::warn!(error = %format!("{e:#}"), "could not read the outbox for metrics");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

use app::vendors::VendorMode;

async fn refresh_queue_gauges(db: &DatabaseConnection) -> anyhow::Result<()> {
    let now = Utc::now();
    for g in app::outbox::ssr::queue_gauges(db).await? {
        let vendor = g.vendor.id.to_string();
        let tenant = g.tenant;
        metrics::gauge!("hmis_vendor_info", "tenant" => tenant.clone(), "vendor" => vendor.clone(),
            "name" => g.vendor.name.clone(), "kind" => g.vendor.kind.as_str())
        .set(1.0);
        metrics::gauge!("hmis_vendor_enabled", "tenant" => tenant.clone(), "vendor" => vendor.clone())
            .set(f64::from(u8::from(g.vendor.mode != VendorMode::Off)));
        for mode in VendorMode::ALL {
            metrics::gauge!("hmis_vendor_mode", "tenant" => tenant.clone(), "vendor" => vendor.clone(), "mode" => mode.as_str())
                .set(f64::from(u8::from(*mode == g.vendor.mode)));
        }
        for (state, n) in g.rows {
            metrics::gauge!("hmis_outbox_rows", "tenant" => tenant.clone(), "vendor" => vendor.clone(), "state" => state.as_str())
                .set(n as f64);
        }
        let waited = g.oldest_due.map_or(0.0, |due| (now - due).num_milliseconds().max(0) as f64 / 1000.0);
        metrics::gauge!("hmis_outbox_oldest_waiting_seconds", "tenant" => tenant.clone(), "vendor" => vendor.clone())
            .set(waited);
        let circuit = Circuit::at(g.vendor.circuit_open_until, now);
        for state in Circuit::ALL {
            metrics::gauge!("hmis_vendor_circuit_state", "tenant" => tenant.clone(), "vendor" => vendor.clone(), "state" => state.as_str())
                .set(f64::from(u8::from(state == circuit)));
        }
    }
    Ok(())
}
