//! Shelters' inventory lines and the coordinators' bed counts.
pub mod api;
#[cfg(feature = "ssr")]
pub mod feed;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod versioning;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The most beds one inventory line may hold; a typo guard, far above any real shelter.
pub const MAX_BEDS: i32 = 100_000;

/// One assigned shelter on the coordinator's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShelterCounts {
    /// The shelter's public id.
    pub id: String,
    pub name: String,
    pub project_type: String,
    /// The version the form is based on; a submit based on an older one is a conflict.
    pub counts_version: i64,
    pub lines: Vec<LineCounts>,
}

/// One current inventory line with its latest counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineCounts {
    /// The line's public id.
    pub inventory_id: String,
    pub household_type: String,
    pub beds_total: i32,
    /// None until a coordinator first reports.
    pub beds_occupied: Option<i32>,
    /// Beds reserved for sub-populations; the total cannot go below this.
    pub dedicated_beds: i32,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    pub stale: bool,
}

impl LineCounts {
    pub fn available(&self) -> Option<i32> {
        self.beds_occupied.map(|o| self.beds_total - o)
    }

    pub fn utilization(&self) -> Option<i32> {
        self.beds_occupied.and_then(|o| utilization(o, self.beds_total))
    }
}

/// One update of a shelter's counts: who, when, and each line's new and previous values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub by: String,
    pub changes: Vec<LineChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineChange {
    pub household_type: String,
    pub beds_total: i32,
    pub beds_occupied: i32,
    /// The line's values at the update before, if there was one.
    pub previous: Option<(i32, i32)>,
}

impl LineChange {
    pub fn describe(&self) -> String {
        match self.previous {
            Some((t, o)) if (t, o) == (self.beds_total, self.beds_occupied) => {
                format!(
                    "{}: {} total, {} occupied (confirmed)",
                    self.household_type, self.beds_total, self.beds_occupied
                )
            }
            Some((t, o)) => format!(
                "{}: total {} → {}, occupied {} → {}",
                self.household_type, t, self.beds_total, o, self.beds_occupied
            ),
            None => format!("{}: {} total, {} occupied", self.household_type, self.beds_total, self.beds_occupied),
        }
    }
}

/// A shelter's recent history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterHistory {
    /// The shelter's public id.
    pub shelter_id: String,
    pub name: String,
    pub entries: Vec<HistoryEntry>,
}

/// Occupied / total in percent, rounded; None for zero beds.
pub fn utilization(occupied: i32, total: i32) -> Option<i32> {
    (total > 0).then(|| ((occupied as f64) * 100.0 / (total as f64)).round() as i32)
}

/// What the form sends for one line: raw text, parsed on the server so errors name the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub inventory_id: String,
    pub total: String,
    pub occupied: String,
}

/// The form field of a line's total or occupied count.
pub fn field_name(inventory_id: &str, which: &str) -> String {
    format!("{which}_{inventory_id}")
}

/// Parse a bed count typed by a person: ASCII digits only, 0 to MAX_BEDS.
pub fn parse_bed_count(field: &str, label: &str, raw: &str) -> Result<i32, AppError> {
    let text = raw.trim();
    let range = format!("a whole number from 0 to {MAX_BEDS}");
    let err = |msg: String| Err(AppError::validation(field, msg));
    if text.is_empty() {
        return err(format!("{label}: enter {range}."));
    }
    if let Some(rest) = text.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return err(format!("{label}: cannot be negative; enter {range}."));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return err(format!("{label}: \"{text}\" is not a whole number; enter {range} using the digits 0-9."));
    }
    match text.parse::<i64>() {
        Ok(n) if n <= MAX_BEDS as i64 => Ok(n as i32),
        _ => err(format!("{label}: {text} is too large; enter {range}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bed_counts_accept_whole_numbers_only() {
        assert_eq!(parse_bed_count("f", "Total", " 42 ").unwrap(), 42);
        assert_eq!(parse_bed_count("f", "Total", "0").unwrap(), 0);
        assert_eq!(parse_bed_count("f", "Total", "100000").unwrap(), 100_000);
        for (raw, hint) in [
            ("", "enter a whole number"),
            ("-1", "cannot be negative"),
            ("4.5", "not a whole number"),
            ("abc", "not a whole number"),
            ("٣", "not a whole number"),
            ("１２", "not a whole number"),
            ("+3", "not a whole number"),
            ("2147483648", "too large"),
            ("99999999999999999999999", "too large"),
            ("100001", "too large"),
        ] {
            let err = parse_bed_count("total_7", "Total", raw).unwrap_err();
            assert_eq!(err.field(), Some("total_7"));
            assert!(err.to_string().contains(hint), "{raw:?}: {err}");
            assert!(err.to_string().contains("0 to 100000"), "{raw:?}: {err}");
        }
    }

    #[test]
    fn utilization_is_rounded_percent() {
        let line = LineCounts {
            inventory_id: "1".into(),
            household_type: "x".into(),
            beds_total: 3,
            beds_occupied: Some(2),
            dedicated_beds: 0,
            updated_by: None,
            updated_at: None,
            stale: false,
        };
        assert_eq!(line.utilization(), Some(67));
        assert_eq!(line.available(), Some(1));
    }
}
