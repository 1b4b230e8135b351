//! Reading one tenant's data for `transform`, and the two things built from its output: the
//! HMIS Export tab's preview and the HMIS CSV zip. Both go through `export`, so what the admin
//! previews is what is sent.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::records::{ExportRun, HmisExport};
use super::transform::{ExportInput, transform};
use super::{ExportPreview, csv};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{bed_snapshot, installation, inventory, organization, tenant};
use crate::error::AppError;
use crate::ssr::scope::TenantScope;

/// This installation's ImplementationID, created on first use.
pub async fn implementation_id(db: &impl ConnectionTrait) -> Result<String, AppError> {
    if let Some(row) = installation::Entity::find_by_id(1).one(db).await? {
        return Ok(row.implementation_id);
    }
    let row = installation::ActiveModel {
        id: Set(1),
        implementation_id: Set(format!("hmis-bridge-{}", uuid::Uuid::new_v4().simple())),
        created_at: Set(Utc::now()),
    };
    // Two first exports at once: one insert wins, both read the winner.
    installation::Entity::insert(row)
        .on_conflict_do_nothing_on([installation::Column::Id])
        .exec_without_returning(db)
        .await?;
    installation::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|r| r.implementation_id)
        .ok_or_else(|| AppError::bug("the installation row is missing (migration m0003)"))
}

/// A new export run at `now`.
pub async fn new_run(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<ExportRun, AppError> {
    Ok(ExportRun {
        export_id: uuid::Uuid::new_v4().simple().to_string(),
        implementation_id: implementation_id(db).await?,
        exported_at: now,
        software_version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// The tenant's export as of `run`: every organization, active shelter, inventory line in effect
/// that day, and each line's latest snapshot, read from one snapshot of the database.
pub async fn export(
    db: &DatabaseConnection,
    scope: TenantScope,
    run: &ExportRun,
) -> Result<(tenant::Model, HmisExport), AppError> {
    let txn = crate::ssr::begin_snapshot_read(db).await?;
    let db = &txn;
    let tenant = tenant::Entity::find_by_id(scope.tenant_id()).one(db).await?.ok_or(AppError::NotFound)?;
    let day = run.exported_at.date_naive();
    let organizations = scope.find::<organization::Entity>().all(db).await?;
    let projects = scope.all_shelters().filter(crate::entities::shelter::Column::Active.eq(true)).all(db).await?;
    let in_effect = || {
        inventory::Column::InventoryStartDate
            .lte(day)
            .and(inventory::Column::InventoryEndDate.is_null().or(inventory::Column::InventoryEndDate.gte(day)))
    };
    // `transform` orders what it emits; the database's order does not matter.
    let lines = scope.all_inventories().filter(in_effect()).all(db).await?;
    let latest_ids = Query::select()
        .expr(Func::max(Expr::col(bed_snapshot::Column::Id)))
        .from(bed_snapshot::Entity)
        .and_where(bed_snapshot::Column::TenantId.eq(scope.tenant_id()))
        .and_where(
            bed_snapshot::Column::InventoryId.in_subquery(
                Query::select()
                    .column(inventory::Column::Id)
                    .from(inventory::Entity)
                    .and_where(inventory::Column::TenantId.eq(scope.tenant_id()))
                    .cond_where(in_effect())
                    .to_owned(),
            ),
        )
        .group_by_col(bed_snapshot::Column::InventoryId)
        .to_owned();
    let latest = scope.all_bed_snapshots().filter(bed_snapshot::Column::Id.in_subquery(latest_ids)).all(db).await?;
    txn.commit().await?;
    let export = transform(&ExportInput {
        tenant: &tenant,
        organizations: &organizations,
        projects: &projects,
        lines: &lines,
        latest: &latest,
        run,
    });
    Ok((tenant, export))
}

/// The zip's file name: the CoC's short name and the export's time.
pub fn zip_name(tenant: &tenant::Model, run: &ExportRun) -> String {
    format!("hmis-csv-{}-{}.zip", tenant.slug, run.exported_at.format("%Y%m%d-%H%M%S"))
}

/// One HMIS CSV zip: what the download, the `export` command and every push send.
pub struct ExportZip {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Rows of Inventory.csv.
    pub inventory_records: i32,
    /// The tenant's DV epoch in the snapshot the export was read from (`outbox::ssr::enqueue`
    /// refuses the zip once a DV change has moved it on).
    pub dv_epoch: i32,
}

/// The HMIS CSV zip of the tenant's current data.
pub async fn zip(db: &DatabaseConnection, scope: TenantScope, now: DateTime<Utc>) -> Result<ExportZip, AppError> {
    let run = new_run(db, now).await?;
    let (tenant, export) = export(db, scope, &run).await?;
    let bytes = write_zip(&export)?;
    Ok(ExportZip {
        name: zip_name(&tenant, &run),
        bytes,
        inventory_records: records(&export),
        dv_epoch: tenant.dv_epoch,
    })
}

/// The HMIS CSV zip of `export`.
pub fn write_zip(export: &HmisExport) -> Result<Vec<u8>, AppError> {
    csv::write_zip(export).map_err(|e| AppError::internal("writing the HMIS CSV zip", &e))
}

/// Rows of Inventory.csv: what a push reports as its records.
pub fn records(export: &HmisExport) -> i32 {
    i32::try_from(export.inventories.len()).unwrap_or(i32::MAX)
}

/// The HMIS Export tab's data for the signed-in admin. Without DV access the DV summary is left
/// out; the aggregate row stays, as every vendor receives it.
pub async fn preview() -> Result<ExportPreview, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let run = new_run(&db, Utc::now()).await?;
    let (tenant, export) = export(&db, access.tenant()?, &run).await?;
    let dv_access = access.user().dv_access;
    let mut rows = export.rows;
    if !dv_access {
        // Of the aggregate, only what vendors receive: no occupancy, freshness or shelter count,
        // so the overview's figures leave DV lines out too.
        rows.iter_mut().filter(|r| r.dv_aggregate).for_each(|r| *r = r.as_sent());
    }
    Ok(ExportPreview {
        coc_codes: tenant.coc_code_list().map(str::to_string).collect(),
        export_date: run.exported_at.date_naive().to_string(),
        rows,
        dv: dv_access.then_some(export.dv),
        push_token: uuid::Uuid::new_v4().to_string(),
    })
}
