//! Reads for the tab and for operations: a vendor's attempts, and the queue per vendor and state.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::*;
use crate::entities::{outbox, push_audit};
use crate::error::AppError;
use crate::outbox::state::{AuditOutcome, State};

/// A vendor's attempts in `audit` (a CoC's, from `Access`), newest first: its deliveries, or with
/// `delivered` false its failures, which `idx_audit_vendor_failures` lists without walking the
/// deliveries between them.
pub fn vendor_attempts(
    audit: sea_orm::Select<push_audit::Entity>,
    vendor_id: i64,
    delivered: bool,
) -> sea_orm::Select<push_audit::Entity> {
    let outcome = if delivered { push_audit::Column::Outcome.eq(AuditOutcome::Delivered) } else { Expr::cust(FAILED) };
    audit.filter(push_audit::Column::VendorId.eq(vendor_id)).filter(outcome).order_by_desc(push_audit::Column::Id)
}

/// One vendor's queue as `/metrics` reports it.
#[derive(Debug, Clone)]
pub struct QueueGauge {
    pub vendor: crate::entities::vendor::Model,
    /// The CoC's short name.
    pub tenant: String,
    /// Rows per unfinished state, and dead letters (every state in `QUEUE_STATES`, zeros too).
    pub rows: Vec<(State, u64)>,
    /// When the longest-waiting row became due.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// The states `/metrics` counts: the queue and the dead letters (finished rows only grow), as
/// `QUEUE` names them.
pub const QUEUE_STATES: [State; 4] = [State::Available, State::Running, State::Retryable, State::Discarded];

#[derive(sea_orm::FromQueryResult)]
struct StateCount {
    vendor_id: i64,
    state: String,
    n: i64,
    oldest: Option<DateTime<Utc>>,
}

/// Rows, and the earliest `scheduled_at`, per vendor and state in `QUEUE_STATES`.
pub fn queue_counts() -> sea_orm::Select<outbox::Entity> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Func;
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::VendorId)
        .column(outbox::Column::State)
        .column_as(Expr::from(Func::count(Expr::col(outbox::Column::Id))), "n")
        .column_as(Expr::from(Func::min(Expr::col(outbox::Column::ScheduledAt))), "oldest")
        .filter(in_states(&QUEUE_STATES))
        .group_by(outbox::Column::VendorId)
        .group_by(outbox::Column::State)
}

/// Every vendor of every CoC with its queue. For operations (the metrics endpoint), not for a
/// CoC's users: counts per vendor only, never per shelter, so nothing here tells DV from non-DV.
pub async fn queue_gauges(db: &DatabaseConnection) -> Result<Vec<QueueGauge>, AppError> {
    let tenants: std::collections::HashMap<i64, String> =
        crate::entities::tenant::Entity::find().all(db).await?.into_iter().map(|t| (t.id, t.slug)).collect();
    let counts: Vec<StateCount> = queue_counts().into_model::<StateCount>().all(db).await?;
    let vendors = crate::entities::vendor::Entity::find()
        .filter(crate::entities::vendor::Column::DeletedAt.is_null())
        .order_by_asc(crate::entities::vendor::Column::Id)
        .all(db)
        .await?;
    Ok(vendors
        .into_iter()
        .map(|vendor| {
            let mine = counts.iter().filter(|c| c.vendor_id == vendor.id);
            let rows = QUEUE_STATES
                .iter()
                .map(|s| (*s, mine.clone().find(|c| c.state == s.as_str()).map_or(0, |c| c.n as u64)))
                .collect();
            let oldest_due =
                mine.filter(|c| State::parse(&c.state).is_some_and(State::is_waiting)).filter_map(|c| c.oldest).min();
            QueueGauge { tenant: tenants.get(&vendor.tenant_id).cloned().unwrap_or_default(), vendor, rows, oldest_due }
        })
        .collect())
}
