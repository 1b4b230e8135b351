//! Tenant creation: the tenant and its first admin in one transaction.
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::{TenantRow, parse_slug, parse_tenant_name};
use crate::access::{COC_ADMIN, PLATFORM_ADMIN, Role};
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
    time_zone: &str,
) -> Result<tenant::Model, AppError> {
    let now = Utc::now();
    if tenant::Entity::find().filter(tenant::Column::Slug.eq(slug)).one(db).await?.is_some() {
        return Err(AppError::validation("slug", "Short name: another CoC already uses it; choose another."));
    }
    Ok(tenant::ActiveModel {
        name: Set(name.to_string()),
        slug: Set(slug.to_string()),
        coc_codes: Set(coc_codes.stored()),
        dv_min_shelters: Set(3),
        dv_min_beds: Set(5),
        time_zone: Set(time_zone.to_string()),
        dv_aggregate_key: Set(crate::ssr::public_id::new()[..8].to_string()),
        dv_aggregate_start: Set(crate::ssr::clock::CocClock::new(crate::ssr::clock::zone(time_zone)).today(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn create(
    name: String,
    slug: String,
    coc_codes: String,
    time_zone: String,
    admin_name: String,
    admin_email: String,
) -> Result<Notice, AppError> {
    let access = authorize(PLATFORM_ADMIN).await?;
    let name = parse_tenant_name(&name)?;
    let slug = parse_slug(&slug)?;
    let coc_codes = CocCodes::parse(&coc_codes)?;
    let time_zone = crate::ssr::clock::parse_time_zone("time_zone", &time_zone)?;
    let admin_name = parse_display_name(&admin_name)?;
    let admin_email = Email::parse(&admin_email).map_err(|_| {
        AppError::validation("admin_email", "First admin's email: enter an address like name@example.org.")
    })?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let tenant = insert_tenant(&txn, &name, &slug, &coc_codes, &time_zone).await?;
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

/// The signed-in admin's CoC settings; the DV part only with DV access.
pub async fn settings() -> Result<super::settings::CocSettings, AppError> {
    use super::settings::{CocSettings, DvSettingsForm, ExportSettingsForm};
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let t = tenant::Entity::find_by_id(access.tenant_id()?).one(&db).await?.ok_or(AppError::NotFound)?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(CocSettings {
        name: t.name.clone(),
        coc_codes: t.coc_codes.replace(';', ", "),
        export: ExportSettingsForm {
            time_zone: t.time_zone.clone(),
            source_name: text(&t.source_name),
            contact_first: text(&t.source_contact_first),
            contact_last: text(&t.source_contact_last),
            contact_phone: text(&t.source_contact_phone),
            contact_extension: text(&t.source_contact_extension),
            contact_email: text(&t.source_contact_email),
        },
        dv: access.user().dv_access.then(|| DvSettingsForm {
            min_shelters: t.dv_min_shelters.to_string(),
            min_beds: t.dv_min_beds.to_string(),
            max_share_percent: t.dv_max_share_percent.to_string(),
            geocode: text(&t.dv_geocode),
            zip: text(&t.dv_zip),
            geography_type: t.dv_geography_type.map(|g| g.to_string()).unwrap_or_default(),
        }),
    })
}

/// Save the CoC's time zone and export source. Every date an export carries follows the zone.
pub async fn save_export_settings(form: super::settings::ExportSettingsForm) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let input = form.parse()?;
    let time_zone = crate::ssr::clock::parse_time_zone("export[time_zone]", &input.time_zone)?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let t = tenant::Entity::find_by_id(access.tenant_id()?).one(&txn).await?.ok_or(AppError::NotFound)?;
    let [first, last, phone, extension, email] = input.contact;
    let mut row: tenant::ActiveModel = t.into();
    row.time_zone = Set(time_zone.clone());
    row.source_name = Set(input.source_name);
    row.source_contact_first = Set(first);
    row.source_contact_last = Set(last);
    row.source_contact_phone = Set(phone);
    row.source_contact_extension = Set(extension);
    row.source_contact_email = Set(email);
    row.update(&txn).await?;
    crate::hmis::ssr::data_changed(&txn, access.tenant_id()?).await?;
    txn.commit().await?;
    Ok(Notice::new(format!("Saved. Dates and times of this CoC are in {time_zone}.")))
}

/// Save the DV aggregate's rules and location (admins with DV access only). A change cancels the
/// pushes built under the old rules, as any DV change does (DESIGN.md 4.4).
pub async fn save_dv_settings(form: super::settings::DvSettingsForm) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    if !access.user().dv_access {
        return Err(AppError::NotFound);
    }
    let input = form.parse()?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let tenant_id = access.tenant_id()?;
    let t = tenant::Entity::find_by_id(tenant_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let (geocode, zip) = (input.geocode, input.zip);
    let changed =
        (t.dv_min_shelters, t.dv_min_beds, t.dv_max_share_percent, &t.dv_geocode, &t.dv_zip, t.dv_geography_type)
            != (input.min_shelters, input.min_beds, input.max_share_percent, &geocode, &zip, input.geography_type);
    let mut row: tenant::ActiveModel = t.into();
    row.dv_min_shelters = Set(input.min_shelters);
    row.dv_min_beds = Set(input.min_beds);
    row.dv_max_share_percent = Set(input.max_share_percent);
    row.dv_geocode = Set(geocode);
    row.dv_zip = Set(zip);
    row.dv_geography_type = Set(input.geography_type);
    row.update(&txn).await?;
    let mut notice = "Saved the DV aggregate's rules and location.".to_string();
    if changed {
        let cancelled = crate::outbox::ssr::dv_changed(&txn, tenant_id, Utc::now()).await?;
        if cancelled > 0 {
            notice.push_str(&format!(
                " {cancelled} push{} built under the old rules {} cancelled; push again to send current data.",
                if cancelled == 1 { "" } else { "es" },
                if cancelled == 1 { "was" } else { "were" }
            ));
        }
    }
    txn.commit().await?;
    Ok(Notice::new(notice))
}
