//! Each kind's HTTPS contract against a wiremock vendor: the exact method, path, headers, auth,
//! body and idempotency key of a delivery and of a connection test, and how answers map to
//! outcomes (permanent with the vendor's reason, transient after its Retry-After).
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use secrecy::SecretString;
use wiremock::matchers::{body_bytes, header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use app::entities::{outbox, vendor};
use app::outbox::state::{AttemptErrors, Outcome, State};
use app::vendors::{Contacts, DeliveryTarget, PayloadFormat, SecretField, VendorKind, VendorMode};

use super::http_post::HttpPost;
use super::outbound::OutboundPolicy;
use super::{Destination, Secrets, VendorAdapter, clarity, clienttrack, custom, hud_api};
use app::vendors::Checked;

fn https() -> Arc<HttpPost> {
    Arc::new(HttpPost::new(Duration::from_secs(10), OutboundPolicy { allow_loopback: true }).unwrap())
}

fn vendor(kind: VendorKind, url: &str) -> vendor::Model {
    let now = Utc::now();
    vendor::Model {
        id: 1,
        public_id: "0123456789abcdef0123".into(),
        tenant_id: 1,
        name: "Vendor".into(),
        kind,
        transport: kind.transports()[0],
        endpoint_url: url.into(),
        test_endpoint_url: None,
        mode: VendorMode::Live,
        push_interval_minutes: None,
        push_daily_at: None,
        payload_format: kind.formats()[0],
        json_version: None,
        auth_user: Some("bridge-api".into()),
        org_id: None,
        contacts: Contacts::default(),
        file_name_pattern: None,
        host_key_pinned: None,
        host_key_offered: None,
        pgp_public_key: None,
        dv_policy: app::vendors::DvPolicy::Aggregate,
        client_files: false,
        last_test_at: None,
        last_test_ok: None,
        last_test_detail: None,
        circuit_open_until: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
    }
}

fn row(format: PayloadFormat, payload: &[u8]) -> outbox::Model {
    let now = Utc::now();
    outbox::Model {
        id: 7,
        public_id: "fedcba9876543210fedc".into(),
        tenant_id: 1,
        vendor_id: 1,
        state: State::Running,
        attempt: 1,
        max_attempts: 3,
        scheduled_at: now,
        attempted_at: Some(now),
        locked_until: None,
        finalized_at: None,
        errors: AttemptErrors::default(),
        payload: payload.to_vec(),
        payload_sha256: String::new(),
        record_count: 3,
        idempotency_key: "manual-token-0123456789abcdef0123".into(),
        created_at: now,
        dv_epoch: 0,
        target: DeliveryTarget::Production,
        payload_format: format,
        payload_name: "hmis-csv-capital-area-20261123-120000.zip".into(),
        request_id: None,
    }
}

fn secrets(list: &[(SecretField, &str)]) -> Secrets {
    Secrets::new(list.iter().map(|(f, v)| (f.clone(), SecretString::from(v.to_string()))).collect())
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

const ZIP: &[u8] = b"PK\x03\x04 not really a zip";
const JSON: &[u8] = br#"{"version":1,"records":[]}"#;

async fn only_request(server: &MockServer) -> Request {
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "exactly one request");
    received.remove(0)
}

#[tokio::test]
async fn clarity_uploads_the_zip_as_multipart_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/import/upload"))
        .and(header("authorization", basic("bridge-api", "pa:ss word").as_str()))
        .and(header("idempotency-key", "manual-token-0123456789abcdef0123"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let v = vendor(VendorKind::Clarity, &format!("{}/import/upload", server.uri()));
    let s = secrets(&[(SecretField::Password, "pa:ss word")]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };

    let outcome = clarity::Clarity(https()).deliver(&to, &row(PayloadFormat::HmisCsvZip, ZIP)).await;

    assert_eq!(outcome, Outcome::Delivered);
    let request = only_request(&server).await;
    let content_type = request.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    let body = String::from_utf8_lossy(&request.body);
    assert!(body.contains(r#"name="file"; filename="hmis-csv-capital-area-20261123-120000.zip""#), "{body}");
    assert!(body.contains("Content-Type: application/zip"), "{body}");
    assert!(request.body.windows(ZIP.len()).any(|w| w == ZIP), "the zip is in the part");
    assert!(request.headers.get(app::vendors::TEST_HEADER).is_none(), "a production push is not marked");
}

#[tokio::test]
async fn clarity_without_its_password_fails_for_good_without_a_request() {
    let server = MockServer::start().await;
    let v = vendor(VendorKind::Clarity, &format!("{}/import", server.uri()));
    let s = secrets(&[]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };
    let outcome = clarity::Clarity(https()).deliver(&to, &row(PayloadFormat::HmisCsvZip, ZIP)).await;
    assert!(matches!(&outcome, Outcome::Permanent { error } if error.contains("Password of this")), "{outcome:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn clienttrack_posts_json_with_its_two_keys_and_org_id_and_tests_at_auth_test() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/inventory"))
        .and(header("ocp-apim-subscription-key", "sub-key-1"))
        .and(header("authorization", "ApiKey api-key-2"))
        .and(header("orgid", "ORG-7"))
        .and(header("content-type", "application/json"))
        .and(header("idempotency-key", "manual-token-0123456789abcdef0123"))
        .and(header(app::vendors::TEST_HEADER, "true"))
        .and(body_bytes(JSON))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/auth/test"))
        .and(header("ocp-apim-subscription-key", "sub-key-1"))
        .and(header("authorization", "ApiKey api-key-2"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut v = vendor(VendorKind::Clienttrack, &format!("{}/api/inventory?x=1", server.uri()));
    v.org_id = Some("ORG-7".into());
    let s = secrets(&[(SecretField::SubscriptionKey, "sub-key-1"), (SecretField::ApiKey, "api-key-2")]);
    let url = format!("{}/api/inventory", server.uri());
    let to = Destination { vendor: &v, url: &url, test: true, secrets: &s };
    let adapter = clienttrack::ClientTrack(https());

    assert_eq!(adapter.deliver(&to, &row(PayloadFormat::InventoryV1, JSON)).await, Outcome::Delivered);
    let checked = adapter.check(&Destination { url: &v.endpoint_url, ..to }).await;
    assert!(checked.ok, "{checked:?}");
    let handshake = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!((handshake.method.as_str(), handshake.url.path(), handshake.url.query()), ("GET", "/auth/test", None));
    assert!(handshake.body.is_empty(), "a connection test sends no data");
    assert!(handshake.headers.get("idempotency-key").is_none());
}

#[tokio::test]
async fn hud_api_posts_the_csvexport_json_with_basic_auth() {
    let server = MockServer::start().await;
    let doc = br#"{"Export.csv":[{"ExportID":"1"}]}"#;
    Mock::given(method("POST"))
        .and(path("/hmis/csvexport"))
        .and(header("authorization", basic("bridge-api", "pw").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("idempotency-key", "manual-token-0123456789abcdef0123"))
        .and(body_bytes(doc.as_slice()))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let v = vendor(VendorKind::HudApi, &format!("{}/hmis/csvexport", server.uri()));
    let s = secrets(&[(SecretField::Password, "pw")]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };
    assert_eq!(hud_api::HudApi(https()).deliver(&to, &row(PayloadFormat::HudCsvExport, doc)).await, Outcome::Delivered);
}

#[tokio::test]
async fn custom_sends_every_secret_header_and_names_the_zip() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/in"))
        .and(header("x-api-key", "k1"))
        .and(header("authorization", "Bearer t2"))
        .and(header("content-type", "application/zip"))
        .and(header("content-disposition", r#"attachment; filename="hmis-csv-capital-area-20261123-120000.zip""#))
        .and(header_exists("idempotency-key"))
        .and(body_bytes(ZIP))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let v = vendor(VendorKind::Custom, &format!("{}/in", server.uri()));
    let s = secrets(&[
        (SecretField::Header("X-Api-Key".into()), "k1"),
        (SecretField::Header("Authorization".into()), "Bearer t2"),
    ]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };
    assert_eq!(custom::Custom(https()).deliver(&to, &row(PayloadFormat::HmisCsvZip, ZIP)).await, Outcome::Delivered);
}

/// Every kind maps the vendor's answers the same way.
#[tokio::test]
async fn statuses_map_to_outcomes_with_the_reason_and_retry_after() {
    let cases: &[(u16, Option<&str>, &str, Outcome)] = &[
        (400, None, "ProjectID unknown", Outcome::Permanent { error: "HTTP 400: ProjectID unknown".into() }),
        (401, None, "bad key", Outcome::Permanent { error: "HTTP 401: bad key".into() }),
        (403, None, "", Outcome::Permanent { error: "HTTP 403".into() }),
        (404, None, "", Outcome::Permanent { error: "HTTP 404".into() }),
        (422, None, "BedInventory", Outcome::Permanent { error: "HTTP 422: BedInventory".into() }),
        (
            429,
            Some("17"),
            "slow down",
            Outcome::Transient { error: "HTTP 429: slow down".into(), retry_after: Some(Duration::from_secs(17)) },
        ),
        (
            503,
            Some("120"),
            "",
            Outcome::Transient { error: "HTTP 503".into(), retry_after: Some(Duration::from_secs(120)) },
        ),
        (500, None, "", Outcome::Transient { error: "HTTP 500".into(), retry_after: None }),
    ];
    for kind in VendorKind::OFFERED {
        for (status, retry, body, expected) in cases {
            let server = MockServer::start().await;
            let mut answer = ResponseTemplate::new(*status).set_body_string(*body);
            if let Some(r) = retry {
                answer = answer.insert_header("retry-after", *r);
            }
            Mock::given(method("POST")).respond_with(answer).mount(&server).await;
            let v = vendor(*kind, &format!("{}/in", server.uri()));
            let s = secrets(&[
                (SecretField::Password, "pw"),
                (SecretField::ApiKey, "k"),
                (SecretField::SubscriptionKey, "s"),
            ]);
            let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };
            let outcome = adapter(*kind).deliver(&to, &row(kind.formats()[0], JSON)).await;
            assert_eq!(&outcome, expected, "{kind:?} {status}");
        }
    }
}

fn adapter(kind: VendorKind) -> Box<dyn VendorAdapter> {
    match kind {
        VendorKind::Clarity => Box::new(clarity::Clarity(https())),
        VendorKind::Clienttrack => Box::new(clienttrack::ClientTrack(https())),
        VendorKind::HudApi => Box::new(hud_api::HudApi(https())),
        _ => Box::new(custom::Custom(https())),
    }
}

#[tokio::test]
async fn a_huge_answer_is_cut_to_a_short_reason() {
    let server = MockServer::start().await;
    let huge = "r".repeat(5 * 1024 * 1024);
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(422).set_body_string(huge)).mount(&server).await;
    let v = vendor(VendorKind::HudApi, &format!("{}/in", server.uri()));
    let s = secrets(&[(SecretField::Password, "pw")]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };
    let outcome = hud_api::HudApi(https()).deliver(&to, &row(PayloadFormat::HudCsvExport, JSON)).await;
    assert_eq!(outcome, Outcome::Permanent { error: format!("HTTP 422: {}", "r".repeat(200)) });
}

#[tokio::test]
async fn connection_tests_tell_refused_credentials_from_a_wrong_address() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/ok"))
        .and(header("authorization", basic("bridge-api", "pw").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("HEAD")).and(path("/ok")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    Mock::given(method("HEAD")).and(path("/upload-only")).respond_with(ResponseTemplate::new(405)).mount(&server).await;
    let clarity = clarity::Clarity(https());
    let check = |url: String, password: &'static str| {
        let clarity = &clarity;
        async move {
            let v = vendor(VendorKind::Clarity, &url);
            let s = secrets(&[(SecretField::Password, password)]);
            clarity.check(&Destination { vendor: &v, url: &url, test: false, secrets: &s }).await
        }
    };

    let passed = check(format!("{}/ok", server.uri()), "pw").await;
    let refused = check(format!("{}/ok", server.uri()), "wrong").await;
    let missing = check(format!("{}/nowhere", server.uri()), "pw").await;
    let upload_only = check(format!("{}/upload-only", server.uri()), "pw").await;

    assert!(passed.ok, "{passed:?}");
    assert_eq!(refused, Checked::failed("the vendor refused the credentials (HTTP 401); check them and save again"));
    assert!(!missing.ok && missing.detail.contains("not found"), "{missing:?}");
    assert!(upload_only.ok && upload_only.detail.contains("first test push"), "{upload_only:?}");
    assert!(server.received_requests().await.unwrap().iter().all(|r| r.body.is_empty()), "no data is sent");
}

/// A vendor that echoes the request with the secret where the recorded reason is cut (or
/// escaped, as JSON quotes it): none of it is recorded.
#[tokio::test]
async fn an_echoed_secret_is_blotted_out_before_the_reason_is_cut() {
    const SECRET: &str = "k/ey\"with+odd=chars-0123456789";
    let escaped = serde_json::to_string(SECRET).unwrap();
    let server = MockServer::start().await;
    let body = format!("{}{SECRET} and again as JSON: {escaped}", "x".repeat(190));
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(400).set_body_string(body)).mount(&server).await;
    let v = vendor(VendorKind::Custom, &format!("{}/in", server.uri()));
    let s = secrets(&[(SecretField::Header("X-Api-Key".into()), SECRET)]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };

    let outcome = custom::Custom(https()).deliver(&to, &row(PayloadFormat::HmisCsvZip, ZIP)).await;

    let error = outcome.error();
    assert!(error.starts_with("HTTP 400: xxx") && error.contains("[secret]"), "{error}");
    assert!(!error.contains("k/ey"), "no part of the secret is recorded: {error}");
}

/// A header value a request cannot carry fails for good (it would fail the same way again).
#[tokio::test]
async fn a_request_that_cannot_be_built_fails_for_good() {
    let server = MockServer::start().await;
    let v = vendor(VendorKind::Custom, &format!("{}/in", server.uri()));
    let s = secrets(&[(SecretField::Header("X-Api-Key".into()), "line\nbreak")]);
    let to = Destination { vendor: &v, url: &v.endpoint_url, test: false, secrets: &s };
    let outcome = custom::Custom(https()).deliver(&to, &row(PayloadFormat::HmisCsvZip, ZIP)).await;
    assert!(
        matches!(&outcome, Outcome::Permanent { error } if error.starts_with("the request could not be built")),
        "{outcome:?}"
    );
    assert!(!outcome.error().contains("line"), "{outcome:?}");
}
