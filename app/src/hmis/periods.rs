//! The DV publication periods (DESIGN.md 4.7; docs/hmis-export.md, "DV aggregate over time").
//!
//! The DV aggregate's figures move only at period boundaries, so no set of exports, compared with
//! each other, dates a single DV shelter's change more finely than a period. A period is a
//! calendar month, and each year's count night starts a period of its own, so the HIC gets that
//! night's DV beds. A period carries the figures of one night that is over when it is published
//! (`sample_night`), so they never move once sent. Every period covers at least two nights (HUD's LSA counts no night of a line
//! that ends on its start date): when the count night is January 31st, its period runs on to the
//! end of February.
use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The HIC count night of `year`: the last Wednesday of January (HUD requires a night in the
/// last ten days of January).
pub fn count_night(year: i32) -> NaiveDate {
    let last = NaiveDate::from_ymd_opt(year, 1, 31).unwrap_or(NaiveDate::MIN);
    let back = (7 + last.weekday().num_days_from_monday() - Weekday::Wed.num_days_from_monday()) % 7;
    last - Duration::days(i64::from(back))
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the period that holds `day`.
pub fn period_start(day: NaiveDate) -> NaiveDate {
    let night = count_night(day.year());
    let merged_february = night.day() == 31 && day.month() == 2;
    if (day.month() == 1 && day >= night) || merged_february { night } else { first_of_month(day) }
}

/// The first day of the period after the one that starts on (or holds) `day`.
pub fn next_period_start(day: NaiveDate) -> NaiveDate {
    let start = period_start(day);
    let night = count_night(start.year());
    let next_month = (first_of_month(start) + Duration::days(32)).with_day(1).unwrap_or(start);
    if start.month() == 1 && start < night {
        night
    } else if start == night && night.day() == 31 {
        // The count night's period runs through February.
        (next_month + Duration::days(32)).with_day(1).unwrap_or(next_month)
    } else {
        next_month
    }
}

/// The night whose DV figures the period starting on `start` carries: the night before it starts,
/// which is over (and so moves no more with the day's edits) when the period begins; the count
/// night's period carries the count night itself, which the HIC needs.
pub fn sample_night(start: NaiveDate) -> NaiveDate {
    if start == count_night(start.year()) { start } else { start.pred_opt().unwrap_or(start) }
}

/// The first night of the latest period that the DV aggregate publishes on `today`: the latest
/// whose sample night is over. Until then its figures would move with every edit of the day.
pub fn published_through(today: NaiveDate) -> NaiveDate {
    let start = period_start(today);
    if sample_night(start) < today { start } else { period_start(start.pred_opt().unwrap_or(start)) }
}

/// The periods from the one holding `from` to the one holding `to`, as (first day, last day);
/// the last has no end (it runs on until the next boundary).
pub fn periods(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, Option<NaiveDate>)> {
    let mut out = Vec::new();
    let last = period_start(to);
    let mut start = period_start(from);
    while start < last {
        let next = next_period_start(start);
        out.push((start, next.pred_opt()));
        start = next;
    }
    out.push((last, None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_count_night_is_the_last_wednesday_of_january() {
        assert_eq!(count_night(2027), d("2027-01-27"));
        assert_eq!(count_night(2026), d("2026-01-28"));
        assert_eq!(count_night(2024), d("2024-01-31"));
        for year in 2000..2100 {
            let night = count_night(year);
            assert_eq!(night.weekday(), Weekday::Wed);
            assert!(night.month() == 1 && night.day() >= 22, "{night}");
        }
    }

    #[test]
    fn months_and_the_count_night_start_periods_of_two_nights_or_more() {
        assert_eq!(period_start(d("2027-01-26")), d("2027-01-01"));
        assert_eq!(period_start(d("2027-01-27")), d("2027-01-27"));
        assert_eq!(period_start(d("2027-01-31")), d("2027-01-27"));
        assert_eq!(period_start(d("2027-02-01")), d("2027-02-01"));
        assert_eq!(period_start(d("2026-12-07")), d("2026-12-01"));
        // 2024's count night is January 31st: its period takes February in.
        assert_eq!(period_start(d("2024-02-29")), d("2024-01-31"));
        assert_eq!(next_period_start(d("2024-01-31")), d("2024-03-01"));
        // December carries November 30th's figures, published from December 1st; the count
        // night's period carries that night's, published once it is over.
        assert_eq!(sample_night(d("2026-12-01")), d("2026-11-30"));
        assert_eq!(published_through(d("2026-12-01")), d("2026-12-01"));
        assert_eq!(sample_night(d("2027-01-27")), d("2027-01-27"));
        assert_eq!(published_through(d("2027-01-27")), d("2027-01-01"));
        assert_eq!(published_through(d("2027-01-28")), d("2027-01-27"));
        assert_eq!(
            periods(d("2026-12-15"), d("2027-02-03")),
            vec![
                (d("2026-12-01"), Some(d("2026-12-31"))),
                (d("2027-01-01"), Some(d("2027-01-26"))),
                (d("2027-01-27"), Some(d("2027-01-31"))),
                (d("2027-02-01"), None)
            ]
        );
        let mut day = d("2020-01-01");
        while day < d("2030-01-01") {
            let (start, next) = (period_start(day), next_period_start(day));
            assert!(start <= day && day < next && next - start >= Duration::days(2), "{day}: {start} {next}");
            assert_eq!(period_start(next), next);
            day += Duration::days(1);
        }
    }
}
