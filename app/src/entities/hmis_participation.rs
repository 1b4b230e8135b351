use sea_orm::entity::prelude::*;

/// One period of a project's HMIS participation (2.08): the type, from its start to its end.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hmis_participations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: the exported HMISParticipationID.
    pub public_id: String,
    pub tenant_id: i64,
    pub shelter_id: i64,
    /// 2.08.1 HMISParticipationType.
    pub participation_type: i32,
    pub start_date: ChronoDate,
    pub end_date: Option<ChronoDate>,
    pub created_at: ChronoDateTimeUtc,
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
