//! Bitfocus Clarity Human Services: the HMIS CSV FY2026 zip uploaded by HTTPS POST as
//! `multipart/form-data` (one part, `file`, named like `hmis-csv-<coc>-<time>.zip`), with HTTP
//! Basic (the API user and password from Manage › Sharing › API Credentials). The connection test
//! is a HEAD with the same credentials.
use std::sync::Arc;

use app::entities::outbox;
use app::outbox::state::Outcome;
use app::vendors::SecretField;

use super::http_post::HttpPost;
use app::vendors::Checked;

use super::{Destination, VendorAdapter};

pub struct Clarity(pub Arc<HttpPost>);

/// The API user and password, or why they are missing.
pub(super) fn basic<'a>(to: &'a Destination<'_>) -> Result<(&'a str, &'a str), Outcome> {
    let password = to.secrets.require(&SecretField::Password, to.vendor)?;
    let user = to.vendor.auth_user.as_deref().ok_or_else(|| Outcome::Permanent {
        error: format!(
            "the API user of this {} vendor is not set; enter it on the vendor's settings page",
            to.vendor.kind.label()
        ),
    })?;
    Ok((user, password))
}

#[async_trait::async_trait]
impl VendorAdapter for Clarity {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        let (user, password) = match basic(to) {
            Ok(credentials) => credentials,
            Err(missing) => return missing,
        };
        let part = match reqwest::multipart::Part::bytes(row.payload.clone())
            .file_name(row.payload_name.clone())
            .mime_str(row.payload_format.content_type())
        {
            Ok(part) => part,
            Err(e) => return Outcome::Permanent { error: format!("building the upload: {e}") },
        };
        let form = reqwest::multipart::Form::new().part("file", part);
        to.send(&self.0, |client, url| {
            to.common(client.post(url), Some(row)).basic_auth(user, Some(password)).multipart(form)
        })
        .await
    }

    async fn check(&self, to: &Destination<'_>) -> Checked {
        head_with_basic(&self.0, to).await
    }
}

/// The connection test of the kinds that sign in with HTTP Basic: a HEAD with the credentials.
pub(super) async fn head_with_basic(https: &HttpPost, to: &Destination<'_>) -> Checked {
    let (user, password) = match basic(to) {
        Ok(credentials) => credentials,
        Err(missing) => return Checked::failed(missing.error()),
    };
    to.handshake(https, to.url, |client, url| to.common(client.head(url), None).basic_auth(user, Some(password))).await
}
