//! The HMIS Bridge server: configuration, startup, CLI and the HTTP plumbing around the app.
pub mod assets;
pub mod cli;
pub mod config;
pub mod csrf;
pub mod db;
pub mod export;
pub mod headers;
pub mod metrics;
pub mod page_guard;
pub mod seed;
pub mod seed_shelters;
pub mod session_store;
pub mod simulator;
pub mod startup;
pub mod telemetry;
pub mod vendors;
pub mod worker;
