use sea_orm::entity::prelude::*;

/// Append-only: one row per delivery attempt (DESIGN.md 5).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_audit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub vendor_id: i64,
    pub outbox_id: i64,
    pub attempt: i32,
    pub at: ChronoDateTimeUtc,
    pub records: i32,
    pub outcome: crate::outbox::state::AuditOutcome,
    pub detail: String,
    pub payload_sha256: String,
    /// SHA-256 of the bytes sent when they are not the payload's (protected at delivery: a
    /// password-protected zip).
    pub sent_sha256: Option<String>,
    /// How long the vendor took to answer (none for attempts before m0019).
    pub duration_ms: Option<i32>,
    /// This attempt made its row a dead letter.
    pub dead_letter: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
