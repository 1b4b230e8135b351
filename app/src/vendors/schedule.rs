//! When a live vendor's scheduled pushes are due: every N minutes (periods counted from the Unix
//! epoch, so every replica agrees on them), or daily at a local time in the CoC's time zone. Each
//! due push has a key, the vendor and its period, so whichever replica gets there first queues it
//! and the others find it queued.
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::ssr::clock::local_instant;

/// The start of the push period `now` falls in, for a vendor pushing every `minutes`, and the
/// next one.
pub fn interval_period(now: DateTime<Utc>, minutes: i32) -> (i64, DateTime<Utc>) {
    let seconds = i64::from(minutes.max(1)) * 60;
    let period = now.timestamp().div_euclid(seconds);
    (period, DateTime::from_timestamp((period + 1) * seconds, 0).unwrap_or(now))
}

/// For a vendor pushing daily at `at` (`HH:MM`) in `tz`: the local day whose push is due at
/// `now` (today's, once its time has passed), and when the next one is.
pub fn daily_due(now: DateTime<Utc>, tz: chrono_tz::Tz, at: &str) -> (Option<NaiveDate>, DateTime<Utc>) {
    let Ok(time) = NaiveTime::parse_from_str(at, "%H:%M") else {
        return (None, now + Duration::days(1));
    };
    let today = now.with_timezone(&tz).date_naive();
    let slot = local_instant(tz, today, time);
    if now >= slot {
        let tomorrow = today.succ_opt().unwrap_or(today);
        (Some(today), local_instant(tz, tomorrow, time))
    } else {
        (None, slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
    }

    #[test]
    fn interval_periods_are_the_same_on_every_replica() {
        let (p1, next) = interval_period(at(2026, 11, 23, 12, 0), 60);
        assert_eq!(next, at(2026, 11, 23, 13, 0));
        assert_eq!(interval_period(at(2026, 11, 23, 12, 59), 60).0, p1);
        assert_eq!(interval_period(at(2026, 11, 23, 13, 0), 60).0, p1 + 1);
        assert_eq!(interval_period(at(2026, 11, 23, 12, 7), 15).1, at(2026, 11, 23, 12, 15));
    }

    #[test]
    fn a_daily_push_is_due_once_its_local_time_has_passed() {
        let chicago = chrono_tz::America::Chicago;
        // 02:30 in Chicago (CST, UTC-6) is 08:30 UTC.
        let (due, next) = daily_due(at(2026, 11, 23, 8, 29), chicago, "02:30");
        assert_eq!((due, next), (None, at(2026, 11, 23, 8, 30)));
        let (due, next) = daily_due(at(2026, 11, 23, 8, 30), chicago, "02:30");
        assert_eq!(due, NaiveDate::from_ymd_opt(2026, 11, 23));
        assert_eq!(next, at(2026, 11, 24, 8, 30));
        // 9 pm in Texas is the next day in UTC, and still that local day.
        let (due, _) = daily_due(at(2026, 11, 24, 3, 30), chicago, "21:00");
        assert_eq!(due, NaiveDate::from_ymd_opt(2026, 11, 23));
    }

    #[test]
    fn a_skipped_local_time_is_the_first_instant_after_the_gap() {
        let chicago = chrono_tz::America::Chicago;
        // 2026-03-08: 02:00 CST jumps to 03:00 CDT; 02:30 does not exist.
        let (_, next) = daily_due(at(2026, 3, 8, 0, 0), chicago, "02:30");
        assert_eq!(next, at(2026, 3, 8, 8, 0));
    }
}
