//! How a change of beds total changes an inventory line (DESIGN.md section 3): HMIS records
//! capacity over time, so the current line ends yesterday and a new line starts today, with
//! OtherBedInventory taking the difference. A line that started today is corrected in place.
use chrono::NaiveDate;

use crate::entities::inventory;

#[derive(Debug, PartialEq, Eq)]
pub enum Capacity {
    Unchanged,
    /// Correct the line itself (it started today): new BedInventory and OtherBedInventory.
    InPlace {
        bed_inventory: i32,
        other_bed_inventory: i32,
    },
    /// End the line on `end_date` and start a copy on `start_date` with the new counts.
    NewVersion {
        end_date: NaiveDate,
        start_date: NaiveDate,
        bed_inventory: i32,
        other_bed_inventory: i32,
    },
}

/// The plan for setting `line`'s beds total to `total` on `today`. `total` must not be below the
/// line's dedicated beds (validated before).
pub fn plan(line: &inventory::Model, total: i32, today: NaiveDate) -> Capacity {
    if total == line.bed_inventory {
        return Capacity::Unchanged;
    }
    let other_bed_inventory = total - line.dedicated_beds();
    match today.pred_opt() {
        Some(yesterday) if line.inventory_start_date <= yesterday => {
            Capacity::NewVersion { end_date: yesterday, start_date: today, bed_inventory: total, other_bed_inventory }
        }
        _ => Capacity::InPlace { bed_inventory: total, other_bed_inventory },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

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
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_new_total_ends_the_line_yesterday_and_starts_one_today() {
        assert_eq!(
            plan(&line(d("2025-10-01")), 45, d("2026-11-22")),
            Capacity::NewVersion {
                end_date: d("2026-11-21"),
                start_date: d("2026-11-22"),
                bed_inventory: 45,
                other_bed_inventory: 37
            }
        );
    }

    #[test]
    fn a_line_that_started_today_is_corrected_in_place() {
        assert_eq!(
            plan(&line(d("2026-11-22")), 30, d("2026-11-22")),
            Capacity::InPlace { bed_inventory: 30, other_bed_inventory: 22 }
        );
    }

    #[test]
    fn the_same_total_changes_nothing() {
        assert_eq!(plan(&line(d("2025-10-01")), 40, d("2026-11-22")), Capacity::Unchanged);
    }
}
