//! The outbox row's life (River's job lifecycle, DESIGN.md 5), as pure decisions the worker's
//! database writes follow:
//!
//! ```text
//! available -> running -> completed
//!              running -> retryable -> running        (transient failure, attempts left)
//!              running -> discarded                   (permanent failure, or attempts used up)
//!              running -> available                   (snoozed: circuit open; no attempt used)
//! available | retryable -> cancelled                  (an admin, or superseded by a newer push)
//! discarded -> available                              (an admin's retry: one more attempt)
//! ```
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

stored_enum! {
    /// Stored in `outbox.state` by name (a CHECK constraint lists them).
    pub enum State {
        Available = "available",
        Running = "running",
        Retryable = "retryable",
        Completed = "completed",
        Discarded = "discarded",
        Cancelled = "cancelled",
    }
}

impl State {
    /// Terminal states carry `finalized_at` (a CHECK constraint holds the database to it).
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Completed | State::Discarded | State::Cancelled)
    }

    /// Waiting to be claimed.
    pub fn is_waiting(self) -> bool {
        matches!(self, State::Available | State::Retryable)
    }
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth trying again: timeout, connection error, 5xx, 408, 429.
    Transient {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Will fail the same way again: other 4xx, bad credentials, payload rejected.
    Permanent {
        error: String,
    },
}

stored_enum! {
    /// What the push audit records of an attempt (`push_audit.outcome`, by name).
    pub enum AuditOutcome {
        Delivered = "delivered",
        Transient = "transient",
        Permanent = "permanent",
    }
}

impl Outcome {
    /// What the push audit records of it.
    pub fn kind(&self) -> AuditOutcome {
        match self {
            Outcome::Delivered => AuditOutcome::Delivered,
            Outcome::Transient { .. } => AuditOutcome::Transient,
            Outcome::Permanent { .. } => AuditOutcome::Permanent,
        }
    }

    /// What went wrong, or "" for a delivery.
    pub fn error(&self) -> &str {
        match self {
            Outcome::Delivered => "",
            Outcome::Transient { error, .. } | Outcome::Permanent { error } => error,
        }
    }
}

/// A vendor's circuit breaker (DESIGN.md 5), from the time it stays open until: closed without
/// one, open before it, half-open (one probe may go) after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Circuit {
    Closed,
    Open,
    HalfOpen,
}

impl Circuit {
    pub fn at(open_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Circuit {
        match open_until {
            None => Circuit::Closed,
            Some(until) if now < until => Circuit::Open,
            Some(_) => Circuit::HalfOpen,
        }
    }

    pub const ALL: [Circuit; 3] = [Circuit::Closed, Circuit::Open, Circuit::HalfOpen];

    /// The word the metrics' `state` label carries.
    pub fn as_str(self) -> &'static str {
        match self {
            Circuit::Closed => "closed",
            Circuit::Open => "open",
            Circuit::HalfOpen => "half_open",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Circuit::Closed => "Closed",
            Circuit::Open => "Open: pushes paused",
            Circuit::HalfOpen => "Half-open: probing",
        }
    }
}

/// One entry of a row's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptError {
    pub at: DateTime<Utc>,
    pub attempt: i32,
    pub error: String,
}

/// A row's `errors`: every failed attempt, oldest first, stored as a JSON list in a text column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
#[serde(transparent)]
pub struct AttemptErrors(pub Vec<AttemptError>);

impl AttemptErrors {
    /// The list with `entry` added at the end.
    pub fn with(&self, entry: AttemptError) -> AttemptErrors {
        let mut list = self.0.clone();
        list.push(entry);
        AttemptErrors(list)
    }
}

impl std::str::FromStr for AttemptErrors {
    type Err = serde_json::Error;

    fn from_str(stored: &str) -> Result<Self, Self::Err> {
        serde_json::from_str(stored)
    }
}

impl std::fmt::Display for AttemptErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Serializing a list of plain structs cannot fail.
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

/// Where a running row goes after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub state: State,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub error: Option<AttemptError>,
}

/// Decide the next state of a row whose `attempt`-th attempt (1-based) of `max_attempts` ended
/// with `outcome` at `now`. `delay` gives the backoff for a transient failure.
pub fn after_attempt(
    attempt: i32,
    max_attempts: i32,
    outcome: Outcome,
    now: DateTime<Utc>,
    delay: impl FnOnce(i32, Option<Duration>) -> Duration,
) -> Next {
    let error = |error: String| Some(AttemptError { at: now, attempt, error });
    match outcome {
        Outcome::Delivered => {
            Next { state: State::Completed, scheduled_at: None, finalized_at: Some(now), error: None }
        }
        Outcome::Permanent { error: e } => {
            Next { state: State::Discarded, scheduled_at: None, finalized_at: Some(now), error: error(e) }
        }
        Outcome::Transient { error: e, .. } if attempt >= max_attempts => Next {
            state: State::Discarded,
            scheduled_at: None,
            finalized_at: Some(now),
            error: error(format!("{e} (gave up after {attempt} attempts)")),
        },
        Outcome::Transient { error: e, retry_after } => {
            let wait = chrono::Duration::from_std(delay(attempt, retry_after)).unwrap_or(chrono::Duration::MAX);
            Next { state: State::Retryable, scheduled_at: Some(now + wait), finalized_at: None, error: error(e) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[cfg(feature = "ssr")]
    #[test]
    fn the_partial_index_predicates_name_their_states_and_outcomes() {
        use crate::outbox::ssr::{QUEUE, QUEUE_STATES, WAITING, states_sql};
        let waiting: Vec<State> = State::ALL.iter().copied().filter(|s| s.is_waiting()).collect();
        assert_eq!(states_sql(&waiting), WAITING);
        assert_eq!(states_sql(&QUEUE_STATES), QUEUE);
        assert!(
            QUEUE_STATES.iter().all(|s| !s.is_terminal() || *s == State::Discarded),
            "finished rows stay out of the queue index"
        );
        assert_eq!(crate::outbox::ssr::FAILED, format!("outcome <> '{}'", AuditOutcome::Delivered.as_str()));
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap()
    }

    fn transient() -> Outcome {
        Outcome::Transient { error: "HTTP 503".into(), retry_after: None }
    }

    #[test]
    fn states_round_trip_and_only_the_last_three_are_terminal() {
        for &s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        let terminal: Vec<_> = State::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [State::Completed, State::Discarded, State::Cancelled]);
        assert_eq!(State::parse("done"), None);
    }

    #[test]
    fn success_completes_and_a_permanent_error_discards_at_once() {
        let done = after_attempt(1, 3, Outcome::Delivered, now(), |_, _| Duration::ZERO);
        assert_eq!((done.state, done.finalized_at, done.error), (State::Completed, Some(now()), None));
        let rejected =
            after_attempt(1, 3, Outcome::Permanent { error: "HTTP 400: bad CoCCode".into() }, now(), |_, _| {
                Duration::ZERO
            });
        assert_eq!(rejected.state, State::Discarded);
        assert_eq!(rejected.error.map(|e| (e.attempt, e.error)), Some((1, "HTTP 400: bad CoCCode".into())));
    }

    #[test]
    fn transient_failures_retry_with_the_given_delay_until_attempts_run_out() {
        let first = after_attempt(1, 3, transient(), now(), |n, _| Duration::from_secs(30 * n as u64));
        assert_eq!((first.state, first.scheduled_at), (State::Retryable, Some(now() + chrono::Duration::seconds(30))));
        assert!(first.finalized_at.is_none());
        let second = after_attempt(2, 3, transient(), now(), |n, _| Duration::from_secs(30 * n as u64));
        assert_eq!(second.scheduled_at, Some(now() + chrono::Duration::seconds(60)));
        let last = after_attempt(3, 3, transient(), now(), |_, _| Duration::ZERO);
        assert_eq!((last.state, last.finalized_at), (State::Discarded, Some(now())));
        assert!(last.error.unwrap().error.contains("gave up after 3 attempts"));
    }

    #[test]
    fn the_circuit_is_open_until_the_cool_down_ends() {
        let until = now() + chrono::Duration::seconds(30);
        assert_eq!(Circuit::at(None, now()), Circuit::Closed);
        assert_eq!(Circuit::at(Some(until), now()), Circuit::Open);
        assert_eq!(Circuit::at(Some(until), until), Circuit::HalfOpen);
    }

    #[test]
    fn retry_after_reaches_the_delay() {
        let asked = Some(Duration::from_secs(120));
        let next =
            after_attempt(1, 3, Outcome::Transient { error: "HTTP 429".into(), retry_after: asked }, now(), |_, r| {
                r.unwrap_or_default()
            });
        assert_eq!(next.scheduled_at, Some(now() + chrono::Duration::seconds(120)));
    }
}
