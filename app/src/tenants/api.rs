//! Server functions for platform admins.
use leptos::prelude::*;

use super::TenantRow;
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
    admin_name: String,
    admin_email: String,
) -> Result<Notice, AppError> {
    let result = super::ssr::create(name, slug, coc_codes, admin_name, admin_email).await;
    crate::ssr::form::respond("create_tenant", result).await
}
