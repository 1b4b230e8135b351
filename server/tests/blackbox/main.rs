//! The black-box tests in one binary (the server is linked once, not once per file). Each test
//! spawns the real `hmis-bridge` on port 0 against SQLite and against PostgreSQL
//! (`both_backends!`), and talks to it over HTTP as a browser or a script would. Database-level
//! tests (`schema`, `outbox`, `worker`) work on the same kind of fresh database.
//! (`outbound_proxy.rs` is a binary of its own: it sets process-wide proxy variables.)
#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod admin_ops;
mod api;
mod api_contract;
mod api_tokens;
mod auth;
mod azure;
mod bed_counts;
mod coc_settings;
mod existence;
mod headers;
mod health;
mod hmis_export;
mod hmis_import;
mod hmis_properties;
mod metrics;
mod outbox;
mod prometheus;
mod pushes;
mod schema;
mod sftp;
mod shelter_admin;
mod shelters;
mod sign_in_throttle;
mod vendor_charts;
mod vendors;
mod worker;
