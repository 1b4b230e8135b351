//! Tenants: one CoC each, created by platform admins.
pub mod api;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub coc_codes: String,
    pub users: u64,
}

/// A URL-safe tenant slug: 2 to 64 lower-case letters, digits and inner dashes.
pub fn parse_slug(raw: &str) -> Result<String, AppError> {
    let slug = raw.trim().to_ascii_lowercase();
    let ok = (2..=64).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug)
    } else {
        Err(AppError::validation(
            "slug",
            "Short name: use 2 to 64 lower-case letters, digits and dashes, like tx-700 or austin-coc.",
        ))
    }
}

pub fn parse_tenant_name(raw: &str) -> Result<String, AppError> {
    let name = crate::input::normalized(raw);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation("name", "CoC name: enter 1 to 200 characters on one line."));
    }
    if let Some(why) = crate::input::refusal(&name) {
        return Err(AppError::validation("name", format!("CoC name: {why}.")));
    }
    // It is Export.csv's SourceName unless the CoC sets another.
    crate::input::exported_text("name", "CoC name", &name, 200, true)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert_eq!(parse_slug(" Austin-CoC ").unwrap(), "austin-coc");
        for bad in ["a", "-ab", "ab-", "a b", "a_b", "ä-b"] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }
}
