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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    let generated_at = rfc3339(run.exported_at);
    let as_of = run.params.as_of;
    // Each line's project and preview row by ProjectID, looked up once (an export may hold a
    // hundred thousand lines).
    let projects: HashMap<&str, &ProjectRecord> = export.projects.iter().map(|p| (p.project_id.as_str(), p)).collect();
    let rows: HashMap<&str, &PreviewRow> = export.rows.iter().map(|r| (r.project_id.as_str(), r)).collect();
    let mut described = HashSet::new();
    let records = export
        .inventories
        .iter()
        .map(|line| {
            let current = super::in_effect(line.inventory_start_date, line.inventory_end_date, as_of);
            let first = current && described.insert((line.project_id.as_str(), line.household_type));
            let project = projects.get(line.project_id.as_str()).copied();
            inventory_line(line, project, rows.get(line.project_id.as_str()).copied(), first)
        })
        .collect();
    InventoryDocument {
        version: 1,
        schema: INVENTORY_V1_SCHEMA,
        export_id: e.export_id.clone(),
        generated_at,
        coc_codes: e.source_id.split(';').map(str::to_string).collect(),
        software: Software { name: e.software_name.clone(), version: e.software_version.clone() },
        records,
    }
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
