//! Properties of `hmis::transform` and the HMIS CSV writer over generated CoCs: every zip passes
//! the spec validator; no DV shelter's ProjectID, name, address or geocode leaves the system; the
//! beds sent plus the DV beds suppressed equal the input; no DV cell below the tenant's thresholds
//! is sent; and the output is the same bytes whatever order the input comes in.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use crate::common::hmis_spec::{Export, validate};
use app::entities::{bed_snapshot, inventory, organization, shelter, tenant};
use app::hmis::csv::write_zip;
use app::hmis::records::{ExportRun, HmisExport};
use app::hmis::transform::{ExportInput, transform};
use app::hmis::{DV_PROJECT_ID, Suppression};

const CODES: [&str; 2] = ["TX-503", "TX-600"];
const PROJECT_TYPES: [i32; 8] = [0, 1, 2, 3, 8, 9, 10, 13];
/// Names an admin might type or paste (# is the shelter's number): quotes, commas, formulas,
/// characters FY2026 strips, text beyond ASCII.
const NAMES: [&str; 8] = [
    "Open Shelter #",
    "Open Shelter #, Inc.",
    "Open \"North\" Shelter #",
    "=HYPERLINK(\"x\") #",
    "-Open #",
    "@Open #",
    "<Open> [Annex] {#}",
    "Casa Niños – #",
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().expect("a valid time")
}

fn day(offset: i64) -> NaiveDate {
    now().date_naive() + chrono::Duration::days(offset)
}

/// One generated CoC: what the database would hold.
#[derive(Debug, Clone)]
struct Coc {
    tenant: tenant::Model,
    organizations: Vec<organization::Model>,
    shelters: Vec<shelter::Model>,
    lines: Vec<inventory::Model>,
    snapshots: Vec<bed_snapshot::Model>,
}

impl Coc {
    fn is_dv(&self, s: &shelter::Model) -> bool {
        s.is_dv
    }

    fn in_effect(line: &inventory::Model) -> bool {
        line.inventory_start_date <= day(0) && line.inventory_end_date.is_none_or(|e| e >= day(0))
    }

    /// Active shelters' lines in effect today, with their shelter.
    fn counted_lines(&self) -> Vec<(&shelter::Model, &inventory::Model)> {
        self.lines
            .iter()
            .filter(|l| Self::in_effect(l))
            .filter_map(|l| self.shelters.iter().find(|s| s.id == l.shelter_id && s.active).map(|s| (s, l)))
            .collect()
    }
}

/// (project type, target population, VSP organization?, active, lines)
type ShelterSpec = (usize, Option<i32>, bool, bool, usize, Vec<LineSpec>);
/// (household type, CoC index, sub-counts, ended?, starts later?, reported occupied share)
type LineSpec = (i32, usize, [i32; 7], bool, bool, Option<u8>);

fn line_spec() -> impl Strategy<Value = LineSpec> {
    (
        prop::sample::select(vec![1, 3, 4]),
        0..2usize,
        (prop::array::uniform6(prop::sample::select(vec![0, 0, 0, 1, 2, 5])), 0..40i32),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
        prop::option::weighted(0.8, 0..=100u8),
    )
        .prop_map(|(h, c, (dedicated, other), ended, later, share)| {
            let mut sub = [0; 7];
            sub[..6].copy_from_slice(&dedicated);
            sub[6] = other;
            (h, c, sub, ended, later, share)
        })
}

fn coc_strategy() -> impl Strategy<Value = Coc> {
    let shelter = (
        0..PROJECT_TYPES.len(),
        prop::sample::select(vec![None, Some(1), Some(3), Some(4), Some(4)]),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.9),
        0..NAMES.len(),
        prop::collection::vec(line_spec(), 0..4),
    );
    (1..=2usize, 1..=5i32, 1..=20i32, prop::collection::vec(shelter, 0..30)).prop_map(build)
}

fn build((codes, min_shelters, min_beds, specs): (usize, i32, i32, Vec<ShelterSpec>)) -> Coc {
    let created = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).single().expect("a valid time");
    let tenant = tenant::Model {
        id: 1,
        name: "Generated CoC".into(),
        slug: "generated".into(),
        coc_codes: CODES[..codes].join(";"),
        dv_min_shelters: min_shelters,
        dv_min_beds: min_beds,
        time_zone: "America/Chicago".into(),
        created_at: created,
        dv_epoch: 0,
    };
    let organizations: Vec<organization::Model> = [false, true]
        .iter()
        .enumerate()
        .map(|(i, vsp)| organization::Model {
            id: i as i64 + 1,
            public_id: format!("orgpublic{i:011}"),
            tenant_id: 1,
            hmis_organization_id: format!("ORG-{i}"),
            name: if *vsp { "Secret VSP Org".into() } else { "Open Org".into() },
            victim_service_provider: *vsp,
            created_at: created,
            updated_at: created,
        })
        .collect();
    let (mut shelters, mut lines, mut snapshots) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (pt, target, vsp, active, name, line_specs)) in specs.into_iter().enumerate() {
        let id = i as i64 + 1;
        let is_dv = vsp || target == Some(1);
        let project_type = PROJECT_TYPES[pt];
        // DV shelters' identifying values come from ranges no other value uses, so a leak shows.
        let (prefix, digit) = if is_dv { ("DVSECRET", 9) } else { ("PRJ", 1) };
        shelters.push(shelter::Model {
            id,
            public_id: if is_dv { format!("dvsecretpub{id:09}") } else { format!("projectpub{id:010}") },
            tenant_id: 1,
            organization_id: if vsp { 2 } else { 1 },
            hmis_project_id: format!("{prefix}-{id}"),
            name: if is_dv { format!("Hidden Refuge {id}") } else { NAMES[name].replace('#', &id.to_string()) },
            project_type,
            housing_type: Some(1),
            target_population: target,
            operating_start_date: day(-400),
            operating_end_date: None,
            coc_code: CODES[0].into(),
            address1: Some(if is_dv { format!("{id} Concealed Lane") } else { format!("{id} Main St") }),
            city: Some(if is_dv { "Secretville".into() } else { "Austin".into() }),
            state: Some("TX".into()),
            zip: Some(format!("{digit}{id:04}")),
            geocode: Some(format!("{digit}{id:05}")),
            geography_type: Some(1),
            hmis_participation_type: if vsp { 2 } else { 1 },
            active,
            is_dv,
            counts_version: 0,
            created_at: created,
            updated_at: created,
        });
        let es = matches!(project_type, 0 | 1);
        for (household_type, coc, sub, ended, later, share) in line_specs {
            let line_id = lines.len() as i64 + 1;
            let bed_inventory: i32 = sub.iter().sum();
            lines.push(inventory::Model {
                id: line_id,
                public_id: if is_dv { format!("dvsecretline{line_id:08}") } else { format!("line{line_id:016}") },
                tenant_id: 1,
                shelter_id: id,
                coc_code: CODES[coc.min(codes - 1)].into(),
                household_type,
                availability: es.then_some(1),
                es_bed_type: es.then_some(1),
                unit_inventory: bed_inventory / 2,
                bed_inventory,
                ch_vet_bed_inventory: sub[0],
                youth_vet_bed_inventory: sub[1],
                vet_bed_inventory: sub[2],
                ch_youth_bed_inventory: sub[3],
                youth_bed_inventory: sub[4],
                ch_bed_inventory: sub[5],
                other_bed_inventory: sub[6],
                inventory_start_date: if later { day(3) } else { day(-100) },
                inventory_end_date: ended.then(|| day(-1)),
                created_at: created,
                updated_at: created,
            });
            if let Some(share) = share {
                snapshots.push(bed_snapshot::Model {
                    id: line_id,
                    tenant_id: 1,
                    inventory_id: line_id,
                    beds_total: bed_inventory,
                    beds_occupied: bed_inventory * i32::from(share) / 100,
                    updated_by: 1,
                    recorded_at: now() - chrono::Duration::minutes(line_id * 7),
                });
            }
        }
    }
    Coc { tenant, organizations, shelters, lines, snapshots }
}

fn run() -> ExportRun {
    ExportRun {
        export_id: "EXPORT-1".into(),
        implementation_id: "IMPLEMENTATION-1".into(),
        exported_at: now(),
        software_version: "0.1.0".into(),
    }
}

fn export(coc: &Coc) -> HmisExport {
    let run = run();
    transform(&ExportInput {
        tenant: &coc.tenant,
        organizations: &coc.organizations,
        projects: &coc.shelters,
        lines: &coc.lines,
        latest: &coc.snapshots,
        run: &run,
    })
}

fn zip_of(coc: &Coc) -> (HmisExport, Vec<u8>, Export) {
    let out = export(coc);
    let bytes = write_zip(&out).expect("zip");
    let parsed = validate(&bytes).unwrap_or_else(|errs| panic!("the zip breaks the spec:\n{}", errs.join("\n")));
    (out, bytes, parsed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_export_passes_the_spec_validator(coc in coc_strategy()) {
        zip_of(&coc);
    }

    #[test]
    fn no_dv_shelter_is_identifiable_in_any_output(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let preview = serde_json::to_string(&out.rows).expect("json");
        let cells: BTreeSet<&str> = parsed.files.values().flatten().flat_map(|r| r.values()).filter_map(|v| v.as_deref()).collect();
        for s in coc.shelters.iter().filter(|s| coc.is_dv(s)) {
            for value in [&s.hmis_project_id, s.geocode.as_ref().unwrap(), s.zip.as_ref().unwrap()] {
                prop_assert!(!cells.contains(value.as_str()), "{value} is in the zip");
                prop_assert!(!preview.contains(&format!("\"{value}\"")), "{value} is in the preview");
            }
            // Nor any id of a DV shelter or its lines, public or internal.
            prop_assert!(!parsed.text.contains("dvsecret") && !preview.contains("dvsecret"), "a DV shelter's public id is out");
            for text in [&s.name, s.address1.as_ref().unwrap(), s.city.as_ref().unwrap()] {
                prop_assert!(!parsed.text.contains(text.as_str()), "{text} is in the zip");
                prop_assert!(!preview.contains(text.as_str()), "{text} is in the preview");
            }
        }
        prop_assert!(!parsed.text.contains("Secret VSP Org") && !preview.contains("Secret VSP Org"));
        // The aggregate's location is blank, whatever the shelters' were.
        for c in parsed.rows("ProjectCoC.csv").iter().filter(|c| Export::str(c, "ProjectID") == DV_PROJECT_ID) {
            for col in ["Geocode", "Address1", "Address2", "City", "ZIP"] {
                prop_assert_eq!(Export::str(c, col), "");
            }
        }
    }

    #[test]
    fn the_json_payloads_carry_the_zips_records_and_no_dv_shelter(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        // The HUD shape: the same rows, file by file, with the same values.
        let hud = app::hmis::json::hud_csvexport(&out);
        for (file, rows) in &parsed.files {
            let json_rows = hud[file.as_str()].as_array().expect("an array per CSV file");
            prop_assert_eq!(json_rows.len(), rows.len(), "{}", file);
            for (row, json) in rows.iter().zip(json_rows) {
                for (column, value) in row {
                    let sent = &json[column.as_str()];
                    let sent_text = sent.as_str().map(str::to_string).unwrap_or_else(|| sent.to_string());
                    match value.as_deref() {
                        None | Some("") => prop_assert!(sent.is_null() || sent == "", "{file}.{column}: {sent}"),
                        Some(v) => {
                            let (csv, json) = (v.replace('T', " "), sent_text.replace('T', " "));
                            // The CSV puts a ' before what a spreadsheet would run (counted in the
                            // column's length); JSON does not.
                            let same = csv == json
                                || csv.strip_prefix('\'').is_some_and(|rest| {
                                    json.starts_with(rest) && json.chars().count() <= rest.chars().count() + 1
                                });
                            prop_assert!(same, "{}.{}: CSV {:?}, JSON {}", file, column, v, sent);
                        }
                    }
                }
            }
        }
        // The inventory contract: valid against its published schema, a record per Inventory.csv
        // row, the same beds.
        let doc = app::hmis::json::inventory_v1(&out);
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/inventory-v1.schema.json")).expect("the schema is JSON");
        let errors = crate::common::json_schema::violations(&schema, &serde_json::to_value(&doc).expect("json"));
        prop_assert!(errors.is_empty(), "{:?}", errors);
        prop_assert_eq!(doc.records.len(), parsed.rows("Inventory.csv").len());
        let csv_beds: i64 = parsed.rows("Inventory.csv").iter().map(|r| Export::int(r, "BedInventory")).sum();
        prop_assert_eq!(doc.records.iter().map(|r| r.bed_inventory).sum::<i64>(), csv_beds);
        for r in &doc.records {
            prop_assert_eq!(r.dv_aggregate, r.project_id == DV_PROJECT_ID);
            prop_assert!(!r.dv_aggregate || r.hmis_bridge.is_none(), "the DV aggregate's occupancy is never sent");
            if let Some(o) = &r.hmis_bridge {
                prop_assert!(o.beds_occupied + o.beds_available <= o.beds_reported.max(o.beds_occupied));
            }
        }
        let text = serde_json::to_string(&doc).expect("json") + &hud.to_string();
        for s in coc.shelters.iter().filter(|s| coc.is_dv(s)) {
            prop_assert!(!text.contains(&format!("\"{}\"", s.hmis_project_id)), "a DV ProjectID is in the JSON");
            prop_assert!(!text.contains(s.name.as_str()), "a DV name is in the JSON");
        }
        prop_assert!(!text.contains("dvsecret") && !text.contains("Secret VSP Org"));
    }

    #[test]
    fn sent_plus_suppressed_beds_equal_the_input(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let counted = coc.counted_lines();
        let input: i64 = counted.iter().map(|(_, l)| i64::from(l.bed_inventory)).sum();
        let input_dv: i64 = counted.iter().filter(|(s, _)| coc.is_dv(s)).map(|(_, l)| i64::from(l.bed_inventory)).sum();
        let row_beds = |dv: bool| -> i64 {
            out.rows.iter().filter(|r| r.dv_aggregate == dv).filter_map(|r| r.beds(None)).map(|b| b.beds_total).sum()
        };
        prop_assert_eq!(row_beds(false) + row_beds(true) + out.dv.beds_suppressed, input);
        prop_assert_eq!(out.dv.beds_total, input_dv);
        prop_assert_eq!(out.dv.beds_sent, row_beds(true));
        prop_assert_eq!(out.dv.suppressed.iter().map(|s| s.beds).sum::<i64>(), out.dv.beds_suppressed);
        prop_assert!(out.rows.iter().filter(|r| r.dv_aggregate).count() <= 1);
        let csv_beds: i64 = parsed.rows("Inventory.csv").iter().map(|r| Export::int(r, "BedInventory")).sum();
        prop_assert_eq!(csv_beds, row_beds(false) + row_beds(true));
    }

    #[test]
    fn no_dv_cell_below_the_thresholds_is_sent(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let (min_shelters, min_beds) = (coc.tenant.dv_min_shelters as usize, i64::from(coc.tenant.dv_min_beds));
        // Worked out here from the input, not taken from the transform's own summary.
        let mut cells: BTreeMap<(String, i32), (BTreeSet<i64>, i64)> = BTreeMap::new();
        let (mut group, mut group_beds) = (BTreeSet::new(), 0);
        for (s, l) in coc.counted_lines().into_iter().filter(|(s, _)| coc.is_dv(s)) {
            let cell = cells.entry((l.coc_code.clone(), l.household_type)).or_default();
            cell.1 += i64::from(l.bed_inventory);
            group_beds += i64::from(l.bed_inventory);
            if l.bed_inventory > 0 {
                cell.0.insert(s.id);
                group.insert(s.id);
            }
        }
        let dv_rows: Vec<_> = parsed.rows("Inventory.csv").iter().filter(|r| Export::str(r, "ProjectID") == DV_PROJECT_ID).collect();
        if group.len() < min_shelters || group_beds < min_beds {
            prop_assert!(dv_rows.is_empty(), "the DV group misses a threshold, yet DV rows were sent");
            prop_assert!(!out.rows.iter().any(|r| r.dv_aggregate));
        }
        for row in &dv_rows {
            let key = (Export::str(row, "CoCCode").to_string(), Export::int(row, "HouseholdType") as i32);
            let (shelters, beds) = cells.get(&key).cloned().unwrap_or_default();
            prop_assert!(shelters.len() >= min_shelters, "{key:?}: {} shelters", shelters.len());
            prop_assert!(beds >= min_beds, "{key:?}: {beds} beds");
            prop_assert_eq!(Export::int(row, "BedInventory"), beds);
        }
        // Every cell that meets both thresholds (in a group that does) is sent.
        if group.len() >= min_shelters && group_beds >= min_beds {
            let sent = cells.values().filter(|(s, b)| s.len() >= min_shelters && *b >= min_beds).count();
            prop_assert_eq!(dv_rows.len(), sent);
        }
        for s in &out.dv.suppressed {
            let below = match &s.reason {
                Suppression::GroupTooFewShelters | Suppression::CellTooFewShelters { .. } => (s.shelters as usize) < min_shelters,
                Suppression::GroupTooFewBeds | Suppression::CellTooFewBeds { .. } => s.beds < min_beds,
            };
            prop_assert!(below, "{s:?} names a reason that does not hold");
        }
    }

    #[test]
    fn the_same_input_gives_the_same_bytes_in_any_order(coc in coc_strategy(), rotate in 0..7usize) {
        let (_, bytes, _) = zip_of(&coc);
        let mut shuffled = coc.clone();
        shuffled.shelters.reverse();
        shuffled.lines.reverse();
        let n = shuffled.snapshots.len().max(1);
        shuffled.snapshots.rotate_left(rotate % n);
        shuffled.organizations.reverse();
        prop_assert_eq!(&write_zip(&export(&coc)).expect("zip"), &bytes);
        prop_assert!(write_zip(&export(&shuffled)).expect("zip") == bytes, "input order changed the bytes");
    }
}

#[test]
fn the_validator_rejects_what_the_spec_forbids() {
    // The validator itself must be able to fail: break a good zip in each way the spec forbids.
    let coc = build((
        1,
        1,
        1,
        vec![(0, Some(4), false, true, 0, vec![(1, 0, [0, 0, 0, 0, 0, 0, 10], false, false, Some(50))])],
    ));
    let mut out = export(&coc);
    validate(&write_zip(&out).expect("zip")).expect("the base case is valid");
    type Break = Box<dyn Fn(&mut HmisExport)>;
    let cases: Vec<(&str, Break)> = vec![
        ("BedInventory", Box::new(|x| x.inventories[0].bed_inventory += 1)),
        ("ProjectID", Box::new(|x| x.inventories[0].project_id = "NOPE".into())),
        ("ProjectCoC.csv row for", Box::new(|x| x.inventories[0].coc_code = "TX-999".into())),
        ("OrganizationID not in", Box::new(|x| x.projects[0].organization_id = "NOPE".into())),
        ("UserID", Box::new(|x| x.users[0].user_id = "SOMEONE-ELSE".into())),
        ("HouseholdType", Box::new(|x| x.inventories[0].household_type = 2)),
        ("Availability must be null", Box::new(|x| x.projects[0].project_type = 2)),
        ("RRHSubType", Box::new(|x| x.projects[0].project_type = 13)),
        ("SourceID", Box::new(|x| x.export.source_id = "Texas".into())),
    ];
    for (expect, change) in cases {
        let mut broken = out.clone();
        change(&mut broken);
        let errs = validate(&write_zip(&broken).expect("zip")).expect_err(expect);
        assert!(errs.iter().any(|e| e.contains(expect)), "{expect}: {errs:?}");
    }
    out.inventories.clear();
    validate(&write_zip(&out).expect("zip")).expect("no inventory is still valid CSV");
    for bad in [&b"not a zip"[..], &[]] {
        assert!(validate(bad).is_err());
    }
}
