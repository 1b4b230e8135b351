//! The read endpoints, on the export's view of the CoC (DV shelters only as the aggregate):
//! HUD scenario 6's project search, one project, its inventory, and `/csvexport`.
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use app::hmis::json::{InventoryLine, ProjectFilter, ProjectView};

use super::problem::{ApiError, FieldError, Problem};
use super::{ApiState, Caller};

/// HUD scenario 6's filters, as sent; each is checked and named in the error when wrong.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectsQuery {
    /// 2.06.1 FundingSource: projects with a funder of this code.
    #[serde(rename = "Funder")]
    #[param(value_type = Option<i32>)]
    pub funder: Option<String>,
    /// 2.02.6 ProjectType.
    #[serde(rename = "ProjectType")]
    #[param(value_type = Option<i32>)]
    pub project_type: Option<String>,
    /// A CoC code of the project (ProjectCoC.csv), like `TX-503`.
    #[serde(rename = "CocCode")]
    #[param(value_type = Option<String>, pattern = r"^[A-Z]{2}-[0-9]{3}$")]
    pub coc_code: Option<String>,
    /// Projects that started operating on or after this date (YYYY-MM-DD).
    #[serde(rename = "OperatingStartDate")]
    #[param(value_type = Option<String>, format = Date)]
    pub operating_start_date: Option<String>,
    /// Projects that stopped operating on or before this date (YYYY-MM-DD); a project still
    /// operating never matches.
    #[serde(rename = "OperatingEndDate")]
    #[param(value_type = Option<String>, format = Date)]
    pub operating_end_date: Option<String>,
}

impl ProjectsQuery {
    fn filter(&self) -> Result<ProjectFilter, ApiError> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: String| {
            errors.push(FieldError { field: field.into(), message });
        };
        let code = |raw: &Option<String>, list: &dyn Fn(i32) -> bool| -> Result<Option<i32>, ()> {
            match raw.as_deref() {
                None => Ok(None),
                Some(t) if (1..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) => {
                    t.parse::<i32>().ok().filter(|c| list(*c)).map(Some).ok_or(())
                }
                Some(_) => Err(()),
            }
        };
        let funder = code(&self.funder, &|c| {
            app::hmis::codes::FUNDING_SOURCE.contains(c) || app::hmis::codes::RETIRED_FUNDING_SOURCE.contains(c)
        })
        .unwrap_or_else(|()| {
            bad(
                "Funder",
                "Funder: give a 2.06.1 FundingSource code, like 2 (HUD: CoC – Permanent Supportive Housing).".into(),
            );
            None
        });
        let project_type =
            code(&self.project_type, &|c| app::hmis::codes::PROJECT_TYPE.contains(c)).unwrap_or_else(|()| {
                bad(
                    "ProjectType",
                    "ProjectType: give a 2.02.6 ProjectType code, like 0 (emergency shelter, entry/exit).".into(),
                );
                None
            });
        let coc_code = match self.coc_code.as_deref() {
            None => None,
            Some(raw) => match app::hmis::ids::CocCode::parse(raw) {
                // Exactly as HUD's pattern: no spaces, capital letters.
                Some(code) if code.as_str() == raw => Some(code.into_string()),
                _ => {
                    bad(
                        "CocCode",
                        "CocCode: give a CoC code of two capital letters, a hyphen and three digits, like TX-503."
                            .into(),
                    );
                    None
                }
            },
        };
        let mut date = |field: &str, raw: &Option<String>| match raw.as_deref() {
            None => None,
            Some(t) => match chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) if t.len() == 10 => Some(d),
                _ => {
                    bad(field, format!("{field}: give a date as YYYY-MM-DD, like 2026-10-01."));
                    None
                }
            },
        };
        let operating_start_date = date("OperatingStartDate", &self.operating_start_date);
        let operating_end_date = date("OperatingEndDate", &self.operating_end_date);
        if !errors.is_empty() {
            return Err(ApiError::fields(StatusCode::BAD_REQUEST, errors));
        }
        Ok(ProjectFilter { funder, project_type, coc_code, operating_start_date, operating_end_date })
    }
}

fn unknown_project(project_id: &str) -> ApiError {
    // The HUD reference's words; the same for a project that is missing, another CoC's or a DV
    // shelter (which the export shows only inside the aggregate).
    ApiError::not_found(format!("Project with ProjectID '{}' not found.", app::hmis::csv::clean_text(project_id, 32)))
}

/// Search the CoC's projects (HUD scenario 6).
#[utoipa::path(
    get,
    path = "/projects",
    operation_id = "getProjects",
    tag = "projects",
    params(ProjectsQuery),
    responses(
        (status = 200, description = "The projects every given filter keeps, in ProjectID order; the DV shelters appear only as one aggregate project.", body = Vec<ProjectView>),
        (status = 400, description = "A filter is malformed; `errors` names it.", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(Caller(access)): Extension<Caller>,
    Query(query): Query<ProjectsQuery>,
) -> Result<Response, ApiError> {
    let filter = query.filter()?;
    let (_, export) = app::hmis::ssr::current_export(&state.db, access.tenant(), chrono::Utc::now()).await?;
    Ok(axum::Json(app::hmis::json::projects(&export, &filter)).into_response())
}

/// One project.
#[utoipa::path(
    get,
    path = "/projects/{ProjectID}",
    operation_id = "getProject",
    tag = "projects",
    params(("ProjectID" = String, Path, description = "2.02.1 ProjectID")),
    responses(
        (status = 200, description = "The project.", body = ProjectView),
        (status = 404, description = "No such project in this CoC (the same for one the token may not see).", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn show(
    State(state): State<ApiState>,
    Extension(Caller(access)): Extension<Caller>,
    Path(project_id): Path<String>,
) -> Result<Response, ApiError> {
    let (_, export) = app::hmis::ssr::current_export(&state.db, access.tenant(), chrono::Utc::now()).await?;
    let project = app::hmis::json::project(&export, &project_id).ok_or_else(|| unknown_project(&project_id))?;
    Ok(axum::Json(project).into_response())
}

/// A project's inventory: every line of the export (ended and future ones too), as the
/// inventory contract's version 1 records, with the occupancy namespaced under `hmis_bridge`.
#[utoipa::path(
    get,
    path = "/projects/{ProjectID}/inventory",
    operation_id = "getProjectInventory",
    tag = "projects",
    params(("ProjectID" = String, Path, description = "2.02.1 ProjectID")),
    responses(
        (status = 200, description = "The project's inventory records (HMIS 2.07), the same records a push of the inventory contract v1 carries.", body = Vec<InventoryLine>),
        (status = 404, description = "No such project in this CoC (the same for one the token may not see).", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn inventory(
    State(state): State<ApiState>,
    Extension(Caller(access)): Extension<Caller>,
    Path(project_id): Path<String>,
) -> Result<Response, ApiError> {
    let (run, export) = app::hmis::ssr::current_export(&state.db, access.tenant(), chrono::Utc::now()).await?;
    if !export.projects.iter().any(|p| p.project_id == project_id) {
        return Err(unknown_project(&project_id));
    }
    let lines = app::hmis::json::inventory_lines(&export, &run, |l| l.project_id == project_id);
    Ok(axum::Json(lines).into_response())
}

/// The CoC's project-descriptor files as JSON (HUD's `/csvexport`): each file's rows keyed by
/// its CSV file name, with the CSV's column names and values.
#[utoipa::path(
    get,
    path = "/csvexport",
    operation_id = "getcsvexport",
    tag = "export",
    responses(
        (status = 200, description = "Arrays of records keyed by CSV file name (Export.csv, Organization.csv, Project.csv, Inventory.csv, ...), as the HMIS CSV zip holds them. Dates are YYYY-MM-DD; date-times are the CoC's wall clock, YYYY-MM-DDTHH:MM:SS.", body = serde_json::Value),
    ),
)]
pub async fn csvexport(
    State(state): State<ApiState>,
    Extension(Caller(access)): Extension<Caller>,
) -> Result<Response, ApiError> {
    let (run, export) = app::hmis::ssr::current_export(&state.db, access.tenant(), chrono::Utc::now()).await?;
    Ok(axum::Json(app::hmis::json::hud_csvexport_for(&export, &run)).into_response())
}
