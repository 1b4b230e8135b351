//! The CoC's clock. Every date and time a person or an HMIS sees is the CoC's: "today" for a
//! bed count, the export's dates, the CSV's date-times (which carry no zone, so they are the
//! CoC's wall clock) and the times pages show. The zone is `tenants.time_zone`, an IANA name
//! checked with chrono-tz when it is saved.
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::entities::tenant;
use crate::error::AppError;

/// A time zone name as stored: an unknown one (never stored by the app) is UTC.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// A typed IANA time zone name, in its canonical spelling (`america/chicago` is
/// `America/Chicago`), or an error naming `field`.
pub fn parse_time_zone(field: &str, raw: &str) -> Result<String, AppError> {
    let t = raw.trim();
    match chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(t)) {
        Some(tz) => Ok(tz.name().to_string()),
        None => Err(AppError::validation(
            field,
            "Time zone: enter an IANA time zone name, like America/Chicago or America/Los_Angeles.",
        )),
    }
}

/// `day` at `at` in `tz`, as an instant. A time the clocks skip (spring forward) is the first
/// instant after the gap; a time they pass twice (fall back) is the first of the two.
pub fn local_instant(tz: Tz, day: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
    let mut local = day.and_time(at);
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&day.and_time(at))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CocClock {
    tz: Tz,
}

impl CocClock {
    pub fn new(tz: Tz) -> CocClock {
        CocClock { tz }
    }

    pub fn of(tenant: &tenant::Model) -> CocClock {
        CocClock::new(zone(&tenant.time_zone))
    }

    /// The clock of tenant `tenant_id` (UTC for a platform admin, who has none).
    pub async fn for_tenant(db: &impl ConnectionTrait, tenant_id: Option<i64>) -> Result<CocClock, AppError> {
        let Some(id) = tenant_id else { return Ok(CocClock::new(chrono_tz::UTC)) };
        let tenant = tenant::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound)?;
        Ok(CocClock::of(&tenant))
    }

    pub fn zone(&self) -> Tz {
        self.tz
    }

    /// The CoC's date at `now`: an update at 9 pm in Texas belongs to that day.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// The instant the CoC's day `day` begins (its first local minute when midnight is skipped).
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        local_instant(self.tz, day, NaiveTime::MIN)
    }

    /// The instant the CoC's day `day` ends: the next day's start.
    pub fn end_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.start_of(day.succ_opt().unwrap_or(day))
    }

    /// The CoC's wall-clock time at `t`, as HMIS date-times are written.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    /// `2026-12-01 21:05 CST`: a time as pages show it.
    pub fn show(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M %Z").to_string()
    }

    /// The same with seconds.
    pub fn show_seconds(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M:%S %Z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn nine_pm_in_texas_is_that_day_there() {
        let clock = CocClock::new(chrono_tz::America::Chicago);
        let utc = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
        assert_eq!(clock.today(utc).to_string(), "2026-12-01");
        assert_eq!(clock.local(utc).to_string(), "2026-12-01 21:00:00");
        assert_eq!(clock.show(utc), "2026-12-01 21:00 CST");
        // Summer time.
        let july = Utc.with_ymd_and_hms(2026, 7, 1, 4, 59, 0).unwrap();
        assert_eq!(clock.show_seconds(july), "2026-06-30 23:59:00 CDT");
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let clock = CocClock::new(chrono_tz::America::Chicago);
        let day: NaiveDate = "2026-12-01".parse().unwrap();
        assert_eq!(clock.start_of(day), Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap());
        // Havana skips midnight in spring (2026-03-08): the day starts at 01:00.
        let havana = CocClock::new(chrono_tz::America::Havana);
        assert_eq!(havana.start_of("2026-03-08".parse().unwrap()), Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(parse_time_zone("tz", " america/chicago ").unwrap(), "America/Chicago");
        assert_eq!(parse_time_zone("tz", "Pacific/Honolulu").unwrap(), "Pacific/Honolulu");
        for bad in ["", "CT", "Mars/Olympus", "America/"] {
            assert_eq!(parse_time_zone("tz", bad).unwrap_err().field(), Some("tz"), "{bad}");
        }
        assert_eq!(zone("Not/AZone"), chrono_tz::UTC);
    }
}
