//! Operations (issue 20): the request that queued a delivery (`outbox.request_id`, carried into
//! the worker's log lines for it), how long each attempt took (`push_audit.duration_ms`) and
//! whether it made its row a dead letter (`push_audit.dead_letter`), for the vendor status page's
//! charts, which read a vendor's attempts by time through `idx_audit_vendor_at`. Earlier
//! attempts have no duration; their dead letters are found from the outcome and the row's last
//! attempt. Written out because a migration is frozen.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    RequestId,
}

#[derive(DeriveIden)]
enum PushAudit {
    Table,
    VendorId,
    At,
    DurationMs,
    DeadLetter,
}

const INDEX: &str = "idx_audit_vendor_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter().table(Outbox::Table).add_column(string_len_null(Outbox::RequestId, 64)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(PushAudit::Table).add_column(integer_null(PushAudit::DurationMs)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PushAudit::Table)
                    .add_column(boolean(PushAudit::DeadLetter).default(false))
                    .to_owned(),
            )
            .await?;
        // An attempt ended its row as a dead letter when the vendor refused it, or when it was the
        // row's last allowed attempt and failed.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE push_audit SET dead_letter = TRUE WHERE outcome = 'permanent' OR (outcome = 'transient' AND \
                 attempt >= (SELECT max_attempts FROM outbox WHERE outbox.id = push_audit.outbox_id))",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(PushAudit::Table)
                    .col(PushAudit::VendorId)
                    .col(PushAudit::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(PushAudit::Table).to_owned()).await?;
        for column in [PushAudit::DeadLetter, PushAudit::DurationMs] {
            manager.alter_table(Table::alter().table(PushAudit::Table).drop_column(column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Outbox::Table).drop_column(Outbox::RequestId).to_owned()).await
    }
}
