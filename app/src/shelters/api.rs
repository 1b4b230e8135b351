//! Server functions for the admin's shelter list.
use leptos::prelude::*;

use super::form::{CeForm, FunderForm, LineForm, ShelterForm};
use super::{OrganizationRow, ShelterEditor, ShelterPage};
use crate::error::{AppError, Notice};

/// One page of the shelters matching `query` (name or HMIS ProjectID), 1-based `page`.
#[server(endpoint = "list_shelters")]
pub async fn list_shelters(query: Option<String>, page: Option<u64>) -> Result<ShelterPage, AppError> {
    crate::ssr::form::read(super::ssr::list(query.unwrap_or_default(), page.unwrap_or(1)).await)
}

/// The public id a form or page path names, or None for a new shelter ("new" or empty).
#[cfg(feature = "ssr")]
fn existing(id: &str) -> Option<&str> {
    let id = id.trim();
    (!id.is_empty() && id != super::NEW).then_some(id)
}

/// The shelter page's data; `id` is the shelter's public id, or "new".
#[server(endpoint = "get_shelter_editor")]
pub async fn get_shelter_editor(id: String) -> Result<ShelterEditor, AppError> {
    crate::ssr::form::read(super::editor::editor(existing(&id)).await)
}

/// Create (`id` "new") or update a shelter; a new shelter's page opens after saving.
#[server(endpoint = "save_shelter")]
pub async fn save_shelter(id: String, shelter: ShelterForm) -> Result<Notice, AppError> {
    let creating = existing(&id).is_none();
    let result = super::editor::save(existing(&id), shelter).await.map(|(saved, notice)| {
        if creating {
            leptos_axum::redirect(&format!("/admin/shelters/{saved}"));
        }
        notice
    });
    crate::ssr::form::respond("save_shelter", result).await
}

#[server(endpoint = "add_inventory_line")]
pub async fn add_inventory_line(shelter_id: String, line: LineForm) -> Result<Notice, AppError> {
    crate::ssr::form::respond("add_inventory_line", super::editor::add_line(&shelter_id, line).await).await
}

#[server(endpoint = "end_inventory_line")]
pub async fn end_inventory_line(inventory_id: String, end_date: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("end_inventory_line", super::editor::end_line(&inventory_id, end_date).await).await
}

#[server(endpoint = "add_funder")]
pub async fn add_funder(shelter_id: String, funder: FunderForm) -> Result<Notice, AppError> {
    crate::ssr::form::respond("add_funder", super::editor::add_funder(&shelter_id, funder).await).await
}

#[server(endpoint = "remove_funder")]
pub async fn remove_funder(funder_id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("remove_funder", super::editor::remove_funder(&funder_id).await).await
}

#[server(endpoint = "add_ce_participation")]
pub async fn add_ce_participation(shelter_id: String, ce: CeForm) -> Result<Notice, AppError> {
    crate::ssr::form::respond("add_ce_participation", super::editor::add_ce_participation(&shelter_id, ce).await).await
}

#[server(endpoint = "remove_ce_participation")]
pub async fn remove_ce_participation(id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("remove_ce_participation", super::editor::remove_ce_participation(&id).await).await
}

#[server(endpoint = "assign_coordinator")]
pub async fn assign_coordinator(shelter_id: String, user_id: String, assign: bool) -> Result<Notice, AppError> {
    crate::ssr::form::respond("assign_coordinator", super::editor::set_assignment(&shelter_id, &user_id, assign).await)
        .await
}

#[server(endpoint = "list_organizations")]
pub async fn list_organizations() -> Result<Vec<OrganizationRow>, AppError> {
    crate::ssr::form::read(super::editor::list_organizations().await)
}

#[server(endpoint = "create_organization")]
pub async fn create_organization(
    hmis_organization_id: String,
    name: String,
    victim_service_provider: Option<String>,
) -> Result<Notice, AppError> {
    let vsp = crate::users::checkbox(&victim_service_provider);
    crate::ssr::form::respond(
        "create_organization",
        super::editor::create_organization(hmis_organization_id, name, vsp).await,
    )
    .await
}

#[server(endpoint = "update_organization")]
pub async fn update_organization(
    id: String,
    name: String,
    victim_service_provider: Option<String>,
) -> Result<Notice, AppError> {
    let vsp = crate::users::checkbox(&victim_service_provider);
    crate::ssr::form::respond("update_organization", super::editor::update_organization(&id, name, vsp).await).await
}
