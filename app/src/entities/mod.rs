//! SeaORM entities. The schema itself lives in the `migration` crate.
pub mod login_throttle;
pub mod session;
pub mod tenant;
pub mod user;
