//! Privacy and integrity rules the database holds as well as the code (issue 15):
//! - HMIS ProjectIDs are unique per visibility class (`is_dv`), OrganizationIDs per class
//!   (`victim_service_provider`): a duplicate-ID answer never reveals a row the admin cannot see.
//!   A collision between the classes is met when a DV admin converts a row, and told to them.
//! - `tenants.dv_epoch`: counts the changes of a shelter or organization of the CoC to DV or back,
//!   and `outbox.dv_epoch` the epoch a payload was built in (read in the export's own snapshot).
//!   A payload of an older epoch is never enqueued, retried or delivered (DESIGN.md 4.4): a
//!   counter orders the change and the export by commit, where clock times would not.
//! - One open inventory line per shelter x CoC code x household type x ES bed type (two
//!   concurrent adds on PostgreSQL double-counted beds).
//! - TargetPopulation 1 (DV) implies `is_dv`; DV thresholds never below 3 shelters and 5 beds.
//!   PostgreSQL holds these as CHECK constraints; SQLite, which cannot add a constraint to a
//!   table, as triggers that abort the statement.
//! - `public_id` on shelters, organizations, inventory lines, users, vendors and deliveries: an
//!   opaque random id, the only one URLs, forms, JSON and exports carry. Row ids are sequential,
//!   so their gaps would count the DV shelters, lines and victim service providers a viewer
//!   cannot see, and (being shared by all CoCs) the other CoCs' users, vendors and pushes.
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
    DvEpoch,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    DvEpoch,
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

/// Tables whose rows get a `public_id`: besides the DV-sensitive ones, users, vendors and
/// deliveries, whose row ids are shared by every CoC and would count the others' users, vendors
/// and pushes.
const PUBLIC_ID_TABLES: [&str; 6] = ["shelters", "organizations", "inventories", "users", "vendors", "outbox"];

const OPEN_LINE_INDEX: &str = "CREATE UNIQUE INDEX ux_inventory_open_line ON inventories \
     (shelter_id, coc_code, household_type, COALESCE(es_bed_type, 0)) WHERE inventory_end_date IS NULL";

async fn unique(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: [DynIden; 3],
) -> Result<(), DbErr> {
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
            .alter_table(
                Table::alter().table(Tenants::Table).add_column(integer(Tenants::DvEpoch).default(0)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Outbox::Table).add_column(integer(Outbox::DvEpoch).default(0)).to_owned())
            .await?;

        manager
            .drop_index(Index::drop().name("ux_shelter_tenant_project_id").table(Shelters::Table).to_owned())
            .await?;
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
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        // 20 hex digits (80 random bits) for existing rows; new rows get theirs from the app.
        let random =
            if postgres { "substr(md5(gen_random_uuid()::text), 1, 20)" } else { "lower(hex(randomblob(10)))" };
        for table in PUBLIC_ID_TABLES {
            db.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN public_id varchar(20)")).await?;
            db.execute_unprepared(&format!("UPDATE {table} SET public_id = {random}")).await?;
            if postgres {
                db.execute_unprepared(&format!("ALTER TABLE {table} ALTER COLUMN public_id SET NOT NULL")).await?;
            }
            db.execute_unprepared(&format!("CREATE UNIQUE INDEX ux_{table}_public_id ON {table} (public_id)")).await?;
        }
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
                Index::create()
                    .name("idx_admin_audit_tenant_id")
                    .table(AdminAudit::Table)
                    .col(AdminAudit::TenantId)
                    .col(AdminAudit::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AdminAudit::Table).to_owned()).await?;
        let db = manager.get_connection();
        for Rule { name, table, .. } in RULES {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).await?
                }
                _ => {
                    db.execute_unprepared(&format!("DROP TRIGGER {name}_insert")).await?;
                    db.execute_unprepared(&format!("DROP TRIGGER {name}_update")).await?
                }
            };
        }
        db.execute_unprepared("DROP INDEX ux_inventory_open_line").await?;
        for table in PUBLIC_ID_TABLES {
            db.execute_unprepared(&format!("DROP INDEX ux_{table}_public_id")).await?;
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN public_id")).await?;
        }
        manager
            .drop_index(Index::drop().name("ux_org_tenant_class_hmis_id").table(Organizations::Table).to_owned())
            .await?;
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
        manager
            .drop_index(Index::drop().name("ux_shelter_tenant_class_project_id").table(Shelters::Table).to_owned())
            .await?;
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
        manager.alter_table(Table::alter().table(Outbox::Table).drop_column(Outbox::DvEpoch).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tenants::Table).drop_column(Tenants::DvEpoch).to_owned()).await?;
        Ok(())
    }
}
