//! Eccovia ClientTrack: our JSON inventory records (`app::hmis::json::inventory_v1`) by HTTPS
//! POST with the two static headers of the ClientTrack API, `Ocp-Apim-Subscription-Key` and
//! `Authorization: ApiKey <key>`, and the `OrgId` header when one is set (it narrows a user key to
//! one organization). The connection test is the API's handshake, `GET /auth/test` on the
//! endpoint's host.
use std::sync::Arc;

use app::entities::outbox;
use app::outbox::state::Outcome;
use app::vendors::SecretField;

use super::http_post::HttpPost;
use app::vendors::Checked;

use super::{Destination, VendorAdapter};

pub struct ClientTrack(pub Arc<HttpPost>);

pub const SUBSCRIPTION_HEADER: &str = "Ocp-Apim-Subscription-Key";
pub const ORG_HEADER: &str = "OrgId";
/// The handshake, on the endpoint's host.
pub const HANDSHAKE_PATH: &str = "/auth/test";

/// ClientTrack's credentials, as its headers.
struct Keys<'a> {
    subscription: &'a str,
    api_key: &'a str,
    org: Option<&'a str>,
}

impl<'a> Keys<'a> {
    /// The vendor's keys, or why one is missing.
    fn of(to: &'a Destination<'_>) -> Result<Keys<'a>, Outcome> {
        Ok(Keys {
            subscription: to.secrets.require(&SecretField::SubscriptionKey, to.vendor)?,
            api_key: to.secrets.require(&SecretField::ApiKey, to.vendor)?,
            org: to.vendor.org_id.as_deref(),
        })
    }

    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request
            .header(SUBSCRIPTION_HEADER, self.subscription)
            .header("Authorization", format!("ApiKey {}", self.api_key));
        match self.org {
            Some(org) => request.header(ORG_HEADER, org),
            None => request,
        }
    }
}

/// `url`'s scheme, host and port with the handshake's path.
fn handshake(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            u.set_path(HANDSHAKE_PATH);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

#[async_trait::async_trait]
impl VendorAdapter for ClientTrack {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        let keys = match Keys::of(to) {
            Ok(keys) => keys,
            Err(missing) => return missing,
        };
        to.send(&self.0, |client, url| {
            keys.apply(to.common(client.post(url), Some(row)))
                .header("Content-Type", row.payload_format.content_type())
                .body(row.payload.clone())
        })
        .await
    }

    async fn check(&self, to: &Destination<'_>) -> Checked {
        let keys = match Keys::of(to) {
            Ok(keys) => keys,
            Err(missing) => return Checked::failed(missing.error()),
        };
        to.handshake(&self.0, &handshake(to.url), |client, url| keys.apply(to.common(client.get(url), None))).await
    }
}
