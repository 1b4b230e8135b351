//! The outbox in the database. Enqueue runs inside the caller's transaction (the one that decided
//! to push); claiming is one short statement; an attempt's outcome and its audit row are written
//! together, and only while the row is still this claim's (a rescued row is not overwritten).
//! Nothing here holds a transaction across a vendor call.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};

use super::state::{AttemptError, AttemptErrors, AuditOutcome, Next, State};
use crate::entities::{outbox, push_audit};
use crate::error::AppError;

/// Attempts a delivery gets before it is dead-lettered (DESIGN.md 5).
pub const MAX_ATTEMPTS: i32 = 3;

/// One delivery to enqueue: the exact bytes to send, fixed now.
pub struct NewDelivery<'a> {
    pub tenant_id: i64,
    pub vendor_id: i64,
    pub payload: Vec<u8>,
    pub record_count: i32,
    /// Unique per vendor: the same key twice is one row (a double click, a retried form, two
    /// replicas' schedulers in the same period). Also sent to the vendor so it can drop repeats.
    pub idempotency_key: &'a str,
    /// The tenant's DV epoch the payload was built in (`ExportZip::dv_epoch`).
    pub dv_epoch: i32,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Enqueue `d` in `txn`. Returns the row and whether this call created it. A new row supersedes
/// the vendor's rows still waiting: they are cancelled, so a vendor never gets an older inventory
/// after a newer one. A payload built before the tenant's last DV change is refused
/// ([`STALE_PAYLOAD`]).
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    d: NewDelivery<'_>,
    now: DateTime<Utc>,
) -> Result<(outbox::Model, bool), AppError> {
    if stale(txn, d.tenant_id, d.dv_epoch).await? {
        return Err(AppError::Conflict(STALE_PAYLOAD.into()));
    }
    let row = outbox::ActiveModel {
        public_id: Set(crate::ssr::public_id::new()),
        tenant_id: Set(d.tenant_id),
        vendor_id: Set(d.vendor_id),
        state: Set(State::Available),
        attempt: Set(0),
        max_attempts: Set(MAX_ATTEMPTS),
        scheduled_at: Set(now),
        attempted_at: Set(None),
        locked_until: Set(None),
        finalized_at: Set(None),
        errors: Set(AttemptErrors::default()),
        payload_sha256: Set(sha256_hex(&d.payload)),
        payload: Set(d.payload),
        record_count: Set(d.record_count),
        idempotency_key: Set(d.idempotency_key.to_string()),
        created_at: Set(now),
        dv_epoch: Set(d.dv_epoch),
        ..Default::default()
    };
    let inserted = outbox::Entity::insert(row)
        .on_conflict_do_nothing_on([outbox::Column::VendorId, outbox::Column::IdempotencyKey])
        .exec_without_returning(txn)
        .await?;
    let row = outbox::Entity::find()
        .filter(outbox::Column::VendorId.eq(d.vendor_id))
        .filter(outbox::Column::IdempotencyKey.eq(d.idempotency_key))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::bug("the outbox row just inserted (or kept) is not there"))?;
    let created = matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0);
    if created {
        let older = outbox::Entity::find()
            .filter(outbox::Column::VendorId.eq(d.vendor_id))
            .filter(waiting())
            .filter(outbox::Column::Id.ne(row.id))
            .all(txn)
            .await?;
        for old in older {
            cancel(txn, &old, now, "as superseded by a newer push", &[State::Available, State::Retryable]).await?;
        }
    }
    Ok((row, created))
}

/// `state IN (...)` with the states written as literals. Every query that finds outbox rows by
/// their state (not by id, where the state is only a guard) writes it this way, never with bound
/// values: on PostgreSQL the outbox's state indexes are partial (`WAITING`, `QUEUE`), and the
/// planner uses a partial index only when it can prove the query's WHERE implies the index's,
/// which a parameter never proves in a generic plan.
pub fn states_sql(states: &[State]) -> String {
    let list: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("state IN ({})", list.join(", "))
}

/// `states_sql` as a condition.
pub fn in_states(states: &[State]) -> Expr {
    Expr::cust(states_sql(states))
}

/// The rows that wait to be claimed: the predicate of migration m0006's partial index
/// `idx_outbox_waiting` (scheduled_at, id; PostgreSQL), which the claim reads in order.
pub const WAITING: &str = "state IN ('available', 'retryable')";

/// The queue and the dead letters (what `/metrics`, the tab and the rescuer count or look for):
/// the predicate of migration m0007's partial index `idx_outbox_queue` (state, scheduled_at;
/// PostgreSQL). Finished rows are not in it, so a delivery's completion adds no entry to it and
/// the index stays the size of the queue however long the history grows.
pub const QUEUE: &str = "state IN ('available', 'running', 'retryable', 'discarded')";

/// The attempts that did not deliver: the predicate of migration m0008's partial index
/// `idx_audit_vendor_failures` (vendor_id, id), written as a literal for the reason `states_sql`
/// gives (SQLite uses the index for any query that repeats the condition).
pub const FAILED: &str = "outcome <> 'delivered'";

/// A vendor's attempts in `audit` (a CoC's, from `Access`), newest first: its deliveries, or with
/// `delivered` false its failures, which `idx_audit_vendor_failures` lists without walking the
/// deliveries between them.
pub fn vendor_attempts(
    audit: sea_orm::Select<push_audit::Entity>,
    vendor_id: i64,
    delivered: bool,
) -> sea_orm::Select<push_audit::Entity> {
    let outcome = if delivered { push_audit::Column::Outcome.eq(AuditOutcome::Delivered) } else { Expr::cust(FAILED) };
    audit.filter(push_audit::Column::VendorId.eq(vendor_id)).filter(outcome).order_by_desc(push_audit::Column::Id)
}

fn waiting() -> Expr {
    Expr::cust(WAITING)
}

/// The ids of the first `limit` rows due at `now`, locked for the claim (PostgreSQL skips rows
/// another claim has locked; SQLite renders no lock clause).
pub fn due(now: DateTime<Utc>, limit: u64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(outbox::Column::Id)
        .from(outbox::Entity)
        .and_where(waiting())
        .and_where(outbox::Column::ScheduledAt.lte(now))
        .order_by(outbox::Column::ScheduledAt, sea_orm::Order::Asc)
        .order_by(outbox::Column::Id, sea_orm::Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned()
}

/// Claim up to `limit` due rows for delivery: one statement marks them running, counts the
/// attempt and sets the lease. Two workers never claim the same row: PostgreSQL skips rows
/// another claim has locked; SQLite runs it under `BEGIN IMMEDIATE`, one writer at a time.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
    lease: Duration,
) -> Result<Vec<outbox::Model>, AppError> {
    let update = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(State::Running))
        .col_expr(outbox::Column::Attempt, Expr::col(outbox::Column::Attempt).add(1))
        .col_expr(outbox::Column::AttemptedAt, Expr::value(Some(now)))
        .col_expr(outbox::Column::LockedUntil, Expr::value(Some(now + lease)))
        .filter(outbox::Column::Id.in_subquery(due(now, limit)));
    // One statement is atomic on PostgreSQL; SQLite needs the write lock taken before the read.
    let mut rows = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        update.exec_with_returning(db).await?
    } else {
        let txn = crate::ssr::begin_write(db).await?;
        let rows = update.exec_with_returning(&txn).await?;
        txn.commit().await?;
        rows
    };
    rows.sort_by_key(|r| (r.scheduled_at, r.id));
    Ok(rows)
}

/// The filter that makes a write apply only while the row is still `claimed`'s.
fn still_claimed(claimed: &outbox::Model) -> sea_orm::Condition {
    still_claimed_at(claimed.id, claimed.attempt)
}

/// `still_claimed` for the claim of row `id` that made attempt `attempt`.
fn still_claimed_at(id: i64, attempt: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(outbox::Column::Id.eq(id))
        .add(outbox::Column::State.eq(State::Running))
        .add(outbox::Column::Attempt.eq(attempt))
}

/// The update that moves a claimed row to `next` (releasing its lease), only while it is still
/// that claim's.
fn transition(claimed: &outbox::Model, next: Next) -> sea_orm::UpdateMany<outbox::Entity> {
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(next.state))
        .col_expr(outbox::Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(outbox::Column::FinalizedAt, Expr::value(next.finalized_at));
    if let Some(at) = next.scheduled_at {
        update = update.col_expr(outbox::Column::ScheduledAt, Expr::value(at));
    }
    if let Some(entry) = next.error {
        update = update.col_expr(outbox::Column::Errors, Expr::value(claimed.errors.with(entry)));
    }
    update.filter(still_claimed(claimed))
}

/// Whether row `id` is still the claim that made attempt `attempt` (running, that attempt): a
/// read, so the check before every send costs no write (a write would be a commit, and on SQLite
/// an fsync, per delivery). A cancel that commits after it finds the delivery under way, as any
/// cancel of a delivery already sent does.
pub async fn still_ours(db: &impl ConnectionTrait, id: i64, attempt: i32) -> Result<bool, AppError> {
    use sea_orm::QuerySelect;
    let found = outbox::Entity::find().select_only().column(outbox::Column::Id).filter(still_claimed_at(id, attempt));
    Ok(found.into_tuple::<i64>().one(db).await?.is_some())
}

/// Extend the lease of a delivery still under way. False when the row is no longer ours.
/// The row is named by id and attempt, so a lease keeper need not hold the payload.
pub async fn extend_lease(
    db: &impl ConnectionTrait,
    id: i64,
    attempt: i32,
    until: DateTime<Utc>,
) -> Result<bool, AppError> {
    let res = outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(Some(until)))
        .filter(still_claimed_at(id, attempt))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// What one attempt sent and came to, for the audit.
pub struct AttemptRecord<'a> {
    pub outcome: AuditOutcome,
    pub detail: &'a str,
}

/// Record an attempt's outcome (`next`, from `state::after_attempt`) and its audit row in one
/// transaction. False when the row is no longer this claim's (its lease expired and it was
/// rescued): then nothing is written but the audit row, since the attempt did happen.
pub async fn finish(
    db: &DatabaseConnection,
    claimed: &outbox::Model,
    next: Next,
    attempt: AttemptRecord<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let kept = finish_many(db, vec![Finished { claimed, next, attempt, at: now }]).await?;
    Ok(kept.first().copied().unwrap_or(false))
}

/// Rows per statement when a batch of attempts is written: full chunks share one statement shape,
/// which the driver prepares once, where a statement for the whole batch would be a new one with
/// thousands of parameters each time (that cost 50-100 ms a batch on PostgreSQL).
const CHUNK: usize = 32;

/// One attempt's outcome to record.
pub struct Finished<'a> {
    pub claimed: &'a outbox::Model,
    pub next: Next,
    pub attempt: AttemptRecord<'a>,
    pub at: DateTime<Utc>,
}

/// `finish` for several attempts in one transaction (the worker's group commit: one commit for
/// the attempts that ended while the previous commit was being written). One flag per attempt.
pub async fn finish_many(db: &DatabaseConnection, done: Vec<Finished<'_>>) -> Result<Vec<bool>, AppError> {
    let txn = crate::ssr::begin_write(db).await?;
    let completed = complete_all(&txn, &done).await?;
    let mut kept = Vec::with_capacity(done.len());
    let mut audit = Vec::with_capacity(done.len());
    for Finished { claimed, next, attempt, at } in done {
        kept.push(if next.state == State::Completed {
            completed.contains(&claimed.id)
        } else {
            transition(claimed, next).exec(&txn).await?.rows_affected == 1
        });
        audit.push(push_audit::ActiveModel {
            tenant_id: Set(claimed.tenant_id),
            vendor_id: Set(claimed.vendor_id),
            outbox_id: Set(claimed.id),
            attempt: Set(claimed.attempt),
            at: Set(at),
            records: Set(claimed.record_count),
            outcome: Set(attempt.outcome),
            detail: Set(attempt.detail.chars().take(500).collect()),
            payload_sha256: Set(claimed.payload_sha256.clone()),
            ..Default::default()
        });
    }
    for rows in audit.chunks(CHUNK) {
        push_audit::Entity::insert_many(rows.to_vec()).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(kept)
}

/// The delivered ones of `done` to completed, `CHUNK` rows a statement (the common case, so a
/// batch costs a few round trips, not one per row), each only while it is still that claim's.
/// Returns the ids it completed. Their `finalized_at` is the batch's latest time.
async fn complete_all(
    txn: &impl ConnectionTrait,
    done: &[Finished<'_>],
) -> Result<std::collections::HashSet<i64>, AppError> {
    use sea_orm::QueryTrait;
    let delivered: Vec<&Finished<'_>> = done.iter().filter(|f| f.next.state == State::Completed).collect();
    let Some(at) = delivered.iter().map(|f| f.at).max() else {
        return Ok(Default::default());
    };
    let mut completed = std::collections::HashSet::new();
    for chunk in delivered.chunks(CHUNK) {
        // (id, attempt) IN ((..), ..): the row, and still the attempt this claim made.
        let ours = Expr::tuple([Expr::col(outbox::Column::Id), Expr::col(outbox::Column::Attempt)]).in_tuples(
            chunk.iter().map(|f| sea_orm::sea_query::ValueTuple::Two(f.claimed.id.into(), f.claimed.attempt.into())),
        );
        let mut update = outbox::Entity::update_many()
            .col_expr(outbox::Column::State, Expr::value(State::Completed))
            .col_expr(outbox::Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
            .col_expr(outbox::Column::FinalizedAt, Expr::value(Some(at)))
            .filter(outbox::Column::State.eq(State::Running))
            .filter(ours)
            .into_query();
        update.returning_col(outbox::Column::Id);
        let rows = txn.query_all(&update).await?;
        completed.extend(rows.iter().filter_map(|row| row.try_get::<i64>("", "id").ok()));
    }
    Ok(completed)
}

/// Put a claimed row back without using its attempt (the vendor's circuit is open).
pub async fn snooze(
    db: &impl ConnectionTrait,
    claimed: &outbox::Model,
    until: DateTime<Utc>,
) -> Result<bool, AppError> {
    let back = if claimed.attempt > 1 { State::Retryable } else { State::Available };
    let res = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(back))
        .col_expr(outbox::Column::Attempt, Expr::col(outbox::Column::Attempt).sub(1))
        .col_expr(outbox::Column::ScheduledAt, Expr::value(until))
        .col_expr(outbox::Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .filter(still_claimed(claimed))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// When the earliest waiting row falls due (None: nothing waits), so an idle worker wakes for
/// a retry on time instead of at its next poll.
pub async fn next_due(db: &DatabaseConnection) -> Result<Option<DateTime<Utc>>, AppError> {
    use sea_orm::QuerySelect;
    Ok(outbox::Entity::find()
        .select_only()
        .column(outbox::Column::ScheduledAt)
        .filter(waiting())
        .order_by_asc(outbox::Column::ScheduledAt)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?)
}

/// Record a vendor's circuit opening (until the cool-down ends) or closing (None), for the tab
/// and the metrics of every replica.
pub async fn record_circuit(
    db: &impl ConnectionTrait,
    vendor_id: i64,
    open_until: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    crate::entities::vendor::Entity::update_many()
        .col_expr(crate::entities::vendor::Column::CircuitOpenUntil, Expr::value(open_until))
        .filter(crate::entities::vendor::Column::Id.eq(vendor_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Running rows whose lease ended before `now`.
pub fn expired(now: DateTime<Utc>) -> sea_orm::Select<outbox::Entity> {
    outbox::Entity::find()
        .filter(in_states(&[State::Running]))
        .filter(outbox::Column::LockedUntil.lt(now))
        .order_by_asc(outbox::Column::Id)
}

/// Return running rows whose lease expired (their worker crashed or hung) to be tried again,
/// or dead-letter them when that was their last attempt. Returns how many were rescued.
pub async fn rescue_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let expired = expired(now).all(db).await?;
    let mut rescued = 0;
    for row in expired {
        let next = super::state::after_attempt(
            row.attempt,
            row.max_attempts,
            super::state::Outcome::Transient {
                error: "the delivery stopped before it finished (lease expired)".into(),
                retry_after: None,
            },
            now,
            |_, _| std::time::Duration::ZERO,
        );
        // Still running, same attempt, lease still expired: a worker that came back meanwhile wins.
        let res = transition(&row, next).filter(outbox::Column::LockedUntil.lt(now)).exec(db).await?;
        rescued += res.rows_affected as usize;
    }
    Ok(rescued)
}

/// An admin's retry of a dead letter: back to available with one more attempt. False when the
/// row is no longer a dead letter.
pub async fn retry_dead_letter(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let res = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(State::Available))
        .col_expr(outbox::Column::MaxAttempts, Expr::col(outbox::Column::Attempt).add(1))
        .col_expr(outbox::Column::ScheduledAt, Expr::value(now))
        .col_expr(outbox::Column::FinalizedAt, Expr::value(None::<DateTime<Utc>>))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::State.eq(State::Discarded))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Cancel a row that is in one of `states` (an admin's cancel of a dead letter, a newer push
/// superseding waiting rows, a DV change); `why` completes "cancelled ...". False when the row
/// is in none of them.
pub async fn cancel(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    now: DateTime<Utc>,
    why: &str,
    states: &[State],
) -> Result<bool, AppError> {
    let entry = AttemptError { at: now, attempt: row.attempt, error: format!("cancelled {why}") };
    let res = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(State::Cancelled))
        .col_expr(outbox::Column::FinalizedAt, Expr::value(Some(now)))
        .col_expr(outbox::Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(outbox::Column::Errors, Expr::value(row.errors.with(entry)))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::State.is_in(states.iter().copied()))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The answer to enqueueing or retrying a payload built before the tenant's last DV change.
pub const STALE_PAYLOAD: &str = "A shelter's or organization's DV status changed after this export was built, so it is not sent; push again to send current data.";

/// Why a DV change cancels a delivery (completes "cancelled ...").
pub const DV_CHANGED: &str = "because a shelter's or organization's DV status changed after this push was built; push again to send current data";

/// A shelter or organization of the tenant became DV or stopped being DV (DESIGN.md 4.4): every
/// payload built before carries the old identity. In the caller's transaction, move the tenant's
/// DV epoch on (enqueue and Retry refuse payloads of an older one; the row lock this takes makes
/// an enqueue under way either finish first, and be cancelled below, or see the new epoch), and
/// cancel the tenant's deliveries that could still be sent: waiting, claimed (the worker checks
/// its claim right before sending) and dead letters. Returns how many it cancelled.
pub async fn dv_changed(txn: &impl ConnectionTrait, tenant_id: i64, now: DateTime<Utc>) -> Result<usize, AppError> {
    use crate::entities::tenant;
    tenant::Entity::update_many()
        .col_expr(tenant::Column::DvEpoch, Expr::col(tenant::Column::DvEpoch).add(1))
        .filter(tenant::Column::Id.eq(tenant_id))
        .exec(txn)
        .await?;
    let rows = outbox::Entity::find()
        .filter(in_states(&QUEUE_STATES))
        .filter(outbox::Column::TenantId.eq(tenant_id))
        .all(txn)
        .await?;
    let mut cancelled = 0;
    for row in rows {
        cancelled += usize::from(cancel(txn, &row, now, DV_CHANGED, &QUEUE_STATES).await?);
    }
    Ok(cancelled)
}

/// A payload built in DV epoch `epoch` is stale: the tenant has had a DV change since, so it must
/// not be sent. Reads the tenant row locked for share, so a DV change committing meanwhile either
/// waits for the caller's transaction (and then cancels what it enqueued) or is seen here.
pub async fn stale(txn: &impl ConnectionTrait, tenant_id: i64, epoch: i32) -> Result<bool, AppError> {
    use crate::entities::tenant;
    use sea_orm::QuerySelect;
    let tenant = tenant::Entity::find_by_id(tenant_id).lock_shared().one(txn).await?.ok_or(AppError::NotFound)?;
    Ok(tenant.dv_epoch != epoch)
}

/// One vendor's queue as `/metrics` reports it.
#[derive(Debug, Clone)]
pub struct QueueGauge {
    pub vendor: crate::entities::vendor::Model,
    /// The CoC's short name.
    pub tenant: String,
    /// Rows per unfinished state, and dead letters (every state in `QUEUE_STATES`, zeros too).
    pub rows: Vec<(State, u64)>,
    /// When the longest-waiting row became due.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// The states `/metrics` counts: the queue and the dead letters (finished rows only grow), as
/// `QUEUE` names them.
pub const QUEUE_STATES: [State; 4] = [State::Available, State::Running, State::Retryable, State::Discarded];

#[derive(sea_orm::FromQueryResult)]
struct StateCount {
    vendor_id: i64,
    state: String,
    n: i64,
    oldest: Option<DateTime<Utc>>,
}

/// Rows, and the earliest `scheduled_at`, per vendor and state in `QUEUE_STATES`.
pub fn queue_counts() -> sea_orm::Select<outbox::Entity> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Func;
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::VendorId)
        .column(outbox::Column::State)
        .column_as(Expr::from(Func::count(Expr::col(outbox::Column::Id))), "n")
        .column_as(Expr::from(Func::min(Expr::col(outbox::Column::ScheduledAt))), "oldest")
        .filter(in_states(&QUEUE_STATES))
        .group_by(outbox::Column::VendorId)
        .group_by(outbox::Column::State)
}

/// Every vendor of every CoC with its queue. For operations (the metrics endpoint), not for a
/// CoC's users: counts per vendor only, never per shelter, so nothing here tells DV from non-DV.
pub async fn queue_gauges(db: &DatabaseConnection) -> Result<Vec<QueueGauge>, AppError> {
    let tenants: std::collections::HashMap<i64, String> =
        crate::entities::tenant::Entity::find().all(db).await?.into_iter().map(|t| (t.id, t.slug)).collect();
    let counts: Vec<StateCount> = queue_counts().into_model::<StateCount>().all(db).await?;
    let vendors =
        crate::entities::vendor::Entity::find().order_by_asc(crate::entities::vendor::Column::Id).all(db).await?;
    Ok(vendors
        .into_iter()
        .map(|vendor| {
            let mine = counts.iter().filter(|c| c.vendor_id == vendor.id);
            let rows = QUEUE_STATES
                .iter()
                .map(|s| (*s, mine.clone().find(|c| c.state == s.as_str()).map_or(0, |c| c.n as u64)))
                .collect();
            let oldest_due =
                mine.filter(|c| State::parse(&c.state).is_some_and(State::is_waiting)).filter_map(|c| c.oldest).min();
            QueueGauge { tenant: tenants.get(&vendor.tenant_id).cloned().unwrap_or_default(), vendor, rows, oldest_due }
        })
        .collect())
}
