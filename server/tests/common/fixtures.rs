//! Explicit fixtures: a test names the CoCs, users, shelters and inventory it needs, and asserts
//! numbers it can read off its own arrangement instead of the demo's.
//!
//! ```ignore
//! let app = TestApp::builder()
//!     .coc(Coc::new("north", "TX-601")
//!         .user(User::admin("admin@north.example").dv_access())
//!         .shelter(Shelter::new("N-1", "North Night Shelter").line(ADULTS, 40, 30)))
//!     .spawn(backend).await;
//! let admin = app.signed_in(("admin@north.example", FIXTURE_PASSWORD)).await;
//! ```
//! Rows go in through the app's own insert functions where it has them (tenants, inventory
//! lines); users get one password whose hash is computed once per test run.
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use tokio::sync::OnceCell;

use app::access::Role;
use app::entities::{bed_snapshot, organization, shelter, shelter_coordinator, user};
use app::hmis::codes::{TARGET_POPULATION_DV, is_dv_shelter, is_emergency_shelter};
use app::shelters::editor::insert_line;
use app::shelters::form::LineInput;

/// Every fixture user's password.
pub const FIXTURE_PASSWORD: &str = "fixture-password-2026";

/// HMIS HouseholdType codes (2.07.4).
pub const ADULTS: i32 = 1;
pub const FAMILIES: i32 = 3;
pub const CHILDREN: i32 = 4;

/// A CoC (tenant) with one organization, its users and its shelters.
pub struct Coc {
    pub slug: String,
    pub code: String,
    pub dv_min_shelters: i32,
    pub dv_min_beds: i32,
    pub users: Vec<User>,
    pub shelters: Vec<Shelter>,
}

impl Coc {
    /// DV thresholds as a new CoC gets them (3 shelters, 5 beds).
    pub fn new(slug: &str, code: &str) -> Coc {
        Coc {
            slug: slug.into(),
            code: code.into(),
            dv_min_shelters: 3,
            dv_min_beds: 5,
            users: vec![],
            shelters: vec![],
        }
    }

    pub fn dv_thresholds(mut self, shelters: i32, beds: i32) -> Coc {
        (self.dv_min_shelters, self.dv_min_beds) = (shelters, beds);
        self
    }

    pub fn user(mut self, user: User) -> Coc {
        self.users.push(user);
        self
    }

    pub fn shelter(mut self, shelter: Shelter) -> Coc {
        self.shelters.push(shelter);
        self
    }
}

pub struct User {
    pub email: String,
    pub role: Role,
    pub dv_access: bool,
    /// ProjectIDs of the shelters a coordinator keeps counts for.
    pub assigned: Vec<String>,
}

impl User {
    pub fn admin(email: &str) -> User {
        User { email: email.into(), role: Role::CocAdmin, dv_access: false, assigned: vec![] }
    }

    pub fn coordinator(email: &str) -> User {
        User { email: email.into(), role: Role::Coordinator, dv_access: false, assigned: vec![] }
    }

    pub fn dv_access(mut self) -> User {
        self.dv_access = true;
        self
    }

    pub fn assigned(mut self, project_id: &str) -> User {
        self.assigned.push(project_id.into());
        self
    }

    /// Sign-in credentials for `TestApp::signed_in`.
    pub fn login(&self) -> (&str, &str) {
        (&self.email, FIXTURE_PASSWORD)
    }
}

/// A shelter (an HMIS project): emergency shelter entry/exit unless told otherwise.
pub struct Shelter {
    pub project_id: String,
    pub name: String,
    pub project_type: i32,
    pub dv: bool,
    pub zip: String,
    /// (household type, beds, occupied)
    pub lines: Vec<(i32, i32, i32)>,
}

impl Shelter {
    pub fn new(project_id: &str, name: &str) -> Shelter {
        Shelter {
            project_id: project_id.into(),
            name: name.into(),
            project_type: 0,
            dv: false,
            zip: "78701".into(),
            lines: vec![],
        }
    }

    pub fn project_type(mut self, project_type: i32) -> Shelter {
        self.project_type = project_type;
        self
    }

    /// A DV shelter (TargetPopulation 1).
    pub fn dv(mut self) -> Shelter {
        self.dv = true;
        self
    }

    pub fn zip(mut self, zip: &str) -> Shelter {
        self.zip = zip.into();
        self
    }

    /// An inventory line with a first bed count.
    pub fn line(mut self, household_type: i32, beds: i32, occupied: i32) -> Shelter {
        self.lines.push((household_type, beds, occupied));
        self
    }

    pub fn beds(&self) -> i32 {
        self.lines.iter().map(|(_, beds, _)| beds).sum()
    }
}

/// The argon2 hash of `FIXTURE_PASSWORD`, computed once.
async fn password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async {
        app::auth::ssr::hash_password(FIXTURE_PASSWORD.into()).await.expect("hash the fixture password")
    })
    .await
}

async fn insert_user(db: &DatabaseConnection, tenant_id: Option<i64>, u: &User) -> user::Model {
    let now = Utc::now();
    user::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        email: Set(u.email.clone()),
        display_name: Set(u.email.split('@').next().unwrap_or("user").into()),
        password_hash: Set(password_hash().await.into()),
        role: Set(u.role),
        dv_access: Set(u.dv_access),
        active: Set(true),
        must_change_password: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap_or_else(|e| panic!("fixture user {}: {e}", u.email))
}

/// A platform administrator (no CoC).
pub async fn insert_platform_admin(db: &DatabaseConnection, email: &str) {
    let u = User { email: email.into(), role: Role::PlatformAdmin, dv_access: false, assigned: vec![] };
    insert_user(db, None, &u).await;
}

/// Insert `coc` with everything in it.
pub async fn insert_coc(db: &DatabaseConnection, coc: &Coc) -> app::entities::tenant::Model {
    let name = format!("{} Continuum of Care", coc.slug);
    let codes = app::hmis::ids::CocCodes::parse(&coc.code).expect("fixture CoC code");
    let mut tenant: app::entities::tenant::ActiveModel =
        app::tenants::ssr::insert_tenant(db, &name, &coc.slug, &codes, "America/Chicago")
            .await
            .expect("fixture CoC")
            .into();
    tenant.dv_min_shelters = Set(coc.dv_min_shelters);
    tenant.dv_min_beds = Set(coc.dv_min_beds);
    tenant.dv_aggregate_start = Set(NaiveDate::from_ymd_opt(2024, 10, 1).expect("a date"));
    // The CoC's administrative location, where the DV aggregate is placed.
    tenant.dv_geocode = Set(Some("480000".into()));
    tenant.dv_zip = Set(Some("78700".into()));
    tenant.dv_geography_type = Set(Some(1));
    let tenant = tenant.update(db).await.expect("fixture CoC thresholds");
    let now = Utc::now();
    let org = organization::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant.id),
        hmis_organization_id: Set(format!("ORG-{}", coc.slug)),
        name: Set(format!("{} Shelter Network", coc.slug)),
        victim_service_provider: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("fixture organization");
    let mut users = Vec::new();
    for u in &coc.users {
        users.push((insert_user(db, Some(tenant.id), u).await, u));
    }
    let start = NaiveDate::from_ymd_opt(2024, 10, 1).expect("a date");
    for s in &coc.shelters {
        let target_population = Some(if s.dv { TARGET_POPULATION_DV } else { 4 });
        let row = shelter::ActiveModel {
            public_id: Set(app::ssr::public_id::new()),
            tenant_id: Set(tenant.id),
            organization_id: Set(org.id),
            hmis_project_id: Set(s.project_id.clone()),
            name: Set(s.name.clone()),
            project_type: Set(s.project_type),
            housing_type: Set(Some(1)),
            target_population: Set(target_population),
            operating_start_date: Set(start),
            operating_end_date: Set(None),
            coc_code: Set(coc.code.clone()),
            address1: Set((!s.dv).then(|| "100 Main St".into())),
            city: Set(Some("Austin".into())),
            state: Set(Some("TX".into())),
            zip: Set(Some(s.zip.clone())),
            geocode: Set(Some("489453".into())),
            geography_type: Set(Some(1)),
            hmis_participation_type: Set(1),
            active: Set(true),
            is_dv: Set(is_dv_shelter(target_population, false)),
            counts_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap_or_else(|e| panic!("fixture shelter {}: {e}", s.project_id));
        app::shelters::participation::sync(db, &row, now.date_naive()).await.expect("fixture participation");
        app::entities::funder::ActiveModel {
            public_id: Set(app::ssr::public_id::new()),
            tenant_id: Set(tenant.id),
            shelter_id: Set(row.id),
            funder: Set(8),
            other_funder: Set(None),
            grant_id: Set(None),
            start_date: Set(start),
            end_date: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("fixture funder");
        for &(household_type, beds, occupied) in &s.lines {
            let es = is_emergency_shelter(s.project_type);
            let input = LineInput {
                household_type,
                availability: es.then_some(1),
                es_bed_type: es.then_some(1),
                unit_inventory: beds,
                sub_counts: [0, 0, 0, 0, 0, 0, beds],
                start_date: start,
                end_date: None,
            };
            let line = insert_line(db, &row, &input).await.expect("fixture inventory line");
            // The first count is recorded by the CoC's first user (counts need someone).
            if let Some((recorder, _)) = users.first() {
                bed_snapshot::ActiveModel {
                    tenant_id: Set(tenant.id),
                    inventory_id: Set(line.id),
                    beds_total: Set(beds),
                    beds_occupied: Set(occupied),
                    updated_by: Set(Some(recorder.id)),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await
                .expect("fixture bed count");
            }
        }
        for (u, fixture) in &users {
            if fixture.assigned.contains(&s.project_id) {
                shelter_coordinator::ActiveModel {
                    tenant_id: Set(tenant.id),
                    shelter_id: Set(row.id),
                    user_id: Set(u.id),
                }
                .insert(db)
                .await
                .expect("fixture assignment");
            }
        }
    }
    tenant
}

/// One CoC, `capital` (TX-503), with its admin and one shelter: the file-delivery tests' setup.
pub fn one_coc() -> super::Builder {
    super::TestApp::builder().coc(
        Coc::new("capital", "TX-503")
            .user(User::admin(ONE_COC_ADMIN.0).dv_access())
            .shelter(Shelter::new("N-1", "Night Shelter").project_type(1).line(ADULTS, 40, 30)),
    )
}

/// `one_coc`'s admin.
pub const ONE_COC_ADMIN: (&str, &str) = ("admin@capital.example", FIXTURE_PASSWORD);
