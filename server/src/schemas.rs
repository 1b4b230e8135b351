//! The JSON contract's schema, served at a stable URL for partners building a receiver
//! (docs/vendors.md). The file in `docs/` is the one source; it is compiled in.
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

pub const INVENTORY_V1: &str = include_str!("../../docs/inventory-v1.schema.json");

pub async fn inventory_v1() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/schema+json")], INVENTORY_V1)
}
