//! Typed settings: defaults, then a TOML file, then environment variables (`HMIS_*`, and the
//! conventional `DATABASE_URL`).
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (printed at start).
    pub listen: SocketAddr,
    pub environment: Environment,
    /// Where the SQLite database and the development secret key live.
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; unset means an SQLite file in `data_dir`.
    pub database_url: Option<SecretString>,
    /// Signs session cookies and seals vendor secrets. At least 32 characters.
    pub secret_key: Option<SecretString>,
    /// Secret keys in use before the current one, separated by commas or spaces: vendor secrets
    /// sealed under them still open until `hmis-bridge rotate-secrets` seals them again.
    pub previous_secret_keys: Option<SecretString>,
    /// The address users reach the app at, e.g. `https://bridge.example.org`. Cookies are
    /// marked Secure when it is https.
    pub public_url: Option<String>,
    pub session_idle_minutes: u64,
    pub session_absolute_hours: u64,
    pub log_format: LogFormat,
    /// Bed counts older than this many hours are marked stale.
    pub counts_stale_after_hours: u64,
    /// Trust `X-Forwarded-For` for the client address (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// `serve` also delivers pushes. Off for web-only replicas (then run `worker` elsewhere).
    pub worker: bool,
    /// Let deliveries reach vendors on loopback over http (the demo's vendor simulator, tests).
    pub vendor_allow_loopback: bool,
    /// Deliveries one worker makes at once.
    pub worker_concurrency: u64,
    /// How long a claimed delivery stays the worker's without a lease refresh; after a crash
    /// its rows are retried this much later.
    pub worker_lease_seconds: u64,
    /// The first retry after a transient failure waits about this long (half to all of it);
    /// each later retry four times longer. Lower it only for demos and tests.
    pub retry_base_seconds: u64,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <this>`.
    pub metrics_token: Option<SecretString>,
    /// An OpenTelemetry collector's OTLP/HTTP address (e.g. `http://otel-collector:4318`): when
    /// set, request and delivery spans are exported to it as traces. Off when unset.
    pub otlp_endpoint: Option<String>,
    /// Requests one API token may make per minute (all replicas together); more answer 429.
    pub api_rate_limit_per_minute: u32,
}

#[derive(Serialize)]
struct Defaults {
    listen: SocketAddr,
    environment: Environment,
    data_dir: PathBuf,
    session_idle_minutes: u64,
    session_absolute_hours: u64,
    log_format: LogFormat,
    counts_stale_after_hours: u64,
    trust_forwarded_for: bool,
    worker: bool,
    vendor_allow_loopback: bool,
    worker_concurrency: u64,
    worker_lease_seconds: u64,
    retry_base_seconds: u64,
    api_rate_limit_per_minute: u32,
}

impl Settings {
    /// Load from `file` (if it exists) and the environment.
    pub fn load(file: &Path) -> anyhow::Result<Settings> {
        let defaults = Defaults {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            environment: Environment::Development,
            data_dir: PathBuf::from("data"),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            log_format: LogFormat::Pretty,
            counts_stale_after_hours: 12,
            trust_forwarded_for: false,
            worker: true,
            vendor_allow_loopback: false,
            worker_concurrency: 8,
            worker_lease_seconds: 120,
            retry_base_seconds: 30,
            api_rate_limit_per_minute: 120,
        };
        let settings: Settings = Figment::from(Serialized::defaults(defaults))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("HMIS_"))
            .extract()
            .with_context(|| format!("reading settings from {} and HMIS_* variables", file.display()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            bail!("session_idle_minutes and session_absolute_hours must be at least 1");
        }
        if !(1..=256).contains(&self.worker_concurrency) {
            bail!("worker_concurrency must be between 1 and 256, got {}", self.worker_concurrency);
        }
        if !(3..=3600).contains(&self.worker_lease_seconds) {
            bail!("worker_lease_seconds must be between 3 and 3600, got {}", self.worker_lease_seconds);
        }
        if !(1..=3600).contains(&self.retry_base_seconds) {
            bail!("retry_base_seconds must be between 1 and 3600, got {}", self.retry_base_seconds);
        }
        if !(1..=100_000).contains(&self.api_rate_limit_per_minute) {
            bail!("api_rate_limit_per_minute must be between 1 and 100000, got {}", self.api_rate_limit_per_minute);
        }
        if let Some(url) = &self.otlp_endpoint
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bail!(
                "otlp_endpoint must be the collector's OTLP/HTTP address, like http://otel-collector:4318, got {url:?}"
            );
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bail!("public_url must start with https:// (or http:// for local use), got {url:?}");
        }
        if self.environment == Environment::Production && !self.secure_cookies() {
            bail!(
                "production needs public_url (HMIS_PUBLIC_URL) set to the https:// address users reach, so session cookies are Secure"
            );
        }
        if self.metrics_token.as_ref().is_some_and(|t| t.expose_secret().len() < 16) {
            bail!("metrics_token must be at least 16 characters; generate one with `openssl rand -base64 32`");
        }
        if self.environment == Environment::Production && self.metrics_token.is_none() {
            bail!(
                "production needs metrics_token (HMIS_METRICS_TOKEN) set to a long random value, so /metrics answers only \
                 Prometheus (which sends it as a bearer token); generate one with `openssl rand -base64 32`"
            );
        }
        Ok(())
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.session_idle_minutes * 60)
    }

    pub fn absolute_timeout(&self) -> Duration {
        Duration::from_secs(self.session_absolute_hours * 3600)
    }

    /// What outbound deliveries may reach.
    pub fn outbound_policy(&self) -> crate::vendors::outbound::OutboundPolicy {
        crate::vendors::outbound::OutboundPolicy { allow_loopback: self.vendor_allow_loopback }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The vault for vendor secrets: the current secret key seals, the previous ones still open.
    pub fn vault(&self, current: &SecretString) -> app::ssr::vault::Vault {
        let previous: Vec<SecretString> = self
            .previous_secret_keys
            .as_ref()
            .map(|keys| {
                keys.expose_secret()
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|k| !k.is_empty())
                    .map(|k| SecretString::from(k.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        app::ssr::vault::Vault::new(current, &previous)
    }

    /// The secret key: configured, or in development generated once and kept in `data_dir`.
    pub fn resolve_secret_key(&self) -> anyhow::Result<SecretString> {
        if let Some(key) = &self.secret_key {
            if key.expose_secret().len() < 32 {
                bail!("HMIS_SECRET_KEY must be at least 32 characters; generate one with `openssl rand -base64 48`");
            }
            return Ok(key.clone());
        }
        if self.environment == Environment::Production {
            bail!(
                "no secret key: set HMIS_SECRET_KEY (or secret_key in the settings file) to at least 32 random characters, \
                 e.g. the output of `openssl rand -base64 48`"
            );
        }
        create_data_dir(&self.data_dir)?;
        let path = self.data_dir.join("secret.key");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            return Ok(SecretString::from(existing.trim().to_string()));
        }
        let key = generate_key();
        write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(path = %path.display(), "generated a development secret key");
        Ok(SecretString::from(key))
    }
}

/// Create `dir` (and missing parents) with mode 0700: it holds the SQLite database and the
/// development secret key. An existing one open to other users is restricted to 0700, with a
/// warning; if that is not possible (another owner), the warning says so and startup goes on.
pub fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    let creating = || format!("creating data directory {}", dir.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).with_context(creating)?;
        let mode = std::fs::metadata(dir).with_context(creating)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let was = format!("{mode:o}");
            match std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
                Ok(()) => {
                    tracing::warn!(path = %dir.display(), was, "data directory was open to other users; now 0700")
                }
                Err(e) => tracing::warn!(
                    path = %dir.display(), was, error = %e,
                    "data directory is open to other users and could not be restricted; make it 0700"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(creating)?;
    Ok(())
}

fn generate_key() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(test)]
// figment::Jail's closures return figment::Error, which is large: not ours to shrink.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn production_without_a_key_is_a_clear_error() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HMIS_ENVIRONMENT", "production");
            jail.set_env("HMIS_PUBLIC_URL", "https://bridge.example.org");
            jail.set_env("HMIS_METRICS_TOKEN", "a-long-random-metrics-token");
            let settings = Settings::load(Path::new("none.toml")).expect("loads");
            let err = settings.resolve_secret_key().unwrap_err().to_string();
            assert!(err.contains("HMIS_SECRET_KEY"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn production_needs_an_https_public_url() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HMIS_ENVIRONMENT", "production");
            let err = Settings::load(Path::new("none.toml")).unwrap_err().to_string();
            assert!(err.contains("https"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn production_needs_a_metrics_token() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HMIS_ENVIRONMENT", "production");
            jail.set_env("HMIS_PUBLIC_URL", "https://bridge.example.org");
            let err = Settings::load(Path::new("none.toml")).unwrap_err().to_string();
            assert!(err.contains("HMIS_METRICS_TOKEN"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("app.toml", "listen = \"0.0.0.0:8080\"\nsession_idle_minutes = 20\n")?;
            jail.set_env("HMIS_SESSION_IDLE_MINUTES", "45");
            jail.set_env("DATABASE_URL", "postgres://localhost/x");
            let settings = Settings::load(Path::new("app.toml")).expect("loads");
            assert_eq!(settings.listen.port(), 8080);
            assert_eq!(settings.session_idle_minutes, 45);
            assert!(settings.database_url.is_some());
            Ok(())
        });
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HMIS_SECRET_KEY", "a-very-long-secret-value-that-must-not-leak");
            let settings = Settings::load(Path::new("none.toml")).expect("loads");
            assert!(!format!("{settings:?}").contains("must-not-leak"));
            Ok(())
        });
    }
}
