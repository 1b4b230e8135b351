//! Server functions for the coordinators' bed counts.
use leptos::prelude::*;

use super::{LineInput, ShelterCounts, ShelterHistory};
use crate::error::{AppError, Notice};

#[server(endpoint = "list_my_shelters")]
pub async fn list_my_shelters() -> Result<Vec<ShelterCounts>, AppError> {
    crate::ssr::form::read(super::ssr::my_shelters().await)
}

/// Save all lines of one shelter at once. `version` is the counts version the form was based on;
/// `confirm_capacity` (the checkbox "Change the HMIS inventory") lets a new beds total change the
/// HMIS inventory.
#[server(endpoint = "update_bed_counts")]
pub async fn update_bed_counts(
    shelter_id: String,
    version: i64,
    lines: Vec<LineInput>,
    #[server(default)] confirm_capacity: Option<String>,
) -> Result<Notice, AppError> {
    let form = format!("update_bed_counts:{shelter_id}");
    let confirmed = confirm_capacity.is_some_and(|c| !c.is_empty());
    crate::ssr::form::respond(&form, super::ssr::update(&shelter_id, version, lines, confirmed).await).await
}

/// The recent updates of one shelter, newest first.
#[server(endpoint = "shelter_history")]
pub async fn get_shelter_history(shelter_id: String) -> Result<ShelterHistory, AppError> {
    crate::ssr::form::read(super::ssr::history(&shelter_id).await)
}
