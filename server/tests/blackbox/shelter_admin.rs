//! Managing shelters, inventory lines, organizations and assignments, on SQLite and PostgreSQL.
use crate::common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use app::entities::shelter;

async fn id_of(app: &TestApp, project_id: &str) -> String {
    shelter::Entity::find()
        .filter(shelter::Column::HmisProjectId.eq(project_id))
        .one(&app.db().await)
        .await
        .unwrap()
        .map(|s| s.public_id)
        .unwrap_or_else(|| panic!("{project_id}"))
}

fn shelter_form<'a>(org: &'a str, project_id: &'a str, target: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", "new"),
        ("shelter[organization_id]", org),
        ("shelter[hmis_project_id]", project_id),
        ("shelter[name]", "Northside Respite Center"),
        ("shelter[project_type]", "1"),
        ("shelter[target_population]", target),
        ("shelter[operating_start_date]", "2026-01-15"),
        ("shelter[coc_code]", "TX-503"),
        ("shelter[zip]", "78753"),
        ("shelter[housing_type]", "1"),
        ("shelter[geocode]", "489453"),
        ("shelter[geography_type]", "1"),
        ("shelter[hmis_participation_type]", "1"),
        ("shelter[active]", "on"),
    ]
}

async fn an_admin_creates_a_shelter_with_lines_and_a_coordinator(app: TestApp) {
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let orgs = admin.call("list_organizations", &[]).await.json();
    assert!(!orgs.to_string().contains("SafeHarbor"), "a victim service provider must be invisible: {orgs}");
    let org = id_text(&orgs[0]["id"]);

    // Bad fields are named; a DV shelter needs DV access; ProjectIDs are unique.
    let mut bad = shelter_form(&org, "PRJ-3001", "4");
    bad[8] = ("shelter[zip]", "787");
    assert_eq!(admin.call("save_shelter", &bad).await.json()["Validation"]["field"], "shelter[zip]");
    let dv = admin.call("save_shelter", &shelter_form(&org, "PRJ-3001", "1")).await;
    assert_eq!(dv.json()["Validation"]["field"], "shelter[target_population]", "{}", dv.body);
    let taken = admin.call("save_shelter", &shelter_form(&org, "PRJ-2001", "4")).await;
    assert_eq!(taken.json()["Validation"]["field"], "shelter[hmis_project_id]");
    let created = admin.call("save_shelter", &shelter_form(&org, "PRJ-3001", "4")).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = id_of(&app, "PRJ-3001").await;

    // Emergency shelter lines need Availability and ESBedType; BedInventory is the sum.
    let line = |availability: &'static str| {
        vec![
            ("shelter_id", id.clone()),
            ("line[household_type]", "1".to_string()),
            ("line[availability]", availability.to_string()),
            ("line[es_bed_type]", "1".to_string()),
            ("line[unit_inventory]", "30".to_string()),
            ("line[vet]", "5".to_string()),
            ("line[other]", "25".to_string()),
            ("line[start_date]", "2026-01-15".to_string()),
        ]
    };
    let as_pairs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let call = |form: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.call("add_inventory_line", &pairs).await
        }
    };
    let missing = call(as_pairs(&line(""))).await;
    assert_eq!(missing.json()["Validation"]["field"], "line[availability]", "{}", missing.body);
    // More units than beds (HDX flag 785), or a line that ends on its start date (the LSA counts
    // it on no night), is refused with the field named.
    let mut too_many_units = line("1");
    too_many_units[4].1 = "31".into();
    let refused = call(as_pairs(&too_many_units)).await;
    assert_eq!(refused.json()["Validation"]["field"], "line[unit_inventory]", "{}", refused.body);
    assert!(refused.body.contains("31 units is more than the line's 30 beds"), "{}", refused.body);
    let mut one_night = line("2");
    one_night.push(("line[end_date]", "2026-01-15".into()));
    let refused = call(as_pairs(&one_night)).await;
    assert_eq!(refused.json()["Validation"]["field"], "line[end_date]", "{}", refused.body);
    assert_eq!(call(as_pairs(&line("1"))).await.status, 200);
    let twice = call(as_pairs(&line("1"))).await;
    assert_eq!(twice.json()["Validation"]["field"], "line[household_type]");
    // Its open line is an emergency-shelter line: the project cannot silently become TH.
    let mut as_th = shelter_form(&org, "PRJ-3001", "4");
    as_th[0] = ("id", &id);
    as_th[4] = ("shelter[project_type]", "2");
    assert_eq!(admin.call("save_shelter", &as_th).await.json()["Validation"]["field"], "shelter[project_type]");
    let editor = admin.call("get_shelter_editor", &[("id", &id)]).await.json();
    assert_eq!(editor["lines"][0]["bed_inventory"], 30);
    assert_eq!(editor["lines"][0]["dedicated"], 5);

    // Assign a coordinator, who now sees the shelter.
    let coordinator_id = editor["assignable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == COORDINATOR.0)
        .map(|c| id_text(&c["id"]))
        .unwrap();
    let assigned = admin
        .call("assign_coordinator", &[("shelter_id", &id), ("user_id", &coordinator_id), ("assign", "true")])
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    let coordinator = app.signed_in(COORDINATOR).await;
    let mine = coordinator.call("list_my_shelters", &[]).await.json();
    assert!(mine.to_string().contains("Northside Respite Center"));
}
both_backends!(an_admin_creates_a_shelter_with_lines_and_a_coordinator);

async fn a_dv_shelter_page_is_not_found_without_dv_access(app: TestApp) {
    let dv = id_of(&app, "PRJ-2008").await;
    let without = app.signed_in(ADMIN_NO_DV).await;
    let theirs = without.call("get_shelter_editor", &[("id", &dv)]).await;
    let missing = without.call("get_shelter_editor", &[("id", "987654")]).await;
    assert_eq!((theirs.status, &theirs.body), (404, &missing.body));
    assert_eq!(without.page(&format!("/admin/shelters/{dv}")).await.status, 404);
    assert_eq!(without.page(&format!("/shelter-history/{dv}")).await.status, 404);
    let with = app.signed_in(ADMIN).await;
    assert_eq!(with.call("get_shelter_editor", &[("id", &dv)]).await.status, 200);
    assert_eq!(with.page(&format!("/admin/shelters/{dv}")).await.status, 200);
}
both_backends!(a_dv_shelter_page_is_not_found_without_dv_access);

async fn a_line_change_makes_an_open_counts_form_conflict(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let mine = coordinator.call("list_my_shelters", &[]).await.json();
    let family = mine.as_array().unwrap().iter().find(|s| s["name"] == "Capital Family Shelter").unwrap().clone();
    let admin = app.signed_in(ADMIN).await;
    let line_id = id_text(&family["lines"][0]["inventory_id"]);
    // A line that has counted nights cannot end on its start date: HUD would count none of them.
    let editor = admin.call("get_shelter_editor", &[("id", &id_text(&family["id"]))]).await.json();
    let start =
        editor["lines"].as_array().unwrap().iter().find(|l| id_text(&l["id"]) == line_id).unwrap()["start_date"]
            .as_str()
            .unwrap()
            .to_string();
    let refused = admin.call("end_inventory_line", &[("inventory_id", &line_id), ("end_date", &start)]).await;
    assert_eq!(refused.json()["Validation"]["field"], "end_date", "{}", refused.body);
    assert!(refused.body.contains("HUD counts no night"), "{}", refused.body);
    let ended = admin.call("end_inventory_line", &[("inventory_id", &line_id), ("end_date", "2026-11-01")]).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    let form = [
        ("shelter_id", id_text(&family["id"])),
        ("version", family["counts_version"].to_string()),
        ("lines[0][inventory_id]", line_id.clone()),
        ("lines[0][total]", "12".into()),
        ("lines[0][occupied]", "3".into()),
        ("lines[1][inventory_id]", id_text(&family["lines"][1]["inventory_id"])),
        ("lines[1][total]", "48".into()),
        ("lines[1][occupied]", "40".into()),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(coordinator.call("update_bed_counts", &pairs).await.status, 409);
}
both_backends!(a_line_change_makes_an_open_counts_form_conflict);

async fn count(client: &Client) -> u64 {
    client.call("list_shelters", &[]).await.json()["total"].as_u64().unwrap()
}

async fn marking_an_organization_a_vsp_hides_its_shelters(app: TestApp) {
    let with = app.signed_in(ADMIN).await;
    let without = app.signed_in(ADMIN_NO_DV).await;
    assert_eq!(count(&without).await, 16);
    let orgs = with.call("list_organizations", &[]).await.json();
    let eastside = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Eastside Community Services")
        .map(|o| id_text(&o["id"]))
        .unwrap();
    // Only an admin with DV access may set the flag.
    let refused = without
        .call(
            "update_organization",
            &[("id", &eastside), ("name", "Eastside Community Services"), ("victim_service_provider", "on")],
        )
        .await;
    assert_eq!(refused.json()["Validation"]["field"], "victim_service_provider");
    let saved = with
        .call(
            "update_organization",
            &[("id", &eastside), ("name", "Eastside Community Services"), ("victim_service_provider", "on")],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    // Eastside runs 4 shelters: they are DV shelters now.
    assert_eq!(count(&without).await, 12);
    assert_eq!(count(&with).await, 21);
    let orgs = without.call("list_organizations", &[]).await.json();
    assert!(!orgs.to_string().contains("Eastside"), "{orgs}");
}
both_backends!(marking_an_organization_a_vsp_hides_its_shelters);

async fn a_project_is_hic_ready_keeps_its_lines_within_its_dates_and_closes_with_an_end_date(app: TestApp) {
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let org = id_text(&admin.call("list_organizations", &[]).await.json()[0]["id"]);
    // HIC values are required of an active project; a name that starts like a formula is refused.
    for (index, value, field) in
        [(10, "", "shelter[geocode]"), (11, "99", "shelter[geography_type]"), (3, "=HYPERLINK(\"x\")", "shelter[name]")]
    {
        let mut form = shelter_form(&org, "PRJ-3101", "4");
        form[index].1 = value;
        assert_eq!(admin.call("save_shelter", &form).await.json()["Validation"]["field"], field, "{value}");
    }
    assert_eq!(admin.call("save_shelter", &shelter_form(&org, "PRJ-3101", "4")).await.status, 200);
    let id = id_of(&app, "PRJ-3101").await;
    let line = |availability: &'static str, start: &'static str, end: &'static str| {
        let id = id.clone();
        let admin = &admin;
        async move {
            let form = [
                ("shelter_id", id.as_str()),
                ("line[household_type]", "1"),
                ("line[availability]", availability),
                ("line[es_bed_type]", "1"),
                ("line[other]", "20"),
                ("line[start_date]", start),
                ("line[end_date]", end),
            ];
            admin.call("add_inventory_line", &form).await
        }
    };
    // Before the project starts operating (2026-01-15): refused.
    assert_eq!(line("1", "2026-01-01", "").await.json()["Validation"]["field"], "line[start_date]");
    // Year-round, seasonal and overflow lines of one household type coexist.
    assert_eq!(line("1", "2026-01-15", "").await.status, 200);
    assert_eq!(line("2", "2026-11-01", "2027-03-31").await.status, 200);
    assert_eq!(line("3", "2026-01-15", "").await.status, 200);
    // Two seasonal lines over the same dates do not.
    assert_eq!(line("2", "2027-01-01", "2027-02-01").await.json()["Validation"]["field"], "line[household_type]");

    // A funder, with its own rules.
    let funder = |code: &'static str, other: &'static str| {
        let id = id.clone();
        let admin = &admin;
        async move {
            let form = [
                ("shelter_id", id.as_str()),
                ("funder[funder]", code),
                ("funder[other_funder]", other),
                ("funder[start_date]", "2026-01-15"),
            ];
            admin.call("add_funder", &form).await
        }
    };
    assert_eq!(funder("46", "").await.json()["Validation"]["field"], "funder[other_funder]");
    assert_eq!(
        funder("48", "").await.json()["Validation"]["field"],
        "funder[funder]",
        "a retired funder is not offered"
    );
    // HDX flags 862-870: CoC PSH funding is not for an emergency shelter.
    let mismatched = funder("2", "").await;
    assert_eq!(mismatched.json()["Validation"]["field"], "funder[funder]", "{}", mismatched.body);
    assert!(mismatched.body.contains("HDX flag 866"), "{}", mismatched.body);
    assert_eq!(funder("56", "").await.status, 200);
    // A funder removed stays as a deletion: gone from the page, sent with DateDeleted, and a
    // second removal finds nothing.
    assert_eq!(funder("46", "County").await.status, 200);
    let editor = admin.call("get_shelter_editor", &[("id", &id)]).await.json();
    let county = editor["funders"].as_array().unwrap().iter().find(|f| f["other_funder"] == "County").unwrap();
    let county = id_text(&county["id"]);
    assert_eq!(admin.call("remove_funder", &[("funder_id", county.as_str())]).await.status, 200);
    assert_eq!(admin.call("remove_funder", &[("funder_id", county.as_str())]).await.status, 404);
    let zip = admin.download(app::hmis::ui::DOWNLOAD_PATH).await;
    let export = crate::common::hmis_spec::validate(&zip.bytes).unwrap_or_else(|errs| panic!("{}", errs.join("\n")));
    let removed =
        export.rows("Funder.csv").iter().find(|r| crate::common::hmis_spec::Export::str(r, "FunderID") == county);
    assert!(
        removed.is_some_and(|r| !crate::common::hmis_spec::Export::str(r, "DateDeleted").is_empty()),
        "the removed funder is sent as a deletion: {removed:?}"
    );
    let editor = admin.call("get_shelter_editor", &[("id", &id)]).await.json();
    assert_eq!(editor["funders"].as_array().unwrap().len(), 1, "{}", editor["funders"]);
    assert!(editor["funders"][0]["funder"].as_str().unwrap().contains("CoC Builds"), "{}", editor["funders"]);
    assert_eq!(editor["participation"].as_array().unwrap().len(), 1);

    // Coordinated entry (2.09): an access point's assessments, only for an access point.
    let ce = |fields: Vec<(&'static str, &'static str)>| {
        let id = id.clone();
        let admin = &admin;
        async move {
            let mut form = vec![("shelter_id", id.as_str())];
            form.extend(fields);
            admin.call("add_ce_participation", &form).await
        }
    };
    let not_a_point = ce(vec![("ce[crisis_assessment]", "on"), ("ce[start_date]", "2026-02-01")]).await;
    assert_eq!(not_a_point.json()["Validation"]["field"], "ce[access_point]", "{}", not_a_point.body);
    let point = vec![
        ("ce[access_point]", "on"),
        ("ce[crisis_assessment]", "on"),
        ("ce[receives_referrals]", "on"),
        ("ce[start_date]", "2026-02-01"),
    ];
    assert_eq!(ce(point.clone()).await.status, 200);
    assert_eq!(ce(point).await.json()["Validation"]["field"], "ce[start_date]", "periods do not overlap");
    let zip = admin.download(app::hmis::ui::DOWNLOAD_PATH).await;
    let export = crate::common::hmis_spec::validate(&zip.bytes).unwrap_or_else(|errs| panic!("{}", errs.join("\n")));
    let rows: Vec<_> = export
        .rows("CEParticipation.csv")
        .iter()
        .filter(|r| crate::common::hmis_spec::Export::str(r, "ProjectID") == "PRJ-3101")
        .collect();
    assert_eq!(rows.len(), 1);
    let flag = |col| crate::common::hmis_spec::Export::str(rows[0], col).to_string();
    assert_eq!(
        (flag("AccessPoint"), flag("CrisisAssessment"), flag("PreventionAssessment")),
        ("1".into(), "1".into(), "0".into())
    );

    // Closing: inactive needs an end date, not a future one; then its lines end with it.
    let mut closing = shelter_form(&org, "PRJ-3101", "4");
    closing[0].1 = &id;
    closing.retain(|(k, _)| *k != "shelter[active]");
    assert_eq!(admin.call("save_shelter", &closing).await.json()["Validation"]["field"], "shelter[operating_end_date]");
    closing.push(("shelter[operating_end_date]", "2099-01-01"));
    let future = admin.call("save_shelter", &closing).await;
    assert_eq!(future.json()["Validation"]["field"], "shelter[operating_end_date]", "{}", future.body);
    closing.pop();
    // Before the seasonal line starts: refused, the line would lie outside the project.
    closing.push(("shelter[operating_end_date]", "2026-06-30"));
    let early = admin.call("save_shelter", &closing).await;
    assert_eq!(early.json()["Validation"]["field"], "shelter[operating_end_date]", "{}", early.body);
    closing.pop();
    closing.push(("shelter[operating_end_date]", "2026-11-20"));
    let closed = admin.call("save_shelter", &closing).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert!(closed.body.contains("now end with the project"), "{}", closed.body);
    let editor = admin.call("get_shelter_editor", &[("id", &id)]).await.json();
    for l in editor["lines"].as_array().unwrap() {
        assert!(l["end_date"].as_str().is_some_and(|e| e <= "2026-11-20"), "{l}");
    }
    assert!(editor["participation"][0].as_str().unwrap().ends_with("to 2026-11-20"), "{}", editor["participation"]);
    // Reopening it would erase its closure at every receiver: refused, nothing changed.
    let mut reopening = shelter_form(&org, "PRJ-3101", "4");
    reopening[0].1 = &id;
    let refused = admin.call("save_shelter", &reopening).await;
    assert_eq!(refused.json()["Validation"]["field"], "shelter[active]", "{}", refused.body);
    assert!(refused.body.contains("closed on 2026-11-20"), "{}", refused.body);
    // Its funding and its coordinated entry period end with it.
    assert!(closed.body.contains("now end with it"), "{}", closed.body);
    assert_eq!(editor["funders"][0]["end_date"], "2026-11-20", "{}", editor["funders"]);
    let ce = &editor["coordinated_entry"][0]["text"];
    assert!(ce.as_str().unwrap().contains("2026-11-20"), "{ce}");
}
both_backends!(a_project_is_hic_ready_keeps_its_lines_within_its_dates_and_closes_with_an_end_date);
