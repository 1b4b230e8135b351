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
