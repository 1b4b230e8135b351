//! The admin's shelter list: DV visibility, search, pagination, on SQLite and PostgreSQL.
use crate::common::*;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use app::entities::shelter;

async fn list(client: &Client, q: &str, page: &str) -> serde_json::Value {
    let res = client.call("list_shelters", &[("query", q), ("page", page)]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

const ADMIN: (&str, &str) = ("admin@list.example", FIXTURE_PASSWORD);
const ADMIN_NO_DV: (&str, &str) = ("intake@list.example", FIXTURE_PASSWORD);
const COORDINATOR: (&str, &str) = ("coordinator@list.example", FIXTURE_PASSWORD);

/// Five shelters, three of them DV ("Harbor ..."), and three users: admins with and without DV
/// access, and a coordinator.
fn five_shelters() -> Builder {
    TestApp::builder().coc(
        Coc::new("list", "TX-601")
            .user(User::admin(ADMIN.0).dv_access())
            .user(User::admin(ADMIN_NO_DV.0))
            .user(User::coordinator(COORDINATOR.0))
            .shelter(Shelter::new("N-1", "Downtown Shelter").line(ADULTS, 10, 5))
            .shelter(Shelter::new("N-2", "Eastside Shelter").line(ADULTS, 10, 5))
            .shelter(Shelter::new("DV-1", "Harbor House").dv().line(FAMILIES, 10, 5))
            .shelter(Shelter::new("DV-2", "Harbor Homes").dv().line(FAMILIES, 10, 5))
            .shelter(Shelter::new("DV-3", "Harbor Youth Refuge").dv().line(CHILDREN, 5, 2)),
    )
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["rows"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
}

async fn dv_shelters_are_absent_without_dv_access(app: TestApp) {
    let with = app.signed_in(ADMIN).await;
    let without = app.signed_in(ADMIN_NO_DV).await;
    let all = list(&with, "", "1").await;
    let some = list(&without, "", "1").await;
    assert_eq!(all["total"], 5);
    assert_eq!(some["total"], 2, "no DV shelter may be counted");
    assert!(names(&some).iter().all(|n| !n.contains("Harbor")), "{:?}", names(&some));
    assert!(!some.to_string().contains("\"is_dv\":true"));
    for q in ["Harbor", "DV-1", "harbor youth"] {
        assert_eq!(list(&without, q, "1").await["total"], 0, "{q}");
    }
    assert_eq!(list(&with, "harbor", "1").await["total"], 3);
    // The page shows the same: no DV row, no DV count.
    let page = without.page("/admin/shelters?q=Harbor").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("0 shelters matching"), "{}", page.body);
    // Coordinators have no shelter list.
    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.call("list_shelters", &[]).await.status, 404);
}
both_backends!(dv_shelters_are_absent_without_dv_access, with = five_shelters);

async fn search_and_pages(app: TestApp) {
    // 75 more shelters make 80: two pages of 50.
    let db = app.db().await;
    let template =
        shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("N-1")).one(&db).await.unwrap().unwrap();
    let extra: Vec<shelter::ActiveModel> = (0..75)
        .map(|i| {
            let mut m: shelter::ActiveModel = template.clone().into();
            m.id = sea_orm::ActiveValue::NotSet;
            m.public_id = Set(app::ssr::public_id::new());
            m.hmis_project_id = Set(format!("BULK-{i:03}"));
            m.name = Set(format!("Zeta Bulk Shelter {i:03}"));
            m
        })
        .collect();
    shelter::Entity::insert_many(extra).exec(&db).await.unwrap();

    let admin = app.signed_in(ADMIN).await;
    let first = list(&admin, "", "1").await;
    assert_eq!((first["total"].as_u64(), first["pages"].as_u64()), (Some(80), Some(2)));
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    let second = list(&admin, "", "2").await;
    assert_eq!(second["rows"].as_array().unwrap().len(), 30);
    assert!(names(&first).iter().all(|n| !names(&second).contains(n)), "pages overlap");
    // Out-of-range pages clamp; searches are case-insensitive and treat % and _ literally.
    assert_eq!(list(&admin, "", "999").await["page"], 2);
    assert_eq!(list(&admin, "zeta bulk", "1").await["total"], 75);
    assert_eq!(list(&admin, "bulk-01", "1").await["total"], 10);
    assert_eq!(list(&admin, "%", "1").await["total"], 0);
    assert_eq!(list(&admin, "_", "1").await["total"], 0);
    let page = admin.page("/admin/shelters?q=Zeta&page=2").await;
    assert!(page.body.contains("Page 2 of 2"), "{}", page.body);
}
both_backends!(search_and_pages, with = five_shelters);
