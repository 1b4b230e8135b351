//! Server functions for the admin's shelter list.
use leptos::prelude::*;

use super::ShelterPage;
use crate::error::AppError;

/// One page of the shelters matching `query` (name or HMIS ProjectID), 1-based `page`.
#[server(endpoint = "list_shelters")]
pub async fn list_shelters(query: Option<String>, page: Option<u64>) -> Result<ShelterPage, AppError> {
    crate::ssr::form::read(super::ssr::list(query.unwrap_or_default(), page.unwrap_or(1)).await)
}
