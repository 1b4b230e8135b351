//! Demo data: a realistic CoC and one user per role, with fixed passwords printed at start.
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use app::access::Role;
use app::entities::{tenant, user};
use app::error::AppError;
use app::tenants::ssr::insert_tenant;
use app::users::ssr::{NewUser, insert_user};

pub const DEMO_SLUG: &str = "capital-area";

/// (email, name, role, DV access, password)
pub const DEMO_USERS: &[(&str, &str, Role, bool, &str)] = &[
    ("platform@hmis-bridge.example", "Priya Natarajan", Role::PlatformAdmin, false, "demo-platform-2026"),
    ("admin@capital-coc.example", "Dana Whitfield", Role::CocAdmin, true, "demo-admin-2026"),
    ("intake@capital-coc.example", "Marcus Reyes", Role::CocAdmin, false, "demo-intake-2026"),
    ("coordinator@capital-coc.example", "Alicia Moreno", Role::Coordinator, false, "demo-coordinator-2026"),
    ("nightdesk@capital-coc.example", "Sam Okafor", Role::Coordinator, false, "demo-nightdesk-2026"),
];

pub async fn seed_demo(db: &DatabaseConnection) -> Result<(), AppError> {
    let existing = tenant::Entity::find().filter(tenant::Column::Slug.eq(DEMO_SLUG)).one(db).await?;
    let tenant = match existing {
        Some(t) => t,
        None => insert_tenant(db, "Capital Area Continuum of Care", DEMO_SLUG, "TX-503").await?,
    };
    for (email, name, role, dv_access, password) in DEMO_USERS {
        if user::Entity::find().filter(user::Column::Email.eq(*email)).one(db).await?.is_some() {
            continue;
        }
        let tenant_id = (*role != Role::PlatformAdmin).then_some(tenant.id);
        let new = NewUser { tenant_id, email, display_name: name, role: *role, dv_access: *dv_access };
        insert_user(db, new, password, false).await?;
    }
    crate::seed_shelters::seed(db, tenant.id, "admin@capital-coc.example").await
}

pub fn print_demo_logins() {
    println!("Demo logins (password after the email):");
    for (email, _, role, dv, password) in DEMO_USERS {
        let dv = if *dv { ", DV access" } else { "" };
        println!("  {:<34} {:<24} {}{}", email, password, role.label(), dv);
    }
}
