//! The admin audit: role, DV-access, victim-service-provider and DV-flag changes and password
//! resets, append-only (who, when, old, new), written in the transaction of the change itself.
//! Only admins with DV access read it, since its subjects include DV shelters and providers.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::scope::Access;
use crate::entities::{admin_audit, user};
use crate::error::AppError;
use crate::users::AuditRow;

/// How many changes the Users page shows, newest first.
pub const RECENT: u64 = 100;

/// Append one change made by `access`'s user at `at`.
pub async fn record(
    db: &impl ConnectionTrait,
    access: &Access,
    at: DateTime<Utc>,
    action: &str,
    subject: &str,
    old: &str,
    new: &str,
) -> Result<(), AppError> {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    admin_audit::Entity::insert(admin_audit::ActiveModel {
        tenant_id: Set(access.user().tenant_id),
        actor_id: Set(Some(access.user().id)),
        at: Set(at),
        action: Set(cut(action, 40)),
        subject: Set(cut(subject, 400)),
        old_value: Set(cut(old, 200)),
        new_value: Set(cut(new, 200)),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The tenant's most recent changes, for an admin with DV access; `None` for anyone else.
pub async fn recent(db: &impl ConnectionTrait, access: &Access) -> Result<Option<Vec<AuditRow>>, AppError> {
    if !access.user().dv_access {
        return Ok(None);
    }
    let rows = admin_audit::Entity::find()
        .filter(admin_audit::Column::TenantId.eq(access.tenant_id()?))
        .order_by_desc(admin_audit::Column::Id)
        .limit(RECENT)
        .all(db)
        .await?;
    let clock = access.clock(db).await?;
    let names: HashMap<i64, String> = access
        .find::<user::Entity>()?
        .filter(user::Column::Id.is_in(rows.iter().filter_map(|r| r.actor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(Some(
        rows.into_iter()
            .map(|r| AuditRow {
                at: clock.show(r.at),
                by: r.actor_id.and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| "an operator".into()),
                action: r.action,
                subject: r.subject,
                old_value: r.old_value,
                new_value: r.new_value,
            })
            .collect(),
    ))
}
