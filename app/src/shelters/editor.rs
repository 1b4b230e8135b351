//! Creating and editing shelters, their inventory lines and coordinator assignments, and the
//! organizations they belong to. Every read goes through `Access`, so DV shelters and victim
//! service providers exist only for admins with DV access.
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::form::{CeForm, FunderForm, LineForm, LineInput, ShelterForm, ShelterInput, exported_text};
use crate::hmis::ids::HmisId;

use super::{CeRow, Choice, CoordinatorRow, FunderRow, InventoryLineRow, OrganizationRow, ShelterEditor};
use crate::access::{COC_ADMIN, Role};
use crate::auth::ssr::authorize;
use crate::entities::{
    ce_participation, funder, hmis_participation, inventory, organization, shelter, shelter_coordinator, tenant, user,
};
use crate::error::{AppError, Notice};
use crate::hmis::codes::{
    AVAILABILITY, ES_BED_TYPE, HMIS_PARTICIPATION_TYPE, HOUSEHOLD_TYPE, funder_label, is_dv_shelter, is_dv_shelter_sql,
};
use crate::hmis::ssr::data_changed;
use crate::inventory::ssr::bump_counts_version;
use crate::outbox::ssr::dv_changed;
use crate::ssr;
use crate::ssr::audit::record;
use crate::ssr::scope::{Access, ShelterRecord};

const DUPLICATE_PROJECT_ID: &str = "HMIS ProjectID: another project already uses it; IDs must be unique.";
const DUPLICATE_ORGANIZATION_ID: &str = "HMIS OrganizationID: another organization already uses it.";

async fn coc_codes(db: &impl ConnectionTrait, access: &Access) -> Result<Vec<String>, AppError> {
    let tenant = tenant::Entity::find_by_id(access.tenant_id()?).one(db).await?.ok_or(AppError::NotFound)?;
    Ok(tenant.coc_codes.split(';').map(str::to_string).collect())
}

/// The form of a saved shelter; `organization` is its organization's public id.
fn to_form(s: &shelter::Model, organization: String) -> ShelterForm {
    let opt = |v: Option<i32>| v.map(|c| c.to_string()).unwrap_or_default();
    ShelterForm {
        organization_id: organization,
        hmis_project_id: s.hmis_project_id.clone(),
        name: s.name.clone(),
        project_type: s.project_type.to_string(),
        housing_type: opt(s.housing_type),
        target_population: opt(s.target_population),
        operating_start_date: s.operating_start_date.to_string(),
        operating_end_date: s.operating_end_date.map(|d| d.to_string()).unwrap_or_default(),
        coc_code: s.coc_code.clone(),
        address1: s.address1.clone().unwrap_or_default(),
        city: s.city.clone().unwrap_or_default(),
        state: s.state.clone().unwrap_or_default(),
        zip: s.zip.clone().unwrap_or_default(),
        geocode: s.geocode.clone().unwrap_or_default(),
        geography_type: opt(s.geography_type),
        hmis_participation_type: s.hmis_participation_type.to_string(),
        active: s.active.then(|| "on".to_string()),
    }
}

/// Everything the shelter page needs; `id` (a public id) None for a new shelter.
pub async fn editor(id: Option<&str>) -> Result<ShelterEditor, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    // The id first: a hidden shelter and a missing one answer alike.
    let shelter = match id {
        Some(id) => Some(access.shelter(&db, id).await?),
        None => None,
    };
    let orgs = access.organizations()?.order_by_asc(organization::Column::Name).all(&db).await?;
    // The form names the shelter's organization by public id.
    let form = match &shelter {
        Some(s) => {
            to_form(s, orgs.iter().find(|o| o.id == s.organization_id).map(|o| o.public_id.clone()).unwrap_or_default())
        }
        None => ShelterForm { active: Some("on".into()), hmis_participation_type: "1".into(), ..Default::default() },
    };
    let mut editor = ShelterEditor {
        id: shelter.as_ref().map(|s| s.public_id.clone()),
        form,
        is_emergency_shelter: true,
        organizations: orgs.into_iter().map(|o| Choice { id: o.public_id, label: o.name }).collect(),
        coc_codes: coc_codes(&db, &access).await?,
        lines: Vec::new(),
        funders: Vec::new(),
        participation: Vec::new(),
        coordinated_entry: Vec::new(),
        coordinators: Vec::new(),
        assignable: Vec::new(),
    };
    let Some(s) = shelter else { return Ok(editor) };
    editor.is_emergency_shelter = crate::hmis::codes::is_emergency_shelter(s.project_type);
    editor.lines = inventory::Entity::find()
        .filter(inventory::Column::TenantId.eq(s.tenant_id))
        .filter(inventory::Column::ShelterId.eq(s.id))
        .order_by_desc(inventory::Column::InventoryEndDate.is_null())
        .order_by_asc(inventory::Column::HouseholdType)
        .order_by_desc(inventory::Column::InventoryStartDate)
        .all(&db)
        .await?
        .into_iter()
        .map(|l| InventoryLineRow {
            id: l.public_id.clone(),
            household_type: HOUSEHOLD_TYPE.label(l.household_type).to_string(),
            availability: l.availability.map(|a| AVAILABILITY.label(a).to_string()),
            es_bed_type: l.es_bed_type.map(|b| ES_BED_TYPE.label(b).to_string()),
            unit_inventory: l.unit_inventory,
            bed_inventory: l.bed_inventory,
            dedicated: l.dedicated_beds(),
            start_date: l.inventory_start_date.to_string(),
            end_date: l.inventory_end_date.map(|d| d.to_string()),
        })
        .collect();
    editor.funders = access
        .find::<funder::Entity>()?
        .filter(funder::Column::ShelterId.eq(s.id))
        .filter(funder::Column::DeletedAt.is_null())
        .order_by_desc(funder::Column::StartDate)
        .all(&db)
        .await?
        .into_iter()
        .map(|f| FunderRow {
            id: f.public_id,
            funder: format!("{} ({})", funder_label(f.funder), f.funder),
            other_funder: f.other_funder,
            grant_id: f.grant_id,
            start_date: f.start_date.to_string(),
            end_date: f.end_date.map(|d| d.to_string()),
        })
        .collect();
    editor.participation = access
        .find::<hmis_participation::Entity>()?
        .filter(hmis_participation::Column::ShelterId.eq(s.id))
        .order_by_asc(hmis_participation::Column::StartDate)
        .all(&db)
        .await?
        .into_iter()
        .map(|p| {
            let end = p.end_date.map_or("open".to_string(), |d| d.to_string());
            format!(
                "{} ({}): {} to {end}",
                HMIS_PARTICIPATION_TYPE.label(p.participation_type),
                p.participation_type,
                p.start_date
            )
        })
        .collect();
    editor.coordinated_entry = access
        .find::<ce_participation::Entity>()?
        .filter(ce_participation::Column::ShelterId.eq(s.id))
        .filter(ce_participation::Column::DeletedAt.is_null())
        .order_by_asc(ce_participation::Column::StartDate)
        .all(&db)
        .await?
        .into_iter()
        .map(|c| CeRow { text: ce_text(&c), id: c.public_id })
        .collect();
    let assigned: Vec<i64> = shelter_coordinator::Entity::find()
        .filter(shelter_coordinator::Column::ShelterId.eq(s.id))
        .all(&db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let mut candidates = access
        .users()?
        .filter(user::Column::Role.eq(Role::Coordinator))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::DisplayName)
        .all(&db)
        .await?;
    // A DV shelter is only for coordinators with DV access.
    if s.is_dv {
        candidates.retain(|u| u.dv_access || assigned.contains(&u.id));
    }
    for u in candidates {
        let here = assigned.contains(&u.id);
        let row = CoordinatorRow { id: u.public_id, name: u.display_name, email: u.email };
        if here { editor.coordinators.push(row) } else { editor.assignable.push(row) }
    }
    Ok(editor)
}

/// Create (`id` None) or update a shelter. Returns the shelter id.
///
/// Everything happens in one write transaction: `id` is resolved through `Access` (locked, so a
/// concurrent change to its DV status is seen) before any query uses it, so a hidden shelter and
/// a missing one get the same answer whatever the form holds. `is_dv` is computed from the
/// organization as read, locked, in the same transaction.
pub async fn save(id: Option<&str>, form: ShelterForm) -> Result<(String, Notice), AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let tenant_id = access.tenant_id()?;
    let txn = ssr::begin_write(&db).await?;
    let codes = coc_codes(&txn, &access).await?;
    let input: ShelterInput = form.parse(&codes.iter().map(String::as_str).collect::<Vec<_>>())?;
    // The organization before the shelter, in the order `update_organization` takes them, so two
    // such transactions on PostgreSQL wait for each other instead of deadlocking.
    let org = access
        .organizations()?
        .filter(organization::Column::PublicId.eq(input.organization_id.as_str()))
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::validation("shelter[organization_id]", "Organization: choose one from the list."))?;
    // The id, before any query uses it: neither the form nor the organization depends on it, so
    // a hidden and a missing shelter answer alike.
    let existing = match id {
        Some(id) => Some(
            access
                .shelters()?
                .filter(shelter::Column::PublicId.eq(id))
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let is_dv = is_dv_shelter(input.target_population, org.victim_service_provider);
    if is_dv && !access.user().dv_access {
        return Err(AppError::validation(
            "shelter[target_population]",
            "Target population: only an admin with DV access can manage DV shelters.",
        ));
    }
    // ProjectIDs are unique within a visibility class (DV or not): an admin without DV access
    // never collides with, and so never learns of, a DV shelter's ID.
    let clash = shelter::Entity::find()
        .filter(shelter::Column::TenantId.eq(tenant_id))
        .filter(shelter::Column::IsDv.eq(is_dv))
        .filter(shelter::Column::HmisProjectId.eq(input.hmis_project_id.as_str()))
        .filter(shelter::Column::Id.ne(existing.as_ref().map_or(0, |s| s.id)))
        .one(&txn)
        .await?;
    if clash.is_some() {
        return Err(AppError::validation("shelter[hmis_project_id]", DUPLICATE_PROJECT_ID));
    }
    if let Some(s) = &existing {
        // Availability and ESBedType belong to emergency shelter lines only: a change of project
        // type must not leave open lines that break that rule.
        let es = crate::hmis::codes::is_emergency_shelter(input.project_type);
        let mismatched = inventory::Entity::find()
            .filter(inventory::Column::TenantId.eq(tenant_id))
            .filter(inventory::Column::ShelterId.eq(s.id))
            .filter(inventory::Column::InventoryEndDate.is_null())
            .filter(if es {
                inventory::Column::Availability.is_null()
            } else {
                inventory::Column::Availability.is_not_null()
            })
            .one(&txn)
            .await?;
        if mismatched.is_some() {
            return Err(AppError::validation(
                "shelter[project_type]",
                "Project type: this shelter's open inventory lines were recorded for another kind of project (Availability and ES bed type are for emergency shelter only); end them and add new lines first.",
            ));
        }
    }
    let now = Utc::now();
    let today = access.clock(&txn).await?.today(now);
    if let Some(s) = &existing {
        check_lines_within(&txn, s, &input, today).await?;
    }
    if let Some(end) = input.operating_end_date.filter(|end| !input.active && *end > today) {
        return Err(AppError::validation(
            "shelter[operating_end_date]",
            format!(
                "Operating end date: {end} is still ahead; a project that no longer operates stopped on or before today ({today}). Keep it active until then."
            ),
        ));
    }
    // The HMIS holds one operating period per project: once a closed project's end has passed,
    // reopening it would have receivers count it on the nights it was closed. Its end date may be
    // corrected, not removed.
    if let Some(s) = &existing
        && let Some(closed) = s.operating_end_date.filter(|end| !s.active && *end < today)
        && (input.active || input.operating_end_date.is_none())
    {
        return Err(AppError::validation(
            "shelter[active]",
            format!(
                "Active: this project closed on {closed} and the HMIS counts it closed since, so it stays closed (its end date may be corrected). To run the program again, add it as a new project with its own ProjectID."
            ),
        ));
    }
    let lookback = crate::hmis::lookback(today);
    if let Some(end) = input.operating_end_date.filter(|end| *end < lookback) {
        return Err(AppError::validation(
            "shelter[operating_end_date]",
            format!(
                "Operating end date: {end} is more than seven years ago; HUD's HIC takes no project closed before {lookback} (HDX flag 1315). Check the date."
            ),
        ));
    }
    let was_dv = existing.as_ref().map(|s| s.is_dv);
    let mut model = match existing {
        Some(s) => s.into(),
        None => shelter::ActiveModel {
            public_id: Set(ssr::public_id::new()),
            tenant_id: Set(tenant_id),
            counts_version: Set(0),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.organization_id = Set(org.id);
    model.hmis_project_id = Set(input.hmis_project_id.into_string());
    model.name = Set(input.name.clone());
    model.project_type = Set(input.project_type);
    model.housing_type = Set(input.housing_type);
    model.target_population = Set(input.target_population);
    model.operating_start_date = Set(input.operating_start_date);
    model.operating_end_date = Set(input.operating_end_date);
    model.coc_code = Set(input.coc_code.into_string());
    model.address1 = Set(input.address1);
    model.city = Set(input.city);
    model.state = Set(input.state);
    model.zip = Set(input.zip);
    model.geocode = Set(input.geocode);
    model.geography_type = Set(input.geography_type);
    model.hmis_participation_type = Set(input.hmis_participation_type);
    model.active = Set(input.active);
    model.is_dv = Set(is_dv);
    model.updated_at = Set(now);
    let duplicate = |e| ssr::unique_or_db(e, "shelter[hmis_project_id]", DUPLICATE_PROJECT_ID);
    let saved = if id.is_some() {
        model.update(&txn).await.map_err(duplicate)?
    } else {
        model.insert(&txn).await.map_err(duplicate)?
    };
    let mut notice = format!("Saved {}.", input.name);
    let ended = end_lines_at(&txn, &saved, now).await?;
    if ended > 0 {
        notice.push_str(&format!(
            " {ended} inventory line{} now end{} with the project.",
            if ended == 1 { "" } else { "s" },
            if ended == 1 { "s" } else { "" }
        ));
        bump_counts_version(&txn, saved.id, None).await?;
    }
    let records = end_records_at(&txn, &saved, now).await?;
    if records > 0 {
        notice.push_str(&format!(
            " {records} funding source{} and coordinated entry period{} now end with it.",
            if records == 1 { "" } else { "s" },
            if records == 1 { "" } else { "s" }
        ));
    }
    super::participation::sync(&txn, &saved, today).await?;
    data_changed(&txn, tenant_id).await?;
    if let Some(was_dv) = was_dv.filter(|was| *was != is_dv) {
        let cancelled = dv_changed(&txn, tenant_id, now).await?;
        record(&txn, &access, now, "shelter.dv", &subject_of(&saved), dv_word(was_dv), dv_word(is_dv)).await?;
        notice.push_str(&cancelled_note(cancelled));
    }
    txn.commit().await?;
    Ok((saved.public_id, Notice::new(notice)))
}

/// Inventory lies within the operating dates (HIC validation): a new start may not come after a
/// line's start, nor a new end before one that has counted nights. A project that closes
/// withdraws the lines that would only start after today (`end_lines_at`).
async fn check_lines_within(
    db: &impl ConnectionTrait,
    s: &shelter::Model,
    input: &ShelterInput,
    today: chrono::NaiveDate,
) -> Result<(), AppError> {
    let lines = |condition| {
        inventory::Entity::find()
            .filter(inventory::Column::TenantId.eq(s.tenant_id))
            .filter(inventory::Column::ShelterId.eq(s.id))
            .filter(ssr::not_void())
            .filter(condition)
            .order_by_asc(inventory::Column::InventoryStartDate)
    };
    if let Some(line) = lines(inventory::Column::InventoryStartDate.lt(input.operating_start_date)).one(db).await? {
        return Err(AppError::validation(
            "shelter[operating_start_date]",
            format!(
                "Operating start date: this project has inventory from {}; start it on or before then.",
                line.inventory_start_date
            ),
        ));
    }
    // A project that closes withdraws the lines that would start after today; one that plans an
    // end may not have lines beyond it.
    let beyond = |end: chrono::NaiveDate| match input.active {
        true => inventory::Column::InventoryStartDate.gt(end),
        false => inventory::Column::InventoryStartDate.gt(end).and(inventory::Column::InventoryStartDate.lte(today)),
    };
    if let Some(end) = input.operating_end_date
        && let Some(line) = lines(beyond(end)).one(db).await?
    {
        return Err(AppError::validation(
            "shelter[operating_end_date]",
            format!(
                "Operating end date: a line of inventory starts on {}, after it; end the project on or after that day.",
                line.inventory_start_date
            ),
        ));
    }
    Ok(())
}

/// End the lines of a closed project that go on past its operating end date, on that date; a
/// line that would start after it (a capacity change planned for tomorrow) is voided: it ends on
/// its start date, counts on no night, and is sent as a deletion (docs/hmis-export.md).
async fn end_lines_at(
    db: &impl ConnectionTrait,
    s: &shelter::Model,
    now: chrono::DateTime<Utc>,
) -> Result<u64, AppError> {
    let Some(end) = s.operating_end_date else { return Ok(0) };
    let lines = || {
        inventory::Entity::update_many()
            .col_expr(inventory::Column::UpdatedAt, Expr::value(now))
            .filter(inventory::Column::TenantId.eq(s.tenant_id))
            .filter(inventory::Column::ShelterId.eq(s.id))
            .filter(ssr::not_void())
    };
    let voided = lines()
        .col_expr(inventory::Column::InventoryEndDate, Expr::col(inventory::Column::InventoryStartDate))
        .filter(inventory::Column::InventoryStartDate.gt(end))
        .exec(db)
        .await?;
    let ended = lines()
        .col_expr(inventory::Column::InventoryEndDate, Expr::value(Some(end)))
        .filter(inventory::Column::InventoryEndDate.is_null().or(inventory::Column::InventoryEndDate.gt(end)))
        .exec(db)
        .await?;
    Ok(voided.rows_affected + ended.rows_affected)
}

/// A closed project's funding sources and coordinated entry periods that go on past its
/// operating end date end on that date, as its lines do (nothing of a closed project stays open
/// in the HMIS). Those that start after it are left to the admin, who sees them on the page.
async fn end_records_at(
    db: &impl ConnectionTrait,
    s: &shelter::Model,
    now: chrono::DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(end_with::<funder::Entity>(db, s, now).await? + end_with::<ce_participation::Entity>(db, s, now).await?)
}

/// `end_records_at` for one kind of record.
async fn end_with<E: ShelterRecord>(
    db: &impl ConnectionTrait,
    s: &shelter::Model,
    now: chrono::DateTime<Utc>,
) -> Result<u64, AppError> {
    let Some(end) = s.operating_end_date else { return Ok(0) };
    let ended = E::update_many()
        .col_expr(E::end_column(), Expr::value(Some(end)))
        .col_expr(E::updated_at_column(), Expr::value(now))
        .filter(E::tenant_column().eq(s.tenant_id))
        .filter(E::shelter_id_column().eq(s.id))
        .filter(E::deleted_at_column().is_null())
        .filter(E::start_column().lte(end))
        .filter(E::end_column().is_null().or(E::end_column().gt(end)))
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}

/// Remove a funding source or CE period `row` (resolved through `Access::shelter_record`): it is
/// kept as a deletion, so an HMIS that received it is told it is gone (m0022).
async fn remove_record<E: ShelterRecord>(db: &impl ConnectionTrait, row: &E::Model) -> Result<(), AppError> {
    let now = Utc::now();
    E::update_many()
        .col_expr(E::deleted_at_column(), Expr::value(Some(now)))
        .col_expr(E::updated_at_column(), Expr::value(now))
        .filter(E::id_column().eq(E::id_of(row)))
        .exec(db)
        .await?;
    Ok(())
}

fn dv_word(dv: bool) -> &'static str {
    if dv { "DV" } else { "not DV" }
}

fn subject_of(s: &shelter::Model) -> String {
    format!("shelter {} ({})", s.name, s.hmis_project_id)
}

/// What the admin is told after a DV change cancelled deliveries.
fn cancelled_note(cancelled: usize) -> String {
    match cancelled {
        0 => String::new(),
        n => format!(
            " Its DV status changed, so {n} push{} built before the change {} cancelled; push again to send current data.",
            if n == 1 { "" } else { "es" },
            if n == 1 { "was" } else { "were" }
        ),
    }
}

/// Insert an open inventory line for `s` (the caller checked access and the form).
pub async fn insert_line(
    db: &impl ConnectionTrait,
    s: &shelter::Model,
    line: &LineInput,
) -> Result<inventory::Model, AppError> {
    let now = Utc::now();
    let [ch_vet, youth_vet, vet, ch_youth, youth, ch, other] = line.sub_counts;
    inventory::ActiveModel {
        public_id: Set(ssr::public_id::new()),
        tenant_id: Set(s.tenant_id),
        shelter_id: Set(s.id),
        coc_code: Set(s.coc_code.clone()),
        household_type: Set(line.household_type),
        availability: Set(line.availability),
        es_bed_type: Set(line.es_bed_type),
        unit_inventory: Set(line.unit_inventory),
        bed_inventory: Set(line.bed_inventory()),
        ch_vet_bed_inventory: Set(ch_vet),
        youth_vet_bed_inventory: Set(youth_vet),
        vet_bed_inventory: Set(vet),
        ch_youth_bed_inventory: Set(ch_youth),
        youth_bed_inventory: Set(youth),
        ch_bed_inventory: Set(ch),
        other_bed_inventory: Set(other),
        inventory_start_date: Set(line.start_date),
        inventory_end_date: Set(line.end_date),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    // Two admins adding the same line at once: the open-line index lets one in.
    .map_err(|e| ssr::unique_or_db(e, "line[household_type]", OPEN_LINE_EXISTS))
}

const OPEN_LINE_EXISTS: &str = "Household type: this shelter already has a line for it with the same availability and bed type over these dates; end that line first, or let coordinators change its beds total.";

pub async fn add_line(shelter_id: &str, form: LineForm) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let s = access.shelter_for_write(&txn, shelter_id).await?;
    let line = form.parse(s.project_type)?;
    if line.start_date < s.operating_start_date {
        return Err(AppError::validation(
            "line[start_date]",
            format!(
                "Inventory start date: the project starts operating on {}; start the line then or later.",
                s.operating_start_date
            ),
        ));
    }
    if let Some(end) = s.operating_end_date
        && (line.start_date > end || line.end_date.is_none_or(|e| e > end))
    {
        return Err(AppError::validation(
            "line[end_date]",
            format!("Inventory end date: the project stops operating on {end}; the line must end by then."),
        ));
    }
    // Year-round, seasonal and overflow lines may coexist; two lines of the same kind may not
    // overlap.
    let same_kind = |column: inventory::Column, value: Option<i32>| match value {
        Some(v) => column.eq(v),
        None => column.is_null(),
    };
    let overlapping = inventory::Entity::find()
        .filter(inventory::Column::TenantId.eq(s.tenant_id))
        .filter(inventory::Column::ShelterId.eq(s.id))
        .filter(inventory::Column::CocCode.eq(s.coc_code.as_str()))
        .filter(inventory::Column::HouseholdType.eq(line.household_type))
        .filter(same_kind(inventory::Column::Availability, line.availability))
        .filter(same_kind(inventory::Column::EsBedType, line.es_bed_type))
        .filter(ssr::spans_overlap(
            inventory::Column::InventoryStartDate,
            inventory::Column::InventoryEndDate,
            line.start_date,
            line.end_date,
        ))
        .filter(ssr::not_void())
        .one(&txn)
        .await?;
    if overlapping.is_some() {
        return Err(AppError::validation("line[household_type]", OPEN_LINE_EXISTS));
    }
    insert_line(&txn, &s, &line).await?;
    data_changed(&txn, s.tenant_id).await?;
    // A coordinator's form from before a line change is now a conflict.
    bump_counts_version(&txn, s.id, None).await?;
    txn.commit().await?;
    Ok(Notice::new(format!(
        "Added a line of {} beds for {}.",
        line.bed_inventory(),
        HOUSEHOLD_TYPE.label(line.household_type)
    )))
}

pub async fn end_line(inventory_id: &str, end_date: String) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let (line, s) = access.inventory_line(&txn, inventory_id).await?;
    let end = super::form::date("end_date", "End date", &end_date, true)?.unwrap_or_default();
    if line.inventory_end_date.is_some() {
        return Err(AppError::validation("end_date", LINE_ENDED));
    }
    let today = access.clock(&txn).await?.today(Utc::now());
    // A line that has not yet counted a night that is over may be withdrawn: ended on its start
    // date, it counts on no night and is sent as a deletion. Any other line covers two nights.
    let withdraw = end == line.inventory_start_date && line.inventory_start_date >= today;
    if end <= line.inventory_start_date && !withdraw {
        let start = line.inventory_start_date;
        return Err(AppError::validation(
            "end_date",
            if start >= today {
                format!(
                    "End date: must be after the line's start, {start}: HUD counts no night of a line that ends on its start date. To withdraw this line, which has not counted a night yet, end it on {start}."
                )
            } else {
                format!(
                    "End date: must be after the line's start, {start}: HUD counts no night of a line that ends on its start date."
                )
            },
        ));
    }
    // Only while the line is still open: two admins ending it at once end it once.
    let ended = inventory::Entity::update_many()
        .col_expr(inventory::Column::InventoryEndDate, Expr::value(Some(end)))
        .col_expr(inventory::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(inventory::Column::Id.eq(line.id))
        .filter(inventory::Column::InventoryEndDate.is_null())
        .exec(&txn)
        .await?;
    if ended.rows_affected != 1 {
        return Err(AppError::validation("end_date", LINE_ENDED));
    }
    // A coordinator's form from before a line change is now a conflict.
    bump_counts_version(&txn, s.id, None).await?;
    data_changed(&txn, s.tenant_id).await?;
    txn.commit().await?;
    Ok(Notice::new(if withdraw {
        "Withdrew the line: it counts on no night and is sent to the HMIS as a deletion.".to_string()
    } else {
        format!("Ended the line on {end}.")
    }))
}

const LINE_ENDED: &str = "This line has already ended.";

pub async fn set_assignment(shelter_id: &str, user_id: &str, assign: bool) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let s = access.shelter(&db, shelter_id).await?;
    let u = access
        .users()?
        .filter(user::Column::PublicId.eq(user_id))
        .filter(user::Column::Role.eq(Role::Coordinator))
        .one(&db)
        .await?
        .ok_or_else(|| AppError::validation("user_id", "Coordinator: choose one from the list."))?;
    let key = (s.id, u.id);
    let existing = shelter_coordinator::Entity::find_by_id(key).one(&db).await?;
    match (assign, existing) {
        (true, None) => {
            if s.is_dv && !u.dv_access {
                return Err(AppError::validation(
                    "user_id",
                    "Coordinator: a DV shelter needs a coordinator with DV access.",
                ));
            }
            shelter_coordinator::ActiveModel { tenant_id: Set(s.tenant_id), shelter_id: Set(s.id), user_id: Set(u.id) }
                .insert(&db)
                .await?;
        }
        (false, Some(_)) => {
            shelter_coordinator::Entity::delete_by_id(key).exec(&db).await?;
        }
        _ => {}
    }
    Ok(Notice::new(if assign {
        format!("{} now keeps the counts of {}.", u.display_name, s.name)
    } else {
        format!("{} no longer keeps the counts of {}.", u.display_name, s.name)
    }))
}

pub async fn list_organizations() -> Result<Vec<OrganizationRow>, AppError> {
    let access = authorize(COC_ADMIN).await?;
    Ok(access
        .organizations()?
        .order_by_asc(organization::Column::Name)
        .all(&ssr::db()?)
        .await?
        .into_iter()
        .map(|o| OrganizationRow {
            id: o.public_id,
            hmis_organization_id: o.hmis_organization_id,
            name: o.name,
            victim_service_provider: o.victim_service_provider,
        })
        .collect())
}

pub async fn create_organization(hmis_organization_id: String, name: String, vsp: bool) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let hmis_id = HmisId::parse("hmis_organization_id", "HMIS OrganizationID", &hmis_organization_id)?;
    let name = exported_text("name", "Organization name", &name, 200, true)?.unwrap_or_default();
    if vsp && !access.user().dv_access {
        return Err(AppError::validation(
            "victim_service_provider",
            "Victim service provider: only an admin with DV access can add one.",
        ));
    }
    let tenant_id = access.tenant_id()?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    // OrganizationIDs are unique within a class (victim service provider or not), like ProjectIDs.
    let clash = organization::Entity::find()
        .filter(organization::Column::TenantId.eq(tenant_id))
        .filter(organization::Column::VictimServiceProvider.eq(vsp))
        .filter(organization::Column::HmisOrganizationId.eq(hmis_id.as_str()))
        .one(&txn)
        .await?;
    if clash.is_some() {
        return Err(AppError::validation("hmis_organization_id", DUPLICATE_ORGANIZATION_ID));
    }
    let now = Utc::now();
    organization::ActiveModel {
        public_id: Set(ssr::public_id::new()),
        tenant_id: Set(tenant_id),
        hmis_organization_id: Set(hmis_id.into_string()),
        name: Set(name.clone()),
        victim_service_provider: Set(vsp),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| ssr::unique_or_db(e, "hmis_organization_id", DUPLICATE_ORGANIZATION_ID))?;
    txn.commit().await?;
    Ok(Notice::new(format!("Added {name}.")))
}

/// Rename an organization or change its victim-service-provider flag; its shelters' DV status
/// follows in the same transaction, and a change of it cancels what was built before.
pub async fn update_organization(id: &str, name: String, vsp: bool) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let org = access
        .organizations()?
        .filter(organization::Column::PublicId.eq(id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = exported_text("name", "Organization name", &name, 200, true)?.unwrap_or_default();
    if vsp && !access.user().dv_access {
        return Err(AppError::validation(
            "victim_service_provider",
            "Victim service provider: only an admin with DV access can set it.",
        ));
    }
    let now = Utc::now();
    let (org_id, was_vsp) = (org.id, org.victim_service_provider);
    let subject = format!("organization {} ({})", org.name, org.hmis_organization_id);
    let mut active: organization::ActiveModel = org.into();
    active.name = Set(name.clone());
    active.victim_service_provider = Set(vsp);
    active.updated_at = Set(now);
    active.update(&txn).await.map_err(|e| ssr::unique_or_db(e, "victim_service_provider", VSP_ID_CLASH))?;
    let mut notice = format!("Saved {name}.");
    data_changed(&txn, access.tenant_id()?).await?;
    if was_vsp != vsp {
        shelter::Entity::update_many()
            .col_expr(shelter::Column::IsDv, Expr::cust(is_dv_shelter_sql(vsp)))
            .filter(shelter::Column::TenantId.eq(access.tenant_id()?))
            .filter(shelter::Column::OrganizationId.eq(org_id))
            .exec(&txn)
            .await
            .map_err(|e| ssr::unique_or_db(e, "victim_service_provider", VSP_PROJECT_ID_CLASH))?;
        let cancelled = dv_changed(&txn, access.tenant_id()?, now).await?;
        record(&txn, &access, now, "organization.vsp", &subject, vsp_word(was_vsp), vsp_word(vsp)).await?;
        notice.push_str(&cancelled_note(cancelled));
    }
    txn.commit().await?;
    Ok(Notice::new(notice))
}

fn vsp_word(vsp: bool) -> &'static str {
    if vsp { "victim service provider" } else { "not a victim service provider" }
}

const VSP_ID_CLASH: &str = "Victim service provider: another organization on the other side of this flag has the same HMIS OrganizationID; change one of the IDs first.";
const VSP_PROJECT_ID_CLASH: &str = "Victim service provider: a project of this organization has the same HMIS ProjectID as a project on the other side of this flag; change one of the ProjectIDs first.";

/// Record a funding source (2.06) of a shelter the caller may see.
pub async fn add_funder(shelter_id: &str, form: FunderForm) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let s = access.shelter_for_write(&txn, shelter_id).await?;
    let input = form.parse(s.project_type)?;
    let now = Utc::now();
    funder::ActiveModel {
        public_id: Set(ssr::public_id::new()),
        tenant_id: Set(s.tenant_id),
        shelter_id: Set(s.id),
        funder: Set(input.funder),
        other_funder: Set(input.other_funder),
        grant_id: Set(input.grant_id),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    data_changed(&txn, s.tenant_id).await?;
    txn.commit().await?;
    Ok(Notice::new(format!("Added the funder {} to {}.", funder_label(input.funder), s.name)))
}

/// Remove a funding source recorded by mistake (one that ended is kept with its end date).
pub async fn remove_funder(funder_id: &str) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let (row, s) = access.shelter_record::<funder::Entity>(&txn, funder_id).await?;
    remove_record::<funder::Entity>(&txn, &row).await?;
    data_changed(&txn, s.tenant_id).await?;
    txn.commit().await?;
    Ok(Notice::new(format!("Removed the funder {} from {}.", funder_label(row.funder), s.name)))
}

/// A CE period as the shelter page lists it.
fn ce_text(c: &ce_participation::Model) -> String {
    let mut what = Vec::new();
    if c.access_point {
        what.push("access point");
        let services = [
            (c.prevention_assessment, "prevention assessment"),
            (c.crisis_assessment, "crisis assessment"),
            (c.housing_assessment, "housing assessment"),
            (c.direct_services, "direct services"),
        ];
        what.extend(services.iter().filter(|(on, _)| *on == Some(true)).map(|(_, label)| *label));
    }
    if c.receives_referrals {
        what.push("receives referrals");
    }
    if what.is_empty() {
        what.push("not participating");
    }
    let end = c.end_date.map_or("open".to_string(), |d| d.to_string());
    format!("{} to {end}: {}", c.start_date, what.join(", "))
}

/// Record a coordinated entry participation period (2.09) of a shelter the caller may see,
/// within its operating dates and not overlapping another period.
pub async fn add_ce_participation(shelter_id: &str, form: CeForm) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let s = access.shelter_for_write(&txn, shelter_id).await?;
    let input = form.parse()?;
    if input.start_date < s.operating_start_date
        || s.operating_end_date.is_some_and(|end| input.end_date.is_none_or(|e| e > end))
    {
        return Err(AppError::validation(
            "ce[start_date]",
            "CE start date: the period must lie within the project's operating dates.",
        ));
    }
    let overlapping = ce_participation::Entity::find()
        .filter(ce_participation::Column::TenantId.eq(s.tenant_id))
        .filter(ce_participation::Column::ShelterId.eq(s.id))
        .filter(ce_participation::Column::DeletedAt.is_null())
        .filter(ssr::spans_overlap(
            ce_participation::Column::StartDate,
            ce_participation::Column::EndDate,
            input.start_date,
            input.end_date,
        ))
        .one(&txn)
        .await?;
    if overlapping.is_some() {
        return Err(AppError::validation(
            "ce[start_date]",
            "CE start date: another CE period of this project covers these dates; end it first.",
        ));
    }
    let now = Utc::now();
    let [prevention, crisis, housing, services] = input.access.map_or([None; 4], |a| a.map(Some));
    ce_participation::ActiveModel {
        public_id: Set(ssr::public_id::new()),
        tenant_id: Set(s.tenant_id),
        shelter_id: Set(s.id),
        access_point: Set(input.access_point),
        prevention_assessment: Set(prevention),
        crisis_assessment: Set(crisis),
        housing_assessment: Set(housing),
        direct_services: Set(services),
        receives_referrals: Set(input.receives_referrals),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    data_changed(&txn, s.tenant_id).await?;
    txn.commit().await?;
    Ok(Notice::new(format!("Added a coordinated entry period to {}.", s.name)))
}

/// Remove a CE period recorded by mistake.
pub async fn remove_ce_participation(id: &str) -> Result<Notice, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let txn = ssr::begin_write(&db).await?;
    let (row, s) = access.shelter_record::<ce_participation::Entity>(&txn, id).await?;
    remove_record::<ce_participation::Entity>(&txn, &row).await?;
    data_changed(&txn, s.tenant_id).await?;
    txn.commit().await?;
    Ok(Notice::new(format!("Removed a coordinated entry period from {}.", s.name)))
}
