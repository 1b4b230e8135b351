//! What an HMIS does with two successive exports (docs/hmis-export.md, "Importing"): one before and
//! one after a capacity change and a project's closing, each applied to an in-test store as a
//! replacing importer does (every inventory record of a project in the upload replaces that
//! project's records: GreenRiver's full refresh) and as an upserting one does (records matched by
//! InventoryID, nothing removed: Clarity's import). Either way the beds in effect on every date
//! equal what the coordinators recorded for that date.
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::common::hmis_spec::{Export, validate};
use app::entities::{funder, hmis_participation, inventory, organization, shelter, tenant};
use app::hmis::ExportParams;
use app::hmis::csv::{FileSet, write_zip};
use app::hmis::records::ExportRun;
use app::hmis::transform::{ExportInput, transform};
use app::ssr::clock::{CocClock, zone};

/// An HMIS's inventory: InventoryID -> (ProjectID, beds, start, end).
type Store = BTreeMap<String, (String, i64, NaiveDate, Option<NaiveDate>)>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Semantics {
    Replace,
    Upsert,
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// Apply one export's Inventory.csv to `store`.
fn import(store: &mut Store, zip: &Export, semantics: Semantics) {
    let rows = zip.rows("Inventory.csv");
    if semantics == Semantics::Replace {
        let projects: Vec<&str> = zip.rows("Project.csv").iter().map(|p| Export::str(p, "ProjectID")).collect();
        store.retain(|_, (project, ..)| !projects.contains(&project.as_str()));
    }
    for r in rows {
        let end = Export::str(r, "InventoryEndDate");
        store.insert(
            Export::str(r, "InventoryID").to_string(),
            (
                Export::str(r, "ProjectID").to_string(),
                Export::int(r, "BedInventory"),
                d(Export::str(r, "InventoryStartDate")),
                (!end.is_empty()).then(|| d(end)),
            ),
        );
    }
}

fn beds_on(store: &Store, day: NaiveDate) -> i64 {
    store.values().filter(|(_, _, start, end)| *start <= day && end.is_none_or(|e| e >= day)).map(|v| v.1).sum()
}

/// The CoC as the database holds it: two shelters with one line each.
struct State {
    tenant: tenant::Model,
    organizations: Vec<organization::Model>,
    shelters: Vec<shelter::Model>,
    lines: Vec<inventory::Model>,
    funders: Vec<funder::Model>,
    participations: Vec<hmis_participation::Model>,
}

fn line(id: i64, shelter_id: i64, beds: i32, start: NaiveDate, end: Option<NaiveDate>) -> inventory::Model {
    let created = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).single().expect("a time");
    inventory::Model {
        id,
        public_id: format!("{id:020}"),
        tenant_id: 1,
        shelter_id,
        coc_code: "TX-503".into(),
        household_type: 1,
        availability: Some(1),
        es_bed_type: Some(1),
        unit_inventory: beds,
        bed_inventory: beds,
        ch_vet_bed_inventory: 0,
        youth_vet_bed_inventory: 0,
        vet_bed_inventory: 0,
        ch_youth_bed_inventory: 0,
        youth_bed_inventory: 0,
        ch_bed_inventory: 0,
        other_bed_inventory: beds,
        inventory_start_date: start,
        inventory_end_date: end,
        created_at: created,
        updated_at: created,
    }
}

fn before(start: NaiveDate) -> State {
    let created = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).single().expect("a time");
    let tenant = tenant::Model {
        id: 1,
        name: "Import CoC".into(),
        slug: "import".into(),
        coc_codes: "TX-503".into(),
        dv_min_shelters: 3,
        dv_min_beds: 5,
        time_zone: "America/Chicago".into(),
        created_at: created,
        dv_epoch: 0,
        source_name: None,
        source_contact_first: None,
        source_contact_last: None,
        source_contact_phone: None,
        source_contact_extension: None,
        source_contact_email: None,
        dv_max_share_percent: 60,
        dv_geocode: Some("480000".into()),
        dv_zip: Some("78700".into()),
        dv_geography_type: Some(1),
        dv_aggregate_key: "0badc0de".into(),
        dv_aggregate_start: start,
        data_version: 0,
    };
    let shelter = |id: i64| shelter::Model {
        id,
        public_id: format!("{id:020}"),
        tenant_id: 1,
        organization_id: 1,
        hmis_project_id: format!("P-{id}"),
        name: format!("Shelter {id}"),
        project_type: 1,
        housing_type: Some(1),
        target_population: Some(4),
        operating_start_date: start,
        operating_end_date: None,
        coc_code: "TX-503".into(),
        address1: None,
        city: None,
        state: None,
        zip: Some("78701".into()),
        geocode: Some("489453".into()),
        geography_type: Some(1),
        hmis_participation_type: 1,
        active: true,
        is_dv: false,
        counts_version: 0,
        created_at: created,
        updated_at: created,
    };
    State {
        tenant,
        organizations: vec![organization::Model {
            id: 1,
            public_id: format!("{:020}", 1),
            tenant_id: 1,
            hmis_organization_id: "ORG-1".into(),
            name: "Network".into(),
            victim_service_provider: false,
            created_at: created,
            updated_at: created,
        }],
        shelters: vec![shelter(1), shelter(2)],
        lines: vec![line(1, 1, 40, start, None), line(2, 2, 20, start, None)],
        funders: [1, 2]
            .map(|id| funder::Model {
                id,
                public_id: format!("f{id:019}"),
                tenant_id: 1,
                shelter_id: id,
                funder: 8,
                other_funder: None,
                grant_id: None,
                start_date: start,
                end_date: None,
                created_at: created,
                updated_at: created,
            })
            .into(),
        participations: [1, 2]
            .map(|id| hmis_participation::Model {
                id,
                public_id: format!("h{id:019}"),
                tenant_id: 1,
                shelter_id: id,
                participation_type: 1,
                start_date: start,
                end_date: None,
                created_at: created,
                updated_at: created,
            })
            .into(),
    }
}

fn export(state: &State, day: NaiveDate) -> Export {
    let clock = CocClock::new(zone("America/Chicago"));
    // Noon in Chicago on `day`.
    let at = zone("America/Chicago")
        .from_local_datetime(&day.and_hms_opt(12, 0, 0).expect("noon"))
        .earliest()
        .expect("a local time")
        .with_timezone(&Utc);
    let run = ExportRun {
        export_id: format!("EXPORT-{day}"),
        implementation_id: "IMPLEMENTATION-1".into(),
        exported_at: at,
        software_version: "0.1.0".into(),
        clock,
        params: ExportParams::on(day),
    };
    let out = transform(&ExportInput {
        tenant: &state.tenant,
        organizations: &state.organizations,
        projects: &state.shelters,
        lines: &state.lines,
        participations: &state.participations,
        funders: &state.funders,
        ce_participations: &[],
        latest: &[],
        run: &run,
    });
    validate(&write_zip(&out, FileSet::Descriptors).expect("zip")).unwrap_or_else(|errs| panic!("{}", errs.join("\n")))
}

#[test]
fn two_exports_leave_every_dates_beds_as_recorded_whatever_the_import_does() {
    let start = d("2026-01-01");
    let change = d("2026-03-10");
    let mut state = before(start);
    let first = export(&state, d("2026-03-01"));

    // On 2026-03-10 a coordinator sets shelter 1 to 45 beds: its line ends the day before and a
    // new one starts (`inventory::versioning`). Shelter 2 stopped operating on 2026-03-09: the
    // admin entered its end date, which ends its line and participation.
    state.lines[0].inventory_end_date = Some(change - Duration::days(1));
    state.lines.push(line(3, 1, 45, change, None));
    state.shelters[1].operating_end_date = Some(change - Duration::days(1));
    state.shelters[1].active = false;
    state.lines[1].inventory_end_date = Some(change - Duration::days(1));
    state.participations[1].end_date = Some(change - Duration::days(1));
    let second = export(&state, change);
    // The closed project is still in the export, with its end.
    let closed = second.rows("Project.csv").iter().find(|p| Export::str(p, "ProjectID") == "P-2").cloned();
    assert_eq!(closed.map(|p| Export::str(&p, "OperatingEndDate").to_string()), Some("2026-03-09".into()));

    // What the coordinators recorded, per date.
    let recorded = |day: NaiveDate| -> i64 {
        state
            .lines
            .iter()
            .filter(|l| l.inventory_start_date <= day && l.inventory_end_date.is_none_or(|e| e >= day))
            .map(|l| i64::from(l.bed_inventory))
            .sum()
    };
    for semantics in [Semantics::Replace, Semantics::Upsert] {
        let mut store = Store::new();
        import(&mut store, &first, semantics);
        import(&mut store, &second, semantics);
        let mut day = start - Duration::days(3);
        while day <= change + Duration::days(30) {
            assert_eq!(beds_on(&store, day), recorded(day), "{semantics:?} on {day}");
            day += Duration::days(1);
        }
    }
    assert_eq!((recorded(change - Duration::days(1)), recorded(change)), (60, 45));
}
