//! Tenants (one CoC each), users with roles, database-backed sessions and login throttling.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Name,
    Slug,
    CocCodes,
    DvMinShelters,
    DvMinBeds,
    TimeZone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantId,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    DvAccess,
    Active,
    MustChangePassword,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(big_pk_auto(Tenants::Id))
                    .col(string_len(Tenants::Name, 200))
                    .col(string_len_uniq(Tenants::Slug, 64))
                    // Semicolon-separated CoC codes, e.g. "TX-700;TX-701" (the Export.csv SourceID form).
                    .col(string_len(Tenants::CocCodes, 350))
                    .col(integer(Tenants::DvMinShelters).default(3))
                    .col(integer(Tenants::DvMinBeds).default(5))
                    .col(string_len(Tenants::TimeZone, 64).default("America/Chicago"))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .check(Expr::cust("dv_min_shelters >= 1 AND dv_min_beds >= 1"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(big_integer_null(Users::TenantId))
                    .col(string_len_uniq(Users::Email, 320))
                    .col(string_len(Users::DisplayName, 100))
                    .col(string_len(Users::PasswordHash, 200))
                    .col(string_len(Users::Role, 32))
                    .col(boolean(Users::DvAccess).default(false))
                    .col(boolean(Users::Active).default(true))
                    .col(boolean(Users::MustChangePassword).default(false))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .check(Expr::cust(
                        "role IN ('platform_admin', 'coc_admin', 'coordinator')",
                    ))
                    // Platform admins belong to no tenant; everyone else to exactly one.
                    .check(Expr::cust(
                        "(role = 'platform_admin' AND tenant_id IS NULL) OR (role <> 'platform_admin' AND tenant_id IS NOT NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_tenant")
                            .from(Users::Table, Users::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_users_tenant").table(Users::Table).col(Users::TenantId).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(big_integer_null(Sessions::UserId))
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [("idx_sessions_user", Sessions::UserId), ("idx_sessions_expires", Sessions::ExpiresAt)] {
            manager.create_index(Index::create().name(name).table(Sessions::Table).col(col).to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    // "account:<email>" or "client:<ip>"
                    .col(string_len(LoginThrottle::Key, 400).primary_key())
                    .col(integer(LoginThrottle::Failures))
                    .col(timestamp_with_time_zone(LoginThrottle::WindowStartedAt))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginThrottle::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
