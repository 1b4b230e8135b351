//! The push audit's indexes for what the HMIS Export tab reads, so the tab stays quick however
//! long the history grows:
//! - `idx_audit_tenant_id` (tenant, id) replaces `idx_audit_tenant_at` (tenant, at): the history is
//!   a CoC's attempts newest first by id, which the old index could count but not page through;
//! - `idx_audit_vendor_failures` (vendor, id), partial over the attempts that failed: a vendor's
//!   last failure without walking every delivery since. A delivered attempt (nearly all of them)
//!   adds no entry to it.
//!
//! On both databases: SQLite uses a partial index when the query repeats its condition, as
//! `outbox::ssr::FAILED` does.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PushAudit {
    Table,
    Id,
    TenantId,
    VendorId,
    At,
}

/// The attempts that did not deliver.
const FAILED: &str = "outcome <> 'delivered'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_tenant_id")
                    .table(PushAudit::Table)
                    .col(PushAudit::TenantId)
                    .col(PushAudit::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_vendor_failures")
                    .table(PushAudit::Table)
                    .col(PushAudit::VendorId)
                    .col(PushAudit::Id)
                    .and_where(Expr::cust(FAILED))
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name("idx_audit_tenant_at").table(PushAudit::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_tenant_at")
                    .table(PushAudit::Table)
                    .col(PushAudit::TenantId)
                    .col(PushAudit::At)
                    .to_owned(),
            )
            .await?;
        for name in ["idx_audit_vendor_failures", "idx_audit_tenant_id"] {
            manager.drop_index(Index::drop().name(name).table(PushAudit::Table).to_owned()).await?;
        }
        Ok(())
    }
}
