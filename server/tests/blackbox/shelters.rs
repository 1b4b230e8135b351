//! The admin's shelter list: DV visibility, search, pagination, on SQLite and PostgreSQL.
use crate::common::*;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use app::entities::shelter;

async fn list(client: &Client, q: &str, page: &str) -> serde_json::Value {
    let res = client.call("list_shelters", &[("query", q), ("page", page)]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["rows"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
}

async fn dv_shelters_are_absent_without_dv_access(app: TestApp) {
    let with = app.signed_in(ADMIN).await;
    let without = app.signed_in(ADMIN_NO_DV).await;
    let all = list(&with, "", "1").await;
    let some = list(&without, "", "1").await;
    assert_eq!(all["total"], 20);
    assert_eq!(some["total"], 16, "no DV shelter may be counted");
    assert!(names(&some).iter().all(|n| !n.contains("SafeHarbor") && !n.contains("Women's")), "{:?}", names(&some));
    assert!(!some.to_string().contains("\"is_dv\":true"));
    for q in ["SafeHarbor", "PRJ-2007", "safeharbor youth"] {
        assert_eq!(list(&without, q, "1").await["total"], 0, "{q}");
    }
    assert_eq!(list(&with, "safeharbor", "1").await["total"], 3);
    // The page shows the same: no DV row, no DV count.
    let page = without.page("/admin/shelters?q=SafeHarbor").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("0 shelters matching"), "{}", page.body);
    // Coordinators have no shelter list.
    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.call("list_shelters", &[]).await.status, 404);
}
both_backends!(dv_shelters_are_absent_without_dv_access);

async fn search_and_pages(app: TestApp) {
    // 60 more shelters make three pages of 50.
    let db = app.db().await;
    let template =
        shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("PRJ-2001")).one(&db).await.unwrap().unwrap();
    let extra: Vec<shelter::ActiveModel> = (0..60)
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
    assert_eq!(list(&admin, "zeta bulk", "1").await["total"], 60);
    assert_eq!(list(&admin, "bulk-01", "1").await["total"], 10);
    assert_eq!(list(&admin, "%", "1").await["total"], 0);
    assert_eq!(list(&admin, "_", "1").await["total"], 0);
    let page = admin.page("/admin/shelters?q=Zeta&page=2").await;
    assert!(page.body.contains("Page 2 of 2"), "{}", page.body);
}
both_backends!(search_and_pages);
