use sea_orm::entity::prelude::*;

/// One change to a vendor or its lifecycle, append-only: who (none for the command line), when,
/// what. Never a secret's value.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vendor_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub vendor_id: i64,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Option<i64>,
    pub action: String,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
