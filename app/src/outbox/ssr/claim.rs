//! Claiming due rows for delivery (one short statement), keeping a claim's lease, putting a row
//! back, and rescuing rows whose worker went away.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::*;
use crate::entities::outbox;
use crate::error::AppError;
use crate::outbox::state::{Outcome, State, after_attempt};

pub(super) fn waiting() -> Expr {
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
pub(super) fn still_claimed(claimed: &outbox::Model) -> sea_orm::Condition {
    still_claimed_at(claimed.id, claimed.attempt)
}

/// `still_claimed` for the claim of row `id` that made attempt `attempt`.
pub(super) fn still_claimed_at(id: i64, attempt: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(outbox::Column::Id.eq(id))
        .add(outbox::Column::State.eq(State::Running))
        .add(outbox::Column::Attempt.eq(attempt))
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
        let next = after_attempt(
            row.attempt,
            row.max_attempts,
            Outcome::Transient {
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
