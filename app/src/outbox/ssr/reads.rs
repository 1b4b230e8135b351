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
    pub vendor_id: i64,
    pub name: String,
    pub kind: crate::vendors::VendorKind,
    pub mode: crate::vendors::VendorMode,
    /// How often it is pushed on its own (a daily push is a day); none when only on demand.
    pub schedule_seconds: Option<i64>,
    pub circuit_open_until: Option<DateTime<Utc>>,
    /// The CoC's short name.
    pub tenant: String,
    /// Rows per unfinished state, and dead letters (every state in `QUEUE_STATES`, zeros too).
    pub rows: Vec<(State, u64)>,
    /// When its oldest waiting row was queued (retries and snoozes move a row's due time, not
    /// this).
    pub oldest_queued: Option<DateTime<Utc>>,
}

/// The states `/metrics` counts: the queue and the dead letters (finished rows only grow), as
/// `QUEUE` names them.
pub const QUEUE_STATES: [State; 4] = [State::Available, State::Running, State::Retryable, State::Discarded];

/// Rows, and the earliest `created_at`, per vendor and state in `QUEUE_STATES`.
pub fn queue_counts() -> sea_orm::Select<outbox::Entity> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Func;
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::VendorId)
        .column(outbox::Column::State)
        .column_as(Expr::from(Func::count(Expr::col(outbox::Column::Id))), "n")
        .column_as(Expr::from(Func::min(Expr::col(outbox::Column::CreatedAt))), "oldest")
        .filter(in_states(&QUEUE_STATES))
        .group_by(outbox::Column::VendorId)
        .group_by(outbox::Column::State)
}

/// One row of [`queue_gauges`]' statement: a vendor, and one of its states' counts (none when
/// it has no rows in any of them).
#[derive(sea_orm::FromQueryResult)]
struct VendorQueueRow {
    vendor_id: i64,
    name: String,
    kind: String,
    mode: String,
    push_interval_minutes: Option<i32>,
    push_daily_at: Option<String>,
    circuit_open_until: Option<DateTime<Utc>>,
    tenant: String,
    state: Option<String>,
    n: Option<i64>,
    oldest: Option<DateTime<Utc>>,
}

/// Every vendor of every CoC with its queue, in one statement (a scrape costs one query however
/// many CoCs and vendors there are): the vendors and their CoCs joined to `queue_counts`. For
/// operations (the metrics endpoint), not for a CoC's users: counts per vendor only, never per
/// shelter, so nothing here tells DV from non-DV.
pub async fn queue_gauges(db: &DatabaseConnection) -> Result<Vec<QueueGauge>, AppError> {
    use crate::entities::{tenant, vendor};
    use sea_orm::sea_query::{Alias, ExprTrait, JoinType, Order, Query};
    use sea_orm::{FromQueryResult, QueryTrait};
    let q = Alias::new("q");
    let v = |c: vendor::Column| Expr::col((vendor::Entity, c));
    let mut select = Query::select();
    select
        .expr_as(v(vendor::Column::Id), Alias::new("vendor_id"))
        .expr_as(v(vendor::Column::Name), Alias::new("name"))
        .expr_as(v(vendor::Column::Kind), Alias::new("kind"))
        .expr_as(v(vendor::Column::Mode), Alias::new("mode"))
        .expr_as(v(vendor::Column::PushIntervalMinutes), Alias::new("push_interval_minutes"))
        .expr_as(v(vendor::Column::PushDailyAt), Alias::new("push_daily_at"))
        .expr_as(v(vendor::Column::CircuitOpenUntil), Alias::new("circuit_open_until"))
        .expr_as(Expr::col((tenant::Entity, tenant::Column::Slug)), Alias::new("tenant"))
        .expr_as(Expr::col((q.clone(), Alias::new("state"))), Alias::new("state"))
        .expr_as(Expr::col((q.clone(), Alias::new("n"))), Alias::new("n"))
        .expr_as(Expr::col((q.clone(), Alias::new("oldest"))), Alias::new("oldest"))
        .from(vendor::Entity)
        .inner_join(
            tenant::Entity,
            Expr::col((tenant::Entity, tenant::Column::Id)).equals((vendor::Entity, vendor::Column::TenantId)),
        )
        .join_subquery(
            JoinType::LeftJoin,
            queue_counts().into_query(),
            q.clone(),
            Expr::col((q, Alias::new("vendor_id"))).equals((vendor::Entity, vendor::Column::Id)),
        )
        .and_where(v(vendor::Column::DeletedAt).is_null())
        .order_by((vendor::Entity, vendor::Column::Id), Order::Asc);
    let rows = VendorQueueRow::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
    let mut gauges: Vec<QueueGauge> = Vec::new();
    for row in rows {
        let gauge = match gauges.last_mut() {
            Some(last) if last.vendor_id == row.vendor_id => last,
            _ => {
                let (Some(kind), Some(mode)) =
                    (crate::vendors::VendorKind::parse(&row.kind), crate::vendors::VendorMode::parse(&row.mode))
                else {
                    return Err(AppError::bug("a vendor's kind or mode is not one the app knows"));
                };
                let schedule_seconds = match (row.push_interval_minutes, &row.push_daily_at) {
                    (Some(minutes), _) => Some(i64::from(minutes) * 60),
                    (None, Some(_)) => Some(86_400),
                    (None, None) => None,
                };
                gauges.push(QueueGauge {
                    vendor_id: row.vendor_id,
                    name: row.name,
                    kind,
                    mode,
                    schedule_seconds,
                    circuit_open_until: row.circuit_open_until,
                    tenant: row.tenant,
                    rows: QUEUE_STATES.iter().map(|s| (*s, 0)).collect(),
                    oldest_queued: None,
                });
                gauges.last_mut().ok_or_else(|| AppError::bug("the gauge just pushed"))?
            }
        };
        let Some(state) = row.state.as_deref().and_then(State::parse) else { continue };
        if let Some(count) = gauge.rows.iter_mut().find(|(s, _)| *s == state) {
            count.1 = u64::try_from(row.n.unwrap_or(0)).unwrap_or(0);
        }
        if state.is_waiting() {
            gauge.oldest_queued = gauge.oldest_queued.into_iter().chain(row.oldest).min();
        }
    }
    Ok(gauges)
}
