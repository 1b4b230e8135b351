//! The HUD HMIS API shape: the export as JSON arrays keyed by CSV file name with the CSV's field
//! names (`app::hmis::json::hud_csvexport`, as the API's `/csvexport` answers), by HTTPS POST
//! with HTTP Basic. The connection test is a HEAD with the same credentials.
use std::sync::Arc;

use app::entities::outbox;
use app::outbox::state::Outcome;

use super::clarity::basic;
use super::http_post::HttpPost;
use app::vendors::Checked;

use super::{Destination, VendorAdapter};

pub struct HudApi(pub Arc<HttpPost>);

#[async_trait::async_trait]
impl VendorAdapter for HudApi {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        let (user, password) = match basic(to) {
            Ok(credentials) => credentials,
            Err(missing) => return missing,
        };
        to.send(&self.0, |client, url| {
            to.common(client.post(url), Some(row))
                .basic_auth(user, Some(password))
                .header("Content-Type", row.payload_format.content_type())
                .body(row.payload.clone())
        })
        .await
    }

    async fn check(&self, to: &Destination<'_>) -> Checked {
        super::clarity::head_with_basic(&self.0, to).await
    }
}
