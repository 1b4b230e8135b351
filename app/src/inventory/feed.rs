//! Bed-count feeds (issue 21): shelter software reads and sends a shelter's counts through the
//! JSON API with a `bed_counts` token, under the coordinator form's rules: every line in effect
//! today, each once; the same bounds; the counts version as the form's (sent as `If-Match`), so a
//! save based on an older version changes nothing. The request and answer types are the API's,
//! and its OpenAPI document is made from them.
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};

use super::LineInput;
use super::ssr::{Recorder, Save, current_lines, latest_snapshots};
use crate::entities::{inventory, shelter};
use crate::error::AppError;
use crate::ssr::{self, clock::CocClock, scope::ApiAccess};

/// A shelter's counts as its feed sees them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "project_id": "PRJ-2001", "version": 7,
    "lines": [{"inventory_id": "k3v9x2m4p8q1w7z5c6b0", "household_type": 1, "availability": 1, "es_bed_type": 1,
               "beds_total": 40, "beds_occupied": 31, "dedicated_beds": 8,
               "updated_at": "2026-12-01T06:30:00-06:00"}]
}))]
pub struct BedCounts {
    /// The project's HMIS ProjectID.
    pub project_id: String,
    /// The counts version: send it back as `If-Match` with the next save (also the `ETag`).
    pub version: i64,
    /// The lines in effect today (the CoC's date), each with its latest counts.
    pub lines: Vec<BedCountLine>,
}

/// One inventory line in effect today and its latest counts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BedCountLine {
    /// The line's HMIS InventoryID (Inventory.csv).
    pub inventory_id: String,
    /// HMIS 2.07.4 HouseholdType.
    pub household_type: i32,
    /// HMIS 2.07.5 Availability (emergency shelters only).
    pub availability: Option<i32>,
    /// HMIS 2.07.6 ESBedType (emergency shelters only).
    pub es_bed_type: Option<i32>,
    /// BedInventory: the line's beds now.
    #[schema(minimum = 0, maximum = 100000)]
    pub beds_total: i32,
    /// Null until the line's first count.
    #[schema(minimum = 0, maximum = 100000)]
    pub beds_occupied: Option<i32>,
    /// Beds dedicated to veterans, youth or chronically homeless people: `beds_total` may not go
    /// below this.
    #[schema(minimum = 0, maximum = 100000)]
    pub dedicated_beds: i32,
    /// When the latest count was recorded (RFC 3339, in the CoC's time zone); null before any.
    pub updated_at: Option<String>,
}

/// A save of a shelter's counts: every line in effect today, each once.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lines": [{"inventory_id": "k3v9x2m4p8q1w7z5c6b0", "beds_total": 40, "beds_occupied": 33}]}))]
pub struct BedCountsUpdate {
    #[schema(min_items = 1, max_items = 1000)]
    pub lines: Vec<BedCountInput>,
    /// A new `beds_total` changes the shelter's HMIS inventory (docs/hmis-export.md, "Nights and
    /// end dates"); a save that would is refused (422, naming the line and what it would change)
    /// unless this is true.
    #[serde(default)]
    pub confirm_capacity_change: bool,
}

/// One line's new counts.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BedCountInput {
    /// The line's InventoryID, as `GET .../bed-counts` lists it.
    #[schema(min_length = 1, max_length = 32)]
    pub inventory_id: String,
    /// Beds on the line now; a change (with `confirm_capacity_change`) ends the line's HMIS record
    /// and starts a new one (docs/hmis-export.md, "Nights and end dates").
    #[schema(minimum = 0, maximum = 100000)]
    pub beds_total: i64,
    /// Beds occupied, 0 to `beds_total`.
    #[schema(minimum = 0, maximum = 100000)]
    pub beds_occupied: i64,
}

/// The most lines one save may carry.
const MAX_LINES: usize = 1000;

impl BedCountsUpdate {
    /// What the schema says of a save (1 to 1,000 lines, InventoryIDs of 1 to 32 characters,
    /// counts from 0 to 100,000), checked before anything is read: a malformed save is refused as
    /// such, whatever version it is based on.
    fn check_shape(&self) -> Result<(), AppError> {
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(AppError::validation(
                "lines",
                format!("lines: send 1 to {MAX_LINES} lines, every line in effect today, each once."),
            ));
        }
        for (i, line) in self.lines.iter().enumerate() {
            if !(1..=32).contains(&line.inventory_id.trim().chars().count()) {
                let field = format!("lines[{i}].inventory_id");
                return Err(AppError::validation(
                    &field,
                    format!(
                        "{field}: give the line's InventoryID (1 to 32 characters) as GET .../bed-counts lists it."
                    ),
                ));
            }
            for (which, count) in [("beds_total", line.beds_total), ("beds_occupied", line.beds_occupied)] {
                if !(0..=i64::from(super::MAX_BEDS)).contains(&count) {
                    let field = format!("lines[{i}].{which}");
                    return Err(AppError::validation(
                        &field,
                        format!(
                            "{field}: {count} is out of range; enter a whole number from 0 to {}.",
                            super::MAX_BEDS
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// What a save did.
#[derive(Debug, Clone, PartialEq)]
pub enum Fed {
    /// Saved; the counts as they now stand.
    Saved(BedCounts),
    /// Nothing saved: the version sent is not the current one, which this is.
    Stale { current: i64 },
}

fn rfc3339(clock: CocClock, t: DateTime<Utc>) -> String {
    t.with_timezone(&clock.zone()).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The counts of the shelter with `project_id` that `access` feeds.
pub async fn counts(db: &DatabaseConnection, access: &ApiAccess, project_id: &str) -> Result<BedCounts, AppError> {
    let shelter = access.fed_shelter(db, project_id).await?;
    read(db, access, &shelter).await
}

async fn read(db: &impl ConnectionTrait, access: &ApiAccess, shelter: &shelter::Model) -> Result<BedCounts, AppError> {
    let tenant_id = access.tenant().tenant_id();
    let clock = CocClock::for_tenant(db, Some(tenant_id)).await?;
    let lines = current_lines(db, tenant_id, &[shelter.id], clock.today(Utc::now())).await?;
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    let latest = latest_snapshots(db, tenant_id, &ids).await?;
    Ok(BedCounts {
        project_id: shelter.hmis_project_id.clone(),
        version: shelter.counts_version,
        lines: lines
            .iter()
            .map(|line: &inventory::Model| {
                let snap = latest.get(&line.id);
                BedCountLine {
                    inventory_id: line.public_id.clone(),
                    household_type: line.household_type,
                    availability: line.availability,
                    es_bed_type: line.es_bed_type,
                    beds_total: line.bed_inventory,
                    beds_occupied: snap.map(|s| s.beds_occupied),
                    dedicated_beds: line.dedicated_beds(),
                    updated_at: snap.map(|s| rfc3339(clock, s.recorded_at)),
                }
            })
            .collect(),
    })
}

/// Save `update` to the shelter with `project_id` that `access` feeds, if its counts version is
/// still `version`. Field errors name the JSON field (`lines[2].beds_occupied`).
pub async fn save(
    db: &DatabaseConnection,
    access: &ApiAccess,
    project_id: &str,
    version: i64,
    update: &BedCountsUpdate,
) -> Result<Fed, AppError> {
    let result = save_counts(db, access, project_id, version, update).await;
    let outcome = match &result {
        Ok(Fed::Stale { .. }) => Some(ssr::metrics::BedUpdate::Conflict),
        other => ssr::metrics::BedUpdate::of(other),
    };
    if let Some(outcome) = outcome {
        ssr::metrics::bed_update(outcome);
    }
    result
}

async fn save_counts(
    db: &DatabaseConnection,
    access: &ApiAccess,
    project_id: &str,
    version: i64,
    update: &BedCountsUpdate,
) -> Result<Fed, AppError> {
    let tenant_id = access.tenant().tenant_id();
    update.check_shape()?;
    // One write transaction from the id on: the shelter cannot turn DV (hidden) before it commits.
    let txn = ssr::begin_write(db).await?;
    let shelter = access.fed_shelter_for_write(&txn, project_id).await?;
    let clock = CocClock::for_tenant(&txn, Some(tenant_id)).await?;
    // The version first: a save based on an old one is stale, whatever else it gets wrong (its
    // lines may be ones a newer save replaced).
    if shelter.counts_version != version {
        txn.rollback().await?;
        return Ok(Fed::Stale { current: shelter.counts_version });
    }
    let now = Utc::now();
    let today = clock.today(now);
    let current = current_lines(&txn, tenant_id, &[shelter.id], today).await?;
    let inputs = inputs(&current, update)?;
    let recorder = Recorder::Token(access.token().id);
    let confirmed = update.confirm_capacity_change;
    let save = Save { tenant_id, shelter: &shelter, today, now, recorder, confirmed };
    let saved = save.record(&txn, version, &inputs).await.map_err(|e| json_field(e, update))?;
    if saved.is_none() {
        txn.rollback().await?;
        let current = access.fed_shelter(db, project_id).await?.counts_version;
        return Ok(Fed::Stale { current });
    }
    txn.commit().await?;
    tracing::info!(
        event = "bed_counts.fed",
        shelter.id = shelter.id,
        token.id = access.token().id,
        "bed counts saved by a feed"
    );
    let shelter = access.fed_shelter(db, project_id).await?;
    Ok(Fed::Saved(read(db, access, &shelter).await?))
}

/// The form's inputs for `update`, once it names each of `current`'s lines exactly once.
fn inputs(current: &[inventory::Model], update: &BedCountsUpdate) -> Result<Vec<LineInput>, AppError> {
    if current.is_empty() {
        return Err(AppError::validation(
            "lines",
            "lines: this shelter has no inventory lines in effect today, so there is nothing to count (ask the CoC admin).",
        ));
    }
    let wanted = || current.iter().map(|l| l.public_id.as_str()).collect::<Vec<_>>().join(", ");
    let mut seen = std::collections::HashSet::new();
    for (i, line) in update.lines.iter().enumerate() {
        let id = line.inventory_id.trim();
        if !current.iter().any(|l| l.public_id == id) {
            return Err(AppError::validation(
                &format!("lines[{i}].inventory_id"),
                format!(
                    "lines[{i}].inventory_id: this project has no line {id:?} in effect today; send the lines GET .../bed-counts lists ({}).",
                    wanted()
                ),
            ));
        }
        if !seen.insert(id) {
            return Err(AppError::validation(
                &format!("lines[{i}].inventory_id"),
                format!("lines[{i}].inventory_id: line {id:?} is sent twice; send each line once."),
            ));
        }
    }
    if seen.len() != current.len() {
        return Err(AppError::validation(
            "lines",
            format!("lines: send the counts of every line in effect today, each once: {}.", wanted()),
        ));
    }
    Ok(update
        .lines
        .iter()
        .map(|l| LineInput {
            inventory_id: l.inventory_id.trim().to_string(),
            total: l.beds_total.to_string(),
            occupied: l.beds_occupied.to_string(),
        })
        .collect())
}

/// A form field error (`total_<id>`, `occupied_<id>`) named as the JSON field it came from.
fn json_field(err: AppError, update: &BedCountsUpdate) -> AppError {
    let AppError::Validation { field, message } = &err else { return err };
    let named = ["total", "occupied"].into_iter().find_map(|which| {
        let id = field.strip_prefix(which)?.strip_prefix('_')?;
        let i = update.lines.iter().position(|l| l.inventory_id.trim() == id)?;
        Some(format!("lines[{i}].beds_{which}"))
    });
    match named {
        Some(json) => AppError::validation(&json, format!("{json}: {message}")),
        None => err,
    }
}
