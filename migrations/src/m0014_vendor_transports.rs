//! File delivery (issue 18): how a vendor is reached, `vendors.transport` (https, sftp or
//! azure_blob; WellSky vendors are SFTP), the file name pattern of file destinations, and the SFTP
//! server's host key: the fingerprint pinned at the first successful connection test, and the one
//! a server offered instead (refused until an admin accepts it).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Vendors {
    Table,
    Transport,
    FileNamePattern,
    HostKeyPinned,
    HostKeyOffered,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len(Vendors::Transport, 12)
                .default("https")
                .check(Expr::cust("transport IN ('https', 'sftp', 'azure_blob')"))
                .to_owned(),
            string_len_null(Vendors::FileNamePattern, 200),
            string_len_null(Vendors::HostKeyPinned, 100),
            string_len_null(Vendors::HostKeyOffered, 100),
        ] {
            manager.alter_table(Table::alter().table(Vendors::Table).add_column(column).to_owned()).await?;
        }
        manager
            .get_connection()
            .execute_unprepared("UPDATE vendors SET transport = 'sftp' WHERE kind = 'wellsky'")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["transport", "file_name_pattern", "host_key_pinned", "host_key_offered"] {
            manager.get_connection().execute_unprepared(&format!("ALTER TABLE vendors DROP COLUMN {column}")).await?;
        }
        Ok(())
    }
}
