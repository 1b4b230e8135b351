//! Privacy and integrity rules the database holds as well as the code (issue 15):
//! - HMIS ProjectIDs are unique per visibility class (`is_dv`), OrganizationIDs per class
//!   (`victim_service_provider`): a duplicate-ID answer never reveals a row the admin cannot see.
//!   A collision between the classes is met when a DV admin converts a row, and told to them.
//! - `tenants.dv_changed_at`: when a shelter or organization of the CoC last became DV or stopped
//!   being DV. A payload built before it is never delivered (DESIGN.md 4.4).
//! - One open inventory line per shelter x CoC code x household type x ES bed type (two
//!   concurrent adds on PostgreSQL double-counted beds).
//! - TargetPopulation 1 (DV) implies `is_dv`; DV thresholds never below 3 shelters and 5 beds.
//!   PostgreSQL holds these as CHECK constraints; SQLite, which cannot add a constraint to a
//!   table, as triggers that abort the statement.
//! - `admin_audit`: role, DV-access, victim-service-provider and DV-flag changes and password
//!   resets (who, when, old, new), append-only.
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    DvChangedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Shelters {
    Table,
    TenantId,
    HmisProjectId,
    IsDv,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    TenantId,
    HmisOrganizationId,
    VictimServiceProvider,
}

#[derive(DeriveIden)]
enum AdminAudit {
    Table,
    Id,
    TenantId,
    ActorId,
    At,
    Action,
    Subject,
    OldValue,
    NewValue,
}

/// A rule a row must keep: its name, table, the condition on PostgreSQL and the same condition
/// on SQLite's new row (`NEW.`), and what breaking it means.
struct Rule {
    name: &'static str,
    table: &'static str,
    check: &'static str,
    sqlite_check: &'static str,
    message: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        name: "ck_shelter_dv_target_population",
        table: "shelters",
        check: "target_population IS NULL OR target_population <> 1 OR is_dv",
        sqlite_check: "NEW.target_population IS NULL OR NEW.target_population <> 1 OR NEW.is_dv",
        message: "a shelter with TargetPopulation 1 is a DV shelter",
    },
    Rule {
        name: "ck_tenant_dv_thresholds",
        table: "tenants",
        check: "dv_min_shelters >= 3 AND dv_min_beds >= 5",
        sqlite_check: "NEW.dv_min_shelters >= 3 AND NEW.dv_min_beds >= 5",
        message: "DV thresholds cannot go below 3 shelters and 5 beds",
    },
];

const OPEN_LINE_INDEX: &str = "CREATE UNIQUE INDEX ux_inventory_open_line ON inventories \
     (shelter_id, coc_code, household_type, COALESCE(es_bed_type, 0)) WHERE inventory_end_date IS NULL";

async fn unique(manager: &SchemaManager<'_>, name: &str, table: impl IntoIden, cols: [DynIden; 3]) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Tenants::Table).add_column(timestamp_with_time_zone_null(Tenants::DvChangedAt)).to_owned())
            .await?;

        manager.drop_index(Index::drop().name("ux_shelter_tenant_project_id").table(Shelters::Table).to_owned()).await?;
        unique(
            manager,
            "ux_shelter_tenant_class_project_id",
            Shelters::Table,
            [Shelters::TenantId.into_iden(), Shelters::IsDv.into_iden(), Shelters::HmisProjectId.into_iden()],
        )
        .await?;
        manager.drop_index(Index::drop().name("ux_org_tenant_hmis_id").table(Organizations::Table).to_owned()).await?;
        unique(
            manager,
            "ux_org_tenant_class_hmis_id",
            Organizations::Table,
            [
                Organizations::TenantId.into_iden(),
                Organizations::VictimServiceProvider.into_iden(),
                Organizations::HmisOrganizationId.into_iden(),
            ],
        )
        .await?;

        let db = manager.get_connection();
        db.execute_unprepared(OPEN_LINE_INDEX).await?;
        for rule in RULES {
            let Rule { name, table, check, sqlite_check, message } = rule;
            let statements = match manager.get_database_backend() {
                DbBackend::Postgres => vec![format!("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check})")],
                _ => ["insert", "update"]
                    .iter()
                    .map(|op| {
                        format!(
                            "CREATE TRIGGER {name}_{op} BEFORE {} ON {table} FOR EACH ROW WHEN NOT ({sqlite_check}) \
                             BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}: {message}'); END",
                            op.to_uppercase()
                        )
                    })
                    .collect(),
            };
            for statement in statements {
                db.execute_unprepared(&statement).await?;
            }
        }

        manager
            .create_table(
                Table::create()
                    .table(AdminAudit::Table)
                    .col(big_pk_auto(AdminAudit::Id))
                    .col(big_integer_null(AdminAudit::TenantId))
                    .col(big_integer_null(AdminAudit::ActorId))
                    .col(timestamp_with_time_zone(AdminAudit::At))
                    .col(string_len(AdminAudit::Action, 40))
                    .col(string_len(AdminAudit::Subject, 400))
                    .col(string_len(AdminAudit::OldValue, 200))
                    .col(string_len(AdminAudit::NewValue, 200))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_audit_tenant")
                            .from(AdminAudit::Table, AdminAudit::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_audit_actor")
                            .from(AdminAudit::Table, AdminAudit::ActorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_admin_audit_tenant_id").table(AdminAudit::Table).col(AdminAudit::TenantId).col(AdminAudit::Id).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AdminAudit::Table).to_owned()).await?;
        let db = manager.get_connection();
        for Rule { name, table, .. } in RULES {
            match manager.get_database_backend() {
                DbBackend::Postgres => db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).await?,
                _ => {
                    db.execute_unprepared(&format!("DROP TRIGGER {name}_insert")).await?;
                    db.execute_unprepared(&format!("DROP TRIGGER {name}_update")).await?
                }
            };
        }
        db.execute_unprepared("DROP INDEX ux_inventory_open_line").await?;
        manager.drop_index(Index::drop().name("ux_org_tenant_class_hmis_id").table(Organizations::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_org_tenant_hmis_id")
                    .table(Organizations::Table)
                    .col(Organizations::TenantId)
                    .col(Organizations::HmisOrganizationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name("ux_shelter_tenant_class_project_id").table(Shelters::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_shelter_tenant_project_id")
                    .table(Shelters::Table)
                    .col(Shelters::TenantId)
                    .col(Shelters::HmisProjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table(Tenants::Table).drop_column(Tenants::DvChangedAt).to_owned()).await?;
        Ok(())
    }
}
