//! What an HMIS does with the exports it receives over days (docs/hmis-export.md, "History" and
//! "Nights and end dates"). Each export is applied, in order, to three kinds of receiver:
//! **replace** (every inventory record of a project in the upload replaces that project's records:
//! GreenRiver's full refresh), **upsert** (records matched by InventoryID, nothing removed unless
//! sent with DateDeleted: Clarity's import) and **newer** (a record replaces the stored one only
//! when its DateUpdated is newer: Clarity's data import tool). Beds on a night are counted as
//! HUD's LSA counts them for the HIC. For every night, each receiver must count the beds the tab
//! showed as of that night, whatever edits and exports followed.
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use crate::common::hmis_spec::{Export, validate_but};
use app::entities::{funder, hmis_participation, inventory, organization, shelter, tenant};
use app::hmis::csv::{FileSet, write_zip};
use app::hmis::records::ExportRun;
use app::hmis::transform::{ExportInput, transform};
use app::hmis::{ExportParams, line_counts_on, operates_on};
use app::inventory::versioning::set_total;
use app::ssr::clock::{CocClock, zone};

const ZONE: &str = "America/Chicago";

/// An inventory record as a receiver keeps it.
#[derive(Debug, Clone)]
struct Held {
    project: String,
    beds: i64,
    units: i64,
    start: NaiveDate,
    end: Option<NaiveDate>,
    updated: String,
}

/// A receiver's store: inventory by InventoryID, projects' operating dates by ProjectID.
#[derive(Debug, Default)]
struct Store {
    inventory: BTreeMap<String, Held>,
    projects: BTreeMap<String, (NaiveDate, Option<NaiveDate>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Semantics {
    Replace,
    Upsert,
    Newer,
}

const RECEIVERS: [Semantics; 3] = [Semantics::Replace, Semantics::Upsert, Semantics::Newer];

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn opt_date(s: &str) -> Option<NaiveDate> {
    (!s.is_empty()).then(|| d(s))
}

/// Apply one export to `store`.
fn import(store: &mut Store, zip: &Export, semantics: Semantics) {
    for p in zip.rows("Project.csv") {
        store.projects.insert(
            Export::str(p, "ProjectID").to_string(),
            (d(Export::str(p, "OperatingStartDate")), opt_date(Export::str(p, "OperatingEndDate"))),
        );
    }
    if semantics == Semantics::Replace {
        let projects: Vec<&str> = zip.rows("Project.csv").iter().map(|p| Export::str(p, "ProjectID")).collect();
        store.inventory.retain(|_, held| !projects.contains(&held.project.as_str()));
    }
    for r in zip.rows("Inventory.csv") {
        let id = Export::str(r, "InventoryID").to_string();
        let updated = Export::str(r, "DateUpdated").to_string();
        if semantics == Semantics::Newer && store.inventory.get(&id).is_some_and(|held| held.updated >= updated) {
            continue;
        }
        if !Export::str(r, "DateDeleted").is_empty() {
            store.inventory.remove(&id);
            continue;
        }
        store.inventory.insert(
            id,
            Held {
                project: Export::str(r, "ProjectID").to_string(),
                beds: Export::int(r, "BedInventory"),
                units: Export::int(r, "UnitInventory"),
                start: d(Export::str(r, "InventoryStartDate")),
                end: opt_date(Export::str(r, "InventoryEndDate")),
                updated,
            },
        );
    }
}

/// The beds HUD's LSA counts on `day` from what `store` holds.
fn beds_on(store: &Store, day: NaiveDate) -> i64 {
    store
        .inventory
        .values()
        .filter(|h| store.projects.get(&h.project).is_some_and(|(start, end)| operates_on(*start, *end, day)))
        .filter(|h| line_counts_on(h.start, h.end, day))
        .map(|h| h.beds)
        .sum()
}

/// The CoC as the database holds it: two shelters with one line each.
#[derive(Debug, Clone)]
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
                deleted_at: None,
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

/// An instant at `hh:mm` on `day` in the CoC's zone.
fn local(day: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
    zone(ZONE)
        .from_local_datetime(&day.and_hms_opt(hh, mm, 0).expect("a time"))
        .earliest()
        .expect("a local time")
        .with_timezone(&Utc)
}

/// The export as of `as_of`, made at `made`, checked by the spec's validator; and the beds the
/// tab shows as of that night.
fn export(state: &State, as_of: NaiveDate, made: DateTime<Utc>) -> (Export, i64) {
    let run = ExportRun {
        export_id: format!("EXPORT-{}", made.timestamp()),
        implementation_id: "IMPLEMENTATION-1".into(),
        exported_at: made,
        software_version: "0.1.0".into(),
        clock: CocClock::new(zone(ZONE)),
        params: ExportParams::on(as_of),
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
    let tab: i64 = out.rows.iter().flat_map(|r| &r.households).map(|h| h.beds_total).sum();
    // A project whose every line a coordinator set to 0 has no inventory in effect: the tab
    // warns about it (HDX would flag it), and it is no export error.
    let allowed = |e: &str| e.contains(": no Inventory.csv row in effect between");
    let zip = validate_but(&write_zip(&out, FileSet::Descriptors).expect("zip"), allowed)
        .unwrap_or_else(|errs| panic!("{}\n{state:#?}", errs.join("\n")));
    (zip, tab)
}

/// When an export was made, and its DV aggregate's Inventory rows (id, beds, dates, DateUpdated).
type DvRows = (DateTime<Utc>, Vec<String>);

/// A CoC over days: what coordinators and admins do, what the tab shows each night, and what
/// three receivers hold after every export.
struct Timeline {
    state: State,
    /// The beds the tab showed as of each night, at that night's end.
    shown: BTreeMap<NaiveDate, i64>,
    receivers: [Store; 3],
    /// The DV aggregate's Inventory rows of each export, by the DV period it published.
    dv_rows: BTreeMap<NaiveDate, Vec<DvRows>>,
}

impl Timeline {
    fn new(start: NaiveDate) -> Timeline {
        Timeline {
            state: before(start),
            shown: BTreeMap::new(),
            receivers: Default::default(),
            dv_rows: BTreeMap::new(),
        }
    }

    fn today(now: DateTime<Utc>) -> NaiveDate {
        CocClock::new(zone(ZONE)).today(now)
    }

    /// The lines of shelter `shelter` that count tonight, in a stable order.
    fn counting(&self, shelter: i64, today: NaiveDate) -> Vec<inventory::Model> {
        let mut lines: Vec<_> = self
            .state
            .lines
            .iter()
            .filter(|l| l.shelter_id == shelter && line_counts_on(l.inventory_start_date, l.inventory_end_date, today))
            .cloned()
            .collect();
        lines.sort_by_key(|l| (l.availability, l.id));
        lines
    }

    fn open(&self, shelter: i64) -> bool {
        self.state.shelters.iter().any(|s| s.id == shelter && s.active)
    }

    /// A coordinator sets the beds total of the `which`-th line counting tonight, as the form
    /// (and a feed) do: `versioning::plan`, applied.
    fn total(&mut self, shelter: i64, which: usize, total: i32, now: DateTime<Utc>) {
        let today = Self::today(now);
        let lines = self.counting(shelter, today);
        if !self.open(shelter) || lines.is_empty() {
            return;
        }
        let line = &lines[which % lines.len()];
        let total = total.max(line.bed_inventory - line.other_bed_inventory);
        set_total(&mut self.state.lines, line.id, total, today, now);
    }

    /// The admin opens an overflow line from tonight, when none is open.
    fn overflow(&mut self, shelter: i64, beds: i32, now: DateTime<Utc>) {
        let today = Self::today(now);
        let open = self.state.lines.iter().any(|l| {
            l.shelter_id == shelter
                && l.availability == Some(3)
                && !app::hmis::is_void(l.inventory_start_date, l.inventory_end_date)
                && l.inventory_end_date.is_none_or(|e| e >= today)
        });
        if !self.open(shelter) || open {
            return;
        }
        let id = self.state.lines.iter().map(|l| l.id).max().unwrap_or(0) + 1;
        let mut overflow = line(id, shelter, beds, today, None);
        overflow.availability = Some(3);
        (overflow.created_at, overflow.updated_at) = (now, now);
        self.state.lines.push(overflow);
    }

    /// The admin closes the project today (as `shelters::editor` does: its lines and its
    /// participation end that day).
    fn close(&mut self, shelter: i64, now: DateTime<Utc>) {
        let today = Self::today(now);
        let Some(s) = self.state.shelters.iter_mut().find(|s| s.id == shelter && s.active) else { return };
        if s.operating_start_date >= today {
            return;
        }
        (s.active, s.operating_end_date, s.updated_at) = (false, Some(today), now);
        for l in self.state.lines.iter_mut().filter(|l| l.shelter_id == shelter) {
            if app::hmis::is_void(l.inventory_start_date, l.inventory_end_date) {
                continue;
            }
            if l.inventory_start_date > today {
                (l.inventory_end_date, l.updated_at) = (Some(l.inventory_start_date), now);
            } else if l.inventory_end_date.is_none_or(|e| e > today) {
                (l.inventory_end_date, l.updated_at) = (Some(today), now);
            }
        }
        for p in self.state.participations.iter_mut().filter(|p| p.shelter_id == shelter) {
            if p.end_date.is_none_or(|e| e > today) {
                (p.end_date, p.updated_at) = (Some(today), now);
            }
        }
    }

    /// An export as of `as_of` made at `made`, sent to every receiver. An export of a past night
    /// shows the beds the tab showed that night.
    fn publish(&mut self, as_of: NaiveDate, made: DateTime<Utc>) -> i64 {
        let (zip, tab) = export(&self.state, as_of, made);
        for (store, semantics) in self.receivers.iter_mut().zip(RECEIVERS) {
            import(store, &zip, semantics);
        }
        let dv: Vec<String> = zip
            .rows("Inventory.csv")
            .iter()
            .filter(|r| app::hmis::is_reserved_id(Export::str(r, "ProjectID")))
            .map(|r| {
                let cols = ["InventoryID", "BedInventory", "InventoryStartDate", "InventoryEndDate", "DateUpdated"];
                cols.map(|c| Export::str(r, c)).join("|")
            })
            .collect();
        let published = app::hmis::periods::published_through(Self::today(made));
        self.dv_rows.entry(published).or_default().push((made, dv));
        // (The count night's DV figures come the morning after it: see `check`.)
        if let Some(shown) = self.shown.get(&as_of).filter(|_| as_of != app::hmis::periods::count_night(as_of.year())) {
            assert_eq!(tab, *shown, "the export as of {as_of} made at {made} changed that night");
        }
        tab
    }

    /// The night's end: the tab's beds as of tonight, published.
    fn night(&mut self, day: NaiveDate) {
        let tab = self.publish(day, local(day, 23, 59));
        self.shown.insert(day, tab);
    }

    /// Every receiver counts, for every night, what the tab showed as of that night; and holds
    /// no counted line with end <= start or more units than beds.
    fn check(&self) {
        // The count night's DV figures are published the morning after it (its own sample), so
        // that night alone may differ from what the tab showed on it, by the DV beds.
        let count_night = |night: &NaiveDate| *night == app::hmis::periods::count_night(night.year());
        for (store, semantics) in self.receivers.iter().zip(RECEIVERS) {
            for (night, shown) in self.shown.iter().filter(|(night, _)| !count_night(night)) {
                assert_eq!(beds_on(store, *night), *shown, "{semantics:?} on {night}: {:#?}", self.state.lines);
            }
            for (id, held) in &store.inventory {
                assert!(held.end.is_none_or(|e| e > held.start), "{semantics:?} holds {id}: {held:?}");
                assert!(held.units <= held.beds, "{semantics:?} holds {id}: {held:?}");
            }
        }
        // No DV change shows between exports of one period, whatever edits came between them.
        for (period, exports) in &self.dv_rows {
            for (made, rows) in exports {
                assert_eq!(
                    rows, &exports[0].1,
                    "period {period}: the export at {made} differs from the one at {}",
                    exports[0].0
                );
            }
        }
    }
}

/// The analyst's replay (count night N = 2027-01-28, America/Chicago): a capacity change on N
/// and another the next day, a one-night overflow on N, and a project closed on N + 2.
#[test]
fn the_count_night_keeps_its_beds_through_later_changes() {
    let n = d("2027-01-28");
    let mut t = Timeline::new(d("2026-01-01"));
    t.night(n - Duration::days(1));
    t.total(1, 0, 130, local(n, 9, 0));
    t.overflow(2, 12, local(n, 20, 0));
    t.night(n);
    assert_eq!(t.shown[&n], 130 + 20 + 12);
    t.total(1, 0, 100, local(n + Duration::days(1), 8, 0));
    t.total(2, 1, 0, local(n + Duration::days(1), 8, 5));
    t.night(n + Duration::days(1));
    t.close(2, local(n + Duration::days(2), 10, 0));
    t.night(n + Duration::days(2));
    t.publish(n, local(n + Duration::days(3), 10, 0));
    t.check();
    // HUD counts the 130 and the overflow on N, whatever came after.
    for store in &t.receivers {
        assert_eq!(beds_on(store, n), 162);
    }
    assert_eq!(t.shown[&(n + Duration::days(2))], 100, "a project closed on a night is not counted on it");
}

/// One thing that happens on a day.
#[derive(Debug, Clone)]
enum Op {
    /// A coordinator (or a feed) sets the beds total of one of a shelter's lines.
    Total { shelter: i64, which: usize, total: i32 },
    /// The admin opens an overflow line.
    Overflow { shelter: i64, beds: i32 },
    /// The admin closes a project.
    Close { shelter: i64 },
    /// An export as of an earlier night, made now.
    Past { nights: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1..=6i64, 0..3usize, prop::sample::select(vec![0, 10, 20, 40, 85, 130]))
            .prop_map(|(shelter, which, total)| Op::Total { shelter, which, total }),
        2 => (1..=6i64, 5..30i32).prop_map(|(shelter, beds)| Op::Overflow { shelter, beds }),
        1 => (1..=6i64).prop_map(|shelter| Op::Close { shelter }),
        2 => (1..6i64).prop_map(|nights| Op::Past { nights }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Edits over the days around a count night, each at an early, daytime or late local hour
    /// (Chicago's 21:00 is the next day in UTC), with exports as of every night and of earlier
    /// ones: every receiver ends up counting, for every night, what the tab showed as of it.
    #[test]
    fn every_receiver_counts_what_the_tab_showed_each_night(
        days in prop::collection::vec(prop::collection::vec(op(), 0..5), 8)
    ) {
        let first = d("2027-01-24");
        let mut t = Timeline::new(d("2026-01-01"));
        t.state.shelters.push(shelter_like(&t.state.shelters[0], 3));
        t.state.participations.push(participation_like(&t.state.participations[0], 3));
        t.state.funders.push(funder_like(&t.state.funders[0], 3));
        t.state.lines.push(line(3, 3, 130, d("2026-01-01"), None));
        let mut seasonal = line(4, 2, 15, d("2026-11-01"), Some(d("2027-01-29")));
        seasonal.availability = Some(2);
        t.state.lines.push(seasonal);
        // Three DV shelters, sent only as the aggregate.
        for (id, beds) in [(4, 10), (5, 12), (6, 14)] {
            let mut dv = shelter_like(&t.state.shelters[0], id);
            (dv.target_population, dv.is_dv, dv.hmis_participation_type) = (Some(1), true, 2);
            t.state.shelters.push(dv);
            t.state.participations.push(participation_like(&t.state.participations[0], id));
            t.state.funders.push(funder_like(&t.state.funders[0], id));
            t.state.lines.push(line(id + 1, id, beds, d("2026-01-01"), None));
        }
        for (i, ops) in days.iter().enumerate() {
            let day = first + Duration::days(i as i64);
            for (j, op) in ops.iter().enumerate() {
                let now = local(day, [0, 7, 14, 21, 23][j], 1);
                match *op {
                    Op::Total { shelter, which, total } => t.total(shelter, which, total, now),
                    Op::Overflow { shelter, beds } => t.overflow(shelter, beds, now),
                    Op::Close { shelter } => t.close(shelter, now),
                    Op::Past { nights } => {
                        t.publish(day - Duration::days(nights), now);
                    }
                }
            }
            t.night(day);
        }
        t.check();
    }
}

fn shelter_like(s: &shelter::Model, id: i64) -> shelter::Model {
    shelter::Model {
        id,
        public_id: format!("{id:020}"),
        hmis_project_id: format!("P-{id}"),
        name: format!("Shelter {id}"),
        ..s.clone()
    }
}

fn participation_like(p: &hmis_participation::Model, id: i64) -> hmis_participation::Model {
    hmis_participation::Model { id, public_id: format!("h{id:019}"), shelter_id: id, ..p.clone() }
}

fn funder_like(f: &funder::Model, id: i64) -> funder::Model {
    funder::Model { id, public_id: format!("f{id:019}"), shelter_id: id, ..f.clone() }
}

/// The database path of a coordinator's save (`inventory::ssr::save_totals_at`, the `Save` the
/// form and the feeds use) makes exactly the lines the plan makes in memory, over generated
/// sequences of totals across days with a stub clock, on SQLite and PostgreSQL: so what the
/// timeline above proves of the model holds of the stored lines.
async fn the_database_makes_the_lines_the_plan_makes(db: crate::common::TestDb) {
    use crate::common::{Coc, Shelter, User};
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    let conn = db.db().await;
    let days =
        prop::collection::vec(prop::collection::vec(prop::sample::select(vec![0, 10, 20, 40, 85, 130]), 0..4), 8);
    let mut runner = TestRunner::deterministic();
    for case in 0..16 {
        let totals = days.new_tree(&mut runner).expect("a case").current();
        let slug = format!("timeline-{case}");
        let coc = Coc::new(&slug, "TX-503")
            .shelter(Shelter::new(&format!("T-{case}"), "Timeline Shelter").line(1, 40, 0))
            .user(User::coordinator(&format!("{slug}@example.org")));
        let tenant = crate::common::fixtures::insert_coc(&conn, &coc).await;
        let shelter = shelter::Entity::find()
            .filter(shelter::Column::TenantId.eq(tenant.id))
            .one(&conn)
            .await
            .expect("read")
            .expect("the shelter");
        let user = app::entities::user::Entity::find()
            .filter(app::entities::user::Column::TenantId.eq(tenant.id))
            .one(&conn)
            .await
            .expect("read")
            .expect("the coordinator");
        let stored = || async {
            inventory::Entity::find()
                .filter(inventory::Column::ShelterId.eq(shelter.id))
                .order_by_asc(inventory::Column::Id)
                .all(&conn)
                .await
                .expect("read")
        };
        let mut model = stored().await;
        let first = d("2027-01-24");
        for (i, day_totals) in totals.iter().enumerate() {
            let day = first + Duration::days(i as i64);
            for (j, total) in day_totals.iter().enumerate() {
                // Chicago's early morning, day, evening and late night (the next day in UTC).
                let now = local(day, [1, 9, 17, 22][j], 30);
                let counting = model.iter().find(|l| line_counts_on(l.inventory_start_date, l.inventory_end_date, day));
                let Some(line) = counting.map(|l| l.id) else { continue };
                set_total(&mut model, line, *total, day, now);
                app::inventory::ssr::save_totals_at(&conn, shelter.id, user.id, now, &[*total])
                    .await
                    .unwrap_or_else(|e| panic!("case {case}, {day} {total}: {e}"));
            }
        }
        let shape = |lines: &[inventory::Model]| -> Vec<_> {
            let mut v: Vec<_> = lines
                .iter()
                .map(|l| {
                    (
                        l.inventory_start_date,
                        l.inventory_end_date,
                        l.bed_inventory,
                        l.other_bed_inventory,
                        l.unit_inventory,
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(shape(&stored().await), shape(&model), "case {case}: {totals:?}");
    }
}
crate::both_backends!(the_database_makes_the_lines_the_plan_makes, db);
