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
pub const PROJECT_TYPE_PSH: i32 = 3;
pub const PROJECT_TYPE_SH: i32 = 8;
/// 2.07.4 HouseholdType 3 and 4.
pub const HOUSEHOLD_ADULTS_AND_CHILDREN: i32 = 3;
pub const HOUSEHOLD_CHILDREN_ONLY: i32 = 4;
/// 2.07.5 Availability 2.
pub const AVAILABILITY_SEASONAL: i32 = 2;

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

/// 2.06.1 FundingSource, as offered for new records (FY2026: 56 "HUD: CoC Builds" is new; 47 and
/// 48 are retired, see [`RETIRED_FUNDING_SOURCE`]).
pub const FUNDING_SOURCE: CodeList = CodeList {
    name: "Funder",
    entries: &[
        (1, "HUD: CoC – Homelessness Prevention (High Performing Communities only)"),
        (2, "HUD: CoC – Permanent Supportive Housing"),
        (3, "HUD: CoC – Rapid Re-Housing"),
        (4, "HUD: CoC – Supportive Services Only"),
        (5, "HUD: CoC – Transitional Housing"),
        (6, "HUD: CoC – Safe Haven"),
        (7, "HUD: CoC – Single Room Occupancy (SRO)"),
        (8, "HUD: ESG – Emergency Shelter (operating and/or essential services)"),
        (9, "HUD: ESG – Homelessness Prevention"),
        (10, "HUD: ESG – Rapid Re-Housing"),
        (11, "HUD: ESG – Street Outreach"),
        (13, "HUD: Rural Housing Stability Assistance Program"),
        (14, "HUD: HOPWA – Hotel/Motel Vouchers"),
        (15, "HUD: HOPWA – Housing Information"),
        (16, "HUD: HOPWA – Permanent Housing (facility based or TBRA)"),
        (17, "HUD: HOPWA – Permanent Housing Placement"),
        (18, "HUD: HOPWA – Short-Term Rent, Mortgage, Utility assistance"),
        (19, "HUD: HOPWA – Short-Term Supportive Facility"),
        (20, "HUD: HOPWA – Transitional Housing (facility based or TBRA)"),
        (21, "HUD: HUD/VASH"),
        (22, "HHS: PATH – Street Outreach & Supportive Services Only"),
        (23, "HHS: RHY – Basic Center Program (prevention and shelter)"),
        (24, "HHS: RHY – Maternity Group Home for Pregnant and Parenting Youth"),
        (25, "HHS: RHY – Transitional Living Program"),
        (26, "HHS: RHY – Street Outreach Project"),
        (27, "HHS: RHY – Demonstration Project"),
        (30, "VA: Community Contract Safe Haven Program"),
        (33, "VA: Supportive Services for Veteran Families"),
        (34, "N/A"),
        (35, "HUD: Pay for Success"),
        (36, "HUD: Public and Indian Housing (PIH) Programs"),
        (37, "VA: Grant Per Diem – Bridge Housing"),
        (38, "VA: Grant Per Diem – Low Demand"),
        (39, "VA: Grant Per Diem – Hospital to Housing"),
        (40, "VA: Grant Per Diem – Clinical Treatment"),
        (41, "VA: Grant Per Diem – Service Intensive Transitional Housing"),
        (42, "VA: Grant Per Diem – Transition in Place"),
        (43, "HUD: CoC – Youth Homeless Demonstration Program (YHDP)"),
        (44, "HUD: CoC – Joint Component TH/RRH"),
        (45, "VA: Grant Per Diem – Case Management/Housing Retention"),
        (46, "Local or Other Funding Source (please specify)"),
        (50, "HUD: HOME"),
        (51, "HUD: HOME (ARP)"),
        (52, "HUD: PIH (Emergency Housing Voucher)"),
        (53, "HUD: ESG – RUSH"),
        (54, "HUD: Unsheltered Special NOFO"),
        (55, "HUD: Rural Special NOFO"),
        (56, "HUD: CoC Builds"),
    ],
};

/// 2.06.1 codes retired in FY2026: records that hold them keep them, but they are not offered.
pub const RETIRED_FUNDING_SOURCE: CodeList =
    CodeList { name: "Funder", entries: &[(47, "HUD: ESG – CV (retired)"), (48, "HUD: HOPWA – CV (retired)")] };

/// 2.06.1 46: the funder is named in OtherFunder.
pub const FUNDER_OTHER: i32 = 46;

/// Funding that HDX accepts only for some project types: (funder, HDX flag, the project types
/// it allows). Data errors 862-870 and 1341-1343 of HUD's "Full Flag List for Vendors"
/// (`HMIS/LSASampleCode`, Other Documentation, list of 2026-04-27), read against FY2026's funder
/// codes. A new list is an update of this table.
pub const FUNDER_PROJECT_TYPES: &[(i32, u32, &[i32])] = &[
    (8, 862, &[0, 1, 2]),          // ESG – Emergency Shelter
    (10, 863, &[13]),              // ESG – Rapid Re-Housing
    (6, 864, &[8]),                // CoC – Safe Haven
    (5, 865, &[2]),                // CoC – Transitional Housing
    (2, 866, &[3]),                // CoC – Permanent Supportive Housing
    (3, 867, &[13]),               // CoC – Rapid Re-Housing
    (44, 868, &[2, 13]),           // CoC – Joint Component TH/RRH
    (21, 869, &[3]),               // HUD/VASH
    (33, 870, &[0, 1, 13]),        // VA: SSVF
    (53, 1341, &[0, 1, 2, 13]),    // ESG – RUSH
    (54, 1342, &[2, 3, 13]),       // Unsheltered Special NOFO
    (55, 1343, &[0, 1, 2, 3, 13]), // Rural Special NOFO
];

/// Why HDX would reject `funder` on a project of `project_type`: the flag and the project types
/// the funding is for.
pub fn funder_mismatch(funder: i32, project_type: i32) -> Option<(u32, &'static [i32])> {
    FUNDER_PROJECT_TYPES
        .iter()
        .find(|(code, _, _)| *code == funder)
        .filter(|(_, _, types)| !types.contains(&project_type))
        .map(|(_, flag, types)| (*flag, *types))
}

/// A funding source's label, retired ones included.
pub fn funder_label(code: i32) -> &'static str {
    if RETIRED_FUNDING_SOURCE.contains(code) { RETIRED_FUNDING_SOURCE.label(code) } else { FUNDING_SOURCE.label(code) }
}

/// 2.08.1: a victim service provider's project in a comparable database.
pub const HMIS_PARTICIPATION_COMPARABLE_DB: i32 = 2;

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
