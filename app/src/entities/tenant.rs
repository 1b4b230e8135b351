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
    /// How many times a shelter or organization became DV or stopped being DV: a payload built
    /// in an older epoch is never delivered.
    pub dv_epoch: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The CoC codes one by one, as `hmis::ids::CocCodes` stores them (uppercase, `;` between).
    pub fn coc_code_list(&self) -> impl Iterator<Item = &str> {
        self.coc_codes.split(';')
    }
}
