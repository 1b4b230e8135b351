//! Coordinators' bed counts: validation, conflicts, scoping, DV visibility and capacity versions,
//! on SQLite and PostgreSQL.
use crate::common::*;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use app::entities::{bed_snapshot, inventory, shelter};

pub(crate) async fn my_shelters(client: &Client) -> Vec<Value> {
    let res = client.call("list_my_shelters", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json().as_array().unwrap().clone()
}

pub(crate) fn by_name<'a>(shelters: &'a [Value], name: &str) -> &'a Value {
    shelters.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name} not in {shelters:?}"))
}

/// The form a coordinator submits: one (total, occupied) per line, in the page's order, with
/// "Change the HMIS inventory" ticked.
pub(crate) fn counts_form(shelter: &Value, values: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form = vec![
        ("shelter_id".to_string(), id_text(&shelter["id"])),
        ("version".to_string(), shelter["counts_version"].to_string()),
        ("confirm_capacity".to_string(), "on".to_string()),
    ];
    for (i, (line, (total, occupied))) in shelter["lines"].as_array().unwrap().iter().zip(values).enumerate() {
        form.push((format!("lines[{i}][inventory_id]"), id_text(&line["inventory_id"])));
        form.push((format!("lines[{i}][total]"), total.to_string()));
        form.push((format!("lines[{i}][occupied]"), occupied.to_string()));
    }
    form
}

pub(crate) async fn save(client: &Client, form: &[(String, String)]) -> Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.call("update_bed_counts", &pairs).await
}

async fn snapshot_count(app: &TestApp) -> u64 {
    bed_snapshot::Entity::find().count(&app.db().await).await.unwrap()
}

async fn shelter_of(app: &TestApp, project_id: &str) -> shelter::Model {
    shelter::Entity::find()
        .filter(shelter::Column::HmisProjectId.eq(project_id))
        .one(&app.db().await)
        .await
        .unwrap()
        .unwrap()
}

async fn every_bad_count_is_refused_with_its_field_and_nothing_is_saved(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelters = my_shelters(&coordinator).await;
    // Two lines: the first valid, the second bad, so a partial save would show.
    let family = by_name(&shelters, "Capital Family Shelter").clone();
    let second = id_text(&family["lines"][1]["inventory_id"]);
    let before = snapshot_count(&app).await;
    for (total, occupied, field, hint) in [
        ("-1", "0", "total", "cannot be negative"),
        ("abc", "0", "total", "not a whole number"),
        ("", "0", "total", "enter a whole number"),
        ("4.5", "0", "total", "not a whole number"),
        ("2147483648", "0", "total", "too large"),
        ("٣٣", "0", "total", "not a whole number"),
        ("40", "", "occupied", "enter a whole number"),
        ("40", "41", "occupied", "more than the 40 beds"),
        ("40", "-5", "occupied", "cannot be negative"),
    ] {
        let form = counts_form(&family, &[("12", "9"), (total, occupied)]);
        let res = save(&coordinator, &form).await;
        assert_eq!(res.status, 422, "{total}/{occupied}: {}", res.body);
        let err = &res.json()["Validation"];
        assert_eq!(err["field"], format!("{field}_{second}"), "{}", res.body);
        assert!(err["message"].as_str().unwrap().contains(hint), "{total}/{occupied}: {}", res.body);
    }
    assert_eq!(snapshot_count(&app).await, before, "a failed submit saved something");
    assert_eq!(my_shelters(&coordinator).await, shelters);

    // Without JavaScript the error comes back on the page, and still nothing is saved.
    let form = counts_form(&family, &[("12", "9"), ("40", "99")]);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(coordinator.submit("update_bed_counts", &pairs, "/shelters").await.status, 302);
    let page = coordinator.page("/shelters").await;
    assert!(page.body.contains("99 is more than the 40 beds in total"), "{}", page.body);
    assert_eq!(snapshot_count(&app).await, before);
}
both_backends!(every_bad_count_is_refused_with_its_field_and_nothing_is_saved);

async fn a_submit_based_on_an_old_version_is_a_conflict(app: TestApp) {
    let first = app.signed_in(COORDINATOR).await;
    let second = app.signed_in(COORDINATOR).await;
    let shelter = by_name(&my_shelters(&first).await, "Downtown Emergency Shelter").clone();
    assert_eq!(save(&first, &counts_form(&shelter, &[("120", "101")])).await.status, 200);
    let before = snapshot_count(&app).await;

    // The second session still has the page from before the first save.
    let res = save(&second, &counts_form(&shelter, &[("120", "77")])).await;
    assert_eq!(res.status, 409, "{}", res.body);
    let message = res.json()["Conflict"].as_str().unwrap().to_string();
    assert!(message.contains("120 total, 101 occupied"), "{message}");
    assert!(message.contains("Alicia Moreno"), "{message}");
    assert_eq!(snapshot_count(&app).await, before, "a conflicting submit saved something");
    let now = by_name(&my_shelters(&second).await, "Downtown Emergency Shelter").clone();
    assert_eq!(now["lines"][0]["beds_occupied"], 101);
}
both_backends!(a_submit_based_on_an_old_version_is_a_conflict);

async fn an_unassigned_shelter_looks_missing_to_a_coordinator(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let names: Vec<String> =
        my_shelters(&coordinator).await.iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    assert!(!names.contains(&"Congress Avenue Night Shelter".to_string()), "{names:?}");
    let theirs = shelter_of(&app, "PRJ-2002").await.public_id;
    let form = |id: &str| {
        vec![
            ("shelter_id", id.to_string()),
            ("version", "0".into()),
            ("lines[0][inventory_id]", "1".into()),
            ("lines[0][total]", "10".into()),
            ("lines[0][occupied]", "5".into()),
        ]
    };
    let call = |id: String| {
        let coordinator = &coordinator;
        async move {
            let f = form(&id);
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            coordinator.call("update_bed_counts", &pairs).await
        }
    };
    let unassigned = call(theirs).await;
    let missing = call("987654".into()).await;
    assert_eq!(unassigned.status, 404);
    assert_eq!((unassigned.status, unassigned.body), (missing.status, missing.body));
}
both_backends!(an_unassigned_shelter_looks_missing_to_a_coordinator);

async fn a_dv_shelter_does_not_exist_without_dv_access(app: TestApp) {
    let dv = shelter_of(&app, "PRJ-2007").await;
    let db = app.db().await;
    let lines = inventory::Entity::find()
        .filter(inventory::Column::ShelterId.eq(dv.id))
        .order_by_asc(inventory::Column::HouseholdType)
        .all(&db)
        .await
        .unwrap();
    let shelter = serde_json::json!({
        "id": dv.public_id,
        "counts_version": 0,
        "lines": lines.iter().map(|l| serde_json::json!({"inventory_id": l.public_id})).collect::<Vec<_>>(),
    });
    let form = counts_form(&shelter, &[("20", "10"), ("36", "20")]);
    let mut missing_form = form.clone();
    missing_form[0].1 = "987654".into();

    let without = app.signed_in(ADMIN_NO_DV).await;
    let refused = save(&without, &form).await;
    let missing = save(&without, &missing_form).await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.body, missing.body);

    // With DV access the same submit is accepted: the shelter exists.
    let with = app.signed_in(ADMIN).await;
    assert_eq!(save(&with, &form).await.status, 200);
}
both_backends!(a_dv_shelter_does_not_exist_without_dv_access);

async fn a_new_total_versions_the_inventory_line(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelter = by_name(&my_shelters(&coordinator).await, "Downtown Emergency Shelter").clone();
    let old_id = id_text(&shelter["lines"][0]["inventory_id"]);
    // 25 beds are dedicated (10 veteran, 15 youth): a total below that is refused.
    let low = save(&coordinator, &counts_form(&shelter, &[("20", "10")])).await;
    assert_eq!(low.status, 422);
    assert!(low.body.contains("25 beds are dedicated"), "{}", low.body);

    assert_eq!(save(&coordinator, &counts_form(&shelter, &[("130", "118")])).await.status, 200);
    let db = app.db().await;
    let lines = inventory::Entity::find()
        .filter(inventory::Column::ShelterId.eq(shelter_of(&app, "PRJ-2001").await.id))
        .order_by_asc(inventory::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(lines.len(), 2);
    // The CoC's today (Chicago), not UTC's: they differ every evening.
    let tenant = app::entities::tenant::Entity::find_by_id(lines[0].tenant_id).one(&db).await.unwrap().unwrap();
    let today = app::ssr::clock::CocClock::of(&tenant).today(chrono::Utc::now());
    let (old, new) = (&lines[0], &lines[1]);
    assert_eq!(old.public_id, old_id);
    assert_ne!(new.public_id, old_id, "a new line version has an id of its own");
    assert_eq!(old.bed_inventory, 120);
    assert_eq!(old.inventory_end_date, today.pred_opt());
    assert_eq!(new.inventory_start_date, today);
    assert_eq!(new.inventory_end_date, None);
    assert_eq!(new.bed_inventory, 130);
    assert_eq!(new.other_bed_inventory, 130 - 25);
    assert_eq!((new.vet_bed_inventory, new.youth_bed_inventory), (10, 15));
    let latest = bed_snapshot::Entity::find().order_by_desc(bed_snapshot::Column::Id).one(&db).await.unwrap().unwrap();
    assert_eq!((latest.inventory_id, latest.beds_total, latest.beds_occupied), (new.id, 130, 118));
    // The database itself holds BedInventory = sum of the sub-counts.
    let broken = db
        .execute_unprepared(&format!("UPDATE inventories SET bed_inventory = bed_inventory + 1 WHERE id = {}", new.id))
        .await;
    assert!(broken.is_err(), "the CHECK constraint must refuse an inconsistent line");
}
both_backends!(a_new_total_versions_the_inventory_line);

/// A new beds total changes the HMIS inventory: without "Change the HMIS inventory" ticked the
/// save is refused with what it would change, and nothing is written.
async fn a_new_total_needs_a_confirmation(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelter = by_name(&my_shelters(&coordinator).await, "Downtown Emergency Shelter").clone();
    let before = snapshot_count(&app).await;
    let unconfirmed: Vec<_> =
        counts_form(&shelter, &[("85", "80")]).into_iter().filter(|(k, _)| k != "confirm_capacity").collect();
    let refused = save(&coordinator, &unconfirmed).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let field = field_of(&shelter["lines"][0]["inventory_id"], "total");
    assert_eq!(refused.json()["Validation"]["field"], field, "{}", refused.body);
    assert!(refused.body.contains("120 -> 85 beds in the HMIS"), "{}", refused.body);
    assert!(refused.body.contains("Change the HMIS inventory"), "{}", refused.body);
    assert_eq!(snapshot_count(&app).await, before, "nothing was written");
    // The same occupancy with the same total needs no confirmation.
    let occupancy: Vec<_> =
        counts_form(&shelter, &[("120", "80")]).into_iter().filter(|(k, _)| k != "confirm_capacity").collect();
    assert_eq!(save(&coordinator, &occupancy).await.status, 200);
}
both_backends!(a_new_total_needs_a_confirmation);

fn field_of(inventory_id: &Value, which: &str) -> String {
    app::inventory::field_name(&id_text(inventory_id), which)
}

/// HUD's LSA counts no night of a line that ends on its start date, so a change to a line that
/// started yesterday keeps tonight and starts the new figure tomorrow; a second change corrects
/// the pending line and going back withdraws it (docs/hmis-export.md, "Nights and end dates").
async fn a_change_the_day_after_a_change_keeps_both_nights(app: TestApp) {
    use app::ssr::clock::CocClock;
    let coordinator = app.signed_in(COORDINATOR).await;
    let db = app.db().await;
    let lines_of = |shelter_id: i64| {
        let db = db.clone();
        async move {
            inventory::Entity::find()
                .filter(inventory::Column::ShelterId.eq(shelter_id))
                .order_by_asc(inventory::Column::Id)
                .all(&db)
                .await
                .unwrap()
        }
    };
    let shelter_id = shelter_of(&app, "PRJ-2001").await.id;
    let tenant = app::entities::tenant::Entity::find_by_id(shelter_of(&app, "PRJ-2001").await.tenant_id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let today = CocClock::of(&tenant).today(chrono::Utc::now());
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    // Yesterday's change (made as the form makes it, then dated a day back): 120 -> 130 beds.
    let shelter = by_name(&my_shelters(&coordinator).await, "Downtown Emergency Shelter").clone();
    assert_eq!(save(&coordinator, &counts_form(&shelter, &[("130", "118")])).await.status, 200);
    let [old, new] = <[inventory::Model; 2]>::try_from(lines_of(shelter_id).await).unwrap();
    let before_yesterday = yesterday.pred_opt().unwrap();
    for sql in [
        format!("UPDATE inventories SET inventory_end_date = '{before_yesterday}' WHERE id = {}", old.id),
        format!("UPDATE inventories SET inventory_start_date = '{yesterday}' WHERE id = {}", new.id),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }

    // Today: 100 beds. Tonight still counts 130 (the line's second night); 100 from tomorrow.
    let shelter = by_name(&my_shelters(&coordinator).await, "Downtown Emergency Shelter").clone();
    let saved = save(&coordinator, &counts_form(&shelter, &[("100", "90")])).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains(&format!("from {tomorrow}, 130 -> 100 beds in the HMIS")), "{}", saved.body);
    let lines = lines_of(shelter_id).await;
    let (line, next) = (&lines[1], &lines[2]);
    assert_eq!((line.inventory_start_date, line.inventory_end_date, line.bed_inventory), (yesterday, Some(today), 130));
    assert_eq!((next.inventory_start_date, next.inventory_end_date, next.bed_inventory), (tomorrow, None, 100));
    assert!(next.unit_inventory <= next.bed_inventory, "units never exceed beds: {next:?}");
    let latest = bed_snapshot::Entity::find().order_by_desc(bed_snapshot::Column::Id).one(&db).await.unwrap().unwrap();
    assert_eq!((latest.inventory_id, latest.beds_total), (line.id, 100), "tonight's count is on tonight's line");
    // The card shows tonight's line.
    let shelter = by_name(&my_shelters(&coordinator).await, "Downtown Emergency Shelter").clone();
    assert_eq!(shelter["lines"][0]["beds_total"], 130);

    // A second change corrects the pending line; going back to 130 withdraws it.
    assert_eq!(save(&coordinator, &counts_form(&shelter, &[("95", "90")])).await.status, 200);
    assert_eq!(lines_of(shelter_id).await[2].bed_inventory, 95);
    let shelter = by_name(&my_shelters(&coordinator).await, "Downtown Emergency Shelter").clone();
    let back = save(&coordinator, &counts_form(&shelter, &[("130", "90")])).await;
    assert!(back.body.contains("withdrawn"), "{}", back.body);
    let lines = lines_of(shelter_id).await;
    assert_eq!(lines.len(), 3, "no new line");
    assert_eq!(lines[1].inventory_end_date, None, "the line is open again");
    assert_eq!(lines[2].inventory_end_date, Some(tomorrow), "the pending line is void: it ends on its start");
}
both_backends!(a_change_the_day_after_a_change_keeps_both_nights);

async fn history_shows_who_changed_what(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelter = by_name(&my_shelters(&coordinator).await, "Montopolis Bridge House").clone();
    let id = id_text(&shelter["id"]);
    assert_eq!(save(&coordinator, &counts_form(&shelter, &[("24", "18")])).await.status, 200);
    let shelter = by_name(&my_shelters(&coordinator).await, "Montopolis Bridge House").clone();
    assert_eq!(save(&coordinator, &counts_form(&shelter, &[("26", "18")])).await.status, 200);

    let res = coordinator.call("shelter_history", &[("shelter_id", &id)]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let entries = res.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3, "seed + two saves: {entries:?}");
    assert_eq!(entries[0]["by"], "Alicia Moreno");
    assert_eq!(entries[0]["changes"][0]["previous"], serde_json::json!([24, 18]));
    assert_eq!(entries[0]["changes"][0]["beds_total"], 26);
    assert_eq!(entries[1]["changes"][0]["previous"], serde_json::json!([24, 21]));
    let page = coordinator.page(&format!("/shelter-history/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("total 24 → 26, occupied 18 → 18"), "{}", page.body);

    // Not assigned: the same "not found" as a missing shelter.
    let other = shelter_of(&app, "PRJ-2002").await.public_id;
    let theirs = coordinator.call("shelter_history", &[("shelter_id", &other)]).await;
    let missing = coordinator.call("shelter_history", &[("shelter_id", "987654")]).await;
    assert_eq!((theirs.status, &theirs.body), (404, &missing.body));
    assert_eq!(coordinator.page(&format!("/shelter-history/{other}")).await.status, 404);
}
both_backends!(history_shows_who_changed_what);
