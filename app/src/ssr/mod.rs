//! Server-only plumbing shared by every domain module: the app state, request context helpers,
//! tenant scoping and form outcomes.
pub mod audit;
pub mod clock;
pub mod form;
pub mod metrics;
pub mod public_id;
pub mod request_id;
pub mod scope;
pub mod vault;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::prelude::*;
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tower_sessions::Session;

use crate::error::AppError;

/// Settings the domain needs at request time (the server's config decides them).
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// A session not used for this long ends (also enforced by the session layer's expiry).
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub absolute_timeout: Duration,
    /// Take the client address for login throttling from `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
}

/// Settings for bed counts.
#[derive(Clone, Debug)]
pub struct CountsSettings {
    /// Counts older than this are marked stale.
    pub stale_after: Duration,
}

/// What vendor settings need: the vault that seals their secrets, and whether endpoints on
/// loopback over http are allowed (the demo's simulator, tests).
pub struct VendorSettings {
    pub vault: Arc<vault::Vault>,
    pub allow_loopback: bool,
    /// Tests a vendor's connection (the server's adapters).
    pub probe: Arc<dyn VendorProbe>,
}

/// A connection test of a vendor, without sending data.
#[async_trait::async_trait]
pub trait VendorProbe: Send + Sync {
    async fn check(&self, db: &DatabaseConnection, vendor: &crate::entities::vendor::Model) -> crate::vendors::Checked;
}

/// Everything a request handler or server function needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
    pub auth: Arc<AuthSettings>,
    pub counts: Arc<CountsSettings>,
    /// Notified after a push is enqueued, so this process's outbox worker delivers it at once.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    pub vendors: Arc<VendorSettings>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The app state, as given to both the SSR routes and the server-function handler.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::bug("AppState missing from the Leptos context"))
}

pub fn db() -> Result<DatabaseConnection, AppError> {
    Ok(state()?.db)
}

/// Begin a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`, so two writers queue on
/// the busy timeout instead of failing when a read lock cannot be upgraded.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, AppError> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?)
}

/// Begin a read-only transaction whose queries all see one snapshot of the database, so a report
/// built from several queries is consistent: REPEATABLE READ on PostgreSQL; on SQLite (WAL) every
/// transaction reads one snapshot, and a reader never blocks writers.
pub async fn begin_snapshot_read(db: &DatabaseConnection) -> Result<DatabaseTransaction, AppError> {
    let options = match db.get_database_backend() {
        DbBackend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..Default::default()
        },
        _ => TransactionOptions::default(),
    };
    Ok(db.begin_with_options(options).await?)
}

/// The caller's session (placed in the request by the session layer).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::bug(format!("session layer missing: {e}")))
}

/// A unique-constraint violation (two admins saving the same ID at once) is a validation error on
/// `field`; anything else is a database error.
pub fn unique_or_db(err: DbErr, field: &str, message: &str) -> AppError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::validation(field, message),
        _ => err.into(),
    }
}

/// Database errors become `Internal` with their cause; the boundary logs it (`crate::error`).
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        AppError::internal("database", &err)
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        AppError::internal("session store", &err)
    }
}

/// Inventory lines that count on night `day` under HUD's LSA rule (`hmis::line_counts_on`): a
/// line that ends on its start date counts on no night.
pub fn lines_counting_on(day: chrono::NaiveDate) -> sea_orm::Condition {
    use crate::entities::inventory::Column;
    spans_overlap(Column::InventoryStartDate, Column::InventoryEndDate, day, Some(day)).add(not_void())
}

/// Inventory lines that count on some night: open, or ending after their start.
pub fn not_void() -> sea_orm::Condition {
    use crate::entities::inventory::Column;
    use sea_orm::ColumnTrait;
    use sea_orm::sea_query::{Expr, ExprTrait};
    sea_orm::Condition::any()
        .add(Column::InventoryEndDate.is_null())
        .add(Expr::col(Column::InventoryEndDate).gt(Expr::col(Column::InventoryStartDate)))
}

/// Rows whose dated span (`start` to `end`, an empty end running on) overlaps `from` to `to`
/// (`None`: open).
pub fn spans_overlap<C: sea_orm::ColumnTrait>(
    start: C,
    end: C,
    from: chrono::NaiveDate,
    to: Option<chrono::NaiveDate>,
) -> sea_orm::Condition {
    use sea_orm::sea_query::ExprTrait;
    let mut overlap = sea_orm::Condition::all().add(end.is_null().or(end.gte(from)));
    if let Some(to) = to {
        overlap = overlap.add(start.lte(to));
    }
    overlap
}
