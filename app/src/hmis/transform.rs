//! The one transform from a CoC's projects, inventory lines and latest bed counts to HMIS
//! records. Pure: no IO, no clock, no randomness; the same input gives the same output.
//!
//! It is the only place the DV rules of DESIGN.md 4.2 live. Every DV shelter (TargetPopulation 1
//! or a victim service provider's project) is folded into one synthetic project. Its beds are
//! grouped into cells of CoC code x household type (HMIS needs a HouseholdType per Inventory
//! row), and a cell is sent only when at least `dv_min_shelters` shelters with beds contribute
//! to it and it holds at least `dv_min_beds` beds. When the DV group as a whole misses either
//! threshold, nothing DV is sent. Inactive DV shelters and DV shelters without beds do not count.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::codes::{PROJECT_TYPE_RRH, RRH_SUBTYPE_HOUSING, TARGET_POPULATION_DV, is_dv_shelter, is_emergency_shelter};
use super::records::*;
use super::{
    DV_ORGANIZATION_ID, DV_ORGANIZATION_NAME, DV_PROJECT_ID, DV_PROJECT_NAME, DvSummary, HouseholdBeds, PreviewRow,
    SuppressedBeds, Suppression,
};
use crate::entities::{bed_snapshot, inventory, organization, shelter, tenant};

/// The UserID on every record: the export itself, not a person.
pub const EXPORT_USER_ID: &str = "HMIS-BRIDGE";
pub const SOFTWARE_NAME: &str = "HMIS Bridge";
pub const CSV_VERSION: &str = "2026 v1.0";

/// 1.9 SourceType: CoC HMIS. 1.1 ExportPeriodType: reporting period (one day, as for the HIC).
/// 1.2 ExportDirective: full refresh. 1.5 HashStatus: unhashed.
const SOURCE_TYPE_COC_HMIS: i32 = 1;
const EXPORT_PERIOD_REPORTING: i32 = 3;
const EXPORT_DIRECTIVE_FULL: i32 = 2;
const HASH_STATUS_UNHASHED: i32 = 1;
const HMIS_PARTICIPATION_COMPARABLE_DB: i32 = 2;
const GEOGRAPHY_UNKNOWN: i32 = 99;
const AVAILABILITY_YEAR_ROUND: i32 = 1;
const ES_BED_TYPE_FACILITY: i32 = 1;

/// One tenant's data, as read from the database (any order).
pub struct ExportInput<'a> {
    pub tenant: &'a tenant::Model,
    pub organizations: &'a [organization::Model],
    pub projects: &'a [shelter::Model],
    pub lines: &'a [inventory::Model],
    /// The latest snapshot of each line that has one.
    pub latest: &'a [bed_snapshot::Model],
    pub run: &'a ExportRun,
}

fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
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

/// Lines that are in effect on `day`.
fn in_effect(line: &inventory::Model, day: NaiveDate) -> bool {
    line.inventory_start_date <= day && line.inventory_end_date.is_none_or(|end| end >= day)
}

struct Context<'a> {
    run: &'a ExportRun,
    latest: HashMap<i64, &'a bed_snapshot::Model>,
    meta_now: Meta,
}

impl Context<'_> {
    fn meta(&self, created: DateTime<Utc>, updated: DateTime<Utc>) -> Meta {
        Meta { date_created: naive(created), date_updated: naive(updated), user_id: EXPORT_USER_ID.to_string() }
    }

    /// Beds of some lines by household type, with freshness.
    fn beds<'l>(
        &self,
        lines: impl Iterator<Item = &'l inventory::Model>,
    ) -> (Vec<HouseholdBeds>, Option<DateTime<Utc>>, u32) {
        let mut by_household: BTreeMap<i32, HouseholdBeds> = BTreeMap::new();
        let (mut oldest, mut unreported) = (None::<DateTime<Utc>>, 0);
        for line in lines {
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

/// The inventory lines of one DV cell (CoC code x household type).
#[derive(Default)]
struct Cell<'a> {
    lines: Vec<(&'a shelter::Model, &'a inventory::Model)>,
}

impl Cell<'_> {
    fn beds(&self) -> i64 {
        self.lines.iter().map(|(_, l)| i64::from(l.bed_inventory)).sum()
    }

    fn shelters(&self) -> BTreeSet<i64> {
        self.lines.iter().filter(|(_, l)| l.bed_inventory > 0).map(|(s, _)| s.id).collect()
    }
}

pub fn transform(input: &ExportInput) -> HmisExport {
    let run = input.run;
    let day = run.exported_at.date_naive();
    let tenant = input.tenant;
    let ctx = Context {
        run,
        latest: input.latest.iter().map(|s| (s.inventory_id, s)).collect(),
        meta_now: Meta {
            date_created: naive(tenant.created_at),
            date_updated: naive(run.exported_at),
            user_id: EXPORT_USER_ID.to_string(),
        },
    };
    let organizations: HashMap<i64, &organization::Model> = input.organizations.iter().map(|o| (o.id, o)).collect();
    let is_dv = |s: &shelter::Model| {
        // The stored flag, and the rule itself: either one keeps a shelter out of the open rows.
        s.is_dv
            || is_dv_shelter(
                s.target_population,
                organizations.get(&s.organization_id).is_some_and(|o| o.victim_service_provider),
            )
    };

    let mut projects: Vec<&shelter::Model> = input.projects.iter().filter(|s| s.active).collect();
    projects.sort_by(|a, b| (&a.hmis_project_id, a.id).cmp(&(&b.hmis_project_id, b.id)));
    let mut lines_of: HashMap<i64, Vec<&inventory::Model>> = HashMap::new();
    for line in input.lines.iter().filter(|l| in_effect(l, day)) {
        lines_of.entry(line.shelter_id).or_default().push(line);
    }
    for lines in lines_of.values_mut() {
        lines.sort_by(|a, b| {
            (&a.coc_code, a.household_type, a.es_bed_type, a.id).cmp(&(
                &b.coc_code,
                b.household_type,
                b.es_bed_type,
                b.id,
            ))
        });
    }

    let mut out = HmisExport {
        export: export_record(tenant, run),
        organizations: Vec::new(),
        users: vec![UserRecord {
            user_id: EXPORT_USER_ID.to_string(),
            first_name: Some(SOFTWARE_NAME.to_string()),
            date_created: naive(tenant.created_at),
            date_updated: naive(tenant.created_at),
        }],
        projects: Vec::new(),
        project_cocs: Vec::new(),
        funders: Vec::new(),
        inventories: Vec::new(),
        participations: Vec::new(),
        rows: Vec::new(),
        dv: DvSummary::default(),
    };
    let mut used_organizations = BTreeMap::new();
    let mut dv_projects = Vec::new();
    for project in projects {
        let lines = lines_of.remove(&project.id).unwrap_or_default();
        if is_dv(project) {
            dv_projects.push((project, lines));
            continue;
        }
        let org = organizations.get(&project.organization_id).copied();
        if let Some(org) = org {
            used_organizations.insert(org.hmis_organization_id.clone(), org);
        }
        add_project(&mut out, &ctx, project, org, &lines);
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

fn export_record(tenant: &tenant::Model, run: &ExportRun) -> ExportRecord {
    let day = run.exported_at.date_naive();
    ExportRecord {
        export_id: run.export_id.clone(),
        source_type: SOURCE_TYPE_COC_HMIS,
        source_id: tenant.coc_codes.clone(),
        export_date: naive(run.exported_at),
        export_start_date: day,
        export_end_date: day,
        software_name: SOFTWARE_NAME.to_string(),
        software_version: run.software_version.clone(),
        csv_version: CSV_VERSION.to_string(),
        export_period_type: EXPORT_PERIOD_REPORTING,
        export_directive: EXPORT_DIRECTIVE_FULL,
        hash_status: HASH_STATUS_UNHASHED,
        implementation_id: run.implementation_id.clone(),
    }
}

/// A non-DV project: its own records and preview row.
fn add_project(
    out: &mut HmisExport,
    ctx: &Context,
    p: &shelter::Model,
    org: Option<&organization::Model>,
    lines: &[&inventory::Model],
) {
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
        std::iter::once(p.coc_code.as_str()).chain(lines.iter().map(|l| l.coc_code.as_str())).collect();
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
    for line in lines {
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
            meta: ctx.meta(line.created_at, line.updated_at),
        });
    }
    out.participations.push(ParticipationRecord {
        participation_id: p.public_id.clone(),
        project_id: p.hmis_project_id.clone(),
        participation_type: p.hmis_participation_type,
        start_date: p.operating_start_date,
        end_date: p.operating_end_date,
        meta,
    });
    let (households, oldest_update, unreported_lines) = ctx.beds(lines.iter().copied());
    out.rows.push(PreviewRow {
        project_id: p.hmis_project_id.clone(),
        name: p.name.clone(),
        organization: org.map(|o| o.name.clone()).unwrap_or_default(),
        project_type: p.project_type,
        dv_aggregate: false,
        shelters: 1,
        households,
        oldest_update,
        unreported_lines,
    });
}

/// Every DV shelter folded into one synthetic project, cell by cell, with suppression.
fn add_dv_aggregate(
    out: &mut HmisExport,
    ctx: &Context,
    tenant: &tenant::Model,
    dv: &[(&shelter::Model, Vec<&inventory::Model>)],
) {
    let mut cells: BTreeMap<(String, i32), Cell> = BTreeMap::new();
    let mut contributing = BTreeSet::new();
    for (shelter, lines) in dv {
        for line in lines {
            cells.entry((line.coc_code.clone(), line.household_type)).or_default().lines.push((shelter, line));
            if line.bed_inventory > 0 {
                contributing.insert(shelter.id);
            }
        }
    }
    let beds_total: i64 = cells.values().map(Cell::beds).sum();
    let (min_shelters, min_beds) = (tenant.dv_min_shelters, tenant.dv_min_beds);
    let mut summary = DvSummary {
        min_shelters,
        min_beds,
        contributing_shelters: contributing.len() as u32,
        beds_total,
        ..Default::default()
    };
    let group_reason = if (contributing.len() as i64) < i64::from(min_shelters) {
        Some(Suppression::GroupTooFewShelters)
    } else if beds_total < i64::from(min_beds) {
        Some(Suppression::GroupTooFewBeds)
    } else {
        None
    };
    if let Some(reason) = group_reason {
        if beds_total > 0 || !contributing.is_empty() {
            summary.suppressed.push(SuppressedBeds { reason, beds: beds_total, shelters: contributing.len() as u32 });
        }
        summary.beds_suppressed = beds_total;
        out.dv = summary;
        return;
    }
    let mut sent: Vec<(&(String, i32), &Cell)> = Vec::new();
    for (key, cell) in &cells {
        let (shelters, beds) = (cell.shelters().len(), cell.beds());
        let (coc_code, household_type) = (key.0.clone(), key.1);
        let reason = if (shelters as i64) < i64::from(min_shelters) {
            Suppression::CellTooFewShelters { coc_code, household_type }
        } else if beds < i64::from(min_beds) {
            Suppression::CellTooFewBeds { coc_code, household_type }
        } else {
            sent.push((key, cell));
            continue;
        };
        if beds > 0 {
            summary.suppressed.push(SuppressedBeds { reason, beds, shelters: shelters as u32 });
            summary.beds_suppressed += beds;
        }
    }
    summary.beds_sent = sent.iter().map(|(_, c)| c.beds()).sum();
    out.dv = summary;
    if !sent.is_empty() {
        add_dv_records(out, ctx, &sent);
    }
}

/// The project type (or housing type) holding the most beds among the sent cells; ties go to
/// the lowest code.
fn dominant(sent: &[(&(String, i32), &Cell)], key: impl Fn(&shelter::Model) -> Option<i32>) -> Option<i32> {
    let mut beds: BTreeMap<i32, i64> = BTreeMap::new();
    for (_, cell) in sent {
        for (s, l) in &cell.lines {
            if let Some(k) = key(s) {
                *beds.entry(k).or_default() += i64::from(l.bed_inventory);
            }
        }
    }
    beds.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(k, _)| k)
}

fn add_dv_records(out: &mut HmisExport, ctx: &Context, sent: &[(&(String, i32), &Cell)]) {
    let meta = ctx.meta_now.clone();
    let project_type = dominant(sent, |s| Some(s.project_type)).unwrap_or(0);
    let es = is_emergency_shelter(project_type);
    let all_lines = || sent.iter().flat_map(|(_, c)| c.lines.iter());
    let start = all_lines().map(|(s, _)| s.operating_start_date).min().unwrap_or(ctx.run.exported_at.date_naive());
    out.organizations.push(OrganizationRecord {
        organization_id: DV_ORGANIZATION_ID.to_string(),
        organization_name: DV_ORGANIZATION_NAME.to_string(),
        victim_service_provider: 1,
        meta: meta.clone(),
    });
    out.projects.push(ProjectRecord {
        project_id: DV_PROJECT_ID.to_string(),
        organization_id: DV_ORGANIZATION_ID.to_string(),
        project_name: DV_PROJECT_NAME.to_string(),
        operating_start_date: start,
        operating_end_date: None,
        continuum_project: 1,
        project_type,
        housing_type: dominant(sent, |s| s.housing_type),
        rrh_sub_type: rrh_sub_type(project_type),
        target_population: Some(TARGET_POPULATION_DV),
        meta: meta.clone(),
    });
    let coc_codes: BTreeSet<&str> = sent.iter().map(|(k, _)| k.0.as_str()).collect();
    for coc in coc_codes {
        // No address, city, ZIP or geocode: none of a DV shelter's location may be sent.
        out.project_cocs.push(ProjectCocRecord {
            project_coc_id: format!("{DV_PROJECT_ID}-{coc}"),
            project_id: DV_PROJECT_ID.to_string(),
            coc_code: coc.to_string(),
            geocode: None,
            address1: None,
            city: None,
            state: None,
            zip: None,
            geography_type: Some(GEOGRAPHY_UNKNOWN),
            meta: meta.clone(),
        });
    }
    for ((coc, household_type), cell) in sent {
        let mut sub = [0i64; 7];
        for (_, line) in &cell.lines {
            for (total, n) in sub.iter_mut().zip(sub_counts(line)) {
                *total += n;
            }
        }
        out.inventories.push(InventoryRecord {
            inventory_id: format!("{DV_PROJECT_ID}-{coc}-{household_type}"),
            project_id: DV_PROJECT_ID.to_string(),
            coc_code: coc.clone(),
            household_type: *household_type,
            availability: es.then_some(AVAILABILITY_YEAR_ROUND),
            unit_inventory: cell.lines.iter().map(|(_, l)| i64::from(l.unit_inventory)).sum(),
            bed_inventory: cell.beds(),
            sub_counts: sub,
            es_bed_type: es.then_some(ES_BED_TYPE_FACILITY),
            inventory_start_date: cell.lines.iter().map(|(_, l)| l.inventory_start_date).min().unwrap_or(start),
            inventory_end_date: None,
            meta: meta.clone(),
        });
    }
    out.participations.push(ParticipationRecord {
        participation_id: DV_PROJECT_ID.to_string(),
        project_id: DV_PROJECT_ID.to_string(),
        participation_type: HMIS_PARTICIPATION_COMPARABLE_DB,
        start_date: start,
        end_date: None,
        meta,
    });
    let (households, oldest_update, unreported_lines) = ctx.beds(all_lines().map(|(_, l)| *l));
    let shelters: BTreeSet<i64> = sent.iter().flat_map(|(_, c)| c.shelters()).collect();
    out.rows.push(PreviewRow {
        project_id: DV_PROJECT_ID.to_string(),
        name: DV_PROJECT_NAME.to_string(),
        organization: DV_ORGANIZATION_NAME.to_string(),
        project_type,
        dv_aggregate: true,
        shelters: shelters.len() as u32,
        households,
        oldest_update,
        unreported_lines,
    });
}
