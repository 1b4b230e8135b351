//! Black-box test harness: each test spawns the real `hmis-bridge` binary on port 0 against a
//! fresh database (an SQLite file in a temp dir, or a new PostgreSQL database dropped afterwards),
//! cloned from a template built once per run, and talks to it over HTTP like a browser would.
//! Tests that need only the database take a `TestDb` and spawn nothing.
#![allow(dead_code)]

pub mod azurite;
pub mod client;
pub mod database;
pub mod fixtures;
pub mod hmis_spec;
pub mod json_schema;
pub mod sshd;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

// The benchmarks (server/examples) include this harness too and use only part of it.
#[allow(unused_imports)]
pub use app::outbox::state::State;
#[allow(unused_imports)]
pub use azurite::{AZURITE_ACCOUNT, AZURITE_KEY, Azurite};
#[allow(unused_imports)]
pub use client::*;
#[allow(unused_imports)]
pub use database::{Backend, Template, TestDb, admin_pg_url};
#[allow(unused_imports)]
pub use fixtures::{ADULTS, CHILDREN, Coc, FAMILIES, FIXTURE_PASSWORD, ONE_COC_ADMIN, Shelter, User, one_coc};
#[allow(unused_imports)]
pub use sshd::{SFTP_PASSWORD, SFTP_USER, SshServer};

/// The demo users (`TestApp::builder().demo()`).
pub const ADMIN: (&str, &str) = ("admin@capital-coc.example", "demo-admin-2026");
pub const ADMIN_NO_DV: (&str, &str) = ("intake@capital-coc.example", "demo-intake-2026");
pub const COORDINATOR: (&str, &str) = ("coordinator@capital-coc.example", "demo-coordinator-2026");
pub const PLATFORM: (&str, &str) = ("platform@hmis-bridge.example", "demo-platform-2026");

/// Run one async test body against both backends: it makes the tests `body::sqlite` and
/// `body::postgres`. The body takes
/// - `both_backends!(body)`: a `TestApp` on the demo data;
/// - `both_backends!(body, with = fixtures)`: a `TestApp` from `fixtures()`, a `Builder`;
/// - `both_backends!(body, db)`: a `TestDb` with the demo data and no server.
#[macro_export]
macro_rules! both_backends {
    ($body:ident) => {
        $crate::both_backends!(@make $body, |backend| $crate::common::TestApp::builder().demo().spawn(backend));
    };
    ($body:ident, with = $fixtures:ident) => {
        $crate::both_backends!(@make $body, |backend| super::$fixtures().spawn(backend));
    };
    ($body:ident, db) => {
        $crate::both_backends!(@make $body, |backend| $crate::common::TestDb::demo(backend));
    };
    (@make $body:ident, |$backend:ident| $arrange:expr) => {
        mod $body {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $backend = $crate::common::Backend::Sqlite;
                super::$body($arrange.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $backend = $crate::common::Backend::Postgres;
                super::$body($arrange.await).await;
            }
        }
    };
}

/// What a `TestApp` starts with: a template, fixtures on top, and extra server settings.
#[must_use]
pub struct Builder {
    template: Template,
    cocs: Vec<Coc>,
    platform_admins: Vec<String>,
    env: Vec<(String, String)>,
}

impl Builder {
    /// Start from the demo data (`seed-demo`) rather than an empty database.
    pub fn demo(mut self) -> Builder {
        self.template = Template::Demo;
        self
    }

    pub fn coc(mut self, coc: Coc) -> Builder {
        self.cocs.push(coc);
        self
    }

    /// A platform administrator (password `FIXTURE_PASSWORD`).
    pub fn platform_admin(mut self, email: &str) -> Builder {
        self.platform_admins.push(email.into());
        self
    }

    /// An extra `HMIS_*` setting for the server.
    pub fn env(mut self, key: &str, value: &str) -> Builder {
        self.env.push((key.into(), value.into()));
        self
    }

    pub async fn spawn(self, backend: Backend) -> TestApp {
        let store = TestDb::new(backend, self.template).await;
        if !self.cocs.is_empty() || !self.platform_admins.is_empty() {
            let db = store.db().await;
            for email in &self.platform_admins {
                fixtures::insert_platform_admin(&db, email).await;
            }
            for coc in &self.cocs {
                fixtures::insert_coc(&db, coc).await;
            }
            db.close().await.ok();
        }
        let (child, base) = start_serve(&store, &self.env);
        TestApp { base, child, store, env: self.env }
    }
}

pub struct TestApp {
    pub base: String,
    child: Child,
    store: TestDb,
    /// Extra settings of `serve`.
    env: Vec<(String, String)>,
}

/// Start `serve` and wait for the line that says where it listens.
fn start_serve(store: &TestDb, env: &[(String, String)]) -> (Child, String) {
    let mut command = server_command(&store.dir, store.server_url(), &["serve"]);
    command.envs(env.iter().map(|(k, v)| (k, v)));
    spawn_listening(command, "HMIS Bridge listening on ")
}

/// Spawn `command` and wait for the line that starts with `announce` and names its address;
/// returns the process and that address. The rest of its output is read and dropped, so it
/// never blocks on a full pipe.
fn spawn_listening(mut command: Command, announce: &str) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("spawn hmis-bridge");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines.next().expect("it exited before listening").expect("read stdout");
        if let Some(address) = line.strip_prefix(announce) {
            break address.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

impl TestApp {
    /// An empty database (no CoC, no user) unless fixtures or `demo()` say otherwise.
    pub fn builder() -> Builder {
        Builder { template: Template::Empty, cocs: vec![], platform_admins: vec![], env: vec![] }
    }

    /// The demo data (the benchmarks' and the journeys' starting point).
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::builder().demo().spawn(backend).await
    }

    /// The demo data, with extra settings (`HMIS_*` variables) for the server.
    pub async fn spawn_with(backend: Backend, env: &[(&str, &str)]) -> TestApp {
        env.iter().fold(TestApp::builder().demo(), |b, (k, v)| b.env(k, v)).spawn(backend).await
    }

    /// The server's database URL, for arranging and checking what HTTP does not show.
    pub fn database_url(&self) -> &str {
        &self.store.url
    }

    /// kill -9 the server (no shutdown of any kind), then start it again on the same database.
    /// It listens on a new port; `base` follows.
    pub fn crash_and_restart(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
        (self.child, self.base) = start_serve(&self.store, &self.env);
    }

    /// The `hmis-bridge` command line against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_with(args, &[])
    }

    /// The same with extra environment variables (secrets, `RUST_LOG`).
    pub fn cli_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut command = server_command(&self.store.dir, self.store.server_url(), args);
        command.envs(env.iter().copied());
        command.output().expect("run hmis-bridge")
    }

    /// The SQLite database file (none on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.store.sqlite_file()
    }

    /// Deliver every push that is due now, as `hmis-bridge worker --drain` (the server itself
    /// runs no worker in tests), and return what it printed.
    pub fn drain_outbox(&self) -> String {
        let out = self.cli(&["worker", "--drain"]);
        assert!(out.status.success(), "worker --drain failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A `hmis-bridge worker` replica on this app's database, with the app's extra settings;
    /// returns the process (kill it when done) and the address its probes listen on.
    pub fn start_worker_replica(&self) -> (Child, String) {
        let mut command = server_command(&self.store.dir, self.store.server_url(), &["worker"]);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        spawn_listening(command, "HMIS Bridge worker started; health and metrics on ")
    }

    /// Stop the server (kill -9); its database stays until the app is dropped.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A scratch directory removed with the app (the server's data directory).
    /// The server process's id (benchmarks read its memory).
    pub fn server_pid(&self) -> u32 {
        self.child.id()
    }

    pub fn scratch(&self) -> &std::path::Path {
        &self.store.dir
    }

    pub async fn db(&self) -> sea_orm::DatabaseConnection {
        self.store.db().await
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client signed in as `who`.
    pub async fn signed_in(&self, who: (&str, &str)) -> Client {
        let client = self.client();
        let res = client.login(who.0, who.1).await;
        assert_eq!(res.status, 200, "login of {} failed: {}", who.0, res.body);
        client
    }
}

impl Drop for TestApp {
    /// The server stops before its database goes (`store` is dropped after this).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server binary: the one cargo built with these tests (the same build `cargo leptos build`
/// makes, so its pages hydrate with the site's wasm), or `HMIS_BIN`, which the benchmarks point
/// at a release build.
pub fn server_bin() -> String {
    // Benchmarks (examples) share this harness; cargo names the binary only to tests.
    std::env::var("HMIS_BIN")
        .ok()
        .or_else(|| option_env!("CARGO_BIN_EXE_hmis-bridge").map(str::to_string))
        .expect("HMIS_BIN: the hmis-bridge binary to run")
}

/// `hmis-bridge ARGS` with the test settings: port 0, `data_dir`, and PostgreSQL when `pg_url`.
fn server_command(data_dir: &std::path::Path, pg_url: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(server_bin());
    cmd.args(args)
        .env("HMIS_LISTEN", "127.0.0.1:0")
        .env("HMIS_DATA_DIR", data_dir)
        .env("HMIS_CONFIG", data_dir.join("none.toml"))
        .env("HMIS_TRUST_FORWARDED_FOR", "true")
        // Tests deliver pushes when they choose, with `drain_outbox()`.
        .env("HMIS_WORKER", "false")
        // Test vendors (wiremock) listen on loopback over http.
        .env("HMIS_VENDOR_ALLOW_LOOPBACK", "true")
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL");
    if let Some(url) = pg_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

fn rand_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..8).map(|_| (b'a' + rng.random_range(0..26u8)) as char).collect()
}

/// Add shelters numbered `numbers` to the demo CoC, copies of Downtown Emergency Shelter
/// (`BULK-nnnnnn`, "Bulk Shelter nnnnnn") with 3 inventory lines each, one per household type.
/// With `dv_every: Some(n)`, every n-th is a DV shelter. For benchmarks and large-list tests.
pub async fn add_bulk_shelters(
    db: &sea_orm::DatabaseConnection,
    numbers: std::ops::Range<usize>,
    dv_every: Option<usize>,
) {
    use app::entities::{inventory, shelter};
    use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let template =
        shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("PRJ-2001")).one(db).await.unwrap().unwrap();
    let line =
        inventory::Entity::find().filter(inventory::Column::ShelterId.eq(template.id)).one(db).await.unwrap().unwrap();
    for chunk in numbers.collect::<Vec<_>>().chunks(500) {
        let shelters: Vec<shelter::ActiveModel> = chunk
            .iter()
            .map(|i| {
                let mut m: shelter::ActiveModel = template.clone().into();
                m.id = NotSet;
                m.public_id = Set(app::ssr::public_id::new());
                m.hmis_project_id = Set(format!("BULK-{i:06}"));
                m.name = Set(format!("Bulk Shelter {i:06}"));
                if dv_every.is_some_and(|n| i % n == 0) {
                    m.is_dv = Set(true);
                    m.target_population = Set(Some(1));
                    m.address1 = Set(None);
                }
                m
            })
            .collect();
        shelter::Entity::insert_many(shelters).exec(db).await.unwrap();
        let ids: Vec<i64> = shelter::Entity::find()
            .filter(shelter::Column::HmisProjectId.is_in(chunk.iter().map(|i| format!("BULK-{i:06}"))))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        let lines: Vec<inventory::ActiveModel> = ids
            .iter()
            .flat_map(|id| {
                [1, 3, 4].map(|household_type| {
                    let mut l: inventory::ActiveModel = line.clone().into();
                    l.id = NotSet;
                    l.public_id = Set(app::ssr::public_id::new());
                    l.shelter_id = Set(*id);
                    l.household_type = Set(household_type);
                    l
                })
            })
            .collect();
        inventory::Entity::insert_many(lines).exec(db).await.unwrap();
    }
}

/// Another CoC ("other", TX-600) beside the demo one, inserted directly: an organization, a
/// shelter (a copy of Downtown Emergency Shelter, ProjectID OTHER-1) and one inventory line.
pub struct OtherCoc {
    pub tenant: app::entities::tenant::Model,
    pub organization: app::entities::organization::Model,
    pub shelter: app::entities::shelter::Model,
    pub line: app::entities::inventory::Model,
}

pub async fn add_other_coc(db: &sea_orm::DatabaseConnection) -> OtherCoc {
    use app::entities::{inventory, organization, shelter, tenant};
    use app::ssr::public_id;
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let now = chrono::Utc::now();
    let tenant = tenant::ActiveModel {
        name: Set("Other CoC".into()),
        slug: Set("other".into()),
        coc_codes: Set("TX-600".into()),
        dv_min_shelters: Set(3),
        dv_min_beds: Set(5),
        time_zone: Set("America/Chicago".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let organization = organization::ActiveModel {
        public_id: Set(public_id::new()),
        tenant_id: Set(tenant.id),
        hmis_organization_id: Set("OTHER-ORG".into()),
        name: Set("Other Tenant Org".into()),
        victim_service_provider: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let template =
        shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("PRJ-2001")).one(db).await.unwrap().unwrap();
    let template_line =
        inventory::Entity::find().filter(inventory::Column::ShelterId.eq(template.id)).one(db).await.unwrap().unwrap();
    let mut copy: shelter::ActiveModel = template.into();
    copy.id = NotSet;
    copy.public_id = Set(public_id::new());
    copy.tenant_id = Set(tenant.id);
    copy.organization_id = Set(organization.id);
    copy.hmis_project_id = Set("OTHER-1".into());
    copy.name = Set("Other Tenant Shelter".into());
    let shelter = copy.insert(db).await.unwrap();
    let mut line: inventory::ActiveModel = template_line.into();
    line.id = NotSet;
    line.public_id = Set(public_id::new());
    line.tenant_id = Set(tenant.id);
    line.shelter_id = Set(shelter.id);
    let line = line.insert(db).await.unwrap();
    OtherCoc { tenant, organization, shelter, line }
}

/// A live custom-endpoint vendor of `tenant_id` (no credentials) that receives pushes (the zip as
/// the body) at `url`, not yet inserted.
pub fn new_vendor(tenant_id: i64, name: &str, url: &str) -> app::entities::vendor::ActiveModel {
    use sea_orm::ActiveValue::Set;
    let now = chrono::Utc::now();
    app::entities::vendor::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        name: Set(name.into()),
        kind: Set(app::vendors::VendorKind::Custom),
        endpoint_url: Set(url.into()),
        push_interval_minutes: Set(None),
        mode: Set(app::vendors::VendorMode::Live),
        payload_format: Set(app::vendors::PayloadFormat::HmisCsvZip),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// An outbox row for `vendor`, due at `at`, carrying `payload` under `key`, not yet inserted:
/// rows straight into the table, where a push would supersede the ones before it.
pub fn new_outbox_row(
    vendor: &app::entities::vendor::Model,
    key: &str,
    payload: Vec<u8>,
    at: chrono::DateTime<chrono::Utc>,
) -> app::entities::outbox::ActiveModel {
    use sea_orm::ActiveValue::Set;
    app::entities::outbox::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(vendor.tenant_id),
        vendor_id: Set(vendor.id),
        state: Set(State::Available),
        attempt: Set(0),
        max_attempts: Set(app::outbox::ssr::MAX_ATTEMPTS),
        scheduled_at: Set(at),
        errors: Set(Default::default()),
        payload_sha256: Set(app::outbox::ssr::sha256_hex(&payload)),
        payload: Set(payload),
        record_count: Set(1),
        idempotency_key: Set(key.into()),
        created_at: Set(at),
        ..Default::default()
    }
}

/// Add an HMIS vendor to the demo CoC that receives pushes at `url`: live, or off.
pub async fn add_vendor(
    db: &sea_orm::DatabaseConnection,
    name: &str,
    url: &str,
    enabled: bool,
) -> app::entities::vendor::Model {
    use app::entities::tenant;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let tenant = tenant::Entity::find().filter(tenant::Column::Slug.eq("capital-area")).one(db).await.unwrap().unwrap();
    let mut vendor = new_vendor(tenant.id, name, url);
    if !enabled {
        vendor.mode = Set(app::vendors::VendorMode::Off);
    }
    vendor.insert(db).await.unwrap()
}

/// What a command printed, stdout then stderr.
pub fn output_text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A vault under a fixed test key (the server under test has its own).
pub fn test_vault() -> std::sync::Arc<app::ssr::vault::Vault> {
    let key = secrecy::SecretString::from("test-vault-key-0123456789-abcdefghijklmnop".to_string());
    std::sync::Arc::new(app::ssr::vault::Vault::new(&key, &[]))
}

/// The vendor simulator (`hmis-bridge simulate-vendor`) in its own process, stopped when dropped.
pub struct Simulator {
    child: Child,
    /// Where it listens, e.g. `http://127.0.0.1:41234`.
    pub url: String,
}

impl Simulator {
    /// Start one on a free port that fails `failure_rate` of uploads and answers in 0 to
    /// 2 x `delay_ms` milliseconds.
    pub fn start(failure_rate: f64, delay_ms: u64) -> Simulator {
        server::tls::install_crypto_provider();
        let mut command = server_command(&std::env::temp_dir(), None, &["simulate-vendor", "--listen", "127.0.0.1:0"]);
        command.args(["--failure-rate", &failure_rate.to_string(), "--delay-ms", &delay_ms.to_string()]);
        let (child, url) = spawn_listening(command, "HMIS Bridge vendor simulator listening on ");
        Simulator { child, url }
    }

    /// GET one of its JSON reports (`/_sim`, `/_sim/keys`).
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        reqwest::get(format!("{}{path}", self.url))
            .await
            .expect("ask the simulator")
            .json()
            .await
            .expect("simulator JSON")
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
