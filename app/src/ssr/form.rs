//! How a server function's outcome reaches the user.
//!
//! A script caller (hydrated `ActionForm`) gets the JSON result and a fitting HTTP status.
//! A plain HTML form post (JavaScript off) is redirected back to the page by leptos_axum, which
//! drops the body; so the outcome is kept in the session as a flash and shown on the next render.
use axum::http::{Method, StatusCode, header::ACCEPT, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::error::{AppError, Notice};
use crate::ui::feedback::Flash;

const FLASH_KEY: &str = "flash";
/// The vault purpose of a flash's secret.
const FLASH_SECRET: &str = "flash-secret";

/// A success value that may carry something to tell the user.
pub trait IntoNotice {
    fn notice(&self) -> Option<Notice>;
}

impl IntoNotice for () {
    fn notice(&self) -> Option<Notice> {
        None
    }
}

impl IntoNotice for Notice {
    fn notice(&self) -> Option<Notice> {
        Some(self.clone())
    }
}

/// A POST from an HTML form without JavaScript (it accepts HTML). Server functions called while
/// a page renders see the page's GET request instead, and only get their status set.
fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .filter(|parts| parts.method == Method::POST)
        .and_then(|parts| parts.headers.get(ACCEPT)?.to_str().ok().map(|v| v.contains("text/html")))
        .unwrap_or(false)
}

/// Finish a server function: record the outcome for plain form posts, set the status otherwise
/// (for a page render too, so a missing object gives the page a 404).
pub async fn respond<T: IntoNotice>(form: &str, result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        log_internal(err);
    }
    if is_plain_form_post() {
        let outcome = match &result {
            Ok(value) => value.notice().map(Ok),
            Err(err) => Some(Err(err.clone())),
        };
        if let Some(mut outcome) = outcome {
            // A secret (a one-time password, an API token) waits in the session store sealed,
            // never in the clear, until the page after the redirect shows it.
            if let Ok(notice) = &mut outcome
                && let Some(secret) = &notice.secret
            {
                let vault = &super::state()?.vendors.vault;
                notice.secret =
                    Some(vault.seal(FLASH_SECRET, secret).map_err(|e| AppError::internal("sealing a flash", &e))?);
            }
            let session = super::session().await?;
            let mut flashes: Vec<Flash> = session.get(FLASH_KEY).await?.unwrap_or_default();
            flashes.retain(|f| f.form != form);
            flashes.push(Flash { form: form.to_string(), outcome });
            session.insert(FLASH_KEY, flashes).await?;
        }
    } else if let Err(err) = &result {
        set_error_status(err);
    }
    result
}

/// Finish a server function that only reads: an error sets the HTTP status (of the page, when
/// called while a page renders).
pub fn read<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        log_internal(err);
        set_error_status(err);
    }
    result
}

/// The boundary's one log line for an internal error, with its cause chain (the user gets only
/// the plain sentence). Other errors are the user's to fix and are not logged here.
pub fn log_internal(err: &AppError) {
    if let AppError::Internal(_) = err {
        tracing::error!(error = %err.log_text(), "request failed");
    }
}

/// Give a script caller (or a page render) the error's HTTP status. A plain form post keeps the
/// redirect leptos_axum sets.
pub fn set_error_status(err: &AppError) {
    if is_plain_form_post() {
        return;
    }
    if let (Some(options), Ok(status)) = (use_context::<ResponseOptions>(), StatusCode::from_u16(err.status())) {
        options.set_status(status);
    }
}

/// Take (and clear) the flashes waiting for this session, their secrets opened.
pub async fn take_flashes() -> Result<Vec<Flash>, AppError> {
    let session = super::session().await?;
    let mut flashes: Vec<Flash> = session.remove(FLASH_KEY).await?.unwrap_or_default();
    let vault = &super::state()?.vendors.vault;
    for flash in &mut flashes {
        if let Ok(notice) = &mut flash.outcome
            && let Some(sealed) = notice.secret.take()
        {
            // Sealed under a key since rotated away: the secret is lost, and the notice says so.
            match vault.open(FLASH_SECRET, &sealed) {
                Ok(secret) => notice.secret = Some(secrecy::ExposeSecret::expose_secret(&secret).to_string()),
                Err(_) => notice.message.push_str(" (The secret could not be shown again; make a new one.)"),
            }
        }
    }
    Ok(flashes)
}
