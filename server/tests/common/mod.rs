//! Black-box test harness: each test spawns the real `hmis-bridge` binary on port 0 against a
//! fresh database (an SQLite file in a temp dir, or a new PostgreSQL database dropped afterwards)
//! with the demo data loaded, and talks to it over HTTP like a browser would.
#![allow(dead_code)]

pub mod hmis_spec;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use serde_json::Value;

pub use app::outbox::state::State;

pub const ADMIN: (&str, &str) = ("admin@capital-coc.example", "demo-admin-2026");
pub const ADMIN_NO_DV: (&str, &str) = ("intake@capital-coc.example", "demo-intake-2026");
pub const COORDINATOR: (&str, &str) = ("coordinator@capital-coc.example", "demo-coordinator-2026");
pub const PLATFORM: (&str, &str) = ("platform@hmis-bridge.example", "demo-platform-2026");

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Run one async test body against both backends: `both_backends!(body_fn);` makes the tests
/// `body_fn::sqlite` and `body_fn::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($body:ident) => {
        mod $body {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::common::TestApp::spawn($crate::common::Backend::Postgres).await).await;
            }
        }
    };
}

/// Where tests create and drop their PostgreSQL databases.
pub fn admin_pg_url() -> String {
    std::env::var("HMIS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub base: String,
    /// The server's database, for arranging and checking what HTTP does not show.
    pub database_url: String,
    child: Child,
    data_dir: PathBuf,
    pg_database: Option<String>,
    /// Extra settings of `serve`.
    env: Vec<(String, String)>,
}

/// Start `serve` and wait for the line that says where it listens.
fn start_serve(data_dir: &std::path::Path, pg_url: Option<&str>, env: &[(String, String)]) -> (Child, String) {
    let mut command = server_command(data_dir, pg_url, &["serve"]);
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
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, &[]).await
    }

    /// Spawn with extra settings (`HMIS_*` variables) for the server.
    pub async fn spawn_with(backend: Backend, env: &[(&str, &str)]) -> TestApp {
        let unique = format!("{}_{}", std::process::id(), rand_suffix());
        let data_dir = std::env::temp_dir().join(format!("hmis-test-{unique}"));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let pg_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let name = format!("hmis_test_{unique}");
                pg_admin(&format!("CREATE DATABASE {name}")).await;
                Some(name)
            }
        };
        let database_url = pg_database.as_ref().map(|name| {
            let admin = admin_pg_url();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
            format!("{base}/{name}")
        });
        let command = |args: &[&str]| server_command(&data_dir, database_url.as_deref(), args);
        let seeded = command(&["seed-demo"]).output().expect("run seed-demo");
        assert!(seeded.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&seeded.stderr));

        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (child, base) = start_serve(&data_dir, database_url.as_deref(), &env);
        let database_url =
            database_url.unwrap_or_else(|| format!("sqlite://{}?mode=rw", data_dir.join("hmis-bridge.db").display()));
        TestApp { base, database_url, child, data_dir, pg_database, env }
    }

    /// kill -9 the server (no shutdown of any kind), then start it again on the same database.
    /// It listens on a new port; `base` follows.
    pub fn crash_and_restart(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
        let pg_url = self.pg_database.as_ref().map(|_| self.database_url.clone());
        let (child, base) = start_serve(&self.data_dir, pg_url.as_deref(), &self.env);
        (self.child, self.base) = (child, base);
    }

    /// The `hmis-bridge` command line against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let pg_url = self.pg_database.as_ref().map(|_| self.database_url.as_str());
        server_command(&self.data_dir, pg_url, args).output().expect("run hmis-bridge")
    }

    /// Deliver every push that is due now, as `hmis-bridge worker --drain` (the server itself
    /// runs no worker in tests), and return what it printed.
    pub fn drain_outbox(&self) -> String {
        let out = self.cli(&["worker", "--drain"]);
        assert!(out.status.success(), "worker --drain failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A `hmis-bridge worker` replica on this app's database; returns the process (kill it when
    /// done) and the address its probes listen on.
    pub fn start_worker_replica(&self) -> (Child, String) {
        let pg_url = self.pg_database.as_ref().map(|_| self.database_url.as_str());
        spawn_listening(
            server_command(&self.data_dir, pg_url, &["worker"]),
            "HMIS Bridge worker started; health and metrics on ",
        )
    }

    /// A scratch directory removed with the app.
    pub fn scratch(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub async fn db(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(&self.database_url).await.expect("connect to the test database")
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
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.pg_database.take() {
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
            })
            .join()
            .ok();
        }
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

async fn pg_admin(sql: &str) {
    use sea_orm::{ConnectionTrait, Database};
    let db = Database::connect(admin_pg_url()).await.expect("connect to PostgreSQL as admin");
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.ok();
}

fn rand_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..8).map(|_| (b'a' + rng.random_range(0..26u8)) as char).collect()
}

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl Response {
    /// The body with the per-request nonce blanked, so two renders of the same page compare equal.
    pub fn page_text(&self) -> String {
        let mut out = String::with_capacity(self.body.len());
        let mut rest = self.body.as_str();
        let nonce = rest
            .find("nonce=\"")
            .map(|i| &rest[i + 7..])
            .and_then(|tail| tail.split('"').next())
            .unwrap_or("")
            .to_string();
        if nonce.is_empty() {
            return self.body.clone();
        }
        while let Some(i) = rest.find(&nonce) {
            out.push_str(&rest[..i]);
            out.push_str("NONCE");
            rest = &rest[i + nonce.len()..];
        }
        out.push_str(rest);
        out
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub disposition: String,
    pub location: String,
    pub bytes: Vec<u8>,
}

pub struct Client {
    base: String,
    http: reqwest::Client,
    pub forwarded_for: String,
}

impl Client {
    fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
        Client { base: base.to_string(), http, forwarded_for: format!("10.0.{}.{}", rand_byte(), rand_byte()) }
    }

    async fn finish(res: reqwest::Response) -> Response {
        let status = res.status().as_u16();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let set_cookie =
            res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
        let body = res.text().await.unwrap_or_default();
        Response { status, location, set_cookie, body }
    }

    /// GET a page as a browser navigation.
    pub async fn page(&self, path: &str) -> Response {
        let res = self.http.get(format!("{}{path}", self.base)).header(ACCEPT, "text/html").send().await.expect("GET");
        Self::finish(res).await
    }

    /// GET a file download: status, headers and the raw bytes.
    pub async fn download(&self, path: &str) -> Download {
        let res = self.http.get(format!("{}{path}", self.base)).send().await.expect("GET");
        let status = res.status().as_u16();
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (content_type, disposition, location) =
            (header("content-type"), header("content-disposition"), header("location"));
        let bytes = res.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        Download { status, content_type, disposition, location, bytes }
    }

    /// Call a server function as the hydrated app does (fetch, JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.post(endpoint, form, "application/json", &[("sec-fetch-site", "same-origin")]).await
    }

    /// Submit a form as a browser with JavaScript off does.
    pub async fn submit(&self, endpoint: &str, form: &[(&str, &str)], referer: &str) -> Response {
        let referer = format!("{}{referer}", self.base);
        let origin = self.base.clone();
        self.post(
            endpoint,
            form,
            "text/html",
            &[("sec-fetch-site", "same-origin"), ("origin", &origin), ("referer", &referer)],
        )
        .await
    }

    pub async fn post(&self, endpoint: &str, form: &[(&str, &str)], accept: &str, extra: &[(&str, &str)]) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(accept).unwrap());
        headers.insert("x-forwarded-for", HeaderValue::from_str(&self.forwarded_for).unwrap());
        for (k, v) in extra {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let res = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .headers(headers)
            .form(form)
            .send()
            .await
            .expect("POST");
        Self::finish(res).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.call("login", &[("email", email), ("password", password)]).await
    }
}

fn rand_byte() -> u8 {
    use rand::Rng;
    rand::rng().random_range(1..=254)
}

/// A JSON id as form text: public ids are strings, user ids numbers.
pub fn id_text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

/// The one-time password in a `Notice` JSON answer.
pub fn secret_of(res: &Response) -> String {
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["secret"].as_str().expect("secret").to_string()
}

/// The session cookie value in a `Set-Cookie` list.
pub fn session_cookie(set_cookie: &[String]) -> Option<String> {
    set_cookie
        .iter()
        .find_map(|c| c.strip_prefix("hmis_session=").map(|rest| rest.split(';').next().unwrap_or("").to_string()))
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

/// An enabled vendor of `tenant_id` that receives pushes at `url`, not yet inserted.
pub fn new_vendor(tenant_id: i64, name: &str, url: &str) -> app::entities::vendor::ActiveModel {
    use sea_orm::ActiveValue::Set;
    let now = chrono::Utc::now();
    app::entities::vendor::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        name: Set(name.into()),
        kind: Set(app::vendors::VendorKind::Clarity),
        endpoint_url: Set(url.into()),
        push_interval_minutes: Set(None),
        enabled: Set(true),
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

/// Add an HMIS vendor to the demo CoC that receives pushes at `url`.
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
    vendor.enabled = Set(enabled);
    vendor.insert(db).await.unwrap()
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
