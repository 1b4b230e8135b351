//! PostgreSQL: the claim's index, waiting rows only, in the order they are claimed.
//! `idx_outbox_due` (state, scheduled_at) cannot give `state IN ('available', 'retryable')` in time
//! order, so a PostgreSQL claim read every due row through a bitmap scan and sorted them to take
//! the first few: with 10,000 rows waiting, each claim of 32 read 10,000 (and the dead versions
//! every earlier claim left behind). Partial, so it holds only the queue, not the history.
//!
//! A query uses it only if its WHERE repeats the predicate with the same literals (a bound
//! parameter cannot be proved to match): `app::outbox::ssr::WAITING` is that predicate.
//!
//! Not on SQLite: its planner keeps the covering `idx_outbox_due` for the claim (two range scans
//! and a sort in one process, with no dead versions to step over), so there the index would only
//! cost writes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ScheduledAt,
    Id,
}

/// Must equal `app::outbox::ssr::WAITING`.
const WAITING: &str = "state IN ('available', 'retryable')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_waiting")
                    .table(Outbox::Table)
                    .col(Outbox::ScheduledAt)
                    .col(Outbox::Id)
                    .and_where(Expr::cust(WAITING))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.drop_index(Index::drop().name("idx_outbox_waiting").table(Outbox::Table).to_owned()).await
    }
}
