use sea_orm::entity::prelude::*;

/// One HMIS 2.07 inventory line: shelter x CoC code x household type (x ES bed type), dated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what URLs, forms, JSON and exports carry instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    pub shelter_id: i64,
    pub coc_code: String,
    pub household_type: i32,
    pub availability: Option<i32>,
    pub es_bed_type: Option<i32>,
    pub unit_inventory: i32,
    pub bed_inventory: i32,
    pub ch_vet_bed_inventory: i32,
    pub youth_vet_bed_inventory: i32,
    pub vet_bed_inventory: i32,
    pub ch_youth_bed_inventory: i32,
    pub youth_bed_inventory: i32,
    pub ch_bed_inventory: i32,
    pub other_bed_inventory: i32,
    pub inventory_start_date: ChronoDate,
    pub inventory_end_date: Option<ChronoDate>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

impl Model {
    /// Beds set aside for a population (every sub-count but OtherBedInventory).
    pub fn dedicated_beds(&self) -> i32 {
        self.ch_vet_bed_inventory
            + self.youth_vet_bed_inventory
            + self.vet_bed_inventory
            + self.ch_youth_bed_inventory
            + self.youth_bed_inventory
            + self.ch_bed_inventory
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
