//! A payload protected at delivery (a password-protected zip, and later PGP) is not the bytes the
//! outbox row holds: the audit records the SHA-256 of what was sent beside the payload's.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PushAudit {
    Table,
    SentSha256,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PushAudit::Table)
                    .add_column(string_len_null(PushAudit::SentSha256, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(PushAudit::Table).drop_column(PushAudit::SentSha256).to_owned()).await
    }
}
