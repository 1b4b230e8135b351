//! The signed-in user, the one authorization gate, and the sign-in flow.
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{Me, password, throttle};
use crate::access::{Denied, PageAccess, Role, Visitor};
use crate::entities::{session as session_row, tenant, user};
use crate::error::{AppError, Notice};
use crate::ssr::scope::Access;
use crate::ssr::{self, AppState};

pub use super::password::{generate_one_time_password, hash as hash_password};

/// The session key holding who is signed in.
pub const AUTH_KEY: &str = "auth";
/// When the session was last used (kept to extend the idle timeout of an active user).
const SEEN_KEY: &str = "seen";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub signed_in_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub dv_access: bool,
    pub must_change_password: bool,
}

impl CurrentUser {
    pub fn visitor(&self) -> Visitor {
        Visitor { role: self.role, must_change_password: self.must_change_password }
    }

    fn from_model(u: user::Model) -> CurrentUser {
        CurrentUser {
            role: u.role,
            id: u.id,
            tenant_id: u.tenant_id,
            email: u.email,
            display_name: u.display_name,
            dv_access: u.dv_access,
            must_change_password: u.must_change_password,
        }
    }
}

/// The signed-in, active user of `session`, ending the session when it passed its absolute
/// lifetime or its user was deactivated.
pub async fn load_current_user(session: &Session, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    let Some(auth) = session.get::<SessionAuth>(AUTH_KEY).await? else {
        return Ok(None);
    };
    let expired = Utc::now() - auth.signed_in_at
        > chrono::Duration::from_std(state.auth.absolute_timeout).unwrap_or(chrono::Duration::MAX);
    let user = if expired {
        None
    } else {
        user::Entity::find_by_id(auth.user_id)
            .filter(user::Column::Active.eq(true))
            .one(&state.db)
            .await?
            .map(CurrentUser::from_model)
    };
    if user.is_none() {
        session.flush().await?;
    } else if Utc::now() - session.get::<DateTime<Utc>>(SEEN_KEY).await?.unwrap_or(auth.signed_in_at)
        > chrono::Duration::minutes(1)
    {
        // Writing the session moves its idle expiry; once a minute is enough.
        session.insert(SEEN_KEY, Utc::now()).await?;
    }
    Ok(user)
}

/// What [`Access::new`] needs: only this module can make one, so an `Access` exists only where
/// a caller passed [`authorize_session`].
#[derive(Debug)]
pub struct Granted(());

/// The one gate: the signed-in user of `session`, if their role may open `access`. Callers
/// without the role get `NotFound`, the same answer as for something that does not exist.
pub async fn authorize_session(session: &Session, state: &AppState, access: PageAccess) -> Result<Access, AppError> {
    let user = load_current_user(session, state).await?;
    match (access.check(user.as_ref().map(CurrentUser::visitor)), user) {
        (Ok(()), Some(user)) => Ok(Access::new(user, Granted(()))),
        (Ok(()), None) | (Err(Denied::SignIn), _) => Err(AppError::Unauthenticated),
        (Err(Denied::NotFound), _) => Err(AppError::NotFound),
        (Err(Denied::ChangePassword), _) => {
            Err(AppError::validation("password", "Password: choose a new password first (Account > Password)."))
        }
    }
}

/// [`authorize_session`] for the server function or page being run.
pub async fn authorize(access: PageAccess) -> Result<Access, AppError> {
    let state = ssr::state()?;
    let session = ssr::session().await?;
    authorize_session(&session, &state, access).await
}

pub async fn me() -> Result<Option<Me>, AppError> {
    let state = ssr::state()?;
    let session = ssr::session().await?;
    let Some(user) = load_current_user(&session, &state).await? else {
        return Ok(None);
    };
    let tenant_name = match user.tenant_id {
        Some(id) => tenant::Entity::find_by_id(id).one(&state.db).await?.map(|t| t.name),
        None => None,
    };
    Ok(Some(Me {
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        dv_access: user.dv_access,
        tenant_name,
        must_change_password: user.must_change_password,
    }))
}

/// The client address used for throttling (`throttle::client_address` keys it).
fn client_ip(state: &AppState) -> String {
    let parts = use_context::<Parts>();
    if state.auth.trust_forwarded_for {
        let forwarded = parts.as_ref().and_then(|p| {
            // The right-most entry is the one our proxy appended; entries left of it are the client's.
            let value = p.headers.get("x-forwarded-for")?.to_str().ok()?;
            value.rsplit(',').next().map(|ip| ip.trim().chars().take(64).collect::<String>())
        });
        if let Some(ip) = forwarded.filter(|ip| !ip.is_empty()) {
            return ip;
        }
    }
    parts
        .and_then(|p| p.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

/// Log a refusal by the throttle (never the address it was for).
fn log_throttled(event: &'static str) -> impl Fn(&AppError) {
    move |err| {
        if let AppError::Throttled { minutes } = err {
            tracing::info!(event, minutes, "password check refused by the throttle");
        }
    }
}

/// How many accounts one address may have across CoCs before sign-in stops checking more (each
/// costs a password hash; a person with accounts in more CoCs than this is not expected).
const MAX_ACCOUNTS_PER_ADDRESS: u64 = 8;

/// Sign in; returns where to go next. An address is unique within a CoC, not across CoCs
/// (docs/auth.md), so the account is the one whose password matches; `coc` (a CoC code, the
/// CoC's slug, or `platform`) chooses when the same password opens accounts in several.
pub async fn login(
    email: String,
    password: String,
    coc: Option<String>,
    next: Option<String>,
) -> Result<String, AppError> {
    let state = ssr::state()?;
    let db = &state.db;
    if email.trim().is_empty() {
        return Err(AppError::validation("email", "Email: enter the email address you sign in with."));
    }
    if password.is_empty() {
        return Err(AppError::validation("password", "Password: enter your password."));
    }
    // Longer than any address can be: counted like any other unknown email, under a bounded key.
    let email: String = email.trim().to_lowercase().chars().take(320).collect();
    let keys = throttle::Keys::new(&email, &client_ip(&state));
    let now = Utc::now();
    throttle::begin_attempt(db, &keys, now).await.inspect_err(log_throttled("login.throttled"))?;

    let accounts = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .limit(MAX_ACCOUNTS_PER_ADDRESS)
        .all(db)
        .await?;
    let mut opened = Vec::new();
    if accounts.is_empty() {
        // An unknown address costs one hash like a known one.
        password::verify(password.clone(), None).await;
    }
    for account in accounts {
        if password::verify(password.clone(), Some(account.password_hash.clone())).await {
            opened.push(account);
        }
    }
    if opened.is_empty() {
        // The attempt was already counted by `begin_attempt`.
        tracing::info!(event = "login.failed", "sign-in failed");
        return Err(AppError::validation("password", "The email or password is not correct."));
    }
    // From here the caller has proved the password: naming their own CoCs tells them nothing new.
    throttle::succeeded(db, &keys, now).await?;
    let user = choose_account(db, opened, coc.as_deref()).await?;

    let session = ssr::session().await?;
    session.cycle_id().await?;
    session.insert(AUTH_KEY, SessionAuth { user_id: user.id, signed_in_at: now }).await?;
    let must_change = user.must_change_password;
    let mut active: user::ActiveModel = user.into();
    active.last_login_at = Set(Some(now));
    let user = active.update(db).await?;
    tracing::info!(event = "login.succeeded", user.id = user.id, "signed in");
    Ok(if must_change { "/account/password".into() } else { super::safe_next(next.as_deref()) })
}

/// The one account of `opened` (all opened by the password) that `coc` names, or the only one.
async fn choose_account(
    db: &impl ConnectionTrait,
    mut opened: Vec<user::Model>,
    coc: Option<&str>,
) -> Result<user::Model, AppError> {
    let coc = coc.map(str::trim).filter(|c| !c.is_empty());
    let Some(coc) = coc else {
        if opened.len() == 1 {
            return Ok(opened.remove(0));
        }
        return Err(AppError::validation(
            "coc",
            "CoC: this address and password open accounts in more than one CoC. Under \"More than one CoC?\", enter the code of the CoC to sign in to (for example CA-600).",
        ));
    };
    let tenant_ids: Vec<i64> = opened.iter().filter_map(|u| u.tenant_id).collect();
    let tenants = tenant::Entity::find().filter(tenant::Column::Id.is_in(tenant_ids)).all(db).await?;
    let names = |u: &user::Model| match u.tenant_id {
        None => coc.eq_ignore_ascii_case("platform"),
        Some(id) => tenants.iter().any(|t| {
            t.id == id && (t.slug.eq_ignore_ascii_case(coc) || t.coc_code_list().any(|c| c.eq_ignore_ascii_case(coc)))
        }),
    };
    opened.retain(|u| names(u));
    match opened.len() {
        1 => Ok(opened.remove(0)),
        _ => Err(AppError::validation(
            "coc",
            "CoC: none of your accounts with this address is in that CoC. Enter the code of your CoC (for example CA-600), or leave it empty.",
        )),
    }
}

pub async fn logout() -> Result<(), AppError> {
    let session = ssr::session().await?;
    session.flush().await?;
    Ok(())
}

/// End every stored session of a user (deactivation, password change).
pub async fn end_sessions_of(db: &impl ConnectionTrait, user_id: i64) -> Result<(), AppError> {
    session_row::Entity::delete_many().filter(session_row::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

pub async fn change_password(current: String, new: String, confirm: String) -> Result<Notice, AppError> {
    let access = authorize(PageAccess::Account).await?;
    let db = ssr::db()?;
    let user = user::Entity::find_by_id(access.user().id).one(&db).await?.ok_or(AppError::NotFound)?;
    // The current password is a password guess like a sign-in's: same keys, same limits.
    let keys = throttle::Keys::new(&user.email, &client_ip(&ssr::state()?));
    let now = Utc::now();
    throttle::begin_attempt(&db, &keys, now).await.inspect_err(log_throttled("password_change.throttled"))?;
    if !password::verify(current, Some(user.password_hash.clone())).await {
        tracing::info!(event = "password_change.failed", user.id = user.id, "wrong current password");
        return Err(AppError::validation("current", "Current password: it is not correct."));
    }
    throttle::succeeded(&db, &keys, now).await?;
    super::check_new_password("new", "New password", &new)?;
    if new != confirm {
        return Err(AppError::validation("confirm", "Confirm new password: it does not match the new password."));
    }
    if new.trim().eq_ignore_ascii_case(&user.email) {
        return Err(AppError::validation("new", "New password: do not use your email address."));
    }
    let hash = password::hash(new).await?;
    let user_id = user.id;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(hash);
    active.must_change_password = Set(false);
    active.updated_at = Set(Utc::now());
    active.update(&db).await?;
    // Sign out everywhere else; this session continues under a fresh id.
    end_sessions_of(&db, user_id).await?;
    ssr::session().await?.cycle_id().await?;
    Ok(Notice::new("Your password was changed. Other sessions were signed out."))
}
