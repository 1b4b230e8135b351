//! The OpenAPI 3.1.1 document, made from the handlers' `#[utoipa::path]` and the types they read
//! and answer, collected with their routes (so a route cannot be served undocumented), then
//! finished here: the answers every operation may give (401, 429, 500), the HMIS code lists of
//! the filters, and `/csvexport`'s files from the CSV writer's own column tables.
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::problem::{FieldError, PROBLEM_JSON, Problem};
use super::{ApiState, bed_counts, projects};
use app::hmis::codes::{CodeList, FUNDING_SOURCE, PROJECT_TYPE, RETIRED_FUNDING_SOURCE};
use app::hmis::csv::Kind;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "HMIS Bridge API",
        version = "1.0.0",
        description = "A CoC's project inventory (HMIS 2.07) after the HUD HMIS API reference, and bed-count feeds from shelter software. DV shelters appear only as the CoC's aggregate. Send a token as `Authorization: Bearer <token>`; a CoC admin makes it. Versioning and deprecation: docs/api.md.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "projects", description = "The CoC's projects and inventory, as its HMIS export shows them (HUD scenario 6)."),
        (name = "export", description = "The project-descriptor files of the HMIS CSV, as JSON (HUD's /csvexport)."),
        (name = "bed counts", description = "Feeds of a shelter's bed counts, under the coordinator form's rules."),
    ),
    components(schemas(Problem, FieldError)),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("hbt_ token")
                    .description(Some("An API token of the CoC, made by a CoC admin; `hbt_` and 43 characters."))
                    .build(),
            ),
        );
    }
}

/// The authenticated routes with their handlers, and the finished document.
pub fn routes() -> (axum::Router<ApiState>, Value) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(projects::list))
        .routes(routes!(projects::show))
        .routes(routes!(projects::inventory))
        .routes(routes!(projects::csvexport))
        .routes(routes!(bed_counts::show, bed_counts::update))
        .split_for_parts();
    let document = serde_json::to_value(&api).unwrap_or_else(|_| json!({}));
    (router, finish(document))
}

/// The routes anyone may call: the document, and a page of it for people.
pub fn public_routes() -> axum::Router<ApiState> {
    axum::Router::new()
        .route("/openapi.json", axum::routing::get(document))
        .route("/docs", axum::routing::get(reference))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The document as a plain page for people: each operation with its parameters and answers,
/// read from the same document, so the two cannot differ.
async fn reference(State(state): State<ApiState>) -> Response {
    let doc = state.document.as_ref();
    let text = |v: &Value| escape(v.as_str().unwrap_or(""));
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · reference</title></head><body>\
         <h1>{title} {version}</h1><p>{description}</p><p>Base path <code>/api/v1</code>; the machine-readable \
         document: <a href=\"/api/v1/openapi.json\">openapi.json</a> (OpenAPI {openapi}).</p>",
        title = text(&doc["info"]["title"]),
        version = text(&doc["info"]["version"]),
        description = text(&doc["info"]["description"]),
        openapi = text(&doc["openapi"]),
    );
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            html.push_str(&format!(
                "<section><h2>{} <code>{}</code></h2><p>{}</p><p>{}</p>",
                method.to_uppercase(),
                escape(path),
                text(&op["summary"]),
                text(&op["description"]).lines().collect::<Vec<_>>().join("<br>")
            ));
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if !params.is_empty() {
                html.push_str("<h3>Parameters</h3><ul>");
                for p in params {
                    let required = if p["required"] == true { ", required" } else { "" };
                    html.push_str(&format!(
                        "<li><code>{}</code> ({}{required}): {}</li>",
                        text(&p["name"]),
                        text(&p["in"]),
                        text(&p["description"])
                    ));
                }
                html.push_str("</ul>");
            }
            html.push_str("<h3>Answers</h3><ul>");
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                html.push_str(&format!("<li><b>{}</b>: {}</li>", escape(status), text(&response["description"])));
            }
            html.push_str("</ul></section>");
        }
    }
    html.push_str("</body></html>");
    axum::response::Html(html).into_response()
}

async fn document(State(state): State<ApiState>) -> Response {
    axum::Json(state.document.as_ref().clone()).into_response()
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    })
}

fn code_enum(lists: &[&CodeList]) -> Value {
    let mut codes: Vec<i32> = lists.iter().flat_map(|l| l.entries.iter().map(|(c, _)| *c)).collect();
    codes.sort_unstable();
    json!(codes)
}

/// One CSV column as a JSON Schema: its CSV type, or null (an empty cell).
fn column_schema(kind: Option<Kind>) -> Value {
    match kind {
        Some(Kind::S(max)) => json!({"type": ["string", "null"], "maxLength": max}),
        Some(Kind::I) => json!({"type": ["integer", "null"]}),
        Some(Kind::D) => json!({"type": ["string", "null"], "format": "date"}),
        Some(Kind::T) => json!({
            "type": ["string", "null"],
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
            "description": "The CoC's wall clock (the CSV's date-times carry no zone).",
        }),
        // A header-only file has no rows.
        None => json!({}),
    }
}

/// `/csvexport`'s answer: each descriptor file's rows, from the writer's column tables.
fn csvexport_schema() -> Value {
    let files = app::hmis::csv::files();
    let properties: serde_json::Map<String, Value> = files
        .iter()
        .map(|f| {
            let columns = f.columns();
            let props: serde_json::Map<String, Value> =
                columns.iter().map(|(name, kind)| (name.to_string(), column_schema(*kind))).collect();
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let row = json!({"type": "object", "properties": props, "required": names});
            (f.name().to_string(), json!({"type": "array", "items": row}))
        })
        .collect();
    let names: Vec<&str> = files.iter().map(|f| f.name()).collect();
    json!({"type": "object", "properties": properties, "required": names, "additionalProperties": false})
}

/// The document as served: OpenAPI 3.1.1 (utoipa writes 3.1.0, whose schema dialect is the same
/// JSON Schema 2020-12), with what the macros cannot say added.
fn finish(mut doc: Value) -> Value {
    doc["openapi"] = json!("3.1.1");
    doc["jsonSchemaDialect"] = json!("https://spec.openapis.org/oas/3.1/dialect/base");
    let rate_headers = json!({
        "RateLimit-Limit": {"description": "Requests the token may make per minute.", "schema": {"type": "integer"}},
        "RateLimit-Remaining": {"description": "Requests left in this minute.", "schema": {"type": "integer"}},
        "RateLimit-Reset": {"description": "Seconds until the next minute.", "schema": {"type": "integer"}},
    });
    let mut too_many = problem_response("The token has made its requests for this minute; wait `Retry-After` seconds.");
    too_many["headers"] = rate_headers.clone();
    too_many["headers"]["Retry-After"] =
        json!({"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}, "required": true});
    if let Some(paths) = doc["paths"].as_object_mut() {
        for operation in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|p| p.values_mut()) {
            let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for (status, response) in responses.iter_mut() {
                if status.starts_with('2') {
                    let headers = response.as_object_mut().map(|r| r.entry("headers").or_insert_with(|| json!({})));
                    if let Some(Value::Object(headers)) = headers {
                        headers.extend(rate_headers.as_object().cloned().unwrap_or_default());
                    }
                }
            }
            // A path or query the router cannot even read (say, a repeated parameter).
            responses.entry("400").or_insert_with(|| problem_response("The request is malformed; `detail` says how."));
            responses.insert(
                "401".into(),
                problem_response("No token was sent, or it is unknown or revoked (`WWW-Authenticate: Bearer`)."),
            );
            responses.insert("429".into(), too_many.clone());
            responses.insert("500".into(), problem_response("Something went wrong on the server; try again."));
        }
    }
    let params = doc["paths"]["/projects"]["get"]["parameters"].as_array_mut();
    for param in params.into_iter().flatten() {
        let codes = match param["name"].as_str() {
            Some("Funder") => code_enum(&[&FUNDING_SOURCE, &RETIRED_FUNDING_SOURCE]),
            Some("ProjectType") => code_enum(&[&PROJECT_TYPE]),
            _ => continue,
        };
        param["schema"] = json!({"type": "integer", "enum": codes});
    }
    doc["paths"]["/csvexport"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = csvexport_schema();
    let put = doc["paths"]["/projects/{ProjectID}/bed-counts"]["put"]["parameters"].as_array_mut();
    for param in put.into_iter().flatten().filter(|p| p["name"] == "If-Match") {
        param["schema"] = json!({"type": "string", "pattern": "^\"[0-9]{1,18}\"$", "examples": ["\"7\""]});
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_3_1_1_and_documents_every_route() {
        let (_, doc) = routes();
        assert_eq!(doc["openapi"], "3.1.1");
        for path in ["/projects", "/projects/{ProjectID}", "/projects/{ProjectID}/inventory", "/csvexport"] {
            assert!(doc["paths"][path]["get"]["responses"]["401"].is_object(), "{path}");
        }
        assert!(doc["paths"]["/projects/{ProjectID}/bed-counts"]["put"]["responses"]["412"].is_object());
        let inventory = &doc["paths"]["/csvexport"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(
            inventory["properties"]["Inventory.csv"]["items"]["properties"]["BedInventory"]["type"][0],
            "integer"
        );
        let types = &doc["paths"]["/projects"]["get"]["parameters"];
        let project_type = types.as_array().unwrap().iter().find(|p| p["name"] == "ProjectType").unwrap();
        assert!(project_type["schema"]["enum"].as_array().unwrap().contains(&json!(13)));
    }
}
