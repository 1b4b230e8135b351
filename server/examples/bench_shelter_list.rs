//! Benchmark: the admin's shelter list with 10,000 shelters (3 inventory lines each): the first
//! page, a search, and the last page, through HTTP, on SQLite and PostgreSQL. Prints the median
//! of 5 requests each, and the same figures for the 20-shelter demo for comparison.
//!
//! Run with `scripts/bench-shelter-list [SHELTERS]`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::{ADMIN, Backend, Client, TestApp};

async fn median_ms(client: &Client, query: &str, page: &str) -> f64 {
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let res = client.call("list_shelters", &[("query", query), ("page", page)]).await;
        assert_eq!(res.status, 200, "{}", res.body);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[2]
}

async fn add_shelters(app: &TestApp, count: usize) {
    common::add_bulk_shelters(&app.db().await, 0..count, None).await;
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    println!("admin shelter list, median of 5 requests (ms)");
    println!("{:<10} {:>9} {:>12} {:>12} {:>12}", "backend", "shelters", "first page", "search", "last page");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let admin = app.signed_in(ADMIN).await;
        let row = |n: u64, a: f64, b: f64, c: f64| {
            println!("{:<10} {:>9} {:>12.1} {:>12.1} {:>12.1}", format!("{backend:?}").to_lowercase(), n, a, b, c)
        };
        row(
            20,
            median_ms(&admin, "", "1").await,
            median_ms(&admin, "family", "1").await,
            median_ms(&admin, "", "999").await,
        );
        add_shelters(&app, count).await;
        let total = admin.call("list_shelters", &[]).await.json()["total"].as_u64().unwrap();
        row(
            total,
            median_ms(&admin, "", "1").await,
            median_ms(&admin, "shelter 0099", "1").await,
            median_ms(&admin, "", "99999").await,
        );
    }
}
