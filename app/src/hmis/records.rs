//! The HMIS records one export produces: the rows of the project descriptor CSV files, plus the
//! preview rows and the DV summary. Built only by `transform`, written by `csv`.
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::{DvSummary, ExportParams, PreviewRow, is_reserved_id};
use crate::ssr::clock::CocClock;

/// What identifies one export run; chosen by the caller.
#[derive(Debug, Clone)]
pub struct ExportRun {
    /// S32, new for each export.
    pub export_id: String,
    /// Stable per installation.
    pub implementation_id: String,
    pub exported_at: DateTime<Utc>,
    pub software_version: String,
    /// The CoC's clock: the CSV's dates and date-times are its wall clock.
    pub clock: CocClock,
    /// The as-of date and the report period the admin chose.
    pub params: ExportParams,
}

/// HMIS metadata: DateCreated, DateUpdated, UserID, and DateDeleted for a record sent as a
/// deletion (the CSV specification's way to tell every kind of importer that a record it may
/// hold is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub date_created: NaiveDateTime,
    pub date_updated: NaiveDateTime,
    pub user_id: String,
    pub date_deleted: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    pub export_id: String,
    pub source_type: i32,
    pub source_id: String,
    pub source_name: Option<String>,
    /// SourceContactFirst, Last, Phone, Extension, Email.
    pub source_contact: [Option<String>; 5],
    pub export_date: NaiveDateTime,
    pub export_start_date: NaiveDate,
    pub export_end_date: NaiveDate,
    pub software_name: String,
    pub software_version: String,
    pub csv_version: String,
    pub export_period_type: i32,
    pub export_directive: i32,
    pub hash_status: i32,
    pub implementation_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRecord {
    pub organization_id: String,
    pub organization_name: String,
    pub victim_service_provider: i32,
    pub meta: Meta,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user_id: String,
    pub first_name: Option<String>,
    pub date_created: NaiveDateTime,
    pub date_updated: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    pub project_id: String,
    pub organization_id: String,
    pub project_name: String,
    pub operating_start_date: NaiveDate,
    pub operating_end_date: Option<NaiveDate>,
    pub continuum_project: i32,
    pub project_type: i32,
    pub housing_type: Option<i32>,
    /// 2.02.A, required for RRH (ProjectType 13).
    pub rrh_sub_type: Option<i32>,
    pub target_population: Option<i32>,
    pub meta: Meta,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCocRecord {
    pub project_coc_id: String,
    pub project_id: String,
    pub coc_code: String,
    pub geocode: Option<String>,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub geography_type: Option<i32>,
    pub meta: Meta,
}

/// 2.06 Funding Sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunderRecord {
    pub funder_id: String,
    pub project_id: String,
    pub funder: i32,
    pub other_funder: Option<String>,
    pub grant_id: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub meta: Meta,
}

/// 2.07 with the seven sub-counts in Inventory.csv's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRecord {
    pub inventory_id: String,
    pub project_id: String,
    pub coc_code: String,
    pub household_type: i32,
    pub availability: Option<i32>,
    pub unit_inventory: i64,
    pub bed_inventory: i64,
    /// CHVet, YouthVet, Vet, CHYouth, Youth, CH, Other.
    pub sub_counts: [i64; 7],
    pub es_bed_type: Option<i32>,
    pub inventory_start_date: NaiveDate,
    pub inventory_end_date: Option<NaiveDate>,
    pub meta: Meta,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipationRecord {
    pub participation_id: String,
    pub project_id: String,
    pub participation_type: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub meta: Meta,
}

/// 2.09 Coordinated Entry Participation: flags as 0/1, the access point's four only for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeParticipationRecord {
    pub ce_participation_id: String,
    pub project_id: String,
    pub access_point: i32,
    /// Prevention, crisis and housing assessment, direct services (2.09.A).
    pub access: Option<[i32; 4]>,
    pub receives_referrals: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub meta: Meta,
}

/// Everything one export sends: the descriptor records of the CSV files, and the rows the
/// preview shows and the JSON payloads carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmisExport {
    pub export: ExportRecord,
    pub organizations: Vec<OrganizationRecord>,
    pub users: Vec<UserRecord>,
    pub projects: Vec<ProjectRecord>,
    pub project_cocs: Vec<ProjectCocRecord>,
    pub funders: Vec<FunderRecord>,
    pub inventories: Vec<InventoryRecord>,
    pub participations: Vec<ParticipationRecord>,
    pub ce_participations: Vec<CeParticipationRecord>,
    pub rows: Vec<PreviewRow>,
    pub dv: DvSummary,
}

impl HmisExport {
    /// The export without anything DV: for a vendor whose DV policy is "nothing DV" (the HMIS
    /// Lead already holds the VSP projects as descriptor-only records).
    pub fn without_dv(&self) -> HmisExport {
        let ours = is_reserved_id;
        HmisExport {
            export: self.export.clone(),
            organizations: self.organizations.iter().filter(|o| !ours(&o.organization_id)).cloned().collect(),
            users: self.users.clone(),
            projects: self.projects.iter().filter(|p| !ours(&p.project_id)).cloned().collect(),
            project_cocs: self.project_cocs.iter().filter(|c| !ours(&c.project_id)).cloned().collect(),
            funders: self.funders.iter().filter(|f| !ours(&f.project_id)).cloned().collect(),
            inventories: self.inventories.iter().filter(|l| !ours(&l.project_id)).cloned().collect(),
            participations: self.participations.iter().filter(|p| !ours(&p.project_id)).cloned().collect(),
            ce_participations: self.ce_participations.iter().filter(|c| !ours(&c.project_id)).cloned().collect(),
            rows: self.rows.iter().filter(|r| !r.dv_aggregate).cloned().collect(),
            dv: DvSummary { beds_sent: 0, ..self.dv.clone() },
        }
    }
}
