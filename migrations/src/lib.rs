//! The schema of HMIS Bridge. This crate is the only place tables are defined.
pub use sea_orm_migration::prelude::*;

mod m0001_tenants_users_sessions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m0001_tenants_users_sessions::Migration)]
    }
}
