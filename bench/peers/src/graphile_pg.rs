//! graphile_worker 0.14 on a fresh PostgreSQL database, dropped again at the end.
//!
//! Configured as the graphile_worker guide's "throughput-oriented worker":
//! - `concurrency(C)`: up to C jobs at once;
//! - `local_queue` of 100 jobs (60 s TTL): one query claims a batch that the C slots drain, instead
//!   of one fetch per job. Same prefetch as apalis-sqlite's batch size of 100;
//! - `complete_job_batch_delay` / `fail_job_batch_delay` of 5 ms: completions (and permanent
//!   failures) are written in batches; retryable failures are still written one by one;
//! - `poll_interval(100 ms)` (default 1 s) with LISTEN/NOTIFY left on, like apalis-sqlite's
//!   100 ms interval;
//! - a pool of 20 connections, the size graphile_worker picks when it creates its own pool;
//! - with `--audit`, the handler appends each attempt's row (`src/audit.rs`) through the same pool;
//! - a handler error fails the attempt; graphile_worker retries it later with its exponential
//!   backoff (up to 25 attempts by default).
//!
//! OS signal handling is left to `queue-peers` (Ctrl-C ends the run), so the database is always
//! dropped.

use std::hash::{BuildHasher, RandomState};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use graphile_worker::{IntoTaskHandlerResult, JobSpec, LocalQueueConfig, TaskHandler, WorkerContext, WorkerOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, raw_sql};

use crate::audit::AuditLog;
use crate::{Args, Delivery, Job, job_batches, until_recorded};

pub async fn run(args: &Args, delivery: Delivery) -> anyhow::Result<Duration> {
    let admin = PgConnectOptions::from_str(&args.database_url).context("--database-url")?;
    let name = format!("hmis_peers_{}_{:016x}", std::process::id(), RandomState::new().hash_one(Instant::now()));
    let mut conn = PgConnection::connect_with(&admin).await.context("connect")?;
    execute(&mut conn, format!(r#"CREATE DATABASE "{name}""#)).await?;

    let outcome = bench(args, delivery, admin.database(&name)).await;

    let dropped = execute(&mut conn, format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#))
        .await
        .with_context(|| format!("drop database {name}"));
    if let (Err(_), Err(drop_error)) = (&outcome, &dropped) {
        eprintln!("{drop_error:#}");
    }
    let elapsed = outcome?;
    dropped?;
    Ok(elapsed)
}

/// One statement of ours; the only value in it is the database name (digits and hex).
async fn execute(conn: &mut PgConnection, statement: String) -> sqlx::Result<()> {
    raw_sql(AssertSqlSafe(statement)).execute(conn).await?;
    Ok(())
}

async fn bench(args: &Args, mut delivery: Delivery, db: PgConnectOptions) -> anyhow::Result<Duration> {
    let pool = PgPoolOptions::new().max_connections(20).connect_with(db).await?;
    if args.audit {
        delivery.audit = Some(Arc::new(AuditLog::postgres(&pool).await.context("audit table")?));
    }
    let audited = delivery.clone();
    let progress = delivery.progress.clone();
    let shutdown = delivery.progress.clone();
    let worker = WorkerOptions::default()
        .pg_pool(pool.clone())
        .concurrency(args.concurrency)
        .local_queue(LocalQueueConfig::default().with_size(100).with_ttl(Duration::from_secs(60)))
        .complete_job_batch_delay(Duration::from_millis(5))
        .fail_job_batch_delay(Duration::from_millis(5))
        .poll_interval(Duration::from_millis(100))
        .listen_os_shutdown_signals(false)
        .shutdown_signal(async move { shutdown.finished().await })
        .add_extension(delivery)
        .define_job::<Job>()
        .init()
        .await
        .context("graphile_worker init")?;

    let utils = worker.create_utils();
    let spec = JobSpec::default();
    for batch in job_batches(args.n, args.payload_bytes) {
        let jobs: Vec<(Job, &JobSpec)> = batch.into_iter().map(|job| (job, &spec)).collect();
        utils.add_jobs(&jobs).await.context("enqueue")?;
    }

    let start = Instant::now();
    worker.run().await?;
    progress.ensure_all_succeeded()?;
    // graphile_worker deletes a job when it records its completion.
    until_recorded(args.n, || async {
        let (left,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM graphile_worker._private_jobs").fetch_one(&pool).await?;
        Ok(args.n - (left as usize).min(args.n))
    })
    .await?;
    let elapsed = start.elapsed();
    audited.ensure_all_audited().await?;
    pool.close().await;
    Ok(elapsed)
}

impl TaskHandler for Job {
    const IDENTIFIER: &'static str = "deliver";

    async fn run(self, ctx: WorkerContext) -> impl IntoTaskHandlerResult {
        let delivery = ctx.get_ext::<Delivery>().expect("added with add_extension");
        delivery.deliver(&self, i64::from(*ctx.job().attempts())).await
    }
}
