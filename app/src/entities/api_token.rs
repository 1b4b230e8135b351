use sea_orm::entity::prelude::*;

/// A CoC's token for another system's use of the JSON API (issue 21). Only the SHA-256 of its
/// secret is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what pages and forms carry instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    /// Unique among the CoC's live tokens.
    pub name: String,
    pub secret_sha256: String,
    pub scope: crate::api_tokens::TokenScope,
    pub created_at: ChronoDateTimeUtc,
    pub last_used_at: Option<ChronoDateTimeUtc>,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    /// The fixed one-minute window (Unix minutes) `rate_count` counts requests in.
    pub rate_window: i64,
    pub rate_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
