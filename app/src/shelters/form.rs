//! Parsing the admin's forms for shelters, inventory lines and organizations. Pure: raw text in,
//! typed values or an error naming the field out.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::hmis::codes::{
    AVAILABILITY, AVAILABILITY_SEASONAL, CodeList, ES_BED_TYPE, FUNDER_OTHER, FUNDING_SOURCE, GEOGRAPHY_TYPE,
    HMIS_PARTICIPATION_TYPE, HOUSEHOLD_ADULTS_AND_CHILDREN, HOUSEHOLD_CHILDREN_ONLY, HOUSEHOLD_TYPE, HOUSING_TYPE,
    PROJECT_TYPE, PROJECT_TYPE_PSH, PROJECT_TYPE_SH, SHELTER_PROJECT_TYPE, TARGET_POPULATION, is_emergency_shelter,
};
use crate::hmis::ids::{CocCode, HmisId};
use crate::inventory::parse_bed_count;

/// The shelter form as typed (`shelter[field]` in the form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShelterForm {
    pub organization_id: String,
    pub hmis_project_id: String,
    pub name: String,
    pub project_type: String,
    pub housing_type: String,
    pub target_population: String,
    pub operating_start_date: String,
    pub operating_end_date: String,
    pub coc_code: String,
    pub address1: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub geocode: String,
    pub geography_type: String,
    pub hmis_participation_type: String,
    pub active: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShelterInput {
    /// The organization's public id.
    pub organization_id: String,
    pub hmis_project_id: HmisId,
    pub name: String,
    pub project_type: i32,
    pub housing_type: Option<i32>,
    pub target_population: Option<i32>,
    pub operating_start_date: NaiveDate,
    pub operating_end_date: Option<NaiveDate>,
    pub coc_code: CocCode,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub geocode: Option<String>,
    pub geography_type: Option<i32>,
    pub hmis_participation_type: i32,
    pub active: bool,
}

fn invalid(field: &str, message: String) -> AppError {
    AppError::validation(field, message)
}

pub use crate::input::{date_field as date, digits, exported_text, text};

/// A code from `list`; empty is `None` when optional.
pub fn code(field: &str, list: &CodeList, raw: &str, required: bool) -> Result<Option<i32>, AppError> {
    let t = raw.trim();
    if t.is_empty() && !required {
        return Ok(None);
    }
    match t.parse::<i32>() {
        Ok(c) if list.contains(c) => Ok(Some(c)),
        _ => Err(invalid(field, format!("{}: choose one of the listed values.", list.name))),
    }
}

impl ShelterForm {
    /// Parse and check the form. `coc_codes` are the tenant's codes.
    pub fn parse(&self, coc_codes: &[&str]) -> Result<ShelterInput, AppError> {
        let f = |name: &str| format!("shelter[{name}]");
        let organization_id = self.organization_id.trim().to_string();
        if !crate::input::is_public_id(&organization_id) {
            return Err(invalid(&f("organization_id"), "Organization: choose one.".into()));
        }
        let hmis_project_id = HmisId::parse(&f("hmis_project_id"), "HMIS ProjectID", &self.hmis_project_id)?;
        let name = exported_text(&f("name"), "Project name", &self.name, 200, true)?.unwrap_or_default();
        let project_type =
            code(&f("project_type"), &SHELTER_PROJECT_TYPE, &self.project_type, true)?.unwrap_or_default();
        let operating_start_date =
            date(&f("operating_start_date"), "Operating start date", &self.operating_start_date, true)?
                .unwrap_or_default();
        let operating_end_date = date(&f("operating_end_date"), "Operating end date", &self.operating_end_date, false)?;
        if operating_end_date.is_some_and(|end| end <= operating_start_date) {
            return Err(invalid(
                &f("operating_end_date"),
                "Operating end date: must be after the start date (HUD counts a project on the nights before its end date).".into(),
            ));
        }
        let coc_code = CocCode::parse(&self.coc_code).filter(|c| coc_codes.contains(&c.as_str())).ok_or_else(|| {
            invalid(&f("coc_code"), format!("CoC code: choose one of this CoC's codes ({}).", coc_codes.join(", ")))
        })?;
        let state = text(&f("state"), "State", &self.state, 2, false)?.map(|s| s.to_ascii_uppercase());
        if state.as_ref().is_some_and(|s| s.len() != 2 || !s.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(invalid(&f("state"), "State: use the two-letter USPS code, e.g. TX.".into()));
        }
        let active = crate::users::checkbox(&self.active);
        if !active && operating_end_date.is_none() {
            return Err(invalid(
                &f("operating_end_date"),
                "Operating end date: a project that no longer operates needs the date it stopped, so HMIS keeps its history; enter it, or tick Active.".into(),
            ));
        }
        let housing_type = code(&f("housing_type"), &HOUSING_TYPE, &self.housing_type, false)?;
        let zip = digits(&f("zip"), "ZIP", &self.zip, 5)?;
        let geocode = digits(&f("geocode"), "Geocode", &self.geocode, 6)?;
        let geography_type = code(&f("geography_type"), &GEOGRAPHY_TYPE, &self.geography_type, false)?;
        // The HIC needs these of every active lodging project (HDX validation).
        if active {
            let hic =
                |field: &str, message: &str| Err(invalid(&f(field), format!("{message} (required for the HIC).")));
            if housing_type.is_none() {
                return hic("housing_type", "Housing type: choose one");
            }
            if geocode.is_none() {
                return hic("geocode", "Geocode: enter the 6-digit HUD geocode of the project's location");
            }
            if zip.is_none() {
                return hic("zip", "ZIP: enter the 5-digit ZIP code of the project's location");
            }
            if !geography_type.is_some_and(|g| (1..=3).contains(&g)) {
                return hic("geography_type", "Geography type: choose urban, suburban or rural");
            }
        }
        Ok(ShelterInput {
            organization_id,
            hmis_project_id,
            name,
            project_type,
            housing_type,
            target_population: code(&f("target_population"), &TARGET_POPULATION, &self.target_population, false)?,
            operating_start_date,
            operating_end_date,
            coc_code,
            address1: exported_text(&f("address1"), "Address", &self.address1, 100, false)?,
            city: exported_text(&f("city"), "City", &self.city, 50, false)?,
            state,
            zip,
            geocode,
            geography_type,
            hmis_participation_type: code(
                &f("hmis_participation_type"),
                &HMIS_PARTICIPATION_TYPE,
                &self.hmis_participation_type,
                true,
            )?
            .unwrap_or_default(),
            active,
        })
    }
}

/// An inventory line as typed (`line[field]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineForm {
    pub household_type: String,
    pub availability: String,
    pub es_bed_type: String,
    pub unit_inventory: String,
    pub ch_vet: String,
    pub youth_vet: String,
    pub vet: String,
    pub ch_youth: String,
    pub youth: String,
    pub ch: String,
    pub other: String,
    pub start_date: String,
    /// Empty for an open line; a seasonal line ends with its season.
    pub end_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub household_type: i32,
    pub availability: Option<i32>,
    pub es_bed_type: Option<i32>,
    pub unit_inventory: i32,
    /// CHVet, YouthVet, Vet, CHYouth, Youth, CH, Other.
    pub sub_counts: [i32; 7],
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl LineInput {
    /// BedInventory: always the sum of the seven sub-counts.
    pub fn bed_inventory(&self) -> i32 {
        self.sub_counts.iter().sum()
    }
}

impl LineForm {
    /// Parse and check a line for a project of `project_type` (Availability and ESBedType are
    /// for emergency shelter only, and required there).
    pub fn parse(&self, project_type: i32) -> Result<LineInput, AppError> {
        let f = |name: &str| format!("line[{name}]");
        let household_type =
            code(&f("household_type"), &HOUSEHOLD_TYPE, &self.household_type, true)?.unwrap_or_default();
        let es = is_emergency_shelter(project_type);
        let (availability, es_bed_type) = if es {
            (
                code(&f("availability"), &AVAILABILITY, &self.availability, true)?,
                code(&f("es_bed_type"), &ES_BED_TYPE, &self.es_bed_type, true)?,
            )
        } else {
            for (name, raw, label) in [
                ("availability", &self.availability, "Availability"),
                ("es_bed_type", &self.es_bed_type, "ES bed type"),
            ] {
                if !raw.trim().is_empty() {
                    return Err(invalid(
                        &f(name),
                        format!("{label}: only for emergency shelter projects; leave it empty."),
                    ));
                }
            }
            (None, None)
        };
        let count = |name: &str, label: &str, raw: &str| {
            let raw = if raw.trim().is_empty() { "0" } else { raw };
            parse_bed_count(&f(name), label, raw)
        };
        let sub_counts = [
            count("ch_vet", "Chronically homeless veteran beds", &self.ch_vet)?,
            count("youth_vet", "Youth veteran beds", &self.youth_vet)?,
            count("vet", "Veteran beds", &self.vet)?,
            count("ch_youth", "Chronically homeless youth beds", &self.ch_youth)?,
            count("youth", "Youth beds", &self.youth)?,
            count("ch", "Chronically homeless beds", &self.ch)?,
            count("other", "Other beds", &self.other)?,
        ];
        let line = LineInput {
            household_type,
            availability,
            es_bed_type,
            unit_inventory: count("unit_inventory", "Units", &self.unit_inventory)?,
            sub_counts,
            start_date: date(&f("start_date"), "Inventory start date", &self.start_date, true)?.unwrap_or_default(),
            end_date: date(&f("end_date"), "Inventory end date", &self.end_date, false)?,
        };
        if line.end_date.is_some_and(|end| end <= line.start_date) {
            return Err(invalid(
                &f("end_date"),
                "Inventory end date: must be after the start date (HUD counts no night of a line that ends on its start date); leave it empty for an open line.".into(),
            ));
        }
        if line.bed_inventory() == 0 {
            return Err(invalid(
                &f("other"),
                "Beds: a line needs at least one bed; enter the beds under Other beds or a dedicated count.".into(),
            ));
        }
        if line.bed_inventory() > crate::inventory::MAX_BEDS {
            return Err(invalid(
                &f("other"),
                format!("Beds: the sub-counts add up to more than {}.", crate::inventory::MAX_BEDS),
            ));
        }
        if line.unit_inventory > line.bed_inventory() {
            return Err(invalid(
                &f("unit_inventory"),
                format!(
                    "Units: {} units is more than the line's {} beds (HDX flag 785); enter at most {} units.",
                    line.unit_inventory,
                    line.bed_inventory(),
                    line.bed_inventory()
                ),
            ));
        }
        check_hdx_line_rules(&line, project_type)?;
        Ok(line)
    }
}

/// What HDX rejects of an inventory line (data errors of HUD's "Full Flag List for Vendors"),
/// refused here with the field and the fix, so it never reaches an HMIS.
fn check_hdx_line_rules(line: &LineInput, project_type: i32) -> Result<(), AppError> {
    let f = |name: &str| format!("line[{name}]");
    let [ch_vet, youth_vet, vet, ch_youth, _, ch, _] = line.sub_counts;
    if project_type != PROJECT_TYPE_PSH && ch_vet + ch_youth + ch > 0 {
        let field = if ch > 0 {
            "ch"
        } else if ch_vet > 0 {
            "ch_vet"
        } else {
            "ch_youth"
        };
        return Err(invalid(
            &f(field),
            "Chronically homeless beds: only permanent supportive housing dedicates beds to chronically homeless people (HDX flag 792); count these beds under Other beds or another population.".into(),
        ));
    }
    if line.household_type == HOUSEHOLD_CHILDREN_ONLY && ch_vet + youth_vet + vet > 0 {
        let field = if vet > 0 {
            "vet"
        } else if youth_vet > 0 {
            "youth_vet"
        } else {
            "ch_vet"
        };
        return Err(invalid(
            &f(field),
            "Veteran beds: a line for households with only children has no veteran beds (HDX flag 787); count them as youth or other beds.".into(),
        ));
    }
    if line.availability == Some(AVAILABILITY_SEASONAL) && line.end_date.is_none() {
        return Err(invalid(
            &f("end_date"),
            "Inventory end date: a seasonal line needs the season's end (HDX flag 791); enter it, or choose year-round.".into(),
        ));
    }
    if project_type == PROJECT_TYPE_SH && line.household_type == HOUSEHOLD_ADULTS_AND_CHILDREN {
        return Err(invalid(
            &f("household_type"),
            "Household type: a safe haven serves households without children or with only children (HDX flag 793); choose one of those.".into(),
        ));
    }
    Ok(())
}

/// A funding source as typed (`funder[field]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunderForm {
    pub funder: String,
    pub other_funder: String,
    pub grant_id: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunderInput {
    pub funder: i32,
    pub other_funder: Option<String>,
    pub grant_id: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl FunderForm {
    /// Parse and check the form for a project of `project_type`: a funder from the FY2026 list
    /// (retired codes are not offered) that HDX accepts for the project type, OtherFunder exactly
    /// when it is 46, and dates in order.
    pub fn parse(&self, project_type: i32) -> Result<FunderInput, AppError> {
        let f = |name: &str| format!("funder[{name}]");
        let funder = code(&f("funder"), &FUNDING_SOURCE, &self.funder, true)?.unwrap_or_default();
        if let Some((flag, types)) = crate::hmis::codes::funder_mismatch(funder, project_type) {
            let types: Vec<&str> = types.iter().map(|t| PROJECT_TYPE.label(*t)).collect();
            return Err(invalid(
                &f("funder"),
                format!(
                    "Funder: {} funds only {} projects (HDX flag {flag}); choose this project's funding source, or correct its project type.",
                    FUNDING_SOURCE.label(funder),
                    types.join(" or ")
                ),
            ));
        }
        let other_funder = exported_text(&f("other_funder"), "Other funder", &self.other_funder, 100, false)?;
        let other_funder = match (funder == FUNDER_OTHER, other_funder) {
            (true, None) => {
                return Err(invalid(
                    &f("other_funder"),
                    "Other funder: name the funding source (required for \"Local or other\").".into(),
                ));
            }
            (false, Some(_)) => {
                return Err(invalid(
                    &f("other_funder"),
                    "Other funder: only for \"Local or other\" funding; leave it empty.".into(),
                ));
            }
            (_, other) => other,
        };
        let start_date = date(&f("start_date"), "Funding start date", &self.start_date, true)?.unwrap_or_default();
        let end_date = date(&f("end_date"), "Funding end date", &self.end_date, false)?;
        if end_date.is_some_and(|end| end < start_date) {
            return Err(invalid(&f("end_date"), "Funding end date: must be on or after the start date.".into()));
        }
        Ok(FunderInput {
            funder,
            other_funder,
            grant_id: exported_text(&f("grant_id"), "Grant ID", &self.grant_id, 100, false)?,
            start_date,
            end_date,
        })
    }
}

/// A coordinated entry participation period as typed (`ce[field]`): checkboxes and dates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CeForm {
    pub access_point: Option<String>,
    pub prevention_assessment: Option<String>,
    pub crisis_assessment: Option<String>,
    pub housing_assessment: Option<String>,
    pub direct_services: Option<String>,
    pub receives_referrals: Option<String>,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeInput {
    pub access_point: bool,
    /// Prevention, crisis and housing assessment, direct services: for an access point only.
    pub access: Option<[bool; 4]>,
    pub receives_referrals: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl CeForm {
    /// Parse and check the form (2.09): what an access point does only when it is one.
    pub fn parse(&self) -> Result<CeInput, AppError> {
        let f = |name: &str| format!("ce[{name}]");
        let tick = crate::users::checkbox;
        let access_point = tick(&self.access_point);
        let access = [
            tick(&self.prevention_assessment),
            tick(&self.crisis_assessment),
            tick(&self.housing_assessment),
            tick(&self.direct_services),
        ];
        if !access_point && access.iter().any(|a| *a) {
            return Err(invalid(
                &f("access_point"),
                "Access point: assessments and direct services are an access point's; tick Access point, or untick them.".into(),
            ));
        }
        let start_date = date(&f("start_date"), "CE start date", &self.start_date, true)?.unwrap_or_default();
        let end_date = date(&f("end_date"), "CE end date", &self.end_date, false)?;
        if end_date.is_some_and(|end| end < start_date) {
            return Err(invalid(&f("end_date"), "CE end date: must be on or after the start date.".into()));
        }
        Ok(CeInput {
            access_point,
            access: access_point.then_some(access),
            receives_referrals: tick(&self.receives_referrals),
            start_date,
            end_date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shelter() -> ShelterForm {
        ShelterForm {
            organization_id: "0123456789abcdef0123".into(),
            hmis_project_id: "PRJ-1".into(),
            name: "Test Shelter".into(),
            project_type: "1".into(),
            operating_start_date: "2025-10-01".into(),
            coc_code: "tx-503".into(),
            hmis_participation_type: "1".into(),
            zip: "78701".into(),
            housing_type: "1".into(),
            geocode: "489453".into(),
            geography_type: "1".into(),
            active: Some("on".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_shelter_parses() {
        let s = shelter().parse(&["TX-503"]).unwrap();
        assert_eq!(s.coc_code.as_str(), "TX-503");
        assert_eq!(s.housing_type, Some(1));
    }

    #[test]
    fn each_bad_shelter_field_is_named() {
        type Edit = fn(&mut ShelterForm);
        let cases: Vec<(Edit, &str)> = vec![
            (|f| f.name = " ".into(), "shelter[name]"),
            (|f| f.project_type = "5".into(), "shelter[project_type]"),
            (|f| f.project_type = "4".into(), "shelter[project_type]"),
            (|f| f.coc_code = "CA-600".into(), "shelter[coc_code]"),
            (|f| f.zip = "7870".into(), "shelter[zip]"),
            (|f| f.geocode = "48A453".into(), "shelter[geocode]"),
            (|f| f.operating_end_date = "2024-01-01".into(), "shelter[operating_end_date]"),
            (|f| f.operating_start_date = "10/01/2025".into(), "shelter[operating_start_date]"),
            (|f| f.hmis_project_id = "x".repeat(33), "shelter[hmis_project_id]"),
            (|f| f.hmis_project_id = "hb-dv-aggregate".into(), "shelter[hmis_project_id]"),
            (|f| f.state = "Texas".into(), "shelter[state]"),
            (|f| f.name = "=HYPERLINK(1)".into(), "shelter[name]"),
            (|f| f.name = "-Hope".into(), "shelter[name]"),
            (|f| f.housing_type = String::new(), "shelter[housing_type]"),
            (|f| f.geocode = String::new(), "shelter[geocode]"),
            (|f| f.zip = String::new(), "shelter[zip]"),
            (|f| f.geography_type = "99".into(), "shelter[geography_type]"),
            (|f| f.active = None, "shelter[operating_end_date]"),
        ];
        for (change, field) in cases {
            let mut form = shelter();
            change(&mut form);
            assert_eq!(form.parse(&["TX-503"]).unwrap_err().field(), Some(field));
        }
    }

    #[test]
    fn a_closed_project_needs_no_hic_fields_but_an_end_date() {
        let closed = ShelterForm {
            active: None,
            operating_end_date: "2026-06-30".into(),
            geocode: String::new(),
            zip: String::new(),
            ..shelter()
        };
        assert_eq!(closed.parse(&["TX-503"]).unwrap().operating_end_date, "2026-06-30".parse().ok());
    }

    #[test]
    fn funders_follow_the_fy2026_list() {
        let form = FunderForm { funder: "8".into(), start_date: "2025-10-01".into(), ..Default::default() };
        assert_eq!(form.parse(1).unwrap().funder, 8);
        let cases: Vec<(FunderForm, &str)> = vec![
            (FunderForm { funder: "47".into(), ..form.clone() }, "funder[funder]"),
            (FunderForm { funder: "12".into(), ..form.clone() }, "funder[funder]"),
            (FunderForm { funder: "46".into(), ..form.clone() }, "funder[other_funder]"),
            (FunderForm { other_funder: "City".into(), ..form.clone() }, "funder[other_funder]"),
            (FunderForm { end_date: "2025-01-01".into(), ..form.clone() }, "funder[end_date]"),
            (FunderForm { grant_id: "=1+1".into(), ..form.clone() }, "funder[grant_id]"),
            (FunderForm { start_date: String::new(), ..form.clone() }, "funder[start_date]"),
        ];
        for (bad, field) in cases {
            assert_eq!(bad.parse(1).unwrap_err().field(), Some(field), "{bad:?}");
        }
        let other = FunderForm { funder: "46".into(), other_funder: "City of Austin".into(), ..form.clone() };
        assert_eq!(other.parse(1).unwrap().other_funder.as_deref(), Some("City of Austin"));
        // HDX flags 862-870: ESG emergency shelter funding is not for PSH; CoC PSH funding is.
        let esg = form.parse(3).unwrap_err();
        assert_eq!(esg.field(), Some("funder[funder]"));
        assert!(esg.to_string().contains("HDX flag 862"), "{esg}");
        assert_eq!(FunderForm { funder: "2".into(), ..form }.parse(3).unwrap().funder, 2);
    }

    #[test]
    fn what_hdx_rejects_of_a_line_is_refused_with_its_field() {
        let line = |household: &str, availability: &str| LineForm {
            household_type: household.into(),
            availability: availability.into(),
            es_bed_type: if availability.is_empty() { String::new() } else { "1".into() },
            other: "10".into(),
            start_date: "2025-10-01".into(),
            ..Default::default()
        };
        let cases: Vec<(LineForm, i32, &str, &str)> = vec![
            (LineForm { ch: "2".into(), ..line("1", "1") }, 1, "line[ch]", "792"),
            (LineForm { ch_vet: "2".into(), ..line("1", "") }, 2, "line[ch_vet]", "792"),
            (LineForm { vet: "2".into(), ..line("4", "1") }, 1, "line[vet]", "787"),
            (line("1", "2"), 1, "line[end_date]", "791"),
            (line("3", ""), 8, "line[household_type]", "793"),
        ];
        for (bad, project_type, field, flag) in cases {
            let err = bad.parse(project_type).unwrap_err();
            assert_eq!(err.field(), Some(field), "{bad:?}");
            assert!(err.to_string().contains(flag), "{err}");
        }
        assert!(LineForm { ch: "2".into(), ..line("1", "") }.parse(3).is_ok(), "PSH dedicates chronic beds");
        assert!(LineForm { end_date: "2026-03-31".into(), ..line("1", "2") }.parse(1).is_ok());
    }

    #[test]
    fn ce_assessments_belong_to_access_points() {
        let on = || Some("on".to_string());
        let form = CeForm { receives_referrals: on(), start_date: "2025-10-01".into(), ..Default::default() };
        assert_eq!(form.parse().unwrap().access, None);
        let bad = CeForm { crisis_assessment: on(), ..form.clone() };
        assert_eq!(bad.parse().unwrap_err().field(), Some("ce[access_point]"));
        let point = CeForm { access_point: on(), crisis_assessment: on(), ..form.clone() };
        assert_eq!(point.parse().unwrap().access, Some([false, true, false, false]));
        let backwards = CeForm { end_date: "2025-01-01".into(), ..form };
        assert_eq!(backwards.parse().unwrap_err().field(), Some("ce[end_date]"));
    }

    #[test]
    fn es_fields_only_for_emergency_shelter() {
        let line = LineForm {
            household_type: "1".into(),
            other: "10".into(),
            start_date: "2025-10-01".into(),
            ..Default::default()
        };
        assert_eq!(line.parse(1).unwrap_err().field(), Some("line[availability]"));
        let es = LineForm { availability: "1".into(), es_bed_type: "1".into(), ..line.clone() };
        assert_eq!(es.parse(1).unwrap().bed_inventory(), 10);
        assert_eq!(es.parse(2).unwrap_err().field(), Some("line[availability]"));
        assert_eq!(line.parse(2).unwrap().availability, None);
    }

    #[test]
    fn bed_inventory_is_the_sum_of_sub_counts() {
        let line = LineForm {
            household_type: "3".into(),
            vet: "4".into(),
            ch: "2".into(),
            other: "14".into(),
            start_date: "2025-10-01".into(),
            ..Default::default()
        };
        // Chronically homeless beds: permanent supportive housing (3) only.
        assert_eq!(line.parse(3).unwrap().bed_inventory(), 20);
        let empty = LineForm { household_type: "1".into(), start_date: "2025-10-01".into(), ..Default::default() };
        assert!(empty.parse(2).is_err());
    }
}
