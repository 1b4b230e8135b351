//! `queue-peers`: how fast peer job queues deliver N HTTP POSTs, for comparison with the HMIS
//! Bridge outbox. Enqueueing is untimed; the clock runs from worker start until N jobs have
//! succeeded and the queue's store has recorded all N completions. One JSON line goes to stdout, logs go to stderr (`RUST_LOG`, default `warn`).

mod apalis_sqlite;
mod audit;
mod graphile_pg;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Parser, ValueEnum};
use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

/// Jobs are enqueued in batches of this many (untimed), so memory stays bounded for large N.
const ENQUEUE_BATCH: usize = 1000;

#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The queue library to measure.
    #[arg(long, value_enum)]
    peer: Peer,
    /// Where every job POSTs its payload (must answer 2xx).
    #[arg(long)]
    sink: reqwest::Url,
    /// Number of jobs.
    #[arg(long)]
    n: usize,
    /// Jobs processed at the same time.
    #[arg(long)]
    concurrency: usize,
    /// Payload size of each job in bytes.
    #[arg(long)]
    payload_bytes: usize,
    /// PostgreSQL admin URL (graphile-pg creates and drops its own database there).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    database_url: String,
    /// Give up (exit 1) if the N jobs have not all succeeded after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Also append each attempt to an audit table in the queue's database, as HMIS Bridge does
    /// (see `src/audit.rs`).
    #[arg(long)]
    audit: bool,
}

#[derive(ValueEnum, Serialize, Clone, Copy, Debug)]
#[serde(rename_all = "kebab-case")]
enum Peer {
    ApalisSqlite,
    GraphilePg,
}

/// One job: its payload (base64 in the job's JSON), its idempotency key, and the SHA-256 of the
/// payload taken at enqueue (as the outbox does) for the audit.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct Job {
    key: String,
    payload: String,
    sha256: String,
}

/// The jobs of a run in enqueue batches. Job `i`'s payload is pseudo-random bytes seeded by `i`:
/// incompressible, like the zip files the outbox sends (and the random payloads its side of the
/// benchmark uses), so a peer's store cannot shrink them where the outbox's cannot.
fn job_batches(n: usize, payload_bytes: usize) -> impl Iterator<Item = Vec<Job>> {
    let run = std::process::id();
    (0..n).step_by(ENQUEUE_BATCH).map(move |first| {
        (first..n.min(first + ENQUEUE_BATCH))
            .map(|i| {
                let bytes = noise(i as u64, payload_bytes);
                Job {
                    key: format!("peer-{run}-{i}"),
                    sha256: Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect(),
                    payload: BASE64.encode(bytes),
                }
            })
            .collect()
    })
}

/// `len` bytes of SplitMix64 output seeded by `seed`.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        bytes.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// What every job handler shares: the HTTP client, the sink, the run's counters and, with
/// `--audit`, the audit table.
#[derive(Clone, Debug)]
struct Delivery {
    client: reqwest::Client,
    sink: reqwest::Url,
    progress: Arc<Progress>,
    audit: Option<Arc<audit::AuditLog>>,
}

impl Delivery {
    /// One POST of the job's payload, then (with `--audit`) its audit row; a transport error, a
    /// non-2xx answer or an audit row that could not be written fails the attempt. The error is
    /// one line of text for the queues' failure logs.
    async fn deliver(&self, job: &Job, attempt: i64) -> Result<(), String> {
        let mut result = self.post(job).await;
        if let Some(audit) = &self.audit {
            let (outcome, detail) = match &result {
                Ok(()) => ("delivered", String::new()),
                Err(error) => ("transient", format!("{error:#}")),
            };
            if let Err(error) = audit.record(job, attempt, outcome, &detail).await {
                result = Err(error.context("writing the audit row"));
            }
        }
        self.progress.record(result.is_ok());
        result.map_err(|error| format!("{error:#}"))
    }

    /// With `--audit`: an error unless the audit has one row per attempt made.
    async fn ensure_all_audited(&self) -> anyhow::Result<()> {
        let Some(audit) = &self.audit else { return Ok(()) };
        let attempts = self.progress.succeeded.load(Ordering::Relaxed) + self.progress.failed.load(Ordering::Relaxed);
        let rows = audit.count().await?;
        if rows != attempts {
            bail!("the audit has {rows} rows for {attempts} attempts");
        }
        Ok(())
    }

    async fn post(&self, job: &Job) -> anyhow::Result<()> {
        let body = BASE64.decode(&job.payload)?;
        self.client
            .post(self.sink.clone())
            .header("Idempotency-Key", &job.key)
            .header(CONTENT_TYPE, "application/zip")
            .body(body)
            .send()
            .await?
            .error_for_status()?
            // Read the (empty) answer so the connection goes back to the pool.
            .bytes()
            .await?;
        Ok(())
    }
}

/// Counts successes and failed attempts; notes when the N-th job succeeded.
#[derive(Debug)]
struct Progress {
    target: usize,
    timeout: Duration,
    succeeded: AtomicUsize,
    failed: AtomicUsize,
    done_at: OnceLock<Instant>,
    done: Notify,
}

impl Progress {
    fn record(&self, ok: bool) {
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        } else if self.succeeded.fetch_add(1, Ordering::Relaxed) + 1 == self.target {
            let _ = self.done_at.set(Instant::now());
            self.done.notify_one();
        }
    }

    /// Resolves when all N jobs have succeeded, the timeout has passed or on Ctrl-C; the peers
    /// then shut their worker down.
    async fn finished(&self) {
        tokio::select! {
            () = self.done.notified() => {}
            () = tokio::time::sleep(self.timeout) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }

    /// An error unless all N jobs succeeded.
    fn ensure_all_succeeded(&self) -> anyhow::Result<()> {
        if self.done_at.get().is_none() {
            bail!(
                "stopped before all jobs succeeded: {} of {} succeeded, {} failed attempts",
                self.succeeded.load(Ordering::Relaxed),
                self.target,
                self.failed.load(Ordering::Relaxed),
            );
        }
        Ok(())
    }
}

/// Wait until the queue's own store shows all N jobs completed (`completed` counts them), so a
/// peer's time, like the outbox's, runs until every completion is recorded, not only until the
/// last handler returned.
async fn until_recorded<F, Fut>(n: usize, mut completed: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = completed().await?;
        if done >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the queue recorded {done} of {n} completions");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The one line on stdout.
#[derive(Serialize)]
struct Report {
    peer: Peer,
    n: usize,
    concurrency: usize,
    seconds: f64,
    per_second: f64,
    failures: usize,
    audit: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if args.n == 0 || args.concurrency == 0 {
        bail!("--n and --concurrency must be at least 1");
    }
    let progress = Arc::new(Progress {
        target: args.n,
        timeout: Duration::from_secs(args.timeout),
        succeeded: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        done_at: OnceLock::new(),
        done: Notify::new(),
    });
    let delivery = Delivery {
        client: reqwest::Client::builder().build().context("HTTP client")?,
        sink: args.sink.clone(),
        progress: progress.clone(),
        audit: None,
    };
    let elapsed = match args.peer {
        Peer::ApalisSqlite => apalis_sqlite::run(&args, delivery).await?,
        Peer::GraphilePg => graphile_pg::run(&args, delivery).await?,
    };
    let seconds = elapsed.as_secs_f64();
    let report = Report {
        peer: args.peer,
        n: args.n,
        concurrency: args.concurrency,
        seconds,
        per_second: args.n as f64 / seconds,
        failures: progress.failed.load(Ordering::Relaxed),
        audit: args.audit,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
