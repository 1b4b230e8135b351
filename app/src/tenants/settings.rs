//! A CoC's own settings, kept by its admins (`/admin/settings`): its time zone and who answers
//! for the export (Export.csv's SourceName and source contact), and, for admins with DV access,
//! the DV aggregate's rules (thresholds, dominance share) and where it is located (the CoC's
//! administrative geocode, ZIP and that geocode's geography type). Parsing is pure: typed text in,
//! checked values or an error naming the field out.
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::input::{digits, exported_text};

/// The settings page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CocSettings {
    pub name: String,
    pub coc_codes: String,
    pub export: ExportSettingsForm,
    /// Only for admins with DV access.
    pub dv: Option<DvSettingsForm>,
}

/// Time zone and Export.csv's source, as typed (`export[field]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportSettingsForm {
    pub time_zone: String,
    pub source_name: String,
    pub contact_first: String,
    pub contact_last: String,
    pub contact_phone: String,
    pub contact_extension: String,
    pub contact_email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSettings {
    /// Checked by the server against the IANA database (`ssr::clock::parse_time_zone`).
    pub time_zone: String,
    pub source_name: Option<String>,
    /// First, last, phone, extension, email.
    pub contact: [Option<String>; 5],
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::validation(field, message.into())
}

/// A 10-digit US phone number as Export.csv wants it: `[2-9][0-9]{2}[2-9][0-9]{2}[0-9]{4}`.
/// Spaces, dashes, dots and parentheses are dropped first, and a leading 1.
pub fn phone(field: &str, raw: &str) -> Result<Option<String>, AppError> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+')).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    let digits = if digits.len() == 11 && digits.starts_with('1') { digits[1..].to_string() } else { digits };
    let b = digits.as_bytes();
    let ok = b.len() == 10
        && b.iter().all(u8::is_ascii_digit)
        && (b'2'..=b'9').contains(&b[0])
        && (b'2'..=b'9').contains(&b[3]);
    if ok { Ok(Some(digits)) } else { Err(invalid(field, "Phone: enter a 10-digit US number, like 512-555-0100.")) }
}

impl ExportSettingsForm {
    pub fn parse(&self) -> Result<ExportSettings, AppError> {
        let f = |name: &str| format!("export[{name}]");
        let extension = self.contact_extension.trim();
        if !extension.is_empty() && (extension.len() > 5 || !extension.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid(&f("contact_extension"), "Extension: up to 5 digits."));
        }
        let email = self.contact_email.trim();
        let unsafe_start = email.starts_with(['=', '+', '-', '@']) || email.contains(['<', '>', '[', ']', '{', '}']);
        if !email.is_empty() && (unsafe_start || crate::auth::Email::parse(email).is_err()) {
            return Err(invalid(&f("contact_email"), "Email: enter an address like name@example.org."));
        }
        Ok(ExportSettings {
            time_zone: self.time_zone.trim().to_string(),
            source_name: exported_text(&f("source_name"), "Source name", &self.source_name, 50, false)?,
            contact: [
                exported_text(&f("contact_first"), "Contact first name", &self.contact_first, 50, false)?,
                exported_text(&f("contact_last"), "Contact last name", &self.contact_last, 50, false)?,
                phone(&f("contact_phone"), &self.contact_phone)?,
                (!extension.is_empty()).then(|| extension.to_string()),
                (!email.is_empty()).then(|| email.to_string()),
            ],
        })
    }
}

/// The DV aggregate's rules and location, as typed (`dv[field]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DvSettingsForm {
    pub min_shelters: String,
    pub min_beds: String,
    pub max_share_percent: String,
    pub geocode: String,
    pub zip: String,
    pub geography_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DvSettings {
    pub min_shelters: i32,
    pub min_beds: i32,
    pub max_share_percent: i32,
    pub geocode: Option<String>,
    pub zip: Option<String>,
    pub geography_type: Option<i32>,
}

fn number(field: &str, label: &str, raw: &str, range: std::ops::RangeInclusive<i32>) -> Result<i32, AppError> {
    match raw.trim().parse::<i32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(invalid(field, format!("{label}: enter a whole number from {} to {}.", range.start(), range.end()))),
    }
}

impl DvSettingsForm {
    pub fn parse(&self) -> Result<DvSettings, AppError> {
        let f = |name: &str| format!("dv[{name}]");
        let geography_type = match self.geography_type.trim() {
            "" => None,
            t => match t.parse::<i32>() {
                Ok(g @ 1..=3) => Some(g),
                _ => return Err(invalid(&f("geography_type"), "Geography type: choose urban, suburban or rural.")),
            },
        };
        Ok(DvSettings {
            // Fewer than 3 shelters would let one of them subtract its own beds to find another's.
            min_shelters: number(&f("min_shelters"), "Minimum shelters per cell", &self.min_shelters, 3..=50)?,
            min_beds: number(&f("min_beds"), "Minimum beds per cell", &self.min_beds, 1..=10_000)?,
            // With at least 3 shelters the largest holds a third or more; 100% would let one
            // shelter stand for the cell.
            max_share_percent: number(
                &f("max_share_percent"),
                "Largest share of one shelter",
                &self.max_share_percent,
                34..=99,
            )?,
            geocode: digits(&f("geocode"), "Administrative geocode", &self.geocode, 6)?,
            zip: digits(&f("zip"), "Administrative ZIP", &self.zip, 5)?,
            geography_type,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_us_numbers() {
        assert_eq!(phone("p", "(512) 555-0100").unwrap().as_deref(), Some("5125550100"));
        assert_eq!(phone("p", "+1 512 555 0100").unwrap().as_deref(), Some("5125550100"));
        assert_eq!(phone("p", "").unwrap(), None);
        for bad in ["112-555-0100", "512-155-0100", "555-0100", "512555010x"] {
            assert_eq!(phone("p", bad).unwrap_err().field(), Some("p"), "{bad}");
        }
    }

    #[test]
    fn export_settings_name_each_bad_field() {
        let good = ExportSettingsForm {
            time_zone: "America/Chicago".into(),
            source_name: "Capital Area CoC".into(),
            contact_email: "hmis@capital.example".into(),
            ..Default::default()
        };
        assert_eq!(good.parse().unwrap().contact[4].as_deref(), Some("hmis@capital.example"));
        let cases = [
            (ExportSettingsForm { source_name: "x".repeat(51), ..good.clone() }, "export[source_name]"),
            (ExportSettingsForm { source_name: "=cmd".into(), ..good.clone() }, "export[source_name]"),
            (ExportSettingsForm { contact_extension: "123456".into(), ..good.clone() }, "export[contact_extension]"),
            (ExportSettingsForm { contact_email: "nope".into(), ..good.clone() }, "export[contact_email]"),
            (ExportSettingsForm { contact_phone: "12".into(), ..good.clone() }, "export[contact_phone]"),
        ];
        for (form, field) in cases {
            assert_eq!(form.parse().unwrap_err().field(), Some(field), "{form:?}");
        }
    }

    #[test]
    fn dv_settings_are_in_range() {
        let good = DvSettingsForm {
            min_shelters: "3".into(),
            min_beds: "5".into(),
            max_share_percent: "60".into(),
            geocode: "489453".into(),
            zip: "78701".into(),
            geography_type: "1".into(),
        };
        assert_eq!(good.parse().unwrap().geocode.as_deref(), Some("489453"));
        let cases = [
            (DvSettingsForm { min_shelters: "2".into(), ..good.clone() }, "dv[min_shelters]"),
            (DvSettingsForm { max_share_percent: "100".into(), ..good.clone() }, "dv[max_share_percent]"),
            (DvSettingsForm { min_beds: "many".into(), ..good.clone() }, "dv[min_beds]"),
            (DvSettingsForm { max_share_percent: "33".into(), ..good.clone() }, "dv[max_share_percent]"),
            (DvSettingsForm { geocode: "48945".into(), ..good.clone() }, "dv[geocode]"),
            (DvSettingsForm { zip: "7870a".into(), ..good.clone() }, "dv[zip]"),
            (DvSettingsForm { geography_type: "99".into(), ..good.clone() }, "dv[geography_type]"),
        ];
        for (form, field) in cases {
            assert_eq!(form.parse().unwrap_err().field(), Some(field), "{form:?}");
        }
    }
}
