//! HMIS: the FY2026 code lists, the one transform from bed counts to HMIS records (with the DV
//! aggregation), the HMIS CSV writer, and the HMIS Export tab.
pub mod api;
pub mod codes;
#[cfg(feature = "ssr")]
pub mod csv;
pub mod ids;
#[cfg(feature = "ssr")]
pub mod json;
#[cfg(feature = "ssr")]
pub mod records;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod transform;
pub mod ui;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The synthetic victim service provider and project that carry the DV aggregate (DESIGN.md
/// 4.3: never a real DV shelter's ID or name). IDs starting with [`RESERVED_ID_PREFIX`] are ours:
/// the shelter and organization forms refuse them.
pub const DV_ORGANIZATION_ID: &str = "HB-DV-AGGREGATE";
pub const DV_PROJECT_ID: &str = "HB-DV-AGGREGATE";
pub const DV_ORGANIZATION_NAME: &str = "Victim service providers (aggregated)";
pub const DV_PROJECT_NAME: &str = "DV shelters (aggregated)";
pub const RESERVED_ID_PREFIX: &str = "HB-DV-";

/// An HMIS ProjectID or OrganizationID that only the DV aggregate may use.
pub fn is_reserved_id(id: &str) -> bool {
    id.get(..RESERVED_ID_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_ID_PREFIX))
}

/// HUD flags nightly utilization outside this range (percent) for review.
pub const UTILIZATION_REVIEW_RANGE: std::ops::RangeInclusive<i32> = 65..=105;

/// One household type's beds in a preview row (summed over the project's inventory lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HouseholdBeds {
    /// 2.07.4 HouseholdType.
    pub household_type: i32,
    pub beds_total: i64,
    /// Beds on lines a coordinator has reported at least once.
    pub beds_reported: i64,
    /// Occupied beds on the reported lines.
    pub beds_occupied: i64,
}

impl HouseholdBeds {
    pub fn add(&mut self, other: &HouseholdBeds) {
        self.beds_total += other.beds_total;
        self.beds_reported += other.beds_reported;
        self.beds_occupied += other.beds_occupied;
    }

    /// Occupied / reported beds in percent; None before any report.
    pub fn utilization(&self) -> Option<i32> {
        (self.beds_reported > 0)
            .then(|| ((self.beds_occupied as f64) * 100.0 / (self.beds_reported as f64)).round() as i32)
    }

    /// Outside the range HUD flags for review.
    pub fn flagged(&self) -> bool {
        self.utilization().is_some_and(|u| !UTILIZATION_REVIEW_RANGE.contains(&u))
    }
}

/// One project as the preview shows it and the JSON payloads send it: a real non-DV project, or
/// the single aggregate of every DV shelter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// HMIS ProjectID (the aggregate's synthetic one for DV).
    pub project_id: String,
    pub name: String,
    pub organization: String,
    /// 2.02.6 ProjectType.
    pub project_type: i32,
    pub dv_aggregate: bool,
    /// Shelters whose beds are in this row (1, or the contributing DV shelters; 0 for the
    /// aggregate when the viewer has no DV access).
    pub shelters: u32,
    /// By household type, ascending.
    pub households: Vec<HouseholdBeds>,
    /// The oldest of the latest reports of the row's lines.
    pub oldest_update: Option<DateTime<Utc>>,
    /// Lines in this row no coordinator has reported yet.
    pub unreported_lines: u32,
}

impl PreviewRow {
    /// The row as vendors receive it: its beds per household type and nothing else of the
    /// shelters behind it (no occupancy, reports, freshness or count of shelters). What a viewer
    /// without DV access sees of the DV aggregate (DESIGN.md 4.5).
    pub fn as_sent(&self) -> PreviewRow {
        PreviewRow {
            shelters: 0,
            households: self
                .households
                .iter()
                .map(|h| HouseholdBeds {
                    household_type: h.household_type,
                    beds_total: h.beds_total,
                    ..Default::default()
                })
                .collect(),
            oldest_update: None,
            unreported_lines: 0,
            ..self.clone()
        }
    }

    /// The row's beds, for one household type or (None) all.
    pub fn beds(&self, household_type: Option<i32>) -> Option<HouseholdBeds> {
        let mut sum = HouseholdBeds { household_type: household_type.unwrap_or(0), ..Default::default() };
        let mut any = false;
        for h in self.households.iter().filter(|h| household_type.is_none_or(|t| t == h.household_type)) {
            sum.add(h);
            any = true;
        }
        any.then_some(sum)
    }
}

/// Why DV beds were left out of the export (DESIGN.md 4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Suppression {
    /// The DV group as a whole has fewer contributing shelters than the threshold.
    GroupTooFewShelters,
    /// The DV group as a whole has fewer beds than the threshold.
    GroupTooFewBeds,
    /// One CoC code x household type cell has too few shelters.
    CellTooFewShelters { coc_code: String, household_type: i32 },
    /// One CoC code x household type cell has too few beds.
    CellTooFewBeds { coc_code: String, household_type: i32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressedBeds {
    pub reason: Suppression,
    pub beds: i64,
    pub shelters: u32,
}

/// What happened to the DV shelters' beds. Only shown to users with DV access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DvSummary {
    pub min_shelters: i32,
    pub min_beds: i32,
    /// Active DV shelters with at least one bed.
    pub contributing_shelters: u32,
    pub beds_total: i64,
    pub beds_sent: i64,
    pub beds_suppressed: i64,
    pub suppressed: Vec<SuppressedBeds>,
}

/// The HMIS Export tab's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPreview {
    pub coc_codes: Vec<String>,
    pub export_date: String,
    pub rows: Vec<PreviewRow>,
    /// None for a viewer without DV access: they learn nothing about DV shelters but the
    /// aggregate row that every vendor receives.
    pub dv: Option<DvSummary>,
    /// Made for this page render: a push form carries it, so resubmitting it queues one push.
    pub push_token: String,
}

/// The CoC-wide figures of the overview: sums over the preview rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overview {
    pub projects: usize,
    pub beds: HouseholdBeds,
    pub oldest_update: Option<DateTime<Utc>>,
    pub unreported_lines: u32,
}

impl Overview {
    pub fn of(rows: &[PreviewRow]) -> Overview {
        let mut o = Overview { projects: rows.len(), ..Default::default() };
        for row in rows {
            if let Some(b) = row.beds(None) {
                o.beds.add(&b);
            }
            o.oldest_update = match (o.oldest_update, row.oldest_update) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            o.unreported_lines += row.unreported_lines;
        }
        o
    }
}

/// Which rows the preview shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFilter {
    All,
    NonDv,
    DvOnly,
}

impl RowFilter {
    pub fn parse(raw: Option<&str>) -> RowFilter {
        match raw {
            Some("non-dv") => RowFilter::NonDv,
            Some("dv") => RowFilter::DvOnly,
            _ => RowFilter::All,
        }
    }

    pub fn keeps(self, row: &PreviewRow) -> bool {
        match self {
            RowFilter::All => true,
            RowFilter::NonDv => !row.dv_aggregate,
            RowFilter::DvOnly => row.dv_aggregate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beds(household_type: i32, total: i64, reported: i64, occupied: i64) -> HouseholdBeds {
        HouseholdBeds { household_type, beds_total: total, beds_reported: reported, beds_occupied: occupied }
    }

    #[test]
    fn utilization_is_over_reported_beds_and_flags_outside_the_hud_range() {
        assert_eq!(beds(1, 10, 0, 0).utilization(), None);
        assert_eq!(beds(1, 20, 10, 5).utilization(), Some(50));
        assert!(beds(1, 20, 10, 5).flagged());
        assert!(!beds(1, 100, 100, 65).flagged());
        assert!(!beds(1, 100, 100, 105).flagged());
        assert!(beds(1, 100, 100, 106).flagged());
        assert!(beds(1, 100, 100, 64).flagged());
    }

    #[test]
    fn a_row_sums_its_household_types_or_picks_one() {
        let row = PreviewRow {
            project_id: "P".into(),
            name: "n".into(),
            organization: "o".into(),
            project_type: 0,
            dv_aggregate: false,
            shelters: 1,
            households: vec![beds(1, 10, 10, 8), beds(3, 20, 0, 0)],
            oldest_update: None,
            unreported_lines: 1,
        };
        assert_eq!(row.beds(None).map(|b| (b.beds_total, b.beds_reported, b.beds_occupied)), Some((30, 10, 8)));
        assert_eq!(row.beds(Some(3)).map(|b| b.beds_total), Some(20));
        assert_eq!(row.beds(Some(4)), None);
        assert_eq!(Overview::of(&[row.clone(), row]).beds.beds_total, 60);
    }
}
