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
    /// Export.csv SourceName (S50) and the source contact: who answers for this database.
    pub source_name: Option<String>,
    pub source_contact_first: Option<String>,
    pub source_contact_last: Option<String>,
    pub source_contact_phone: Option<String>,
    pub source_contact_extension: Option<String>,
    pub source_contact_email: Option<String>,
    /// The DV dominance rule: a cell where one shelter holds more than this share (percent) of
    /// the beds is suppressed.
    pub dv_max_share_percent: i32,
    /// Where the DV aggregate is located: the CoC's administrative geocode and ZIP, and that
    /// geocode's geography type. Never a shelter's.
    pub dv_geocode: Option<String>,
    pub dv_zip: Option<String>,
    pub dv_geography_type: Option<i32>,
    /// Eight random hex digits in the DV aggregate's ids: unique per CoC, stable over time.
    pub dv_aggregate_key: String,
    /// The DV aggregate's OperatingStartDate, fixed so it does not move when a shelter joins.
    pub dv_aggregate_start: ChronoDate,
    /// Bumped by every change an export reads (counts, inventory, shelters, funders, DV and
    /// export settings): a cached export of an older version is stale.
    pub data_version: i64,
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
