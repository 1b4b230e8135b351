//! apalis 1.0 with apalis-sqlite 1.0, on a fresh SQLite file (WAL) in a temp dir.
//!
//! Configured as the apalis docs show for a parallel worker, tuned for throughput:
//! - `.concurrency(C).parallelize(tokio::spawn)` (the apalis README's shape): up to C handlers
//!   run at once, each on its own tokio task;
//! - `Config::batch_size(100)`: each fetch claims up to 100 due jobs in one statement (default 10;
//!   the docs: larger batches mean fewer queue operations). Same prefetch as graphile-pg's local
//!   queue of 100;
//! - `poll_with_interval(100 ms)`: the worker fetches again as soon as a slot frees up anyway;
//!   the interval wakes it for retries of failed jobs, like graphile-pg's 100 ms poll interval;
//! - with `--audit`, the handler appends each attempt's row (`src/audit.rs`) through the same pool;
//! - no `RetryPolicy` layer: a handler error marks the job Failed and the storage hands it out
//!   again (up to its `max_attempts`, default 25), so retries go through the queue;
//! - `SqliteStorage::setup` creates the schema and sets WAL, but it also sets
//!   `synchronous = OFF` on the one pooled connection it happens to use. It runs on a throwaway
//!   connection instead, and every worker connection uses WAL with `synchronous = FULL` and a
//!   10 s busy timeout, as HMIS Bridge does, so both queues commit with the same durability.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use apalis::prelude::*;
use apalis_sqlite::{Config, SqliteStorage};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use crate::audit::AuditLog;
use crate::{Args, Delivery, Job, job_batches, until_recorded};

pub async fn run(args: &Args, mut delivery: Delivery) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir().context("temp dir")?;
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("apalis.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));

    let setup = SqlitePool::connect_with(options.clone()).await?;
    SqliteStorage::setup(&setup).await.context("apalis-sqlite setup")?;
    setup.close().await;

    let pool = SqlitePool::connect_with(options).await?;
    if args.audit {
        delivery.audit = Some(Arc::new(AuditLog::sqlite(&pool).await.context("audit table")?));
    }
    let audited = delivery.clone();
    let mut storage = SqliteStorage::<Job>::new(&pool).with_config(Config::default().batch_size(100));
    for batch in job_batches(args.n, args.payload_bytes) {
        storage.push_bulk(batch).await.context("enqueue")?;
    }

    let progress = delivery.progress.clone();
    let shutdown = delivery.progress.clone();
    let worker = WorkerBuilder::new("queue-peers")
        .backend(storage.poll_with_interval(Duration::from_millis(100)))
        .concurrency(args.concurrency)
        .parallelize(tokio::spawn)
        .data(delivery)
        .build(deliver);
    let start = Instant::now();
    worker
        .run_with_ctx(move |worker| {
            let shutdown = shutdown.clone();
            async move {
                shutdown.finished().await;
                worker.stop()
            }
        })
        .await?;
    progress.ensure_all_succeeded()?;
    until_recorded(args.n, || async {
        let (done,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM Jobs WHERE status = 'Done'").fetch_one(&pool).await?;
        Ok(done as usize)
    })
    .await?;
    let elapsed = start.elapsed();
    audited.ensure_all_audited().await?;
    pool.close().await;
    Ok(elapsed)
}

async fn deliver(job: Job, delivery: Data<Delivery>, attempt: Attempt) -> Result<(), BoxDynError> {
    Ok(delivery.deliver(&job, attempt.current() as i64).await?)
}
