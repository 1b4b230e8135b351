//! The HMIS CSV zip outside the Leptos pages: the HMIS Export tab's download (a plain GET, so the
//! browser saves a file) and the `export` command.
use std::path::Path;

use anyhow::Context;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tower_sessions::Session;

use app::access::COC_ADMIN;
use app::auth::ssr::authorize_session;
use app::error::AppError;
use app::ssr::AppState;
use app::ssr::metrics::ExportPurpose;

fn error_response(err: &AppError) -> Response {
    app::ssr::form::log_internal(err);
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, err.to_string()).into_response()
}

/// `GET /admin/hmis-export/download`: the zip of the signed-in CoC admin's tenant. The page guard
/// has already sent anonymous visitors to sign in and hidden the path from other roles; this
/// checks again, as every entry point does.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<app::hmis::ExportQuery>, QueryRejection>,
) -> Response {
    let access = match authorize_session(&session, &state, COC_ADMIN).await {
        Ok(access) => access,
        Err(err) => return error_response(&err),
    };
    // The query is read once the caller is known: a malformed one says so, as a form would.
    let Ok(Query(query)) = query else {
        let err = AppError::validation(
            "as_of",
            "The export's dates are malformed: give as_of, start and end once each, as YYYY-MM-DD.",
        );
        return error_response(&err);
    };
    let scope = match access.tenant() {
        Ok(scope) => scope,
        Err(err) => return error_response(&err),
    };
    match app::hmis::ssr::zip(&state.db, scope, chrono::Utc::now(), &query, ExportPurpose::Download).await {
        Ok(app::hmis::ssr::ExportZip { name, bytes, .. }) => {
            tracing::info!(
                event = "hmis_export.downloaded",
                user.id = access.user().id,
                tenant.id = scope.tenant_id(),
                export.bytes = bytes.len(),
                "HMIS CSV zip downloaded"
            );
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"hmis-csv.zip\""));
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                bytes,
            )
                .into_response()
        }
        Err(err) => error_response(&err),
    }
}

/// `hmis-bridge export --tenant SLUG --out FILE.zip`. The file is written whole or not at all:
/// the zip goes to a temporary file beside it that is then renamed.
pub async fn export_to_file(
    db: &DatabaseConnection,
    slug: &str,
    out: &Path,
    query: &app::hmis::ExportQuery,
) -> anyhow::Result<String> {
    use app::entities::tenant;
    let tenant = tenant::Entity::find()
        .filter(tenant::Column::Slug.eq(slug))
        .one(db)
        .await?
        .with_context(|| format!("no CoC with short name {slug:?}"))?;
    let scope = app::ssr::scope::TenantScope::for_operator(tenant.id);
    let app::hmis::ssr::ExportZip { name, bytes, inventory_records, params } =
        app::hmis::ssr::zip(db, scope, chrono::Utc::now(), query, ExportPurpose::Cli)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let file_name = out.file_name().with_context(|| format!("{} is not a file path", out.display()))?;
    let tmp = out.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("moving the export to {}", out.display()))?;
    Ok(format!(
        "Wrote {} ({} bytes, {name}): {inventory_records} inventory records, as of {}, report period {} to {}.",
        out.display(),
        bytes.len(),
        params.as_of,
        params.start,
        params.end
    ))
}
