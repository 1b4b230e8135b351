//! Reading one tenant's data for `transform`, and the things built from its output: the HMIS
//! Export tab's preview, the HMIS CSV zip (download, command line) and the pushes' payloads. All
//! go through `export`, so what the admin previews is what is sent.
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use super::csv::FileSet;
use super::records::{ExportRun, HmisExport};
use super::transform::{ExportInput, transform};
use super::{
    ExportParams, ExportPreview, ExportQuery, Overview, PREVIEW_PAGE_SIZE, PreviewQuery, PreviewRow, Warning, csv,
};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{
    bed_snapshot, ce_participation, funder, hmis_participation, installation, inventory, organization, tenant, vendor,
};
use crate::error::AppError;
use crate::ssr::clock::CocClock;
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

/// Something an export reads changed (counts, inventory, shelters, funders, participation,
/// organizations, export and DV settings): the tenant's cached export is stale. Call it in the
/// transaction that makes the change.
pub async fn data_changed(db: &impl ConnectionTrait, tenant_id: i64) -> Result<(), AppError> {
    tenant::Entity::update_many()
        .col_expr(tenant::Column::DataVersion, Expr::col(tenant::Column::DataVersion).add(1))
        .filter(tenant::Column::Id.eq(tenant_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A new export run of tenant `scope` at `now`, with the parameters `query` asks for (the
/// defaults are the CoC's today).
pub async fn new_run(
    db: &impl ConnectionTrait,
    scope: TenantScope,
    now: DateTime<Utc>,
    query: &ExportQuery,
) -> Result<ExportRun, AppError> {
    let tenant = tenant::Entity::find_by_id(scope.tenant_id()).one(db).await?.ok_or(AppError::NotFound)?;
    run_for(db, &tenant, now, query).await
}

/// [`new_run`] for a tenant already read.
async fn run_for(
    db: &impl ConnectionTrait,
    tenant: &tenant::Model,
    now: DateTime<Utc>,
    query: &ExportQuery,
) -> Result<ExportRun, AppError> {
    let clock = CocClock::of(tenant);
    let params = query.params(clock.today(now))?;
    Ok(ExportRun {
        export_id: uuid::Uuid::new_v4().simple().to_string(),
        implementation_id: implementation_id(db).await?,
        exported_at: now,
        software_version: env!("CARGO_PKG_VERSION").to_string(),
        clock,
        params,
    })
}

/// The tenant's export for `run`: every organization, every project that started by the end of
/// the report period with all its inventory lines, funders and participation periods, and the
/// latest count of each line in effect on the as-of date recorded by the end of that day, read
/// from one snapshot of the database.
pub async fn export(
    db: &DatabaseConnection,
    scope: TenantScope,
    run: &ExportRun,
) -> Result<(tenant::Model, HmisExport), AppError> {
    let txn = crate::ssr::begin_snapshot_read(db).await?;
    let db = &txn;
    let tenant = tenant::Entity::find_by_id(scope.tenant_id()).one(db).await?.ok_or(AppError::NotFound)?;
    let params = run.params;
    let organizations = scope.find::<organization::Entity>().all(db).await?;
    // Every project: `transform` leaves out the open ones that start after the report period
    // (the DV aggregate reads every DV shelter).
    let projects = scope.all_shelters().all(db).await?;
    // `transform` orders what it emits and keeps the lines of the projects it sends; the
    // database's order does not matter.
    let lines = scope.all_inventories().all(db).await?;
    let funders = scope.find::<funder::Entity>().all(db).await?;
    let participations = scope.find::<hmis_participation::Entity>().all(db).await?;
    let ce_participations = scope.find::<ce_participation::Entity>().all(db).await?;
    // The counts as they stood at the end of the as-of day (for today: the latest).
    let cutoff = run.clock.end_of(params.as_of);
    let latest_ids = Query::select()
        .expr(Func::max(Expr::col(bed_snapshot::Column::Id)))
        .from(bed_snapshot::Entity)
        .and_where(bed_snapshot::Column::TenantId.eq(scope.tenant_id()))
        .and_where(bed_snapshot::Column::RecordedAt.lt(cutoff))
        .and_where(
            bed_snapshot::Column::InventoryId.in_subquery(
                Query::select()
                    .column(inventory::Column::Id)
                    .from(inventory::Entity)
                    .and_where(inventory::Column::TenantId.eq(scope.tenant_id()))
                    .cond_where(crate::ssr::lines_counting_on(params.as_of))
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
        participations: &participations,
        funders: &funders,
        ce_participations: &ce_participations,
        latest: &latest,
        run,
    });
    Ok((tenant, export))
}

/// The zip's file name: the CoC's short name and the export's local time.
pub fn zip_name(tenant: &tenant::Model, run: &ExportRun) -> String {
    format!("hmis-csv-{}-{}.zip", tenant.slug, run.clock.local(run.exported_at).format("%Y%m%d-%H%M%S"))
}

/// One HMIS CSV zip: what the download and the `export` command write.
pub struct ExportZip {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Rows of Inventory.csv.
    pub inventory_records: i32,
    pub params: ExportParams,
}

/// The HMIS CSV zip of the tenant's data, with the parameters `query` asks for.
pub async fn zip(
    db: &DatabaseConnection,
    scope: TenantScope,
    now: DateTime<Utc>,
    query: &ExportQuery,
    purpose: crate::ssr::metrics::ExportPurpose,
) -> Result<ExportZip, AppError> {
    let started = std::time::Instant::now();
    let run = new_run(db, scope, now, query).await?;
    let (tenant, export) = export(db, scope, &run).await?;
    let bytes = write_zip(&export, FileSet::Descriptors)?;
    let inventory_records = records(&export);
    crate::ssr::metrics::export_built(&tenant.slug, purpose, started.elapsed(), bytes.len(), inventory_records);
    Ok(ExportZip { name: zip_name(&tenant, &run), bytes, inventory_records, params: run.params })
}

/// The HMIS CSV zip of `export`.
pub fn write_zip(export: &HmisExport, set: FileSet) -> Result<Vec<u8>, AppError> {
    csv::write_zip(export, set).map_err(|e| AppError::internal("writing the HMIS CSV zip", &e))
}

/// Rows of Inventory.csv: what a push reports as its records.
pub fn records(export: &HmisExport) -> i32 {
    i32::try_from(export.inventories.len()).unwrap_or(i32::MAX)
}

/// The last export the tab built per tenant, reused while nothing it read has changed.
struct Cached {
    data_version: i64,
    params: ExportParams,
    /// The DV aggregate's latest published period, which moves with the calendar.
    published: NaiveDate,
    export: Arc<HmisExport>,
}

fn cache() -> &'static Mutex<HashMap<i64, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<i64, Cached>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The tenant's export for the tab: the cached one while the tenant's data version and the
/// parameters are the same, else a new one (then cached).
/// `tenant` is the row as read for this request: its data version decides.
async fn preview_export(
    db: &DatabaseConnection,
    scope: TenantScope,
    tenant: tenant::Model,
    run: &ExportRun,
) -> Result<(tenant::Model, Arc<HmisExport>), AppError> {
    let published = super::periods::published_through(run.clock.today(run.exported_at));
    let hit = |cached: &Cached| {
        cached.data_version == tenant.data_version && cached.params == run.params && cached.published == published
    };
    if let Some(cached) =
        cache().lock().ok().and_then(|c| c.get(&tenant.id).filter(|c| hit(c)).map(|c| c.export.clone()))
    {
        return Ok((tenant, cached));
    }
    let (tenant, export) = export(db, scope, run).await?;
    let export = Arc::new(export);
    if let Ok(mut cache) = cache().lock() {
        let entry = Cached { data_version: tenant.data_version, params: run.params, published, export: export.clone() };
        cache.insert(tenant.id, entry);
    }
    Ok((tenant, export))
}

/// The tenant's export as of the CoC's today for the default report period, as the JSON API
/// serves it (`scope` from an API token): the tab's cached export while nothing it read changed.
pub async fn current_export(
    db: &DatabaseConnection,
    scope: TenantScope,
    now: DateTime<Utc>,
) -> Result<(ExportRun, Arc<HmisExport>), AppError> {
    let tenant = tenant::Entity::find_by_id(scope.tenant_id()).one(db).await?.ok_or(AppError::NotFound)?;
    let run = run_for(db, &tenant, now, &ExportQuery::default()).await?;
    let (_, export) = preview_export(db, scope, tenant, &run).await?;
    Ok((run, export))
}

/// The HMIS Export tab's data for the signed-in admin: the overview over every row, and one page
/// of the rows the filters keep. Without DV access the DV summary is left out; the aggregate rows
/// stay, as every vendor receives them.
pub async fn preview(query: PreviewQuery) -> Result<ExportPreview, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = crate::ssr::db()?;
    let scope = access.tenant()?;
    let now = Utc::now();
    // One read of the tenant: its zone for the run, its data version for the cache.
    let tenant = tenant::Entity::find_by_id(scope.tenant_id()).one(&db).await?.ok_or(AppError::NotFound)?;
    let run = run_for(&db, &tenant, now, &query.export).await?;
    let (tenant, export) = preview_export(&db, scope, tenant, &run).await?;
    let dv_access = access.user().dv_access;
    let stale_after = Duration::from_std(crate::ssr::state()?.counts.stale_after).unwrap_or(Duration::MAX);
    // Counts are stale against the end of the as-of day, or now for today.
    let now = Ord::min(now, run.clock.end_of(run.params.as_of));
    // The rows as this viewer sees them, borrowed from the cached export: of the aggregate,
    // without DV access, only what vendors receive (no occupancy, freshness or shelter count, so
    // the overview's figures leave DV lines out too); and whether each one's counts are stale.
    let stale = |r: &PreviewRow| {
        r.beds(None).is_some_and(|b| b.beds_total > 0)
            && (r.unreported_lines > 0 || r.oldest_update.is_some_and(|t| now - t > stale_after))
    };
    let seen: Vec<(Cow<PreviewRow>, bool)> =
        export
            .rows
            .iter()
            .map(|r| {
                if r.dv_aggregate && !dv_access {
                    (Cow::Owned(r.as_sent()), false)
                } else {
                    (Cow::Borrowed(r), stale(r))
                }
            })
            .collect();
    let overview = Overview::of(seen.iter().map(|(r, _)| r.as_ref()));
    let warned = |(r, stale): &(Cow<PreviewRow>, bool)| *stale || !r.warnings.is_empty();
    let warnings = seen.iter().filter(|s| warned(s)).count() as u32;
    let kept: Vec<&(Cow<PreviewRow>, bool)> = seen.iter().filter(|s| query.keep(&s.0, warned(s)).is_some()).collect();
    let matching = kept.len() as u64;
    let pages = Ord::max(matching.div_ceil(PREVIEW_PAGE_SIZE as u64), 1);
    let page = Ord::min(query.page(), pages);
    // Only the page's rows are copied out.
    let rows = kept
        .into_iter()
        .skip((page as usize - 1) * PREVIEW_PAGE_SIZE)
        .take(PREVIEW_PAGE_SIZE)
        .map(|(r, stale)| {
            let mut row = r.clone().into_owned();
            if *stale {
                row.warnings.push(Warning::StaleCounts);
            }
            row
        })
        .collect();
    let vendor_policies = crate::vendors::ssr::live_vendors(scope)
        .order_by_asc(vendor::Column::Name)
        .all(&db)
        .await?
        .into_iter()
        .map(|v| (v.name, v.dv_policy.label().to_string()))
        .collect();
    Ok(ExportPreview {
        coc_codes: tenant.coc_code_list().map(str::to_string).collect(),
        params: run.params,
        time_zone: tenant.time_zone.clone(),
        oldest_update: overview.oldest_update.map(|t| run.clock.show(t)),
        overview,
        warnings,
        rows,
        matching,
        page,
        pages,
        vendor_policies,
        dv: dv_access.then(|| export.dv.clone()),
        push_token: uuid::Uuid::new_v4().to_string(),
    })
}
