//! "Push now": the current HMIS export, built by the same path as the preview and the download,
//! enqueued for one or every enabled vendor in one transaction. The form carries a token made
//! when the page was rendered, so a double click, a refresh or a retried form is one push.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{DeadLetter, HistoryPage, HistoryRow, VendorStatus};
use super::ssr::{NewDelivery, enqueue};
use super::state::State;
use crate::auth::ssr::authorize;
use crate::entities::{outbox, push_audit, vendor};
use crate::error::{AppError, Notice};
use crate::hmis::ssr::EXPORT_PAGE;
use crate::ssr::scope::{Access, TenantScope};

/// Which vendors a push goes to: `all` or one vendor's id.
fn parse_target(raw: &str) -> Result<Option<i64>, AppError> {
    match raw.trim() {
        "all" => Ok(None),
        id => id.parse::<i64>().map(Some).map_err(|_| AppError::validation("vendor", "Vendor: choose a vendor or \"all\".")),
    }
}

/// The page's push token: 16 to 64 letters, digits or dashes.
fn parse_token(raw: &str) -> Result<&str, AppError> {
    let t = raw.trim();
    if (16..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(t)
    } else {
        Err(AppError::validation("token", "The form is out of date; reload the page and push again."))
    }
}

async fn enabled_vendors(access: &Access, target: Option<i64>) -> Result<Vec<vendor::Model>, AppError> {
    let mut select = access.find::<vendor::Entity>()?.filter(vendor::Column::Enabled.eq(true));
    if let Some(id) = target {
        select = select.filter(vendor::Column::Id.eq(id));
    }
    let vendors = select.order_by_asc(vendor::Column::Name).all(&crate::ssr::db()?).await?;
    if vendors.is_empty() {
        let message = if target.is_some() { "Vendor: it is not an enabled vendor of this CoC." } else { "There is no enabled HMIS vendor to push to." };
        return Err(AppError::validation("vendor", message));
    }
    Ok(vendors)
}

/// The zip every push sends: built by the same path as the preview and the download. Returns it
/// with its number of inventory records.
async fn payload(db: &DatabaseConnection, scope: TenantScope, now: DateTime<Utc>) -> Result<(Vec<u8>, i32), AppError> {
    let run = crate::hmis::ssr::new_run(db, now).await?;
    let (_, export) = crate::hmis::ssr::export(db, scope, &run).await?;
    let zip = crate::hmis::csv::write_zip(&export).map_err(|e| {
        tracing::error!(error = %e, "writing the HMIS CSV zip for a push");
        AppError::Internal
    })?;
    Ok((zip, i32::try_from(export.inventories.len()).unwrap_or(i32::MAX)))
}

/// The start of the push period `now` falls in, for a vendor pushing every `minutes` (periods
/// are counted from the Unix epoch, so every replica agrees on them), and the next one.
pub fn schedule_period(now: DateTime<Utc>, minutes: i32) -> (i64, DateTime<Utc>) {
    let seconds = i64::from(minutes.max(1)) * 60;
    let period = now.timestamp().div_euclid(seconds);
    (period, DateTime::from_timestamp((period + 1) * seconds, 0).unwrap_or(now))
}

/// Queue the scheduled pushes that are due at `now`: one per enabled vendor with a push interval
/// and per period, whichever replica gets there first (the key is the vendor and the period).
/// Returns how many were queued.
pub async fn queue_scheduled(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let vendors = vendor::Entity::find()
        .filter(vendor::Column::Enabled.eq(true))
        .filter(vendor::Column::PushIntervalMinutes.is_not_null())
        .order_by_asc(vendor::Column::TenantId)
        .all(db)
        .await?;
    let mut queued = 0;
    let mut payloads: std::collections::HashMap<i64, (Vec<u8>, i32)> = std::collections::HashMap::new();
    for v in vendors {
        let (period, _) = schedule_period(now, v.push_interval_minutes.unwrap_or(60));
        let key = format!("schedule-{}-{period}", v.id);
        let exists = outbox::Entity::find()
            .filter(outbox::Column::VendorId.eq(v.id))
            .filter(outbox::Column::IdempotencyKey.eq(key.as_str()))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        if !payloads.contains_key(&v.tenant_id) {
            let built = payload(db, TenantScope::for_operator(v.tenant_id), now).await?;
            payloads.insert(v.tenant_id, built);
        }
        let Some((bytes, records)) = payloads.get(&v.tenant_id) else { continue };
        let txn = crate::ssr::begin_write(db).await?;
        let d = NewDelivery { tenant_id: v.tenant_id, vendor_id: v.id, payload: bytes.clone(), record_count: *records, idempotency_key: &key };
        if enqueue(&txn, d, now).await?.1 {
            queued += 1;
            tracing::info!(event = "push.scheduled", vendor.id = v.id, records = *records, "scheduled HMIS push queued");
        }
        txn.commit().await?;
    }
    Ok(queued)
}

pub async fn queue_push(target: String, token: String) -> Result<Notice, AppError> {
    let access = authorize(EXPORT_PAGE).await?;
    let target = parse_target(&target)?;
    let token = parse_token(&token)?;
    let vendors = enabled_vendors(&access, target).await?;
    let state = crate::ssr::state()?;
    let db = &state.db;
    let now = Utc::now();
    let (payload, records) = payload(db, access.tenant()?, now).await?;
    let txn = crate::ssr::begin_write(db).await?;
    let mut created = Vec::new();
    for v in &vendors {
        let key = format!("manual-{token}-{}", v.id);
        let d = NewDelivery { tenant_id: v.tenant_id, vendor_id: v.id, payload: payload.clone(), record_count: records, idempotency_key: &key };
        if enqueue(&txn, d, now).await?.1 {
            created.push(v.name.clone());
        }
    }
    txn.commit().await?;
    state.outbox_wake.notify_one();
    if created.is_empty() {
        return Ok(Notice::new("That push is already queued; it was not queued twice."));
    }
    tracing::info!(event = "push.queued", user.id = access.user.id, vendors = created.len(), records, "HMIS push queued");
    Ok(Notice::new(format!("Queued a push of {records} inventory records to {}.", created.join(", "))))
}

#[derive(FromQueryResult)]
struct Count {
    vendor_id: i64,
    n: i64,
}

fn time(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Every vendor of the caller's CoC with its queue, dead letters and latest outcomes.
pub async fn vendor_status() -> Result<Vec<VendorStatus>, AppError> {
    let access = authorize(EXPORT_PAGE).await?;
    let db = crate::ssr::db()?;
    let vendors = access.find::<vendor::Entity>()?.order_by_asc(vendor::Column::Name).all(&db).await?;
    let counts = |states: &'static [State]| {
        let access = access.clone();
        let db = db.clone();
        async move {
            let rows: Vec<Count> = access
                .find::<outbox::Entity>()?
                .select_only()
                .column(outbox::Column::VendorId)
                .column_as(Expr::from(Func::count(Expr::col(outbox::Column::Id))), "n")
                .filter(outbox::Column::State.is_in(states.iter().map(|s| s.as_str())))
                .group_by(outbox::Column::VendorId)
                .into_model::<Count>()
                .all(&db)
                .await?;
            Ok::<_, AppError>(rows.into_iter().map(|c| (c.vendor_id, c.n as u64)).collect::<std::collections::HashMap<_, _>>())
        }
    };
    let waiting = counts(&[State::Available, State::Retryable, State::Running]).await?;
    let dead = counts(&[State::Discarded]).await?;
    let mut out = Vec::new();
    for v in vendors {
        let audit = || access.find::<push_audit::Entity>().map(|s| s.filter(push_audit::Column::VendorId.eq(v.id)).order_by_desc(push_audit::Column::Id));
        let success = audit()?.filter(push_audit::Column::Outcome.eq("delivered")).one(&db).await?;
        let failure = audit()?.filter(push_audit::Column::Outcome.ne("delivered")).one(&db).await?;
        out.push(VendorStatus {
            id: v.id,
            name: v.name,
            kind: v.kind,
            enabled: v.enabled,
            waiting: waiting.get(&v.id).copied().unwrap_or(0),
            dead_letters: dead.get(&v.id).copied().unwrap_or(0),
            last_success: success.map(|a| time(a.at)),
            last_failure: failure.map(|a| (time(a.at), a.detail)),
            next_push: v.push_interval_minutes.filter(|_| v.enabled).map(|m| time(schedule_period(Utc::now(), m).1)),
        });
    }
    Ok(out)
}

/// The CoC's dead letters, newest first (at most 50).
pub async fn dead_letters() -> Result<Vec<DeadLetter>, AppError> {
    let access = authorize(EXPORT_PAGE).await?;
    let db = crate::ssr::db()?;
    let names: std::collections::HashMap<i64, String> =
        access.find::<vendor::Entity>()?.all(&db).await?.into_iter().map(|v| (v.id, v.name)).collect();
    let rows = access
        .find::<outbox::Entity>()?
        .filter(outbox::Column::State.eq(State::Discarded.as_str()))
        .order_by_desc(outbox::Column::Id)
        .limit(50)
        .all(&db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeadLetter {
            id: r.id,
            vendor: names.get(&r.vendor_id).cloned().unwrap_or_default(),
            queued_at: time(r.created_at),
            attempts: r.attempt,
            records: r.record_count,
            errors: serde_json::from_str(&r.errors).unwrap_or_default(),
        })
        .collect())
}

/// Attempts per page of the push history.
pub const HISTORY_PAGE_SIZE: u64 = 25;

/// One page (1-based) of the CoC's push history, newest first.
pub async fn history(page: u64) -> Result<HistoryPage, AppError> {
    let access = authorize(EXPORT_PAGE).await?;
    let db = crate::ssr::db()?;
    let names: std::collections::HashMap<i64, String> =
        access.find::<vendor::Entity>()?.all(&db).await?.into_iter().map(|v| (v.id, v.name)).collect();
    let paginator = access.find::<push_audit::Entity>()?.order_by_desc(push_audit::Column::Id).paginate(&db, HISTORY_PAGE_SIZE);
    let pages = Ord::max(paginator.num_items().await?.div_ceil(HISTORY_PAGE_SIZE), 1);
    let page = page.clamp(1, pages);
    let rows = paginator
        .fetch_page(page - 1)
        .await?
        .into_iter()
        .map(|a| HistoryRow {
            at: a.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            vendor: names.get(&a.vendor_id).cloned().unwrap_or_default(),
            attempt: a.attempt,
            records: a.records,
            outcome: a.outcome,
            detail: a.detail,
            sha256: a.payload_sha256,
        })
        .collect();
    Ok(HistoryPage { rows, page, pages })
}

/// A dead letter of the caller's CoC, or not found.
async fn dead_letter(access: &Access, id: i64) -> Result<outbox::Model, AppError> {
    access.find::<outbox::Entity>()?.filter(outbox::Column::Id.eq(id)).one(&crate::ssr::db()?).await?.ok_or(AppError::NotFound)
}

const NOT_A_DEAD_LETTER: &str = "This delivery is no longer a dead letter; reload the page to see where it stands.";

/// Retry a dead letter once more. Refused when a newer push to the same vendor exists, so a
/// vendor never gets an older inventory after a newer one.
pub async fn retry(id: i64) -> Result<Notice, AppError> {
    let access = authorize(EXPORT_PAGE).await?;
    let row = dead_letter(&access, id).await?;
    let state = crate::ssr::state()?;
    let txn = crate::ssr::begin_write(&state.db).await?;
    let newer = access
        .find::<outbox::Entity>()?
        .filter(outbox::Column::VendorId.eq(row.vendor_id))
        .filter(outbox::Column::Id.gt(row.id))
        .filter(outbox::Column::State.ne(State::Cancelled.as_str()))
        .one(&txn)
        .await?;
    if newer.is_some() {
        return Err(AppError::Conflict("A newer push to this vendor exists, so this older one is not sent again; cancel it, or push now.".into()));
    }
    if !super::ssr::retry_dead_letter(&txn, &row, Utc::now()).await? {
        return Err(AppError::Conflict(NOT_A_DEAD_LETTER.into()));
    }
    txn.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(event = "dead_letter.retried", user.id = access.user.id, outbox.id = id, "dead letter retried");
    Ok(Notice::new("Queued the delivery for one more attempt."))
}

/// Cancel a dead letter: it stays in the history, and is never sent.
pub async fn cancel(id: i64) -> Result<Notice, AppError> {
    let access = authorize(EXPORT_PAGE).await?;
    let row = dead_letter(&access, id).await?;
    if !super::ssr::cancel(&crate::ssr::db()?, &row, Utc::now(), &access.user.display_name).await? {
        return Err(AppError::Conflict(NOT_A_DEAD_LETTER.into()));
    }
    tracing::info!(event = "dead_letter.cancelled", user.id = access.user.id, outbox.id = id, "dead letter cancelled");
    Ok(Notice::new("Cancelled the delivery."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_periods_are_the_same_on_every_replica() {
        use chrono::TimeZone;
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).single().unwrap();
        let (p1, next) = schedule_period(at(12, 0, 0), 60);
        assert_eq!(next, at(13, 0, 0));
        assert_eq!(schedule_period(at(12, 59, 59), 60).0, p1);
        assert_eq!(schedule_period(at(13, 0, 0), 60).0, p1 + 1);
        assert_eq!(schedule_period(at(12, 7, 0), 15).1, at(12, 15, 0));
    }

    #[test]
    fn targets_and_tokens_are_checked() {
        assert_eq!(parse_target("all"), Ok(None));
        assert_eq!(parse_target(" 7 "), Ok(Some(7)));
        assert_eq!(parse_target("x").unwrap_err().field(), Some("vendor"));
        assert!(parse_token("0123456789abcdef").is_ok());
        for bad in ["short", "has space in it here", "<script>alert(1)</script>xx", &"a".repeat(65)] {
            assert_eq!(parse_token(bad).unwrap_err().field(), Some("token"), "{bad}");
        }
    }
}
