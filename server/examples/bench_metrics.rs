//! Benchmark: a Prometheus scrape (`GET /metrics`) as the CoCs and vendors grow: the demo CoC with
//! 10 vendors, then 100 CoCs with 1,000 vendors (and 23,000 outbox rows: per vendor 2 waiting, 1
//! dead letter, 20 delivered), on SQLite and PostgreSQL. Prints p50 and p99 of 200 scrapes, the
//! answer's size, and the large setup's p50 over the small one's, measured in the same run. The
//! database is read in one query per scrape (`app::outbox::ssr::queue_gauges`).
//!
//! Run with `scripts/bench-metrics`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};

use app::entities::{outbox, tenant, vendor};
use common::{Backend, State, TestApp, new_outbox_row, new_vendor};

const SCRAPES: usize = 200;

fn ms(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// `SCRAPES` scrapes one after another: their times, sorted, and the answer's size.
async fn scrapes(base: &str) -> (Vec<Duration>, usize) {
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(SCRAPES);
    let mut size = 0;
    for _ in 0..SCRAPES {
        let started = Instant::now();
        let res = http.get(format!("{base}/metrics")).send().await.expect("scrape");
        assert_eq!(res.status(), 200);
        size = res.bytes().await.expect("body").len();
        times.push(started.elapsed());
    }
    times.sort();
    (times, size)
}

/// `count` vendors of `tenant_id` with their outbox rows.
async fn add_vendors(db: &DatabaseConnection, tenant_id: i64, prefix: &str, count: usize) {
    let now = Utc::now();
    let mut rows = Vec::new();
    for i in 0..count {
        let v = new_vendor(tenant_id, &format!("{prefix} vendor {i}"), "https://hmis.example.org/upload");
        let v: vendor::Model = v.insert(db).await.expect("vendor");
        for n in 0..23 {
            let mut row = new_outbox_row(&v, &format!("bench-{n}"), b"{}".to_vec(), now);
            let state = match n {
                0 | 1 => State::Available,
                2 => State::Discarded,
                _ => State::Completed,
            };
            row.state = Set(state);
            row.finalized_at = Set((state != State::Available).then_some(now));
            rows.push(row);
        }
    }
    for chunk in rows.chunks(500) {
        outbox::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.expect("outbox rows");
    }
}

#[tokio::main]
async fn main() {
    println!("GET /metrics, {SCRAPES} scrapes one after another");
    println!(
        "{:<10} {:>7} {:>8} {:>9} {:>9} {:>9} {:>13}",
        "backend", "CoCs", "vendors", "p50 ms", "p99 ms", "KB", "p50 vs small"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let db = app.db().await;
        let demo = tenant::Entity::find().one(&db).await.expect("read").expect("the demo CoC");
        add_vendors(&db, demo.id, "Demo", 10).await;
        let (small, small_size) = scrapes(&app.base).await;
        let row = |cocs: usize, vendors: usize, times: &[Duration], size: usize, ratio: String| {
            println!(
                "{:<10} {:>7} {:>8} {:>9.2} {:>9.2} {:>9.1} {:>13}",
                format!("{backend:?}"),
                cocs,
                vendors,
                ms(times, 0.5),
                ms(times, 0.99),
                size as f64 / 1024.0,
                ratio
            )
        };
        row(1, 10, &small, small_size, "1.00".into());
        for n in 1..100 {
            let coc = tenant::ActiveModel {
                name: Set(format!("Bench CoC {n}")),
                slug: Set(format!("bench-{n}")),
                coc_codes: Set(format!("TX-{:03}", 100 + n)),
                dv_min_shelters: Set(3),
                dv_min_beds: Set(5),
                time_zone: Set("America/Chicago".into()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&db)
            .await
            .expect("CoC");
            add_vendors(&db, coc.id, &format!("CoC {n}"), 10).await;
        }
        // With the demo CoC's 10: 100 CoCs, 1,000 vendors.
        let (large, large_size) = scrapes(&app.base).await;
        row(100, 1000, &large, large_size, format!("{:.2}", ms(&large, 0.5) / ms(&small, 0.5)));
    }
}
