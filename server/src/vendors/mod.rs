//! Vendor adapters: how one outbox row's payload reaches one vendor (DESIGN.md 6). The worker
//! knows only `Adapters`: it opens the vendor's secrets, picks the endpoint the row was queued
//! for, and hands both to the adapter of the vendor's kind. Each kind is one file behind
//! `VendorAdapter`, registered in `Adapters::new`.
pub mod azure;
pub mod clarity;
pub mod clienttrack;
#[cfg(test)]
mod contracts;
pub mod custom;
pub mod http_post;
pub mod hud_api;
pub mod outbound;
pub mod protect;
pub mod sftp;

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};

use app::entities::{outbox, vendor};
use app::outbox::state::Outcome;
use app::ssr::vault::Vault;
use app::vendors::{Checked, DeliveryTarget, SecretField, TEST_HEADER, Transport, VendorKind};

use http_post::{Answer, HttpPost, IDEMPOTENCY_HEADER};

/// A vendor's secrets, opened for one request. Never logged: `Debug` shows only the names.
pub struct Secrets(Vec<(SecretField, SecretString)>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(field, _)| field.stored_name())).finish()
    }
}

impl Secrets {
    pub fn new(secrets: Vec<(SecretField, SecretString)>) -> Secrets {
        Secrets(secrets)
    }

    pub fn get(&self, field: &SecretField) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, v)| v.expose_secret())
    }

    /// A secret the kind needs, or the permanent failure that says it is missing.
    pub fn require(&self, field: &SecretField, vendor: &vendor::Model) -> Result<&str, Outcome> {
        self.get(field).ok_or_else(|| Outcome::Permanent {
            error: format!(
                "the {} of this {} vendor is not set; enter it on the vendor's settings page",
                field.label(),
                vendor.kind.label()
            ),
        })
    }

    /// `text` (a vendor's answer, an error) with every secret value, and the HTTP Basic token
    /// made from one, blotted out: a vendor that echoes the request back must not put a
    /// credential into the outbox errors, the audit or the page.
    pub fn redact(&self, text: &str, basic_user: Option<&str>) -> String {
        use base64::Engine;
        let mut out = text.to_string();
        for (field, value) in &self.0 {
            let value = value.expose_secret();
            // As sent, and as an echo may quote it: JSON-escaped or percent-encoded.
            let mut forms = vec![value.to_string(), url::form_urlencoded::byte_serialize(value.as_bytes()).collect()];
            if let Ok(json) = serde_json::to_string(value) {
                forms.push(json.trim_matches('"').to_string());
            }
            if let (SecretField::Password, Some(user)) = (field, basic_user) {
                forms.push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{value}")));
            }
            for form in forms.iter().filter(|f| f.len() >= 3) {
                out = out.replace(form.as_str(), "[secret]");
            }
        }
        out
    }

    /// The custom headers (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().filter_map(|(f, v)| match f {
            SecretField::Header(name) => Some((name.as_str(), v.expose_secret())),
            _ => None,
        })
    }
}

/// Where one request goes: the vendor, the endpoint for its target, whether it is a test push
/// (then marked with `TEST_HEADER`), and the vendor's secrets.
pub struct Destination<'a> {
    pub vendor: &'a vendor::Model,
    pub url: &'a str,
    pub test: bool,
    pub secrets: &'a Secrets,
}

impl Destination<'_> {
    /// `text` with the vendor's secrets blotted out.
    pub fn redact(&self, text: &str) -> String {
        self.secrets.redact(text, self.vendor.auth_user.as_deref())
    }

    /// Send the delivery `build` makes to this endpoint. The vendor's answer has every secret
    /// blotted out before it is cut to the reason that is recorded.
    pub async fn send(
        &self,
        https: &HttpPost,
        build: impl FnOnce(&reqwest::Client, reqwest::Url) -> reqwest::RequestBuilder,
    ) -> Outcome {
        match https.exchange(self.url, build).await {
            Ok(a) => http_post::classify(a.status, a.retry_after.as_deref(), &self.redact(&a.body), chrono::Utc::now()),
            Err(failed) => failed,
        }
    }

    /// A connection test: the handshake `build` makes to `url`, judged, secrets blotted out.
    pub async fn handshake(
        &self,
        https: &HttpPost,
        url: &str,
        build: impl FnOnce(&reqwest::Client, reqwest::Url) -> reqwest::RequestBuilder,
    ) -> Checked {
        let answer = https.exchange(url, build).await.map(|a| Answer { body: self.redact(&a.body), ..a });
        judged(url, answer)
    }

    /// The headers every request to the vendor carries: the test mark, and the idempotency key
    /// when there is a delivery.
    pub fn common(&self, request: reqwest::RequestBuilder, row: Option<&outbox::Model>) -> reqwest::RequestBuilder {
        let request = if self.test { request.header(TEST_HEADER, "true") } else { request };
        match row {
            Some(row) => request.header(IDEMPOTENCY_HEADER, &row.idempotency_key),
            None => request,
        }
    }
}

/// A handshake's answer, judged: 2xx passes; 401 and 403 are refused credentials; 404 a wrong
/// address; 405 and 501 (an upload endpoint that only takes uploads) reachable but with the
/// credentials unchecked until the first test push; anything else a failure with the status.
pub fn judged(url: &str, answer: Result<Answer, Outcome>) -> Checked {
    let reached = if url.starts_with("https:") { "reachable over TLS" } else { "reachable" };
    let answer = match answer {
        Ok(answer) => answer,
        Err(failed) => return Checked::failed(failed.error()),
    };
    let status = answer.status;
    let (ok, detail) = match status {
        200..=299 => (true, format!("{reached}; the credentials were accepted (HTTP {status})")),
        401 | 403 => (false, format!("the vendor refused the credentials (HTTP {status}); check them and save again")),
        404 => (false, "the endpoint was not found (HTTP 404); check the address".to_string()),
        405 | 501 => (
            true,
            format!(
                "{reached}; the endpoint takes only uploads (HTTP {status}), so the credentials are checked by the first test push"
            ),
        ),
        _ => {
            let reason: String = answer.body.chars().take(200).collect();
            let reason = reason.trim();
            if reason.is_empty() {
                (false, format!("the vendor answered HTTP {status}"))
            } else {
                (false, format!("the vendor answered HTTP {status}: {reason}"))
            }
        }
    };
    Checked { ok, detail, host_key: None }
}

/// Delivers one outbox row to its vendor and classifies what happened; checks a connection
/// without sending data. Must not panic and must give up by itself (a timeout is a transient
/// outcome).
#[async_trait::async_trait]
pub trait VendorAdapter: Send + Sync {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome;

    async fn check(&self, to: &Destination<'_>) -> Checked;
}

/// What a delivery came to, and the SHA-256 of the bytes sent when they are not the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub outcome: Outcome,
    pub sent_sha256: Option<String>,
}

/// The adapter of each kind and of each file transport, and the vault that opens the vendors'
/// secrets.
#[derive(Clone)]
pub struct Adapters {
    kinds: HashMap<VendorKind, Arc<dyn VendorAdapter>>,
    transports: HashMap<Transport, Arc<dyn VendorAdapter>>,
    vault: Arc<Vault>,
}

impl Adapters {
    /// The registry: the one place a kind is wired to how it is delivered.
    /// A vendor reached over HTTPS is delivered by its kind's adapter; one reached by a file
    /// transport by that transport's (WellSky is SFTP).
    pub fn new(https: Arc<HttpPost>, sftp: Arc<sftp::Sftp>, vault: Arc<Vault>) -> Adapters {
        let https_for_files = https.clone();
        let kinds: [(VendorKind, Arc<dyn VendorAdapter>); 5] = [
            (VendorKind::Clarity, Arc::new(clarity::Clarity(https.clone()))),
            (VendorKind::Clienttrack, Arc::new(clienttrack::ClientTrack(https.clone()))),
            (VendorKind::HudApi, Arc::new(hud_api::HudApi(https.clone()))),
            (VendorKind::Custom, Arc::new(custom::Custom(https))),
            (VendorKind::Wellsky, sftp.clone()),
        ];
        let transports: [(Transport, Arc<dyn VendorAdapter>); 2] =
            [(Transport::Sftp, sftp), (Transport::AzureBlob, Arc::new(azure::AzureBlob(https_for_files)))];
        Adapters { kinds: kinds.into_iter().collect(), transports: transports.into_iter().collect(), vault }
    }

    /// The adapters the server runs: requests give up after `timeout` and reach only what
    /// `policy` allows.
    pub fn with_policy(
        policy: outbound::OutboundPolicy,
        timeout: std::time::Duration,
        vault: Arc<Vault>,
    ) -> anyhow::Result<Adapters> {
        let https = Arc::new(HttpPost::new(timeout, policy)?);
        let sftp = Arc::new(sftp::Sftp::new(timeout.min(std::time::Duration::from_secs(30)), policy));
        Ok(Adapters::new(https, sftp, vault))
    }

    /// Every vendor delivered by `adapter` (a test's stand-in).
    pub fn uniform(adapter: Arc<dyn VendorAdapter>, vault: Arc<Vault>) -> Adapters {
        Adapters {
            kinds: VendorKind::ALL.iter().map(|k| (*k, adapter.clone())).collect(),
            transports: Transport::ALL.iter().map(|t| (*t, adapter.clone())).collect(),
            vault,
        }
    }

    fn for_vendor(&self, vendor: &vendor::Model) -> Option<&dyn VendorAdapter> {
        match vendor.transport {
            Transport::Https => self.kinds.get(&vendor.kind),
            file => self.transports.get(&file),
        }
        .map(Arc::as_ref)
    }

    /// The URL for `target`: a test push goes to the test endpoint, or without one to the
    /// production endpoint (marked as a test either way).
    fn url(vendor: &vendor::Model, target: DeliveryTarget) -> &str {
        match (target, vendor.test_endpoint_url.as_deref()) {
            (DeliveryTarget::Test, Some(test)) => test,
            _ => &vendor.endpoint_url,
        }
    }

    async fn secrets(&self, db: &DatabaseConnection, vendor: &vendor::Model) -> Result<Secrets, String> {
        app::vendors::ssr::open_secrets(db, &self.vault, vendor).await.map(Secrets)
    }

    /// Deliver `row` to `vendor` by its kind's adapter, with the vendor's settings and secrets as
    /// they are now (the row may have been claimed a while ago): a changed endpoint is used, and a
    /// vendor switched off or out of live mode meanwhile gets nothing. A payload protected at
    /// delivery is sent as such, and its SHA-256 returned.
    pub async fn deliver(&self, db: &DatabaseConnection, vendor: &vendor::Model, row: &outbox::Model) -> Sent {
        let mut sent_sha256 = None;
        let outcome = self.deliver_protected(db, vendor, row, &mut sent_sha256).await;
        Sent { outcome, sent_sha256 }
    }

    async fn deliver_protected(
        &self,
        db: &DatabaseConnection,
        vendor: &vendor::Model,
        row: &outbox::Model,
        sent_sha256: &mut Option<String>,
    ) -> Outcome {
        use sea_orm::EntityTrait;
        let vendor = match vendor::Entity::find_by_id(vendor.id).one(db).await {
            Ok(Some(now)) => now,
            Ok(None) => return Outcome::Permanent { error: "the vendor was removed before delivery".into() },
            Err(e) => return Outcome::Transient { error: format!("reading the vendor: {e}"), retry_after: None },
        };
        let vendor = &vendor;
        if let Some(why) = app::vendors::ssr::not_sendable(vendor, row.target) {
            return Outcome::Permanent { error: why.into() };
        }
        let Some(adapter) = self.for_vendor(vendor) else {
            return Outcome::Permanent { error: format!("no adapter for {} vendors", vendor.kind.label()) };
        };
        let secrets = match self.secrets(db, vendor).await {
            Ok(secrets) => secrets,
            Err(error) => return Outcome::Permanent { error },
        };
        let protected = match protect::protect(vendor, row, &secrets) {
            Ok(protected) => protected,
            Err(error) => return Outcome::Permanent { error },
        };
        let protected_row;
        let row = match protected {
            Some((payload, payload_name)) => {
                *sent_sha256 = Some(app::outbox::ssr::sha256_hex(&payload));
                protected_row = outbox::Model { payload, payload_name, ..row.clone() };
                &protected_row
            }
            None => row,
        };
        let test = row.target == DeliveryTarget::Test;
        let to = Destination { vendor, url: Self::url(vendor, row.target), test, secrets: &secrets };
        let redact = |error: String| secrets.redact(&error, vendor.auth_user.as_deref());
        match adapter.deliver(&to, row).await {
            Outcome::Delivered => Outcome::Delivered,
            Outcome::Transient { error, retry_after } => Outcome::Transient { error: redact(error), retry_after },
            Outcome::Permanent { error } => Outcome::Permanent { error: redact(error) },
        }
    }

    /// Test the connection to the endpoint `vendor`'s mode sends to now, without sending data.
    pub async fn check(&self, db: &DatabaseConnection, vendor: &vendor::Model) -> Checked {
        let Some(adapter) = self.for_vendor(vendor) else {
            return Checked::failed(format!("no adapter for {} vendors", vendor.kind.label()));
        };
        let secrets = match self.secrets(db, vendor).await {
            Ok(secrets) => secrets,
            Err(detail) => return Checked::failed(detail),
        };
        let target = app::outbox::push::target_of(vendor);
        let test = target == DeliveryTarget::Test;
        let checked =
            adapter.check(&Destination { vendor, url: Self::url(vendor, target), test, secrets: &secrets }).await;
        Checked { detail: secrets.redact(&checked.detail, vendor.auth_user.as_deref()), ..checked }
    }
}

#[async_trait::async_trait]
impl app::ssr::VendorProbe for Adapters {
    async fn check(&self, db: &DatabaseConnection, vendor: &vendor::Model) -> Checked {
        Adapters::check(self, db, vendor).await
    }
}
