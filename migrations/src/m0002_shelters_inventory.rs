//! Organizations (HMIS 2.01), shelters as HMIS projects (2.02, 2.03, 2.08), inventory lines (2.07),
//! coordinator assignments and the append-only bed snapshots.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    TenantId,
    HmisOrganizationId,
    Name,
    VictimServiceProvider,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Shelters {
    Table,
    Id,
    TenantId,
    OrganizationId,
    HmisProjectId,
    Name,
    ProjectType,
    HousingType,
    TargetPopulation,
    OperatingStartDate,
    OperatingEndDate,
    CocCode,
    Address1,
    City,
    State,
    Zip,
    Geocode,
    GeographyType,
    HmisParticipationType,
    Active,
    IsDv,
    CountsVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Inventories {
    Table,
    Id,
    TenantId,
    ShelterId,
    CocCode,
    HouseholdType,
    Availability,
    EsBedType,
    UnitInventory,
    BedInventory,
    ChVetBedInventory,
    YouthVetBedInventory,
    VetBedInventory,
    ChYouthBedInventory,
    YouthBedInventory,
    ChBedInventory,
    OtherBedInventory,
    InventoryStartDate,
    InventoryEndDate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShelterCoordinators {
    Table,
    TenantId,
    ShelterId,
    UserId,
}

#[derive(DeriveIden)]
enum BedSnapshots {
    Table,
    Id,
    TenantId,
    InventoryId,
    BedsTotal,
    BedsOccupied,
    UpdatedBy,
    RecordedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    cascade: bool,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(if cascade { ForeignKeyAction::Cascade } else { ForeignKeyAction::Restrict })
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(big_pk_auto(Organizations::Id))
                    .col(big_integer(Organizations::TenantId))
                    .col(string_len(Organizations::HmisOrganizationId, 32))
                    .col(string_len(Organizations::Name, 200))
                    .col(boolean(Organizations::VictimServiceProvider).default(false))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_org_tenant",
                        (Organizations::Table, Organizations::TenantId),
                        (Tenants::Table, Tenants::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_org_tenant_hmis_id")
                    .table(Organizations::Table)
                    .col(Organizations::TenantId)
                    .col(Organizations::HmisOrganizationId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Shelters::Table)
                    .col(big_pk_auto(Shelters::Id))
                    .col(big_integer(Shelters::TenantId))
                    .col(big_integer(Shelters::OrganizationId))
                    .col(string_len(Shelters::HmisProjectId, 32))
                    .col(string_len(Shelters::Name, 200))
                    .col(integer(Shelters::ProjectType))
                    .col(integer_null(Shelters::HousingType))
                    .col(integer_null(Shelters::TargetPopulation))
                    .col(date(Shelters::OperatingStartDate))
                    .col(date_null(Shelters::OperatingEndDate))
                    .col(string_len(Shelters::CocCode, 6))
                    .col(string_len_null(Shelters::Address1, 100))
                    .col(string_len_null(Shelters::City, 50))
                    .col(string_len_null(Shelters::State, 2))
                    .col(string_len_null(Shelters::Zip, 5))
                    .col(string_len_null(Shelters::Geocode, 6))
                    .col(integer_null(Shelters::GeographyType))
                    .col(integer(Shelters::HmisParticipationType))
                    .col(boolean(Shelters::Active).default(true))
                    // TargetPopulation = 1 or a victim service provider's project: maintained on write.
                    .col(boolean(Shelters::IsDv).default(false))
                    // Bumped by every bed-count update; a submit based on an older value is a conflict.
                    .col(big_integer(Shelters::CountsVersion).default(0))
                    .col(timestamp_with_time_zone(Shelters::CreatedAt))
                    .col(timestamp_with_time_zone(Shelters::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_shelter_tenant",
                        (Shelters::Table, Shelters::TenantId),
                        (Tenants::Table, Tenants::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_shelter_org",
                        (Shelters::Table, Shelters::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_shelter_tenant_project_id")
                    .table(Shelters::Table)
                    .col(Shelters::TenantId)
                    .col(Shelters::HmisProjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shelter_tenant_name")
                    .table(Shelters::Table)
                    .col(Shelters::TenantId)
                    .col(Shelters::Name)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Inventories::Table)
                    .col(big_pk_auto(Inventories::Id))
                    .col(big_integer(Inventories::TenantId))
                    .col(big_integer(Inventories::ShelterId))
                    .col(string_len(Inventories::CocCode, 6))
                    .col(integer(Inventories::HouseholdType))
                    .col(integer_null(Inventories::Availability))
                    .col(integer_null(Inventories::EsBedType))
                    .col(integer(Inventories::UnitInventory))
                    .col(integer(Inventories::BedInventory))
                    .col(integer(Inventories::ChVetBedInventory))
                    .col(integer(Inventories::YouthVetBedInventory))
                    .col(integer(Inventories::VetBedInventory))
                    .col(integer(Inventories::ChYouthBedInventory))
                    .col(integer(Inventories::YouthBedInventory))
                    .col(integer(Inventories::ChBedInventory))
                    .col(integer(Inventories::OtherBedInventory))
                    .col(date(Inventories::InventoryStartDate))
                    .col(date_null(Inventories::InventoryEndDate))
                    .col(timestamp_with_time_zone(Inventories::CreatedAt))
                    .col(timestamp_with_time_zone(Inventories::UpdatedAt))
                    .check(Expr::cust(
                        "unit_inventory >= 0 AND ch_vet_bed_inventory >= 0 AND youth_vet_bed_inventory >= 0 \
                         AND vet_bed_inventory >= 0 AND ch_youth_bed_inventory >= 0 AND youth_bed_inventory >= 0 \
                         AND ch_bed_inventory >= 0 AND other_bed_inventory >= 0",
                    ))
                    .check(Expr::cust(
                        "bed_inventory = ch_vet_bed_inventory + youth_vet_bed_inventory + vet_bed_inventory \
                         + ch_youth_bed_inventory + youth_bed_inventory + ch_bed_inventory + other_bed_inventory",
                    ))
                    .check(Expr::cust("inventory_end_date IS NULL OR inventory_end_date >= inventory_start_date"))
                    .foreign_key(&mut fk(
                        "fk_inv_tenant",
                        (Inventories::Table, Inventories::TenantId),
                        (Tenants::Table, Tenants::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_inv_shelter",
                        (Inventories::Table, Inventories::ShelterId),
                        (Shelters::Table, Shelters::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inv_shelter")
                    .table(Inventories::Table)
                    .col(Inventories::ShelterId)
                    .col(Inventories::InventoryEndDate)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShelterCoordinators::Table)
                    .col(big_integer(ShelterCoordinators::TenantId))
                    .col(big_integer(ShelterCoordinators::ShelterId))
                    .col(big_integer(ShelterCoordinators::UserId))
                    .primary_key(Index::create().col(ShelterCoordinators::ShelterId).col(ShelterCoordinators::UserId))
                    .foreign_key(&mut fk(
                        "fk_sc_tenant",
                        (ShelterCoordinators::Table, ShelterCoordinators::TenantId),
                        (Tenants::Table, Tenants::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_sc_shelter",
                        (ShelterCoordinators::Table, ShelterCoordinators::ShelterId),
                        (Shelters::Table, Shelters::Id),
                        true,
                    ))
                    .foreign_key(&mut fk(
                        "fk_sc_user",
                        (ShelterCoordinators::Table, ShelterCoordinators::UserId),
                        (Users::Table, Users::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sc_user")
                    .table(ShelterCoordinators::Table)
                    .col(ShelterCoordinators::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BedSnapshots::Table)
                    .col(big_pk_auto(BedSnapshots::Id))
                    .col(big_integer(BedSnapshots::TenantId))
                    .col(big_integer(BedSnapshots::InventoryId))
                    .col(integer(BedSnapshots::BedsTotal))
                    .col(integer(BedSnapshots::BedsOccupied))
                    .col(big_integer(BedSnapshots::UpdatedBy))
                    .col(timestamp_with_time_zone(BedSnapshots::RecordedAt))
                    .check(Expr::cust("beds_occupied >= 0 AND beds_occupied <= beds_total"))
                    .foreign_key(&mut fk(
                        "fk_snap_tenant",
                        (BedSnapshots::Table, BedSnapshots::TenantId),
                        (Tenants::Table, Tenants::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_snap_inv",
                        (BedSnapshots::Table, BedSnapshots::InventoryId),
                        (Inventories::Table, Inventories::Id),
                        true,
                    ))
                    .foreign_key(&mut fk(
                        "fk_snap_user",
                        (BedSnapshots::Table, BedSnapshots::UpdatedBy),
                        (Users::Table, Users::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_snap_inventory")
                    .table(BedSnapshots::Table)
                    .col(BedSnapshots::InventoryId)
                    .col(BedSnapshots::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BedSnapshots::Table.into_iden(),
            ShelterCoordinators::Table.into_iden(),
            Inventories::Table.into_iden(),
            Shelters::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
