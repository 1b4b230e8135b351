//! Password-guess throttling, stored in the database so every replica agrees.
//!
//! One password check (a sign-in, or the current password at a password change) is counted under
//! three keys: the (account, client) pair, the client alone, and the account across all clients.
//! Failures at one client never lock the account's owner out at another: only the pair is delayed.
//! The account-wide ceiling bounds guessing spread over many clients; once reached, it refuses
//! clients the account has not signed in from before, and still lets in those it has (`known`).
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::entities::login_throttle as row;
use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The failure within `window` that locks the key.
    pub max_failures: i32,
    /// A count restarts with the first failure after its window is over (and the key unlocked).
    pub window: Duration,
    /// How long the locking failure locks the key; each failure after it doubles that.
    pub lockout: Duration,
    pub max_lockout: Duration,
}

impl Policy {
    /// The lockout set by failure number `failures` of a window.
    pub fn lockout_after(&self, failures: i32) -> Duration {
        let doublings = (failures - self.max_failures).clamp(0, 16);
        (self.lockout * (1 << doublings)).min(self.max_lockout)
    }
}

/// One account at one client: after 5 failures within an hour, 1, 2, 4, 8, then 15 minutes
/// between guesses.
pub const PAIR: Policy = Policy {
    max_failures: 5,
    window: Duration::hours(1),
    lockout: Duration::minutes(1),
    max_lockout: Duration::minutes(15),
};
/// Twenty failures from one client within 15 minutes lock that client out for 15 minutes.
pub const CLIENT: Policy = Policy {
    max_failures: 20,
    window: Duration::minutes(15),
    lockout: Duration::minutes(15),
    max_lockout: Duration::minutes(15),
};
/// A hundred failures for one account within an hour, from any clients, close it for 15 minutes
/// to every client it has not signed in from before.
pub const ACCOUNT: Policy = Policy {
    max_failures: 100,
    window: Duration::hours(1),
    lockout: Duration::minutes(15),
    max_lockout: Duration::minutes(15),
};
/// How long a client the account signed in from stays known (from its last sign-in there).
pub const KNOWN_FOR: Duration = Duration::days(30);

/// The client part of the keys: an IPv4 address, or the /64 network of an IPv6 address (one
/// subscriber usually holds a whole /64). IPv4-mapped IPv6 counts as IPv4; a port is dropped.
pub fn client_address(raw: &str) -> String {
    let raw = raw.trim();
    let ip = raw.parse::<IpAddr>().ok().or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()));
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{}/64", Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        },
        // Not an address (a misconfigured proxy): keep it, bounded and without the key separator.
        None => {
            let kept: String =
                raw.chars().filter(|c| c.is_ascii_alphanumeric() || ".:-_[]".contains(*c)).take(64).collect();
            if kept.is_empty() { "unknown".into() } else { kept }
        }
    }
}

/// The throttle keys of one password check for `email` (trimmed, lower-cased, at most 320
/// characters) from the client at `client_ip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub pair: String,
    pub client: String,
    pub account: String,
    /// Present once the account signed in from this client (`succeeded`).
    pub known: String,
}

impl Keys {
    pub fn new(email: &str, client_ip: &str) -> Keys {
        let client = client_address(client_ip);
        Keys {
            pair: format!("pair:{client}|{email}"),
            client: format!("client:{client}"),
            account: format!("account:{email}"),
            known: format!("known:{client}|{email}"),
        }
    }

    /// The counted keys in the order they are locked (the same in every attempt, so concurrent
    /// attempts that share the client or the account cannot deadlock).
    fn counted(&self) -> [(&str, Policy); 3] {
        [(&self.pair, PAIR), (&self.client, CLIENT), (&self.account, ACCOUNT)]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub failures: i32,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Whole minutes (rounded up) until `state` unlocks, if it is locked at `now`.
pub fn locked_minutes(state: &State, now: DateTime<Utc>) -> Option<i64> {
    let until = state.locked_until.filter(|until| *until > now)?;
    let seconds = (until - now).num_seconds();
    Some(((seconds + 59) / 60).max(1))
}

/// The state after one more failure at `now`. A lock is never shortened.
pub fn after_failure(prev: Option<&State>, policy: Policy, now: DateTime<Utc>) -> State {
    let counting = |p: &State| now - p.window_started_at < policy.window || locked_minutes(p, now).is_some();
    let (failures, window_started_at) = match prev {
        Some(p) if counting(p) => (p.failures + 1, p.window_started_at),
        _ => (1, now),
    };
    let lock = (failures >= policy.max_failures).then(|| now + policy.lockout_after(failures));
    let held = prev.and_then(|p| p.locked_until).filter(|until| *until > now);
    State { failures, window_started_at, locked_until: lock.max(held) }
}

/// Minutes until an attempt may be made, if it is refused now: the longest lock among the pair,
/// the client and (unless the pair is known) the account.
pub fn refusal(
    pair: Option<&State>,
    client: Option<&State>,
    account: Option<&State>,
    known_pair: bool,
    now: DateTime<Utc>,
) -> Option<i64> {
    let account = account.filter(|_| !known_pair);
    [pair, client, account].into_iter().flatten().filter_map(|s| locked_minutes(s, now)).max()
}

/// The counter of `key`, locked for update (PostgreSQL; SQLite's write transaction serialises).
async fn load(db: &impl ConnectionTrait, key: &str) -> Result<Option<State>, AppError> {
    use sea_orm::QuerySelect;
    Ok(row::Entity::find_by_id(key.to_string()).lock_exclusive().one(db).await?.map(|r| State {
        failures: r.failures,
        window_started_at: r.window_started_at,
        locked_until: r.locked_until,
    }))
}

async fn is_known(db: &impl ConnectionTrait, keys: &Keys, now: DateTime<Utc>) -> Result<bool, AppError> {
    let known = row::Entity::find_by_id(keys.known.clone()).one(db).await?;
    Ok(known.is_some_and(|r| now - r.window_started_at < KNOWN_FOR))
}

/// Start a password check: refuse it while a key that applies is locked, otherwise count it as a
/// failure under every key *before* the password is checked, in one write transaction, so
/// parallel attempts cannot all slip under the limit. A success gives the count back (`succeeded`).
pub async fn begin_attempt(db: &sea_orm::DatabaseConnection, keys: &Keys, now: DateTime<Utc>) -> Result<(), AppError> {
    let txn = crate::ssr::begin_write(db).await?;
    let mut states = Vec::with_capacity(3);
    for (key, _) in keys.counted() {
        // Make sure the row exists, so the locking read below serialises concurrent attempts
        // even for a key never seen before (PostgreSQL cannot lock a row that is not there).
        row::Entity::insert(row::ActiveModel {
            key: Set(key.to_string()),
            failures: Set(0),
            window_started_at: Set(now),
            locked_until: Set(None),
        })
        .on_conflict_do_nothing_on([row::Column::Key])
        .exec(&txn)
        .await?;
        states.push(load(&txn, key).await?);
    }
    let known = is_known(&txn, keys, now).await?;
    if let Some(minutes) = refusal(states[0].as_ref(), states[1].as_ref(), states[2].as_ref(), known, now) {
        txn.rollback().await?;
        return Err(AppError::Throttled { minutes });
    }
    for ((key, policy), prev) in keys.counted().into_iter().zip(&states) {
        save(&txn, key, &after_failure(prev.as_ref(), policy, now)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The password was right: forget the pair's failures, give the client and the account their
/// attempt back (an ongoing lock stays), and remember the client as known to the account.
pub async fn succeeded(db: &sea_orm::DatabaseConnection, keys: &Keys, now: DateTime<Utc>) -> Result<(), AppError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ColumnTrait, QueryFilter};
    let txn = crate::ssr::begin_write(db).await?;
    clear(&txn, &keys.pair).await?;
    // A shared desk is not locked out by its own sign-ins.
    row::Entity::update_many()
        .col_expr(row::Column::Failures, Expr::col(row::Column::Failures).sub(1))
        .col_expr(row::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(row::Column::Key.eq(keys.client.as_str()))
        .filter(row::Column::Failures.gt(0))
        .exec(&txn)
        .await?;
    row::Entity::update_many()
        .col_expr(row::Column::Failures, Expr::col(row::Column::Failures).sub(1))
        .filter(row::Column::Key.eq(keys.account.as_str()))
        .filter(row::Column::Failures.gt(0))
        .exec(&txn)
        .await?;
    save(&txn, &keys.known, &State { failures: 0, window_started_at: now, locked_until: None }).await?;
    txn.commit().await?;
    Ok(())
}

async fn save(db: &impl ConnectionTrait, key: &str, state: &State) -> Result<(), AppError> {
    row::Entity::insert(row::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(state.failures),
        window_started_at: Set(state.window_started_at),
        locked_until: Set(state.locked_until),
    })
    .on_conflict(
        OnConflict::column(row::Column::Key)
            .update_columns([row::Column::Failures, row::Column::WindowStartedAt, row::Column::LockedUntil])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Forget counters whose window and lockout are long over, and clients not signed in from for
/// `KNOWN_FOR`, so the table stays small.
pub async fn sweep(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, AppError> {
    use sea_orm::sea_query::{Condition, ExprTrait};
    use sea_orm::{ColumnTrait, QueryFilter};
    let horizon = now - Duration::days(1);
    let counters = Condition::all()
        .add(row::Column::Key.starts_with("known:").not())
        .add(row::Column::WindowStartedAt.lt(horizon))
        .add(row::Column::LockedUntil.is_null().or(row::Column::LockedUntil.lt(horizon)));
    let known = Condition::all()
        .add(row::Column::Key.starts_with("known:"))
        .add(row::Column::WindowStartedAt.lt(now - KNOWN_FOR));
    let result = row::Entity::delete_many().filter(Condition::any().add(counters).add(known)).exec(db).await?;
    Ok(result.rows_affected)
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), AppError> {
    row::Entity::delete_by_id(key.to_string()).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    /// The state after `n` failures at `t(0)`.
    fn failures(policy: Policy, n: i32) -> Option<State> {
        (0..n).fold(None, |state, _| Some(after_failure(state.as_ref(), policy, t(0))))
    }

    #[test]
    fn the_fifth_failure_of_a_pair_delays_the_next_guess_by_a_minute() {
        for n in 1..5 {
            assert_eq!(locked_minutes(&failures(PAIR, n).unwrap(), t(0)), None, "after {n}");
        }
        let fifth = failures(PAIR, 5).unwrap();
        assert_eq!(locked_minutes(&fifth, t(0)), Some(1));
        assert_eq!(locked_minutes(&fifth, t(1)), None);
    }

    #[test]
    fn each_further_failure_doubles_the_delay_up_to_fifteen_minutes() {
        let mut state = failures(PAIR, 5).unwrap();
        let mut delays = Vec::new();
        for _ in 0..6 {
            // The next guess comes as soon as the lock is over.
            let now = state.locked_until.unwrap();
            assert_eq!(locked_minutes(&state, now), None);
            state = after_failure(Some(&state), PAIR, now);
            delays.push(locked_minutes(&state, now).unwrap());
        }
        assert_eq!(delays, [2, 4, 8, 15, 15, 15]);
        assert_eq!(state.failures, 11);
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let first = after_failure(None, CLIENT, t(0));
        let later = after_failure(Some(&first), CLIENT, t(16));
        assert_eq!(later.failures, 1);
        assert_eq!(later.window_started_at, t(16));
        let pair = failures(PAIR, 5).unwrap();
        let next_hour = after_failure(Some(&pair), PAIR, t(61));
        assert_eq!((next_hour.failures, next_hour.locked_until), (1, None));
    }

    #[test]
    fn the_twentieth_failure_from_a_client_locks_it_for_fifteen_minutes() {
        assert_eq!(locked_minutes(&failures(CLIENT, 19).unwrap(), t(0)), None);
        let locked = failures(CLIENT, 20).unwrap();
        assert_eq!(locked_minutes(&locked, t(0)), Some(15));
        assert_eq!(locked_minutes(&locked, t(14)), Some(1));
        assert_eq!(locked_minutes(&locked, t(15)), None);
    }

    #[test]
    fn a_failure_counted_while_locked_keeps_counting_and_never_shortens_the_lock() {
        // The account ceiling goes on counting the failures of known clients.
        let locked = State { failures: 100, window_started_at: t(0), locked_until: Some(t(70)) };
        let next = after_failure(Some(&locked), ACCOUNT, t(65));
        assert_eq!(next.failures, 101);
        assert_eq!(next.window_started_at, t(0));
        assert_eq!(next.locked_until, Some(t(80)));
        let long = State { locked_until: Some(t(200)), ..locked };
        assert_eq!(after_failure(Some(&long), ACCOUNT, t(65)).locked_until, Some(t(200)));
    }

    #[test]
    fn a_locked_pair_does_not_refuse_the_same_account_at_another_client() {
        let (pair, client, account) = (failures(PAIR, 5), failures(CLIENT, 5), failures(ACCOUNT, 5));
        assert_eq!(refusal(pair.as_ref(), client.as_ref(), account.as_ref(), false, t(0)), Some(1));
        // Another client has its own pair and client counters; the account counted the same five.
        let (here, there) = (Keys::new("ana@example.org", "192.0.2.1"), Keys::new("ana@example.org", "192.0.2.2"));
        assert_ne!((&here.pair, &here.client), (&there.pair, &there.client));
        assert_eq!(here.account, there.account);
        assert_eq!(refusal(None, None, account.as_ref(), false, t(0)), None);
    }

    #[test]
    fn the_account_ceiling_refuses_only_clients_the_account_has_not_signed_in_from() {
        assert_eq!(locked_minutes(&failures(ACCOUNT, 99).unwrap(), t(0)), None);
        let ceiling = failures(ACCOUNT, 100).unwrap();
        assert_eq!(refusal(None, None, Some(&ceiling), false, t(0)), Some(15));
        assert_eq!(refusal(None, None, Some(&ceiling), true, t(0)), None);
        // A known client is still bound by its own pair.
        let pair = failures(PAIR, 5).unwrap();
        assert_eq!(refusal(Some(&pair), None, Some(&ceiling), true, t(0)), Some(1));
    }

    #[test]
    fn a_refusal_names_the_longest_lock_that_applies() {
        let client = failures(CLIENT, 20);
        let pair = Some(State { failures: 6, window_started_at: t(0), locked_until: Some(t(2)) });
        assert_eq!(refusal(pair.as_ref(), client.as_ref(), None, false, t(0)), Some(15));
    }

    #[test]
    fn clients_are_keyed_by_ipv4_address_or_ipv6_slash_64() {
        assert_eq!(client_address("192.0.2.7"), "192.0.2.7");
        assert_eq!(client_address(" 192.0.2.7 "), "192.0.2.7");
        assert_eq!(client_address("192.0.2.7:51234"), "192.0.2.7");
        assert_eq!(client_address("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(client_address("2001:db8:1:2::a"), "2001:db8:1:2::/64");
        assert_eq!(client_address("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_eq!(client_address("[2001:db8:1:2::a]:443"), "2001:db8:1:2::/64");
        assert_eq!(client_address("2001:DB8:1:2::A"), "2001:db8:1:2::/64");
        assert_ne!(client_address("2001:db8:1:3::a"), client_address("2001:db8:1:2::a"));
        assert_eq!(client_address("::1"), "::/64");
        assert_eq!(client_address("unknown"), "unknown");
        assert_eq!(client_address("a|b <c>"), "abc");
        assert_eq!(client_address(""), "unknown");
        assert_eq!(client_address(&"9".repeat(100)).len(), 64);
    }

    #[test]
    fn keys_share_the_client_part_and_fit_the_column() {
        let keys = Keys::new("ana@example.org", "2001:db8:1:2::a");
        assert_eq!(keys.pair, "pair:2001:db8:1:2::/64|ana@example.org");
        assert_eq!(keys.client, "client:2001:db8:1:2::/64");
        assert_eq!(keys.account, "account:ana@example.org");
        assert_eq!(keys.known, "known:2001:db8:1:2::/64|ana@example.org");
        let longest = Keys::new(&"a".repeat(320), &"9".repeat(100));
        for key in [longest.pair, longest.client, longest.account, longest.known] {
            assert!(key.chars().count() <= 400, "{}", key.len());
        }
    }
}
