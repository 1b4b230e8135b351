//! Making, listing, revoking and checking API tokens, for the command line and (later) the CoC
//! admins' page. Every function takes the CoC it works in; a token is found by its CoC and name,
//! or, at a request, by its secret's hash alone.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::TokenScope;
use crate::entities::{api_token, api_token_shelter, organization, shelter};
use crate::error::AppError;

/// What every secret starts with, so one found in a log or a repository is recognised.
pub const PREFIX: &str = "hbt_";

/// The longest token name.
const MAX_NAME: usize = 100;

/// A token to make: its CoC, name and scope, and for `bed_counts` the HMIS ProjectIDs of the
/// shelters it may feed.
pub struct NewToken<'a> {
    pub tenant_id: i64,
    pub name: &'a str,
    pub scope: TokenScope,
    pub shelters: &'a [String],
}

/// A checked request's token and the shelters it may feed.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub token: api_token::Model,
    pub shelters: Vec<i64>,
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
    let shelters = token_shelters(&txn, new.tenant_id, new.scope, new.shelters).await?;
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
async fn token_shelters(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    scope: TokenScope,
    project_ids: &[String],
) -> Result<Vec<i64>, AppError> {
    match scope {
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
    let mut ids = Vec::with_capacity(project_ids.len());
    for project_id in project_ids {
        let project_id = project_id.trim();
        let found = shelter::Entity::find()
            .filter(shelter::Column::TenantId.eq(tenant_id))
            .filter(shelter::Column::HmisProjectId.eq(project_id))
            .one(db)
            .await?;
        let Some(found) = found.filter(|s| s.active) else {
            return Err(AppError::validation(
                "shelter",
                format!("Shelters: this CoC has no active shelter with HMIS ProjectID {project_id:?}."),
            ));
        };
        let provider_is_vsp = organization::Entity::find_by_id(found.organization_id)
            .one(db)
            .await?
            .is_some_and(|o| o.victim_service_provider);
        if found.is_dv || crate::hmis::codes::is_dv_shelter(found.target_population, provider_is_vsp) {
            return Err(AppError::validation(
                "shelter",
                format!(
                    "Shelters: {project_id} is a DV shelter; the API shows DV shelters only as the aggregate, so it cannot take their counts."
                ),
            ));
        }
        if !ids.contains(&found.id) {
            ids.push(found.id);
        }
    }
    Ok(ids)
}

/// The CoC's tokens, live ones first, newest first; with the HMIS ProjectIDs of each one's
/// shelters.
pub async fn list(db: &impl ConnectionTrait, tenant_id: i64) -> Result<Vec<(api_token::Model, Vec<String>)>, AppError> {
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::TenantId.eq(tenant_id))
        .order_by_asc(Expr::col(api_token::Column::RevokedAt).is_not_null())
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?;
    let links =
        api_token_shelter::Entity::find().filter(api_token_shelter::Column::TenantId.eq(tenant_id)).all(db).await?;
    let projects: std::collections::HashMap<i64, String> = shelter::Entity::find()
        .filter(shelter::Column::TenantId.eq(tenant_id))
        .filter(shelter::Column::Id.is_in(links.iter().map(|l| l.shelter_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.hmis_project_id))
        .collect();
    Ok(tokens
        .into_iter()
        .map(|t| {
            let mine = links
                .iter()
                .filter(|l| l.token_id == t.id)
                .filter_map(|l| projects.get(&l.shelter_id).cloned())
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
    let done = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(api_token::Column::TenantId.eq(tenant_id))
        .filter(api_token::Column::Name.eq(name.trim()))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if done.rows_affected > 0 {
        tracing::info!(event = "api_token.revoked", tenant.id = tenant_id, "API token revoked");
    }
    Ok(done.rows_affected > 0)
}

/// The live token whose secret a request sent, its use recorded; `Unauthenticated` for any other
/// secret (unknown, malformed or revoked alike).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Authenticated, AppError> {
    let secret = secret.trim();
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Err(AppError::Unauthenticated);
    }
    let token = api_token::Entity::find()
        .filter(api_token::Column::SecretSha256.eq(sha256_hex(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(api_token::Column::Id.eq(token.id))
        .exec(db)
        .await?;
    let shelters = api_token_shelter::Entity::find()
        .filter(api_token_shelter::Column::TokenId.eq(token.id))
        .filter(api_token_shelter::Column::TenantId.eq(token.tenant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.shelter_id)
        .collect();
    Ok(Authenticated { token: api_token::Model { last_used_at: Some(now), ..token }, shelters })
}
