//! Schema integrity (issue 15.11): the database holds what the code already keeps.
//! - Tenant keys: a row never points into another tenant. PostgreSQL gets UNIQUE (tenant_id, id)
//!   on each parent and composite FOREIGN KEYs (tenant_id, x_id) -> parent (tenant_id, id); so a
//!   parent cannot change tenant under its children either. SQLite, which cannot add a constraint
//!   to a table, gets triggers on the child (insert, update) and on the parent (tenant change).
//! - RESTRICT under the append-only history: m0002's cascading keys (a shelter's lines and
//!   coordinators, a line's snapshots, a user's assignments) now refuse the parent's delete.
//!   PostgreSQL re-creates them as RESTRICT; on SQLite a BEFORE DELETE trigger on the parent
//!   aborts while children exist (it fires before the cascade). Nothing in the app deletes
//!   shelters, lines or users; an assignment (the child) is still deleted on unassign.
//! - HMIS code lists (FY2026 Appendix B, as in `app/src/hmis/codes.rs`, written out here because
//!   a migration is frozen): CHECK constraints on PostgreSQL, triggers on SQLite.
//!
//! Rows already in the database are checked first on both backends: a row that breaks a rule
//! stops the migration with the rule's name and how many rows break it (nothing is changed), so
//! SQLite does not keep what PostgreSQL would refuse.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `child.column` names a row of `parent` of the child's tenant.
struct SameTenant {
    name: &'static str,
    child: &'static str,
    column: &'static str,
    parent: &'static str,
    message: &'static str,
}

const SAME_TENANT: &[SameTenant] = &[
    SameTenant {
        name: "fk_shelter_org_tenant",
        child: "shelters",
        column: "organization_id",
        parent: "organizations",
        message: "a shelter belongs to an organization of its tenant",
    },
    SameTenant {
        name: "fk_inv_shelter_tenant",
        child: "inventories",
        column: "shelter_id",
        parent: "shelters",
        message: "an inventory line belongs to a shelter of its tenant",
    },
    SameTenant {
        name: "fk_snap_inv_tenant",
        child: "bed_snapshots",
        column: "inventory_id",
        parent: "inventories",
        message: "a bed snapshot belongs to an inventory line of its tenant",
    },
    SameTenant {
        name: "fk_sc_shelter_tenant",
        child: "shelter_coordinators",
        column: "shelter_id",
        parent: "shelters",
        message: "a coordinator assignment names a shelter of its tenant",
    },
    SameTenant {
        name: "fk_sc_user_tenant",
        child: "shelter_coordinators",
        column: "user_id",
        parent: "users",
        message: "a coordinator assignment names a user of its tenant",
    },
    SameTenant {
        name: "fk_outbox_vendor_tenant",
        child: "outbox",
        column: "vendor_id",
        parent: "vendors",
        message: "an outbox row goes to a vendor of its tenant",
    },
    SameTenant {
        name: "fk_audit_vendor_tenant",
        child: "push_audit",
        column: "vendor_id",
        parent: "vendors",
        message: "a push audit row names a vendor of its tenant",
    },
    SameTenant {
        name: "fk_audit_outbox_tenant",
        child: "push_audit",
        column: "outbox_id",
        parent: "outbox",
        message: "a push audit row names an outbox row of its tenant",
    },
];

/// The parents of [`SAME_TENANT`]: on PostgreSQL each gets `ux_<table>_tenant_row`,
/// UNIQUE (tenant_id, id), which the composite keys reference. (`users.tenant_id` is null for
/// platform admins; a child's tenant is never null, so no child can name a platform admin.)
const PARENTS: [&str; 6] = ["organizations", "shelters", "inventories", "users", "vendors", "outbox"];

/// m0002's ON DELETE CASCADE keys, RESTRICT from here on: (constraint, child, column, parent).
const RESTRICT: [(&str, &str, &str, &str); 4] = [
    ("fk_inv_shelter", "inventories", "shelter_id", "shelters"),
    ("fk_sc_shelter", "shelter_coordinators", "shelter_id", "shelters"),
    ("fk_sc_user", "shelter_coordinators", "user_id", "users"),
    ("fk_snap_inv", "bed_snapshots", "inventory_id", "inventories"),
];

/// A column that holds a code of an HMIS list.
struct Codes {
    name: &'static str,
    table: &'static str,
    column: &'static str,
    nullable: bool,
    codes: &'static str,
    message: &'static str,
}

const CODES: &[Codes] = &[
    Codes {
        name: "ck_shelter_project_type",
        table: "shelters",
        column: "project_type",
        nullable: false,
        codes: "0, 1, 2, 3, 8, 9, 10, 13",
        message: "ProjectType (2.02.6) is one a shelter may have: 0, 1, 2, 3, 8, 9, 10, 13",
    },
    Codes {
        name: "ck_shelter_housing_type",
        table: "shelters",
        column: "housing_type",
        nullable: true,
        codes: "1, 2, 3",
        message: "HousingType (2.02.D) is 1, 2, 3 or null",
    },
    Codes {
        name: "ck_shelter_target_population",
        table: "shelters",
        column: "target_population",
        nullable: true,
        codes: "1, 3, 4",
        message: "TargetPopulation (2.02.7) is 1, 3, 4 or null",
    },
    Codes {
        name: "ck_shelter_geography_type",
        table: "shelters",
        column: "geography_type",
        nullable: true,
        codes: "1, 2, 3, 99",
        message: "GeographyType (2.03.4) is 1, 2, 3, 99 or null",
    },
    Codes {
        name: "ck_shelter_hmis_participation_type",
        table: "shelters",
        column: "hmis_participation_type",
        nullable: false,
        codes: "0, 1, 2",
        message: "HMISParticipationType (2.08.1) is 0, 1, 2",
    },
    Codes {
        name: "ck_inventory_household_type",
        table: "inventories",
        column: "household_type",
        nullable: false,
        codes: "1, 3, 4",
        message: "HouseholdType (2.07.4) is 1, 3, 4",
    },
    Codes {
        name: "ck_inventory_availability",
        table: "inventories",
        column: "availability",
        nullable: true,
        codes: "1, 2, 3",
        message: "Availability (2.07.6) is 1, 2, 3 or null",
    },
    Codes {
        name: "ck_inventory_es_bed_type",
        table: "inventories",
        column: "es_bed_type",
        nullable: true,
        codes: "1, 2, 3",
        message: "ESBedType (2.07.5) is 1, 2, 3 or null",
    },
];

impl Codes {
    /// The condition on the row (`row` is "" on PostgreSQL, "NEW." in an SQLite trigger).
    fn check(&self, row: &str) -> String {
        let Codes { column, codes, .. } = self;
        if self.nullable {
            format!("{row}{column} IS NULL OR {row}{column} IN ({codes})")
        } else {
            format!("{row}{column} IN ({codes})")
        }
    }
}

/// An SQLite trigger that aborts the statement with `kind: name: message` when `when` holds.
fn trigger(trigger: &str, event: &str, table: &str, when: &str, kind: &str, name: &str, message: &str) -> String {
    let text = format!("{kind} constraint failed: {name}: {message}").replace('\'', "''");
    format!(
        "CREATE TRIGGER {trigger} {event} ON {table} FOR EACH ROW WHEN {when} BEGIN SELECT RAISE(ABORT, '{text}'); END"
    )
}

/// The names of the SQLite triggers this migration creates.
fn sqlite_triggers() -> Vec<String> {
    let tenant = SAME_TENANT.iter().flat_map(|r| ["insert", "update", "parent"].map(|op| format!("{}_{op}", r.name)));
    let restrict = RESTRICT.iter().map(|(name, ..)| format!("{name}_restrict"));
    let codes = CODES.iter().flat_map(|c| ["insert", "update"].map(|op| format!("{}_{op}", c.name)));
    tenant.chain(restrict).chain(codes).collect()
}

/// Rows already stored that break a rule: the first rule broken and how many rows break it.
async fn first_broken(db: &SchemaManagerConnection<'_>) -> Result<Option<(&'static str, &'static str, i64)>, DbErr> {
    let tenant = SAME_TENANT.iter().map(|SameTenant { name, child, column, parent, message }| {
        let sql = format!(
            "SELECT COUNT(*) FROM {child} c JOIN {parent} p ON p.id = c.{column} WHERE p.tenant_id IS NULL OR p.tenant_id <> c.tenant_id"
        );
        (*name, *message, sql)
    });
    let codes = CODES
        .iter()
        .map(|c| (c.name, c.message, format!("SELECT COUNT(*) FROM {} WHERE NOT ({})", c.table, c.check(""))));
    for (name, message, sql) in tenant.chain(codes).collect::<Vec<_>>() {
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
        let count: i64 = match row {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        if count > 0 {
            return Ok(Some((name, message, count)));
        }
    }
    Ok(None)
}

async fn run(db: &SchemaManagerConnection<'_>, statements: impl IntoIterator<Item = String>) -> Result<(), DbErr> {
    for statement in statements {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

fn postgres_up() -> Vec<String> {
    let mut s = Vec::new();
    for table in PARENTS {
        s.push(format!("ALTER TABLE {table} ADD CONSTRAINT ux_{table}_tenant_row UNIQUE (tenant_id, id)"));
    }
    for (name, child, column, parent) in RESTRICT {
        s.push(format!(
            "ALTER TABLE {child} DROP CONSTRAINT {name}, \
             ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {parent} (id) ON DELETE RESTRICT"
        ));
    }
    for SameTenant { name, child, column, parent, .. } in SAME_TENANT {
        s.push(format!(
            "ALTER TABLE {child} ADD CONSTRAINT {name} FOREIGN KEY (tenant_id, {column}) \
             REFERENCES {parent} (tenant_id, id) ON DELETE RESTRICT"
        ));
    }
    for c in CODES {
        s.push(format!("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})", c.table, c.name, c.check("")));
    }
    s
}

fn postgres_down() -> Vec<String> {
    let mut s = Vec::new();
    for c in CODES {
        s.push(format!("ALTER TABLE {} DROP CONSTRAINT {}", c.table, c.name));
    }
    for SameTenant { name, child, .. } in SAME_TENANT {
        s.push(format!("ALTER TABLE {child} DROP CONSTRAINT {name}"));
    }
    for (name, child, column, parent) in RESTRICT {
        s.push(format!(
            "ALTER TABLE {child} DROP CONSTRAINT {name}, \
             ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {parent} (id) ON DELETE CASCADE"
        ));
    }
    for table in PARENTS {
        s.push(format!("ALTER TABLE {table} DROP CONSTRAINT ux_{table}_tenant_row"));
    }
    s
}

fn sqlite_up() -> Vec<String> {
    const FK: &str = "FOREIGN KEY";
    let mut s = Vec::new();
    for SameTenant { name, child, column, parent, message } in SAME_TENANT {
        let elsewhere = format!("(SELECT tenant_id FROM {parent} WHERE id = NEW.{column}) IS NOT NEW.tenant_id");
        s.push(trigger(&format!("{name}_insert"), "BEFORE INSERT", child, &elsewhere, FK, name, message));
        let update = format!("BEFORE UPDATE OF tenant_id, {column}");
        s.push(trigger(&format!("{name}_update"), &update, child, &elsewhere, FK, name, message));
        // The parent cannot leave its tenant while a child names it (PostgreSQL: NO ACTION on update).
        let moved =
            format!("NEW.tenant_id IS NOT OLD.tenant_id AND EXISTS (SELECT 1 FROM {child} WHERE {column} = OLD.id)");
        s.push(trigger(&format!("{name}_parent"), "BEFORE UPDATE OF tenant_id", parent, &moved, FK, name, message));
    }
    for (name, child, column, parent) in RESTRICT {
        let children = format!("EXISTS (SELECT 1 FROM {child} WHERE {column} = OLD.id)");
        let message = format!("{parent} row still has {child} rows (ON DELETE RESTRICT)");
        s.push(trigger(&format!("{name}_restrict"), "BEFORE DELETE", parent, &children, FK, name, &message));
    }
    for c in CODES {
        let when = format!("NOT ({})", c.check("NEW."));
        s.push(trigger(&format!("{}_insert", c.name), "BEFORE INSERT", c.table, &when, "CHECK", c.name, c.message));
        let update = format!("BEFORE UPDATE OF {}", c.column);
        s.push(trigger(&format!("{}_update", c.name), &update, c.table, &when, "CHECK", c.name, c.message));
    }
    s
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: all the triggers or none.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if let Some((name, message, count)) = first_broken(db).await? {
            return Err(DbErr::Migration(format!(
                "m0010_tenant_integrity: {count} stored row(s) break {name} ({message}); correct them and start again"
            )));
        }
        match manager.get_database_backend() {
            DbBackend::Postgres => run(db, postgres_up()).await,
            _ => run(db, sqlite_up()).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => run(db, postgres_down()).await,
            _ => run(db, sqlite_triggers().into_iter().map(|t| format!("DROP TRIGGER {t}"))).await,
        }
    }
}
