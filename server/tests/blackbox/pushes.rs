//! "Push now" from the HMIS Export tab, on SQLite and PostgreSQL: the rows it queues, its
//! idempotency, what the vendor receives (the same zip as the download), the vendor status the
//! tab shows, and who may push. Deliveries happen in `drain_outbox()`, never in the background.
use crate::common::hmis_spec::validate;
use crate::common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use app::entities::{outbox, push_audit};

async fn token(client: &Client) -> String {
    let res = client.call("preview_hmis_export", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["push_token"].as_str().unwrap().to_string()
}

async fn status(client: &Client) -> Vec<Value> {
    let res = client.call("list_vendor_status", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json().as_array().unwrap().clone()
}

async fn a_push_is_queued_once_and_the_vendor_gets_the_export_zip(app: TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&mock).await;
    let v = add_vendor(&app.db().await, "Clarity (loopback)", &format!("{}/upload", mock.uri()), true).await;
    let admin = app.signed_in(ADMIN).await;
    let token = token(&admin).await;
    let id = v.public_id.clone();

    let first = admin.call("queue_hmis_push", &[("vendor", &id), ("token", &token)]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.json()["message"].as_str().unwrap().contains("Queued a push of"), "{}", first.body);
    // A double click or a retried form: the same token again.
    let again = admin.call("queue_hmis_push", &[("vendor", &id), ("token", &token)]).await;
    assert!(again.json()["message"].as_str().unwrap().contains("already queued"), "{}", again.body);
    let rows = outbox::Entity::find().all(&app.db().await).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(status(&admin).await[0]["waiting"], 1);

    assert!(app.drain_outbox().contains("Delivered 1"));
    let received = mock.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let key = received[0].headers.get("idempotency-key").unwrap().to_str().unwrap();
    assert_eq!(key, rows[0].idempotency_key);
    let zip = validate(&received[0].body)
        .unwrap_or_else(|errs| panic!("the pushed zip breaks the spec:\n{}", errs.join("\n")));
    let previewed = admin.call("preview_hmis_export", &[]).await.json()["rows"].as_array().unwrap().len();
    assert_eq!(zip.rows("Project.csv").len(), previewed, "the same export the tab previews");
    assert!(!zip.text.contains("SafeHarbor"));

    let db = app.db().await;
    let done = outbox::Entity::find_by_id(rows[0].id).one(&db).await.unwrap().unwrap();
    assert_eq!(done.state, State::Completed);
    let audit = push_audit::Entity::find().all(&db).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].payload_sha256,
        app::outbox::ssr::sha256_hex(&received[0].body),
        "the audit names the bytes sent"
    );
    let shown = &status(&admin).await[0];
    assert_eq!((shown["waiting"].as_u64(), shown["dead_letters"].as_u64()), (Some(0), Some(0)));
    assert!(shown["last_success"].is_string());
}
both_backends!(a_push_is_queued_once_and_the_vendor_gets_the_export_zip);

async fn push_to_all_skips_disabled_vendors_and_bad_forms_say_why(app: TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("ProjectID unknown"))
        .mount(&mock)
        .await;
    let url = format!("{}/upload", mock.uri());
    add_vendor(&app.db().await, "Alpha", &url, true).await;
    add_vendor(&app.db().await, "Beta", &url, true).await;
    let off = add_vendor(&app.db().await, "Gamma (off)", &url, false).await;
    let admin = app.signed_in(ADMIN).await;
    let token = token(&admin).await;

    let all = admin.call("queue_hmis_push", &[("vendor", "all"), ("token", &token)]).await;
    assert!(all.json()["message"].as_str().unwrap().contains("to Alpha, Beta."), "{}", all.body);
    for (vendor, tok, field) in [
        (off.public_id.clone(), token.clone(), "vendor"),
        ("987654".into(), token.clone(), "vendor"),
        ("x".into(), token.clone(), "vendor"),
        ("all".into(), "short".into(), "token"),
    ] {
        let res = admin.call("queue_hmis_push", &[("vendor", &vendor), ("token", &tok)]).await;
        assert_eq!(res.status, 422, "{vendor}/{tok}: {}", res.body);
        assert_eq!(res.json()["Validation"]["field"], field);
    }
    assert_eq!(outbox::Entity::find().all(&app.db().await).await.unwrap().len(), 2);

    // The vendor rejects the payload: dead-lettered at once, with its reason on the tab.
    app.drain_outbox();
    let shown = status(&admin).await;
    let alpha = shown.iter().find(|v| v["name"] == "Alpha").unwrap();
    assert_eq!(alpha["dead_letters"], 1);
    assert!(alpha["last_failure"][1].as_str().unwrap().contains("HTTP 400: ProjectID unknown"), "{alpha}");

    let page = admin.page("/admin/hmis-export?confirm=all").await;
    assert!(page.body.contains("to all 2 vendors in test or live mode?"), "{}", page.body);
    assert!(page.body.contains("Confirm: push to all"));
}
both_backends!(push_to_all_skips_disabled_vendors_and_bad_forms_say_why);

async fn only_coc_admins_of_the_tenant_can_push(app: TestApp) {
    let v = add_vendor(&app.db().await, "Clarity", "http://127.0.0.1:9/upload", true).await;
    let token = token(&app.signed_in(ADMIN).await).await;
    let id = v.public_id.clone();
    for who in [COORDINATOR, PLATFORM] {
        let client = app.signed_in(who).await;
        let res = client.call("queue_hmis_push", &[("vendor", &id), ("token", &token)]).await;
        assert_eq!(res.status, 404, "{}: {}", who.0, res.body);
        assert_eq!(client.call("list_vendor_status", &[]).await.status, 404);
    }
    assert_eq!(app.client().call("queue_hmis_push", &[("vendor", &id), ("token", &token)]).await.status, 401);
    assert!(outbox::Entity::find().all(&app.db().await).await.unwrap().is_empty());
}
both_backends!(only_coc_admins_of_the_tenant_can_push);

async fn a_dead_letter_is_retried_once_from_the_tab_or_cancelled(app: TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_string("Inventory.csv refused"))
        .up_to_n_times(1)
        .mount(&mock)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&mock).await;
    let v = add_vendor(&app.db().await, "Clarity", &format!("{}/upload", mock.uri()), true).await;
    let admin = app.signed_in(ADMIN).await;
    let token = token(&admin).await;
    admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token)]).await;
    app.drain_outbox();

    let dead = admin.call("list_dead_letters", &[]).await.json();
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0]["errors"][0].as_str().unwrap().ends_with(": HTTP 422: Inventory.csv refused"), "{dead:?}");
    let id = id_text(&dead[0]["id"]);
    let page = admin.page("/admin/hmis-export").await;
    assert!(
        page.body.contains("Inventory.csv refused") && page.body.contains("Retry the delivery to"),
        "the tab lists it"
    );

    // Retry: one more attempt, delivered once, with the same idempotency key.
    let retried = admin.call("retry_delivery", &[("id", &id)]).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(admin.call("retry_delivery", &[("id", &id)]).await.status, 409, "it is no longer a dead letter");
    assert!(app.drain_outbox().contains("Delivered 1"));
    let row = outbox::Entity::find().one(&app.db().await).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempt, row.max_attempts), ("completed", 2, 2));
    let keys: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["idempotency-key"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, [row.idempotency_key.clone(), row.idempotency_key.clone()]);
    assert!(admin.call("list_dead_letters", &[]).await.json().as_array().unwrap().is_empty());

    // Another tenant's admin, or a coordinator, cannot touch it; a missing id is not found.
    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.call("cancel_delivery", &[("id", &id)]).await.status, 404);
    assert_eq!(admin.call("cancel_delivery", &[("id", "987654")]).await.status, 404);
    assert_eq!(admin.call("cancel_delivery", &[("id", "abc")]).await.status, 404, "a malformed id is not found either");
    assert_eq!(
        admin.call("cancel_delivery", &[("id", &id)]).await.status,
        409,
        "a completed delivery is not cancelled"
    );
}
both_backends!(a_dead_letter_is_retried_once_from_the_tab_or_cancelled);

async fn an_older_dead_letter_is_not_resent_after_a_newer_push(app: TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(400)).up_to_n_times(1).mount(&mock).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&mock).await;
    let v = add_vendor(&app.db().await, "Clarity", &format!("{}/upload", mock.uri()), true).await;
    let admin = app.signed_in(ADMIN).await;
    let vendor = v.public_id.clone();
    admin.call("queue_hmis_push", &[("vendor", &vendor), ("token", &token(&admin).await)]).await;
    app.drain_outbox();
    admin.call("queue_hmis_push", &[("vendor", &vendor), ("token", &token(&admin).await)]).await;
    app.drain_outbox();
    let dead = admin.call("list_dead_letters", &[]).await.json();
    let id = id_text(&dead[0]["id"]);
    let refused = admin.call("retry_delivery", &[("id", &id)]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("newer push"), "{}", refused.body);
    let cancelled = admin.call("cancel_delivery", &[("id", &id)]).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let row = outbox::Entity::find()
        .filter(outbox::Column::PublicId.eq(id.as_str()))
        .one(&app.db().await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state, State::Cancelled);
    assert!(row.errors.to_string().contains("cancelled by Dana Whitfield"));
}
both_backends!(an_older_dead_letter_is_not_resent_after_a_newer_push);

async fn the_push_history_lists_every_attempt_in_pages(app: TestApp) {
    let mock = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&mock).await;
    let v = add_vendor(&app.db().await, "Clarity", &format!("{}/upload", mock.uri()), true).await;
    let admin = app.signed_in(ADMIN).await;
    admin.call("queue_hmis_push", &[("vendor", &v.public_id), ("token", &token(&admin).await)]).await;
    app.drain_outbox();
    let first = admin.call("list_push_history", &[]).await.json();
    assert_eq!((first["page"].as_u64(), first["pages"].as_u64()), (Some(1), Some(1)));
    let row = &first["rows"][0];
    assert_eq!(
        (row["vendor"].as_str(), row["outcome"].as_str(), row["attempt"].as_i64()),
        (Some("Clarity"), Some("delivered"), Some(1))
    );
    let sent = &mock.received_requests().await.unwrap()[0].body;
    assert_eq!(row["sha256"], app::outbox::ssr::sha256_hex(sent));

    // 30 more attempts make two pages of 25; a page past the end shows the last one.
    let db = app.db().await;
    let audit = push_audit::Entity::find().one(&db).await.unwrap().unwrap();
    for i in 0..30 {
        let mut more: push_audit::ActiveModel = audit.clone().into();
        more.id = sea_orm::ActiveValue::NotSet;
        more.detail = sea_orm::ActiveValue::Set(format!("copy {i}"));
        sea_orm::ActiveModelTrait::insert(more, &db).await.unwrap();
    }
    let page2 = admin.call("list_push_history", &[("page", "2")]).await.json();
    assert_eq!(
        (page2["page"].as_u64(), page2["pages"].as_u64(), page2["rows"].as_array().unwrap().len()),
        (Some(2), Some(2), 6)
    );
    assert_eq!(admin.call("list_push_history", &[("page", "99")]).await.json()["page"], 2);
    let html = admin.page("/admin/hmis-export?history=2").await;
    assert!(html.body.contains("Page 2 of 2") && html.body.contains("← Newer"), "{}", html.body);
    assert_eq!(app.signed_in(COORDINATOR).await.call("list_push_history", &[]).await.status, 404);
}
both_backends!(the_push_history_lists_every_attempt_in_pages);

async fn a_vendor_url_to_a_private_or_metadata_address_is_never_called(app: TestApp) {
    let db = app.db().await;
    for (name, url) in [
        ("Metadata", "https://169.254.169.254/latest/meta-data"),
        ("Private", "https://10.20.30.40/upload"),
        ("Plain http", "http://hmis.example.org/upload"),
    ] {
        add_vendor(&db, name, url, true).await;
    }
    let admin = app.signed_in(ADMIN).await;
    admin.call("queue_hmis_push", &[("vendor", "all"), ("token", &token(&admin).await)]).await;
    app.drain_outbox();
    let dead = admin.call("list_dead_letters", &[]).await.json();
    let errors: Vec<String> =
        dead.as_array().unwrap().iter().map(|d| d["errors"][0].as_str().unwrap().to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().filter(|e| e.contains("not allowed")).count() == 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("must use https")), "{errors:?}");
}
both_backends!(a_vendor_url_to_a_private_or_metadata_address_is_never_called);
