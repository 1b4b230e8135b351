//! The circuit breaker's state per vendor, as the worker that last changed it saw it: null when
//! closed, the end of the cool-down when open (half-open once that time has passed). The HMIS
//! Export tab and `/metrics` read it, whichever replica runs the worker.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Vendors {
    Table,
    CircuitOpenUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Vendors::Table)
                    .add_column(timestamp_with_time_zone_null(Vendors::CircuitOpenUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Vendors::Table).drop_column(Vendors::CircuitOpenUntil).to_owned())
            .await
    }
}
