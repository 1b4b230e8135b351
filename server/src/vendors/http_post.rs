//! The HTTPS client every HTTPS kind sends through: the outbound address rules, timeouts, no
//! redirects and no proxies; at most `BODY_LIMIT` bytes of an answer read; answers and failures
//! classified for the outbox. Each kind's adapter builds its own request (format and auth) and
//! hands it here. `send` is the plain upload (POST the bytes with the idempotency key).
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use app::outbox::state::Outcome;

use super::outbound::{GuardedResolver, NotAllowed, OutboundPolicy};

/// The header that carries the outbox row's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// How much of a vendor's answer is read: enough for its error message, never a flood.
pub const BODY_LIMIT: usize = 4 * 1024;

pub struct HttpPost {
    client: reqwest::Client,
    policy: OutboundPolicy,
}

impl HttpPost {
    /// Requests give up after `timeout`, never follow redirects, ignore proxy settings and reach
    /// only what `policy` allows (checked on the URL and again on every resolved address).
    pub fn new(timeout: Duration, policy: OutboundPolicy) -> anyhow::Result<HttpPost> {
        HttpPost::with_resolver(timeout, policy, policy.resolver())
    }

    fn with_resolver(
        timeout: Duration,
        policy: OutboundPolicy,
        resolver: Arc<GuardedResolver>,
    ) -> anyhow::Result<HttpPost> {
        crate::tls::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            // HTTPS_PROXY, HTTP_PROXY and ALL_PROXY would send the request to a proxy, which
            // resolves and dials the vendor's name itself: the resolver below would never see it.
            .no_proxy()
            .dns_resolver(resolver)
            .build()?;
        Ok(HttpPost { client, policy })
    }

    /// POST `payload` to `url` under `idempotency_key` and classify what happened (the plain
    /// upload; each kind's adapter sends through `Destination::send`).
    pub async fn send(&self, url: &str, idempotency_key: &str, payload: Vec<u8>) -> Outcome {
        let sent = self
            .exchange(url, |client, url| {
                client
                    .post(url)
                    .header(IDEMPOTENCY_HEADER, idempotency_key)
                    .header("Content-Type", "application/zip")
                    .body(payload)
            })
            .await;
        match sent {
            Ok(answer) => classify(answer.status, answer.retry_after.as_deref(), &answer.body, Utc::now()),
            Err(failed) => failed,
        }
    }

    /// Send the request `build` makes for `url`: the vendor's answer (status, Retry-After and the
    /// head of the body), or the outcome of a request that got none.
    pub async fn exchange(
        &self,
        url: &str,
        build: impl FnOnce(&reqwest::Client, reqwest::Url) -> reqwest::RequestBuilder,
    ) -> Result<Answer, Outcome> {
        let url = self.policy.check_url(url).map_err(|error| Outcome::Permanent { error })?;
        match build(&self.client, url).send().await {
            Err(e) => Err(unanswered(&e)),
            Ok(res) => {
                let status = res.status().as_u16();
                let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
                let (retry_after, error_code, content_md5) =
                    (header("retry-after"), header("x-ms-error-code"), header("content-md5"));
                let head = read_head(res, BODY_LIMIT).await;
                let body = String::from_utf8_lossy(&head).into_owned();
                Ok(Answer { status, retry_after, error_code, content_md5, body })
            }
        }
    }
}

/// A vendor's answer, as far as it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// Azure Storage's `x-ms-error-code` (why it refused).
    pub error_code: Option<String>,
    /// The stored blob's `Content-MD5` (Azure Storage).
    pub content_md5: Option<String>,
    /// The first `BODY_LIMIT` bytes of the body, as text.
    pub body: String,
}

/// At most the first `limit` bytes of the answer's body (less if reading it fails): the rest is
/// never read, and dropping the response closes the connection.
async fn read_head(mut res: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut head = Vec::new();
    while head.len() < limit {
        match res.chunk().await {
            Ok(Some(chunk)) => head.extend_from_slice(&chunk[..chunk.len().min(limit - head.len())]),
            Ok(None) | Err(_) => break,
        }
    }
    head
}

/// A request that got no answer, as an outcome: a host that resolves only to refused addresses
/// fails the same way next time; timeouts, DNS and connection failures may pass. The texts are
/// shown to CoC admins, so they never carry the URL (it may hold credentials).
fn unanswered(e: &reqwest::Error) -> Outcome {
    if let Some(refused) = NotAllowed::find(e) {
        return Outcome::Permanent { error: refused.to_string() };
    }
    // A request that cannot be built (a header value it cannot carry) fails the same way again.
    if e.is_builder() {
        return Outcome::Permanent { error: format!("the request could not be built: {}", innermost(e)) };
    }
    let error = if e.is_timeout() {
        "the vendor did not answer in time".to_string()
    } else if e.is_dns() {
        "could not resolve the vendor's host name".to_string()
    } else if e.is_connect() {
        "could not connect to the vendor".to_string()
    } else {
        format!("sending failed: {}", innermost(e))
    };
    Outcome::Transient { error, retry_after: None }
}

/// The innermost cause of `e`: reqwest's own text ends with the URL (which may carry
/// credentials); the innermost cause does not.
fn innermost(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or_default())
}

/// A vendor's answer as an outcome: 2xx delivered; 408, 429 and 5xx worth retrying (429 and 503
/// after the Retry-After they give); any other status (400, 401, 403, 404, 422 ...) rejected for
/// good. The error keeps the first 200 characters of the body: the vendor's reason.
pub fn classify(status: u16, retry_after_header: Option<&str>, body: &str, now: DateTime<Utc>) -> Outcome {
    let snippet: String = body.chars().take(200).collect();
    let error =
        if snippet.trim().is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {}", snippet.trim()) };
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => {
            Outcome::Transient { error, retry_after: retry_after_header.and_then(|v| retry_after(v, now)) }
        }
        _ => Outcome::Permanent { error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap()
    }

    #[test]
    fn statuses_are_classified_as_the_outbox_needs() {
        assert_eq!(classify(204, None, "", now()), Outcome::Delivered);
        for transient in [408, 429, 500, 502, 503] {
            assert!(matches!(classify(transient, None, "", now()), Outcome::Transient { .. }), "{transient}");
        }
        for permanent in [400, 401, 403, 404, 409, 413, 422] {
            assert!(matches!(classify(permanent, None, "", now()), Outcome::Permanent { .. }), "{permanent}");
        }
        assert_eq!(
            classify(400, None, " bad CoCCode \n", now()),
            Outcome::Permanent { error: "HTTP 400: bad CoCCode".into() }
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_after("120", now()), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Mon, 23 Nov 2026 12:05:00 GMT", now()), Some(Duration::from_secs(300)));
        assert_eq!(retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now()), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now()), None);
        let slow = classify(429, Some("7"), "", now());
        assert_eq!(slow, Outcome::Transient { error: "HTTP 429".into(), retry_after: Some(Duration::from_secs(7)) });
    }

    /// A client whose names resolve as `hosts` say, loopback refused.
    fn strict_with_hosts(hosts: &[(&str, std::net::IpAddr)]) -> HttpPost {
        let strict = OutboundPolicy::default();
        HttpPost::with_resolver(Duration::from_secs(5), strict, strict.resolver_with_hosts(hosts)).unwrap()
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_refused_addresses_is_a_permanent_failure_naming_the_reason() {
        let post = strict_with_hosts(&[
            ("vendor.example", "127.0.0.1".parse().unwrap()),
            ("metadata.example", "169.254.169.254".parse().unwrap()),
            ("metadata.example", "fd00::1".parse().unwrap()),
        ]);

        let loopback = post.send("https://api-user:s3cret@vendor.example:8443/upload?sig=SAS-T0KEN", "k", vec![]).await;
        let metadata = post.send("https://metadata.example/latest/meta-data", "k", vec![]).await;

        assert_eq!(
            loopback,
            Outcome::Permanent { error: "vendor.example is not allowed: 127.0.0.1 is a loopback address".into() }
        );
        let error = loopback.error();
        assert!(!error.contains("s3cret") && !error.contains("api-user") && !error.contains("SAS-T0KEN"), "{error}");
        assert_eq!(
            metadata,
            Outcome::Permanent {
                error: "metadata.example is not allowed: 169.254.169.254 is a link-local address (cloud metadata)"
                    .into()
            }
        );
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_retried() {
        let post = strict_with_hosts(&[]);
        let outcome = post.send("https://user:s3cret@nowhere.example/upload", "k", vec![]).await;
        assert_eq!(
            outcome,
            Outcome::Transient { error: "could not resolve the vendor's host name".into(), retry_after: None }
        );
    }

    fn loopback_post() -> HttpPost {
        HttpPost::new(Duration::from_secs(60), OutboundPolicy { allow_loopback: true }).unwrap()
    }

    #[tokio::test]
    async fn a_huge_error_body_gives_a_short_error() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};
        let vendor = MockServer::start().await;
        let ten_mb = "x".repeat(10 * 1024 * 1024);
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_string(ten_mb))
            .mount(&vendor)
            .await;

        let outcome = loopback_post().send(&format!("{}/upload", vendor.uri()), "k", b"zip".to_vec()).await;

        assert_eq!(outcome, Outcome::Transient { error: format!("HTTP 500: {}", "x".repeat(200)), retry_after: None });
    }

    /// A vendor answering 500 with a body that never ends: only the first `BODY_LIMIT` bytes are
    /// read, then the client hangs up (reading on would never finish).
    #[tokio::test]
    async fn an_endless_error_body_is_read_no_further_than_the_limit() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/upload", listener.local_addr().unwrap());
        let (hung_up, client_gone) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0; 64 * 1024];
            let _ = socket.read(&mut request).await;
            let head = b"HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n";
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "y".repeat(64 * 1024));
            let mut written = 0usize;
            let mut sending = socket.write_all(head).await;
            while sending.is_ok() {
                sending = socket.write_all(chunk.as_bytes()).await;
                written += chunk.len();
            }
            let _ = hung_up.send(written);
        });

        let post = loopback_post();
        let delivery = post.send(&url, "k", b"zip".to_vec());
        let outcome =
            tokio::time::timeout(Duration::from_secs(30), delivery).await.expect("the body is not read to its end");

        assert_eq!(outcome, Outcome::Transient { error: format!("HTTP 500: {}", "y".repeat(200)), retry_after: None });
        let written =
            tokio::time::timeout(Duration::from_secs(30), client_gone).await.expect("the client hung up").unwrap();
        assert!(written > BODY_LIMIT, "the vendor sent more than was read: {written} bytes");
    }
}
