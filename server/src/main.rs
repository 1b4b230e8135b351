use anyhow::Context;
use clap::Parser;

use app::access::Role;
use server::cli::{Cli, Command};
use server::config::Settings;
use server::startup::Server;
use server::{db, export, seed, telemetry, worker};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::memory::return_large_blocks();
    let cli = Cli::parse();
    server::tls::install_crypto_provider();
    if let Command::SimulateVendor { listen, failure_rate, delay_ms } = cli.command {
        let _tracing = telemetry::init(server::config::LogFormat::Pretty, None)?;
        return server::simulator::run(listen, server::simulator::Mode { failure_rate, delay_ms }).await;
    }
    let settings = Settings::load(&cli.config)?;
    let _tracing = telemetry::init(settings.log_format, settings.otlp_endpoint.as_deref())?;
    if matches!(cli.command, Command::SeedDemo { .. })
        && settings.environment == server::config::Environment::Production
    {
        anyhow::bail!(
            "seed-demo adds demo users with published passwords, so it does not run with environment = production"
        );
    }
    // A production server without a secret key stops here, before touching the database. The
    // commands that open vendor secrets need it too.
    let needs_secret = matches!(
        cli.command,
        Command::Serve
            | Command::Worker { .. }
            | Command::SeedDemo { .. }
            | Command::Vendor { .. }
            | Command::Push { .. }
            | Command::RotateSecrets
    );
    let secret = needs_secret.then(|| settings.resolve_secret_key()).transpose()?;
    let vault = secret.as_ref().map(|s| std::sync::Arc::new(settings.vault(s)));
    let conn = db::connect(&settings).await?;
    // A backup copies the database as it is (taken before an upgrade, it must not upgrade it).
    if !matches!(cli.command, Command::Backup { .. }) {
        db::migrate(&conn).await?;
    }
    match cli.command {
        Command::Migrate => println!("Database is up to date."),
        Command::Serve => {
            let secret = secret.context("secret key resolved above")?;
            let vault = vault.context("vault made above")?;
            let wake = std::sync::Arc::new(tokio::sync::Notify::new());
            let worker = worker::start(conn.clone(), wake.clone(), &settings, vault.clone())?;
            let heartbeat = settings.worker.then(|| worker.heartbeat());
            let server = Server::build(&settings, secret, vault, conn, wake, heartbeat).await?;
            // Tests and scripts read this line to find the port.
            println!("HMIS Bridge listening on http://{}", server.local_addr()?);
            // One signal stops both: the web stops taking requests, the worker stops claiming
            // and lets deliveries under way finish.
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                let _ = stop.send(true);
            });
            let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            let deliver = async {
                if settings.worker {
                    worker.run(until_stopped(stopped.clone())).await;
                }
            };
            let (web, ()) = tokio::join!(server.run(until_stopped(stopped.clone())), deliver);
            web?;
        }
        Command::Worker { drain } => {
            let worker =
                worker::start(conn.clone(), Default::default(), &settings, vault.context("vault made above")?)?;
            if drain {
                let round = worker.drain().await?;
                println!(
                    "Delivered {} (snoozed {}, rescued {}, withdrawn {}).",
                    round.attempted, round.snoozed, round.rescued, round.withdrawn
                );
            } else {
                // A worker replica answers the probes and Prometheus on `listen`.
                let listener = tokio::net::TcpListener::bind(settings.listen)
                    .await
                    .with_context(|| format!("binding {}", settings.listen))?;
                println!("HMIS Bridge worker started; health and metrics on http://{}", listener.local_addr()?);
                // The same security headers as the web server's (nothing here is a page or static).
                let policy =
                    server::headers::HeaderPolicy { hsts: settings.secure_cookies(), static_prefix: "/pkg/".into() };
                let probes = server::startup::probes(&settings, conn, Some(worker.heartbeat()))?
                    .layer(axum::middleware::from_fn_with_state(policy, server::headers::security_headers));
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let web = tokio::spawn(async move {
                    let mut stopped = stopped;
                    axum::serve(listener, probes)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.wait_for(|s| *s).await;
                        })
                        .await
                });
                worker.run(shutdown_signal()).await;
                let _ = stop.send(true);
                web.await??;
            }
        }
        Command::SeedDemo { simulator } => {
            if let Some(url) = &simulator
                && !reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            {
                anyhow::bail!("--simulator must be the simulator's address, like http://127.0.0.1:3900 (got {url:?})");
            }
            let vault = vault.context("vault made above")?;
            let simulator = simulator.as_deref().map(|url| seed::Simulator { url, vault: &vault });
            seed::seed_demo(&conn, simulator).await.map_err(|e| anyhow::anyhow!("seeding demo data: {e}"))?;
            seed::print_demo_logins();
        }
        Command::Export { tenant, out, export } => {
            println!("{}", export::export_to_file(&conn, &tenant, &out, &export.query()).await?)
        }
        Command::Vendor { command } => {
            server::vendor_cli::run(&conn, &settings, vault.context("vault made above")?, command).await?
        }
        Command::Push { tenant, vendor, wait, export } => {
            let vault = vault.context("vault made above")?;
            server::vendor_cli::push(&conn, &settings, vault, &tenant, vendor.as_deref(), wait, &export.query()).await?
        }
        Command::Token { command } => println!("{}", server::token_cli::run(&conn, command).await?),
        Command::Backup { out } => println!("{}", db::backup(&conn, &out).await?),
        Command::RotateSecrets => {
            let vault = vault.context("vault made above")?;
            server::vendor_cli::rotate(&conn, &vault).await?
        }
        // Served above, before the settings and the database.
        Command::SimulateVendor { .. } => {}
        Command::CreateAdmin { email, name, tenant } => {
            let (email, password) = create_admin(&conn, &email, &name, tenant.as_deref()).await?;
            println!("Created {email}. One-time password (change it at first sign-in): {password}");
        }
    }
    Ok(())
}

async fn create_admin(
    conn: &sea_orm::DatabaseConnection,
    email: &str,
    name: &str,
    tenant_slug: Option<&str>,
) -> anyhow::Result<(String, String)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let email = app::auth::Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = app::users::parse_display_name(name).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (tenant_id, role) = match tenant_slug {
        None => (None, Role::PlatformAdmin),
        Some(slug) => {
            let tenant = app::entities::tenant::Entity::find()
                .filter(app::entities::tenant::Column::Slug.eq(slug))
                .one(conn)
                .await?
                .with_context(|| format!("no CoC with short name {slug:?}"))?;
            (Some(tenant.id), Role::CocAdmin)
        }
    };
    let new = app::users::ssr::NewUser {
        tenant_id,
        email: &email,
        display_name: &name,
        role,
        dv_access: role == Role::CocAdmin,
    };
    let password =
        app::users::ssr::insert_with_one_time_password(conn, new).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((email.as_str().to_string(), password))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
