//! The existence matrix (DESIGN.md 4.1): for every endpoint that takes an id or a unique key, a
//! hidden DV row, another tenant's row and a missing row give the same status and body, for an
//! admin without DV access and for a coordinator. Request bodies are chosen to pass validation,
//! so only the id decides the answer.
use crate::common::*;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use app::entities::{ce_participation, funder, inventory, organization, outbox, shelter, tenant, user};

/// One row of each kind: the DV one the viewer cannot see, another tenant's, and an id no row has.
/// Every kind goes by its public id.
struct Hidden {
    shelter: [String; 3],
    line: [String; 3],
    organization: [String; 3],
    user: [String; 3],
    delivery: [String; 2],
    funder: [String; 3],
    ce: [String; 3],
    /// Another CoC's API token, and a missing one (tokens have no DV kind).
    token: [String; 2],
}

/// A public id no row has.
const MISSING: &str = "00000000000000000000";

/// A `save_shelter` form that passes validation: shelter `id` ("new" to create) of organization
/// `org` (public ids), with its ProjectID, name, project type and target population ("" for none).
fn shelter_form<'a>(
    id: &'a str,
    org: &'a str,
    project_id: &'a str,
    name: &'a str,
    project_type: &'a str,
    target: &'a str,
) -> [(&'static str, &'a str); 14] {
    [
        ("id", id),
        ("shelter[organization_id]", org),
        ("shelter[hmis_project_id]", project_id),
        ("shelter[name]", name),
        ("shelter[project_type]", project_type),
        ("shelter[target_population]", target),
        ("shelter[operating_start_date]", "2024-10-01"),
        ("shelter[coc_code]", "TX-503"),
        ("shelter[housing_type]", "1"),
        ("shelter[geocode]", "489453"),
        ("shelter[zip]", "78701"),
        ("shelter[geography_type]", "1"),
        ("shelter[hmis_participation_type]", "1"),
        ("shelter[active]", "on"),
    ]
}

async fn shelter_id(db: &DatabaseConnection, project_id: &str) -> shelter::Model {
    shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq(project_id)).one(db).await.unwrap().unwrap()
}

async fn line_of(db: &DatabaseConnection, shelter_id: i64) -> inventory::Model {
    inventory::Entity::find().filter(inventory::Column::ShelterId.eq(shelter_id)).one(db).await.unwrap().unwrap()
}

/// Another CoC with a shelter, a line, a VSP and a user and a dead letter, inserted directly.
async fn arrange(app: &TestApp) -> Hidden {
    let db = app.db().await;
    let now = Utc::now();
    let OtherCoc { tenant: other, organization: org, shelter: foreign, line: foreign_line } = add_other_coc(&db).await;
    let foreign_user = user::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(Some(other.id)),
        email: Set("someone@other-coc.example".into()),
        display_name: Set("Someone Else".into()),
        password_hash: Set("x".into()),
        role: Set(app::access::Role::Coordinator),
        dv_access: Set(false),
        active: Set(true),
        must_change_password: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    let vendor = new_vendor(other.id, "Other HMIS", "http://127.0.0.1:9/upload").insert(&db).await.unwrap();
    let mut dead = new_outbox_row(&vendor, "other-dead", b"zip".to_vec(), now);
    dead.state = Set(State::Discarded);
    dead.attempt = Set(3);
    dead.finalized_at = Set(Some(now));
    let dead = dead.insert(&db).await.unwrap();

    let dv = shelter_id(&db, "PRJ-2007").await;
    // A user with DV access does not exist for an admin without it.
    let dv_user = user::Entity::find().filter(user::Column::Email.eq(ADMIN.0)).one(&db).await.unwrap().unwrap();
    let vsp = organization::Entity::find()
        .filter(organization::Column::HmisOrganizationId.eq("ORG-103"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let funder_of = |shelter_id: i64, tenant_id: i64| funder::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        shelter_id: Set(shelter_id),
        funder: Set(8),
        start_date: Set(chrono::NaiveDate::from_ymd_opt(2024, 10, 1).unwrap()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let dv_funder = funder_of(dv.id, dv.tenant_id).insert(&db).await.unwrap();
    let foreign_funder = funder_of(foreign.id, other.id).insert(&db).await.unwrap();
    let ce_of = |shelter_id: i64, tenant_id: i64| ce_participation::ActiveModel {
        public_id: Set(app::ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        shelter_id: Set(shelter_id),
        access_point: Set(false),
        receives_referrals: Set(true),
        start_date: Set(chrono::NaiveDate::from_ymd_opt(2024, 10, 1).unwrap()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let dv_ce = ce_of(dv.id, dv.tenant_id).insert(&db).await.unwrap();
    let foreign_ce = ce_of(foreign.id, other.id).insert(&db).await.unwrap();
    let new_token = app::api_tokens::ssr::NewToken {
        tenant_id: other.id,
        name: "Their feed",
        scope: app::api_tokens::TokenScope::Read,
        shelters: &[],
        dv_visible: true,
    };
    let (foreign_token, _) = app::api_tokens::ssr::create(&db, new_token, now).await.unwrap();
    let missing = || MISSING.to_string();
    Hidden {
        token: [foreign_token.public_id, missing()],
        funder: [dv_funder.public_id, foreign_funder.public_id, missing()],
        ce: [dv_ce.public_id, foreign_ce.public_id, missing()],
        shelter: [dv.public_id.clone(), foreign.public_id, missing()],
        line: [line_of(&db, dv.id).await.public_id, foreign_line.public_id, missing()],
        organization: [vsp.public_id, org.public_id, missing()],
        user: [dv_user.public_id, foreign_user.public_id, missing()],
        delivery: [dead.public_id, missing()],
    }
}

/// Every answer to `call(id)` for `ids` is the same (a page may name its own path, `/{id}`);
/// returns the first.
async fn same_for_all<F, Fut>(what: &str, ids: &[String], call: F) -> Response
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let mut answers = Vec::new();
    for id in ids {
        let answer = call(id.clone()).await;
        let text = answer.page_text().replace(&format!("/{id}"), "/ID");
        answers.push((answer, text));
    }
    let (first, first_text) = &answers[0];
    for (id, (answer, text)) in ids.iter().zip(&answers) {
        assert_eq!(
            (answer.status, text),
            (first.status, first_text),
            "{what}: id {id} answers differently from id {}",
            ids[0]
        );
    }
    answers.remove(0).0
}

async fn hidden_and_missing_ids_answer_alike(app: TestApp) {
    let hidden = arrange(&app).await;
    let db = app.db().await;
    let visible_org = organization::Entity::find()
        .filter(organization::Column::HmisOrganizationId.eq("ORG-101"))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .public_id;
    let coordinator_id = user::Entity::find()
        .filter(user::Column::Email.eq(COORDINATOR.0))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let (visible_org, coordinator_id) = (visible_org.as_str(), coordinator_id.as_str());
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let coordinator = app.signed_in(COORDINATOR).await;

    for (who, client) in [("admin without DV access", &admin), ("coordinator", &coordinator)] {
        let not_found = |r: Response, what: &str| assert_eq!(r.status, 404, "{who}, {what}: {}", r.body);
        // A valid form that a TH project would pass: the DV shelter's open lines are emergency
        // shelter lines, which is what used to answer 422 instead of 404.
        let save = |id: String| async move {
            client.call("save_shelter", &shelter_form(&id, visible_org, "PRJ-9001", "Probe", "2", "")).await
        };
        not_found(same_for_all("save_shelter", &hidden.shelter, save).await, "save_shelter");
        let editor = |id: String| async move { client.call("get_shelter_editor", &[("id", id.as_str())]).await };
        not_found(same_for_all("get_shelter_editor", &hidden.shelter, editor).await, "get_shelter_editor");
        let add = |id: String| async move {
            client
                .call(
                    "add_inventory_line",
                    &[
                        ("shelter_id", id.as_str()),
                        ("line[household_type]", "2"),
                        ("line[availability]", "1"),
                        ("line[es_bed_type]", "1"),
                        ("line[other]", "5"),
                        ("line[start_date]", "2026-01-15"),
                    ],
                )
                .await
        };
        not_found(same_for_all("add_inventory_line", &hidden.shelter, add).await, "add_inventory_line");
        let end = |id: String| async move {
            client.call("end_inventory_line", &[("inventory_id", id.as_str()), ("end_date", "2026-02-01")]).await
        };
        not_found(same_for_all("end_inventory_line", &hidden.line, end).await, "end_inventory_line");
        let assign = |id: String| async move {
            client
                .call(
                    "assign_coordinator",
                    &[("shelter_id", id.as_str()), ("user_id", coordinator_id), ("assign", "true")],
                )
                .await
        };
        not_found(same_for_all("assign_coordinator", &hidden.shelter, assign).await, "assign_coordinator");
        let rename = |id: String| async move {
            client.call("update_organization", &[("id", id.as_str()), ("name", "Renamed")]).await
        };
        not_found(same_for_all("update_organization", &hidden.organization, rename).await, "update_organization");
        let counts = |id: String| async move {
            client
                .call(
                    "update_bed_counts",
                    &[
                        ("shelter_id", id.as_str()),
                        ("version", "0"),
                        ("lines[0][inventory_id]", "0123456789abcdef0123"),
                        ("lines[0][total]", "10"),
                        ("lines[0][occupied]", "5"),
                    ],
                )
                .await
        };
        not_found(same_for_all("update_bed_counts", &hidden.shelter, counts).await, "update_bed_counts");
        let add_funder = |id: String| async move {
            client
                .call(
                    "add_funder",
                    &[("shelter_id", id.as_str()), ("funder[funder]", "8"), ("funder[start_date]", "2026-01-01")],
                )
                .await
        };
        not_found(same_for_all("add_funder", &hidden.shelter, add_funder).await, "add_funder");
        let remove_funder =
            |id: String| async move { client.call("remove_funder", &[("funder_id", id.as_str())]).await };
        not_found(same_for_all("remove_funder", &hidden.funder, remove_funder).await, "remove_funder");
        let add_ce = |id: String| async move {
            let form =
                [("shelter_id", id.as_str()), ("ce[receives_referrals]", "on"), ("ce[start_date]", "2026-01-01")];
            client.call("add_ce_participation", &form).await
        };
        not_found(same_for_all("add_ce_participation", &hidden.shelter, add_ce).await, "add_ce_participation");
        let remove_ce =
            |id: String| async move { client.call("remove_ce_participation", &[("id", id.as_str())]).await };
        not_found(same_for_all("remove_ce_participation", &hidden.ce, remove_ce).await, "remove_ce_participation");
        let history = |id: String| async move { client.call("shelter_history", &[("shelter_id", id.as_str())]).await };
        not_found(same_for_all("shelter_history", &hidden.shelter, history).await, "shelter_history");
        for endpoint in ["get_user", "reset_user_password"] {
            let call = |id: String| async move { client.call(endpoint, &[("id", id.as_str())]).await };
            not_found(same_for_all(endpoint, &hidden.user, call).await, endpoint);
        }
        let update = |id: String| async move {
            client.call("update_user", &[("id", id.as_str()), ("role", "coordinator")]).await
        };
        not_found(same_for_all("update_user", &hidden.user, update).await, "update_user");
        let active = |id: String| async move {
            client.call("set_user_active", &[("id", id.as_str()), ("active", "false")]).await
        };
        not_found(same_for_all("set_user_active", &hidden.user, active).await, "set_user_active");
        for endpoint in ["retry_delivery", "cancel_delivery"] {
            let call = |id: String| async move { client.call(endpoint, &[("id", id.as_str())]).await };
            not_found(same_for_all(endpoint, &hidden.delivery, call).await, endpoint);
        }
        let revoke = |id: String| async move { client.call("revoke_api_token", &[("id", id.as_str())]).await };
        not_found(same_for_all("revoke_api_token", &hidden.token, revoke).await, "revoke_api_token");
        // A bed-counts token naming a DV shelter, another CoC's or a missing one: refused alike.
        let mut refusals = Vec::new();
        for project_id in ["PRJ-2007", "OTHER-1", "NOPE-1"] {
            let form = [("name", "Probe feed"), ("scope", "bed_counts"), ("shelters[0]", project_id)];
            let answer = client.call("create_api_token", &form).await;
            refusals.push((answer.status, answer.body.replace(project_id, "ID")));
        }
        assert!(refusals.iter().all(|r| r == &refusals[0]), "{who}, create_api_token: {refusals:?}");
        // Pages: the same page for each, whatever its status.
        for path in ["/admin/shelters/", "/shelter-history/"] {
            let page = |id: String| async move { client.page(&format!("{path}{id}")).await };
            same_for_all(path, &hidden.shelter, page).await;
        }
    }
}
both_backends!(hidden_and_missing_ids_answer_alike);

/// The keys an admin types: a ProjectID or OrganizationID that only a hidden row holds is as
/// free as one nobody holds.
async fn a_hidden_rows_id_is_not_taken_for_an_admin_without_dv_access(app: TestApp) {
    arrange(&app).await;
    let db = app.db().await;
    let org = organization::Entity::find()
        .filter(organization::Column::HmisOrganizationId.eq("ORG-101"))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .public_id;
    let admin = app.signed_in(ADMIN_NO_DV).await;
    // PRJ-2007 is a DV shelter's, OTHER-1 another CoC's, PRJ-9002 nobody's.
    for project_id in ["PRJ-2007", "OTHER-1", "PRJ-9002"] {
        let created = admin.call("save_shelter", &shelter_form("new", &org, project_id, "Probe", "1", "")).await;
        assert_eq!(created.status, 200, "{project_id}: {}", created.body);
        assert!(created.body.contains("Saved Probe."), "{project_id}: {}", created.body);
    }
    // ORG-103 is a victim service provider's, OTHER-ORG another CoC's, ORG-9 nobody's.
    for org_id in ["ORG-103", "OTHER-ORG", "ORG-9"] {
        let created =
            admin.call("create_organization", &[("hmis_organization_id", org_id), ("name", "Probe Org")]).await;
        assert_eq!(created.status, 200, "{org_id}: {}", created.body);
        assert!(created.body.contains("Added Probe Org."), "{org_id}: {}", created.body);
    }

    // A DV admin who turns the DV shelter into a non-DV one meets the collision, and is told.
    let dv_admin = &app.signed_in(ADMIN).await;
    let dv = shelter_id(&db, "PRJ-2007").await;
    let form = |project_id: &'static str| {
        let (id, org) = (dv.public_id.clone(), org.clone());
        async move {
            dv_admin
                .call("save_shelter", &shelter_form(&id, &org, project_id, "SafeHarbor Emergency Shelter", "0", "4"))
                .await
        }
    };
    let clash = form("PRJ-2007").await;
    assert_eq!(clash.json()["Validation"]["field"], "shelter[hmis_project_id]", "{}", clash.body);
    let converted = form("PRJ-2007-B").await;
    assert_eq!(converted.status, 200, "{}", converted.body);
    assert!(!shelter_id(&db, "PRJ-2007-B").await.is_dv);
}
both_backends!(a_hidden_rows_id_is_not_taken_for_an_admin_without_dv_access);

/// The outbox row a test arranges: dead, waiting or running, for the demo CoC's vendor.
async fn queued(
    db: &DatabaseConnection,
    vendor: &app::entities::vendor::Model,
    key: &str,
    state: State,
) -> outbox::Model {
    let now = Utc::now() - chrono::Duration::minutes(5);
    let mut row = new_outbox_row(vendor, key, b"old zip".to_vec(), now);
    row.state = Set(state);
    if state == State::Discarded {
        row.attempt = Set(3);
        row.finalized_at = Set(Some(now));
    }
    if state == State::Running {
        row.attempt = Set(1);
        row.locked_until = Set(Some(now + chrono::Duration::hours(1)));
    }
    row.insert(db).await.unwrap()
}

/// DESIGN.md 4.4: a DV change cancels the payloads built before it, in the same transaction,
/// and Retry refuses them.
async fn a_dv_change_cancels_what_was_built_before_it(app: TestApp) {
    let db = app.db().await;
    let vendor = add_vendor(&db, "Clarity", "http://127.0.0.1:9/upload", true).await;
    let dead = queued(&db, &vendor, "dead", State::Discarded).await;
    let waiting = queued(&db, &vendor, "waiting", State::Available).await;
    let running = queued(&db, &vendor, "running", State::Running).await;
    let admin = app.signed_in(ADMIN).await;
    let downtown = shelter_id(&db, "PRJ-2001").await;
    let org = organization::Entity::find_by_id(downtown.organization_id).one(&db).await.unwrap().unwrap().public_id;
    let save = |target: &'static str| {
        let (id, org) = (downtown.public_id.clone(), org.clone());
        let admin = &admin;
        async move {
            admin
                .call("save_shelter", &shelter_form(&id, &org, "PRJ-2001", "Downtown Emergency Shelter", "1", target))
                .await
        }
    };
    // A plain edit cancels nothing.
    assert_eq!(save("4").await.status, 200);
    assert_eq!(outbox::Entity::find_by_id(waiting.id).one(&db).await.unwrap().unwrap().state, State::Available);

    let became_dv = save("1").await;
    assert_eq!(became_dv.status, 200, "{}", became_dv.body);
    assert!(became_dv.body.contains("3 pushes built before the change were cancelled"), "{}", became_dv.body);
    for row in [&dead, &waiting, &running] {
        let row = outbox::Entity::find_by_id(row.id).one(&db).await.unwrap().unwrap();
        assert_eq!(row.state, State::Cancelled, "{}", row.idempotency_key);
        assert!(row.errors.to_string().contains("DV status changed"), "{}", row.errors);
    }
    // A dead letter built before the change is refused even if it were still dead.
    let mut revived: outbox::ActiveModel = outbox::Entity::find_by_id(dead.id).one(&db).await.unwrap().unwrap().into();
    revived.state = Set(State::Discarded);
    revived.update(&db).await.unwrap();
    let refused = admin.call("retry_delivery", &[("id", &dead.public_id)]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("DV status changed"), "{}", refused.body);

    // The change is in the admin audit, and the tenant remembers when it happened.
    let audit = app::entities::admin_audit::Entity::find().all(&db).await.unwrap();
    assert!(
        audit.iter().any(|a| a.action == "shelter.dv" && a.old_value == "not DV" && a.new_value == "DV"),
        "{audit:?}"
    );
    let tenant = tenant::Entity::find_by_id(downtown.tenant_id).one(&db).await.unwrap().unwrap();
    assert_eq!(tenant.dv_epoch, 1, "one DV change, one epoch");

    // A fresh push after the change is accepted.
    let pushed = admin.call("queue_hmis_push", &[("vendor", "all"), ("token", "0123456789abcdef-fresh")]).await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);
}
both_backends!(a_dv_change_cancels_what_was_built_before_it);

/// An admin without DV access sees of the aggregate what vendors receive: beds per household
/// type, no occupancy, freshness or shelter count.
async fn the_preview_shows_the_aggregate_as_sent(app: TestApp) {
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let preview = admin.call("preview_hmis_export", &[]).await.json();
    let aggregate = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dv_aggregate"] == true)
        .expect("the aggregate row")
        .clone();
    assert_eq!(aggregate["shelters"], 0);
    assert_eq!(aggregate["oldest_update"], serde_json::Value::Null);
    assert_eq!(aggregate["unreported_lines"], 0);
    for h in aggregate["households"].as_array().unwrap() {
        assert!(h["beds_total"].as_i64().unwrap() > 0);
        assert_eq!((h["beds_reported"].as_i64(), h["beds_occupied"].as_i64()), (Some(0), Some(0)), "{h}");
    }
    assert_eq!(preview["dv"], serde_json::Value::Null);
    let dv_admin = app.signed_in(ADMIN).await;
    let full = dv_admin.call("preview_hmis_export", &[]).await.json();
    let aggregate = full["rows"].as_array().unwrap().iter().find(|r| r["dv_aggregate"] == true).unwrap().clone();
    assert!(aggregate["shelters"].as_i64().unwrap() >= 3);
}
both_backends!(the_preview_shows_the_aggregate_as_sent);

/// Row ids are sequential, so their gaps would count hidden rows: what a viewer sees and what
/// vendors get carries public ids only (random, one shape).
async fn only_public_ids_leave_the_server(app: TestApp) {
    use crate::common::hmis_spec::{Export, validate};
    let is_public = |id: &str| id.len() == 20 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let shelters = admin.call("list_shelters", &[]).await.json();
    for row in shelters["rows"].as_array().unwrap() {
        assert!(is_public(row["id"].as_str().unwrap()), "{row}");
    }
    for org in admin.call("list_organizations", &[]).await.json().as_array().unwrap() {
        assert!(is_public(org["id"].as_str().unwrap()), "{org}");
    }
    let first = shelters["rows"][0]["id"].as_str().unwrap().to_string();
    let editor = admin.call("get_shelter_editor", &[("id", &first)]).await.json();
    for line in editor["lines"].as_array().unwrap() {
        assert!(is_public(line["id"].as_str().unwrap()), "{line}");
    }
    assert!(is_public(editor["form"]["organization_id"].as_str().unwrap()));

    let zip = admin.download(app::hmis::ui::DOWNLOAD_PATH).await;
    let export = validate(&zip.bytes).unwrap_or_else(|e| panic!("{e:?}"));
    for (file, col) in [
        ("Inventory.csv", "InventoryID"),
        ("HMISParticipation.csv", "HMISParticipationID"),
        ("ProjectCoC.csv", "ProjectCoCID"),
        ("Funder.csv", "FunderID"),
    ] {
        for row in export.rows(file) {
            let id = Export::str(row, col);
            let public = id.split('-').next().unwrap_or_default();
            assert!(is_public(public) || app::hmis::is_reserved_id(id), "{file} {col} {id}");
        }
    }
}
both_backends!(only_public_ids_leave_the_server);
