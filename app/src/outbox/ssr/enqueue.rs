//! Rows in and out on request: enqueue (inside the caller's transaction, the one that decided to
//! push), an admin's retry or cancel, and the DV epoch that makes payloads built before a DV change
//! stale.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::*;
use crate::entities::outbox;
use crate::error::AppError;
use crate::outbox::state::{AttemptError, AttemptErrors, State};

/// One delivery to enqueue: the exact bytes to send, fixed now.
pub struct NewDelivery<'a> {
    pub tenant_id: i64,
    pub vendor_id: i64,
    pub payload: Vec<u8>,
    /// The payload's file name (marked `-TEST` for a test push).
    pub payload_name: String,
    pub payload_format: crate::vendors::PayloadFormat,
    /// The endpoint it goes to, whatever the vendor's mode is by then.
    pub target: crate::vendors::DeliveryTarget,
    pub record_count: i32,
    /// Unique per vendor: the same key twice is one row (a double click, a retried form, two
    /// replicas' schedulers in the same period). Also sent to the vendor so it can drop repeats.
    pub idempotency_key: &'a str,
    /// The tenant's DV epoch the payload was built in (`push::Payloads`).
    pub dv_epoch: i32,
    /// The request that queued it (`ssr::request_id`), for the worker's log lines.
    pub request_id: Option<String>,
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
        target: Set(d.target),
        payload_format: Set(d.payload_format),
        payload_name: Set(d.payload_name),
        request_id: Set(d.request_id),
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

/// An admin's retry of a dead letter: back to available with one more attempt. False when the
/// row is no longer a dead letter.
pub async fn retry_dead_letter(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut retry = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(State::Available))
        .col_expr(outbox::Column::MaxAttempts, Expr::col(outbox::Column::Attempt).add(1))
        .col_expr(outbox::Column::ScheduledAt, Expr::value(now))
        .col_expr(outbox::Column::FinalizedAt, Expr::value(None::<DateTime<Utc>>));
    // The retry's attempt is the retrying request's to follow in the logs.
    if let Some(id) = crate::ssr::request_id::current() {
        retry = retry.col_expr(outbox::Column::RequestId, Expr::value(id.to_string()));
    }
    let res =
        retry.filter(outbox::Column::Id.eq(row.id)).filter(outbox::Column::State.eq(State::Discarded)).exec(db).await?;
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
        .col_expr(tenant::Column::DataVersion, Expr::col(tenant::Column::DataVersion).add(1))
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
