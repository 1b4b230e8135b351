//! A CoC admin's users: coordinators and other admins of the same tenant.
pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// The user's public id.
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub dv_access: bool,
    pub active: bool,
    pub must_change_password: bool,
    /// "YYYY-MM-DD hh:mm UTC", or None if never signed in.
    pub last_login: Option<String>,
}

/// One change in the admin audit: a role, DV access, victim-service-provider or DV flag, or a
/// password reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// "YYYY-MM-DD hh:mm UTC".
    pub at: String,
    pub by: String,
    pub action: String,
    pub subject: String,
    pub old_value: String,
    pub new_value: String,
}

/// A role a CoC admin may give.
pub fn parse_assignable_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw.trim())
        .filter(|r| Role::ASSIGNABLE.contains(r))
        .ok_or_else(|| AppError::validation("role", "Role: choose Coordinator or CoC admin."))
}

/// A display name: trimmed and in NFC, 1 to 100 characters, no control or format characters.
pub fn parse_display_name(raw: &str) -> Result<String, AppError> {
    let name = crate::input::normalized(raw);
    let invalid = |m: String| AppError::validation("display_name", m);
    if name.is_empty() {
        return Err(invalid("Name: enter the person's name.".into()));
    }
    if name.chars().count() > 100 {
        return Err(invalid("Name: use at most 100 characters.".into()));
    }
    if let Some(why) = crate::input::refusal(&name) {
        return Err(invalid(format!("Name: {why}.")));
    }
    Ok(name)
}

/// HTML checkboxes send "on" when ticked and nothing otherwise.
pub fn checkbox(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("on" | "true" | "1"))
}
