//! Schema integrity (issue 15.11, migration m0010) on SQLite and PostgreSQL: no row points into
//! another tenant, the append-only history refuses its parent's delete, code-list columns hold
//! HMIS codes; writes that keep the rules still pass; the migration comes off (down) and goes back
//! on a database that already holds the demo data.
//!
//! Rows are written with plain SQL, the way a careless tool or a bug would write them. Copies take
//! their columns from the database, so these tests do not follow every new column of the entities.
use crate::common::*;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// One CoC's rows of every kind the tenant rules cover.
struct Coc {
    tenant: i64,
    org: i64,
    shelter: i64,
    line: i64,
    snapshot: i64,
    coordinator: i64,
    vendor: i64,
    outbox: i64,
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<u64, DbErr> {
    db.execute_unprepared(sql).await.map(|r| r.rows_affected())
}

/// The first column of the first row of `sql`.
async fn scalar(db: &DatabaseConnection, sql: &str) -> Result<i64, DbErr> {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    row.expect("a row").try_get_by_index(0)
}

async fn id_of(db: &DatabaseConnection, sql: &str) -> i64 {
    scalar(db, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The columns of `table`, as the database has them now.
async fn columns(db: &DatabaseConnection, table: &str) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => format!(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
        _ => format!("SELECT name FROM pragma_table_info('{table}')"),
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

/// A fresh opaque id for tables that have `public_id` (20 hex digits).
fn public_id() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..20).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap()).collect()
}

/// Insert a copy of row `id` of `table` with the `set` columns (SQL expressions over the source
/// row) replaced, and a fresh `public_id` where the table has one; the new row's id.
async fn copy(db: &DatabaseConnection, table: &str, id: i64, set: &[(&str, String)]) -> Result<i64, DbErr> {
    let columns: Vec<String> = columns(db, table).await.into_iter().filter(|c| c != "id").collect();
    let values: Vec<String> = columns
        .iter()
        .map(|c| match set.iter().find(|(name, _)| name == c) {
            Some((_, value)) => value.clone(),
            None if c == "public_id" => format!("'{}'", public_id()),
            None => c.clone(),
        })
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {table} WHERE id = {id} RETURNING id",
        columns.join(", "),
        values.join(", ")
    );
    scalar(db, &sql).await
}

/// Insert a row of `values` (column, SQL literal), with a fresh `public_id` where the table has
/// one; the new row's id.
async fn insert(db: &DatabaseConnection, table: &str, values: &[(&str, String)]) -> Result<i64, DbErr> {
    let mut values = values.to_vec();
    if columns(db, table).await.iter().any(|c| c == "public_id") {
        values.push(("public_id", format!("'{}'", public_id())));
    }
    let (names, literals): (Vec<&str>, Vec<String>) = values.into_iter().unzip();
    scalar(db, &format!("INSERT INTO {table} ({}) VALUES ({}) RETURNING id", names.join(", "), literals.join(", ")))
        .await
}

fn v(n: i64) -> String {
    n.to_string()
}

/// A vendor of `tenant` (plain SQL, so no entity shape is assumed).
async fn vendor(db: &DatabaseConnection, tenant: i64) -> Result<i64, DbErr> {
    let now = "CURRENT_TIMESTAMP".to_string();
    let values = [
        ("tenant_id", v(tenant)),
        // Names differ between CoCs, so moving one to the other meets only the tenant rules.
        ("name", format!("'Clarity of {tenant}'")),
        ("kind", "'clarity'".into()),
        ("endpoint_url", "'http://127.0.0.1:9/upload'".into()),
        ("mode", "'off'".into()),
        ("created_at", now.clone()),
        ("updated_at", now),
    ];
    insert(db, "vendors", &values).await
}

/// A waiting outbox row of `tenant` for `vendor`.
async fn outbox_row(db: &DatabaseConnection, tenant: i64, vendor: i64, key: &str) -> Result<i64, DbErr> {
    let now = "CURRENT_TIMESTAMP".to_string();
    let values = [
        ("tenant_id", v(tenant)),
        ("vendor_id", v(vendor)),
        ("state", "'available'".into()),
        ("attempt", "0".into()),
        ("max_attempts", "3".into()),
        ("scheduled_at", now.clone()),
        ("errors", "'[]'".into()),
        ("payload", "''".into()),
        ("payload_sha256", "'0'".into()),
        ("record_count", "0".into()),
        ("idempotency_key", format!("'{key}'")),
        ("created_at", now),
    ];
    insert(db, "outbox", &values).await
}

/// A push audit row of `tenant` naming `vendor` and `outbox`.
async fn audit_row(db: &DatabaseConnection, tenant: i64, vendor: i64, outbox: i64) -> Result<i64, DbErr> {
    let values = [
        ("tenant_id", v(tenant)),
        ("vendor_id", v(vendor)),
        ("outbox_id", v(outbox)),
        ("attempt", "1".into()),
        ("at", "CURRENT_TIMESTAMP".into()),
        ("records", "0".into()),
        ("outcome", "'delivered'".into()),
        ("detail", "''".into()),
        ("payload_sha256", "'0'".into()),
    ];
    insert(db, "push_audit", &values).await
}

async fn assign(db: &DatabaseConnection, tenant: i64, shelter: i64, user: i64) -> Result<u64, DbErr> {
    exec(
        db,
        &format!(
            "INSERT INTO shelter_coordinators (tenant_id, shelter_id, user_id) VALUES ({tenant}, {shelter}, {user})"
        ),
    )
    .await
}

/// The write failed, and the error names `rule`.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, DbErr>, rule: &str) {
    match result {
        Ok(t) => panic!("{rule}: the write went through ({t:?})"),
        Err(e) => assert!(e.to_string().contains(rule), "{rule}: refused for another reason: {e}"),
    }
}

/// The demo CoC's Downtown Emergency Shelter (assigned to Alicia Moreno) with its line and first
/// snapshot, a vendor with a waiting row; and a copy of all of it in a second CoC, written under
/// the rules (each copy is a valid write that must pass).
async fn arrange(db: &DatabaseConnection) -> (Coc, Coc) {
    let shelter = id_of(db, "SELECT id FROM shelters WHERE hmis_project_id = 'PRJ-2001'").await;
    let tenant = id_of(db, &format!("SELECT tenant_id FROM shelters WHERE id = {shelter}")).await;
    let line = id_of(db, &format!("SELECT MIN(id) FROM inventories WHERE shelter_id = {shelter}")).await;
    let vendor_id = vendor(db, tenant).await.unwrap();
    let ours = Coc {
        tenant,
        org: id_of(db, &format!("SELECT organization_id FROM shelters WHERE id = {shelter}")).await,
        shelter,
        line,
        snapshot: id_of(db, &format!("SELECT MIN(id) FROM bed_snapshots WHERE inventory_id = {line}")).await,
        coordinator: id_of(db, &format!("SELECT id FROM users WHERE email = '{}'", COORDINATOR.0)).await,
        vendor: vendor_id,
        outbox: outbox_row(db, tenant, vendor_id, "ours").await.unwrap(),
    };

    let t =
        copy(db, "tenants", ours.tenant, &[("name", "'Other CoC'".into()), ("slug", "'other'".into())]).await.unwrap();
    let org = copy(db, "organizations", ours.org, &[("tenant_id", v(t))]).await.unwrap();
    let shelter =
        copy(db, "shelters", ours.shelter, &[("tenant_id", v(t)), ("organization_id", v(org))]).await.unwrap();
    // Households with adults and children: not the household of our line (see the move below).
    let line = copy(
        db,
        "inventories",
        ours.line,
        &[("tenant_id", v(t)), ("shelter_id", v(shelter)), ("household_type", "3".into())],
    )
    .await
    .unwrap();
    let set = [("tenant_id", v(t)), ("email", "'someone@other-coc.example'".into())];
    let coordinator = copy(db, "users", ours.coordinator, &set).await.unwrap();
    let snapshot = copy(
        db,
        "bed_snapshots",
        ours.snapshot,
        &[("tenant_id", v(t)), ("inventory_id", v(line)), ("updated_by", v(coordinator))],
    )
    .await
    .unwrap();
    assign(db, t, shelter, coordinator).await.unwrap();
    let vendor_id = vendor(db, t).await.unwrap();
    let outbox = outbox_row(db, t, vendor_id, "theirs").await.unwrap();
    audit_row(db, t, vendor_id, outbox).await.unwrap();
    let theirs = Coc { tenant: t, org, shelter, line, snapshot, coordinator, vendor: vendor_id, outbox };
    (ours, theirs)
}

async fn no_row_points_into_another_tenant(app: TestDb) {
    let db = app.db().await;
    let (ours, theirs) = arrange(&db).await;

    // A shelter of ours under their organization: inserted, or moved there.
    let set = [("organization_id", v(theirs.org)), ("hmis_project_id", "'PRJ-9001'".into())];
    refused(copy(&db, "shelters", ours.shelter, &set).await, "fk_shelter_org_tenant");
    refused(
        exec(&db, &format!("UPDATE shelters SET organization_id = {} WHERE id = {}", theirs.org, ours.shelter)).await,
        "fk_shelter_org_tenant",
    );

    // An inventory line of ours on their shelter.
    let set = [("shelter_id", v(theirs.shelter)), ("inventory_end_date", "inventory_start_date".into())];
    refused(copy(&db, "inventories", ours.line, &set).await, "fk_inv_shelter_tenant");
    refused(
        exec(&db, &format!("UPDATE inventories SET shelter_id = {} WHERE id = {}", theirs.shelter, ours.line)).await,
        "fk_inv_shelter_tenant",
    );

    // A snapshot of ours of their line.
    refused(copy(&db, "bed_snapshots", ours.snapshot, &[("inventory_id", v(theirs.line))]).await, "fk_snap_inv_tenant");
    refused(
        exec(&db, &format!("UPDATE bed_snapshots SET inventory_id = {} WHERE id = {}", theirs.line, ours.snapshot))
            .await,
        "fk_snap_inv_tenant",
    );

    // Their coordinator, or a platform admin (no tenant), on our shelter; ours on their shelter.
    refused(assign(&db, ours.tenant, ours.shelter, theirs.coordinator).await, "fk_sc_user_tenant");
    let platform = id_of(&db, &format!("SELECT id FROM users WHERE email = '{}'", PLATFORM.0)).await;
    refused(assign(&db, ours.tenant, ours.shelter, platform).await, "fk_sc_user_tenant");
    refused(assign(&db, ours.tenant, theirs.shelter, ours.coordinator).await, "fk_sc_shelter_tenant");

    // Deliveries: an outbox row of ours for their vendor; audit rows naming their vendor or row.
    refused(outbox_row(&db, ours.tenant, theirs.vendor, "crossed").await, "fk_outbox_vendor_tenant");
    refused(
        exec(&db, &format!("UPDATE outbox SET vendor_id = {} WHERE id = {}", theirs.vendor, ours.outbox)).await,
        "fk_outbox_vendor_tenant",
    );
    refused(audit_row(&db, ours.tenant, theirs.vendor, ours.outbox).await, "fk_audit_vendor_tenant");
    refused(audit_row(&db, ours.tenant, ours.vendor, theirs.outbox).await, "fk_audit_outbox_tenant");

    // Nor does a parent leave its tenant under its children.
    refused(
        exec(&db, &format!("UPDATE users SET tenant_id = {} WHERE id = {}", theirs.tenant, ours.coordinator)).await,
        "fk_sc_user_tenant",
    );
    refused(
        exec(&db, &format!("UPDATE vendors SET tenant_id = {} WHERE id = {}", theirs.tenant, ours.vendor)).await,
        "fk_outbox_vendor_tenant",
    );

    // Writes inside one tenant still pass (the second CoC's rows above were written the same way).
    let set = [("hmis_project_id", "'PRJ-9002'".into())];
    let shelter = copy(&db, "shelters", ours.shelter, &set).await.expect("a shelter of ours under our organization");
    let line = copy(&db, "inventories", ours.line, &[("shelter_id", v(shelter))]).await.expect("a line on our shelter");
    copy(&db, "bed_snapshots", ours.snapshot, &[("inventory_id", v(line))]).await.expect("a snapshot of our line");
    assign(&db, ours.tenant, shelter, ours.coordinator).await.expect("our coordinator on our shelter");
    let outbox = outbox_row(&db, ours.tenant, ours.vendor, "second").await.expect("an outbox row for our vendor");
    audit_row(&db, ours.tenant, ours.vendor, outbox).await.expect("an audit row of ours");
    let unassigned = id_of(&db, "SELECT id FROM users WHERE email = 'intake@capital-coc.example'").await;
    exec(&db, &format!("UPDATE users SET tenant_id = {} WHERE id = {unassigned}", theirs.tenant))
        .await
        .expect("a user without assignments moves");
}
both_backends!(no_row_points_into_another_tenant, db);

async fn history_outlives_no_parent(app: TestDb) {
    let db = app.db().await;
    // Eastside Transitional Apartments has a line with snapshots and no coordinator.
    let shelter = id_of(&db, "SELECT id FROM shelters WHERE hmis_project_id = 'PRJ-2006'").await;
    let line = id_of(&db, &format!("SELECT MIN(id) FROM inventories WHERE shelter_id = {shelter}")).await;
    let count_snapshots = format!("SELECT COUNT(*) FROM bed_snapshots WHERE inventory_id = {line}");
    let snapshots = id_of(&db, &count_snapshots).await;
    assert!(snapshots > 0);
    refused(exec(&db, &format!("DELETE FROM shelters WHERE id = {shelter}")).await, "fk_inv_shelter");
    refused(exec(&db, &format!("DELETE FROM inventories WHERE id = {line}")).await, "fk_snap_inv");
    assert_eq!(id_of(&db, &count_snapshots).await, snapshots);

    // A shelter or a user with an assignment stays; unassigning (deleting the child) still works.
    let fresh = copy(&db, "shelters", shelter, &[("hmis_project_id", "'PRJ-9003'".into())]).await.unwrap();
    let tenant = id_of(&db, &format!("SELECT tenant_id FROM shelters WHERE id = {fresh}")).await;
    let coordinator = id_of(&db, &format!("SELECT id FROM users WHERE email = '{}'", COORDINATOR.0)).await;
    assign(&db, tenant, fresh, coordinator).await.unwrap();
    refused(exec(&db, &format!("DELETE FROM shelters WHERE id = {fresh}")).await, "fk_sc_shelter");
    refused(exec(&db, &format!("DELETE FROM users WHERE id = {coordinator}")).await, "fk_sc_user");
    let unassign = format!("DELETE FROM shelter_coordinators WHERE shelter_id = {fresh} AND user_id = {coordinator}");
    assert_eq!(exec(&db, &unassign).await.unwrap(), 1);

    // Rows without children go: a line without snapshots, then its shelter.
    let fresh_line = copy(&db, "inventories", line, &[("shelter_id", v(fresh))]).await.unwrap();
    assert_eq!(exec(&db, &format!("DELETE FROM inventories WHERE id = {fresh_line}")).await.unwrap(), 1);
    assert_eq!(exec(&db, &format!("DELETE FROM shelters WHERE id = {fresh}")).await.unwrap(), 1);
}
both_backends!(history_outlives_no_parent, db);

/// (table, column, rule, a value off the list, a value on it)
const CODE_COLUMNS: &[(&str, &str, &str, &str, &str)] = &[
    ("shelters", "project_type", "ck_shelter_project_type", "4", "13"),
    ("shelters", "project_type", "ck_shelter_project_type", "5", "1"),
    ("shelters", "housing_type", "ck_shelter_housing_type", "4", "NULL"),
    ("shelters", "target_population", "ck_shelter_target_population", "2", "NULL"),
    ("shelters", "geography_type", "ck_shelter_geography_type", "4", "99"),
    ("shelters", "hmis_participation_type", "ck_shelter_hmis_participation_type", "3", "0"),
    ("inventories", "household_type", "ck_inventory_household_type", "2", "4"),
    ("inventories", "availability", "ck_inventory_availability", "0", "NULL"),
    ("inventories", "es_bed_type", "ck_inventory_es_bed_type", "4", "3"),
];

async fn code_columns_hold_hmis_codes(app: TestDb) {
    let db = app.db().await;
    let shelter = id_of(&db, "SELECT id FROM shelters WHERE hmis_project_id = 'PRJ-2001'").await;
    let line = id_of(&db, &format!("SELECT MIN(id) FROM inventories WHERE shelter_id = {shelter}")).await;
    for (table, column, rule, bad, good) in CODE_COLUMNS {
        let id = if *table == "shelters" { shelter } else { line };
        refused(exec(&db, &format!("UPDATE {table} SET {column} = {bad} WHERE id = {id}")).await, rule);
        let fine = exec(&db, &format!("UPDATE {table} SET {column} = {good} WHERE id = {id}")).await;
        assert_eq!(fine.unwrap_or_else(|e| panic!("{column} = {good}: {e}")), 1);
    }
    // New rows too.
    let set = [("project_type", "6".into()), ("hmis_project_id", "'PRJ-9004'".into())];
    refused(copy(&db, "shelters", shelter, &set).await, "ck_shelter_project_type");
    let set = [("household_type", "2".into()), ("inventory_end_date", "inventory_start_date".into())];
    refused(copy(&db, "inventories", line, &set).await, "ck_inventory_household_type");
    let set = [("project_type", "8".into()), ("hmis_project_id", "'PRJ-9005'".into())];
    let safe_haven = copy(&db, "shelters", shelter, &set).await.expect("a safe haven");
    copy(
        &db,
        "inventories",
        line,
        &[("shelter_id", v(safe_haven)), ("availability", "NULL".into()), ("es_bed_type", "NULL".into())],
    )
    .await
    .expect("a line without ES fields");
}
both_backends!(code_columns_hold_hmis_codes, db);

/// How many migrations from the last back to `name` inclusive: `down` by that many takes it off.
fn steps_to(name: &str) -> u32 {
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    let at = names.iter().position(|n| n == name).expect("the migration is registered");
    (names.len() - at) as u32
}

async fn the_rules_come_off_and_go_back_on_the_demo_data(app: TestApp) {
    let db = app.db().await;
    let (ours, theirs) = arrange(&db).await;
    let steps = steps_to("m0010_tenant_integrity");
    Migrator::down(&db, Some(steps)).await.expect("down");

    // Off: what m0010 refuses goes through, and deleting a shelter cascades again.
    let moved = format!("UPDATE users SET tenant_id = {} WHERE id = {}", theirs.tenant, ours.coordinator);
    assert_eq!(exec(&db, &moved).await.expect("no tenant rule after down"), 1);
    let odd = format!("UPDATE shelters SET project_type = 4 WHERE id = {}", ours.shelter);
    assert_eq!(exec(&db, &odd).await.expect("no code rule after down"), 1);
    let fresh = copy(&db, "shelters", ours.shelter, &[("hmis_project_id", "'PRJ-9006'".into())]).await.unwrap();
    copy(&db, "inventories", ours.line, &[("shelter_id", v(fresh))]).await.unwrap();
    assert_eq!(exec(&db, &format!("DELETE FROM shelters WHERE id = {fresh}")).await.expect("cascade after down"), 1);
    assert_eq!(id_of(&db, &format!("SELECT COUNT(*) FROM inventories WHERE shelter_id = {fresh}")).await, 0);

    // Back on: rows that break a rule stop it, with the rule named, and nothing changes.
    refused(Migrator::up(&db, None).await, "fk_sc_user_tenant");
    assert_eq!(Migrator::get_pending_migrations(&db).await.unwrap().len() as u32, steps);
    let back = format!("UPDATE users SET tenant_id = {} WHERE id = {}", ours.tenant, ours.coordinator);
    exec(&db, &back).await.unwrap();
    refused(Migrator::up(&db, None).await, "ck_shelter_project_type");
    exec(&db, &format!("UPDATE shelters SET project_type = 1 WHERE id = {}", ours.shelter)).await.unwrap();
    Migrator::up(&db, None).await.expect("up on the demo data");
    assert!(Migrator::get_pending_migrations(&db).await.unwrap().is_empty());

    refused(exec(&db, &moved).await, "fk_sc_user_tenant");
    refused(exec(&db, &odd).await, "ck_shelter_project_type");
    refused(exec(&db, &format!("DELETE FROM shelters WHERE id = {}", theirs.shelter)).await, "fk_");
    // The app still works on it.
    let admin = app.signed_in(ADMIN).await;
    assert_eq!(admin.page("/admin/shelters").await.status, 200);
}
both_backends!(the_rules_come_off_and_go_back_on_the_demo_data);

/// m0011 (addresses unique per CoC) comes off and goes back on the demo data: the same users,
/// sessions and rules on `users` after it, both ways; it does not come off while two CoCs share
/// an address.
async fn addresses_per_coc_come_off_and_go_back_on_the_demo_data(app: TestApp) {
    let db = app.db().await;
    let (ours, theirs) = arrange(&db).await;
    let coordinator = app.signed_in(COORDINATOR).await;
    let users = "SELECT COUNT(*) FROM users";
    let count = id_of(&db, users).await;
    let same_address = |tenant: i64| {
        format!(
            "UPDATE users SET email = '{}' WHERE id = (SELECT MIN(id) FROM users WHERE tenant_id = {tenant} AND email <> '{}')",
            COORDINATOR.0, COORDINATOR.0
        )
    };

    // Another CoC's user may have our coordinator's address; ours may not.
    assert_eq!(exec(&db, &same_address(theirs.tenant)).await.expect("an address shared across CoCs"), 1);
    let taken = exec(&db, &same_address(ours.tenant)).await.expect_err("an address twice in one CoC");
    assert!(taken.to_string().to_lowercase().contains("unique"), "{taken}");
    let m0011 = steps_to("m0011_user_email_per_coc");
    refused(Migrator::down(&db, Some(m0011)).await, "address(es) belong to users in several CoCs");
    // The migrations after m0011 came off before it refused: back on.
    Migrator::up(&db, None).await.expect("the later migrations back on");
    exec(
        &db,
        &format!(
            "UPDATE users SET email = 'their-own@harbor.example' WHERE tenant_id = {} AND email = '{}'",
            theirs.tenant, COORDINATOR.0
        ),
    )
    .await
    .unwrap();

    for step in ["down", "up"] {
        match step {
            "down" => Migrator::down(&db, Some(m0011)).await.expect("m0011 down on the demo data"),
            _ => Migrator::up(&db, None).await.expect("m0011 up on the demo data"),
        }
        assert_eq!(id_of(&db, users).await, count, "{step}: every user is still there");
        // The rules on `users` came through the rebuild: a user with assignments keeps its CoC,
        // and one with snapshots or assignments is not deleted.
        let moved = format!("UPDATE users SET tenant_id = {} WHERE id = {}", theirs.tenant, ours.coordinator);
        refused(exec(&db, &moved).await, "fk_sc_user_tenant");
        refused(exec(&db, &format!("DELETE FROM users WHERE id = {}", ours.coordinator)).await, "fk_sc_user");
        // The signed-in coordinator's session is the same one.
        assert_eq!(coordinator.page("/").await.status, 200, "{step}: the session survives");
    }
    let shared = exec(&db, &same_address(theirs.tenant)).await;
    assert_eq!(shared.expect("after up, an address may be shared across CoCs again"), 1);
    let admin = app.signed_in(ADMIN).await;
    assert_eq!(admin.page("/admin/users").await.status, 200);
}
both_backends!(addresses_per_coc_come_off_and_go_back_on_the_demo_data);

/// A vendor's kind and a push audit row's outcome hold the values the app's enums have (m0012).
async fn vendor_kinds_and_audit_outcomes_hold_their_codes(app: TestDb) {
    let db = app.db().await;
    let (ours, _) = arrange(&db).await;
    let audit = audit_row(&db, ours.tenant, ours.vendor, ours.outbox).await.unwrap();
    let checks = [
        ("vendors", "kind", ours.vendor, "'sftp'", "'hud_api'", "ck_vendor_kind"),
        ("push_audit", "outcome", audit, "'maybe'", "'permanent'", "ck_push_audit_outcome"),
    ];
    for (table, column, id, bad, good, rule) in checks {
        refused(exec(&db, &format!("UPDATE {table} SET {column} = {bad} WHERE id = {id}")).await, rule);
        let fine = exec(&db, &format!("UPDATE {table} SET {column} = {good} WHERE id = {id}")).await;
        assert_eq!(fine.unwrap_or_else(|e| panic!("{column} = {good}: {e}")), 1);
    }
    refused(copy(&db, "vendors", ours.vendor, &[("kind", "'ftp'".into())]).await, "ck_vendor_kind");
    refused(copy(&db, "push_audit", audit, &[("outcome", "'lost'".into())]).await, "ck_push_audit_outcome");
}
both_backends!(vendor_kinds_and_audit_outcomes_hold_their_codes, db);

/// m0013 on a database with vendors from before it: an enabled vendor stays live only when its
/// kind needs no credentials (none are stored yet); the others wait in test, WellSky (no SFTP yet)
/// and disabled ones are off. Two names differing only in case stop it, with the fix named.
async fn vendor_modes_come_from_enabled_and_the_credentials_a_kind_needs(app: TestDb) {
    let db = app.db().await;
    let tenant = id_of(&db, "SELECT MIN(id) FROM tenants").await;
    Migrator::down(&db, Some(steps_to("m0013_vendor_settings"))).await.expect("m0013 down");
    let add = |name: &str, kind: &str, enabled: bool| {
        let values = vec![
            ("tenant_id", v(tenant)),
            ("name", format!("'{name}'")),
            ("kind", format!("'{kind}'")),
            ("endpoint_url", "'https://vendor.example/in'".to_string()),
            ("enabled", if enabled { "true" } else { "false" }.to_string()),
            ("created_at", "CURRENT_TIMESTAMP".to_string()),
            ("updated_at", "CURRENT_TIMESTAMP".to_string()),
        ];
        let db = db.clone();
        async move { insert(&db, "vendors", &values).await.unwrap() }
    };
    let clarity = add("Clarity", "clarity", true).await;
    let custom = add("Custom", "custom", true).await;
    let resting = add("Resting", "custom", false).await;
    let wellsky = add("WellSky", "wellsky", true).await;
    let twin = add("clarity", "hud_api", true).await;

    refused(Migrator::up(&db, None).await, "vendor name(s) are used twice in one CoC");
    exec(&db, &format!("UPDATE vendors SET name = 'HUD API' WHERE id = {twin}")).await.unwrap();
    Migrator::up(&db, None).await.expect("m0013 up");

    for (id, mode) in [(clarity, "test"), (custom, "live"), (resting, "off"), (wellsky, "off"), (twin, "test")] {
        let sql = format!("SELECT COUNT(*) FROM vendors WHERE id = {id} AND mode = '{mode}'");
        assert_eq!(scalar(&db, &sql).await.unwrap(), 1, "vendor {id} is {mode}");
    }
    let json = "SELECT COUNT(*) FROM vendors WHERE payload_format = 'hud_csvexport' AND json_version = 1";
    assert_eq!(scalar(&db, json).await.unwrap(), 1);
    // Names are unique in a CoC whatever their case, among vendors not deleted.
    refused(copy(&db, "vendors", custom, &[("name", "'CUSTOM'".into())]).await, "idx_vendor_name");
    exec(&db, &format!("UPDATE vendors SET deleted_at = CURRENT_TIMESTAMP WHERE id = {custom}")).await.unwrap();
    copy(&db, "vendors", resting, &[("name", "'custom'".into())]).await.expect("a deleted vendor's name is free");
}
both_backends!(vendor_modes_come_from_enabled_and_the_credentials_a_kind_needs, db);
