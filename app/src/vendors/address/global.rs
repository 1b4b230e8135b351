//! Which addresses a vendor delivery may reach: globally reachable unicast only. An address is
//! refused when it lies in one of the ranges below (IANA's IPv4 and IPv6 special-purpose address
//! registries, RFC 6890 and later), each with the reason an admin reads on the HMIS Export tab;
//! an IPv6 address must also lie in 2000::/3, the only block global unicast is allocated from.
//!
//! Addresses that carry an IPv4 address: IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96,
//! RFC 6052) are judged by the IPv4 address they carry, as that is what the packets reach.
//! IPv4-compatible (::/96, deprecated), local-use NAT64 (64:ff9b:1::/48, where the operator
//! picks the embedding), 6to4 (2002::/16) and Teredo (2001::/32) are refused outright: they are
//! tunnels or translations no HMIS vendor is served from, and checking what they embed would
//! trust relays we do not control.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Refused IPv4 ranges: network, prefix length, what an address in it is.
const V4_REFUSED: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "a \"this network\" address"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "a private address"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "a shared (carrier-grade NAT) address"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "a loopback address"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "a link-local address (cloud metadata)"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "a private address"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "an IETF protocol assignment address"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "a documentation address"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "a 6to4 relay address"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "a private address"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "a benchmarking address"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "a documentation address"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "a documentation address"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "a multicast address"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "a reserved or broadcast address"),
];

/// Refused IPv6 ranges, the first match giving the reason (so narrower ranges come first).
const V6_REFUSED: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, "the unspecified address"),
    (Ipv6Addr::LOCALHOST, 128, "a loopback address"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "an IPv4-compatible address (deprecated)"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "a local-use NAT64 address"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "a discard-only address"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, "a Teredo tunnel address"),
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48, "a benchmarking address"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "an IETF protocol assignment address"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "a documentation address"),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, "a 6to4 tunnel address"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "a documentation address"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "a unique local (private) address"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "a link-local address"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "a site-local address (deprecated)"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "a multicast address"),
];

/// Global unicast IPv6 (RFC 4291 2.4): nothing outside it is reachable on the internet.
const V6_GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// The NAT64 well-known prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
const NAT64: (Ipv6Addr, u8) = (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

fn in_v4(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == net.to_bits()
}

fn in_v6(ip: Ipv6Addr, (net, len): (Ipv6Addr, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == net.to_bits()
}

/// What `ip` is when it is not globally reachable unicast ("a private address"), or None when a
/// delivery may reach it.
pub fn not_global(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => not_global_v4(v4),
        IpAddr::V6(v6) => not_global_v6(v6),
    }
}

/// Whether `ip` is globally reachable unicast.
pub fn is_global(ip: IpAddr) -> bool {
    not_global(ip).is_none()
}

fn not_global_v4(ip: Ipv4Addr) -> Option<&'static str> {
    V4_REFUSED.iter().find(|&&(net, len, _)| in_v4(ip, (net, len))).map(|&(_, _, why)| why)
}

fn not_global_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return not_global_v4(v4);
    }
    if in_v6(ip, NAT64) {
        let v4 = Ipv4Addr::from_bits(ip.to_bits() as u32);
        return not_global_v4(v4).map(|_| "a NAT64 address of a non-global IPv4 address");
    }
    let refused = V6_REFUSED.iter().find(|&&(net, len, _)| in_v6(ip, (net, len))).map(|&(_, _, why)| why);
    refused.or_else(|| (!in_v6(ip, V6_GLOBAL_UNICAST)).then_some("not a global unicast address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(ip: &str) -> Option<&'static str> {
        not_global(ip.parse().unwrap())
    }

    /// Each refused range: an address inside it with the reason given, and one just outside
    /// that is public.
    #[test]
    fn every_refused_range_is_refused_with_its_reason_and_its_neighbours_are_not() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("0.255.255.255", "a \"this network\" address", Some("1.0.0.0")),
            ("0.0.0.0", "a \"this network\" address", None),
            ("10.1.2.3", "a private address", Some("11.0.0.0")),
            ("10.0.0.0", "a private address", Some("9.255.255.255")),
            ("100.64.0.1", "a shared (carrier-grade NAT) address", Some("100.63.255.255")),
            ("100.127.255.255", "a shared (carrier-grade NAT) address", Some("100.128.0.0")),
            ("127.0.0.1", "a loopback address", Some("128.0.0.1")),
            ("127.255.255.254", "a loopback address", Some("126.255.255.255")),
            ("169.254.169.254", "a link-local address (cloud metadata)", Some("169.255.0.1")),
            ("172.16.0.1", "a private address", Some("172.15.255.255")),
            ("172.31.255.255", "a private address", Some("172.32.0.0")),
            ("192.0.0.8", "an IETF protocol assignment address", Some("192.0.1.1")),
            ("192.0.2.1", "a documentation address", Some("192.0.3.1")),
            ("192.88.99.1", "a 6to4 relay address", Some("192.88.98.255")),
            ("192.88.99.255", "a 6to4 relay address", Some("192.88.100.0")),
            ("192.168.1.1", "a private address", Some("192.169.0.1")),
            ("198.18.0.1", "a benchmarking address", Some("198.17.255.255")),
            ("198.19.255.255", "a benchmarking address", Some("198.20.0.0")),
            ("198.51.100.7", "a documentation address", Some("198.51.101.0")),
            ("203.0.113.7", "a documentation address", Some("203.0.114.0")),
            ("224.0.0.1", "a multicast address", Some("223.255.255.255")),
            ("239.255.255.255", "a multicast address", None),
            ("240.0.0.1", "a reserved or broadcast address", None),
            ("255.255.255.255", "a reserved or broadcast address", None),
            ("::", "the unspecified address", None),
            ("::1", "a loopback address", None),
            ("::7f00:1", "an IPv4-compatible address (deprecated)", None),
            ("::808:808", "an IPv4-compatible address (deprecated)", None),
            ("64:ff9b:1::a00:1", "a local-use NAT64 address", None),
            ("64:ff9b:1:ffff::1", "a local-use NAT64 address", None),
            ("100::1", "a discard-only address", None),
            ("100::ffff:ffff:ffff:ffff", "a discard-only address", Some("2600::1")),
            ("2001::1", "a Teredo tunnel address", None),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address", None),
            ("2001:2::1", "a benchmarking address", None),
            ("2001:10::1", "an IETF protocol assignment address", None),
            ("2001:1ff:ffff::1", "an IETF protocol assignment address", Some("2001:200::1")),
            ("2001:db8::1", "a documentation address", Some("2001:db9::1")),
            ("2001:db8:ffff:ffff::1", "a documentation address", Some("2001:db7:ffff::1")),
            ("2002:c000:0204::1", "a 6to4 tunnel address", Some("2003::1")),
            ("2002:0a00:0001::1", "a 6to4 tunnel address", Some("2001:ffff::1")),
            ("3fff::1", "a documentation address", Some("3ffe:ffff::1")),
            ("3fff:fff::1", "a documentation address", Some("3fff:1000::1")),
            ("fc00::1", "a unique local (private) address", None),
            ("fd12:3456:789a::1", "a unique local (private) address", None),
            ("fe80::1", "a link-local address", None),
            ("febf::1", "a link-local address", None),
            ("fec0::1", "a site-local address (deprecated)", None),
            ("feff::1", "a site-local address (deprecated)", None),
            ("ff02::1", "a multicast address", None),
            ("ff0e::1", "a multicast address", None),
            ("1234::1", "not a global unicast address", Some("2400::1")),
            ("4000::1", "not a global unicast address", Some("3fff:ffff::1")),
            ("5f00::1", "not a global unicast address", None),
        ];
        for &(inside, reason, outside) in cases {
            assert_eq!(why(inside), Some(reason), "{inside}");
            assert!(!is_global(inside.parse().unwrap()), "{inside}");
            if let Some(outside) = outside {
                assert_eq!(why(outside), None, "{outside} is public");
                assert!(is_global(outside.parse().unwrap()), "{outside}");
            }
        }
    }

    #[test]
    fn public_addresses_of_both_families_are_global() {
        for ip in
            ["8.8.8.8", "1.1.1.1", "52.94.236.248", "192.0.1.1", "223.255.255.255", "2600:1f18::1", "2a00:1450::1"]
        {
            assert!(is_global(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn mapped_and_nat64_addresses_are_judged_by_the_ipv4_address_they_carry() {
        assert_eq!(why("::ffff:8.8.8.8"), None);
        assert_eq!(why("::ffff:10.0.0.1"), Some("a private address"));
        assert_eq!(why("::ffff:127.0.0.1"), Some("a loopback address"));
        assert_eq!(why("::ffff:169.254.169.254"), Some("a link-local address (cloud metadata)"));
        assert_eq!(why("64:ff9b::8.8.8.8"), None, "NAT64 of a public address");
        assert_eq!(why("64:ff9b::a9fe:a9fe"), Some("a NAT64 address of a non-global IPv4 address"));
        assert_eq!(why("64:ff9b::127.0.0.1"), Some("a NAT64 address of a non-global IPv4 address"));
        assert_eq!(why("64:ff9b::192.168.0.1"), Some("a NAT64 address of a non-global IPv4 address"));
        assert_eq!(why("64:ff9b:0:0:0:1::1"), Some("not a global unicast address"), "just past the /96");
    }

    #[test]
    fn the_tables_name_networks_not_hosts() {
        for &(net, len, why) in V4_REFUSED {
            assert!(len <= 32 && in_v4(net, (net, len)) && !why.is_empty(), "{net}/{len}");
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            assert_eq!(net.to_bits() & !mask, 0, "{net}/{len} has host bits");
        }
        for &(net, len, why) in V6_REFUSED {
            assert!(len <= 128 && !why.is_empty(), "{net}/{len}");
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            assert_eq!(net.to_bits() & !mask, 0, "{net}/{len} has host bits");
        }
    }
}
