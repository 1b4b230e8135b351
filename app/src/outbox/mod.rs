//! The transactional outbox of HMIS pushes (DESIGN.md 5): one row per vendor delivery, with the
//! payload fixed at enqueue time. `state` holds the row's life as pure decisions; `ssr` the
//! database side; `push` turns an admin's "Push now" into rows; the worker (in `server`)
//! delivers them.
#[cfg(feature = "ssr")]
pub mod admin;
pub mod api;
pub mod charts;
#[cfg(feature = "ssr")]
pub mod push;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod state;
pub mod ui;

use serde::{Deserialize, Serialize};

/// One vendor as the HMIS Export tab shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorStatus {
    /// The vendor's public id.
    pub id: String,
    pub name: String,
    pub kind: crate::vendors::VendorKind,
    pub mode: crate::vendors::VendorMode,
    /// The circuit breaker, as the worker that last changed it recorded it.
    pub circuit: state::Circuit,
    /// Rows waiting to be delivered (available, retryable or running).
    pub waiting: u64,
    /// Dead letters: discarded rows.
    pub dead_letters: u64,
    /// "2026-11-23 18:02 UTC", from the push audit.
    pub last_success: Option<String>,
    /// When and why the latest failed attempt failed.
    pub last_failure: Option<(String, String)>,
    /// When the next scheduled push is queued (live vendors with a schedule).
    pub next_push: Option<String>,
}

/// A dead letter as the tab lists it, with every attempt's error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The delivery's public id.
    pub id: String,
    pub vendor: String,
    pub queued_at: String,
    pub attempts: i32,
    pub records: i32,
    /// Each attempt's error, with its local time.
    pub errors: Vec<String>,
}

/// One delivery attempt in the push history (from the append-only audit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: String,
    pub vendor: String,
    pub attempt: i32,
    pub records: i32,
    /// delivered, transient or permanent.
    pub outcome: String,
    pub detail: String,
    /// SHA-256 of the exact bytes sent.
    pub sha256: String,
}

/// One page of the push history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
}
