//! Building and running the web server.
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha512};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};

use app::ssr::{AppState, AuthSettings, CountsSettings};
use app::{App, shell};

use crate::config::Settings;
use crate::headers::{self, HeaderPolicy};
use crate::session_store::{AnonymousCarrier, DbSessionStore, carry_anonymous_data};
use crate::{csrf, page_guard};

pub struct Server {
    listener: TcpListener,
    router: Router,
    store: DbSessionStore,
    db: DatabaseConnection,
}

async fn healthz() -> &'static str {
    "ok"
}

/// What `/readyz` checks: the database, its migrations, and this process's worker if it runs one.
/// Anyone may call it, so one check runs at a time: callers that arrive while one runs wait for
/// the next and share it, and a flood of probes holds at most one database connection.
#[derive(Clone)]
pub struct Readiness {
    db: DatabaseConnection,
    worker: Option<Arc<crate::worker::Heartbeat>>,
    last: Arc<tokio::sync::Mutex<Option<LastCheck>>>,
}

/// When the last check started, and its answer.
type LastCheck = (std::time::Instant, (StatusCode, String));

impl Readiness {
    pub fn new(db: DatabaseConnection, worker: Option<Arc<crate::worker::Heartbeat>>) -> Readiness {
        Readiness { db, worker, last: Default::default() }
    }
}

/// How long `/readyz` waits for the database before calling it unreachable.
const READY_DB_TIMEOUT: Duration = Duration::from_secs(5);

async fn readyz(State(ready): State<Readiness>) -> (StatusCode, String) {
    let arrived = std::time::Instant::now();
    let mut last = ready.last.lock().await;
    // A check that started after this request arrived answers it too.
    if let Some((started, answer)) = last.as_ref()
        && *started >= arrived
    {
        return answer.clone();
    }
    let started = std::time::Instant::now();
    let answer = check_ready(&ready).await;
    *last = Some((started, answer.clone()));
    answer
}

async fn check_ready(ready: &Readiness) -> (StatusCode, String) {
    let not_ready = |why: String| (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}\n"));
    let pending = tokio::time::timeout(READY_DB_TIMEOUT, async {
        ready.db.ping().await?;
        crate::db::pending_migrations(&ready.db).await
    })
    .await;
    match pending {
        Err(_) => return not_ready(format!("the database did not answer within {} s", READY_DB_TIMEOUT.as_secs())),
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "readiness: database unreachable");
            return not_ready("the database is unreachable".into());
        }
        Ok(Ok(pending)) if !pending.is_empty() => {
            return not_ready(format!(
                "{} database migration(s) pending ({}); run `hmis-bridge migrate`",
                pending.len(),
                pending.join(", ")
            ));
        }
        Ok(Ok(_)) => {}
    }
    if let Some(worker) = &ready.worker
        && let Err(why) = worker.check()
    {
        return not_ready(why);
    }
    (StatusCode::OK, "ready\n".into())
}

/// `/healthz`, `/readyz` and `/metrics`: what operations' probes and Prometheus call, on the web
/// server and on a `worker` replica alike. `worker` is this process's worker, when it runs one.
pub fn probes(
    settings: &Settings,
    db: DatabaseConnection,
    worker: Option<Arc<crate::worker::Heartbeat>>,
) -> anyhow::Result<Router> {
    crate::metrics::install()?;
    let scrape = crate::metrics::Scrape { db: db.clone(), token: settings.metrics_token.clone() };
    Ok(Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Readiness::new(db, worker))
        .merge(Router::new().route("/metrics", get(crate::metrics::scrape)).with_state(scrape))
        .route_layer(axum::middleware::from_fn(crate::metrics::tag_route)))
}

impl Server {
    /// Bind the listener and assemble the app on an already-migrated database. `outbox_wake`
    /// wakes this process's worker when a push is enqueued here; `worker` is that worker's
    /// heartbeat when it runs (`/readyz` checks it).
    pub async fn build(
        settings: &Settings,
        secret: SecretString,
        vault: Arc<app::ssr::vault::Vault>,
        db: DatabaseConnection,
        outbox_wake: Arc<tokio::sync::Notify>,
        worker: Option<Arc<crate::worker::Heartbeat>>,
    ) -> anyhow::Result<Server> {
        crate::tls::install_crypto_provider();
        let listener =
            TcpListener::bind(settings.listen).await.with_context(|| format!("binding {}", settings.listen))?;
        let mut leptos_options = get_configuration(None)
            .context("reading the Leptos site configuration (LEPTOS_* variables)")?
            .leptos_options;
        leptos_options.site_addr = listener.local_addr()?;
        let site_files = crate::assets::SiteFiles::detect(&mut leptos_options);
        tracing::debug!(site.root = %leptos_options.site_root, site.hashed = site_files.hashed(), "site files");

        let state = AppState {
            db: db.clone(),
            leptos_options: leptos_options.clone(),
            auth: Arc::new(AuthSettings {
                idle_timeout: settings.idle_timeout(),
                absolute_timeout: settings.absolute_timeout(),
                trust_forwarded_for: settings.trust_forwarded_for,
            }),
            counts: Arc::new(CountsSettings {
                stale_after: Duration::from_secs(settings.counts_stale_after_hours * 3600),
            }),
            outbox_wake,
            vendors: Arc::new(app::ssr::VendorSettings {
                probe: Arc::new(crate::vendors::Adapters::with_policy(
                    settings.outbound_policy(),
                    Duration::from_secs(30),
                    vault.clone(),
                )?),
                vault,
                allow_loopback: settings.vendor_allow_loopback,
            }),
        };
        let store = DbSessionStore::new(db.clone());
        let key = Key::from(&Sha512::digest(secret.expose_secret().as_bytes()));
        let sessions = SessionManagerLayer::new(store.clone())
            .with_name("hmis_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(settings.secure_cookies())
            .with_expiry(Expiry::OnInactivity(
                time::Duration::try_from(settings.idle_timeout()).context("session idle timeout")?,
            ))
            .with_signed(key);
        let anonymous = AnonymousCarrier::new(secret.expose_secret(), settings.secure_cookies());
        let header_policy = HeaderPolicy {
            hsts: settings.secure_cookies(),
            static_prefix: format!("/{}/", leptos_options.site_pkg_dir),
        };
        let static_prefix: Arc<str> = header_policy.static_prefix.as_str().into();

        let context = {
            let state = state.clone();
            move || {
                provide_context(state.clone());
                headers::provide_request_nonce();
            }
        };
        let routes = generate_route_list(App);
        let not_found = file_and_error_handler_with_context::<AppState, _>(context.clone(), shell);
        let app = Router::new()
            .leptos_routes_with_context(&state, routes, context, {
                let options = leptos_options.clone();
                move || shell(options.clone())
            })
            // Files from the site root; any other path is the app's "not found" page.
            .fallback_service(site_files.service(not_found.with_state(state.clone())))
            .route_layer(axum::middleware::from_fn(crate::metrics::tag_route))
            .with_state(state.clone());
        let downloads = Router::new()
            .route(app::hmis::ui::DOWNLOAD_PATH, get(crate::export::download))
            .route(app::hmis::json::INVENTORY_V1_SCHEMA, get(crate::schemas::inventory_v1))
            .route_layer(axum::middleware::from_fn(crate::metrics::tag_route))
            .with_state(state.clone());
        let health = probes(settings, db.clone(), worker)?;
        // The guard rewrites the path of pages a user may not open, so it wraps the routing.
        // Anonymous session data is moved to its cookie before the session layer would store it.
        // The security headers are outermost, so every answer gets them (413, 403 and 500 too);
        // only the cache lifetime of content-hashed static files is set outside them. Outermost,
        // every request gets its id, then is timed for the metrics whatever answered it.
        // The JSON API has no pages or sessions: bearer tokens, not cookies, so no CSRF either.
        let api = crate::api::router(db.clone(), settings.api_rate_limit_per_minute);
        let web = Router::new()
            .merge(health)
            .merge(downloads)
            .fallback_service(app)
            .layer(axum::middleware::from_fn_with_state(state, page_guard::guard_pages))
            .layer(axum::middleware::from_fn(csrf::reject_cross_site))
            .layer(axum::middleware::from_fn_with_state(anonymous, carry_anonymous_data))
            .layer(sessions);
        let router = Router::new()
            .nest(crate::api::BASE, api)
            .merge(web)
            .layer(RequestBodyLimitLayer::new(headers::BODY_LIMIT))
            .layer(axum::middleware::from_fn(headers::refuse_large_bodies))
            .layer(axum::middleware::from_fn(crate::api::problem_responses))
            .layer(axum::middleware::from_fn_with_state(header_policy, headers::security_headers))
            .layer(axum::middleware::from_fn_with_state(static_prefix.clone(), crate::assets::cache_hashed_files))
            .layer(TraceLayer::new_for_http().make_span_with(crate::telemetry::RequestSpan))
            .layer(axum::middleware::from_fn_with_state(static_prefix, crate::metrics::track_http))
            .layer(axum::middleware::from_fn(crate::telemetry::request_id));
        Ok(Server { listener, router, store, db })
    }

    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` resolves; expired sessions are swept every ten minutes.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let store = self.store.clone();
        let db = self.db.clone();
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            loop {
                tick.tick().await;
                match store.delete_expired().await {
                    Ok(n) if n > 0 => tracing::info!(sessions.deleted = n, "expired sessions removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
                }
                // Errors are logged where they are converted.
                let _ = app::auth::throttle::sweep(&db, chrono::Utc::now()).await;
            }
        });
        let service = self.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let result = axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await;
        sweeper.abort();
        result.context("serving HTTP")
    }
}
