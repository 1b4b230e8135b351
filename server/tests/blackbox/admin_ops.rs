//! Operations' guard rails (issue 15 item 10) and the DV flag's database rules (item 5), on
//! SQLite and PostgreSQL.
use crate::common::*;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use app::entities::{outbox, shelter, tenant};

async fn the_dead_letter_cancel_takes_only_dead_letters(app: TestApp) {
    let db = app.db().await;
    let vendor = add_vendor(&db, "Clarity", "http://127.0.0.1:9/upload", true).await;
    let waiting = new_outbox_row(&vendor, "waiting", b"zip".to_vec(), Utc::now()).insert(&db).await.unwrap();
    let admin = app.signed_in(ADMIN).await;
    let refused = admin.call("cancel_delivery", &[("id", &waiting.public_id)]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(outbox::Entity::find_by_id(waiting.id).one(&db).await.unwrap().unwrap().state, State::Available);
}
both_backends!(the_dead_letter_cancel_takes_only_dead_letters);

async fn access_changes_are_audited_for_dv_admins_only(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let users = admin.call("list_users", &[]).await.json();
    let coordinator = users.as_array().unwrap().iter().find(|u| u["email"] == COORDINATOR.0).unwrap();
    let id = id_text(&coordinator["id"]);
    let granted = admin.call("update_user", &[("id", &id), ("role", "coordinator"), ("dv_access", "on")]).await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_eq!(admin.call("reset_user_password", &[("id", &id)]).await.status, 200);

    let audit = admin.call("list_admin_audit", &[]).await.json();
    let rows = audit.as_array().expect("a DV admin sees the audit");
    let actions: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), r["old_value"].as_str().unwrap(), r["new_value"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&("user.dv_access", "no DV access", "DV access")), "{actions:?}");
    assert!(actions.iter().any(|a| a.0 == "user.password_reset"), "{actions:?}");
    assert!(rows.iter().all(|r| r["by"] == "Dana Whitfield"), "{audit}");

    // An admin without DV access gets nothing (the subjects can name DV shelters).
    let without = app.signed_in(ADMIN_NO_DV).await;
    assert_eq!(without.call("list_admin_audit", &[]).await.json(), serde_json::Value::Null);
    assert_eq!(app.client().call("list_admin_audit", &[]).await.status, 401);
}
both_backends!(access_changes_are_audited_for_dv_admins_only);

async fn the_database_ties_target_population_one_to_the_dv_flag(app: TestApp) {
    let db = app.db().await;
    let dv =
        shelter::Entity::find().filter(shelter::Column::HmisProjectId.eq("PRJ-2010")).one(&db).await.unwrap().unwrap();
    assert_eq!((dv.target_population, dv.is_dv), (Some(1), true));
    let broken = db.execute_unprepared(&format!("UPDATE shelters SET is_dv = false WHERE id = {}", dv.id)).await;
    assert!(broken.is_err(), "TargetPopulation 1 without is_dv must be refused");
    let mut fine: shelter::ActiveModel = dv.clone().into();
    fine.target_population = Set(Some(4));
    fine.is_dv = Set(false);
    fine.update(&db).await.expect("not DV once TargetPopulation is not 1");

    let demo = tenant::Entity::find_by_id(dv.tenant_id).one(&db).await.unwrap().unwrap();
    for (shelters, beds) in [(2, 5), (3, 4)] {
        let low = db
            .execute_unprepared(&format!(
                "UPDATE tenants SET dv_min_shelters = {shelters}, dv_min_beds = {beds} WHERE id = {}",
                demo.id
            ))
            .await;
        assert!(low.is_err(), "DV thresholds of {shelters} shelters / {beds} beds must be refused");
    }
    db.execute_unprepared(&format!("UPDATE tenants SET dv_min_shelters = 4, dv_min_beds = 10 WHERE id = {}", demo.id))
        .await
        .unwrap();
}
both_backends!(the_database_ties_target_population_one_to_the_dv_flag);

#[test]
fn seed_demo_refuses_production() {
    let dir = std::env::temp_dir().join(format!("hmis-seed-prod-{}", std::process::id()));
    let bin = server_bin();
    let out = std::process::Command::new(bin)
        .arg("seed-demo")
        .env("HMIS_DATA_DIR", &dir)
        .env("HMIS_CONFIG", dir.join("none.toml"))
        .env("HMIS_ENVIRONMENT", "production")
        .env("HMIS_PUBLIC_URL", "https://bridge.example.org")
        .env("HMIS_METRICS_TOKEN", "a-long-random-metrics-token")
        .env("HMIS_SECRET_KEY", "a-secret-key-of-at-least-thirty-two-characters")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run seed-demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("does not run with environment = production"), "{stderr}");
    assert!(!dir.join("hmis-bridge.db").exists(), "it stops before touching the database");
    let _ = std::fs::remove_dir_all(&dir);
}
