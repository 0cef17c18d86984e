//! The one address policy: which IP addresses are public Internet hosts, which host names are
//! personal social networks, and which links may be kept. The inspector's guard (on every
//! connection), site registration and feed registration all ask here, so they cannot disagree.
//!
//! IPv6 forms that carry an IPv4 address inside (IPv4-mapped, NAT64, 6to4) are judged by the
//! address they lead to: `2002:0a00:0001::` is 10.0.0.1 as far as a 6to4 relay is concerned.
//! Forms whose destination cannot be read or should never be reached from here (Teredo, whose
//! client address is obfuscated; IPv4-compatible and site-local, both deprecated; local-use
//! NAT64) are refused whole.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// Whether an address is loopback, private, link-local, shared, metadata, reserved or otherwise
/// not a public Internet host, directly or through the IPv4 address it embeds.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => is_non_public_v6(v6),
    }
}

/// The opposite of [`is_non_public`].
pub fn is_public(ip: IpAddr) -> bool {
    !is_non_public(ip)
}

fn is_non_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local() // includes 169.254.169.254, the cloud metadata address
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24, protocol assignments
        || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 192.88.99.0/24, 6to4 relay anycast
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || o[0] >= 240
}

/// The IPv4 address an IPv6 address leads to, for the forms that embed one and are routed to it.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let low32 = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4); // ::ffff:a.b.c.d
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return Some(low32()); // 64:ff9b::/96, NAT64 well-known prefix
    }
    if s[0] == 0x2002 {
        // 2002:AABB:CCDD::/48, 6to4
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

fn is_non_public_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(v6) {
        return is_non_public_v4(v4);
    }
    let s = v6.segments();
    v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || s[0..6] == [0, 0, 0, 0, 0, 0] // ::/96, IPv4-compatible (deprecated), :: and ::1 included
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7, unique local (fd00:ec2::254, AWS metadata, too)
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0) // 2001::/32, Teredo: the client address is obfuscated
        || (s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32, documentation
        || (s[0] == 0x2001 && s[1] == 2 && s[2] == 0) // 2001:2::/48, benchmarking
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x10) // 2001:10::/28, ORCHID
        || (s[0] & 0xfff0) == 0x3ff0 // 3ff0::/12 … 3fff::/20, documentation
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // 64:ff9b:1::/48, local-use NAT64
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0]) // 100::/64, discard-only
}

/// Names that must resolve to the loopback address (RFC 6761), without asking DNS.
pub fn is_localhost_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Social networks and video platforms: what lives there belongs to people, and Lành Mạng
/// follows only institutions' own sites and press feeds (DOMAIN.md, "The boundary we keep").
pub const SOCIAL_NETWORK_HOSTS: &[&str] = &[
    "facebook.com",
    "fb.com",
    "fb.me",
    "messenger.com",
    "instagram.com",
    "threads.net",
    "tiktok.com",
    "zalo.me",
    "x.com",
    "twitter.com",
    "youtube.com",
    "youtu.be",
];

/// Whether a host (lower case, no trailing dot needed) is a social network or one of its
/// subdomains.
pub fn is_social_network_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    SOCIAL_NETWORK_HOSTS
        .iter()
        .any(|s| host == *s || host.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')))
}

/// Whether a feed address is a personal social account. Every address on a social network
/// is, except a video channel's public feed (`youtube.com/feeds/…`), which institutions and
/// the press publish.
pub fn is_personal_social_feed(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    if !is_social_network_host(host) {
        return false;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let youtube = host == "youtube.com" || host.ends_with(".youtube.com");
    !(youtube && url.path().starts_with("/feeds/"))
}

/// A link worth keeping from content we do not control (a feed entry): an absolute http(s)
/// address with a host, resolved against `base` when relative. Anything else (`javascript:`,
/// `data:`, `file:`, malformed) is dropped, so that it can never become a clickable link.
pub fn web_link(base: Option<&Url>, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 2048 {
        return None;
    }
    let url = match base {
        Some(base) => base.join(raw).ok()?,
        None => Url::parse(raw).ok()?,
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_ranges() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "192.88.99.1",
            "240.0.0.1",
        ] {
            assert!(is_non_public(ip(a)), "{a}");
        }
        for a in ["8.8.8.8", "203.113.131.1", "14.225.0.1", "1.1.1.1"] {
            assert!(is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn ipv6_ranges() {
        for a in [
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "fec0::1",      // site-local
            "feff::1",      // site-local, top of the range
            "2001:db8::1",  // documentation
            "100::1",       // discard-only
            "64:ff9b:1::1", // local-use NAT64
            "2001:2::1",    // benchmarking
            "2001:10::1",   // ORCHID
            "3fff::1",      // documentation
        ] {
            assert!(is_non_public(ip(a)), "{a}");
        }
        for a in ["2001:4860:4860::8888", "2402:800::1", "2606:4700::1111"] {
            assert!(is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn ipv4_mapped_follows_the_embedded_address() {
        assert!(is_non_public(ip("::ffff:10.0.0.1")));
        assert!(is_non_public(ip("::ffff:127.0.0.1")));
        assert!(is_non_public(ip("::ffff:169.254.169.254")));
        assert!(is_public(ip("::ffff:8.8.8.8")));
    }

    #[test]
    fn ipv4_compatible_is_refused_whole() {
        for a in ["::10.0.0.1", "::127.0.0.1", "::8.8.8.8", "::0.0.0.2"] {
            assert!(is_non_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn nat64_follows_the_embedded_address() {
        assert!(is_non_public(ip("64:ff9b::10.0.0.1")));
        assert!(is_non_public(ip("64:ff9b::127.0.0.1")));
        assert!(is_non_public(ip("64:ff9b::a9fe:a9fe"))); // 169.254.169.254
        assert!(is_public(ip("64:ff9b::8.8.8.8")));
    }

    #[test]
    fn six_to_four_follows_the_embedded_address() {
        assert!(is_non_public(ip("2002:0a00:0001::1"))); // 10.0.0.1
        assert!(is_non_public(ip("2002:7f00:0001::"))); // 127.0.0.1
        assert!(is_non_public(ip("2002:a9fe:a9fe::1"))); // 169.254.169.254
        assert!(is_non_public(ip("2002:c0a8:0101::1"))); // 192.168.1.1
        assert!(is_public(ip("2002:0808:0808::1"))); // 8.8.8.8
    }

    #[test]
    fn teredo_is_refused_whole() {
        // Server 65.54.227.120, client 8.8.8.8 obfuscated: refused anyway.
        assert!(is_non_public(ip("2001:0:4136:e378:8000:63bf:f7f7:f7f7")));
        assert!(is_non_public(ip("2001::1")));
    }

    #[test]
    fn localhost_names() {
        assert!(is_localhost_name("localhost"));
        assert!(is_localhost_name("S1.fixture.LOCALHOST."));
        assert!(!is_localhost_name("localhost.vn"));
    }

    #[test]
    fn social_networks() {
        for h in [
            "facebook.com",
            "www.facebook.com",
            "m.facebook.com",
            "fb.me",
            "zalo.me",
            "www.tiktok.com",
            "youtu.be",
            "x.com",
        ] {
            assert!(is_social_network_host(h), "{h}");
        }
        for h in ["notfacebook.com", "thcs.edu.vn", "box.com", "vnexpress.net"] {
            assert!(!is_social_network_host(h), "{h}");
        }
        let personal = |u: &str| is_personal_social_feed(&Url::parse(u).unwrap());
        assert!(personal("https://www.facebook.com/some.teacher"));
        assert!(personal("https://www.youtube.com/@abc"));
        assert!(personal("https://www.youtube.com/watch?v=1"));
        assert!(!personal("https://www.youtube.com/feeds/videos.xml?channel_id=UC1"));
        assert!(!personal("https://baochinhphu.vn/rss"));
    }

    #[test]
    fn only_web_links_are_kept() {
        let base = Url::parse("https://x.edu.vn/feed").unwrap();
        assert_eq!(
            web_link(None, "https://x.edu.vn/a").as_deref(),
            Some("https://x.edu.vn/a")
        );
        assert_eq!(
            web_link(Some(&base), "/tin/1").as_deref(),
            Some("https://x.edu.vn/tin/1")
        );
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "file:///etc/passwd",
            "ftp://x.vn/a",
            "",
        ] {
            assert_eq!(web_link(Some(&base), bad), None, "{bad}");
            assert_eq!(web_link(None, bad), None, "{bad}");
        }
        assert_eq!(web_link(None, "/relative"), None);
    }
}
