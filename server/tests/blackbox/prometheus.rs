//! The operations kit against a real Prometheus (Debian's `prometheus`): it scrapes a web server
//! and a worker replica on loopback while pushes succeed, fail, retry, dead-letter and open a
//! circuit on the vendor simulator; then every query of the Grafana dashboard must return data,
//! every alert rule must load and evaluate, and the alerts this scenario should raise must fire
//! (and the others must not) until the processes stop. `promtool` checks the rules and a scrape.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::common::*;
use app::entities::{outbox, vendor};

/// The repository's file at `path` (from the server crate).
fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// A child process killed when dropped, so a failing test leaves none behind.
struct Stopped(Child);

impl Stopped {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Prometheus {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Prometheus {
    /// Start one on a free loopback port scraping `targets` every second and evaluating the
    /// alert rules; returns once it serves its API.
    fn start(dir: &Path, targets: &[&str]) -> Prometheus {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let targets: Vec<String> = targets.iter().map(|t| format!("'{}'", t.trim_start_matches("http://"))).collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['{}']\nscrape_configs:\n  - job_name: hmis-bridge\n    static_configs:\n      - targets: [{}]\n",
            repo_file("deploy/prometheus/alerts.yml").display(),
            targets.join(", ")
        );
        let file = dir.join("prometheus.yml");
        std::fs::write(&file, config).unwrap();
        let mut child = Command::new("prometheus")
            .arg(format!("--config.file={}", file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start prometheus (Debian package prometheus; scripts/setup --test installs it)");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            assert!(!line.contains("level=error"), "prometheus: {line}");
            if line.contains("Server is ready to receive web requests") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Prometheus { child, url: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() }
    }

    async fn api(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let url = reqwest::Url::parse_with_params(&format!("{}{path}", self.url), query).unwrap();
        let res = self.http.get(url).send().await.unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "success", "{path} {query:?}: {body}");
        body["data"].clone()
    }

    /// The instant query's series.
    async fn query(&self, expr: &str) -> Vec<Value> {
        self.api("/api/v1/query", &[("query", expr)]).await["result"].as_array().cloned().unwrap_or_default()
    }

    /// Ask until `expr` has data or `deadline` passes (Prometheus scrapes and evaluates on its
    /// own clock, every second here); the last answer.
    async fn query_until(&self, expr: &str, want_data: bool, deadline: Instant) -> Vec<Value> {
        loop {
            let result = self.query(expr).await;
            if result.is_empty() != want_data || Instant::now() > deadline {
                return result;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One query of the dashboard, with Grafana's variables given values for one Prometheus.
struct PanelQuery {
    panel: String,
    unit: String,
    ref_id: String,
    expr: String,
    legend: String,
}

/// Every query of the dashboard.
fn dashboard_queries() -> Vec<PanelQuery> {
    let text = std::fs::read_to_string(repo_file("deploy/grafana/hmis-bridge.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    // In the dashboard's order (a row's panels after it), so the README's picture follows it.
    let mut panels: Vec<Value> = dashboard["panels"].as_array().unwrap().iter().rev().cloned().collect();
    let mut queries = Vec::new();
    while let Some(panel) = panels.pop() {
        panels.extend(panel["panels"].as_array().cloned().unwrap_or_default().into_iter().rev());
        for target in panel["targets"].as_array().cloned().unwrap_or_default() {
            let Some(expr) = target["expr"].as_str() else { continue };
            let expr = ["$__rate_interval", "${__rate_interval}", "$__interval", "${__interval}", "$__range"]
                .iter()
                .fold(expr.to_string(), |e, v| e.replace(v, "1m"))
                .replace("${tenant}", ".*")
                .replace("$tenant", ".*")
                .replace("${vendor}", ".*")
                .replace("$vendor", ".*");
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            queries.push(PanelQuery {
                panel: text(&panel["title"]),
                unit: text(&panel["fieldConfig"]["defaults"]["unit"]),
                ref_id: text(&target["refId"]),
                expr,
                legend: text(&target["legendFormat"]),
            });
        }
    }
    assert!(queries.len() >= 16, "the dashboard has {} queries", queries.len());
    queries
}

/// Each panel's series over the run, for the README's picture of the dashboard
/// (end2end/tests/screenshots.spec.ts plots them): `dashboard-sample.json` in the build directory.
async fn save_sample(prometheus: &Prometheus, queries: &[PanelQuery], started: chrono::DateTime<Utc>) {
    let Ok(dir) = std::env::var("CARGO_TARGET_DIR") else { return };
    let (start, end) = (started.timestamp().to_string(), Utc::now().timestamp().to_string());
    let mut panels: Vec<Value> = Vec::new();
    for q in queries {
        let range = [("query", q.expr.as_str()), ("start", &start), ("end", &end), ("step", "1")];
        let result = prometheus.api("/api/v1/query_range", &range).await["result"].clone();
        let series: Vec<Value> = result
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let labels = r["metric"].as_object().cloned().unwrap_or_default();
                let name = labels.iter().fold(q.legend.clone(), |name, (k, v)| {
                    name.replace(&format!("{{{{{k}}}}}"), v.as_str().unwrap_or_default())
                });
                let points: Vec<Value> = r["values"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| Some(serde_json::json!([p[0].as_f64()?, p[1].as_str()?.parse::<f64>().ok()?])))
                    .collect();
                serde_json::json!({ "name": name, "points": points })
            })
            .collect();
        match panels.iter_mut().find(|p| p["title"] == q.panel.as_str()) {
            Some(panel) => panel["series"].as_array_mut().unwrap().extend(series),
            None => panels.push(serde_json::json!({ "title": q.panel, "unit": q.unit, "series": series })),
        }
    }
    std::fs::write(Path::new(&dir).join("dashboard-sample.json"), serde_json::to_vec(&panels).unwrap()).unwrap();
}

async fn add(
    db: &DatabaseConnection,
    name: &str,
    url: &str,
    f: impl FnOnce(&mut vendor::ActiveModel),
) -> vendor::Model {
    let v = add_vendor(db, name, url, true).await;
    let mut active: vendor::ActiveModel = v.into();
    f(&mut active);
    active.update(db).await.unwrap()
}

async fn push(admin: &Client, v: &vendor::Model) {
    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    let res = admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token)]).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

/// Wait (on the worker replica's clock) until the vendor's rows satisfy `done`.
async fn until(db: &DatabaseConnection, what: &str, done: impl Fn(&[outbox::Model], &vendor::Model) -> bool, v: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = outbox::Entity::find().filter(outbox::Column::VendorId.eq(v)).all(db).await.unwrap();
        let vendor = vendor::Entity::find_by_id(v).one(db).await.unwrap().unwrap();
        if done(&rows, &vendor) {
            return;
        }
        let states: Vec<_> = rows.iter().map(|r| (r.id, r.state, r.attempt, &r.idempotency_key)).collect();
        assert!(Instant::now() < deadline, "{what}: {states:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_and_alert_works_against_a_real_prometheus() {
    let promtool =
        Command::new("promtool").arg("check").arg("rules").arg(repo_file("deploy/prometheus/alerts.yml")).output();
    let promtool = promtool.expect("promtool (Debian package prometheus)");
    assert!(promtool.status.success(), "{}", output_text(&promtool));

    let started = Utc::now();
    let mut app = TestApp::spawn_with(Backend::Sqlite, &[("HMIS_RETRY_BASE_SECONDS", "1")]).await;
    let (worker, worker_addr) = app.start_worker_replica();
    let mut worker = Stopped(worker);
    let good_sim = Simulator::start(0.0, 0);
    let bad_sim = Simulator::start(1.0, 0);
    let db = app.db().await;
    // Pushed every hour: the worker queues this period's push at once.
    let good =
        add(&db, "Good HMIS", &format!("{}/upload", good_sim.url), |v| v.push_interval_minutes = Set(Some(60))).await;
    let broken = add(&db, "Broken HMIS", &format!("{}/upload", bad_sim.url), |_| {}).await;
    // In test mode with an hourly schedule and a retry three hours old due later: overdue.
    let paused = add(&db, "Paused HMIS", &format!("{}/upload", bad_sim.url), |v| {
        v.mode = Set(app::vendors::VendorMode::Test);
        v.push_interval_minutes = Set(Some(60));
    })
    .await;
    let mut late = new_outbox_row(&paused, "late-1", b"{}".to_vec(), Utc::now() - chrono::Duration::hours(3));
    late.state = Set(State::Retryable);
    late.attempt = Set(1);
    late.scheduled_at = Set(Utc::now() + chrono::Duration::hours(2));
    late.insert(&db).await.unwrap();

    let dir = app.scratch().join("prometheus");
    std::fs::create_dir_all(&dir).unwrap();
    let prometheus = Prometheus::start(&dir, &[&app.base, &worker_addr.clone()]);

    // Requests of every kind: pages, a 404, the download, counts saved and in conflict.
    let admin = app.signed_in(ADMIN).await;
    assert_eq!(admin.page("/admin/hmis-export").await.status, 200);
    assert_eq!(admin.page("/no/such/page").await.status, 404);
    assert_eq!(admin.download("/admin/hmis-export/download").await.status, 200);
    let coordinator = app.signed_in(COORDINATOR).await;
    let shelters = crate::bed_counts::my_shelters(&coordinator).await;
    let lines = shelters[0]["lines"].as_array().unwrap().len();
    let form = crate::bed_counts::counts_form(&shelters[0], &vec![("30", "12"); lines]);
    assert_eq!(crate::bed_counts::save(&coordinator, &form).await.status, 200);
    assert_eq!(crate::bed_counts::save(&coordinator, &form).await.status, 409);

    // Deliveries: the good vendor's; the broken vendor's first push dead-lettered after three
    // failures, its second failing twice more, which opens its circuit (five in a row).
    push(&admin, &good).await;
    push(&admin, &broken).await;
    until(
        &db,
        "the good vendor's pushes delivered (the scheduled one, unless the manual one superseded it)",
        |rows, _| {
            rows.iter().any(|r| r.state == State::Completed)
                && rows.iter().all(|r| matches!(r.state, State::Completed | State::Cancelled))
        },
        good.id,
    )
    .await;
    until(&db, "a dead letter", |rows, _| rows.iter().any(|r| r.state == State::Discarded), broken.id).await;
    push(&admin, &broken).await;
    until(&db, "the circuit open", |_, v| v.circuit_open_until.is_some(), broken.id).await;

    // promtool accepts what both processes expose.
    for target in [app.base.clone(), worker_addr.clone()] {
        let text = reqwest::get(format!("{target}/metrics")).await.unwrap().text().await.unwrap();
        let mut check = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut check.stdin.take().unwrap(), text.as_bytes()).unwrap();
        let out = check.wait_with_output().unwrap();
        assert!(out.status.success(), "promtool check metrics on {target}: {}", output_text(&out));
    }

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut empty = Vec::new();
    let queries = dashboard_queries();
    for q in &queries {
        if prometheus.query_until(&q.expr, true, deadline).await.is_empty() {
            empty.push(format!("{} ({}): {}", q.panel, q.ref_id, q.expr));
        }
    }
    assert!(empty.is_empty(), "dashboard queries without data:\n{}", empty.join("\n"));
    save_sample(&prometheus, &queries, started).await;

    // Every rule loaded and evaluates; the scenario's alerts fire, the others do not.
    let groups = prometheus.api("/api/v1/rules", &[("type", "alert")]).await["groups"].clone();
    let rules: Vec<Value> =
        groups.as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default()).collect();
    let names: Vec<&str> = rules.iter().filter_map(|r| r["name"].as_str()).collect();
    let mut want = vec![
        "HmisCircuitOpen",
        "HmisDeadLetters",
        "HmisDeliveryOverdue",
        "HmisFailureRatioHigh",
        "HmisNoWorkerAlive",
        "HmisTargetDown",
    ];
    let mut have = names.clone();
    have.sort_unstable();
    want.sort_unstable();
    assert_eq!(have, want);
    let firing = ["HmisCircuitOpen", "HmisDeadLetters", "HmisDeliveryOverdue", "HmisFailureRatioHigh"];
    let operations = std::fs::read_to_string(repo_file("docs/operations.md")).unwrap().to_lowercase();
    for rule in &rules {
        let (name, expr) = (rule["name"].as_str().unwrap(), rule["query"].as_str().unwrap());
        let result = prometheus.query_until(expr, firing.contains(&name), deadline).await;
        assert_eq!(!result.is_empty(), firing.contains(&name), "{name}: {expr} gave {result:?}");
        assert!(rule["annotations"]["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name} has no summary");
        let runbook = rule["annotations"]["runbook_url"].as_str().unwrap_or_default();
        let anchor =
            runbook.rsplit_once("docs/operations.md#").map(|(_, a)| a).unwrap_or_else(|| panic!("{name}: {runbook}"));
        assert!(operations.contains(&format!("### {anchor}")), "{name}: no section #{anchor} in docs/operations.md");
    }
    // The dead letter's alert names the vendor, not a shelter.
    let dead = prometheus
        .query(rules.iter().find(|r| r["name"] == "HmisDeadLetters").unwrap()["query"].as_str().unwrap())
        .await;
    let broken_id = broken.id.to_string();
    assert!(dead.iter().any(|s| s["metric"]["vendor"] == broken_id.as_str()), "{dead:?}");

    // Both processes gone: the target-down and no-worker alerts fire.
    worker.stop();
    app.stop();
    for name in ["HmisTargetDown", "HmisNoWorkerAlive"] {
        let expr = rules.iter().find(|r| r["name"] == name).unwrap()["query"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(30);
        assert!(!prometheus.query_until(&expr, true, deadline).await.is_empty(), "{name}: {expr}");
    }
}
