//! The delivery worker against a wiremock vendor, on SQLite and PostgreSQL, with a stub clock:
//! retries with growing delays, dead letters, permanent rejections, Retry-After, and the circuit
//! breaker snoozing rows without using attempts. No sleeps: `drain()` runs rounds until nothing
//! is due at the stub clock's time.
use std::sync::{Arc, Mutex};

use crate::common::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use app::entities::{outbox, vendor};
use app::outbox::ssr::{NewDelivery, enqueue};
use server::vendors::Adapters;
use server::vendors::http_post::HttpPost;
use server::vendors::outbound::OutboundPolicy;
use server::worker::breaker::BreakerState;
use server::worker::{Clock, Worker, WorkerSettings};

struct StubClock(Mutex<DateTime<Utc>>);

impl StubClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for StubClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap()
}

struct Harness {
    db: DatabaseConnection,
    clock: Arc<StubClock>,
    worker: Arc<Worker>,
    vendor: vendor::Model,
    mock: MockServer,
}

/// A worker on `db` with `clock` that delivers over HTTP, loopback allowed (the mock vendor).
fn loopback_worker(db: DatabaseConnection, clock: Arc<StubClock>, settings: WorkerSettings) -> Arc<Worker> {
    let policy = OutboundPolicy { allow_loopback: true };
    let adapters = Adapters::with_policy(policy, std::time::Duration::from_secs(10), test_vault()).unwrap();
    Worker::new(db, clock, adapters, settings, Default::default())
}

async fn harness(app: &TestDb) -> Harness {
    let db = app.db().await;
    let mock = MockServer::start().await;
    let vendor = add_vendor(&db, "Loopback Clarity", &format!("{}/upload", mock.uri()), true).await;
    let clock = Arc::new(StubClock(Mutex::new(t0())));
    let worker = loopback_worker(db.clone(), clock.clone(), WorkerSettings::default());
    Harness { db, clock, worker, vendor, mock }
}

impl Harness {
    async fn push(&self, key: &str) -> outbox::Model {
        let txn = app::ssr::begin_write(&self.db).await.unwrap();
        let d = NewDelivery {
            tenant_id: self.vendor.tenant_id,
            vendor_id: self.vendor.id,
            payload: format!("zip of {key}").into_bytes(),
            payload_name: format!("{key}.zip"),
            payload_format: app::vendors::PayloadFormat::HmisCsvZip,
            target: app::vendors::DeliveryTarget::Production,
            record_count: 17,
            idempotency_key: key,
            dv_epoch: 0,
            request_id: None,
        };
        let (row, _) = enqueue(&txn, d, self.clock.now()).await.unwrap();
        txn.commit().await.unwrap();
        row
    }

    async fn row(&self, id: i64) -> outbox::Model {
        outbox::Entity::find_by_id(id).one(&self.db).await.unwrap().unwrap()
    }

    /// `n` rows for the vendor straight into the table (a push would supersede the ones before).
    async fn insert_rows(&self, n: usize) {
        let rows: Vec<outbox::ActiveModel> = (0..n)
            .map(|i| new_outbox_row(&self.vendor, &format!("row-{i}"), format!("zip {i}").into_bytes(), t0()))
            .collect();
        outbox::Entity::insert_many(rows).exec(&self.db).await.unwrap();
    }

    async fn circuit_open_until(&self) -> Option<DateTime<Utc>> {
        vendor::Entity::find_by_id(self.vendor.id).one(&self.db).await.unwrap().unwrap().circuit_open_until
    }

    async fn received(&self) -> Vec<String> {
        let requests = self.mock.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .filter_map(|r| r.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string))
            .collect()
    }
}

async fn a_transient_failure_is_retried_later_then_delivered(app: TestDb) {
    let h = harness(&app).await;
    Mock::given(method("POST"))
        .and(path("/upload"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&h.mock)
        .await;
    Mock::given(method("POST"))
        .and(header_exists("idempotency-key"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&h.mock)
        .await;
    let r = h.push("push-1").await;

    assert_eq!(h.worker.drain().await.unwrap().attempted, 1);
    let after = h.row(r.id).await;
    assert_eq!((after.state.as_str(), after.attempt), ("retryable", 1));
    let wait = after.scheduled_at - t0();
    assert!(wait >= Duration::seconds(15) && wait <= Duration::seconds(30), "first retry after 15-30 s: {wait}");
    assert_eq!(h.worker.drain().await.unwrap().attempted, 0, "not before its time");

    h.clock.advance(wait);
    h.worker.drain().await.unwrap();
    let done = h.row(r.id).await;
    assert_eq!((done.state.as_str(), done.attempt), ("completed", 2));
    assert_eq!(h.received().await, ["push-1", "push-1"], "the repeat carries the same idempotency key");
}
both_backends!(a_transient_failure_is_retried_later_then_delivered, db);

async fn three_failures_dead_letter_and_a_400_discards_at_once(app: TestDb) {
    let h = harness(&app).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream down"))
        .mount(&h.mock)
        .await;
    let r = h.push("push-1").await;
    let mut waits = Vec::new();
    for _ in 0..3 {
        h.worker.drain().await.unwrap();
        let now = h.row(r.id).await;
        if now.state == State::Retryable {
            waits.push(now.scheduled_at - h.clock.now());
            h.clock.advance(now.scheduled_at - h.clock.now());
        }
    }
    let dead = h.row(r.id).await;
    assert_eq!((dead.state.as_str(), dead.attempt), ("discarded", 3));
    let errors: Vec<serde_json::Value> = serde_json::to_value(&dead.errors).and_then(serde_json::from_value).unwrap();
    assert_eq!(errors.len(), 3);
    assert!(errors[0]["error"].as_str().unwrap().contains("upstream down"));
    assert!(waits[1] > waits[0], "delays grow: {waits:?}");

    h.mock.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("CoCCode unknown"))
        .mount(&h.mock)
        .await;
    let bad = h.push("push-2").await;
    h.worker.drain().await.unwrap();
    let rejected = h.row(bad.id).await;
    assert_eq!((rejected.state.as_str(), rejected.attempt), ("discarded", 1));
    assert!(rejected.errors.to_string().contains("HTTP 400: CoCCode unknown"));
}
both_backends!(three_failures_dead_letter_and_a_400_discards_at_once, db);

async fn retry_after_is_honoured(app: TestDb) {
    let h = harness(&app).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
        .mount(&h.mock)
        .await;
    let r = h.push("push-1").await;
    h.worker.drain().await.unwrap();
    let after = h.row(r.id).await;
    assert_eq!(after.state, State::Retryable);
    assert_eq!(after.scheduled_at, t0() + Duration::seconds(600));
}
both_backends!(retry_after_is_honoured, db);

async fn an_open_circuit_snoozes_rows_without_using_attempts_and_recovery_drains_them(app: TestDb) {
    let h = harness(&app).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&h.mock).await;
    // Five failures in a row open the circuit. Each push supersedes the one before, so each
    // failure belongs to a different row.
    for i in 0..5 {
        h.push(&format!("fail-{i}")).await;
        h.worker.drain().await.unwrap();
    }
    assert_eq!(h.worker.breaker_state(h.vendor.id), BreakerState::Open);
    assert_eq!(
        h.circuit_open_until().await,
        Some(t0() + Duration::seconds(30)),
        "recorded for the tab and the metrics"
    );
    let waiting = h.push("after-outage").await;
    let round = h.worker.drain().await.unwrap();
    assert_eq!((round.attempted, round.snoozed), (0, 1));
    let snoozed = h.row(waiting.id).await;
    assert_eq!((snoozed.state.as_str(), snoozed.attempt), ("available", 0), "no attempt used");
    assert_eq!(h.received().await.len(), 5, "nothing sent while open");

    // The vendor recovers; after the cool-down one probe goes through and closes the circuit.
    h.mock.reset().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&h.mock).await;
    h.clock.advance(Duration::seconds(30));
    assert_eq!(h.worker.breaker_state(h.vendor.id), BreakerState::HalfOpen);
    h.worker.drain().await.unwrap();
    assert_eq!(h.row(waiting.id).await.state, State::Completed);
    assert_eq!(h.worker.breaker_state(h.vendor.id), BreakerState::Closed);
    assert_eq!(h.circuit_open_until().await, None);
    let waiting_rows = outbox::Entity::find()
        .filter(outbox::Column::State.is_in(["available", "retryable", "running"]))
        .all(&h.db)
        .await
        .unwrap();
    assert!(waiting_rows.is_empty(), "{waiting_rows:?}");
}
both_backends!(an_open_circuit_snoozes_rows_without_using_attempts_and_recovery_drains_them, db);

async fn a_schedule_pushes_once_per_period_whichever_replica_runs(app: TestDb) {
    let h = harness(&app).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&h.mock).await;
    let mut v: vendor::ActiveModel = h.vendor.clone().into();
    v.push_interval_minutes = sea_orm::ActiveValue::Set(Some(60));
    sea_orm::ActiveModelTrait::update(v, &h.db).await.unwrap();
    // A second replica: its own worker on its own connection pool, the same clock.
    let replica = loopback_worker(app.db().await, h.clock.clone(), WorkerSettings::default());

    assert_eq!(h.worker.drain().await.unwrap().attempted, 1, "the first period's push");
    h.clock.advance(Duration::minutes(10));
    assert_eq!(replica.drain().await.unwrap().attempted, 0, "the same period on another replica");
    assert_eq!(h.worker.drain().await.unwrap().attempted, 0);
    h.clock.advance(Duration::minutes(50));
    assert_eq!(replica.drain().await.unwrap().attempted, 1, "the next period");
    let keys = h.received().await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.starts_with(&format!("schedule-{}-", h.vendor.public_id))), "{keys:?}");
    assert_ne!(keys[0], keys[1]);
    let zip = crate::common::hmis_spec::validate(&h.mock.received_requests().await.unwrap()[0].body);
    assert!(zip.is_ok(), "a scheduled push sends the export zip: {:?}", zip.err());
}
both_backends!(a_schedule_pushes_once_per_period_whichever_replica_runs, db);

/// One worker's vendor adapter in the two-workers test: it says when its worker's first delivery
/// started and holds every delivery until the other worker's first one has started too, so the
/// test knows both workers delivered (neither could drain all the rows alone).
struct Handover {
    delivery: Arc<dyn server::vendors::VendorAdapter>,
    started: tokio::sync::watch::Sender<bool>,
    other: tokio::sync::watch::Receiver<bool>,
}

#[async_trait::async_trait]
impl server::vendors::VendorAdapter for Handover {
    async fn deliver(&self, to: &server::vendors::Destination<'_>, row: &outbox::Model) -> app::outbox::state::Outcome {
        self.started.send_replace(true);
        let _ = self.other.clone().wait_for(|started| *started).await;
        self.delivery.deliver(to, row).await
    }

    async fn check(&self, to: &server::vendors::Destination<'_>) -> app::vendors::Checked {
        self.delivery.check(to).await
    }
}

async fn two_workers_on_one_database_deliver_every_row_exactly_once(app: TestDb) {
    let h = harness(&app).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&h.mock).await;
    // More rows than one drain holds at once (8 x concurrency), so the second worker finds some.
    const N: usize = 120;
    h.insert_rows(N).await;
    let (a_started, a_seen) = tokio::sync::watch::channel(false);
    let (b_started, b_seen) = tokio::sync::watch::channel(false);
    let http: Arc<dyn server::vendors::VendorAdapter> = Arc::new(server::vendors::custom::Custom(Arc::new(
        HttpPost::new(std::time::Duration::from_secs(10), OutboundPolicy { allow_loopback: true }).unwrap(),
    )));
    let worker = |started, other| {
        let handover = Handover { delivery: http.clone(), started, other };
        Worker::new(
            h.db.clone(),
            h.clock.clone(),
            Adapters::uniform(Arc::new(handover), test_vault()),
            WorkerSettings::default(),
            Default::default(),
        )
    };
    let (a, b) = (worker(a_started, b_seen), worker(b_started, a_seen));

    let (a, b) = tokio::join!(a.drain(), b.drain());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.attempted > 0 && b.attempted > 0, "both workers delivered: {a:?} {b:?}");
    assert_eq!(a.attempted + b.attempted, N);
    let mut keys = h.received().await;
    keys.sort();
    let before = keys.len();
    keys.dedup();
    assert_eq!((before, keys.len()), (N, N), "every row delivered once, none twice");
    let completed = outbox::Entity::find().filter(outbox::Column::State.eq("completed")).all(&h.db).await.unwrap();
    assert_eq!(completed.len(), N);
}
both_backends!(two_workers_on_one_database_deliver_every_row_exactly_once, db);

/// Answers after a moment, and says when the first upload arrived.
struct SlowVendor(Arc<tokio::sync::Notify>);

impl wiremock::Respond for SlowVendor {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        self.0.notify_one();
        ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(300))
    }
}

async fn shutdown_lets_deliveries_under_way_finish_and_puts_the_rest_back_unattempted(app: TestDb) {
    let h = harness(&app).await;
    let arrived = Arc::new(tokio::sync::Notify::new());
    Mock::given(method("POST")).respond_with(SlowVendor(arrived.clone())).mount(&h.mock).await;
    h.insert_rows(20).await;
    let worker =
        loopback_worker(h.db.clone(), h.clock.clone(), WorkerSettings { concurrency: 2, ..WorkerSettings::default() });

    // Shut down as soon as the first upload reaches the vendor: deliveries are under way and
    // more rows are claimed, waiting for a slot.
    worker.run(async move { arrived.notified().await }).await;

    let rows = outbox::Entity::find().all(&h.db).await.unwrap();
    let completed = rows.iter().filter(|r| r.state == State::Completed).count();
    let sent = h.received().await.len();
    assert!(completed >= 1 && completed == sent, "what went out finished: {completed} completed, {sent} sent");
    for r in rows.iter().filter(|r| r.state != State::Completed) {
        assert_eq!(
            (r.state.as_str(), r.attempt, r.locked_until),
            ("available", 0, None),
            "put back unattempted: {r:?}"
        );
    }
    assert_eq!(rows.len(), 20);
}
both_backends!(shutdown_lets_deliveries_under_way_finish_and_puts_the_rest_back_unattempted, db);

/// A wiremock answer that tells the test when the first delivery arrives and holds it until the
/// test lets it go (std channels: wiremock's responders are synchronous).
struct Gate {
    arrived: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    release: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl wiremock::Respond for Gate {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        if let Some(arrived) = self.arrived.lock().unwrap().take() {
            let _ = arrived.send(());
            let _ = self.release.lock().unwrap().recv();
        }
        ResponseTemplate::new(200)
    }
}

/// DESIGN.md 4.4: a row the worker claimed ahead and that is cancelled while it waits (a DV
/// change cancels every payload built before it) is withdrawn, never sent.
async fn a_claimed_row_cancelled_while_it_waits_is_not_sent(app: TestDb) {
    let h = harness(&app).await;
    let (arrived_tx, arrived_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let gate = Gate { arrived: Mutex::new(Some(arrived_tx)), release: Mutex::new(release_rx) };
    Mock::given(method("POST")).respond_with(gate).mount(&h.mock).await;
    // One delivery at a time: the first is in flight while the second waits, claimed.
    let worker =
        loopback_worker(h.db.clone(), h.clock.clone(), WorkerSettings { concurrency: 1, ..WorkerSettings::default() });
    h.insert_rows(2).await;
    let rows = outbox::Entity::find().filter(outbox::Column::VendorId.eq(h.vendor.id)).all(&h.db).await.unwrap();
    let second = rows.iter().max_by_key(|r| r.id).unwrap().clone();
    let draining = tokio::spawn(async move { worker.drain().await.unwrap() });
    tokio::task::spawn_blocking(move || arrived_rx.recv()).await.unwrap().expect("the first delivery arrives");
    let waiting = h.row(second.id).await;
    assert_eq!(waiting.state, State::Running, "claimed ahead");
    let tenant = waiting.tenant_id;
    let txn = app::ssr::begin_write(&h.db).await.unwrap();
    app::outbox::ssr::dv_changed(&txn, tenant, h.clock.now()).await.unwrap();
    txn.commit().await.unwrap();
    release_tx.send(()).unwrap();
    let round = draining.await.unwrap();
    assert_eq!((round.attempted, round.withdrawn), (1, 1), "{round:?}");
    assert_eq!(h.received().await.len(), 1, "only the delivery under way went out");
    assert_eq!(h.row(second.id).await.state, State::Cancelled);
}
both_backends!(a_claimed_row_cancelled_while_it_waits_is_not_sent, db);
