//! Properties of `hmis::transform` and the HMIS CSV writer over generated CoCs, in time zones
//! around the world with the clock just before or after local midnight: every zip passes the spec
//! validator; its dates are the CoC's; no DV shelter's ProjectID, name, address or geocode leaves
//! the system; the beds in effect on the as-of date are sent or suppressed, never lost; no DV
//! segment below the thresholds or dominated by one shelter is sent; a vendor with the "nothing
//! DV" policy gets the same export without the DV records; and the output is the same bytes
//! whatever order the input comes in.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use crate::common::hmis_spec::{Export, validate};
use app::entities::{
    bed_snapshot, ce_participation, funder, hmis_participation, inventory, organization, shelter, tenant,
};
use app::hmis::csv::{FileSet, write_zip};
use app::hmis::records::{ExportRun, HmisExport};
use app::hmis::transform::{ExportInput, transform};
use app::hmis::{ExportParams, Suppression, is_reserved_id};
use app::ssr::clock::{CocClock, zone};

const CODES: [&str; 2] = ["TX-503", "TX-600"];
const PROJECT_TYPES: [i32; 8] = [0, 1, 2, 3, 8, 9, 10, 13];
const ZONES: [&str; 5] =
    ["America/Chicago", "America/Los_Angeles", "Pacific/Honolulu", "America/New_York", "Pacific/Guam"];
/// Names an admin might type or paste (# is the shelter's number): quotes, commas, characters
/// FY2026 strips, text beyond ASCII. (Names starting like a formula are refused at input.)
const NAMES: [&str; 6] = [
    "Open Shelter #",
    "Open Shelter #, Inc.",
    "Open \"North\" Shelter #",
    "<Open> [Annex] {#}",
    "Casa Niños – #",
    "O'Hara House #",
];
/// The CoC's administrative location for the DV aggregate.
const DV_GEOCODE: &str = "480000";
const DV_ZIP: &str = "78000";

/// One generated CoC: what the database would hold, and when the export runs.
#[derive(Debug, Clone)]
struct Coc {
    tenant: tenant::Model,
    organizations: Vec<organization::Model>,
    shelters: Vec<shelter::Model>,
    lines: Vec<inventory::Model>,
    funders: Vec<funder::Model>,
    participations: Vec<hmis_participation::Model>,
    ce: Vec<ce_participation::Model>,
    snapshots: Vec<bed_snapshot::Model>,
    exported_at: DateTime<Utc>,
}

impl Coc {
    fn clock(&self) -> CocClock {
        CocClock::new(zone(&self.tenant.time_zone))
    }

    fn as_of(&self) -> NaiveDate {
        self.clock().today(self.exported_at)
    }

    /// HUD's LSA rule, written out here rather than taken from the app.
    fn in_effect(line: &inventory::Model, day: NaiveDate) -> bool {
        line.inventory_start_date <= day
            && line.inventory_end_date.is_none_or(|e| e >= day && e > line.inventory_start_date)
    }

    /// Lines counted on `day`, with their shelter: the line in effect, its project operating
    /// (HUD counts no project on the night it closes).
    fn lines_on(&self, day: NaiveDate) -> Vec<(&shelter::Model, &inventory::Model)> {
        self.lines
            .iter()
            .filter(|l| Self::in_effect(l, day))
            .filter_map(|l| self.shelters.iter().find(|s| s.id == l.shelter_id).map(|s| (s, l)))
            .filter(|(s, _)| s.operating_start_date <= day && s.operating_end_date.is_none_or(|e| e > day))
            .collect()
    }

    /// The night the DV aggregate's figures for `as_of` (today) are taken on: the sample night
    /// (the night before it starts) of the latest DV publication period published today.
    fn dv_sample_day(as_of: NaiveDate) -> NaiveDate {
        app::hmis::periods::sample_night(app::hmis::periods::published_through(as_of))
    }
}

/// (project type, target population, VSP organization?, closed?, name, lines, participation
/// changed?, extra funder?)
type ShelterSpec = (usize, Option<i32>, bool, bool, usize, Vec<LineSpec>, bool, bool);
/// (household type, CoC index, sub-counts, kind, reported occupied share)
type LineSpec = (i32, usize, [i32; 7], LineKind, Option<u8>);

/// When a line is in effect, relative to the as-of date.
#[derive(Debug, Clone, Copy)]
enum LineKind {
    Open,
    Ended,
    Future,
    /// Emergency shelter only (otherwise open): availability 2, ending in two months.
    Seasonal,
    /// Emergency shelter only (otherwise open): availability 3.
    Overflow,
}

fn line_spec() -> impl Strategy<Value = LineSpec> {
    (
        prop::sample::select(vec![1, 3, 4]),
        0..2usize,
        (prop::array::uniform6(prop::sample::select(vec![0, 0, 0, 1, 2, 5])), 0..40i32),
        prop::sample::select(vec![
            LineKind::Open,
            LineKind::Open,
            LineKind::Open,
            LineKind::Ended,
            LineKind::Future,
            LineKind::Seasonal,
            LineKind::Overflow,
        ]),
        prop::option::weighted(0.8, 0..=100u8),
    )
        .prop_map(|(h, c, (dedicated, other), kind, share)| {
            let mut sub = [0; 7];
            sub[..6].copy_from_slice(&dedicated);
            sub[6] = other;
            (h, c, sub, kind, share)
        })
}

fn coc_strategy() -> impl Strategy<Value = Coc> {
    let shelter = (
        0..PROJECT_TYPES.len(),
        prop::sample::select(vec![None, Some(1), Some(3), Some(4), Some(4)]),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        0..NAMES.len(),
        prop::collection::vec(line_spec(), 0..4),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
    );
    ((1..=2usize, 1..=5i32, 1..=20i32, 34..=100i32), (0..ZONES.len(), -3..=3i64), prop::collection::vec(shelter, 0..30))
        .prop_map(build)
}

/// The instant `minutes` from local midnight starting 2026-11-23 in `zone_name`.
fn around_midnight(zone_name: &str, minutes: i64) -> DateTime<Utc> {
    let tz = zone(zone_name);
    let midnight = NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("a date");
    tz.from_local_datetime(&midnight).earliest().expect("midnight exists").with_timezone(&Utc)
        + Duration::minutes(minutes)
}

type Params = ((usize, i32, i32, i32), (usize, i64), Vec<ShelterSpec>);

fn build(((codes, min_shelters, min_beds, max_share), (z, minutes), specs): Params) -> Coc {
    let created = Utc.with_ymd_and_hms(2023, 1, 2, 3, 4, 5).single().expect("a valid time");
    let exported_at = around_midnight(ZONES[z], minutes);
    let as_of = CocClock::new(zone(ZONES[z])).today(exported_at);
    let day = |offset: i64| as_of + Duration::days(offset);
    let tenant = tenant::Model {
        id: 1,
        name: "Generated CoC".into(),
        slug: "generated".into(),
        coc_codes: CODES[..codes].join(";"),
        dv_min_shelters: min_shelters,
        dv_min_beds: min_beds,
        time_zone: ZONES[z].into(),
        created_at: created,
        dv_epoch: 0,
        source_name: None,
        source_contact_first: Some("Pat".into()),
        source_contact_last: None,
        source_contact_phone: Some("5125550100".into()),
        source_contact_extension: None,
        source_contact_email: None,
        dv_max_share_percent: max_share,
        dv_geocode: Some(DV_GEOCODE.into()),
        dv_zip: Some(DV_ZIP.into()),
        dv_geography_type: Some(1),
        dv_aggregate_key: "0badc0de".into(),
        dv_aggregate_start: day(-400),
        data_version: 0,
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
    let mut coc = Coc {
        tenant,
        organizations,
        shelters: Vec::new(),
        lines: Vec::new(),
        funders: Vec::new(),
        participations: Vec::new(),
        ce: Vec::new(),
        snapshots: Vec::new(),
        exported_at,
    };
    for (i, (pt, target, vsp, closed, name, line_specs, changed, extra_funder)) in specs.into_iter().enumerate() {
        let id = i as i64 + 1;
        let is_dv = vsp || target == Some(1);
        let project_type = PROJECT_TYPES[pt];
        let (start, end) = (day(-400), closed.then(|| day(-30)));
        // DV shelters' identifying values come from ranges no other value uses, so a leak shows.
        let (prefix, digit) = if is_dv { ("DVSECRET", 9) } else { ("PRJ", 1) };
        coc.shelters.push(shelter::Model {
            id,
            public_id: if is_dv { format!("dvsecretpub{id:09}") } else { format!("projectpub{id:010}") },
            tenant_id: 1,
            organization_id: if vsp { 2 } else { 1 },
            hmis_project_id: format!("{prefix}-{id}"),
            name: if is_dv { format!("Hidden Refuge {id}") } else { NAMES[name].replace('#', &id.to_string()) },
            project_type,
            housing_type: Some(1),
            target_population: target,
            operating_start_date: start,
            operating_end_date: end,
            coc_code: CODES[0].into(),
            address1: Some(if is_dv { format!("{id} Concealed Lane") } else { format!("{id} Main St") }),
            city: Some(if is_dv { "Secretville".into() } else { "Austin".into() }),
            state: Some("TX".into()),
            zip: Some(format!("{digit}{id:04}")),
            geocode: Some(format!("{digit}{id:05}")),
            geography_type: Some(1),
            hmis_participation_type: if vsp { 2 } else { 1 },
            active: !closed,
            is_dv,
            counts_version: 0,
            created_at: created,
            updated_at: created,
        });
        let periods = if changed && !closed {
            vec![(0, start, Some(day(-51))), (if vsp { 2 } else { 1 }, day(-50), end)]
        } else {
            vec![(if vsp { 2 } else { 1 }, start, end)]
        };
        for (n, (participation_type, from, to)) in periods.into_iter().enumerate() {
            coc.participations.push(hmis_participation::Model {
                id: id * 10 + n as i64,
                public_id: if is_dv { format!("dvsecretpart{id:06}{n:02}") } else { format!("part{id:014}{n:02}") },
                tenant_id: 1,
                shelter_id: id,
                participation_type,
                start_date: from,
                end_date: to,
                created_at: created,
                updated_at: created,
            });
        }
        // Coordinated entry: an access point for some, a referral-only project for others.
        if id % 3 != 0 {
            let access_point = id % 3 == 1;
            let access = |on: bool| access_point.then_some(on);
            coc.ce.push(ce_participation::Model {
                id,
                public_id: if is_dv { format!("dvsecretce{id:010}") } else { format!("ce{id:018}") },
                tenant_id: 1,
                shelter_id: id,
                access_point,
                prevention_assessment: access(false),
                crisis_assessment: access(true),
                housing_assessment: access(id % 2 == 0),
                direct_services: access(false),
                receives_referrals: true,
                start_date: start,
                end_date: end,
                created_at: created,
                updated_at: created,
                deleted_at: None,
            });
        }
        // A funding source HDX accepts for the project type (flags 862-870).
        let code = match project_type {
            0 | 1 => 8,
            2 => 5,
            3 => 2,
            8 => 6,
            13 => 3,
            _ => 36,
        };
        let mut funders = vec![(code, None, start, None)];
        if extra_funder {
            funders.push((46, Some("City \"general\" fund".to_string()), start, Some(day(-200))));
        }
        for (n, (code, other, from, to)) in funders.into_iter().enumerate() {
            coc.funders.push(funder::Model {
                id: id * 10 + n as i64,
                public_id: if is_dv { format!("dvsecretfund{id:06}{n:02}") } else { format!("fund{id:014}{n:02}") },
                tenant_id: 1,
                shelter_id: id,
                funder: code,
                other_funder: other,
                grant_id: Some(format!("GRANT-{id}-{n}")),
                start_date: from,
                end_date: to,
                created_at: created,
                updated_at: created,
                deleted_at: None,
            });
        }
        let es = matches!(project_type, 0 | 1);
        let mut line_specs = line_specs;
        // An operating project has inventory in effect (the HIC requires it).
        if !closed
            && !line_specs.iter().any(|l| matches!(l.3, LineKind::Open | LineKind::Seasonal | LineKind::Overflow))
        {
            line_specs.push((1, 0, [0, 0, 0, 0, 0, 0, 5], LineKind::Open, None));
        }
        for (household_type, coc_index, mut sub, kind, share) in line_specs {
            let line_id = coc.lines.len() as i64 + 1;
            // What the forms refuse (HDX flags 792, 787, 793) never reaches an export: chronic
            // beds only in PSH, no veteran beds for children alone, no families in a safe haven.
            let household_type = if project_type == 8 && household_type == 3 { 1 } else { household_type };
            let refused: &[usize] = match (project_type == 3, household_type == 4) {
                (true, false) => &[],
                (true, true) => &[0, 1, 2],
                (false, false) => &[0, 3, 5],
                (false, true) => &[0, 1, 2, 3, 5],
            };
            for i in refused {
                sub[6] += std::mem::take(&mut sub[*i]);
            }
            let bed_inventory: i32 = sub.iter().sum();
            let (availability, mut from, mut to) = match kind {
                LineKind::Open => (1, day(-100), None),
                LineKind::Ended => (1, day(-100), Some(day(-1))),
                LineKind::Future => (1, day(3), None),
                LineKind::Seasonal if es => (2, day(-20), Some(day(60))),
                LineKind::Overflow if es => (3, day(-10), None),
                _ => (1, day(-100), None),
            };
            // A closed project's lines end with it.
            if let Some(end) = end {
                from = from.min(end);
                to = Some(to.map_or(end, |t| t.min(end)));
            }
            coc.lines.push(inventory::Model {
                id: line_id,
                public_id: if is_dv { format!("dvsecretline{line_id:08}") } else { format!("line{line_id:016}") },
                tenant_id: 1,
                shelter_id: id,
                coc_code: CODES[coc_index.min(codes - 1)].into(),
                household_type,
                availability: es.then_some(availability),
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
                inventory_start_date: from,
                inventory_end_date: to,
                created_at: created,
                updated_at: created,
            });
            if let Some(share) = share.filter(|_| Coc::in_effect(coc.lines.last().expect("just pushed"), as_of)) {
                coc.snapshots.push(bed_snapshot::Model {
                    id: line_id,
                    tenant_id: 1,
                    inventory_id: line_id,
                    beds_total: bed_inventory,
                    beds_occupied: bed_inventory * i32::from(share) / 100,
                    updated_by: Some(1),
                    api_token_id: None,
                    recorded_at: exported_at - Duration::minutes(line_id * 7),
                });
            }
        }
    }
    coc
}

fn run(coc: &Coc) -> ExportRun {
    ExportRun {
        export_id: "EXPORT-1".into(),
        implementation_id: "IMPLEMENTATION-1".into(),
        exported_at: coc.exported_at,
        software_version: "0.1.0".into(),
        clock: coc.clock(),
        params: ExportParams::on(coc.as_of()),
    }
}

fn export(coc: &Coc) -> HmisExport {
    let run = run(coc);
    transform(&ExportInput {
        tenant: &coc.tenant,
        organizations: &coc.organizations,
        projects: &coc.shelters,
        lines: &coc.lines,
        participations: &coc.participations,
        funders: &coc.funders,
        ce_participations: &coc.ce,
        latest: &coc.snapshots,
        run: &run,
    })
}

fn checked(bytes: &[u8]) -> Export {
    validate(bytes).unwrap_or_else(|errs| panic!("the zip breaks the spec:\n{}", errs.join("\n")))
}

fn zip_of(coc: &Coc) -> (HmisExport, Vec<u8>, Export) {
    let out = export(coc);
    let bytes = write_zip(&out, FileSet::Descriptors).expect("zip");
    let parsed = checked(&bytes);
    (out, bytes, parsed)
}

/// The DV cell of an aggregate Inventory row: (ProjectType, CoCCode, HouseholdType, Availability,
/// ESBedType).
type CellKey = (i32, String, i32, Option<i32>, Option<i32>);

fn cell_of_line(s: &shelter::Model, l: &inventory::Model) -> CellKey {
    let es = matches!(s.project_type, 0 | 1);
    (s.project_type, l.coc_code.clone(), l.household_type, l.availability.filter(|_| es), l.es_bed_type.filter(|_| es))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_export_passes_the_spec_validator_in_the_cocs_time(coc in coc_strategy()) {
        let (_, bytes, parsed) = zip_of(&coc);
        // The whole FY2026 set too.
        checked(&write_zip(&export(&coc), FileSet::Complete).expect("zip"));
        let e = &parsed.rows("Export.csv")[0];
        let local = coc.clock().local(coc.exported_at).format("%Y-%m-%d %H:%M:%S").to_string();
        prop_assert_eq!(Export::str(e, "ExportDate"), local.as_str());
        let as_of = coc.as_of().to_string();
        prop_assert_eq!(Export::str(e, "ExportStartDate"), as_of.as_str());
        prop_assert_eq!(Export::str(e, "ExportEndDate"), as_of.as_str());
        prop_assert_eq!(Export::int(e, "SourceType"), 2);
        prop_assert!(!bytes.is_empty());
        // Every project that started by the period's end is sent, closed ones too, with every line.
        let projects: BTreeSet<&str> = parsed.rows("Project.csv").iter().map(|p| Export::str(p, "ProjectID")).collect();
        let lines: BTreeSet<&str> = parsed.rows("Inventory.csv").iter().map(|l| Export::str(l, "InventoryID")).collect();
        for s in coc.shelters.iter().filter(|s| !s.is_dv) {
            prop_assert!(projects.contains(s.hmis_project_id.as_str()), "{} is missing", s.hmis_project_id);
        }
        for l in &coc.lines {
            let open = coc.shelters.iter().any(|s| s.id == l.shelter_id && !s.is_dv);
            prop_assert!(!open || lines.contains(l.public_id.as_str()), "line {} is missing", l.public_id);
        }
        // Coordinated entry periods of the open projects, none of the DV ones.
        let open_ce = coc.ce.iter().filter(|c| coc.shelters.iter().any(|s| s.id == c.shelter_id && !s.is_dv)).count();
        prop_assert_eq!(parsed.rows("CEParticipation.csv").len(), open_ce);
    }

    #[test]
    fn no_dv_shelter_is_identifiable_in_any_output(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let preview = serde_json::to_string(&out.rows).expect("json");
        let cells: BTreeSet<&str> = parsed.files.values().flatten().flat_map(|r| r.values()).filter_map(|v| v.as_deref()).collect();
        for s in coc.shelters.iter().filter(|s| s.is_dv) {
            for value in [&s.hmis_project_id, s.geocode.as_ref().unwrap(), s.zip.as_ref().unwrap()] {
                prop_assert!(!cells.contains(value.as_str()), "{value} is in the zip");
                prop_assert!(!preview.contains(&format!("\"{value}\"")), "{value} is in the preview");
            }
            // Nor any id of a DV shelter, its lines, funders or periods, public or internal.
            prop_assert!(!parsed.text.contains("dvsecret") && !preview.contains("dvsecret"), "a DV shelter's public id is out");
            prop_assert!(!parsed.text.contains(&format!("GRANT-{}-", s.id)), "a DV shelter's grant id is out");
            for text in [&s.name, s.address1.as_ref().unwrap(), s.city.as_ref().unwrap()] {
                prop_assert!(!parsed.text.contains(text.as_str()), "{text} is in the zip");
                prop_assert!(!preview.contains(text.as_str()), "{text} is in the preview");
            }
        }
        prop_assert!(!parsed.text.contains("Secret VSP Org") && !preview.contains("Secret VSP Org"));
        // The aggregate sits at the CoC's administrative location, whatever the shelters' were.
        for c in parsed.rows("ProjectCoC.csv").iter().filter(|c| is_reserved_id(Export::str(c, "ProjectID"))) {
            prop_assert_eq!(Export::str(c, "Geocode"), DV_GEOCODE);
            prop_assert_eq!(Export::str(c, "ZIP"), DV_ZIP);
            for col in ["Address1", "Address2", "City"] {
                prop_assert_eq!(Export::str(c, col), "");
            }
        }
        // Its ids are the CoC's: one project per project type.
        let dv_projects: Vec<&str> = parsed.rows("Project.csv").iter().map(|p| Export::str(p, "ProjectID")).filter(|p| is_reserved_id(p)).collect();
        let types: BTreeSet<i64> = parsed.rows("Project.csv").iter().filter(|p| is_reserved_id(Export::str(p, "ProjectID"))).map(|p| Export::int(p, "ProjectType")).collect();
        prop_assert_eq!(dv_projects.len(), types.len());
        prop_assert!(dv_projects.iter().all(|p| p.starts_with("HB-DV-0badc0de-P")));
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
                        Some(v) => prop_assert_eq!(v.replace('T', " "), sent_text.replace('T', " "), "{}.{}", file, column),
                    }
                }
            }
        }
        // The inventory contract: valid against its published schema, a record per Inventory.csv
        // row, the same beds.
        let doc = app::hmis::json::inventory_v1(&out, &run(&coc));
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/inventory-v1.schema.json")).expect("the schema is JSON");
        let errors = crate::common::json_schema::violations(&schema, &serde_json::to_value(&doc).expect("json"));
        prop_assert!(errors.is_empty(), "{:?}", errors);
        // Deletions (void lines) are not in the contract yet.
        let live: Vec<_> = parsed.rows("Inventory.csv").iter().filter(|r| Export::str(r, "DateDeleted").is_empty()).collect();
        prop_assert_eq!(doc.records.len(), live.len());
        let csv_beds: i64 = live.iter().map(|r| Export::int(r, "BedInventory")).sum();
        prop_assert_eq!(doc.records.iter().map(|r| r.bed_inventory).sum::<i64>(), csv_beds);
        for r in &doc.records {
            prop_assert_eq!(r.dv_aggregate, is_reserved_id(&r.project_id));
            prop_assert!(!r.dv_aggregate || r.hmis_bridge.is_none(), "the DV aggregate's occupancy is never sent");
            if let Some(o) = &r.hmis_bridge {
                prop_assert!(o.beds_occupied + o.beds_available <= o.beds_reported.max(o.beds_occupied));
            }
        }
        let text = serde_json::to_string(&doc).expect("json") + &hud.to_string();
        for s in coc.shelters.iter().filter(|s| s.is_dv) {
            prop_assert!(!text.contains(&format!("\"{}\"", s.hmis_project_id)), "a DV ProjectID is in the JSON");
            prop_assert!(!text.contains(s.name.as_str()), "a DV name is in the JSON");
        }
        prop_assert!(!text.contains("dvsecret") && !text.contains("Secret VSP Org"));
    }

    #[test]
    fn the_beds_in_effect_are_sent_or_suppressed(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let as_of = coc.as_of();
        // Open projects as of the night; the DV aggregate as of its period's first night.
        let open_beds: i64 = coc.lines_on(as_of).iter().filter(|(s, _)| !s.is_dv).map(|(_, l)| i64::from(l.bed_inventory)).sum();
        let input_dv: i64 = coc.lines_on(Coc::dv_sample_day(as_of)).iter().filter(|(s, _)| s.is_dv).map(|(_, l)| i64::from(l.bed_inventory)).sum();
        let input = open_beds + input_dv;
        let row_beds = |dv: bool| -> i64 {
            out.rows.iter().filter(|r| r.dv_aggregate == dv).filter_map(|r| r.beds(None)).map(|b| b.beds_total).sum()
        };
        prop_assert_eq!(row_beds(false) + row_beds(true) + out.dv.beds_suppressed, input);
        prop_assert_eq!(out.dv.beds_total, input_dv);
        prop_assert_eq!(out.dv.beds_sent, row_beds(true));
        prop_assert_eq!(out.dv.suppressed.iter().map(|s| s.beds).sum::<i64>(), out.dv.beds_suppressed);
        // The CSV's lines HUD counts on the as-of date carry the same beds.
        let day = as_of.to_string();
        let operating: BTreeSet<&str> = parsed
            .rows("Project.csv")
            .iter()
            .filter(|p| Export::str(p, "OperatingStartDate") <= day.as_str())
            .filter(|p| Export::str(p, "OperatingEndDate").is_empty() || Export::str(p, "OperatingEndDate") > day.as_str())
            .map(|p| Export::str(p, "ProjectID"))
            .collect();
        let in_effect = |r: &&crate::common::hmis_spec::Row| {
            let (start, end) = (Export::str(r, "InventoryStartDate"), Export::str(r, "InventoryEndDate"));
            Export::str(r, "DateDeleted").is_empty()
                && operating.contains(Export::str(r, "ProjectID"))
                && start <= day.as_str()
                && (end.is_empty() || (end >= day.as_str() && end > start))
        };
        let csv_beds: i64 = parsed.rows("Inventory.csv").iter().filter(in_effect).map(|r| Export::int(r, "BedInventory")).sum();
        prop_assert_eq!(csv_beds, row_beds(false) + row_beds(true));
    }

    #[test]
    fn no_dv_cell_below_the_thresholds_or_dominated_is_sent(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let t = &coc.tenant;
        let (min_shelters, min_beds) = (t.dv_min_shelters as usize, i64::from(t.dv_min_beds));
        // Worked out here from the input, not taken from the transform's own summary.
        let dv_lines: Vec<(&shelter::Model, &inventory::Model)> = coc
            .lines
            .iter()
            .filter_map(|l| coc.shelters.iter().find(|s| s.id == l.shelter_id && s.is_dv).map(|s| (s, l)))
            .collect();
        let sampled = Coc::dv_sample_day(coc.as_of());
        let group: BTreeSet<i64> = coc.lines_on(sampled).iter().filter(|(s, l)| s.is_dv && l.bed_inventory > 0).map(|(s, _)| s.id).collect();
        let group_beds: i64 = coc.lines_on(sampled).iter().filter(|(s, _)| s.is_dv).map(|(_, l)| i64::from(l.bed_inventory)).sum();
        let projects: BTreeMap<&str, i64> = parsed.rows("Project.csv").iter().map(|p| (Export::str(p, "ProjectID"), Export::int(p, "ProjectType"))).collect();
        let dv_rows: Vec<_> = parsed.rows("Inventory.csv").iter().filter(|r| is_reserved_id(Export::str(r, "ProjectID"))).collect();
        if group.len() < min_shelters || group_beds < min_beds {
            let day = coc.as_of().to_string();
            let counted = dv_rows.iter().filter(|r| Export::str(r, "InventoryStartDate") <= day.as_str() && (Export::str(r, "InventoryEndDate").is_empty() || Export::str(r, "InventoryEndDate") >= day.as_str()));
            prop_assert_eq!(counted.count(), 0, "the DV group misses a threshold, yet DV rows count tonight");
            prop_assert!(out.rows.iter().filter(|r| r.dv_aggregate).all(|r| r.beds(None).is_none_or(|b| b.beds_total == 0)));
        }
        for row in &dv_rows {
            let opt = |col: &str| Some(Export::int(row, col) as i32).filter(|_| !Export::str(row, col).is_empty());
            let key: CellKey = (
                projects[Export::str(row, "ProjectID")] as i32,
                Export::str(row, "CoCCode").to_string(),
                Export::int(row, "HouseholdType") as i32,
                opt("Availability"),
                opt("ESBedType"),
            );
            // The aggregate's dates are period boundaries, never a shelter's; its beds are those
            // in effect on its first night.
            let start: NaiveDate = Export::str(row, "InventoryStartDate").parse().expect("a date");
            prop_assert_eq!(app::hmis::periods::period_start(start), start);
            if let Ok(end) = Export::str(row, "InventoryEndDate").parse::<NaiveDate>() {
                let next = end + Duration::days(1);
                prop_assert_eq!(app::hmis::periods::period_start(next), next, "{} ends inside a period", end);
            }
            let as_of = app::hmis::periods::sample_night(start);
            let mut by_shelter: BTreeMap<i64, i64> = BTreeMap::new();
            let mut dedicated: [BTreeSet<i64>; 6] = Default::default();
            for (s, l) in dv_lines.iter().filter(|(s, l)| {
                cell_of_line(s, l) == key && Coc::in_effect(l, as_of) && s.operating_end_date.is_none_or(|e| e > as_of)
            }) {
                *by_shelter.entry(s.id).or_default() += i64::from(l.bed_inventory);
                let counts = [l.ch_vet_bed_inventory, l.youth_vet_bed_inventory, l.vet_bed_inventory, l.ch_youth_bed_inventory, l.youth_bed_inventory, l.ch_bed_inventory];
                for (holders, n) in dedicated.iter_mut().zip(counts) {
                    if n > 0 {
                        holders.insert(s.id);
                    }
                }
            }
            by_shelter.retain(|_, beds| *beds > 0);
            let beds: i64 = by_shelter.values().sum();
            prop_assert_eq!(Export::int(row, "BedInventory"), beds, "{:?} on {}", key, as_of);
            // A dedicated count fewer shelters than the threshold hold is not sent on its own.
            let columns = ["CHVetBedInventory", "YouthVetBedInventory", "VetBedInventory", "CHYouthBedInventory", "YouthBedInventory", "CHBedInventory"];
            for (column, holders) in columns.iter().zip(&dedicated) {
                prop_assert!(Export::int(row, column) == 0 || holders.len() >= min_shelters, "{column} of {key:?} comes from {} shelters", holders.len());
            }
            prop_assert!(by_shelter.len() >= min_shelters, "{key:?}: {} shelters", by_shelter.len());
            prop_assert!(beds >= min_beds, "{key:?}: {beds} beds");
            let largest = by_shelter.values().copied().max().unwrap_or(0);
            prop_assert!(largest * 100 <= beds * i64::from(t.dv_max_share_percent), "{key:?}: one shelter has {largest} of {beds}");
        }
        for s in &out.dv.suppressed {
            let holds = match &s.reason {
                Suppression::GroupTooFewShelters | Suppression::CellTooFewShelters(_) => (s.shelters as usize) < min_shelters,
                Suppression::GroupTooFewBeds | Suppression::CellTooFewBeds(_) => s.beds < min_beds,
                Suppression::CellDominated(_) => s.shelters as usize >= min_shelters && s.beds >= min_beds,
            };
            prop_assert!(holds, "{s:?} names a reason that does not hold");
        }
    }

    #[test]
    fn a_vendor_taking_nothing_dv_gets_the_rest_unchanged(coc in coc_strategy()) {
        let (out, _, parsed) = zip_of(&coc);
        let plain = checked(&write_zip(&out.without_dv(), FileSet::Descriptors).expect("zip"));
        for (file, rows) in &parsed.files {
            let kept: Vec<_> = rows.iter().filter(|r| !r.values().flatten().any(|v| is_reserved_id(v))).collect();
            let sent: Vec<_> = plain.rows(file).iter().collect();
            prop_assert_eq!(kept, sent, "{}", file);
        }
        prop_assert!(!plain.text.contains("HB-DV-"));
    }

    #[test]
    fn the_same_input_gives_the_same_bytes_in_any_order(coc in coc_strategy(), rotate in 0..7usize) {
        let (_, bytes, _) = zip_of(&coc);
        let mut shuffled = coc.clone();
        shuffled.shelters.reverse();
        shuffled.lines.reverse();
        shuffled.funders.reverse();
        shuffled.participations.reverse();
        shuffled.ce.reverse();
        let n = shuffled.snapshots.len().max(1);
        shuffled.snapshots.rotate_left(rotate % n);
        shuffled.organizations.reverse();
        prop_assert_eq!(&write_zip(&export(&coc), FileSet::Descriptors).expect("zip"), &bytes);
        prop_assert!(write_zip(&export(&shuffled), FileSet::Descriptors).expect("zip") == bytes, "input order changed the bytes");
    }
}

/// One small valid CoC: one open emergency shelter with one line.
fn one_shelter() -> Coc {
    let spec: ShelterSpec =
        (1, Some(4), false, false, 0, vec![(1, 0, [0, 0, 0, 0, 0, 0, 10], LineKind::Open, Some(50))], false, false);
    build(((1, 1, 1, 60), (0, 0), vec![spec]))
}

#[test]
fn the_validator_rejects_what_the_spec_forbids() {
    // The validator itself must be able to fail: break a good zip in each way the spec forbids.
    let coc = one_shelter();
    let mut out = export(&coc);
    checked(&write_zip(&out, FileSet::Descriptors).expect("zip"));
    let day = |s: &str| s.parse::<NaiveDate>().expect("a date");
    type Break = Box<dyn Fn(&mut HmisExport)>;
    let cases: Vec<(&str, Break)> = vec![
        ("BedInventory", Box::new(|x| x.inventories[0].bed_inventory += 1)),
        ("ProjectID", Box::new(|x| x.inventories[0].project_id = "NOPE".into())),
        ("ProjectCoC.csv row for", Box::new(|x| x.inventories[0].coc_code = "TX-999".into())),
        ("OrganizationID not in", Box::new(|x| x.projects[0].organization_id = "NOPE".into())),
        ("UserID", Box::new(|x| x.users[0].user_id = "SOMEONE-ELSE".into())),
        ("HouseholdType", Box::new(|x| x.inventories[0].household_type = 2)),
        ("Availability", Box::new(|x| x.projects[0].project_type = 2)),
        ("Availability", Box::new(|x| x.inventories[0].availability = None)),
        ("RRHSubType", Box::new(|x| x.projects[0].project_type = 13)),
        ("SourceName", Box::new(|x| x.export.source_name = None)),
        ("HousingType", Box::new(|x| x.projects[0].housing_type = None)),
        ("Geocode", Box::new(|x| x.project_cocs[0].geocode = None)),
        ("Funder", Box::new(|x| x.funders.clear())),
        ("OtherFunder", Box::new(|x| x.funders[0].funder = 46)),
        ("OperatingStartDate", Box::new(move |x| x.inventories[0].inventory_start_date = day("2020-01-01"))),
        ("ExportStartDate", Box::new(move |x| x.export.export_start_date = day("2030-01-01"))),
    ];
    for (expect, change) in cases {
        let mut broken = out.clone();
        change(&mut broken);
        let errs = validate(&write_zip(&broken, FileSet::Descriptors).expect("zip")).expect_err(expect);
        assert!(errs.iter().any(|e| e.contains(expect)), "{expect}: {errs:?}");
    }
    // A closed project needs neither a funder nor inventory in the period.
    let end = Some(out.inventories[0].inventory_start_date + Duration::days(10));
    out.projects[0].operating_end_date = end;
    out.inventories[0].inventory_end_date = end;
    out.participations[0].end_date = end;
    out.funders.clear();
    checked(&write_zip(&out, FileSet::Descriptors).expect("zip"));
    for bad in [&b"not a zip"[..], &[]] {
        assert!(validate(bad).is_err());
    }
}

#[test]
fn the_export_date_is_the_cocs_around_midnight() {
    for (minutes, local_day) in [(-1, "2026-11-22"), (0, "2026-11-23"), (1, "2026-11-23")] {
        let mut coc = one_shelter();
        coc.exported_at = around_midnight("America/Chicago", minutes);
        let parsed = checked(&write_zip(&export(&coc), FileSet::Descriptors).expect("zip"));
        let e = &parsed.rows("Export.csv")[0];
        assert_eq!(Export::str(e, "ExportStartDate"), local_day, "{minutes} minutes from midnight");
        assert!(Export::str(e, "ExportDate").starts_with(local_day));
        // 06:00 UTC is midnight in Chicago in November.
        assert_eq!(
            coc.exported_at.format("%H:%M").to_string(),
            format!(
                "{}",
                if minutes < 0 {
                    "05:59"
                } else if minutes == 0 {
                    "06:00"
                } else {
                    "06:01"
                }
            )
        );
    }
}

#[test]
fn a_shelter_that_joins_moves_the_aggregate_only_at_the_next_period() {
    // Three DV emergency shelters, 10 beds each for households without children.
    let dv = |beds| {
        (1, Some(1), false, false, 0, vec![(1, 0, [0, 0, 0, 0, 0, 0, beds], LineKind::Open, None)], false, false)
    };
    let coc = build(((1, 3, 5, 60), (0, 0), vec![dv(10), dv(10), dv(10)]));
    // (InventoryID, start, end, beds, DateUpdated) of each record.
    let records = |coc: &Coc| -> Vec<(String, String, String, i64, String)> {
        let parsed = checked(&write_zip(&export(coc), FileSet::Descriptors).expect("zip"));
        let cell = |r: &crate::common::hmis_spec::Row, col: &str| Export::str(r, col).to_string();
        parsed
            .rows("Inventory.csv")
            .iter()
            .map(|r| {
                let beds = Export::int(r, "BedInventory");
                (
                    cell(r, "InventoryID"),
                    cell(r, "InventoryStartDate"),
                    cell(r, "InventoryEndDate"),
                    beds,
                    cell(r, "DateUpdated"),
                )
            })
            .collect()
    };
    let before = records(&coc);
    assert_eq!(coc.as_of(), NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date"));
    // The lines started on 2026-08-15: the first period that counts them starts on 2026-09-01.
    assert_eq!(
        before.iter().map(|r| (r.1.as_str(), r.2.as_str(), r.3, r.4.as_str())).collect::<Vec<_>>(),
        [("2026-09-01", "", 30, "2026-09-01 00:00:00")]
    );
    // A fourth shelter opens today with 6 beds: today's exports are as they were, to the byte.
    let mut joined = build(((1, 3, 5, 60), (0, 0), vec![dv(10), dv(10), dv(10), dv(6)]));
    joined.lines.last_mut().expect("a line").inventory_start_date = joined.as_of();
    assert_eq!(records(&joined), before);
    // An export in December: November's record ends with November, dated at the boundary, and
    // December's carries the four shelters.
    joined.exported_at += Duration::days(12);
    let after = records(&joined);
    assert_eq!(
        after.iter().map(|r| (r.1.as_str(), r.2.as_str(), r.3, r.4.as_str())).collect::<Vec<_>>(),
        [("2026-09-01", "2026-11-30", 30, "2026-12-01 00:00:00"), ("2026-12-01", "", 36, "2026-12-01 00:00:00")]
    );
    assert_eq!(after[0].0, before[0].0, "the ended record keeps its id");
}
