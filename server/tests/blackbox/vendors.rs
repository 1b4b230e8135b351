//! Vendor settings on SQLite and PostgreSQL: what the forms refuse (and that nothing is written
//! then), another CoC's vendors answering like missing ones, the go-live modes (test pushes reach
//! only the test endpoint; off cancels what waits), and secrets that never come back out: not in
//! the database, the pages, the outbox errors or the audit, even from a vendor that echoes the
//! request.
use crate::common::*;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::Value;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use app::entities::{outbox, push_audit, vendor};

const OTHER_ADMIN: (&str, &str) = ("admin@other.example", FIXTURE_PASSWORD);
const CAPITAL_ADMIN: (&str, &str) = ("admin@capital.example", FIXTURE_PASSWORD);

fn two_cocs() -> Builder {
    TestApp::builder()
        .coc(
            Coc::new("capital", "TX-503")
                .user(User::admin(CAPITAL_ADMIN.0).dv_access())
                .shelter(Shelter::new("N-1", "Night Shelter").project_type(1).line(ADULTS, 40, 30)),
        )
        .coc(Coc::new("other", "TX-600").user(User::admin(OTHER_ADMIN.0).dv_access()))
}

/// A settings form, as the page posts it.
fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (format!("vendor[{k}]"), v.to_string())).collect()
}

async fn create(client: &Client, fields: &[(&str, &str)]) -> Response {
    let owned = form(fields);
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.call("create_vendor", &pairs).await
}

fn clarity(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Clarity".into()),
        ("kind", "clarity".into()),
        ("endpoint_url", url.into()),
        ("auth_user", "bridge-api".into()),
        ("password", "Pa55-UNIQUE-clarity-secret".into()),
    ]
}

fn with(base: &[(&'static str, String)], changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> =
        base.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).cloned().collect();
    out.extend(changes.iter().map(|(k, v)| (*k, v.to_string())));
    out
}

fn refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn vendors(app: &TestApp) -> Vec<vendor::Model> {
    vendor::Entity::find().all(&app.db().await).await.unwrap()
}

async fn bad_settings_are_refused_by_field_and_nothing_is_written(app: TestApp) {
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    let good = clarity("https://api-demo.clarityhs.example/import");
    let ok = create(&admin, &refs(&good)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(vendors(&app).await.len(), 1);

    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (with(&good, &[("name", "Clarity 2"), ("endpoint_url", "not a url")]), "endpoint_url"),
        (with(&good, &[("name", "Clarity 2"), ("endpoint_url", "http://api.example/import")]), "endpoint_url"),
        (with(&good, &[("name", "Clarity 2"), ("endpoint_url", "https://10.1.2.3/import")]), "endpoint_url"),
        (with(&good, &[("name", "Clarity 2"), ("endpoint_url", "https://169.254.169.254/")]), "endpoint_url"),
        (with(&good, &[("name", "Clarity 2"), ("endpoint_url", "https://u:p@api.example/")]), "endpoint_url"),
        (with(&good, &[("name", " clarity ")]), "name"),
        (with(&good, &[("name", "Clarity 2"), ("password", "")]), "password"),
        (with(&good, &[("name", "Clarity 2"), ("auth_user", "")]), "auth_user"),
        (with(&good, &[("name", "Clarity 2"), ("kind", "wellsky")]), "endpoint_url"),
        (with(&good, &[("name", "Clarity 2"), ("kind", "sharepoint")]), "kind"),
        (with(&good, &[("name", "CT"), ("kind", "clienttrack"), ("api_key", "k")]), "subscription_key"),
    ];
    for (fields, field) in cases {
        let res = create(&admin, &refs(&fields)).await;
        assert_eq!(res.status, 422, "{fields:?}: {}", res.body);
        assert_eq!(res.json()["Validation"]["field"], field, "{}", res.body);
        assert!(!res.body.contains("Pa55-UNIQUE"), "an error never repeats a secret: {}", res.body);
    }
    assert_eq!(vendors(&app).await.len(), 1, "nothing partial was written");
    let db = app.db().await;
    let secrets = sea_orm::Statement::from_string(db.get_database_backend(), "SELECT name FROM vendor_secrets");
    assert_eq!(db.query_all_raw(secrets).await.unwrap().len(), 1);
}
both_backends!(bad_settings_are_refused_by_field_and_nothing_is_written, with = two_cocs);

async fn another_cocs_vendor_is_not_found_like_a_missing_one(app: TestApp) {
    let capital = app.signed_in(CAPITAL_ADMIN).await;
    assert_eq!(create(&capital, &refs(&clarity("https://api.example/import"))).await.status, 200);
    let id = vendors(&app).await[0].public_id.clone();
    let other = app.signed_in(OTHER_ADMIN).await;
    let missing = "0123456789abcdef0123";

    // Every server function that takes a vendor id, with an otherwise valid request.
    let settings = form(&refs(&clarity("https://api.example/import")));
    let mut answers: Vec<Vec<String>> = Vec::new();
    for target in [id.as_str(), missing] {
        let mut update: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        update.push(("id", target));
        let calls: [(&str, Vec<(&str, &str)>); 7] = [
            ("get_vendor", vec![("id", target)]),
            ("update_vendor", update),
            ("set_vendor_mode", vec![("id", target), ("mode", "off")]),
            ("test_vendor_connection", vec![("id", target)]),
            ("remove_vendor_header", vec![("id", target), ("name", "X-Api-Key")]),
            ("accept_vendor_host_key", vec![("id", target), ("fingerprint", "SHA256:x")]),
            ("delete_vendor", vec![("id", target)]),
        ];
        let mut bodies = Vec::new();
        for (endpoint, fields) in calls {
            let res = other.call(endpoint, &fields).await;
            assert_eq!(res.status, 404, "{endpoint}: {}", res.body);
            bodies.push(format!("{endpoint}: {}", res.body));
        }
        answers.push(bodies);
    }
    assert_eq!(answers[0], answers[1], "another CoC's vendor and a missing one answer alike");
    let listed = other.call("list_vendors", &[]).await;
    assert_eq!(listed.json(), Value::Array(vec![]));
    assert_eq!(vendors(&app).await[0].mode, app::vendors::VendorMode::Test, "unchanged");
}
both_backends!(another_cocs_vendor_is_not_found_like_a_missing_one, with = two_cocs);

async fn test_pushes_reach_only_the_test_endpoint_and_off_cancels_what_waits(app: TestApp) {
    let production = MockServer::start().await;
    let test = MockServer::start().await;
    for server in [&production, &test] {
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(server).await;
    }
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    let fields = with(
        &clarity(&format!("{}/import", production.uri())),
        &[("test_endpoint_url", &format!("{}/test-import", test.uri()))],
    );
    assert_eq!(create(&admin, &refs(&fields)).await.status, 200);
    let v = vendors(&app).await.remove(0);
    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();

    let pushed = admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token)]).await;
    assert!(pushed.body.contains("(test)"), "{}", pushed.body);
    app.drain_outbox();
    assert!(production.received_requests().await.unwrap().is_empty(), "a test push never reaches production");
    let got: Vec<Request> = test.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].headers.get(app::vendors::TEST_HEADER).unwrap(), "true");
    assert!(String::from_utf8_lossy(&got[0].body).contains("-TEST.zip"), "the file name says test");

    // Live needs the confirmation; then pushes go to production.
    let unconfirmed = admin.call("set_vendor_mode", &[("id", &v.public_id), ("mode", "live")]).await;
    assert_eq!(unconfirmed.status, 422, "{}", unconfirmed.body);
    let page = admin.page(&format!("/admin/hmis-export/vendors/{}?confirm=live", v.public_id)).await;
    assert!(page.body.contains("The last successful test push reached it at"), "{}", page.body);
    let live = admin.call("set_vendor_mode", &[("id", &v.public_id), ("mode", "live"), ("confirm", "yes")]).await;
    assert_eq!(live.status, 200, "{}", live.body);

    // Off cancels what waits, and nothing more is sent.
    let token2 = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token2)]).await;
    let off = admin.call("set_vendor_mode", &[("id", &v.public_id), ("mode", "off")]).await;
    assert!(off.body.contains("Cancelled 1 waiting"), "{}", off.body);
    app.drain_outbox();
    assert!(production.received_requests().await.unwrap().is_empty());
    let rows = outbox::Entity::find().all(&app.db().await).await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.state == State::Cancelled).count(), 1);

    // The history names each mode change and who made it.
    let page = admin.call("get_vendor", &[("id", &v.public_id)]).await.json();
    let events: Vec<String> = page["events"].as_array().unwrap().iter().map(|e| e.to_string()).collect();
    assert!(events.iter().any(|e| e.contains("Test → Live")), "{events:?}");
    assert!(events.iter().any(|e| e.contains("Live → Off")), "{events:?}");

    // With nothing waiting it can be deleted; its name is free again.
    let deleted = admin.call("delete_vendor", &[("id", &v.public_id)]).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(admin.call("get_vendor", &[("id", &v.public_id)]).await.status, 404);
    assert_eq!(create(&admin, &refs(&fields)).await.status, 200, "the name can be used again");
}
both_backends!(test_pushes_reach_only_the_test_endpoint_and_off_cancels_what_waits, with = two_cocs);

async fn secrets_never_come_back_out(app: TestApp) {
    const SECRETS: [&str; 3] = ["Pa55-UNIQUE-clarity-secret", "SUBKEY-unique-4711", "APIKEY-unique-0815"];
    // A vendor that rejects the push and echoes the request's headers in its answer.
    let echo = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|req: &Request| {
            let headers: Vec<String> =
                req.headers.iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or(""))).collect();
            ResponseTemplate::new(400).set_body_string(headers.join("\n"))
        })
        .mount(&echo)
        .await;
    Mock::given(method("GET"))
        .and(header("ocp-apim-subscription-key", SECRETS[1]))
        .respond_with(ResponseTemplate::new(200))
        .mount(&echo)
        .await;
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    let clarity_fields = clarity(&format!("{}/import", echo.uri()));
    assert_eq!(create(&admin, &refs(&clarity_fields)).await.status, 200);
    let ct = [
        ("name", "ClientTrack"),
        ("kind", "clienttrack"),
        ("endpoint_url", &format!("{}/inventory", echo.uri())),
        ("subscription_key", SECRETS[1]),
        ("api_key", SECRETS[2]),
    ];
    assert_eq!(create(&admin, &ct).await.status, 200);
    let list = vendors(&app).await;
    let ids: Vec<String> = list.iter().map(|v| v.public_id.clone()).collect();
    for id in &ids {
        admin.call("test_vendor_connection", &[("id", id)]).await;
    }
    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    admin.call("queue_hmis_push", &[("vendor", "all"), ("token", &token)]).await;
    // The delivery's own logs: the worker's output.
    let drained = app.cli_with(&["worker", "--drain"], &[("RUST_LOG", "debug")]);
    assert!(drained.status.success(), "{drained:?}");
    let logs = format!("{}{}", String::from_utf8_lossy(&drained.stdout), String::from_utf8_lossy(&drained.stderr));

    let db = app.db().await;
    let rows = outbox::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.state == State::Discarded), "rejected for good");
    let mut seen = String::new();
    for r in &rows {
        seen.push_str(&format!("{:?}", r.errors));
        seen.push_str(&String::from_utf8_lossy(&r.payload));
    }
    for a in push_audit::Entity::find().all(&db).await.unwrap() {
        seen.push_str(&a.detail);
    }
    assert!(seen.contains("[secret]") || seen.contains("HTTP 400"), "the vendor's answer is recorded: {seen}");
    for id in &ids {
        seen.push_str(&admin.page(&format!("/admin/hmis-export/vendors/{id}")).await.body);
        seen.push_str(&admin.call("get_vendor", &[("id", id)]).await.body);
    }
    seen.push_str(&admin.page("/admin/hmis-export").await.body);
    seen.push_str(&admin.page("/admin/hmis-export/vendors").await.body);
    seen.push_str(&admin.call("list_vendor_status", &[]).await.body);
    seen.push_str(&dump_tables(&db).await);
    seen.push_str(&logs);
    for secret in SECRETS {
        assert!(!seen.contains(secret), "{secret} leaked");
    }
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("bridge-api:{}", SECRETS[0]));
    assert!(!seen.contains(&basic), "the Basic token leaked");
    if let Some(file) = app.sqlite_file() {
        let bytes = std::fs::read(file).unwrap();
        for secret in SECRETS {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} in the SQLite file");
        }
    }
}
both_backends!(secrets_never_come_back_out, with = two_cocs);

/// Every row of the tables that hold vendors, deliveries and history, as text.
async fn dump_tables(db: &sea_orm::DatabaseConnection) -> String {
    let backend = db.get_database_backend();
    let mut out = String::new();
    for table in ["vendors", "vendor_secrets", "vendor_history", "outbox", "push_audit", "admin_audit"] {
        let sql = match backend {
            sea_orm::DbBackend::Postgres => format!("SELECT t::text FROM {table} t"),
            _ => format!("SELECT * FROM {table}"),
        };
        for row in db.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await.unwrap() {
            out.push_str(&format!("{row:?}\n"));
        }
    }
    out
}

async fn vendors_are_set_up_from_the_command_line_with_secrets_from_the_environment(app: TestApp) {
    let vendor = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("ocp-apim-subscription-key", "cli-sub-key"))
        .and(header("authorization", "ApiKey cli-api-key"))
        .and(header("orgid", "ORG-9"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&vendor)
        .await;
    let url = format!("{}/inventory", vendor.uri());
    let env = [("CT_SUB", "cli-sub-key"), ("CT_KEY", "cli-api-key")];
    let add = [
        "vendor",
        "add",
        "--tenant",
        "capital",
        "--name",
        "ClientTrack",
        "--kind",
        "clienttrack",
        "--url",
        &url,
        "--subscription-key-env",
        "CT_SUB",
        "--api-key-env",
        "CT_KEY",
        "--org-id",
        "ORG-9",
        "--daily-at",
        "02:30",
        "--contact",
        "Ana Ruiz; ana@vendor.example; +1 512 555 0100",
    ];
    let added = app.cli_with(&add, &env);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let again = app.cli_with(&add, &env);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a vendor called"));
    let unset = app.cli_with(
        &[
            "vendor",
            "add",
            "--tenant",
            "capital",
            "--name",
            "X",
            "--kind",
            "clarity",
            "--url",
            "https://x.example/",
            "--user",
            "u",
            "--password-env",
            "NOT_SET_ANYWHERE",
        ],
        &[],
    );
    assert!(String::from_utf8_lossy(&unset.stderr).contains("NOT_SET_ANYWHERE"), "{unset:?}");

    let listed = app.cli(&["vendor", "list", "--tenant", "capital"]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(listed.contains("ClientTrack\tclienttrack\ttest"), "{listed}");
    assert!(listed.contains("daily at 02:30") && listed.contains("API key, Subscription key"), "{listed}");
    assert!(!listed.contains("cli-api-key") && !listed.contains("cli-sub-key"), "{listed}");

    // Test mode: a test push to the production endpoint (no test endpoint), marked as a test.
    let pushed = app.cli(&["push", "--tenant", "capital", "--wait"]);
    let printed = String::from_utf8_lossy(&pushed.stdout).into_owned();
    assert!(pushed.status.success(), "{printed} {}", String::from_utf8_lossy(&pushed.stderr));
    assert!(printed.contains("ClientTrack: completed after 1 attempt(s)"), "{printed}");
    let got = vendor.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].headers.get(app::vendors::TEST_HEADER).unwrap(), "true");
    let doc: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(doc["version"], 1);

    // A push the vendor refuses: --wait says so and fails.
    let refusing = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(401)).mount(&refusing).await;
    let add_refusing = app.cli(&[
        "vendor",
        "add",
        "--tenant",
        "capital",
        "--name",
        "Refusing",
        "--kind",
        "custom",
        "--url",
        &format!("{}/in", refusing.uri()),
        "--mode",
        "live",
    ]);
    assert!(add_refusing.status.success(), "{add_refusing:?}");
    let failed = app.cli(&["push", "--tenant", "capital", "--vendor", "refusing", "--wait"]);
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stdout).contains("Refusing: discarded after 1 attempt(s): HTTP 401"),
        "{failed:?}"
    );

    // Rotating the server secret: the old key opens until rotate-secrets seals again.
    let rotate = [("HMIS_SECRET_KEY", "a-new-server-secret-key-0123456789-abcdefgh")];
    let old_key = std::fs::read_to_string(app.scratch().join("secret.key")).unwrap();
    let old_key = old_key.trim();
    let without_old = app.cli_with(&["vendor", "test", "--tenant", "capital", "--name", "ClientTrack"], &rotate);
    assert!(String::from_utf8_lossy(&without_old.stderr).contains("does not open"), "{without_old:?}");
    let both = [rotate[0], ("HMIS_PREVIOUS_SECRET_KEYS", old_key)];
    let rotated = app.cli_with(&["rotate-secrets"], &both);
    assert!(String::from_utf8_lossy(&rotated.stdout).contains("Sealed 2 secret(s) again"), "{rotated:?}");
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&vendor).await;
    let after = app.cli_with(&["vendor", "test", "--tenant", "capital", "--name", "ClientTrack"], &rotate);
    assert!(after.status.success(), "{after:?}");
}
both_backends!(vendors_are_set_up_from_the_command_line_with_secrets_from_the_environment, with = two_cocs);

async fn stored_credentials_never_follow_the_endpoint_to_a_new_host(app: TestApp) {
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    assert_eq!(create(&admin, &refs(&clarity("https://api-demo.clarityhs.example/import"))).await.status, 200);
    let id = vendors(&app).await[0].public_id.clone();
    let update = |fields: Vec<(&'static str, String)>| {
        let owned = form(&refs(&fields));
        let admin = &admin;
        let id = id.clone();
        async move {
            let mut pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            pairs.push(("id", &id));
            admin.call("update_vendor", &pairs).await
        }
    };
    // The same host, another path: the stored password stays.
    let same_host = with(&clarity("https://api-demo.clarityhs.example/v2/import"), &[("password", "")]);
    assert_eq!(update(same_host).await.status, 200);
    // Another host without the password: refused, naming the field; nothing changes.
    let elsewhere = with(&clarity("https://collector.example/import"), &[("password", "")]);
    let refused = update(elsewhere.clone()).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["Validation"]["field"], "password");
    assert!(refused.body.contains("new host"), "{}", refused.body);
    // A test endpoint on a new host is the same.
    let test_elsewhere = with(
        &clarity("https://api-demo.clarityhs.example/v2/import"),
        &[("password", ""), ("test_endpoint_url", "https://collector.example/test")],
    );
    assert_eq!(update(test_elsewhere).await.status, 422);
    assert_eq!(vendors(&app).await[0].endpoint_url, "https://api-demo.clarityhs.example/v2/import");
    // With the password typed again it moves, and the history says the stored ones were erased.
    assert_eq!(update(with(&elsewhere, &[("password", "a-new-password")])).await.status, 200);
    let page = admin.call("get_vendor", &[("id", &id)]).await.body;
    assert!(page.contains("stored credentials erased (new host)"), "{page}");
}
both_backends!(stored_credentials_never_follow_the_endpoint_to_a_new_host, with = two_cocs);

async fn a_change_of_dv_policy_cancels_what_was_built_for_the_old_one(app: TestApp) {
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    let bad =
        create(&admin, &refs(&with(&clarity("https://api-demo.clarityhs.example/import"), &[("dv_policy", "some")])))
            .await;
    assert_eq!(bad.json()["Validation"]["field"], "dv_policy", "{}", bad.body);
    assert!(vendors(&app).await.is_empty(), "nothing is written");
    assert_eq!(create(&admin, &refs(&clarity("https://api-demo.clarityhs.example/import"))).await.status, 200);
    let v = vendors(&app).await.remove(0);
    assert_eq!(v.dv_policy, app::vendors::DvPolicy::Aggregate);
    let page = admin.page(&format!("/admin/hmis-export/vendors/{}", v.public_id)).await;
    assert!(page.body.contains("Nothing DV"), "the vendor page offers the DV policy");

    let token = admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap().to_string();
    assert_eq!(admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token)]).await.status, 200);
    let mut fields = clarity("https://api-demo.clarityhs.example/import");
    fields.retain(|(k, _)| *k != "password");
    fields.push(("dv_policy", "none".into()));
    let owned = form(&refs(&fields));
    let mut pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.push(("id", &v.public_id));
    let saved = admin.call("update_vendor", &pairs).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let rows = outbox::Entity::find().all(&app.db().await).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, app::outbox::state::State::Cancelled, "built with the DV aggregate, never sent now");
    assert_eq!(vendors(&app).await[0].dv_policy, app::vendors::DvPolicy::None);
    let history = admin.page(&format!("/admin/hmis-export/vendors/{}", v.public_id)).await;
    assert!(history.body.contains("DV policy"), "the vendor's history names the change");
}
both_backends!(a_change_of_dv_policy_cancels_what_was_built_for_the_old_one, with = two_cocs);
