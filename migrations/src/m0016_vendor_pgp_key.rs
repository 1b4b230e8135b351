//! PGP (issue 18): the armored public key a vendor asks its payloads to be encrypted to. Public,
//! so not sealed; checked when it is saved and again at each delivery.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Vendors {
    Table,
    PgpPublicKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Vendors::Table).add_column(text_null(Vendors::PgpPublicKey)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Vendors::Table).drop_column(Vendors::PgpPublicKey).to_owned()).await
    }
}
