//! The delivery worker: claims due outbox rows, hands each to its vendor's adapter outside any
//! transaction, records the outcome, keeps a circuit breaker per vendor and rescues rows whose
//! lease ran out. It runs inside `serve` and alone as `worker` (extra replicas).
pub mod backoff;
pub mod breaker;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::{Notify, mpsc, oneshot};
use tracing::Instrument;

use app::entities::{outbox, vendor};
use app::outbox::ssr::{
    AttemptRecord, Finished, claim, extend_lease, finish_many, record_circuit, rescue_expired, snooze,
};
use app::outbox::state::{AuditOutcome, Next, Outcome, after_attempt};

/// A claim running in the background: how many rows it asked for, and its answer.
type ClaimTask = tokio::task::JoinHandle<Result<Vec<Claimed>, app::error::AppError>>;

use crate::vendors::Adapters;
use breaker::{Admission, Breaker, BreakerSettings, BreakerState};

/// The time, injectable so tests can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Deliveries in flight at once.
    pub concurrency: u64,
    /// How long a claim holds a row before the rescuer may take it back; refreshed while the
    /// delivery runs.
    pub lease: chrono::Duration,
    /// Look for due rows this often even without a wake-up (retries, other replicas' pushes).
    pub poll_every: Duration,
    /// The first retry's wait (see `backoff`).
    pub retry_base: Duration,
    pub breaker: BreakerSettings,
    /// A worker whose loop has not turned for this long is stuck (`/readyz` says so): longer
    /// than the poll interval, and than a delivery may take before its adapter gives up.
    pub stall_after: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            concurrency: 8,
            lease: chrono::Duration::minutes(2),
            poll_every: Duration::from_secs(5),
            retry_base: backoff::BASE,
            breaker: BreakerSettings::default(),
            stall_after: DELIVERY_TIMEOUT + Duration::from_secs(10),
        }
    }
}

/// How long a delivery may take before its adapter gives up.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

/// The worker the binary runs: system clock, the vendor adapters, the configured settings.
pub fn start(
    db: DatabaseConnection,
    wake: Arc<Notify>,
    settings: &crate::config::Settings,
    vault: Arc<app::ssr::vault::Vault>,
) -> anyhow::Result<Arc<Worker>> {
    let adapters = Adapters::with_policy(settings.outbound_policy(), DELIVERY_TIMEOUT, vault)?;
    let worker = WorkerSettings {
        concurrency: settings.worker_concurrency,
        lease: chrono::Duration::seconds(settings.worker_lease_seconds as i64),
        retry_base: Duration::from_secs(settings.retry_base_seconds),
        ..WorkerSettings::default()
    };
    Ok(Worker::new(db, Arc::new(SystemClock), adapters, worker, wake))
}

/// When the worker's loop last turned: `/readyz` fails when it has not for `stall_after` (or has
/// never), and `hmis_worker_last_loop_timestamp_seconds` reports it.
pub struct Heartbeat {
    clock: Arc<dyn Clock>,
    stall_after: Duration,
    last: Mutex<Option<DateTime<Utc>>>,
}

impl Heartbeat {
    fn beat(&self) {
        let now = self.clock.now();
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
        metrics::gauge!(crate::metrics::WORKER_LAST_LOOP).set(now.timestamp_millis() as f64 / 1000.0);
    }

    /// Why the worker is not alive, if it is not.
    pub fn check(&self) -> Result<(), String> {
        let last = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        let Some(last) = last else {
            return Err("the outbox worker has not started its loop".into());
        };
        let quiet = (self.clock.now() - last).to_std().unwrap_or_default();
        if quiet > self.stall_after {
            return Err(format!(
                "the outbox worker's loop has not turned for {} s (expected within {} s)",
                quiet.as_secs(),
                self.stall_after.as_secs()
            ));
        }
        Ok(())
    }
}

/// A claimed row, its vendor, and the task keeping its lease fresh.
struct Claimed {
    row: outbox::Model,
    vendor: Option<vendor::Model>,
    lease: LeaseKeeper,
}

/// Stops refreshing the lease when dropped (the attempt ended, or the row was put back).
struct LeaseKeeper(tokio::task::JoinHandle<()>);

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn tally_written(written: Result<anyhow::Result<()>, tokio::task::JoinError>, total: &mut Round) {
    match written {
        Ok(Ok(())) => total.attempted += 1,
        Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "outbox delivery could not be recorded"),
        Err(e) => tracing::error!(error = %e, "outbox delivery task failed"),
    }
}

/// An attempt whose outcome the recorder is writing.
struct Recording {
    span: tracing::Span,
    id: i64,
    vendor_id: i64,
    attempt: i32,
    outcome: AuditOutcome,
    state: app::outbox::state::State,
    kept: oneshot::Receiver<Result<bool, String>>,
}

impl Recording {
    /// Wait until it is written, then log it.
    async fn written(self) -> anyhow::Result<()> {
        let kept = self
            .kept
            .await
            .map_err(|_| anyhow::anyhow!("the attempt recorder has stopped"))?
            .map_err(anyhow::Error::msg)?;
        let _in_delivery = self.span.enter();
        if kept && self.state == app::outbox::state::State::Discarded {
            metrics::counter!(crate::metrics::DEAD_LETTERED, "vendor" => self.vendor_id.to_string()).increment(1);
        }
        tracing::info!(
            event = "outbox.attempt",
            outbox.id = self.id,
            vendor.id = self.vendor_id,
            attempt = self.attempt,
            outcome = self.outcome.as_str(),
            outbox.state = self.state.as_str(),
            recorded = kept,
            "delivery attempt"
        );
        Ok(())
    }
}

/// An ended attempt on its way to the database, and who waits for it to be written.
struct Completion {
    row: outbox::Model,
    next: Next,
    outcome: AuditOutcome,
    detail: String,
    sent_sha256: Option<String>,
    /// How long the vendor took, when the payload went out.
    took: Option<Duration>,
    at: DateTime<Utc>,
    /// Whether the row was still this claim's (see `finish`), or why it could not be written.
    reply: oneshot::Sender<Result<bool, String>>,
}

/// Write ended attempts in group commits: each transaction takes every attempt that ended while
/// the one before was being written (at most 256), so many deliveries ending together cost one
/// commit, and a lone one is written at once. Ends when the worker is dropped.
async fn record_completions(db: DatabaseConnection, mut queue: mpsc::UnboundedReceiver<Completion>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match queue.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let done = batch
            .iter()
            .map(|c| Finished {
                claimed: &c.row,
                next: c.next.clone(),
                attempt: AttemptRecord {
                    outcome: c.outcome,
                    detail: &c.detail,
                    sent_sha256: c.sent_sha256.as_deref(),
                    duration: c.took,
                },
                at: c.at,
            })
            .collect();
        match finish_many(&db, done).await {
            Ok(kept) => {
                for (c, kept) in batch.into_iter().zip(kept) {
                    let _ = c.reply.send(Ok(kept));
                }
            }
            Err(e) => {
                let why = format!("recording the attempt: {e}");
                for c in batch {
                    let _ = c.reply.send(Err(why.clone()));
                }
            }
        }
    }
}

pub struct Worker {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    adapters: Adapters,
    settings: WorkerSettings,
    /// Per vendor; the lock is never held across an await.
    breakers: Mutex<HashMap<i64, Breaker>>,
    wake: Arc<Notify>,
    /// Set on shutdown: claim nothing more.
    stopping: AtomicBool,
    completions: mpsc::UnboundedSender<Completion>,
    heartbeat: Arc<Heartbeat>,
}

/// A drain holds up to this many times `concurrency` claimed rows (in flight and waiting).
const AHEAD: usize = 8;

/// What a drain did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub attempted: usize,
    pub snoozed: usize,
    pub rescued: usize,
    /// Claimed rows that were no longer this worker's when their turn came (cancelled meanwhile,
    /// say by a DV change): not sent.
    pub withdrawn: usize,
}

/// What became of one claimed row.
enum Turn {
    /// Sent; the outcome is being recorded.
    Attempted(Recording),
    /// Put back without an attempt (the vendor's circuit is open).
    Snoozed,
    /// No longer this claim's (cancelled or rescued meanwhile): not sent.
    Withdrawn,
}

/// One drain under way: the rows it holds ready, the claim running beside the deliveries, the
/// deliveries in flight and the attempts being written. Its steps, in the order `Worker::drain`
/// runs them each turn: `top_up`, `release_waiting` (on shutdown), `start_deliveries`,
/// `tally_written`, `wait_for_next`; then `finish`.
struct Drain {
    worker: Arc<Worker>,
    /// Claimed rows waiting for a slot, so a freed slot starts at once: up to AHEAD x limit rows
    /// held, topped up when half are gone, so there is one claim (one commit) per AHEAD / 2 x
    /// limit deliveries. Their leases are kept fresh while they wait.
    ready: VecDeque<Claimed>,
    /// The claim under way, if any, and how many rows it asked for.
    claiming: Option<(usize, ClaimTask)>,
    in_flight: tokio::task::JoinSet<anyhow::Result<Turn>>,
    /// Attempts that ended and are being written (their slots are free already).
    recording: tokio::task::JoinSet<anyhow::Result<()>>,
    /// Why claiming stopped; what is claimed still goes out and is recorded.
    failed: Option<anyhow::Error>,
    /// Set when a claim found fewer due rows than it asked for: claim again only once idle.
    exhausted: bool,
    total: Round,
}

impl Drain {
    fn new(worker: Arc<Worker>, total: Round) -> Drain {
        Drain {
            worker,
            ready: VecDeque::new(),
            claiming: None,
            in_flight: tokio::task::JoinSet::new(),
            recording: tokio::task::JoinSet::new(),
            failed: None,
            exhausted: false,
            total,
        }
    }

    fn limit(&self) -> usize {
        self.worker.settings.concurrency as usize
    }

    /// Claim more in the background when the rows held run low (and not after a short claim
    /// until everything held is done).
    fn top_up(&mut self, stopping: bool) {
        let limit = self.limit();
        let held = self.ready.len() + self.in_flight.len();
        if self.claiming.is_none()
            && self.failed.is_none()
            && !stopping
            && held <= AHEAD / 2 * limit
            && (!self.exhausted || held == 0)
        {
            let want = AHEAD * limit - held;
            let worker = self.worker.clone();
            self.claiming = Some((want, tokio::spawn(async move { worker.claim_batch(want).await })));
        }
    }

    /// Shutdown: put the claimed rows that have not started back, their attempts unused.
    async fn release_waiting(&mut self) {
        for waiting in self.ready.drain(..) {
            self.worker.release(waiting).await;
        }
    }

    /// Fill the free delivery slots from the rows held.
    fn start_deliveries(&mut self) {
        while self.in_flight.len() < self.limit()
            && let Some(next) = self.ready.pop_front()
        {
            let worker = self.worker.clone();
            let span = tracing::info_span!(
                "delivery",
                outbox.id = next.row.id,
                vendor.id = next.row.vendor_id,
                request_id = next.row.request_id.as_deref()
            );
            self.in_flight.spawn(async move { worker.deliver(next).await }.instrument(span));
        }
    }

    /// Count the attempts written since the last turn.
    fn tally_written(&mut self) {
        while let Some(written) = self.recording.try_join_next() {
            tally_written(written, &mut self.total);
        }
    }

    /// Wait for the claim's answer or a delivery's end and take it in. False when the drain is
    /// done: nothing was due and nothing is in flight, or there is nothing left to wait for.
    async fn wait_for_next(&mut self) -> bool {
        let claiming = self.claiming.is_some();
        tokio::select! {
            claimed = async {
                match self.claiming.as_mut() {
                    Some((_, task)) => task.await,
                    None => std::future::pending().await,
                }
            }, if claiming => {
                let want = self.claiming.take().map_or(0, |(want, _)| want);
                match claimed {
                    Ok(Ok(batch)) => {
                        self.exhausted = batch.len() < want;
                        let nothing_due = batch.is_empty();
                        self.ready.extend(batch);
                        !(nothing_due && self.in_flight.is_empty())
                    }
                    Ok(Err(e)) => {
                        self.failed = Some(e.into());
                        true
                    }
                    Err(e) => {
                        self.failed = Some(e.into());
                        true
                    }
                }
            }
            done = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                match done {
                    Some(Ok(Ok(Turn::Attempted(attempt)))) => {
                        self.recording.spawn(attempt.written());
                    }
                    Some(Ok(Ok(Turn::Snoozed))) => self.total.snoozed += 1,
                    Some(Ok(Ok(Turn::Withdrawn))) => self.total.withdrawn += 1,
                    Some(Ok(Err(e))) => tracing::error!(error = %format!("{e:#}"), "outbox delivery could not be recorded"),
                    Some(Err(e)) => tracing::error!(error = %e, "outbox delivery task failed"),
                    None => {}
                }
                true
            }
            else => false,
        }
    }

    /// Wait until every attempt is written; the drain's figures, or why it stopped claiming.
    async fn finish(mut self) -> anyhow::Result<Round> {
        while let Some(written) = self.recording.join_next().await {
            tally_written(written, &mut self.total);
        }
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.total),
        }
    }
}

impl Worker {
    /// `wake` is notified by in-process enqueues (`AppState::outbox_wake`) so new pushes go out
    /// at once; rows enqueued by another replica are found by polling.
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        adapters: Adapters,
        settings: WorkerSettings,
        wake: Arc<Notify>,
    ) -> Arc<Worker> {
        // Call within a Tokio runtime: the attempt recorder is a task of its own.
        let (completions, queue) = mpsc::unbounded_channel();
        tokio::spawn(record_completions(db.clone(), queue));
        let heartbeat =
            Arc::new(Heartbeat { clock: clock.clone(), stall_after: settings.stall_after, last: Mutex::new(None) });
        // Series a healthy worker may not touch for long are there from the start, at zero.
        for result in ["enqueued", "skipped"] {
            metrics::counter!(crate::metrics::SCHEDULED, "result" => result).increment(0);
        }
        metrics::counter!(crate::metrics::RESCUED).increment(0);
        Arc::new(Worker {
            db,
            clock,
            adapters,
            settings,
            breakers: Mutex::new(HashMap::new()),
            wake,
            stopping: AtomicBool::new(false),
            completions,
            heartbeat,
        })
    }

    /// When its loop last turned (`/readyz`).
    pub fn heartbeat(&self) -> Arc<Heartbeat> {
        self.heartbeat.clone()
    }

    /// The circuit state of a vendor as this worker sees it.
    pub fn breaker_state(&self, vendor_id: i64) -> BreakerState {
        let now = self.clock.now();
        self.breakers
            .lock()
            .map(|b| b.get(&vendor_id).map_or(BreakerState::Closed, |b| b.state(now)))
            .unwrap_or(BreakerState::Closed)
    }

    /// Deliver everything due now (what tests call `drain_outbox`): rescue expired leases, queue
    /// scheduled pushes that are due, then keep up to `concurrency` deliveries in flight, claiming
    /// more as they finish, until nothing due is left or the worker is stopping. Snoozed and
    /// retried rows are due later, so they end the drain. Deliveries under way always finish and
    /// are written before it returns; on shutdown, claimed rows not yet started are put back.
    pub async fn drain(self: &Arc<Self>) -> anyhow::Result<Round> {
        let now = self.clock.now();
        let rescued = rescue_expired(&self.db, now).await?;
        metrics::counter!(crate::metrics::RESCUED).increment(rescued as u64);
        app::outbox::push::queue_scheduled(&self.db, now).await?;
        let mut drain = Drain::new(self.clone(), Round { rescued, ..Default::default() });
        loop {
            self.heartbeat.beat();
            let stopping = self.stopping.load(Ordering::Relaxed);
            drain.top_up(stopping);
            if stopping {
                drain.release_waiting().await;
            }
            drain.start_deliveries();
            metrics::gauge!(crate::metrics::WORKER_CLAIMED_AHEAD).set(drain.ready.len() as f64);
            drain.tally_written();
            if !drain.wait_for_next().await {
                break;
            }
        }
        drain.finish().await
    }

    /// Until `shutdown` resolves: drain, then wait for a wake-up, the next retry or the poll
    /// interval. On shutdown it stops claiming and lets the deliveries under way finish.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            self.heartbeat.beat();
            let drained = self.drain();
            tokio::pin!(drained);
            let result = tokio::select! {
                result = &mut drained => result,
                _ = &mut shutdown => {
                    self.stopping.store(true, Ordering::Relaxed);
                    drained.await.map(|_| ()).unwrap_or_else(|e| tracing::error!(error = %format!("{e:#}"), "outbox worker drain failed"));
                    break;
                }
            };
            if let Err(e) = result {
                tracing::error!(error = %format!("{e:#}"), "outbox worker drain failed");
            }
            let idle = self.idle_for().await;
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(idle) => {}
            }
        }
        metrics::gauge!(crate::metrics::WORKER_CLAIMED_AHEAD).set(0.0);
        tracing::info!("outbox worker stopped");
    }

    /// Until the next waiting row is due, at most the poll interval (other replicas' pushes and
    /// schedules), at least a moment.
    async fn idle_for(&self) -> Duration {
        let until_due = match app::outbox::ssr::next_due(&self.db).await {
            Ok(Some(due)) => (due - self.clock.now()).to_std().unwrap_or_default(),
            Ok(None) => self.settings.poll_every,
            Err(e) => {
                tracing::warn!(error = %e.log_text(), "could not read when the next delivery is due");
                self.settings.poll_every
            }
        };
        until_due.clamp(Duration::from_millis(100), self.settings.poll_every)
    }

    /// Use the vendor's breaker (made on first use). The lock is held only inside `f`.
    fn with_breaker<T>(&self, vendor_id: i64, f: impl FnOnce(&mut Breaker) -> T) -> T {
        let mut breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        f(breakers.entry(vendor_id).or_insert_with(|| Breaker::new(self.settings.breaker)))
    }

    /// Claim up to `limit` due rows, each with its vendor as it is now (one query for the batch)
    /// and its lease kept fresh from now on.
    async fn claim_batch(&self, limit: usize) -> Result<Vec<Claimed>, app::error::AppError> {
        let rows = claim(&self.db, self.clock.now(), limit as u64, self.settings.lease).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // Each vendor once: the statement's shape follows the vendors, not the batch size, so the
        // driver reuses its prepared statement.
        let mut ids: Vec<i64> = rows.iter().map(|r| r.vendor_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let vendors: HashMap<i64, vendor::Model> = vendor::Entity::find()
            .filter(vendor::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        Ok(rows
            .into_iter()
            .map(|row| Claimed { vendor: vendors.get(&row.vendor_id).cloned(), lease: self.keep_lease(&row), row })
            .collect())
    }

    /// Put a claimed row that never went out back in the queue, its attempt unused (shutdown).
    async fn release(&self, claimed: Claimed) {
        let Claimed { row, lease, .. } = claimed;
        drop(lease);
        if let Err(e) = snooze(&self.db, &row, self.clock.now()).await {
            tracing::warn!(error = %e.log_text(), outbox.id = row.id, "could not release a claimed delivery; it is retried when its lease ends");
        }
    }

    /// Deliver one claimed row and hand its outcome to the recorder; the slot is free as soon as
    /// the vendor has answered.
    async fn deliver(self: Arc<Self>, claimed: Claimed) -> anyhow::Result<Turn> {
        let Claimed { row, vendor, lease } = claimed;
        let now = self.clock.now();
        let mut sent_sha256 = None;
        let mut took = None;
        let outcome = match &vendor {
            Some(v) if let Some(why) = app::vendors::ssr::not_sendable(v, row.target) => {
                Outcome::Permanent { error: why.into() }
            }
            Some(v) => {
                if let Admission::SnoozeUntil(until) = self.with_breaker(v.id, |b| b.admit(now)) {
                    drop(lease);
                    snooze(&self.db, &row, until).await?;
                    metrics::counter!(crate::metrics::SNOOZED, "vendor" => v.id.to_string()).increment(1);
                    return Ok(Turn::Snoozed);
                }
                // Still this claim's, right before the bytes go out? A row claimed ahead may have
                // been cancelled while it waited (a DV change cancels every payload built before
                // it, DESIGN.md 4.4): then it is not sent.
                if !app::outbox::ssr::still_ours(&self.db, row.id, row.attempt).await? {
                    drop(lease);
                    tracing::info!(
                        event = "outbox.withdrawn",
                        outbox.id = row.id,
                        "claimed delivery cancelled meanwhile; not sent"
                    );
                    return Ok(Turn::Withdrawn);
                }
                let started = std::time::Instant::now();
                let crate::vendors::Sent { outcome, sent_sha256: sent } =
                    self.adapters.deliver(&self.db, v, &row).await;
                sent_sha256 = sent;
                let elapsed = started.elapsed();
                took = Some(elapsed);
                let labels = [("vendor", v.id.to_string()), ("outcome", outcome.kind().as_str().to_string())];
                metrics::histogram!(crate::metrics::DELIVERY_SECONDS, &labels).record(elapsed.as_secs_f64());
                metrics::counter!(crate::metrics::ATTEMPTS, &labels).increment(1);
                if matches!(outcome, Outcome::Delivered) {
                    metrics::counter!(crate::metrics::RECORDS_PUSHED, "vendor" => v.id.to_string(), "kind" => v.kind.as_str())
                        .increment(u64::try_from(row.record_count).unwrap_or(0));
                }
                // A rejected payload says the vendor is up; only transient failures trip it.
                let success = !matches!(outcome, Outcome::Transient { .. });
                let changed = self.with_breaker(v.id, |b| {
                    let before = b.open_until();
                    b.record(success, self.clock.now());
                    (b.open_until() != before).then(|| b.open_until())
                });
                if let Some(open_until) = changed {
                    tracing::info!(
                        event = "outbox.circuit",
                        vendor.id = v.id,
                        open = open_until.is_some(),
                        "vendor circuit changed"
                    );
                    // Only what the tab shows: the attempt is still recorded if this fails.
                    if let Err(e) = record_circuit(&self.db, v.id, open_until).await {
                        tracing::warn!(error = %e.log_text(), vendor.id = v.id, "could not record the circuit state");
                    }
                }
                outcome
            }
            None => Outcome::Permanent { error: "the vendor was removed before delivery".into() },
        };
        drop(lease);
        let done = self.clock.now();
        let (kind, detail) = (outcome.kind(), outcome.error().to_string());
        let next = after_attempt(row.attempt, row.max_attempts, outcome, done, |attempt, retry_after| {
            backoff::retry_delay(self.settings.retry_base, attempt, retry_after, &mut rand::rng())
        });
        let (reply, kept) = oneshot::channel();
        let recording = Recording {
            span: tracing::Span::current(),
            id: row.id,
            vendor_id: row.vendor_id,
            attempt: row.attempt,
            outcome: kind,
            state: next.state,
            kept,
        };
        self.completions
            .send(Completion { row, next, outcome: kind, detail, sent_sha256, took, at: done, reply })
            .map_err(|_| anyhow::anyhow!("the attempt recorder has stopped"))?;
        Ok(Turn::Attempted(recording))
    }

    /// Refresh the row's lease every third of it until the returned guard is dropped.
    fn keep_lease(&self, row: &outbox::Model) -> LeaseKeeper {
        let (db, clock, lease, id, attempt) =
            (self.db.clone(), self.clock.clone(), self.settings.lease, row.id, row.attempt);
        let every = (lease / 3).to_std().unwrap_or(Duration::from_secs(30)).max(Duration::from_millis(100));
        LeaseKeeper(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match extend_lease(&db, id, attempt, clock.now() + lease).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e.log_text(), outbox.id = id, "could not extend the lease"),
                }
            }
        }))
    }
}
