//! The outbox's database side on SQLite and PostgreSQL, with a stub clock (times are passed in)
//! and barriers, no sleeps: idempotent enqueue, superseding, exclusive claims, the attempt state
//! machine with its audit, snoozing, and rescuing expired leases.
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::common::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use app::entities::{outbox, push_audit, vendor};
use app::outbox::ssr::{AttemptRecord, NewDelivery, claim, enqueue, finish, rescue_expired, snooze};
use app::outbox::state::{AttemptError, AuditOutcome, Outcome, State, after_attempt};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap()
}

async fn a_vendor(db: &DatabaseConnection) -> vendor::Model {
    add_vendor(db, "Loopback Clarity", "http://127.0.0.1:9/upload", true).await
}

async fn put(db: &DatabaseConnection, v: &vendor::Model, key: &str, now: DateTime<Utc>) -> (outbox::Model, bool) {
    let txn = app::ssr::begin_write(db).await.unwrap();
    let d = NewDelivery {
        tenant_id: v.tenant_id,
        vendor_id: v.id,
        payload: key.as_bytes().to_vec(),
        payload_name: format!("{key}.zip"),
        payload_format: app::vendors::PayloadFormat::HmisCsvZip,
        target: app::vendors::DeliveryTarget::Production,
        record_count: 3,
        idempotency_key: key,
        dv_epoch: 0,
        request_id: None,
    };
    let out = enqueue(&txn, d, now).await.unwrap();
    txn.commit().await.unwrap();
    out
}

async fn row(db: &DatabaseConnection, id: i64) -> outbox::Model {
    outbox::Entity::find_by_id(id).one(db).await.unwrap().unwrap()
}

fn errors(row: &outbox::Model) -> Vec<AttemptError> {
    row.errors.0.clone()
}

fn backoff(attempt: i32, _: Option<std::time::Duration>) -> std::time::Duration {
    std::time::Duration::from_secs(60 * attempt as u64)
}

async fn a_double_push_is_one_row_and_a_newer_push_supersedes_waiting_rows(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    let (first, created) = put(&db, &v, "push-1", t0()).await;
    assert!(created);
    assert_eq!((first.state.as_str(), first.attempt, first.max_attempts), ("available", 0, 3));
    assert_eq!(first.payload_sha256, app::outbox::ssr::sha256_hex(b"push-1"));
    let (again, created) = put(&db, &v, "push-1", t0()).await;
    assert!(!created, "the same key again is the same row");
    assert_eq!(again.id, first.id);

    let (newer, _) = put(&db, &v, "push-2", t0() + Duration::minutes(1)).await;
    let old = row(&db, first.id).await;
    assert_eq!(old.state, State::Cancelled);
    assert!(old.finalized_at.is_some());
    assert!(errors(&old)[0].error.contains("superseded"));
    assert_eq!(row(&db, newer.id).await.state, State::Available);
    let total = outbox::Entity::find().all(&db).await.unwrap().len();
    assert_eq!(total, 2);
}
both_backends!(a_double_push_is_one_row_and_a_newer_push_supersedes_waiting_rows, db);

async fn concurrent_claimers_never_share_a_row(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    // 60 pushes; each supersedes the one before, so make them all waiting again afterwards.
    for i in 0..60 {
        put(&db, &v, &format!("k{i}"), t0()).await;
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::State, sea_orm::sea_query::Expr::value("available"))
        .col_expr(outbox::Column::FinalizedAt, sea_orm::sea_query::Expr::value(None::<DateTime<Utc>>))
        .filter(outbox::Column::VendorId.eq(v.id))
        .exec(&db)
        .await
        .unwrap();
    let workers = 4;
    let barrier = Arc::new(tokio::sync::Barrier::new(workers));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        // Each worker has its own connection pool, as separate replicas do.
        let db = app.db().await;
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut mine = Vec::new();
            loop {
                let rows = claim(&db, t0(), 5, Duration::minutes(5)).await.unwrap();
                if rows.is_empty() {
                    return mine;
                }
                mine.extend(rows.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a row was claimed twice");
    assert_eq!(all.len(), 60, "every due row was claimed");
    assert!(
        claim(&db, t0(), 5, Duration::minutes(5)).await.unwrap().is_empty(),
        "a claimed row is invisible to the next claim"
    );
}
both_backends!(concurrent_claimers_never_share_a_row, db);

async fn transient_failures_back_off_then_dead_letter_with_every_error_audited(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    let (r, _) = put(&db, &v, "push-1", t0()).await;
    let mut now = t0();
    for attempt in 1..=3 {
        let claimed = claim(&db, now, 10, Duration::minutes(5)).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        assert_eq!((claimed[0].state.as_str(), claimed[0].attempt), ("running", attempt));
        let outcome = Outcome::Transient { error: format!("HTTP 503 on try {attempt}"), retry_after: None };
        let next = after_attempt(claimed[0].attempt, claimed[0].max_attempts, outcome, now, backoff);
        let record =
            AttemptRecord { outcome: AuditOutcome::Transient, detail: "HTTP 503", sent_sha256: None, duration: None };
        assert!(finish(&db, &claimed[0], next, record, now).await.unwrap());
        let after = row(&db, r.id).await;
        if attempt < 3 {
            assert_eq!(after.state, State::Retryable);
            assert_eq!(after.scheduled_at, now + Duration::minutes(attempt as i64), "the delay grows with the attempt");
            assert!(claim(&db, now, 10, Duration::minutes(5)).await.unwrap().is_empty(), "not due before its time");
            now = after.scheduled_at;
        } else {
            assert_eq!(after.state, State::Discarded);
            assert_eq!(after.finalized_at, Some(now));
            let errs = errors(&after);
            assert_eq!(errs.iter().map(|e| e.attempt).collect::<Vec<_>>(), [1, 2, 3]);
            assert!(errs[2].error.contains("gave up after 3 attempts"));
        }
    }
    let audit = push_audit::Entity::find().filter(push_audit::Column::OutboxId.eq(r.id)).all(&db).await.unwrap();
    assert_eq!(audit.iter().map(|a| a.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(audit.iter().all(|a| a.payload_sha256 == r.payload_sha256 && a.records == 3));
}
both_backends!(transient_failures_back_off_then_dead_letter_with_every_error_audited, db);

async fn a_permanent_failure_discards_at_once_and_a_success_completes(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    let (r, _) = put(&db, &v, "push-1", t0()).await;
    let claimed = claim(&db, t0(), 10, Duration::minutes(5)).await.unwrap().remove(0);
    let next = after_attempt(1, 3, Outcome::Permanent { error: "HTTP 400: CoCCode unknown".into() }, t0(), backoff);
    finish(
        &db,
        &claimed,
        next,
        AttemptRecord { outcome: AuditOutcome::Permanent, detail: "HTTP 400", sent_sha256: None, duration: None },
        t0(),
    )
    .await
    .unwrap();
    let after = row(&db, r.id).await;
    assert_eq!((after.state.as_str(), after.attempt), ("discarded", 1));
    assert_eq!(errors(&after)[0].error, "HTTP 400: CoCCode unknown");

    let (ok, _) = put(&db, &v, "push-2", t0()).await;
    let claimed = claim(&db, t0(), 10, Duration::minutes(5)).await.unwrap().remove(0);
    finish(
        &db,
        &claimed,
        after_attempt(1, 3, Outcome::Delivered, t0(), backoff),
        AttemptRecord { outcome: AuditOutcome::Delivered, detail: "HTTP 200", sent_sha256: None, duration: None },
        t0(),
    )
    .await
    .unwrap();
    let done = row(&db, ok.id).await;
    assert_eq!((done.state.as_str(), done.finalized_at, done.locked_until), ("completed", Some(t0()), None));
}
both_backends!(a_permanent_failure_discards_at_once_and_a_success_completes, db);

async fn a_snoozed_row_keeps_its_attempts(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    let (r, _) = put(&db, &v, "push-1", t0()).await;
    let claimed = claim(&db, t0(), 10, Duration::minutes(5)).await.unwrap().remove(0);
    assert!(snooze(&db, &claimed, t0() + Duration::seconds(30)).await.unwrap());
    let after = row(&db, r.id).await;
    assert_eq!(
        (after.state.as_str(), after.attempt, after.scheduled_at),
        ("available", 0, t0() + Duration::seconds(30))
    );
    assert!(claim(&db, t0(), 10, Duration::minutes(5)).await.unwrap().is_empty());
    assert_eq!(claim(&db, t0() + Duration::seconds(30), 10, Duration::minutes(5)).await.unwrap()[0].attempt, 1);
}
both_backends!(a_snoozed_row_keeps_its_attempts, db);

async fn an_expired_lease_is_rescued_and_the_late_worker_cannot_overwrite_it(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    let (r, _) = put(&db, &v, "push-1", t0()).await;
    // A worker claims the row, then "crashes": its lease runs out.
    let lost = claim(&db, t0(), 10, Duration::minutes(1)).await.unwrap().remove(0);
    assert_eq!(rescue_expired(&db, t0() + Duration::seconds(59)).await.unwrap(), 0, "a live lease is left alone");
    assert_eq!(rescue_expired(&db, t0() + Duration::minutes(2)).await.unwrap(), 1);
    let rescued = row(&db, r.id).await;
    assert_eq!((rescued.state.as_str(), rescued.locked_until), ("retryable", None));
    assert!(errors(&rescued)[0].error.contains("lease expired"));
    // The late worker's outcome does not overwrite the rescued row (the attempt is still audited).
    let late = after_attempt(1, 3, Outcome::Delivered, t0() + Duration::minutes(3), backoff);
    assert!(
        !finish(
            &db,
            &lost,
            late,
            AttemptRecord { outcome: AuditOutcome::Delivered, detail: "late", sent_sha256: None, duration: None },
            t0()
        )
        .await
        .unwrap()
    );
    assert_eq!(row(&db, r.id).await.state, State::Retryable);
    let again = claim(&db, t0() + Duration::minutes(3), 10, Duration::minutes(1)).await.unwrap();
    assert_eq!(again[0].attempt, 2);
}
both_backends!(an_expired_lease_is_rescued_and_the_late_worker_cannot_overwrite_it, db);

async fn the_schema_refuses_a_terminal_state_without_finalized_at(app: TestDb) {
    let db = app.db().await;
    let v = a_vendor(&db).await;
    let (r, _) = put(&db, &v, "push-1", t0()).await;
    for (state, finalized) in [("completed", "NULL"), ("available", "CURRENT_TIMESTAMP"), ("finished", "NULL")] {
        let sql = format!("UPDATE outbox SET state = '{state}', finalized_at = {finalized} WHERE id = {}", r.id);
        assert!(db.execute_unprepared(&sql).await.is_err(), "{state} with finalized_at {finalized} was accepted");
    }
    assert_eq!(row(&db, r.id).await.state, State::Available);
}
both_backends!(the_schema_refuses_a_terminal_state_without_finalized_at, db);

/// The plan `db` makes for `statement`, one line a step. On PostgreSQL it is the generic plan of
/// the statement prepared (PREPARE, then EXPLAIN EXECUTE under `plan_cache_mode =
/// force_generic_plan`), as the driver runs it: a plain EXPLAIN with parameters plans for their
/// values, where a generic plan knows none of them; sequential scans are off, so any usable index
/// beats a scan of the small test table. SQLite plans a statement for its bound values either way
/// (it prepares it again when a value could change the plan), so there it is EXPLAIN QUERY PLAN's
/// details.
async fn plan(db: &DatabaseConnection, statement: sea_orm::Statement) -> String {
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder};
    static PREPARED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let txn = db.begin().await.unwrap();
    let backend = txn.get_database_backend();
    let values = statement.values.map(|v| v.0).unwrap_or_default();
    let (explain, column) = if backend == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan")
            .await
            .unwrap();
        let name = format!("planned_{}", PREPARED.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        txn.execute_unprepared(&format!("PREPARE {name} AS {}", statement.sql)).await.unwrap();
        let args: Vec<String> = values.iter().map(|v| PostgresQueryBuilder.value_to_string(v)).collect();
        let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
        (sea_orm::Statement::from_string(backend, format!("EXPLAIN EXECUTE {name}{args}")), 0)
    } else {
        (sea_orm::Statement::from_sql_and_values(backend, format!("EXPLAIN QUERY PLAN {}", statement.sql), values), 3)
    };
    let steps: Vec<String> = txn
        .query_all_raw(explain)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(column).unwrap())
        .collect();
    steps.join("\n")
}

/// On PostgreSQL the claim reads the partial index of waiting rows in claim order (m0006), and
/// the rescuer and the gauges the partial index of the queue (m0007), also in a generic plan,
/// where the planner knows no parameter's value (without m0006 the claim read and sorted every due
/// row, and every dead version earlier claims left, to take a few).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_queries_read_the_partial_indexes_on_postgres() {
    use sea_orm::QueryTrait;
    let app = TestDb::demo(Backend::Postgres).await;
    let db = app.db().await;
    let backend = db.get_database_backend();
    let claim = plan(&db, backend.build(&app::outbox::ssr::due(t0(), 32))).await;
    assert!(
        claim.contains("idx_outbox_waiting") && !claim.contains("Sort"),
        "the claim does not read idx_outbox_waiting in order:\n{claim}"
    );
    for (what, statement) in [
        ("the rescuer", app::outbox::ssr::expired(t0()).build(backend)),
        ("the queue gauges", app::outbox::ssr::queue_counts().build(backend)),
    ] {
        let plan = plan(&db, statement).await;
        assert!(plan.contains("idx_outbox_queue"), "{what} does not read idx_outbox_queue:\n{plan}");
    }
}

/// The tab's reads of the push audit use m0008's indexes on both databases, so they stay quick as
/// the history grows: a vendor's last failure reads the partial index of failed attempts (before
/// it, the query walked every delivery since that failure: 160 ms at 100,000 rows back), and the
/// history pages through a CoC's attempts by id.
async fn the_tabs_audit_queries_read_their_indexes(app: TestDb) {
    use sea_orm::{QueryOrder, QuerySelect, QueryTrait};
    let db = app.db().await;
    let backend = db.get_database_backend();
    let ours = || push_audit::Entity::find().filter(push_audit::Column::TenantId.eq(1));
    let queries = [
        (
            "a vendor's last failure",
            "idx_audit_vendor_failures",
            app::outbox::ssr::vendor_attempts(ours(), 1, false).limit(1),
        ),
        (
            "a page of the history",
            "idx_audit_tenant_id",
            ours().order_by_desc(push_audit::Column::Id).limit(25).offset(50),
        ),
    ];
    for (what, index, query) in queries {
        let plan = plan(&db, query.build(backend)).await;
        assert!(plan.contains(index), "{what} does not read {index}:\n{plan}");
    }
}
both_backends!(the_tabs_audit_queries_read_their_indexes, db);
