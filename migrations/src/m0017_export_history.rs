//! An export an HMIS can import (issue 19, docs/hmis-export.md):
//! - `tenants`: who the export says it comes from (SourceName and the source contact of
//!   Export.csv), the DV aggregate's settings (the dominance share, the administrative geocode,
//!   ZIP and geography type it is located at, a key that makes its ids unique per CoC, and the
//!   date it starts: the CoC's first day here), and `data_version`, bumped by every change an
//!   export reads.
//! - `hmis_participations` (2.08): one row per participation period of a project, with its end,
//!   filled from each shelter's participation type over its operating dates.
//! - `funders` (2.06): a project's funding sources.
//! - `vendors.dv_policy` (send the DV aggregate or nothing DV) and `vendors.client_files` (also
//!   write the client-level FY2026 files, header only).
//! - Year-round, seasonal and overflow lines of one household type may coexist: the open-line
//!   index now keys on Availability too.
//! - A shelter that was made inactive without an operating end date gets one (the day it was
//!   last saved, not before its start), and its lines end by then: a project that stops operating
//!   keeps its records with an OperatingEndDate instead of vanishing from the export.
//!
//! Both new tables name a shelter of their own tenant: a composite foreign key on PostgreSQL,
//! triggers on SQLite (as m0010 and m0013). Stored names are written out because a migration is
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
    SourceName,
    SourceContactFirst,
    SourceContactLast,
    SourceContactPhone,
    SourceContactExtension,
    SourceContactEmail,
    DvMaxSharePercent,
    DvGeocode,
    DvZip,
    DvGeographyType,
    DvAggregateKey,
    DvAggregateStart,
    DataVersion,
}

#[derive(DeriveIden)]
enum Shelters {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Vendors {
    Table,
    DvPolicy,
    ClientFiles,
}

#[derive(DeriveIden)]
enum HmisParticipations {
    Table,
    Id,
    PublicId,
    TenantId,
    ShelterId,
    ParticipationType,
    StartDate,
    EndDate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Funders {
    Table,
    Id,
    PublicId,
    TenantId,
    ShelterId,
    Funder,
    OtherFunder,
    GrantId,
    StartDate,
    EndDate,
    CreatedAt,
    UpdatedAt,
}

const CHILDREN: [&str; 2] = ["hmis_participations", "funders"];

const OLD_OPEN_LINE_INDEX: &str = "CREATE UNIQUE INDEX ux_inventory_open_line ON inventories \
     (shelter_id, coc_code, household_type, COALESCE(es_bed_type, 0)) WHERE inventory_end_date IS NULL";
const OPEN_LINE_INDEX: &str = "CREATE UNIQUE INDEX ux_inventory_open_line ON inventories \
     (shelter_id, coc_code, household_type, COALESCE(availability, 0), COALESCE(es_bed_type, 0)) \
     WHERE inventory_end_date IS NULL";

/// The statements that keep `table.shelter_id` inside the row's tenant.
fn same_tenant(backend: DbBackend, table: &str) -> Vec<String> {
    let name = format!("fk_{table}_shelter_tenant");
    if backend == DbBackend::Postgres {
        return vec![format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (tenant_id, shelter_id) \
             REFERENCES shelters (tenant_id, id) ON DELETE RESTRICT"
        )];
    }
    let abort = format!(
        "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {name}: a {table} row names a shelter of its tenant'); END"
    );
    let elsewhere = "(SELECT tenant_id FROM shelters WHERE id = NEW.shelter_id) IS NOT NEW.tenant_id";
    let moved =
        format!("NEW.tenant_id IS NOT OLD.tenant_id AND EXISTS (SELECT 1 FROM {table} WHERE shelter_id = OLD.id)");
    vec![
        format!("CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} FOR EACH ROW WHEN {elsewhere} {abort}"),
        format!(
            "CREATE TRIGGER {name}_update BEFORE UPDATE OF tenant_id, shelter_id ON {table} FOR EACH ROW WHEN {elsewhere} {abort}"
        ),
        format!(
            "CREATE TRIGGER {name}_parent BEFORE UPDATE OF tenant_id ON shelters FOR EACH ROW WHEN {moved} {abort}"
        ),
    ]
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

fn add(table: impl IntoIden, column: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

/// The day a row was last saved, as SQL (`updated_at` is text on SQLite).
fn day_of(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST({column} AS DATE)"),
        _ => format!("date({column})"),
    }
}

/// Eight random hex digits per row, as SQL.
fn random_key(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "substr(md5(gen_random_uuid()::text), 1, 8)",
        _ => "lower(hex(randomblob(4)))",
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for column in [
            string_len_null(Tenants::SourceName, 50),
            string_len_null(Tenants::SourceContactFirst, 50),
            string_len_null(Tenants::SourceContactLast, 50),
            string_len_null(Tenants::SourceContactPhone, 10),
            string_len_null(Tenants::SourceContactExtension, 5),
            string_len_null(Tenants::SourceContactEmail, 320),
            integer(Tenants::DvMaxSharePercent)
                .default(60)
                .check(Expr::cust("dv_max_share_percent BETWEEN 34 AND 100"))
                .to_owned(),
            string_len_null(Tenants::DvGeocode, 6),
            string_len_null(Tenants::DvZip, 5),
            integer_null(Tenants::DvGeographyType)
                .check(Expr::cust("dv_geography_type IS NULL OR dv_geography_type IN (1, 2, 3, 99)"))
                .to_owned(),
            string_len(Tenants::DvAggregateKey, 8).default("").to_owned(),
            date(Tenants::DvAggregateStart).default("2000-01-01").to_owned(),
            big_integer(Tenants::DataVersion).default(0).to_owned(),
        ] {
            manager.alter_table(add(Tenants::Table, column)).await?;
        }
        let created = day_of(backend, "created_at");
        let key = random_key(backend);
        // The aggregate starts the day the CoC did here: nothing about its shelters' own dates.
        for sql in [
            format!("UPDATE tenants SET dv_aggregate_key = {key}"),
            format!("UPDATE tenants SET dv_aggregate_start = {created}"),
        ] {
            db.execute_unprepared(&sql).await?;
        }

        // Projects that stopped operating keep an end date; their lines end by then.
        let saved = day_of(backend, "updated_at");
        for sql in [
            format!(
                "UPDATE shelters SET operating_end_date = CASE WHEN {saved} < operating_start_date \
                 THEN operating_start_date ELSE {saved} END WHERE NOT active AND operating_end_date IS NULL"
            ),
            "UPDATE inventories SET inventory_end_date = (SELECT s.operating_end_date FROM shelters s \
             WHERE s.id = inventories.shelter_id) WHERE EXISTS (SELECT 1 FROM shelters s \
             WHERE s.id = inventories.shelter_id AND s.operating_end_date IS NOT NULL \
             AND inventories.inventory_start_date <= s.operating_end_date \
             AND (inventories.inventory_end_date IS NULL OR inventories.inventory_end_date > s.operating_end_date))"
                .to_string(),
        ] {
            db.execute_unprepared(&sql).await?;
        }

        manager
            .alter_table(add(
                Vendors::Table,
                string_len(Vendors::DvPolicy, 12)
                    .default("aggregate")
                    .check(Expr::cust("dv_policy IN ('aggregate', 'none')"))
                    .to_owned(),
            ))
            .await?;
        manager.alter_table(add(Vendors::Table, boolean(Vendors::ClientFiles).default(false).to_owned())).await?;

        manager
            .create_table(
                Table::create()
                    .table(HmisParticipations::Table)
                    .col(big_pk_auto(HmisParticipations::Id))
                    .col(string_len(HmisParticipations::PublicId, 32).unique_key())
                    .col(big_integer(HmisParticipations::TenantId))
                    .col(big_integer(HmisParticipations::ShelterId))
                    .col(
                        integer(HmisParticipations::ParticipationType)
                            .check(Expr::cust("participation_type IN (0, 1, 2)"))
                            .to_owned(),
                    )
                    .col(date(HmisParticipations::StartDate))
                    .col(date_null(HmisParticipations::EndDate))
                    .col(timestamp_with_time_zone(HmisParticipations::CreatedAt))
                    .col(timestamp_with_time_zone(HmisParticipations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_participation_tenant",
                        (HmisParticipations::Table, HmisParticipations::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_participation_shelter",
                        (HmisParticipations::Table, HmisParticipations::ShelterId),
                        (Shelters::Table, Shelters::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_participation_shelter")
                    .table(HmisParticipations::Table)
                    .col(HmisParticipations::TenantId)
                    .col(HmisParticipations::ShelterId)
                    .col(HmisParticipations::StartDate)
                    .to_owned(),
            )
            .await?;
        // One period per shelter: its participation type over its operating dates. The public id
        // is random, as every public id.
        let public_id = match backend {
            DbBackend::Postgres => "substr(md5(gen_random_uuid()::text), 1, 20)",
            _ => "lower(hex(randomblob(10)))",
        };
        db.execute_unprepared(&format!(
            "INSERT INTO hmis_participations (public_id, tenant_id, shelter_id, participation_type, start_date, \
             end_date, created_at, updated_at) SELECT {public_id}, tenant_id, id, hmis_participation_type, \
             operating_start_date, operating_end_date, created_at, updated_at FROM shelters"
        ))
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Funders::Table)
                    .col(big_pk_auto(Funders::Id))
                    .col(string_len(Funders::PublicId, 32).unique_key())
                    .col(big_integer(Funders::TenantId))
                    .col(big_integer(Funders::ShelterId))
                    .col(integer(Funders::Funder))
                    .col(string_len_null(Funders::OtherFunder, 100))
                    .col(string_len_null(Funders::GrantId, 100))
                    .col(date(Funders::StartDate))
                    .col(date_null(Funders::EndDate))
                    .col(timestamp_with_time_zone(Funders::CreatedAt))
                    .col(timestamp_with_time_zone(Funders::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_funder_tenant",
                        (Funders::Table, Funders::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_funder_shelter",
                        (Funders::Table, Funders::ShelterId),
                        (Shelters::Table, Shelters::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_funder_shelter")
                    .table(Funders::Table)
                    .col(Funders::TenantId)
                    .col(Funders::ShelterId)
                    .to_owned(),
            )
            .await?;
        for table in CHILDREN {
            for sql in same_tenant(backend, table) {
                db.execute_unprepared(&sql).await?;
            }
        }

        db.execute_unprepared("DROP INDEX ux_inventory_open_line").await?;
        db.execute_unprepared(OPEN_LINE_INDEX).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        db.execute_unprepared("DROP INDEX ux_inventory_open_line").await?;
        db.execute_unprepared(OLD_OPEN_LINE_INDEX).await?;
        if backend != DbBackend::Postgres {
            for table in CHILDREN {
                for op in ["insert", "update", "parent"] {
                    db.execute_unprepared(&format!("DROP TRIGGER fk_{table}_shelter_tenant_{op}")).await?;
                }
            }
        }
        manager.drop_table(Table::drop().table(Funders::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(HmisParticipations::Table).to_owned()).await?;
        for column in [Vendors::DvPolicy, Vendors::ClientFiles] {
            manager.alter_table(Table::alter().table(Vendors::Table).drop_column(column).to_owned()).await?;
        }
        for column in [
            Tenants::SourceName,
            Tenants::SourceContactFirst,
            Tenants::SourceContactLast,
            Tenants::SourceContactPhone,
            Tenants::SourceContactExtension,
            Tenants::SourceContactEmail,
            Tenants::DvMaxSharePercent,
            Tenants::DvGeocode,
            Tenants::DvZip,
            Tenants::DvGeographyType,
            Tenants::DvAggregateKey,
            Tenants::DvAggregateStart,
            Tenants::DataVersion,
        ] {
            manager.alter_table(Table::alter().table(Tenants::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
