//! SeaORM entities. The schema itself lives in the `migration` crate.
pub mod admin_audit;
pub mod bed_snapshot;
pub mod installation;
pub mod inventory;
pub mod login_throttle;
pub mod organization;
pub mod outbox;
pub mod push_audit;
pub mod session;
pub mod shelter;
pub mod shelter_coordinator;
pub mod tenant;
pub mod user;
pub mod vendor;
pub mod vendor_history;
pub mod vendor_secret;
