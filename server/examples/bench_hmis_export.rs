//! Benchmark: build the HMIS CSV zip (read the tenant's data, transform, write the zip: the path
//! the download, the CLI and pushes take) for 1,000, 10,000 and 100,000 shelters with 3 inventory
//! lines and a bed count each, one in ten a DV shelter, on SQLite and PostgreSQL. Prints the
//! median time of 3 builds, the peak heap the build adds, the zip's size, and the growth from one
//! size to the next (10.0 = linear).
//!
//! Run with `scripts/bench-hmis-export [SHELTERS...]`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::Utc;
use common::{Backend, TestApp};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use app::entities::tenant;
use app::ssr::scope::TenantScope;

/// Counts live heap bytes and their peak, so one build's memory can be measured in-process.
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Add shelters numbered `from..to` (every tenth a DV shelter) and a bed count for each line.
async fn add_shelters(db: &DatabaseConnection, from: usize, to: usize) {
    common::add_bulk_shelters(db, from..to, Some(10)).await;
    // One bed count for every line that has none yet.
    db.execute_unprepared(
        "INSERT INTO bed_snapshots (tenant_id, inventory_id, beds_total, beds_occupied, updated_by, recorded_at) \
         SELECT i.tenant_id, i.id, i.bed_inventory, i.bed_inventory * 9 / 10, 1, i.created_at FROM inventories i \
         WHERE NOT EXISTS (SELECT 1 FROM bed_snapshots b WHERE b.inventory_id = i.id)",
    )
    .await
    .unwrap();
}

struct Figures {
    /// Medians: the whole build, and its read + transform part.
    millis: f64,
    build_millis: f64,
    peak_mb: f64,
    zip_mb: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn measure(db: &DatabaseConnection, scope: TenantScope) -> Figures {
    let (mut times, mut builds) = (Vec::new(), Vec::new());
    let (mut peak, mut size) = (0, 0);
    for _ in 0..3 {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let started = Instant::now();
        // The steps of `hmis::ssr::zip`, timed apart.
        let run = app::hmis::ssr::new_run(db, scope, Utc::now(), &Default::default()).await.unwrap();
        let (_, export) = app::hmis::ssr::export(db, scope, &run).await.unwrap();
        builds.push(started.elapsed().as_secs_f64() * 1000.0);
        let bytes = app::hmis::csv::write_zip(&export, app::hmis::csv::FileSet::Descriptors).unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        peak = peak.max(PEAK.load(Ordering::Relaxed) - base);
        size = bytes.len();
    }
    Figures {
        millis: median(times),
        build_millis: median(builds),
        peak_mb: peak as f64 / 1e6,
        zip_mb: size as f64 / 1e6,
    }
}

#[tokio::main]
async fn main() {
    let mut sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![1_000, 10_000, 100_000];
    }
    sizes.sort_unstable();
    println!("HMIS CSV zip: read + transform + write, median of 3 builds; growth = time / time at the previous size");
    println!(
        "{:<9} {:>9} {:>9} {:>10} {:>10} {:>10} {:>11} {:>9} {:>8} {:>11}",
        "backend",
        "shelters",
        "lines",
        "time ms",
        "read+tf ms",
        "write ms",
        "us/shelter",
        "peak MB",
        "zip MB",
        "growth"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let db = app.db().await;
        let demo = tenant::Entity::find().one(&db).await.unwrap().unwrap();
        let scope = TenantScope::for_operator(demo.id);
        let (mut added, mut previous) = (0, None::<(usize, f64)>);
        for &target in &sizes {
            add_shelters(&db, added, target).await;
            added = target;
            let f = measure(&db, scope).await;
            let growth =
                previous.map(|(n, ms)| format!("{:.1}x/{}x", f.millis / ms, target / n)).unwrap_or_else(|| "-".into());
            println!(
                "{:<9} {:>9} {:>9} {:>10.1} {:>10.1} {:>10.1} {:>11.1} {:>9.1} {:>8.2} {:>11}",
                format!("{backend:?}").to_lowercase(),
                target,
                target * 3,
                f.millis,
                f.build_millis,
                f.millis - f.build_millis,
                f.millis * 1000.0 / target as f64,
                f.peak_mb,
                f.zip_mb,
                growth
            );
            previous = Some((target, f.millis));
        }
    }
}
