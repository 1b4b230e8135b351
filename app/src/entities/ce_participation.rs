use sea_orm::entity::prelude::*;

/// One period of a project's coordinated entry participation (HMIS 2.09).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ce_participations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: the exported CEParticipationID.
    pub public_id: String,
    pub tenant_id: i64,
    pub shelter_id: i64,
    /// 2.09.1: the project is a CE access point.
    pub access_point: bool,
    /// 2.09.A, for access points only (None otherwise).
    pub prevention_assessment: Option<bool>,
    pub crisis_assessment: Option<bool>,
    pub housing_assessment: Option<bool>,
    pub direct_services: Option<bool>,
    /// 2.09.2: the project receives referrals from CE.
    pub receives_referrals: bool,
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
