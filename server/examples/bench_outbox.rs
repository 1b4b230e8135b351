//! Benchmark: deliver N payloads to a loopback sink (the vendor simulator, in its own process) at
//! concurrency C, five ways in one run:
//! - plain reqwest POSTs of the same payloads, C at a time: the limit;
//! - the HMIS Bridge outbox worker on SQLite, and on PostgreSQL (rows already queued; timed from
//!   the first claim until every row is completed and audited);
//! - apalis with its SQLite storage, and graphile_worker on PostgreSQL (`bench/peers`): one POST
//!   per job, with its idempotency key; then each again doing the outbox's whole job, the POST
//!   and an audit row per attempt (issue 5: every attempt recorded, append-only).
//!
//! Prints deliveries per second and the ratio to plain POSTs, for a sink that answers at once and
//! one that takes 0-50 ms (a vendor on a nearby network is slower still).
//!
//! Run with `scripts/bench-outbox [--n N] [--concurrency C] [--payload-bytes B]`; to measure one
//! pair in a series, add `--backend sqlite|postgres`, `--sink instant|slow` and `--repeat R`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Backend, Simulator, TestApp, add_vendor, new_outbox_row, test_vault};
use rand::RngCore;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use app::entities::outbox;
use server::vendors::Adapters;
use server::vendors::http_post::IDEMPOTENCY_HEADER;
use server::vendors::outbound::OutboundPolicy;
use server::worker::{SystemClock, Worker, WorkerSettings};

struct Args {
    n: usize,
    concurrency: usize,
    payload_bytes: usize,
    /// Which queues: both backends' pairs, or one backend's outbox and its peer.
    backends: Vec<Backend>,
    /// Sink delays (half the longest answer, in ms): 0 answers at once.
    delays: Vec<u64>,
    /// Runs of each queue, one after the other, so a series shares the machine's moment.
    repeat: usize,
}

const USAGE: &str =
    "use --n N, --concurrency C, --payload-bytes B, --backend sqlite|postgres, --sink instant|slow, --repeat R";

fn args() -> anyhow::Result<Args> {
    let mut args = Args {
        n: 2000,
        concurrency: 8,
        payload_bytes: 8192,
        backends: vec![Backend::Sqlite, Backend::Postgres],
        delays: vec![0, 25],
        repeat: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let value = it.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value; {USAGE}"))?;
        let number =
            || value.parse::<usize>().map_err(|_| anyhow::anyhow!("{arg} needs a whole number, not {value:?}"));
        match arg.as_str() {
            "--n" => args.n = number()?,
            "--concurrency" => args.concurrency = number()?,
            "--payload-bytes" => args.payload_bytes = number()?,
            "--repeat" => args.repeat = number()?,
            "--backend" => {
                args.backends = match value.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    _ => anyhow::bail!("--backend is sqlite or postgres, not {value:?}"),
                }
            }
            "--sink" => {
                args.delays = match value.as_str() {
                    "instant" => vec![0],
                    "slow" => vec![25],
                    _ => anyhow::bail!("--sink is instant or slow, not {value:?}"),
                }
            }
            other => anyhow::bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    anyhow::ensure!(
        args.n > 0 && args.concurrency > 0 && args.repeat > 0,
        "--n, --concurrency and --repeat must be at least 1"
    );
    Ok(args)
}

fn payloads(args: &Args) -> Vec<(String, Vec<u8>)> {
    let mut rng = rand::rng();
    (0..args.n)
        .map(|i| {
            let mut bytes = vec![0u8; args.payload_bytes];
            rng.fill_bytes(&mut bytes);
            (format!("bench-{i}"), bytes)
        })
        .collect()
}

/// N POSTs, C at a time, no queue: the limit.
async fn plain(args: &Args, sink: &str, payloads: &[(String, Vec<u8>)]) -> anyhow::Result<Duration> {
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let payloads: Arc<Vec<(String, Vec<u8>)>> = Arc::new(payloads.to_vec());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        let (client, next, payloads, sink) = (client.clone(), next.clone(), payloads.clone(), sink.to_string());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((key, body)) = payloads.get(i) else { return Ok::<_, anyhow::Error>(()) };
                let res = client.post(&sink).header(IDEMPOTENCY_HEADER, key).body(body.clone()).send().await?;
                anyhow::ensure!(res.status().is_success(), "the sink answered {}", res.status());
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(started.elapsed())
}

/// PostgreSQL as both queues reach it here: loopback TCP without TLS (the peers' sqlx is built
/// without TLS, so it never negotiates any; the product's would, and pay for it on every payload).
const PG_TRANSPORT: &str = "sslmode=disable";

/// A PostgreSQL URL with `PG_TRANSPORT` added to its options.
fn pg_transport(url: &str) -> String {
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}{PG_TRANSPORT}")
}

/// The product's pool (`server::db::connect`, with its defaults and `HMIS_*` environment; no
/// settings file) on the test database.
async fn connect(backend: Backend, database_url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let mut settings = server::config::Settings::load(std::path::Path::new("/nonexistent/hmis-bridge.toml"))?;
    let url = match backend {
        Backend::Sqlite => database_url.to_string(),
        Backend::Postgres => pg_transport(database_url),
    };
    settings.database_url = Some(url.into());
    server::db::connect(&settings).await
}

/// The outbox: N rows queued (untimed), then the worker drains them.
async fn outbox(args: &Args, backend: Backend, sink: &str, payloads: &[(String, Vec<u8>)]) -> anyhow::Result<Duration> {
    let app = TestApp::spawn(backend).await;
    let db = connect(backend, app.database_url()).await?;
    let vendor = add_vendor(&db, "Sink", sink, true).await;
    let now = chrono::Utc::now();
    let rows: Vec<outbox::ActiveModel> =
        payloads.iter().map(|(key, bytes)| new_outbox_row(&vendor, key, bytes.clone(), now)).collect();
    for chunk in rows.chunks(500) {
        outbox::Entity::insert_many(chunk.to_vec()).exec(&db).await?;
    }
    let policy = OutboundPolicy { allow_loopback: true };
    let settings = WorkerSettings { concurrency: args.concurrency as u64, ..WorkerSettings::default() };
    let adapters = Adapters::with_policy(policy, Duration::from_secs(30), test_vault())?;
    let worker = Worker::new(db.clone(), Arc::new(SystemClock), adapters, settings, Default::default());
    let started = Instant::now();
    let round = worker.drain().await?;
    let elapsed = started.elapsed();
    let completed = outbox::Entity::find().filter(outbox::Column::State.eq("completed")).count(&db).await?;
    anyhow::ensure!(round.attempted == args.n && completed as usize == args.n, "delivered {completed} of {}", args.n);
    Ok(elapsed)
}

/// A peer queue from `bench/peers`, which prints one JSON line with its time. With `audit`, its
/// handler also appends each attempt's audit row, as the outbox does (`bench/peers/src/audit.rs`).
fn peer(args: &Args, which: &str, sink: &str, audit: bool) -> anyhow::Result<Duration> {
    let bin =
        std::env::var("QUEUE_PEERS_BIN").map_err(|_| anyhow::anyhow!("QUEUE_PEERS_BIN: the bench/peers binary"))?;
    let out = Command::new(bin)
        .args(["--peer", which, "--sink", sink])
        .args(["--n", &args.n.to_string(), "--concurrency", &args.concurrency.to_string()])
        .args(["--payload-bytes", &args.payload_bytes.to_string()])
        .args(["--database-url", &pg_transport(&common::admin_pg_url())])
        .args(audit.then_some("--audit"))
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "{which} failed");
    let line: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let seconds = line["seconds"].as_f64().ok_or_else(|| anyhow::anyhow!("{which} printed no time"))?;
    Ok(Duration::from_secs_f64(seconds))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let payloads = payloads(&args);
    for &delay in &args.delays {
        let simulator = Simulator::start(0.0, delay);
        let sink = format!("{}/upload", simulator.url);
        let answers = if delay == 0 { "at once".to_string() } else { format!("in 0-{} ms", delay * 2) };
        println!(
            "\n{} deliveries of {} bytes at concurrency {}, to a sink that answers {answers}",
            args.n, args.payload_bytes, args.concurrency
        );
        println!("  {:<34} {:>8} {:>14} {:>10}", "", "seconds", "deliveries/s", "vs plain");
        let limit = plain(&args, &sink, &payloads).await?;
        let row = |name: &str, took: Duration| {
            let rate = args.n as f64 / took.as_secs_f64();
            println!(
                "  {name:<34} {:>8.2} {rate:>14.0} {:>10.2}",
                took.as_secs_f64(),
                limit.as_secs_f64() / took.as_secs_f64()
            );
        };
        row("plain reqwest POSTs", limit);
        for _ in 0..args.repeat {
            for &backend in &args.backends {
                let (ours, theirs, their_peer) = match backend {
                    Backend::Sqlite => ("HMIS Bridge outbox, SQLite", "apalis 1.0, SQLite storage", "apalis-sqlite"),
                    Backend::Postgres => {
                        ("HMIS Bridge outbox, PostgreSQL", "graphile_worker 0.14, PostgreSQL", "graphile-pg")
                    }
                };
                row(ours, outbox(&args, backend, &sink, &payloads).await?);
                row(theirs, peer(&args, their_peer, &sink, false)?);
                row("  + audit row per attempt", peer(&args, their_peer, &sink, true)?);
            }
        }
    }
    Ok(())
}
