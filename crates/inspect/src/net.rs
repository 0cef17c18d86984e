//! Address rules: which targets may be fetched, and name resolution that enforces them on
//! every connection, redirect hops included.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

// The policy itself lives in the domain, so that registration and the guard cannot disagree.
pub use lanhmang_domain::address_policy::{is_localhost_name, is_non_public};

/// Why a target was not fetched. The message names the host, never the address it resolved
/// to: findings are shown to people, and internal addresses are nobody's business.
#[derive(Debug, Clone, thiserror::Error)]
#[error("địa chỉ {host} không phải địa chỉ công khai")]
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

    /// One address in each range the guard refuses, beyond loopback and RFC 1918.
    const REFUSED: &[&str] = &[
        "64:ff9b::a00:1",                       // NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",                   // NAT64 of 169.254.169.254
        "64:ff9b:1::1",                         // local-use NAT64
        "2002:a00:1::1",                        // 6to4 of 10.0.0.1
        "2002:7f00:1::1",                       // 6to4 of 127.0.0.1
        "::a00:1",                              // IPv4-compatible 10.0.0.1
        "::808:808",                            // IPv4-compatible, even of a public address
        "::ffff:a00:1",                         // IPv4-mapped 10.0.0.1
        "::ffff:7f00:1",                        // IPv4-mapped 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
        "fec0::1",                              // site-local
        "fd00:ec2::254",                        // AWS metadata (IPv6)
    ];

    #[tokio::test]
    async fn every_refused_range_is_refused_on_connection_without_naming_the_address() {
        let strict = GuardedResolver { allow_private: false };
        for ip in REFUSED {
            let e = strict.lookup(&format!("[{ip}]"), 80).await.unwrap_err();
            assert!(matches!(e, ResolveError::Blocked(_)), "{ip}: {e:?}");
            assert!(e.to_string().contains("không phải địa chỉ công khai"), "{ip}: {e}");
        }
        // The fetcher refuses them too, before any connection, and says so without the address.
        let fetcher = crate::fetch::Fetcher::new(Arc::new(crate::config::InspectConfig::default())).unwrap();
        for ip in REFUSED {
            let url = url::Url::parse(&format!("http://[{ip}]/")).unwrap();
            let e = fetcher
                .fetch(&url, &crate::fetch::Request::default())
                .await
                .unwrap_err();
            assert!(matches!(e, crate::fetch::FetchError::Blocked(_)), "{ip}: {e:?}");
            let shown = e.to_string();
            let literal = url.host_str().unwrap().trim_matches(['[', ']']).to_string();
            assert!(shown.contains("không phải địa chỉ công khai"), "{ip}: {shown}");
            assert!(!shown.contains(&format!("({literal})")), "{ip}: {shown}");
        }
        // Public forms that embed a public IPv4 are not refused by the policy.
        for ip in ["64:ff9b::808:808", "2002:808:808::1", "::ffff:808:808"] {
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
