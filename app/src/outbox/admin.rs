//! What the HMIS Export tab shows about deliveries, and the admin's actions on them: vendor
//! status, dead letters (Retry, Cancel) and the push history from the audit. Tenant-scoped
//! through `Access`, like every query.
use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, DatabaseConnection, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::push::next_scheduled;
use super::state::{Circuit, State};
use super::{DeadLetter, HistoryPage, HistoryRow, VendorStatus};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{outbox, push_audit, vendor};
use crate::error::{AppError, Notice};
use crate::ssr::scope::Access;

#[derive(FromQueryResult)]
struct Count {
    vendor_id: i64,
    n: i64,
}

/// How many of each vendor's rows are in one of `states`.
async fn count_by_vendor(
    access: &Access,
    db: &DatabaseConnection,
    states: &[State],
) -> Result<HashMap<i64, u64>, AppError> {
    let rows: Vec<Count> = access
        .find::<outbox::Entity>()?
        .select_only()
        .column(outbox::Column::VendorId)
        .column_as(Expr::from(Func::count(Expr::col(outbox::Column::Id))), "n")
        .filter(super::ssr::in_states(states))
        .group_by(outbox::Column::VendorId)
        .into_model::<Count>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.vendor_id, c.n as u64)).collect())
}

/// The CoC's vendors' names by id.
async fn vendor_names(access: &Access, db: &DatabaseConnection) -> Result<HashMap<i64, String>, AppError> {
    Ok(access.find::<vendor::Entity>()?.all(db).await?.into_iter().map(|v| (v.id, v.name)).collect())
}

/// Every vendor of the caller's CoC with its queue, dead letters and latest outcomes.
pub async fn vendor_status() -> Result<Vec<VendorStatus>, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let vendors = crate::vendors::ssr::live_vendors(access.tenant()?).all(&db).await?;
    statuses(&access, &db, vendors).await
}

/// The status of `vendors` (the caller's CoC's).
pub async fn statuses(
    access: &Access,
    db: &DatabaseConnection,
    vendors: Vec<vendor::Model>,
) -> Result<Vec<VendorStatus>, AppError> {
    let clock = access.clock(db).await?;
    let waiting = count_by_vendor(access, db, &[State::Available, State::Retryable, State::Running]).await?;
    let dead = count_by_vendor(access, db, &[State::Discarded]).await?;
    let now = Utc::now();
    let mut out = Vec::new();
    for v in vendors {
        let latest = |delivered| {
            access.find::<push_audit::Entity>().map(|audit| super::ssr::vendor_attempts(audit, v.id, delivered))
        };
        let success = latest(true)?.one(db).await?;
        let failure = latest(false)?.one(db).await?;
        out.push(VendorStatus {
            id: v.public_id.clone(),
            name: v.name.clone(),
            kind: v.kind,
            mode: v.mode,
            circuit: Circuit::at(v.circuit_open_until, now),
            waiting: waiting.get(&v.id).copied().unwrap_or(0),
            dead_letters: dead.get(&v.id).copied().unwrap_or(0),
            last_success: success.map(|a| clock.show(a.at)),
            last_failure: failure.map(|a| (clock.show(a.at), a.detail)),
            next_push: next_scheduled(&v, clock.zone(), now).map(|t| clock.show(t)),
        });
    }
    Ok(out)
}

/// An attempt as the history shows it.
pub fn history_row(a: push_audit::Model, vendor: String, clock: &crate::ssr::clock::CocClock) -> HistoryRow {
    HistoryRow {
        at: clock.show_seconds(a.at),
        vendor,
        attempt: a.attempt,
        records: a.records,
        outcome: a.outcome.as_str().to_string(),
        detail: a.detail,
        sha256: a.payload_sha256,
    }
}

/// The CoC's dead letters, newest first (at most 50).
pub async fn dead_letters() -> Result<Vec<DeadLetter>, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let names = vendor_names(&access, &db).await?;
    let clock = access.clock(&db).await?;
    let rows = access
        .find::<outbox::Entity>()?
        .filter(super::ssr::in_states(&[State::Discarded]))
        .order_by_desc(outbox::Column::Id)
        .limit(50)
        .all(&db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeadLetter {
            id: r.public_id,
            vendor: names.get(&r.vendor_id).cloned().unwrap_or_default(),
            queued_at: clock.show(r.created_at),
            attempts: r.attempt,
            records: r.record_count,
            errors: r.errors.0.iter().map(|e| format!("{}: {}", clock.show_seconds(e.at), e.error)).collect(),
        })
        .collect())
}

/// Attempts per page of the push history.
pub const HISTORY_PAGE_SIZE: u64 = 25;

/// One page (1-based) of the CoC's push history, newest first.
pub async fn history(page: u64) -> Result<HistoryPage, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let names = vendor_names(&access, &db).await?;
    let clock = access.clock(&db).await?;
    let paginator =
        access.find::<push_audit::Entity>()?.order_by_desc(push_audit::Column::Id).paginate(&db, HISTORY_PAGE_SIZE);
    let pages = Ord::max(paginator.num_items().await?.div_ceil(HISTORY_PAGE_SIZE), 1);
    let page = page.clamp(1, pages);
    let rows = paginator
        .fetch_page(page - 1)
        .await?
        .into_iter()
        .map(|a| {
            let vendor = names.get(&a.vendor_id).cloned().unwrap_or_default();
            history_row(a, vendor, &clock)
        })
        .collect();
    Ok(HistoryPage { rows, page, pages })
}

/// A delivery of the caller's CoC, or not found; the actions check that it is a dead letter.
async fn dead_letter(access: &Access, id: &str) -> Result<outbox::Model, AppError> {
    access
        .find::<outbox::Entity>()?
        .filter(outbox::Column::PublicId.eq(id))
        .one(&crate::ssr::db()?)
        .await?
        .ok_or(AppError::NotFound)
}

const NOT_A_DEAD_LETTER: &str = "This delivery is no longer a dead letter; reload the page to see where it stands.";

/// Retry a dead letter once more. Refused when a newer push to the same vendor exists, so a
/// vendor never gets an older inventory after a newer one.
pub async fn retry(id: &str) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let row = dead_letter(&access, id).await?;
    let state = crate::ssr::state()?;
    let txn = crate::ssr::begin_write(&state.db).await?;
    let newer = access
        .find::<outbox::Entity>()?
        .filter(outbox::Column::VendorId.eq(row.vendor_id))
        .filter(outbox::Column::Id.gt(row.id))
        .filter(outbox::Column::State.ne(State::Cancelled))
        .one(&txn)
        .await?;
    if super::ssr::stale(&txn, row.tenant_id, row.dv_epoch).await? {
        return Err(AppError::Conflict(super::ssr::STALE_PAYLOAD.into()));
    }
    if newer.is_some() {
        return Err(AppError::Conflict(
            "A newer push to this vendor exists, so this older one is not sent again; cancel it, or push now.".into(),
        ));
    }
    if !super::ssr::retry_dead_letter(&txn, &row, Utc::now()).await? {
        return Err(AppError::Conflict(NOT_A_DEAD_LETTER.into()));
    }
    txn.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(
        event = "dead_letter.retried",
        user.id = access.user().id,
        outbox.id = row.id,
        "dead letter retried"
    );
    Ok(Notice::new("Queued the delivery for one more attempt."))
}

/// Cancel a dead letter: it stays in the history, and is never sent.
pub async fn cancel(id: &str) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let row = dead_letter(&access, id).await?;
    let by = format!("by {}", access.user().display_name);
    if !super::ssr::cancel(&crate::ssr::db()?, &row, Utc::now(), &by, &[State::Discarded]).await? {
        return Err(AppError::Conflict(NOT_A_DEAD_LETTER.into()));
    }
    tracing::info!(
        event = "dead_letter.cancelled",
        user.id = access.user().id,
        outbox.id = row.id,
        "dead letter cancelled"
    );
    Ok(Notice::new("Cancelled the delivery."))
}
