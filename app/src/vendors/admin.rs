//! The vendor settings pages' requests: each authorizes a CoC admin, resolves the vendor through
//! the CoC's scope (another CoC's vendor and a missing one are the same "not found"), and goes
//! through `ssr`, which the command line shares.
use chrono::Utc;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::ssr::{Actor, Change, find, view};
use super::{VendorEvent, VendorForm, VendorMode, VendorPage, VendorView};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{push_audit, user, vendor_history};
use crate::error::{AppError, Notice};
use crate::outbox::state::AuditOutcome;
use crate::ssr::scope::Access;

async fn admin() -> Result<(Access, crate::ssr::AppState), AppError> {
    Ok((authorize(COC_ADMIN).await?, crate::ssr::state()?))
}

/// A change by the signed-in admin, now.
fn change(access: &Access) -> Result<Change, AppError> {
    Ok(Change { scope: access.tenant()?, actor: Actor(Some(access.user().id)), now: Utc::now() })
}

pub async fn list() -> Result<Vec<VendorView>, AppError> {
    let (access, state) = admin().await?;
    let mut out = Vec::new();
    let clock = access.clock(&state.db).await?;
    for v in super::ssr::live_vendors(access.tenant()?).all(&state.db).await? {
        out.push(view(&state.db, &v, &clock).await?);
    }
    Ok(out)
}

pub async fn page(id: &str) -> Result<VendorPage, AppError> {
    let (access, state) = admin().await?;
    let db = &state.db;
    let v = find(db, access.tenant()?, id).await?;
    let clock = access.clock(db).await?;
    let status = crate::outbox::admin::statuses(&access, db, vec![v.clone()])
        .await?
        .pop()
        .ok_or_else(|| AppError::bug("no status for the vendor"))?;
    let events = access
        .find::<vendor_history::Entity>()?
        .filter(vendor_history::Column::VendorId.eq(v.id))
        .order_by_desc(vendor_history::Column::Id)
        .limit(50)
        .all(db)
        .await?;
    let actors: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    let names: std::collections::HashMap<i64, String> = access
        .users()?
        .filter(user::Column::Id.is_in(actors))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let events = events
        .into_iter()
        .map(|e| VendorEvent {
            at: clock.show(e.at),
            by: e.actor_id.and_then(|a| names.get(&a).cloned()).unwrap_or_else(|| "command line".into()),
            action: e.action,
            detail: e.detail,
        })
        .collect();
    let recent = access
        .find::<push_audit::Entity>()?
        .filter(push_audit::Column::VendorId.eq(v.id))
        .order_by_desc(push_audit::Column::Id)
        .limit(20)
        .all(db)
        .await?;
    let last_test_push = test_push_delivered(&access, db, v.id, &clock).await?;
    let charts = crate::outbox::charts::read(&access, db, v.id, &clock, Utc::now()).await?;
    Ok(VendorPage {
        vendor: view(db, &v, &clock).await?,
        status,
        events,
        attempts: recent.into_iter().map(|a| crate::outbox::admin::history_row(a, v.name.clone(), &clock)).collect(),
        last_test_push,
        charts,
    })
}

/// When a test push to the vendor was last delivered.
async fn test_push_delivered(
    access: &Access,
    db: &sea_orm::DatabaseConnection,
    vendor_id: i64,
    clock: &crate::ssr::clock::CocClock,
) -> Result<Option<String>, AppError> {
    use crate::entities::outbox;
    let row = access
        .find::<outbox::Entity>()?
        .filter(outbox::Column::VendorId.eq(vendor_id))
        .filter(outbox::Column::Target.eq(super::DeliveryTarget::Test))
        .filter(outbox::Column::State.eq(crate::outbox::state::State::Completed))
        .order_by_desc(outbox::Column::Id)
        .one(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let delivered = access
        .find::<push_audit::Entity>()?
        .filter(push_audit::Column::OutboxId.eq(row.id))
        .filter(push_audit::Column::Outcome.eq(AuditOutcome::Delivered))
        .one(db)
        .await?;
    Ok(Some(clock.show(delivered.map_or(row.created_at, |a| a.at))))
}

pub async fn create(form: VendorForm) -> Result<(String, Notice), AppError> {
    let (access, state) = admin().await?;
    let input = form.parse(state.vendors.allow_loopback, &[])?;
    let v = super::ssr::create(&state.db, &state.vendors.vault, change(&access)?, input, VendorMode::Test).await?;
    tracing::info!(event = "vendor.created", user.id = access.user().id, vendor.id = v.id, "vendor added");
    Ok((
        v.public_id.clone(),
        Notice::new(format!("Added {} in test mode. Test the connection, then push a test.", v.name)),
    ))
}

pub async fn update(id: &str, form: VendorForm) -> Result<Notice, AppError> {
    let (access, state) = admin().await?;
    let rules = &state.vendors;
    let v = super::ssr::update(&state.db, &rules.vault, change(&access)?, id, &form, rules.allow_loopback).await?;
    Ok(Notice::new(format!("Saved the settings of {}.", v.name)))
}

pub async fn set_mode(id: &str, mode: &str, confirmed: bool) -> Result<Notice, AppError> {
    let (access, state) = admin().await?;
    let mode = VendorMode::parse(mode.trim())
        .ok_or_else(|| AppError::validation("mode", "Mode: choose test, live or off."))?;
    if mode == VendorMode::Live && !confirmed {
        return Err(AppError::validation(
            "confirm",
            "Going live needs a confirmation: use \"Switch to live…\" on the vendor's page.",
        ));
    }
    let (v, cancelled) = super::ssr::set_mode(&state.db, change(&access)?, id, mode).await?;
    tracing::info!(
        event = "vendor.mode",
        user.id = access.user().id,
        vendor.id = v.id,
        mode = mode.as_str(),
        "vendor mode set"
    );
    let mut message = format!("{} is now in {} mode.", v.name, mode.label().to_lowercase());
    if cancelled > 0 {
        message.push_str(&format!(" Cancelled {cancelled} waiting delivery(ies)."));
    }
    Ok(Notice::new(message))
}

pub async fn test_connection(id: &str) -> Result<Notice, AppError> {
    let (access, state) = admin().await?;
    let v = find(&state.db, access.tenant()?, id).await?;
    let checked = state.vendors.probe.check(&state.db, &v).await;
    super::ssr::record_test(&state.db, &v, Actor(Some(access.user().id)), &checked, Utc::now()).await?;
    let detail = &checked.detail;
    if checked.ok {
        Ok(Notice::new(format!("Connection test passed: {detail}.")))
    } else {
        Err(AppError::validation("connection", format!("Connection test failed: {detail}.")))
    }
}

pub async fn remove_header(id: &str, name: &str) -> Result<Notice, AppError> {
    let (access, state) = admin().await?;
    super::ssr::remove_header(&state.db, change(&access)?, id, name).await?;
    Ok(Notice::new(format!("Removed the header {}.", name.trim())))
}

pub async fn delete(id: &str) -> Result<Notice, AppError> {
    let (access, state) = admin().await?;
    let v = super::ssr::delete(&state.db, change(&access)?, id).await?;
    tracing::info!(event = "vendor.deleted", user.id = access.user().id, vendor.id = v.id, "vendor deleted");
    Ok(Notice::new(format!("Deleted {}.", v.name)))
}

pub async fn accept_host_key(id: &str, fingerprint: &str) -> Result<Notice, AppError> {
    let (access, state) = admin().await?;
    let v = super::ssr::accept_host_key(&state.db, change(&access)?, id, fingerprint).await?;
    Ok(Notice::new(format!("Accepted the new host key of {}; pushes to it go out again.", v.name)))
}
