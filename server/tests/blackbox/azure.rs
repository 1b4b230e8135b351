//! Azure Blob delivery against Azurite (`common::azurite`), on SQLite and PostgreSQL: the blob
//! holds our bytes with their Content-MD5, a repeated delivery does not write a second blob, and
//! a wrong account key fails for good.
use crate::common::*;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use app::entities::outbox;

/// `vendor add` a live custom vendor on `azurite`'s container `hmis`, authorised by `auth` (the
/// option naming the variable, `--account-key-env` or `--sas-env`) holding `secret`, with `extra`
/// options.
fn add_blob_vendor(
    app: &TestApp,
    azurite: &Azurite,
    name: &str,
    (auth, secret): (&str, &str),
    extra: &[&str],
) -> std::process::Output {
    let url = azurite.container_url("hmis");
    let args = ["vendor", "add", "--tenant", "capital", "--name", name, "--kind", "custom", "--url", &url];
    let live = [auth, "AZ_SECRET", "--mode", "live"];
    app.cli_with(&[&args[..], &live, extra].concat(), &[("AZ_SECRET", secret)])
}

async fn a_push_becomes_one_blob_with_our_bytes(app: TestApp) {
    let azurite = Azurite::start();
    azurite.create_container("hmis").await;
    let added = add_blob_vendor(&app, &azurite, "Blob", ("--account-key-env", AZURITE_KEY), &[]);
    assert!(added.status.success(), "{}", output_text(&added));
    let tested = app.cli(&["vendor", "test", "--tenant", "capital", "--name", "Blob"]);
    assert!(tested.status.success(), "{}", output_text(&tested));

    let pushed = app.cli(&["push", "--tenant", "capital", "--wait"]);
    assert!(pushed.status.success(), "{}", output_text(&pushed));
    let rows = outbox::Entity::find().all(&app.db().await).await.unwrap();
    let row = &rows[0];
    assert_eq!(row.state, State::Completed);
    let (bytes, md5) = azurite.blob("hmis", &row.payload_name).await.expect("the blob is there");
    assert_eq!(bytes, row.payload, "the bytes we sent");
    use base64::Engine;
    use md5::Digest;
    assert_eq!(md5, base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&row.payload)));

    // The same delivery again (a retry after a lost answer): delivered, and still one blob.
    let mut again: outbox::ActiveModel = row.clone().into();
    again.state = Set(State::Available);
    again.finalized_at = Set(None);
    again.max_attempts = Set(row.attempt + 1);
    again.update(&app.db().await).await.unwrap();
    assert!(app.drain_outbox().contains("Delivered 1"));
    assert_eq!(azurite.blob_names("hmis").await, vec![row.payload_name.clone()]);
}
both_backends!(a_push_becomes_one_blob_with_our_bytes, with = one_coc);

async fn a_wrong_account_key_fails_for_good(app: TestApp) {
    let azurite = Azurite::start();
    azurite.create_container("hmis").await;
    let wrong = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5Ww==";
    assert!(add_blob_vendor(&app, &azurite, "Blob", ("--account-key-env", wrong), &[]).status.success());
    let tested = app.cli(&["vendor", "test", "--tenant", "capital", "--name", "Blob"]);
    assert!(!tested.status.success());
    assert!(output_text(&tested).contains("refused the credentials"), "{}", output_text(&tested));

    let pushed = app.cli(&["push", "--tenant", "capital", "--wait"]);
    assert!(!pushed.status.success());
    let row = &outbox::Entity::find().all(&app.db().await).await.unwrap()[0];
    assert_eq!((row.state, row.attempt), (State::Discarded, 1), "permanent: not retried");
    // Azure says AuthenticationFailed, Azurite AuthorizationFailure; either way with its message.
    let error = &row.errors.0[0].error;
    assert!(error.starts_with("HTTP 403: Authori") || error.starts_with("HTTP 403: AuthenticationFailed"), "{error}");
    assert!(error.contains("Server failed to authenticate the request") && !error.contains("<?xml"), "{error}");
    assert!(azurite.blob_names("hmis").await.is_empty());
    assert!(!row.errors.0[0].error.contains(wrong));
}
both_backends!(a_wrong_account_key_fails_for_good, with = one_coc);

async fn a_sas_token_that_may_write_delivers_and_a_read_only_one_fails_for_good(app: TestApp) {
    let azurite = Azurite::start();
    azurite.create_container("hmis").await;
    let add = |name: &str, sas: String| {
        add_blob_vendor(&app, &azurite, name, ("--sas-env", &sas), &["--format", "inventory_v1"])
    };
    let writer = azurite.container_sas("hmis", "cw");
    assert!(add("Writer", writer.clone()).status.success());
    let reader = azurite.container_sas("hmis", "r");
    assert!(add("Reader", reader.clone()).status.success());

    let writes = app.cli(&["push", "--tenant", "capital", "--vendor", "Writer", "--wait"]);
    assert!(writes.status.success(), "{}", output_text(&writes));
    let names = azurite.blob_names("hmis").await;
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with("hmis-TX-503-") && names[0].ends_with(".json"), "{names:?}");

    let reads = app.cli(&["push", "--tenant", "capital", "--vendor", "Reader", "--wait"]);
    assert!(!reads.status.success());
    assert!(output_text(&reads).contains("HTTP 403: AuthorizationPermissionMismatch"), "{}", output_text(&reads));
    assert_eq!(azurite.blob_names("hmis").await.len(), 1);
    let sig = writer.split("sig=").nth(1).unwrap();
    let db = app.db().await;
    for row in outbox::Entity::find().all(&db).await.unwrap() {
        assert!(!format!("{:?}", row.errors).contains(sig), "the SAS never reaches an error");
    }
}
both_backends!(a_sas_token_that_may_write_delivers_and_a_read_only_one_fails_for_good, with = one_coc);
