//! Reading and saving bed counts, always through `Access::shelters()` (tenant, DV, assignment).
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::versioning::{Edit, Effect, is_pending_successor, plan, successor};
use super::{
    HistoryEntry, LineChange, LineCounts, LineInput, ShelterCounts, ShelterHistory, field_name, parse_bed_count,
};
use crate::access::{COORDINATOR, COUNTS};
use crate::auth::ssr::authorize;
use crate::entities::{api_token, bed_snapshot, inventory, shelter, user};
use crate::error::{AppError, Notice};
use crate::hmis::codes::{AVAILABILITY, HOUSEHOLD_TYPE, PROJECT_TYPE};
use crate::ssr::{self, scope::Access};

/// A line as coordinators know it: its household type, and its availability unless year-round
/// ("Households without children, seasonal").
pub fn line_label(line: &inventory::Model) -> String {
    let household = HOUSEHOLD_TYPE.label(line.household_type);
    match line.availability {
        Some(a) if a != 1 => format!("{household}, {}", AVAILABILITY.label(a).to_lowercase()),
        _ => household.to_string(),
    }
}

/// The inventory lines of some shelters in effect on `today` (the CoC's date: a seasonal line
/// counts until its end, a future one from its start), in display order.
pub(super) async fn current_lines(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    shelter_ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<inventory::Model>, AppError> {
    Ok(inventory::Entity::find()
        .filter(inventory::Column::TenantId.eq(tenant_id))
        .filter(inventory::Column::ShelterId.is_in(shelter_ids.iter().copied()))
        .filter(ssr::lines_counting_on(today))
        .order_by_asc(inventory::Column::ShelterId)
        .order_by_asc(inventory::Column::HouseholdType)
        .order_by_asc(inventory::Column::Availability)
        .order_by_asc(inventory::Column::Id)
        .all(db)
        .await?)
}

/// The latest snapshot of each of these lines.
pub(super) async fn latest_snapshots(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    inventory_ids: &[i64],
) -> Result<HashMap<i64, bed_snapshot::Model>, AppError> {
    let latest_ids = Query::select()
        .expr(Func::max(Expr::col(bed_snapshot::Column::Id)))
        .from(bed_snapshot::Entity)
        .and_where(bed_snapshot::Column::InventoryId.is_in(inventory_ids.iter().copied()))
        .group_by_col(bed_snapshot::Column::InventoryId)
        .to_owned();
    let rows = bed_snapshot::Entity::find()
        .filter(bed_snapshot::Column::TenantId.eq(tenant_id))
        .filter(bed_snapshot::Column::Id.in_subquery(latest_ids))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|s| (s.inventory_id, s)).collect())
}

/// Who recorded a snapshot: a person, or a bed-count feed's API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Recorder {
    User(i64),
    Token(i64),
}

impl Recorder {
    fn of(snapshot: &bed_snapshot::Model) -> Option<Recorder> {
        match (snapshot.updated_by, snapshot.api_token_id) {
            (Some(user), _) => Some(Recorder::User(user)),
            (None, Some(token)) => Some(Recorder::Token(token)),
            (None, None) => None,
        }
    }
}

/// How pages name the recorders of `snapshots`: a user the caller may see by name, a token by its
/// name and "(API)". Users the caller may not see are left out ("a former user" where shown).
async fn recorder_names<'a>(
    db: &impl ConnectionTrait,
    access: &Access,
    snapshots: impl Iterator<Item = &'a bed_snapshot::Model>,
) -> Result<HashMap<Recorder, String>, AppError> {
    let (mut users, mut tokens) = (Vec::new(), Vec::new());
    for recorder in snapshots.filter_map(Recorder::of) {
        match recorder {
            Recorder::User(id) => users.push(id),
            Recorder::Token(id) => tokens.push(id),
        }
    }
    let mut names: HashMap<Recorder, String> = access
        .find::<user::Entity>()?
        .filter(user::Column::Id.is_in(users))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (Recorder::User(u.id), u.display_name))
        .collect();
    if !tokens.is_empty() {
        let found = access.find::<api_token::Entity>()?.filter(api_token::Column::Id.is_in(tokens)).all(db).await?;
        names.extend(found.into_iter().map(|t| (Recorder::Token(t.id), format!("{} (API)", t.name))));
    }
    Ok(names)
}

/// Lines with their latest counts, grouped by shelter id. The caller has scoped `shelter_ids`.
pub(crate) async fn line_counts(
    db: &impl ConnectionTrait,
    access: &Access,
    shelter_ids: &[i64],
) -> Result<HashMap<i64, Vec<LineCounts>>, AppError> {
    let tenant_id = access.tenant_id()?;
    let clock = access.clock(db).await?;
    let now = Utc::now();
    let lines = current_lines(db, tenant_id, shelter_ids, clock.today(now)).await?;
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    let latest = latest_snapshots(db, tenant_id, &ids).await?;
    let names = recorder_names(db, access, latest.values()).await?;
    let stale_after = Duration::from_std(ssr::state()?.counts.stale_after).unwrap_or(Duration::MAX);
    let mut by_shelter: HashMap<i64, Vec<LineCounts>> = HashMap::new();
    for line in lines {
        let snap = latest.get(&line.id);
        by_shelter.entry(line.shelter_id).or_default().push(LineCounts {
            inventory_id: line.public_id.clone(),
            household_type: line_label(&line),
            beds_total: line.bed_inventory,
            beds_occupied: snap.map(|s| s.beds_occupied),
            dedicated_beds: line.dedicated_beds(),
            updated_by: snap.and_then(Recorder::of).and_then(|r| names.get(&r).cloned()),
            updated_at: snap.map(|s| clock.show(s.recorded_at)),
            stale: snap.is_none_or(|s| now - s.recorded_at > stale_after),
        });
    }
    Ok(by_shelter)
}

fn to_counts(s: shelter::Model, lines: Vec<LineCounts>) -> ShelterCounts {
    ShelterCounts {
        id: s.public_id,
        name: s.name,
        project_type: PROJECT_TYPE.label(s.project_type).to_string(),
        counts_version: s.counts_version,
        lines,
    }
}

/// The caller's shelters (assigned ones for a coordinator) with their current counts.
pub async fn my_shelters() -> Result<Vec<ShelterCounts>, AppError> {
    let access = authorize(COORDINATOR).await?;
    let db = ssr::db()?;
    let shelters = access
        .shelters()?
        .filter(shelter::Column::Active.eq(true))
        .order_by_asc(shelter::Column::Name)
        .all(&db)
        .await?;
    let ids: Vec<i64> = shelters.iter().map(|s| s.id).collect();
    let mut lines = line_counts(&db, &access, &ids).await?;
    Ok(shelters
        .into_iter()
        .map(|s| {
            let l = lines.remove(&s.id).unwrap_or_default();
            to_counts(s, l)
        })
        .collect())
}

/// A line's validated new counts.
struct NewCounts {
    line: inventory::Model,
    total: i32,
    occupied: i32,
}

/// Validate every line of the submit against the shelter's current lines; the first error wins
/// and nothing is saved.
fn validate(current: Vec<inventory::Model>, inputs: &[LineInput]) -> Result<Vec<NewCounts>, AppError> {
    let stale_form = || {
        AppError::Conflict(
            "The shelter's inventory lines changed since this page was loaded. Nothing was saved; reload the page and enter the counts again.".into(),
        )
    };
    if inputs.len() != current.len() {
        return Err(stale_form());
    }
    let mut by_id: HashMap<String, inventory::Model> = current.into_iter().map(|l| (l.public_id.clone(), l)).collect();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let line = by_id.remove(input.inventory_id.trim()).ok_or_else(stale_form)?;
        let label = line_label(&line);
        let total =
            parse_bed_count(&field_name(&line.public_id, "total"), &format!("Beds total ({label})"), &input.total)?;
        let occupied = parse_bed_count(
            &field_name(&line.public_id, "occupied"),
            &format!("Beds occupied ({label})"),
            &input.occupied,
        )?;
        if occupied > total {
            return Err(AppError::validation(
                &field_name(&line.public_id, "occupied"),
                format!(
                    "Beds occupied ({label}): {occupied} is more than the {total} beds in total; enter 0 to {total}."
                ),
            ));
        }
        let dedicated = line.dedicated_beds();
        if total < dedicated {
            return Err(AppError::validation(
                &field_name(&line.public_id, "total"),
                format!(
                    "Beds total ({label}): {dedicated} beds are dedicated to veterans, youth or chronically homeless people; enter {dedicated} to {} (ask your CoC admin to change dedicated beds).",
                    super::MAX_BEDS
                ),
            ));
        }
        out.push(NewCounts { line, total, occupied });
    }
    Ok(out)
}

/// The conflict message: what was saved meanwhile, and by whom.
async fn conflict(db: &impl ConnectionTrait, access: &Access, shelter_id: i64) -> Result<AppError, AppError> {
    let lines = line_counts(db, access, &[shelter_id]).await?.remove(&shelter_id).unwrap_or_default();
    let newer: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "{}: {} total, {} occupied{}",
                l.household_type,
                l.beds_total,
                l.beds_occupied.map(|o| o.to_string()).unwrap_or_else(|| "not reported".into()),
                match (&l.updated_by, &l.updated_at) {
                    (Some(who), Some(at)) => format!(" (set by {who} at {at})"),
                    _ => String::new(),
                }
            )
        })
        .collect();
    Ok(AppError::Conflict(format!(
        "Someone saved newer counts for this shelter while you were editing. Nothing from your submit was saved. Newer values: {}. Check them and submit again.",
        newer.join("; ")
    )))
}

/// Bump a shelter's counts version, so any form based on the old one is a conflict. With
/// `expected`, only if the version still is that one; returns whether the bump happened.
pub(crate) async fn bump_counts_version(
    db: &impl ConnectionTrait,
    shelter_id: i64,
    expected: Option<i64>,
) -> Result<bool, AppError> {
    let mut update = shelter::Entity::update_many()
        .col_expr(shelter::Column::CountsVersion, Expr::col(shelter::Column::CountsVersion).add(1))
        .col_expr(shelter::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(shelter::Column::Id.eq(shelter_id));
    if let Some(version) = expected {
        update = update.filter(shelter::Column::CountsVersion.eq(version));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Save one shelter's counts: append a snapshot per line in one transaction, versioning lines
/// whose total changed. `version` is the counts version the form was based on.
pub async fn update(
    shelter_id: &str,
    version: i64,
    inputs: Vec<LineInput>,
    confirmed: bool,
) -> Result<Notice, AppError> {
    let result = save(shelter_id, version, inputs, confirmed).await;
    if let Some(outcome) = ssr::metrics::BedUpdate::of(&result) {
        ssr::metrics::bed_update(outcome);
    }
    result
}

async fn save(shelter_id: &str, version: i64, inputs: Vec<LineInput>, confirmed: bool) -> Result<Notice, AppError> {
    let access = authorize(COUNTS).await?;
    let db = ssr::db()?;
    let tenant_id = access.tenant_id()?;
    // One write transaction from the id on: the shelter cannot turn DV (hidden) before it commits.
    let txn = ssr::begin_write(&db).await?;
    let shelter = access.shelter_for_write(&txn, shelter_id).await?;
    let clock = access.clock(&txn).await?;
    let now = Utc::now();
    let recorder = Recorder::User(access.user().id);
    let saving = Save { tenant_id, shelter: &shelter, today: clock.today(now), now, recorder, confirmed };
    let Some(changes) = saving.record(&txn, version, &inputs).await? else {
        txn.rollback().await?;
        return Err(conflict(&db, &access, shelter.id).await?);
    };
    txn.commit().await?;
    tracing::info!(
        event = "bed_counts.updated",
        shelter.id = shelter.id,
        user.id = access.user().id,
        "bed counts saved"
    );
    let changes: String = changes.iter().map(|c| format!(" {c}")).collect();
    Ok(Notice::new(format!("Saved the counts for {} at {}.{changes}", shelter.name, clock.show(now))))
}

/// Set the beds totals of the lines of `shelter` that count on the CoC's day of `now` (one total
/// per line, in `current_lines`' order; a line without one keeps its total), with 0 occupied, as
/// a save by `user_id` once authorized. The timeline tests drive the database through it with a
/// stub clock, on both backends; it is the same `Save` the form and the feeds use.
pub async fn save_totals_at(
    db: &sea_orm::DatabaseConnection,
    shelter_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
    totals: &[i32],
) -> Result<(), AppError> {
    let txn = ssr::begin_write(db).await?;
    let shelter = shelter::Entity::find_by_id(shelter_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let today = crate::ssr::clock::CocClock::for_tenant(&txn, Some(shelter.tenant_id)).await?.today(now);
    let lines = current_lines(&txn, shelter.tenant_id, &[shelter.id], today).await?;
    let inputs: Vec<LineInput> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineInput {
            inventory_id: l.public_id.clone(),
            total: totals.get(i).copied().unwrap_or(l.bed_inventory).to_string(),
            occupied: "0".into(),
        })
        .collect();
    let recorder = Recorder::User(user_id);
    let save = Save { tenant_id: shelter.tenant_id, shelter: &shelter, today, now, recorder, confirmed: true };
    save.record(&txn, shelter.counts_version, &inputs)
        .await?
        .ok_or_else(|| AppError::Conflict("the shelter's counts changed meanwhile".into()))?;
    txn.commit().await?;
    Ok(())
}

/// One save of a shelter's counts, by a person or a feed.
pub(super) struct Save<'a> {
    pub tenant_id: i64,
    pub shelter: &'a shelter::Model,
    /// The CoC's date: the lines in effect on it are the ones counted.
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub recorder: Recorder,
    /// The person or feed confirmed that a new beds total changes the HMIS inventory; without
    /// it such a save is refused with what it would change, and nothing is written.
    pub confirmed: bool,
}

impl Save<'_> {
    /// Validate `inputs` against the shelter's lines in effect today, move its counts version on
    /// from `version`, and append a snapshot per line in `txn`, versioning lines whose total
    /// changed (`versioning`). The capacity changes made, or `None`, with nothing written, when
    /// the version had already moved on; the caller commits or rolls back.
    pub(super) async fn record(
        &self,
        txn: &impl ConnectionTrait,
        version: i64,
        inputs: &[LineInput],
    ) -> Result<Option<Vec<CapacityChange>>, AppError> {
        let Save { tenant_id, shelter, today, now, recorder, confirmed } = *self;
        let counts = validate(current_lines(txn, tenant_id, &[shelter.id], today).await?, inputs)?;
        if !bump_counts_version(txn, shelter.id, Some(version)).await? {
            return Ok(None);
        }
        crate::hmis::ssr::data_changed(txn, tenant_id).await?;
        // Lines that start tomorrow: a change earlier today to a line ending today may have
        // started one (`versioning`); none can be pending otherwise.
        let tomorrow = if counts.iter().any(|c| c.line.inventory_end_date == Some(today)) {
            inventory::Entity::find()
                .filter(inventory::Column::TenantId.eq(tenant_id))
                .filter(inventory::Column::ShelterId.eq(shelter.id))
                .filter(inventory::Column::InventoryStartDate.eq(today.succ_opt().unwrap_or(today)))
                .all(txn)
                .await?
        } else {
            Vec::new()
        };
        let plans: Vec<_> = counts
            .iter()
            .map(|c| {
                let pending = tomorrow.iter().find(|next| is_pending_successor(&c.line, next, today));
                plan(&c.line, pending, c.total, today)
            })
            .collect();
        let changes: Vec<CapacityChange> = counts
            .iter()
            .zip(&plans)
            .filter(|(_, p)| p.effect != Effect::Unchanged)
            .map(|(c, p)| CapacityChange {
                inventory_id: c.line.public_id.clone(),
                line: line_label(&c.line),
                from: c.line.bed_inventory,
                to: c.total,
                effect: p.effect,
            })
            .collect();
        // A new total changes the HMIS inventory: only with a confirmation (the caller rolls the
        // version bump back with the rest).
        if let Some(change) = changes.first().filter(|_| !confirmed) {
            return Err(AppError::validation(
                &field_name(&change.inventory_id, "total"),
                format!(
                    "Beds total ({}): this changes the HMIS inventory. {change} To make the change, tick \"Change the HMIS inventory\" and save again; to keep {} beds, enter {}.",
                    change.line, change.from, change.from
                ),
            ));
        }
        for (NewCounts { line, total, occupied }, plan) in counts.into_iter().zip(plans) {
            // The snapshot belongs to the line that counts tonight: a new one starting today, or
            // this one.
            let mut inventory_id = line.id;
            for edit in &plan.edits {
                if let Some(id) = apply_edit(txn, &line, edit, now).await?
                    && matches!(edit, Edit::Start { start, .. } if *start == today)
                {
                    inventory_id = id;
                }
            }
            let (updated_by, api_token_id) = match recorder {
                Recorder::User(id) => (Some(id), None),
                Recorder::Token(id) => (None, Some(id)),
            };
            bed_snapshot::ActiveModel {
                tenant_id: Set(tenant_id),
                inventory_id: Set(inventory_id),
                beds_total: Set(total),
                beds_occupied: Set(occupied),
                updated_by: Set(updated_by),
                api_token_id: Set(api_token_id),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        Ok(Some(changes))
    }
}

/// A capacity change a save made to the HMIS inventory, as the coordinator is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CapacityChange {
    /// The line's public id, which names its form field.
    inventory_id: String,
    line: String,
    from: i32,
    to: i32,
    effect: Effect,
}

impl std::fmt::Display for CapacityChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let CapacityChange { line, from, to, effect, .. } = self;
        match effect {
            Effect::Unchanged => write!(f, "{line}: the HMIS inventory is unchanged."),
            Effect::From(day) => write!(f, "{line}: from {day}, {from} -> {to} beds in the HMIS."),
            Effect::Ends(Some(day)) => {
                write!(f, "{line}: 0 beds, so the line ends in the HMIS; {day} is its last night.")
            }
            Effect::Ends(None) => {
                write!(f, "{line}: 0 beds, so the line that started today is withdrawn from the HMIS.")
            }
            Effect::Withdrawn => write!(f, "{line}: back to {to} beds; the change planned for tomorrow is withdrawn."),
            Effect::SeasonEnds(day) => write!(
                f,
                "{line}: the line's season ends on {day}, too soon for a new figure (HUD counts a line for at least two nights); the HMIS keeps {from} beds."
            ),
        }
    }
}

/// One planned change to the stored lines (`versioning::Edit`), in `txn`; the row id of a line
/// it starts.
async fn apply_edit(
    txn: &impl ConnectionTrait,
    line: &inventory::Model,
    edit: &Edit,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let update = |id: i64| {
        inventory::Entity::update_many()
            .col_expr(inventory::Column::UpdatedAt, Expr::value(now))
            .filter(inventory::Column::TenantId.eq(line.tenant_id))
            .filter(inventory::Column::ShelterId.eq(line.shelter_id))
            .filter(inventory::Column::Id.eq(id))
    };
    match *edit {
        Edit::Counts { line: id, counts } => {
            update(id)
                .col_expr(inventory::Column::BedInventory, Expr::value(counts.bed_inventory))
                .col_expr(inventory::Column::OtherBedInventory, Expr::value(counts.other_bed_inventory))
                .col_expr(inventory::Column::UnitInventory, Expr::value(counts.unit_inventory))
                .exec(txn)
                .await?;
        }
        Edit::End { line: id, end } => {
            update(id).col_expr(inventory::Column::InventoryEndDate, Expr::value(end)).exec(txn).await?;
        }
        Edit::Start { like, start, end, counts } => {
            debug_assert_eq!(like, line.id, "a new line is always a copy of the line being counted");
            let mut next: inventory::ActiveModel = successor(line, start, end, counts, now).into();
            next.id = sea_orm::ActiveValue::NotSet;
            // A new line version is a new Inventory record for HMIS, with an id of its own.
            next.public_id = Set(ssr::public_id::new());
            return Ok(Some(next.insert(txn).await?.id));
        }
    }
    Ok(None)
}

/// How many snapshots the history shows (a shelter's most recent updates).
const HISTORY_SNAPSHOTS: u64 = 200;

/// The recent updates of one shelter the caller may see, newest first, each with what changed.
pub async fn history(shelter_id: &str) -> Result<ShelterHistory, AppError> {
    let access = authorize(COUNTS).await?;
    let db = ssr::db()?;
    let tenant_id = access.tenant_id()?;
    let shelter = access.shelter(&db, shelter_id).await?;
    let clock = access.clock(&db).await?;
    // Every version of every line: a changed total starts a new line of the same household type.
    let lines: HashMap<i64, inventory::Model> = inventory::Entity::find()
        .filter(inventory::Column::TenantId.eq(tenant_id))
        .filter(inventory::Column::ShelterId.eq(shelter.id))
        .all(&db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut snapshots = bed_snapshot::Entity::find()
        .filter(bed_snapshot::Column::TenantId.eq(tenant_id))
        .filter(bed_snapshot::Column::InventoryId.is_in(lines.keys().copied()))
        .order_by_desc(bed_snapshot::Column::Id)
        .limit(HISTORY_SNAPSHOTS)
        .all(&db)
        .await?;
    snapshots.reverse();
    let names = recorder_names(&db, &access, snapshots.iter()).await?;
    let logical = |s: &bed_snapshot::Model| {
        lines.get(&s.inventory_id).map(|l| (l.coc_code.clone(), l.household_type, l.availability, l.es_bed_type))
    };
    let mut previous: HashMap<_, (i32, i32)> = HashMap::new();
    let mut entries: Vec<(DateTime<Utc>, Option<Recorder>, HistoryEntry)> = Vec::new();
    for snap in &snapshots {
        let key = logical(snap);
        let change = LineChange {
            household_type: lines.get(&snap.inventory_id).map(line_label).unwrap_or_default(),
            beds_total: snap.beds_total,
            beds_occupied: snap.beds_occupied,
            previous: previous.insert(key, (snap.beds_total, snap.beds_occupied)),
        };
        // Snapshots of one submit share the time and the user.
        match entries.last_mut() {
            Some((at, by, entry)) if *at == snap.recorded_at && *by == Recorder::of(snap) => entry.changes.push(change),
            _ => entries.push((
                snap.recorded_at,
                Recorder::of(snap),
                HistoryEntry {
                    at: clock.show(snap.recorded_at),
                    by: Recorder::of(snap)
                        .and_then(|r| names.get(&r).cloned())
                        .unwrap_or_else(|| "a former user".into()),
                    changes: vec![change],
                },
            )),
        }
    }
    Ok(ShelterHistory {
        shelter_id: shelter.public_id,
        name: shelter.name,
        entries: entries.into_iter().rev().map(|(_, _, e)| e).collect(),
    })
}
