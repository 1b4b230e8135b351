//! Operations' view of a running server, on SQLite and PostgreSQL: `/readyz` says why it is not
//! ready (a pending migration, the database gone, the worker not looping), and a request's id is
//! echoed and follows the push it queued into the worker's log lines.
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, EntityTrait};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use server::worker::{Clock, Worker, WorkerSettings};

async fn get(base: &str, path: &str) -> (u16, String) {
    let res = reqwest::get(format!("{base}{path}")).await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn a_pending_migration_makes_the_server_not_ready(app: TestApp) {
    assert_eq!(get(&app.base, "/readyz").await, (200, "ready\n".into()));
    let db = app.db().await;
    let last = migration::Migrator::migrations().last().map(|m| m.name().to_string()).unwrap();
    db.execute_unprepared(&format!("DELETE FROM seaql_migrations WHERE version = '{last}'")).await.unwrap();
    let (status, body) = get(&app.base, "/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains(&last) && body.contains("hmis-bridge migrate"), "{body}");
    assert_eq!(get(&app.base, "/healthz").await.0, 200, "alive all the same");
    db.execute_unprepared(&format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{last}', 0)"))
        .await
        .unwrap();
    assert_eq!(get(&app.base, "/readyz").await.0, 200);
}
both_backends!(a_pending_migration_makes_the_server_not_ready);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_database_is_gone_is_not_ready() {
    let app = TestApp::spawn(Backend::Postgres).await;
    assert_eq!(get(&app.base, "/readyz").await.0, 200);
    let name = app.database_url().rsplit('/').next().unwrap().to_string();
    let admin = sea_orm::Database::connect(admin_pg_url()).await.unwrap();
    admin.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
    let (status, body) = get(&app.base, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: the database is unreachable\n"));
    assert_eq!(get(&app.base, "/healthz").await.0, 200);
}

struct StubClock(Mutex<DateTime<Utc>>);

impl Clock for StubClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The probes of a process whose worker runs on a stub clock: not ready before its loop first
/// turns, ready while it turns, not ready once it has not for longer than `stall_after`.
async fn readiness_follows_the_workers_loop(store: TestDb) {
    let db = store.db().await;
    let clock = Arc::new(StubClock(Mutex::new(Utc::now())));
    let policy = server::vendors::outbound::OutboundPolicy { allow_loopback: true };
    let adapters =
        server::vendors::Adapters::with_policy(policy, std::time::Duration::from_secs(10), test_vault()).unwrap();
    let settings = WorkerSettings::default();
    let stall_after = chrono::Duration::from_std(settings.stall_after).unwrap();
    let worker = Worker::new(db.clone(), clock.clone(), adapters, settings, Default::default());
    let config = server::config::Settings::load(&store.dir.join("none.toml")).unwrap();
    let probes = server::startup::probes(&config, db, Some(worker.heartbeat())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, probes).await });

    let (status, body) = get(&base, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: the outbox worker has not started its loop\n"));
    worker.drain().await.unwrap();
    assert_eq!(get(&base, "/readyz").await.0, 200);
    *clock.0.lock().unwrap() += stall_after + chrono::Duration::seconds(1);
    let (status, body) = get(&base, "/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("outbox worker's loop has not turned for 71 s"), "{body}");
    worker.drain().await.unwrap();
    assert_eq!(get(&base, "/readyz").await.0, 200);
}
both_backends!(readiness_follows_the_workers_loop, db);

async fn a_request_id_is_echoed_and_follows_its_push_into_the_workers_log(app: TestApp) {
    let http = reqwest::Client::new();
    let echoed = |id: Option<&str>| {
        let mut req = http.get(format!("{}/sign-in", app.base));
        if let Some(id) = id {
            req = req.header("x-request-id", id);
        }
        async move {
            let res = req.send().await.unwrap();
            res.headers()["x-request-id"].to_str().unwrap().to_string()
        }
    };
    assert_eq!(echoed(Some("ops-check.42_a-b")).await, "ops-check.42_a-b");
    for bad in [None, Some("two words"), Some("quote\"d"), Some(&*"x".repeat(65))] {
        let made = echoed(bad).await;
        assert!(made.len() == 32 && made.bytes().all(|b| b.is_ascii_hexdigit()), "{bad:?} gave {made}");
    }

    let mock = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&mock).await;
    let v = add_vendor(&app.db().await, "Clarity", &format!("{}/upload", mock.uri()), true).await;
    let admin = app.signed_in(ADMIN).await;
    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    let form = [("vendor", v.public_id.as_str()), ("token", token.as_str())];
    let headers = [("sec-fetch-site", "same-origin"), ("x-request-id", "push-req-7")];
    assert_eq!(admin.post("queue_hmis_push", &form, "application/json", &headers).await.status, 200);
    let row = app::entities::outbox::Entity::find().one(&app.db().await).await.unwrap().unwrap();
    assert_eq!(row.request_id.as_deref(), Some("push-req-7"));

    let out = app.cli_with(&["worker", "--drain"], &[("HMIS_LOG_FORMAT", "json"), ("RUST_LOG", "info")]);
    assert!(out.status.success(), "{}", output_text(&out));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stderr).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let attempt = lines.iter().find(|l| l["event"] == "outbox.attempt").unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(attempt["span"]["request_id"], "push-req-7", "{attempt}");
    assert_eq!(attempt["outcome"], "delivered");
}
both_backends!(a_request_id_is_echoed_and_follows_its_push_into_the_workers_log);

/// With `otlp_endpoint` set, request spans reach the collector as OTLP/HTTP protobuf, the
/// request id among their attributes; without it (every other test), nothing is exported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_go_to_the_otlp_collector_when_one_is_set() {
    let collector = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&collector).await;
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("HMIS_OTLP_ENDPOINT", &collector.uri()), ("OTEL_BSP_SCHEDULE_DELAY", "100"), ("RUST_LOG", "info")],
    )
    .await;
    let res = reqwest::Client::new()
        .get(format!("{}/login", app.base))
        .header("x-request-id", "otlp-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The batch goes out on the exporter's own schedule (100 ms here).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let traces = loop {
        let received = collector.received_requests().await.unwrap_or_default();
        let found = received.into_iter().find(|r| r.body.windows(12).any(|w| w == b"otlp-check-1"));
        if let Some(request) = found {
            break request;
        }
        assert!(std::time::Instant::now() < deadline, "no span with the request id reached the collector");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(traces.url.path(), "/v1/traces");
    assert_eq!(traces.headers["content-type"], "application/x-protobuf");
    assert!(traces.body.windows(11).any(|w| w == b"hmis-bridge"), "the service name is sent");
}

/// `hmis-bridge backup` copies a running server's SQLite database into a new private file that
/// opens with the same data; it never overwrites, and on PostgreSQL it points to pg_dump.
async fn a_backup_is_a_consistent_private_copy(app: TestApp) {
    let out = app.scratch().join("backup.db");
    let arg = out.to_str().unwrap();
    let done = app.cli(&["backup", "--out", arg]);
    if app.sqlite_file().is_none() {
        assert!(!done.status.success() && output_text(&done).contains("pg_dump"), "{}", output_text(&done));
        return;
    }
    assert!(done.status.success(), "{}", output_text(&done));
    assert!(output_text(&done).contains("Keep the secret key with it"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    let copy = sea_orm::Database::connect(format!("sqlite://{arg}?mode=ro")).await.unwrap();
    let shelters = |db: sea_orm::DatabaseConnection| async move {
        app::entities::shelter::Entity::find().all(&db).await.unwrap().len()
    };
    assert_eq!(shelters(copy).await, shelters(app.db().await).await);
    let again = app.cli(&["backup", "--out", arg]);
    assert!(!again.status.success() && output_text(&again).contains("never overwrites"), "{}", output_text(&again));
}
both_backends!(a_backup_is_a_consistent_private_copy);
