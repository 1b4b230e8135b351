//! One row that identifies this installation: the HMIS CSV ImplementationID ("unique per source
//! database and stable over time"). The app fills it on first use.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Installation {
    Table,
    Id,
    ImplementationId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Installation::Table)
                    // Always 1: a second row cannot exist.
                    .col(integer(Installation::Id).primary_key().check(Expr::col(Installation::Id).eq(1)))
                    .col(string_len(Installation::ImplementationId, 200))
                    .col(timestamp_with_time_zone(Installation::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Installation::Table).to_owned()).await
    }
}
