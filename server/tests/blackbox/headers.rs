//! Security headers on every response, the CSP nonce of pages, no session rows for anonymous
//! visitors, the request body limit and the data directory's mode, on SQLite and PostgreSQL.
use crate::common::*;
use reqwest::header::HeaderMap;

const WRONG: &str = "The email or password is not correct.";

/// A browser-like client whose answers keep their headers.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

async fn answer(res: reqwest::Response) -> Answer {
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    Answer { status, headers, body: res.text().await.unwrap_or_default() }
}

async fn get(http: &reqwest::Client, url: String, accept: &str) -> Answer {
    answer(http.get(url).header("accept", accept).send().await.expect("GET")).await
}

/// A server function called as the hydrated app calls it.
async fn call(http: &reqwest::Client, base: &str, endpoint: &str, form: &[(&str, &str)]) -> Answer {
    let res = http
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", "10.9.8.7")
        .form(form)
        .send()
        .await
        .expect("POST");
    answer(res).await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

/// The headers every response carries, whatever it is.
fn assert_common(what: &str, a: &Answer) {
    let h = &a.headers;
    assert_eq!(header(h, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(h, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(h, "referrer-policy"), "same-origin", "{what}");
    assert!(header(h, "content-security-policy").contains("frame-ancestors 'none'"), "{what}: {h:?}");
    assert!(h.get("strict-transport-security").is_none(), "{what}: no HSTS without an https public_url");
}

fn assert_strict_csp(what: &str, a: &Answer) {
    assert!(header(&a.headers, "content-security-policy").starts_with("default-src 'none'"), "{what}: {:?}", a.headers);
}

fn assert_no_store(what: &str, a: &Answer) {
    assert_eq!(header(&a.headers, "cache-control"), "no-store", "{what}");
}

/// The nonce the page's CSP allows scripts with.
fn csp_nonce(a: &Answer) -> String {
    let csp = header(&a.headers, "content-security-policy");
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let start = csp.find("'nonce-").expect("a nonce") + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_string()
}

/// Every `<script` tag of the page carries `nonce`; returns how many there are.
fn assert_scripts_carry(a: &Answer, nonce: &str) -> usize {
    let tags: Vec<&str> =
        a.body.match_indices("<script").map(|(i, _)| &a.body[i..i + a.body[i..].find('>').unwrap()]).collect();
    for tag in &tags {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "a script without the CSP nonce {nonce}: {tag}");
    }
    tags.len()
}

async fn session_rows(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    app::entities::session::Entity::find().count(&app.db().await).await.unwrap()
}

/// A small static site, so the test does not depend on the wasm build.
fn site_root() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("hmis-site-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("pkg/hmis-bridge.css"), "body { margin: 0 }\n").unwrap();
    root
}

async fn every_response_has_the_headers(backend: Backend) {
    let site = site_root();
    let app = TestApp::spawn_with(backend, &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())]).await;
    let http = browser();
    let base = &app.base;

    let page = get(&http, format!("{base}/login"), "text/html").await;
    assert_eq!(page.status, 200);
    assert_common("page", &page);
    assert_no_store("page", &page);

    let css = get(&http, format!("{base}/pkg/hmis-bridge.css"), "text/css").await;
    assert_eq!(css.status, 200, "{}", css.body);
    assert_common("static file", &css);
    assert_strict_csp("static file", &css);
    assert_eq!(header(&css.headers, "cache-control"), "no-cache", "static files are revalidated, not stored blindly");

    let missing_file = get(&http, format!("{base}/pkg/no-such-file.js"), "*/*").await;
    assert_eq!(missing_file.status, 404);
    assert_common("missing static file", &missing_file);
    assert_no_store("missing static file", &missing_file);
    // It is the app's "not found" page, with the page policy and its nonce.
    let nonce = csp_nonce(&missing_file);
    assert_scripts_carry(&missing_file, &nonce);

    let health = get(&http, format!("{base}/healthz"), "*/*").await;
    assert_eq!(health.status, 200);
    assert_common("healthz", &health);
    assert_strict_csp("healthz", &health);
    assert_no_store("healthz", &health);

    let me = call(&http, base, "me", &[]).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_common("server fn", &me);
    assert_strict_csp("server fn", &me);
    assert_no_store("server fn", &me);

    // A redirect (the page guard sends an anonymous visitor to sign in).
    let redirect = get(&http, format!("{base}/admin/users"), "text/html").await;
    assert_eq!(redirect.status, 303);
    assert_common("redirect", &redirect);
    assert_no_store("redirect", &redirect);

    // A refused cross-site post.
    let refused = http
        .post(format!("{base}/api/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "a@b.example"), ("password", "x")])
        .send()
        .await
        .unwrap();
    let refused = answer(refused).await;
    assert_eq!(refused.status, 403);
    assert_common("403", &refused);
    drop(app);
    let _ = std::fs::remove_dir_all(site);
}

mod every_response_has_the_headers {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::every_response_has_the_headers(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::every_response_has_the_headers(super::Backend::Postgres).await;
    }
}

async fn pages_inline_scripts_carry_the_csp_nonce(app: TestApp) {
    let http = browser();
    let base = &app.base;
    let login = get(&http, format!("{base}/login"), "text/html").await;
    let nonce = csp_nonce(&login);
    assert!(assert_scripts_carry(&login, &nonce) >= 1, "the hydration script: {}", login.body);
    let again = get(&http, format!("{base}/login"), "text/html").await;
    assert_ne!(csp_nonce(&again), nonce, "a fresh nonce for every response");

    let signed_in = call(&http, base, "login", &[("email", ADMIN.0), ("password", ADMIN.1)]).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    for path in ["/", "/admin/users", "/admin/shelters", "/no-such-page"] {
        let page = get(&http, format!("{base}{path}"), "text/html").await;
        assert!(matches!(page.status, 200 | 404), "{path}: {}", page.status);
        assert_common(path, &page);
        assert_no_store(path, &page);
        let nonce = csp_nonce(&page);
        // The hydration loader and the page's resolved resources.
        assert!(assert_scripts_carry(&page, &nonce) >= 2, "{path}: {}", page.body);
    }
}
both_backends!(pages_inline_scripts_carry_the_csp_nonce);

async fn a_one_time_password_is_never_stored_by_caches(app: TestApp) {
    let http = browser();
    let base = &app.base;
    assert_eq!(call(&http, base, "login", &[("email", ADMIN.0), ("password", ADMIN.1)]).await.status, 200);
    let form = [("email", "cache-test@capital-coc.example"), ("display_name", "Cache Test"), ("role", "coordinator")];
    let created = call(&http, base, "create_user", &form).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("secret"), "{}", created.body);
    assert_common("create_user", &created);
    assert_no_store("create_user", &created);
}
both_backends!(a_one_time_password_is_never_stored_by_caches);

async fn anonymous_errors_leave_no_session_row(app: TestApp) {
    let before = session_rows(&app).await;
    let mut carried = String::new();
    for i in 0..6 {
        let client = app.client();
        // A plain (JavaScript-off) sign-in with a wrong password: redirected back with a flash.
        let email = format!("nobody-{i}@capital-coc.example");
        let failed = client.submit("login", &[("email", &email), ("password", "wrong-password")], "/login").await;
        assert_eq!(failed.status, 302, "{}", failed.body);
        assert!(
            session_cookie(&failed.set_cookie).is_none(),
            "no session for an anonymous visitor: {:?}",
            failed.set_cookie
        );
        let flash = failed.set_cookie.iter().find(|c| c.starts_with("hmis_flash=")).expect("the flash cookie");
        assert!(flash.contains("HttpOnly") && flash.contains("SameSite=Lax") && flash.contains("Max-Age="), "{flash}");
        carried = flash.split(';').next().unwrap().to_string();
        // The error still shows on the page the browser is sent back to, once.
        let page = client.page("/login").await;
        assert!(page.body.contains(WRONG), "the no-JS form shows the error: {}", page.body);
        assert!(page.set_cookie.iter().any(|c| c.starts_with("hmis_flash=;")), "consumed: {:?}", page.set_cookie);
        assert!(!client.page("/login").await.body.contains(WRONG), "a flash shows once");
        // Other anonymous errors: a form that needs a signed-in user, a script caller's sign-in.
        let form = [("email", "x@capital-coc.example"), ("display_name", "X"), ("role", "coordinator")];
        assert_eq!(client.submit("create_user", &form, "/admin/users").await.status, 302);
        assert_eq!(client.login(&email, "wrong-password").await.status, 422);
        assert_eq!(client.call("me", &[]).await.status, 200);
    }
    assert_eq!(session_rows(&app).await, before, "anonymous requests must not add session rows");

    // The cookie is signed: as sent it shows the error, changed by one character it is ignored.
    let login_page = |cookie: String| {
        let url = format!("{}/login", app.base);
        async move {
            let res = reqwest::Client::new().get(url).header("accept", "text/html").header("cookie", cookie);
            res.send().await.unwrap().text().await.unwrap()
        }
    };
    assert!(login_page(carried.clone()).await.contains(WRONG));
    let last = carried.pop().unwrap();
    carried.push(if last == 'A' { 'B' } else { 'A' });
    assert!(!login_page(carried).await.contains(WRONG), "a tampered flash cookie is ignored");
    assert_eq!(session_rows(&app).await, before);

    // Signing in still makes exactly one session, and an error of a signed-in user shows too.
    let client = app.client();
    assert!(
        client.submit("login", &[("email", ADMIN.0), ("password", "wrong-password")], "/login").await.status == 302
    );
    let ok = client.login(ADMIN.0, ADMIN.1).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(session_cookie(&ok.set_cookie).is_some());
    assert_eq!(session_rows(&app).await, before + 1);
    assert_eq!(client.page("/").await.status, 200);
}
both_backends!(anonymous_errors_leave_no_session_row);

async fn oversized_bodies_are_refused(app: TestApp) {
    let http = browser();
    let big = "x".repeat(headers_limit() + 1);
    let res = http
        .post(format!("{}/api/login", app.base))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", big.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    let res = answer(res).await;
    assert_eq!(res.status, 413, "{}", res.body);
    assert!(res.body.contains("too large"), "{}", res.body);
    assert_common("413", &res);
    // Just under the limit is read (and refused for what it says, not its size).
    let fits = "x".repeat(headers_limit() - 100);
    let res = call(&http, &app.base, "login", &[("email", fits.as_str()), ("password", "x")]).await;
    assert_eq!(res.status, 422, "{}", res.body);
}
both_backends!(oversized_bodies_are_refused);

fn headers_limit() -> usize {
    1024 * 1024
}

async fn the_data_directory_is_private(mut app: TestApp) {
    use std::os::unix::fs::PermissionsExt;
    // Opened to others (0755, a common default) while the server was down: it restricts it again.
    std::fs::set_permissions(app.scratch(), std::fs::Permissions::from_mode(0o755)).unwrap();
    app.crash_and_restart();
    let mode = std::fs::metadata(app.scratch()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "data_dir mode {mode:o}");
}
both_backends!(the_data_directory_is_private);

/// A data directory that does not exist yet is created 0700, parents too.
#[test]
fn a_new_data_directory_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let bin = server_bin();
    let top = std::env::temp_dir().join(format!("hmis-datadir-{}-{}", std::process::id(), rand::random::<u32>()));
    let dir = top.join("nested").join("data");
    let out = std::process::Command::new(bin)
        .arg("migrate")
        .env("HMIS_DATA_DIR", &dir)
        .env("HMIS_CONFIG", top.join("none.toml"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for d in [&dir, &top.join("nested")] {
        let mode = std::fs::metadata(d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}: {mode:o}", d.display());
    }
    let _ = std::fs::remove_dir_all(top);
}

/// With an https public_url, browsers are told to use https only.
async fn hsts_follows_the_public_url(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("HMIS_PUBLIC_URL", "https://bridge.example.org")]).await;
    for path in ["/healthz", "/login"] {
        let a = get(&browser(), format!("{}{path}", app.base), "text/html").await;
        assert_eq!(header(&a.headers, "strict-transport-security"), "max-age=31536000; includeSubDomains", "{path}");
    }
}

mod hsts_follows_the_public_url {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::hsts_follows_the_public_url(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::hsts_follows_the_public_url(super::Backend::Postgres).await;
    }
}

/// A `worker` replica answers its probes with the same security headers as the web server.
async fn a_worker_replicas_probes_carry_the_headers(app: TestApp) {
    let (mut child, base) = app.start_worker_replica();
    let res = reqwest::get(format!("{base}/healthz")).await.expect("GET /healthz on the worker");
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (nosniff, cache, csp) =
        (header("x-content-type-options"), header("cache-control"), header("content-security-policy"));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(nosniff, "nosniff");
    assert_eq!(cache, "no-store");
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
}
both_backends!(a_worker_replicas_probes_carry_the_headers);

/// `GET path` exactly as written (no client normalises it), anonymous; the status code.
async fn raw_get_status(base: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status line: {text}"))
}

/// A public prefix followed by dot segments must not reach an admin page: access is decided on
/// the path as sent, and the router would resolve the dots.
async fn dot_segments_do_not_get_past_the_page_guard(app: TestApp) {
    for path in [
        "/schemas/../admin/users",
        "/pkg/../admin/users",
        "/login/../admin/hmis-export",
        "/pkg/%2e%2e/admin/users",
        "/healthz/%2E%2E/platform/tenants",
        "//admin/users",
    ] {
        assert_eq!(raw_get_status(&app.base, path).await, 404, "{path}");
    }
    // The plain paths still answer as before.
    assert_eq!(raw_get_status(&app.base, "/admin/users").await, 303);
    assert_eq!(raw_get_status(&app.base, "/login").await, 200);
}
both_backends!(dot_segments_do_not_get_past_the_page_guard);
