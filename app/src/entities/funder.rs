use sea_orm::entity::prelude::*;

/// One funding source of a project (HMIS 2.06).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what URLs, forms and exports carry (FunderID) instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    pub shelter_id: i64,
    /// 2.06.1 FundingSource.
    pub funder: i32,
    /// Required when `funder` is 46 (Other).
    pub other_funder: Option<String>,
    pub grant_id: Option<String>,
    pub start_date: ChronoDate,
    pub end_date: Option<ChronoDate>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// When an admin removed it: it stays, sent as a deletion (DateDeleted), and is shown and
    /// counted nowhere else (m0022).
    pub deleted_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
