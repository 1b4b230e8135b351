//! The plain HTTP upload: POST the payload bytes to the vendor's URL with the row's idempotency
//! key, so the receiver can drop a repeat (delivery is at-least-once).
use std::time::Duration;

use chrono::{DateTime, Utc};

use app::entities::{outbox, vendor};
use app::outbox::state::Outcome;

use super::VendorAdapter;
use super::outbound::OutboundPolicy;

/// The header that carries the outbox row's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

pub struct HttpPost {
    client: reqwest::Client,
    policy: OutboundPolicy,
}

impl HttpPost {
    /// Requests give up after `timeout`, never follow redirects, and reach only what `policy`
    /// allows (checked on the URL and again on every resolved address).
    pub fn new(timeout: Duration, policy: OutboundPolicy) -> anyhow::Result<HttpPost> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(policy.resolver())
            .build()?;
        Ok(HttpPost { client, policy })
    }
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

/// A vendor's answer as an outcome: 2xx delivered; 408, 429 and 5xx worth retrying; any other
/// status rejected for good.
pub fn classify(status: u16, retry_after_header: Option<&str>, body: &str, now: DateTime<Utc>) -> Outcome {
    let snippet: String = body.chars().take(200).collect();
    let error = if snippet.trim().is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {}", snippet.trim()) };
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Transient { error, retry_after: retry_after_header.and_then(|v| retry_after(v, now)) },
        _ => Outcome::Permanent { error },
    }
}

#[async_trait::async_trait]
impl VendorAdapter for HttpPost {
    async fn deliver(&self, vendor: &vendor::Model, row: &outbox::Model) -> Outcome {
        let url = match self.policy.check_url(&vendor.endpoint_url) {
            Ok(url) => url,
            Err(error) => return Outcome::Permanent { error },
        };
        let sent = self
            .client
            .post(url)
            .header(IDEMPOTENCY_HEADER, &row.idempotency_key)
            .header("Content-Type", "application/zip")
            .body(row.payload.clone())
            .send()
            .await;
        match sent {
            Err(e) if e.is_timeout() => Outcome::Transient { error: "the vendor did not answer in time".into(), retry_after: None },
            Err(e) if e.is_connect() => Outcome::Transient { error: "could not connect to the vendor".into(), retry_after: None },
            Err(e) => Outcome::Transient { error: format!("sending failed: {e}"), retry_after: None },
            Ok(res) => {
                let status = res.status().as_u16();
                let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
                let body = res.text().await.unwrap_or_default();
                classify(status, retry.as_deref(), &body, Utc::now())
            }
        }
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
        assert_eq!(classify(400, None, " bad CoCCode \n", now()), Outcome::Permanent { error: "HTTP 400: bad CoCCode".into() });
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
}
