use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub coc_codes: String,
    pub dv_min_shelters: i32,
    pub dv_min_beds: i32,
    pub time_zone: String,
    pub created_at: ChronoDateTimeUtc,
    /// When a shelter or organization last became DV or stopped being DV: a payload built
    /// before it is never delivered.
    pub dv_changed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
