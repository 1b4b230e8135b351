//! SFTP delivery against a real OpenSSH server (`common::sshd`), on SQLite and PostgreSQL: a
//! WellSky vendor set up from the command line pins the server's host key, a push lands once
//! under its final name with our bytes (a repeat overwrites it), and a wrong password, a changed
//! host key or a missing directory fail for good with their reasons, while a server that is down
//! is retried.
use crate::common::*;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use app::entities::{outbox, vendor};

const CAPITAL_ADMIN: (&str, &str) = ONE_COC_ADMIN;

/// `vendor add` a live WellSky vendor on `ssh`, signing in with the password, pinning the key,
/// with the `extra` options (their secrets in `env`).
fn add_wellsky_with(
    app: &TestApp,
    ssh: &SshServer,
    name: &str,
    password: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let url = ssh.url();
    let args = ["vendor", "add", "--tenant", "capital", "--name", name, "--kind", "wellsky", "--url", &url];
    let live = ["--password-env", "SFTP_PW", "--mode", "live", "--accept-host-key"];
    let env = [&[("SFTP_PW", password)][..], env].concat();
    app.cli_with(&[&args[..], &live, extra].concat(), &env)
}

fn add_wellsky(app: &TestApp, ssh: &SshServer, name: &str, password: &str) -> std::process::Output {
    add_wellsky_with(app, ssh, name, password, &[], &[])
}

async fn the_only_row(app: &TestApp) -> outbox::Model {
    let rows = outbox::Entity::find().all(&app.db().await).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.into_iter().next().unwrap()
}

async fn a_wellsky_push_lands_once_under_its_final_name(app: TestApp) {
    let ssh = SshServer::start();
    let added = add_wellsky(&app, &ssh, "WellSky", SFTP_PASSWORD);
    assert!(added.status.success(), "{}", output_text(&added));
    assert!(
        output_text(&added).contains(&format!("Pinned the SFTP server's host key {}", ssh.fingerprint)),
        "{}",
        output_text(&added)
    );

    let pushed = app.cli(&["push", "--tenant", "capital", "--wait"]);
    assert!(pushed.status.success(), "{}", output_text(&pushed));
    let row = the_only_row(&app).await;
    assert_eq!(row.state, State::Completed);
    assert!(row.payload_name.starts_with("hmis-TX-503-") && row.payload_name.ends_with(".zip"), "{}", row.payload_name);
    assert!(row.payload_name.contains(&row.idempotency_key), "{}", row.payload_name);
    assert_eq!(ssh.files(), vec![row.payload_name.clone()], "one file, under its final name, no part file");
    let landed = std::fs::read(ssh.upload_dir().join(&row.payload_name)).unwrap();
    assert_eq!(landed, row.payload, "the bytes we sent");

    // The same delivery again (a retry after a lost answer): the same file, not a copy.
    let db = app.db().await;
    let mut again: outbox::ActiveModel = row.clone().into();
    again.state = Set(State::Available);
    again.finalized_at = Set(None);
    again.max_attempts = Set(row.attempt + 1);
    again.update(&db).await.unwrap();
    assert!(app.drain_outbox().contains("Delivered 1"));
    assert_eq!(ssh.files(), vec![row.payload_name.clone()]);
}
both_backends!(a_wellsky_push_lands_once_under_its_final_name, with = one_coc);

async fn a_changed_host_key_and_a_wrong_password_fail_for_good_with_their_reasons(app: TestApp) {
    let mut ssh = SshServer::start();
    assert!(add_wellsky(&app, &ssh, "WellSky", SFTP_PASSWORD).status.success());
    let pinned = ssh.fingerprint.clone();
    ssh.restart_with_new_host_key();

    let pushed = app.cli(&["push", "--tenant", "capital", "--wait"]);
    assert!(!pushed.status.success(), "a dead letter fails --wait");
    let row = the_only_row(&app).await;
    assert_eq!((row.state, row.attempt), (State::Discarded, 1), "permanent: not retried");
    let error = &row.errors.0[0].error;
    assert!(
        error.contains("another host key") && error.contains(&ssh.fingerprint) && error.contains(&pinned),
        "{error}"
    );
    assert!(ssh.files().is_empty());

    // The test connection keeps the new key as offered; the admin accepts it; pushes go again.
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    let v = vendor::Entity::find().one(&app.db().await).await.unwrap().unwrap();
    let test = admin.call("test_vendor_connection", &[("id", &v.public_id)]).await;
    assert_eq!(test.status, 422, "{}", test.body);
    let page = admin.call("get_vendor", &[("id", &v.public_id)]).await.json();
    assert_eq!(page["vendor"]["host_key_offered"], ssh.fingerprint.as_str());
    assert_eq!(page["vendor"]["host_key_pinned"], pinned.as_str());
    // Only the key the page showed is accepted.
    let other = admin.call("accept_vendor_host_key", &[("id", &v.public_id), ("fingerprint", &pinned)]).await;
    assert_eq!(other.status, 422, "{}", other.body);
    let shown = ssh.fingerprint.clone();
    let accepted = admin.call("accept_vendor_host_key", &[("id", &v.public_id), ("fingerprint", &shown)]).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    admin.call("cancel_delivery", &[("id", &row.public_id)]).await;
    assert!(app.cli(&["push", "--tenant", "capital", "--wait"]).status.success());
    assert_eq!(ssh.files().len(), 1);

    // A wrong password: refused at once, and no key is pinned.
    let wrong = add_wellsky(&app, &ssh, "WellSky (wrong password)", "not-the-password");
    assert!(!wrong.status.success());
    assert!(output_text(&wrong).contains("refused the user name or its password"), "{}", output_text(&wrong));
}
both_backends!(a_changed_host_key_and_a_wrong_password_fail_for_good_with_their_reasons, with = one_coc);

async fn a_key_login_a_missing_directory_and_a_server_that_is_down(app: TestApp) {
    let mut ssh = SshServer::start();
    let key_file = app.scratch().join("client_key");
    std::fs::write(&key_file, &ssh.client_key).unwrap();
    let url = ssh.url().replace("/upload", "/nowhere");
    let add = |name: &str, url: &str| {
        app.cli(&[
            "vendor",
            "add",
            "--tenant",
            "capital",
            "--name",
            name,
            "--kind",
            "custom",
            "--url",
            url,
            "--key-file",
            key_file.to_str().unwrap(),
            "--format",
            "inventory_v1",
            "--file-name",
            "HMIS_{coc}_{date}_{key}.{ext}",
            "--mode",
            "live",
            "--accept-host-key",
        ])
    };
    let missing = add("Custom SFTP (no such directory)", &url);
    assert!(!missing.status.success());
    assert!(output_text(&missing).contains("/nowhere is not a directory"), "{}", output_text(&missing));

    assert!(add("Custom SFTP", &ssh.url()).status.success());
    ssh.kill();
    let pushed = app.cli(&["push", "--tenant", "capital", "--vendor", "Custom SFTP"]);
    assert!(pushed.status.success(), "{}", output_text(&pushed));
    app.drain_outbox();
    let row = the_only_row(&app).await;
    assert_eq!(row.state, State::Retryable, "a server that is down is tried again: {:?}", row.errors);
    assert!(row.errors.0[0].error.contains("could not connect"), "{:?}", row.errors);
    assert!(
        row.payload_name.starts_with("HMIS_TX-503_") && row.payload_name.ends_with(".json"),
        "{}",
        row.payload_name
    );
}
both_backends!(a_key_login_a_missing_directory_and_a_server_that_is_down, with = one_coc);

/// A server that dies while a file is being written leaves no file under the final name (only
/// the hidden part file, which the next attempt overwrites), and the attempt is retried.
async fn a_server_killed_mid_upload_leaves_no_final_file_and_is_retried(app: TestApp) {
    let mut ssh = SshServer::start();
    assert!(add_wellsky(&app, &ssh, "WellSky", SFTP_PASSWORD).status.success());
    let db = app.db().await;
    let v = vendor::Entity::find().one(&db).await.unwrap().unwrap();
    // The server's own vault (its development key in the data directory) opens the password.
    let key = std::fs::read_to_string(app.scratch().join("secret.key")).unwrap();
    let vault =
        std::sync::Arc::new(app::ssr::vault::Vault::new(&secrecy::SecretString::from(key.trim().to_string()), &[]));
    let policy = server::vendors::outbound::OutboundPolicy { allow_loopback: true };
    let adapters = server::vendors::Adapters::with_policy(policy, std::time::Duration::from_secs(20), vault).unwrap();
    // A payload big enough to be cut off: 256 MiB.
    let now = chrono::Utc::now();
    let row = outbox::Model {
        id: 0,
        public_id: "0123456789abcdef0123".into(),
        tenant_id: v.tenant_id,
        vendor_id: v.id,
        state: State::Running,
        attempt: 1,
        max_attempts: 3,
        scheduled_at: now,
        attempted_at: Some(now),
        locked_until: None,
        finalized_at: None,
        errors: Default::default(),
        payload: vec![7u8; 256 * 1024 * 1024],
        payload_sha256: String::new(),
        record_count: 1,
        idempotency_key: "manual-big".into(),
        created_at: now,
        dv_epoch: 0,
        target: app::vendors::DeliveryTarget::Production,
        payload_format: app::vendors::PayloadFormat::HmisCsvZip,
        payload_name: "hmis-big.zip".into(),
        request_id: None,
    };
    let upload = ssh.upload_dir();
    let delivery = adapters.deliver(&db, &v, &row);
    let killer = async {
        // Once part of the file has arrived, the server goes away.
        let part = upload.join(".hmis-big.zip.part");
        while std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) < 1024 * 1024 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        ssh.kill();
    };
    let (outcome, ()) =
        tokio::time::timeout(std::time::Duration::from_secs(120), async { tokio::join!(delivery, killer) })
            .await
            .expect("the upload started and was cut off");
    assert!(matches!(outcome.outcome, app::outbox::state::Outcome::Transient { .. }), "retried: {outcome:?}");
    assert!(!upload.join("hmis-big.zip").exists(), "no file under the final name");
}
both_backends!(a_server_killed_mid_upload_leaves_no_final_file_and_is_retried, with = one_coc);

/// A vendor asking for a password-protected zip gets the export's files in an AES-256 zip that
/// 7-Zip opens with the password and not without it; the audit names both the payload's and the
/// sent bytes' SHA-256.
async fn a_password_protected_zip_opens_with_the_password_only(app: TestApp) {
    let ssh = SshServer::start();
    let zip = [("ZIP_PW", "zip pass-phrase 2026")];
    let added = add_wellsky_with(&app, &ssh, "WellSky", SFTP_PASSWORD, &["--zip-password-env", "ZIP_PW"], &zip);
    assert!(added.status.success(), "{}", output_text(&added));
    assert!(app.cli(&["push", "--tenant", "capital", "--wait"]).status.success());
    let row = the_only_row(&app).await;
    let file = ssh.upload_dir().join(&row.payload_name);
    let sent = std::fs::read(&file).unwrap();
    assert_ne!(sent, row.payload, "not the plain zip");

    let seven = |password: &str, out: &std::path::Path| {
        std::process::Command::new("7zz")
            .args(["x", "-y", &format!("-p{password}"), &format!("-o{}", out.display()), file.to_str().unwrap()])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("7zz (Debian 7zip, installed by scripts/setup)")
    };
    let wrong = app.scratch().join("wrong");
    assert!(!seven("", &wrong).status.success(), "it does not open without the password");
    let right = app.scratch().join("right");
    let opened = seven("zip pass-phrase 2026", &right);
    assert!(opened.status.success(), "{}", output_text(&opened));
    let mut plain = zip::ZipArchive::new(std::io::Cursor::new(row.payload.clone())).unwrap();
    for i in 0..plain.len() {
        let mut entry = plain.by_index(i).unwrap();
        let mut expected = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut expected).unwrap();
        let name = entry.name().unwrap().into_owned();
        assert_eq!(std::fs::read(right.join(&name)).unwrap(), expected, "{name} as exported");
    }
    let audit = app::entities::push_audit::Entity::find().all(&app.db().await).await.unwrap();
    assert_eq!(audit[0].payload_sha256, row.payload_sha256);
    assert_eq!(audit[0].sent_sha256.as_deref(), Some(app::outbox::ssr::sha256_hex(&sent).as_str()));
}
both_backends!(a_password_protected_zip_opens_with_the_password_only, with = one_coc);

/// `gpg` in a home of its own under `dir`.
fn gpg(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let home = dir.join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    let mut command = std::process::Command::new("gpg");
    command.env("GNUPGHOME", &home).args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""]).args(args);
    command.output().expect("gpg (Debian gnupg, installed by scripts/setup)")
}

/// How the vendor's test key is made.
#[derive(Clone, Copy, PartialEq)]
enum Made {
    Good,
    /// Its validity ended on 2020-01-01.
    Expired,
    /// A primary key that can sign, without an encryption subkey.
    SignOnly,
}

/// A vendor's key made by GnuPG, armored, written to `dir/name.asc`.
fn vendor_key(dir: &std::path::Path, name: &str, made: Made) -> std::path::PathBuf {
    let uid = format!("{name} <{name}@vendor.example>");
    let expired =
        ["--faked-system-time", "20190101T000000", "--quick-gen-key", &uid, "future-default", "default", "1y"];
    let made = match made {
        Made::Good => gpg(dir, &["--quick-gen-key", &uid, "future-default", "default", "2y"]),
        Made::Expired => gpg(dir, &expired),
        Made::SignOnly => gpg(dir, &["--quick-gen-key", &uid, "ed25519", "sign", "never"]),
    };
    assert!(made.status.success(), "{}", output_text(&made));
    let exported = gpg(dir, &["--armor", "--export", &format!("{name}@vendor.example")]);
    let path = dir.join(format!("{name}.asc"));
    std::fs::write(&path, &exported.stdout).unwrap();
    path
}

/// A vendor with a PGP key gets the payload encrypted to it: GnuPG decrypts the file back to the
/// exact zip. An expired or sign-only key is refused when it is set, saying so.
async fn a_pgp_vendor_gets_what_gnupg_decrypts_to_the_zip(app: TestApp) {
    let ssh = SshServer::start();
    let dir = app.scratch().join("pgp");
    let key = vendor_key(&dir, "wellsky", Made::Good);
    let pgp = ["--pgp-key-file", key.to_str().unwrap()];
    let added = add_wellsky_with(&app, &ssh, "WellSky", SFTP_PASSWORD, &pgp, &[]);
    assert!(added.status.success(), "{}", output_text(&added));
    assert!(app.cli(&["push", "--tenant", "capital", "--wait"]).status.success());
    let row = the_only_row(&app).await;
    let sent = ssh.upload_dir().join(format!("{}.pgp", row.payload_name));
    assert_eq!(ssh.files(), vec![format!("{}.pgp", row.payload_name)]);
    let decrypted = gpg(&dir, &["--decrypt", sent.to_str().unwrap()]);
    assert!(decrypted.status.success(), "{}", output_text(&decrypted));
    assert_eq!(decrypted.stdout, row.payload, "GnuPG decrypts it to the exact zip");
    // The page shows the key's expiry in the CoC's time, like every time it shows.
    let admin = app.signed_in(CAPITAL_ADMIN).await;
    let v = vendor::Entity::find().one(&app.db().await).await.unwrap().unwrap();
    let page = admin.call("get_vendor", &[("id", &v.public_id)]).await.json();
    let expires = page["vendor"]["pgp"]["Ok"][2].as_str().unwrap_or_default().to_string();
    assert!(expires.ends_with(" CST") || expires.ends_with(" CDT"), "{page}");

    for (name, made, why) in [
        ("retired", Made::Expired, "PGP public key: the key expired on 2020-01-01"),
        ("signer", Made::SignOnly, "PGP public key: the key can only sign, not encrypt"),
    ] {
        let key = vendor_key(&dir, name, made);
        let refused =
            add_wellsky_with(&app, &ssh, name, SFTP_PASSWORD, &["--pgp-key-file", key.to_str().unwrap()], &[]);
        assert!(!refused.status.success());
        assert!(output_text(&refused).contains(why), "{}", output_text(&refused));
    }
}
both_backends!(a_pgp_vendor_gets_what_gnupg_decrypts_to_the_zip, with = one_coc);
