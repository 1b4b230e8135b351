//! Server functions of the API tokens page (CoC admins).
use leptos::prelude::*;

use super::TokensPage;
use crate::error::{AppError, Notice};

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<TokensPage, AppError> {
    crate::ssr::form::read(super::ssr::page().await)
}

/// `shelters`: the checked boxes (`shelters[0]`, `shelters[1]`, ...), each an HMIS ProjectID.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    scope: String,
    #[server(default)] shelters: Vec<String>,
) -> Result<Notice, AppError> {
    let result = super::ssr::create_for_admin(&name, &scope, &shelters).await;
    crate::ssr::form::respond("create_api_token", result).await
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("revoke_api_token", super::ssr::revoke_for_admin(&id).await).await
}
