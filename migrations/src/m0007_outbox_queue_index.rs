//! PostgreSQL: the outbox's state index holds the queue, not the history. `idx_outbox_due`
//! (state, scheduled_at) took an entry for every row version, so each delivery added one when it
//! was claimed and one more when it completed, and the index grew with every push ever made.
//! `idx_outbox_queue` is partial over the states still in play (waiting, running, and the dead
//! letters an admin handles): a completion adds nothing to it, and it stays the size of the queue.
//! The claim has `idx_outbox_waiting` (m0006); the rescuer, the tab's counts and dead-letter list
//! and `/metrics` read this one.
//!
//! A query uses it only if its WHERE names the states as literals that imply the predicate
//! (`app::outbox::ssr::in_states`); `app::outbox::ssr::QUEUE` is the predicate.
//!
//! Not on SQLite: its planner uses a partial index only when a term of the query's WHERE matches
//! the index's exactly, so the queries that name fewer states would scan the table instead.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    State,
    ScheduledAt,
}

/// Must equal `app::outbox::ssr::QUEUE`.
const QUEUE: &str = "state IN ('available', 'running', 'retryable', 'discarded')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_queue")
                    .table(Outbox::Table)
                    .col(Outbox::State)
                    .col(Outbox::ScheduledAt)
                    .and_where(Expr::cust(QUEUE))
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name("idx_outbox_due").table(Outbox::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::State)
                    .col(Outbox::ScheduledAt)
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name("idx_outbox_queue").table(Outbox::Table).to_owned()).await
    }
}
