use sea_orm::entity::prelude::*;

/// One delivery of one push to one vendor (DESIGN.md 5).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what URLs, forms, JSON and exports carry instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    pub vendor_id: i64,
    pub state: crate::outbox::state::State,
    pub attempt: i32,
    pub max_attempts: i32,
    pub scheduled_at: ChronoDateTimeUtc,
    pub attempted_at: Option<ChronoDateTimeUtc>,
    pub locked_until: Option<ChronoDateTimeUtc>,
    pub finalized_at: Option<ChronoDateTimeUtc>,
    /// One entry per failed attempt (a JSON list in the database).
    pub errors: crate::outbox::state::AttemptErrors,
    /// The exact bytes to send, fixed when the push was enqueued.
    pub payload: Vec<u8>,
    pub payload_sha256: String,
    pub record_count: i32,
    pub idempotency_key: String,
    pub created_at: ChronoDateTimeUtc,
    /// The tenant's `dv_epoch` when the payload was built.
    pub dv_epoch: i32,
    /// The vendor's production or test endpoint, fixed at enqueue.
    pub target: crate::vendors::DeliveryTarget,
    pub payload_format: crate::vendors::PayloadFormat,
    /// The payload's file name (the zip's, or the JSON document's).
    pub payload_name: String,
    /// The request that queued it (`X-Request-Id`), for the worker's log lines; none for a
    /// scheduled push.
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
