//! Server functions for managing a tenant's users.
use leptos::prelude::*;

use super::{AuditRow, UserRow};
use crate::error::{AppError, Notice};

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserRow>, AppError> {
    crate::ssr::form::read(super::ssr::list().await)
}

#[server(endpoint = "get_user")]
pub async fn get_user(id: String) -> Result<UserRow, AppError> {
    crate::ssr::form::read(super::ssr::get(&id).await)
}

#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    display_name: String,
    role: String,
    dv_access: Option<String>,
) -> Result<Notice, AppError> {
    let result = super::ssr::create(email, display_name, role, super::checkbox(&dv_access)).await;
    crate::ssr::form::respond("create_user", result).await
}

#[server(endpoint = "update_user")]
pub async fn update_user(id: String, role: String, dv_access: Option<String>) -> Result<Notice, AppError> {
    let result = super::ssr::update(&id, role, super::checkbox(&dv_access)).await;
    crate::ssr::form::respond("update_user", result).await
}

#[server(endpoint = "set_user_active")]
pub async fn set_user_active(id: String, active: bool) -> Result<Notice, AppError> {
    crate::ssr::form::respond("set_user_active", super::ssr::set_active(&id, active).await).await
}

#[server(endpoint = "reset_user_password")]
pub async fn reset_user_password(id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("reset_user_password", super::ssr::reset_password(&id).await).await
}

/// The admin audit, for a CoC admin with DV access (None for one without).
#[server(endpoint = "list_admin_audit")]
pub async fn list_admin_audit() -> Result<Option<Vec<AuditRow>>, AppError> {
    crate::ssr::form::read(super::ssr::audit().await)
}
