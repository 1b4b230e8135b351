//! An attempt's outcome and its audit row, written together and only while the row is still
//! this claim's (a rescued row is not overwritten); the circuit state for the tab.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::*;
use crate::entities::{outbox, push_audit};
use crate::error::AppError;
use crate::outbox::state::{AuditOutcome, Next, State};

/// The update that moves a claimed row to `next` (releasing its lease), only while it is still
/// that claim's.
pub(super) fn transition(claimed: &outbox::Model, next: Next) -> sea_orm::UpdateMany<outbox::Entity> {
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

/// What one attempt sent and came to, for the audit.
pub struct AttemptRecord<'a> {
    pub outcome: AuditOutcome,
    pub detail: &'a str,
    /// SHA-256 of what was sent, when it is not the payload (protected at delivery).
    pub sent_sha256: Option<&'a str>,
    /// How long the vendor took to answer; none when nothing was sent.
    pub duration: Option<std::time::Duration>,
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
pub(super) const CHUNK: usize = 32;

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
        let dead = next.state == State::Discarded;
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
            sent_sha256: Set(attempt.sent_sha256.map(str::to_string)),
            duration_ms: Set(attempt.duration.map(|d| i32::try_from(d.as_millis()).unwrap_or(i32::MAX))),
            dead_letter: Set(dead && kept.last().copied().unwrap_or(false)),
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
pub(super) async fn complete_all(
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
