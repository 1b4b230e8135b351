//! The vendor simulator (DESIGN.md 8): stand-in HMIS vendors on loopback for the demo, the
//! browser tests, the crash test and the benchmark. It serves one endpoint per HTTPS kind, each
//! checking that kind's auth with the demo credentials below, answers slowly and fails at the rate
//! it is told, and keeps count of what it received by idempotency key, so a test can tell a repeat
//! (same key, same bytes: harmless) from a double send.
//!
//! - `POST /clarity/upload` (HTTP Basic, multipart with a `file` part holding a zip),
//!   `POST /clienttrack/inventory` (`Ocp-Apim-Subscription-Key`, `Authorization: ApiKey`; JSON
//!   inventory records, version 1), `POST /hud/csvexport` (HTTP Basic; JSON keyed by CSV file
//!   name), `POST /custom/upload` (header `X-Api-Key`): 200 with `{"received": key, "repeat":
//!   bool}`; 401 on wrong credentials; 422 on a body that is not that kind's format.
//! - `HEAD` on those paths, and ClientTrack's `GET /auth/test`: the connection tests.
//! - `POST /<anything else>`: an upload without auth (the benchmark and the crash test).
//! - Every upload: 503 with `Retry-After: 1` when it fails on purpose; 400 without an
//!   `Idempotency-Key`.
//! - `GET /_sim`: the counts and the latest receipts as JSON (see `Stats`).
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

/// The demo credentials each simulated kind accepts (published: the simulator is for demos and
/// tests only).
pub const DEMO_USER: &str = "demo-user";
pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEMO_API_KEY: &str = "demo-api-key";
pub const DEMO_SUBSCRIPTION_KEY: &str = "demo-subscription-key";
pub const DEMO_HEADER: &str = "X-Api-Key";
pub const DEMO_HEADER_VALUE: &str = "demo-header-secret";

/// The simulated endpoints' paths, by kind.
pub const CLARITY_PATH: &str = "/clarity/upload";
pub const CLIENTTRACK_PATH: &str = "/clienttrack/inventory";
pub const HUD_PATH: &str = "/hud/csvexport";
pub const CUSTOM_PATH: &str = "/custom/upload";

/// Which endpoint a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimKind {
    Clarity,
    Clienttrack,
    Hud,
    Custom,
    /// Any other path: no auth, any body.
    Plain,
}

/// One accepted upload, as `/_sim` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Receipt {
    pub kind: SimKind,
    pub key: String,
    pub bytes: u64,
    /// Marked as a test push (`X-HMIS-Bridge-Test`).
    pub test: bool,
    pub file_name: Option<String>,
    pub repeat: bool,
    pub at: String,
}

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
    /// Requests refused for wrong or missing credentials (401).
    pub unauthorized: u64,
    /// Uploads whose body was not the kind's format (422).
    pub malformed: u64,
    /// The latest accepted uploads, newest last (at most 50).
    pub recent: Vec<Receipt>,
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
    let endpoint = |kind: SimKind| {
        post(move |State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes| async move {
            upload(sim, kind, headers, body).await
        })
        .head(move |State(sim): State<Arc<Sim>>, headers: HeaderMap| async move { handshake(&sim, kind, &headers) })
    };
    Router::new()
        .route("/_sim", get(stats))
        .route("/_sim/keys", get(keys))
        .route("/_sim/mode", post(set_mode))
        .route(CLARITY_PATH, endpoint(SimKind::Clarity))
        .route(CLIENTTRACK_PATH, endpoint(SimKind::Clienttrack))
        .route(HUD_PATH, endpoint(SimKind::Hud))
        .route(CUSTOM_PATH, endpoint(SimKind::Custom))
        .route(
            "/auth/test",
            get(|State(sim): State<Arc<Sim>>, headers: HeaderMap| async move {
                handshake(&sim, SimKind::Clienttrack, &headers)
            }),
        )
        .fallback(post(|State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes| async move {
            upload(sim, SimKind::Plain, headers, body).await
        }))
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

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the request carries `kind`'s demo credentials.
fn authorized(kind: SimKind, headers: &HeaderMap) -> bool {
    use base64::Engine;
    let basic = || {
        let expected = base64::engine::general_purpose::STANDARD.encode(format!("{DEMO_USER}:{DEMO_PASSWORD}"));
        header(headers, "authorization") == Some(format!("Basic {expected}").as_str())
    };
    match kind {
        SimKind::Clarity | SimKind::Hud => basic(),
        SimKind::Clienttrack => {
            header(headers, "ocp-apim-subscription-key") == Some(DEMO_SUBSCRIPTION_KEY)
                && header(headers, "authorization") == Some(format!("ApiKey {DEMO_API_KEY}").as_str())
        }
        SimKind::Custom => header(headers, DEMO_HEADER) == Some(DEMO_HEADER_VALUE),
        SimKind::Plain => true,
    }
}

/// A connection test: 200 with the right credentials, 401 without.
fn handshake(sim: &Sim, kind: SimKind, headers: &HeaderMap) -> Response {
    if authorized(kind, headers) {
        return Json(serde_json::json!({ "ok": true })).into_response();
    }
    lock(&sim.ledger).stats.unauthorized += 1;
    (StatusCode::UNAUTHORIZED, "wrong or missing credentials").into_response()
}

/// Why `body` is not `kind`'s format, if it is not. The file name of a multipart upload.
fn check_format(kind: SimKind, headers: &HeaderMap, body: &[u8]) -> Result<Option<String>, String> {
    let content_type = header(headers, "content-type").unwrap_or("");
    let json = || serde_json::from_slice::<serde_json::Value>(body).map_err(|e| format!("the body is not JSON: {e}"));
    match kind {
        SimKind::Clarity => {
            if !content_type.starts_with("multipart/form-data") {
                return Err("expected a multipart/form-data upload".into());
            }
            let text = String::from_utf8_lossy(body);
            let has_file = text.contains("name=\"file\"");
            let zip = body.windows(4).any(|w| w == b"PK\x03\x04");
            let name = text.split("filename=\"").nth(1).and_then(|rest| rest.split('"').next()).map(str::to_string);
            if !(has_file && zip) {
                return Err("expected a part named file holding a zip".into());
            }
            Ok(name)
        }
        SimKind::Clienttrack => {
            let doc = json()?;
            if doc.get("version").and_then(|v| v.as_u64()) != Some(1)
                || !doc.get("records").is_some_and(|r| r.is_array())
            {
                return Err("expected inventory records, version 1".into());
            }
            Ok(None)
        }
        SimKind::Hud => {
            if !json()?.get("Export.csv").is_some_and(|e| e.is_array()) {
                return Err("expected arrays keyed by CSV file name, Export.csv among them".into());
            }
            Ok(None)
        }
        SimKind::Custom | SimKind::Plain => Ok(header(headers, "content-disposition")
            .and_then(|d| d.split("filename=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .map(str::to_string)),
    }
}

async fn upload(sim: Arc<Sim>, kind: SimKind, headers: HeaderMap, body: Bytes) -> Response {
    let mode = *lock(&sim.mode);
    let (fail, wait) = {
        let mut rng = rand::rng();
        (rng.random::<f64>() < mode.failure_rate, rng.random_range(0..=mode.delay_ms.saturating_mul(2)))
    };
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
    if !authorized(kind, &headers) {
        lock(&sim.ledger).stats.unauthorized += 1;
        return (StatusCode::UNAUTHORIZED, "wrong or missing credentials").into_response();
    }
    let Some(key) = header(&headers, IDEMPOTENCY_HEADER).map(str::to_owned) else {
        lock(&sim.ledger).stats.missing_key += 1;
        return (StatusCode::BAD_REQUEST, format!("missing {IDEMPOTENCY_HEADER} header")).into_response();
    };
    let file_name = match check_format(kind, &headers, &body) {
        Ok(name) => name,
        Err(why) => {
            lock(&sim.ledger).stats.malformed += 1;
            return (StatusCode::UNPROCESSABLE_ENTITY, why).into_response();
        }
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
    let receipt = Receipt {
        kind,
        key: key.clone(),
        bytes: body.len() as u64,
        test: header(&headers, app::vendors::TEST_HEADER) == Some("true"),
        file_name,
        repeat,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let recent = &mut ledger.stats.recent;
    if recent.len() >= 50 {
        recent.remove(0);
    }
    recent.push(receipt);
    drop(ledger);
    Json(serde_json::json!({ "received": key, "repeat": repeat })).into_response()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
