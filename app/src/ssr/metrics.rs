//! The names of the Prometheus metrics (docs/operations.md lists them all) and the recording of
//! those that happen in the domain: bed counts and exports. The server's `metrics` module installs
//! the recorder, describes every name here and serves `/metrics`. Labels name a CoC (its short
//! name) or a vendor (its id) at most, both bounded by configuration: never a shelter or a user.
use std::time::Duration;

/// HTTP requests by method, matched route template and status class (a histogram).
pub const HTTP_SECONDS: &str = "hmis_http_request_duration_seconds";
/// A shelter's counts submitted: saved, refused as a conflict (someone saved first, or the
/// shelter's lines changed) or as invalid. Not per CoC: that would need a read on every save.
pub const BED_UPDATES: &str = "hmis_bed_count_updates_total";
/// Exports built (a zip or a JSON document), by CoC and purpose: how long, how big, how many
/// inventory records.
pub const EXPORT_SECONDS: &str = "hmis_export_build_seconds";
pub const EXPORT_BYTES: &str = "hmis_export_bytes_total";
pub const EXPORT_RECORDS: &str = "hmis_export_records_total";
/// Delivery attempts by vendor and outcome (delivered, transient, permanent).
pub const ATTEMPTS: &str = "hmis_outbox_attempts_total";
/// How long a vendor took to answer an attempt, by vendor and outcome.
pub const DELIVERY_SECONDS: &str = "hmis_outbox_delivery_seconds";
/// Rows that became dead letters, by vendor.
pub const DEAD_LETTERED: &str = "hmis_outbox_dead_lettered_total";
/// Rows put back unattempted because the vendor's circuit was open, by vendor.
pub const SNOOZED: &str = "hmis_outbox_snoozed_total";
/// Rows whose lease expired and that were taken back from a stopped worker.
pub const RESCUED: &str = "hmis_outbox_rescued_total";
/// Inventory records in deliveries that succeeded, by vendor and vendor kind.
pub const RECORDS_PUSHED: &str = "hmis_records_pushed_total";
/// Scheduled pushes that came due: enqueued, or skipped (another replica queued the period's
/// push first, or a DV change made the built export stale; the next turn builds a fresh one).
pub const SCHEDULED: &str = "hmis_scheduled_pushes_total";
/// Unix time of the worker's last loop turn (processes running the worker only).
pub const WORKER_LAST_LOOP: &str = "hmis_worker_last_loop_timestamp_seconds";
/// Claimed rows waiting for a delivery slot.
pub const WORKER_CLAIMED_AHEAD: &str = "hmis_worker_claimed_ahead";
/// 1, labelled with the version and commit running.
pub const BUILD_INFO: &str = "hmis_build_info";

/// What a coordinator's count came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BedUpdate {
    Saved,
    Conflict,
    Invalid,
}

impl BedUpdate {
    /// What a save's result counts as; none for a request that never got to the counts (signed
    /// out, a hidden shelter).
    pub fn of<T>(result: &Result<T, crate::error::AppError>) -> Option<BedUpdate> {
        use crate::error::AppError;
        match result {
            Ok(_) => Some(BedUpdate::Saved),
            Err(AppError::Conflict(_)) => Some(BedUpdate::Conflict),
            Err(AppError::Validation { .. }) => Some(BedUpdate::Invalid),
            Err(_) => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            BedUpdate::Saved => "saved",
            BedUpdate::Conflict => "conflict",
            BedUpdate::Invalid => "invalid",
        }
    }
}

pub fn bed_update(outcome: BedUpdate) {
    metrics::counter!(BED_UPDATES, "outcome" => outcome.as_str()).increment(1);
}

/// Why an export was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportPurpose {
    /// The tab's download.
    Download,
    /// An admin's push from the tab.
    Push,
    /// A vendor's schedule.
    Scheduled,
    /// `hmis-bridge export` or `push`.
    Cli,
}

impl ExportPurpose {
    fn as_str(self) -> &'static str {
        match self {
            ExportPurpose::Download => "download",
            ExportPurpose::Push => "push",
            ExportPurpose::Scheduled => "scheduled",
            ExportPurpose::Cli => "cli",
        }
    }
}

/// One export built: its file's bytes and inventory records, and how long it took from reading
/// the data to the finished file.
pub fn export_built(tenant: &str, purpose: ExportPurpose, took: Duration, bytes: usize, records: i32) {
    let labels = [("tenant", tenant.to_string()), ("purpose", purpose.as_str().to_string())];
    metrics::histogram!(EXPORT_SECONDS, &labels).record(took.as_secs_f64());
    metrics::counter!(EXPORT_BYTES, &labels).increment(bytes as u64);
    metrics::counter!(EXPORT_RECORDS, &labels).increment(u64::try_from(records).unwrap_or(0));
}
