//! Removed funding sources and coordinated entry periods stay as deletions (issue 30.3): an HMIS
//! that received one keeps it until it is told it is gone, so removing one sets `deleted_at`
//! instead of deleting the row, and every later export sends it with DateDeleted. Written out
//! because a migration is frozen.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Funders {
    Table,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CeParticipations {
    Table,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Funders::Table)
                    .add_column(timestamp_with_time_zone_null(Funders::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CeParticipations::Table)
                    .add_column(timestamp_with_time_zone_null(CeParticipations::DeletedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(CeParticipations::Table).drop_column(CeParticipations::DeletedAt).to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table(Funders::Table).drop_column(Funders::DeletedAt).to_owned()).await
    }
}
