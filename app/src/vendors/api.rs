//! Server functions of the vendor settings pages.
use leptos::prelude::*;

use super::{VendorForm, VendorPage, VendorView};
use crate::error::{AppError, Notice};

#[server(endpoint = "list_vendors")]
pub async fn list_vendors() -> Result<Vec<VendorView>, AppError> {
    crate::ssr::form::read(super::admin::list().await)
}

#[server(endpoint = "get_vendor")]
pub async fn get_vendor(id: String) -> Result<VendorPage, AppError> {
    crate::ssr::form::read(super::admin::page(&id).await)
}

/// Add a vendor (in test mode); its page opens after saving.
#[server(endpoint = "create_vendor")]
pub async fn create_vendor(vendor: VendorForm) -> Result<Notice, AppError> {
    let result = super::admin::create(vendor).await.map(|(id, notice)| {
        leptos_axum::redirect(&format!("{}/{id}", super::VENDORS_PATH));
        notice
    });
    crate::ssr::form::respond("create_vendor", result).await
}

#[server(endpoint = "update_vendor")]
pub async fn update_vendor(id: String, vendor: VendorForm) -> Result<Notice, AppError> {
    crate::ssr::form::respond("update_vendor", super::admin::update(&id, vendor).await).await
}

/// Switch to test, live (with `confirm` = "yes", after the confirmation) or off.
#[server(endpoint = "set_vendor_mode")]
pub async fn set_vendor_mode(id: String, mode: String, confirm: Option<String>) -> Result<Notice, AppError> {
    let result = super::admin::set_mode(&id, &mode, confirm.as_deref() == Some("yes")).await;
    crate::ssr::form::respond("set_vendor_mode", result).await
}

#[server(endpoint = "test_vendor_connection")]
pub async fn test_vendor_connection(id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("test_vendor_connection", super::admin::test_connection(&id).await).await
}

#[server(endpoint = "remove_vendor_header")]
pub async fn remove_vendor_header(id: String, name: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("remove_vendor_header", super::admin::remove_header(&id, &name).await).await
}

/// Delete a vendor with nothing waiting; the vendor list opens after.
#[server(endpoint = "delete_vendor")]
pub async fn delete_vendor(id: String) -> Result<Notice, AppError> {
    let result = super::admin::delete(&id).await.inspect(|_| leptos_axum::redirect(super::VENDORS_PATH));
    crate::ssr::form::respond("delete_vendor", result).await
}

/// Accept the host key an SFTP server now presents: the one with `fingerprint`, shown on the
/// vendor's page.
#[server(endpoint = "accept_vendor_host_key")]
pub async fn accept_vendor_host_key(id: String, fingerprint: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("accept_vendor_host_key", super::admin::accept_host_key(&id, &fingerprint).await).await
}
