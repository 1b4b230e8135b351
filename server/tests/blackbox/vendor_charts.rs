//! The vendor page's attempts-and-latency charts on SQLite and PostgreSQL: audit rows written
//! straight into `push_audit` show up as the right counts and median latency for that vendor
//! only and only inside the windows, drawn as SVG with a summary a screen reader gets; a vendor
//! without attempts gets a sentence instead of an empty chart.
use crate::common::*;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

use app::entities::{outbox, push_audit, vendor};
use app::outbox::state::AuditOutcome;

/// One attempt of a delivery to `v`, at `at`, as the worker records it.
async fn attempt(
    db: &DatabaseConnection,
    v: &vendor::Model,
    at: DateTime<Utc>,
    outcome: AuditOutcome,
    dead_letter: bool,
    duration_ms: Option<i32>,
) {
    let key = format!("chart-{}", app::ssr::public_id::new());
    let row: outbox::Model = new_outbox_row(v, &key, b"PK payload".to_vec(), at).insert(db).await.unwrap();
    push_audit::ActiveModel {
        tenant_id: Set(row.tenant_id),
        vendor_id: Set(row.vendor_id),
        outbox_id: Set(row.id),
        attempt: Set(1),
        at: Set(at),
        records: Set(row.record_count),
        outcome: Set(outcome),
        detail: Set(String::new()),
        payload_sha256: Set(row.payload_sha256.clone()),
        sent_sha256: Set(None),
        duration_ms: Set(duration_ms),
        dead_letter: Set(dead_letter),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

/// The opening tags of the page's chart SVGs.
fn chart_tags(html: &str) -> Vec<&str> {
    html.match_indices("<svg")
        .filter_map(|(i, _)| html[i..].find('>').map(|end| &html[i..=i + end]))
        .filter(|tag| tag.contains("chart-svg"))
        .collect()
}

fn page_of(v: &vendor::Model) -> String {
    format!("/admin/hmis-export/vendors/{}", v.public_id)
}

async fn the_status_charts_count_a_vendors_attempts_in_each_window(app: TestApp) {
    use AuditOutcome::{Delivered, Permanent, Transient};
    let db = app.db().await;
    let clarity = add_vendor(&db, "Clarity", "https://clarity.example/upload", true).await;
    let other = add_vendor(&db, "Other vendor", "https://other.example/upload", true).await;
    let now = Utc::now();
    let ago = |minutes: i64| now - Duration::minutes(minutes);
    // The last 24 hours: 3 delivered, 1 retried, 1 dead letter; durations 200, 400, 600, 1000 ms.
    attempt(&db, &clarity, ago(60), Delivered, false, Some(200)).await;
    attempt(&db, &clarity, ago(120), Delivered, false, Some(400)).await;
    attempt(&db, &clarity, ago(180), Delivered, false, Some(600)).await;
    attempt(&db, &clarity, ago(60), Transient, false, Some(1000)).await;
    attempt(&db, &clarity, ago(30), Permanent, true, None).await;
    // Three days ago: in the 30 days only.
    attempt(&db, &clarity, ago(3 * 24 * 60), Delivered, false, Some(800)).await;
    attempt(&db, &clarity, ago(3 * 24 * 60), Transient, false, None).await;
    // Forty days ago: in neither.
    attempt(&db, &clarity, ago(40 * 24 * 60), Delivered, false, Some(9000)).await;
    // Another vendor's, in the last hour.
    attempt(&db, &other, ago(60), Delivered, false, Some(9000)).await;
    let admin = app.signed_in(ADMIN).await;

    let page = admin.page(&page_of(&clarity)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let html = &page.body;
    assert!(html.contains("Attempts and latency"), "{html}");
    // The median of 200, 400, 600 and 1000 ms; the other vendor's and the old row are not counted.
    let hours = "Last 24 hours: 3 delivered, 1 retried, 1 dead-lettered; median latency 0.50 s";
    // With 800 ms from three days ago.
    let days = "Last 30 days: 4 delivered, 2 retried, 1 dead-lettered; median latency 0.60 s";
    for summary in [hours, days] {
        // The visible line above the chart, the SVG's title and its label.
        assert_eq!(html.matches(summary).count(), 3, "{summary}\n{html}");
        assert!(html.contains(&format!("aria-label=\"{summary}\"")), "labels the image: {summary}\n{html}");
    }
    let charts = chart_tags(html);
    assert_eq!(charts.len(), 2, "two charts: {html}");
    for tag in charts {
        assert!(tag.contains("role=\"img\"") && tag.contains("viewBox=\"0 0 320 152\""), "{tag}");
    }
    assert!(html.contains("class=\"chart-legend\""), "a legend in HTML: {html}");
    assert!(!html.contains("No attempts in"), "{html}");
    // The charts come before the table of recent attempts.
    assert!(html.find("Attempts and latency") < html.find("Recent attempts"), "{html}");

    // The other vendor's page counts only its own.
    let html = admin.page(&page_of(&other)).await.body;
    assert!(html.contains("Last 24 hours: 1 delivered, 0 retried, 0 dead-lettered; median latency 9.00 s"), "{html}");
    assert!(html.contains("Last 30 days: 1 delivered, 0 retried, 0 dead-lettered; median latency 9.00 s"), "{html}");
}
both_backends!(the_status_charts_count_a_vendors_attempts_in_each_window);

async fn a_vendor_without_attempts_shows_a_sentence_not_an_empty_chart(app: TestApp) {
    let db = app.db().await;
    let quiet = add_vendor(&db, "Quiet vendor", "https://quiet.example/upload", true).await;
    // Only an attempt older than both windows.
    let old = Utc::now() - Duration::days(45);
    attempt(&db, &quiet, old, AuditOutcome::Delivered, false, Some(300)).await;
    let admin = app.signed_in(ADMIN).await;

    let page = admin.page(&page_of(&quiet)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let html = &page.body;
    assert!(html.contains("Attempts and latency"), "{html}");
    assert!(html.contains("No attempts in the last 24 hours."), "{html}");
    assert!(html.contains("No attempts in the last 30 days."), "{html}");
    assert!(!html.contains("chart-svg") && !html.contains("chart-legend"), "no empty chart: {html}");
    // The old attempt is still in the table of recent attempts.
    assert!(html.contains("Recent attempts") && !html.contains("No pushes yet."), "{html}");
}
both_backends!(a_vendor_without_attempts_shows_a_sentence_not_an_empty_chart);
