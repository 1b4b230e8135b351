//! Queuing pushes: "Push now" (the current HMIS export, built by the same path as the preview and
//! the download, for one or every vendor that is not off, in one transaction; the form carries a
//! token made when the page was rendered, so a double click, a refresh or a retried form is one
//! push) and the schedules of live vendors. Each vendor gets the export in its format, to the
//! endpoint its mode says: a vendor in test mode gets a test push, marked as one.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::ssr::{NewDelivery, enqueue};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{outbox, tenant, vendor};
use crate::error::{AppError, Notice};
use crate::hmis::ExportQuery;
use crate::hmis::csv::FileSet;
use crate::hmis::records::HmisExport;
use crate::ssr::clock::zone;
use crate::ssr::metrics::ExportPurpose;
use crate::ssr::scope::TenantScope;
use crate::vendors::schedule::{daily_due, interval_period};
use crate::vendors::{DeliveryTarget, DvPolicy, PayloadFormat, VendorMode};

/// Which vendors a push goes to: `all` or one vendor's public id.
fn parse_target(raw: &str) -> Result<Option<&str>, AppError> {
    match raw.trim() {
        "all" => Ok(None),
        id if crate::input::is_public_id(id) => Ok(Some(id)),
        _ => Err(AppError::validation("vendor", "Vendor: choose a vendor or \"all\".")),
    }
}

/// The page's push token: 16 to 64 letters, digits or dashes.
pub fn parse_token(raw: &str) -> Result<&str, AppError> {
    let t = raw.trim();
    if (16..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(t)
    } else {
        Err(AppError::validation("token", "The form is out of date; reload the page and push again."))
    }
}

/// The CoC's vendors a push can go to (test or live), all or the one named.
pub async fn pushable_vendors(
    db: &impl ConnectionTrait,
    scope: TenantScope,
    target: Option<&str>,
) -> Result<Vec<vendor::Model>, AppError> {
    let mut select = crate::vendors::ssr::live_vendors(scope)
        .filter(vendor::Column::Mode.is_in([VendorMode::Test, VendorMode::Live]));
    if let Some(id) = target {
        select = select.filter(vendor::Column::PublicId.eq(id));
    }
    let vendors = select.all(db).await?;
    if vendors.is_empty() {
        let message = if target.is_some() {
            "Vendor: it is not a vendor of this CoC in test or live mode."
        } else {
            "There is no HMIS vendor in test or live mode to push to."
        };
        return Err(AppError::validation("vendor", message));
    }
    Ok(vendors)
}

/// Where a push to `v` goes now: a test vendor's to its test endpoint (or, without one, to the
/// production endpoint marked as a test).
pub fn target_of(v: &vendor::Model) -> DeliveryTarget {
    if v.mode == VendorMode::Live { DeliveryTarget::Production } else { DeliveryTarget::Test }
}

/// What decides a vendor's payload: its format, its DV policy and whether the zip carries the
/// client-level files (header only).
type Rendering = (PayloadFormat, DvPolicy, bool);

/// One export of a CoC, rendered once per format and DV policy a vendor takes.
pub struct Payloads {
    tenant: tenant::Model,
    run: crate::hmis::records::ExportRun,
    export: HmisExport,
    /// The export without anything DV, made when a vendor with that policy first needs it.
    without_dv: Option<HmisExport>,
    rendered: HashMap<Rendering, (String, Vec<u8>)>,
    /// Why it was built, and how long reading the data and transforming it took (each rendering
    /// is one export built, for the metrics).
    purpose: ExportPurpose,
    built_in: std::time::Duration,
}

impl Payloads {
    /// The CoC's export with the parameters `query` asks for (the preview's and the download's
    /// path).
    pub async fn build(
        db: &DatabaseConnection,
        scope: TenantScope,
        now: DateTime<Utc>,
        query: &ExportQuery,
        purpose: ExportPurpose,
    ) -> Result<Payloads, AppError> {
        let started = std::time::Instant::now();
        let run = crate::hmis::ssr::new_run(db, scope, now, query).await?;
        let (tenant, export) = crate::hmis::ssr::export(db, scope, &run).await?;
        let built_in = started.elapsed();
        Ok(Payloads { tenant, run, export, without_dv: None, rendered: HashMap::new(), purpose, built_in })
    }

    /// The export as a vendor with `policy` gets it.
    fn export_for(&mut self, policy: DvPolicy) -> &HmisExport {
        match policy {
            DvPolicy::Aggregate => &self.export,
            DvPolicy::None => self.without_dv.get_or_insert_with(|| self.export.without_dv()),
        }
    }

    /// Inventory records a vendor with `policy` gets.
    pub fn records(&mut self, policy: DvPolicy) -> i32 {
        crate::hmis::ssr::records(self.export_for(policy))
    }

    /// The file name and bytes for vendor `v` (its format, DV policy and file set).
    pub fn render(&mut self, v: &vendor::Model) -> Result<(String, Vec<u8>), AppError> {
        let how = (v.payload_format, v.dv_policy, v.client_files);
        if let Some(done) = self.rendered.get(&how) {
            return Ok(done.clone());
        }
        let started = std::time::Instant::now();
        let set = if v.client_files { FileSet::Complete } else { FileSet::Descriptors };
        let (tenant, run) = (self.tenant.clone(), self.run.clone());
        let export = self.export_for(v.dv_policy);
        let stamp = run.clock.local(run.exported_at).format("%Y%m%d-%H%M%S");
        let slug = &tenant.slug;
        let json =
            |value: &dyn erased::Json| value.to_vec().map_err(|e| AppError::internal("writing the JSON payload", &e));
        let done = match v.payload_format {
            PayloadFormat::HmisCsvZip => {
                (crate::hmis::ssr::zip_name(&tenant, &run), crate::hmis::ssr::write_zip(export, set)?)
            }
            PayloadFormat::InventoryV1 => (
                format!("hmis-inventory-v1-{slug}-{stamp}.json"),
                json(&crate::hmis::json::inventory_v1(export, &run))?,
            ),
            PayloadFormat::HudCsvExport => {
                (format!("hmis-csvexport-{slug}-{stamp}.json"), json(&crate::hmis::json::hud_csvexport(export))?)
            }
        };
        let records = self.records(v.dv_policy);
        let took = self.built_in + started.elapsed();
        crate::ssr::metrics::export_built(&self.tenant.slug, self.purpose, took, done.1.len(), records);
        self.rendered.insert(how, done.clone());
        Ok(done)
    }

    /// One vendor's delivery under `key`, to the endpoint its mode says now. A file destination
    /// names the file by its pattern (the CoC code, the export's local date and the key).
    pub fn delivery<'a>(&mut self, v: &vendor::Model, key: &'a str) -> Result<NewDelivery<'a>, AppError> {
        let (name, payload) = self.render(v)?;
        let name = if v.transport.is_file() {
            let pattern = v.file_name_pattern.as_deref().unwrap_or(crate::vendors::DEFAULT_FILE_NAME);
            let coc = self.tenant.coc_code_list().next().unwrap_or_default();
            let date = self.run.clock.today(self.run.exported_at).format("%Y%m%d").to_string();
            crate::vendors::file_name(pattern, coc, &date, key, v.payload_format.extension())
        } else {
            name
        };
        let target = target_of(v);
        Ok(NewDelivery {
            tenant_id: v.tenant_id,
            vendor_id: v.id,
            payload,
            payload_name: if target == DeliveryTarget::Test { test_name(&name) } else { name },
            payload_format: v.payload_format,
            target,
            record_count: self.records(v.dv_policy),
            idempotency_key: key,
            dv_epoch: self.tenant.dv_epoch,
            request_id: crate::ssr::request_id::current().map(|id| id.to_string()),
        })
    }
}

/// Serializing for `Payloads::render` without naming each document's type.
mod erased {
    pub trait Json {
        fn to_vec(&self) -> Result<Vec<u8>, serde_json::Error>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_vec(&self) -> Result<Vec<u8>, serde_json::Error> {
            serde_json::to_vec(self)
        }
    }
}

/// `name` marked as a test: `-TEST` before the extension.
pub fn test_name(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-TEST.{ext}"),
        None => format!("{name}-TEST"),
    }
}

/// The key of the scheduled push due at `now` for live vendor `v` (in `tz`), if one is due.
pub fn scheduled_key(v: &vendor::Model, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<String> {
    // Public ids only: the key goes to the vendor, and row ids count every CoC's vendors.
    if let Some(minutes) = v.push_interval_minutes {
        return Some(format!("schedule-{}-{}", v.public_id, interval_period(now, minutes).0));
    }
    let day = daily_due(now, tz, v.push_daily_at.as_deref()?).0?;
    Some(format!("schedule-{}-{day}", v.public_id))
}

/// When the next scheduled push of `v` is queued, if it has a schedule and is live.
pub fn next_scheduled(v: &vendor::Model, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if v.mode != VendorMode::Live {
        return None;
    }
    match (v.push_interval_minutes, v.push_daily_at.as_deref()) {
        (Some(minutes), _) => Some(interval_period(now, minutes).1),
        (None, Some(at)) => {
            let (due, next) = daily_due(now, tz, at);
            // Today's push not queued yet: it goes now.
            Some(if due.is_some() { now.min(next) } else { next })
        }
        (None, None) => None,
    }
}

/// Queue the scheduled pushes that are due at `now`: one per live vendor with a schedule and per
/// period, whichever replica gets there first (the key is the vendor and the period). Returns
/// how many were queued.
pub async fn queue_scheduled(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let vendors = vendor::Entity::find()
        .filter(vendor::Column::Mode.eq(VendorMode::Live))
        .filter(vendor::Column::DeletedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(vendor::Column::PushIntervalMinutes.is_not_null())
                .add(vendor::Column::PushDailyAt.is_not_null()),
        )
        .order_by_asc(vendor::Column::TenantId)
        .all(db)
        .await?;
    let zones: HashMap<i64, chrono_tz::Tz> =
        tenant::Entity::find().all(db).await?.into_iter().map(|t| (t.id, zone(&t.time_zone))).collect();
    let mut queued = 0;
    let mut exports: HashMap<i64, Payloads> = HashMap::new();
    for v in vendors {
        let tz = zones.get(&v.tenant_id).copied().unwrap_or(chrono_tz::UTC);
        let Some(key) = scheduled_key(&v, tz, now) else { continue };
        let exists = outbox::Entity::find()
            .filter(outbox::Column::VendorId.eq(v.id))
            .filter(outbox::Column::IdempotencyKey.eq(key.as_str()))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = exports.entry(v.tenant_id) {
            let scope = TenantScope::for_operator(v.tenant_id);
            e.insert(Payloads::build(db, scope, now, &ExportQuery::default(), ExportPurpose::Scheduled).await?);
        }
        let Some(built) = exports.get_mut(&v.tenant_id) else { continue };
        let records = built.records(v.dv_policy);
        let delivery = built.delivery(&v, &key)?;
        let txn = crate::ssr::begin_write(db).await?;
        match enqueue(&txn, delivery, now).await {
            Ok((_, true)) => {
                queued += 1;
                scheduled(ENQUEUED);
                tracing::info!(event = "push.scheduled", vendor.id = v.id, records, "scheduled HMIS push queued");
            }
            Ok((_, false)) => scheduled(SKIPPED),
            // A DV change since the export was built: the next tick builds a fresh one.
            Err(AppError::Conflict(_)) => {
                scheduled(SKIPPED);
                exports.remove(&v.tenant_id);
                continue;
            }
            Err(e) => return Err(e),
        }
        txn.commit().await?;
    }
    Ok(queued)
}

/// `hmis_scheduled_pushes_total`'s results (the worker starts both at zero).
const ENQUEUED: &str = "enqueued";
const SKIPPED: &str = "skipped";

fn scheduled(result: &'static str) {
    metrics::counter!(crate::ssr::metrics::SCHEDULED, "result" => result).increment(1);
}

/// What one push queued: the vendors it went to and those that already had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub records: i32,
    /// Created now: (vendor name, delivery row).
    pub created: Vec<(String, outbox::Model)>,
    /// Already queued under this token: (vendor name, delivery row).
    pub existing: Vec<(String, outbox::Model)>,
}

/// Queue the CoC's export with the parameters `query` asks for to `vendors` under `token`, in
/// one transaction.
pub async fn push_to(
    db: &DatabaseConnection,
    scope: TenantScope,
    vendors: &[vendor::Model],
    token: &str,
    now: DateTime<Utc>,
    query: &ExportQuery,
    purpose: ExportPurpose,
) -> Result<Queued, AppError> {
    let mut built = Payloads::build(db, scope, now, query, purpose).await?;
    let records = vendors.iter().map(|v| built.records(v.dv_policy)).max().unwrap_or_default();
    let keys: Vec<String> = vendors.iter().map(|v| format!("manual-{token}-{}", v.public_id)).collect();
    let mut deliveries = Vec::new();
    for (v, key) in vendors.iter().zip(&keys) {
        deliveries.push(built.delivery(v, key)?);
    }
    let txn = crate::ssr::begin_write(db).await?;
    let mut queued = Queued { records, created: Vec::new(), existing: Vec::new() };
    for (v, d) in vendors.iter().zip(deliveries) {
        let (row, created) = enqueue(&txn, d, now).await?;
        if created { &mut queued.created } else { &mut queued.existing }.push((v.name.clone(), row));
    }
    txn.commit().await?;
    Ok(queued)
}

pub async fn queue_push(target: String, token: String, query: ExportQuery) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let target = parse_target(&target)?;
    let token = parse_token(&token)?;
    let state = crate::ssr::state()?;
    let db = &state.db;
    let vendors = pushable_vendors(db, access.tenant()?, target).await?;
    let queued = push_to(db, access.tenant()?, &vendors, token, Utc::now(), &query, ExportPurpose::Push).await?;
    state.outbox_wake.notify_one();
    if queued.created.is_empty() {
        return Ok(Notice::new("That push is already queued; it was not queued twice."));
    }
    let records = queued.records;
    tracing::info!(
        event = "push.queued",
        user.id = access.user().id,
        vendors = queued.created.len(),
        records,
        "HMIS push queued"
    );
    let names: Vec<String> = queued
        .created
        .iter()
        .map(|(name, row)| if row.target == DeliveryTarget::Test { format!("{name} (test)") } else { name.clone() })
        .collect();
    Ok(Notice::new(format!("Queued a push of {records} inventory records to {}.", names.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_push_is_marked_in_its_file_name() {
        assert_eq!(test_name("hmis-csv-capital-20261123-120000.zip"), "hmis-csv-capital-20261123-120000-TEST.zip");
        assert_eq!(test_name("inventory"), "inventory-TEST");
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
