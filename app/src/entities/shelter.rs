use sea_orm::entity::prelude::*;

/// A shelter is an HMIS project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shelters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what URLs, forms, JSON and exports carry instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    pub organization_id: i64,
    pub hmis_project_id: String,
    pub name: String,
    pub project_type: i32,
    pub housing_type: Option<i32>,
    pub target_population: Option<i32>,
    pub operating_start_date: ChronoDate,
    pub operating_end_date: Option<ChronoDate>,
    pub coc_code: String,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub geocode: Option<String>,
    pub geography_type: Option<i32>,
    pub hmis_participation_type: i32,
    pub active: bool,
    pub is_dv: bool,
    pub counts_version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
