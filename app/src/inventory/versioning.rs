//! How a new beds total changes a shelter's inventory lines (DESIGN.md section 3;
//! docs/hmis-export.md, "Nights and end dates").
//!
//! HMIS records capacity over time as dated lines, and HUD's LSA counts a line on night D when it
//! started by D and its end is empty, or both on or after D and after its start
//! (`hmis::line_counts_on`). A line that ends must therefore cover at least two nights: one
//! ended on its start date counts on no night, and the night it began would be lost. So, for a
//! change on day T:
//! - a line that started today is corrected in place (tonight is its only night so far);
//! - a line that started before yesterday ends yesterday and a new line starts today: the new
//!   figure counts from tonight;
//! - a line that started yesterday cannot end yesterday: it ends today and the new line starts
//!   tomorrow, so yesterday keeps its figure, tonight still counts the old one, and the new one
//!   counts from tomorrow. A second change the same day corrects that pending line, and going
//!   back to tonight's figure withdraws it;
//! - a change that would make a line of one night (the line's season ends before the new line
//!   could run two nights) leaves the inventory as it is; the count is still recorded;
//! - units never exceed beds: the new figure keeps the line's units, at most its beds;
//! - beds going to 0 end the line on the same dates instead of starting a new one, and a line
//!   that started today is voided (it ends on its start date, counts on no night, and is sent as
//!   a deletion).
use chrono::NaiveDate;

use crate::entities::inventory;
use crate::hmis::is_void;

/// A line's figures: BedInventory, OtherBedInventory (the remainder after the dedicated beds)
/// and UnitInventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub bed_inventory: i32,
    pub other_bed_inventory: i32,
    pub unit_inventory: i32,
}

impl Counts {
    /// `base`'s sub-counts with `total` beds: its dedicated beds kept, its units at most `total`.
    fn of(base: &inventory::Model, total: i32) -> Counts {
        Counts {
            bed_inventory: total,
            other_bed_inventory: total - base.dedicated_beds(),
            unit_inventory: base.unit_inventory.min(total),
        }
    }
}

/// One change to the stored lines, applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Set a line's figures.
    Counts { line: i64, counts: Counts },
    /// Set a line's end date (`None`: open again).
    End { line: i64, end: Option<NaiveDate> },
    /// A new line of the same kind as `like`, from `start` to `end`, with `counts`: a new HMIS
    /// Inventory record with an id of its own.
    Start { like: i64, start: NaiveDate, end: Option<NaiveDate>, counts: Counts },
}

/// What a new total does to the HMIS inventory, in words a coordinator is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Unchanged,
    /// The new figure counts from this night on.
    From(NaiveDate),
    /// The line ends: this is the last night it counts (`None`: it counts on no night).
    Ends(Option<NaiveDate>),
    /// The change planned earlier today for tomorrow is withdrawn.
    Withdrawn,
    /// The line's season ends before a new figure could count two nights: the inventory stays.
    SeasonEnds(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub edits: Vec<Edit>,
    pub effect: Effect,
}

impl Plan {
    fn unchanged() -> Plan {
        Plan { edits: Vec::new(), effect: Effect::Unchanged }
    }
}

/// Whether `next` is the line a change earlier today started tomorrow in place of `line`: it
/// starts the day after `line` ends, and was made by the save that ended `line`.
pub fn is_pending_successor(line: &inventory::Model, next: &inventory::Model, today: NaiveDate) -> bool {
    line.inventory_end_date == Some(today)
        && Some(next.inventory_start_date) == today.succ_opt()
        && next.created_at == line.updated_at
        && !is_void(next.inventory_start_date, next.inventory_end_date)
}

/// The plan for setting the beds total of `line` (in effect on `today`, the CoC's date) to
/// `total`. `pending` is a line that `is_pending_successor` of it, if any. `total` must not be
/// below the line's dedicated beds (validated before).
pub fn plan(line: &inventory::Model, pending: Option<&inventory::Model>, total: i32, today: NaiveDate) -> Plan {
    let Some(tomorrow) = today.succ_opt() else { return Plan::unchanged() };
    if let Some(next) = pending {
        return if total == next.bed_inventory {
            Plan::unchanged()
        } else if total == line.bed_inventory {
            // Void the pending line first: reopening `line` must not meet another open line.
            Plan {
                edits: vec![
                    Edit::End { line: next.id, end: Some(next.inventory_start_date) },
                    Edit::End { line: line.id, end: next.inventory_end_date },
                ],
                effect: Effect::Withdrawn,
            }
        } else if total == 0 {
            Plan {
                edits: vec![Edit::End { line: next.id, end: Some(next.inventory_start_date) }],
                effect: Effect::Ends(Some(today)),
            }
        } else {
            Plan {
                edits: vec![Edit::Counts { line: next.id, counts: Counts::of(next, total) }],
                effect: Effect::From(tomorrow),
            }
        };
    }
    if total == line.bed_inventory {
        return Plan::unchanged();
    }
    if line.inventory_start_date >= today {
        return match total {
            0 => Plan { edits: vec![Edit::End { line: line.id, end: Some(today) }], effect: Effect::Ends(None) },
            _ => Plan {
                edits: vec![Edit::Counts { line: line.id, counts: Counts::of(line, total) }],
                effect: Effect::From(today),
            },
        };
    }
    // The old figure's last night, and the new one's first: a line that started yesterday keeps
    // tonight, so that it covers two nights.
    let (end, start) = match today.pred_opt() {
        Some(yesterday) if line.inventory_start_date < yesterday => (yesterday, today),
        _ => (today, tomorrow),
    };
    if total == 0 {
        return Plan { edits: vec![Edit::End { line: line.id, end: Some(end) }], effect: Effect::Ends(Some(end)) };
    }
    match line.inventory_end_date {
        Some(season_end) if season_end <= start => Plan { edits: Vec::new(), effect: Effect::SeasonEnds(season_end) },
        season_end => Plan {
            edits: vec![
                Edit::End { line: line.id, end: Some(end) },
                Edit::Start { like: line.id, start, end: season_end, counts: Counts::of(line, total) },
            ],
            effect: Effect::From(start),
        },
    }
}

/// A save of `total` beds to line `line_id` on `today`, in memory, as the database's save makes
/// it (pending line found, planned, applied; a new line gets the next row id): the reference the
/// tests hold the stored lines to. What it did to the HMIS inventory.
pub fn set_total(
    lines: &mut Vec<inventory::Model>,
    line_id: i64,
    total: i32,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Effect {
    let Some(line) = lines.iter().find(|l| l.id == line_id) else { return Effect::Unchanged };
    let pending = lines.iter().find(|next| is_pending_successor(line, next, today));
    let plan = plan(line, pending, total, today);
    let next = lines.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    apply(lines, &plan.edits, now, || (next, format!("{next:020}")));
    plan.effect
}

/// The line an `Edit::Start` makes: a copy of `like` (its kind, CoC code and dedicated beds)
/// from `start` to `end` with `counts`, made at `now`; its ids are the caller's to give.
pub fn successor(
    like: &inventory::Model,
    start: NaiveDate,
    end: Option<NaiveDate>,
    counts: Counts,
    now: chrono::DateTime<chrono::Utc>,
) -> inventory::Model {
    inventory::Model {
        inventory_start_date: start,
        inventory_end_date: end,
        bed_inventory: counts.bed_inventory,
        other_bed_inventory: counts.other_bed_inventory,
        unit_inventory: counts.unit_inventory,
        created_at: now,
        updated_at: now,
        ..like.clone()
    }
}

/// `edits` applied to `lines` in memory, as `inventory::ssr` applies them to the rows: the
/// reference the property tests hold the database to. `new_line` gives a new line its row id and
/// public id.
pub fn apply(
    lines: &mut Vec<inventory::Model>,
    edits: &[Edit],
    now: chrono::DateTime<chrono::Utc>,
    mut new_line: impl FnMut() -> (i64, String),
) {
    for edit in edits {
        match *edit {
            Edit::Counts { line, counts } => {
                if let Some(l) = lines.iter_mut().find(|l| l.id == line) {
                    l.bed_inventory = counts.bed_inventory;
                    l.other_bed_inventory = counts.other_bed_inventory;
                    l.unit_inventory = counts.unit_inventory;
                    l.updated_at = now;
                }
            }
            Edit::End { line, end } => {
                if let Some(l) = lines.iter_mut().find(|l| l.id == line) {
                    l.inventory_end_date = end;
                    l.updated_at = now;
                }
            }
            Edit::Start { like, start, end, counts } => {
                if let Some(like) = lines.iter().find(|l| l.id == like) {
                    let mut next = successor(like, start, end, counts, now);
                    (next.id, next.public_id) = new_line();
                    lines.push(next);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hmis::line_counts_on;
    use chrono::{DateTime, TimeZone, Utc};

    fn line(start: NaiveDate) -> inventory::Model {
        inventory::Model {
            id: 1,
            public_id: "0123456789abcdef0123".into(),
            tenant_id: 1,
            shelter_id: 1,
            coc_code: "TX-503".into(),
            household_type: 1,
            availability: Some(1),
            es_bed_type: Some(1),
            unit_inventory: 20,
            bed_inventory: 40,
            ch_vet_bed_inventory: 0,
            youth_vet_bed_inventory: 0,
            vet_bed_inventory: 5,
            ch_youth_bed_inventory: 0,
            youth_bed_inventory: 0,
            ch_bed_inventory: 3,
            other_bed_inventory: 32,
            inventory_start_date: start,
            inventory_end_date: None,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    fn at(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).single().expect("a time") + chrono::Duration::minutes(n)
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn counts(bed_inventory: i32, other_bed_inventory: i32, unit_inventory: i32) -> Counts {
        Counts { bed_inventory, other_bed_inventory, unit_inventory }
    }

    /// Beds on `day` under HUD's rule.
    fn beds_on(lines: &[inventory::Model], day: NaiveDate) -> i32 {
        lines
            .iter()
            .filter(|l| line_counts_on(l.inventory_start_date, l.inventory_end_date, day))
            .map(|l| l.bed_inventory)
            .sum()
    }

    /// Applies a day's new total the way a save does, returning the effect.
    fn change(lines: &mut Vec<inventory::Model>, total: i32, today: NaiveDate, now: DateTime<Utc>) -> Effect {
        let current = lines
            .iter()
            .find(|l| line_counts_on(l.inventory_start_date, l.inventory_end_date, today))
            .expect("a line today")
            .id;
        set_total(lines, current, total, today, now)
    }

    #[test]
    fn a_new_total_ends_an_older_line_yesterday_and_starts_one_today() {
        let plan = plan(&line(d("2025-10-01")), None, 45, d("2026-11-22"));
        assert_eq!(
            plan.edits,
            vec![
                Edit::End { line: 1, end: Some(d("2026-11-21")) },
                Edit::Start { like: 1, start: d("2026-11-22"), end: None, counts: counts(45, 37, 20) },
            ]
        );
        assert_eq!(plan.effect, Effect::From(d("2026-11-22")));
    }

    #[test]
    fn a_line_that_started_today_is_corrected_in_place_and_its_units_stay_within_its_beds() {
        let plan = plan(&line(d("2026-11-22")), None, 12, d("2026-11-22"));
        assert_eq!(plan.edits, vec![Edit::Counts { line: 1, counts: counts(12, 4, 12) }]);
    }

    #[test]
    fn a_line_that_started_yesterday_keeps_tonight_and_the_new_figure_starts_tomorrow() {
        let plan = plan(&line(d("2026-11-21")), None, 45, d("2026-11-22"));
        assert_eq!(
            plan.edits,
            vec![
                Edit::End { line: 1, end: Some(d("2026-11-22")) },
                Edit::Start { like: 1, start: d("2026-11-23"), end: None, counts: counts(45, 37, 20) },
            ]
        );
        assert_eq!(plan.effect, Effect::From(d("2026-11-23")));
    }

    #[test]
    fn zero_beds_end_the_line_and_void_one_that_started_today() {
        let mut empty = line(d("2025-10-01"));
        (empty.vet_bed_inventory, empty.ch_bed_inventory, empty.other_bed_inventory) = (0, 0, 40);
        let ended = plan(&empty, None, 0, d("2026-11-22"));
        assert_eq!(ended.edits, vec![Edit::End { line: 1, end: Some(d("2026-11-21")) }]);
        empty.inventory_start_date = d("2026-11-22");
        let voided = plan(&empty, None, 0, d("2026-11-22"));
        assert_eq!(voided.edits, vec![Edit::End { line: 1, end: Some(d("2026-11-22")) }]);
        assert_eq!(voided.effect, Effect::Ends(None));
    }

    #[test]
    fn a_season_that_ends_too_soon_for_a_new_line_keeps_its_figure() {
        let mut seasonal = line(d("2026-11-01"));
        seasonal.inventory_end_date = Some(d("2026-11-22"));
        let plan = plan(&seasonal, None, 45, d("2026-11-22"));
        assert_eq!(plan, Plan { edits: Vec::new(), effect: Effect::SeasonEnds(d("2026-11-22")) });
    }

    #[test]
    fn the_same_total_changes_nothing() {
        assert_eq!(plan(&line(d("2025-10-01")), None, 40, d("2026-11-22")), Plan::unchanged());
    }

    /// The critical case: changes on the count night and on the days around it never lose or
    /// double a night, whatever corrections follow.
    #[test]
    fn changes_on_consecutive_days_keep_every_night_as_it_was_shown() {
        let mut lines = vec![line(d("2027-01-01"))];
        let days: [(&str, &[i32]); 8] = [
            ("2027-01-25", &[40]),
            ("2027-01-26", &[130]),
            ("2027-01-27", &[90, 130]),
            ("2027-01-28", &[100]),
            ("2027-01-29", &[120, 100]),
            ("2027-01-30", &[140, 150]),
            ("2027-01-31", &[0]),
            ("2027-02-01", &[]),
        ];
        let mut shown = Vec::new();
        for (i, (night, totals)) in days.iter().enumerate() {
            let night = d(night);
            for (j, total) in totals.iter().enumerate() {
                change(&mut lines, *total, night, at(60 * 24 * (i as i64 + 85) + j as i64));
            }
            shown.push((night, beds_on(&lines, night)));
        }
        assert_eq!(
            shown.iter().map(|(_, beds)| *beds).collect::<Vec<_>>(),
            [40, 130, 130, 100, 100, 150, 150, 0],
            "{lines:#?}"
        );
        for (night, beds) in shown {
            assert_eq!(beds_on(&lines, night), beds, "night {night}: {lines:#?}");
        }
        let counted: Vec<_> = lines.iter().filter(|l| !is_void(l.inventory_start_date, l.inventory_end_date)).collect();
        assert!(counted.iter().all(|l| l.bed_inventory > 0 && l.unit_inventory <= l.bed_inventory), "{lines:#?}");
    }
}
