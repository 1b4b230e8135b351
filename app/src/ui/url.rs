//! Percent-encoding for the few URLs the app builds (query values, sign-in redirects).

/// Percent-encode `s`, keeping unreserved characters (RFC 3986) and those in `keep`.
pub fn encode(s: &str, keep: &[u8]) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b if keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_and_non_ascii_bytes_are_encoded() {
        assert_eq!(super::encode("/admin/users?x=1&y", b"/"), "/admin/users%3Fx%3D1%26y");
        assert_eq!(super::encode("Café 50%", b""), "Caf%C3%A9%2050%25");
    }
}
