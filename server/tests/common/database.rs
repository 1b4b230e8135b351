//! A fresh database for each test, cloned from a template that is built once per test run: an
//! SQLite file copied, or a PostgreSQL database created `TEMPLATE` the migrated one. Migrating
//! and seeding (which hashes the demo users' passwords) happen once, not in every test.
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::OnceCell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a new test database holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// The migrated schema and nothing else: for tests that arrange their own fixtures.
    Empty,
    /// The migrated schema with `seed-demo`'s data (the demo CoC and its users).
    Demo,
}

/// Where tests create and drop their PostgreSQL databases.
pub fn admin_pg_url() -> String {
    std::env::var("HMIS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `admin_pg_url` pointed at database `name`.
fn pg_url_of(name: &str) -> String {
    let admin = admin_pg_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
    format!("{base}/{name}")
}

/// One test's database, dropped (with its scratch directory) when the test ends.
pub struct TestDb {
    pub backend: Backend,
    /// For SeaORM and for the server (`DATABASE_URL`, or the SQLite file in `dir`).
    pub url: String,
    /// The test's scratch directory: the server's data directory, and the SQLite file.
    pub dir: PathBuf,
    pg_database: Option<String>,
}

/// The SQLite file's name in a data directory (the server's default).
const SQLITE_FILE: &str = "hmis-bridge.db";

impl TestDb {
    /// A copy of the demo data.
    pub async fn demo(backend: Backend) -> TestDb {
        TestDb::new(backend, Template::Demo).await
    }

    /// The schema without rows.
    pub async fn empty(backend: Backend) -> TestDb {
        TestDb::new(backend, Template::Empty).await
    }

    pub async fn new(backend: Backend, template: Template) -> TestDb {
        // Every test starts here: the HTTPS clients tests build need the process's TLS provider.
        server::tls::install_crypto_provider();
        let unique = format!("{}_{}", std::process::id(), super::rand_suffix());
        let dir = std::env::temp_dir().join(format!("hmis-test-{unique}"));
        private_dir(&dir);
        let source = template_of(backend, template).await;
        match backend {
            Backend::Sqlite => {
                std::fs::copy(source, dir.join(SQLITE_FILE)).expect("copy the template database");
                let url = format!("sqlite://{}?mode=rw", dir.join(SQLITE_FILE).display());
                TestDb { backend, url, dir, pg_database: None }
            }
            Backend::Postgres => {
                let name = format!("hmis_test_{unique}");
                pg_admin(&format!("CREATE DATABASE {name} TEMPLATE {source}")).await;
                TestDb { backend, url: pg_url_of(&name), dir, pg_database: Some(name) }
            }
        }
    }

    /// A new connection pool on this database.
    pub async fn db(&self) -> DatabaseConnection {
        Database::connect(&self.url).await.expect("connect to the test database")
    }

    /// The SQLite database file (none on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| self.dir.join(SQLITE_FILE))
    }

    /// `DATABASE_URL` for the server: PostgreSQL's, or none (SQLite in its data directory).
    pub fn server_url(&self) -> Option<&str> {
        self.pg_database.as_ref().map(|_| self.url.as_str())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_database.take() {
            // Drop may run inside the test's runtime: a thread of its own blocks on its own.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(pg_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
            })
            .join()
            .ok();
        }
    }
}

/// The template for `backend` and `template`, built on first use: a file path (SQLite) or a
/// database name (PostgreSQL).
async fn template_of(backend: Backend, template: Template) -> &'static str {
    static TEMPLATES: [OnceCell<String>; 4] = [const { OnceCell::const_new() }; 4];
    let cell = &TEMPLATES[(backend as usize) * 2 + template as usize];
    cell.get_or_init(|| build_template(backend, template)).await
}

async fn build_template(backend: Backend, template: Template) -> String {
    let pid = std::process::id();
    let kind = match template {
        Template::Empty => "empty",
        Template::Demo => "demo",
    };
    let (url, made) = match backend {
        Backend::Sqlite => {
            remove_stale_dirs();
            let dir = std::env::temp_dir().join(format!("hmis-test-{pid}_template_{kind}"));
            private_dir(&dir);
            let file = dir.join(SQLITE_FILE);
            let _ = std::fs::remove_file(&file);
            (format!("sqlite://{}?mode=rwc", file.display()), file.display().to_string())
        }
        Backend::Postgres => {
            drop_stale_databases().await;
            let name = format!("hmis_test_{pid}_template_{kind}");
            pg_admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
            pg_admin(&format!("CREATE DATABASE {name}")).await;
            (pg_url_of(&name), name)
        }
    };
    let db = Database::connect(&url).await.expect("connect to the template database");
    server::db::migrate(&db).await.expect("migrate the template database");
    if template == Template::Demo {
        server::seed::seed_demo(&db, None).await.expect("seed the demo data");
    }
    // Clones are taken from it while nothing is connected (PostgreSQL requires it; for SQLite
    // the file then holds every write).
    db.close().await.expect("close the template database");
    made
}

/// A directory only this user may open, as the server wants its data directory.
fn private_dir(dir: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).expect("a temp dir");
}

/// Whether the test process `pid` (from a database or directory name) still runs.
fn alive(name: &str) -> bool {
    let pid = name.split(['_', '-']).find_map(|part| part.parse::<u32>().ok());
    pid.is_none_or(|pid| Path::new(&format!("/proc/{pid}")).exists() || !Path::new("/proc/self").exists())
}

/// Databases of test runs no longer running: their templates (a test drops its own copy when it
/// ends) and whatever a killed run left.
async fn drop_stale_databases() {
    let db = Database::connect(admin_pg_url()).await.expect("connect to PostgreSQL as admin");
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'hmis\\_test\\_%'",
        ))
        .await
        .expect("list test databases");
    db.close().await.ok();
    for row in rows {
        let name: String = row.try_get("", "datname").expect("datname");
        if is_ours(&name) && !alive(&name) {
            pg_admin(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        }
    }
}

/// A name this harness makes: `hmis_test_<pid>_<letters>` or `hmis_test_<pid>_template_<kind>`.
/// Anything else in the server is left alone, whatever it is called.
fn is_ours(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("hmis_test_") else { return false };
    let mut parts = rest.split('_');
    let pid = parts.next().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let tail: Vec<&str> = parts.collect();
    let letters = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    pid && (1..=2).contains(&tail.len()) && tail.iter().all(letters)
}

fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix("hmis-test-")
            && !alive(rest)
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub async fn pg_admin(sql: &str) {
    let db = Database::connect(admin_pg_url()).await.expect("connect to PostgreSQL as admin");
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.ok();
}
