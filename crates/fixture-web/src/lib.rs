//! The fixture web: simulated Vietnamese school websites served on 127.0.0.1, with injected
//! defects and hostile behaviours, for the inspector's tests, the demo and the benchmarks.
//!
//! # Hosts and ports
//! - Schools: `sNNNN.fixture.localhost` (at least four digits, `s0000` … `s9999`, `s10000` …),
//!   name-based virtual hosts on the one HTTP port and the one TLS port (SNI picks the
//!   certificate). Every `*.localhost` name means 127.0.0.1 (RFC 6761); clients must resolve it so.
//! - Gambling sites: `nhacai-00` … `nhacai-19.fixture.localhost`, any path.
//! - A neutral external site: `ext.fixture.localhost`; every path answers 200 except those under
//!   `/het-han/`, which answer 404 (the broken external links).
//! - A CDN: `cdn.fixture.localhost/js/*.js` (one script, whose SRI hash the pages use).
//! - `fixture.localhost`: a short index.
//! - `unreachable` sites are given a URL on a port that is bound but never listens (refused).
//!
//! With TLS on, a site's canonical URL is `https://host:TLS_PORT/` unless it has `no_https`
//! (then `http://host:HTTP_PORT/`, and its TLS handshake is refused). Plain HTTP to an https site
//! answers 301 to `https://host:TLS_PORT/same/path`, except with `no_https_redirect`, where it
//! serves the pages. Both listeners tell TLS from plain HTTP by the first byte, so the same URL
//! with the other scheme works on either port. Without TLS every site is `http://`, TLS scenarios
//! become plain `no_https` sites, `mixed_content` cannot exist, and every site that answers gets
//! `no_https`.
//!
//! # Conventions the inspector can rely on
//! - Clean sites (30%) send no generator meta, no `X-Powered-By`, no `?ver=` query strings,
//!   no broken links, no http:// subresources; most of them (all clean ones) carry an article
//!   warning pupils against gambling ("cờ bạc", "cá độ bóng đá", "nhà cái"…), which is not spam.
//! - `generator_disclosed`: `<meta name="generator">` with a version, or `X-Powered-By`.
//!   `outdated_cms` alone: WordPress < 6.0 visible only in core asset `?ver=` query strings.
//! - `spam_visible`: betting text blocks on school pages, without links to gambling hosts.
//!   `spam_links`: visible links to `nhacai-NN` hosts anchored by brand names (`NC07.CLUB`), no
//!   betting words outside them. `spam_hidden`: betting text and links hidden by CSS. `cloaking`:
//!   the betting block appears only for a User-Agent containing "Googlebot".
//! - Broken links sit on the home page, the about page or the sidebar (depth ≤ 1). Sites may also
//!   have `/noi-bo/` (disallowed in robots.txt) linking to a missing page: that one is not listed,
//!   so a crawler that ignores robots.txt reports a broken link that is not in the manifest.
//! - Disclosure parts use the key words of Circular 09/2024: "thông tin chung", "tài chính",
//!   "đội ngũ", "cơ sở vật chất", "kiểm định chất lượng", "kế hoạch … kết quả", "báo cáo thường niên".

mod body;
mod external;
mod feeds;
mod headers;
mod pages;
mod rng;
mod scenario;
mod server;
mod site;
mod text;
mod tls;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use time::{Date, OffsetDateTime};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{OnceCell, watch};
use tokio::task::JoinHandle;

pub use headers::{HEADER_PROFILES, describe_header_profile};
use lanhmang_domain::finding::FindingCode;
use scenario::TlsKind;
use site::Spec;

/// How many gambling hosts exist (`nhacai-00` … `nhacai-19`).
pub const GAMBLING_HOSTS: u32 = 20;

/// What to serve.
#[derive(Clone, Debug)]
pub struct FixtureConfig {
    pub sites: usize,
    /// 0: any free port.
    pub http_port: u16,
    /// `Some(0)`: any free port; `None`: no TLS listener.
    pub tls_port: Option<u16>,
    pub seed: u64,
}

/// One site of the manifest: what to inspect and what the inspector should find.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ManifestSite {
    /// What to inspect, e.g. "https://s0042.fixture.localhost:PORT/" or "http://…".
    pub url: String,
    /// The injected defects, in `FindingCode::ALL` order.
    pub defects: Vec<FindingCode>,
    /// Which security-header combination the site sends (see [`describe_header_profile`]).
    pub header_profile: u32,
    /// Absolute URLs of every broken link placed on the site's pages.
    pub broken_links: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("fixture web: {0}")]
    Io(#[from] std::io::Error),
    #[error("fixture web TLS: {0}")]
    Tls(String),
}

/// A running fixture web. Dropping it stops the listeners too; [`FixtureWeb::shutdown`] also
/// waits for them.
pub struct FixtureWeb {
    pub http_addr: SocketAddr,
    pub tls_addr: Option<SocketAddr>,
    pub manifest: Vec<ManifestSite>,
    /// The fixture root CA, PEM, that inspectors must trust.
    pub ca_pem: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    world: Arc<World>,
    _closed: TcpSocket,
}

/// The host of site `index`.
pub fn site_host(index: usize) -> String {
    format!("s{index:04}.fixture.localhost")
}

/// Starts the fixture web on 127.0.0.1.
pub async fn start(config: FixtureConfig) -> Result<FixtureWeb, FixtureError> {
    let http = TcpListener::bind((Ipv4Addr::LOCALHOST, config.http_port)).await?;
    let tls_listener = match config.tls_port {
        Some(port) => Some(TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?),
        None => None,
    };
    // A port that is bound but never listens: connections to it are refused.
    let closed = TcpSocket::new_v4()?;
    closed.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let http_addr = http.local_addr()?;
    let tls_addr = match &tls_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let world = Arc::new(World {
        seed: config.seed,
        sites: config.sites,
        http_port: http_addr.port(),
        tls_port: tls_addr.map(|a| a.port()),
        closed_port: closed.local_addr()?.port(),
        today: now.date(),
        cdn_sri: format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(external::CDN_SCRIPT.as_bytes()))
        ),
        bomb: OnceCell::new(),
        open: AtomicUsize::new(0),
    });
    let acceptor = if tls_listener.is_some() {
        let certs = tls::CertSet::build(now)?;
        let config = tls::server_config(tls::Resolver {
            world: world.clone(),
            certs,
        })?;
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    } else {
        None
    };
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = vec![tokio::spawn(server::accept_loop(
        http,
        world.clone(),
        acceptor.clone(),
        stop_rx.clone(),
    ))];
    if let Some(l) = tls_listener {
        tasks.push(tokio::spawn(server::accept_loop(l, world.clone(), acceptor, stop_rx)));
    }
    let manifest = (0..config.sites).map(|i| world.manifest_site(i)).collect();
    Ok(FixtureWeb {
        http_addr,
        tls_addr,
        manifest,
        ca_pem: tls::root_pem().to_string(),
        stop,
        tasks,
        world,
        _closed: closed,
    })
}

impl FixtureWeb {
    /// Stops accepting, drops open connections (endless bodies included) and waits.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }

    /// Writes the manifest as a JSON array of `{"url","defects":[…],"header_profile","broken_links"}`.
    pub fn write_manifest(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(&self.manifest).map_err(std::io::Error::other)?;
        std::fs::write(path, json)
    }

    /// How many connections the fixture is serving now (TLS handshakes included). Hostile
    /// responses hold theirs until the client goes away, so this drops back when clients give up.
    pub fn open_connections(&self) -> usize {
        self.world.open.load(Ordering::SeqCst)
    }

    /// The port whose connections are refused (the `unreachable` sites' URLs use it).
    pub fn closed_port(&self) -> u16 {
        self._closed.local_addr().map(|a| a.port()).unwrap_or(0)
    }
}

impl Drop for FixtureWeb {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostKind {
    Site(usize),
    Gambling(u32),
    Ext,
    Cdn,
    Index,
    Unknown,
}

/// Everything the handlers share; nothing per site.
#[derive(Debug)]
pub(crate) struct World {
    pub seed: u64,
    pub sites: usize,
    pub http_port: u16,
    pub tls_port: Option<u16>,
    pub closed_port: u16,
    pub today: Date,
    pub cdn_sri: String,
    pub bomb: OnceCell<Arc<body::Bomb>>,
    /// Connections being served now.
    pub open: AtomicUsize,
}

impl World {
    pub(crate) fn tls_enabled(&self) -> bool {
        self.tls_port.is_some()
    }

    pub(crate) fn classify(&self, host: &str) -> HostKind {
        let host = host.trim_end_matches('.');
        if host == "fixture.localhost" {
            return HostKind::Index;
        }
        let Some(label) = host.strip_suffix(".fixture.localhost") else {
            return HostKind::Unknown;
        };
        match label {
            "ext" => HostKind::Ext,
            "cdn" => HostKind::Cdn,
            _ => {
                if let Some(digits) = label.strip_prefix("nhacai-") {
                    return match digits.parse::<u32>() {
                        Ok(n) if digits.len() == 2 && n < GAMBLING_HOSTS => HostKind::Gambling(n),
                        _ => HostKind::Unknown,
                    };
                }
                if let Some(digits) = label.strip_prefix('s')
                    && digits.len() >= 4
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && let Ok(i) = digits.parse::<usize>()
                    && i < self.sites
                    && site_host(i).len() == host.len()
                {
                    return HostKind::Site(i);
                }
                HostKind::Unknown
            }
        }
    }

    pub(crate) fn tls_kind(&self, index: usize) -> TlsKind {
        scenario::tls_kind(index, self.tls_enabled())
    }

    pub(crate) fn spec(&self, index: usize) -> Spec {
        let defects = scenario::effective(index, self.tls_enabled());
        let tls = self.tls_kind(index);
        Spec {
            index,
            host: site_host(index),
            defects,
            https: tls != TlsKind::Refused,
            header_profile: ((index as u64).wrapping_mul(41).wrapping_add(self.seed) % HEADER_PROFILES as u64) as u32,
            hostile: scenario::hostile(defects),
            variant: rng::mix(self.seed ^ rng::mix(index as u64 ^ 0x5EED)),
        }
    }

    /// `scheme://host[:port]`, leaving out the default port.
    pub(crate) fn origin(&self, https: bool, host: &str) -> String {
        match (https, self.tls_port) {
            (true, Some(443)) => format!("https://{host}"),
            (true, Some(p)) => format!("https://{host}:{p}"),
            (_, _) if self.http_port == 80 => format!("http://{host}"),
            (_, _) => format!("http://{host}:{}", self.http_port),
        }
    }

    /// The origin of a non-school host: https when the fixture has TLS.
    pub(crate) fn ext_origin(&self, host: &str) -> String {
        self.origin(self.tls_enabled(), host)
    }

    pub(crate) fn manifest_url(&self, spec: &Spec) -> String {
        if spec.has(FindingCode::Unreachable) {
            let scheme = if spec.https { "https" } else { "http" };
            return format!("{scheme}://{}:{}/", spec.host, self.closed_port);
        }
        format!("{}/", self.origin(spec.https, &spec.host))
    }

    pub(crate) fn manifest_site(&self, index: usize) -> ManifestSite {
        let spec = self.spec(index);
        let (internal, external) = site::broken_links(self, &spec);
        let origin = self.origin(spec.https, &spec.host);
        let mut broken_links: Vec<String> = internal.into_iter().map(|p| format!("{origin}{p}")).collect();
        broken_links.extend(external);
        ManifestSite {
            url: self.manifest_url(&spec),
            defects: spec.defects.codes(),
            header_profile: spec.header_profile,
            broken_links,
        }
    }
}

#[cfg(test)]
mod tests;
