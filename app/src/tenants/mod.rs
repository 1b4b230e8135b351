//! Tenants: one CoC each, created by platform admins.
pub mod api;
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

/// CoC codes such as `TX-700`, separated by `;`, `,` or spaces; stored upper-case, `;`-joined.
pub fn parse_coc_codes(raw: &str) -> Result<String, AppError> {
    let mut codes: Vec<String> = Vec::new();
    for code in raw.split([';', ',', ' ', '\t', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
        let b = code.as_bytes();
        let valid = b.len() == 6
            && b[0].is_ascii_alphabetic()
            && b[1].is_ascii_alphabetic()
            && b[2] == b'-'
            && b[3..].iter().all(u8::is_ascii_digit);
        if !valid {
            return Err(AppError::validation(
                "coc_codes",
                format!(
                    "CoC codes: \"{code}\" is not a CoC code; use two letters, a dash and three digits, like TX-700."
                ),
            ));
        }
        let code = code.to_ascii_uppercase();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err(AppError::validation("coc_codes", "CoC codes: enter at least one, like TX-700."));
    }
    let joined = codes.join(";");
    if joined.len() > 350 {
        return Err(AppError::validation("coc_codes", "CoC codes: too many codes (at most 350 characters in all)."));
    }
    Ok(joined)
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
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coc_codes_are_normalised() {
        assert_eq!(parse_coc_codes(" tx-700, TX-701;tx-700 ").unwrap(), "TX-700;TX-701");
        for bad in ["", "TX700", "TX-70", "T1-700", "TX-7000", "ТХ-700"] {
            assert_eq!(parse_coc_codes(bad).unwrap_err().field(), Some("coc_codes"), "{bad}");
        }
    }

    #[test]
    fn slugs_are_checked() {
        assert_eq!(parse_slug(" Austin-CoC ").unwrap(), "austin-coc");
        for bad in ["a", "-ab", "ab-", "a b", "a_b", "ä-b"] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }
}
