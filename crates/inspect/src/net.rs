//! Address rules: which targets may be fetched, and name resolution that enforces them on
//! every connection, redirect hops included.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Whether an address is loopback, private, link-local, shared, metadata or otherwise not a
/// public Internet host.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public_v4(v4);
            }
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local
                || (seg0 & 0xffc0) == 0xfe80 // link-local
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) // AWS metadata (IPv6)
        }
    }
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
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || o[0] >= 240
}

/// Names that must resolve to the loopback address (RFC 6761), without asking DNS.
pub fn is_localhost_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Why a target was not fetched.
#[derive(Debug, Clone, thiserror::Error)]
#[error("địa chỉ {host} trỏ tới mạng nội bộ ({addr})")]
pub struct BlockedAddress {
    pub host: String,
    pub addr: IpAddr,
}

/// Resolves names for the HTTP client and refuses non-public answers unless allowed.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl GuardedResolver {
    pub async fn lookup(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let addrs: Vec<SocketAddr> = if is_localhost_name(host) {
            vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)]
        } else if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else {
            tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| ResolveError::Dns(format!("{host}: {e}")))?
                .collect()
        };
        if addrs.is_empty() {
            return Err(ResolveError::Dns(format!("{host}: không có địa chỉ")));
        }
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| is_non_public(a.ip()))
        {
            return Err(ResolveError::Blocked(BlockedAddress {
                host: host.to_string(),
                addr: bad.ip(),
            }));
        }
        Ok(addrs)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("không phân giải được tên miền {0}")]
    Dns(String),
    #[error(transparent)]
    Blocked(BlockedAddress),
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            match this.lookup(&host, 0).await {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(e) => Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
            }
        })
    }
}

pub fn resolver(allow_private: bool) -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver { allow_private })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_non_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "203.113.131.1", "2001:4860:4860::8888", "14.225.0.1"] {
            assert!(!is_non_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn localhost_names_are_loopback_and_blocked_by_default() {
        let strict = GuardedResolver { allow_private: false };
        assert!(matches!(
            strict.lookup("s0001.fixture.localhost", 80).await,
            Err(ResolveError::Blocked(_))
        ));
        assert!(matches!(
            strict.lookup("127.0.0.1", 80).await,
            Err(ResolveError::Blocked(_))
        ));
        assert!(matches!(
            strict.lookup("[::1]", 80).await,
            Err(ResolveError::Blocked(_))
        ));
        let open = GuardedResolver { allow_private: true };
        let addrs = open.lookup("s0001.fixture.localhost", 8080).await.unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:8080".parse().unwrap()]);
    }
}
