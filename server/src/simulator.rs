//! The vendor simulator (DESIGN.md 8): a stand-in HMIS vendor on loopback for the demo, the
//! browser tests, the crash test and the benchmark. It takes uploads on any path, answers slowly
//! and fails at the rate it is told, and keeps count of what it received by idempotency key, so a
//! test can tell a repeat (same key, same bytes: harmless) from a double send.
//!
//! - `POST /<anything>`: an upload. 200 with `{"received": key, "repeat": bool}`; 503 with
//!   `Retry-After: 1` when it fails on purpose; 400 without an `Idempotency-Key`.
//! - `GET /_sim`: the counts as JSON (see `Stats`).
//! - `GET /_sim/keys`: every idempotency key accepted, as a JSON list.
//! - `POST /_sim/mode` with a JSON `Mode`: change the failure rate and delay while running.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::vendors::http_post::IDEMPOTENCY_HEADER;

/// How the simulator behaves; changed at run time through `POST /_sim/mode`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Mode {
    /// Share of uploads answered 503 (0 to 1).
    pub failure_rate: f64,
    /// Each answer waits a random time up to twice this.
    pub delay_ms: u64,
}

/// What the simulator has seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stats {
    /// Uploads accepted (200), repeats included.
    pub accepted: u64,
    /// Distinct idempotency keys accepted.
    pub distinct_keys: u64,
    /// Accepted uploads whose key had been accepted before, with the same bytes.
    pub repeats: u64,
    /// Accepted uploads whose key had been accepted before with different bytes: a double send
    /// that the key cannot excuse. Always 0 for a correct sender.
    pub conflicts: u64,
    /// Uploads without an idempotency key (refused).
    pub missing_key: u64,
    /// Uploads failed on purpose (503).
    pub failed: u64,
    pub bytes: u64,
}

struct Sim {
    mode: Mutex<Mode>,
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    stats: Stats,
    /// Key -> SHA-256 of the first bytes accepted under it.
    seen: HashMap<String, String>,
}

/// Bind `listen` and serve until the process ends. Prints the address it listens on.
pub async fn run(listen: SocketAddr, mode: Mode) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&mode.failure_rate) {
        anyhow::bail!("--failure-rate must be between 0 and 1, got {}", mode.failure_rate);
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("HMIS Bridge vendor simulator listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(mode)).await?;
    Ok(())
}

pub fn router(mode: Mode) -> Router {
    let sim = Arc::new(Sim { mode: Mutex::new(mode), ledger: Mutex::default() });
    Router::new()
        .route("/_sim", get(stats))
        .route("/_sim/keys", get(keys))
        .route("/_sim/mode", post(set_mode))
        .fallback(post(upload))
        .with_state(sim)
}

async fn stats(State(sim): State<Arc<Sim>>) -> Json<Stats> {
    Json(lock(&sim.ledger).stats.clone())
}

async fn keys(State(sim): State<Arc<Sim>>) -> Json<Vec<String>> {
    Json(lock(&sim.ledger).seen.keys().cloned().collect())
}

async fn set_mode(State(sim): State<Arc<Sim>>, Json(mode): Json<Mode>) -> Response {
    if !(0.0..=1.0).contains(&mode.failure_rate) {
        return (StatusCode::UNPROCESSABLE_ENTITY, "failure_rate must be between 0 and 1").into_response();
    }
    *lock(&sim.mode) = mode;
    Json(mode).into_response()
}

async fn upload(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let mode = *lock(&sim.mode);
    let (fail, wait) = {
        let mut rng = rand::rng();
        (rng.random::<f64>() < mode.failure_rate, rng.random_range(0..=mode.delay_ms.saturating_mul(2)))
    };
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
    let Some(key) = headers.get(IDEMPOTENCY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        lock(&sim.ledger).stats.missing_key += 1;
        return (StatusCode::BAD_REQUEST, format!("missing {IDEMPOTENCY_HEADER} header")).into_response();
    };
    if fail {
        lock(&sim.ledger).stats.failed += 1;
        return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")], "simulated outage").into_response();
    }
    let sha = app::outbox::ssr::sha256_hex(&body);
    let mut ledger = lock(&sim.ledger);
    ledger.stats.accepted += 1;
    ledger.stats.bytes += body.len() as u64;
    let repeat = match ledger.seen.get(&key) {
        None => {
            ledger.seen.insert(key.clone(), sha);
            ledger.stats.distinct_keys += 1;
            false
        }
        Some(first) if *first == sha => {
            ledger.stats.repeats += 1;
            true
        }
        Some(_) => {
            ledger.stats.conflicts += 1;
            true
        }
    };
    drop(ledger);
    Json(serde_json::json!({ "received": key, "repeat": repeat })).into_response()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
