//! The demo CoC's organizations, shelters (HMIS projects), inventory lines, coordinator
//! assignments and a first bed count for each line. Names are invented.
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use app::entities::{bed_snapshot, organization, shelter, shelter_coordinator, user};
use app::error::AppError;
use app::hmis::codes::{is_dv_shelter, is_emergency_shelter};
use app::shelters::editor::insert_line;
use app::shelters::form::LineInput;

/// (HMIS OrganizationID, name, victim service provider)
const ORGANIZATIONS: &[(&str, &str, bool)] = &[
    ("ORG-101", "Capital Area Shelter Network", false),
    ("ORG-102", "Eastside Community Services", false),
    ("ORG-103", "SafeHarbor Family Alliance", true),
    ("ORG-104", "Hope Street Ministries", false),
    ("ORG-105", "Riverbend Youth Services", false),
    ("ORG-106", "Lone Star Veterans Housing", false),
];

/// A demo inventory line: household type, beds, (vet, youth, chronic) dedicated beds, occupied.
/// Chronically homeless beds only in permanent supportive housing (HDX flag 792).
type Line = (i32, i32, (i32, i32, i32), i32);

/// (project id, org index, name, project type, target population, zip, lines, coordinator)
type Shelter =
    (&'static str, usize, &'static str, i32, Option<i32>, &'static str, &'static [Line], Option<&'static str>);

const SHELTERS: &[Shelter] = &[
    (
        "PRJ-2001",
        0,
        "Downtown Emergency Shelter",
        1,
        Some(4),
        "78701",
        &[(1, 120, (10, 15, 0), 112)],
        Some("coordinator@capital-coc.example"),
    ),
    (
        "PRJ-2002",
        0,
        "Congress Avenue Night Shelter",
        1,
        Some(4),
        "78704",
        &[(1, 60, (0, 0, 0), 58)],
        Some("nightdesk@capital-coc.example"),
    ),
    (
        "PRJ-2003",
        0,
        "Capital Family Shelter",
        0,
        Some(4),
        "78702",
        &[(3, 48, (0, 0, 0), 41), (1, 12, (0, 0, 0), 9)],
        Some("coordinator@capital-coc.example"),
    ),
    (
        "PRJ-2004",
        1,
        "Eastside Winter Overflow",
        1,
        Some(4),
        "78721",
        &[(1, 40, (0, 0, 0), 12)],
        Some("nightdesk@capital-coc.example"),
    ),
    (
        "PRJ-2005",
        1,
        "Montopolis Bridge House",
        2,
        Some(4),
        "78741",
        &[(1, 24, (0, 4, 0), 21)],
        Some("coordinator@capital-coc.example"),
    ),
    ("PRJ-2006", 1, "Eastside Transitional Apartments", 2, Some(4), "78723", &[(3, 30, (0, 0, 0), 27)], None),
    (
        "PRJ-2007",
        2,
        "SafeHarbor Emergency Shelter",
        0,
        Some(1),
        "78758",
        &[(1, 20, (0, 0, 0), 17), (3, 36, (0, 0, 0), 30)],
        None,
    ),
    ("PRJ-2008", 2, "SafeHarbor Transitional Homes", 2, Some(1), "78753", &[(3, 24, (0, 0, 0), 22)], None),
    ("PRJ-2009", 2, "SafeHarbor Youth Refuge", 0, Some(1), "78745", &[(4, 8, (0, 8, 0), 6)], None),
    (
        "PRJ-2010",
        3,
        "Hope Street Women's Shelter",
        0,
        Some(1),
        "78705",
        &[(1, 18, (0, 0, 0), 16), (3, 12, (0, 0, 0), 10)],
        None,
    ),
    (
        "PRJ-2011",
        3,
        "Hope Street Men's Shelter",
        1,
        Some(4),
        "78702",
        &[(1, 80, (6, 10, 0), 79)],
        Some("nightdesk@capital-coc.example"),
    ),
    ("PRJ-2012", 3, "Hope Street Safe Haven", 8, Some(4), "78751", &[(1, 16, (0, 0, 0), 15)], None),
    (
        "PRJ-2013",
        3,
        "Hope Street Family Rooms",
        0,
        Some(4),
        "78744",
        &[(3, 40, (0, 0, 0), 35)],
        Some("coordinator@capital-coc.example"),
    ),
    (
        "PRJ-2014",
        4,
        "Riverbend Youth Emergency Shelter",
        0,
        Some(4),
        "78704",
        &[(4, 12, (0, 12, 0), 10), (1, 10, (0, 10, 0), 9)],
        None,
    ),
    ("PRJ-2015", 4, "Riverbend Transitional Living", 2, Some(4), "78748", &[(1, 20, (0, 20, 0), 17)], None),
    ("PRJ-2016", 5, "Veterans Bridge Emergency Housing", 0, Some(4), "78723", &[(1, 30, (30, 0, 0), 28)], None),
    ("PRJ-2017", 5, "Lone Star Veterans Transitional", 2, Some(4), "78744", &[(1, 25, (25, 0, 0), 20)], None),
    (
        "PRJ-2018",
        0,
        "Travis County Cold Weather Shelter",
        1,
        Some(4),
        "78741",
        &[(1, 150, (0, 0, 0), 96)],
        Some("nightdesk@capital-coc.example"),
    ),
    ("PRJ-2019", 1, "Dove Springs Family Shelter", 0, Some(4), "78744", &[(3, 32, (0, 0, 0), 30)], None),
    ("PRJ-2021", 2, "SafeHarbor Family Refuge", 0, Some(1), "78759", &[(3, 20, (0, 0, 0), 18)], None),
    ("PRJ-2020", 4, "Riverbend Host Homes", 2, Some(4), "78757", &[(4, 6, (0, 6, 0), 5)], None),
];

/// A plausible 2.06 funder for a demo project of `project_type`.
fn demo_funder(project_type: i32) -> i32 {
    match project_type {
        0 | 1 => 8, // HUD: ESG – Emergency Shelter
        2 => 5,     // HUD: CoC – Transitional Housing
        3 => 2,     // HUD: CoC – Permanent Supportive Housing
        8 => 6,     // HUD: CoC – Safe Haven
        13 => 3,    // HUD: CoC – Rapid Re-Housing
        _ => 46,
    }
}

pub async fn seed(db: &DatabaseConnection, tenant_id: i64, recorder_email: &str) -> Result<(), AppError> {
    let already = shelter::Entity::find().filter(shelter::Column::TenantId.eq(tenant_id)).count(db).await?;
    if already > 0 {
        return Ok(());
    }
    let now = Utc::now();
    let start = NaiveDate::from_ymd_opt(2024, 10, 1).unwrap_or_default();
    let today = app::ssr::clock::CocClock::for_tenant(db, Some(tenant_id)).await?.today(now);
    let txn = app::ssr::begin_write(db).await?;
    // The DV aggregate covers the demo's whole history, at the CoC's office in Austin.
    use sea_orm::sea_query::Expr;
    app::entities::tenant::Entity::update_many()
        .col_expr(app::entities::tenant::Column::DvAggregateStart, Expr::value(start))
        .col_expr(app::entities::tenant::Column::DvGeocode, Expr::value("489453"))
        .col_expr(app::entities::tenant::Column::DvZip, Expr::value("78701"))
        .col_expr(app::entities::tenant::Column::DvGeographyType, Expr::value(1))
        .filter(app::entities::tenant::Column::Id.eq(tenant_id))
        .exec(&txn)
        .await?;
    let mut org_ids = Vec::new();
    for (hmis_id, name, vsp) in ORGANIZATIONS {
        let org = organization::ActiveModel {
            public_id: Set(app::ssr::public_id::new()),
            tenant_id: Set(tenant_id),
            hmis_organization_id: Set(hmis_id.to_string()),
            name: Set(name.to_string()),
            victim_service_provider: Set(*vsp),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        org_ids.push((org.id, *vsp));
    }
    // The demo CoC's user with `email` (an address is unique per CoC, not across CoCs).
    let user_id = |email: &str| {
        let email = email.to_string();
        let txn = &txn;
        async move {
            let found = user::Entity::find()
                .filter(user::Column::TenantId.eq(tenant_id))
                .filter(user::Column::Email.eq(email))
                .one(txn)
                .await?;
            Ok::<_, AppError>(found.map(|u| u.id))
        }
    };
    let recorder =
        user_id(recorder_email).await?.ok_or_else(|| AppError::bug(format!("seed: no user {recorder_email}")))?;
    for (i, (project_id, org, name, project_type, target, zip, lines, coordinator)) in SHELTERS.iter().enumerate() {
        let (org_id, vsp) = org_ids[*org];
        let is_dv = is_dv_shelter(*target, vsp);
        let s = shelter::ActiveModel {
            public_id: Set(app::ssr::public_id::new()),
            tenant_id: Set(tenant_id),
            organization_id: Set(org_id),
            hmis_project_id: Set(project_id.to_string()),
            name: Set(name.to_string()),
            project_type: Set(*project_type),
            housing_type: Set(Some(1)),
            target_population: Set(*target),
            operating_start_date: Set(start),
            operating_end_date: Set(None),
            coc_code: Set("TX-503".into()),
            // DV shelters keep no street address in the demo either.
            address1: Set((!is_dv).then(|| format!("{} E {} St", 100 + i * 37, 4 + i))),
            city: Set(Some("Austin".into())),
            state: Set(Some("TX".into())),
            zip: Set(Some(zip.to_string())),
            geocode: Set(Some("489453".into())),
            geography_type: Set(Some(1)),
            hmis_participation_type: Set(if vsp { 2 } else { 1 }),
            active: Set(true),
            is_dv: Set(is_dv),
            counts_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for (household_type, beds, (vet, youth, chronic), occupied) in lines.iter() {
            let es = is_emergency_shelter(*project_type);
            let input = LineInput {
                household_type: *household_type,
                availability: es.then_some(1),
                es_bed_type: es.then_some(1),
                unit_inventory: if *household_type == 3 { beds / 4 } else { *beds },
                sub_counts: [0, 0, *vet, 0, *youth, *chronic, beds - vet - youth - chronic],
                start_date: start,
                end_date: None,
            };
            let line = insert_line(&txn, &s, &input).await?;
            bed_snapshot::ActiveModel {
                tenant_id: Set(tenant_id),
                inventory_id: Set(line.id),
                beds_total: Set(*beds),
                beds_occupied: Set(*occupied),
                updated_by: Set(Some(recorder)),
                api_token_id: Set(None),
                recorded_at: Set(now - Duration::hours((i % 5) as i64 * 4)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        app::shelters::participation::sync(&txn, &s, today).await?;
        {
            app::entities::funder::ActiveModel {
                public_id: Set(app::ssr::public_id::new()),
                tenant_id: Set(tenant_id),
                shelter_id: Set(s.id),
                funder: Set(demo_funder(*project_type)),
                other_funder: Set(None),
                grant_id: Set(Some(format!("TX0{}L6E03{}", 100 + i, 2400 + i))),
                start_date: Set(start),
                end_date: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        if let Some(email) = coordinator
            && let Some(uid) = user_id(email).await?
        {
            shelter_coordinator::ActiveModel { tenant_id: Set(tenant_id), shelter_id: Set(s.id), user_id: Set(uid) }
                .insert(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}
