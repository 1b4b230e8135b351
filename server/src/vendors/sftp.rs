//! SFTP delivery (WellSky, and custom destinations reached by SFTP): the payload uploaded to
//! `sftp://user@host[:port]/directory` under the name fixed at enqueue, first to a hidden
//! temporary name and then renamed (atomically over an earlier copy, with OpenSSH's
//! posix-rename), so the receiver never reads half a file and a repeated delivery replaces its
//! own file. Pure Rust (russh, russh-sftp).
//!
//! The server's host key is pinned: the first connection test that passes records its SHA256
//! fingerprint (`app::vendors::ssr::record_test`); a delivery to a server whose key is not
//! pinned, or that presents another key, is refused for good until an admin tests and accepts.
//! The host is checked by the outbound rules when it is resolved, before dialling.
//!
//! Failures: refused credentials, a bad private key, a changed host key, a missing directory and
//! a refused write are permanent; timeouts, refused or dropped connections are transient.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, AuthResult};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::{RawSftpSession, SftpSession};
use russh_sftp::protocol::{OpenFlags, Packet, StatusCode};
use tokio::io::AsyncWriteExt;

use app::entities::outbox;
use app::outbox::state::Outcome;
use app::vendors::{Checked, SecretField};

use super::outbound::{AddressError, OutboundPolicy};
use super::{Destination, VendorAdapter};

pub struct Sftp {
    policy: OutboundPolicy,
    /// For connecting and signing in, and for each SFTP request.
    timeout: Duration,
    /// For a whole delivery or connection test, however the server paces it.
    total: Duration,
}

impl Sftp {
    pub fn new(timeout: Duration, policy: OutboundPolicy) -> Sftp {
        Sftp { policy, timeout, total: timeout * 20 }
    }
}

/// Why an SFTP exchange failed. The texts are shown to CoC admins: never a secret, never the
/// whole URL.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("the SFTP server did not answer in time")]
    Timeout,
    #[error(
        "the SFTP server's host key has not been confirmed yet: test the connection on the vendor's page, which pins it"
    )]
    NotPinned,
    #[error(
        "the SFTP server presented another host key ({got}) than the one pinned ({pinned}); if the vendor confirms the \
         change, accept the new key on the vendor's page"
    )]
    HostKeyChanged { pinned: String, got: String },
    #[error("the SFTP server presented a certificate instead of a host key, which is not supported")]
    HostCertificate,
    #[error("the SFTP server refused the user name or its password or key")]
    AuthRejected,
    #[error("no password or private key is set for this SFTP destination; enter one on the vendor's page")]
    NoCredential,
    #[error("the private key does not open: {0}")]
    BadKey(String),
    #[error("{0} is not a directory on the SFTP server; check the path in the address")]
    NoDirectory(String),
    #[error("the address is not a valid sftp://user@host/directory")]
    BadAddress,
    #[error(transparent)]
    Address(AddressError),
    #[error("could not connect to the SFTP server: {0}")]
    Connect(String),
    #[error("the SFTP server refused the upload: {0}")]
    Refused(String),
    #[error("the SFTP session failed: {0}")]
    Session(String),
}

impl Failure {
    /// Whether the same attempt could succeed later.
    fn transient(&self) -> bool {
        matches!(
            self,
            Failure::Timeout | Failure::Connect(_) | Failure::Session(_) | Failure::Address(AddressError::Lookup(_))
        )
    }

    fn outcome(self) -> Outcome {
        if self.transient() {
            Outcome::Transient { error: self.to_string(), retry_after: None }
        } else {
            Outcome::Permanent { error: self.to_string() }
        }
    }
}

impl From<russh::Error> for Failure {
    fn from(e: russh::Error) -> Failure {
        Failure::Connect(e.to_string())
    }
}

impl From<SftpError> for Failure {
    fn from(e: SftpError) -> Failure {
        match &e {
            SftpError::Status(s)
                if matches!(
                    s.status_code,
                    StatusCode::PermissionDenied | StatusCode::NoSuchFile | StatusCode::OpUnsupported
                ) =>
            {
                Failure::Refused(format!("{:?}", s.status_code))
            }
            _ => Failure::Session(e.to_string()),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Session(e.to_string())
    }
}

/// Checks the server's host key against the pinned fingerprint, and remembers what it saw.
struct HostKey {
    pinned: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKey {
    type Error = Failure;

    async fn check_server_key(&mut self, server_public_key: &PublicKeyOrCertificate) -> Result<bool, Failure> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = server_public_key else {
            return Err(Failure::HostCertificate);
        };
        let seen = key.fingerprint(HashAlg::Sha256).to_string();
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(seen.clone());
        match &self.pinned {
            None => Ok(true),
            Some(pinned) if *pinned == seen => Ok(true),
            Some(pinned) => Err(Failure::HostKeyChanged { pinned: pinned.clone(), got: seen }),
        }
    }
}

/// Where an SFTP URL points.
struct Target {
    user: String,
    host: String,
    port: u16,
    dir: String,
}

fn target(url: &str) -> Result<Target, Failure> {
    let u = url::Url::parse(url).map_err(|_| Failure::BadAddress)?;
    if u.scheme() != "sftp" || u.username().is_empty() {
        return Err(Failure::BadAddress);
    }
    let user = percent(u.username());
    let dir = match percent(u.path()).trim_end_matches('/') {
        "" => "/".to_string(),
        dir => dir.to_string(),
    };
    Ok(Target { user, host: u.host_str().ok_or(Failure::BadAddress)?.to_string(), port: u.port().unwrap_or(22), dir })
}

fn percent(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// How to sign in, from the vendor's secrets: a private key (with its passphrase) if set, else
/// the password.
enum Login {
    Password(String),
    Key(Arc<russh::keys::PrivateKey>),
}

fn login(to: &Destination<'_>) -> Result<Login, Failure> {
    if let Some(pem) = to.secrets.get(&SecretField::PrivateKey) {
        let passphrase = to.secrets.get(&SecretField::KeyPassphrase);
        let key = russh::keys::decode_secret_key(pem, passphrase).map_err(|e| {
            Failure::BadKey(match e {
                russh::keys::Error::KeyIsEncrypted => "it is encrypted; enter its passphrase".to_string(),
                russh::keys::Error::SshKey(_) => "wrong passphrase, or the key is damaged".to_string(),
                other => other.to_string(),
            })
        })?;
        return Ok(Login::Key(Arc::new(key)));
    }
    match to.secrets.get(&SecretField::Password) {
        Some(password) => Ok(Login::Password(password.to_string())),
        None => Err(Failure::NoCredential),
    }
}

/// A signed-in SSH connection, and the host key fingerprint the server presented.
struct Session {
    handle: client::Handle<HostKey>,
    host_key: Option<String>,
}

impl Sftp {
    /// Connect to `t` (its addresses checked by the outbound rules), check the host key against
    /// `pinned` (none: any, reported), and sign in. On failure, also the key the server presented.
    async fn open(
        &self,
        t: &Target,
        login: &Login,
        pinned: Option<String>,
    ) -> Result<Session, (Failure, Option<String>)> {
        let addrs: Vec<SocketAddr> =
            self.policy.addresses(&t.host, t.port).await.map_err(|e| (Failure::Address(e), None))?;
        let config =
            Arc::new(client::Config { inactivity_timeout: Some(self.timeout), nodelay: true, ..Default::default() });
        let seen = Arc::new(Mutex::new(None));
        let seen_now = || seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let handler = HostKey { pinned, seen: seen.clone() };
        let connected = tokio::time::timeout(self.timeout, client::connect(config, addrs.as_slice(), handler)).await;
        let mut handle = match connected {
            Err(_) => return Err((Failure::Timeout, seen_now())),
            Ok(Err(e)) => return Err((e, seen_now())),
            Ok(Ok(handle)) => handle,
        };
        let signed_in = tokio::time::timeout(self.timeout, async {
            match login {
                Login::Password(password) => handle.authenticate_password(&t.user, password).await,
                Login::Key(key) => {
                    let hash =
                        if key.algorithm().is_rsa() { handle.best_supported_rsa_hash().await?.flatten() } else { None };
                    handle.authenticate_publickey(&t.user, PrivateKeyWithHashAlg::new(key.clone(), hash)).await
                }
            }
        })
        .await;
        match signed_in {
            Err(_) => Err((Failure::Timeout, seen_now())),
            Ok(Err(e)) => Err((e.into(), seen_now())),
            Ok(Ok(AuthResult::Failure { .. })) => Err((Failure::AuthRejected, seen_now())),
            Ok(Ok(AuthResult::Success)) => Ok(Session { handle, host_key: seen_now() }),
        }
    }

    /// An SFTP channel on `session`.
    async fn channel(&self, session: &Session) -> Result<russh::ChannelStream<client::Msg>, Failure> {
        let mut channel = session.handle.channel_open_session().await?;
        channel.request_subsystem(true, "sftp").await?;
        // The request does not wait for the server's answer.
        loop {
            match tokio::time::timeout(self.timeout, channel.wait()).await.map_err(|_| Failure::Timeout)? {
                Some(russh::ChannelMsg::Success) => break,
                Some(russh::ChannelMsg::Failure) | None => {
                    return Err(Failure::Session("the server refused the sftp subsystem".into()));
                }
                Some(_) => continue,
            }
        }
        Ok(channel.into_stream())
    }

    async fn sftp(&self, session: &Session) -> Result<SftpSession, Failure> {
        let sftp = SftpSession::new(self.channel(session).await?).await?;
        sftp.set_timeout(self.timeout.as_secs().max(1));
        Ok(sftp)
    }

    /// Upload `data` as `dir/name`: written to `dir/.name.part`, then renamed over `dir/name`.
    async fn upload(&self, session: &Session, dir: &str, name: &str, data: &[u8]) -> Result<(), Failure> {
        let sftp = self.sftp(session).await?;
        directory(&sftp, dir).await?;
        let join = |n: &str| if dir.ends_with('/') { format!("{dir}{n}") } else { format!("{dir}/{n}") };
        let (part, fin) = (join(&format!(".{name}.part")), join(name));
        let written = async {
            let flags = OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE;
            let mut file = sftp.open_with_flags(&part, flags).await?;
            file.write_all(data).await?;
            // Waits for every write's acknowledgement, and syncs where the server offers it.
            file.flush().await?;
            file.close().await?;
            self.rename(session, &sftp, &part, &fin).await
        }
        .await;
        if written.is_err() {
            // Best effort: a dropped connection leaves the part file, which a retry overwrites.
            let _ = sftp.remove_file(&part).await;
        }
        written?;
        let _ = sftp.close().await;
        Ok(())
    }

    /// Rename `from` over `to`: atomically with posix-rename@openssh.com where the server offers
    /// it, else by removing `to` first.
    async fn rename(&self, session: &Session, sftp: &SftpSession, from: &str, to: &str) -> Result<(), Failure> {
        let raw = RawSftpSession::new(self.channel(session).await?);
        raw.set_timeout(self.timeout.as_secs().max(1));
        let version = raw.init().await?;
        const POSIX_RENAME: &str = "posix-rename@openssh.com";
        if version.extensions.get(POSIX_RENAME).map(String::as_str) == Some("1") {
            let mut data = Vec::new();
            for s in [from, to] {
                data.extend_from_slice(&(s.len() as u32).to_be_bytes());
                data.extend_from_slice(s.as_bytes());
            }
            let answer = raw.extended(POSIX_RENAME, data).await?;
            let _ = raw.close_session();
            return match answer {
                Packet::Status(s) if s.status_code == StatusCode::Ok => Ok(()),
                Packet::Status(s) => Err(SftpError::Status(s).into()),
                _ => Err(Failure::Session("unexpected answer to the rename".into())),
            };
        }
        let _ = raw.close_session();
        if sftp.try_exists(to).await? {
            sftp.remove_file(to).await?;
        }
        sftp.rename(from, to).await?;
        Ok(())
    }
}

/// `dir` is a directory on the server.
async fn directory(sftp: &SftpSession, dir: &str) -> Result<(), Failure> {
    match sftp.metadata(dir).await {
        Ok(meta) if meta.file_type().is_dir() => Ok(()),
        Ok(_) => Err(Failure::NoDirectory(dir.to_string())),
        Err(SftpError::Status(s)) if s.status_code == StatusCode::NoSuchFile => {
            Err(Failure::NoDirectory(dir.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

async fn hang_up(session: Session) {
    let _ = session.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
}

#[async_trait::async_trait]
impl VendorAdapter for Sftp {
    async fn deliver(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        tokio::time::timeout(self.total, self.send(to, row)).await.unwrap_or_else(|_| Failure::Timeout.outcome())
    }

    async fn check(&self, to: &Destination<'_>) -> Checked {
        tokio::time::timeout(self.total, self.test(to))
            .await
            .unwrap_or_else(|_| Checked::failed(Failure::Timeout.to_string()))
    }
}

impl Sftp {
    async fn send(&self, to: &Destination<'_>, row: &outbox::Model) -> Outcome {
        let prepared = target(to.url).and_then(|t| Ok((t, login(to)?)));
        let (t, login) = match prepared {
            Ok(prepared) => prepared,
            Err(failure) => return failure.outcome(),
        };
        let Some(pinned) = to.vendor.host_key_pinned.clone() else {
            return Failure::NotPinned.outcome();
        };
        let session = match self.open(&t, &login, Some(pinned)).await {
            Ok(session) => session,
            Err((failure, _)) => return failure.outcome(),
        };
        let uploaded = self.upload(&session, &t.dir, &row.payload_name, &row.payload).await;
        hang_up(session).await;
        match uploaded {
            Ok(()) => Outcome::Delivered,
            Err(failure) => failure.outcome(),
        }
    }

    async fn test(&self, to: &Destination<'_>) -> Checked {
        let prepared = target(to.url).and_then(|t| Ok((t, login(to)?)));
        let (t, login) = match prepared {
            Ok(prepared) => prepared,
            Err(failure) => return Checked::failed(failure.to_string()),
        };
        let session = match self.open(&t, &login, to.vendor.host_key_pinned.clone()).await {
            Ok(session) => session,
            Err((failure, host_key)) => return Checked { ok: false, detail: failure.to_string(), host_key },
        };
        let host_key = session.host_key.clone();
        let found = match self.sftp(&session).await {
            Ok(sftp) => directory(&sftp, &t.dir).await,
            Err(failure) => Err(failure),
        };
        hang_up(session).await;
        let key = host_key.clone().unwrap_or_default();
        match found {
            Ok(()) => Checked {
                ok: true,
                detail: format!(
                    "reachable over SSH; signed in as {}; {} is a directory; host key {key}",
                    t.user, t.dir
                ),
                host_key,
            },
            Err(failure) => Checked { ok: false, detail: failure.to_string(), host_key },
        }
    }
}
