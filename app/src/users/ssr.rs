//! Database work for user management, always through the caller's tenant scope.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{UserRow, parse_assignable_role, parse_display_name};
use crate::access::{COC_ADMIN, Role};
use crate::auth::Email;
use crate::auth::ssr::{authorize, end_sessions_of, generate_one_time_password, hash_password};
use crate::entities::user;
use crate::error::{AppError, Notice};
use crate::ssr::audit::record;
use crate::ssr::{self, scope::Access};

/// The answer for an address already taken in the same CoC. Addresses are unique per CoC, not
/// across CoCs (m0011), so another CoC's users never make an address unavailable (docs/auth.md).
const DUPLICATE_EMAIL: &str = "Email: another user of this CoC already signs in with this address. Use another address, or change that user instead.";

pub fn to_row(u: user::Model, clock: &crate::ssr::clock::CocClock) -> UserRow {
    UserRow {
        id: u.public_id,
        role: u.role,
        email: u.email,
        display_name: u.display_name,
        dv_access: u.dv_access,
        active: u.active,
        must_change_password: u.must_change_password,
        last_login: u.last_login_at.map(|t| clock.show(t)),
    }
}

/// DV access can only be handed out, or touched, by an admin who has it (DESIGN.md 4.1): an
/// admin without it may not grant it, change or reset a user who has it, or change their own.
fn check_dv_rights(access: &Access, target: Option<&user::Model>, dv_access: Option<bool>) -> Result<(), AppError> {
    let caller_has = access.user().dv_access;
    if let Some(t) = target {
        if t.id == access.user().id && dv_access.is_some_and(|dv| dv != t.dv_access) {
            return Err(AppError::validation(
                "dv_access",
                "DV access: you cannot change your own; ask another CoC admin with DV access.",
            ));
        }
        if t.dv_access && !caller_has {
            return Err(AppError::validation(
                "dv_access",
                "DV access: this user has DV access; only a CoC admin with DV access can change their account.",
            ));
        }
    }
    if dv_access == Some(true) && !caller_has {
        return Err(AppError::validation("dv_access", "DV access: only a CoC admin with DV access can grant it."));
    }
    Ok(())
}

/// The user of the caller's CoC with public id `id`, or `NotFound`.
async fn find_scoped(access: &Access, id: &str) -> Result<user::Model, AppError> {
    access.users()?.filter(user::Column::PublicId.eq(id)).one(&ssr::db()?).await?.ok_or(AppError::NotFound)
}

pub async fn list() -> Result<Vec<UserRow>, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let users = access.users()?.order_by_asc(user::Column::Email).all(&db).await?;
    let clock = access.clock(&db).await?;
    Ok(users.into_iter().map(|u| to_row(u, &clock)).collect())
}

pub async fn audit() -> Result<Option<Vec<super::AuditRow>>, AppError> {
    let access = authorize(COC_ADMIN).await?;
    crate::ssr::audit::recent(&ssr::db()?, &access).await
}

pub async fn get(id: &str) -> Result<UserRow, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let user = find_scoped(&access, id).await?;
    Ok(to_row(user, &access.clock(&ssr::db()?).await?))
}

/// The users whose addresses a user of `tenant_id` must not share: the same CoC's, or for a
/// platform admin (no CoC) the other platform admins' (m0011).
pub fn in_namespace(tenant_id: Option<i64>) -> sea_orm::sea_query::SimpleExpr {
    match tenant_id {
        Some(id) => user::Column::TenantId.eq(id),
        None => user::Column::TenantId.is_null(),
    }
}

/// A user to insert; `email` and `display_name` already parsed.
pub struct NewUser<'a> {
    pub tenant_id: Option<i64>,
    pub email: &'a Email,
    pub display_name: &'a str,
    pub role: Role,
    pub dv_access: bool,
}

/// Insert a user with `password`. A one-time password (`must_change`) is replaced at first sign-in.
pub async fn insert_user(
    db: &impl sea_orm::ConnectionTrait,
    new: NewUser<'_>,
    password: &str,
    must_change: bool,
) -> Result<user::Model, AppError> {
    if user::Entity::find()
        .filter(user::Column::Email.eq(new.email.as_str()))
        .filter(in_namespace(new.tenant_id))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::validation("email", DUPLICATE_EMAIL));
    }
    let password_hash = hash_password(password.to_string()).await?;
    let now = Utc::now();
    user::ActiveModel {
        public_id: Set(ssr::public_id::new()),
        tenant_id: Set(new.tenant_id),
        email: Set(new.email.as_str().to_string()),
        display_name: Set(new.display_name.to_string()),
        password_hash: Set(password_hash),
        role: Set(new.role),
        dv_access: Set(new.dv_access),
        active: Set(true),
        must_change_password: Set(must_change),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ssr::unique_or_db(e, "email", DUPLICATE_EMAIL))
}

/// Insert a user with a fresh one-time password; returns the password.
pub async fn insert_with_one_time_password(
    db: &impl sea_orm::ConnectionTrait,
    new: NewUser<'_>,
) -> Result<String, AppError> {
    let one_time = generate_one_time_password();
    insert_user(db, new, &one_time, true).await?;
    Ok(one_time)
}

pub async fn create(email: String, display_name: String, role: String, dv_access: bool) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let email = Email::parse(&email)?;
    let display_name = parse_display_name(&display_name)?;
    let role = parse_assignable_role(&role)?;
    check_dv_rights(&access, None, Some(dv_access))?;
    let db = ssr::db()?;
    let new =
        NewUser { tenant_id: Some(access.tenant_id()?), email: &email, display_name: &display_name, role, dv_access };
    let one_time = insert_with_one_time_password(&db, new).await?;
    tracing::info!(event = "user.created", actor.id = access.user().id, role = role.as_str(), "user created");
    Ok(Notice {
        message: format!(
            "Created {} ({}). Give them this one-time password in person or by phone; they choose their own at first sign-in.",
            email.as_str(),
            role.label()
        ),
        secret: Some(one_time),
    })
}

pub async fn update(id: &str, role: String, dv_access: bool) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let role = parse_assignable_role(&role)?;
    let target = find_scoped(&access, id).await?;
    check_dv_rights(&access, Some(&target), Some(dv_access))?;
    if target.id == access.user().id && role != access.role() {
        return Err(AppError::validation("role", "Role: you cannot change your own role; ask another CoC admin."));
    }
    let email = target.email.clone();
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let now = Utc::now();
    // Only while the role and DV access are still what the checks above saw: a concurrent
    // change (say, another admin granting DV access) is not overwritten unseen.
    let changed = user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(role))
        .col_expr(user::Column::DvAccess, Expr::value(dv_access))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(target.id))
        .filter(user::Column::Role.eq(target.role))
        .filter(user::Column::DvAccess.eq(target.dv_access))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::Conflict(
            "This user was changed by someone else meanwhile; reload the page and try again.".into(),
        ));
    }
    if target.role != role {
        record(&txn, &access, now, "user.role", &format!("user {email}"), target.role.label(), role.label()).await?;
    }
    if target.dv_access != dv_access {
        let word = |on: bool| if on { "DV access" } else { "no DV access" };
        record(&txn, &access, now, "user.dv_access", &format!("user {email}"), word(target.dv_access), word(dv_access))
            .await?;
    }
    // Rights changed: make the user sign in again so nothing cached outlives them.
    if target.id != access.user().id {
        end_sessions_of(&txn, target.id).await?;
    }
    txn.commit().await?;
    Ok(Notice::new(format!("Saved {email}: {}, DV access {}.", role.label(), if dv_access { "on" } else { "off" })))
}

pub async fn set_active(id: &str, active_flag: bool) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let target = find_scoped(&access, id).await?;
    check_dv_rights(&access, Some(&target), None)?;
    if target.id == access.user().id && !active_flag {
        return Err(AppError::validation("active", "You cannot deactivate your own account."));
    }
    let (email, user_id) = (target.email.clone(), target.id);
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let mut active: user::ActiveModel = target.into();
    active.active = Set(active_flag);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    if !active_flag {
        end_sessions_of(&txn, user_id).await?;
    }
    txn.commit().await?;
    tracing::info!(
        event = "user.active_changed",
        actor.id = access.user().id,
        user.id = user_id,
        active = active_flag,
        "user active flag changed"
    );
    Ok(Notice::new(if active_flag {
        format!("Reactivated {email}.")
    } else {
        format!("Deactivated {email}; their sessions were ended.")
    }))
}

pub async fn reset_password(id: &str) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let target = find_scoped(&access, id).await?;
    check_dv_rights(&access, Some(&target), None)?;
    if target.id == access.user().id {
        return Err(AppError::validation("password", "Change your own password under Account > Password."));
    }
    let one_time = generate_one_time_password();
    // Hash before the write transaction: SQLite's write lock is not held during argon2.
    let hash = hash_password(one_time.clone()).await?;
    let (email, user_id) = (target.email.clone(), target.id);
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let mut active: user::ActiveModel = target.into();
    active.password_hash = Set(hash);
    active.must_change_password = Set(true);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    record(&txn, &access, Utc::now(), "user.password_reset", &format!("user {email}"), "", "one-time password").await?;
    end_sessions_of(&txn, user_id).await?;
    txn.commit().await?;
    Ok(Notice {
        message: format!("New one-time password for {email}. Their sessions were ended."),
        secret: Some(one_time),
    })
}
