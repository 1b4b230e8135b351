//! The delivery worker: claims due outbox rows, hands each to its vendor's adapter outside any
//! transaction, records the outcome, keeps a circuit breaker per vendor and rescues rows whose
//! lease ran out. It runs inside `serve` and alone as `worker` (extra replicas).
pub mod backoff;
pub mod breaker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::Notify;

use app::entities::{outbox, vendor};
use app::outbox::ssr::{AttemptRecord, claim, extend_lease, finish, record_circuit, rescue_expired, snooze};
use app::outbox::state::{Outcome, after_attempt};

use crate::vendors::VendorAdapter;
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
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            concurrency: 8,
            lease: chrono::Duration::minutes(2),
            poll_every: Duration::from_secs(5),
            retry_base: backoff::BASE,
            breaker: BreakerSettings::default(),
        }
    }
}

/// The worker the binary runs: system clock, the HTTP adapter, the configured settings.
pub fn start(db: DatabaseConnection, wake: Arc<Notify>, settings: &crate::config::Settings) -> anyhow::Result<Arc<Worker>> {
    let adapter = Arc::new(crate::vendors::http_post::HttpPost::new(Duration::from_secs(60), settings.outbound_policy())?);
    let worker = WorkerSettings {
        concurrency: settings.worker_concurrency,
        lease: chrono::Duration::seconds(settings.worker_lease_seconds as i64),
        retry_base: Duration::from_secs(settings.retry_base_seconds),
        ..WorkerSettings::default()
    };
    Ok(Worker::new(db, Arc::new(SystemClock), adapter, worker, wake))
}

pub struct Worker {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    adapter: Arc<dyn VendorAdapter>,
    settings: WorkerSettings,
    /// Per vendor; the lock is never held across an await.
    breakers: Mutex<HashMap<i64, Breaker>>,
    wake: Arc<Notify>,
    /// Set on shutdown: claim nothing more.
    stopping: AtomicBool,
}

/// What a drain did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub attempted: usize,
    pub snoozed: usize,
    pub rescued: usize,
}

impl Worker {
    /// `wake` is notified by in-process enqueues (`AppState::outbox_wake`) so new pushes go out
    /// at once; rows enqueued by another replica are found by polling.
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        adapter: Arc<dyn VendorAdapter>,
        settings: WorkerSettings,
        wake: Arc<Notify>,
    ) -> Arc<Worker> {
        Arc::new(Worker { db, clock, adapter, settings, breakers: Mutex::new(HashMap::new()), wake, stopping: AtomicBool::new(false) })
    }

    /// The circuit state of a vendor as this worker sees it.
    pub fn breaker_state(&self, vendor_id: i64) -> BreakerState {
        let now = self.clock.now();
        self.breakers.lock().map(|b| b.get(&vendor_id).map_or(BreakerState::Closed, |b| b.state(now))).unwrap_or(BreakerState::Closed)
    }

    /// Deliver everything due now (what tests call `drain_outbox`): rescue expired leases, queue
    /// scheduled pushes that are due, then keep up to `concurrency` deliveries in flight, claiming
    /// more as they finish, until nothing due is left or the worker is stopping. Snoozed and
    /// retried rows are due later, so they end the drain. Deliveries under way always finish.
    pub async fn drain(self: &Arc<Self>) -> anyhow::Result<Round> {
        let now = self.clock.now();
        let mut total = Round { rescued: rescue_expired(&self.db, now).await?, ..Default::default() };
        metrics::counter!(crate::metrics::RESCUED).increment(total.rescued as u64);
        app::outbox::push::queue_scheduled(&self.db, now).await?;
        let limit = self.settings.concurrency as usize;
        let mut in_flight = tokio::task::JoinSet::new();
        let mut failed = None;
        loop {
            // Top up once half the slots are free (one claim statement per batch), or when idle.
            let free = limit - in_flight.len();
            if failed.is_none() && !self.stopping.load(Ordering::Relaxed) && (in_flight.is_empty() || free * 2 >= limit) {
                match claim(&self.db, self.clock.now(), free as u64, self.settings.lease).await {
                    Ok(rows) => {
                        for row in rows {
                            let worker = self.clone();
                            in_flight.spawn(async move { worker.deliver(row).await });
                        }
                    }
                    // Stop claiming; what is in flight still finishes and is recorded.
                    Err(e) => failed = Some(e),
                }
            }
            match in_flight.join_next().await {
                None => break,
                Some(Ok(Ok(true))) => total.attempted += 1,
                Some(Ok(Ok(false))) => total.snoozed += 1,
                Some(Ok(Err(e))) => tracing::error!(error = %e, "outbox delivery could not be recorded"),
                Some(Err(e)) => tracing::error!(error = %e, "outbox delivery task failed"),
            }
        }
        match failed {
            Some(e) => Err(e.into()),
            None => Ok(total),
        }
    }

    /// Until `shutdown` resolves: drain, then wait for a wake-up, the next retry or the poll
    /// interval. On shutdown it stops claiming and lets the deliveries under way finish.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let drained = self.drain();
            tokio::pin!(drained);
            let result = tokio::select! {
                result = &mut drained => result,
                _ = &mut shutdown => {
                    self.stopping.store(true, Ordering::Relaxed);
                    drained.await.map(|_| ()).unwrap_or_else(|e| tracing::error!(error = %e, "outbox worker round failed"));
                    break;
                }
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "outbox worker round failed");
            }
            let idle = self.idle_for().await;
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(idle) => {}
            }
        }
        tracing::info!("outbox worker stopped");
    }

    /// Until the next waiting row is due, at most the poll interval (other replicas' pushes and
    /// schedules), at least a moment.
    async fn idle_for(&self) -> Duration {
        let until_due = match app::outbox::ssr::next_due(&self.db).await {
            Ok(Some(due)) => (due - self.clock.now()).to_std().unwrap_or_default(),
            Ok(None) => self.settings.poll_every,
            Err(e) => {
                tracing::warn!(error = %e, "could not read when the next delivery is due");
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

    /// Deliver one claimed row. Ok(false) when it was snoozed (open circuit) without an attempt.
    async fn deliver(self: Arc<Self>, row: outbox::Model) -> anyhow::Result<bool> {
        let now = self.clock.now();
        let vendor = vendor::Entity::find_by_id(row.vendor_id).one(&self.db).await?;
        let outcome = match &vendor {
            Some(v) if v.enabled => {
                if let Admission::SnoozeUntil(until) = self.with_breaker(v.id, |b| b.admit(now)) {
                    snooze(&self.db, &row, until).await?;
                    metrics::counter!(crate::metrics::SNOOZED, "vendor" => v.id.to_string()).increment(1);
                    return Ok(false);
                }
                let refresher = self.keep_lease(&row);
                let started = std::time::Instant::now();
                let outcome = self.adapter.deliver(v, &row).await;
                refresher.abort();
                let labels = [("vendor", v.id.to_string()), ("outcome", outcome.kind().to_string())];
                metrics::histogram!(crate::metrics::DELIVERY_SECONDS, &labels).record(started.elapsed().as_secs_f64());
                metrics::counter!(crate::metrics::ATTEMPTS, &labels).increment(1);
                // A rejected payload says the vendor is up; only transient failures trip it.
                let success = !matches!(outcome, Outcome::Transient { .. });
                let changed = self.with_breaker(v.id, |b| {
                    let before = b.open_until();
                    b.record(success, self.clock.now());
                    (b.open_until() != before).then(|| b.open_until())
                });
                if let Some(open_until) = changed {
                    tracing::info!(event = "outbox.circuit", vendor.id = v.id, open = open_until.is_some(), "vendor circuit changed");
                    // Only what the tab shows: the attempt is still recorded if this fails.
                    if let Err(e) = record_circuit(&self.db, v.id, open_until).await {
                        tracing::warn!(error = %e, vendor.id = v.id, "could not record the circuit state");
                    }
                }
                outcome
            }
            _ => Outcome::Permanent { error: "the vendor was removed or disabled before delivery".into() },
        };
        let done = self.clock.now();
        let (kind, detail) = (outcome.kind(), outcome.error().to_string());
        let next = after_attempt(row.attempt, row.max_attempts, outcome, done, |attempt, retry_after| {
            backoff::retry_delay(self.settings.retry_base, attempt, retry_after, &mut rand::rng())
        });
        let state = next.state;
        let kept = finish(&self.db, &row, next, AttemptRecord { outcome: kind, detail: &detail }, done).await?;
        if kept && state == app::outbox::state::State::Discarded {
            metrics::counter!(crate::metrics::DEAD_LETTERED, "vendor" => row.vendor_id.to_string()).increment(1);
        }
        tracing::info!(
            event = "outbox.attempt",
            outbox.id = row.id,
            vendor.id = row.vendor_id,
            attempt = row.attempt,
            outcome = kind,
            outbox.state = state.as_str(),
            recorded = kept,
            "delivery attempt"
        );
        Ok(true)
    }

    /// Refresh the row's lease every third of it while the delivery runs.
    fn keep_lease(&self, row: &outbox::Model) -> tokio::task::JoinHandle<()> {
        let (db, clock, lease, row) = (self.db.clone(), self.clock.clone(), self.settings.lease, row.clone());
        let every = (lease / 3).to_std().unwrap_or(Duration::from_secs(30)).max(Duration::from_millis(100));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match extend_lease(&db, &row, clock.now() + lease).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e, outbox.id = row.id, "could not extend the lease"),
                }
            }
        })
    }
}
