//! A browser-like HTTP client for the black-box tests: its own cookie jar, no redirects
//! followed, page navigations, form posts with and without JavaScript, server-function calls
//! and downloads.
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use serde_json::Value;

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl Response {
    /// The body with the per-request nonce blanked and without the preload links of lazy-route
    /// chunks, so two renders of the same page compare equal. (Leptos 0.8 adds those links to
    /// some responses and not to others, depending on the server's state rather than on the
    /// request; they name the page's code, the same whatever the page shows.)
    pub fn page_text(&self) -> String {
        let body = without_chunk_preloads(&self.body);
        let nonce = body
            .find("nonce=\"")
            .map(|i| &body[i + 7..])
            .and_then(|tail| tail.split('"').next())
            .unwrap_or("")
            .to_string();
        if nonce.is_empty() { body } else { body.replace(&nonce, "NONCE") }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `html` without `<link rel="preload" ... .wasm>` and `<link rel="modulepreload" ... __wasm_split...>`.
fn without_chunk_preloads(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<link ") {
        let Some(len) = rest[start..].find('>') else { break };
        let tag = &rest[start..start + len + 1];
        out.push_str(&rest[..start]);
        let chunk = (tag.contains("rel=\"preload\"") && tag.contains(".wasm\""))
            || (tag.contains("rel=\"modulepreload\"") && tag.contains("__wasm_split"));
        if !chunk {
            out.push_str(tag);
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub disposition: String,
    pub location: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    pub forwarded_for: String,
}

impl Client {
    pub(super) fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
        Client { base: base.to_string(), http, forwarded_for: format!("10.0.{}.{}", rand_byte(), rand_byte()) }
    }

    async fn finish(res: reqwest::Response) -> Response {
        let status = res.status().as_u16();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let set_cookie =
            res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
        let body = res.text().await.unwrap_or_default();
        Response { status, location, set_cookie, body }
    }

    /// GET a page as a browser navigation.
    pub async fn page(&self, path: &str) -> Response {
        let res = self.http.get(format!("{}{path}", self.base)).header(ACCEPT, "text/html").send().await.expect("GET");
        Self::finish(res).await
    }

    /// GET a file download: status, headers and the raw bytes.
    pub async fn download(&self, path: &str) -> Download {
        let res = self.http.get(format!("{}{path}", self.base)).send().await.expect("GET");
        let status = res.status().as_u16();
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (content_type, disposition, location) =
            (header("content-type"), header("content-disposition"), header("location"));
        let bytes = res.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        Download { status, content_type, disposition, location, bytes }
    }

    /// Call a server function as the hydrated app does (fetch, JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.post(endpoint, form, "application/json", &[("sec-fetch-site", "same-origin")]).await
    }

    /// Submit a form as a browser with JavaScript off does.
    pub async fn submit(&self, endpoint: &str, form: &[(&str, &str)], referer: &str) -> Response {
        let referer = format!("{}{referer}", self.base);
        let origin = self.base.clone();
        self.post(
            endpoint,
            form,
            "text/html",
            &[("sec-fetch-site", "same-origin"), ("origin", &origin), ("referer", &referer)],
        )
        .await
    }

    pub async fn post(&self, endpoint: &str, form: &[(&str, &str)], accept: &str, extra: &[(&str, &str)]) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(accept).unwrap());
        headers.insert("x-forwarded-for", HeaderValue::from_str(&self.forwarded_for).unwrap());
        for (k, v) in extra {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let res = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .headers(headers)
            .form(form)
            .send()
            .await
            .expect("POST");
        Self::finish(res).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.call("login", &[("email", email), ("password", password)]).await
    }
}

fn rand_byte() -> u8 {
    use rand::Rng;
    rand::rng().random_range(1..=254)
}

/// A JSON id as form text: public ids are strings, user ids numbers.
pub fn id_text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

/// The one-time password in a `Notice` JSON answer.
pub fn secret_of(res: &Response) -> String {
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["secret"].as_str().expect("secret").to_string()
}

/// The session cookie value in a `Set-Cookie` list.
pub fn session_cookie(set_cookie: &[String]) -> Option<String> {
    set_cookie
        .iter()
        .find_map(|c| c.strip_prefix("hmis_session=").map(|rest| rest.split(';').next().unwrap_or("").to_string()))
}
