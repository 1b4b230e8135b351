//! Tenant creation: the tenant and its first admin in one transaction.
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::{TenantRow, parse_slug, parse_tenant_name};
use crate::access::{PLATFORM_ADMIN, Role};
use crate::auth::Email;
use crate::auth::ssr::authorize;
use crate::entities::{tenant, user};
use crate::error::{AppError, Notice};
use crate::hmis::ids::CocCodes;
use crate::ssr;
use crate::users::parse_display_name;
use crate::users::ssr::{NewUser, insert_with_one_time_password};

pub async fn list() -> Result<Vec<TenantRow>, AppError> {
    authorize(PLATFORM_ADMIN).await?;
    let db = ssr::db()?;
    let tenants = tenant::Entity::find().order_by_asc(tenant::Column::Name).all(&db).await?;
    let mut rows = Vec::with_capacity(tenants.len());
    for t in tenants {
        let users = user::Entity::find().filter(user::Column::TenantId.eq(t.id)).count(&db).await?;
        rows.push(TenantRow { id: t.id, name: t.name, slug: t.slug, coc_codes: t.coc_codes, users });
    }
    Ok(rows)
}

/// Insert a tenant after checking its slug is free.
pub async fn insert_tenant(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
    coc_codes: &CocCodes,
) -> Result<tenant::Model, AppError> {
    if tenant::Entity::find().filter(tenant::Column::Slug.eq(slug)).one(db).await?.is_some() {
        return Err(AppError::validation("slug", "Short name: another CoC already uses it; choose another."));
    }
    Ok(tenant::ActiveModel {
        name: Set(name.to_string()),
        slug: Set(slug.to_string()),
        coc_codes: Set(coc_codes.stored()),
        dv_min_shelters: Set(3),
        dv_min_beds: Set(5),
        time_zone: Set("America/Chicago".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn create(
    name: String,
    slug: String,
    coc_codes: String,
    admin_name: String,
    admin_email: String,
) -> Result<Notice, AppError> {
    let access = authorize(PLATFORM_ADMIN).await?;
    let name = parse_tenant_name(&name)?;
    let slug = parse_slug(&slug)?;
    let coc_codes = CocCodes::parse(&coc_codes)?;
    let admin_name = parse_display_name(&admin_name)?;
    let admin_email = Email::parse(&admin_email).map_err(|_| {
        AppError::validation("admin_email", "First admin's email: enter an address like name@example.org.")
    })?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let tenant = insert_tenant(&txn, &name, &slug, &coc_codes).await?;
    let new = NewUser {
        tenant_id: Some(tenant.id),
        email: &admin_email,
        display_name: &admin_name,
        role: Role::CocAdmin,
        dv_access: true,
    };
    let one_time = insert_with_one_time_password(&txn, new).await.map_err(|e| match e {
        AppError::Validation { message, .. } => {
            AppError::validation("admin_email", message.replace("Email:", "First admin's email:"))
        }
        other => other,
    })?;
    txn.commit().await?;
    tracing::info!(event = "tenant.created", actor.id = access.user().id, tenant.id = tenant.id, "tenant created");
    Ok(Notice {
        message: format!("Created {name} ({}) with first admin {}.", coc_codes.stored(), admin_email.as_str()),
        secret: Some(one_time),
    })
}
