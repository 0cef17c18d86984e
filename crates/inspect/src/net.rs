//! Address rules: which targets may be fetched, and name resolution that enforces them on
//! every connection, redirect hops included.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The classification of addresses is the domain's, so that registration (in `app`) and every
/// connection here apply the same rule.
pub use lanhmang_domain::public_address::{is_localhost_name, is_non_public};

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
