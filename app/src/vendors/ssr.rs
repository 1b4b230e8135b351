//! Vendors in the database: created, changed, switched between test, live and off, deleted, and
//! their secrets sealed and opened (`ssr::vault`). Every function takes the tenant's scope, so
//! the settings pages (from `Access`) and the command line (an operator naming a CoC) share one
//! path; a vendor of another CoC and a deleted one are "not found" alike. Each change is in one
//! transaction with its history row.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use secrecy::SecretString;

use super::form::VendorInput;
use super::{DeliveryTarget, SecretField, VendorForm, VendorMode, VendorSetup, VendorView};
use crate::entities::{outbox, vendor, vendor_history, vendor_secret};
use crate::error::AppError;
use crate::outbox::state::State;
use crate::ssr::scope::TenantScope;
use crate::ssr::vault::Vault;

/// Who makes a change: a user (the settings pages) or the command line.
#[derive(Debug, Clone, Copy)]
pub struct Actor(pub Option<i64>);

/// A change to a CoC's vendors: the CoC, who makes it, and when.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub scope: TenantScope,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// What a secret is sealed for: the vendor and the field, so a sealed value copied elsewhere does
/// not open.
pub fn purpose(vendor: &vendor::Model, field: &SecretField) -> String {
    format!("vendor:{}:{}", vendor.public_id, field.stored_name())
}

/// The CoC's vendors that are not deleted, by name.
pub fn live_vendors(scope: TenantScope) -> sea_orm::Select<vendor::Entity> {
    scope.find::<vendor::Entity>().filter(vendor::Column::DeletedAt.is_null()).order_by_asc(vendor::Column::Name)
}

/// The CoC's vendor with this public id; another CoC's, a deleted one and a missing one are alike.
pub async fn find(db: &impl ConnectionTrait, scope: TenantScope, id: &str) -> Result<vendor::Model, AppError> {
    if !crate::input::is_public_id(id.trim()) {
        return Err(AppError::NotFound);
    }
    live_vendors(scope).filter(vendor::Column::PublicId.eq(id.trim())).one(db).await?.ok_or(AppError::NotFound)
}

/// The CoC's vendor with this name (any case), for the command line.
pub async fn find_by_name(
    db: &impl ConnectionTrait,
    scope: TenantScope,
    name: &str,
) -> Result<vendor::Model, AppError> {
    let wanted = crate::input::normalized(name).to_lowercase();
    live_vendors(scope).all(db).await?.into_iter().find(|v| v.name.to_lowercase() == wanted).ok_or(AppError::NotFound)
}

/// Which secrets the vendor has (never their values).
pub async fn stored_secrets(db: &impl ConnectionTrait, vendor_id: i64) -> Result<Vec<SecretField>, AppError> {
    let rows = vendor_secret::Entity::find()
        .filter(vendor_secret::Column::VendorId.eq(vendor_id))
        .order_by_asc(vendor_secret::Column::Name)
        .all(db)
        .await?;
    Ok(rows.iter().filter_map(|r| SecretField::from_stored(&r.name)).collect())
}

/// Why a delivery to `target` must not go to `v` now, if it must not: the vendor was deleted or
/// switched off, or left live mode while a production push waited.
pub fn not_sendable(v: &vendor::Model, target: DeliveryTarget) -> Option<&'static str> {
    if v.deleted_at.is_some() || v.mode == VendorMode::Off {
        Some("the vendor was deleted or switched off before delivery")
    } else if target == DeliveryTarget::Production && v.mode != VendorMode::Live {
        Some("the vendor left live mode before this production push went out")
    } else {
        None
    }
}

/// Every secret of the vendor, opened for a delivery. The error names the field, never a value.
pub async fn open_secrets(
    db: &impl ConnectionTrait,
    vault: &Vault,
    vendor: &vendor::Model,
) -> Result<Vec<(SecretField, SecretString)>, String> {
    let rows = vendor_secret::Entity::find()
        .filter(vendor_secret::Column::VendorId.eq(vendor.id))
        .order_by_asc(vendor_secret::Column::Name)
        .all(db)
        .await
        .map_err(|e| format!("reading the vendor's credentials: {e}"))?;
    let mut out = Vec::new();
    for row in rows {
        let Some(field) = SecretField::from_stored(&row.name) else { continue };
        let value = vault
            .open(&purpose(vendor, &field), &row.sealed)
            .map_err(|e| format!("the stored {} does not open ({e}); enter it again", field.label()))?;
        out.push((field, value));
    }
    Ok(out)
}

/// Append a history row.
pub async fn history(
    db: &impl ConnectionTrait,
    vendor: &vendor::Model,
    actor: Actor,
    at: DateTime<Utc>,
    action: &str,
    detail: &str,
) -> Result<(), AppError> {
    vendor_history::Entity::insert(vendor_history::ActiveModel {
        tenant_id: Set(vendor.tenant_id),
        vendor_id: Set(vendor.id),
        at: Set(at),
        actor_id: Set(actor.0),
        action: Set(action.chars().take(40).collect()),
        detail: Set(detail.chars().take(400).collect()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Another vendor of the CoC (not `except`) already has this name, in any case.
async fn name_taken(
    db: &impl ConnectionTrait,
    scope: TenantScope,
    name: &str,
    except: Option<i64>,
) -> Result<bool, AppError> {
    let lower = name.to_lowercase();
    Ok(live_vendors(scope).all(db).await?.iter().any(|v| Some(v.id) != except && v.name.to_lowercase() == lower))
}

/// Seal and store `secrets` for `vendor` (replacing a stored value of the same field).
async fn store_secrets(
    db: &impl ConnectionTrait,
    vault: &Vault,
    vendor: &vendor::Model,
    secrets: &[(SecretField, String)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for (field, value) in secrets {
        let sealed =
            vault.seal(&purpose(vendor, field), value).map_err(|e| AppError::internal("sealing a secret", &e))?;
        vendor_secret::Entity::delete_many()
            .filter(vendor_secret::Column::VendorId.eq(vendor.id))
            .filter(vendor_secret::Column::Name.eq(field.stored_name()))
            .exec(db)
            .await?;
        vendor_secret::Entity::insert(vendor_secret::ActiveModel {
            tenant_id: Set(vendor.tenant_id),
            vendor_id: Set(vendor.id),
            name: Set(field.stored_name()),
            sealed: Set(sealed),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

fn duplicate_name(name: &str) -> AppError {
    AppError::validation("name", format!("Name: this CoC already has a vendor called \"{name}\"; choose another name."))
}

/// A write that met the unique name index (a concurrent save of the same name) as the name's error.
fn named(e: sea_orm::DbErr, name: &str) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => duplicate_name(name),
        _ => e.into(),
    }
}

/// The scheme, user, host and port of a URL: where its credentials go.
fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(format!("{}://{}@{}:{:?}", u.scheme(), u.username(), u.host_str()?, u.port_or_known_default()))
}

/// Add a vendor from checked settings, in `mode` (a new vendor starts in test).
pub async fn create(
    db: &DatabaseConnection,
    vault: &Vault,
    change: Change,
    input: VendorInput,
    mode: VendorMode,
) -> Result<vendor::Model, AppError> {
    let Change { scope, actor, now } = change;
    let txn = crate::ssr::begin_write(db).await?;
    let name = input.setup.name.clone();
    if name_taken(&txn, scope, &name, None).await? {
        return Err(duplicate_name(&name));
    }
    let mut row = vendor::ActiveModel {
        public_id: Set(crate::ssr::public_id::new()),
        tenant_id: Set(scope.tenant_id()),
        kind: Set(input.setup.kind),
        transport: Set(input.setup.transport),
        host_key_pinned: Set(None),
        host_key_offered: Set(None),
        mode: Set(mode),
        last_test_at: Set(None),
        last_test_ok: Set(None),
        last_test_detail: Set(None),
        circuit_open_until: Set(None),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut row, input.setup);
    let created = row.insert(&txn).await.map_err(|e| named(e, &name))?;
    store_secrets(&txn, vault, &created, &input.secrets, now).await?;
    let detail = format!("{} vendor added in {} mode", created.kind.label(), mode.label());
    history(&txn, &created, actor, now, "created", &detail).await?;
    txn.commit().await?;
    Ok(created)
}

/// Change a vendor's settings. Its kind is fixed; secrets left empty keep their stored values.
pub async fn update(
    db: &DatabaseConnection,
    vault: &Vault,
    change: Change,
    id: &str,
    form: &VendorForm,
    allow_loopback: bool,
) -> Result<vendor::Model, AppError> {
    let Change { scope, actor, now } = change;
    let txn = crate::ssr::begin_write(db).await?;
    let current = find(&txn, scope, id).await?;
    if super::form::kind(&form.kind).ok() != Some(current.kind) {
        return Err(AppError::validation(
            "kind",
            "Kind: a vendor's kind cannot change; add a new vendor of the other kind instead.",
        ));
    }
    if !form.transport.trim().is_empty() && form.transport.trim() != current.transport.as_str() {
        return Err(AppError::validation(
            "transport",
            "Delivery: how a vendor is reached cannot change; add a new vendor for the other way instead.",
        ));
    }
    let stored = stored_secrets(&txn, current.id).await?;
    // A form without the transport is for the vendor's own.
    let mut form = form.clone();
    if form.transport.trim().is_empty() {
        form.transport = current.transport.as_str().to_string();
    }
    let input = form.parse(allow_loopback, &stored)?;
    let new = &input.setup;
    if name_taken(&txn, scope, &new.name, Some(current.id)).await? {
        return Err(duplicate_name(&new.name));
    }
    // Stored credentials never go to a host they were not entered for: an endpoint on a new
    // host needs them typed again, and the others are erased.
    let known: Vec<Option<String>> =
        std::iter::once(&current.endpoint_url).chain(&current.test_endpoint_url).map(|u| origin(u)).collect();
    let moved = std::iter::once(&new.endpoint_url).chain(&new.test_endpoint_url).any(|u| !known.contains(&origin(u)));
    if moved {
        let given = |f: &SecretField| input.secrets.iter().any(|(g, _)| g == f);
        let file_login = match current.transport {
            super::Transport::Https => None,
            super::Transport::Sftp => Some((SecretField::Password, SecretField::PrivateKey)),
            super::Transport::AzureBlob => Some((SecretField::SasToken, SecretField::AccountKey)),
        };
        if let Some((one, other)) = file_login
            && !given(&one)
            && !given(&other)
        {
            return Err(AppError::validation(
                one.field(),
                format!(
                    "{}: the destination is on a new host, and stored credentials are never sent to a new host; enter \
                     the {} or the {} again.",
                    one.label(),
                    one.label().to_lowercase(),
                    other.label().to_lowercase()
                ),
            ));
        }
        if let Some(missing) =
            current.kind.required_secrets().iter().find(|f| !input.secrets.iter().any(|(given, _)| given == *f))
        {
            return Err(AppError::validation(
                missing.field(),
                format!(
                    "{}: the endpoint is on a new host, and stored credentials are never sent to a new host; enter them \
                     again.",
                    missing.label()
                ),
            ));
        }
        vendor_secret::Entity::delete_many().filter(vendor_secret::Column::VendorId.eq(current.id)).exec(&txn).await?;
    }
    let (pinned, offered) = (current.host_key_pinned.clone(), current.host_key_offered.clone());
    let mut changed = Vec::new();
    let mut note = |what: &str, same: bool| {
        if !same {
            changed.push(what.to_string());
        }
    };
    let old = setup_of(&current);
    note("name", new.name == old.name);
    note("production endpoint", new.endpoint_url == old.endpoint_url);
    note("test endpoint", new.test_endpoint_url == old.test_endpoint_url);
    note(
        "schedule",
        (new.push_interval_minutes, &new.push_daily_at) == (old.push_interval_minutes, &old.push_daily_at),
    );
    note("payload", new.payload_format == old.payload_format);
    note("API user", new.auth_user == old.auth_user);
    note("OrgId", new.org_id == old.org_id);
    note("contacts", new.contacts == old.contacts);
    note("PGP key", new.pgp_public_key == old.pgp_public_key);
    note("DV policy", new.dv_policy == old.dv_policy);
    note("client files", new.client_files == old.client_files);
    // What was built for the old DV policy or file set must not reach the vendor now, nor on a
    // retry of a dead letter: like switching off, it is cancelled (a row being sent finishes).
    if (new.dv_policy, new.client_files) != (old.dv_policy, old.client_files) {
        let why = "because the vendor's DV data or file set changed";
        let states = &[State::Available, State::Retryable, State::Running, State::Discarded];
        let mut cancelled = 0;
        for row in pending(&txn, current.id).await? {
            cancelled += usize::from(crate::outbox::ssr::cancel(&txn, &row, now, why, states).await?);
        }
        if cancelled > 0 {
            changed.push(format!("{cancelled} waiting delivery(ies) cancelled"));
        }
    }
    if moved {
        changed.push("stored credentials erased (new host)".into());
    }
    for (field, _) in &input.secrets {
        changed.push(format!("{} replaced", field.label()));
    }
    let name = new.name.clone();
    let mut row: vendor::ActiveModel = current.into();
    apply(&mut row, input.setup);
    // Another server: its host key is pinned afresh by the next connection test.
    row.host_key_pinned = Set(if moved { None } else { pinned });
    row.host_key_offered = Set(if moved { None } else { offered });
    row.updated_at = Set(now);
    let saved = row.update(&txn).await.map_err(|e| named(e, &name))?;
    store_secrets(&txn, vault, &saved, &input.secrets, now).await?;
    if !changed.is_empty() {
        history(&txn, &saved, actor, now, "settings", &format!("changed: {}", changed.join(", "))).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// Remove one custom header (and its sealed value).
pub async fn remove_header(
    db: &DatabaseConnection,
    change: Change,
    id: &str,
    name: &str,
) -> Result<vendor::Model, AppError> {
    let Change { scope, actor, now } = change;
    let txn = crate::ssr::begin_write(db).await?;
    let v = find(&txn, scope, id).await?;
    let field = SecretField::Header(name.trim().to_string());
    let gone = vendor_secret::Entity::delete_many()
        .filter(vendor_secret::Column::VendorId.eq(v.id))
        .filter(vendor_secret::Column::Name.eq(field.stored_name()))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(AppError::validation("header_name", "Header: this vendor has no such header."));
    }
    history(&txn, &v, actor, now, "settings", &format!("{} removed", field.label())).await?;
    txn.commit().await?;
    Ok(v)
}

/// What waits to be sent, or for an admin's decision (dead letters).
const PENDING: [State; 4] = [State::Available, State::Retryable, State::Running, State::Discarded];

/// The deliveries of a vendor still pending: waiting, being sent, or dead-lettered.
pub async fn pending(db: &impl ConnectionTrait, vendor_id: i64) -> Result<Vec<outbox::Model>, AppError> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::VendorId.eq(vendor_id))
        .filter(crate::outbox::ssr::in_states(&PENDING))
        .all(db)
        .await?)
}

/// Switch a vendor's mode. Off cancels what waits and the dead letters (a delivery already being
/// sent finishes); back to test cancels what waits for the production endpoint. Returns the
/// vendor and how many deliveries were cancelled.
pub async fn set_mode(
    db: &DatabaseConnection,
    change: Change,
    id: &str,
    mode: VendorMode,
) -> Result<(vendor::Model, usize), AppError> {
    let Change { scope, actor, now } = change;
    let txn = crate::ssr::begin_write(db).await?;
    let v = find(&txn, scope, id).await?;
    let before = v.mode;
    let mut cancelled = 0;
    if mode != VendorMode::Live {
        // Off sends nothing; back to test, nothing meant for production goes out.
        let (why, states): (&str, &[State]) = if mode == VendorMode::Off {
            // A claimed row (running) that has not gone out yet is withdrawn: the worker checks its
            // claim right before sending.
            (
                "because the vendor was switched off",
                &[State::Available, State::Retryable, State::Running, State::Discarded],
            )
        } else {
            ("because the vendor was switched back to test mode", &[State::Available, State::Retryable, State::Running])
        };
        for row in pending(&txn, v.id).await? {
            if mode == VendorMode::Off || row.target == DeliveryTarget::Production {
                cancelled += usize::from(crate::outbox::ssr::cancel(&txn, &row, now, why, states).await?);
            }
        }
    }
    let saved = vendor::ActiveModel { id: Set(v.id), mode: Set(mode), updated_at: Set(now), ..Default::default() }
        .update(&txn)
        .await?;
    if before != mode {
        let mut detail = format!("{} → {}", before.label(), mode.label());
        if cancelled > 0 {
            detail.push_str(&format!("; {cancelled} waiting delivery(ies) cancelled"));
        }
        history(&txn, &saved, actor, now, "mode", &detail).await?;
    }
    txn.commit().await?;
    Ok((saved, cancelled))
}

/// Delete a vendor with nothing waiting. It stays in the database for its history, hidden; its
/// secrets are erased and its name is free again.
pub async fn delete(db: &DatabaseConnection, change: Change, id: &str) -> Result<vendor::Model, AppError> {
    let Change { scope, actor, now } = change;
    let txn = crate::ssr::begin_write(db).await?;
    let v = find(&txn, scope, id).await?;
    let n = pending(&txn, v.id).await?.len();
    if n > 0 {
        return Err(AppError::validation(
            "vendor",
            format!(
                "{n} delivery(ies) to this vendor are waiting or dead-lettered; switch it off (which cancels them), \
                 then delete it."
            ),
        ));
    }
    vendor_secret::Entity::delete_many().filter(vendor_secret::Column::VendorId.eq(v.id)).exec(&txn).await?;
    vendor::Entity::update_many()
        .col_expr(vendor::Column::DeletedAt, Expr::value(Some(now)))
        .col_expr(vendor::Column::Mode, Expr::value(VendorMode::Off))
        .col_expr(vendor::Column::UpdatedAt, Expr::value(now))
        .filter(vendor::Column::Id.eq(v.id))
        .exec(&txn)
        .await?;
    history(&txn, &v, actor, now, "deleted", "vendor deleted; its credentials were erased").await?;
    txn.commit().await?;
    Ok(v)
}

/// Record a test connection's outcome on the vendor and in its history. An SFTP server's host
/// key is pinned by the first test that passes; a different one is kept as offered, for an admin
/// to accept.
pub async fn record_test(
    db: &DatabaseConnection,
    vendor: &vendor::Model,
    actor: Actor,
    checked: &super::Checked,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (ok, detail) = (checked.ok, checked.detail.chars().take(400).collect::<String>());
    let txn = crate::ssr::begin_write(db).await?;
    if let Some(seen) = &checked.host_key {
        let current = find(&txn, TenantScope::for_operator(vendor.tenant_id), &vendor.public_id).await?;
        match &current.host_key_pinned {
            None if ok => {
                vendor::Entity::update_many()
                    .col_expr(vendor::Column::HostKeyPinned, Expr::value(Some(seen.clone())))
                    .col_expr(vendor::Column::HostKeyOffered, Expr::value(None::<String>))
                    .filter(vendor::Column::Id.eq(vendor.id))
                    .exec(&txn)
                    .await?;
                history(&txn, vendor, actor, now, "host key", &format!("pinned {seen}")).await?;
            }
            Some(pinned) => {
                // Another key is kept for an admin to accept; the pinned one again clears it.
                let offered = (pinned != seen).then(|| seen.clone());
                vendor::Entity::update_many()
                    .col_expr(vendor::Column::HostKeyOffered, Expr::value(offered))
                    .filter(vendor::Column::Id.eq(vendor.id))
                    .exec(&txn)
                    .await?;
            }
            None => {}
        }
    }
    vendor::Entity::update_many()
        .col_expr(vendor::Column::LastTestAt, Expr::value(Some(now)))
        .col_expr(vendor::Column::LastTestOk, Expr::value(Some(ok)))
        .col_expr(vendor::Column::LastTestDetail, Expr::value(Some(detail.clone())))
        .filter(vendor::Column::Id.eq(vendor.id))
        .exec(&txn)
        .await?;
    let action = if ok { "test passed" } else { "test failed" };
    history(&txn, vendor, actor, now, action, &detail).await?;
    txn.commit().await?;
    Ok(())
}

/// An admin accepts the host key the SFTP server now presents (after the vendor said it changed):
/// the one with `fingerprint`, the key the page showed, and only while it is still the one offered.
pub async fn accept_host_key(
    db: &DatabaseConnection,
    change: Change,
    id: &str,
    fingerprint: &str,
) -> Result<vendor::Model, AppError> {
    let Change { scope, actor, now } = change;
    let txn = crate::ssr::begin_write(db).await?;
    let v = find(&txn, scope, id).await?;
    let Some(offered) = v.host_key_offered.clone().filter(|offered| offered == fingerprint.trim()) else {
        return Err(AppError::validation(
            "host_key",
            "Host key: the server no longer offers the key shown; test the connection again and compare the new \
             fingerprint.",
        ));
    };
    vendor::Entity::update_many()
        .col_expr(vendor::Column::HostKeyPinned, Expr::value(Some(offered.clone())))
        .col_expr(vendor::Column::HostKeyOffered, Expr::value(None::<String>))
        .filter(vendor::Column::Id.eq(v.id))
        .exec(&txn)
        .await?;
    let was = v.host_key_pinned.clone().unwrap_or_else(|| "none".into());
    history(&txn, &v, actor, now, "host key", &format!("accepted {offered} (was {was})")).await?;
    txn.commit().await?;
    Ok(v)
}

/// Seal every secret sealed under an older server key again under the current one (after the
/// server secret is rotated). Returns how many were sealed again; a secret that does not open
/// under any key is left as it is and named in the error list.
pub async fn reseal_all(db: &DatabaseConnection, vault: &Vault) -> Result<(usize, Vec<String>), AppError> {
    let rows = vendor_secret::Entity::find().order_by_asc(vendor_secret::Column::Id).all(db).await?;
    let vendors: std::collections::HashMap<i64, vendor::Model> =
        vendor::Entity::find().all(db).await?.into_iter().map(|v| (v.id, v)).collect();
    let (mut resealed, mut failed) = (0, Vec::new());
    for row in rows {
        if !vault.is_stale(&row.sealed) {
            continue;
        }
        let (Some(v), Some(field)) = (vendors.get(&row.vendor_id), SecretField::from_stored(&row.name)) else {
            continue;
        };
        let purpose = purpose(v, &field);
        let opened = match vault.open(&purpose, &row.sealed) {
            Ok(opened) => opened,
            Err(e) => {
                failed.push(format!("vendor \"{}\", {}: {e}", v.name, field.label()));
                continue;
            }
        };
        let sealed = vault
            .seal(&purpose, secrecy::ExposeSecret::expose_secret(&opened))
            .map_err(|e| AppError::internal("sealing a secret", &e))?;
        vendor_secret::Entity::update_many()
            .col_expr(vendor_secret::Column::Sealed, Expr::value(sealed))
            .filter(vendor_secret::Column::Id.eq(row.id))
            .filter(vendor_secret::Column::Sealed.eq(row.sealed.as_str()))
            .exec(db)
            .await?;
        resealed += 1;
    }
    Ok((resealed, failed))
}

/// The vendor's settings as the form and the page have them.
pub fn setup_of(v: &vendor::Model) -> VendorSetup {
    VendorSetup {
        name: v.name.clone(),
        kind: v.kind,
        transport: v.transport,
        endpoint_url: v.endpoint_url.clone(),
        test_endpoint_url: v.test_endpoint_url.clone(),
        push_interval_minutes: v.push_interval_minutes,
        push_daily_at: v.push_daily_at.clone(),
        payload_format: v.payload_format,
        json_version: v.json_version,
        auth_user: v.auth_user.clone(),
        org_id: v.org_id.clone(),
        contacts: v.contacts.clone(),
        file_name_pattern: v.file_name_pattern.clone(),
        pgp_public_key: v.pgp_public_key.clone(),
        dv_policy: v.dv_policy,
        client_files: v.client_files,
    }
}

/// Set `row`'s settings to `s` (not the kind and the transport: they never change).
fn apply(row: &mut vendor::ActiveModel, s: VendorSetup) {
    row.name = Set(s.name);
    row.file_name_pattern = Set(s.file_name_pattern);
    row.pgp_public_key = Set(s.pgp_public_key);
    row.dv_policy = Set(s.dv_policy);
    row.client_files = Set(s.client_files);
    row.endpoint_url = Set(s.endpoint_url);
    row.test_endpoint_url = Set(s.test_endpoint_url);
    row.push_interval_minutes = Set(s.push_interval_minutes);
    row.push_daily_at = Set(s.push_daily_at);
    row.payload_format = Set(s.payload_format);
    row.json_version = Set(s.json_version);
    row.auth_user = Set(s.auth_user);
    row.org_id = Set(s.org_id);
    row.contacts = Set(s.contacts);
}

/// The vendor as its settings page shows it.
pub async fn view(
    db: &impl ConnectionTrait,
    v: &vendor::Model,
    clock: &crate::ssr::clock::CocClock,
) -> Result<VendorView, AppError> {
    Ok(VendorView {
        id: v.public_id.clone(),
        mode: v.mode,
        setup: setup_of(v),
        secrets_set: stored_secrets(db, v.id).await?,
        last_test: v.last_test_at.map(|at| {
            (clock.show(at), v.last_test_ok.unwrap_or(false), v.last_test_detail.clone().unwrap_or_default())
        }),
        host_key_pinned: v.host_key_pinned.clone(),
        host_key_offered: v.host_key_offered.clone(),
        pgp: v.pgp_public_key.as_deref().map(|key| {
            super::pgp::inspect(key, Utc::now()).map(|k| {
                // In the CoC's time, like every time the page shows.
                let expires = k.expires_at.map_or("never".into(), |e| clock.show(e));
                (k.fingerprint, k.user_id.unwrap_or_default(), expires)
            })
        }),
    })
}
