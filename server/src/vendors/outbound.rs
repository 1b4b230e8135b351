//! Which vendor addresses a delivery may reach (DESIGN.md 6): https only; never a private,
//! loopback, link-local (cloud metadata), shared or unspecified address, checked when the
//! connection is made (a name that resolves to such an address is refused too). Loopback over
//! plain http is allowed only when the operator turns it on for a demo or tests.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// What the deployment allows beyond public https.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboundPolicy {
    /// Allow http and https to 127.0.0.0/8 and ::1 (the vendor simulator, tests).
    pub allow_loopback: bool,
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback() || matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
}

/// Addresses no delivery may reach: private, link-local (169.254.169.254 is the cloud metadata
/// service), shared (100.64/10), unspecified, broadcast, documentation, multicast, unique local.
pub fn is_forbidden(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_unspecified() || v6.is_multicast() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

impl OutboundPolicy {
    /// Why `ip` may not be reached, if it may not.
    pub fn refuse(&self, ip: IpAddr) -> Option<String> {
        if is_loopback(ip) {
            return (!self.allow_loopback).then(|| format!("{ip} is a loopback address"));
        }
        is_forbidden(ip).then(|| format!("{ip} is a private, link-local or reserved address"))
    }

    /// Check a vendor URL before sending: its scheme, and its host when it is an address.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("the vendor URL is not valid ({e})"))?;
        let host_ip = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => Some(IpAddr::from([127, 0, 0, 1])),
            Some(url::Host::Domain(_)) => None,
            None => return Err("the vendor URL has no host".into()),
        };
        let loopback = host_ip.is_some_and(is_loopback);
        match parsed.scheme() {
            "https" => {}
            "http" if loopback && self.allow_loopback => {}
            other => return Err(format!("the vendor URL must use https, not {other}")),
        }
        if let Some(reason) = host_ip.and_then(|ip| self.refuse(ip)) {
            return Err(format!("the vendor URL is not allowed: {reason}"));
        }
        Ok(parsed)
    }

    /// A resolver that refuses names resolving to addresses this policy forbids.
    pub fn resolver(self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver { policy: self })
    }
}

pub struct GuardedResolver {
    policy: OutboundPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs.iter().copied().filter(|a| policy.refuse(a.ip()).is_none()).collect();
            if allowed.is_empty() {
                let reason = addrs.first().and_then(|a| policy.refuse(a.ip())).unwrap_or_else(|| "no address".into());
                return Err(format!("{host} is not allowed: {reason}").into());
            }
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
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "not a url",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad}");
        }
        assert!(demo.check_url("http://127.0.0.1:3199/upload").is_ok());
        assert!(demo.check_url("http://localhost:3199/upload").is_ok());
        assert!(demo.check_url("http://10.0.0.1/x").is_err(), "only loopback may use http");
        assert!(demo.check_url("https://169.254.169.254/").is_err());
    }

    #[tokio::test]
    async fn names_are_checked_when_they_resolve() {
        let strict = OutboundPolicy::default().resolver();
        let refused = strict.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err());
        let demo = OutboundPolicy { allow_loopback: true }.resolver();
        assert!(demo.resolve("localhost".parse().unwrap()).await.is_ok());
    }
}
