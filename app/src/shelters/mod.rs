//! The CoC admin's view of shelters (HMIS projects): a paginated, searchable list.
pub mod api;
pub mod edit_ui;
pub mod form;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod editor;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

use form::ShelterForm;

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterRow {
    pub id: i64,
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
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorRow {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryLineRow {
    pub id: i64,
    pub household_type: String,
    pub availability: Option<String>,
    pub es_bed_type: Option<String>,
    pub unit_inventory: i32,
    pub bed_inventory: i32,
    pub dedicated: i32,
    pub start_date: String,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRow {
    pub id: i64,
    pub hmis_organization_id: String,
    pub name: String,
    pub victim_service_provider: bool,
}

/// The shelter page: the descriptor form, its inventory lines and its coordinators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelterEditor {
    /// None for a new shelter.
    pub id: Option<i64>,
    pub form: ShelterForm,
    pub is_emergency_shelter: bool,
    pub organizations: Vec<Choice>,
    pub coc_codes: Vec<String>,
    pub lines: Vec<InventoryLineRow>,
    pub coordinators: Vec<CoordinatorRow>,
    pub assignable: Vec<CoordinatorRow>,
}
