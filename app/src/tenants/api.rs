//! Server functions for platform admins.
use leptos::prelude::*;

use super::TenantRow;
use super::settings::{CocSettings, DvSettingsForm, ExportSettingsForm};
use crate::error::{AppError, Notice};

#[server(endpoint = "list_tenants")]
pub async fn list_tenants() -> Result<Vec<TenantRow>, AppError> {
    crate::ssr::form::read(super::ssr::list().await)
}

#[server(endpoint = "create_tenant")]
pub async fn create_tenant(
    name: String,
    slug: String,
    coc_codes: String,
    time_zone: String,
    admin_name: String,
    admin_email: String,
) -> Result<Notice, AppError> {
    let result = super::ssr::create(name, slug, coc_codes, time_zone, admin_name, admin_email).await;
    crate::ssr::form::respond("create_tenant", result).await
}

/// The signed-in CoC admin's CoC settings (the DV part only with DV access).
#[server(endpoint = "get_coc_settings")]
pub async fn get_coc_settings() -> Result<CocSettings, AppError> {
    crate::ssr::form::read(super::ssr::settings().await)
}

#[server(endpoint = "save_export_settings")]
pub async fn save_export_settings(export: ExportSettingsForm) -> Result<Notice, AppError> {
    crate::ssr::form::respond("save_export_settings", super::ssr::save_export_settings(export).await).await
}

#[server(endpoint = "save_dv_settings")]
pub async fn save_dv_settings(dv: DvSettingsForm) -> Result<Notice, AppError> {
    crate::ssr::form::respond("save_dv_settings", super::ssr::save_dv_settings(dv).await).await
}
