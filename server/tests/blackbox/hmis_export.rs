//! The HMIS Export tab, its zip download and the `export` command, on SQLite and PostgreSQL:
//! what the preview shows is what the zip carries; the export's as-of date and report period;
//! inventory history; DV shelters only ever as the aggregate, and nothing DV for a vendor that
//! takes none; only CoC admins reach any of it; one tenant's export holds only that tenant.
use crate::common::hmis_spec::{Export, validate};
use crate::common::*;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use app::entities::{bed_snapshot, inventory, shelter, user};

const DOWNLOAD: &str = "/admin/hmis-export/download";

const ADMIN: (&str, &str) = ("admin@capital.example", FIXTURE_PASSWORD);
const ADMIN_NO_DV: (&str, &str) = ("intake@capital.example", FIXTURE_PASSWORD);
const COORDINATOR: (&str, &str) = ("coordinator@capital.example", FIXTURE_PASSWORD);
const PLATFORM: (&str, &str) = ("platform@bridge.example", FIXTURE_PASSWORD);

/// A CoC (thresholds: 3 shelters, 5 beds, 60% at most per shelter) with four shelters and four
/// DV emergency shelters:
/// - DV families: SAFE-701, -702, -703 (10 + 6 + 8 = 24 beds), enough shelters: sent as the aggregate;
/// - DV adults: SAFE-701, -704 (4 + 3 = 7 beds) from 2 shelters: suppressed.
///
/// So 31 DV beds, 24 sent, 7 suppressed; the export has 4 projects and the aggregate.
/// Another CoC's shelter sits beside it.
fn capital() -> Builder {
    TestApp::builder()
        .platform_admin(PLATFORM.0)
        .coc(
            Coc::new("capital", "TX-503")
                .user(User::admin(ADMIN.0).dv_access())
                .user(User::admin(ADMIN_NO_DV.0))
                .user(User::coordinator(COORDINATOR.0).assigned("N-1"))
                .shelter(Shelter::new("N-1", "Night Shelter").project_type(1).line(ADULTS, 40, 30))
                .shelter(Shelter::new("N-2", "Family Shelter").line(FAMILIES, 24, 20).line(ADULTS, 6, 6))
                .shelter(Shelter::new("N-3", "Youth Shelter").line(CHILDREN, 8, 5))
                .shelter(Shelter::new("N-4", "Transitional Apartments").project_type(2).line(ADULTS, 12, 10))
                .shelter(
                    Shelter::new("SAFE-701", "Quiet Harbor").dv().zip("79901").line(FAMILIES, 10, 8).line(ADULTS, 4, 4),
                )
                .shelter(Shelter::new("SAFE-702", "Quiet Homes").dv().zip("79902").line(FAMILIES, 6, 6))
                .shelter(Shelter::new("SAFE-703", "Safe Porch Refuge").dv().zip("79903").line(FAMILIES, 8, 7))
                .shelter(Shelter::new("SAFE-704", "Lantern House").dv().zip("79904").line(ADULTS, 3, 3)),
        )
        .coc(
            Coc::new("other", "TX-600")
                .user(User::admin("admin@other.example").dv_access())
                .shelter(Shelter::new("OTHER-1", "Other Tenant Shelter").line(ADULTS, 50, 10)),
        )
}

/// The DV shelters' names and ProjectIDs.
const DV_SECRETS: &[&str] =
    &["Quiet Harbor", "Quiet Homes", "Safe Porch", "Lantern", "SAFE-701", "SAFE-702", "SAFE-703", "SAFE-704"];
/// The DV shelters' ZIP codes (compared as whole cells: digits can occur in any ID).
const DV_ZIPS: &[&str] = &["79901", "79902", "79903", "79904"];

async fn preview(client: &Client) -> Value {
    preview_with(client, &[]).await
}

async fn preview_with(client: &Client, query: &[(&str, &str)]) -> Value {
    let res = client.call("preview_hmis_export", query).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

/// The CoC's today (the fixtures' CoCs are in America/Chicago).
fn today() -> String {
    app::ssr::clock::CocClock::new(app::ssr::clock::zone("America/Chicago")).today(Utc::now()).to_string()
}

fn rows(preview: &Value) -> &Vec<Value> {
    preview["rows"].as_array().expect("rows")
}

fn beds(row: &Value) -> i64 {
    row["households"].as_array().unwrap().iter().map(|h| h["beds_total"].as_i64().unwrap()).sum()
}

async fn download_zip(client: &Client) -> (Download, Export) {
    download_zip_at(client, DOWNLOAD).await
}

async fn download_zip_at(client: &Client, path: &str) -> (Download, Export) {
    let res = client.download(path).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.bytes));
    let export =
        validate(&res.bytes).unwrap_or_else(|errs| panic!("the download breaks the spec:\n{}", errs.join("\n")));
    (res, export)
}

fn assert_no_dv_secret(what: &str, text: &str) {
    for secret in DV_SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}");
    }
}

fn assert_no_dv_location(zip: &Export) {
    for row in zip.rows("ProjectCoC.csv") {
        assert!(!DV_ZIPS.contains(&Export::str(row, "ZIP")), "a DV shelter's ZIP is in the zip: {row:?}");
        if is_dv(Export::str(row, "ProjectID")) {
            for col in ["Address1", "Address2", "City", "State"] {
                assert_eq!(Export::str(row, col), "", "the DV aggregate carries a {col}");
            }
            // The CoC's administrative location (fixtures: 480000, 78700).
            assert_eq!((Export::str(row, "Geocode"), Export::str(row, "ZIP")), ("480000", "78700"));
        }
    }
}

fn is_dv(project_id: &str) -> bool {
    app::hmis::is_reserved_id(project_id)
}

async fn the_preview_shows_exactly_what_the_zip_sends(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let p = preview(&admin).await;
    assert_no_dv_secret("the preview", &p["rows"].to_string());
    assert_eq!(p["coc_codes"], serde_json::json!(["TX-503"]));

    // Only the family cell (3 shelters, 24 beds) meets both thresholds.
    let dv = &p["dv"];
    assert_eq!((dv["min_shelters"].as_i64(), dv["min_beds"].as_i64()), (Some(3), Some(5)));
    assert_eq!(dv["contributing_shelters"], 4);
    assert_eq!(
        (dv["beds_total"].as_i64(), dv["beds_sent"].as_i64(), dv["beds_suppressed"].as_i64()),
        (Some(31), Some(24), Some(7))
    );
    let aggregates: Vec<&Value> = rows(&p).iter().filter(|r| r["dv_aggregate"] == true).collect();
    assert_eq!(aggregates.len(), 1);
    assert_eq!((aggregates[0]["shelters"].as_i64(), beds(aggregates[0])), (Some(3), 24));
    assert_eq!(rows(&p).len(), 5, "4 non-DV projects and the aggregate");
    assert_eq!(p["matching"], 5);
    assert_eq!(p["params"]["as_of"], today());

    let (res, zip) = download_zip(&admin).await;
    assert_eq!(res.content_type, "application/zip");
    assert!(res.disposition.starts_with("attachment; filename=\"hmis-csv-capital-"), "{}", res.disposition);
    assert_no_dv_secret("the zip", &zip.text);
    assert_no_dv_location(&zip);
    let projects: Vec<&str> = zip.rows("Project.csv").iter().map(|r| Export::str(r, "ProjectID")).collect();
    let previewed: Vec<&str> = rows(&p).iter().map(|r| r["project_id"].as_str().unwrap()).collect();
    assert_eq!(projects, previewed, "the zip's projects are the preview's, in its order");
    let zip_beds: i64 = zip.rows("Inventory.csv").iter().map(|r| Export::int(r, "BedInventory")).sum();
    assert_eq!(zip_beds, rows(&p).iter().map(beds).sum::<i64>());
    let dv_lines: Vec<_> = zip.rows("Inventory.csv").iter().filter(|r| is_dv(Export::str(r, "ProjectID"))).collect();
    assert_eq!(dv_lines.len(), 1);
    assert_eq!((Export::int(dv_lines[0], "HouseholdType"), Export::int(dv_lines[0], "BedInventory")), (3, 24));
    assert_eq!((Export::int(dv_lines[0], "Availability"), Export::int(dv_lines[0], "ESBedType")), (1, 1));
    let dv_org = zip.rows("Organization.csv").iter().find(|o| is_dv(Export::str(o, "OrganizationID"))).cloned();
    assert_eq!(dv_org.map(|o| Export::int(&o, "VictimServiceProvider")), Some(1));

    let e = &zip.rows("Export.csv")[0];
    assert_eq!(Export::str(e, "SourceID"), "TX-503");
    assert_eq!(
        (Export::int(e, "SourceType"), Export::int(e, "ExportDirective"), Export::int(e, "HashStatus")),
        (2, 2, 1)
    );
    assert_eq!(Export::str(e, "SourceName"), "capital Continuum of Care");
    assert_eq!(Export::str(e, "CSVVersion"), "2026 v1.0");
    assert_eq!(Export::str(e, "SoftwareName"), "HMIS Bridge");
    let today = today();
    assert_eq!((Export::str(e, "ExportStartDate"), Export::str(e, "ExportEndDate")), (today.as_str(), today.as_str()));
    assert_eq!(Export::int(e, "ExportPeriodType"), 3);

    // A second export: a new ExportID, the same installation.
    let (_, again) = download_zip(&admin).await;
    let e2 = &again.rows("Export.csv")[0];
    assert_ne!(Export::str(e, "ExportID"), Export::str(e2, "ExportID"));
    assert_eq!(Export::str(e, "ImplementationID"), Export::str(e2, "ImplementationID"));
    assert!(!Export::str(e, "ImplementationID").is_empty());
}
both_backends!(the_preview_shows_exactly_what_the_zip_sends, with = capital);

async fn the_tab_filters_rows_without_javascript(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let page = admin.page("/admin/hmis-export?rows=dv").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1 row matches"), "{}", page.body);
    assert!(page.body.contains("DV shelters (aggregated)"));
    assert!(page.body.contains("DV aggregate of 3 shelters"));
    assert!(page.body.contains("7 beds are suppressed"), "the page says how many DV beds were suppressed");
    assert!(page.body.contains(DOWNLOAD));

    let non_dv = admin.page("/admin/hmis-export?rows=non-dv&household=4").await;
    // Households with only children outside DV: Youth Shelter.
    assert!(non_dv.body.contains("1 row matches"), "{}", non_dv.body);
    assert!(!non_dv.body.contains("dv-row"), "the DV aggregate is not a non-DV row");
    // A filter value that is not on the list shows everything rather than failing.
    let odd = admin.page("/admin/hmis-export?rows=%3Cscript%3E&household=abc").await;
    assert_eq!(odd.status, 200);
    assert!(odd.body.contains("5 rows match"));
}
both_backends!(the_tab_filters_rows_without_javascript, with = capital);

async fn an_admin_without_dv_access_sees_the_aggregate_but_no_dv_shelter(app: TestApp) {
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let p = preview(&admin).await;
    assert_no_dv_secret("the preview", &p.to_string());
    assert!(p["dv"].is_null(), "the DV summary is for DV access only: {}", p["dv"]);
    let aggregate = rows(&p).iter().find(|r| r["dv_aggregate"] == true).expect("the aggregate row every vendor gets");
    assert_eq!(aggregate["shelters"], 0, "how many DV shelters there are is not theirs to know");
    assert_eq!(beds(aggregate), 24);

    let page = admin.page("/admin/hmis-export?rows=dv").await;
    assert_eq!(page.status, 200);
    assert_no_dv_secret("the page", &page.body);
    assert!(page.body.contains("DV shelters (aggregated)"));
    assert!(!page.body.contains("suppressed") && !page.body.contains("aggregate of"), "no DV counts without DV access");

    let (_, zip) = download_zip(&admin).await;
    assert_no_dv_secret("the zip", &zip.text);
    assert_no_dv_location(&zip);
}
both_backends!(an_admin_without_dv_access_sees_the_aggregate_but_no_dv_shelter, with = capital);

async fn only_coc_admins_reach_the_export(app: TestApp) {
    for who in [COORDINATOR, PLATFORM] {
        let client = app.signed_in(who).await;
        assert_eq!(client.page("/admin/hmis-export").await.status, 404, "{}", who.0);
        assert_eq!(client.call("preview_hmis_export", &[]).await.status, 404, "{}", who.0);
        let download = client.download(DOWNLOAD).await;
        assert_eq!(download.status, 404, "{}", who.0);
        assert_ne!(download.content_type, "application/zip");
    }
    let anonymous = app.client();
    let download = anonymous.download(DOWNLOAD).await;
    assert!(matches!(download.status, 302 | 303 | 307), "{}", download.status);
    assert!(download.location.starts_with("/login"), "{}", download.location);
    assert_eq!(anonymous.call("preview_hmis_export", &[]).await.status, 401);
}
both_backends!(only_coc_admins_reach_the_export, with = capital);

async fn the_export_follows_new_counts_and_stays_in_its_tenant(app: TestApp) {
    let db = app.db().await;
    let now = Utc::now();
    let night =
        shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("N-1")).one(&db).await.unwrap().unwrap();
    let line =
        inventory::Entity::find().filter(inventory::Column::ShelterId.eq(night.id)).one(&db).await.unwrap().unwrap();
    let admin_id = user::Entity::find()
        .filter(user::Column::Email.eq(ADMIN.0))
        .filter(user::Column::TenantId.eq(night.tenant_id))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .id;

    // A new count for Night Shelter (40 beds).
    bed_snapshot::ActiveModel {
        tenant_id: Set(night.tenant_id),
        inventory_id: Set(line.id),
        beds_total: Set(40),
        beds_occupied: Set(17),
        updated_by: Set(Some(admin_id)),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();

    let admin = app.signed_in(ADMIN).await;
    let p = preview(&admin).await;
    // Another CoC's shelter, with a bed count, never shows up in this CoC's export.
    assert!(!p.to_string().contains("Other Tenant"), "another tenant's shelter is in the preview");
    let night = rows(&p).iter().find(|r| r["project_id"] == "N-1").unwrap();
    assert_eq!(night["households"][0]["beds_occupied"], 17);
    let (_, zip) = download_zip(&admin).await;
    assert!(!zip.text.contains("Other Tenant") && !zip.text.contains("OTHER-"), "another tenant's data is in the zip");
}
both_backends!(the_export_follows_new_counts_and_stays_in_its_tenant, with = capital);

async fn the_export_command_writes_the_zip_or_says_why_not(app: TestApp) {
    let out = app.scratch().join("capital.zip");
    let run = app.cli(&["export", "--tenant", "capital", "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).contains("Wrote"), "{}", String::from_utf8_lossy(&run.stdout));
    let zip = validate(&std::fs::read(&out).unwrap()).unwrap_or_else(|errs| panic!("{}", errs.join("\n")));
    assert_no_dv_secret("the exported file", &zip.text);
    assert_no_dv_location(&zip);
    assert_eq!(zip.rows("Project.csv").len(), 5);

    // As of another night, for that night's report period.
    let pit = app.scratch().join("pit.zip");
    let run = app.cli(&["export", "--tenant", "capital", "--out", pit.to_str().unwrap(), "--as-of", "2026-01-28"]);
    assert!(run.status.success(), "{}", output_text(&run));
    assert!(output_text(&run).contains("as of 2026-01-28"), "{}", output_text(&run));
    let zip = validate(&std::fs::read(&pit).unwrap()).unwrap_or_else(|errs| panic!("{}", errs.join("\n")));
    let e = &zip.rows("Export.csv")[0];
    assert_eq!((Export::str(e, "ExportStartDate"), Export::str(e, "ExportEndDate")), ("2026-01-28", "2026-01-28"));
    let bad = app.scratch().join("bad.zip");
    let run = app.cli(&["export", "--tenant", "capital", "--out", bad.to_str().unwrap(), "--as-of", "28/01/2026"]);
    assert!(!run.status.success());
    assert!(output_text(&run).contains("As of:"), "{}", output_text(&run));
    assert!(!bad.exists());

    let missing = app.scratch().join("missing.zip");
    let run = app.cli(&["export", "--tenant", "nowhere", "--out", missing.to_str().unwrap()]);
    assert!(!run.status.success());
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("no CoC with short name \"nowhere\""),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!missing.exists());

    let no_dir = app.scratch().join("no-such-dir").join("x.zip");
    let run = app.cli(&["export", "--tenant", "capital", "--out", no_dir.to_str().unwrap()]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("no-such-dir"), "{}", String::from_utf8_lossy(&run.stderr));
}
both_backends!(the_export_command_writes_the_zip_or_says_why_not, with = capital);

/// Partners fetch the JSON contract's schema without an account; it is the file in docs/.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_schema_is_served_to_anyone() {
    let app = TestApp::builder().spawn(Backend::Sqlite).await;
    let res = app.client().download(app::hmis::json::INVENTORY_V1_SCHEMA).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.content_type, "application/schema+json");
    assert_eq!(res.bytes, include_bytes!("../../../docs/inventory-v1.schema.json"));
    let schema: Value = serde_json::from_slice(&res.bytes).unwrap();
    assert_eq!(schema["$id"], app::hmis::json::INVENTORY_V1_SCHEMA);
}

async fn the_export_is_as_of_the_date_and_period_the_admin_chooses(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    // The preview, the page and the download all follow the parameters.
    let p = preview_with(&admin, &[("as_of", "2026-01-28"), ("start", "2026-01-01"), ("end", "2026-01-31")]).await;
    assert_eq!(p["params"], serde_json::json!({"as_of": "2026-01-28", "start": "2026-01-01", "end": "2026-01-31"}));
    // The counts as they stood that night: the fixtures' were recorded today, so none yet.
    assert_eq!(p["overview"]["beds"]["beds_reported"], 0, "{}", p["overview"]);
    assert!(preview(&admin).await["overview"]["beds"]["beds_reported"].as_i64().unwrap() > 0);
    let page = admin.page("/admin/hmis-export?as_of=2026-01-28&start=2026-01-28&end=2026-01-28").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Overview as of 2026-01-28"), "{}", page.body);
    assert!(page.body.contains("America/Chicago"), "the page says which time zone its dates are in");
    assert!(page.body.contains(&format!("{DOWNLOAD}?as_of=2026-01-28&amp;start=2026-01-28&amp;end=2026-01-28")));
    let (_, zip) =
        download_zip_at(&admin, &format!("{DOWNLOAD}?as_of=2026-01-28&start=2026-01-01&end=2026-01-31")).await;
    let e = &zip.rows("Export.csv")[0];
    assert_eq!((Export::str(e, "ExportStartDate"), Export::str(e, "ExportEndDate")), ("2026-01-01", "2026-01-31"));
    assert_eq!(Export::int(e, "ExportPeriodType"), 3);

    // Bad parameters name the field and the fix; nothing is built.
    for (query, field) in [
        ("as_of=2026-13-01", "as_of"),
        ("start=2026-02-01&end=2026-01-01", "end"),
        ("as_of=2025-12-31&start=2026-01-01&end=2026-01-31", "as_of"),
    ] {
        let res = admin.download(&format!("{DOWNLOAD}?{query}")).await;
        assert_eq!(res.status, 422, "{query}");
        assert_ne!(res.content_type, "application/zip");
        let pairs: Vec<(&str, &str)> = query.split('&').filter_map(|kv| kv.split_once('=')).collect();
        let call = admin.call("preview_hmis_export", &pairs).await;
        assert_eq!(call.json()["Validation"]["field"], field, "{query}: {}", call.body);
    }
    let page = admin.page("/admin/hmis-export?as_of=tomorrow").await;
    assert!(page.body.contains("As of:"), "the page says what is wrong with the date");
    assert!(page.body.contains("Show today&#x27;s export") || page.body.contains("Show today's export"));
}
both_backends!(the_export_is_as_of_the_date_and_period_the_admin_chooses, with = capital);

async fn a_capacity_change_keeps_its_history_in_the_export(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelters = coordinator.call("list_my_shelters", &[]).await.json();
    let night = shelters.as_array().unwrap().iter().find(|s| s["name"] == "Night Shelter").unwrap().clone();
    let line = &night["lines"][0];
    let form = [
        ("shelter_id".to_string(), id_text(&night["id"])),
        ("version".to_string(), night["counts_version"].to_string()),
        ("lines[0][inventory_id]".to_string(), id_text(&line["inventory_id"])),
        ("lines[0][total]".to_string(), "45".to_string()),
        ("lines[0][occupied]".to_string(), "30".to_string()),
        ("confirm_capacity".to_string(), "on".to_string()),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = coordinator.call("update_bed_counts", &pairs).await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let admin = app.signed_in(ADMIN).await;
    let (_, zip) = download_zip(&admin).await;
    let mut lines: Vec<_> = zip.rows("Inventory.csv").iter().filter(|r| Export::str(r, "ProjectID") == "N-1").collect();
    lines.sort_by_key(|r| Export::str(r, "InventoryStartDate").to_string());
    assert_eq!(lines.len(), 2, "the old line is sent with its end, the new one beside it: {lines:?}");
    let today: chrono::NaiveDate = today().parse().unwrap();
    let yesterday = today.pred_opt().unwrap().to_string();
    assert_eq!(
        (Export::int(lines[0], "BedInventory"), Export::str(lines[0], "InventoryEndDate")),
        (40, yesterday.as_str())
    );
    assert_eq!((Export::int(lines[1], "BedInventory"), Export::str(lines[1], "InventoryEndDate")), (45, ""));
    assert_eq!(Export::str(lines[1], "InventoryStartDate"), today.to_string());
    // The preview counts what is in effect, and lists both records.
    let p = preview(&admin).await;
    let row = rows(&p).iter().find(|r| r["project_id"] == "N-1").unwrap();
    assert_eq!(beds(row), 45);
    assert_eq!(row["lines"].as_array().unwrap().len(), 2);
}
both_backends!(a_capacity_change_keeps_its_history_in_the_export, with = capital);

async fn a_vendor_taking_nothing_dv_gets_no_dv_record(app: TestApp) {
    use app::entities::{outbox, tenant, vendor};
    let db = app.db().await;
    let capital = tenant::Entity::find().filter(tenant::Column::Slug.eq("capital")).one(&db).await.unwrap().unwrap();
    let aggregate = new_vendor(capital.id, "Statewide HMIS", "https://hmis.example/upload").insert(&db).await.unwrap();
    let mut none = new_vendor(capital.id, "County HMIS", "https://county.example/upload");
    none.dv_policy = Set(app::vendors::DvPolicy::None);
    let none = none.insert(&db).await.unwrap();

    let admin = app.signed_in(ADMIN_NO_DV).await;
    let p = preview(&admin).await;
    let policies = p["vendor_policies"].to_string();
    assert!(policies.contains("County HMIS") && policies.contains("nothing DV"), "{policies}");
    let page = admin.page("/admin/hmis-export").await;
    assert!(page.body.contains("County HMIS: nothing DV"), "the tab says what each vendor gets");
    let token = p["push_token"].as_str().unwrap().to_string();
    let queued = admin.call("queue_hmis_push", &[("vendor", "all"), ("token", &token)]).await;
    assert_eq!(queued.status, 200, "{}", queued.body);

    let payload = |v: &vendor::Model| {
        let db = db.clone();
        let id = v.id;
        async move {
            let row = outbox::Entity::find().filter(outbox::Column::VendorId.eq(id)).one(&db).await.unwrap().unwrap();
            validate(&row.payload).unwrap_or_else(|errs| panic!("{}", errs.join("\n")))
        }
    };
    let with = payload(&aggregate).await;
    let without = payload(&none).await;
    assert!(with.rows("Project.csv").iter().any(|r| is_dv(Export::str(r, "ProjectID"))));
    assert!(!without.text.contains("HB-DV-"), "a vendor taking nothing DV got a DV record");
    assert_eq!(without.rows("Project.csv").len(), 4);
    assert_no_dv_secret("either payload", &(with.text.clone() + &without.text));
}
both_backends!(a_vendor_taking_nothing_dv_gets_no_dv_record, with = capital);
