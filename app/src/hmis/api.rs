//! Server functions of the HMIS Export tab.
use leptos::prelude::*;

use super::ExportPreview;
use crate::error::AppError;

/// Exactly the rows an export with these parameters sends (one page of those the filters keep),
/// with the DV summary for admins with DV access. Every argument is the tab's query string, as
/// typed; empty means the default.
#[server(endpoint = "preview_hmis_export")]
pub async fn preview_hmis_export(
    as_of: Option<String>,
    start: Option<String>,
    end: Option<String>,
    rows: Option<String>,
    household: Option<String>,
    warnings: Option<String>,
    page: Option<String>,
) -> Result<ExportPreview, AppError> {
    use super::{ExportQuery, PreviewQuery};
    let query = PreviewQuery { export: ExportQuery { as_of, start, end }, rows, household, warnings, page };
    crate::ssr::form::read(super::ssr::preview(query).await)
}
