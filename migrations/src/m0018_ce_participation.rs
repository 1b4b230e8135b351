//! Coordinated entry participation (2.09, issue 19): one row per period of a project's CE
//! participation, with the access point's assessments and services and whether it receives
//! referrals; CEParticipation.csv carries them. The table names a shelter of its own tenant: a
//! composite foreign key on PostgreSQL, triggers on SQLite (as m0017). Written out because a
//! migration is frozen.
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
enum CeParticipations {
    Table,
    Id,
    PublicId,
    TenantId,
    ShelterId,
    AccessPoint,
    PreventionAssessment,
    CrisisAssessment,
    HousingAssessment,
    DirectServices,
    ReceivesReferrals,
    StartDate,
    EndDate,
    CreatedAt,
    UpdatedAt,
}

const NAME: &str = "fk_ce_participations_shelter_tenant";

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
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
                    .table(CeParticipations::Table)
                    .col(big_pk_auto(CeParticipations::Id))
                    .col(string_len(CeParticipations::PublicId, 32).unique_key())
                    .col(big_integer(CeParticipations::TenantId))
                    .col(big_integer(CeParticipations::ShelterId))
                    .col(boolean(CeParticipations::AccessPoint))
                    .col(boolean_null(CeParticipations::PreventionAssessment))
                    .col(boolean_null(CeParticipations::CrisisAssessment))
                    .col(boolean_null(CeParticipations::HousingAssessment))
                    .col(boolean_null(CeParticipations::DirectServices))
                    .col(boolean(CeParticipations::ReceivesReferrals))
                    .col(date(CeParticipations::StartDate))
                    .col(date_null(CeParticipations::EndDate))
                    .col(timestamp_with_time_zone(CeParticipations::CreatedAt))
                    .col(timestamp_with_time_zone(CeParticipations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_ce_participation_tenant",
                        (CeParticipations::Table, CeParticipations::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ce_participation_shelter",
                        (CeParticipations::Table, CeParticipations::ShelterId),
                        (Shelters::Table, Shelters::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ce_participation_shelter")
                    .table(CeParticipations::Table)
                    .col(CeParticipations::TenantId)
                    .col(CeParticipations::ShelterId)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE ce_participations ADD CONSTRAINT {NAME} FOREIGN KEY (tenant_id, shelter_id) \
                 REFERENCES shelters (tenant_id, id) ON DELETE RESTRICT"
            ))
            .await?;
            return Ok(());
        }
        let abort = format!(
            "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {NAME}: a ce_participations row names a shelter of its tenant'); END"
        );
        let elsewhere = "(SELECT tenant_id FROM shelters WHERE id = NEW.shelter_id) IS NOT NEW.tenant_id";
        let moved =
            "NEW.tenant_id IS NOT OLD.tenant_id AND EXISTS (SELECT 1 FROM ce_participations WHERE shelter_id = OLD.id)";
        for sql in [
            format!(
                "CREATE TRIGGER {NAME}_insert BEFORE INSERT ON ce_participations FOR EACH ROW WHEN {elsewhere} {abort}"
            ),
            format!(
                "CREATE TRIGGER {NAME}_update BEFORE UPDATE OF tenant_id, shelter_id ON ce_participations FOR EACH ROW WHEN {elsewhere} {abort}"
            ),
            format!(
                "CREATE TRIGGER {NAME}_parent BEFORE UPDATE OF tenant_id ON shelters FOR EACH ROW WHEN {moved} {abort}"
            ),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() != DbBackend::Postgres {
            for op in ["insert", "update", "parent"] {
                db.execute_unprepared(&format!("DROP TRIGGER {NAME}_{op}")).await?;
            }
        }
        manager.drop_table(Table::drop().table(CeParticipations::Table).to_owned()).await
    }
}
