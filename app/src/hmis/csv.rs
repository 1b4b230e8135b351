//! The HMIS CSV FY2026 writer: the project descriptor files with their exact headers and order,
//! in a flat zip (../shared/docs/hmis-fy2026.md section 1).
//!
//! Conventions: a header row of bare names; string cells always in double quotes (a quote inside
//! is doubled); integers and dates bare; null as an empty field; CRLF line ends; UTF-8 without a
//! byte-order mark. Text passes through as entered (FY2026), except that `< > [ ] { }` are
//! stripped (the one change the spec allows; the forms refuse them anyway), line breaks and tabs
//! become spaces, and a string longer than its column's S# limit is cut at that many characters.
//! Text that a spreadsheet would run as a formula (a leading `= + - @`) is refused where it is
//! typed (`input::exported_text`), not rewritten here.
use std::io::{Cursor, Write};

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use zip::write::SimpleFileOptions;

use super::records::{
    CeParticipationRecord, ExportRecord, FunderRecord, HmisExport, InventoryRecord, Meta, OrganizationRecord,
    ParticipationRecord, ProjectCocRecord, ProjectRecord, UserRecord,
};

/// An HMIS CSV column type: `S#` string of at most # characters, `I` integer, `D` date, `T` datetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    S(usize),
    I,
    D,
    T,
}

use Kind::{D, I, S, T};

/// One cell's value before formatting, borrowed from the records.
enum Cell<'a> {
    S(Option<&'a str>),
    I(Option<i64>),
    D(Option<NaiveDate>),
    T(Option<NaiveDateTime>),
}

fn s(v: &str) -> Cell<'_> {
    Cell::S(Some(v))
}
fn so(v: &Option<String>) -> Cell<'_> {
    Cell::S(v.as_deref())
}
fn i<'a>(v: impl Into<i64>) -> Cell<'a> {
    Cell::I(Some(v.into()))
}
fn io<'a>(v: Option<i32>) -> Cell<'a> {
    Cell::I(v.map(i64::from))
}
fn d<'a>(v: NaiveDate) -> Cell<'a> {
    Cell::D(Some(v))
}
fn t<'a>(v: NaiveDateTime) -> Cell<'a> {
    Cell::T(Some(v))
}
/// A column this product never fills (null).
fn null<'a, R>(_: &'a R, _: &'a str) -> Cell<'a> {
    Cell::S(None)
}

/// One column of a file: its HMIS name, its type, and its cell for a record (given the
/// export's ExportID). A header and its cells come from the same line, so they cannot drift.
struct Column<R> {
    name: &'static str,
    kind: Kind,
    value: CellOf<R>,
}

/// How a record gives its cell in one column (the export's ExportID at hand).
type CellOf<R> = for<'a> fn(&'a R, &'a str) -> Cell<'a>;

impl<R> Clone for Column<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Column<R> {}

const fn col<R>(name: &'static str, kind: Kind, value: CellOf<R>) -> Column<R> {
    Column { name, kind, value }
}

/// Records with HMIS metadata: their files end with [`META`].
trait WithMeta {
    fn meta(&self) -> &Meta;
}

macro_rules! with_meta {
    ($($record:ty),*) => {$(
        impl WithMeta for $record {
            fn meta(&self) -> &Meta {
                &self.meta
            }
        }
    )*};
}
with_meta!(
    OrganizationRecord,
    ProjectRecord,
    ProjectCocRecord,
    FunderRecord,
    InventoryRecord,
    ParticipationRecord,
    CeParticipationRecord
);

/// DateCreated, DateUpdated, UserID, DateDeleted, ExportID: the tail of most files.
fn meta<R: WithMeta>() -> [Column<R>; 5] {
    [
        col("DateCreated", T, |r, _| t(r.meta().date_created)),
        col("DateUpdated", T, |r, _| t(r.meta().date_updated)),
        col("UserID", S(32), |r, _| s(&r.meta().user_id)),
        col("DateDeleted", T, |r, _| Cell::T(r.meta().date_deleted)),
        col("ExportID", S(32), |_, id| s(id)),
    ]
}

const EXPORT: &[Column<ExportRecord>] = &[
    col("ExportID", S(32), |e, _| s(&e.export_id)),
    col("SourceType", I, |e, _| i(e.source_type)),
    col("SourceID", S(350), |e, _| s(&e.source_id)),
    col("SourceName", S(50), |e, _| so(&e.source_name)),
    col("SourceContactFirst", S(50), |e, _| so(&e.source_contact[0])),
    col("SourceContactLast", S(50), |e, _| so(&e.source_contact[1])),
    col("SourceContactPhone", S(10), |e, _| so(&e.source_contact[2])),
    col("SourceContactExtension", S(5), |e, _| so(&e.source_contact[3])),
    col("SourceContactEmail", S(320), |e, _| so(&e.source_contact[4])),
    col("ExportDate", T, |e, _| t(e.export_date)),
    col("ExportStartDate", D, |e, _| d(e.export_start_date)),
    col("ExportEndDate", D, |e, _| d(e.export_end_date)),
    col("SoftwareName", S(50), |e, _| s(&e.software_name)),
    col("SoftwareVersion", S(50), |e, _| s(&e.software_version)),
    col("CSVVersion", S(50), |e, _| s(&e.csv_version)),
    col("ExportPeriodType", I, |e, _| i(e.export_period_type)),
    col("ExportDirective", I, |e, _| i(e.export_directive)),
    col("HashStatus", I, |e, _| i(e.hash_status)),
    col("ImplementationID", S(200), |e, _| s(&e.implementation_id)),
];

const ORGANIZATION: &[Column<OrganizationRecord>] = &[
    col("OrganizationID", S(32), |o, _| s(&o.organization_id)),
    col("OrganizationName", S(200), |o, _| s(&o.organization_name)),
    col("VictimServiceProvider", I, |o, _| i(o.victim_service_provider)),
    col("OrganizationCommonName", S(200), null),
];

const USER: &[Column<UserRecord>] = &[
    col("UserID", S(32), |u, _| s(&u.user_id)),
    col("UserFirstName", S(50), |u, _| so(&u.first_name)),
    col("UserLastName", S(50), null),
    col("UserPhone", S(10), null),
    col("UserExtension", S(5), null),
    col("UserEmail", S(320), null),
    col("DateCreated", T, |u, _| t(u.date_created)),
    col("DateUpdated", T, |u, _| t(u.date_updated)),
    col("DateDeleted", T, |_, _| Cell::T(None)),
    col("ExportID", S(32), |_, id| s(id)),
];

const PROJECT: &[Column<ProjectRecord>] = &[
    col("ProjectID", S(32), |p, _| s(&p.project_id)),
    col("OrganizationID", S(32), |p, _| s(&p.organization_id)),
    col("ProjectName", S(200), |p, _| s(&p.project_name)),
    col("ProjectCommonName", S(200), null),
    col("OperatingStartDate", D, |p, _| d(p.operating_start_date)),
    col("OperatingEndDate", D, |p, _| Cell::D(p.operating_end_date)),
    col("ContinuumProject", I, |p, _| i(p.continuum_project)),
    col("ProjectType", I, |p, _| i(p.project_type)),
    col("HousingType", I, |p, _| io(p.housing_type)),
    col("RRHSubType", I, |p, _| io(p.rrh_sub_type)),
    col("ResidentialAffiliation", I, |_, _| Cell::I(None)),
    col("TargetPopulation", I, |p, _| io(p.target_population)),
    col("HOPWAMedAssistedLivingFac", I, |_, _| Cell::I(None)),
    col("PITCount", I, |_, _| Cell::I(None)),
];

const PROJECT_COC: &[Column<ProjectCocRecord>] = &[
    col("ProjectCoCID", S(32), |c, _| s(&c.project_coc_id)),
    col("ProjectID", S(32), |c, _| s(&c.project_id)),
    col("CoCCode", S(6), |c, _| s(&c.coc_code)),
    col("Geocode", S(6), |c, _| so(&c.geocode)),
    col("Address1", S(100), |c, _| so(&c.address1)),
    col("Address2", S(100), null),
    col("City", S(50), |c, _| so(&c.city)),
    col("State", S(2), |c, _| so(&c.state)),
    col("ZIP", S(5), |c, _| so(&c.zip)),
    col("GeographyType", I, |c, _| io(c.geography_type)),
];

const FUNDER: &[Column<FunderRecord>] = &[
    col("FunderID", S(32), |f, _| s(&f.funder_id)),
    col("ProjectID", S(32), |f, _| s(&f.project_id)),
    col("Funder", I, |f, _| i(f.funder)),
    col("OtherFunder", S(100), |f, _| so(&f.other_funder)),
    col("GrantID", S(100), |f, _| so(&f.grant_id)),
    col("StartDate", D, |f, _| d(f.start_date)),
    col("EndDate", D, |f, _| Cell::D(f.end_date)),
];

const INVENTORY: &[Column<InventoryRecord>] = &[
    col("InventoryID", S(32), |v, _| s(&v.inventory_id)),
    col("ProjectID", S(32), |v, _| s(&v.project_id)),
    col("CoCCode", S(6), |v, _| s(&v.coc_code)),
    col("HouseholdType", I, |v, _| i(v.household_type)),
    col("Availability", I, |v, _| io(v.availability)),
    col("UnitInventory", I, |v, _| i(v.unit_inventory)),
    col("BedInventory", I, |v, _| i(v.bed_inventory)),
    col("CHVetBedInventory", I, |v, _| i(v.sub_counts[0])),
    col("YouthVetBedInventory", I, |v, _| i(v.sub_counts[1])),
    col("VetBedInventory", I, |v, _| i(v.sub_counts[2])),
    col("CHYouthBedInventory", I, |v, _| i(v.sub_counts[3])),
    col("YouthBedInventory", I, |v, _| i(v.sub_counts[4])),
    col("CHBedInventory", I, |v, _| i(v.sub_counts[5])),
    col("OtherBedInventory", I, |v, _| i(v.sub_counts[6])),
    col("ESBedType", I, |v, _| io(v.es_bed_type)),
    col("InventoryStartDate", D, |v, _| d(v.inventory_start_date)),
    col("InventoryEndDate", D, |v, _| Cell::D(v.inventory_end_date)),
];

const HMIS_PARTICIPATION: &[Column<ParticipationRecord>] = &[
    col("HMISParticipationID", S(32), |p, _| s(&p.participation_id)),
    col("ProjectID", S(32), |p, _| s(&p.project_id)),
    col("HMISParticipationType", I, |p, _| i(p.participation_type)),
    col("HMISParticipationStatusStartDate", D, |p, _| d(p.start_date)),
    col("HMISParticipationStatusEndDate", D, |p, _| Cell::D(p.end_date)),
];

const CE_PARTICIPATION: &[Column<CeParticipationRecord>] = &[
    col("CEParticipationID", S(32), |c, _| s(&c.ce_participation_id)),
    col("ProjectID", S(32), |c, _| s(&c.project_id)),
    col("AccessPoint", I, |c, _| i(c.access_point)),
    col("PreventionAssessment", I, |c, _| io(c.access.map(|a| a[0]))),
    col("CrisisAssessment", I, |c, _| io(c.access.map(|a| a[1]))),
    col("HousingAssessment", I, |c, _| io(c.access.map(|a| a[2]))),
    col("DirectServices", I, |c, _| io(c.access.map(|a| a[3]))),
    col("ReceivesReferrals", I, |c, _| i(c.receives_referrals)),
    col("CEParticipationStatusStartDate", D, |c, _| d(c.start_date)),
    col("CEParticipationStatusEndDate", D, |c, _| Cell::D(c.end_date)),
];

/// One CSV file of the export: its name, its columns, and the records it holds.
pub trait CsvFile {
    fn name(&self) -> &'static str;
    /// The file's text: the header, then a row per record.
    fn text(&self, export: &HmisExport) -> String;
    /// The same rows as JSON objects keyed by the column names (the HUD HMIS API's
    /// `/csvexport` shape): strings cleaned and cut as in the CSV, integers as numbers, dates as
    /// `YYYY-MM-DD`, date-times as `YYYY-MM-DDTHH:MM:SS`, empty cells as null.
    fn json(&self, export: &HmisExport) -> Vec<serde_json::Value>;
    /// The columns in order, each with its type; none for a header-only file (it has no rows).
    fn columns(&self) -> Vec<(&'static str, Option<Kind>)>;
}

struct Table<R> {
    name: &'static str,
    columns: Vec<Column<R>>,
    records: fn(&HmisExport) -> &[R],
}

impl<R> Table<R> {
    fn new(name: &'static str, columns: &[Column<R>], records: fn(&HmisExport) -> &[R]) -> Self {
        Table { name, columns: columns.to_vec(), records }
    }

    /// The same, with the metadata tail.
    fn with_meta(name: &'static str, columns: &[Column<R>], records: fn(&HmisExport) -> &[R]) -> Self
    where
        R: WithMeta,
    {
        let mut table = Table::new(name, columns, records);
        table.columns.extend(meta());
        table
    }
}

impl<R> CsvFile for Table<R> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn text(&self, export: &HmisExport) -> String {
        let mut out = self.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",");
        out.push_str("\r\n");
        let id = export.export.export_id.as_str();
        for record in (self.records)(export) {
            for (n, column) in self.columns.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_cell(&mut out, &(column.value)(record, id), column.kind);
            }
            out.push_str("\r\n");
        }
        out
    }

    fn json(&self, export: &HmisExport) -> Vec<serde_json::Value> {
        let id = export.export.export_id.as_str();
        (self.records)(export)
            .iter()
            .map(|record| {
                let row = self.columns.iter().map(|c| (c.name.to_string(), json_cell(&(c.value)(record, id), c.kind)));
                serde_json::Value::Object(row.collect())
            })
            .collect()
    }

    fn columns(&self) -> Vec<(&'static str, Option<Kind>)> {
        self.columns.iter().map(|c| (c.name, Some(c.kind))).collect()
    }
}

/// A file of the FY2026 set this product holds no records for: its header row alone. Affiliation
/// links services-only projects to residential ones (every project here is residential); the
/// client-level files never have data here.
#[derive(Clone, Copy)]
struct HeaderOnly {
    name: &'static str,
    columns: &'static [&'static str],
}

impl CsvFile for HeaderOnly {
    fn name(&self) -> &'static str {
        self.name
    }

    fn text(&self, _: &HmisExport) -> String {
        format!("{}\r\n", self.columns.join(","))
    }

    fn json(&self, _: &HmisExport) -> Vec<serde_json::Value> {
        Vec::new()
    }

    fn columns(&self) -> Vec<(&'static str, Option<Kind>)> {
        self.columns.iter().map(|c| (*c, None)).collect()
    }
}

const META_NAMES: [&str; 5] = ["DateCreated", "DateUpdated", "UserID", "DateDeleted", "ExportID"];

macro_rules! header_only {
    ($name:literal, [$($column:literal),* $(,)?]) => {
        HeaderOnly { name: $name, columns: &[$($column,)* META_NAMES[0], META_NAMES[1], META_NAMES[2], META_NAMES[3], META_NAMES[4]] }
    };
}

/// Affiliation.csv (2.05, services-only projects).
const AFFILIATION: HeaderOnly = header_only!("Affiliation.csv", ["AffiliationID", "ProjectID", "ResProjectID"]);

/// The client-level FY2026 files, header only, for importers that require the whole set (a
/// vendor's "client files" option). Headers from the FY2026 machine-readable specification.
const CLIENT_FILES: &[HeaderOnly] = &[
    header_only!(
        "Client.csv",
        [
            "PersonalID",
            "FirstName",
            "MiddleName",
            "LastName",
            "NameSuffix",
            "NameDataQuality",
            "SSN",
            "SSNDataQuality",
            "DOB",
            "DOBDataQuality",
            "Sex",
            "AmIndAKNative",
            "Asian",
            "BlackAfAmerican",
            "HispanicLatinao",
            "MidEastNAfrican",
            "NativeHIPacific",
            "White",
            "RaceNone",
            "AdditionalRaceEthnicity",
            "VeteranStatus",
            "YearEnteredService",
            "YearSeparated",
            "WorldWarII",
            "KoreanWar",
            "VietnamWar",
            "DesertStorm",
            "AfghanistanOEF",
            "IraqOIF",
            "IraqOND",
            "OtherTheater",
            "MilitaryBranch",
            "DischargeStatus",
        ]
    ),
    header_only!(
        "Enrollment.csv",
        [
            "EnrollmentID",
            "PersonalID",
            "ProjectID",
            "EntryDate",
            "HouseholdID",
            "RelationshipToHoH",
            "EnrollmentCoC",
            "LivingSituation",
            "RentalSubsidyType",
            "LengthOfStay",
            "LOSUnderThreshold",
            "PreviousStreetESSH",
            "DateToStreetESSH",
            "TimesHomelessPastThreeYears",
            "MonthsHomelessPastThreeYears",
            "DisablingCondition",
            "DateOfEngagement",
            "MoveInDate",
            "DateOfPATHStatus",
            "ClientEnrolledInPATH",
            "ReasonNotEnrolled",
            "PercentAMI",
            "ReferralSource",
            "CountOutreachReferralApproaches",
            "DateOfBCPStatus",
            "EligibleForRHY",
            "ReasonNoServices",
            "RunawayYouth",
            "FormerWardChildWelfare",
            "ChildWelfareYears",
            "ChildWelfareMonths",
            "FormerWardJuvenileJustice",
            "JuvenileJusticeYears",
            "JuvenileJusticeMonths",
            "UnemploymentFam",
            "MentalHealthDisorderFam",
            "PhysicalDisabilityFam",
            "AlcoholDrugUseDisorderFam",
            "InsufficientIncome",
            "IncarceratedParent",
            "VAMCStation",
            "TargetScreenReqd",
            "TimeToHousingLoss",
            "AnnualPercentAMI",
            "LiteralHomelessHistory",
            "ClientLeaseholder",
            "HOHLeaseholder",
            "SubsidyAtRisk",
            "EvictionHistory",
            "CriminalRecord",
            "IncarceratedAdult",
            "PrisonDischarge",
            "SexOffender",
            "DisabledHoH",
            "CurrentPregnant",
            "SingleParent",
            "DependentUnder6",
            "HH5Plus",
            "CoCPrioritized",
            "HPScreeningScore",
            "ThresholdScore",
            "MentalHealthConsultation",
        ]
    ),
    header_only!(
        "Exit.csv",
        [
            "ExitID",
            "EnrollmentID",
            "PersonalID",
            "ExitDate",
            "Destination",
            "DestinationSubsidyType",
            "OtherDestination",
            "HousingAssessment",
            "SubsidyInformation",
            "ProjectCompletionStatus",
            "EarlyExitReason",
            "ExchangeForSex",
            "ExchangeForSexPastThreeMonths",
            "CountOfExchangeForSex",
            "AskedOrForcedToExchangeForSex",
            "AskedOrForcedToExchangeForSexPastThreeMonths",
            "WorkplaceViolenceThreats",
            "WorkplacePromiseDifference",
            "CoercedToContinueWork",
            "LaborExploitPastThreeMonths",
            "CounselingReceived",
            "IndividualCounseling",
            "FamilyCounseling",
            "GroupCounseling",
            "SessionCountAtExit",
            "PostExitCounselingPlan",
            "SessionsInPlan",
            "DestinationSafeClient",
            "DestinationSafeWorker",
            "PosAdultConnections",
            "PosPeerConnections",
            "PosCommunityConnections",
            "AftercareDate",
            "AftercareProvided",
            "EmailSocialMedia",
            "Telephone",
            "InPersonIndividual",
            "InPersonGroup",
            "CMExitReason",
        ]
    ),
    header_only!(
        "IncomeBenefits.csv",
        [
            "IncomeBenefitsID",
            "EnrollmentID",
            "PersonalID",
            "InformationDate",
            "IncomeFromAnySource",
            "TotalMonthlyIncome",
            "Earned",
            "EarnedAmount",
            "Unemployment",
            "UnemploymentAmount",
            "SSI",
            "SSIAmount",
            "SSDI",
            "SSDIAmount",
            "VADisabilityService",
            "VADisabilityServiceAmount",
            "VADisabilityNonService",
            "VADisabilityNonServiceAmount",
            "PrivateDisability",
            "PrivateDisabilityAmount",
            "WorkersComp",
            "WorkersCompAmount",
            "TANF",
            "TANFAmount",
            "GA",
            "GAAmount",
            "SocSecRetirement",
            "SocSecRetirementAmount",
            "Pension",
            "PensionAmount",
            "ChildSupport",
            "ChildSupportAmount",
            "Alimony",
            "AlimonyAmount",
            "OtherIncomeSource",
            "OtherIncomeAmount",
            "OtherIncomeSourceIdentify",
            "BenefitsFromAnySource",
            "SNAP",
            "WIC",
            "TANFChildCare",
            "TANFTransportation",
            "OtherTANF",
            "OtherBenefitsSource",
            "OtherBenefitsSourceIdentify",
            "InsuranceFromAnySource",
            "Medicaid",
            "NoMedicaidReason",
            "Medicare",
            "NoMedicareReason",
            "SCHIP",
            "NoSCHIPReason",
            "VHAServices",
            "NoVHAReason",
            "EmployerProvided",
            "NoEmployerProvidedReason",
            "COBRA",
            "NoCOBRAReason",
            "PrivatePay",
            "NoPrivatePayReason",
            "StateHealthIns",
            "NoStateHealthInsReason",
            "IndianHealthServices",
            "NoIndianHealthServicesReason",
            "OtherInsurance",
            "OtherInsuranceIdentify",
            "ADAP",
            "NoADAPReason",
            "RyanWhiteMedDent",
            "NoRyanWhiteReason",
            "ConnectionWithSOAR",
            "DataCollectionStage",
        ]
    ),
    header_only!(
        "HealthAndDV.csv",
        [
            "HealthAndDVID",
            "EnrollmentID",
            "PersonalID",
            "InformationDate",
            "DomesticViolenceSurvivor",
            "WhenOccurred",
            "CurrentlyFleeing",
            "GeneralHealthStatus",
            "DentalHealthStatus",
            "MentalHealthStatus",
            "PregnancyStatus",
            "DueDate",
            "DataCollectionStage",
        ]
    ),
    header_only!(
        "EmploymentEducation.csv",
        [
            "EmploymentEducationID",
            "EnrollmentID",
            "PersonalID",
            "InformationDate",
            "LastGradeCompleted",
            "SchoolStatus",
            "Employed",
            "EmploymentType",
            "NotEmployedReason",
            "DataCollectionStage",
        ]
    ),
    header_only!(
        "Disabilities.csv",
        [
            "DisabilitiesID",
            "EnrollmentID",
            "PersonalID",
            "InformationDate",
            "DisabilityType",
            "DisabilityResponse",
            "IndefiniteAndImpairs",
            "TCellCountAvailable",
            "TCellCount",
            "TCellSource",
            "ViralLoadAvailable",
            "ViralLoad",
            "ViralLoadSource",
            "AntiRetroviral",
            "DataCollectionStage",
        ]
    ),
    header_only!(
        "Services.csv",
        [
            "ServicesID",
            "EnrollmentID",
            "PersonalID",
            "DateProvided",
            "RecordType",
            "TypeProvided",
            "OtherTypeProvided",
            "MovingOnOtherType",
            "SubTypeProvided",
            "FAAmount",
            "FAStartDate",
            "FAEndDate",
            "ReferralOutcome",
        ]
    ),
    header_only!(
        "CurrentLivingSituation.csv",
        [
            "CurrentLivingSitID",
            "EnrollmentID",
            "PersonalID",
            "InformationDate",
            "CurrentLivingSituation",
            "CLSSubsidyType",
            "VerifiedBy",
            "LeaveSituation14Days",
            "SubsequentResidence",
            "ResourcesToObtain",
            "LeaseOwn60Day",
            "MovedTwoOrMore",
            "LocationDetails",
        ]
    ),
    header_only!(
        "Assessment.csv",
        [
            "AssessmentID",
            "EnrollmentID",
            "PersonalID",
            "AssessmentDate",
            "AssessmentLocation",
            "AssessmentType",
            "AssessmentLevel",
            "PrioritizationStatus",
        ]
    ),
    header_only!(
        "AssessmentQuestions.csv",
        [
            "AssessmentQuestionID",
            "AssessmentID",
            "EnrollmentID",
            "PersonalID",
            "AssessmentQuestionGroup",
            "AssessmentQuestionOrder",
            "AssessmentQuestion",
            "AssessmentAnswer",
        ]
    ),
    header_only!(
        "AssessmentResults.csv",
        [
            "AssessmentResultID",
            "AssessmentID",
            "EnrollmentID",
            "PersonalID",
            "AssessmentResultType",
            "AssessmentResult",
        ]
    ),
    header_only!(
        "Event.csv",
        [
            "EventID",
            "EnrollmentID",
            "PersonalID",
            "EventDate",
            "Event",
            "ProbSolDivRRResult",
            "ReferralCaseManageAfter",
            "LocationCrisisOrPHHousing",
            "ReferralResult",
            "ResultDate",
        ]
    ),
    header_only!(
        "YouthEducationStatus.csv",
        [
            "YouthEducationStatusID",
            "EnrollmentID",
            "PersonalID",
            "InformationDate",
            "CurrentSchoolAttend",
            "MostRecentEdStatus",
            "CurrentEdStatus",
            "DataCollectionStage",
        ]
    ),
];

/// The project-descriptor files, in the specification's order: what every export carries.
pub fn files() -> Vec<Box<dyn CsvFile>> {
    vec![
        Box::new(Table::new("Export.csv", EXPORT, |x| std::slice::from_ref(&x.export))),
        Box::new(Table::with_meta("Organization.csv", ORGANIZATION, |x| &x.organizations)),
        Box::new(Table::new("User.csv", USER, |x| &x.users)),
        Box::new(Table::with_meta("Project.csv", PROJECT, |x| &x.projects)),
        Box::new(Table::with_meta("Funder.csv", FUNDER, |x| &x.funders)),
        Box::new(Table::with_meta("ProjectCoC.csv", PROJECT_COC, |x| &x.project_cocs)),
        Box::new(Table::with_meta("Inventory.csv", INVENTORY, |x| &x.inventories)),
        Box::new(AFFILIATION),
        Box::new(Table::with_meta("HMISParticipation.csv", HMIS_PARTICIPATION, |x| &x.participations)),
        Box::new(Table::with_meta("CEParticipation.csv", CE_PARTICIPATION, |x| &x.ce_participations)),
    ]
}

/// Which files a zip holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSet {
    /// The project-descriptor files.
    Descriptors,
    /// Those and the client-level files, header only: the whole FY2026 set.
    Complete,
}

/// The files of a zip, in order.
pub fn files_of(set: FileSet) -> Vec<Box<dyn CsvFile>> {
    let mut files = files();
    if set == FileSet::Complete {
        files.extend(CLIENT_FILES.iter().map(|f| Box::new(*f) as Box<dyn CsvFile>));
    }
    files
}

fn stripped(c: char) -> bool {
    matches!(c, '<' | '>' | '[' | ']' | '{' | '}')
}

/// Clean a text cell for the export, CSV and JSON alike (see the module comment).
pub fn clean_text(raw: &str, max_chars: usize) -> String {
    raw.chars()
        .filter(|c| !stripped(*c))
        .map(|c| if matches!(c, '\r' | '\n' | '\t') { ' ' } else { c })
        .take(max_chars)
        .collect()
}

/// Text that needs no cleaning: nothing stripped or replaced, and short enough.
fn is_clean(v: &str, max_chars: usize) -> bool {
    !v.bytes().any(|b| matches!(b, b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'\r' | b'\n' | b'\t'))
        && (v.len() <= max_chars || v.chars().count() <= max_chars)
}

fn push_quoted(out: &mut String, v: &str) {
    out.push('"');
    if v.contains('"') {
        out.push_str(&v.replace('"', "\"\""));
    } else {
        out.push_str(v);
    }
    out.push('"');
}

/// YYYY-MM-DD, written directly (chrono's `format` parses its pattern on every call).
pub fn date_text(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, d);
    out
}

fn push_date(out: &mut String, d: NaiveDate) {
    use std::fmt::Write;
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

fn write_cell(out: &mut String, cell: &Cell, kind: Kind) {
    use std::fmt::Write;
    match (cell, kind) {
        (Cell::S(Some(v)), S(max)) if is_clean(v, max) => push_quoted(out, v),
        (Cell::S(Some(v)), S(max)) => push_quoted(out, &clean_text(v, max)),
        (Cell::I(Some(v)), _) => {
            let _ = write!(out, "{v}");
        }
        (Cell::D(Some(v)), _) => push_date(out, *v),
        (Cell::T(Some(v)), _) => {
            push_date(out, v.date());
            let _ = write!(out, " {:02}:{:02}:{:02}", v.hour(), v.minute(), v.second());
        }
        _ => {}
    }
}

/// One cell as JSON (see [`CsvFile::json`]). Text is cleaned as for the CSV.
fn json_cell(cell: &Cell, kind: Kind) -> serde_json::Value {
    use serde_json::Value;
    match (cell, kind) {
        (Cell::S(Some(v)), S(max)) if is_clean(v, max) => Value::String(v.to_string()),
        (Cell::S(Some(v)), S(max)) => Value::String(clean_text(v, max)),
        (Cell::I(Some(v)), _) => Value::from(*v),
        (Cell::D(Some(v)), _) => Value::String(date_text(*v)),
        (Cell::T(Some(v)), _) => {
            Value::String(format!("{}T{:02}:{:02}:{:02}", date_text(v.date()), v.hour(), v.minute(), v.second()))
        }
        _ => Value::Null,
    }
}

/// The flat zip of the CSV files of `set`. Entries carry the export's time, so the same export
/// gives the same bytes.
pub fn write_zip(export: &HmisExport, set: FileSet) -> Result<Vec<u8>, zip::result::ZipError> {
    let t = export.export.export_date;
    let (date, time) = (t.date(), t.time());
    let stamp = zip::DateTime::from_date_and_time(
        date.year().clamp(1980, 2107) as u16,
        date.month() as u8,
        date.day() as u8,
        time.hour() as u8,
        time.minute() as u8,
        time.second() as u8,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Level 1: several times faster than the default, and CSV still shrinks about tenfold.
        .compression_level(Some(1))
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for file in files_of(set) {
        zip.start_file(file.name(), options)?;
        zip.write_all(file.text(export).as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_through_but_for_what_fy2026_strips() {
        assert_eq!(clean_text("Hope <Street> [Shelter] {x}", 200), "Hope Street Shelter x");
        // Stored verbatim, sent verbatim (the forms refuse a leading = + - @).
        assert_eq!(clean_text("-1", 200), "-1");
        assert_eq!(clean_text("O'Hara & Sons, \"North\"", 200), "O'Hara & Sons, \"North\"");
        assert_eq!(clean_text("a\nb\tc", 200), "a b c");
        assert_eq!(clean_text("Casa Esperanza – Niños", 200), "Casa Esperanza – Niños");
        assert_eq!(clean_text("ééééé", 3), "ééé");
        assert_eq!(clean_text("TX-503", 6), "TX-503");
    }

    #[test]
    fn clean_text_is_only_skipped_for_text_it_would_not_change() {
        for v in ["Hope", "=x", "+1", "a<b", "a\nb", "ééééé", "12345678", "Casa – Niños", "\"q\"", "a\tb", "-"]
        {
            for max in [3, 5, 200] {
                if is_clean(v, max) {
                    assert_eq!(clean_text(v, max), v, "{v:?} at {max}");
                }
            }
        }
        assert!(!is_clean("ééééé", 3) && is_clean("ééé", 3));
    }

    #[test]
    fn cells_are_quoted_and_dated_as_the_spec_says() {
        let mut out = String::new();
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        write_cell(&mut out, &Cell::S(Some("say \"hi\"")), S(50));
        write_cell(&mut out, &Cell::D(Some(day)), D);
        write_cell(&mut out, &Cell::T(day.and_hms_nano_opt(7, 8, 9, 500).map(Some).unwrap()), T);
        write_cell(&mut out, &Cell::I(Some(42)), I);
        write_cell(&mut out, &Cell::S(None), S(5));
        assert_eq!(out, "\"say \"\"hi\"\"\"2026-01-052026-01-05 07:08:0942");
    }
}
