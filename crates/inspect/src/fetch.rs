//! Fetching with limits: per-host and global concurrency, timeouts, redirect cap with loop
//! detection, a body cap applied after decompression (so a gzip bomb stops early), retries with
//! backoff honouring Retry-After, and the address guard on every hop.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::InspectConfig;
use crate::finding::FindingCode;
use crate::net::{BlockedAddress, GuardedResolver, ResolveError};

/// One response in a redirect chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    /// Header names lowercased; repeated headers (Set-Cookie) kept as separate entries.
    pub headers: Vec<(String, String)>,
}

/// A completed fetch.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub final_url: Url,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Every response, the redirects and the final one.
    pub chain: Vec<Hop>,
    pub body: Vec<u8>,
    /// Time to the final response's headers, including redirects.
    pub elapsed: Duration,
    /// Headers over the configured size.
    pub headers_too_large: bool,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body as text: UTF-8, or lossily converted (the caller can tell by `valid_utf8`).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn valid_utf8(&self) -> bool {
        std::str::from_utf8(&self.body).is_ok()
    }

    pub fn is_html(&self) -> bool {
        self.header("content-type").is_none_or(|ct| ct.contains("html"))
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Blocked(BlockedAddress),
    #[error("không phân giải được tên miền: {0}")]
    Dns(String),
    #[error("không kết nối được: {0}")]
    Connect(String),
    #[error("quá thời gian chờ ({0:?})")]
    Timeout(Duration),
    #[error("chuyển hướng quá {max} lần hoặc lặp vòng")]
    TooManyRedirects { max: usize, chain: Vec<Hop> },
    #[error("nội dung vượt {0} byte")]
    BodyTooLarge(usize),
    #[error("dữ liệu nén giải ra vượt {0} byte")]
    DecompressionBomb(usize),
    #[error("địa chỉ không hợp lệ: {0}")]
    BadUrl(String),
    #[error("lỗi giao thức: {0}")]
    Protocol(String),
}

impl FetchError {
    /// The finding a failed fetch of a site's main page amounts to.
    pub fn finding_code(&self) -> FindingCode {
        match self {
            FetchError::Blocked(_) => FindingCode::BlockedPrivateAddress,
            FetchError::Dns(_) | FetchError::Connect(_) | FetchError::BadUrl(_) | FetchError::Protocol(_) => {
                FindingCode::Unreachable
            }
            FetchError::Timeout(_) => FindingCode::Timeout,
            FetchError::TooManyRedirects { .. } => FindingCode::TooManyRedirects,
            FetchError::BodyTooLarge(_) => FindingCode::BodyTooLarge,
            FetchError::DecompressionBomb(_) => FindingCode::DecompressionBomb,
        }
    }
}

/// What to send.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub head: bool,
    /// Send OPTIONS (a CORS preflight); a 303 turns the rest of the chain into GET.
    pub options: bool,
    pub follow_redirects: bool,
    pub user_agent: Option<String>,
    pub accept: Option<&'static str>,
    pub origin: Option<String>,
    pub extra_headers: Vec<(&'static str, String)>,
    /// Send back, along a redirect chain, the cookies the chain's responses set.
    pub carry_cookies: bool,
    /// Read at most this much of the body (None: the configured cap).
    pub body_limit: Option<usize>,
}

impl Request {
    /// A GET that follows redirects.
    pub fn follow() -> Request {
        Request {
            follow_redirects: true,
            ..Default::default()
        }
    }

    /// A GET that follows redirects and reads at most `limit` bytes of the body.
    pub fn follow_capped(limit: usize) -> Request {
        Request {
            follow_redirects: true,
            body_limit: Some(limit),
            ..Default::default()
        }
    }
}

struct HostGate {
    slots: Semaphore,
    next_start: Mutex<Instant>,
}

/// The HTTP side of the inspector, shared by every inspection in a run.
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<InspectConfig>,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    pub resolver: Arc<GuardedResolver>,
}

/// Installs ring as rustls's process-wide provider (once; later calls do nothing).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Fetcher {
    pub fn new(config: Arc<InspectConfig>) -> Result<Fetcher, FetchError> {
        install_crypto_provider();
        let resolver = crate::net::resolver(config.allow_private_targets);
        // Certificates are judged by the TLS probe, not here: content is fetched even from a
        // site whose certificate has expired, as a visitor who clicks through would see it.
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| FetchError::Protocol(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::tls::AcceptAnyCertificate))
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(resolver.clone())
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(config.per_host_concurrency.max(1))
            // A site's connections are reused only within its own inspection, whose requests
            // come in bursts: idle ones are dropped soon, or a run over thousands of sites holds
            // the connections (and TLS buffers) of every site it has finished.
            .pool_idle_timeout(Duration::from_secs(2))
            .http1_only()
            .build()
            .map_err(|e| FetchError::Protocol(e.to_string()))?;
        Ok(Fetcher {
            client,
            global: Semaphore::new(config.global_concurrency.max(1)),
            hosts: Mutex::new(HashMap::new()),
            resolver,
            config,
        })
    }

    pub fn config(&self) -> &InspectConfig {
        &self.config
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    slots: Semaphore::new(self.config.per_host_concurrency.max(1)),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Fetches `url`, following redirects if asked, with every limit applied.
    pub async fn fetch(&self, url: &Url, req: &Request) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let mut chain: Vec<Hop> = Vec::new();
        let mut current = url.clone();
        let mut cookies: Vec<(String, String)> = Vec::new();
        let mut hop_req = req.clone();
        loop {
            let (hop, body, headers_too_large) = self.fetch_one_with_retries(&current, &hop_req, &cookies).await?;
            if req.carry_cookies {
                remember_cookies(&mut cookies, &hop.headers);
            }
            if hop.status == 303 {
                hop_req.options = false;
                hop_req.head = false;
            }
            let status = hop.status;
            let location = hop
                .headers
                .iter()
                .find(|(k, _)| k == "location")
                .map(|(_, v)| v.clone());
            chain.push(hop);
            let redirect = (300..400).contains(&status) && status != 304;
            match (redirect && req.follow_redirects, location) {
                (true, Some(loc)) => {
                    let next = current
                        .join(loc.trim())
                        .map_err(|e| FetchError::BadUrl(format!("{loc}: {e}")))?;
                    let looped = chain.iter().any(|h| h.url == next.as_str());
                    if chain.len() > self.config.max_redirects || looped {
                        return Err(FetchError::TooManyRedirects {
                            max: self.config.max_redirects,
                            chain,
                        });
                    }
                    current = next;
                }
                _ => {
                    let last = chain.last().cloned().unwrap_or(Hop {
                        url: current.to_string(),
                        status,
                        headers: Vec::new(),
                    });
                    return Ok(Fetched {
                        final_url: current,
                        status,
                        headers: last.headers,
                        chain,
                        body,
                        elapsed: started.elapsed(),
                        headers_too_large,
                    });
                }
            }
        }
    }

    async fn fetch_one_with_retries(
        &self,
        url: &Url,
        req: &Request,
        cookies: &[(String, String)],
    ) -> Result<(Hop, Vec<u8>, bool), FetchError> {
        let mut attempt = 0;
        loop {
            let result = self.fetch_one(url, req, cookies).await?;
            let status = result.0.status;
            let retryable = status == 429 || (500..600).contains(&status);
            if !retryable || attempt >= self.config.retries {
                return Ok(result);
            }
            let retry_after = result
                .0
                .headers
                .iter()
                .find(|(k, _)| k == "retry-after")
                .and_then(|(_, v)| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let backoff = self.config.retry_base * 2u32.saturating_pow(attempt);
            let wait = retry_after.unwrap_or(backoff).min(self.config.max_retry_after);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One request, one response, no redirects followed.
    async fn fetch_one(
        &self,
        url: &Url,
        req: &Request,
        cookies: &[(String, String)],
    ) -> Result<(Hop, Vec<u8>, bool), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::BadUrl(url.to_string()));
        }
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::BadUrl(url.to_string()))?
            .to_string();
        // IP literals never reach the resolver: check them here.
        if let Some(ip) = literal_ip(url)
            && !self.config.allow_private_targets
            && crate::net::is_non_public(ip)
        {
            return Err(FetchError::Blocked(BlockedAddress { host, addr: ip }));
        }
        let _global = self
            .global
            .acquire()
            .await
            .map_err(|e| FetchError::Protocol(e.to_string()))?;
        let gate = self.gate(&host);
        let _slot = gate
            .slots
            .acquire()
            .await
            .map_err(|e| FetchError::Protocol(e.to_string()))?;
        if !self.config.per_host_interval.is_zero() {
            let wait_until = {
                let mut next = gate.next_start.lock().unwrap_or_else(|p| p.into_inner());
                let start = (*next).max(Instant::now());
                *next = start + self.config.per_host_interval;
                start
            };
            tokio::time::sleep_until(wait_until.into()).await;
        }
        let limit = req.body_limit.unwrap_or(self.config.max_body_bytes);
        let timeout = self.config.request_timeout;
        match tokio::time::timeout(timeout, self.send(url, req, limit, cookies)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(timeout)),
        }
    }

    async fn send(
        &self,
        url: &Url,
        req: &Request,
        limit: usize,
        cookies: &[(String, String)],
    ) -> Result<(Hop, Vec<u8>, bool), FetchError> {
        let mut headers = HeaderMap::new();
        let ua = req.user_agent.as_deref().unwrap_or(&self.config.user_agent);
        if let Ok(v) = HeaderValue::from_str(ua) {
            headers.insert(reqwest::header::USER_AGENT, v);
        }
        headers.insert(
            reqwest::header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate"),
        );
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("vi,en;q=0.5"),
        );
        if let Some(origin) = &req.origin
            && let Ok(v) = HeaderValue::from_str(origin)
        {
            headers.insert(reqwest::header::ORIGIN, v);
        }
        if let Some(accept) = req.accept {
            headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static(accept));
        }
        for (name, value) in &req.extra_headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(*name, v);
            }
        }
        if !cookies.is_empty() {
            let line = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            if let Ok(v) = HeaderValue::from_str(&line) {
                headers.insert(reqwest::header::COOKIE, v);
            }
        }
        let builder = if req.options {
            self.client.request(reqwest::Method::OPTIONS, url.clone())
        } else if req.head {
            self.client.head(url.clone())
        } else {
            self.client.get(url.clone())
        };
        let mut response = builder.headers(headers).send().await.map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        let mut header_bytes = 0usize;
        let hop_headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                header_bytes += k.as_str().len() + v.len() + 4;
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let headers_too_large = header_bytes > self.config.max_header_bytes;
        let encoding = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase());
        let is_redirect = (300..400).contains(&status);
        let mut body = Vec::new();
        if !req.head && !is_redirect {
            body = read_body(&mut response, encoding.as_deref(), limit).await?;
        }
        Ok((
            Hop {
                url: url.to_string(),
                status,
                headers: hop_headers,
            },
            body,
            headers_too_large,
        ))
    }
}

/// Keeps the name=value of every Set-Cookie, the later replacing the earlier.
fn remember_cookies(jar: &mut Vec<(String, String)>, headers: &[(String, String)]) {
    for (_, v) in headers.iter().filter(|(k, _)| k == "set-cookie") {
        let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('=')) else {
            continue;
        };
        let name = name.trim().to_string();
        jar.retain(|(n, _)| *n != name);
        if jar.len() < 50 {
            jar.push((name, value.trim().to_string()));
        }
    }
}

fn literal_ip(url: &Url) -> Option<std::net::IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(v4.into()),
        url::Host::Ipv6(v6) => Some(v6.into()),
        url::Host::Domain(_) => None,
    }
}

/// A writer that refuses to grow past its cap.
struct Capped {
    data: Vec<u8>,
    cap: usize,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.data.len() + buf.len() > self.cap {
            return Err(std::io::Error::other("cap"));
        }
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Decoder {
    Identity(Capped),
    Gzip(flate2::write::GzDecoder<Capped>),
    Deflate(flate2::write::ZlibDecoder<Capped>),
}

/// Reads the body chunk by chunk, decompressing as it goes, and stops at the cap. A small
/// compressed body that inflates past the cap is a decompression bomb, not just a large page.
async fn read_body(
    response: &mut reqwest::Response,
    encoding: Option<&str>,
    cap: usize,
) -> Result<Vec<u8>, FetchError> {
    let sink = Capped { data: Vec::new(), cap };
    let mut decoder = match encoding {
        Some("gzip") | Some("x-gzip") => Decoder::Gzip(flate2::write::GzDecoder::new(sink)),
        Some("deflate") => Decoder::Deflate(flate2::write::ZlibDecoder::new(sink)),
        _ => Decoder::Identity(sink),
    };
    let compressed = !matches!(decoder, Decoder::Identity(_));
    let mut wire_bytes = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(map_reqwest_error)? {
        wire_bytes += chunk.len();
        let written = match &mut decoder {
            Decoder::Identity(w) => w.write_all(&chunk),
            Decoder::Gzip(w) => w.write_all(&chunk),
            Decoder::Deflate(w) => w.write_all(&chunk),
        };
        if let Err(e) = written {
            if e.to_string() == "cap" {
                return Err(if compressed && wire_bytes.saturating_mul(20) < cap {
                    FetchError::DecompressionBomb(cap)
                } else {
                    FetchError::BodyTooLarge(cap)
                });
            }
            // A corrupt compressed stream: keep what was decoded.
            break;
        }
    }
    let data = match decoder {
        Decoder::Identity(w) => w.data,
        Decoder::Gzip(w) => w.finish().map(|c| c.data).unwrap_or_default(),
        Decoder::Deflate(w) => w.finish().map(|c| c.data).unwrap_or_default(),
    };
    Ok(data)
}

fn map_reqwest_error(e: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(r) = err.downcast_ref::<ResolveError>() {
            return match r {
                ResolveError::Blocked(b) => FetchError::Blocked(b.clone()),
                ResolveError::Dns(m) => FetchError::Dns(m.clone()),
            };
        }
        source = err.source();
    }
    if e.is_timeout() {
        FetchError::Timeout(Duration::ZERO)
    } else if e.is_connect() {
        FetchError::Connect(root_message(&e))
    } else {
        FetchError::Protocol(root_message(&e))
    }
}

fn root_message(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg = s.to_string();
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A tiny server: answers the n-th connection with `responses[n]` (the last one repeats).
    async fn serve(responses: Vec<Vec<u8>>) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let reply = responses[n.min(responses.len() - 1)].clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock.write_all(&reply).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        (addr, count)
    }

    fn fetcher(config: InspectConfig) -> Fetcher {
        Fetcher::new(Arc::new(InspectConfig {
            allow_private_targets: true,
            ..config
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn retries_honour_retry_after() {
        let busy =
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                .to_vec();
        let ok = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".to_vec();
        let (addr, count) = serve(vec![busy, ok]).await;
        let f = fetcher(InspectConfig {
            retries: 2,
            ..Default::default()
        });
        let started = Instant::now();
        let r = f
            .fetch(&Url::parse(&format!("http://{addr}/")).unwrap(), &Request::default())
            .await
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, b"ok".as_slice()));
        assert!(
            started.elapsed() >= Duration::from_millis(950),
            "waited {:?}",
            started.elapsed()
        );
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn gzip_bombs_and_large_bodies_stop_at_the_cap() {
        use flate2::Compression;
        use flate2::write::GzEncoder;
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&vec![b'a'; 8 * 1024 * 1024]).unwrap();
        let gz = enc.finish().unwrap();
        let mut bomb = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            gz.len()
        )
        .into_bytes();
        bomb.extend_from_slice(&gz);
        let (addr, _) = serve(vec![bomb]).await;
        let f = fetcher(InspectConfig {
            max_body_bytes: 1024 * 1024,
            ..Default::default()
        });
        let e = f
            .fetch(&Url::parse(&format!("http://{addr}/")).unwrap(), &Request::default())
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::DecompressionBomb(_)), "{e:?}");

        let mut big = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
        let (addr, _) = serve(vec![big]).await;
        let e = f
            .fetch(&Url::parse(&format!("http://{addr}/")).unwrap(), &Request::default())
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::BodyTooLarge(_)), "{e:?}");
    }

    #[tokio::test]
    async fn redirect_loops_and_private_hops_are_refused() {
        let looping = b"HTTP/1.1 302 Found\r\nLocation: /a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
        let (addr, _) = serve(vec![looping]).await;
        let f = fetcher(InspectConfig::default());
        let e = f
            .fetch(
                &Url::parse(&format!("http://{addr}/a")).unwrap(),
                &Request {
                    follow_redirects: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::TooManyRedirects { .. }), "{e:?}");

        // A public-looking start is irrelevant: the guard refuses the private hop itself.
        let strict = Fetcher::new(Arc::new(InspectConfig::default())).unwrap();
        let e = strict
            .fetch(&Url::parse("http://10.0.0.1/").unwrap(), &Request::default())
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Blocked(_)), "{e:?}");
        let e = strict
            .fetch(&Url::parse("http://metadata.localhost/").unwrap(), &Request::default())
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Blocked(_)), "{e:?}");
    }

    #[tokio::test]
    async fn slow_drip_hits_the_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            if let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n").await;
                for _ in 0..20 {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if sock.write_all(b"x").await.is_err() {
                        break;
                    }
                }
            }
        });
        let f = fetcher(InspectConfig {
            request_timeout: Duration::from_millis(600),
            ..Default::default()
        });
        let started = Instant::now();
        let e = f
            .fetch(&Url::parse(&format!("http://{addr}/")).unwrap(), &Request::default())
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Timeout(_)), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
