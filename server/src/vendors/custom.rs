//! A CoC's own HTTPS endpoint: the HMIS CSV zip or our JSON inventory records (the vendor's
//! choice), by HTTPS POST with the custom request headers the CoC's integration policy asks for,
//! each value a secret. A zip goes as the raw body with `Content-Disposition: attachment;
//! filename=...`. The connection test is a HEAD with the same headers.
use std::sync::Arc;

use app::entities::outbox;
use app::outbox::state::Outcome;
use app::vendors::PayloadFormat;

use super::http_post::HttpPost;
use app::vendors::Checked;

use super::{Destination, VendorAdapter};

pub struct Custom(pub Arc<HttpPost>);

fn with_headers(to: &Destination<'_>, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    for (name, value) in to.secrets.headers() {
        request = request.header(name, value);
    }
    request
}

#[async_trait::async_trait]
impl VendorAdapter for Custom {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        to.send(&self.0, |client, url| {
            let request = with_headers(to, to.common(client.post(url), Some(row)))
                .header("Content-Type", row.payload_format.content_type());
            let request = if row.payload_format == PayloadFormat::HmisCsvZip {
                request.header("Content-Disposition", format!("attachment; filename=\"{}\"", row.payload_name))
            } else {
                request
            };
            request.body(row.payload.clone())
        })
        .await
    }

    async fn check(&self, to: &Destination<'_>) -> Checked {
        to.handshake(&self.0, to.url, |client, url| with_headers(to, to.common(client.head(url), None))).await
    }
}
