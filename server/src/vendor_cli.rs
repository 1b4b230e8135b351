//! `hmis-bridge vendor ...`, `push` and `rotate-secrets`: scripted vendor setup through the same
//! checks and database paths as the settings pages (`app::vendors`), with secrets read from
//! environment variables (never from argv, which other users of the machine can read).
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use app::entities::{outbox, tenant};
use app::outbox::state::State;
use app::ssr::scope::TenantScope;
use app::ssr::vault::Vault;
use app::vendors::ssr::{Actor, Change, find_by_name, live_vendors};
use app::vendors::{SecretField, VendorForm, VendorMode};

use crate::cli::{VendorAdd, VendorCommand};
use crate::config::Settings;
use crate::vendors::Adapters;

/// An app error as a command-line error (its message names the field and the fix).
pub(crate) fn fail(e: app::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// The CoC with the short name `slug`.
pub(crate) async fn tenant_of(db: &DatabaseConnection, slug: &str) -> anyhow::Result<tenant::Model> {
    tenant::Entity::find()
        .filter(tenant::Column::Slug.eq(slug.trim().to_lowercase()))
        .one(db)
        .await?
        .with_context(|| format!("there is no CoC with the short name {slug:?}"))
}

pub(crate) async fn scope(db: &DatabaseConnection, slug: &str) -> anyhow::Result<TenantScope> {
    Ok(TenantScope::for_operator(tenant_of(db, slug).await?.id))
}

/// The value of the environment variable `var`, which must be set and not empty.
fn from_env(var: &str, what: &str) -> anyhow::Result<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => bail!("the environment variable {var} (given for {what}) is not set or is empty"),
    }
}

fn mode(raw: &str) -> anyhow::Result<VendorMode> {
    VendorMode::parse(raw.trim()).with_context(|| format!("--mode must be test, live or off, not {raw:?}"))
}

fn adapters(settings: &Settings, vault: Arc<Vault>) -> anyhow::Result<Adapters> {
    Adapters::with_policy(settings.outbound_policy(), Duration::from_secs(30), vault)
}

pub async fn run(
    db: &DatabaseConnection,
    settings: &Settings,
    vault: Arc<Vault>,
    command: VendorCommand,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        VendorCommand::Add(args) => {
            let scope = scope(db, &args.tenant).await?;
            let mode = mode(&args.mode)?;
            let input = add_input(&args, settings.vendor_allow_loopback)?;
            let change = Change { scope, actor: Actor(None), now };
            let v = app::vendors::ssr::create(db, &vault, change, input, mode).await.map_err(fail)?;
            println!("Added {} vendor {:?} in {} mode (id {}).", v.kind.label(), v.name, v.mode.label(), v.public_id);
            if args.accept_host_key {
                let checked = adapters(settings, vault)?.check(db, &v).await;
                app::vendors::ssr::record_test(db, &v, Actor(None), &checked, now).await.map_err(fail)?;
                match (&checked.host_key, checked.ok) {
                    (Some(key), true) => println!("Pinned the SFTP server's host key {key}."),
                    _ => bail!("the connection test failed, so no host key was pinned: {}", checked.detail),
                }
            }
        }
        VendorCommand::List { tenant } => {
            let scope = scope(db, &tenant).await?;
            let vendors = live_vendors(scope).all(db).await?;
            if vendors.is_empty() {
                println!("No vendors.");
            }
            let clock = app::ssr::clock::CocClock::for_tenant(db, Some(scope.tenant_id())).await.map_err(fail)?;
            for v in vendors {
                let view = app::vendors::ssr::view(db, &v, &clock).await.map_err(fail)?;
                println!("{}\t{}\t{}\t{}", v.name, v.kind.cli_name(), v.mode.as_str(), v.endpoint_url);
                if let Some(test) = &v.test_endpoint_url {
                    println!("\ttest endpoint: {test}");
                }
                println!("\tschedule: {}; payload: {}", view.schedule_text(), v.payload_format.label());
                let set: Vec<String> = view.secrets_set.iter().map(SecretField::label).collect();
                println!("\tcredentials set: {}", if set.is_empty() { "none".into() } else { set.join(", ") });
                if let Some((at, ok, detail)) = view.last_test {
                    println!("\tlast test: {at}, {}: {detail}", if ok { "passed" } else { "failed" });
                }
            }
        }
        VendorCommand::Test { tenant, name } => {
            let scope = scope(db, &tenant).await?;
            let v = find_by_name(db, scope, &name).await.map_err(|_| anyhow::anyhow!("no vendor named {name:?}"))?;
            let checked = adapters(settings, vault)?.check(db, &v).await;
            app::vendors::ssr::record_test(db, &v, Actor(None), &checked, now).await.map_err(fail)?;
            if !checked.ok {
                bail!("the connection test failed: {}", checked.detail);
            }
            println!("The connection test passed: {}", checked.detail);
        }
        VendorCommand::Mode { tenant, name, mode: raw } => {
            let scope = scope(db, &tenant).await?;
            let v = find_by_name(db, scope, &name).await.map_err(|_| anyhow::anyhow!("no vendor named {name:?}"))?;
            let change = Change { scope, actor: Actor(None), now };
            let (v, cancelled) =
                app::vendors::ssr::set_mode(db, change, &v.public_id, mode(&raw)?).await.map_err(fail)?;
            println!("{} is now in {} mode; {cancelled} waiting delivery(ies) cancelled.", v.name, v.mode.label());
        }
    }
    Ok(())
}

/// The settings `vendor add` was given, checked like the settings form.
fn add_input(args: &VendorAdd, allow_loopback: bool) -> anyhow::Result<app::vendors::form::VendorInput> {
    let secret = |var: &Option<String>, what: &str| var.as_deref().map(|v| from_env(v, what)).transpose();
    let (schedule, interval, daily) = match (args.every_minutes, &args.daily_at) {
        (Some(m), _) => ("interval", m.to_string(), String::new()),
        (None, Some(at)) => ("daily", String::new(), at.clone()),
        (None, None) => ("off", String::new(), String::new()),
    };
    let form = VendorForm {
        name: args.name.clone(),
        kind: args.kind.clone(),
        endpoint_url: args.url.clone(),
        test_endpoint_url: args.test_url.clone().unwrap_or_default(),
        schedule: schedule.into(),
        interval_minutes: interval,
        daily_at: daily,
        payload_format: args.format.clone().unwrap_or_default(),
        auth_user: args.user.clone().unwrap_or_default(),
        org_id: args.org_id.clone().unwrap_or_default(),
        password: secret(&args.password_env, "--password-env")?.unwrap_or_default(),
        api_key: secret(&args.api_key_env, "--api-key-env")?.unwrap_or_default(),
        subscription_key: secret(&args.subscription_key_env, "--subscription-key-env")?.unwrap_or_default(),
        header_name: String::new(),
        header_value: String::new(),
        contacts: args.contact.join("\n"),
        // How a custom destination is reached: its URL's scheme, or the Azure credentials given.
        transport: if args.url.trim_start().starts_with("sftp://") {
            "sftp".into()
        } else if args.sas_env.is_some() || args.account_key_env.is_some() {
            "azure_blob".into()
        } else {
            String::new()
        },
        file_name_pattern: args.file_name.clone().unwrap_or_default(),
        private_key: match &args.key_file {
            Some(path) => {
                std::fs::read_to_string(path).with_context(|| format!("reading --key-file {}", path.display()))?
            }
            None => String::new(),
        },
        key_passphrase: secret(&args.key_passphrase_env, "--key-passphrase-env")?.unwrap_or_default(),
        sas_token: secret(&args.sas_env, "--sas-env")?.unwrap_or_default(),
        account_key: secret(&args.account_key_env, "--account-key-env")?.unwrap_or_default(),
        zip_password: secret(&args.zip_password_env, "--zip-password-env")?.unwrap_or_default(),
        dv_policy: args.dv_policy.clone().unwrap_or_default(),
        client_files: args.client_files.then(|| "on".to_string()),
        pgp_public_key: match &args.pgp_key_file {
            Some(path) => {
                std::fs::read_to_string(path).with_context(|| format!("reading --pgp-key-file {}", path.display()))?
            }
            None => String::new(),
        },
    };
    let mut input = form.parse(allow_loopback, &[]).map_err(fail)?;
    if !args.header_env.is_empty() && input.setup.kind != app::vendors::VendorKind::Custom {
        bail!("--header-env is for custom endpoints (--kind custom)");
    }
    if args.header_env.len() > app::vendors::form::HEADERS_MAX {
        bail!("a vendor has at most {} headers", app::vendors::form::HEADERS_MAX);
    }
    for pair in &args.header_env {
        let (name, var) = pair.split_once('=').with_context(|| format!("--header-env takes NAME=VAR, got {pair:?}"))?;
        let name = app::vendors::form::header_name(name).map_err(fail)?;
        let value = from_env(var, &format!("header {name}"))?;
        let value = app::vendors::form::secret("header_value", &format!("Header {name}"), &value)
            .map_err(fail)?
            .with_context(|| format!("the environment variable {var} is empty"))?;
        input.secrets.push((SecretField::Header(name), value));
    }
    Ok(input)
}

/// `push`: queue the current export; with `wait`, deliver and wait for every row's end.
pub async fn push(
    db: &DatabaseConnection,
    settings: &Settings,
    vault: Arc<Vault>,
    tenant: &str,
    vendor: Option<&str>,
    wait: bool,
    query: &app::hmis::ExportQuery,
) -> anyhow::Result<()> {
    let scope = scope(db, tenant).await?;
    let target = match vendor {
        Some(name) => {
            Some(find_by_name(db, scope, name).await.map_err(|_| anyhow::anyhow!("no vendor named {name:?}"))?)
        }
        None => None,
    };
    let vendors = app::outbox::push::pushable_vendors(db, scope, target.as_ref().map(|v| v.public_id.as_str()))
        .await
        .map_err(fail)?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let queued = app::outbox::push::push_to(
        db,
        scope,
        &vendors,
        &token,
        chrono::Utc::now(),
        query,
        app::ssr::metrics::ExportPurpose::Cli,
    )
    .await
    .map_err(fail)?;
    for (name, row) in &queued.created {
        println!(
            "Queued {} records to {name} ({:?} endpoint), delivery {}.",
            queued.records, row.target, row.public_id
        );
    }
    if !wait {
        return Ok(());
    }
    let worker = crate::worker::start(db.clone(), Default::default(), settings, vault)?;
    let ids: Vec<i64> = queued.created.iter().map(|(_, row)| row.id).collect();
    let rows = loop {
        worker.drain().await?;
        let rows = outbox::Entity::find().filter(outbox::Column::Id.is_in(ids.clone())).all(db).await?;
        if rows.iter().all(|r| r.state.is_terminal()) {
            break rows;
        }
        // A retry is due later (backoff): wait for it rather than spin.
        let next = rows.iter().filter(|r| !r.state.is_terminal()).map(|r| r.scheduled_at).min();
        let wait = next.map_or(Duration::from_secs(1), |at| (at - chrono::Utc::now()).to_std().unwrap_or_default());
        tokio::time::sleep(wait.clamp(Duration::from_millis(200), Duration::from_secs(60))).await;
    };
    let mut dead = 0;
    for row in &rows {
        let name = queued.created.iter().find(|(_, r)| r.id == row.id).map_or("?", |(n, _)| n.as_str());
        let last = row.errors.0.last().map(|e| format!(": {}", e.error)).unwrap_or_default();
        println!("{name}: {} after {} attempt(s){last}", row.state.as_str(), row.attempt);
        dead += usize::from(row.state == State::Discarded);
    }
    if dead > 0 {
        bail!("{dead} delivery(ies) were dead-lettered");
    }
    Ok(())
}

/// `rotate-secrets`.
pub async fn rotate(db: &DatabaseConnection, vault: &Vault) -> anyhow::Result<()> {
    let (resealed, failed) = app::vendors::ssr::reseal_all(db, vault).await.map_err(fail)?;
    println!("Sealed {resealed} secret(s) again under key {}.", vault.key_id());
    if !failed.is_empty() {
        for f in &failed {
            eprintln!("  could not open: {f}");
        }
        bail!(
            "{} secret(s) did not open under the current or previous keys; add the key they were sealed under to \
             previous_secret_keys, or enter those secrets again",
            failed.len()
        );
    }
    Ok(())
}
