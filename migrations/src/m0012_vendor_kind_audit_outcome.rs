//! The database holds the two code columns the app reads as enums (issue 16.4): a vendor's kind
//! (`app::vendors::VendorKind`) and a push audit row's outcome (`app::outbox::state::AuditOutcome`),
//! written out here because a migration is frozen. CHECK constraints on PostgreSQL; SQLite, which
//! cannot add a constraint to a table, gets BEFORE INSERT and BEFORE UPDATE triggers (as m0010).
//! Rows already stored that break a rule stop the migration with the rule named; nothing changes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (constraint, table, column, allowed values)
const RULES: [(&str, &str, &str, &str); 2] = [
    ("ck_vendor_kind", "vendors", "kind", "'clarity', 'wellsky', 'clienttrack', 'hud_api', 'custom'"),
    ("ck_push_audit_outcome", "push_audit", "outcome", "'delivered', 'transient', 'permanent'"),
];

fn failed(what: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!("m0012_vendor_kind_audit_outcome: {what}"))
}

fn up_statements(backend: DbBackend) -> Vec<String> {
    let mut s = Vec::new();
    for (name, table, column, values) in RULES {
        if backend == DbBackend::Postgres {
            s.push(format!("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({values}))"));
            continue;
        }
        let message =
            format!("CHECK constraint failed: {name}: {table}.{column} is one of {values}").replace('\'', "''");
        for (op, event) in [("insert", "BEFORE INSERT".to_string()), ("update", format!("BEFORE UPDATE OF {column}"))] {
            s.push(format!(
                "CREATE TRIGGER {name}_{op} {event} ON {table} FOR EACH ROW WHEN NEW.{column} NOT IN ({values}) \
                 BEGIN SELECT RAISE(ABORT, '{message}'); END"
            ));
        }
    }
    s
}

fn down_statements(backend: DbBackend) -> Vec<String> {
    RULES
        .iter()
        .flat_map(|(name, table, ..)| match backend {
            DbBackend::Postgres => vec![format!("ALTER TABLE {table} DROP CONSTRAINT {name}")],
            _ => vec![format!("DROP TRIGGER {name}_insert"), format!("DROP TRIGGER {name}_update")],
        })
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: all the rules or none.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for (name, table, column, values) in RULES {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} NOT IN ({values})");
            let broken: i64 = match db.query_one_raw(Statement::from_string(backend, sql)).await? {
                Some(row) => row.try_get_by_index(0)?,
                None => 0,
            };
            if broken > 0 {
                return Err(failed(format!(
                    "{broken} stored row(s) break {name} ({table}.{column} is one of {values}); correct them and start again"
                )));
            }
        }
        for statement in up_statements(backend) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in down_statements(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
