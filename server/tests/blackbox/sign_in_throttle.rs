//! Password-guess throttling (docs/auth.md, Throttling), on SQLite and PostgreSQL: per account and
//! client with a growing delay, per client, and an account-wide ceiling that known clients pass.
//! Each client names its address with `X-Forwarded-For` (the tests trust it).
use crate::common::*;
use app::entities::login_throttle;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

const GUESS: &str = "wrong-password-123";

fn client_at(app: &TestApp, address: &str) -> Client {
    let mut client = app.client();
    client.forwarded_for = address.to_string();
    client
}

fn throttled(minutes: i64) -> serde_json::Value {
    json!({"Throttled": {"minutes": minutes}})
}

/// End every lock now, as if its time had passed (tests do not sleep).
async fn let_the_locks_run_out(app: &TestApp) {
    login_throttle::Entity::update_many()
        .col_expr(login_throttle::Column::LockedUntil, Expr::value(Utc::now() - Duration::seconds(1)))
        .filter(login_throttle::Column::LockedUntil.is_not_null())
        .exec(&app.db().await)
        .await
        .unwrap();
}

async fn guesses_at_one_client_do_not_lock_the_owner_out_at_another(app: TestApp) {
    let guesser = client_at(&app, "192.0.2.10");
    for i in 0..5 {
        let res = guesser.login(COORDINATOR.0, GUESS).await;
        assert_eq!(res.status, 422, "guess {i}: {}", res.body);
    }
    // The guessing client waits now: even the right password is refused there, unchecked.
    let refused = guesser.login(COORDINATOR.0, COORDINATOR.1).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.json(), throttled(1));
    // Without JavaScript the message is shown on the sign-in page.
    let form = [("email", COORDINATOR.0), ("password", COORDINATOR.1)];
    assert_eq!(guesser.submit("login", &form, "/login").await.status, 302);
    let page = guesser.page("/login").await;
    assert!(page.body.contains("Too many sign-in attempts. Try again in 1 minute."), "{}", page.body);

    // The owner at another client signs in with the right password at once.
    let owner = client_at(&app, "198.51.100.7");
    assert_eq!(owner.login(COORDINATOR.0, COORDINATOR.1).await.status, 200);
    // Other accounts at the guessing client are unaffected.
    assert_eq!(guesser.login(ADMIN.0, ADMIN.1).await.status, 200);
}
both_backends!(guesses_at_one_client_do_not_lock_the_owner_out_at_another);

async fn the_delay_grows_with_each_further_wrong_guess(app: TestApp) {
    let guesser = client_at(&app, "192.0.2.11");
    for _ in 0..5 {
        assert_eq!(guesser.login(COORDINATOR.0, GUESS).await.status, 422);
    }
    for minutes in [1, 2, 4, 8, 15, 15] {
        let refused = guesser.login(COORDINATOR.0, GUESS).await;
        assert_eq!(refused.json(), throttled(minutes), "{}", refused.body);
        let_the_locks_run_out(&app).await;
        assert_eq!(guesser.login(COORDINATOR.0, GUESS).await.status, 422, "the guess after {minutes} minutes");
    }
    // The right password, once the wait is over, clears the pair: five fresh tries.
    let_the_locks_run_out(&app).await;
    assert_eq!(guesser.login(COORDINATOR.0, COORDINATOR.1).await.status, 200);
    for _ in 0..5 {
        assert_eq!(guesser.login(COORDINATOR.0, GUESS).await.status, 422);
    }
    assert_eq!(guesser.login(COORDINATOR.0, GUESS).await.json(), throttled(1));
}
both_backends!(the_delay_grows_with_each_further_wrong_guess);

async fn an_ipv6_client_is_one_slash_64(app: TestApp) {
    let guesser = client_at(&app, "2001:db8:5:6::1");
    for _ in 0..5 {
        assert_eq!(guesser.login(COORDINATOR.0, GUESS).await.status, 422);
    }
    // Another address in the same /64 is the same client; the next /64 is not.
    let same = client_at(&app, "2001:db8:5:6:abcd:ef01:2345:6789").login(COORDINATOR.0, COORDINATOR.1).await;
    assert_eq!(same.json(), throttled(1));
    assert_eq!(client_at(&app, "2001:db8:5:7::1").login(COORDINATOR.0, COORDINATOR.1).await.status, 200);

    // An IPv4-mapped IPv6 address is its IPv4 address.
    let mapped = client_at(&app, "::ffff:192.0.2.20");
    for _ in 0..5 {
        assert_eq!(mapped.login(ADMIN.0, GUESS).await.status, 422);
    }
    assert_eq!(client_at(&app, "192.0.2.20").login(ADMIN.0, ADMIN.1).await.json(), throttled(1));
}
both_backends!(an_ipv6_client_is_one_slash_64);

async fn a_wrong_current_password_counts_as_a_guess(app: TestApp) {
    let desk = client_at(&app, "192.0.2.30");
    assert_eq!(desk.login(COORDINATOR.0, COORDINATOR.1).await.status, 200);
    let change = |current| [("current", current), ("new", "coordinator-new-2026"), ("confirm", "coordinator-new-2026")];
    for _ in 0..5 {
        let res = desk.call("change_password", &change(GUESS)).await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert_eq!(res.json()["Validation"]["field"], "current");
    }
    // The next try waits, even with the right current password, and so does signing in there.
    let refused = desk.call("change_password", &change(COORDINATOR.1)).await;
    assert_eq!((refused.status, refused.json()), (429, throttled(1)), "{}", refused.body);
    assert_eq!(client_at(&app, "192.0.2.30").login(COORDINATOR.0, COORDINATOR.1).await.json(), throttled(1));
    // Nothing changed: the old password still signs in at another client.
    assert_eq!(client_at(&app, "198.51.100.30").login(COORDINATOR.0, COORDINATOR.1).await.status, 200);

    // Once the wait is over, the right current password changes it.
    let_the_locks_run_out(&app).await;
    let changed = desk.call("change_password", &change(COORDINATOR.1)).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
}
both_backends!(a_wrong_current_password_counts_as_a_guess);

async fn the_account_ceiling_stops_spread_guessing_but_not_a_known_client(app: TestApp) {
    // The owner has signed in from their desk before.
    assert_eq!(client_at(&app, "192.0.2.40").login(COORDINATOR.0, COORDINATOR.1).await.status, 200);
    // A hundred wrong guesses from twenty clients, five each (each pair's own allowance).
    let mut tasks = Vec::new();
    for c in 1..=20 {
        let client = client_at(&app, &format!("203.0.113.{c}"));
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..5 {
                statuses.push(client.login(COORDINATOR.0, GUESS).await.status);
            }
            statuses
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), [422; 5]);
    }
    // Any new client is refused now, before its password is checked.
    let new_client = client_at(&app, "203.0.113.200").login(COORDINATOR.0, COORDINATOR.1).await;
    assert_eq!(new_client.json(), throttled(15), "{}", new_client.body);
    // The desk the account signed in from gets in with the right password.
    assert_eq!(client_at(&app, "192.0.2.40").login(COORDINATOR.0, COORDINATOR.1).await.status, 200);
    // Other accounts are unaffected.
    assert_eq!(client_at(&app, "203.0.113.201").login(ADMIN.0, ADMIN.1).await.status, 200);
}
both_backends!(the_account_ceiling_stops_spread_guessing_but_not_a_known_client);

async fn repeated_failures_throttle_the_client(app: TestApp) {
    let client = client_at(&app, "192.0.2.50");
    for i in 0..20 {
        let res = client.login(&format!("guess{i}@capital-coc.example"), GUESS).await;
        assert_eq!(res.status, 422, "attempt {i}: {}", res.body);
    }
    let locked = client.login(ADMIN.0, ADMIN.1).await;
    assert_eq!((locked.status, locked.json()), (429, throttled(15)), "{}", locked.body);
    // A different client still gets in.
    assert_eq!(client_at(&app, "192.0.2.51").login(ADMIN.0, ADMIN.1).await.status, 200);
}
both_backends!(repeated_failures_throttle_the_client);

async fn parallel_guesses_cannot_slip_past_the_limit(app: TestApp) {
    // Twenty wrong passwords at once for one account from one client: at most five are checked.
    let client = std::sync::Arc::new(client_at(&app, "192.0.2.60"));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move { client.login(COORDINATOR.0, GUESS).await.status }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 20, "{statuses:?}");
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    // Successful sign-ins from one address (a shared shelter desk) do not add up to a lockout.
    let desk = client_at(&app, "192.0.2.61");
    for _ in 0..25 {
        assert_eq!(desk.login(ADMIN.0, ADMIN.1).await.status, 200);
    }
}
both_backends!(parallel_guesses_cannot_slip_past_the_limit);
