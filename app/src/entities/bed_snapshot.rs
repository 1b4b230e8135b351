use sea_orm::entity::prelude::*;

/// Append-only: one row per update of one inventory line, by a coordinator (`updated_by`) or by
/// a bed-count feed through the API (`api_token_id`); exactly one of the two is set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bed_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub inventory_id: i64,
    pub beds_total: i32,
    pub beds_occupied: i32,
    pub updated_by: Option<i64>,
    pub api_token_id: Option<i64>,
    pub recorded_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
