//! Queuing pushes: "Push now" (the current HMIS export, built by the same path as the preview and
//! the download, for one or every enabled vendor in one transaction; the form carries a token
//! made when the page was rendered, so a double click, a refresh or a retried form is one push)
//! and the schedules.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::ssr::{NewDelivery, enqueue};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{outbox, vendor};
use crate::error::{AppError, Notice};
use crate::hmis::ssr::{ExportZip, zip};
use crate::ssr::scope::{Access, TenantScope};

/// Which vendors a push goes to: `all` or one vendor's public id.
fn parse_target(raw: &str) -> Result<Option<&str>, AppError> {
    match raw.trim() {
        "all" => Ok(None),
        id if crate::input::is_public_id(id) => Ok(Some(id)),
        _ => Err(AppError::validation("vendor", "Vendor: choose a vendor or \"all\".")),
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

async fn enabled_vendors(access: &Access, target: Option<&str>) -> Result<Vec<vendor::Model>, AppError> {
    let mut select = access.find::<vendor::Entity>()?.filter(vendor::Column::Enabled.eq(true));
    if let Some(id) = target {
        select = select.filter(vendor::Column::PublicId.eq(id));
    }
    let vendors = select.order_by_asc(vendor::Column::Name).all(&crate::ssr::db()?).await?;
    if vendors.is_empty() {
        let message = if target.is_some() {
            "Vendor: it is not an enabled vendor of this CoC."
        } else {
            "There is no enabled HMIS vendor to push to."
        };
        return Err(AppError::validation("vendor", message));
    }
    Ok(vendors)
}

/// One vendor's delivery of `built` under `key`.
fn delivery<'a>(v: &vendor::Model, built: &ExportZip, key: &'a str) -> NewDelivery<'a> {
    NewDelivery {
        tenant_id: v.tenant_id,
        vendor_id: v.id,
        payload: built.bytes.clone(),
        record_count: built.inventory_records,
        idempotency_key: key,
        dv_epoch: built.dv_epoch,
    }
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
    let mut zips: std::collections::HashMap<i64, ExportZip> = std::collections::HashMap::new();
    for v in vendors {
        let (period, _) = schedule_period(now, v.push_interval_minutes.unwrap_or(60));
        // Public ids only: the key goes to the vendor, and row ids count every CoC's vendors.
        let key = format!("schedule-{}-{period}", v.public_id);
        let exists = outbox::Entity::find()
            .filter(outbox::Column::VendorId.eq(v.id))
            .filter(outbox::Column::IdempotencyKey.eq(key.as_str()))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = zips.entry(v.tenant_id) {
            e.insert(zip(db, TenantScope::for_operator(v.tenant_id), now).await?);
        }
        let Some(built) = zips.get(&v.tenant_id) else { continue };
        let records = built.inventory_records;
        let txn = crate::ssr::begin_write(db).await?;
        match enqueue(&txn, delivery(&v, built, &key), now).await {
            Ok((_, true)) => {
                queued += 1;
                tracing::info!(event = "push.scheduled", vendor.id = v.id, records, "scheduled HMIS push queued");
            }
            Ok((_, false)) => {}
            // A DV change since the export was built: the next tick builds a fresh one.
            Err(AppError::Conflict(_)) => {
                zips.remove(&v.tenant_id);
                continue;
            }
            Err(e) => return Err(e),
        }
        txn.commit().await?;
    }
    Ok(queued)
}

pub async fn queue_push(target: String, token: String) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let target = parse_target(&target)?;
    let token = parse_token(&token)?;
    let vendors = enabled_vendors(&access, target).await?;
    let state = crate::ssr::state()?;
    let db = &state.db;
    let now = Utc::now();
    let built = zip(db, access.tenant()?, now).await?;
    let records = built.inventory_records;
    let txn = crate::ssr::begin_write(db).await?;
    let mut created = Vec::new();
    for v in &vendors {
        let key = format!("manual-{token}-{}", v.public_id);
        if enqueue(&txn, delivery(v, &built, &key), now).await?.1 {
            created.push(v.name.clone());
        }
    }
    txn.commit().await?;
    state.outbox_wake.notify_one();
    if created.is_empty() {
        return Ok(Notice::new("That push is already queued; it was not queued twice."));
    }
    tracing::info!(
        event = "push.queued",
        user.id = access.user().id,
        vendors = created.len(),
        records,
        "HMIS push queued"
    );
    Ok(Notice::new(format!("Queued a push of {records} inventory records to {}.", created.join(", "))))
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
        assert_eq!(parse_target(" 0123456789abcdef0123 "), Ok(Some("0123456789abcdef0123")));
        assert_eq!(parse_target("7").unwrap_err().field(), Some("vendor"));
        assert!(parse_token("0123456789abcdef").is_ok());
        for bad in ["short", "has space in it here", "<script>alert(1)</script>xx", &"a".repeat(65)] {
            assert_eq!(parse_token(bad).unwrap_err().field(), Some("token"), "{bad}");
        }
    }
}
