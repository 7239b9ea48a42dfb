//! Which resolved addresses an app's request may connect to.
//!
//! The allowlist says which *names* an app may call; this says which
//! *addresses* those names may resolve to. A declared name that resolves to
//! the host's own loopback, the operator's private network or a cloud
//! metadata service is server-side request forgery whatever the manifest
//! says, so every address is checked, every time, after the host's own
//! lookup, and the connection goes to the address that was checked.
//!
//! | range | why it is refused |
//! |---|---|
//! | `0.0.0.0/8`, `::/128` | "this host": reaches local listeners on many systems |
//! | `127.0.0.0/8`, `::1/128` | loopback: the host's own services (Kiln's own, databases) |
//! | `10/8`, `172.16/12`, `192.168/16`, `fc00::/7` | private networks behind the operator's firewall (`fd00:ec2::254` is AWS's IPv6 metadata service) |
//! | `100.64.0.0/10` | carrier-grade NAT: the provider's internal network |
//! | `169.254.0.0/16`, `fe80::/10`, `fec0::/10` | link-local: cloud metadata (`169.254.169.254`) and neighbours |
//! | `224.0.0.0/4`, `ff00::/8` | multicast |
//! | `240.0.0.0/4`, `255.255.255.255` | reserved, broadcast |
//! | `192.0.0.0/24`, `198.18.0.0/15`, `100::/64`, `2001::/23` | protocol assignments, benchmarking, discard, Teredo and other tunnels |
//! | `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20` | documentation: never a real server |
//! | `::/96` (IPv4-compatible), `64:ff9b:1::/48` (local NAT64) | deprecated or local translation |
//!
//! IPv6 forms that embed an IPv4 address (`::ffff:a.b.c.d` mapped,
//! `64:ff9b::a.b.c.d` NAT64, `2002:aabb:ccdd::` 6to4) are judged by the IPv4
//! address they carry, so `::ffff:127.0.0.1` is loopback.
//!
//! The operator may allow ranges for a host (a staging API on the LAN, a
//! loopback test server): see [`super::overrides`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused (shown to the app and in the audit line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    Unspecified,
    Loopback,
    Private,
    SharedNat,
    LinkLocal,
    Multicast,
    Reserved,
    Documentation,
    Special,
}

impl Forbidden {
    pub fn as_str(self) -> &'static str {
        match self {
            Forbidden::Unspecified => "unspecified",
            Forbidden::Loopback => "loopback",
            Forbidden::Private => "private",
            Forbidden::SharedNat => "carrier-grade NAT",
            Forbidden::LinkLocal => "link-local or metadata",
            Forbidden::Multicast => "multicast",
            Forbidden::Reserved => "reserved or broadcast",
            Forbidden::Documentation => "documentation",
            Forbidden::Special => "special-purpose",
        }
    }
}

/// `None` when `ip` is a public unicast address; otherwise why not.
pub fn classify(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Forbidden> {
    let [a, b, c, _] = ip.octets();
    let forbidden = match (a, b, c) {
        (0, _, _) => Forbidden::Unspecified,
        (127, _, _) => Forbidden::Loopback,
        (10, _, _) => Forbidden::Private,
        (172, 16..=31, _) => Forbidden::Private,
        (192, 168, _) => Forbidden::Private,
        (100, 64..=127, _) => Forbidden::SharedNat,
        (169, 254, _) => Forbidden::LinkLocal,
        (224..=239, _, _) => Forbidden::Multicast,
        (240..=255, _, _) => Forbidden::Reserved,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Forbidden::Documentation,
        (192, 0, 0) | (192, 88, 99) => Forbidden::Special,
        (198, 18..=19, _) => Forbidden::Special,
        _ => return None,
    };
    Some(forbidden)
}

fn classify_v6(ip: Ipv6Addr) -> Option<Forbidden> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some(Forbidden::Unspecified);
    }
    if ip.is_loopback() {
        return Some(Forbidden::Loopback);
    }
    // ::ffff:a.b.c.d (mapped) is the IPv4 address itself on a dual-stack socket.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    // ::a.b.c.d (compatible, deprecated by RFC 4291): never legitimate.
    if segments[..6] == [0; 6] {
        return Some(Forbidden::Special);
    }
    // 64:ff9b::/96, the well-known NAT64 prefix: the gateway connects to
    // the embedded IPv4 address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = segments;
        return classify_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    // 2002::/16, 6to4: the relay delivers to the embedded IPv4 address.
    if segments[0] == 0x2002 {
        return classify_v4(Ipv4Addr::from(
            (u32::from(segments[1]) << 16) | u32::from(segments[2]),
        ));
    }
    let forbidden = match segments[0] {
        0xfc00..=0xfdff => Forbidden::Private,
        0xfe80..=0xfebf => Forbidden::LinkLocal,
        0xfec0..=0xfeff => Forbidden::LinkLocal,
        0xff00..=0xffff => Forbidden::Multicast,
        0x2001 if segments[1] == 0x0db8 => Forbidden::Documentation,
        0x2001 if segments[1] < 0x0200 => Forbidden::Special,
        0x3fff if segments[1] < 0x1000 => Forbidden::Documentation,
        0x0064 if segments[1] == 0xff9b && segments[2] == 1 => Forbidden::Special,
        0x0100 if segments[1..4] == [0, 0, 0] => Forbidden::Special,
        // Everything outside 2000::/3 is unassigned or special.
        first if !(0x2000..=0x3fff).contains(&first) => Forbidden::Reserved,
        _ => return None,
    };
    Some(forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Option<Forbidden> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn every_special_range_is_refused() {
        let refused = [
            ("0.0.0.0", Forbidden::Unspecified),
            ("0.1.2.3", Forbidden::Unspecified),
            ("127.0.0.1", Forbidden::Loopback),
            ("127.255.255.254", Forbidden::Loopback),
            ("10.0.0.1", Forbidden::Private),
            ("172.16.0.1", Forbidden::Private),
            ("172.31.255.255", Forbidden::Private),
            ("192.168.1.1", Forbidden::Private),
            ("100.64.0.1", Forbidden::SharedNat),
            ("100.127.255.255", Forbidden::SharedNat),
            ("169.254.169.254", Forbidden::LinkLocal),
            ("224.0.0.1", Forbidden::Multicast),
            ("239.255.255.250", Forbidden::Multicast),
            ("240.0.0.1", Forbidden::Reserved),
            ("255.255.255.255", Forbidden::Reserved),
            ("192.0.2.1", Forbidden::Documentation),
            ("198.51.100.7", Forbidden::Documentation),
            ("203.0.113.9", Forbidden::Documentation),
            ("192.0.0.170", Forbidden::Special),
            ("198.18.0.1", Forbidden::Special),
            ("::", Forbidden::Unspecified),
            ("::1", Forbidden::Loopback),
            ("::ffff:127.0.0.1", Forbidden::Loopback),
            ("::ffff:169.254.169.254", Forbidden::LinkLocal),
            ("::ffff:10.1.2.3", Forbidden::Private),
            ("::127.0.0.1", Forbidden::Special),
            ("::8.8.8.8", Forbidden::Special),
            ("64:ff9b::127.0.0.1", Forbidden::Loopback),
            ("64:ff9b::a9fe:a9fe", Forbidden::LinkLocal),
            ("64:ff9b:1::1", Forbidden::Special),
            ("2002:7f00:1::", Forbidden::Loopback),
            ("2002:c0a8:0101::1", Forbidden::Private),
            ("fd00:ec2::254", Forbidden::Private),
            ("fc00::1", Forbidden::Private),
            ("fe80::1", Forbidden::LinkLocal),
            ("fec0::1", Forbidden::LinkLocal),
            ("ff02::1", Forbidden::Multicast),
            ("2001:db8::1", Forbidden::Documentation),
            ("3fff::1", Forbidden::Documentation),
            ("2001::1", Forbidden::Special),
            ("100::1", Forbidden::Special),
            ("4000::1", Forbidden::Reserved),
        ];
        for (address, why) in refused {
            assert_eq!(check(address), Some(why), "{address}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "104.16.0.1",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.3.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
            "2606:4700::1111",
            "2a00:1450:4001::1",
        ] {
            assert_eq!(check(address), None, "{address}");
        }
    }
}
