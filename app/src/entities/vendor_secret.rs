use sea_orm::entity::prelude::*;

/// One secret of a vendor (a password, an API key, a custom header's value), sealed by
/// `ssr::vault` for this vendor and field. Never read back to a browser.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vendor_secrets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub vendor_id: i64,
    /// `vendors::SecretName`'s stored form, e.g. `password` or `header:X-Api-Key`.
    pub name: String,
    pub sealed: String,
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
