//! HMIS: the FY2026 code lists, the one transform from bed counts to HMIS records (with the DV
//! aggregation), the HMIS CSV writer, and the HMIS Export tab.
pub mod api;
pub mod codes;
#[cfg(feature = "ssr")]
pub mod csv;
pub mod ids;
#[cfg(feature = "ssr")]
pub mod json;
pub mod periods;
#[cfg(feature = "ssr")]
pub mod records;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod transform;
pub mod ui;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The synthetic victim service provider and projects that carry the DV aggregate (DESIGN.md
/// 4.3: never a real DV shelter's ID or name). Their ids are `HB-DV-<the CoC's key>...`; IDs
/// starting with [`RESERVED_ID_PREFIX`] are ours: the shelter and organization forms refuse them.
pub const DV_ORGANIZATION_NAME: &str = "Victim service providers (aggregated)";
pub const DV_PROJECT_NAME: &str = "DV shelters (aggregated)";
pub const RESERVED_ID_PREFIX: &str = "HB-DV-";

/// What an export describes: the beds in effect on the as-of date (the preview, the occupancy)
/// within the report period (Export.csv's ExportStartDate and ExportEndDate). For the HIC the
/// period is one night, the PIT night, and the as-of date is that night.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportParams {
    pub as_of: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl ExportParams {
    /// One day: as of `day`, for the period of that day.
    pub fn on(day: NaiveDate) -> ExportParams {
        ExportParams { as_of: day, start: day, end: day }
    }

    /// From the tab's form, the download's query or the command line (`as_of`, `start`, `end`,
    /// each optional). Without a period, the period is the as-of day; without an as-of date, it
    /// is `today` when the period holds it, else the period's last day.
    pub fn parse(
        as_of: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
        today: NaiveDate,
    ) -> Result<ExportParams, AppError> {
        let date = |field: &str, label: &str, raw: Option<&str>| {
            crate::input::date_field(field, label, raw.unwrap_or_default(), false)
        };
        let as_of = date("as_of", "As of", as_of)?;
        let (start, end) = (date("start", "Report period start", start)?, date("end", "Report period end", end)?);
        let (start, end) = match (start, end) {
            (None, None) => {
                let day = as_of.unwrap_or(today);
                (day, day)
            }
            (Some(s), None) => (s, s.max(as_of.unwrap_or(s))),
            (None, Some(e)) => (e.min(as_of.unwrap_or(e)), e),
            (Some(s), Some(e)) => (s, e),
        };
        if end < start {
            return Err(AppError::validation(
                "end",
                format!("Report period end: must be on or after its start, {start}."),
            ));
        }
        let as_of = as_of.unwrap_or(if (start..=end).contains(&today) { today } else { end });
        if !(start..=end).contains(&as_of) {
            return Err(AppError::validation(
                "as_of",
                format!("As of: must lie within the report period, {start} to {end}."),
            ));
        }
        Ok(ExportParams { as_of, start, end })
    }

    /// The query string that asks for these parameters (`as_of=...&start=...&end=...`).
    pub fn query(&self) -> String {
        format!("as_of={}&start={}&end={}", self.as_of, self.start, self.end)
    }
}

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

/// The export parameters as typed: the tab's form, the download's query, a push form or the
/// command line. Empty means the default (see [`ExportParams::parse`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    pub as_of: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

impl ExportQuery {
    pub fn params(&self, today: NaiveDate) -> Result<ExportParams, AppError> {
        ExportParams::parse(self.as_of.as_deref(), self.start.as_deref(), self.end.as_deref(), today)
    }
}

/// Preview rows per page.
pub const PREVIEW_PAGE_SIZE: usize = 50;

/// What the preview shows: the export's parameters, the filters and the page (all from the
/// tab's GET form, so it works without JavaScript).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviewQuery {
    #[serde(flatten)]
    pub export: ExportQuery,
    /// `all`, `non-dv` or `dv`.
    pub rows: Option<String>,
    /// A HouseholdType code.
    pub household: Option<String>,
    /// Only rows with a warning.
    pub warnings: Option<String>,
    /// 1-based.
    pub page: Option<String>,
}

impl PreviewQuery {
    pub fn filter(&self) -> RowFilter {
        RowFilter::parse(self.rows.as_deref())
    }

    pub fn household(&self) -> Option<i32> {
        self.household
            .as_deref()
            .and_then(|h| h.trim().parse::<i32>().ok())
            .filter(|h| codes::HOUSEHOLD_TYPE.contains(*h))
    }

    pub fn warnings_only(&self) -> bool {
        self.warnings.as_deref().is_some_and(|w| !w.is_empty() && w != "0")
    }

    pub fn page(&self) -> u64 {
        self.page.as_deref().and_then(|p| p.trim().parse::<u64>().ok()).unwrap_or(1).max(1)
    }

    /// Whether `row` is one the filters keep (`warned`: it has a warning), and its beds for the
    /// household type chosen.
    pub fn keep(&self, row: &PreviewRow, warned: bool) -> Option<HouseholdBeds> {
        if !self.filter().keeps(row) || (self.warnings_only() && !warned) {
            return None;
        }
        match self.household() {
            // A row without beds in effect still shows when no household type is chosen.
            None => Some(row.beds(None).unwrap_or_default()),
            Some(h) => row.beds(Some(h)),
        }
    }
}

/// One inventory record of a project as the preview lists it: every line is sent, ended and
/// future ones too, with its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLine {
    pub coc_code: String,
    pub household_type: i32,
    pub availability: Option<i32>,
    pub es_bed_type: Option<i32>,
    pub beds: i64,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// Whether a span from `start` to `end` (`None`: open) holds `day`, both ends included (funders,
/// participation periods).
pub fn in_effect(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start <= day && end.is_none_or(|end| end >= day)
}

/// HUD's LSA rule for an inventory line on night `day` (the HIC inventory view of
/// `HMIS/LSASampleCode`): `InventoryStartDate <= day` and the end empty, or both `>= day` and
/// after the start. A line that ends on its start date counts on no night at all, so none is
/// ever sent as a line (docs/hmis-export.md, "Nights and end dates").
pub fn line_counts_on(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start <= day && end.is_none_or(|end| end >= day && end > start)
}

/// A line that counts on no night (it ends on or before its start: one voided on its first
/// day). It is sent as a deletion (`DateDeleted`), never as a line.
pub fn is_void(start: NaiveDate, end: Option<NaiveDate>) -> bool {
    end.is_some_and(|end| end <= start)
}

/// HUD's LSA rule for a project on night `day`: it started by then and its OperatingEndDate is
/// empty or after `day` (a project closed on `day` is not counted that night).
pub fn operates_on(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start <= day && end.is_none_or(|end| end > day)
}

/// The LSA's lookback date for a report starting on `start`: seven years before it. A project
/// that closed before it is no longer sent (HDX flag 1315), and forms refuse such a closing date.
pub fn lookback(start: NaiveDate) -> NaiveDate {
    start.checked_sub_months(chrono::Months::new(84)).unwrap_or(start)
}

impl PreviewLine {
    /// Whether this line counts on night `day` (HUD's LSA rule, `line_counts_on`).
    pub fn in_effect(&self, day: NaiveDate) -> bool {
        line_counts_on(self.start, self.end, day)
    }
}

/// Something an HMIS Lead should fix before the HIC: shown on the tab, sent all the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Warning {
    /// An operating lodging project without a funding source in effect (HIC validation).
    NoFunder,
    /// HIC values missing: HousingType, Geocode, ZIP, GeographyType (1 to 3).
    MissingHicFields(Vec<String>),
    /// An operating project without an inventory line in effect.
    NoInventory,
    /// Counts older than the CoC's staleness limit, or never reported.
    StaleCounts,
    /// The DV aggregate has no administrative geocode, ZIP or geography type yet.
    DvLocationUnset,
}

impl Warning {
    pub fn text(&self) -> String {
        match self {
            Warning::NoFunder => "no funder recorded (2.06)".into(),
            Warning::MissingHicFields(fields) => format!("HIC fields missing: {}", fields.join(", ")),
            Warning::NoInventory => "no inventory line in effect".into(),
            Warning::StaleCounts => "counts are stale".into(),
            Warning::DvLocationUnset => {
                "no location yet: set the CoC's administrative geocode, ZIP and geography type under Settings".into()
            }
        }
    }
}

/// One project as the preview shows it and the JSON payloads send it: a real non-DV project, or
/// the aggregate of the DV shelters of one project type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// HMIS ProjectID (the aggregate's synthetic one for DV).
    pub project_id: String,
    pub name: String,
    pub organization: String,
    /// 2.02.6 ProjectType.
    pub project_type: i32,
    pub dv_aggregate: bool,
    /// Set once the project stopped operating.
    pub operating_end: Option<NaiveDate>,
    /// Every inventory record sent for the project.
    pub lines: Vec<PreviewLine>,
    /// Funding sources sent, as "code label" text.
    pub funders: Vec<String>,
    pub warnings: Vec<Warning>,
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
            warnings: Vec::new(),
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

/// One cell of the DV aggregate: the lines of one project type, CoC code, household type,
/// availability and ES bed type (the last two for emergency shelter only).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DvCell {
    pub project_type: i32,
    pub coc_code: String,
    pub household_type: i32,
    pub availability: Option<i32>,
    pub es_bed_type: Option<i32>,
}

/// Why DV beds were left out of the export (DESIGN.md 4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Suppression {
    /// The DV group as a whole has fewer contributing shelters than the threshold.
    GroupTooFewShelters,
    /// The DV group as a whole has fewer beds than the threshold.
    GroupTooFewBeds,
    /// One cell has too few shelters.
    CellTooFewShelters(DvCell),
    /// One cell has too few beds.
    CellTooFewBeds(DvCell),
    /// One shelter holds more than the dominance share of the cell's beds.
    CellDominated(DvCell),
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
    /// The dominance rule: no shelter may hold more than this share (percent) of a cell's beds.
    pub max_share_percent: i32,
    /// Active DV shelters with at least one bed.
    pub contributing_shelters: u32,
    pub beds_total: i64,
    pub beds_sent: i64,
    pub beds_suppressed: i64,
    pub suppressed: Vec<SuppressedBeds>,
    /// The night these figures are of: the sample night of the as-of date's DV publication period
    /// (`periods::sample_night`), since the aggregate's figures move only at period boundaries.
    pub sampled_on: Option<NaiveDate>,
}

/// The HMIS Export tab's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPreview {
    pub coc_codes: Vec<String>,
    pub params: ExportParams,
    /// The CoC's time zone (IANA name), which every date and time of the tab is in.
    pub time_zone: String,
    /// The figures of every row sent, whatever the filter and page.
    pub overview: Overview,
    /// The oldest of the latest counts, as the overview shows it (local, with the zone).
    pub oldest_update: Option<String>,
    /// Rows with at least one warning, whatever the filter.
    pub warnings: u32,
    /// This page of the rows the filter keeps.
    pub rows: Vec<PreviewRow>,
    /// Rows the filter keeps, over every page.
    pub matching: u64,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
    /// What each vendor's DV policy sends: (vendor name, policy label).
    pub vendor_policies: Vec<(String, String)>,
    /// None for a viewer without DV access: they learn nothing about DV shelters but the
    /// aggregate row that every vendor receives.
    pub dv: Option<DvSummary>,
    /// Made for this page render: a push form carries it, so resubmitting it queues one push.
    pub push_token: String,
}

/// The CoC-wide figures of the overview: sums over the preview rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Overview {
    pub projects: usize,
    pub beds: HouseholdBeds,
    pub oldest_update: Option<DateTime<Utc>>,
    pub unreported_lines: u32,
}

impl Overview {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a PreviewRow>) -> Overview {
        let mut o = Overview::default();
        for row in rows {
            o.projects += 1;
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

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn export_parameters_default_to_today_and_name_bad_fields() {
        let today = d("2026-12-01");
        assert_eq!(ExportParams::parse(None, None, None, today).unwrap(), ExportParams::on(today));
        assert_eq!(
            ExportParams::parse(Some(" 2026-01-28 "), Some(""), None, today).unwrap(),
            ExportParams::on(d("2026-01-28"))
        );
        let year = ExportParams::parse(None, Some("2025-10-01"), Some("2026-09-30"), today).unwrap();
        assert_eq!((year.as_of, year.start, year.end), (d("2026-09-30"), d("2025-10-01"), d("2026-09-30")));
        let this_year = ExportParams::parse(None, Some("2026-10-01"), Some("2027-09-30"), today).unwrap();
        assert_eq!(this_year.as_of, today);
        for (as_of, start, end, field) in [
            (Some("2026-02-30"), None, None, "as_of"),
            (None, Some("yesterday"), None, "start"),
            (None, Some("2026-02-01"), Some("2026-01-01"), "end"),
            (Some("2026-03-01"), Some("2026-01-01"), Some("2026-01-31"), "as_of"),
        ] {
            assert_eq!(
                ExportParams::parse(as_of, start, end, today).unwrap_err().field(),
                Some(field),
                "{as_of:?} {start:?} {end:?}"
            );
        }
        assert_eq!(ExportParams::on(d("2026-01-28")).query(), "as_of=2026-01-28&start=2026-01-28&end=2026-01-28");
    }

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
            operating_end: None,
            lines: Vec::new(),
            funders: Vec::new(),
            warnings: Vec::new(),
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
