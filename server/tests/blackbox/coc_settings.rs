//! A CoC's own settings on SQLite and PostgreSQL: the time zone and export source every admin
//! keeps (the export's dates and Export.csv follow them), the DV aggregate's rules and location that
//! only an admin with DV access sees or changes (a change cancels the pushes built before it), and
//! every bad value named with its field, nothing saved.
use crate::common::hmis_spec::{Export, validate};
use crate::common::*;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

use app::entities::{outbox, tenant};
use app::outbox::state::State;

const DOWNLOAD: &str = "/admin/hmis-export/download";

fn export_form<'a>(zone: &'a str, phone: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("export[time_zone]", zone),
        ("export[source_name]", "Capital Area CoC Bed Registry"),
        ("export[contact_first]", "Dana"),
        ("export[contact_last]", "Reyes"),
        ("export[contact_phone]", phone),
        ("export[contact_email]", "hmis@capital-coc.example"),
    ]
}

fn dv_form<'a>(share: &'a str, geocode: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("dv[min_shelters]", "3"),
        ("dv[min_beds]", "5"),
        ("dv[max_share_percent]", share),
        ("dv[geocode]", geocode),
        ("dv[zip]", "78702"),
        ("dv[geography_type]", "2"),
    ]
}

async fn zip(client: &Client) -> Export {
    let res = client.download(DOWNLOAD).await;
    assert_eq!(res.status, 200);
    validate(&res.bytes).unwrap_or_else(|errs| panic!("{}", errs.join("\n")))
}

async fn every_admin_sets_the_time_zone_and_export_source(app: TestApp) {
    let admin = app.signed_in(ADMIN_NO_DV).await;
    let settings = admin.call("get_coc_settings", &[]).await.json();
    assert_eq!(settings["export"]["time_zone"], "America/Chicago");
    assert!(settings["dv"].is_null(), "the DV settings are for DV access only: {settings}");
    let page = admin.page("/admin/settings").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("DV aggregate"), "an admin without DV access sees no DV settings");

    // Bad values name their field; nothing is saved.
    for (form, field) in [
        (export_form("Mars/Olympus", ""), "export[time_zone]"),
        (export_form("America/Denver", "555-0100"), "export[contact_phone]"),
    ] {
        let res = admin.call("save_export_settings", &form).await;
        assert_eq!(res.json()["Validation"]["field"], field, "{}", res.body);
    }
    let mut formula = export_form("America/Denver", "");
    formula[1] = ("export[source_name]", "=HYPERLINK(\"x\")");
    assert_eq!(admin.call("save_export_settings", &formula).await.json()["Validation"]["field"], "export[source_name]");
    assert_eq!(admin.call("get_coc_settings", &[]).await.json()["export"]["time_zone"], "America/Chicago");

    // Honolulu: the export's dates are Honolulu's, its source the one entered.
    let saved = admin.call("save_export_settings", &export_form("pacific/honolulu", "(512) 555-0100")).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Pacific/Honolulu"), "{}", saved.body);
    let e = zip(&admin).await.rows("Export.csv")[0].clone();
    assert_eq!(Export::str(&e, "SourceName"), "Capital Area CoC Bed Registry");
    assert_eq!((Export::str(&e, "SourceContactFirst"), Export::str(&e, "SourceContactPhone")), ("Dana", "5125550100"));
    let honolulu = app::ssr::clock::CocClock::new(app::ssr::clock::zone("Pacific/Honolulu"));
    assert_eq!(Export::str(&e, "ExportStartDate"), honolulu.today(chrono::Utc::now()).to_string());
    let page = admin.page("/admin/hmis-export").await;
    assert!(page.body.contains("Pacific/Honolulu"), "the tab names the CoC's time zone");

    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.call("get_coc_settings", &[]).await.status, 404);
    assert_eq!(coordinator.call("save_export_settings", &export_form("UTC", "")).await.status, 404);
}
both_backends!(every_admin_sets_the_time_zone_and_export_source);

async fn only_an_admin_with_dv_access_sets_the_dv_aggregate(app: TestApp) {
    let without = app.signed_in(ADMIN_NO_DV).await;
    let refused = without.call("save_dv_settings", &dv_form("50", "481111")).await;
    assert_eq!(refused.status, 404, "{}", refused.body);

    let admin = app.signed_in(ADMIN).await;
    assert_eq!(admin.call("get_coc_settings", &[]).await.json()["dv"]["max_share_percent"], "60");
    for (form, field) in [(dv_form("33", "481111"), "dv[max_share_percent]"), (dv_form("50", "48111"), "dv[geocode]")] {
        let res = admin.call("save_dv_settings", &form).await;
        assert_eq!(res.json()["Validation"]["field"], field, "{}", res.body);
    }

    // A push waits; the DV rules change: it is cancelled, and the next export follows the rules.
    let db = app.db().await;
    let capital =
        tenant::Entity::find().filter(tenant::Column::Slug.eq("capital-area")).one(&db).await.unwrap().unwrap();
    let vendor = new_vendor(capital.id, "Statewide HMIS", "https://hmis.example/upload").insert(&db).await.unwrap();
    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    assert_eq!(admin.call("queue_hmis_push", &[("vendor", &vendor.public_id), ("token", &token)]).await.status, 200);
    let saved = admin.call("save_dv_settings", &dv_form("50", "481111")).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("cancelled"), "{}", saved.body);
    let row = outbox::Entity::find().filter(outbox::Column::VendorId.eq(vendor.id)).one(&db).await.unwrap().unwrap();
    assert_eq!(row.state, State::Cancelled);

    // The demo's DV families cell is 36 + 12 + 20 beds: at most 50% for one shelter, 36 of 68
    // is too much, so it is suppressed now and nothing DV is sent.
    let p = admin.call("preview_hmis_export", &[]).await.json();
    assert_eq!(p["dv"]["max_share_percent"], 50);
    assert!(p["dv"]["suppressed"].to_string().contains("CellDominated"), "{}", p["dv"]);
    let export = zip(&admin).await;
    assert!(!export.text.contains("HB-DV-"), "a dominated cell was sent");

    // At 60% again the cell is sent, located where the settings say.
    assert_eq!(admin.call("save_dv_settings", &dv_form("60", "481111")).await.status, 200);
    let export = zip(&admin).await;
    let located: Vec<_> =
        export.rows("ProjectCoC.csv").iter().filter(|r| Export::str(r, "ProjectID").starts_with("HB-DV-")).collect();
    assert_eq!(located.len(), 1);
    assert_eq!(
        (Export::str(located[0], "Geocode"), Export::str(located[0], "ZIP"), Export::int(located[0], "GeographyType")),
        ("481111", "78702", 2)
    );
}
both_backends!(only_an_admin_with_dv_access_sets_the_dv_aggregate);
