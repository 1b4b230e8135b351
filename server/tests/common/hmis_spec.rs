//! A validator for HMIS CSV FY2026 project-descriptor zips, written from the specification
//! (`../shared/docs/hmis-fy2026.md`, sections 1 and 6), not from our writer: it shares no code or
//! constants with `app::hmis::csv`. `validate` returns every problem it finds, so a failing test
//! shows them all. Each message names the file, the record (its ID, or its row) and the rule.
//!
//! What it checks:
//! - The zip: flat, each file UTF-8 without a byte-order mark. It must hold the ten
//!   project-descriptor files (Export, Organization, User, Project, Funder, ProjectCoC, Inventory,
//!   Affiliation, HMISParticipation, CEParticipation). It may hold any of the FY2026 client-level
//!   files (Client, Enrollment, Exit, ...), with exactly their header and no data row: this
//!   product has no client-level data. Any other file is an error.
//! - Each file: the spec's header, RFC 4180 records with as many fields as the header.
//! - Each cell, by the column's type: `S#` in double quotes, at most # characters, none of
//!   `< > [ ] { }` (otherwise data passes as entered); `I` a non-negative integer, from the
//!   column's list when it has one; `D` YYYY-MM-DD; `T` YYYY-MM-DD hh:mm:ss. `I`, `D` and `T` may
//!   be quoted or not (GreenRiver quotes every field). An empty field, quoted or not, is a null,
//!   which a non-nullable column refuses.
//! - Export.csv: exactly one row; SourceID (the CoC codes, ';'-separated) when SourceType is 1,
//!   SourceName otherwise; SourceContactPhone `[2-9][0-9]{2}[2-9][0-9]{2}[0-9]{4}`;
//!   SourceContactExtension 1-5 digits; CSVVersion `[year] v[version]`; ExportPeriodType,
//!   ExportDirective and HashStatus from their lists; ExportStartDate <= ExportEndDate.
//! - Across files: unique record IDs; every OrganizationID and ProjectID (and Affiliation's
//!   ResProjectID) refers to a row; one ExportID everywhere; every UserID in User.csv; ProjectCoC's
//!   CoCCode, Geocode, ZIP and State formats; a ProjectCoC row for each Inventory row's
//!   (ProjectID, CoCCode).
//! - Dependent fields: ProjectType null only when ContinuumProject is not 1; RRHSubType required
//!   for ProjectType 13, null otherwise; ResidentialAffiliation required for ProjectType 6, or 13
//!   with RRHSubType 1, null otherwise; OtherFunder required for Funder 46, null otherwise (Funder
//!   from list 2.06.1, retired 47 and 48 included); Inventory's Availability and ESBedType
//!   required when the project's ProjectType is 0 or 1, null otherwise; CEParticipation's
//!   PreventionAssessment, CrisisAssessment, HousingAssessment and DirectServices required when
//!   AccessPoint is 1.
//! - Inventory: only for lodging projects (ProjectType 0, 1, 2, 3, 8, 9, 10, or 13 with
//!   RRHSubType 2); BedInventory = the sum of the seven sub-counts (which may not be null: the
//!   LSA's rule); CoCCode required (the HIC selects by it).
//! - Dates: each end on or after its start (Project, Funder, Inventory, HMISParticipation,
//!   CEParticipation); Inventory and HMISParticipation rows inside the project's operating dates
//!   (start on or after OperatingStartDate; when the project has ended, an end on or before
//!   OperatingEndDate); each project's HMISParticipation periods cover every day from
//!   OperatingStartDate to OperatingEndDate (ExportEndDate while open), without gap or overlap.
//! - The HIC, for each active lodging project (operating on some day of the export period):
//!   HousingType; Geocode, ZIP and GeographyType 1, 2 or 3 on each of its ProjectCoC rows; a
//!   Funder row and an Inventory row in effect on some day of the period.
//!
//! A row with a DateDeleted is a tombstone: its cells and references are checked, but it is not an
//! active project, does not count as in effect and takes no part in participation coverage.
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

use chrono::{NaiveDate, NaiveDateTime};

/// A column's type as the spec writes it.
#[derive(Clone, Copy, Debug)]
enum Ty {
    /// `S#`: a string of at most # characters.
    S(usize),
    /// `I`: a non-negative integer, from `list` when it has one.
    I(Option<&'static [i64]>),
    /// `D`: YYYY-MM-DD.
    D,
    /// `T`: YYYY-MM-DD hh:mm:ss.
    T,
}

/// (column, type, nullable)
type Col = (&'static str, Ty, bool);

const NO_YES: &[i64] = &[0, 1];
const PROJECT_TYPES: &[i64] = &[0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14];
const HOUSEHOLD_TYPES: &[i64] = &[1, 3, 4];
/// The project types that carry bed inventory; 13 (RRH) does too with RRHSubType 2.
const LODGING_TYPES: &[i64] = &[0, 1, 2, 3, 8, 9, 10];

/// 2.06.1: 1-11, 13-27, 30, 33-46, 50-56. 47 and 48 are retired but stay valid on old records;
/// 32 is kept for old data too.
const FUNDERS: &[i64] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 30, 32, 33, 34, 35,
    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55, 56,
];

/// DateCreated, DateUpdated, UserID, DateDeleted, ExportID.
const META: [Col; 5] = [
    ("DateCreated", Ty::T, false),
    ("DateUpdated", Ty::T, false),
    ("UserID", Ty::S(32), false),
    ("DateDeleted", Ty::T, true),
    ("ExportID", Ty::S(32), false),
];

/// The ten project-descriptor files, in the spec's order, with their columns.
fn descriptor_files() -> Vec<(&'static str, Vec<Col>)> {
    let with_meta = |cols: &[Col]| cols.iter().copied().chain(META).collect::<Vec<_>>();
    vec![
        (
            "Export.csv",
            vec![
                ("ExportID", Ty::S(32), false),
                ("SourceType", Ty::I(Some(&[1, 2, 3, 4])), false),
                ("SourceID", Ty::S(350), true),
                ("SourceName", Ty::S(50), true),
                ("SourceContactFirst", Ty::S(50), true),
                ("SourceContactLast", Ty::S(50), true),
                ("SourceContactPhone", Ty::S(10), true),
                ("SourceContactExtension", Ty::S(5), true),
                ("SourceContactEmail", Ty::S(320), true),
                ("ExportDate", Ty::T, false),
                ("ExportStartDate", Ty::D, false),
                ("ExportEndDate", Ty::D, false),
                ("SoftwareName", Ty::S(50), false),
                ("SoftwareVersion", Ty::S(50), true),
                ("CSVVersion", Ty::S(50), true),
                ("ExportPeriodType", Ty::I(Some(&[1, 3, 4])), false),
                ("ExportDirective", Ty::I(Some(&[1, 2, 3])), false),
                ("HashStatus", Ty::I(Some(&[1, 2, 3, 4])), false),
                ("ImplementationID", Ty::S(200), false),
            ],
        ),
        (
            "Organization.csv",
            with_meta(&[
                ("OrganizationID", Ty::S(32), false),
                ("OrganizationName", Ty::S(200), false),
                ("VictimServiceProvider", Ty::I(Some(NO_YES)), false),
                ("OrganizationCommonName", Ty::S(200), true),
            ]),
        ),
        (
            "User.csv",
            vec![
                ("UserID", Ty::S(32), false),
                ("UserFirstName", Ty::S(50), true),
                ("UserLastName", Ty::S(50), true),
                ("UserPhone", Ty::S(10), true),
                ("UserExtension", Ty::S(5), true),
                ("UserEmail", Ty::S(320), true),
                ("DateCreated", Ty::T, false),
                ("DateUpdated", Ty::T, false),
                ("DateDeleted", Ty::T, true),
                ("ExportID", Ty::S(32), false),
            ],
        ),
        (
            "Project.csv",
            with_meta(&[
                ("ProjectID", Ty::S(32), false),
                ("OrganizationID", Ty::S(32), false),
                ("ProjectName", Ty::S(200), false),
                ("ProjectCommonName", Ty::S(200), true),
                ("OperatingStartDate", Ty::D, false),
                ("OperatingEndDate", Ty::D, true),
                ("ContinuumProject", Ty::I(Some(NO_YES)), false),
                ("ProjectType", Ty::I(Some(PROJECT_TYPES)), true),
                ("HousingType", Ty::I(Some(&[1, 2, 3])), true),
                ("RRHSubType", Ty::I(Some(&[1, 2])), true),
                ("ResidentialAffiliation", Ty::I(Some(NO_YES)), true),
                ("TargetPopulation", Ty::I(Some(&[1, 3, 4])), true),
                ("HOPWAMedAssistedLivingFac", Ty::I(Some(&[0, 1, 2])), true),
                ("PITCount", Ty::I(None), true),
            ]),
        ),
        (
            "Funder.csv",
            with_meta(&[
                ("FunderID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("Funder", Ty::I(Some(FUNDERS)), false),
                ("OtherFunder", Ty::S(100), true),
                ("GrantID", Ty::S(100), true),
                ("StartDate", Ty::D, false),
                ("EndDate", Ty::D, true),
            ]),
        ),
        (
            "ProjectCoC.csv",
            with_meta(&[
                ("ProjectCoCID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("CoCCode", Ty::S(6), false),
                ("Geocode", Ty::S(6), true),
                ("Address1", Ty::S(100), true),
                ("Address2", Ty::S(100), true),
                ("City", Ty::S(50), true),
                ("State", Ty::S(2), true),
                ("ZIP", Ty::S(5), true),
                ("GeographyType", Ty::I(Some(&[1, 2, 3, 99])), true),
            ]),
        ),
        (
            "Inventory.csv",
            with_meta(&[
                ("InventoryID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                // Nullable in the FY2026 text, but the HIC selects by it: we require it.
                ("CoCCode", Ty::S(6), false),
                ("HouseholdType", Ty::I(Some(HOUSEHOLD_TYPES)), false),
                ("Availability", Ty::I(Some(&[1, 2, 3])), true),
                ("UnitInventory", Ty::I(None), false),
                ("BedInventory", Ty::I(None), false),
                // Nullable in the CSV text; the LSA requires 0 instead of null.
                ("CHVetBedInventory", Ty::I(None), false),
                ("YouthVetBedInventory", Ty::I(None), false),
                ("VetBedInventory", Ty::I(None), false),
                ("CHYouthBedInventory", Ty::I(None), false),
                ("YouthBedInventory", Ty::I(None), false),
                ("CHBedInventory", Ty::I(None), false),
                ("OtherBedInventory", Ty::I(None), false),
                ("ESBedType", Ty::I(Some(&[1, 2, 3])), true),
                ("InventoryStartDate", Ty::D, false),
                ("InventoryEndDate", Ty::D, true),
            ]),
        ),
        (
            "Affiliation.csv",
            with_meta(&[
                ("AffiliationID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("ResProjectID", Ty::S(32), false),
            ]),
        ),
        (
            "HMISParticipation.csv",
            with_meta(&[
                ("HMISParticipationID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("HMISParticipationType", Ty::I(Some(&[0, 1, 2])), false),
                ("HMISParticipationStatusStartDate", Ty::D, false),
                ("HMISParticipationStatusEndDate", Ty::D, true),
            ]),
        ),
        (
            "CEParticipation.csv",
            with_meta(&[
                ("CEParticipationID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("AccessPoint", Ty::I(Some(NO_YES)), false),
                // Nullable, but required when AccessPoint is 1 (`check_ce_participation`).
                ("PreventionAssessment", Ty::I(Some(NO_YES)), true),
                ("CrisisAssessment", Ty::I(Some(NO_YES)), true),
                ("HousingAssessment", Ty::I(Some(NO_YES)), true),
                ("DirectServices", Ty::I(Some(NO_YES)), true),
                ("ReceivesReferrals", Ty::I(Some(NO_YES)), false),
                ("CEParticipationStatusStartDate", Ty::D, false),
                ("CEParticipationStatusEndDate", Ty::D, true),
            ]),
        ),
    ]
}

/// The FY2026 client-level files and their exact headers (metadata columns included). An export
/// may carry them, header only.
const CLIENT_FILES: [(&str, &str); 14] = [
    (
        "Client.csv",
        "PersonalID,FirstName,MiddleName,LastName,NameSuffix,NameDataQuality,SSN,SSNDataQuality,DOB,\
         DOBDataQuality,Sex,AmIndAKNative,Asian,BlackAfAmerican,HispanicLatinao,MidEastNAfrican,NativeHIPacific,\
         White,RaceNone,AdditionalRaceEthnicity,VeteranStatus,YearEnteredService,YearSeparated,WorldWarII,\
         KoreanWar,VietnamWar,DesertStorm,AfghanistanOEF,IraqOIF,IraqOND,OtherTheater,MilitaryBranch,\
         DischargeStatus,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "Enrollment.csv",
        "EnrollmentID,PersonalID,ProjectID,EntryDate,HouseholdID,RelationshipToHoH,EnrollmentCoC,\
         LivingSituation,RentalSubsidyType,LengthOfStay,LOSUnderThreshold,PreviousStreetESSH,DateToStreetESSH,\
         TimesHomelessPastThreeYears,MonthsHomelessPastThreeYears,DisablingCondition,DateOfEngagement,\
         MoveInDate,DateOfPATHStatus,ClientEnrolledInPATH,ReasonNotEnrolled,PercentAMI,ReferralSource,\
         CountOutreachReferralApproaches,DateOfBCPStatus,EligibleForRHY,ReasonNoServices,RunawayYouth,\
         FormerWardChildWelfare,ChildWelfareYears,ChildWelfareMonths,FormerWardJuvenileJustice,\
         JuvenileJusticeYears,JuvenileJusticeMonths,UnemploymentFam,MentalHealthDisorderFam,\
         PhysicalDisabilityFam,AlcoholDrugUseDisorderFam,InsufficientIncome,IncarceratedParent,VAMCStation,\
         TargetScreenReqd,TimeToHousingLoss,AnnualPercentAMI,LiteralHomelessHistory,ClientLeaseholder,\
         HOHLeaseholder,SubsidyAtRisk,EvictionHistory,CriminalRecord,IncarceratedAdult,PrisonDischarge,\
         SexOffender,DisabledHoH,CurrentPregnant,SingleParent,DependentUnder6,HH5Plus,CoCPrioritized,\
         HPScreeningScore,ThresholdScore,MentalHealthConsultation,DateCreated,DateUpdated,UserID,DateDeleted,\
         ExportID",
    ),
    (
        "Exit.csv",
        "ExitID,EnrollmentID,PersonalID,ExitDate,Destination,DestinationSubsidyType,OtherDestination,\
         HousingAssessment,SubsidyInformation,ProjectCompletionStatus,EarlyExitReason,ExchangeForSex,\
         ExchangeForSexPastThreeMonths,CountOfExchangeForSex,AskedOrForcedToExchangeForSex,\
         AskedOrForcedToExchangeForSexPastThreeMonths,WorkplaceViolenceThreats,WorkplacePromiseDifference,\
         CoercedToContinueWork,LaborExploitPastThreeMonths,CounselingReceived,IndividualCounseling,\
         FamilyCounseling,GroupCounseling,SessionCountAtExit,PostExitCounselingPlan,SessionsInPlan,\
         DestinationSafeClient,DestinationSafeWorker,PosAdultConnections,PosPeerConnections,\
         PosCommunityConnections,AftercareDate,AftercareProvided,EmailSocialMedia,Telephone,InPersonIndividual,\
         InPersonGroup,CMExitReason,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "IncomeBenefits.csv",
        "IncomeBenefitsID,EnrollmentID,PersonalID,InformationDate,IncomeFromAnySource,TotalMonthlyIncome,\
         Earned,EarnedAmount,Unemployment,UnemploymentAmount,SSI,SSIAmount,SSDI,SSDIAmount,VADisabilityService,\
         VADisabilityServiceAmount,VADisabilityNonService,VADisabilityNonServiceAmount,PrivateDisability,\
         PrivateDisabilityAmount,WorkersComp,WorkersCompAmount,TANF,TANFAmount,GA,GAAmount,SocSecRetirement,\
         SocSecRetirementAmount,Pension,PensionAmount,ChildSupport,ChildSupportAmount,Alimony,AlimonyAmount,\
         OtherIncomeSource,OtherIncomeAmount,OtherIncomeSourceIdentify,BenefitsFromAnySource,SNAP,WIC,\
         TANFChildCare,TANFTransportation,OtherTANF,OtherBenefitsSource,OtherBenefitsSourceIdentify,\
         InsuranceFromAnySource,Medicaid,NoMedicaidReason,Medicare,NoMedicareReason,SCHIP,NoSCHIPReason,\
         VHAServices,NoVHAReason,EmployerProvided,NoEmployerProvidedReason,COBRA,NoCOBRAReason,PrivatePay,\
         NoPrivatePayReason,StateHealthIns,NoStateHealthInsReason,IndianHealthServices,\
         NoIndianHealthServicesReason,OtherInsurance,OtherInsuranceIdentify,ADAP,NoADAPReason,RyanWhiteMedDent,\
         NoRyanWhiteReason,ConnectionWithSOAR,DataCollectionStage,DateCreated,DateUpdated,UserID,DateDeleted,\
         ExportID",
    ),
    (
        "HealthAndDV.csv",
        "HealthAndDVID,EnrollmentID,PersonalID,InformationDate,DomesticViolenceSurvivor,WhenOccurred,\
         CurrentlyFleeing,GeneralHealthStatus,DentalHealthStatus,MentalHealthStatus,PregnancyStatus,DueDate,\
         DataCollectionStage,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "EmploymentEducation.csv",
        "EmploymentEducationID,EnrollmentID,PersonalID,InformationDate,LastGradeCompleted,SchoolStatus,\
         Employed,EmploymentType,NotEmployedReason,DataCollectionStage,DateCreated,DateUpdated,UserID,\
         DateDeleted,ExportID",
    ),
    (
        "Disabilities.csv",
        "DisabilitiesID,EnrollmentID,PersonalID,InformationDate,DisabilityType,DisabilityResponse,\
         IndefiniteAndImpairs,TCellCountAvailable,TCellCount,TCellSource,ViralLoadAvailable,ViralLoad,\
         ViralLoadSource,AntiRetroviral,DataCollectionStage,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "Services.csv",
        "ServicesID,EnrollmentID,PersonalID,DateProvided,RecordType,TypeProvided,OtherTypeProvided,\
         MovingOnOtherType,SubTypeProvided,FAAmount,FAStartDate,FAEndDate,ReferralOutcome,DateCreated,\
         DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "CurrentLivingSituation.csv",
        "CurrentLivingSitID,EnrollmentID,PersonalID,InformationDate,CurrentLivingSituation,CLSSubsidyType,\
         VerifiedBy,LeaveSituation14Days,SubsequentResidence,ResourcesToObtain,LeaseOwn60Day,MovedTwoOrMore,\
         LocationDetails,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "Assessment.csv",
        "AssessmentID,EnrollmentID,PersonalID,AssessmentDate,AssessmentLocation,AssessmentType,\
         AssessmentLevel,PrioritizationStatus,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "AssessmentQuestions.csv",
        "AssessmentQuestionID,AssessmentID,EnrollmentID,PersonalID,AssessmentQuestionGroup,\
         AssessmentQuestionOrder,AssessmentQuestion,AssessmentAnswer,DateCreated,DateUpdated,UserID,\
         DateDeleted,ExportID",
    ),
    (
        "AssessmentResults.csv",
        "AssessmentResultID,AssessmentID,EnrollmentID,PersonalID,AssessmentResultType,AssessmentResult,\
         DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "Event.csv",
        "EventID,EnrollmentID,PersonalID,EventDate,Event,ProbSolDivRRResult,ReferralCaseManageAfter,\
         LocationCrisisOrPHHousing,ReferralResult,ResultDate,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
    ),
    (
        "YouthEducationStatus.csv",
        "YouthEducationStatusID,EnrollmentID,PersonalID,InformationDate,CurrentSchoolAttend,\
         MostRecentEdStatus,CurrentEdStatus,DataCollectionStage,DateCreated,DateUpdated,UserID,DateDeleted,\
         ExportID",
    ),
];

/// One parsed field: its text and whether it was written in double quotes.
#[derive(Clone, Debug)]
pub struct Field {
    pub text: String,
    pub quoted: bool,
}

/// RFC 4180 records, keeping whether each field was quoted (the spec requires quoted strings).
fn parse_csv(text: &str) -> Result<Vec<Vec<Field>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    loop {
        let mut field = Field { text: String::new(), quoted: false };
        if chars.peek() == Some(&'"') {
            chars.next();
            field.quoted = true;
            loop {
                match chars.next() {
                    None => return Err(format!("line {line}: unterminated quoted field")),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.text.push('"');
                    }
                    Some('"') => break,
                    Some(c) => {
                        if c == '\n' {
                            line += 1;
                        }
                        field.text.push(c);
                    }
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if matches!(c, ',' | '\r' | '\n') {
                    break;
                }
                if c == '"' {
                    return Err(format!("line {line}: a quote inside an unquoted field"));
                }
                field.text.push(c);
                chars.next();
            }
        }
        record.push(field);
        match chars.next() {
            Some(',') => continue,
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
            }
            Some('\n') => {}
            None => {
                if record.len() > 1 || !record[0].text.is_empty() || record[0].quoted {
                    records.push(record);
                }
                return Ok(records);
            }
            Some(c) => return Err(format!("line {line}: unexpected {c:?} after a field")),
        }
        records.push(std::mem::take(&mut record));
        line += 1;
        if chars.peek().is_none() {
            return Ok(records);
        }
    }
}

fn coc_code_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6 && b[..2].iter().all(u8::is_ascii_alphabetic) && b[2] == b'-' && b[3..].iter().all(u8::is_ascii_digit)
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `[2-9][0-9]{2}[2-9][0-9]{2}[0-9]{4}`
fn phone_ok(s: &str) -> bool {
    let b = s.as_bytes();
    digits(s, 10) && b[0] >= b'2' && b[3] >= b'2'
}

/// One file's rows as column name -> value (None for an empty field, quoted or not).
pub type Row = BTreeMap<String, Option<String>>;

/// A validated export: each file's rows, for further checks by the caller. The client-level files
/// the zip holds are there too, without rows.
#[derive(Debug, Default)]
pub struct Export {
    pub files: BTreeMap<String, Vec<Row>>,
    /// Every CSV file's text, for searching.
    pub text: String,
}

impl Export {
    pub fn rows(&self, file: &str) -> &[Row] {
        self.files.get(file).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn int(row: &Row, col: &str) -> i64 {
        row.get(col).cloned().flatten().and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    pub fn str<'a>(row: &'a Row, col: &str) -> &'a str {
        row.get(col).and_then(|v| v.as_deref()).unwrap_or("")
    }
}

/// Check one cell against its column; push problems to `errs`.
fn check_cell(errs: &mut Vec<String>, at: &str, (name, ty, nullable): Col, f: &Field) {
    // DataLab writes a null as an empty field, GreenRiver (which quotes every field) as "".
    if f.text.is_empty() {
        if !nullable {
            errs.push(format!("{at} {name}: empty (null), but the column is not nullable"));
        }
        return;
    }
    let v = f.text.as_str();
    match ty {
        Ty::S(max) => {
            if !f.quoted {
                errs.push(format!("{at} {name}: string {v:?} is not in double quotes"));
            }
            if v.chars().count() > max {
                errs.push(format!("{at} {name}: {} characters, more than S{max}", v.chars().count()));
            }
            if v.chars().any(|c| "<>[]{}".contains(c)) {
                errs.push(format!("{at} {name}: {v:?} holds a character FY2026 strips (< > [ ] {{ }})"));
            }
        }
        Ty::I(list) => {
            if !v.bytes().all(|b| b.is_ascii_digit()) || v.parse::<i64>().is_err() {
                errs.push(format!("{at} {name}: {v:?} is not a non-negative integer"));
            } else if let Some(list) = list
                && !v.parse::<i64>().is_ok_and(|n| list.contains(&n))
            {
                errs.push(format!("{at} {name}: {v} is not in the column's list"));
            }
        }
        Ty::D => {
            if v.len() != 10 || NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
                errs.push(format!("{at} {name}: {v:?} is not a YYYY-MM-DD date"));
            }
        }
        Ty::T => {
            if v.len() != 19 || NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_err() {
                errs.push(format!("{at} {name}: {v:?} is not a YYYY-MM-DD hh:mm:ss datetime"));
            }
        }
    }
}

/// Parse `text` and check its header; the data records, or None when the file is unusable.
fn records(errs: &mut Vec<String>, file: &str, text: &str, expected: &[&str]) -> Option<Vec<Vec<Field>>> {
    let mut records = match parse_csv(text) {
        Ok(r) => r,
        Err(e) => {
            errs.push(format!("{file}: {e}"));
            return None;
        }
    };
    if records.is_empty() {
        errs.push(format!("{file}: no header row"));
        return None;
    }
    let header = records.remove(0);
    let got: Vec<&str> = header.iter().map(|f| f.text.as_str()).collect();
    if got != expected {
        errs.push(format!("{file}: header is {got:?}, the spec's is {expected:?}"));
        return None;
    }
    Some(records)
}

/// Read and check a zip. `Err` lists every problem found.
pub fn validate(zip_bytes: &[u8]) -> Result<Export, Vec<String>> {
    validate_but(zip_bytes, |_| false)
}

/// Read and check a zip, letting pass the problems `allowed` names (such as a data state the tab
/// warns about, but a sequence of edits can reach).
pub fn validate_but(zip_bytes: &[u8], allowed: impl Fn(&str) -> bool) -> Result<Export, Vec<String>> {
    let mut errs = Vec::new();
    let mut archive = match zip::ZipArchive::new(Cursor::new(zip_bytes)) {
        Ok(a) => a,
        Err(e) => return Err(vec![format!("not a zip: {e}")]),
    };
    if archive.has_duplicate_names() {
        errs.push("the zip holds two files of the same name".into());
    }
    let descriptors = descriptor_files();
    let known = |name: &str| {
        descriptors.iter().any(|(file, _)| *file == name) || CLIENT_FILES.iter().any(|(file, _)| *file == name)
    };
    let mut texts = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => return Err(vec![format!("zip entry {i}: {e}")]),
        };
        let name = match entry.name() {
            Ok(n) => n.to_string(),
            Err(e) => return Err(vec![format!("zip entry {i}: the name is not text ({e})")]),
        };
        if name.contains('/') || entry.is_dir() {
            errs.push(format!("{name}: the zip must be flat (no folders)"));
        }
        if !known(&name) {
            errs.push(format!("{name}: not a file of the FY2026 CSV export"));
        }
        let mut bytes = Vec::new();
        if let Err(e) = entry.read_to_end(&mut bytes) {
            errs.push(format!("{name}: unreadable ({e})"));
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(text) if text.starts_with('\u{feff}') => errs.push(format!("{name}: starts with a byte-order mark")),
            Ok(text) => {
                texts.insert(name, text);
            }
            Err(_) => errs.push(format!("{name}: not UTF-8")),
        }
    }
    let mut export = Export::default();
    for (file, cols) in &descriptors {
        let Some(text) = texts.get(*file) else {
            errs.push(format!("{file}: missing from the zip"));
            continue;
        };
        export.text.push_str(text);
        let expected: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let Some(data) = records(&mut errs, file, text, &expected) else { continue };
        let mut rows = Vec::new();
        for (n, record) in data.iter().enumerate() {
            let at = format!("{file} {} (row {})", record[0].text, n + 2);
            if record.len() != cols.len() {
                errs.push(format!("{at}: {} fields, the header has {}", record.len(), cols.len()));
                continue;
            }
            let mut row = Row::new();
            for (col, field) in cols.iter().zip(record) {
                check_cell(&mut errs, &at, *col, field);
                row.insert(col.0.to_string(), (!field.text.is_empty()).then(|| field.text.clone()));
            }
            rows.push(row);
        }
        export.files.insert(file.to_string(), rows);
    }
    for (file, header) in CLIENT_FILES {
        let Some(text) = texts.get(file) else { continue };
        export.text.push_str(text);
        let expected: Vec<&str> = header.split(',').collect();
        let Some(data) = records(&mut errs, file, text, &expected) else { continue };
        if !data.is_empty() {
            errs.push(format!(
                "{file}: {} data row(s); this export has no client-level data, so the file may hold only its header",
                data.len()
            ));
        }
        export.files.insert(file.to_string(), Vec::new());
    }
    check_relations(&mut errs, &export);
    errs.retain(|e| !allowed(e));
    if errs.is_empty() { Ok(export) } else { Err(errs) }
}

/// A column's value as an integer; None when null (or not an integer, reported elsewhere).
fn opt_int(row: &Row, col: &str) -> Option<i64> {
    row.get(col).and_then(|v| v.as_deref()).and_then(|v| v.parse().ok())
}

fn is_null(row: &Row, col: &str) -> bool {
    Export::str(row, col).is_empty()
}

/// A column's value as a date; None when null (or not a date, reported elsewhere).
fn date(row: &Row, col: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(Export::str(row, col), "%Y-%m-%d").ok()
}

fn is_deleted(row: &Row) -> bool {
    !is_null(row, "DateDeleted")
}

/// ProjectType 0, 1, 2, 3, 8, 9, 10, or 13 with RRHSubType 2: the projects with beds.
fn is_lodging(project: &Row) -> bool {
    match opt_int(project, "ProjectType") {
        Some(13) => opt_int(project, "RRHSubType") == Some(2),
        Some(t) => LODGING_TYPES.contains(&t),
        None => false,
    }
}

/// Whether the row's [start, end] (a null end is open) meets the period [from, to].
fn in_effect(row: &Row, start: &str, end: &str, (from, to): (NaiveDate, NaiveDate)) -> bool {
    date(row, start).is_some_and(|s| s <= to) && date(row, end).is_none_or(|e| e >= from)
}

/// `end` (when not null) on or after `start`.
fn check_order(errs: &mut Vec<String>, at: &str, row: &Row, start: &str, end: &str) {
    if let (Some(s), Some(e)) = (date(row, start), date(row, end))
        && e < s
    {
        errs.push(format!("{at}: {end} {e} is before {start} {s}"));
    }
}

/// A row's [start, end] inside its project's operating dates: start on or after
/// OperatingStartDate; when the project has an OperatingEndDate, an end on or before it.
fn check_within_operation(errs: &mut Vec<String>, at: &str, row: &Row, start: &str, end: &str, project: &Row) {
    let pid = Export::str(project, "ProjectID");
    if let (Some(s), Some(op)) = (date(row, start), date(project, "OperatingStartDate"))
        && s < op
    {
        errs.push(format!("{at}: {start} {s} is before project {pid}'s OperatingStartDate {op}"));
    }
    if let Some(op) = date(project, "OperatingEndDate") {
        match date(row, end) {
            None if is_null(row, end) => {
                errs.push(format!("{at}: {end} is null, but project {pid} ended (OperatingEndDate {op})"))
            }
            Some(e) if e > op => errs.push(format!("{at}: {end} {e} is after project {pid}'s OperatingEndDate {op}")),
            _ => {}
        }
    }
}

type Projects<'a> = BTreeMap<&'a str, &'a Row>;

/// The project `row.col` names; a problem when it is not in Project.csv.
fn project_of<'a>(errs: &mut Vec<String>, at: &str, row: &Row, col: &str, projects: &Projects<'a>) -> Option<&'a Row> {
    let id = Export::str(row, col);
    let project = projects.get(id).copied();
    if project.is_none() {
        errs.push(format!("{at}: {col} {id:?} not in Project.csv"));
    }
    project
}

/// Each descriptor file's record ID column.
const ID_COLUMNS: [(&str, &str); 10] = [
    ("Export.csv", "ExportID"),
    ("Organization.csv", "OrganizationID"),
    ("User.csv", "UserID"),
    ("Project.csv", "ProjectID"),
    ("Funder.csv", "FunderID"),
    ("ProjectCoC.csv", "ProjectCoCID"),
    ("Inventory.csv", "InventoryID"),
    ("Affiliation.csv", "AffiliationID"),
    ("HMISParticipation.csv", "HMISParticipationID"),
    ("CEParticipation.csv", "CEParticipationID"),
];

/// Rules across rows and files: one Export row, IDs, references, dependent fields, sums, dates.
fn check_relations(errs: &mut Vec<String>, x: &Export) {
    let exports = x.rows("Export.csv");
    let export = match exports {
        [e] => Some(e),
        _ => {
            errs.push(format!("Export.csv: {} rows, the spec requires exactly one", exports.len()));
            None
        }
    };
    if let Some(e) = export {
        check_export(errs, e);
    }
    check_ids(errs, x, export.map(|e| Export::str(e, "ExportID")));
    let projects: Projects = x.rows("Project.csv").iter().map(|r| (Export::str(r, "ProjectID"), r)).collect();
    check_projects(errs, x);
    check_project_cocs(errs, x, &projects);
    check_funders(errs, x, &projects);
    check_inventory(errs, x, &projects);
    for a in x.rows("Affiliation.csv") {
        let at = format!("Affiliation.csv {}", Export::str(a, "AffiliationID"));
        project_of(errs, &at, a, "ProjectID", &projects);
        project_of(errs, &at, a, "ResProjectID", &projects);
    }
    let period = export.and_then(|e| Some((date(e, "ExportStartDate")?, date(e, "ExportEndDate")?)));
    check_hmis_participation(errs, x, &projects, period.map(|(_, to)| to));
    check_ce_participation(errs, x, &projects);
    if let Some(period) = period {
        check_active_lodging(errs, x, period);
        // HDX flag 1315: no project that closed more than seven years before the report.
        let lookback = period.0.checked_sub_months(chrono::Months::new(84)).unwrap_or(period.0);
        for p in x.rows("Project.csv") {
            if let Some(end) = date(p, "OperatingEndDate").filter(|end| *end < lookback) {
                errs.push(format!(
                    "Project.csv {}: closed on {end}, more than seven years before the report (HDX flag 1315)",
                    Export::str(p, "ProjectID")
                ));
            }
        }
    }
}

fn check_export(errs: &mut Vec<String>, e: &Row) {
    let at = format!("Export.csv {}", Export::str(e, "ExportID"));
    if Export::int(e, "SourceType") == 1 {
        let source = Export::str(e, "SourceID");
        if source.is_empty() || !source.split(';').all(coc_code_ok) {
            errs.push(format!("{at}: SourceID {source:?} must be the CoC code(s), ';'-separated, for SourceType 1"));
        }
    } else if is_null(e, "SourceName") {
        errs.push(format!("{at}: SourceName is required unless SourceType is 1"));
    }
    let phone = Export::str(e, "SourceContactPhone");
    if !phone.is_empty() && !phone_ok(phone) {
        errs.push(format!(
            "{at}: SourceContactPhone {phone:?} does not match [2-9][0-9]{{2}}[2-9][0-9]{{2}}[0-9]{{4}}"
        ));
    }
    let extension = Export::str(e, "SourceContactExtension");
    if !extension.is_empty() && !(1..=5).any(|n| digits(extension, n)) {
        errs.push(format!("{at}: SourceContactExtension {extension:?} is not 1 to 5 digits"));
    }
    let csv_version = Export::str(e, "CSVVersion");
    let version_ok = csv_version.split_once(" v").is_some_and(|(y, v)| {
        digits(y, 4) && !v.is_empty() && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    if !csv_version.is_empty() && !version_ok {
        errs.push(format!("{at}: CSVVersion {csv_version:?} is not '[year] v[version]'"));
    }
    check_order(errs, &at, e, "ExportStartDate", "ExportEndDate");
}

/// Unique record IDs, one ExportID everywhere, every UserID in User.csv.
fn check_ids(errs: &mut Vec<String>, x: &Export, export_id: Option<&str>) {
    for (file, col) in ID_COLUMNS {
        let (mut seen, mut repeated) = (BTreeSet::new(), BTreeSet::new());
        for r in x.rows(file) {
            let id = Export::str(r, col);
            if !seen.insert(id) && repeated.insert(id) {
                errs.push(format!("{file} {id}: {col} is not unique"));
            }
        }
    }
    let users: BTreeSet<&str> = x.rows("User.csv").iter().map(|r| Export::str(r, "UserID")).collect();
    for (file, col) in ID_COLUMNS {
        for row in x.rows(file) {
            let at = format!("{file} {}", Export::str(row, col));
            if let Some(export_id) = export_id
                && Export::str(row, "ExportID") != export_id
            {
                errs.push(format!("{at}: ExportID {:?} differs from Export.csv's", Export::str(row, "ExportID")));
            }
            if file != "User.csv"
                && let Some(Some(user)) = row.get("UserID")
                && !users.contains(user.as_str())
            {
                errs.push(format!("{at}: UserID {user:?} is not in User.csv"));
            }
        }
    }
}

fn check_projects(errs: &mut Vec<String>, x: &Export) {
    let organizations: BTreeSet<&str> =
        x.rows("Organization.csv").iter().map(|r| Export::str(r, "OrganizationID")).collect();
    for p in x.rows("Project.csv") {
        let at = format!("Project.csv {}", Export::str(p, "ProjectID"));
        let organization = Export::str(p, "OrganizationID");
        if !organizations.contains(organization) {
            errs.push(format!("{at}: OrganizationID not in Organization.csv ({organization:?})"));
        }
        let (ty, rrh) = (opt_int(p, "ProjectType"), opt_int(p, "RRHSubType"));
        if is_null(p, "ProjectType") && opt_int(p, "ContinuumProject") == Some(1) {
            errs.push(format!("{at}: ProjectType is required when ContinuumProject is 1 (null only otherwise)"));
        }
        match (ty == Some(13), is_null(p, "RRHSubType")) {
            (true, true) => errs.push(format!("{at}: RRHSubType is required for ProjectType 13")),
            (false, false) => errs.push(format!("{at}: RRHSubType must be null unless ProjectType is 13")),
            _ => {}
        }
        let affiliated = ty == Some(6) || (ty == Some(13) && rrh == Some(1));
        match (affiliated, is_null(p, "ResidentialAffiliation")) {
            (true, true) => errs
                .push(format!("{at}: ResidentialAffiliation is required for ProjectType 6, or 13 with RRHSubType 1")),
            (false, false) => errs.push(format!(
                "{at}: ResidentialAffiliation must be null unless ProjectType is 6, or 13 with RRHSubType 1"
            )),
            _ => {}
        }
        check_order(errs, &at, p, "OperatingStartDate", "OperatingEndDate");
    }
}

fn check_project_cocs(errs: &mut Vec<String>, x: &Export, projects: &Projects) {
    for c in x.rows("ProjectCoC.csv") {
        let at = format!("ProjectCoC.csv {}", Export::str(c, "ProjectCoCID"));
        project_of(errs, &at, c, "ProjectID", projects);
        if !coc_code_ok(Export::str(c, "CoCCode")) {
            errs.push(format!("{at}: CoCCode {:?} is not XX-999", Export::str(c, "CoCCode")));
        }
        for (col, len) in [("Geocode", 6), ("ZIP", 5)] {
            let v = Export::str(c, col);
            if !v.is_empty() && !digits(v, len) {
                errs.push(format!("{at}: {col} {v:?} is not {len} digits"));
            }
        }
        let state = Export::str(c, "State");
        if !state.is_empty() && (state.len() != 2 || !state.bytes().all(|b| b.is_ascii_uppercase())) {
            errs.push(format!("{at}: State {state:?} is not a USPS code"));
        }
    }
}

fn check_funders(errs: &mut Vec<String>, x: &Export, projects: &Projects) {
    for f in x.rows("Funder.csv") {
        let at = format!("Funder.csv {}", Export::str(f, "FunderID"));
        project_of(errs, &at, f, "ProjectID", projects);
        match (opt_int(f, "Funder") == Some(46), is_null(f, "OtherFunder")) {
            (true, true) => errs.push(format!("{at}: OtherFunder is required when Funder is 46")),
            (false, false) => errs.push(format!("{at}: OtherFunder must be null unless Funder is 46")),
            _ => {}
        }
        check_order(errs, &at, f, "StartDate", "EndDate");
        if let Some(p) = projects.get(Export::str(f, "ProjectID"))
            && !is_deleted(f)
            && opt_int(p, "ContinuumProject") == Some(1)
            && let (Some(funder), Some(project_type)) = (opt_int(f, "Funder"), opt_int(p, "ProjectType"))
            && let Some((_, flag, types)) = FUNDER_PROJECT_TYPES.iter().find(|(code, _, _)| *code == funder)
            && !types.contains(&project_type)
        {
            errs.push(format!("{at}: Funder {funder} is not for ProjectType {project_type} (HDX flag {flag})"));
        }
    }
}

/// Data errors HDX raises on an inventory record (HUD's "Full Flag List for Vendors",
/// HMIS/LSASampleCode, 2026-04-27), as its flag code states them.
fn check_hdx_inventory_rules(errs: &mut Vec<String>, at: &str, v: &Row, project: &Row) {
    let n = |col: &str| opt_int(v, col).unwrap_or(0);
    let project_type = opt_int(project, "ProjectType");
    let household = opt_int(v, "HouseholdType");
    if n("CHVetBedInventory") + n("CHYouthBedInventory") + n("CHBedInventory") > 0 && project_type != Some(3) {
        errs.push(format!("{at}: chronically homeless beds outside permanent supportive housing (HDX flag 792)"));
    }
    if n("CHVetBedInventory") + n("YouthVetBedInventory") + n("VetBedInventory") > 0 && household == Some(4) {
        errs.push(format!("{at}: veteran beds for households with only children (HDX flag 787)"));
    }
    if matches!(project_type, Some(0 | 1)) && opt_int(v, "Availability") == Some(2) && is_null(v, "InventoryEndDate") {
        errs.push(format!("{at}: a seasonal record without an InventoryEndDate (HDX flag 791)"));
    }
    if n("BedInventory") > 0 && household == Some(3) && project_type == Some(8) {
        errs.push(format!("{at}: a safe haven with beds for households with adults and children (HDX flag 793)"));
    }
}

/// Funding HDX accepts only for some project types: (Funder, flag, ProjectTypes), from the flag
/// codes of 862-870 and 1341-1343 read against the FY2026 funder list.
const FUNDER_PROJECT_TYPES: [(i64, u32, &[i64]); 12] = [
    (8, 862, &[0, 1, 2]),
    (10, 863, &[13]),
    (6, 864, &[8]),
    (5, 865, &[2]),
    (2, 866, &[3]),
    (3, 867, &[13]),
    (44, 868, &[2, 13]),
    (21, 869, &[3]),
    (33, 870, &[0, 1, 13]),
    (53, 1341, &[0, 1, 2, 13]),
    (54, 1342, &[2, 3, 13]),
    (55, 1343, &[0, 1, 2, 3, 13]),
];

fn check_inventory(errs: &mut Vec<String>, x: &Export, projects: &Projects) {
    const SUB_COUNTS: [&str; 7] = [
        "CHVetBedInventory",
        "YouthVetBedInventory",
        "VetBedInventory",
        "CHYouthBedInventory",
        "YouthBedInventory",
        "CHBedInventory",
        "OtherBedInventory",
    ];
    let project_cocs: BTreeSet<(&str, &str)> =
        x.rows("ProjectCoC.csv").iter().map(|r| (Export::str(r, "ProjectID"), Export::str(r, "CoCCode"))).collect();
    for v in x.rows("Inventory.csv") {
        let at = format!("Inventory.csv {}", Export::str(v, "InventoryID"));
        let (project, coc) = (Export::str(v, "ProjectID"), Export::str(v, "CoCCode"));
        if let Some(p) = project_of(errs, &at, v, "ProjectID", projects) {
            if !is_lodging(p) {
                errs.push(format!(
                    "{at}: inventory is only for lodging projects (ProjectType 0, 1, 2, 3, 8, 9, 10, or 13 with \
                     RRHSubType 2); project {project} has ProjectType {:?}, RRHSubType {:?}",
                    Export::str(p, "ProjectType"),
                    Export::str(p, "RRHSubType")
                ));
            }
            let es = matches!(opt_int(p, "ProjectType"), Some(0 | 1));
            for col in ["Availability", "ESBedType"] {
                match (es, is_null(v, col)) {
                    (false, false) => errs.push(format!("{at}: {col} must be null unless ProjectType is 0 or 1")),
                    (true, true) => errs.push(format!("{at}: {col} is required when ProjectType is 0 or 1")),
                    _ => {}
                }
            }
            // A deletion asserts nothing about when the project operated.
            if !is_deleted(v) {
                check_within_operation(errs, &at, v, "InventoryStartDate", "InventoryEndDate", p);
            }
        }
        if !project_cocs.contains(&(project, coc)) {
            errs.push(format!("{at}: no ProjectCoC.csv row for {project} in {coc}"));
        }
        let sum: i64 = SUB_COUNTS.iter().map(|c| Export::int(v, c)).sum();
        if Export::int(v, "BedInventory") != sum {
            errs.push(format!(
                "{at}: BedInventory {} is not the sum of the sub-counts ({sum})",
                Export::int(v, "BedInventory")
            ));
        }
        check_order(errs, &at, v, "InventoryStartDate", "InventoryEndDate");
        if !is_deleted(v) {
            if let Some(p) = projects.get(project) {
                check_hdx_inventory_rules(errs, &at, v, p);
            }
            // HUD's LSA drops a line that ends on its start date: its beds count on no night.
            if let (Some(s), Some(e)) = (date(v, "InventoryStartDate"), date(v, "InventoryEndDate"))
                && e <= s
            {
                errs.push(format!(
                    "{at}: InventoryEndDate {e} is not after InventoryStartDate {s} (the LSA counts it on no night)"
                ));
            }
            // HDX flag 785 (data error): more units than beds.
            if Export::int(v, "UnitInventory") > Export::int(v, "BedInventory") {
                errs.push(format!(
                    "{at}: UnitInventory {} is more than BedInventory {} (HDX flag 785)",
                    Export::int(v, "UnitInventory"),
                    Export::int(v, "BedInventory")
                ));
            }
        }
    }
}

/// HMISParticipation rows: references, order, inside the operating dates; and per project, the
/// periods cover every day from OperatingStartDate to OperatingEndDate (`export_end` while open)
/// without gap or overlap.
fn check_hmis_participation(errs: &mut Vec<String>, x: &Export, projects: &Projects, export_end: Option<NaiveDate>) {
    const START: &str = "HMISParticipationStatusStartDate";
    const END: &str = "HMISParticipationStatusEndDate";
    /// (start, end, HMISParticipationID)
    type Period<'a> = (NaiveDate, Option<NaiveDate>, &'a str);
    let mut by_project: BTreeMap<&str, Vec<Period>> = BTreeMap::new();
    for h in x.rows("HMISParticipation.csv") {
        let id = Export::str(h, "HMISParticipationID");
        let at = format!("HMISParticipation.csv {id}");
        if let Some(p) = project_of(errs, &at, h, "ProjectID", projects) {
            check_within_operation(errs, &at, h, START, END, p);
        }
        check_order(errs, &at, h, START, END);
        if let Some(start) = date(h, START)
            && !is_deleted(h)
        {
            by_project.entry(Export::str(h, "ProjectID")).or_default().push((start, date(h, END), id));
        }
    }
    for (pid, p) in projects {
        let Some(op_start) = date(p, "OperatingStartDate").filter(|_| !is_deleted(p)) else { continue };
        // The last day the periods must cover; None while open with no export period to go by.
        let through = date(p, "OperatingEndDate").or(export_end);
        let mut periods = by_project.remove(pid).unwrap_or_default();
        periods.sort();
        let Some(&(first, _, first_id)) = periods.first() else {
            if through.is_none_or(|t| t >= op_start) {
                errs.push(format!(
                    "HMISParticipation.csv: no row for project {pid}; participation must cover every day from its \
                     OperatingStartDate {op_start}"
                ));
            }
            continue;
        };
        if first != op_start {
            errs.push(format!(
                "HMISParticipation.csv {first_id}: project {pid}'s first participation period starts {first}, not on \
                 its OperatingStartDate {op_start}"
            ));
        }
        for pair in periods.windows(2) {
            let ((_, end, a), (next, _, b)) = (pair[0], pair[1]);
            let Some(end) = end else {
                errs.push(format!(
                    "HMISParticipation.csv {b}: starts {next}, overlapping {a} of the same project, which has no end"
                ));
                continue;
            };
            if next <= end {
                errs.push(format!(
                    "HMISParticipation.csv {b}: starts {next}, overlapping {a} of the same project, which ends {end}"
                ));
            } else if end.succ_opt().is_some_and(|day| next > day) {
                errs.push(format!(
                    "HMISParticipation.csv {b}: starts {next}, but {a} of the same project ends {end}: a gap in \
                     project {pid}'s participation"
                ));
            }
        }
        if let Some(&(_, Some(end), last_id)) = periods.last()
            && let Some(through) = through
            && end < through
        {
            errs.push(format!(
                "HMISParticipation.csv {last_id}: project {pid}'s last participation period ends {end}; participation \
                 must cover through {through} (OperatingEndDate, or ExportEndDate while open)"
            ));
        }
    }
}

fn check_ce_participation(errs: &mut Vec<String>, x: &Export, projects: &Projects) {
    for c in x.rows("CEParticipation.csv") {
        let at = format!("CEParticipation.csv {}", Export::str(c, "CEParticipationID"));
        project_of(errs, &at, c, "ProjectID", projects);
        if opt_int(c, "AccessPoint") == Some(1) {
            for col in ["PreventionAssessment", "CrisisAssessment", "HousingAssessment", "DirectServices"] {
                if is_null(c, col) {
                    errs.push(format!("{at}: {col} is required when AccessPoint is 1"));
                }
            }
        }
        check_order(errs, &at, c, "CEParticipationStatusStartDate", "CEParticipationStatusEndDate");
    }
}

/// The HIC's rules for each lodging project operating on some day of the export period.
fn check_active_lodging(errs: &mut Vec<String>, x: &Export, period: (NaiveDate, NaiveDate)) {
    let (from, to) = period;
    fn live<'a>(x: &'a Export, file: &str, pid: &'a str) -> impl Iterator<Item = &'a Row> {
        x.rows(file).iter().filter(move |r| Export::str(r, "ProjectID") == pid && !is_deleted(r))
    }
    // Active in the period as the LSA has it: started by its end, and an OperatingEndDate after
    // its start (a project closed on the report's first night operates on none of its nights).
    let active = |p: &Row| {
        date(p, "OperatingStartDate").is_some_and(|s| s <= to) && date(p, "OperatingEndDate").is_none_or(|e| e > from)
    };
    for p in x.rows("Project.csv") {
        if is_deleted(p) || !is_lodging(p) || !active(p) {
            continue;
        }
        let pid = Export::str(p, "ProjectID");
        let at = format!("Project.csv {pid}");
        if is_null(p, "HousingType") {
            errs.push(format!("{at}: HousingType is required for an active lodging project (HIC)"));
        }
        for c in live(x, "ProjectCoC.csv", pid) {
            let at = format!("ProjectCoC.csv {}", Export::str(c, "ProjectCoCID"));
            for col in ["Geocode", "ZIP"] {
                if is_null(c, col) {
                    errs.push(format!("{at}: {col} is required for active lodging project {pid} (HIC)"));
                }
            }
            if !matches!(opt_int(c, "GeographyType"), Some(1..=3)) {
                errs.push(format!(
                    "{at}: GeographyType {:?} must be 1, 2 or 3 for active lodging project {pid} (HIC)",
                    Export::str(c, "GeographyType")
                ));
            }
        }
        for (file, start, end) in
            [("Funder.csv", "StartDate", "EndDate"), ("Inventory.csv", "InventoryStartDate", "InventoryEndDate")]
        {
            if !live(x, file, pid).any(|r| in_effect(r, start, end, period)) {
                errs.push(format!(
                    "{at}: no {file} row in effect between {from} and {to}; an active lodging project needs one (HIC)"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    /// Every field as written (quotes included), by column.
    type Fields = BTreeMap<&'static str, String>;

    /// A hand-made export: the descriptor files' rows, extra files as raw text, and whether to quote
    /// every field the way GreenRiver does.
    #[derive(Clone)]
    struct Fixture {
        tables: BTreeMap<&'static str, Vec<Fields>>,
        extra: Vec<(String, String)>,
        quote_all: bool,
    }

    fn columns(file: &str) -> Vec<Col> {
        descriptor_files().into_iter().find(|(f, _)| *f == file).map(|(_, c)| c).expect("a descriptor file")
    }

    /// A value as our fixtures write it: strings quoted, everything else bare, empty for null.
    fn written(file: &str, col: &str, value: &str) -> String {
        let (_, ty, _) = columns(file).into_iter().find(|c| c.0 == col).unwrap_or_else(|| panic!("{file} {col}"));
        match ty {
            Ty::S(_) if !value.is_empty() => format!("\"{}\"", value.replace('"', "\"\"")),
            _ => value.to_string(),
        }
    }

    impl Fixture {
        /// Four projects (night-by-night ES P1, RRH housing P2 ending 2025-12-31, services-only P3,
        /// non-continuum P4) in an export of January 2025, with a header-only Client.csv.
        fn valid() -> Self {
            let mut f = Fixture { tables: BTreeMap::new(), extra: Vec::new(), quote_all: false };
            for (file, _) in descriptor_files() {
                f.tables.insert(file, Vec::new());
            }
            let client = CLIENT_FILES[0];
            f.extra.push((client.0.to_string(), format!("{}\r\n", client.1)));
            let beds = |other: &'static str, youth: &'static str| {
                [
                    ("CHVetBedInventory", "0"),
                    ("YouthVetBedInventory", "0"),
                    ("VetBedInventory", "0"),
                    ("CHYouthBedInventory", "0"),
                    ("YouthBedInventory", youth),
                    ("CHBedInventory", "0"),
                    ("OtherBedInventory", other),
                ]
            };
            f.add(
                "Export.csv",
                &[
                    ("ExportID", "X1"),
                    ("SourceType", "1"),
                    ("SourceID", "XX-501"),
                    ("ExportDate", "2025-02-01 08:00:00"),
                    ("ExportStartDate", "2025-01-01"),
                    ("ExportEndDate", "2025-01-31"),
                    ("SoftwareName", "Tests"),
                    ("CSVVersion", "2026 v1.0"),
                    ("ExportPeriodType", "3"),
                    ("ExportDirective", "2"),
                    ("HashStatus", "1"),
                    ("ImplementationID", "impl-1"),
                ],
            )
            .add(
                "Organization.csv",
                &[("OrganizationID", "O1"), ("OrganizationName", "Hands"), ("VictimServiceProvider", "0")],
            )
            .add("User.csv", &[("UserID", "U1"), ("UserFirstName", "Ada")])
            .add(
                "Project.csv",
                &[
                    ("ProjectID", "P1"),
                    ("OrganizationID", "O1"),
                    ("ProjectName", "Night Shelter"),
                    ("OperatingStartDate", "2020-01-01"),
                    ("ContinuumProject", "1"),
                    ("ProjectType", "1"),
                    ("HousingType", "1"),
                ],
            )
            .add(
                "Project.csv",
                &[
                    ("ProjectID", "P2"),
                    ("OrganizationID", "O1"),
                    ("ProjectName", "Rapid Rehousing"),
                    ("OperatingStartDate", "2021-06-01"),
                    ("OperatingEndDate", "2025-12-31"),
                    ("ContinuumProject", "1"),
                    ("ProjectType", "13"),
                    ("RRHSubType", "2"),
                    ("HousingType", "3"),
                ],
            )
            .add(
                "Project.csv",
                &[
                    ("ProjectID", "P3"),
                    ("OrganizationID", "O1"),
                    ("ProjectName", "Outreach services"),
                    ("OperatingStartDate", "2020-01-01"),
                    ("ContinuumProject", "1"),
                    ("ProjectType", "6"),
                    ("ResidentialAffiliation", "1"),
                ],
            )
            .add(
                "Project.csv",
                &[
                    ("ProjectID", "P4"),
                    ("OrganizationID", "O1"),
                    ("ProjectName", "Food pantry"),
                    ("OperatingStartDate", "2022-03-01"),
                    ("ContinuumProject", "0"),
                ],
            )
            .add("Funder.csv", &[("FunderID", "F1"), ("ProjectID", "P1"), ("Funder", "8"), ("StartDate", "2020-01-01")])
            .add(
                "Funder.csv",
                &[
                    ("FunderID", "F2"),
                    ("ProjectID", "P2"),
                    ("Funder", "46"),
                    ("OtherFunder", "County"),
                    ("StartDate", "2021-06-01"),
                    ("EndDate", "2025-12-31"),
                ],
            );
            for (id, project, geo) in
                [("PC1", "P1", true), ("PC2", "P2", true), ("PC3", "P3", false), ("PC4", "P4", false)]
            {
                let mut fields = vec![("ProjectCoCID", id), ("ProjectID", project), ("CoCCode", "XX-501")];
                if geo {
                    fields.extend([("Geocode", "123456"), ("ZIP", "01234"), ("GeographyType", "1"), ("State", "TX")]);
                }
                f.add("ProjectCoC.csv", &fields);
            }
            let mut i1 = vec![
                ("InventoryID", "I1"),
                ("ProjectID", "P1"),
                ("CoCCode", "XX-501"),
                ("HouseholdType", "1"),
                ("Availability", "1"),
                ("UnitInventory", "20"),
                ("BedInventory", "20"),
                ("ESBedType", "1"),
                ("InventoryStartDate", "2020-01-01"),
            ];
            i1.extend(beds("20", "0"));
            let mut i2 = vec![
                ("InventoryID", "I2"),
                ("ProjectID", "P2"),
                ("CoCCode", "XX-501"),
                ("HouseholdType", "3"),
                ("UnitInventory", "4"),
                ("BedInventory", "12"),
                ("InventoryStartDate", "2021-06-01"),
                ("InventoryEndDate", "2025-12-31"),
            ];
            i2.extend(beds("10", "2"));
            f.add("Inventory.csv", &i1)
                .add("Inventory.csv", &i2)
                .add("Affiliation.csv", &[("AffiliationID", "A1"), ("ProjectID", "P3"), ("ResProjectID", "P1")]);
            for (id, project, start, end) in [
                ("H1", "P1", "2020-01-01", "2022-12-31"),
                ("H2", "P1", "2023-01-01", ""),
                ("H3", "P2", "2021-06-01", "2025-12-31"),
                ("H4", "P3", "2020-01-01", ""),
                ("H5", "P4", "2022-03-01", ""),
            ] {
                f.add(
                    "HMISParticipation.csv",
                    &[
                        ("HMISParticipationID", id),
                        ("ProjectID", project),
                        ("HMISParticipationType", "1"),
                        ("HMISParticipationStatusStartDate", start),
                        ("HMISParticipationStatusEndDate", end),
                    ],
                );
            }
            f.add(
                "CEParticipation.csv",
                &[
                    ("CEParticipationID", "C1"),
                    ("ProjectID", "P3"),
                    ("AccessPoint", "1"),
                    ("PreventionAssessment", "0"),
                    ("CrisisAssessment", "1"),
                    ("HousingAssessment", "1"),
                    ("DirectServices", "0"),
                    ("ReceivesReferrals", "1"),
                    ("CEParticipationStatusStartDate", "2020-01-01"),
                ],
            );
            f
        }

        /// Add a row; the metadata columns get valid values unless given.
        fn add(&mut self, file: &'static str, fields: &[(&'static str, &str)]) -> &mut Self {
            let mut row: Fields = BTreeMap::new();
            let meta = [
                ("DateCreated", "2024-01-01 00:00:00"),
                ("DateUpdated", "2024-01-02 00:00:00"),
                ("UserID", "U1"),
                ("ExportID", "X1"),
            ];
            let cols = columns(file);
            for (col, value) in meta.into_iter().chain(fields.iter().copied()) {
                if cols.iter().any(|c| c.0 == col) {
                    row.insert(col, written(file, col, value));
                } else {
                    assert!(meta.iter().any(|m| m.0 == col), "{file} has no column {col}");
                }
            }
            self.tables.get_mut(file).expect("a descriptor file").push(row);
            self
        }

        fn row(&mut self, file: &str, id: &str) -> &mut Fields {
            let id_col = columns(file)[0].0;
            let id = written(file, id_col, id);
            let rows = self.tables.get_mut(file).expect("a descriptor file");
            rows.iter_mut().find(|r| r.get(id_col) == Some(&id)).unwrap_or_else(|| panic!("{file} {id}"))
        }

        /// A copy with `file`'s record `id` holding `value` in `col`, written as our fixtures write.
        fn set(&self, file: &'static str, id: &str, col: &'static str, value: &str) -> Self {
            self.set_raw(file, id, col, &written(file, col, value))
        }

        /// A copy with `file`'s record `id` holding exactly `raw` in `col`.
        fn set_raw(&self, file: &'static str, id: &str, col: &'static str, raw: &str) -> Self {
            assert!(columns(file).iter().any(|c| c.0 == col), "{file} has no column {col}");
            let mut f = self.clone();
            f.row(file, id).insert(col, raw.to_string());
            f
        }

        fn without_row(&self, file: &str, id: &str) -> Self {
            let mut f = self.clone();
            let removed = f.row(file, id).clone();
            f.tables.get_mut(file).expect("a descriptor file").retain(|r| *r != removed);
            f
        }

        fn without(&self, file: &str) -> Self {
            let mut f = self.clone();
            f.tables.remove(file);
            f.extra.retain(|(name, _)| name != file);
            f
        }

        fn with_file(&self, name: &str, text: &str) -> Self {
            let mut f = self.clone();
            f.extra.push((name.to_string(), text.to_string()));
            f
        }

        /// Each file's name and text.
        fn texts(&self) -> Vec<(String, String)> {
            let line = |fields: Vec<&str>| {
                let quoted = fields
                    .iter()
                    .map(|f| if self.quote_all && !f.starts_with('"') { format!("\"{f}\"") } else { f.to_string() });
                quoted.collect::<Vec<_>>().join(",") + "\r\n"
            };
            let mut files = Vec::new();
            for (file, rows) in &self.tables {
                let cols = columns(file);
                let mut text = line(cols.iter().map(|c| c.0).collect());
                for r in rows {
                    text += &line(cols.iter().map(|c| r.get(c.0).map_or("", String::as_str)).collect());
                }
                files.push((file.to_string(), text));
            }
            files.extend(self.extra.iter().cloned());
            files
        }

        fn zip(&self) -> Vec<u8> {
            zip_of(&self.texts())
        }

        fn assert_valid(&self) -> Export {
            validate(&self.zip()).unwrap_or_else(|errs| panic!("should be valid:\n{}", errs.join("\n")))
        }

        /// The fixture fails, with a problem that contains `expect`.
        #[track_caller]
        fn assert_problem(&self, expect: &str) {
            let errs = validate(&self.zip()).err().unwrap_or_else(|| panic!("should fail with {expect:?}"));
            assert!(errs.iter().any(|e| e.contains(expect)), "no problem contains {expect:?}:\n{}", errs.join("\n"));
        }
    }

    fn zip_of(files: &[(String, String)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in files {
            w.start_file(name.as_str(), SimpleFileOptions::default()).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let r = parse_csv("A,B\r\n\"x,\"\"y\"\"\",2\r\n\"a\nb\",\r\n").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1][0].text, "x,\"y\"");
        assert!(r[1][0].quoted && !r[1][1].quoted);
        assert_eq!(r[2][0].text, "a\nb");
        assert_eq!(r[2][1].text, "");
    }

    #[test]
    fn the_fixture_is_valid_and_readable() {
        let x = Fixture::valid().assert_valid();
        assert_eq!(x.rows("Project.csv").len(), 4);
        let p2 = &x.rows("Project.csv")[1];
        assert_eq!((Export::str(p2, "ProjectID"), Export::int(p2, "ProjectType")), ("P2", 13));
        assert_eq!(p2.get("OperatingEndDate"), Some(&Some("2025-12-31".to_string())));
        assert_eq!(p2.get("ResidentialAffiliation"), Some(&None));
        assert_eq!(x.rows("Inventory.csv").iter().map(|r| Export::int(r, "BedInventory")).sum::<i64>(), 32);
        assert!(x.files.get("Client.csv").is_some_and(Vec::is_empty), "a header-only client file is listed");
        assert!(x.text.contains("Night Shelter"));
    }

    #[test]
    fn quoted_integers_dates_and_empty_fields_are_valid() {
        // GreenRiver quotes every field, header and nulls included.
        let all = Fixture { quote_all: true, ..Fixture::valid() };
        assert!(
            all.texts().iter().any(|(f, t)| f == "Project.csv" && t.contains("\"2020-01-01\",\"\",\"1\",\"1\",\"1\""))
        );
        let x = all.assert_valid();
        let p1 = &x.rows("Project.csv")[0];
        assert_eq!(p1.get("OperatingEndDate"), Some(&None), "a quoted empty date is a null");
        assert_eq!(p1.get("RRHSubType"), Some(&None), "a quoted empty integer is a null");
        assert_eq!(Export::int(p1, "ProjectType"), 1);
        let f = Fixture::valid();
        f.set_raw("Project.csv", "P1", "ProjectType", "\"1\"")
            .set_raw("Project.csv", "P1", "OperatingStartDate", "\"2020-01-01\"")
            .set_raw("Project.csv", "P1", "DateCreated", "\"2024-01-01 00:00:00\"")
            .set_raw("Project.csv", "P1", "PITCount", "\"\"")
            .assert_valid();
        // A null is a null, quoted or not: a non-nullable column refuses both.
        f.set_raw("Project.csv", "P1", "ContinuumProject", "\"\"")
            .assert_problem("Project.csv P1 (row 2) ContinuumProject: empty (null), but the column is not nullable");
        f.set_raw("Project.csv", "P1", "OperatingStartDate", "").assert_problem("OperatingStartDate: empty (null)");
        f.set_raw("Project.csv", "P1", "ProjectName", "\"\"").assert_problem("ProjectName: empty (null)");
    }

    #[test]
    fn cells_follow_their_column_types() {
        let f = Fixture::valid();
        f.set_raw("Project.csv", "P1", "ProjectName", "Night")
            .assert_problem("ProjectName: string \"Night\" is not in");
        f.set_raw("Organization.csv", "O1", "OrganizationID", "O1").assert_problem("OrganizationID: string");
        for bad in ["1.0", "-1", "\" 1\"", "x", "99999999999999999999"] {
            f.set_raw("Project.csv", "P1", "PITCount", bad).assert_problem("PITCount: ");
        }
        f.set("Project.csv", "P1", "ProjectType", "5").assert_problem("ProjectType: 5 is not in the column's list");
        f.set("Project.csv", "P1", "OperatingStartDate", "2020-1-01").assert_problem("is not a YYYY-MM-DD date");
        f.set("Project.csv", "P1", "DateUpdated", "2024-01-02").assert_problem("is not a YYYY-MM-DD hh:mm:ss");
        f.set("Project.csv", "P1", "ProjectName", &"x".repeat(201)).assert_problem("201 characters, more than S200");
        f.set("Project.csv", "P1", "ProjectName", "A <b>").assert_problem("holds a character FY2026 strips");
        f.set_raw("Project.csv", "P1", "ProjectName", "\"a\"b\"").assert_problem("Project.csv: line");
    }

    #[test]
    fn strings_pass_as_entered() {
        // No formula rule: the spec passes data through (guarding against formulas is the input's job).
        let f = Fixture::valid();
        f.set("Project.csv", "P1", "ProjectName", "=SUM(A1)")
            .set("Project.csv", "P2", "ProjectName", "-2 beds, \"new\"")
            .set("Organization.csv", "O1", "OrganizationName", "@home\tshelter")
            .set("User.csv", "U1", "UserFirstName", "+Zoë\nLine two")
            .assert_valid();
    }

    #[test]
    fn the_zip_holds_the_ten_descriptor_files_and_maybe_header_only_client_files() {
        let f = Fixture::valid();
        for (file, _) in descriptor_files() {
            f.without(file).assert_problem(&format!("{file}: missing from the zip"));
        }
        // Every client-level file, header only, is fine.
        let mut all = f.without("Client.csv");
        for (file, header) in CLIENT_FILES {
            all = all.with_file(file, &format!("{header}\r\n"));
        }
        let x = all.assert_valid();
        assert_eq!(x.files.len(), 24);
        // Even quoted, header only.
        let quoted = CLIENT_FILES[1].1.split(',').map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",");
        f.with_file("Enrollment.csv", &quoted).assert_valid();
        f.with_file("Exit.csv", "").assert_problem("Exit.csv: no header row");
        // A data row is client-level data this product never has.
        let client = format!("{}\r\n\"C1\"{}\r\n", CLIENT_FILES[0].1, ",".repeat(37));
        f.without("Client.csv").with_file("Client.csv", &client).assert_problem("Client.csv: 1 data row(s)");
        f.with_file("Services.csv", "ServicesID,EnrollmentID\r\n").assert_problem("Services.csv: header is");
        let short = CLIENT_FILES[2].1.replace("CMExitReason,", "");
        f.with_file("Exit.csv", &short).assert_problem("Exit.csv: header is");
        f.with_file("Notes.csv", "a\r\n").assert_problem("Notes.csv: not a file of the FY2026 CSV export");
        f.with_file("README.txt", "hi").assert_problem("README.txt: not a file");
        f.with_file("Assessments.csv", "a\r\n").assert_problem("Assessments.csv: not a file");
        f.with_file("data/Project.csv", "a\r\n").assert_problem("data/Project.csv: the zip must be flat");
        f.with_file("Event.csv", "\u{feff}EventID").assert_problem("Event.csv: starts with a byte-order mark");
        let header = columns("Project.csv").iter().map(|c| c.0).collect::<Vec<_>>().join(",");
        f.without("Project.csv")
            .with_file("Project.csv", &header.replace("ProjectType", "projecttype"))
            .assert_problem("Project.csv: header is");
        assert_eq!(validate(b"not a zip").unwrap_err().len(), 1);
    }

    #[test]
    fn affiliation_and_ce_participation_follow_fy2026() {
        let header = |file: &str| columns(file).iter().map(|c| c.0).collect::<Vec<_>>().join(",");
        assert_eq!(
            header("Affiliation.csv"),
            "AffiliationID,ProjectID,ResProjectID,DateCreated,DateUpdated,UserID,DateDeleted,ExportID"
        );
        assert_eq!(
            header("CEParticipation.csv"),
            "CEParticipationID,ProjectID,AccessPoint,PreventionAssessment,CrisisAssessment,HousingAssessment,\
             DirectServices,ReceivesReferrals,CEParticipationStatusStartDate,CEParticipationStatusEndDate,\
             DateCreated,DateUpdated,UserID,DateDeleted,ExportID"
        );
        let f = Fixture::valid();
        f.set("Affiliation.csv", "A1", "ResProjectID", "P9")
            .assert_problem("Affiliation.csv A1: ResProjectID \"P9\" not in Project.csv");
        f.set("Affiliation.csv", "A1", "ProjectID", "P9").assert_problem("Affiliation.csv A1: ProjectID \"P9\" not in");
        let mut twice = f.clone();
        twice.add("Affiliation.csv", &[("AffiliationID", "A1"), ("ProjectID", "P3"), ("ResProjectID", "P2")]);
        twice.assert_problem("Affiliation.csv A1: AffiliationID is not unique");
        let mut twice = f.clone();
        twice.add(
            "CEParticipation.csv",
            &[
                ("CEParticipationID", "C1"),
                ("ProjectID", "P1"),
                ("AccessPoint", "0"),
                ("ReceivesReferrals", "0"),
                ("CEParticipationStatusStartDate", "2020-01-01"),
            ],
        );
        twice.assert_problem("CEParticipation.csv C1: CEParticipationID is not unique");
        // The four flags are required only at an access point.
        for col in ["PreventionAssessment", "CrisisAssessment", "HousingAssessment", "DirectServices"] {
            let missing = f.set("CEParticipation.csv", "C1", col, "");
            missing.assert_problem(&format!("CEParticipation.csv C1: {col} is required when AccessPoint is 1"));
            missing.set("CEParticipation.csv", "C1", "AccessPoint", "0").assert_valid();
            f.set("CEParticipation.csv", "C1", col, "2").assert_problem(&format!("{col}: 2 is not in the column's"));
        }
        f.set("CEParticipation.csv", "C1", "AccessPoint", "").assert_problem("AccessPoint: empty (null)");
        f.set("CEParticipation.csv", "C1", "ReceivesReferrals", "").assert_problem("ReceivesReferrals: empty (null)");
        f.set("CEParticipation.csv", "C1", "CEParticipationStatusStartDate", "")
            .assert_problem("CEParticipationStatusStartDate: empty (null)");
        f.set("CEParticipation.csv", "C1", "CEParticipationStatusEndDate", "2019-12-31").assert_problem(
            "CEParticipation.csv C1: CEParticipationStatusEndDate 2019-12-31 is before CEParticipationStatusStartDate",
        );
        f.set("CEParticipation.csv", "C1", "CEParticipationStatusEndDate", "2024-12-31").assert_valid();
        f.set("CEParticipation.csv", "C1", "ProjectID", "P9").assert_problem("CEParticipation.csv C1: ProjectID");
    }

    #[test]
    fn project_dependent_fields() {
        let f = Fixture::valid();
        f.set("Project.csv", "P2", "RRHSubType", "")
            .assert_problem("Project.csv P2: RRHSubType is required for ProjectType 13");
        f.set("Project.csv", "P1", "RRHSubType", "2")
            .assert_problem("Project.csv P1: RRHSubType must be null unless ProjectType is 13");
        f.set("Project.csv", "P3", "ResidentialAffiliation", "")
            .assert_problem("Project.csv P3: ResidentialAffiliation is required for ProjectType 6, or 13 with");
        f.set("Project.csv", "P1", "ResidentialAffiliation", "0")
            .assert_problem("Project.csv P1: ResidentialAffiliation must be null unless ProjectType is 6");
        f.set("Project.csv", "P2", "ResidentialAffiliation", "1").assert_problem("P2: ResidentialAffiliation must be");
        // RRH services only: the affiliation is required (and it has no beds).
        let sso = f.set("Project.csv", "P2", "RRHSubType", "1").without_row("Inventory.csv", "I2");
        sso.assert_problem("Project.csv P2: ResidentialAffiliation is required");
        sso.set("Project.csv", "P2", "ResidentialAffiliation", "0").assert_valid();
        // ProjectType may be null only outside the continuum.
        f.set("Project.csv", "P4", "ContinuumProject", "1")
            .assert_problem("Project.csv P4: ProjectType is required when ContinuumProject is 1");
        f.set("Project.csv", "P3", "ProjectType", "")
            .set("Project.csv", "P3", "ContinuumProject", "0")
            .set("Project.csv", "P3", "ResidentialAffiliation", "")
            .assert_valid();
        f.set("Project.csv", "P2", "OperatingEndDate", "2021-05-31")
            .assert_problem("Project.csv P2: OperatingEndDate 2021-05-31 is before OperatingStartDate 2021-06-01");
        f.set("Project.csv", "P1", "OrganizationID", "O9")
            .assert_problem("Project.csv P1: OrganizationID not in Organization.csv");
        f.set("Project.csv", "P2", "OperatingStartDate", "2010-01-01")
            .set("Project.csv", "P2", "OperatingEndDate", "2017-12-31")
            .assert_problem(
                "Project.csv P2: closed on 2017-12-31, more than seven years before the report (HDX flag 1315)",
            );
    }

    #[test]
    fn funder_rules() {
        let f = Fixture::valid();
        f.set("Funder.csv", "F2", "OtherFunder", "")
            .assert_problem("Funder.csv F2: OtherFunder is required when Funder is 46");
        f.set("Funder.csv", "F1", "OtherFunder", "City")
            .assert_problem("Funder.csv F1: OtherFunder must be null unless Funder is 46");
        // 47 and 48 are retired, but old records keep them; 56 is new in FY2026.
        for code in ["1", "32", "47", "48", "55", "56"] {
            f.set("Funder.csv", "F1", "Funder", code).assert_valid();
        }
        for code in ["0", "12", "28", "31", "49", "57", "99"] {
            f.set("Funder.csv", "F1", "Funder", code).assert_problem("Funder: ");
        }
        f.set("Funder.csv", "F1", "EndDate", "2019-12-31")
            .assert_problem("Funder.csv F1: EndDate 2019-12-31 is before StartDate 2020-01-01");
        // HDX flags 862-870: CoC PSH funding on an emergency shelter.
        f.set("Funder.csv", "F1", "Funder", "2")
            .assert_problem("Funder.csv F1: Funder 2 is not for ProjectType 1 (HDX flag 866)");
        f.set("Funder.csv", "F1", "ProjectID", "P9")
            .assert_problem("Funder.csv F1: ProjectID \"P9\" not in Project.csv");
    }

    #[test]
    fn inventory_rules() {
        let f = Fixture::valid();
        // Emergency shelter inventory carries Availability and ESBedType; other inventory does not.
        for col in ["Availability", "ESBedType"] {
            f.set("Inventory.csv", "I1", col, "")
                .assert_problem(&format!("Inventory.csv I1: {col} is required when ProjectType is 0 or 1"));
            f.set("Inventory.csv", "I2", col, "2")
                .assert_problem(&format!("Inventory.csv I2: {col} must be null unless ProjectType is 0 or 1"));
        }
        f.set("Project.csv", "P1", "ProjectType", "0").assert_valid();
        let th = f.set("Project.csv", "P1", "ProjectType", "2");
        th.assert_problem("Inventory.csv I1: Availability must be null unless ProjectType is 0 or 1");
        th.set("Inventory.csv", "I1", "Availability", "").set("Inventory.csv", "I1", "ESBedType", "").assert_valid();
        // Only lodging projects have beds.
        let mut services = f.clone();
        services.row("Inventory.csv", "I2").insert("ProjectID", "\"P3\"".into());
        services.add("ProjectCoC.csv", &[("ProjectCoCID", "PC5"), ("ProjectID", "P3"), ("CoCCode", "XX-501")]);
        services.assert_problem("Inventory.csv I2: inventory is only for lodging projects");
        f.set("Project.csv", "P2", "RRHSubType", "1")
            .set("Project.csv", "P2", "ResidentialAffiliation", "1")
            .assert_problem("Inventory.csv I2: inventory is only for lodging projects");
        for ty in ["3", "8", "9", "10"] {
            // A safe haven has no beds for families (HDX flag 793): I2's are for children alone there.
            let household = if ty == "8" { "4" } else { "3" };
            f.set("Project.csv", "P2", "ProjectType", ty)
                .set("Project.csv", "P2", "RRHSubType", "")
                .set("Inventory.csv", "I2", "HouseholdType", household)
                .assert_valid();
        }
        for ty in ["4", "7", "11", "12", "14"] {
            f.set("Project.csv", "P2", "ProjectType", ty)
                .set("Project.csv", "P2", "RRHSubType", "")
                .assert_problem("Inventory.csv I2: inventory is only for lodging projects");
        }
        // The sums, the CoC, the references.
        f.set("Inventory.csv", "I2", "BedInventory", "13")
            .assert_problem("Inventory.csv I2: BedInventory 13 is not the sum of the sub-counts (12)");
        f.set("Inventory.csv", "I2", "VetBedInventory", "").assert_problem("VetBedInventory: empty (null)");
        f.set("Inventory.csv", "I2", "CoCCode", "XX-502")
            .assert_problem("Inventory.csv I2: no ProjectCoC.csv row for P2 in XX-502");
        f.set("Inventory.csv", "I2", "CoCCode", "").assert_problem("CoCCode: empty (null)");
        f.set("Inventory.csv", "I2", "ProjectID", "P9")
            .assert_problem("Inventory.csv I2: ProjectID \"P9\" not in Project.csv");
        f.set("Inventory.csv", "I2", "HouseholdType", "2")
            .assert_problem("HouseholdType: 2 is not in the column's list");
        // HUD's LSA drops a line that ends on its start date; a deletion may carry one.
        f.set("Inventory.csv", "I1", "InventoryEndDate", "2020-01-01")
            .assert_problem("Inventory.csv I1: InventoryEndDate 2020-01-01 is not after InventoryStartDate");
        let mut voided = f.clone();
        let mut i3 = voided.row("Inventory.csv", "I1").clone();
        i3.insert("InventoryID", "\"I3\"".into());
        i3.insert("InventoryEndDate", "2020-01-01".into());
        i3.insert("DateDeleted", "2020-01-02 09:00:00".into());
        voided.tables.get_mut("Inventory.csv").expect("a descriptor file").push(i3);
        voided.assert_valid();
        f.set("Inventory.csv", "I1", "UnitInventory", "21")
            .assert_problem("Inventory.csv I1: UnitInventory 21 is more than BedInventory 20 (HDX flag 785)");
        // What else HDX rejects of a line: chronic beds outside PSH, veteran beds for children
        // alone, a season without its end, a safe haven for families.
        f.set("Inventory.csv", "I1", "CHBedInventory", "2")
            .set("Inventory.csv", "I1", "OtherBedInventory", "18")
            .assert_problem("HDX flag 792");
        f.set("Inventory.csv", "I1", "HouseholdType", "4")
            .set("Inventory.csv", "I1", "VetBedInventory", "2")
            .set("Inventory.csv", "I1", "OtherBedInventory", "18")
            .assert_problem("HDX flag 787");
        f.set("Inventory.csv", "I1", "Availability", "2").assert_problem("HDX flag 791");
        f.set("Project.csv", "P1", "ProjectType", "8")
            .set("Inventory.csv", "I1", "HouseholdType", "3")
            .set("Inventory.csv", "I1", "Availability", "")
            .set("Inventory.csv", "I1", "ESBedType", "")
            .assert_problem("HDX flag 793");
    }

    #[test]
    fn export_row_rules() {
        let f = Fixture::valid();
        f.set("Export.csv", "X1", "SourceID", "")
            .assert_problem("Export.csv X1: SourceID \"\" must be the CoC code(s)");
        f.set("Export.csv", "X1", "SourceID", "Texas").assert_problem("SourceID \"Texas\" must be");
        f.set("Export.csv", "X1", "SourceID", "XX-501;YY-600").assert_valid();
        f.set("Export.csv", "X1", "SourceID", "XX-501,YY-600").assert_problem("SourceID");
        let warehouse = f.set("Export.csv", "X1", "SourceType", "3").set("Export.csv", "X1", "SourceID", "");
        warehouse.assert_problem("Export.csv X1: SourceName is required unless SourceType is 1");
        warehouse.set("Export.csv", "X1", "SourceName", "County warehouse").assert_valid();
        for phone in ["2125550123", "9999999999"] {
            f.set("Export.csv", "X1", "SourceContactPhone", phone).assert_valid();
        }
        for phone in ["1125550123", "2121550123", "212555012", "212-555-01", "(212)55501"] {
            f.set("Export.csv", "X1", "SourceContactPhone", phone)
                .assert_problem(&format!("Export.csv X1: SourceContactPhone {phone:?} does not match"));
        }
        for extension in ["1", "12345"] {
            f.set("Export.csv", "X1", "SourceContactExtension", extension).assert_valid();
        }
        for extension in ["12a", "x1", " 1"] {
            f.set("Export.csv", "X1", "SourceContactExtension", extension)
                .assert_problem(&format!("Export.csv X1: SourceContactExtension {extension:?} is not 1 to 5 digits"));
        }
        f.set("Export.csv", "X1", "SourceContactExtension", "123456").assert_problem("more than S5");
        for (col, bad, good) in
            [("ExportPeriodType", "2", "4"), ("ExportDirective", "4", "1"), ("HashStatus", "5", "4")]
        {
            f.set("Export.csv", "X1", col, bad)
                .assert_problem(&format!("Export.csv X1 (row 2) {col}: {bad} is not in"));
            f.set("Export.csv", "X1", col, good).assert_valid();
        }
        f.set("Export.csv", "X1", "SourceType", "5").assert_problem("SourceType: 5 is not in the column's list");
        f.set("Export.csv", "X1", "CSVVersion", "FY2026").assert_problem("CSVVersion \"FY2026\" is not");
        f.set("Export.csv", "X1", "ExportStartDate", "2025-02-01")
            .assert_problem("Export.csv X1: ExportEndDate 2025-01-31 is before ExportStartDate 2025-02-01");
        // The HIC's single night.
        f.set("Export.csv", "X1", "ExportStartDate", "2025-01-31").assert_valid();
        let mut two = f.clone();
        two.add("Export.csv", &[("ExportID", "X1")]);
        two.assert_problem("Export.csv: 2 rows, the spec requires exactly one");
    }

    #[test]
    fn active_lodging_projects_meet_the_hic_rules() {
        let f = Fixture::valid();
        f.set("Project.csv", "P1", "HousingType", "")
            .assert_problem("Project.csv P1: HousingType is required for an active lodging project");
        for col in ["Geocode", "ZIP"] {
            f.set("ProjectCoC.csv", "PC2", col, "")
                .assert_problem(&format!("ProjectCoC.csv PC2: {col} is required for active lodging project P2"));
        }
        for geography in ["", "99"] {
            f.set("ProjectCoC.csv", "PC1", "GeographyType", geography)
                .assert_problem("ProjectCoC.csv PC1: GeographyType");
        }
        f.set("ProjectCoC.csv", "PC1", "GeographyType", "3").assert_valid();
        f.set("Funder.csv", "F1", "EndDate", "2024-12-31")
            .assert_problem("Project.csv P1: no Funder.csv row in effect between 2025-01-01 and 2025-01-31");
        f.set("Funder.csv", "F2", "StartDate", "2025-02-01")
            .assert_problem("Project.csv P2: no Funder.csv row in effect between");
        f.set("Funder.csv", "F1", "DateDeleted", "2024-06-01 00:00:00")
            .assert_problem("Project.csv P1: no Funder.csv row in effect");
        f.set("Funder.csv", "F1", "EndDate", "2025-01-01").assert_valid();
        f.set("Inventory.csv", "I1", "InventoryEndDate", "2024-12-31")
            .assert_problem("Project.csv P1: no Inventory.csv row in effect between 2025-01-01 and 2025-01-31");
        f.set("Inventory.csv", "I2", "InventoryStartDate", "2025-02-01")
            .assert_problem("Project.csv P2: no Inventory.csv row in effect");
        // Not lodging (P3, P4: no Geocode in the fixture), or not active: no HIC rule.
        let closed = f
            .set("Project.csv", "P2", "OperatingEndDate", "2024-12-31")
            .set("Project.csv", "P2", "HousingType", "")
            .set("ProjectCoC.csv", "PC2", "Geocode", "")
            .set("ProjectCoC.csv", "PC2", "GeographyType", "99")
            .set("Funder.csv", "F2", "EndDate", "2024-12-31")
            .set("Inventory.csv", "I2", "InventoryEndDate", "2024-12-31")
            .set("HMISParticipation.csv", "H3", "HMISParticipationStatusEndDate", "2024-12-31");
        closed.assert_valid();
        // Closed on the period's first night, it operates on none of its nights (the LSA's rule);
        // closed on its second, it operated on the first.
        closed.set("Project.csv", "P2", "OperatingEndDate", "2025-01-02").assert_problem("Project.csv P2: HousingType");
        let future = f
            .set("Project.csv", "P1", "OperatingStartDate", "2025-02-01")
            .set("Project.csv", "P1", "HousingType", "")
            .set("Funder.csv", "F1", "StartDate", "2025-02-01")
            .set("Inventory.csv", "I1", "InventoryStartDate", "2025-02-01")
            .set("HMISParticipation.csv", "H1", "HMISParticipationStatusStartDate", "2025-02-01")
            .set("HMISParticipation.csv", "H1", "HMISParticipationStatusEndDate", "")
            .without_row("HMISParticipation.csv", "H2");
        future.assert_valid();
        let deleted = closed.set("Project.csv", "P2", "OperatingEndDate", "").set(
            "Project.csv",
            "P2",
            "DateDeleted",
            "2024-12-31 00:00:00",
        );
        deleted.assert_valid();
    }

    #[test]
    fn inventory_and_funder_dates() {
        let f = Fixture::valid();
        f.set("Inventory.csv", "I1", "InventoryStartDate", "2019-12-31").assert_problem(
            "Inventory.csv I1: InventoryStartDate 2019-12-31 is before project P1's OperatingStartDate 2020-01-01",
        );
        f.set("Inventory.csv", "I2", "InventoryEndDate", "").assert_problem(
            "Inventory.csv I2: InventoryEndDate is null, but project P2 ended (OperatingEndDate 2025-12-31)",
        );
        f.set("Inventory.csv", "I2", "InventoryEndDate", "2026-01-01").assert_problem(
            "Inventory.csv I2: InventoryEndDate 2026-01-01 is after project P2's OperatingEndDate 2025-12-31",
        );
        f.set("Inventory.csv", "I2", "InventoryEndDate", "2025-06-30").assert_valid();
        f.set("Inventory.csv", "I1", "InventoryEndDate", "2019-06-30")
            .assert_problem("Inventory.csv I1: InventoryEndDate 2019-06-30 is before InventoryStartDate 2020-01-01");
        f.set("Funder.csv", "F2", "EndDate", "2021-05-01")
            .assert_problem("Funder.csv F2: EndDate 2021-05-01 is before StartDate 2021-06-01");
    }

    #[test]
    fn hmis_participation_covers_every_operating_day() {
        let f = Fixture::valid();
        const START: &str = "HMISParticipationStatusStartDate";
        const END: &str = "HMISParticipationStatusEndDate";
        f.set("HMISParticipation.csv", "H2", START, "2023-01-02").assert_problem(
            "HMISParticipation.csv H2: starts 2023-01-02, but H1 of the same project ends 2022-12-31: a gap",
        );
        f.set("HMISParticipation.csv", "H2", START, "2022-12-31").assert_problem(
            "HMISParticipation.csv H2: starts 2022-12-31, overlapping H1 of the same project, which ends 2022-12-31",
        );
        f.set("HMISParticipation.csv", "H1", END, "").assert_problem(
            "HMISParticipation.csv H2: starts 2023-01-01, overlapping H1 of the same project, which has no end",
        );
        f.set("HMISParticipation.csv", "H4", START, "2020-01-02").assert_problem(
            "HMISParticipation.csv H4: project P3's first participation period starts 2020-01-02, not on its",
        );
        f.set("HMISParticipation.csv", "H4", START, "2019-12-31").assert_problem(
            "HMISParticipation.csv H4: HMISParticipationStatusStartDate 2019-12-31 is before project P3's",
        );
        f.set("HMISParticipation.csv", "H2", END, "2025-01-30").assert_problem(
            "H2: project P1's last participation period ends 2025-01-30; participation must cover through 2025-01-31",
        );
        f.set("HMISParticipation.csv", "H2", END, "2025-01-31").assert_valid();
        f.set("HMISParticipation.csv", "H3", END, "2025-12-30").assert_problem(
            "H3: project P2's last participation period ends 2025-12-30; participation must cover through 2025-12-31",
        );
        f.set("HMISParticipation.csv", "H3", END, "")
            .assert_problem("HMISParticipation.csv H3: HMISParticipationStatusEndDate is null, but project P2 ended");
        f.set("HMISParticipation.csv", "H3", END, "2026-01-01").assert_problem(
            "HMISParticipation.csv H3: HMISParticipationStatusEndDate 2026-01-01 is after project P2's",
        );
        f.set("HMISParticipation.csv", "H1", END, "2019-12-31").assert_problem(
            "HMISParticipation.csv H1: HMISParticipationStatusEndDate 2019-12-31 is before HMISParticipationStatus",
        );
        f.without_row("HMISParticipation.csv", "H5").assert_problem(
            "HMISParticipation.csv: no row for project P4; participation must cover every day from its",
        );
        f.set("HMISParticipation.csv", "H5", "ProjectID", "P9")
            .assert_problem("HMISParticipation.csv H5: ProjectID \"P9\" not in Project.csv");
        // A change of participation type splits the coverage into periods; a tombstone takes no part.
        let mut changed = f.set("HMISParticipation.csv", "H5", END, "2023-12-31");
        changed.add(
            "HMISParticipation.csv",
            &[
                ("HMISParticipationID", "H6"),
                ("ProjectID", "P4"),
                ("HMISParticipationType", "2"),
                (START, "2024-01-01"),
            ],
        );
        changed.assert_valid();
        changed.add(
            "HMISParticipation.csv",
            &[
                ("HMISParticipationID", "H7"),
                ("ProjectID", "P4"),
                ("HMISParticipationType", "0"),
                (START, "2022-03-01"),
                ("DateDeleted", "2023-01-01 00:00:00"),
            ],
        );
        changed.assert_valid();
        changed.set("HMISParticipation.csv", "H7", "DateDeleted", "").assert_problem("overlapping");
        let mut twice = f.clone();
        twice.add(
            "HMISParticipation.csv",
            &[
                ("HMISParticipationID", "H5"),
                ("ProjectID", "P4"),
                ("HMISParticipationType", "1"),
                (START, "2022-03-01"),
            ],
        );
        twice.assert_problem("HMISParticipation.csv H5: HMISParticipationID is not unique");
    }

    #[test]
    fn cross_file_rules_still_hold() {
        let f = Fixture::valid();
        f.set("Inventory.csv", "I1", "UserID", "U9")
            .assert_problem("Inventory.csv I1: UserID \"U9\" is not in User.csv");
        f.set("CEParticipation.csv", "C1", "UserID", "U9").assert_problem("CEParticipation.csv C1: UserID \"U9\"");
        f.set("Affiliation.csv", "A1", "ExportID", "X2")
            .assert_problem("Affiliation.csv A1: ExportID \"X2\" differs from Export.csv's");
        f.set("User.csv", "U1", "ExportID", "X2").assert_problem("User.csv U1: ExportID \"X2\" differs");
        for (file, id, col) in [
            ("Organization.csv", "O1", "OrganizationID"),
            ("Project.csv", "P1", "ProjectID"),
            ("ProjectCoC.csv", "PC1", "ProjectCoCID"),
            ("Funder.csv", "F1", "FunderID"),
            ("Inventory.csv", "I1", "InventoryID"),
        ] {
            let mut twice = f.clone();
            let row = twice.row(file, id).clone();
            twice.tables.get_mut(file).unwrap().push(row);
            twice.assert_problem(&format!("{file} {id}: {col} is not unique"));
        }
        f.set("ProjectCoC.csv", "PC1", "CoCCode", "XX501")
            .assert_problem("ProjectCoC.csv PC1: CoCCode \"XX501\" is not XX-999");
        f.set("ProjectCoC.csv", "PC3", "Geocode", "12345")
            .assert_problem("ProjectCoC.csv PC3: Geocode \"12345\" is not 6 digits");
        f.set("ProjectCoC.csv", "PC3", "ZIP", "1234A")
            .assert_problem("ProjectCoC.csv PC3: ZIP \"1234A\" is not 5 digits");
        f.set("ProjectCoC.csv", "PC3", "State", "tx")
            .assert_problem("ProjectCoC.csv PC3: State \"tx\" is not a USPS code");
        f.set("ProjectCoC.csv", "PC3", "ProjectID", "P9").assert_problem("ProjectCoC.csv PC3: ProjectID \"P9\" not in");
    }

    #[test]
    fn every_problem_names_its_file() {
        let broken = Fixture::valid()
            .set("Project.csv", "P2", "RRHSubType", "")
            .set("Inventory.csv", "I1", "BedInventory", "1")
            .set("Funder.csv", "F1", "EndDate", "2019-01-01")
            .set("ProjectCoC.csv", "PC1", "ZIP", "")
            .set("CEParticipation.csv", "C1", "DirectServices", "")
            .set("Export.csv", "X1", "SourceContactPhone", "123")
            .set("HMISParticipation.csv", "H2", "HMISParticipationStatusStartDate", "2023-02-01")
            .set_raw("Organization.csv", "O1", "VictimServiceProvider", "\"\"")
            .without("Client.csv")
            .with_file("Client.csv", "x");
        let errs = validate(&broken.zip()).unwrap_err();
        assert!(errs.len() >= 9, "{errs:#?}");
        for e in &errs {
            let file = e.split([' ', ':']).next().unwrap();
            assert!(
                file.ends_with(".csv")
                    && (descriptor_files().iter().any(|d| d.0 == file) || CLIENT_FILES.iter().any(|c| c.0 == file)),
                "{e}"
            );
        }
    }
}
