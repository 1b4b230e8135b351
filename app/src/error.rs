//! The one error type that crosses the server-function boundary.
//!
//! Policy: domain code uses `thiserror` enums or returns `AppError` directly; database and IO
//! failures become `Internal` (logged once where they are converted, never shown to the user).
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
    Internal,
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation { field: field.to_string(), message: message.into() }
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
            AppError::Internal => 500,
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
            _ => AppError::Internal,
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
