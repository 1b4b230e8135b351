//! `/metrics` on SQLite and PostgreSQL: Prometheus text with the queue, the dead letters, the
//! circuits and the attempts; per CoC and vendor only, never naming a shelter; behind a bearer
//! token when one is set.
use crate::common::*;
use sea_orm::EntityTrait;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{}/metrics", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The value of the series whose line starts with `series` (name and labels as printed).
fn value(body: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    body.lines().filter(|l| l.starts_with(name) && !l.starts_with('#')).find_map(|line| {
        let (series, v) = line.rsplit_once(' ')?;
        let rest = series.strip_prefix(name)?;
        (rest.is_empty() || rest.starts_with('{')).then_some(())?;
        labels.iter().all(|(k, want)| rest.contains(&format!("{k}=\"{want}\""))).then(|| v.parse().ok())?
    })
}

async fn metrics_show_the_queue_dead_letters_and_circuits_per_vendor(app: TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad CoCCode"))
        .mount(&mock)
        .await;
    let v = add_vendor(&app.db().await, "Clarity", &format!("{}/upload", mock.uri()), true).await;
    let vid = v.id.to_string();

    let res = scrape(&app, None).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let body = res.text().await.unwrap();
    assert_eq!(
        value(&body, "hmis_vendor_info", &[("vendor", &vid), ("tenant", "capital-area"), ("name", "Clarity")]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(value(&body, "hmis_vendor_circuit_state", &[("vendor", &vid), ("state", "closed")]), Some(1.0));
    assert_eq!(value(&body, "hmis_vendor_circuit_state", &[("vendor", &vid), ("state", "open")]), Some(0.0));
    assert_eq!(value(&body, "hmis_outbox_rows", &[("vendor", &vid), ("state", "available")]), Some(0.0));

    let admin = app.signed_in(ADMIN).await;
    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    assert_eq!(admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token)]).await.status, 200);
    let body = scrape(&app, None).await.text().await.unwrap();
    assert_eq!(value(&body, "hmis_outbox_rows", &[("vendor", &vid), ("state", "available")]), Some(1.0), "{body}");
    assert!(value(&body, "hmis_outbox_oldest_waiting_seconds", &[("vendor", &vid)]).is_some());

    // The vendor rejects it: a dead letter (the attempt counters live in the worker's process).
    app.drain_outbox();
    let body = scrape(&app, None).await.text().await.unwrap();
    assert_eq!(value(&body, "hmis_outbox_rows", &[("vendor", &vid), ("state", "available")]), Some(0.0), "{body}");
    assert_eq!(value(&body, "hmis_outbox_rows", &[("vendor", &vid), ("state", "discarded")]), Some(1.0));

    // Nothing per shelter: no shelter's name or HMIS ID appears, DV or not.
    let shelters = app::entities::shelter::Entity::find().all(&app.db().await).await.unwrap();
    assert!(!shelters.is_empty());
    for s in shelters {
        assert!(!body.contains(&s.name) && !body.contains(&s.hmis_project_id), "{} appears in the metrics", s.name);
    }
    assert!(!body.to_lowercase().contains("dv"), "{body}");
}
both_backends!(metrics_show_the_queue_dead_letters_and_circuits_per_vendor);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_token_keeps_other_scrapers_out() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("HMIS_METRICS_TOKEN", "scrape-secret-0123456789")]).await;
    add_vendor(&app.db().await, "Clarity", "http://127.0.0.1:9/upload", true).await;
    assert_eq!(scrape(&app, None).await.status(), 401);
    assert_eq!(scrape(&app, Some("wrong")).await.status(), 401);
    let ok = scrape(&app, Some("scrape-secret-0123456789")).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("hmis_vendor_circuit_state{"));
}

/// The sum of a histogram's `_count` over the series with `labels`.
fn count(body: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let name = format!("{name}_count");
    body.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|(k, v)| l.contains(&format!("{k}=\"{v}\""))))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

async fn requests_bed_counts_and_exports_are_counted_with_bounded_labels(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let shelter = app::entities::shelter::Entity::find().all(&app.db().await).await.unwrap().remove(0);
    assert_eq!(admin.page(&format!("/admin/shelters/{}", shelter.public_id)).await.status, 200);
    assert_eq!(admin.page("/no/such/page/0123456789").await.status, 404);
    assert_eq!(admin.download("/admin/hmis-export/download").await.status, 200);

    // A save, a conflict (the same form again) and an invalid count.
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelters = crate::bed_counts::my_shelters(&coordinator).await;
    let first = &shelters[0];
    let lines = first["lines"].as_array().unwrap().len();
    let values: Vec<(&str, &str)> = vec![("40", "10"); lines];
    let form = crate::bed_counts::counts_form(first, &values);
    assert_eq!(crate::bed_counts::save(&coordinator, &form).await.status, 200);
    assert_eq!(crate::bed_counts::save(&coordinator, &form).await.status, 409);
    let fresh = crate::bed_counts::my_shelters(&coordinator).await;
    let invalid = crate::bed_counts::counts_form(&fresh[0], &vec![("40", "41"); lines]);
    assert_eq!(crate::bed_counts::save(&coordinator, &invalid).await.status, 422);

    let body = scrape(&app, None).await.text().await.unwrap();
    let seconds = "hmis_http_request_duration_seconds";
    assert!(count(&body, seconds, &[("route", "/admin/shelters/{id}"), ("status", "2xx"), ("method", "GET")]) >= 1.0);
    assert!(count(&body, seconds, &[("route", "other"), ("status", "4xx")]) >= 1.0, "{body}");
    assert!(count(&body, seconds, &[("route", "/api/update_bed_counts"), ("status", "4xx")]) >= 2.0, "{body}");
    for outcome in ["saved", "conflict", "invalid"] {
        assert_eq!(value(&body, "hmis_bed_count_updates_total", &[("outcome", outcome)]), Some(1.0), "{outcome}");
    }
    assert_eq!(count(&body, "hmis_export_build_seconds", &[("tenant", "capital-area"), ("purpose", "download")]), 1.0);
    assert!(value(&body, "hmis_export_bytes_total", &[("purpose", "download")]).unwrap() > 1000.0);
    assert!(value(&body, "hmis_export_records_total", &[("purpose", "download")]).unwrap() >= 1.0);
    let build = body.lines().find(|l| l.starts_with("hmis_build_info{")).expect("build info");
    assert!(build.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))) && build.ends_with(" 1"), "{build}");

    // Routes are templates: no raw path, id, shelter or person in any label.
    assert!(!body.contains(&shelter.public_id) && !body.contains("0123456789"), "{body}");
    for s in app::entities::shelter::Entity::find().all(&app.db().await).await.unwrap() {
        assert!(!body.contains(&s.name) && !body.contains(&s.hmis_project_id), "{} appears", s.name);
    }
    for u in app::entities::user::Entity::find().all(&app.db().await).await.unwrap() {
        assert!(!body.contains(&u.email) && !body.contains(&u.display_name), "{} appears", u.email);
    }
}
both_backends!(requests_bed_counts_and_exports_are_counted_with_bounded_labels);

/// However many CoCs and vendors there are, a scrape reads the database once.
async fn a_scrape_is_one_query(store: TestDb) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut db = store.db().await;
    let other = add_other_coc(&db).await;
    add_vendor(&db, "Clarity", "http://127.0.0.1:9/upload", true).await;
    add_vendor(&db, "WellSky", "http://127.0.0.1:9/upload", true).await;
    let mut theirs = new_vendor(other.tenant.id, "Their HMIS", "http://127.0.0.1:9/upload");
    theirs.mode = sea_orm::ActiveValue::Set(app::vendors::VendorMode::Off);
    sea_orm::ActiveModelTrait::insert(theirs, &db).await.unwrap();
    let statements = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = statements.clone();
    db.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let handle = server::metrics::install().unwrap();
    let text = server::metrics::render(&handle, &db, chrono::Utc::now()).await.unwrap();
    assert_eq!(statements.load(Ordering::SeqCst), 1);
    assert_eq!(text.lines().filter(|l| l.starts_with("hmis_vendor_info{")).count(), 3, "{text}");
    assert!(text.contains("tenant=\"other\""), "{text}");
}
both_backends!(a_scrape_is_one_query, db);
