//! Bed-count feeds and the API's rate limit (issue 21).
//!
//! - `bed_snapshots.api_token_id`: a count fed through the API is recorded by its token, not by a
//!   user, so `updated_by` may be null; exactly one of the two names who recorded it (CHECK), and
//!   the token is of the snapshot's own tenant (a composite foreign key on (tenant_id, id), which
//!   m0020 made unique).
//! - `api_tokens.rate_window` and `rate_count`: the fixed one-minute window a token's requests are
//!   counted in, updated with `last_used_at` in one statement, so the limit holds across replicas.
//!
//! PostgreSQL alters the table in place. SQLite cannot drop a NOT NULL or add a table constraint,
//! so `bed_snapshots` is rebuilt as m0011 rebuilt `users`: on one connection with foreign keys off,
//! in one transaction, with its indexes and triggers made again, and `PRAGMA foreign_key_check`
//! empty before it commits. Written out because a migration is frozen.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::sqlx::{self, Connection as _, Row as _};
use sea_orm_migration::sea_orm::{DatabaseExecutor, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn failed(what: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!("m0021_api_feeds: {what}"))
}

const TOKEN_COLUMNS: [&str; 2] = [
    "ALTER TABLE api_tokens ADD COLUMN rate_window BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE api_tokens ADD COLUMN rate_count INTEGER NOT NULL DEFAULT 0",
];

const AUTHOR_CHECK: &str = "(updated_by IS NULL) <> (api_token_id IS NULL)";

/// `updated_by` as m0002 made it on SQLite, and what the rebuild makes of it.
const SQLITE_UPDATED_BY: &str = r#""updated_by" integer NOT NULL"#;
const SQLITE_AUTHORS: &str = r#""updated_by" integer NULL, "api_token_id" integer NULL"#;

/// What the rebuild adds at the end of the table's definition.
const SQLITE_CONSTRAINTS: &str = r#", CONSTRAINT "fk_snap_token_tenant" FOREIGN KEY ("tenant_id", "api_token_id") REFERENCES "api_tokens" ("tenant_id", "id") ON DELETE RESTRICT, CONSTRAINT "ck_snap_author" CHECK ((updated_by IS NULL) <> (api_token_id IS NULL)) "#;

const TOKEN_COLUMNS_DOWN: [&str; 2] =
    ["ALTER TABLE api_tokens DROP COLUMN rate_window", "ALTER TABLE api_tokens DROP COLUMN rate_count"];

const PG_DOWN: [&str; 4] = [
    "ALTER TABLE bed_snapshots DROP CONSTRAINT ck_snap_author",
    "ALTER TABLE bed_snapshots DROP CONSTRAINT fk_snap_token_tenant",
    "ALTER TABLE bed_snapshots DROP COLUMN api_token_id",
    "ALTER TABLE bed_snapshots ALTER COLUMN updated_by SET NOT NULL",
];

const COLUMNS: &str = "id, tenant_id, inventory_id, beds_total, beds_occupied, updated_by, recorded_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite's rebuild needs foreign keys off, which SQLite ignores inside a transaction, so it
    /// opens its own on one connection. PostgreSQL: one transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_connection() {
            DatabaseExecutor::Connection(db) if db.get_database_backend() == DbBackend::Sqlite => {
                sqlite_rebuild(db.get_sqlite_connection_pool(), Direction::Up).await
            }
            _ if manager.get_database_backend() == DbBackend::Postgres => {
                let txn = manager.begin().await?;
                let db = txn.get_connection();
                for statement in TOKEN_COLUMNS {
                    db.execute_unprepared(statement).await?;
                }
                for statement in [
                    "ALTER TABLE bed_snapshots ALTER COLUMN updated_by DROP NOT NULL".to_string(),
                    "ALTER TABLE bed_snapshots ADD COLUMN api_token_id BIGINT NULL".to_string(),
                    "ALTER TABLE bed_snapshots ADD CONSTRAINT fk_snap_token_tenant FOREIGN KEY (tenant_id, api_token_id) \
                     REFERENCES api_tokens (tenant_id, id) ON DELETE RESTRICT"
                        .to_string(),
                    format!("ALTER TABLE bed_snapshots ADD CONSTRAINT ck_snap_author CHECK ({AUTHOR_CHECK})"),
                ] {
                    db.execute_unprepared(&statement).await?;
                }
                txn.commit().await
            }
            _ => Err(failed("runs on SQLite through its pool, or on PostgreSQL")),
        }
    }

    /// Refused while a snapshot was fed through the API: it has no user to be recorded by.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let fed = manager
            .get_connection()
            .query_one_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT COUNT(*) AS n FROM bed_snapshots WHERE api_token_id IS NOT NULL",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if fed > 0 {
            return Err(failed(format!(
                "{fed} bed count(s) were fed through the API and have no user to be recorded by; \
                 restore a backup taken before m0021 instead"
            )));
        }
        match manager.get_connection() {
            DatabaseExecutor::Connection(db) if db.get_database_backend() == DbBackend::Sqlite => {
                sqlite_rebuild(db.get_sqlite_connection_pool(), Direction::Down).await
            }
            _ if manager.get_database_backend() == DbBackend::Postgres => {
                let txn = manager.begin().await?;
                let db = txn.get_connection();
                for statement in PG_DOWN.iter().chain(&TOKEN_COLUMNS_DOWN) {
                    db.execute_unprepared(statement).await?;
                }
                txn.commit().await
            }
            _ => Err(failed("runs on SQLite through its pool, or on PostgreSQL")),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// Rebuild `bed_snapshots` (see the module comment), on one connection with foreign keys off.
async fn sqlite_rebuild(pool: &sqlx::SqlitePool, direction: Direction) -> Result<(), DbErr> {
    let mut conn = pool.acquire().await.map_err(failed)?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(failed)?;
    let rebuilt = rebuild(&mut conn, direction).await;
    // Back on before the connection returns to the pool; if that fails, it must not return.
    match sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await {
        Ok(_) => rebuilt,
        Err(e) => {
            let _ = conn.detach().close().await;
            Err(failed(e))
        }
    }
}

/// The table's CREATE statement for `direction`, from the one SQLite holds; None when that is not
/// as m0002 (up) or this migration (down) made it.
fn rebuilt_table(table: &str, direction: Direction) -> Option<String> {
    let renamed = |sql: &str| {
        let create = sql.replacen("CREATE TABLE \"bed_snapshots\"", "CREATE TABLE \"bed_snapshots_m0021\"", 1);
        create.starts_with("CREATE TABLE \"bed_snapshots_m0021\"").then_some(create)
    };
    match direction {
        Direction::Up => {
            let body = table.trim_end().strip_suffix(')')?;
            if table.matches(SQLITE_UPDATED_BY).count() != 1 || table.contains("api_token_id") {
                return None;
            }
            renamed(&format!("{}{SQLITE_CONSTRAINTS})", body.replacen(SQLITE_UPDATED_BY, SQLITE_AUTHORS, 1)))
        }
        Direction::Down => {
            if table.matches(SQLITE_AUTHORS).count() != 1 || table.matches(SQLITE_CONSTRAINTS).count() != 1 {
                return None;
            }
            renamed(&table.replacen(SQLITE_CONSTRAINTS, "", 1).replacen(SQLITE_AUTHORS, SQLITE_UPDATED_BY, 1))
        }
    }
}

async fn rebuild(conn: &mut sqlx::SqliteConnection, direction: Direction) -> Result<(), DbErr> {
    let mut txn = conn.begin().await.map_err(failed)?;
    let table: String = sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bed_snapshots'")
        .fetch_one(&mut *txn)
        .await
        .map_err(failed)?
        .get("sql");
    let create = rebuilt_table(&table, direction).ok_or_else(|| {
        failed("the bed_snapshots table is not as the migrations before made it; nothing was changed")
    })?;
    // Indexes and triggers of `bed_snapshots` go with the old table; they are created again after.
    let attached: Vec<String> = sqlx::query(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'bed_snapshots' AND type IN ('index', 'trigger') \
         AND sql IS NOT NULL",
    )
    .fetch_all(&mut *txn)
    .await
    .map_err(failed)?
    .into_iter()
    .map(|row| row.get("sql"))
    .collect();
    let tokens = if direction == Direction::Up { &TOKEN_COLUMNS } else { &TOKEN_COLUMNS_DOWN };
    let mut statements: Vec<String> = tokens.iter().map(|s| String::from(*s)).collect();
    statements.extend([
        create,
        format!("INSERT INTO bed_snapshots_m0021 ({COLUMNS}) SELECT {COLUMNS} FROM bed_snapshots"),
        "DROP TABLE bed_snapshots".to_string(),
        // Other tables' triggers may name `bed_snapshots`, which does not exist for a moment: the
        // legacy rename does not re-check them, and leaves their references as they are.
        "PRAGMA legacy_alter_table = ON".to_string(),
        "ALTER TABLE bed_snapshots_m0021 RENAME TO bed_snapshots".to_string(),
        "PRAGMA legacy_alter_table = OFF".to_string(),
    ]);
    statements.extend(attached);
    for statement in statements {
        // Our own constants, and the schema SQLite stored for `bed_snapshots`: no input reaches them.
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut *txn).await.map_err(failed)?;
    }
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *txn).await.map_err(failed)?;
    if !broken.is_empty() {
        return Err(failed(format!("{} row(s) would break a foreign key; nothing was changed", broken.len())));
    }
    txn.commit().await.map_err(failed)
}
