//! The one connection pool: SQLite file by default, PostgreSQL when `DATABASE_URL` says so.
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use secrecy::ExposeSecret;

use crate::config::Settings;

pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = match &settings.database_url {
        Some(url) => url.expose_secret().to_string(),
        None => {
            crate::config::create_data_dir(&settings.data_dir)?;
            format!("sqlite://{}?mode=rwc", settings.data_dir.join("hmis-bridge.db").display())
        }
    };
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(if is_sqlite { 8 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    let kind = if is_sqlite { "sqlite" } else { "postgres" };
    let db = Database::connect(options).await.with_context(|| format!("connecting to the {kind} database"))?;
    tracing::info!(db.kind = kind, "database connected");
    Ok(db)
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("applying database migrations")?;
    Ok(())
}

/// The names of the migrations this build has that the database has not applied (`/readyz`): a
/// read of `seaql_migrations`, nothing created. Migrations the database has and this build does
/// not know (a newer replica migrated it during a rolling upgrade) do not count.
pub async fn pending_migrations(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    use sea_orm::{FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct Applied {
        version: String,
    }
    let read = Statement::from_string(db.get_database_backend(), "SELECT version FROM seaql_migrations");
    let applied: std::collections::HashSet<String> = Applied::find_by_statement(read)
        .all(db)
        .await
        .context("reading the applied migrations")?
        .into_iter()
        .map(|a| a.version)
        .collect();
    Ok(Migrator::migrations().iter().map(|m| m.name().to_string()).filter(|name| !applied.contains(name)).collect())
}

/// `hmis-bridge backup`: a consistent copy of the SQLite database in the new file `out` (mode
/// 0600: it holds password hashes and sealed vendor secrets), written while the server runs.
pub async fn backup(db: &DatabaseConnection, out: &std::path::Path) -> anyhow::Result<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if db.get_database_backend() != DbBackend::Sqlite {
        anyhow::bail!(
            "backup copies the SQLite database; for PostgreSQL use pg_dump -Fc (docs/operations.md, \"Backups\")"
        );
    }
    let path = out.to_str().with_context(|| format!("{} is not a UTF-8 path", out.display()))?;
    // SQLite writes into a new or empty file: make it, private, and refuse one that exists.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(out).with_context(|| format!("creating {} (backup never overwrites a file)", out.display()))?;
    let copy = db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [path.into()])).await;
    if let Err(e) = copy {
        let _ = std::fs::remove_file(out);
        return Err(e).context("copying the database");
    }
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Wrote {} ({bytes} bytes), a consistent copy of the database. Keep the secret key with it: vendor secrets open only with it.",
        out.display()
    ))
}
