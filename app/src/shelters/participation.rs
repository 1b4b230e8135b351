//! A project's HMIS participation periods (2.08), kept in step with its form: the participation
//! type the form shows is the current period's. Changing it ends the current period yesterday and
//! starts one today (a period that starts today or later is corrected in place); the first period
//! starts with the project and the last ends with it, so participation covers every day the
//! project operates (the LSA requires it).
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{hmis_participation, shelter};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub participation_type: i32,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// The periods a project should have: `existing` (in order) with the project's current
/// `participation_type` from `today`, within its operating dates.
pub fn plan(
    existing: &[Period],
    participation_type: i32,
    operating: (NaiveDate, Option<NaiveDate>),
    today: NaiveDate,
) -> Vec<Period> {
    let (start, end) = operating;
    let mut out: Vec<Period> = existing
        .iter()
        .copied()
        .filter(|p| end.is_none_or(|e| p.start <= e) && p.end.is_none_or(|e| e >= start))
        .collect();
    let Some(last) = out.last_mut() else {
        return vec![Period { participation_type, start, end }];
    };
    if last.participation_type != participation_type {
        let cut = today.max(start);
        match cut.pred_opt() {
            Some(before) if last.start < cut && end.is_none_or(|e| cut <= e) => {
                last.end = Some(before);
                out.push(Period { participation_type, start: cut, end });
            }
            _ => last.participation_type = participation_type,
        }
    }
    if let Some(first) = out.first_mut() {
        first.start = start;
    }
    if let Some(last) = out.last_mut() {
        last.end = end;
    }
    out
}

/// Bring the stored periods of `s` to [`plan`]'s, updating rows in place, adding and removing
/// as needed.
pub async fn sync(db: &impl ConnectionTrait, s: &shelter::Model, today: NaiveDate) -> Result<(), AppError> {
    let rows = hmis_participation::Entity::find()
        .filter(hmis_participation::Column::TenantId.eq(s.tenant_id))
        .filter(hmis_participation::Column::ShelterId.eq(s.id))
        .order_by_asc(hmis_participation::Column::StartDate)
        .order_by_asc(hmis_participation::Column::Id)
        .all(db)
        .await?;
    let existing: Vec<Period> = rows
        .iter()
        .map(|r| Period { participation_type: r.participation_type, start: r.start_date, end: r.end_date })
        .collect();
    let planned = plan(&existing, s.hmis_participation_type, (s.operating_start_date, s.operating_end_date), today);
    let now = Utc::now();
    for (i, p) in planned.iter().enumerate() {
        match rows.get(i) {
            Some(_) if existing[i] == *p => {}
            Some(row) => {
                let mut active: hmis_participation::ActiveModel = row.clone().into();
                active.participation_type = Set(p.participation_type);
                active.start_date = Set(p.start);
                active.end_date = Set(p.end);
                active.updated_at = Set(now);
                active.update(db).await?;
            }
            None => {
                hmis_participation::ActiveModel {
                    public_id: Set(crate::ssr::public_id::new()),
                    tenant_id: Set(s.tenant_id),
                    shelter_id: Set(s.id),
                    participation_type: Set(p.participation_type),
                    start_date: Set(p.start),
                    end_date: Set(p.end),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    for row in rows.iter().skip(planned.len()) {
        hmis_participation::Entity::delete_by_id(row.id).exec(db).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn p(t: i32, start: &str, end: Option<&str>) -> Period {
        Period { participation_type: t, start: d(start), end: end.map(d) }
    }

    #[test]
    fn a_new_project_gets_one_period_over_its_operating_dates() {
        assert_eq!(plan(&[], 1, (d("2025-01-01"), None), d("2026-12-01")), vec![p(1, "2025-01-01", None)]);
    }

    #[test]
    fn a_change_of_type_ends_the_period_yesterday_and_starts_one_today() {
        let now = plan(&[p(1, "2025-01-01", None)], 2, (d("2025-01-01"), None), d("2026-12-01"));
        assert_eq!(now, vec![p(1, "2025-01-01", Some("2026-11-30")), p(2, "2026-12-01", None)]);
        // Changed again the same day: corrected in place.
        assert_eq!(plan(&now, 0, (d("2025-01-01"), None), d("2026-12-01")).last(), Some(&p(0, "2026-12-01", None)));
    }

    #[test]
    fn periods_follow_the_operating_dates() {
        let two = [p(1, "2025-01-01", Some("2026-11-30")), p(2, "2026-12-01", None)];
        // Closed: the last period ends with the project.
        assert_eq!(
            plan(&two, 2, (d("2025-01-01"), Some(d("2027-03-31"))), d("2026-12-02")),
            vec![p(1, "2025-01-01", Some("2026-11-30")), p(2, "2026-12-01", Some("2027-03-31"))]
        );
        // Closed before the second period began: it never happened.
        assert_eq!(
            plan(&two, 2, (d("2025-01-01"), Some(d("2026-06-30"))), d("2026-12-02")),
            vec![p(2, "2025-01-01", Some("2026-06-30"))]
        );
        // An earlier start moves the first period's start.
        assert_eq!(plan(&two, 2, (d("2024-06-01"), None), d("2026-12-02"))[0].start, d("2024-06-01"));
    }
}
