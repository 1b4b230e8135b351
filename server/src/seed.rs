//! Demo data: a realistic CoC and one user per role, with fixed passwords printed at start.
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

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

/// The demo Clarity vendor's name; it sends to the vendor simulator, live.
pub const DEMO_VENDOR: &str = "Bitfocus Clarity (simulator)";

/// The vendor simulator's address and the vault that seals the demo vendors' credentials.
pub struct Simulator<'a> {
    pub url: &'a str,
    pub vault: &'a app::ssr::vault::Vault,
}

pub async fn seed_demo(db: &DatabaseConnection, simulator: Option<Simulator<'_>>) -> Result<(), AppError> {
    let existing = tenant::Entity::find().filter(tenant::Column::Slug.eq(DEMO_SLUG)).one(db).await?;
    let tenant = match existing {
        Some(t) => t,
        None => {
            let codes = CocCodes::parse("TX-503")?;
            insert_tenant(db, "Capital Area Continuum of Care", DEMO_SLUG, &codes, "America/Chicago").await?
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
        Some(sim) => seed_vendors(db, tenant.id, sim).await,
        None => Ok(()),
    }
}

/// A CoC without vendors gets one vendor of each HTTPS kind on the simulator, with the
/// simulator's demo credentials: Clarity live (pushed by hand only, no schedule), the others in
/// test mode, as a new vendor starts.
async fn seed_vendors(db: &DatabaseConnection, tenant_id: i64, sim: Simulator<'_>) -> Result<(), AppError> {
    use crate::simulator as s;
    use app::vendors::{VendorForm, VendorMode};
    let scope = app::ssr::scope::TenantScope::for_operator(tenant_id);
    if scope.find::<vendor::Entity>().one(db).await?.is_some() {
        return Ok(());
    }
    let base = sim.url.trim_end_matches('/');
    let contacts = "Demo Vendor Support; support@vendor.example; +1 512 555 0100".to_string();
    let vendors = [
        (
            VendorForm {
                name: DEMO_VENDOR.into(),
                kind: "clarity".into(),
                endpoint_url: format!("{base}{}", s::CLARITY_PATH),
                auth_user: s::DEMO_USER.into(),
                password: s::DEMO_PASSWORD.into(),
                contacts: contacts.clone(),
                ..Default::default()
            },
            VendorMode::Live,
        ),
        (
            VendorForm {
                name: "Eccovia ClientTrack (simulator)".into(),
                kind: "clienttrack".into(),
                endpoint_url: format!("{base}{}", s::CLIENTTRACK_PATH),
                test_endpoint_url: format!("{base}{}", s::CLIENTTRACK_PATH),
                api_key: s::DEMO_API_KEY.into(),
                subscription_key: s::DEMO_SUBSCRIPTION_KEY.into(),
                org_id: "DEMO-ORG".into(),
                contacts: contacts.clone(),
                ..Default::default()
            },
            VendorMode::Test,
        ),
        (
            VendorForm {
                name: "HUD HMIS API (simulator)".into(),
                kind: "hud_api".into(),
                endpoint_url: format!("{base}{}", s::HUD_PATH),
                auth_user: s::DEMO_USER.into(),
                password: s::DEMO_PASSWORD.into(),
                contacts: contacts.clone(),
                ..Default::default()
            },
            VendorMode::Test,
        ),
        (
            VendorForm {
                name: "Custom endpoint (simulator)".into(),
                kind: "custom".into(),
                endpoint_url: format!("{base}{}", s::CUSTOM_PATH),
                payload_format: "inventory_v1".into(),
                header_name: s::DEMO_HEADER.into(),
                header_value: s::DEMO_HEADER_VALUE.into(),
                contacts,
                ..Default::default()
            },
            VendorMode::Test,
        ),
    ];
    let now = chrono::Utc::now();
    for (form, mode) in vendors {
        let input = form.parse(true, &[])?;
        let change = app::vendors::ssr::Change { scope, actor: app::vendors::ssr::Actor(None), now };
        app::vendors::ssr::create(db, sim.vault, change, input, mode).await?;
    }
    Ok(())
}

pub fn print_demo_logins() {
    println!("Demo logins (password after the email):");
    for (email, _, role, dv, password) in DEMO_USERS {
        let dv = if *dv { ", DV access" } else { "" };
        println!("  {:<34} {:<24} {}{}", email, password, role.label(), dv);
    }
}
