//! Making, listing, revoking and checking API tokens, for the command line and (later) the CoC
//! admins' page. Every function takes the CoC it works in; a token is found by its CoC and name,
//! or, at a request, by its secret's hash alone.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::{FeedableShelter, TokenRow, TokenScope, TokensPage};
use crate::entities::{api_token, api_token_shelter, shelter};
use crate::error::AppError;
use crate::ssr::scope::ApiAccess;

/// What every secret starts with, so one found in a log or a repository is recognised.
pub const PREFIX: &str = "hbt_";

/// The longest token name.
const MAX_NAME: usize = 100;

/// The most shelters one token may feed.
const MAX_SHELTERS: usize = 500;

/// A token to make: its CoC, name and scope, and for `bed_counts` the HMIS ProjectIDs of the
/// shelters it may feed.
pub struct NewToken<'a> {
    pub tenant_id: i64,
    pub name: &'a str,
    pub scope: TokenScope,
    pub shelters: &'a [String],
    /// Whether a DV shelter named may be called one: for an operator or an admin with DV access.
    /// Otherwise it is refused in the words of a missing one (DESIGN.md 4.1).
    pub dv_visible: bool,
}

fn sha256_hex(secret: &str) -> String {
    crate::outbox::ssr::sha256_hex(secret.as_bytes())
}

/// A new secret: the prefix and 32 random bytes, base64url.
fn new_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Make a token; returns it and its secret, which is not kept and cannot be shown again. Nothing
/// is written unless all of it is valid.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    new: NewToken<'_>,
    now: DateTime<Utc>,
) -> Result<(api_token::Model, String), AppError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AppError::validation(
            "name",
            format!("Name: give the token a name of 1 to {MAX_NAME} characters, like the system that will use it."),
        ));
    }
    let txn = crate::ssr::begin_write(db).await?;
    let taken = api_token::Entity::find()
        .filter(api_token::Column::TenantId.eq(new.tenant_id))
        .filter(api_token::Column::Name.eq(name))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(&txn)
        .await?
        .is_some();
    let name_taken =
        format!("Name: this CoC already has a token called {name:?}; choose another name or revoke that one.");
    if taken {
        return Err(AppError::validation("name", name_taken));
    }
    let shelters = token_shelters(&txn, &new).await?;
    let secret = new_secret();
    let token = api_token::ActiveModel {
        public_id: Set(crate::ssr::public_id::new()),
        tenant_id: Set(new.tenant_id),
        name: Set(name.to_string()),
        secret_sha256: Set(sha256_hex(&secret)),
        scope: Set(new.scope),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    // Another create of the same name committed since the check above.
    .map_err(|e| crate::ssr::unique_or_db(e, "name", &name_taken))?;
    for shelter_id in shelters {
        api_token_shelter::ActiveModel {
            token_id: Set(token.id),
            shelter_id: Set(shelter_id),
            tenant_id: Set(new.tenant_id),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    tracing::info!(
        event = "api_token.created",
        tenant.id = new.tenant_id,
        token.id = token.id,
        scope = new.scope.as_str(),
        "API token created"
    );
    Ok((token, secret))
}

/// The shelters a token of `scope` may feed, by HMIS ProjectID: none for `read`, at least one
/// for `bed_counts`, each an active shelter of the CoC and not a DV shelter (the API shows DV
/// shelters only as the aggregate, so none of their ProjectIDs is reachable through it).
async fn token_shelters(db: &impl ConnectionTrait, new: &NewToken<'_>) -> Result<Vec<i64>, AppError> {
    let (tenant_id, project_ids) = (new.tenant_id, new.shelters);
    match new.scope {
        TokenScope::Read if !project_ids.is_empty() => {
            return Err(AppError::validation(
                "shelter",
                "Shelters: a read token reads every project the export shows; name shelters only for a bed-counts token.",
            ));
        }
        TokenScope::Read => return Ok(Vec::new()),
        TokenScope::BedCounts if project_ids.is_empty() => {
            return Err(AppError::validation(
                "shelter",
                "Shelters: name at least one shelter (its HMIS ProjectID) whose bed counts this token may feed.",
            ));
        }
        TokenScope::BedCounts => {}
    }
    if project_ids.len() > MAX_SHELTERS {
        return Err(AppError::validation(
            "shelter",
            format!("Shelters: a token may feed at most {MAX_SHELTERS} shelters; make another token for the rest."),
        ));
    }
    let mut ids = Vec::with_capacity(project_ids.len());
    for project_id in project_ids {
        let project_id = project_id.trim();
        let named = |dv: bool| {
            shelter::Entity::find()
                .filter(shelter::Column::TenantId.eq(tenant_id))
                .filter(shelter::Column::HmisProjectId.eq(project_id))
                .filter(shelter::Column::IsDv.eq(dv))
        };
        // A DV shelter and a non-DV one may share a ProjectID (m0009), so the non-DV one is looked
        // for first: a DV shelter's existence shows only to whom it may.
        let Some(found) = named(false).one(db).await?.filter(|s| s.active) else {
            if new.dv_visible && named(true).one(db).await?.is_some() {
                return Err(AppError::validation(
                    "shelter",
                    format!(
                        "Shelters: {project_id} is a DV shelter; the API shows DV shelters only as the aggregate, so it cannot take their counts."
                    ),
                ));
            }
            return Err(AppError::validation(
                "shelter",
                format!("Shelters: this CoC has no active shelter with HMIS ProjectID {project_id:?}."),
            ));
        };
        if !ids.contains(&found.id) {
            ids.push(found.id);
        }
    }
    Ok(ids)
}

/// The CoC's tokens, live ones first, newest first; with the shelters each one feeds.
pub async fn list(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<Vec<(api_token::Model, Vec<shelter::Model>)>, AppError> {
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::TenantId.eq(tenant_id))
        .order_by_asc(Expr::col(api_token::Column::RevokedAt).is_not_null())
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?;
    let links =
        api_token_shelter::Entity::find().filter(api_token_shelter::Column::TenantId.eq(tenant_id)).all(db).await?;
    let shelters: std::collections::HashMap<i64, shelter::Model> = shelter::Entity::find()
        .filter(shelter::Column::TenantId.eq(tenant_id))
        .filter(shelter::Column::Id.is_in(links.iter().map(|l| l.shelter_id)))
        .order_by_asc(shelter::Column::HmisProjectId)
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(tokens
        .into_iter()
        .map(|t| {
            let mine = links
                .iter()
                .filter(|l| l.token_id == t.id)
                .filter_map(|l| shelters.get(&l.shelter_id).cloned())
                .collect();
            (t, mine)
        })
        .collect())
}

/// Revoke the CoC's live token called `name`; false when there is none.
pub async fn revoke(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let named =
        Condition::all().add(api_token::Column::TenantId.eq(tenant_id)).add(api_token::Column::Name.eq(name.trim()));
    let revoked = revoke_live(db, named, now).await? > 0;
    if revoked {
        tracing::info!(event = "api_token.revoked", tenant.id = tenant_id, "API token revoked");
    }
    Ok(revoked)
}

/// Revoke the live tokens `which` picks; how many were.
async fn revoke_live(db: &impl ConnectionTrait, which: Condition, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(which)
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// A request's place in its token's rate limit: the fixed one-minute window it falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests a token may make in one minute.
    pub limit: u32,
    /// Requests left in this minute after this one.
    pub remaining: u32,
    /// Seconds until the next minute starts (1 to 60).
    pub reset_after: u64,
}

/// What [`authenticate`] decided about a request with a live token.
#[derive(Debug, Clone)]
pub enum Admission {
    Admitted(ApiAccess, Rate),
    /// Over the token's limit for this minute: refuse, and tell when to come back.
    Limited(Rate),
}

/// The live token whose secret a request sent, with its use recorded and counted against its
/// `limit` per minute, in one statement (so the limit holds across replicas); `Unauthenticated`
/// for any other secret (unknown, malformed or revoked alike).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Admission, AppError> {
    let secret = secret.trim();
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Err(AppError::Unauthenticated);
    }
    // Found by a read first: an unknown secret writes nothing (on SQLite a write takes the one
    // writer's lock, even when it matches no row).
    let found = api_token::Entity::find()
        .filter(api_token::Column::SecretSha256.eq(sha256_hex(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let window = now.timestamp().div_euclid(60);
    // The window only moves forward: a replica whose clock is behind counts into the newer
    // window rather than starting its own.
    let current = Expr::col(api_token::Column::RateWindow).gte(window);
    let token = api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now)))
        .col_expr(
            api_token::Column::RateCount,
            Expr::case(current.clone(), Expr::col(api_token::Column::RateCount).add(1)).finally(1).into(),
        )
        .col_expr(
            api_token::Column::RateWindow,
            Expr::case(current, Expr::col(api_token::Column::RateWindow)).finally(window).into(),
        )
        .filter(api_token::Column::Id.eq(found.id))
        // Revoked since it was read: refused like any revoked token.
        .filter(api_token::Column::RevokedAt.is_null())
        .exec_with_returning(db)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::Unauthenticated)?;
    let used = u32::try_from(token.rate_count).unwrap_or(u32::MAX);
    let rate = Rate {
        limit,
        remaining: limit.saturating_sub(used),
        reset_after: ((token.rate_window + 1) * 60 - now.timestamp()).clamp(1, 60) as u64,
    };
    if used > limit {
        return Ok(Admission::Limited(rate));
    }
    let shelters = api_token_shelter::Entity::find()
        .filter(api_token_shelter::Column::TokenId.eq(token.id))
        .filter(api_token_shelter::Column::TenantId.eq(token.tenant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.shelter_id)
        .collect();
    Ok(Admission::Admitted(ApiAccess::new(token, shelters), rate))
}

/// The API tokens page of the signed-in CoC admin: the CoC's tokens (live first), and the
/// shelters a bed-counts token may feed (active, never DV: DV shelters are not reachable through
/// the API, so they are not offered, with or without DV access).
pub async fn page() -> Result<TokensPage, AppError> {
    let access = crate::auth::ssr::authorize(crate::access::COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let tenant_id = access.tenant_id()?;
    let clock = access.clock(&db).await?;
    let feedable = access
        .shelters()?
        .filter(shelter::Column::Active.eq(true))
        .filter(shelter::Column::IsDv.eq(false))
        .order_by_asc(shelter::Column::HmisProjectId)
        .all(&db)
        .await?;
    let tokens = list(&db, tenant_id)
        .await?
        .into_iter()
        .map(|(t, shelters)| TokenRow {
            id: t.public_id,
            name: t.name,
            scope: t.scope,
            // A shelter that has turned DV since is left out, like every DV shelter.
            shelters: shelters
                .iter()
                .filter(|s| !s.is_dv)
                .map(|s| format!("{} {}", s.hmis_project_id, s.name))
                .collect(),
            created_at: clock.show(t.created_at),
            last_used_at: t.last_used_at.map(|at| clock.show(at)),
            revoked_at: t.revoked_at.map(|at| clock.show(at)),
        })
        .collect();
    let shelters = feedable
        .iter()
        .map(|s| FeedableShelter { project_id: s.hmis_project_id.clone(), name: s.name.clone() })
        .collect();
    Ok(TokensPage { tokens, shelters })
}

/// Make a token from the page's form; the notice carries its secret, shown once.
pub async fn create_for_admin(name: &str, scope: &str, shelters: &[String]) -> Result<crate::error::Notice, AppError> {
    let access = crate::auth::ssr::authorize(crate::access::COC_ADMIN).await?;
    let scope = TokenScope::parse(scope.trim())
        .ok_or_else(|| AppError::validation("scope", "Scope: choose read, or read and feed bed counts."))?;
    let db = crate::ssr::db()?;
    let dv_visible = access.user().dv_access;
    let new = NewToken { tenant_id: access.tenant_id()?, name, scope, shelters, dv_visible };
    let (token, secret) = create(&db, new, Utc::now()).await?;
    tracing::info!(
        event = "api_token.created_by_admin",
        actor.id = access.user().id,
        token.id = token.id,
        "API token made on the page"
    );
    Ok(crate::error::Notice {
        message: format!(
            "Made the token {:?}. Copy it now into the other system's settings (it is sent as `Authorization: Bearer <token>`); it cannot be shown again.",
            token.name
        ),
        secret: Some(secret),
    })
}

/// Revoke the CoC's token with public id `id` (the same answer for a missing one, another CoC's
/// and one already revoked).
pub async fn revoke_for_admin(id: &str) -> Result<crate::error::Notice, AppError> {
    let access = crate::auth::ssr::authorize(crate::access::COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let token = access
        .find::<api_token::Entity>()?
        .filter(api_token::Column::PublicId.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(&db)
        .await?
        .ok_or(AppError::NotFound)?;
    // By its id: a token of the same name made since is another token.
    revoke_live(&db, Condition::all().add(api_token::Column::Id.eq(token.id)), Utc::now()).await?;
    tracing::info!(event = "api_token.revoked", actor.id = access.user().id, token.id = token.id, "API token revoked");
    Ok(crate::error::Notice::new(format!(
        "Revoked the token {:?}: requests with it are refused from now on.",
        token.name
    )))
}
