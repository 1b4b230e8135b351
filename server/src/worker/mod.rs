//! The delivery worker: claims due outbox rows, hands each to its vendor's adapter outside any
//! transaction, records the outcome, keeps a circuit breaker per vendor and rescues rows whose
//! lease ran out. It runs inside `serve` and alone as `worker` (extra replicas).
pub mod backoff;
pub mod breaker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::Notify;

use app::entities::{outbox, vendor};
use app::outbox::ssr::{AttemptRecord, claim, extend_lease, finish, rescue_expired, snooze};
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
    /// Rows claimed (and delivered at once) per round.
    pub concurrency: u64,
    /// How long a claim holds a row before the rescuer may take it back; refreshed while the
    /// delivery runs.
    pub lease: chrono::Duration,
    /// Look for due rows this often even without a wake-up (retries, other replicas' pushes).
    pub poll_every: Duration,
    pub breaker: BreakerSettings,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            concurrency: 8,
            lease: chrono::Duration::minutes(2),
            poll_every: Duration::from_secs(5),
            breaker: BreakerSettings::default(),
        }
    }
}

/// The worker the binary runs: system clock, the HTTP adapter, default settings.
pub fn start(db: DatabaseConnection, wake: Arc<Notify>, policy: crate::vendors::outbound::OutboundPolicy) -> anyhow::Result<Arc<Worker>> {
    let adapter = Arc::new(crate::vendors::http_post::HttpPost::new(Duration::from_secs(60), policy)?);
    Ok(Worker::new(db, Arc::new(SystemClock), adapter, WorkerSettings::default(), wake))
}

pub struct Worker {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    adapter: Arc<dyn VendorAdapter>,
    settings: WorkerSettings,
    /// Per vendor; the lock is never held across an await.
    breakers: Mutex<HashMap<i64, Breaker>>,
    wake: Arc<Notify>,
}

/// What one round did.
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
        Arc::new(Worker { db, clock, adapter, settings, breakers: Mutex::new(HashMap::new()), wake })
    }

    /// The circuit state of a vendor as this worker sees it.
    pub fn breaker_state(&self, vendor_id: i64) -> BreakerState {
        let now = self.clock.now();
        self.breakers.lock().map(|b| b.get(&vendor_id).map_or(BreakerState::Closed, |b| b.state(now))).unwrap_or(BreakerState::Closed)
    }

    /// One round: rescue expired leases, queue scheduled pushes that are due, claim what is due
    /// now, deliver it all concurrently.
    pub async fn run_round(self: &Arc<Self>) -> anyhow::Result<Round> {
        let now = self.clock.now();
        let rescued = rescue_expired(&self.db, now).await?;
        app::outbox::push::queue_scheduled(&self.db, now).await?;
        let rows = claim(&self.db, now, self.settings.concurrency, self.settings.lease).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for row in rows {
            let worker = self.clone();
            tasks.spawn(async move { worker.deliver(row).await });
        }
        let mut round = Round { rescued, ..Default::default() };
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(true)) => round.attempted += 1,
                Ok(Ok(false)) => round.snoozed += 1,
                Ok(Err(e)) => tracing::error!(error = %e, "outbox delivery could not be recorded"),
                Err(e) => tracing::error!(error = %e, "outbox delivery task failed"),
            }
        }
        Ok(round)
    }

    /// Rounds until nothing is due now (what tests call `drain_outbox`). Snoozed rows are due
    /// later, so they end the drain.
    pub async fn drain(self: &Arc<Self>) -> anyhow::Result<Round> {
        let mut total = Round::default();
        loop {
            let round = self.run_round().await?;
            total.attempted += round.attempted;
            total.snoozed += round.snoozed;
            total.rescued += round.rescued;
            if round.attempted == 0 {
                return Ok(total);
            }
        }
    }

    /// Until `shutdown` resolves: drain, then wait for a wake-up or the poll interval. A round
    /// under way when shutdown comes finishes its deliveries first.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.drain().await {
                tracing::error!(error = %e, "outbox worker round failed");
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll_every) => {}
            }
        }
        tracing::info!("outbox worker stopped");
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
                    return Ok(false);
                }
                let refresher = self.keep_lease(&row);
                let outcome = self.adapter.deliver(v, &row).await;
                refresher.abort();
                // A rejected payload says the vendor is up; only transient failures trip it.
                let success = !matches!(outcome, Outcome::Transient { .. });
                self.with_breaker(v.id, |b| b.record(success, self.clock.now()));
                outcome
            }
            _ => Outcome::Permanent { error: "the vendor was removed or disabled before delivery".into() },
        };
        let done = self.clock.now();
        let (kind, detail) = (outcome.kind(), outcome.error().to_string());
        let next = after_attempt(row.attempt, row.max_attempts, outcome, done, |attempt, retry_after| {
            backoff::retry_delay(attempt, retry_after, &mut rand::rng())
        });
        let state = next.state;
        let kept = finish(&self.db, &row, next, AttemptRecord { outcome: kind, detail: &detail }, done).await?;
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
