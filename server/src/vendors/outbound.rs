//! Which vendor addresses a delivery may reach (DESIGN.md 6): https only, and only globally
//! reachable unicast addresses (see `global`: never a private, loopback, link-local (cloud
//! metadata), shared, reserved, documentation, multicast or tunnel address), checked on the URL
//! and again on every address a name resolves to when the connection is made. Loopback
//! (127.0.0.0/8, ::1) over plain http is allowed only when the operator turns it on for a demo or
//! tests. A name that resolves only to refused addresses fails with `NotAllowed`, which the
//! adapter finds in the error's source chain and records as a permanent failure.
pub use app::vendors::address::{is_global, not_global};

use std::error::Error as StdError;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// What the deployment allows beyond public https.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboundPolicy {
    /// Allow http and https to 127.0.0.0/8 and ::1 (the vendor simulator, tests).
    pub allow_loopback: bool,
}

/// A vendor host that resolved only to addresses no delivery may reach. The message names the
/// host and the first refused address, never the URL (which may carry credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} is not allowed: {reason}")]
pub struct NotAllowed {
    pub host: String,
    /// Why, e.g. "127.0.0.1 is a loopback address".
    pub reason: String,
}

/// Why a host cannot be dialled: refused by the policy (for good), or not resolved (maybe later).
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error(transparent)]
    NotAllowed(NotAllowed),
    #[error("could not resolve the host name: {0}")]
    Lookup(io::Error),
}

impl NotAllowed {
    /// The refusal in `error`'s source chain, if that is why it failed.
    pub fn find<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a NotAllowed> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<NotAllowed>() {
                return Some(found);
            }
            // An io::Error's `source()` skips the error it wraps: look inside it.
            let wrapped = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref());
            if let Some(found) = wrapped.and_then(|inner| inner.downcast_ref::<NotAllowed>()) {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

impl OutboundPolicy {
    /// Why `ip` may not be reached, if it may not ("10.0.0.1 is a private address").
    pub fn refuse(&self, ip: IpAddr) -> Option<String> {
        app::vendors::address::refuse(ip, self.allow_loopback)
    }

    /// Check a vendor URL before sending: its scheme, and its host when it is an address.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, String> {
        app::vendors::address::check_url(url, self.allow_loopback)
    }

    /// `addrs` (what `host` resolved to, at least one) without the ones this policy refuses;
    /// `NotAllowed`, naming the first, when none is left.
    fn keep_allowed(&self, host: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, NotAllowed> {
        let first = addrs[0];
        let allowed: Vec<SocketAddr> = addrs.into_iter().filter(|a| self.refuse(a.ip()).is_none()).collect();
        if allowed.is_empty() {
            return Err(NotAllowed { host: host.to_string(), reason: self.refuse(first.ip()).unwrap_or_default() });
        }
        Ok(allowed)
    }

    /// The addresses `host` (a name, or an address in the URL's form: `[::1]`) may be reached at
    /// on `port`, resolved now, for transports that dial themselves (SFTP).
    pub async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, AddressError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) if bare.eq_ignore_ascii_case("localhost") => vec![SocketAddr::from(([127, 0, 0, 1], port))],
            Err(_) => tokio::net::lookup_host((bare, port)).await.map_err(AddressError::Lookup)?.collect(),
        };
        if addrs.is_empty() {
            let none = io::Error::new(io::ErrorKind::NotFound, format!("{bare} has no address"));
            return Err(AddressError::Lookup(none));
        }
        self.keep_allowed(bare, addrs).map_err(AddressError::NotAllowed)
    }

    /// A resolver that drops the addresses this policy refuses, and fails with `NotAllowed` when
    /// none is left.
    pub fn resolver(self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver { policy: self, lookup: Lookup::System })
    }

    /// The same with fixed answers instead of DNS, so a test can make a name resolve anywhere.
    #[cfg(test)]
    pub(crate) fn resolver_with_hosts(self, hosts: &[(&str, IpAddr)]) -> Arc<GuardedResolver> {
        let hosts = hosts.iter().map(|&(name, ip)| (name.to_string(), ip)).collect();
        Arc::new(GuardedResolver { policy: self, lookup: Lookup::Fixed(Arc::new(hosts)) })
    }
}

/// Where names are looked up.
#[derive(Clone)]
enum Lookup {
    System,
    #[cfg(test)]
    Fixed(Arc<Vec<(String, IpAddr)>>),
}

impl Lookup {
    async fn addrs(self, host: &str) -> io::Result<Vec<SocketAddr>> {
        match self {
            Lookup::System => Ok(tokio::net::lookup_host((host, 0)).await?.collect()),
            #[cfg(test)]
            Lookup::Fixed(hosts) => {
                Ok(hosts.iter().filter(|(h, _)| h == host).map(|&(_, ip)| SocketAddr::new(ip, 0)).collect())
            }
        }
    }
}

pub struct GuardedResolver {
    policy: OutboundPolicy,
    lookup: Lookup,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (policy, lookup, host) = (self.policy, self.lookup.clone(), name.as_str().to_string());
        Box::pin(async move {
            // A failed lookup (no such name, DNS down) stays an io::Error: worth retrying.
            let addrs = lookup.addrs(&host).await?;
            if addrs.is_empty() {
                return Err(io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address")).into());
            }
            let allowed = policy.keep_allowed(&host, addrs)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_unless_loopback_is_allowed() {
        let strict = OutboundPolicy::default();
        let demo = OutboundPolicy { allow_loopback: true };
        assert!(strict.check_url("https://api.clarityhs.example/import").is_ok());
        assert!(strict.check_url("https://8.8.8.8/import").is_ok());
        assert!(strict.check_url("https://[2600:1f18::1]/import").is_ok());
        for bad in [
            "http://api.clarityhs.example/import",
            "ftp://example.org/x",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://10.1.2.3/x",
            "https://192.168.0.10/x",
            "https://172.16.5.5/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://198.18.0.1/x",
            "https://240.0.0.1/x",
            "https://255.255.255.255/x",
            "https://192.0.0.170/x",
            "https://192.88.99.1/x",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[fec0::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://[::127.0.0.1]/x",
            "https://[64:ff9b::a9fe:a9fe]/x",
            "https://[64:ff9b:1::1]/x",
            "https://[2002:a00:1::1]/x",
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",
            "https://[2001:db8::1]/x",
            "https://[100::1]/x",
            "https://[ff02::1]/x",
            "not a url",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad}");
        }
        assert!(demo.check_url("http://127.0.0.1:3199/upload").is_ok());
        assert!(demo.check_url("http://localhost:3199/upload").is_ok());
        assert!(demo.check_url("http://[::1]:3199/upload").is_ok());
        assert!(demo.check_url("http://[::ffff:127.0.0.1]:3199/upload").is_ok());
        assert!(demo.check_url("http://10.0.0.1/x").is_err(), "only loopback may use http");
        assert!(demo.check_url("https://169.254.169.254/").is_err());
        assert!(demo.check_url("https://[::7f00:1]/").is_err(), "IPv4-compatible is not loopback");
        assert!(demo.check_url("https://[64:ff9b::7f00:1]/").is_err(), "NAT64 of loopback is not loopback");
    }

    #[test]
    fn a_refusal_names_the_address_and_what_it_is() {
        let strict = OutboundPolicy::default();
        assert_eq!(strict.refuse("10.0.0.1".parse().unwrap()).as_deref(), Some("10.0.0.1 is a private address"));
        assert_eq!(strict.refuse("::1".parse().unwrap()).as_deref(), Some("::1 is a loopback address"));
        assert_eq!(strict.refuse("8.8.8.8".parse().unwrap()), None);
        let url = strict.check_url("https://user:secret@169.254.169.254/latest?sig=abc").unwrap_err();
        assert_eq!(url, "the vendor URL is not allowed: 169.254.169.254 is a link-local address (cloud metadata)");
    }

    #[tokio::test]
    async fn names_are_checked_when_they_resolve() {
        let strict = OutboundPolicy::default().resolver();
        let refused = strict.resolve("localhost".parse().unwrap()).await.err().expect("localhost is refused");
        let not_allowed = NotAllowed::find(&*refused).expect("a typed refusal");
        assert_eq!(not_allowed.host, "localhost");
        assert!(not_allowed.reason.ends_with("is a loopback address"), "{not_allowed}");
        let demo = OutboundPolicy { allow_loopback: true }.resolver();
        assert!(demo.resolve("localhost".parse().unwrap()).await.is_ok());
    }

    #[tokio::test]
    async fn refused_addresses_are_dropped_and_a_name_with_none_left_is_not_allowed() {
        let private = "10.0.0.7".parse().unwrap();
        let public = "8.8.8.8".parse().unwrap();
        let resolver = OutboundPolicy::default().resolver_with_hosts(&[
            ("split.example", private),
            ("split.example", public),
            ("internal.example", private),
            ("internal.example", "fd00::7".parse().unwrap()),
        ]);
        let addrs: Vec<IpAddr> =
            resolver.resolve("split.example".parse().unwrap()).await.unwrap().map(|a| a.ip()).collect();
        assert_eq!(addrs, [public]);

        let refused = resolver.resolve("internal.example".parse().unwrap()).await.err().unwrap();
        let expected = NotAllowed { host: "internal.example".into(), reason: "10.0.0.7 is a private address".into() };
        assert_eq!(NotAllowed::find(&*refused), Some(&expected));
        assert_eq!(refused.to_string(), "internal.example is not allowed: 10.0.0.7 is a private address");

        let unknown = resolver.resolve("nowhere.example".parse().unwrap()).await.err().unwrap();
        assert_eq!(NotAllowed::find(&*unknown), None, "a name that does not resolve is not a refusal");
    }

    #[test]
    fn a_refusal_is_found_however_deep_it_is_wrapped() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] io::Error);
        let refusal = NotAllowed { host: "h.example".into(), reason: "10.0.0.1 is a private address".into() };
        let wrapped = Outer(io::Error::other(refusal.clone()));
        assert_eq!(NotAllowed::find(&wrapped), Some(&refusal));
        assert_eq!(NotAllowed::find(&io::Error::other("dns timeout")), None);
    }
}
