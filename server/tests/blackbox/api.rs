//! The JSON API on SQLite and PostgreSQL (issue 21, docs/api.md): it serves the export's view
//! (DV shelters only as the aggregate; no DV ProjectID reachable), the authorization matrix (no
//! token, a bad one, a revoked one, another CoC's, a read token writing, a shelter outside the
//! token's scope), bed-count feeds under the coordinator form's rules (If-Match, 412, 422), the
//! rate limit, and one error shape throughout. schemathesis runs against it in `scripts/test`.
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::*;
use app::entities::{bed_snapshot, shelter};

const COC: &str = "capital-area";

/// A token made with `hmis-bridge token create`; its secret.
pub fn make_token(app: &TestApp, name: &str, scope: &str, shelters: &[&str]) -> String {
    let mut args = vec!["token", "create", "--tenant", COC, "--name", name, "--scope", scope];
    for s in shelters {
        args.extend(["--shelter", s]);
    }
    let out = app.cli(&args);
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    text.lines().find(|l| l.starts_with("hbt_")).unwrap_or_else(|| panic!("no secret in {text}")).to_string()
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// A problem's detail, checking the shape every error has.
    fn problem(&self) -> &str {
        assert_eq!(self.header("content-type"), "application/problem+json", "{:?}", self.body);
        assert_eq!(self.body["status"], self.status.as_u16(), "{:?}", self.body);
        assert_eq!(self.body["type"], "about:blank");
        self.body["detail"].as_str().unwrap_or_else(|| panic!("no detail: {:?}", self.body))
    }
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1{path}", app.base);
    let mut request = client.request(method.parse().unwrap(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (k, v) in extra {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON ({status}): {text}"));
    Answer { status, headers, body }
}

async fn get(app: &TestApp, path: &str, token: &str) -> Answer {
    call(app, "GET", path, Some(token), &[], None).await
}

async fn put_counts(app: &TestApp, project: &str, token: &str, if_match: Option<&str>, body: &str) -> Answer {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(tag) = if_match {
        headers.push(("if-match", tag));
    }
    call(app, "PUT", &format!("/projects/{project}/bed-counts"), Some(token), &headers, Some(body)).await
}

/// The HMIS ProjectIDs of the CoC's DV shelters.
async fn dv_project_ids(app: &TestApp) -> Vec<String> {
    let dv = shelter::Entity::find().filter(shelter::Column::IsDv.eq(true)).all(&app.db().await).await.unwrap();
    assert!(dv.len() >= 3, "the demo has DV shelters");
    dv.into_iter().map(|s| s.hmis_project_id).collect()
}

fn ids(projects: &Value) -> Vec<&str> {
    projects.as_array().unwrap().iter().map(|p| p["ProjectID"].as_str().unwrap()).collect()
}

async fn the_api_serves_the_export_view(app: TestApp) {
    let token = make_token(&app, "Dashboard", "read", &[]);
    let all = get(&app, "/projects", &token).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.header("cache-control"), "no-store");
    let listed = ids(&all.body);
    assert!(listed.contains(&"PRJ-2001") && listed.len() > 10, "{listed:?}");
    let aggregate: Vec<&Value> =
        all.body.as_array().unwrap().iter().filter(|p| p["hmis_bridge"]["dv_aggregate"] == true).collect();
    assert_eq!(aggregate.len(), 1, "the DV shelters are one aggregate project");
    let aggregate_id = aggregate[0]["ProjectID"].as_str().unwrap().to_string();
    assert!(aggregate_id.starts_with("HB-DV-"));

    // No DV shelter's ProjectID is reachable, whatever is asked.
    let missing = get(&app, "/projects/NOPE-1", &token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let csvexport = get(&app, "/csvexport", &token).await;
    assert_eq!(csvexport.status, StatusCode::OK);
    for dv in dv_project_ids(&app).await {
        assert!(!all.body.to_string().contains(&format!("\"{dv}\"")), "{dv} listed");
        assert!(!csvexport.body.to_string().contains(&format!("\"{dv}\"")), "{dv} in csvexport");
        for path in [format!("/projects/{dv}"), format!("/projects/{dv}/inventory")] {
            let hidden = get(&app, &path, &token).await;
            assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(hidden.problem().replace(&dv, "X"), missing.problem().replace("NOPE-1", "X"), "{path}");
        }
    }
    // Another CoC's project answers as a missing one does.
    add_other_coc(&app.db().await).await;
    let theirs = get(&app, "/projects/OTHER-1", &token).await;
    assert_eq!(theirs.problem().replace("OTHER-1", "X"), missing.problem().replace("NOPE-1", "X"));

    // One project, HUD's projectBase names.
    let one = get(&app, "/projects/PRJ-2001", &token).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["ProjectName"], "Downtown Emergency Shelter");
    assert_eq!((one.body["ProjectType"].as_i64(), one.body["OrganizationID"].as_str()), (Some(1), Some("ORG-101")));
    assert_eq!(one.body["hmis_bridge"]["coc_codes"], json!(["TX-503"]));
    // The aggregate is a project of its own, without occupancy.
    let inventory = get(&app, &format!("/projects/{aggregate_id}/inventory"), &token).await;
    assert_eq!(inventory.status, StatusCode::OK);
    assert!(inventory.body.as_array().unwrap().iter().all(|l| l["dv_aggregate"] == true && l["hmis_bridge"].is_null()));

    // The inventory records are the contract's v1 records.
    let lines = get(&app, "/projects/PRJ-2001/inventory", &token).await;
    let contract: Value = serde_json::from_str(include_str!("../../../docs/inventory-v1.schema.json")).unwrap();
    let records = json!({"$defs": contract["$defs"], "type": "array", "items": {"$ref": "#/$defs/record"}});
    assert_eq!(json_schema::violations(&records, &lines.body), Vec::<String>::new());
    let line = &lines.body[0];
    assert_eq!((line["project_id"].as_str(), line["bed_inventory"].as_i64()), (Some("PRJ-2001"), Some(120)));
    assert_eq!(line["hmis_bridge"]["beds_occupied"], 112);

    // HUD scenario 6's filters.
    let shelters = shelter::Entity::find().all(&app.db().await).await.unwrap();
    let night_by_night = get(&app, "/projects?ProjectType=1", &token).await;
    let expected: Vec<&str> = shelters
        .iter()
        .filter(|s| s.project_type == 1 && !s.is_dv && s.tenant_id == shelters[0].tenant_id)
        .map(|s| s.hmis_project_id.as_str())
        .collect();
    let mut got = ids(&night_by_night.body);
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(ids(&get(&app, "/projects?CocCode=TX-503", &token).await.body).len(), listed.len());
    assert!(ids(&get(&app, "/projects?CocCode=TX-600", &token).await.body).is_empty(), "another CoC's code");
    assert!(ids(&get(&app, "/projects?OperatingEndDate=2100-01-01", &token).await.body).is_empty(), "all operate");
    assert_eq!(ids(&get(&app, "/projects?OperatingStartDate=1990-01-01", &token).await.body).len(), listed.len());
    let funded = get(&app, "/projects?Funder=2", &token).await;
    assert!(
        funded
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["hmis_bridge"]["funders"].as_array().unwrap().contains(&json!(2)))
    );
    let bad = get(&app, "/projects?ProjectType=5&CocCode=tx-503&OperatingStartDate=2026-13-01", &token).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.problem().starts_with("ProjectType: give a 2.02.6 ProjectType code"));
    let fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["ProjectType", "CocCode", "OperatingStartDate"]);

    // The document, for anyone; unknown paths and methods answer problems too.
    let document = call(&app, "GET", "/openapi.json", None, &[], None).await;
    assert_eq!((document.status, document.body["openapi"].as_str()), (StatusCode::OK, Some("3.1.1")));
    let page = reqwest::get(format!("{}/api/v1/docs", app.base)).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("PUT <code>/projects/{ProjectID}/bed-counts</code>") && page.contains("<b>412</b>"),
        "{page}"
    );
    let nowhere = get(&app, "/nowhere", &token).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    nowhere.problem();
    let wrong_method = call(&app, "DELETE", "/projects", Some(&token), &[], None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    wrong_method.problem();
}
both_backends!(the_api_serves_the_export_view);

async fn who_may_call_what(app: TestApp) {
    let read = make_token(&app, "Reader", "read", &[]);
    let feed = make_token(&app, "Feed", "bed-counts", &["PRJ-2001"]);
    let body = r#"{"lines": []}"#;

    let anonymous = call(&app, "GET", "/projects", None, &[], None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.header("www-authenticate").starts_with("Bearer"));
    anonymous.problem();
    for wrong in ["hbt_nope", "Basic abc", &read[..read.len() - 1]] {
        let refused = get(&app, "/projects", wrong).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{wrong}");
        refused.problem();
    }
    // A read token may not write or read a feed, whatever the project (checked before it).
    for project in ["PRJ-2001", "NOPE-1"] {
        let refused = put_counts(&app, project, &read, Some("\"1\""), body).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.header("www-authenticate").contains("insufficient_scope"));
        assert_eq!(get(&app, &format!("/projects/{project}/bed-counts"), &read).await.status, StatusCode::FORBIDDEN);
    }
    // A feed's token reaches its shelter only: another one, a DV one, another CoC's and a
    // missing one answer alike.
    add_other_coc(&app.db().await).await;
    assert_eq!(get(&app, "/projects/PRJ-2001/bed-counts", &feed).await.status, StatusCode::OK);
    let missing = put_counts(&app, "NOPE-1", &feed, Some("\"1\""), body).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for other in ["PRJ-2002", "PRJ-2021", "OTHER-1"] {
        for answer in [
            put_counts(&app, other, &feed, Some("\"1\""), body).await,
            put_counts(&app, other, &feed, None, "not json").await,
            get(&app, &format!("/projects/{other}/bed-counts"), &feed).await,
        ] {
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{other}");
            assert_eq!(answer.problem().replace(other, "X"), missing.problem().replace("NOPE-1", "X"));
        }
    }
    // A token of another CoC sees that CoC only.
    let theirs = app.cli(&["token", "create", "--tenant", "other", "--name", "Theirs", "--scope", "read"]);
    let theirs = output_text(&theirs).lines().find(|l| l.starts_with("hbt_")).unwrap().to_string();
    assert_eq!(ids(&get(&app, "/projects", &theirs).await.body), ["OTHER-1"]);
    assert_eq!(get(&app, "/projects/PRJ-2001", &theirs).await.status, StatusCode::NOT_FOUND);

    // Revoked: refused like an unknown token; its use was recorded while it lived.
    assert!(app.cli(&["token", "revoke", "--tenant", COC, "--name", "Reader"]).status.success());
    let revoked = get(&app, "/projects", &read).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    let tokens = app::entities::api_token::Entity::find().all(&app.db().await).await.unwrap();
    assert!(tokens.iter().all(|t| t.last_used_at.is_some()), "every use is recorded");
}
both_backends!(who_may_call_what);

async fn a_feed_saves_counts_under_the_forms_rules(app: TestApp) {
    let feed = make_token(&app, "ShelterSoft", "bed-counts", &["PRJ-2001"]);
    let counts = get(&app, "/projects/PRJ-2001/bed-counts", &feed).await;
    assert_eq!(counts.status, StatusCode::OK);
    let version = counts.body["version"].as_i64().unwrap();
    assert_eq!(counts.header("etag"), format!("\"{version}\""));
    let line = &counts.body["lines"][0];
    let id = line["inventory_id"].as_str().unwrap().to_string();
    assert_eq!((line["beds_total"].as_i64(), line["dedicated_beds"].as_i64()), (Some(120), Some(25)));
    let updated_at = line["updated_at"].as_str().unwrap();
    assert!(updated_at.ends_with("-06:00") || updated_at.ends_with("-05:00"), "the CoC's time: {line}");
    let tag = counts.header("etag").to_string();
    let save = |total: i64, occupied: i64| {
        format!(r#"{{"lines": [{{"inventory_id": "{id}", "beds_total": {total}, "beds_occupied": {occupied}}}]}}"#)
    };

    // Nothing is written by any of these.
    let cases: Vec<(Option<&str>, String, &str, StatusCode, &str)> = vec![
        (None, save(120, 100), "application/json", StatusCode::PRECONDITION_REQUIRED, "If-Match"),
        (Some("7"), save(120, 100), "application/json", StatusCode::BAD_REQUEST, "If-Match"),
        (Some(&tag), save(120, 130), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "lines[0].beds_occupied"),
        (Some(&tag), save(10, 5), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "lines[0].beds_total"),
        (Some(&tag), save(-1, 0), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "lines[0].beds_total"),
        (Some(&tag), r#"{"lines": []}"#.into(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "lines"),
        (
            Some(&tag),
            r#"{"lines": [{"inventory_id": "nope", "beds_total": 1, "beds_occupied": 0}]}"#.into(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].inventory_id",
        ),
        (
            Some(&tag),
            r#"{"lines": [{"inventory_id": "x", "beds_total": "many", "beds_occupied": 0}]}"#.into(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].beds_total",
        ),
        (Some(&tag), "{".into(), "application/json", StatusCode::BAD_REQUEST, ""),
        (Some(&tag), save(120, 100), "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE, ""),
    ];
    for (if_match, body, content_type, status, field) in cases {
        let mut headers = vec![("content-type", content_type)];
        if let Some(tag) = if_match {
            headers.push(("if-match", tag));
        }
        let answer = call(&app, "PUT", "/projects/PRJ-2001/bed-counts", Some(&feed), &headers, Some(&body)).await;
        assert_eq!(answer.status, status, "{body}: {:?}", answer.body);
        let detail = answer.problem().to_string();
        if !field.is_empty() {
            assert_eq!(answer.body["errors"][0]["field"], field, "{body}: {detail}");
            assert!(detail.starts_with(field), "the message names the field: {detail}");
        }
    }
    let by_feed = || async {
        let db = app.db().await;
        bed_snapshot::Entity::find().filter(bed_snapshot::Column::ApiTokenId.is_not_null()).all(&db).await.unwrap()
    };
    assert!(by_feed().await.is_empty(), "nothing was written");

    // A save: the same line, a new occupancy; recorded by the token, and the export shows it.
    let saved = put_counts(&app, "PRJ-2001", &feed, Some(&tag), &save(120, 99)).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["version"], version + 1);
    assert_eq!(saved.header("etag"), format!("\"{}\"", version + 1));
    assert_eq!(saved.body["lines"][0]["beds_occupied"], 99);
    let snapshots = by_feed().await;
    assert_eq!((snapshots.len(), snapshots[0].updated_by, snapshots[0].beds_occupied), (1, None, 99));
    let read = make_token(&app, "Reader", "read", &[]);
    let inventory = get(&app, "/projects/PRJ-2001/inventory", &read).await;
    assert_eq!(inventory.body[0]["hmis_bridge"]["beds_occupied"], 99);

    // The old version again: 412 with the current one, nothing saved.
    let stale = put_counts(&app, "PRJ-2001", &feed, Some(&tag), &save(120, 50)).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.header("etag"), format!("\"{}\"", version + 1));
    assert!(stale.problem().contains("nothing was saved"));
    assert_eq!(by_feed().await.len(), 1);

    // A new total versions the line as the form does: the HMIS record ends, a new one starts.
    let next = format!("\"{}\"", version + 1);
    let unconfirmed = put_counts(&app, "PRJ-2001", &feed, Some(&next), &save(130, 99)).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", unconfirmed.body);
    assert_eq!(unconfirmed.body["errors"][0]["field"], "lines[0].beds_total");
    assert!(unconfirmed.problem().contains("120 -> 130 beds in the HMIS"), "{}", unconfirmed.problem());
    let confirmed = save(130, 99).replacen('{', r#"{"confirm_capacity_change": true, "#, 1);
    let grown = put_counts(&app, "PRJ-2001", &feed, Some(&next), &confirmed).await;
    assert_eq!(grown.status, StatusCode::OK, "{:?}", grown.body);
    assert_eq!(grown.body["lines"][0]["beds_total"], 130);
    assert_ne!(grown.body["lines"][0]["inventory_id"], id, "a new Inventory record");

    // The coordinator's history names the feed.
    let client = app.signed_in(ADMIN).await;
    let shelter_id = shelter::Entity::find()
        .filter(shelter::Column::HmisProjectId.eq("PRJ-2001"))
        .one(&app.db().await)
        .await
        .unwrap()
        .unwrap()
        .public_id;
    let history = client.page(&format!("/shelter-history/{shelter_id}")).await;
    assert!(history.page_text().contains("ShelterSoft (API)"), "{}", history.page_text());
}
both_backends!(a_feed_saves_counts_under_the_forms_rules);

fn limited() -> Builder {
    TestApp::builder().demo().env("HMIS_API_RATE_LIMIT_PER_MINUTE", "3")
}

/// Three requests a minute: within seven requests, four fall in one minute (the requests take
/// far less than a minute), so one is refused, however the minutes fall.
async fn a_token_over_its_limit_waits(app: TestApp) {
    let token = make_token(&app, "Busy", "read", &[]);
    let mut answers = Vec::new();
    for _ in 0..7 {
        let answer = get(&app, "/projects/PRJ-2001", &token).await;
        let refused = answer.status == StatusCode::TOO_MANY_REQUESTS;
        answers.push(answer);
        if refused {
            break;
        }
    }
    let first = &answers[0];
    assert_eq!((first.status, first.header("ratelimit-limit")), (StatusCode::OK, "3"));
    let refused = answers.last().unwrap();
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "one of 7 requests is over 3 a minute");
    let wait: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(refused.header("ratelimit-remaining"), "0");
    assert!(refused.problem().contains("try again in"));
    // Another token has its own limit.
    let other = make_token(&app, "Quiet", "read", &[]);
    assert_eq!(get(&app, "/projects/PRJ-2001", &other).await.status, StatusCode::OK);
}
both_backends!(a_token_over_its_limit_waits, with = limited);

/// The CoC admins' page: a token made there is shown once and works; revoked there, it stops.
/// Only active non-DV shelters are offered, and an admin without DV access learns nothing of DV
/// shelters from it.
async fn an_admin_makes_and_revokes_tokens_on_the_page(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let page = admin.call("list_api_tokens", &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let offered: Vec<String> = page.json()["shelters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["project_id"].as_str().unwrap().to_string())
        .collect();
    assert!(offered.contains(&"PRJ-2001".to_string()));
    for dv in dv_project_ids(&app).await {
        assert!(!offered.contains(&dv), "{dv} offered");
    }
    let made = admin
        .call(
            "create_api_token",
            &[
                ("name", "ShelterSoft"),
                ("scope", "bed_counts"),
                ("shelters[0]", "PRJ-2001"),
                ("shelters[1]", "PRJ-2002"),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let secret = made.json()["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("hbt_"));
    assert_eq!(get(&app, "/projects/PRJ-2002/bed-counts", &secret).await.status, StatusCode::OK);
    let bad = admin.call("create_api_token", &[("name", ""), ("scope", "read")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let listed = admin.call("list_api_tokens", &[]).await.json();
    let row = &listed["tokens"][0];
    assert_eq!((row["name"].as_str(), row["scope"].as_str()), (Some("ShelterSoft"), Some("bed_counts")));
    assert!(row["last_used_at"].is_string(), "{row}");
    assert!(!listed.to_string().contains(&secret[4..]), "the secret is never shown again");
    let id = row["id"].as_str().unwrap();
    let revoked = admin.call("revoke_api_token", &[("id", id)]).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(get(&app, "/projects", &secret).await.status, StatusCode::UNAUTHORIZED);
    // The page renders without JavaScript, with the token's state.
    let html = admin.page("/admin/api-tokens").await;
    assert_eq!(html.status, 200);
    assert!(html.page_text().contains("ShelterSoft") && html.page_text().contains("Revoked"), "{}", html.page_text());
    // A coordinator has no such page.
    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.call("list_api_tokens", &[]).await.status, 404);
}
both_backends!(an_admin_makes_and_revokes_tokens_on_the_page);

/// Without JavaScript, the secret waits for the page after the redirect sealed in the session,
/// never in the clear, and is shown once.
async fn a_token_made_without_javascript_is_shown_once_and_never_stored_plain(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let made =
        admin.submit("create_api_token", &[("name", "Plain form"), ("scope", "read")], "/admin/api-tokens").await;
    assert!(made.status == 302 || made.status == 303, "{} {}", made.status, made.body);
    let stored: Vec<String> = app::entities::session::Entity::find()
        .all(&app.db().await)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.data)
        .collect();
    assert!(stored.iter().any(|d| d.contains("Plain form")), "the flash waits in the session");
    assert!(stored.iter().all(|d| !d.contains("hbt_")), "the secret is sealed: {stored:?}");
    let page = admin.page("/admin/api-tokens").await.page_text();
    let start = page.find("hbt_").unwrap_or_else(|| panic!("no secret shown: {page}"));
    let secret: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect();
    assert_eq!(get(&app, "/projects/PRJ-2001", &secret).await.status, StatusCode::OK);
    assert!(!admin.page("/admin/api-tokens").await.page_text().contains("hbt_"), "shown once");
}
both_backends!(a_token_made_without_javascript_is_shown_once_and_never_stored_plain);
