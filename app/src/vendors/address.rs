//! Which vendor addresses a delivery may reach (DESIGN.md 6): https only, and only globally
//! reachable unicast addresses (see `global`: never a private, loopback, link-local (cloud
//! metadata), shared, reserved, documentation, multicast or tunnel address). The settings form
//! checks a URL here when it is saved; the worker checks it again before every delivery, and its
//! resolver (`server::vendors::outbound`) checks every address a name resolves to. Loopback
//! (127.0.0.0/8, ::1) over plain http is allowed only when the operator turns it on for a demo or
//! tests.
mod global;

pub use global::{is_global, not_global};

use std::net::IpAddr;

/// 127.0.0.0/8, ::1 or ::ffff:127.x.y.z: what `allow_loopback` opens, and nothing more.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Why `ip` may not be reached, if it may not ("10.0.0.1 is a private address").
pub fn refuse(ip: IpAddr, allow_loopback: bool) -> Option<String> {
    if allow_loopback && is_loopback(ip) {
        return None;
    }
    not_global(ip).map(|why| format!("{ip} is {why}"))
}

/// Check a vendor URL: its scheme, and its host when it is an address. The message never
/// repeats the URL (it may carry credentials).
pub fn check_url(url: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("the vendor URL is not valid ({e})"))?;
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
        "http" if loopback && allow_loopback => {}
        other => return Err(format!("the vendor URL must use https, not {other}")),
    }
    if let Some(reason) = host_ip.and_then(|ip| refuse(ip, allow_loopback)) {
        return Err(format!("the vendor URL is not allowed: {reason}"));
    }
    Ok(parsed)
}

/// A URL an admin may save as an endpoint: what `check_url` allows, without a user name or
/// password in it (those go in the credential fields, which are kept secret) and without a
/// fragment. The error is the fix, for the form.
pub fn endpoint(raw: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("enter the https:// address the vendor gave you.".into());
    }
    if t.len() > 2000 {
        return Err("use at most 2000 characters.".into());
    }
    let url = check_url(t, allow_loopback).map_err(|why| {
        let why = why.trim_start_matches("the vendor URL ");
        format!("{why}; enter an https:// address on the public internet, like https://api.vendor.example/import.")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("remove the user name and password from the address and enter them in the credential fields, \
                    where they are kept encrypted."
            .into());
    }
    if url.fragment().is_some() {
        return Err("remove the #fragment from the address.".into());
    }
    if url.as_str().len() > 2000 {
        return Err("use at most 2000 characters.".into());
    }
    if let Some((name, _)) = url.query_pairs().find(|(name, _)| looks_like_credential(name)) {
        return Err(format!(
            "remove the \"{name}\" parameter from the address: credentials go in the credential fields or a custom \
             header, where they are kept encrypted."
        ));
    }
    Ok(url)
}

/// An SFTP endpoint: `sftp://user@host[:port]/directory`, the host checked as `check_url` checks
/// one (loopback only when allowed), no password in it (it goes in the credential fields). The
/// error is the fix, for the form.
pub fn sftp_endpoint(raw: &str, allow_loopback: bool) -> Result<url::Url, String> {
    const SHAPE: &str = "enter it as sftp://user@host/directory (a port after the host if not 22).";
    let t = raw.trim();
    if t.is_empty() {
        return Err(format!("enter the SFTP server's address; {SHAPE}"));
    }
    if t.len() > 2000 {
        return Err("use at most 2000 characters.".into());
    }
    let url = url::Url::parse(t).map_err(|e| format!("the address is not valid ({e}); {SHAPE}"))?;
    if url.scheme() != "sftp" {
        return Err(format!("an SFTP destination starts with sftp://; {SHAPE}"));
    }
    if url.password().is_some() {
        return Err("remove the password from the address and enter it in the Password field, where it is kept \
                    encrypted."
            .into());
    }
    if url.username().is_empty() {
        return Err(format!("the address names no user; {SHAPE}"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("remove the ? or # part; {SHAPE}"));
    }
    if url.port() == Some(0) {
        return Err(format!("port 0 is not a port to connect to; {SHAPE}"));
    }
    // sftp is not a scheme the URL standard knows, so an address in it stays text: parse it here.
    let host_ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => Some(IpAddr::from([127, 0, 0, 1])),
        Some(url::Host::Domain(d)) => d.parse::<IpAddr>().ok(),
        None => return Err(format!("the address names no host; {SHAPE}")),
    };
    if let Some(reason) = host_ip.and_then(|ip| refuse(ip, allow_loopback)) {
        return Err(format!("is not allowed: {reason}; enter an SFTP server on the public internet."));
    }
    Ok(url)
}

/// Where an Azure Blob container is: its URL, the storage account and the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureContainer {
    pub url: url::Url,
    pub account: String,
    pub container: String,
}

/// An Azure Blob Storage container: `https://ACCOUNT.blob.core.windows.net/CONTAINER`, or the
/// emulator's path-style `http://127.0.0.1:PORT/ACCOUNT/CONTAINER` (loopback only when allowed).
/// The SAS token goes in its own field, not in the address. The error is the fix, for the form.
pub fn azure_container(raw: &str, allow_loopback: bool) -> Result<AzureContainer, String> {
    const SHAPE: &str = "enter it as https://ACCOUNT.blob.core.windows.net/CONTAINER.";
    let t = raw.trim();
    if t.contains('?') {
        return Err("remove the ?… part: a SAS token goes in the SAS token field, where it is kept encrypted.".into());
    }
    let url = endpoint(t, allow_loopback).map_err(|why| format!("{why} For Azure Blob Storage, {SHAPE}"))?;
    let segments: Vec<&str> = url.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
    let path_style = matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
        || url.host_str().is_some_and(|h| h.eq_ignore_ascii_case("localhost"));
    let (account, container) = match (path_style, segments.as_slice()) {
        (true, [account, container]) => (account.to_string(), container.to_string()),
        (false, [container]) => {
            let host = url.host_str().unwrap_or_default();
            match host.split_once(".blob.") {
                Some((account, _)) if !account.is_empty() => (account.to_string(), container.to_string()),
                _ => return Err(format!("the host is not a blob endpoint; {SHAPE}")),
            }
        }
        _ => return Err(format!("name the account's container, and only it; {SHAPE}")),
    };
    let name_ok = |s: &str, min: usize| {
        (min..=63).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !name_ok(&account, 3) || !name_ok(&container, 3) {
        return Err(format!("account and container names are 3 to 63 lower-case letters, digits or dashes; {SHAPE}"));
    }
    Ok(AzureContainer { url, account, container })
}

/// A query parameter that carries a credential (an API key, a token, a SAS signature): it would
/// be stored and shown in plain text.
fn looks_like_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
    ["key", "apikey", "token", "accesstoken", "sig", "signature", "sas", "code", "secret", "password", "pwd", "auth"]
        .contains(&name.as_str())
        || ["token", "secret", "password", "apikey"].iter().any(|part| name.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_unless_loopback_is_allowed() {
        assert!(check_url("https://api.clarityhs.example/import", false).is_ok());
        assert!(check_url("https://8.8.8.8/import", false).is_ok());
        for bad in ["http://api.example/import", "ftp://api.example/", "https://10.1.2.3/", "http://127.0.0.1:3199/"] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:3199/upload", true).is_ok());
        assert!(check_url("http://10.0.0.1/x", true).is_err(), "only loopback may use http");
    }

    #[test]
    fn an_sftp_endpoint_names_a_user_and_a_public_host() {
        let url = sftp_endpoint("sftp://wellsky@sftp.wellsky.example:2222/incoming", false).unwrap();
        assert_eq!((url.username(), url.port(), url.path()), ("wellsky", Some(2222), "/incoming"));
        assert!(sftp_endpoint("sftp://u@127.0.0.1:2222/up", true).is_ok());
        for bad in [
            "sftp://sftp.example/in",
            "sftp://u:pw@sftp.example/in",
            "https://u@sftp.example/in",
            "sftp://u@10.0.0.9/in",
            "sftp://u@127.0.0.1/in",
            "sftp://u@[::1]/in",
            "sftp://u@sftp.example:0/in",
            "sftp://u@169.254.169.254/in",
            "",
        ] {
            let why = sftp_endpoint(bad, false).unwrap_err();
            assert!(!why.contains("pw@"), "{why}");
        }
    }

    #[test]
    fn an_azure_container_names_its_account() {
        let c = azure_container("https://cocexports.blob.core.windows.net/hmis", false).unwrap();
        assert_eq!((c.account.as_str(), c.container.as_str()), ("cocexports", "hmis"));
        let emulator = azure_container("http://127.0.0.1:10000/devstoreaccount1/hmis", true).unwrap();
        assert_eq!((emulator.account.as_str(), emulator.container.as_str()), ("devstoreaccount1", "hmis"));
        for bad in [
            "https://cocexports.blob.core.windows.net/hmis?sv=1&sig=x",
            "https://cocexports.blob.core.windows.net/",
            "https://cocexports.blob.core.windows.net/hmis/deeper",
            "https://example.org/hmis",
            "https://cocexports.blob.core.windows.net/HMIS",
            "http://cocexports.blob.core.windows.net/hmis",
        ] {
            assert!(azure_container(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_endpoint_has_no_credentials_and_the_error_says_what_to_do() {
        assert!(endpoint(" https://api.example/import ", false).is_ok());
        let with_user = endpoint("https://user:s3cret@api.example/import", false).unwrap_err();
        assert!(with_user.contains("credential fields") && !with_user.contains("s3cret"), "{with_user}");
        assert!(endpoint("", false).unwrap_err().contains("https://"));
        let private = endpoint("https://192.168.1.10/import", false).unwrap_err();
        assert!(private.starts_with("is not allowed: 192.168.1.10 is a private address"), "{private}");
        let plain = endpoint("http://api.example/import", false).unwrap_err();
        assert!(plain.starts_with("must use https, not http"), "{plain}");
        assert!(endpoint("https://api.example/import#x", false).is_err());
        assert!(endpoint("https://api.example/import?format=csv&coc=TX-503", false).is_ok());
        for secret in ["?api_key=abc", "?sig=abc", "?access-token=x", "?x=1&clientSecret=y", "?code=z"] {
            let refused = endpoint(&format!("https://api.example/import{secret}"), false).unwrap_err();
            assert!(refused.contains("credential fields") && !refused.contains("abc"), "{refused}");
        }
    }
}
