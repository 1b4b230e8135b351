//! API tokens on SQLite and PostgreSQL (issue 21): `hmis-bridge token` makes one and prints its
//! secret once (only the hash is kept), lists and revokes them; a bed-counts token names active,
//! non-DV shelters of its own CoC; a request's secret finds only a live token and records its use;
//! the database keeps a token's shelters in its tenant.
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::common::*;
use app::api_tokens::ssr::Admission;
use app::entities::{api_token, api_token_shelter, shelter};
use app::error::AppError;

const COC: &str = "capital-area";

fn token(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    app.cli(&all)
}

/// The secret a `token create` printed.
fn secret_of(out: &std::process::Output) -> String {
    let text = output_text(out);
    assert!(out.status.success(), "{text}");
    text.lines().find(|l| l.starts_with("hbt_")).unwrap_or_else(|| panic!("no secret in {text}")).to_string()
}

/// The token a request with `secret` is admitted with (a limit no test reaches).
async fn authenticate(
    db: &sea_orm::DatabaseConnection,
    secret: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<app::ssr::scope::ApiAccess, AppError> {
    match app::api_tokens::ssr::authenticate(db, secret, now, 1000).await? {
        Admission::Admitted(access, _) => Ok(access),
        Admission::Limited(rate) => panic!("limited: {rate:?}"),
    }
}

async fn tokens(app: &TestApp) -> Vec<api_token::Model> {
    api_token::Entity::find().all(&app.db().await).await.unwrap()
}

async fn a_token_is_shown_once_kept_hashed_used_and_revoked(app: TestApp) {
    let made = token(&app, &["create", "--tenant", COC, "--name", "Shelter software", "--scope", "read"]);
    let secret = secret_of(&made);
    let stored = tokens(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].secret_sha256, app::outbox::ssr::sha256_hex(secret.as_bytes()));
    assert!(!format!("{stored:?}").contains(&secret[4..]), "the secret itself is not stored");

    let db = app.db().await;
    let now = chrono::Utc::now();
    let found = authenticate(&db, &secret, now).await.unwrap();
    assert_eq!((found.token().name.as_str(), found.shelter_ids().len()), ("Shelter software", 0));
    assert!(tokens(&app).await[0].last_used_at.is_some(), "its use is recorded");
    for wrong in [&secret[..secret.len() - 1], "hbt_", "", &secret[4..], &format!("{secret}x")] {
        assert_eq!(authenticate(&db, wrong, now).await.unwrap_err(), AppError::Unauthenticated, "{wrong:?}");
    }

    let listed = output_text(&token(&app, &["list", "--tenant", COC]));
    assert!(listed.contains("Shelter software\tread") && listed.contains("live"), "{listed}");
    assert!(listed.contains(" CST") || listed.contains(" CDT"), "times in the CoC's zone: {listed}");
    assert!(!listed.contains(&secret), "{listed}");

    let again = token(&app, &["create", "--tenant", COC, "--name", " Shelter software ", "--scope", "read"]);
    assert!(!again.status.success() && output_text(&again).contains("already has a token called"));
    assert_eq!(tokens(&app).await.len(), 1, "nothing written");

    assert!(token(&app, &["revoke", "--tenant", COC, "--name", "Shelter software"]).status.success());
    assert_eq!(authenticate(&db, &secret, now).await.unwrap_err(), AppError::Unauthenticated);
    assert!(output_text(&token(&app, &["list", "--tenant", COC])).contains("revoked"));
    let unknown = token(&app, &["revoke", "--tenant", COC, "--name", "Shelter software"]);
    assert!(!unknown.status.success() && output_text(&unknown).contains("no live token called"));
    // A revoked token's name may be used again; its secret is new.
    let renewed =
        secret_of(&token(&app, &["create", "--tenant", COC, "--name", "Shelter software", "--scope", "read"]));
    assert_ne!(renewed, secret);
    assert!(authenticate(&db, &renewed, now).await.is_ok());
}
both_backends!(a_token_is_shown_once_kept_hashed_used_and_revoked);

async fn a_bed_counts_token_names_active_non_dv_shelters_of_its_coc(app: TestApp) {
    let db = app.db().await;
    add_other_coc(&db).await;
    let create = |name: &str, scope: &str, shelters: &[&str]| {
        let mut args = vec!["create", "--tenant", COC, "--name", name, "--scope", scope];
        for s in shelters {
            args.extend(["--shelter", s]);
        }
        output_text(&token(&app, &args))
    };
    assert!(create("Feed", "bed-counts", &[]).contains("name at least one shelter"));
    assert!(create("Feed", "read", &["PRJ-2001"]).contains("name shelters only for a bed-counts token"));
    assert!(create("Feed", "write", &[]).contains("--scope must be read or bed-counts"));
    assert!(create("", "read", &[]).contains("Name: give the token a name"));
    assert!(create("Feed", "bed-counts", &["PRJ-2021"]).contains("is a DV shelter"));
    // Another CoC's shelter answers as a missing one does.
    let theirs = create("Feed", "bed-counts", &["PRJ-2001", "OTHER-1"]);
    let missing = create("Feed", "bed-counts", &["PRJ-2001", "NOPE-1"]);
    assert!(theirs.contains("no active shelter with HMIS ProjectID \"OTHER-1\""), "{theirs}");
    assert_eq!(theirs.replace("OTHER-1", "X"), missing.replace("NOPE-1", "X"));
    assert!(tokens(&app).await.is_empty(), "nothing written by a refused create");

    let secret = secret_of(&token(
        &app,
        &["create", "--tenant", COC, "--name", "Feed", "--scope", "bed-counts", "--shelter", "PRJ-2001"],
    ));
    let found = authenticate(&db, &secret, chrono::Utc::now()).await.unwrap();
    let downtown =
        shelter::Entity::find().all(&db).await.unwrap().into_iter().find(|s| s.hmis_project_id == "PRJ-2001").unwrap();
    assert_eq!(found.shelter_ids(), [downtown.id]);
    assert!(output_text(&token(&app, &["list", "--tenant", COC])).contains("bed_counts\tshelters: PRJ-2001"));
}
both_backends!(a_bed_counts_token_names_active_non_dv_shelters_of_its_coc);

/// The database refuses a token's shelter of another tenant, whichever tenant the row claims.
async fn a_tokens_shelters_stay_in_its_tenant(store: TestDb) {
    let db = store.db().await;
    let other = add_other_coc(&db).await;
    let capital =
        app::entities::tenant::Entity::find().all(&db).await.unwrap().into_iter().find(|t| t.slug == COC).unwrap();
    let ours = app::api_tokens::ssr::create(
        &db,
        app::api_tokens::ssr::NewToken {
            tenant_id: capital.id,
            name: "Ours",
            scope: app::api_tokens::TokenScope::Read,
            shelters: &[],
            dv_visible: true,
        },
        chrono::Utc::now(),
    )
    .await;
    let ours = match ours {
        Ok((t, _)) => t,
        Err(e) => panic!("{e:?}"),
    };
    for tenant_id in [ours.tenant_id, other.tenant.id] {
        let row = api_token_shelter::ActiveModel {
            token_id: Set(ours.id),
            shelter_id: Set(other.shelter.id),
            tenant_id: Set(tenant_id),
        };
        assert!(row.insert(&db).await.is_err(), "tenant {tenant_id}");
    }
    assert_eq!(api_token_shelter::Entity::find().count(&db).await.unwrap(), 0);
}
both_backends!(a_tokens_shelters_stay_in_its_tenant, db);
