//! Sign-in, sign-out, sessions and passwords.
pub mod api;
#[cfg(feature = "ssr")]
mod password;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod throttle;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::error::AppError;

/// What the browser knows of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub dv_access: bool,
    pub tenant_name: Option<String>,
    pub must_change_password: bool,
}

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid = |msg: &str| AppError::validation("email", msg);
        if email.is_empty() {
            return Err(invalid("Email: enter an email address."));
        }
        if email.chars().count() > 320 {
            return Err(invalid("Email: use at most 320 characters."));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(invalid("Email: enter an address like name@example.org."));
        };
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"@".contains(c);
        if local.is_empty()
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || local.chars().any(bad_char)
            || domain.chars().any(bad_char)
        {
            return Err(invalid("Email: enter an address like name@example.org."));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Check a new password against the policy (length only, as NIST SP 800-63B advises).
pub fn check_new_password(field: &str, label: &str, password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::validation(
            field,
            format!("{label}: use at least {PASSWORD_MIN_CHARS} characters (you entered {chars})."),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::validation(field, format!("{label}: use at most {PASSWORD_MAX_CHARS} characters.")));
    }
    Ok(())
}

/// A sign-in redirect target: only a path on this site, never another origin.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 2000
                && path.chars().all(|c| c.is_ascii_graphic())
                && !path.starts_with("/login") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(Email::parse("  Ana@Example.ORG ").unwrap().as_str(), "ana@example.org");
        for bad in ["", "ana", "ana@", "@x.org", "ana@localhost", "a na@x.org", "ana@x.org.", "a@b@c.org"] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "/a b", "/login"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(check_new_password("p", "Password", "ééééééééééé").is_err());
        assert!(check_new_password("p", "Password", "éééééééééééé").is_ok());
    }
}
