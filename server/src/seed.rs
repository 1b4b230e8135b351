//! Demo data: a realistic CoC and one user per role, with fixed passwords printed at start.
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use app::access::Role;
use app::auth::Email;
use app::entities::{tenant, user, vendor};
use app::error::AppError;
use app::hmis::ids::CocCodes;
use app::tenants::ssr::insert_tenant;
use app::users::ssr::{NewUser, in_namespace, insert_user};

pub const DEMO_SLUG: &str = "capital-area";

/// (email, name, role, DV access, password)
pub const DEMO_USERS: &[(&str, &str, Role, bool, &str)] = &[
    ("platform@hmis-bridge.example", "Priya Natarajan", Role::PlatformAdmin, false, "demo-platform-2026"),
    ("admin@capital-coc.example", "Dana Whitfield", Role::CocAdmin, true, "demo-admin-2026"),
    ("intake@capital-coc.example", "Marcus Reyes", Role::CocAdmin, false, "demo-intake-2026"),
    ("coordinator@capital-coc.example", "Alicia Moreno", Role::Coordinator, false, "demo-coordinator-2026"),
    ("nightdesk@capital-coc.example", "Sam Okafor", Role::Coordinator, false, "demo-nightdesk-2026"),
];

/// The demo vendor's name; it sends to the vendor simulator.
pub const DEMO_VENDOR: &str = "Bitfocus Clarity (simulator)";

pub async fn seed_demo(db: &DatabaseConnection, simulator: Option<&str>) -> Result<(), AppError> {
    let existing = tenant::Entity::find().filter(tenant::Column::Slug.eq(DEMO_SLUG)).one(db).await?;
    let tenant = match existing {
        Some(t) => t,
        None => {
            let codes = CocCodes::parse("TX-503")?;
            insert_tenant(db, "Capital Area Continuum of Care", DEMO_SLUG, &codes).await?
        }
    };
    for (email, name, role, dv_access, password) in DEMO_USERS {
        // Addresses are unique per CoC (and among platform admins): look where this one goes.
        let tenant_id = (*role != Role::PlatformAdmin).then_some(tenant.id);
        let taken = user::Entity::find().filter(user::Column::Email.eq(*email)).filter(in_namespace(tenant_id));
        if taken.one(db).await?.is_some() {
            continue;
        }
        let email = Email::parse(email)?;
        let new = NewUser { tenant_id, email: &email, display_name: name, role: *role, dv_access: *dv_access };
        insert_user(db, new, password, false).await?;
    }
    crate::seed_shelters::seed(db, tenant.id, "admin@capital-coc.example").await?;
    match simulator {
        Some(url) => seed_vendor(db, tenant.id, url).await,
        None => Ok(()),
    }
}

/// A CoC without vendors gets the demo vendor, pushed by hand only (no schedule).
async fn seed_vendor(db: &DatabaseConnection, tenant_id: i64, simulator: &str) -> Result<(), AppError> {
    let scope = app::ssr::scope::TenantScope::for_operator(tenant_id);
    if scope.find::<vendor::Entity>().one(db).await?.is_some() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    vendor::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        name: Set(DEMO_VENDOR.into()),
        kind: Set(app::vendors::VendorKind::Clarity),
        endpoint_url: Set(format!("{}/clarity/upload", simulator.trim_end_matches('/'))),
        push_interval_minutes: Set(None),
        enabled: Set(true),
        circuit_open_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub fn print_demo_logins() {
    println!("Demo logins (password after the email):");
    for (email, _, role, dv, password) in DEMO_USERS {
        let dv = if *dv { ", DV access" } else { "" };
        println!("  {:<34} {:<24} {}{}", email, password, role.label(), dv);
    }
}
