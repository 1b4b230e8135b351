//! HMIS vendors, the transactional outbox of pushes (River's job lifecycle, DESIGN.md 5) and the
//! append-only push audit.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Vendors {
    Table,
    Id,
    TenantId,
    Name,
    Kind,
    EndpointUrl,
    PushIntervalMinutes,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    TenantId,
    VendorId,
    State,
    Attempt,
    MaxAttempts,
    ScheduledAt,
    AttemptedAt,
    LockedUntil,
    FinalizedAt,
    Errors,
    Payload,
    PayloadSha256,
    RecordCount,
    IdempotencyKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PushAudit {
    Table,
    Id,
    TenantId,
    VendorId,
    OutboxId,
    Attempt,
    At,
    Records,
    Outcome,
    Detail,
    PayloadSha256,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

/// The states of an outbox row; the last three are terminal and carry `finalized_at`.
const STATES: &str = "'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled'";
const TERMINAL: &str = "'completed', 'discarded', 'cancelled'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Vendors::Table)
                    .col(big_pk_auto(Vendors::Id))
                    .col(big_integer(Vendors::TenantId))
                    .col(string_len(Vendors::Name, 100))
                    .col(string_len(Vendors::Kind, 20))
                    .col(string_len(Vendors::EndpointUrl, 2000))
                    .col(integer_null(Vendors::PushIntervalMinutes))
                    .col(boolean(Vendors::Enabled))
                    .col(timestamp_with_time_zone(Vendors::CreatedAt))
                    .col(timestamp_with_time_zone(Vendors::UpdatedAt))
                    .check(Expr::cust("push_interval_minutes IS NULL OR push_interval_minutes >= 5"))
                    .foreign_key(&mut fk(
                        "fk_vendor_tenant",
                        (Vendors::Table, Vendors::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(big_integer(Outbox::TenantId))
                    .col(big_integer(Outbox::VendorId))
                    .col(string_len(Outbox::State, 12))
                    .col(integer(Outbox::Attempt))
                    .col(integer(Outbox::MaxAttempts))
                    .col(timestamp_with_time_zone(Outbox::ScheduledAt))
                    .col(timestamp_with_time_zone_null(Outbox::AttemptedAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(timestamp_with_time_zone_null(Outbox::FinalizedAt))
                    .col(text(Outbox::Errors))
                    .col(blob(Outbox::Payload))
                    .col(string_len(Outbox::PayloadSha256, 64))
                    .col(integer(Outbox::RecordCount))
                    .col(string_len(Outbox::IdempotencyKey, 200))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .check(Expr::cust(format!("state IN ({STATES})")))
                    .check(Expr::cust(format!("(state IN ({TERMINAL})) = (finalized_at IS NOT NULL)")))
                    .check(Expr::cust("attempt >= 0 AND max_attempts >= 1"))
                    .foreign_key(&mut fk(
                        "fk_outbox_tenant",
                        (Outbox::Table, Outbox::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_outbox_vendor",
                        (Outbox::Table, Outbox::VendorId),
                        (Vendors::Table, Vendors::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_outbox_idempotency")
                    .table(Outbox::Table)
                    .col(Outbox::VendorId)
                    .col(Outbox::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The claim: due rows in order of their time.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::State)
                    .col(Outbox::ScheduledAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PushAudit::Table)
                    .col(big_pk_auto(PushAudit::Id))
                    .col(big_integer(PushAudit::TenantId))
                    .col(big_integer(PushAudit::VendorId))
                    .col(big_integer(PushAudit::OutboxId))
                    .col(integer(PushAudit::Attempt))
                    .col(timestamp_with_time_zone(PushAudit::At))
                    .col(integer(PushAudit::Records))
                    .col(string_len(PushAudit::Outcome, 20))
                    .col(string_len(PushAudit::Detail, 500))
                    .col(string_len(PushAudit::PayloadSha256, 64))
                    .foreign_key(&mut fk(
                        "fk_audit_tenant",
                        (PushAudit::Table, PushAudit::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audit_vendor",
                        (PushAudit::Table, PushAudit::VendorId),
                        (Vendors::Table, Vendors::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audit_outbox",
                        (PushAudit::Table, PushAudit::OutboxId),
                        (Outbox::Table, Outbox::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_tenant_at")
                    .table(PushAudit::Table)
                    .col(PushAudit::TenantId)
                    .col(PushAudit::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [PushAudit::Table.into_iden(), Outbox::Table.into_iden(), Vendors::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
