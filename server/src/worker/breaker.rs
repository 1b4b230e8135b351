//! A circuit breaker per vendor: after a run of failures, or too many failures among the recent
//! deliveries, stop calling the vendor for a cool-down, then let one probe through; a success
//! closes it, a failure opens it again. While it is open the worker snoozes the vendor's rows
//! without using an attempt, so an outage never dead-letters work (DESIGN.md 5).
use std::collections::VecDeque;

pub use app::outbox::state::Circuit as BreakerState;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Open after this many failures in a row.
    pub consecutive_failures: u32,
    /// Or when at least this share of the last `window` deliveries failed...
    pub failure_rate: f64,
    pub window: usize,
    /// ...once the window holds at least this many.
    pub min_samples: usize,
    /// How long it stays open before a probe.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            consecutive_failures: 5,
            failure_rate: 0.5,
            window: 20,
            min_samples: 10,
            cool_down: Duration::seconds(30),
        }
    }
}

#[derive(Debug)]
pub struct Breaker {
    settings: BreakerSettings,
    /// Most recent last; true = success.
    recent: VecDeque<bool>,
    consecutive_failures: u32,
    open_until: Option<DateTime<Utc>>,
    probe_in_flight: bool,
}

/// Whether a delivery may go to the vendor now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// Open (or a probe is already out): snooze the row until this time.
    SnoozeUntil(DateTime<Utc>),
}

impl Breaker {
    pub fn new(settings: BreakerSettings) -> Breaker {
        Breaker { settings, recent: VecDeque::new(), consecutive_failures: 0, open_until: None, probe_in_flight: false }
    }

    pub fn state(&self, now: DateTime<Utc>) -> BreakerState {
        BreakerState::at(self.open_until, now)
    }

    /// Until when it is open (None: closed); what the worker writes to the vendor's row.
    pub fn open_until(&self) -> Option<DateTime<Utc>> {
        self.open_until
    }

    /// Ask before each delivery. Half-open admits one probe at a time.
    pub fn admit(&mut self, now: DateTime<Utc>) -> Admission {
        match self.state(now) {
            BreakerState::Closed => Admission::Allowed,
            BreakerState::Open => Admission::SnoozeUntil(self.open_until.unwrap_or(now)),
            BreakerState::HalfOpen if self.probe_in_flight => Admission::SnoozeUntil(now + self.settings.cool_down),
            BreakerState::HalfOpen => {
                self.probe_in_flight = true;
                Admission::Allowed
            }
        }
    }

    /// Record the outcome of an admitted delivery. Only failures that say something about the
    /// vendor count (timeouts, connection errors, 5xx, 429), not a payload it rejected.
    pub fn record(&mut self, success: bool, now: DateTime<Utc>) {
        self.recent.push_back(success);
        while self.recent.len() > self.settings.window {
            self.recent.pop_front();
        }
        let was_probe = std::mem::take(&mut self.probe_in_flight);
        if success {
            self.consecutive_failures = 0;
            if self.open_until.is_some() {
                // The probe got through: close and forget the failures that opened it.
                self.open_until = None;
                self.recent.clear();
            }
            return;
        }
        self.consecutive_failures += 1;
        let failures = self.recent.iter().filter(|ok| !**ok).count();
        let rate_tripped = self.recent.len() >= self.settings.min_samples
            && failures as f64 >= self.settings.failure_rate * self.recent.len() as f64;
        if was_probe || self.consecutive_failures >= self.settings.consecutive_failures || rate_tripped {
            self.open_until = Some(now + self.settings.cool_down);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap()
    }

    #[test]
    fn five_failures_in_a_row_open_it_for_the_cool_down() {
        let mut b = Breaker::new(BreakerSettings::default());
        for _ in 0..4 {
            assert_eq!(b.admit(t0()), Admission::Allowed);
            b.record(false, t0());
        }
        assert_eq!(b.state(t0()), BreakerState::Closed);
        b.record(false, t0());
        assert_eq!(b.state(t0()), BreakerState::Open);
        assert_eq!(b.admit(t0() + Duration::seconds(10)), Admission::SnoozeUntil(t0() + Duration::seconds(30)));
    }

    #[test]
    fn half_open_lets_one_probe_through_and_its_outcome_decides() {
        let mut b = Breaker::new(BreakerSettings::default());
        for _ in 0..5 {
            b.record(false, t0());
        }
        let later = t0() + Duration::seconds(30);
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        assert_eq!(b.admit(later), Admission::Allowed);
        assert!(matches!(b.admit(later), Admission::SnoozeUntil(_)), "only one probe at a time");
        b.record(false, later);
        assert_eq!(b.state(later), BreakerState::Open, "a failed probe opens it again");
        let again = later + Duration::seconds(30);
        assert_eq!(b.admit(again), Admission::Allowed);
        b.record(true, again);
        assert_eq!(b.state(again), BreakerState::Closed);
        assert_eq!(b.admit(again), Admission::Allowed);
        b.record(false, again);
        assert_eq!(b.state(again), BreakerState::Closed, "the failures before the probe are forgotten");
    }

    #[test]
    fn a_high_failure_rate_opens_it_without_a_run_of_failures() {
        let mut b = Breaker::new(BreakerSettings::default());
        for i in 0..9 {
            b.record(i % 2 == 0, t0());
        }
        assert_eq!(b.state(t0()), BreakerState::Closed, "too few samples yet");
        b.record(false, t0());
        assert_eq!(b.state(t0()), BreakerState::Open, "5 of 10 failed");
    }
}
