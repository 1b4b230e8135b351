//! Benchmark: the admin's shelter list with 10,000 shelters (3 inventory lines each): the first
//! page, a search, and the last page, through HTTP, on SQLite and PostgreSQL. Prints the median
//! of 5 requests each, and the same figures for the 20-shelter demo for comparison.
//!
//! Run with `scripts/bench-shelter-list [SHELTERS]`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::Utc;
use common::{ADMIN, Backend, Client, TestApp};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use app::entities::{inventory, shelter};

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
    let db = app.db().await;
    let template = shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("PRJ-2001")).one(&db).await.unwrap().unwrap();
    let line = inventory::Entity::find().filter(inventory::Column::ShelterId.eq(template.id)).one(&db).await.unwrap().unwrap();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let shelters: Vec<shelter::ActiveModel> = chunk
            .iter()
            .map(|i| {
                let mut m: shelter::ActiveModel = template.clone().into();
                m.id = NotSet;
                m.hmis_project_id = Set(format!("BULK-{i:06}"));
                m.name = Set(format!("Bulk Shelter {i:06}"));
                m
            })
            .collect();
        shelter::Entity::insert_many(shelters).exec(&db).await.unwrap();
        let ids: Vec<i64> = shelter::Entity::find()
            .filter(shelter::Column::HmisProjectId.is_in(chunk.iter().map(|i| format!("BULK-{i:06}"))))
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        let lines: Vec<inventory::ActiveModel> = ids
            .iter()
            .flat_map(|id| {
                [1, 3, 4].map(|household_type| {
                    let mut l: inventory::ActiveModel = line.clone().into();
                    l.id = NotSet;
                    l.shelter_id = Set(*id);
                    l.household_type = Set(household_type);
                    l.created_at = Set(Utc::now());
                    l
                })
            })
            .collect();
        inventory::Entity::insert_many(lines).exec(&db).await.unwrap();
    }
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
        row(20, median_ms(&admin, "", "1").await, median_ms(&admin, "family", "1").await, median_ms(&admin, "", "999").await);
        add_shelters(&app, count).await;
        let total = admin.call("list_shelters", &[]).await.json()["total"].as_u64().unwrap();
        row(total, median_ms(&admin, "", "1").await, median_ms(&admin, "shelter 0099", "1").await, median_ms(&admin, "", "99999").await);
    }
}
