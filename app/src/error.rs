//! The one error type that crosses the server-function boundary.
//!
//! Policy: domain code returns `AppError` (or its own `thiserror` enum that converts into it).
//! Database, IO and other failures become `Internal` with their cause chain kept inside
//! ([`Cause`]): the user sees one plain sentence, and the boundary (a server function's
//! `ssr::form::respond`/`read`, the worker's loop) logs the chain once, with [`AppError::log_text`].
use std::sync::Arc;

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Also returned for objects that exist but are not the caller's to see.
    #[error("Not found.")]
    NotFound,
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("Too many sign-in attempts. Try again in {minutes} minute{}.", if *minutes == 1 { "" } else { "s" })]
    Throttled { minutes: i64 },
    #[error("Something went wrong on our side. Please try again; if it keeps happening, tell your administrator.")]
    Internal(
        #[serde(skip)]
        #[source]
        Cause,
    ),
}

/// Why an internal error happened: for the log, never serialized (a browser gets no cause) and
/// ignored when errors are compared (they compare by what the user sees).
#[derive(Debug, Clone, Default)]
pub struct Cause(Option<Arc<str>>);

impl PartialEq for Cause {
    fn eq(&self, _: &Cause) -> bool {
        true
    }
}

impl Eq for Cause {}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_deref().unwrap_or("no cause recorded"))
    }
}

/// So `anyhow` and other reporters print the chain (`{:#}`) after the user's sentence.
impl std::error::Error for Cause {}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation { field: field.to_string(), message: message.into() }
    }

    /// An internal error: `what` failed because of `err` (whose sources are kept too).
    pub fn internal(what: &str, err: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = format!("{what}: {err}");
        let mut source = err.source();
        while let Some(inner) = source {
            chain.push_str(&format!(": {inner}"));
            source = inner.source();
        }
        AppError::Internal(Cause(Some(chain.into())))
    }

    /// An internal error without an underlying error value (a broken invariant).
    pub fn bug(what: impl Into<String>) -> Self {
        AppError::Internal(Cause(Some(what.into().into())))
    }

    /// The error for a log line: an internal error's cause chain, otherwise what the user sees.
    pub fn log_text(&self) -> String {
        match self {
            AppError::Internal(Cause(Some(cause))) => cause.to_string(),
            other => other.to_string(),
        }
    }

    /// The form field this error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Validation { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status used when the error is returned to a script (not a plain form post).
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::NotFound => 404,
            AppError::Validation { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::Throttled { .. } => 429,
            AppError::Internal(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            ServerFnErrorErr::Args(message) => AppError::Validation {
                field: "form".into(),
                message: format!("The form is incomplete or malformed ({message}); reload the page and try again."),
            },
            other => AppError::internal("server function", &other),
        };
        #[cfg(feature = "ssr")]
        crate::ssr::form::set_error_status(&err);
        err
    }
}

/// What a successful form submission tells the user. `secret` is shown once, in a copyable box
/// (a one-time password), and never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub message: String,
    pub secret: Option<String>,
}

impl Notice {
    pub fn new(message: impl Into<String>) -> Self {
        Notice { message: message.into(), secret: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_keeps_its_cause_for_the_log_and_never_sends_it() {
        #[derive(Debug, thiserror::Error)]
        #[error("zip entry Inventory.csv")]
        struct Entry(#[source] std::io::Error);
        let err = AppError::internal("writing the zip", &Entry(std::io::Error::other("disk full")));
        assert_eq!(err.log_text(), "writing the zip: zip entry Inventory.csv: disk full");
        assert!(err.to_string().starts_with("Something went wrong on our side."), "{err}");
        let sent = serde_json::to_string(&err).unwrap();
        assert!(!sent.contains("disk"), "{sent}");
        // What the browser gets back compares equal to what was sent.
        assert_eq!(serde_json::from_str::<AppError>(&sent).unwrap(), err);
        // Other errors log what the user sees.
        assert_eq!(AppError::NotFound.log_text(), "Not found.");
    }
}
