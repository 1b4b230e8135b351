//! The JSON payloads, built from the same export as the CSV zip:
//! - the HUD HMIS API shape: arrays of records keyed by CSV file name, with the CSV's field names,
//!   as the API's `/csvexport` answers;
//! - HMIS Bridge's inventory contract, version 1 (`docs/vendors.md`, `docs/inventory-v1.schema.json`):
//!   one record per project and household type plus the DV aggregate, with the HMIS 2.07 fields
//!   and, under `hmis_bridge`, what the CSV cannot carry (beds occupied and available, utilization,
//!   as of the last coordinator update). Never anything about a client.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::PreviewRow;
use super::csv::{self, clean_text, date_text};
use super::records::{ExportRun, HmisExport, InventoryRecord, ProjectRecord};

/// The contract versions this server can send; a vendor is pinned to one.
pub const INVENTORY_VERSIONS: &[u32] = &[1];

/// The version a new vendor is pinned to.
pub const CURRENT_VERSION: i32 = 1;

/// Where partners find the contract (served by the server, kept in `docs/`).
pub const INVENTORY_V1_SCHEMA: &str = "/schemas/inventory-v1.schema.json";

/// The HUD HMIS API shape: `{"Export.csv": [...], "Organization.csv": [...], ...}`.
pub fn hud_csvexport(export: &HmisExport) -> serde_json::Value {
    serde_json::Value::Object(csv::files().iter().map(|f| (f.name().to_string(), f.json(export).into())).collect())
}

/// `/csvexport` of the JSON API: [`hud_csvexport`] with this request's ExportID and export date.
/// The export may be the one the tab cached, whose id and date change whenever any of the CoC's
/// data changes, DV shelters' included: a caller polling them would learn when hidden data moves.
pub fn hud_csvexport_for(export: &HmisExport, run: &ExportRun) -> serde_json::Value {
    let mut export = export.clone();
    export.export.export_id = run.export_id.clone();
    export.export.export_date = run.clock.local(run.exported_at);
    hud_csvexport(&export)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryDocument {
    /// Always 1 for this shape.
    pub version: u32,
    pub schema: &'static str,
    /// The export this document was built from (Export.csv's ExportID).
    pub export_id: String,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub coc_codes: Vec<String>,
    pub software: Software,
    pub records: Vec<InventoryLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Software {
    pub name: String,
    pub version: String,
}

/// One project and household type: HMIS 2.07 with the CSV's names in snake case.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InventoryLine {
    pub inventory_id: String,
    pub project_id: String,
    pub project_name: String,
    pub organization_id: String,
    pub project_type: i32,
    pub coc_code: String,
    pub household_type: i32,
    pub availability: Option<i32>,
    pub es_bed_type: Option<i32>,
    pub unit_inventory: i64,
    pub bed_inventory: i64,
    pub ch_vet_bed_inventory: i64,
    pub youth_vet_bed_inventory: i64,
    pub vet_bed_inventory: i64,
    pub ch_youth_bed_inventory: i64,
    pub youth_bed_inventory: i64,
    pub ch_bed_inventory: i64,
    pub other_bed_inventory: i64,
    /// YYYY-MM-DD.
    pub inventory_start_date: String,
    pub inventory_end_date: Option<String>,
    /// True for the one record of the aggregated DV shelters.
    pub dv_aggregate: bool,
    /// HMIS Bridge's own figures, none of them HMIS data elements, for the project and
    /// household type: on its first record only (a project may have two lines of one household
    /// type, one per CoC code), so summing them over records counts each bed once. Null on the
    /// others, and always for the DV aggregate: its occupancy is never sent.
    pub hmis_bridge: Option<Occupancy>,
}

/// Beds as the coordinators last reported them, for the project and household type.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Occupancy {
    /// Beds on lines reported at least once.
    pub beds_reported: i64,
    pub beds_occupied: i64,
    /// Reported beds not occupied.
    pub beds_available: i64,
    /// Occupied / reported, in percent; null before any report.
    pub utilization_percent: Option<i32>,
    /// The oldest of the latest reports of the project's lines (RFC 3339, UTC); null before any.
    pub as_of: Option<String>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The contract's version 1 document of `export` (made by `run`). Every inventory record is
/// sent, ended and future ones too; the occupancy goes with the lines in effect on the as-of
/// date.
pub fn inventory_v1(export: &HmisExport, run: &ExportRun) -> InventoryDocument {
    let e = &export.export;
    InventoryDocument {
        version: 1,
        schema: INVENTORY_V1_SCHEMA,
        export_id: e.export_id.clone(),
        generated_at: rfc3339(run.exported_at),
        coc_codes: e.source_id.split(';').map(str::to_string).collect(),
        software: Software { name: e.software_name.clone(), version: e.software_version.clone() },
        records: inventory_lines(export, run, |_| true),
    }
}

/// The contract's records of the inventory lines `keep` keeps (all of a project's or none: the
/// occupancy goes with a project's first line of each household type).
pub fn inventory_lines(
    export: &HmisExport,
    run: &ExportRun,
    keep: impl Fn(&InventoryRecord) -> bool,
) -> Vec<InventoryLine> {
    let as_of = run.params.as_of;
    // Each line's project and preview row by ProjectID, looked up once (an export may hold a
    // hundred thousand lines).
    let projects: HashMap<&str, &ProjectRecord> = export.projects.iter().map(|p| (p.project_id.as_str(), p)).collect();
    let rows: HashMap<&str, &PreviewRow> = export.rows.iter().map(|r| (r.project_id.as_str(), r)).collect();
    let mut described = HashSet::new();
    export
        .inventories
        .iter()
        // A deletion (a void line) counts on no night; the contract has no deletions yet, so it
        // is left out (docs/api.md).
        .filter(|line| line.meta.date_deleted.is_none() && keep(line))
        .map(|line| {
            let current = super::line_counts_on(line.inventory_start_date, line.inventory_end_date, as_of);
            let first = current && described.insert((line.project_id.as_str(), line.household_type));
            let project = projects.get(line.project_id.as_str()).copied();
            inventory_line(line, project, rows.get(line.project_id.as_str()).copied(), first)
        })
        .collect()
}

/// `line` of `project` (shown as `row`) as a record; `with_occupancy` for the first record of its
/// project and household type.
fn inventory_line(
    line: &InventoryRecord,
    project: Option<&ProjectRecord>,
    row: Option<&PreviewRow>,
    with_occupancy: bool,
) -> InventoryLine {
    let dv_aggregate = row.is_some_and(|r| r.dv_aggregate);
    let occupancy = row
        .filter(|r| with_occupancy && !r.dv_aggregate)
        .and_then(|r| r.beds(Some(line.household_type)))
        .map(|beds| Occupancy {
            beds_reported: beds.beds_reported,
            beds_occupied: beds.beds_occupied,
            beds_available: (beds.beds_reported - beds.beds_occupied).max(0),
            utilization_percent: beds.utilization(),
            as_of: row.and_then(|r| r.oldest_update).map(rfc3339),
        });
    let [ch_vet, youth_vet, vet, ch_youth, youth, ch, other] = line.sub_counts;
    InventoryLine {
        inventory_id: clean_text(&line.inventory_id, 32),
        project_id: clean_text(&line.project_id, 32),
        project_name: project.map(|p| clean_text(&p.project_name, 200)).unwrap_or_default(),
        organization_id: project.map(|p| clean_text(&p.organization_id, 32)).unwrap_or_default(),
        project_type: project.map_or(0, |p| p.project_type),
        coc_code: clean_text(&line.coc_code, 6),
        household_type: line.household_type,
        availability: line.availability,
        es_bed_type: line.es_bed_type,
        unit_inventory: line.unit_inventory,
        bed_inventory: line.bed_inventory,
        ch_vet_bed_inventory: ch_vet,
        youth_vet_bed_inventory: youth_vet,
        vet_bed_inventory: vet,
        ch_youth_bed_inventory: ch_youth,
        youth_bed_inventory: youth,
        ch_bed_inventory: ch,
        other_bed_inventory: other,
        inventory_start_date: date_text(line.inventory_start_date),
        inventory_end_date: line.inventory_end_date.map(date_text),
        dv_aggregate,
        hmis_bridge: occupancy,
    }
}

/// A project as the JSON API answers it: the HUD HMIS API's `projectBase` with Project.csv's
/// names and values, and under `hmis_bridge` what else the export says of it. The DV shelters are
/// one project here, the aggregate, exactly as in the CSV.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "ProjectID": "PRJ-2001", "OrganizationID": "ORG-1", "ProjectName": "Downtown Emergency Shelter",
    "OperatingStartDate": "2019-01-01", "OperatingEndDate": null, "ContinuumProject": 1, "ProjectType": 0,
    "HousingType": 1, "RRHSubType": null, "TargetPopulation": 4,
    "hmis_bridge": {"coc_codes": ["TX-503"], "funders": [1, 35], "dv_aggregate": false}
}))]
pub struct ProjectView {
    /// 2.02.1.
    #[serde(rename = "ProjectID")]
    #[schema(max_length = 32)]
    pub project_id: String,
    #[serde(rename = "OrganizationID")]
    #[schema(max_length = 32)]
    pub organization_id: String,
    /// 2.02.2.
    #[serde(rename = "ProjectName")]
    #[schema(max_length = 200)]
    pub project_name: String,
    /// 2.02.3, YYYY-MM-DD.
    #[serde(rename = "OperatingStartDate")]
    #[schema(format = Date)]
    pub operating_start_date: String,
    /// 2.02.4, YYYY-MM-DD; null while the project operates.
    #[serde(rename = "OperatingEndDate")]
    #[schema(format = Date)]
    pub operating_end_date: Option<String>,
    /// 2.02.5 (NoYes).
    #[serde(rename = "ContinuumProject")]
    pub continuum_project: i32,
    /// 2.02.6.
    #[serde(rename = "ProjectType")]
    pub project_type: i32,
    /// 2.02.D.
    #[serde(rename = "HousingType")]
    pub housing_type: Option<i32>,
    /// 2.02.A, for rapid re-housing (ProjectType 13).
    #[serde(rename = "RRHSubType")]
    pub rrh_sub_type: Option<i32>,
    /// 2.02.7.
    #[serde(rename = "TargetPopulation")]
    pub target_population: Option<i32>,
    pub hmis_bridge: ProjectExtras,
}

/// HMIS Bridge's own fields of a project (namespaced, as the HUD reference's extensibility rules
/// ask).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProjectExtras {
    /// The project's CoC codes (ProjectCoC.csv).
    pub coc_codes: Vec<String>,
    /// Its funding sources' 2.06.1 codes (Funder.csv), each once.
    pub funders: Vec<i32>,
    /// True for the one project that aggregates the CoC's DV shelters.
    pub dv_aggregate: bool,
}

/// HUD scenario 6's filters of `GET /projects`; each one given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectFilter {
    /// 2.06.1: one of the project's funders.
    pub funder: Option<i32>,
    pub project_type: Option<i32>,
    /// One of the project's CoC codes.
    pub coc_code: Option<String>,
    /// Started operating on or after.
    pub operating_start_date: Option<chrono::NaiveDate>,
    /// Stopped operating on or before (so a project still operating never matches).
    pub operating_end_date: Option<chrono::NaiveDate>,
}

/// The export's projects that `filter` keeps, in the export's order.
pub fn projects(export: &HmisExport, filter: &ProjectFilter) -> Vec<ProjectView> {
    let extras = ExtrasIndex::of(export);
    export
        .projects
        .iter()
        .filter(|p| {
            filter.project_type.is_none_or(|t| p.project_type == t)
                && filter.operating_start_date.is_none_or(|d| p.operating_start_date >= d)
                && filter.operating_end_date.is_none_or(|d| p.operating_end_date.is_some_and(|end| end <= d))
        })
        .map(|p| project_view(p, &extras))
        .filter(|view| {
            let extras = &view.hmis_bridge;
            filter.funder.is_none_or(|f| extras.funders.contains(&f))
                && filter.coc_code.as_ref().is_none_or(|c| extras.coc_codes.contains(c))
        })
        .collect()
}

/// The export's project with `project_id`, if it has one.
pub fn project(export: &HmisExport, project_id: &str) -> Option<ProjectView> {
    let p = export.projects.iter().find(|p| p.project_id == project_id)?;
    Some(project_view(p, &ExtrasIndex::of(export)))
}

/// Each project's CoC codes and funder codes, sorted and each once.
struct ExtrasIndex<'a> {
    coc_codes: HashMap<&'a str, Vec<String>>,
    funders: HashMap<&'a str, Vec<i32>>,
}

impl<'a> ExtrasIndex<'a> {
    fn of(export: &'a HmisExport) -> ExtrasIndex<'a> {
        let mut index = ExtrasIndex { coc_codes: HashMap::new(), funders: HashMap::new() };
        for c in &export.project_cocs {
            index.coc_codes.entry(c.project_id.as_str()).or_default().push(clean_text(&c.coc_code, 6));
        }
        for f in &export.funders {
            index.funders.entry(f.project_id.as_str()).or_default().push(f.funder);
        }
        index.coc_codes.values_mut().for_each(|v| {
            v.sort_unstable();
            v.dedup();
        });
        index.funders.values_mut().for_each(|v| {
            v.sort_unstable();
            v.dedup();
        });
        index
    }
}

fn project_view(p: &ProjectRecord, extras: &ExtrasIndex) -> ProjectView {
    let id = p.project_id.as_str();
    ProjectView {
        project_id: clean_text(id, 32),
        organization_id: clean_text(&p.organization_id, 32),
        project_name: clean_text(&p.project_name, 200),
        operating_start_date: date_text(p.operating_start_date),
        operating_end_date: p.operating_end_date.map(date_text),
        continuum_project: p.continuum_project,
        project_type: p.project_type,
        housing_type: p.housing_type,
        rrh_sub_type: p.rrh_sub_type,
        target_population: p.target_population,
        hmis_bridge: ProjectExtras {
            coc_codes: extras.coc_codes.get(id).cloned().unwrap_or_default(),
            funders: extras.funders.get(id).cloned().unwrap_or_default(),
            dv_aggregate: super::is_reserved_id(id),
        },
    }
}
