//! The one transform from a CoC's projects, inventory lines, funders, participation periods and
//! latest bed counts to HMIS records. Pure: no IO, no clock, no randomness; the same input gives
//! the same output.
//!
//! An HMIS imports the export as a full refresh (docs/hmis-export.md): every project that has
//! started by the end of the report period is sent, closed ones with their OperatingEndDate, and
//! with every inventory line, funder and participation period they have, ended and future ones
//! with their dates. The as-of date only decides what the preview counts as in effect.
//!
//! Lines and projects count on a night by HUD's LSA rules (`hmis::line_counts_on`,
//! `hmis::operates_on`); a void line (ended on its start date) is sent as a deletion.
//!
//! It is the only place the DV rules of DESIGN.md 4.2 and 4.7 live. DV shelters (TargetPopulation
//! 1 or a victim service provider's project) fold into one synthetic project per project type.
//! On the sample night of each DV publication period (`hmis::periods`: the night before it starts,
//! or the count night for its own period) their lines in effect are grouped in cells (CoC code x household type x availability x ES bed type); a cell is sent when
//! at least `dv_min_shelters` shelters with beds contribute, it holds at least `dv_min_beds` beds
//! and no shelter holds more than `dv_max_share_percent` of them. Each cell's record runs from a
//! period boundary for as long as its figures stay the same, so nothing about the aggregate
//! (figures, dates, DateUpdated) moves between boundaries, and the ids are the CoC's, never a
//! shelter's. When the DV group as a whole misses a threshold on a period's sample night, nothing
//! DV counts in that period.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::codes::{
    FUNDER_OTHER, HMIS_PARTICIPATION_COMPARABLE_DB, PROJECT_TYPE, PROJECT_TYPE_RRH, RRH_SUBTYPE_HOUSING,
    TARGET_POPULATION_DV, funder_label, is_dv_shelter, is_emergency_shelter,
};
use super::records::*;
use super::{
    DV_ORGANIZATION_NAME, DV_PROJECT_NAME, DvCell, DvSummary, HouseholdBeds, PreviewLine, PreviewRow, SuppressedBeds,
    Suppression, Warning, in_effect, is_void, line_counts_on, operates_on,
};
use crate::entities::{
    bed_snapshot, ce_participation, funder, hmis_participation, inventory, organization, shelter, tenant,
};

/// The UserID on every record: the export itself, not a person.
pub const EXPORT_USER_ID: &str = "HMIS-BRIDGE";
pub const SOFTWARE_NAME: &str = "HMIS Bridge";
pub const CSV_VERSION: &str = "2026 v1.0";

/// 1.9 SourceType 2: a standalone application (this system keeps bed inventory for the CoC; it
/// is not the CoC's HMIS). 1.1 ExportPeriodType 3: the reporting period chosen. 1.2
/// ExportDirective 2: full refresh. 1.5 HashStatus 1: unhashed (there is no client data).
const SOURCE_TYPE_STANDALONE: i32 = 2;
const EXPORT_PERIOD_REPORTING: i32 = 3;
const EXPORT_DIRECTIVE_FULL: i32 = 2;
const HASH_STATUS_UNHASHED: i32 = 1;
const GEOGRAPHY_UNKNOWN: i32 = 99;
const HOUSING_CLUSTERED: i32 = 2;
const HOUSING_SCATTERED: i32 = 3;

/// One tenant's data, as read from the database (any order).
pub struct ExportInput<'a> {
    pub tenant: &'a tenant::Model,
    pub organizations: &'a [organization::Model],
    /// Every project of the tenant; those that start after the report period are left out here.
    pub projects: &'a [shelter::Model],
    /// Every inventory line of those projects.
    pub lines: &'a [inventory::Model],
    pub participations: &'a [hmis_participation::Model],
    pub funders: &'a [funder::Model],
    pub ce_participations: &'a [ce_participation::Model],
    /// The latest snapshot of each line in effect on the as-of date that has one.
    pub latest: &'a [bed_snapshot::Model],
    pub run: &'a ExportRun,
}

fn sub_counts(line: &inventory::Model) -> [i64; 7] {
    [
        line.ch_vet_bed_inventory,
        line.youth_vet_bed_inventory,
        line.vet_bed_inventory,
        line.ch_youth_bed_inventory,
        line.youth_bed_inventory,
        line.ch_bed_inventory,
        line.other_bed_inventory,
    ]
    .map(i64::from)
}

/// RRH projects here carry bed inventory, so they are "housing with or without services".
fn rrh_sub_type(project_type: i32) -> Option<i32> {
    (project_type == PROJECT_TYPE_RRH).then_some(RRH_SUBTYPE_HOUSING)
}

fn line_in_effect(line: &inventory::Model, day: NaiveDate) -> bool {
    line_counts_on(line.inventory_start_date, line.inventory_end_date, day)
}

fn project_operating(p: &shelter::Model, day: NaiveDate) -> bool {
    operates_on(p.operating_start_date, p.operating_end_date, day)
}

/// The HIC values a lodging project lacks (HDX validation: HousingType, and on ProjectCoC a
/// Geocode, a ZIP and a GeographyType of 1 to 3).
pub fn missing_hic_fields(p: &shelter::Model) -> Vec<String> {
    let mut missing = Vec::new();
    if p.housing_type.is_none() {
        missing.push("HousingType".to_string());
    }
    if p.geocode.is_none() {
        missing.push("Geocode".to_string());
    }
    if p.zip.is_none() {
        missing.push("ZIP".to_string());
    }
    if !p.geography_type.is_some_and(|g| (1..=3).contains(&g)) {
        missing.push("GeographyType".to_string());
    }
    missing
}

struct Context<'a> {
    run: &'a ExportRun,
    as_of: NaiveDate,
    latest: HashMap<i64, &'a bed_snapshot::Model>,
}

impl Context<'_> {
    fn meta(&self, created: DateTime<Utc>, updated: DateTime<Utc>) -> Meta {
        let clock = &self.run.clock;
        Meta {
            date_created: clock.local(created),
            date_updated: clock.local(updated),
            user_id: EXPORT_USER_ID.into(),
            date_deleted: None,
        }
    }

    /// A funder's or CE period's metadata: one an admin removed is sent as a deletion, dated
    /// when it was removed.
    fn removable_meta(&self, created: DateTime<Utc>, updated: DateTime<Utc>, deleted: Option<DateTime<Utc>>) -> Meta {
        Meta { date_deleted: deleted.map(|t| self.run.clock.local(t)), ..self.meta(created, updated) }
    }

    /// An inventory line's metadata: a void line (one that counts on no night) is sent as a
    /// deletion, dated when it was voided, so a receiver that took it while it was open drops it.
    fn line_meta(&self, line: &inventory::Model) -> Meta {
        let mut meta = self.meta(line.created_at, line.updated_at);
        if is_void(line.inventory_start_date, line.inventory_end_date) {
            meta.date_deleted = Some(meta.date_updated);
        }
        meta
    }

    /// Beds of the lines in effect on the as-of date, by household type, with freshness.
    fn beds<'l>(
        &self,
        lines: impl Iterator<Item = &'l inventory::Model>,
    ) -> (Vec<HouseholdBeds>, Option<DateTime<Utc>>, u32) {
        self.beds_on(lines, self.as_of)
    }

    /// Beds of the lines in effect on `day`, by household type, with the freshness of the
    /// latest counts (those of the as-of date).
    fn beds_on<'l>(
        &self,
        lines: impl Iterator<Item = &'l inventory::Model>,
        day: NaiveDate,
    ) -> (Vec<HouseholdBeds>, Option<DateTime<Utc>>, u32) {
        let mut by_household: BTreeMap<i32, HouseholdBeds> = BTreeMap::new();
        let (mut oldest, mut unreported) = (None::<DateTime<Utc>>, 0);
        for line in lines.filter(|l| line_in_effect(l, day)) {
            let beds = by_household
                .entry(line.household_type)
                .or_insert(HouseholdBeds { household_type: line.household_type, ..Default::default() });
            beds.beds_total += i64::from(line.bed_inventory);
            match self.latest.get(&line.id) {
                Some(snap) => {
                    beds.beds_reported += i64::from(line.bed_inventory);
                    beds.beds_occupied += i64::from(snap.beds_occupied);
                    oldest = Some(oldest.map_or(snap.recorded_at, |o| o.min(snap.recorded_at)));
                }
                None => unreported += 1,
            }
        }
        (by_household.into_values().collect(), oldest, unreported)
    }
}

pub fn transform(input: &ExportInput) -> HmisExport {
    let run = input.run;
    let tenant = input.tenant;
    let ctx =
        Context { run, as_of: run.params.as_of, latest: input.latest.iter().map(|s| (s.inventory_id, s)).collect() };
    let organizations: HashMap<i64, &organization::Model> = input.organizations.iter().map(|o| (o.id, o)).collect();
    let is_dv = |s: &shelter::Model| {
        // The stored flag, and the rule itself: either one keeps a shelter out of the open rows.
        s.is_dv
            || is_dv_shelter(
                s.target_population,
                organizations.get(&s.organization_id).is_some_and(|o| o.victim_service_provider),
            )
    };

    // Every DV shelter goes to the aggregate whatever the report period (its samples read their
    // own nights): leaving out those that start after the period would let the period's end
    // date them. Projects closed before the LSA's lookback (seven years before the report) are
    // not sent (HDX flag 1315).
    let lookback = super::lookback(run.params.start);
    let mut projects: Vec<&shelter::Model> = input
        .projects
        .iter()
        .filter(|s| is_dv(s) || s.operating_start_date <= run.params.end)
        .filter(|s| s.operating_end_date.is_none_or(|end| end >= lookback))
        .collect();
    projects.sort_by(|a, b| (&a.hmis_project_id, a.id).cmp(&(&b.hmis_project_id, b.id)));
    let mut lines_of: HashMap<i64, Vec<&inventory::Model>> = HashMap::new();
    for line in input.lines {
        lines_of.entry(line.shelter_id).or_default().push(line);
    }
    for lines in lines_of.values_mut() {
        lines.sort_by(|a, b| {
            (&a.coc_code, a.household_type, a.availability, a.es_bed_type, a.inventory_start_date, &a.public_id).cmp(&(
                &b.coc_code,
                b.household_type,
                b.availability,
                b.es_bed_type,
                b.inventory_start_date,
                &b.public_id,
            ))
        });
    }
    let mut funders_of: HashMap<i64, Vec<&funder::Model>> = HashMap::new();
    for f in input.funders {
        funders_of.entry(f.shelter_id).or_default().push(f);
    }
    let mut periods_of: HashMap<i64, Vec<&hmis_participation::Model>> = HashMap::new();
    for p in input.participations {
        periods_of.entry(p.shelter_id).or_default().push(p);
    }
    let mut ce_of: HashMap<i64, Vec<&ce_participation::Model>> = HashMap::new();
    for c in input.ce_participations {
        ce_of.entry(c.shelter_id).or_default().push(c);
    }

    let mut out = HmisExport {
        export: export_record(tenant, run),
        organizations: Vec::new(),
        users: vec![UserRecord {
            user_id: EXPORT_USER_ID.to_string(),
            first_name: Some(SOFTWARE_NAME.to_string()),
            date_created: run.clock.local(tenant.created_at),
            date_updated: run.clock.local(tenant.created_at),
        }],
        projects: Vec::new(),
        project_cocs: Vec::new(),
        funders: Vec::new(),
        inventories: Vec::new(),
        participations: Vec::new(),
        ce_participations: Vec::new(),
        rows: Vec::new(),
        dv: DvSummary::default(),
    };
    let mut used_organizations = BTreeMap::new();
    let mut dv_projects = Vec::new();
    for project in projects {
        let sent = Sent {
            lines: lines_of.remove(&project.id).unwrap_or_default(),
            funders: funders_of.remove(&project.id).unwrap_or_default(),
            periods: periods_of.remove(&project.id).unwrap_or_default(),
            ce: ce_of.remove(&project.id).unwrap_or_default(),
        };
        if is_dv(project) {
            dv_projects.push((project, sent));
            continue;
        }
        let org = organizations.get(&project.organization_id).copied();
        if let Some(org) = org {
            used_organizations.insert(org.hmis_organization_id.clone(), org);
        }
        add_project(&mut out, &ctx, project, org, sent);
    }
    out.organizations = used_organizations
        .into_values()
        .map(|o| OrganizationRecord {
            organization_id: o.hmis_organization_id.clone(),
            organization_name: o.name.clone(),
            victim_service_provider: 0,
            meta: ctx.meta(o.created_at, o.updated_at),
        })
        .collect();
    add_dv_aggregate(&mut out, &ctx, tenant, &dv_projects);
    out
}

/// What is sent of one project besides itself.
struct Sent<'a> {
    lines: Vec<&'a inventory::Model>,
    funders: Vec<&'a funder::Model>,
    periods: Vec<&'a hmis_participation::Model>,
    /// Coordinated entry periods: sent for non-DV projects only (the aggregate has none).
    ce: Vec<&'a ce_participation::Model>,
}

fn export_record(tenant: &tenant::Model, run: &ExportRun) -> ExportRecord {
    let name = tenant.source_name.clone().unwrap_or_else(|| tenant.name.chars().take(50).collect());
    ExportRecord {
        export_id: run.export_id.clone(),
        source_type: SOURCE_TYPE_STANDALONE,
        source_id: tenant.coc_codes.clone(),
        source_name: Some(name),
        source_contact: [
            tenant.source_contact_first.clone(),
            tenant.source_contact_last.clone(),
            tenant.source_contact_phone.clone(),
            tenant.source_contact_extension.clone(),
            tenant.source_contact_email.clone(),
        ],
        export_date: run.clock.local(run.exported_at),
        export_start_date: run.params.start,
        export_end_date: run.params.end,
        software_name: SOFTWARE_NAME.to_string(),
        software_version: run.software_version.clone(),
        csv_version: CSV_VERSION.to_string(),
        export_period_type: EXPORT_PERIOD_REPORTING,
        export_directive: EXPORT_DIRECTIVE_FULL,
        hash_status: HASH_STATUS_UNHASHED,
        implementation_id: run.implementation_id.clone(),
    }
}

fn preview_line(line: &inventory::Model, es: bool) -> PreviewLine {
    PreviewLine {
        coc_code: line.coc_code.clone(),
        household_type: line.household_type,
        availability: if es { line.availability } else { None },
        es_bed_type: if es { line.es_bed_type } else { None },
        beds: i64::from(line.bed_inventory),
        start: line.inventory_start_date,
        end: line.inventory_end_date,
    }
}

/// A non-DV project: its own records and preview row.
fn add_project(out: &mut HmisExport, ctx: &Context, p: &shelter::Model, org: Option<&organization::Model>, sent: Sent) {
    let meta = ctx.meta(p.created_at, p.updated_at);
    let es = is_emergency_shelter(p.project_type);
    out.projects.push(ProjectRecord {
        project_id: p.hmis_project_id.clone(),
        organization_id: org.map(|o| o.hmis_organization_id.clone()).unwrap_or_default(),
        project_name: p.name.clone(),
        operating_start_date: p.operating_start_date,
        operating_end_date: p.operating_end_date,
        continuum_project: 1,
        project_type: p.project_type,
        housing_type: p.housing_type,
        rrh_sub_type: rrh_sub_type(p.project_type),
        target_population: p.target_population,
        meta: meta.clone(),
    });
    let coc_codes: BTreeSet<&str> =
        std::iter::once(p.coc_code.as_str()).chain(sent.lines.iter().map(|l| l.coc_code.as_str())).collect();
    for coc in coc_codes {
        out.project_cocs.push(ProjectCocRecord {
            // Public ids only: row ids are sequential and would count the DV projects between them.
            project_coc_id: format!("{}-{coc}", p.public_id),
            project_id: p.hmis_project_id.clone(),
            coc_code: coc.to_string(),
            geocode: p.geocode.clone(),
            address1: p.address1.clone(),
            city: p.city.clone(),
            state: p.state.clone(),
            zip: p.zip.clone(),
            geography_type: p.geography_type,
            meta: meta.clone(),
        });
    }
    for line in &sent.lines {
        out.inventories.push(InventoryRecord {
            inventory_id: line.public_id.clone(),
            project_id: p.hmis_project_id.clone(),
            coc_code: line.coc_code.clone(),
            household_type: line.household_type,
            availability: if es { line.availability } else { None },
            unit_inventory: i64::from(line.unit_inventory),
            bed_inventory: i64::from(line.bed_inventory),
            sub_counts: sub_counts(line),
            es_bed_type: if es { line.es_bed_type } else { None },
            inventory_start_date: line.inventory_start_date,
            inventory_end_date: line.inventory_end_date,
            meta: ctx.line_meta(line),
        });
    }
    let mut funders = sent.funders.clone();
    funders.sort_by(|a, b| (a.start_date, a.funder, &a.public_id).cmp(&(b.start_date, b.funder, &b.public_id)));
    for f in &funders {
        out.funders.push(FunderRecord {
            funder_id: f.public_id.clone(),
            project_id: p.hmis_project_id.clone(),
            funder: f.funder,
            other_funder: if f.funder == FUNDER_OTHER { f.other_funder.clone() } else { None },
            grant_id: f.grant_id.clone(),
            start_date: f.start_date,
            end_date: f.end_date,
            meta: ctx.removable_meta(f.created_at, f.updated_at, f.deleted_at),
        });
    }
    let mut periods = sent.periods.clone();
    periods.sort_by(|a, b| (a.start_date, &a.public_id).cmp(&(b.start_date, &b.public_id)));
    for period in &periods {
        out.participations.push(ParticipationRecord {
            participation_id: period.public_id.clone(),
            project_id: p.hmis_project_id.clone(),
            participation_type: period.participation_type,
            start_date: period.start_date,
            end_date: period.end_date,
            meta: ctx.meta(period.created_at, period.updated_at),
        });
    }
    let mut ce = sent.ce.clone();
    ce.sort_by(|a, b| (a.start_date, &a.public_id).cmp(&(b.start_date, &b.public_id)));
    for c in &ce {
        let flag = |b: bool| i32::from(b);
        let access = [c.prevention_assessment, c.crisis_assessment, c.housing_assessment, c.direct_services];
        out.ce_participations.push(CeParticipationRecord {
            ce_participation_id: c.public_id.clone(),
            project_id: p.hmis_project_id.clone(),
            access_point: flag(c.access_point),
            access: c.access_point.then(|| access.map(|a| flag(a.unwrap_or(false)))),
            receives_referrals: flag(c.receives_referrals),
            start_date: c.start_date,
            end_date: c.end_date,
            meta: ctx.removable_meta(c.created_at, c.updated_at, c.deleted_at),
        });
    }
    let operating = project_operating(p, ctx.as_of);
    let mut warnings = Vec::new();
    if operating {
        if !funders.iter().any(|f| f.deleted_at.is_none() && in_effect(f.start_date, f.end_date, ctx.as_of)) {
            warnings.push(Warning::NoFunder);
        }
        let missing = missing_hic_fields(p);
        if !missing.is_empty() {
            warnings.push(Warning::MissingHicFields(missing));
        }
        if !sent.lines.iter().any(|l| line_in_effect(l, ctx.as_of)) {
            warnings.push(Warning::NoInventory);
        }
    }
    // HUD counts no bed of a project on a night it does not operate (closed on or before it).
    let (households, oldest_update, unreported_lines) = ctx.beds(sent.lines.iter().copied().filter(|_| operating));
    out.rows.push(PreviewRow {
        project_id: p.hmis_project_id.clone(),
        name: p.name.clone(),
        organization: org.map(|o| o.name.clone()).unwrap_or_default(),
        project_type: p.project_type,
        dv_aggregate: false,
        operating_end: p.operating_end_date,
        lines: sent
            .lines
            .iter()
            .filter(|l| !is_void(l.inventory_start_date, l.inventory_end_date))
            .map(|l| preview_line(l, es))
            .collect(),
        funders: funders.iter().map(|f| format!("{} {}", f.funder, funder_label(f.funder))).collect(),
        warnings,
        shelters: 1,
        households,
        oldest_update,
        unreported_lines,
    });
}

/// The ids of the DV aggregate of a CoC: `key` (eight random hex digits made once per CoC) makes
/// them unique per CoC; nothing about the shelters goes into them, so they never change.
struct DvIds<'a> {
    key: &'a str,
}

impl DvIds<'_> {
    fn organization(&self) -> String {
        format!("HB-DV-{}", self.key)
    }

    fn project(&self, project_type: i32) -> String {
        format!("HB-DV-{}-P{project_type}", self.key)
    }

    /// The InventoryID of a cell's record that starts on `start`: the two hashed (S32 leaves no
    /// room to spell them out), so every export repeats the record's id.
    fn inventory(&self, cell: &DvCell, start: NaiveDate) -> String {
        let mut hash = Sha256::new();
        hash.update(format!(
            "{}|{}|{}|{:?}|{:?}|{start}",
            cell.project_type, cell.coc_code, cell.household_type, cell.availability, cell.es_bed_type
        ));
        let short: String = hash.finalize().iter().take(5).map(|b| format!("{b:02x}")).collect();
        format!("HB-DV-{}-P{}-{short}", self.key, cell.project_type)
    }
}

/// The DV lines of one cell in effect on the as-of date, with their shelters.
#[derive(Default)]
struct Cell<'a> {
    lines: Vec<(&'a shelter::Model, &'a inventory::Model)>,
}

impl Cell<'_> {
    fn beds(&self) -> i64 {
        self.lines.iter().map(|(_, l)| i64::from(l.bed_inventory)).sum()
    }

    /// Beds per contributing shelter (shelters with at least one bed in the cell).
    fn by_shelter(&self) -> BTreeMap<i64, i64> {
        let mut beds = BTreeMap::new();
        for (s, l) in &self.lines {
            if l.bed_inventory > 0 {
                *beds.entry(s.id).or_insert(0) += i64::from(l.bed_inventory);
            }
        }
        beds
    }

    /// The seven sub-counts summed, where a dedicated count (veterans, youth, chronically
    /// homeless) held by fewer than `min_shelters` shelters is folded into OtherBedInventory: it
    /// would single out the one shelter that has such beds. BedInventory stays their sum.
    fn sub_counts(&self, min_shelters: i32) -> [i64; 7] {
        let mut sum = [0i64; 7];
        let mut holders: [BTreeSet<i64>; 7] = Default::default();
        for (s, line) in &self.lines {
            for (i, n) in sub_counts(line).into_iter().enumerate() {
                sum[i] += n;
                if n > 0 {
                    holders[i].insert(s.id);
                }
            }
        }
        for i in 0..6 {
            if (holders[i].len() as i64) < i64::from(min_shelters) {
                sum[6] += sum[i];
                sum[i] = 0;
            }
        }
        sum
    }

    fn units(&self) -> i64 {
        self.lines.iter().map(|(_, l)| i64::from(l.unit_inventory)).sum()
    }
}

/// Why a cell may not be sent, if it may not.
fn suppression(cell: &Cell, key: &DvCell, tenant: &tenant::Model) -> Option<Suppression> {
    let by_shelter = cell.by_shelter();
    let beds = cell.beds();
    if (by_shelter.len() as i64) < i64::from(tenant.dv_min_shelters) {
        return Some(Suppression::CellTooFewShelters(key.clone()));
    }
    if beds < i64::from(tenant.dv_min_beds) {
        return Some(Suppression::CellTooFewBeds(key.clone()));
    }
    let largest = by_shelter.values().copied().max().unwrap_or(0);
    if largest * 100 > beds * i64::from(tenant.dv_max_share_percent) {
        return Some(Suppression::CellDominated(key.clone()));
    }
    None
}

/// The DV cells on a period's sample night (`periods::sample_night`), with what is sent and what
/// suppressed.
struct Sample<'a> {
    /// The period's first night.
    period: NaiveDate,
    /// The night sampled.
    day: NaiveDate,
    cells: BTreeMap<DvCell, Cell<'a>>,
    summary: DvSummary,
    /// The cells sent.
    sent: BTreeSet<DvCell>,
}

/// The DV shelters' lines that count on the sample night of the period starting on `period`,
/// folded into cells, with the thresholds applied.
fn sample<'a>(period: NaiveDate, tenant: &tenant::Model, dv: &[(&'a shelter::Model, Sent<'a>)]) -> Sample<'a> {
    let day = super::periods::sample_night(period);
    let mut cells: BTreeMap<DvCell, Cell> = BTreeMap::new();
    for (shelter, sent) in dv {
        let es = is_emergency_shelter(shelter.project_type);
        let operating = project_operating(shelter, day);
        for line in sent.lines.iter().filter(|l| operating && line_in_effect(l, day)) {
            let key = DvCell {
                project_type: shelter.project_type,
                coc_code: line.coc_code.clone(),
                household_type: line.household_type,
                availability: if es { line.availability } else { None },
                es_bed_type: if es { line.es_bed_type } else { None },
            };
            cells.entry(key).or_default().lines.push((shelter, line));
        }
    }
    let contributing: BTreeSet<i64> = cells.values().flat_map(|c| c.by_shelter().into_keys()).collect();
    let beds_total: i64 = cells.values().map(Cell::beds).sum();
    let mut summary = DvSummary {
        min_shelters: tenant.dv_min_shelters,
        min_beds: tenant.dv_min_beds,
        max_share_percent: tenant.dv_max_share_percent,
        contributing_shelters: contributing.len() as u32,
        beds_total,
        sampled_on: Some(day),
        ..Default::default()
    };
    let group_reason = if (contributing.len() as i64) < i64::from(tenant.dv_min_shelters) {
        Some(Suppression::GroupTooFewShelters)
    } else if beds_total < i64::from(tenant.dv_min_beds) {
        Some(Suppression::GroupTooFewBeds)
    } else {
        None
    };
    let mut sent = BTreeSet::new();
    if let Some(reason) = group_reason {
        if beds_total > 0 || !contributing.is_empty() {
            summary.suppressed.push(SuppressedBeds { reason, beds: beds_total, shelters: contributing.len() as u32 });
        }
        summary.beds_suppressed = beds_total;
        return Sample { period, day, cells, summary, sent };
    }
    for (key, cell) in &cells {
        match suppression(cell, key, tenant) {
            Some(reason) => {
                if cell.beds() > 0 {
                    let shelters = cell.by_shelter().len() as u32;
                    summary.suppressed.push(SuppressedBeds { reason, beds: cell.beds(), shelters });
                    summary.beds_suppressed += cell.beds();
                }
            }
            None => {
                summary.beds_sent += cell.beds();
                sent.insert(key.clone());
            }
        }
    }
    Sample { period, day, cells, summary, sent }
}

/// What a cell's record carries: UnitInventory, BedInventory and the seven sub-counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Figures {
    units: i64,
    beds: i64,
    sub_counts: [i64; 7],
}

/// One record of the aggregate: a key's value over consecutive periods in which it did not
/// change (a cell's figures; a funding source held). It starts on a period's first night and ends
/// the night before the period in which the value changed or the key stopped being sent (`None`:
/// still running).
#[derive(Debug, Clone)]
struct Run<K, V> {
    key: K,
    start: NaiveDate,
    end: Option<NaiveDate>,
    value: V,
    /// The boundary at which the record last changed: its start, or the start of the period
    /// that ended it.
    updated: NaiveDate,
}

/// A funding source of the aggregate held over periods: (project type, funder code).
type FunderRun = Run<(i32, i32), ()>;

/// Runs built period by period, in order.
struct Runs<K, V> {
    open: BTreeMap<K, Run<K, V>>,
    done: Vec<Run<K, V>>,
}

impl<K: Ord + Clone, V: PartialEq> Runs<K, V> {
    fn new() -> Self {
        Runs { open: BTreeMap::new(), done: Vec::new() }
    }

    /// The values sent in the period that starts on `start`: a run whose value changed or that
    /// was not sent ends the night before; a new value starts a run.
    fn period(&mut self, start: NaiveDate, values: BTreeMap<K, V>) {
        let ending: Vec<K> =
            self.open.iter().filter(|(key, run)| values.get(key) != Some(&run.value)).map(|(k, _)| k.clone()).collect();
        for key in ending {
            if let Some(mut run) = self.open.remove(&key) {
                (run.end, run.updated) = (start.pred_opt(), start);
                self.done.push(run);
            }
        }
        for (key, value) in values {
            self.open.entry(key.clone()).or_insert(Run { key, start, end: None, value, updated: start });
        }
    }

    fn finish(mut self) -> Vec<Run<K, V>> {
        self.done.extend(self.open.into_values());
        self.done
    }
}

/// The funding sources of the aggregate of each project type sent in `sample`: by code only, and
/// only those at least `dv_min_shelters` of its contributing shelters hold on the sample night,
/// so a rarer one cannot point at one shelter.
fn held_funders(sample: &Sample, tenant: &tenant::Model, dv: &[(&shelter::Model, Sent)]) -> BTreeMap<(i32, i32), ()> {
    let mut holders: BTreeMap<(i32, i32), BTreeSet<i64>> = BTreeMap::new();
    let project_types: BTreeSet<i32> = sample.sent.iter().map(|k| k.project_type).collect();
    for project_type in project_types {
        let contributing = Aggregate::contributing(sample, project_type);
        for (s, sent) in dv.iter().filter(|(s, _)| contributing.contains(&s.id)) {
            let held = |f: &&&funder::Model| f.deleted_at.is_none() && in_effect(f.start_date, f.end_date, sample.day);
            for f in sent.funders.iter().filter(held) {
                holders.entry((project_type, f.funder)).or_default().insert(s.id);
            }
        }
    }
    holders
        .into_iter()
        .filter(|(_, shelters)| shelters.len() as i64 >= i64::from(tenant.dv_min_shelters))
        .map(|(key, _)| (key, ()))
        .collect()
}

/// The DV shelters folded into one synthetic project per project type (DESIGN.md 4.2, 4.7).
/// The aggregate's figures are sampled on each DV publication period's sample night
/// (`periods::sample_night`), from the period of the earliest DV shelter's start to the latest
/// published one; each cell's record runs while its figures stay the same, so its figures, dates
/// and DateUpdated move only at period boundaries. The tab shows the sample of the as-of date's
/// period (or the latest published): what the records yield for that night.
fn add_dv_aggregate(out: &mut HmisExport, ctx: &Context, tenant: &tenant::Model, dv: &[(&shelter::Model, Sent)]) {
    // Only periods whose sample night is over are published: a sample of tonight would move
    // with every edit made today.
    let published = super::periods::published_through(ctx.run.clock.today(ctx.run.exported_at));
    let as_of_period = super::periods::period_start(ctx.as_of).min(published);
    let first = dv.iter().map(|(s, _)| s.operating_start_date).min().filter(|f| *f <= published);
    let periods = first.map(|first| super::periods::periods(first, published)).unwrap_or_default();
    let (mut cells, mut funders) = (Runs::new(), Runs::new());
    let mut current = None;
    for (period_start, _) in &periods {
        let sampled = sample(*period_start, tenant, dv);
        let figures: BTreeMap<DvCell, Figures> = sampled
            .sent
            .iter()
            .filter_map(|key| sampled.cells.get(key).map(|c| (key, c)))
            .map(|(key, c)| {
                let figures =
                    Figures { units: c.units(), beds: c.beds(), sub_counts: c.sub_counts(tenant.dv_min_shelters) };
                (key.clone(), figures)
            })
            .collect();
        cells.period(*period_start, figures);
        funders.period(*period_start, held_funders(&sampled, tenant, dv));
        current = Some(sampled);
    }
    // The tab's figures: the as-of date's period, most often the latest, sampled above.
    let computed;
    let as_of_sample = match &current {
        Some(latest) if latest.period == as_of_period => latest,
        _ => {
            computed = sample(as_of_period, tenant, dv);
            &computed
        }
    };
    out.dv = as_of_sample.summary.clone();
    let runs = cells.finish();
    let mut funders_of: BTreeMap<i32, Vec<FunderRun>> = BTreeMap::new();
    for run in funders.finish() {
        funders_of.entry(run.key.0).or_default().push(run);
    }
    // The aggregate starts with the first record it sent, never with one shelter's own date.
    let (Some(start), Some(current)) = (runs.iter().map(|r| r.start).min(), current.as_ref()) else { return };
    let ids = DvIds { key: &tenant.dv_aggregate_key };
    let founded = ctx.run.clock.start_of(start);
    out.organizations.push(OrganizationRecord {
        organization_id: ids.organization(),
        organization_name: DV_ORGANIZATION_NAME.to_string(),
        victim_service_provider: 1,
        meta: ctx.meta(founded, founded),
    });
    let mut by_type: BTreeMap<i32, Vec<Run<DvCell, Figures>>> = BTreeMap::new();
    for run in runs {
        by_type.entry(run.key.project_type).or_default().push(run);
    }
    for (project_type, runs) in by_type {
        let aggregate = Aggregate { ids: &ids, tenant, start, current, as_of: as_of_sample, dv };
        aggregate.add_project(out, ctx, project_type, runs, funders_of.remove(&project_type).unwrap_or_default());
    }
}

/// The HIC needs the aggregate's location: until an admin with DV access sets the CoC's
/// administrative geocode, ZIP and geography type (CoC settings), the tab says so.
fn dv_location_warnings(tenant: &tenant::Model) -> Vec<Warning> {
    let set = tenant.dv_geocode.is_some() && tenant.dv_zip.is_some() && tenant.dv_geography_type.is_some();
    if set { Vec::new() } else { vec![Warning::DvLocationUnset] }
}

/// What one project type's aggregate is built from.
struct Aggregate<'a, 'b> {
    ids: &'a DvIds<'a>,
    tenant: &'a tenant::Model,
    /// The first night of the first period: the aggregate's start.
    start: NaiveDate,
    /// The sample of the latest period: the project's housing type comes from it.
    current: &'a Sample<'b>,
    /// The sample of the as-of date's period: the tab's figures.
    as_of: &'a Sample<'b>,
    dv: &'a [(&'b shelter::Model, Sent<'b>)],
}

impl Aggregate<'_, '_> {
    /// What the HIC would reject of the aggregate: no location set; no funding source, when too
    /// few contributing shelters share one (HDX requires a funder of an operating project).
    fn warnings(&self, no_funder: bool) -> Vec<Warning> {
        let mut warnings = dv_location_warnings(self.tenant);
        if no_funder {
            warnings.insert(0, Warning::NoFunder);
        }
        warnings
    }

    /// The shelters contributing to the cells of `project_type` sent in `sample`.
    fn contributing(sample: &Sample, project_type: i32) -> BTreeSet<i64> {
        sample
            .sent
            .iter()
            .filter(|k| k.project_type == project_type)
            .filter_map(|k| sample.cells.get(k))
            .flat_map(|c| c.by_shelter().into_keys())
            .collect()
    }

    /// One project type's aggregate: the project, its ProjectCoC rows at the CoC's
    /// administrative location, one Inventory record per run, its funders and its participation.
    /// Its start is the first period's; nothing in it comes from a shelter's own dates.
    fn add_project(
        &self,
        out: &mut HmisExport,
        ctx: &Context,
        project_type: i32,
        mut runs: Vec<Run<DvCell, Figures>>,
        mut funders: Vec<FunderRun>,
    ) {
        runs.sort_by(|a, b| (&a.key, a.start).cmp(&(&b.key, b.start)));
        funders.sort_by_key(|f| (f.key, f.start));
        let (ids, tenant, start) = (self.ids, self.tenant, self.start);
        let project_id = ids.project(project_type);
        let boundary = |day: NaiveDate| ctx.run.clock.start_of(day);
        let meta = ctx.meta(boundary(start), boundary(start));
        let contributing = Self::contributing(self.current, project_type);
        let members: Vec<&(&shelter::Model, Sent)> =
            self.dv.iter().filter(|(s, _)| contributing.contains(&s.id)).collect();
        // Several sites, unless every one is scattered-site: never one shelter's own housing type.
        let scattered = !members.is_empty() && members.iter().all(|(s, _)| s.housing_type == Some(HOUSING_SCATTERED));
        let label = PROJECT_TYPE.label(project_type);
        // When every record of the type has ended, so has the project: on the boundary after the
        // last one (HUD counts a project on the nights before its OperatingEndDate).
        let closed = runs
            .iter()
            .map(|r| r.end)
            .collect::<Option<Vec<_>>>()
            .and_then(|ends| ends.into_iter().max())
            .and_then(|last| last.succ_opt());
        out.projects.push(ProjectRecord {
            project_id: project_id.clone(),
            organization_id: ids.organization(),
            project_name: format!("{DV_PROJECT_NAME}: {label}"),
            operating_start_date: start,
            operating_end_date: closed,
            continuum_project: 1,
            project_type,
            housing_type: Some(if scattered { HOUSING_SCATTERED } else { HOUSING_CLUSTERED }),
            rrh_sub_type: rrh_sub_type(project_type),
            target_population: Some(TARGET_POPULATION_DV),
            meta: ctx.meta(boundary(start), boundary(self.current.period)),
        });
        let coc_codes: BTreeSet<&str> = runs.iter().map(|r| r.key.coc_code.as_str()).collect();
        for coc in coc_codes {
            // The CoC's administrative location; none of a DV shelter's may be sent.
            out.project_cocs.push(ProjectCocRecord {
                project_coc_id: format!("{project_id}-{coc}"),
                project_id: project_id.clone(),
                coc_code: coc.to_string(),
                geocode: tenant.dv_geocode.clone(),
                address1: None,
                city: None,
                state: None,
                zip: tenant.dv_zip.clone(),
                geography_type: Some(tenant.dv_geography_type.unwrap_or(GEOGRAPHY_UNKNOWN)),
                meta: meta.clone(),
            });
        }
        let es = is_emergency_shelter(project_type);
        let mut lines = Vec::new();
        for run in &runs {
            let key = &run.key;
            out.inventories.push(InventoryRecord {
                inventory_id: ids.inventory(key, run.start),
                project_id: project_id.clone(),
                coc_code: key.coc_code.clone(),
                household_type: key.household_type,
                availability: key.availability.filter(|_| es),
                unit_inventory: run.value.units,
                bed_inventory: run.value.beds,
                sub_counts: run.value.sub_counts,
                es_bed_type: key.es_bed_type.filter(|_| es),
                inventory_start_date: run.start,
                inventory_end_date: run.end,
                meta: ctx.meta(boundary(run.start), boundary(run.updated)),
            });
            lines.push(PreviewLine {
                coc_code: key.coc_code.clone(),
                household_type: key.household_type,
                availability: key.availability,
                es_bed_type: key.es_bed_type,
                beds: run.value.beds,
                start: run.start,
                end: run.end,
            });
        }
        // Funding sources by code only (no grant id or name), each over the periods it was held
        // (`held_funders`), dated at boundaries like the inventory.
        for f in &funders {
            let code = f.key.1;
            out.funders.push(FunderRecord {
                funder_id: format!("{project_id}-F{code}-{}", f.start.format("%Y%m%d")),
                project_id: project_id.clone(),
                funder: code,
                other_funder: (code == FUNDER_OTHER).then(|| "Local or other (aggregated)".to_string()),
                grant_id: None,
                start_date: f.start,
                end_date: f.end,
                meta: ctx.meta(boundary(f.start), boundary(f.updated)),
            });
        }
        // The codes of the as-of date's period, for the tab.
        let period = self.as_of.period;
        let codes: Vec<i32> = funders
            .iter()
            .filter(|f| f.start <= period && f.end.is_none_or(|e| e >= period))
            .map(|f| f.key.1)
            .collect();
        out.participations.push(ParticipationRecord {
            participation_id: project_id.clone(),
            project_id: project_id.clone(),
            participation_type: HMIS_PARTICIPATION_COMPARABLE_DB,
            start_date: start,
            end_date: closed,
            meta,
        });
        // The tab's figures as of the as-of date: its period's sample, as the records carry it.
        let sample = self.as_of;
        let sent_lines = sample
            .sent
            .iter()
            .filter(|k| k.project_type == project_type)
            .filter_map(|k| sample.cells.get(k))
            .flat_map(|c| c.lines.iter().map(|(_, l)| *l));
        let (households, oldest_update, unreported_lines) = ctx.beds_on(sent_lines, sample.day);
        out.rows.push(PreviewRow {
            project_id,
            name: format!("{DV_PROJECT_NAME}: {label}"),
            organization: DV_ORGANIZATION_NAME.to_string(),
            project_type,
            dv_aggregate: true,
            operating_end: closed,
            lines,
            funders: codes.iter().map(|c| format!("{c} {}", funder_label(*c))).collect(),
            warnings: self.warnings(closed.is_none() && codes.is_empty()),
            shelters: Self::contributing(sample, project_type).len() as u32,
            households,
            oldest_update,
            unreported_lines,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn shelter(id: i64) -> shelter::Model {
        shelter::Model {
            id,
            public_id: format!("{id:020}"),
            tenant_id: 1,
            organization_id: 1,
            hmis_project_id: format!("P{id}"),
            name: format!("Shelter {id}"),
            project_type: 1,
            housing_type: Some(1),
            target_population: Some(1),
            operating_start_date: d("2020-01-01"),
            operating_end_date: None,
            coc_code: "TX-503".into(),
            address1: None,
            city: None,
            state: None,
            zip: None,
            geocode: None,
            geography_type: None,
            hmis_participation_type: 2,
            active: true,
            is_dv: true,
            counts_version: 0,
            created_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn line(id: i64, shelter_id: i64, beds: i32, start: &str, end: Option<&str>) -> inventory::Model {
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
            inventory_start_date: d(start),
            inventory_end_date: end.map(d),
            created_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn one_shelter_holding_most_of_a_cell_suppresses_it() {
        let mut tenant_shares = Vec::new();
        for (share, beds) in [(60, [10, 5, 5]), (60, [13, 5, 2]), (50, [10, 5, 5])] {
            let shelters: Vec<shelter::Model> = (1..=3).map(shelter).collect();
            let lines: Vec<inventory::Model> = beds
                .iter()
                .enumerate()
                .map(|(i, b)| line(i as i64 + 1, i as i64 + 1, *b, "2024-01-01", None))
                .collect();
            let cell = Cell { lines: shelters.iter().zip(lines.iter()).collect() };
            let tenant = tenant(share);
            let key = DvCell {
                project_type: 1,
                coc_code: "TX-503".into(),
                household_type: 1,
                availability: Some(1),
                es_bed_type: Some(1),
            };
            tenant_shares.push(matches!(suppression(&cell, &key, &tenant), Some(Suppression::CellDominated(_))));
        }
        // 10 of 20 is 50%: within 60%, and within 50% (not more than); 13 of 20 is 65%.
        assert_eq!(tenant_shares, vec![false, true, false]);
    }

    pub(super) fn tenant(max_share: i32) -> tenant::Model {
        tenant::Model {
            id: 1,
            name: "CoC".into(),
            slug: "coc".into(),
            coc_codes: "TX-503".into(),
            dv_min_shelters: 3,
            dv_min_beds: 5,
            time_zone: "America/Chicago".into(),
            created_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
            dv_epoch: 0,
            source_name: None,
            source_contact_first: None,
            source_contact_last: None,
            source_contact_phone: None,
            source_contact_extension: None,
            source_contact_email: None,
            dv_max_share_percent: max_share,
            dv_geocode: None,
            dv_zip: None,
            dv_geography_type: None,
            dv_aggregate_key: "0badc0de".into(),
            dv_aggregate_start: d("2020-01-01"),
            data_version: 0,
        }
    }

    #[test]
    fn dv_ids_are_the_cocs_and_fit_s32() {
        let ids = DvIds { key: "0badc0de" };
        let cell = DvCell {
            project_type: 10,
            coc_code: "TX-503".into(),
            household_type: 3,
            availability: None,
            es_bed_type: None,
        };
        let start = d("2026-12-01");
        let id = ids.inventory(&cell, start);
        assert!(id.starts_with("HB-DV-0badc0de-P10-") && id.len() <= 32, "{id}");
        assert_eq!(id, ids.inventory(&cell.clone(), start));
        assert_ne!(id, ids.inventory(&DvCell { household_type: 1, ..cell.clone() }, start));
        assert_ne!(id, ids.inventory(&cell, d("2027-01-01")), "each record of a cell has an id of its own");
        assert_ne!(id, DvIds { key: "00c0ffee" }.inventory(&cell, start));
        assert_eq!(ids.project(1), "HB-DV-0badc0de-P1");
    }

    #[test]
    fn a_dedicated_count_only_one_shelter_has_is_folded_into_other_beds() {
        let shelters: Vec<shelter::Model> = (1..=3).map(shelter).collect();
        let mut lines: Vec<inventory::Model> = (1..=3).map(|i| line(i, i, 10, "2024-01-01", None)).collect();
        // Shelter 1 alone has 4 veteran beds; every shelter has 2 youth beds.
        lines[0].vet_bed_inventory = 4;
        lines[0].other_bed_inventory = 6;
        for l in &mut lines {
            l.youth_bed_inventory = 2;
            l.other_bed_inventory -= 2;
        }
        let cell = Cell { lines: shelters.iter().zip(lines.iter()).collect() };
        let sub = cell.sub_counts(3);
        assert_eq!((sub[2], sub[4], sub[6]), (0, 6, 24), "vet beds folded, youth beds kept");
        assert_eq!(sub.iter().sum::<i64>(), cell.beds());
    }
}
