//! Parsed HMIS identifiers, kept as their own types from the form to the insert so a raw string
//! cannot take their place: a ProjectID or OrganizationID (`HmisId`) and CoC codes (`CocCode`,
//! `CocCodes`).
use crate::error::AppError;

/// An HMIS ProjectID or OrganizationID: S32 text on one line, and not one of the IDs the DV
/// aggregate uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmisId(String);

impl HmisId {
    /// `field` and `label` name the form field in the error.
    pub fn parse(field: &str, label: &str, raw: &str) -> Result<HmisId, AppError> {
        let id = crate::input::exported_text(field, label, raw, 32, true)?.unwrap_or_default();
        if super::is_reserved_id(&id) {
            return Err(AppError::validation(
                field,
                format!(
                    "{label}: IDs starting with {} are reserved for the aggregated DV project; choose another.",
                    super::RESERVED_ID_PREFIX
                ),
            ));
        }
        Ok(HmisId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A CoC code such as `TX-700`: two letters, a dash and three digits, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CocCode(String);

impl CocCode {
    /// A well-formed code, or None.
    pub fn parse(raw: &str) -> Option<CocCode> {
        let b = raw.trim().as_bytes();
        let valid = b.len() == 6
            && b[0].is_ascii_alphabetic()
            && b[1].is_ascii_alphabetic()
            && b[2] == b'-'
            && b[3..].iter().all(u8::is_ascii_digit);
        valid.then(|| CocCode(raw.trim().to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A CoC's codes: at least one, no repeats, stored `;`-joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CocCodes(Vec<CocCode>);

impl CocCodes {
    /// Codes separated by `;`, `,` or spaces (the `coc_codes` form field).
    pub fn parse(raw: &str) -> Result<CocCodes, AppError> {
        let mut codes: Vec<CocCode> = Vec::new();
        for part in raw.split([';', ',', ' ', '\t', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
            let Some(code) = CocCode::parse(part) else {
                return Err(AppError::validation(
                    "coc_codes",
                    format!(
                        "CoC codes: \"{part}\" is not a CoC code; use two letters, a dash and three digits, like TX-700."
                    ),
                ));
            };
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        if codes.is_empty() {
            return Err(AppError::validation("coc_codes", "CoC codes: enter at least one, like TX-700."));
        }
        let codes = CocCodes(codes);
        if codes.stored().len() > 350 {
            return Err(AppError::validation(
                "coc_codes",
                "CoC codes: too many codes (at most 350 characters in all).",
            ));
        }
        Ok(codes)
    }

    /// As the `tenants.coc_codes` column holds them: upper-case, `;` between.
    pub fn stored(&self) -> String {
        self.0.iter().map(CocCode::as_str).collect::<Vec<_>>().join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coc_codes_are_normalised_and_checked() {
        assert_eq!(CocCodes::parse(" tx-700, TX-701;tx-700 ").unwrap().stored(), "TX-700;TX-701");
        for bad in ["", "TX700", "TX-70A", "T1-700", "TX-7000", "TX-700;nope"] {
            assert_eq!(CocCodes::parse(bad).unwrap_err().field(), Some("coc_codes"), "{bad}");
        }
        assert_eq!(CocCode::parse(" ca-600 ").map(CocCode::into_string), Some("CA-600".into()));
    }

    #[test]
    fn reserved_ids_are_refused() {
        assert_eq!(HmisId::parse("id", "HMIS ProjectID", " PRJ-1 ").unwrap().as_str(), "PRJ-1");
        assert_eq!(HmisId::parse("id", "HMIS ProjectID", "hb-dv-x").unwrap_err().field(), Some("id"));
        assert_eq!(HmisId::parse("id", "HMIS ProjectID", "").unwrap_err().field(), Some("id"));
    }
}
