//! FY2026 code lists (HMIS CSV Format Specifications, Appendix B) as labelled choices.

/// One HMIS list: its name (for error messages) and its (code, label) pairs.
pub struct CodeList {
    pub name: &'static str,
    pub entries: &'static [(i32, &'static str)],
}

impl CodeList {
    pub fn label(&self, code: i32) -> &'static str {
        self.entries.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("Unknown")
    }

    pub fn contains(&self, code: i32) -> bool {
        self.entries.iter().any(|(c, _)| *c == code)
    }
}

/// 2.02.6 ProjectType (there is no 5).
pub const PROJECT_TYPE: CodeList = CodeList {
    name: "Project type",
    entries: &[
        (0, "Emergency shelter: entry/exit"),
        (1, "Emergency shelter: night-by-night"),
        (2, "Transitional housing"),
        (3, "PH: permanent supportive housing"),
        (4, "Street outreach"),
        (6, "Services only"),
        (7, "Other"),
        (8, "Safe haven"),
        (9, "PH: housing only"),
        (10, "PH: housing with services"),
        (11, "Day shelter"),
        (12, "Homelessness prevention"),
        (13, "PH: rapid re-housing"),
        (14, "Coordinated entry"),
    ],
};

/// The project types a shelter may have: those HUD records bed inventory for (2.07 applies to
/// ES, TH, PH and Safe Haven, and to RRH only as "housing with or without services").
pub const SHELTER_PROJECT_TYPE: CodeList = CodeList {
    name: "Project type",
    entries: &[
        (0, "Emergency shelter: entry/exit"),
        (1, "Emergency shelter: night-by-night"),
        (2, "Transitional housing"),
        (3, "PH: permanent supportive housing"),
        (8, "Safe haven"),
        (9, "PH: housing only"),
        (10, "PH: housing with services"),
        (13, "PH: rapid re-housing"),
    ],
};

/// 2.02.A RRHSubType 2: RRH housing with or without services, the only RRH with inventory.
pub const RRH_SUBTYPE_HOUSING: i32 = 2;
pub const PROJECT_TYPE_RRH: i32 = 13;

/// 2.02.D HousingType.
pub const HOUSING_TYPE: CodeList = CodeList {
    name: "Housing type",
    entries: &[
        (1, "Site-based: single site"),
        (2, "Site-based: clustered / multiple sites"),
        (3, "Tenant-based: scattered site"),
    ],
};

/// 2.02.7 TargetPopulation.
pub const TARGET_POPULATION: CodeList = CodeList {
    name: "Target population",
    entries: &[(1, "DV: survivors of domestic violence"), (3, "HIV: persons with HIV/AIDS"), (4, "Not applicable")],
};

/// 2.07.4 HouseholdType.
pub const HOUSEHOLD_TYPE: CodeList = CodeList {
    name: "Household type",
    entries: &[
        (1, "Households without children"),
        (3, "Households with adults and children"),
        (4, "Households with only children"),
    ],
};

/// 2.07.6 Availability (emergency shelter only).
pub const AVAILABILITY: CodeList =
    CodeList { name: "Availability", entries: &[(1, "Year-round"), (2, "Seasonal"), (3, "Overflow")] };

/// 2.07.5 ESBedType (emergency shelter only).
pub const ES_BED_TYPE: CodeList =
    CodeList { name: "ES bed type", entries: &[(1, "Facility-based"), (2, "Voucher"), (3, "Other")] };

/// 2.03.4 GeographyType.
pub const GEOGRAPHY_TYPE: CodeList =
    CodeList { name: "Geography type", entries: &[(1, "Urban"), (2, "Suburban"), (3, "Rural"), (99, "Unknown")] };

/// 2.08.1 HMISParticipationType.
pub const HMIS_PARTICIPATION_TYPE: CodeList = CodeList {
    name: "HMIS participation",
    entries: &[(0, "Not participating"), (1, "HMIS participating"), (2, "Comparable database participating")],
};

/// TargetPopulation value that marks a DV project.
pub const TARGET_POPULATION_DV: i32 = 1;

/// The DV rule (DESIGN.md 3): a shelter is a DV shelter when its TargetPopulation is DV or its
/// organization is a victim service provider. The editor, the seed and the export all ask here.
pub fn is_dv_shelter(target_population: Option<i32>, organization_is_vsp: bool) -> bool {
    organization_is_vsp || target_population == Some(TARGET_POPULATION_DV)
}

/// [`is_dv_shelter`] as SQL over a `shelters` row whose organization's VSP flag is `organization_is_vsp`
/// (for the bulk update when that flag changes; a row without a TargetPopulation is DV only
/// through its organization).
pub fn is_dv_shelter_sql(organization_is_vsp: bool) -> String {
    format!("({organization_is_vsp} OR COALESCE(target_population = {TARGET_POPULATION_DV}, FALSE))")
}

/// Project types whose inventory carries Availability and ESBedType (emergency shelter).
pub fn is_emergency_shelter(project_type: i32) -> bool {
    matches!(project_type, 0 | 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shelter_is_dv_by_its_target_population_or_its_organization() {
        assert!(is_dv_shelter(Some(TARGET_POPULATION_DV), false));
        assert!(is_dv_shelter(None, true));
        assert!(is_dv_shelter(Some(3), true));
        assert!(!is_dv_shelter(Some(3), false));
        assert!(!is_dv_shelter(None, false));
        assert_eq!(is_dv_shelter_sql(false), "(false OR COALESCE(target_population = 1, FALSE))");
    }

    #[test]
    fn project_type_has_no_five() {
        assert!(!PROJECT_TYPE.contains(5));
        assert_eq!(PROJECT_TYPE.entries.len(), 14);
        for (code, label) in SHELTER_PROJECT_TYPE.entries {
            assert_eq!(PROJECT_TYPE.label(*code), *label);
        }
        assert_eq!(HOUSEHOLD_TYPE.label(3), "Households with adults and children");
    }
}
