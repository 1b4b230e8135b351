//! The CoC admin's view of shelters (HMIS projects): a paginated, searchable list.
pub mod api;
pub mod edit_ui;
#[cfg(feature = "ssr")]
pub mod editor;
pub mod form;
#[cfg(feature = "ssr")]
pub mod participation;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

use form::ShelterForm;

pub const PAGE_SIZE: u64 = 50;

/// The path segment (and form id) of a shelter not yet saved: `/admin/shelters/new`.
pub const NEW: &str = "new";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterRow {
    /// The shelter's public id (never the row id).
    pub id: String,
    pub hmis_project_id: String,
    pub name: String,
    pub organization: String,
    pub project_type: String,
    pub beds_total: i32,
    pub beds_occupied: Option<i32>,
    pub utilization: Option<i32>,
    pub last_updated: Option<String>,
    pub stale: bool,
    pub active: bool,
    pub is_dv: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterPage {
    pub rows: Vec<ShelterRow>,
    /// Shelters matching the search (that the caller may see).
    pub total: u64,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// A public id.
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorRow {
    /// The user's public id.
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryLineRow {
    /// The line's public id.
    pub id: String,
    pub household_type: String,
    pub availability: Option<String>,
    pub es_bed_type: Option<String>,
    pub unit_inventory: i32,
    pub bed_inventory: i32,
    pub dedicated: i32,
    pub start_date: String,
    pub end_date: Option<String>,
}

/// One coordinated entry participation period (2.09) of a shelter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeRow {
    /// The period's public id.
    pub id: String,
    pub text: String,
}

/// One funding source (2.06) of a shelter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunderRow {
    /// The funder record's public id.
    pub id: String,
    /// Label and code.
    pub funder: String,
    pub other_funder: Option<String>,
    pub grant_id: Option<String>,
    pub start_date: String,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRow {
    /// The organization's public id.
    pub id: String,
    pub hmis_organization_id: String,
    pub name: String,
    pub victim_service_provider: bool,
}

/// The shelter page: the descriptor form, its inventory lines and its coordinators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterEditor {
    /// The shelter's public id; None for a new shelter.
    pub id: Option<String>,
    pub form: ShelterForm,
    pub is_emergency_shelter: bool,
    pub organizations: Vec<Choice>,
    pub coc_codes: Vec<String>,
    pub lines: Vec<InventoryLineRow>,
    pub funders: Vec<FunderRow>,
    /// The HMIS participation periods (2.08), oldest first, as text.
    pub participation: Vec<String>,
    /// The coordinated entry participation periods (2.09), oldest first.
    pub coordinated_entry: Vec<CeRow>,
    pub coordinators: Vec<CoordinatorRow>,
    pub assignable: Vec<CoordinatorRow>,
}
