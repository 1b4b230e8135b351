//! Server functions of the HMIS Export tab.
use leptos::prelude::*;

use super::ExportPreview;
use crate::error::AppError;

/// Exactly the rows an export sends now, with the DV summary for admins with DV access.
#[server(endpoint = "preview_hmis_export")]
pub async fn preview_hmis_export() -> Result<ExportPreview, AppError> {
    crate::ssr::form::read(super::ssr::preview().await)
}
