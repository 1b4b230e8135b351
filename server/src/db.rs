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

/// The names of the migrations this build has that the database has not applied (`/readyz`).
pub async fn pending_migrations(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let pending = Migrator::get_pending_migrations(db).await.context("reading the applied migrations")?;
    Ok(pending.iter().map(|m| m.name().to_string()).collect())
}
