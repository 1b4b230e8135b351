//! The CoC admin's view of shelters (HMIS projects): a paginated, searchable list.
pub mod api;
pub mod form;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

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
