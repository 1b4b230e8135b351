//! The schema of HMIS Bridge. This crate is the only place tables are defined.
pub use sea_orm_migration::prelude::*;

mod m0001_tenants_users_sessions;
mod m0002_shelters_inventory;
mod m0003_installation;
mod m0004_vendors_outbox;
mod m0005_vendor_circuit;
mod m0006_outbox_waiting_index;
mod m0007_outbox_queue_index;
mod m0008_audit_indexes;
mod m0009_privacy_integrity;
mod m0010_tenant_integrity;
mod m0011_user_email_per_coc;
mod m0012_vendor_kind_audit_outcome;
mod m0013_vendor_settings;
mod m0014_vendor_transports;
mod m0015_audit_sent_sha256;
mod m0016_vendor_pgp_key;
mod m0017_export_history;
mod m0018_ce_participation;
mod m0019_operations;
mod m0020_api_tokens;
mod m0021_api_feeds;
mod m0022_removed_records;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_tenants_users_sessions::Migration),
            Box::new(m0002_shelters_inventory::Migration),
            Box::new(m0003_installation::Migration),
            Box::new(m0004_vendors_outbox::Migration),
            Box::new(m0005_vendor_circuit::Migration),
            Box::new(m0006_outbox_waiting_index::Migration),
            Box::new(m0007_outbox_queue_index::Migration),
            Box::new(m0008_audit_indexes::Migration),
            Box::new(m0009_privacy_integrity::Migration),
            Box::new(m0010_tenant_integrity::Migration),
            Box::new(m0011_user_email_per_coc::Migration),
            Box::new(m0012_vendor_kind_audit_outcome::Migration),
            Box::new(m0013_vendor_settings::Migration),
            Box::new(m0014_vendor_transports::Migration),
            Box::new(m0015_audit_sent_sha256::Migration),
            Box::new(m0016_vendor_pgp_key::Migration),
            Box::new(m0017_export_history::Migration),
            Box::new(m0018_ce_participation::Migration),
            Box::new(m0019_operations::Migration),
            Box::new(m0020_api_tokens::Migration),
            Box::new(m0021_api_feeds::Migration),
            Box::new(m0022_removed_records::Migration),
        ]
    }
}
