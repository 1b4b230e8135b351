//! Server functions for signing in and out. Thin: the work is in `ssr.rs`.
use leptos::prelude::*;

use super::Me;
use crate::error::{AppError, Notice};
use crate::ui::feedback::Flash;

#[server(endpoint = "login")]
pub async fn login(email: String, password: String, coc: Option<String>, next: Option<String>) -> Result<(), AppError> {
    let result = super::ssr::login(email, password, coc, next).await.map(|to| leptos_axum::redirect(&to));
    crate::ssr::form::respond("login", result).await
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let result = super::ssr::logout().await.map(|_| leptos_axum::redirect("/login"));
    crate::ssr::form::respond("logout", result).await
}

#[server(endpoint = "change_password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("change_password", super::ssr::change_password(current, new, confirm).await).await
}

/// The signed-in user, or `None`.
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    super::ssr::me().await
}

/// Outcomes of plain (JavaScript-off) form posts waiting to be shown.
#[server(endpoint = "take_flashes")]
pub async fn take_flashes() -> Result<Vec<Flash>, AppError> {
    crate::ssr::form::take_flashes().await
}
