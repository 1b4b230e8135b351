use sea_orm::entity::prelude::*;

/// Append-only: who changed a role, DV access, a victim-service-provider or DV flag, or reset a
/// password, when, and from what to what.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_audit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub at: ChronoDateTimeUtc,
    pub action: String,
    pub subject: String,
    pub old_value: String,
    pub new_value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
