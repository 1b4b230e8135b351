//! The outbox in the database. Enqueue runs inside the caller's transaction (the one that decided
//! to push); claiming is one short statement; an attempt's outcome and its audit row are written
//! together, and only while the row is still this claim's (a rescued row is not overwritten).
//! Nothing here holds a transaction across a vendor call.
//!
//! - `enqueue`: rows in and out on request (push, retry, cancel, DV changes);
//! - `claim`: the worker's claim, lease, snooze and rescue;
//! - `finish`: recording attempts;
//! - `reads`: the tab's and the metrics' reads.
mod claim;
mod enqueue;
mod finish;
mod reads;

pub use claim::*;
pub use enqueue::*;
pub use finish::*;
pub use reads::*;

use sea_orm::sea_query::Expr;
use sha2::{Digest, Sha256};

use crate::outbox::state::State;

/// Attempts a delivery gets before it is dead-lettered (DESIGN.md 5).
pub const MAX_ATTEMPTS: i32 = 3;

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
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
