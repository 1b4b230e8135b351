//! API tokens (issue 21): a CoC's tokens for other systems, each with a name, a scope (`read`, or
//! `bed_counts`: read and feed bed counts for chosen shelters), the SHA-256 of its secret (the
//! secret itself is shown once and never stored), when it was last used and when it was revoked.
//! A live token's name is unique in its CoC. `api_token_shelters` lists the shelters a
//! `bed_counts` token may feed; a row names a token and a shelter of its own tenant: composite
//! foreign keys on PostgreSQL, triggers on SQLite (as m0018). Written out because a migration is
//! frozen.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Shelters {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    PublicId,
    TenantId,
    Name,
    SecretSha256,
    Scope,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiTokenShelters {
    Table,
    TokenId,
    ShelterId,
    TenantId,
}

const TOKEN: &str = "fk_api_token_shelters_token_tenant";
const SHELTER: &str = "fk_api_token_shelters_shelter_tenant";

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(string_len(ApiTokens::PublicId, 32).unique_key())
                    .col(big_integer(ApiTokens::TenantId))
                    .col(string_len(ApiTokens::Name, 100))
                    .col(string_len(ApiTokens::SecretSha256, 64).unique_key())
                    .col(string_len(ApiTokens::Scope, 16).check(Expr::cust("scope IN ('read', 'bed_counts')")))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut fk(
                        "fk_api_tokens_tenant",
                        (ApiTokens::Table, ApiTokens::TenantId),
                        (Tenants::Table, Tenants::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        // A live token's name is unique in its CoC (a revoked one's may be used again); the
        // composite key is what the shelters' rows refer to on PostgreSQL.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_api_tokens_live_name ON api_tokens (tenant_id, name) WHERE revoked_at IS NULL",
        )
        .await?;
        db.execute_unprepared("CREATE UNIQUE INDEX idx_api_tokens_tenant_id ON api_tokens (tenant_id, id)").await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokenShelters::Table)
                    .col(big_integer(ApiTokenShelters::TokenId))
                    .col(big_integer(ApiTokenShelters::ShelterId))
                    .col(big_integer(ApiTokenShelters::TenantId))
                    .primary_key(Index::create().col(ApiTokenShelters::TokenId).col(ApiTokenShelters::ShelterId))
                    .foreign_key(&mut fk(
                        "fk_api_token_shelters_token",
                        (ApiTokenShelters::Table, ApiTokenShelters::TokenId),
                        (ApiTokens::Table, ApiTokens::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_api_token_shelters_shelter",
                        (ApiTokenShelters::Table, ApiTokenShelters::ShelterId),
                        (Shelters::Table, Shelters::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_api_token_shelters_tenant",
                        (ApiTokenShelters::Table, ApiTokenShelters::TenantId),
                        (Tenants::Table, Tenants::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("CREATE INDEX idx_api_token_shelters_shelter ON api_token_shelters (shelter_id)").await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            for sql in [
                format!(
                    "ALTER TABLE api_token_shelters ADD CONSTRAINT {TOKEN} FOREIGN KEY (tenant_id, token_id) \
                     REFERENCES api_tokens (tenant_id, id) ON DELETE CASCADE"
                ),
                format!(
                    "ALTER TABLE api_token_shelters ADD CONSTRAINT {SHELTER} FOREIGN KEY (tenant_id, shelter_id) \
                     REFERENCES shelters (tenant_id, id) ON DELETE RESTRICT"
                ),
            ] {
                db.execute_unprepared(&sql).await?;
            }
            return Ok(());
        }
        let abort = |name: &str| {
            format!(
                "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {name}: an api_token_shelters row names a token and a shelter of its tenant'); END"
            )
        };
        let elsewhere = "(SELECT tenant_id FROM api_tokens WHERE id = NEW.token_id) IS NOT NEW.tenant_id \
                         OR (SELECT tenant_id FROM shelters WHERE id = NEW.shelter_id) IS NOT NEW.tenant_id";
        let moved = |column: &str| {
            format!(
                "NEW.tenant_id IS NOT OLD.tenant_id AND EXISTS (SELECT 1 FROM api_token_shelters WHERE {column} = OLD.id)"
            )
        };
        for sql in [
            format!(
                "CREATE TRIGGER {TOKEN}_insert BEFORE INSERT ON api_token_shelters FOR EACH ROW WHEN {elsewhere} {}",
                abort(TOKEN)
            ),
            format!(
                "CREATE TRIGGER {TOKEN}_update BEFORE UPDATE OF tenant_id, token_id, shelter_id ON api_token_shelters \
                 FOR EACH ROW WHEN {elsewhere} {}",
                abort(TOKEN)
            ),
            format!(
                "CREATE TRIGGER {TOKEN}_parent BEFORE UPDATE OF tenant_id ON api_tokens FOR EACH ROW WHEN {} {}",
                moved("token_id"),
                abort(TOKEN)
            ),
            format!(
                "CREATE TRIGGER {SHELTER}_parent BEFORE UPDATE OF tenant_id ON shelters FOR EACH ROW WHEN {} {}",
                moved("shelter_id"),
                abort(SHELTER)
            ),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() != DbBackend::Postgres {
            for trigger in [
                format!("{TOKEN}_insert"),
                format!("{TOKEN}_update"),
                format!("{TOKEN}_parent"),
                format!("{SHELTER}_parent"),
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER {trigger}")).await?;
            }
        }
        manager.drop_table(Table::drop().table(ApiTokenShelters::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ApiTokens::Table).to_owned()).await
    }
}
