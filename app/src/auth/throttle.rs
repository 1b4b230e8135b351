//! Login throttling per account and per client, stored in the database so every replica agrees.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::entities::login_throttle as row;
use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

/// Five wrong passwords for one account within 15 minutes lock it for 15 minutes.
pub const ACCOUNT: Policy =
    Policy { max_failures: 5, window: Duration::minutes(15), lockout: Duration::minutes(15) };
/// Twenty failures from one client within 15 minutes lock that client out for 15 minutes.
pub const CLIENT: Policy =
    Policy { max_failures: 20, window: Duration::minutes(15), lockout: Duration::minutes(15) };

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

pub fn client_key(ip: &str) -> String {
    format!("client:{ip}")
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

/// The state after one more failure at `now`.
pub fn after_failure(prev: Option<&State>, policy: Policy, now: DateTime<Utc>) -> State {
    let (failures, window_started_at) = match prev {
        Some(p) if now - p.window_started_at < policy.window && locked_minutes(p, now).is_none() => {
            (p.failures + 1, p.window_started_at)
        }
        _ => (1, now),
    };
    let locked_until = (failures >= policy.max_failures).then(|| now + policy.lockout);
    State { failures, window_started_at, locked_until }
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

/// Start a sign-in attempt: refuse it when any key is locked, otherwise count it as a failure
/// for every key *before* the password is checked, in one write transaction, so parallel
/// attempts cannot all slip under the limit. A success gives the count back (`succeeded`).
pub async fn begin_attempt(
    db: &sea_orm::DatabaseConnection,
    keys: &[(&str, Policy)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = crate::ssr::begin_write(db).await?;
    for (key, _) in keys {
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
        if let Some(minutes) = load(&txn, key).await?.and_then(|s| locked_minutes(&s, now)) {
            txn.rollback().await?;
            return Err(AppError::Throttled { minutes });
        }
    }
    for (key, policy) in keys {
        record_failure(&txn, key, *policy, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A successful sign-in: forget the account's failures and give back the client's attempt.
pub async fn succeeded(db: &impl ConnectionTrait, account_key: &str, client_key: &str) -> Result<(), AppError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ColumnTrait, QueryFilter};
    clear(db, account_key).await?;
    row::Entity::update_many()
        .col_expr(row::Column::Failures, Expr::col(row::Column::Failures).sub(1))
        .col_expr(row::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(row::Column::Key.eq(client_key))
        .filter(row::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let next = after_failure(load(db, key).await?.as_ref(), policy, now);
    row::Entity::insert(row::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(next.failures),
        window_started_at: Set(next.window_started_at),
        locked_until: Set(next.locked_until),
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

/// Forget counters whose window and lockout are long over, so the table stays small.
pub async fn sweep(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, AppError> {
    use sea_orm::sea_query::ExprTrait;
    use sea_orm::{ColumnTrait, QueryFilter};
    let horizon = now - Duration::days(1);
    let result = row::Entity::delete_many()
        .filter(row::Column::WindowStartedAt.lt(horizon))
        .filter(row::Column::LockedUntil.is_null().or(row::Column::LockedUntil.lt(horizon)))
        .exec(db)
        .await?;
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

    #[test]
    fn the_fifth_failure_in_the_window_locks_for_fifteen_minutes() {
        let mut state = None;
        for i in 0..4 {
            state = Some(after_failure(state.as_ref(), ACCOUNT, t(i)));
            assert_eq!(locked_minutes(state.as_ref().unwrap(), t(i)), None);
        }
        let locked = after_failure(state.as_ref(), ACCOUNT, t(4));
        assert_eq!(locked_minutes(&locked, t(4)), Some(15));
        assert_eq!(locked_minutes(&locked, t(18)), Some(1));
        assert_eq!(locked_minutes(&locked, t(19)), None);
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let first = after_failure(None, ACCOUNT, t(0));
        let later = after_failure(Some(&first), ACCOUNT, t(16));
        assert_eq!(later.failures, 1);
        assert_eq!(later.window_started_at, t(16));
    }

    #[test]
    fn a_failure_after_the_lockout_starts_over() {
        let mut state = None;
        for i in 0..5 {
            state = Some(after_failure(state.as_ref(), ACCOUNT, t(i)));
        }
        let after = after_failure(state.as_ref(), ACCOUNT, t(4) + Duration::minutes(15));
        assert_eq!(after.failures, 1);
        assert_eq!(after.locked_until, None);
    }
}
