//! Sign-in addresses unique per CoC (issue 15.7): a CoC admin who adds a user must not learn
//! whether the address is in use in another CoC, so two CoCs may each have a user with the same
//! address. Within a CoC an address is still one user, and platform admins (no CoC) share one
//! namespace. Sign-in then finds the account by address and password (docs/auth.md).
//!
//! PostgreSQL drops m0001's UNIQUE (email). SQLite cannot drop a column's UNIQUE, so `users` is
//! rebuilt the way the SQLite manual describes (ALTER TABLE, "other kinds of table schema
//! changes"): on one connection with foreign keys off, in one transaction, a copy of the table
//! without that UNIQUE takes the old one's place with the same rows, indexes and triggers, and
//! `PRAGMA foreign_key_check` must come back empty before it commits.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::sqlx::{self, Connection as _, Row as _};
use sea_orm_migration::sea_orm::{DatabaseExecutor, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NEW_INDEXES: [&str; 3] = [
    "CREATE UNIQUE INDEX ux_users_tenant_email ON users (tenant_id, email) WHERE tenant_id IS NOT NULL",
    "CREATE UNIQUE INDEX ux_users_platform_email ON users (email) WHERE tenant_id IS NULL",
    // Sign-in looks an address up in every CoC.
    "CREATE INDEX idx_users_email ON users (email)",
];

const DROP_NEW_INDEXES: [&str; 3] =
    ["DROP INDEX ux_users_tenant_email", "DROP INDEX ux_users_platform_email", "DROP INDEX idx_users_email"];

/// The column as m0001 created it on SQLite (sea-query's `string_len_uniq`), and without UNIQUE.
const SQLITE_EMAIL_UNIQUE: &str = r#""email" varchar(320) NOT NULL UNIQUE"#;
const SQLITE_EMAIL: &str = r#""email" varchar(320) NOT NULL"#;

fn failed(what: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!("m0011_user_email_per_coc: {what}"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite: the rebuild needs foreign keys off, which SQLite ignores inside a transaction, so
    /// `sqlite_rebuild` opens its own on one connection. PostgreSQL: one transaction as usual.
    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_connection() {
            DatabaseExecutor::Connection(db) if db.get_database_backend() == DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                sqlite_rebuild(pool, (SQLITE_EMAIL_UNIQUE, SQLITE_EMAIL), &[], &NEW_INDEXES).await
            }
            _ if manager.get_database_backend() == DbBackend::Postgres => {
                let txn = manager.begin().await?;
                let db = txn.get_connection();
                let constraint = db
                    .query_one_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT c.conname FROM pg_constraint c \
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
                         WHERE c.conrelid = 'users'::regclass AND c.contype = 'u' \
                           AND a.attname = 'email' AND cardinality(c.conkey) = 1",
                    ))
                    .await?
                    .ok_or_else(|| failed("users has no UNIQUE (email) to drop"))?
                    .try_get::<String>("", "conname")?;
                db.execute_unprepared(&format!("ALTER TABLE users DROP CONSTRAINT \"{constraint}\"")).await?;
                for statement in NEW_INDEXES {
                    db.execute_unprepared(statement).await?;
                }
                txn.commit().await
            }
            _ => Err(failed("runs on SQLite through its pool, or on PostgreSQL")),
        }
    }

    /// Back to one address per user across CoCs; refused while two users share an address.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let shared = manager
            .get_connection()
            .query_one_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT COUNT(*) AS n FROM (SELECT email FROM users GROUP BY email HAVING COUNT(*) > 1) AS shared",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if shared > 0 {
            return Err(failed(format!(
                "{shared} address(es) belong to users in several CoCs; give them distinct addresses before going back"
            )));
        }
        match manager.get_connection() {
            DatabaseExecutor::Connection(db) if db.get_database_backend() == DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                sqlite_rebuild(pool, (SQLITE_EMAIL, SQLITE_EMAIL_UNIQUE), &DROP_NEW_INDEXES, &[]).await
            }
            _ if manager.get_database_backend() == DbBackend::Postgres => {
                let txn = manager.begin().await?;
                let db = txn.get_connection();
                for statement in DROP_NEW_INDEXES {
                    db.execute_unprepared(statement).await?;
                }
                db.execute_unprepared("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)").await?;
                txn.commit().await
            }
            _ => Err(failed("runs on SQLite through its pool, or on PostgreSQL")),
        }
    }
}

/// Rebuild `users` with its `email` column definition changed from `column.0` to `column.1`,
/// running `before` first and `after` last, in one transaction with foreign keys off.
async fn sqlite_rebuild(
    pool: &sqlx::SqlitePool,
    column: (&str, &str),
    before: &[&'static str],
    after: &[&'static str],
) -> Result<(), DbErr> {
    let mut conn = pool.acquire().await.map_err(failed)?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(failed)?;
    let rebuilt = rebuild_users(&mut conn, column, before, after).await;
    // Back on before the connection returns to the pool; if that fails, it must not return.
    match sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await {
        Ok(_) => rebuilt,
        Err(e) => {
            let _ = conn.detach().close().await;
            Err(failed(e))
        }
    }
}

async fn rebuild_users(
    conn: &mut sqlx::SqliteConnection,
    column: (&str, &str),
    before: &[&'static str],
    after: &[&'static str],
) -> Result<(), DbErr> {
    let mut txn = conn.begin().await.map_err(failed)?;
    for statement in before {
        sqlx::query(*statement).execute(&mut *txn).await.map_err(failed)?;
    }
    let table: String = sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
        .fetch_one(&mut *txn)
        .await
        .map_err(failed)?
        .get("sql");
    let create =
        table.replacen(column.0, column.1, 1).replacen("CREATE TABLE \"users\"", "CREATE TABLE \"users_m0011\"", 1);
    if table.matches(column.0).count() != 1 || !create.starts_with("CREATE TABLE \"users_m0011\"") {
        return Err(failed("the users table is not as m0001 made it; nothing was changed"));
    }
    // Indexes and triggers of `users` go with the old table; they are created again after.
    let attached: Vec<String> = sqlx::query(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'users' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
    )
    .fetch_all(&mut *txn)
    .await
    .map_err(failed)?
    .into_iter()
    .map(|row| row.get("sql"))
    .collect();

    let mut statements = vec![
        create,
        "INSERT INTO users_m0011 SELECT * FROM users".to_string(),
        "DROP TABLE users".to_string(),
        // Other tables' triggers name `users`, which does not exist for a moment: the legacy
        // rename does not re-check them, and leaves their references to `users` as they are.
        "PRAGMA legacy_alter_table = ON".to_string(),
        "ALTER TABLE users_m0011 RENAME TO users".to_string(),
        "PRAGMA legacy_alter_table = OFF".to_string(),
    ];
    statements.extend(attached);
    statements.extend(after.iter().map(|s| String::from(*s)));
    for statement in statements {
        // Our own constants, and the schema SQLite stored for `users`: no input reaches them.
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut *txn).await.map_err(failed)?;
    }
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *txn).await.map_err(failed)?;
    if !broken.is_empty() {
        return Err(failed(format!("{} row(s) would break a foreign key; nothing was changed", broken.len())));
    }
    txn.commit().await.map_err(failed)
}
