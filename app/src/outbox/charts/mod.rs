//! Pipeline health on a vendor's page: its delivery attempts of the last 24 hours (per hour) and
//! the last 30 days (per day) on the CoC's clock, as stacked bars (delivered, retried,
//! dead-lettered) over a line of the median latency, drawn as inline SVG on the server, so an
//! admin sees them on a phone without JavaScript or Grafana (the drawing is in `draw`).
//!
//! The chart types travel in `VendorPage` to the hydrated page and the drawing runs on both
//! sides. Bucketing needs the CoC's clock (`ssr::clock`, server-only), so it and the read are the
//! server's; bucketing stays pure (attempts in, charts out) and is tested here.
use serde::{Deserialize, Serialize};

use super::state::AuditOutcome;

mod draw;
pub use draw::AttemptCharts;

/// A vendor's attempts in both windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineCharts {
    /// 24 hourly buckets, the last one the current local hour.
    pub hours: Chart,
    /// 30 daily buckets, the last one the CoC's today.
    pub days: Chart,
}

/// Which window a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Window {
    Hours,
    Days,
}

impl Window {
    /// How many buckets it has.
    pub fn buckets(self) -> usize {
        match self {
            Window::Hours => 24,
            Window::Days => 30,
        }
    }

    /// "the last 24 hours"
    pub fn phrase(self) -> &'static str {
        match self {
            Window::Hours => "the last 24 hours",
            Window::Days => "the last 30 days",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Window::Hours => "hour",
            Window::Days => "day",
        }
    }

    /// Its part of the SVG's element ids (two charts share a page).
    fn key(self) -> &'static str {
        match self {
            Window::Hours => "24h",
            Window::Days => "30d",
        }
    }
}

/// One window's buckets, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub window: Window,
    pub buckets: Vec<Bucket>,
    /// The median of every known duration in the window (not of the buckets' medians).
    pub median_ms: Option<u32>,
}

/// One hour or day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// When it starts, as pages show times: "2026-11-23 14:00 CST", or the day "2026-11-23".
    pub label: String,
    /// The axis label under it, on a few buckets only: "18:00", "Nov 23".
    pub tick: Option<String>,
    pub delivered: u32,
    pub retried: u32,
    pub dead_lettered: u32,
    /// None when no attempt in it has a duration.
    pub latency: Option<Latency>,
}

/// How long the vendor took to answer, over the attempts whose duration is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    pub median_ms: u32,
    pub max_ms: u32,
}

impl Bucket {
    pub fn total(&self) -> u32 {
        self.delivered + self.retried + self.dead_lettered
    }

    /// "2026-11-23 14:00 CST: 3 delivered, 1 retried, 0 dead-lettered; median 0.50 s, slowest 1.20 s"
    fn describe(&self) -> String {
        let latency = match self.latency {
            Some(l) => format!("median {}, slowest {}", seconds(l.median_ms), seconds(l.max_ms)),
            None => "no latency recorded".into(),
        };
        let (d, r, x) = (self.delivered, self.retried, self.dead_lettered);
        format!("{}: {d} delivered, {r} retried, {x} dead-lettered; {latency}", self.label)
    }
}

impl Chart {
    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(|b| b.total() == 0)
    }

    /// "Last 24 hours: 12 delivered, 3 retried, 1 dead-lettered; median latency 0.42 s"
    pub fn summary(&self) -> String {
        let sum = |f: fn(&Bucket) -> u32| self.buckets.iter().map(f).sum::<u32>();
        let (d, r, x) = (sum(|b| b.delivered), sum(|b| b.retried), sum(|b| b.dead_lettered));
        let latency = match self.median_ms {
            Some(ms) => format!("median latency {}", seconds(ms)),
            None => "no latency recorded".into(),
        };
        let window = self.window.phrase().replacen("the last", "Last", 1);
        format!("{window}: {d} delivered, {r} retried, {x} dead-lettered; {latency}")
    }

    /// "No attempts in the last 24 hours."
    pub fn empty_text(&self) -> String {
        format!("No attempts in {}.", self.window.phrase())
    }
}

/// Milliseconds as seconds to the hundredth, "0.42 s", without floating point so the server and
/// the browser write the same text.
pub fn seconds(ms: u32) -> String {
    let hundredths = (u64::from(ms) + 5) / 10;
    if hundredths == 0 && ms > 0 {
        return "under 0.01 s".into();
    }
    format!("{}.{:02} s", hundredths / 100, hundredths % 100)
}

/// What an attempt did, as the charts count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Delivered,
    /// Failed, and the row will be tried again.
    Retried,
    /// Failed, and it made the row a dead letter.
    DeadLettered,
}

impl Kind {
    /// From `push_audit.outcome` and `push_audit.dead_letter`.
    pub fn of(outcome: AuditOutcome, dead_letter: bool) -> Kind {
        match outcome {
            AuditOutcome::Delivered => Kind::Delivered,
            _ if dead_letter => Kind::DeadLettered,
            AuditOutcome::Transient | AuditOutcome::Permanent => Kind::Retried,
        }
    }
}

/// One attempt: when, what it did, and how long the vendor took (unknown before m0019, and
/// when nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: Kind,
    pub duration_ms: Option<i32>,
}

#[cfg(feature = "ssr")]
pub use server::{build, read, since};

#[cfg(feature = "ssr")]
mod server {
    use chrono::{DateTime, Duration, Timelike, Utc};
    use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};

    use super::{Attempt, Bucket, Chart, Kind, Latency, PipelineCharts, Window};
    use crate::entities::push_audit;
    use crate::error::AppError;
    use crate::outbox::state::AuditOutcome;
    use crate::ssr::clock::CocClock;
    use crate::ssr::scope::Access;

    /// Where a bucket starts, what it is called, and its axis label if it has one.
    struct Slot {
        start: DateTime<Utc>,
        label: String,
        tick: Option<String>,
    }

    /// The 24 hours ending with the current local hour, each 60 minutes of elapsed time: on the
    /// night clocks fall back, 01:00 CDT and 01:00 CST are two buckets; when they spring forward,
    /// 01:00 CST is followed by 03:00 CDT. Returns the slots and the end of the last.
    fn hour_slots(clock: &CocClock, now: DateTime<Utc>) -> (Vec<Slot>, DateTime<Utc>) {
        // The local hour's start (a zone half an hour off UTC starts its hours at :30 UTC).
        let local = clock.local(now);
        let into_hour = Duration::seconds(i64::from(local.minute() * 60 + local.second()))
            + Duration::nanoseconds(i64::from(local.nanosecond()));
        let this_hour = now - into_hour;
        let slots = (0..Window::Hours.buckets())
            .rev()
            .map(|back| {
                let start = this_hour - Duration::hours(back as i64);
                let local = clock.local(start);
                let tick = local.hour().is_multiple_of(6).then(|| local.format("%H:%M").to_string());
                Slot { start, label: clock.show(start), tick }
            })
            .collect();
        (slots, this_hour + Duration::hours(1))
    }

    /// The 30 local days ending with the CoC's today, each from its local midnight to the next (23
    /// or 25 hours when the clocks change). Every 7th day back from today is labelled.
    fn day_slots(clock: &CocClock, now: DateTime<Utc>) -> (Vec<Slot>, DateTime<Utc>) {
        let today = clock.today(now);
        let slots = (0..Window::Days.buckets())
            .rev()
            .map(|back| {
                let day = today - chrono::Days::new(back as u64);
                let tick = back.is_multiple_of(7).then(|| day.format("%b %-d").to_string());
                Slot { start: clock.start_of(day), label: day.to_string(), tick }
            })
            .collect();
        (slots, clock.end_of(today))
    }

    /// The median, the mean of the middle two rounded half up when the count is even.
    fn median(values: &mut [u32]) -> Option<u32> {
        values.sort_unstable();
        let n = values.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(values[n / 2]),
            _ => u32::try_from((u64::from(values[n / 2 - 1]) + u64::from(values[n / 2])).div_ceil(2)).ok(),
        }
    }

    /// The first instant either chart shows: the read's lower bound.
    pub fn since(clock: &CocClock, now: DateTime<Utc>) -> DateTime<Utc> {
        let first = |(slots, _): (Vec<Slot>, _)| slots.first().map_or(now, |s| s.start);
        first(day_slots(clock, now)).min(first(hour_slots(clock, now)))
    }

    /// Both charts from a vendor's attempts (in any order; those outside a window are left out
    /// of it).
    pub fn build(attempts: &[Attempt], clock: &CocClock, now: DateTime<Utc>) -> PipelineCharts {
        PipelineCharts {
            hours: fill(Window::Hours, hour_slots(clock, now), attempts),
            days: fill(Window::Days, day_slots(clock, now), attempts),
        }
    }

    fn fill(window: Window, (slots, end): (Vec<Slot>, DateTime<Utc>), attempts: &[Attempt]) -> Chart {
        let mut counts = vec![[0u32; 3]; slots.len()];
        let mut durations: Vec<Vec<u32>> = vec![Vec::new(); slots.len()];
        for a in attempts.iter().filter(|a| a.at < end) {
            // The last slot starting at or before the attempt; none when it is older than all.
            let Some(i) = slots.partition_point(|s| s.start <= a.at).checked_sub(1) else { continue };
            let column = match a.kind {
                Kind::Delivered => 0,
                Kind::Retried => 1,
                Kind::DeadLettered => 2,
            };
            counts[i][column] += 1;
            if let Some(ms) = a.duration_ms.and_then(|d| u32::try_from(d).ok()) {
                durations[i].push(ms);
            }
        }
        let mut all: Vec<u32> = durations.iter().flatten().copied().collect();
        let buckets = slots
            .into_iter()
            .zip(counts)
            .zip(durations)
            .map(|((slot, [delivered, retried, dead_lettered]), mut ms)| Bucket {
                label: slot.label,
                tick: slot.tick,
                delivered,
                retried,
                dead_lettered,
                latency: median(&mut ms)
                    .map(|median_ms| Latency { median_ms, max_ms: ms.iter().copied().max().unwrap_or(median_ms) }),
            })
            .collect();
        Chart { window, buckets, median_ms: median(&mut all) }
    }

    /// A vendor's charts: one read of its attempts since the earlier window's start, through the
    /// CoC's scope (`idx_audit_vendor_at`), only the columns the charts use.
    pub async fn read(
        access: &Access,
        db: &impl ConnectionTrait,
        vendor_id: i64,
        clock: &CocClock,
        now: DateTime<Utc>,
    ) -> Result<PipelineCharts, AppError> {
        let rows: Vec<(DateTime<Utc>, AuditOutcome, bool, Option<i32>)> = access
            .find::<push_audit::Entity>()?
            .select_only()
            .column(push_audit::Column::At)
            .column(push_audit::Column::Outcome)
            .column(push_audit::Column::DeadLetter)
            .column(push_audit::Column::DurationMs)
            .filter(push_audit::Column::VendorId.eq(vendor_id))
            .filter(push_audit::Column::At.gte(since(clock, now)))
            .into_tuple()
            .all(db)
            .await?;
        let attempts: Vec<Attempt> = rows
            .into_iter()
            .map(|(at, outcome, dead_letter, duration_ms)| Attempt {
                at,
                kind: Kind::of(outcome, dead_letter),
                duration_ms,
            })
            .collect();
        Ok(build(&attempts, clock, now))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use chrono_tz::America::Chicago;
    use leptos::prelude::*;

    use super::*;
    use crate::ssr::clock::CocClock;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap()
    }

    fn attempt(at: DateTime<Utc>, kind: Kind) -> Attempt {
        Attempt { at, kind, duration_ms: None }
    }

    fn timed(at: DateTime<Utc>, kind: Kind, ms: i32) -> Attempt {
        Attempt { at, kind, duration_ms: Some(ms) }
    }

    fn bucket<'a>(chart: &'a Chart, label: &str) -> &'a Bucket {
        chart.buckets.iter().find(|b| b.label == label).unwrap_or_else(|| panic!("no bucket {label}: {chart:?}"))
    }

    /// (delivered, retried, dead-lettered)
    fn counts(chart: &Chart, label: &str) -> (u32, u32, u32) {
        let b = bucket(chart, label);
        (b.delivered, b.retried, b.dead_lettered)
    }

    fn total(chart: &Chart) -> u32 {
        chart.buckets.iter().map(Bucket::total).sum()
    }

    fn labels(chart: &Chart) -> Vec<&str> {
        chart.buckets.iter().map(|b| b.label.as_str()).collect()
    }

    fn ticks(chart: &Chart) -> Vec<&str> {
        chart.buckets.iter().filter_map(|b| b.tick.as_deref()).collect()
    }

    use Kind::{DeadLettered, Delivered, Retried};

    #[test]
    fn attempts_are_counted_in_their_hour_and_their_day() {
        let clock = CocClock::new(chrono_tz::UTC);
        let now = utc(2026, 11, 23, 12, 30);
        let attempts = [
            attempt(utc(2026, 11, 23, 12, 10), Delivered),
            attempt(utc(2026, 11, 23, 11, 59), Retried),
            attempt(utc(2026, 11, 23, 11, 0), DeadLettered),
            attempt(utc(2026, 11, 23, 11, 0), Delivered),
            attempt(utc(2026, 11, 20, 8, 0), Retried),
        ];
        let charts = build(&attempts, &clock, now);

        let hours = &charts.hours;
        assert_eq!((hours.window, hours.buckets.len()), (Window::Hours, 24));
        assert_eq!(labels(hours).first(), Some(&"2026-11-22 13:00 UTC"));
        assert_eq!(labels(hours).last(), Some(&"2026-11-23 12:00 UTC"));
        assert_eq!(counts(hours, "2026-11-23 12:00 UTC"), (1, 0, 0));
        assert_eq!(counts(hours, "2026-11-23 11:00 UTC"), (1, 1, 1));
        assert_eq!(total(hours), 4);
        assert_eq!(ticks(hours), ["18:00", "00:00", "06:00", "12:00"]);
        assert_eq!(hours.summary(), "Last 24 hours: 2 delivered, 1 retried, 1 dead-lettered; no latency recorded");

        let days = &charts.days;
        assert_eq!((days.window, days.buckets.len()), (Window::Days, 30));
        assert_eq!((labels(days)[0], labels(days)[29]), ("2026-10-25", "2026-11-23"));
        assert_eq!(counts(days, "2026-11-23"), (2, 1, 1));
        assert_eq!(counts(days, "2026-11-20"), (0, 1, 0));
        assert_eq!(total(days), 5);
        assert_eq!(ticks(days), ["Oct 26", "Nov 2", "Nov 9", "Nov 16", "Nov 23"]);
        assert_eq!(days.summary(), "Last 30 days: 2 delivered, 2 retried, 1 dead-lettered; no latency recorded");
    }

    #[test]
    fn a_day_is_the_cocs_local_day() {
        let clock = CocClock::new(Chicago);
        // 21:30 on Dec 1 in Chicago, already Dec 2 in UTC.
        let now = utc(2026, 12, 2, 3, 30);
        let attempts = [
            attempt(utc(2026, 12, 1, 5, 59), Delivered), // 23:59 CST on Nov 30
            attempt(utc(2026, 12, 1, 6, 0), Delivered),  // local midnight
            attempt(utc(2026, 12, 2, 3, 10), Retried),   // 21:10 CST on Dec 1
        ];
        let charts = build(&attempts, &clock, now);
        assert_eq!(labels(&charts.days).last(), Some(&"2026-12-01"));
        assert_eq!(counts(&charts.days, "2026-11-30"), (1, 0, 0));
        assert_eq!(counts(&charts.days, "2026-12-01"), (1, 1, 0));
        assert_eq!(total(&charts.days), 3);

        let hours = &charts.hours;
        assert_eq!(labels(hours).first(), Some(&"2026-11-30 22:00 CST"));
        assert_eq!(labels(hours).last(), Some(&"2026-12-01 21:00 CST"));
        assert_eq!(counts(hours, "2026-11-30 23:00 CST"), (1, 0, 0));
        assert_eq!(counts(hours, "2026-12-01 00:00 CST"), (1, 0, 0));
        assert_eq!(counts(hours, "2026-12-01 21:00 CST"), (0, 1, 0));
        assert_eq!(bucket(hours, "2026-12-01 00:00 CST").tick.as_deref(), Some("00:00"));
    }

    #[test]
    fn the_day_clocks_fall_back_has_25_hours_and_the_day_they_spring_forward_23() {
        let clock = CocClock::new(Chicago);
        // Fall back on 2026-11-01: 00:00 CDT (05:00 UTC) to 00:00 CST on Nov 2 (06:00 UTC).
        let attempts = [
            attempt(utc(2026, 11, 1, 4, 59), Delivered),
            attempt(utc(2026, 11, 1, 5, 0), Delivered),
            attempt(utc(2026, 11, 2, 5, 59), Retried),
            attempt(utc(2026, 11, 2, 6, 0), DeadLettered),
        ];
        let days = build(&attempts, &clock, utc(2026, 11, 2, 18, 0)).days;
        assert_eq!(counts(&days, "2026-10-31"), (1, 0, 0));
        assert_eq!(counts(&days, "2026-11-01"), (1, 1, 0));
        assert_eq!(counts(&days, "2026-11-02"), (0, 0, 1));

        // Spring forward on 2026-03-08: 00:00 CST (06:00 UTC) to 00:00 CDT on Mar 9 (05:00 UTC).
        let attempts = [
            attempt(utc(2026, 3, 8, 5, 59), Delivered),
            attempt(utc(2026, 3, 8, 6, 0), Delivered),
            attempt(utc(2026, 3, 9, 4, 59), Retried),
            attempt(utc(2026, 3, 9, 5, 0), DeadLettered),
        ];
        let days = build(&attempts, &clock, utc(2026, 3, 9, 18, 0)).days;
        assert_eq!(counts(&days, "2026-03-07"), (1, 0, 0));
        assert_eq!(counts(&days, "2026-03-08"), (1, 1, 0));
        assert_eq!(counts(&days, "2026-03-09"), (0, 0, 1));
    }

    #[test]
    fn hours_are_elapsed_hours_across_a_clock_change() {
        let clock = CocClock::new(Chicago);
        // 01:00-02:00 happens twice on 2026-11-01: once in CDT, once in CST.
        let attempts = [attempt(utc(2026, 11, 1, 6, 30), Delivered), attempt(utc(2026, 11, 1, 7, 30), Retried)];
        let hours = build(&attempts, &clock, utc(2026, 11, 1, 12, 30)).hours;
        assert_eq!(hours.buckets.len(), 24);
        assert_eq!(labels(&hours).last(), Some(&"2026-11-01 06:00 CST"));
        assert_eq!(counts(&hours, "2026-11-01 01:00 CDT"), (1, 0, 0));
        assert_eq!(counts(&hours, "2026-11-01 01:00 CST"), (0, 1, 0));

        // 02:00-03:00 never happens on 2026-03-08.
        let hours = build(&[], &clock, utc(2026, 3, 8, 12, 30)).hours;
        let labels = labels(&hours);
        let at = labels.iter().position(|l| *l == "2026-03-08 01:00 CST").unwrap();
        assert_eq!(labels[at + 1], "2026-03-08 03:00 CDT");
        assert_eq!(labels.last(), Some(&"2026-03-08 07:00 CDT"));
    }

    #[test]
    fn attempts_outside_a_window_are_left_out_of_it() {
        let clock = CocClock::new(chrono_tz::UTC);
        let now = utc(2026, 11, 23, 12, 30);
        // The days start at 2026-10-25 00:00, the hours at 2026-11-22 13:00.
        assert_eq!(since(&clock, now), utc(2026, 10, 25, 0, 0));
        let attempts = [
            attempt(utc(2026, 10, 24, 23, 59), Delivered),  // before both
            attempt(utc(2026, 10, 25, 0, 0), Retried),      // the first day's first minute
            attempt(utc(2026, 11, 22, 12, 59), Retried),    // before the hours
            attempt(utc(2026, 11, 22, 13, 0), Delivered),   // the first hour
            attempt(utc(2026, 11, 23, 13, 0), Delivered),   // after the current hour, still today
            attempt(utc(2026, 11, 24, 0, 0), DeadLettered), // tomorrow
        ];
        let charts = build(&attempts, &clock, now);
        assert_eq!(total(&charts.hours), 1);
        assert_eq!(counts(&charts.hours, "2026-11-22 13:00 UTC"), (1, 0, 0));
        assert_eq!(total(&charts.days), 4);
        assert_eq!(counts(&charts.days, "2026-10-25"), (0, 1, 0));
        assert_eq!(counts(&charts.days, "2026-11-23"), (1, 0, 0));
        assert_eq!(charts.days.summary(), "Last 30 days: 2 delivered, 2 retried, 0 dead-lettered; no latency recorded");
    }

    #[test]
    fn latency_is_the_median_and_max_of_the_known_durations() {
        let clock = CocClock::new(chrono_tz::UTC);
        let now = utc(2026, 11, 23, 12, 30);
        let attempts = [
            timed(utc(2026, 11, 23, 12, 1), Delivered, 100),
            timed(utc(2026, 11, 23, 12, 2), Retried, 300),
            attempt(utc(2026, 11, 23, 12, 3), DeadLettered),
            timed(utc(2026, 11, 23, 12, 4), Delivered, 200),
            timed(utc(2026, 11, 23, 11, 1), Delivered, 100),
            timed(utc(2026, 11, 23, 11, 2), Delivered, 400),
            attempt(utc(2026, 11, 23, 10, 0), Retried),
            timed(utc(2026, 11, 23, 9, 0), Retried, -1), // not a duration
        ];
        let hours = build(&attempts, &clock, now).hours;
        let latency = |label: &str| bucket(&hours, label).latency;
        assert_eq!(latency("2026-11-23 12:00 UTC"), Some(Latency { median_ms: 200, max_ms: 300 }));
        // An even count: the middle two's mean.
        assert_eq!(latency("2026-11-23 11:00 UTC"), Some(Latency { median_ms: 250, max_ms: 400 }));
        assert_eq!(latency("2026-11-23 10:00 UTC"), None);
        assert_eq!(latency("2026-11-23 09:00 UTC"), None);
        // The window's median is over every duration, not over the buckets' medians.
        assert_eq!(hours.median_ms, Some(200));
        assert_eq!(hours.summary(), "Last 24 hours: 4 delivered, 3 retried, 1 dead-lettered; median latency 0.20 s");
        assert!(bucket(&hours, "2026-11-23 12:00 UTC").describe().ends_with("median 0.20 s, slowest 0.30 s"));
    }

    #[test]
    fn an_attempt_is_delivered_dead_lettered_or_retried() {
        use AuditOutcome::{Delivered as D, Permanent as P, Transient as T};
        assert_eq!(Kind::of(D, false), Kind::Delivered);
        assert_eq!(Kind::of(T, false), Kind::Retried);
        assert_eq!(Kind::of(T, true), Kind::DeadLettered);
        assert_eq!(Kind::of(P, true), Kind::DeadLettered);
        assert_eq!(Kind::of(P, false), Kind::Retried);
    }

    #[test]
    fn latency_reads_in_seconds() {
        for (ms, text) in
            [(420, "0.42 s"), (500, "0.50 s"), (1234, "1.23 s"), (1235, "1.24 s"), (65_000, "65.00 s"), (0, "0.00 s")]
        {
            assert_eq!(seconds(ms), text);
        }
        assert_eq!(seconds(3), "under 0.01 s");
    }

    #[test]
    fn a_window_without_attempts_says_so_instead_of_drawing() {
        let clock = CocClock::new(Chicago);
        let now = utc(2026, 11, 23, 12, 30);
        let charts = build(&[attempt(utc(2026, 11, 10, 12, 0), Delivered)], &clock, now);
        assert!(charts.hours.is_empty() && !charts.days.is_empty());
        let html = view! { <AttemptCharts charts=charts/> }.to_html();
        assert!(html.contains("No attempts in the last 24 hours."), "{html}");
        assert_eq!(html.matches("<svg").count(), 1, "{html}");
        assert!(html.contains(r#"role="img""#) && html.contains(r#"viewBox="0 0 320 152""#), "{html}");
        let summary = "Last 30 days: 1 delivered, 0 retried, 0 dead-lettered; no latency recorded";
        assert!(html.contains(&format!("<title>{summary}</title>")), "{html}");
        assert!(html.contains(&format!(r#"aria-label="{summary}""#)), "{html}");
        assert!(html.contains(r#"class="chart-legend""#), "{html}");
    }
}
