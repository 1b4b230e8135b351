//! Benchmark: bed-count updates per second through the real HTTP endpoint (signed-in sessions,
//! validation, version check, snapshot rows in one transaction) against the raw rate of inserting
//! the same snapshot rows directly, at the same concurrency, on SQLite and on PostgreSQL.
//!
//! Run with `scripts/bench-bed-updates [UPDATES]`; it prints the figures and the ratio.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::Utc;
use common::{Backend, COORDINATOR, TestApp, id_text};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::Value;

use app::entities::bed_snapshot;

struct Figures {
    updates: usize,
    rows: usize,
    seconds: f64,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.updates as f64 / self.seconds
    }
}

/// Each worker owns one shelter and submits `per_worker` updates of all its lines.
async fn through_http(app: &TestApp, per_worker: usize) -> (Figures, Vec<Value>) {
    let probe = app.signed_in(COORDINATOR).await;
    let shelters: Vec<Value> = probe.call("list_my_shelters", &[]).await.json().as_array().unwrap().clone();
    let mut clients = Vec::new();
    for _ in &shelters {
        clients.push(app.signed_in(COORDINATOR).await);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (client, shelter) in clients.into_iter().zip(shelters.clone()) {
        tasks.push(tokio::spawn(async move {
            let first_version = shelter["counts_version"].as_i64().unwrap();
            let lines = shelter["lines"].as_array().unwrap().clone();
            for (i, version) in (0..per_worker).zip(first_version..) {
                let mut form = vec![
                    ("shelter_id".to_string(), id_text(&shelter["id"])),
                    ("version".to_string(), version.to_string()),
                ];
                for (n, line) in lines.iter().enumerate() {
                    let total = line["beds_total"].as_i64().unwrap();
                    form.push((format!("lines[{n}][inventory_id]"), id_text(&line["inventory_id"])));
                    form.push((format!("lines[{n}][total]"), total.to_string()));
                    form.push((format!("lines[{n}][occupied]"), ((i as i64) % (total + 1)).to_string()));
                }
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let res = client.call("update_bed_counts", &pairs).await;
                assert_eq!(res.status, 200, "{}", res.body);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let rows: usize = shelters.iter().map(|s| s["lines"].as_array().unwrap().len()).sum::<usize>() * per_worker;
    (Figures { updates: shelters.len() * per_worker, rows, seconds }, shelters)
}

/// The same snapshot rows inserted straight into the database, one transaction per update.
async fn raw_inserts(
    db: &DatabaseConnection,
    shelters: &[Value],
    per_worker: usize,
    user_id: i64,
    tenant_id: i64,
) -> Figures {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for shelter in shelters.iter().cloned() {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            // The page carries public ids; the raw inserts need the row ids behind them.
            let mut lines: Vec<(i64, i32)> = Vec::new();
            for l in shelter["lines"].as_array().unwrap() {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                let row = app::entities::inventory::Entity::find()
                    .filter(app::entities::inventory::Column::PublicId.eq(id_text(&l["inventory_id"])))
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap();
                lines.push((row.id, l["beds_total"].as_i64().unwrap() as i32));
            }
            for i in 0..per_worker {
                let txn = app::ssr::begin_write(&db).await.unwrap();
                for (inventory_id, total) in &lines {
                    bed_snapshot::ActiveModel {
                        tenant_id: Set(tenant_id),
                        inventory_id: Set(*inventory_id),
                        beds_total: Set(*total),
                        beds_occupied: Set((i as i32) % (total + 1)),
                        updated_by: Set(Some(user_id)),
                        recorded_at: Set(Utc::now()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await
                    .unwrap();
                }
                txn.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rows = shelters.iter().map(|s| s["lines"].as_array().unwrap().len()).sum::<usize>() * per_worker;
    Figures { updates: shelters.len() * per_worker, rows, seconds: started.elapsed().as_secs_f64() }
}

async fn ids(db: &DatabaseConnection) -> (i64, i64) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let u = app::entities::user::Entity::find()
        .filter(app::entities::user::Column::Email.eq(COORDINATOR.0))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    (u.id, u.tenant_id.unwrap())
}

#[tokio::main]
async fn main() {
    let updates: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    println!("bed-count updates: HTTP endpoint vs raw snapshot inserts ({updates} updates per run)");
    println!(
        "{:<10} {:>6} {:>12} {:>14} {:>14} {:>8}",
        "backend", "conc.", "rows/update", "http upd/s", "raw upd/s", "ratio"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let probe = app.signed_in(COORDINATOR).await;
        let workers = probe.call("list_my_shelters", &[]).await.json().as_array().unwrap().len();
        let per_worker = updates.div_ceil(workers);
        let (http, shelters) = through_http(&app, per_worker).await;
        let db = app.db().await;
        let (user_id, tenant_id) = ids(&db).await;
        let raw = raw_inserts(&db, &shelters, per_worker, user_id, tenant_id).await;
        println!(
            "{:<10} {:>6} {:>12.2} {:>14.0} {:>14.0} {:>8.2}",
            format!("{backend:?}").to_lowercase(),
            workers,
            http.rows as f64 / http.updates as f64,
            http.per_second(),
            raw.per_second(),
            http.per_second() / raw.per_second()
        );
    }
}
