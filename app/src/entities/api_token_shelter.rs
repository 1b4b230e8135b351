use sea_orm::entity::prelude::*;

/// A shelter a `bed_counts` API token may feed (of the token's own tenant: m0020).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token_shelters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shelter_id: i64,
    pub tenant_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
