use sea_orm::entity::prelude::*;

/// An HMIS vendor a CoC pushes to (DESIGN.md 6).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vendors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what URLs, forms, JSON and exports carry instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    pub name: String,
    pub kind: crate::vendors::VendorKind,
    pub endpoint_url: String,
    pub push_interval_minutes: Option<i32>,
    pub enabled: bool,
    /// Set while the circuit breaker is open (see `outbox::state::Circuit`); written by the worker.
    pub circuit_open_until: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
