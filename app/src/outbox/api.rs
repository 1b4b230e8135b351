//! Server functions for pushes from the HMIS Export tab.
use leptos::prelude::*;

use super::{DeadLetter, HistoryPage, VendorStatus};
use crate::error::{AppError, Notice};

/// The CoC's vendors with their queue, dead letters and latest outcomes.
#[server(endpoint = "list_vendor_status")]
pub async fn list_vendor_status() -> Result<Vec<VendorStatus>, AppError> {
    crate::ssr::form::read(super::admin::vendor_status().await)
}

/// Push the current export to one vendor (`vendor` = its id) or to every enabled one (`all`).
/// `token` comes from the page, so submitting the same form twice queues one push.
/// `as_of`, `start` and `end` are the export's parameters the tab shows (empty: today).
#[server(endpoint = "queue_hmis_push")]
pub async fn queue_hmis_push(
    vendor: String,
    token: String,
    as_of: Option<String>,
    start: Option<String>,
    end: Option<String>,
) -> Result<Notice, AppError> {
    let query = crate::hmis::ExportQuery { as_of, start, end };
    crate::ssr::form::respond("queue_hmis_push", super::push::queue_push(vendor, token, query).await).await
}

/// The CoC's dead letters with each attempt's error.
#[server(endpoint = "list_dead_letters")]
pub async fn list_dead_letters() -> Result<Vec<DeadLetter>, AppError> {
    crate::ssr::form::read(super::admin::dead_letters().await)
}

/// Give a dead letter one more attempt.
#[server(endpoint = "retry_delivery")]
pub async fn retry_delivery(id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("dead_letters", super::admin::retry(&id).await).await
}

/// Cancel a dead letter (never sent; kept in the history).
#[server(endpoint = "cancel_delivery")]
pub async fn cancel_delivery(id: String) -> Result<Notice, AppError> {
    crate::ssr::form::respond("dead_letters", super::admin::cancel(&id).await).await
}

/// One page (1-based) of the push history: every attempt, newest first.
#[server(endpoint = "list_push_history")]
pub async fn list_push_history(page: Option<u64>) -> Result<HistoryPage, AppError> {
    crate::ssr::form::read(super::admin::history(page.unwrap_or(1)).await)
}
