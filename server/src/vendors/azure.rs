//! Azure Blob Storage delivery (custom destinations): the payload put as a block blob named as
//! fixed at enqueue in the vendor's container, by the REST API over the same guarded HTTPS client
//! as every other request (address rules, no redirects, no proxies). Authorised by a SAS token (in
//! the query) or the account key (a Shared Key signature over the exact request sent). The blob
//! carries its `Content-MD5`, which the service checks; `If-None-Match: *` means an existing blob
//! of the same name (the same idempotency key: a repeat) is never written twice, and is taken as
//! delivered.
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;

use app::entities::outbox;
use app::outbox::state::Outcome;
use app::vendors::address::{AzureContainer, azure_container};
use app::vendors::{Checked, SecretField};

use super::http_post::{Answer, HttpPost, classify};
use super::{Destination, VendorAdapter, judged};

pub struct AzureBlob(pub Arc<HttpPost>);

/// The REST API version the requests speak (single Put Blob up to 5000 MiB).
const VERSION: &str = "2021-08-06";

/// How a request is authorised.
enum Auth<'a> {
    Sas(&'a str),
    /// The account and its key (decoded).
    SharedKey {
        account: String,
        key: Vec<u8>,
    },
}

fn auth<'a>(to: &'a Destination<'_>, c: &AzureContainer) -> Result<Auth<'a>, String> {
    if let Some(sas) = to.secrets.get(&SecretField::SasToken) {
        return Ok(Auth::Sas(sas));
    }
    match to.secrets.get(&SecretField::AccountKey) {
        Some(key) => B64
            .decode(key.trim())
            .map(|key| Auth::SharedKey { account: c.account.clone(), key })
            .map_err(|_| "the stored account key is not base64; enter it again on the vendor's page".to_string()),
        None => {
            Err("no SAS token or account key is set for this Azure destination; enter one on the vendor's page".into())
        }
    }
}

/// What a request signs: its method, the standard headers Shared Key covers, and its `x-ms-`
/// headers.
struct Request<'a> {
    method: &'a str,
    length: usize,
    content_md5: &'a str,
    content_type: &'a str,
    if_none_match: &'a str,
    ms: Vec<(&'static str, String)>,
}

impl Request<'_> {
    /// The Shared Key signature of this request to `url`, as its Authorization value.
    fn shared_key(&self, url: &reqwest::Url, account: &str, key: &[u8]) -> String {
        let length = if self.length == 0 { String::new() } else { self.length.to_string() };
        // VERB, Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since,
        // If-Match, If-None-Match, If-Unmodified-Since, Range; then the x-ms- headers and the
        // resource: the account, the path as sent, and each query parameter.
        let mut text = format!(
            "{}\n\n\n{length}\n{}\n{}\n\n\n\n{}\n\n\n",
            self.method, self.content_md5, self.content_type, self.if_none_match
        );
        let mut ms = self.ms.clone();
        ms.sort();
        for (k, v) in &ms {
            text.push_str(&format!("{k}:{}\n", v.trim()));
        }
        text.push_str(&format!("/{account}{}", url.path()));
        let mut query: Vec<(String, String)> =
            url.query_pairs().map(|(k, v)| (k.to_lowercase(), v.into_owned())).collect();
        query.sort();
        for (k, v) in query {
            text.push_str(&format!("\n{k}:{v}"));
        }
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
        mac.update(text.as_bytes());
        format!("SharedKey {account}:{}", B64.encode(mac.finalize().into_bytes()))
    }

    /// `builder` (made for `url`) with the x-ms- headers and the authorisation.
    fn authorise(
        &self,
        builder: reqwest::RequestBuilder,
        url: &reqwest::Url,
        auth: &Auth<'_>,
    ) -> reqwest::RequestBuilder {
        let mut builder = builder;
        for (k, v) in &self.ms {
            builder = builder.header(*k, v);
        }
        match auth {
            Auth::Sas(_) => builder,
            Auth::SharedKey { account, key } => builder.header("Authorization", self.shared_key(url, account, key)),
        }
    }
}

/// The headers every request carries: the time and the API version, and `more`.
fn ms_headers(more: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut ms = vec![("x-ms-date", date), ("x-ms-version", VERSION.to_string())];
    ms.extend(more.iter().map(|(k, v)| (*k, v.to_string())));
    ms
}

/// `url` with the SAS token added to its query, when that is how the request is authorised.
fn with_sas(mut url: reqwest::Url, auth: &Auth<'_>) -> reqwest::Url {
    if let Auth::Sas(token) = auth {
        let token = token.trim_start_matches('?');
        let query = match url.query() {
            Some(q) => format!("{q}&{token}"),
            None => token.to_string(),
        };
        url.set_query(Some(&query));
    }
    url
}

/// `c`'s URL with `extra` path segments and `query`.
fn url_in(c: &AzureContainer, extra: &[&str], query: Option<&str>) -> String {
    let mut url = c.url.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(extra);
    }
    url.set_query(query);
    url.to_string()
}

impl AzureBlob {
    /// A signed HEAD of `url`: a blob's or the container's properties.
    async fn head(&self, url: &str, auth: &Auth<'_>) -> Result<Answer, Outcome> {
        let signed = Request {
            method: "HEAD",
            length: 0,
            content_md5: "",
            content_type: "",
            if_none_match: "",
            ms: ms_headers(&[]),
        };
        self.0
            .exchange(url, |client, url| {
                let url = with_sas(url, auth);
                signed.authorise(client.head(url.clone()), &url, auth)
            })
            .await
    }

    /// Whether the blob at `url` holds the bytes whose Content-MD5 is `md5`: delivered if so (or
    /// if the credentials may not read it, as a write-only SAS: the name is this delivery's);
    /// refused for good if another blob took the name.
    async fn same_blob(&self, to: &Destination<'_>, url: &str, auth: &Auth<'_>, md5: &str) -> Outcome {
        let answer = self.head(url, auth).await;
        match answer {
            Ok(Answer { status: 200, content_md5, .. }) if content_md5.as_deref() == Some(md5) => Outcome::Delivered,
            Ok(Answer { status: 200, .. }) => Outcome::Permanent {
                error: "a blob of this delivery's name with other content is already in the container; nothing was \
                        overwritten"
                    .into(),
            },
            Ok(Answer { status: 403, .. }) => Outcome::Delivered,
            Ok(a) => classify(a.status, a.retry_after.as_deref(), &to.redact(&a.body), chrono::Utc::now()),
            Err(failed) => failed,
        }
    }
}

#[async_trait::async_trait]
impl VendorAdapter for AzureBlob {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        // The address passed the form's checks; the client checks it again before sending.
        let c = match azure_container(to.url, true) {
            Ok(c) => c,
            Err(why) => return Outcome::Permanent { error: format!("the Azure address is not valid: {why}") },
        };
        let auth = match auth(to, &c) {
            Ok(auth) => auth,
            Err(error) => return Outcome::Permanent { error },
        };
        let md5 = B64.encode(Md5::digest(&row.payload));
        let url = url_in(&c, &[&row.payload_name], None);
        let signed = Request {
            method: "PUT",
            length: row.payload.len(),
            content_md5: &md5,
            content_type: row.payload_format.content_type(),
            if_none_match: "*",
            ms: ms_headers(&[("x-ms-blob-type", "BlockBlob")]),
        };
        let answer = self
            .0
            .exchange(&url, |client, url| {
                let url = with_sas(url, &auth);
                let request = to
                    .common(client.put(url.clone()), Some(row))
                    .header("Content-Type", signed.content_type)
                    .header("Content-MD5", signed.content_md5)
                    .header("If-None-Match", signed.if_none_match)
                    .body(row.payload.clone());
                signed.authorise(request, &url, &auth)
            })
            .await;
        match answer {
            Ok(Answer { status: 201, .. }) => Outcome::Delivered,
            // A blob of this key's name is there: an earlier attempt of this delivery wrote it,
            // unless its content differs.
            Ok(Answer { status: 409 | 412, error_code: Some(code), .. })
                if code == "BlobAlreadyExists" || code == "ConditionNotMet" =>
            {
                self.same_blob(to, &url, &auth, &md5).await
            }
            Ok(a) => {
                // The service's reason is its error code and the <Message> of its XML answer.
                let body = to.redact(&a.body);
                let message =
                    body.split("<Message>").nth(1).and_then(|m| m.split("</Message>").next()).unwrap_or(&body);
                let reason = match &a.error_code {
                    Some(code) => format!("{code}: {}", message.trim()),
                    None => message.trim().to_string(),
                };
                classify(a.status, a.retry_after.as_deref(), &reason, chrono::Utc::now())
            }
            Err(failed) => failed,
        }
    }

    /// Reads the container's properties: no data is written.
    async fn check(&self, to: &Destination<'_>) -> Checked {
        let c = match azure_container(to.url, true) {
            Ok(c) => c,
            Err(why) => return Checked::failed(format!("the Azure address is not valid: {why}")),
        };
        let auth = match auth(to, &c) {
            Ok(auth) => auth,
            Err(detail) => return Checked::failed(detail),
        };
        let answer = self.head(&url_in(&c, &[], Some("restype=container")), &auth).await;
        match &answer {
            // A SAS that may only create and write cannot read the container: it signed in.
            Ok(Answer { status: 403, error_code: Some(code), .. }) if code == "AuthorizationPermissionMismatch" => {
                Checked {
                    ok: true,
                    detail: format!(
                        "reachable; the credentials were accepted but may not read container {}, so writing is checked by \
                         the first test push",
                        c.container
                    ),
                    host_key: None,
                }
            }
            Ok(Answer { status: 404, .. }) => {
                Checked::failed(format!("the container {} does not exist in account {}", c.container, c.account))
            }
            _ => judged(c.url.as_ref(), answer.map(|a| Answer { body: to.redact(&a.body), ..a })),
        }
    }
}
