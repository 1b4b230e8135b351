//! Vendors a CoC admin sets up (issue 17, DESIGN.md 6):
//! - `vendors.mode` (test, live, off) replaces `enabled`. A disabled vendor becomes off. An
//!   enabled one stays live only if its kind needs no credentials (custom endpoints): a Clarity,
//!   ClientTrack or HUD HMIS API vendor has none stored yet, so it goes to test until an admin
//!   enters them (docs/vendors.md, "Upgrading"); a WellSky one is off (SFTP is not available yet).
//!   New vendors start in test.
//! - a test endpoint, a daily push time (local `HH:MM`, instead of an interval), the payload
//!   format the kind implies with the pinned JSON contract version, the non-secret parts of the
//!   credentials (API user, ClientTrack OrgId), support contacts (a JSON list), the last test
//!   connection, and `deleted_at`: a vendor with deliveries in its history is never removed from
//!   the database, only hidden, and its name is free again (the unique name index, on the name in
//!   lower case, skips it).
//! - `vendor_secrets`: one sealed value per vendor and field (`app::ssr::vault`); never the value.
//! - `vendor_history`: mode changes, settings and credential changes (never a value), tests.
//! - Both name a vendor of their own tenant, as m0010 keeps for the other tables: a composite
//!   foreign key on PostgreSQL, triggers on SQLite.
//! - `outbox.target`, `payload_format` and `payload_name`: fixed at enqueue with the payload, so a
//!   test push never reaches the production endpoint, whatever the vendor's mode is by then.
//!
//! Stored names are written out here because a migration is frozen.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Vendors {
    Table,
    Id,
    Mode,
    TestEndpointUrl,
    PushDailyAt,
    PayloadFormat,
    JsonVersion,
    AuthUser,
    OrgId,
    Contacts,
    LastTestAt,
    LastTestOk,
    LastTestDetail,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum VendorSecrets {
    Table,
    Id,
    TenantId,
    VendorId,
    Name,
    Sealed,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VendorHistory {
    Table,
    Id,
    TenantId,
    VendorId,
    At,
    ActorId,
    Action,
    Detail,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Target,
    PayloadFormat,
    PayloadName,
}

const FORMATS: &str = "'hmis_csv_zip', 'inventory_v1', 'hud_csvexport'";

/// The new tables whose rows name a vendor.
const CHILDREN: [&str; 2] = ["vendor_secrets", "vendor_history"];

/// The statements that keep `table.vendor_id` inside the row's tenant.
fn same_tenant(backend: DbBackend, table: &str) -> Vec<String> {
    let name = format!("fk_{table}_vendor_tenant");
    if backend == DbBackend::Postgres {
        return vec![format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (tenant_id, vendor_id) \
             REFERENCES vendors (tenant_id, id) ON DELETE RESTRICT"
        )];
    }
    let abort = format!(
        "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {name}: a {table} row names a vendor of its tenant'); END"
    );
    let elsewhere = "(SELECT tenant_id FROM vendors WHERE id = NEW.vendor_id) IS NOT NEW.tenant_id";
    let moved =
        format!("NEW.tenant_id IS NOT OLD.tenant_id AND EXISTS (SELECT 1 FROM {table} WHERE vendor_id = OLD.id)");
    vec![
        format!("CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} FOR EACH ROW WHEN {elsewhere} {abort}"),
        format!(
            "CREATE TRIGGER {name}_update BEFORE UPDATE OF tenant_id, vendor_id ON {table} FOR EACH ROW WHEN {elsewhere} {abort}"
        ),
        format!("CREATE TRIGGER {name}_parent BEFORE UPDATE OF tenant_id ON vendors FOR EACH ROW WHEN {moved} {abort}"),
    ]
}

fn failed(what: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!("m0013_vendor_settings: {what}"))
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

/// One column added to `table` (SQLite adds one per statement).
fn add(table: impl IntoIden, column: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(column).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let duplicates = "SELECT COUNT(*) FROM (SELECT tenant_id, lower(name) FROM vendors \
                          GROUP BY tenant_id, lower(name) HAVING COUNT(*) > 1) d";
        let count: i64 = match db.query_one_raw(Statement::from_string(backend, duplicates)).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        if count > 0 {
            return Err(failed(format!(
                "{count} vendor name(s) are used twice in one CoC; rename them so each CoC's vendor names differ, \
                 and start again"
            )));
        }

        manager
            .alter_table(add(
                Vendors::Table,
                string_len(Vendors::Mode, 8)
                    .default("test")
                    .check(Expr::cust("mode IN ('test', 'live', 'off')"))
                    .to_owned(),
            ))
            .await?;
        for sql in [
            "UPDATE vendors SET mode = CASE WHEN enabled THEN 'live' ELSE 'off' END",
            "UPDATE vendors SET mode = 'test' WHERE mode = 'live' AND kind IN ('clarity', 'clienttrack', 'hud_api')",
            "UPDATE vendors SET mode = 'off' WHERE kind = 'wellsky'",
        ] {
            db.execute_unprepared(sql).await?;
        }
        db.execute_unprepared("ALTER TABLE vendors DROP COLUMN enabled").await?;
        for column in [
            string_len_null(Vendors::TestEndpointUrl, 2000),
            string_len_null(Vendors::PushDailyAt, 5)
                .check(Expr::cust("push_daily_at IS NULL OR length(push_daily_at) = 5"))
                .to_owned(),
            string_len(Vendors::PayloadFormat, 20)
                .default("hmis_csv_zip")
                .check(Expr::cust(format!("payload_format IN ({FORMATS})")))
                .to_owned(),
            integer_null(Vendors::JsonVersion),
            string_len_null(Vendors::AuthUser, 200),
            string_len_null(Vendors::OrgId, 100),
            text(Vendors::Contacts).default("[]").to_owned(),
            timestamp_with_time_zone_null(Vendors::LastTestAt),
            boolean_null(Vendors::LastTestOk),
            string_len_null(Vendors::LastTestDetail, 400),
            timestamp_with_time_zone_null(Vendors::DeletedAt),
        ] {
            manager.alter_table(add(Vendors::Table, column)).await?;
        }
        for sql in [
            "UPDATE vendors SET payload_format = 'inventory_v1', json_version = 1 WHERE kind = 'clienttrack'",
            "UPDATE vendors SET payload_format = 'hud_csvexport', json_version = 1 WHERE kind = 'hud_api'",
            "CREATE UNIQUE INDEX idx_vendor_name ON vendors (tenant_id, lower(name)) WHERE deleted_at IS NULL",
        ] {
            db.execute_unprepared(sql).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(VendorSecrets::Table)
                    .col(big_pk_auto(VendorSecrets::Id))
                    .col(big_integer(VendorSecrets::TenantId))
                    .col(big_integer(VendorSecrets::VendorId))
                    .col(string_len(VendorSecrets::Name, 120))
                    .col(text(VendorSecrets::Sealed))
                    .col(timestamp_with_time_zone(VendorSecrets::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_vendor_secret_tenant",
                        (VendorSecrets::Table, VendorSecrets::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_vendor_secret_vendor",
                        (VendorSecrets::Table, VendorSecrets::VendorId),
                        (Vendors::Table, Vendors::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_vendor_secret_name")
                    .table(VendorSecrets::Table)
                    .col(VendorSecrets::VendorId)
                    .col(VendorSecrets::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VendorHistory::Table)
                    .col(big_pk_auto(VendorHistory::Id))
                    .col(big_integer(VendorHistory::TenantId))
                    .col(big_integer(VendorHistory::VendorId))
                    .col(timestamp_with_time_zone(VendorHistory::At))
                    .col(big_integer_null(VendorHistory::ActorId))
                    .col(string_len(VendorHistory::Action, 40))
                    .col(string_len(VendorHistory::Detail, 400))
                    .foreign_key(&mut fk(
                        "fk_vendor_history_tenant",
                        (VendorHistory::Table, VendorHistory::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_vendor_history_vendor",
                        (VendorHistory::Table, VendorHistory::VendorId),
                        (Vendors::Table, Vendors::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_vendor_history_actor",
                        (VendorHistory::Table, VendorHistory::ActorId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_vendor_history_vendor")
                    .table(VendorHistory::Table)
                    .col(VendorHistory::VendorId)
                    .col(VendorHistory::Id)
                    .to_owned(),
            )
            .await?;
        // Each row names a vendor of its own tenant (m0010 made (tenant_id, id) unique on vendors
        // on PostgreSQL; SQLite, which cannot add a constraint to a table, gets m0010's triggers).
        for table in CHILDREN {
            for sql in same_tenant(backend, table) {
                db.execute_unprepared(&sql).await?;
            }
        }

        for column in [
            string_len(Outbox::Target, 10)
                .default("production")
                .check(Expr::cust("target IN ('production', 'test')"))
                .to_owned(),
            string_len(Outbox::PayloadFormat, 20)
                .default("hmis_csv_zip")
                .check(Expr::cust(format!("payload_format IN ({FORMATS})")))
                .to_owned(),
            string_len(Outbox::PayloadName, 200).default("hmis-csv.zip").to_owned(),
        ] {
            manager.alter_table(add(Outbox::Table, column)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in ["target", "payload_format", "payload_name"] {
            db.execute_unprepared(&format!("ALTER TABLE outbox DROP COLUMN {column}")).await?;
        }
        if manager.get_database_backend() != DbBackend::Postgres {
            for table in CHILDREN {
                for op in ["insert", "update", "parent"] {
                    db.execute_unprepared(&format!("DROP TRIGGER fk_{table}_vendor_tenant_{op}")).await?;
                }
            }
        }
        manager.drop_table(Table::drop().table(VendorHistory::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(VendorSecrets::Table).to_owned()).await?;
        db.execute_unprepared("DROP INDEX idx_vendor_name").await?;
        manager
            .alter_table(add(
                Vendors::Table,
                ColumnDef::new(Alias::new("enabled")).boolean().not_null().default(false).to_owned(),
            ))
            .await?;
        db.execute_unprepared("UPDATE vendors SET enabled = (mode = 'live')").await?;
        for column in [
            "mode",
            "test_endpoint_url",
            "push_daily_at",
            "payload_format",
            "json_version",
            "auth_user",
            "org_id",
            "contacts",
            "last_test_at",
            "last_test_ok",
            "last_test_detail",
            "deleted_at",
        ] {
            db.execute_unprepared(&format!("ALTER TABLE vendors DROP COLUMN {column}")).await?;
        }
        Ok(())
    }
}
