//! Benchmark: the HMIS Export tab (`GET /admin/hmis-export`, the whole server-rendered page) with
//! 1,000 projects, at 1 and at 16 concurrent signed-in admins, on SQLite and PostgreSQL. Prints
//! p50 and p99 latency, pages per second, the page's size, and the server's resident memory after
//! the load. One warm-up pass builds the export the tab then reuses while no data changes.
//!
//! Run with `scripts/bench-hmis-tab [PROJECTS] [REQUESTS_PER_CLIENT]`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{ADMIN, Backend, Client, TestApp};

const TAB: &str = "/admin/hmis-export";

/// Resident memory of process `pid` in MB (Linux).
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// `clients` admins each fetching the tab `requests` times at once: latencies and the wall time.
async fn load(clients: &[Client], requests: usize) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|client| {
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(requests);
                for _ in 0..requests {
                    let t = Instant::now();
                    let page = client.page(TAB).await;
                    assert_eq!(page.status, 200);
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a client"));
    }
    all.sort();
    (all, started.elapsed())
}

#[tokio::main]
async fn main() {
    let projects: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let requests: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    println!("HMIS Export tab, {projects} projects, {requests} pages per admin");
    println!(
        "{:<10} {:>11} {:>9} {:>9} {:>10} {:>10} {:>12}",
        "backend", "connections", "p50 ms", "p99 ms", "pages/s", "page KB", "server MB"
    );
    let mut baselines = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let admin = app.signed_in(ADMIN).await;
        let existing = admin.call("list_shelters", &[]).await.json()["total"].as_u64().unwrap_or(0) as usize;
        common::add_bulk_shelters(&app.db().await, 0..projects.saturating_sub(existing), None).await;
        let mut clients = vec![admin];
        for _ in 1..16 {
            clients.push(app.signed_in(ADMIN).await);
        }
        baselines.push((backend, rss_mb(app.server_pid())));
        let size = clients[0].page(TAB).await.body.len() as f64 / 1024.0;
        for connections in [1usize, 16] {
            let (times, wall) = load(&clients[..connections], requests).await;
            println!(
                "{:<10} {:>11} {:>9.1} {:>9.1} {:>10.1} {:>10.0} {:>12.1}",
                format!("{backend:?}").to_lowercase(),
                connections,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times.len() as f64 / wall.as_secs_f64(),
                size,
                rss_mb(app.server_pid()),
            );
        }
    }
    for (backend, mb) in baselines {
        println!("{backend:?}: server memory before the first page {mb:.1} MB (data loaded, 16 admins signed in)");
    }
}
