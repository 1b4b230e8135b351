//! Crash test (a command, not part of `scripts/test`): the real server delivers a push to 1,000
//! vendors, all of them the vendor simulator (slow, failing 20% of uploads), while it is killed
//! with SIGKILL at random moments and started again. Then it waits until every row is finished
//! and checks that nothing was lost and that the only repeats the vendor saw carried a key it
//! already had, with the same bytes. Prints the counts; exits 1 if a check fails.
//!
//! Run with `scripts/crash-test [--postgres] [--deliveries N] [--kills K]`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use common::{ADMIN, Backend, Simulator, TestApp, new_vendor};
use rand::Rng;
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};

use app::entities::{outbox, push_audit, tenant, vendor};
use server::simulator::Stats;

struct Args {
    backend: Backend,
    deliveries: usize,
    kills: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args { backend: Backend::Sqlite, deliveries: 1000, kills: 5 };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> anyhow::Result<usize> {
            it.next().and_then(|v| v.parse().ok()).ok_or_else(|| anyhow::anyhow!("{name} needs a whole number"))
        };
        match arg.as_str() {
            "--postgres" => args.backend = Backend::Postgres,
            "--deliveries" => args.deliveries = number("--deliveries")?,
            "--kills" => args.kills = number("--kills")?,
            other => anyhow::bail!("unknown argument {other:?}; use --postgres, --deliveries N, --kills K"),
        }
    }
    Ok(args)
}

async fn add_vendors(db: &DatabaseConnection, n: usize, sim: &str) -> anyhow::Result<()> {
    let tenant = tenant::Entity::find().one(db).await?.ok_or_else(|| anyhow::anyhow!("no demo CoC"))?;
    let all: Vec<vendor::ActiveModel> =
        (0..n).map(|i| new_vendor(tenant.id, &format!("Simulated vendor {i:04}"), &format!("{sim}/v{i}"))).collect();
    for chunk in all.chunks(200) {
        vendor::Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    Ok(())
}

/// Rows per state, and every row's idempotency key with its state.
async fn rows(db: &DatabaseConnection) -> anyhow::Result<(BTreeMap<String, usize>, Vec<(String, String)>)> {
    let rows: Vec<(String, String)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::State)
        .column(outbox::Column::IdempotencyKey)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_state = BTreeMap::new();
    for (state, _) in &rows {
        *by_state.entry(state.clone()).or_default() += 1;
    }
    Ok((by_state, rows))
}

fn finished(by_state: &BTreeMap<String, usize>) -> usize {
    ["completed", "discarded", "cancelled"].iter().map(|s| by_state.get(*s).copied().unwrap_or(0)).sum()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let started = Instant::now();
    let sim = Simulator::start(0.2, 200);
    let mut app = TestApp::spawn_with(
        args.backend,
        &[
            ("HMIS_WORKER", "true"),
            // Crashed deliveries come back after 5 s, retries a second or so apart: the test
            // takes a minute, not an hour. The logic is the same as with the defaults.
            ("HMIS_WORKER_LEASE_SECONDS", "5"),
            ("HMIS_RETRY_BASE_SECONDS", "1"),
        ],
    )
    .await;
    let db = app.db().await;
    add_vendors(&db, args.deliveries, &sim.url).await?;

    // The push, as an admin makes it: "Push to all" on the HMIS Export tab.
    let admin = app.signed_in(ADMIN).await;
    let token =
        admin.call("preview_hmis_export", &[]).await.json()["push_token"].as_str().unwrap_or_default().to_string();
    let queued = admin.call("queue_hmis_push", &[("vendor", "all"), ("token", &token)]).await;
    anyhow::ensure!(queued.status == 200, "push to all failed: {}", queued.body);
    let total = rows(&db).await?.1.len();
    anyhow::ensure!(total == args.deliveries, "queued {total} rows, expected {}", args.deliveries);
    println!(
        "crash test on {:?}: {total} deliveries queued; the simulator fails 20% and answers in 0-400 ms",
        args.backend
    );

    let mut rng = rand::rng();
    for k in 1..=args.kills {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..2500))).await;
        let before = finished(&rows(&db).await?.0);
        app.crash_and_restart();
        println!("  kill -9 #{k} at {:>5.1} s, {before:>4} of {total} finished", started.elapsed().as_secs_f64());
    }

    let deadline = Instant::now() + Duration::from_secs(900);
    let by_state = loop {
        let (by_state, _) = rows(&db).await?;
        if finished(&by_state) == total {
            break by_state;
        }
        anyhow::ensure!(Instant::now() < deadline, "not finished after 15 minutes: {by_state:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let elapsed = started.elapsed();
    let (_, keys) = rows(&db).await?;
    let stats: Stats = sim.get("/_sim").await;
    let seen: HashSet<String> = sim.get::<Vec<String>>("/_sim/keys").await.into_iter().collect();
    let audited = push_audit::Entity::find()
        .select_only()
        .column(push_audit::Column::Id)
        .into_tuple::<i64>()
        .all(&db)
        .await?
        .len();
    let ours: HashSet<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
    let completed_unseen = keys.iter().filter(|(s, k)| s == "completed" && !seen.contains(k)).count();
    let unknown = seen.iter().filter(|k| !ours.contains(k.as_str())).count();
    let discarded_but_received = keys.iter().filter(|(s, k)| s == "discarded" && seen.contains(k)).count();

    println!("finished in {:.1} s after {} kills", elapsed.as_secs_f64(), args.kills);
    println!("  rows:      {total} queued; {by_state:?}");
    println!("  audit:     {audited} attempts recorded");
    println!(
        "  vendor:    {} uploads accepted, {} distinct keys, {} repeats (same key, same bytes), {} conflicts, {} without a key, {} failed on purpose",
        stats.accepted, stats.distinct_keys, stats.repeats, stats.conflicts, stats.missing_key, stats.failed
    );
    println!(
        "  dead letters the vendor had in fact received (the crash hit after the upload): {discarded_but_received}"
    );

    let mut failures = Vec::new();
    if finished(&by_state) != total {
        failures.push("rows were left unfinished".to_string());
    }
    if completed_unseen > 0 {
        failures.push(format!("{completed_unseen} rows are completed but the vendor never got them"));
    }
    if unknown > 0 {
        failures.push(format!("the vendor got {unknown} keys that match no row"));
    }
    if stats.conflicts > 0 || stats.missing_key > 0 {
        failures.push("the vendor saw a repeat with different bytes, or an upload without a key".into());
    }
    if stats.distinct_keys as usize != seen.len() || stats.accepted != stats.distinct_keys + stats.repeats {
        failures.push("the simulator's counts do not add up".into());
    }
    if failures.is_empty() {
        println!("PASS: every row finished, nothing was lost, every repeat carried a key the vendor already had");
        Ok(())
    } else {
        for f in &failures {
            println!("FAIL: {f}");
        }
        anyhow::bail!("the crash test failed")
    }
}
