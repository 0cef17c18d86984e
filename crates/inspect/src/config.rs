//! Limits and thresholds of an inspection. Every number is configurable; the defaults are
//! polite to small school hosting and safe against hostile sites.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct InspectConfig {
    /// Sent with every request, so that administrators can tell who is knocking.
    pub user_agent: String,
    /// Fetch targets that resolve to loopback, private, link-local or metadata addresses.
    pub allow_private_targets: bool,
    pub connect_timeout: Duration,
    /// The whole of one request: connect, headers and body.
    pub request_timeout: Duration,
    /// Largest body read (after decompression); the rest is not read.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Response headers larger than this are reported.
    pub max_header_bytes: usize,
    /// Requests in flight to one host at once.
    pub per_host_concurrency: usize,
    /// Pause between two requests to one host.
    pub per_host_interval: Duration,
    /// Requests in flight overall.
    pub global_concurrency: usize,
    /// Retries after 429 or 5xx (Retry-After is honoured up to `max_retry_after`).
    pub retries: u32,
    pub retry_base: Duration,
    pub max_retry_after: Duration,
    /// The whole inspection of one site, whatever it does.
    pub site_timeout: Duration,
    /// Pages crawled per site, and how far from the home page.
    pub max_pages: usize,
    pub max_depth: usize,
    /// External links checked per site.
    pub max_external_links: usize,
    pub slow_threshold: Duration,
    /// Newest content older than this many days is stale.
    pub stale_after_days: i64,
    /// Certificates expiring within this many days are reported.
    pub expiring_within_days: i64,
    /// Oldest acceptable CMS versions (major, minor).
    pub wordpress_floor: (u32, u32),
    pub joomla_floor: (u32, u32),
    /// Extra trusted root certificates (PEM), for private PKIs and the fixture web.
    pub extra_roots_pem: Vec<String>,
    /// Ports where a site's http:// and https:// live when the other is given (80 and 443 on
    /// the Internet; the fixture web serves both on other ports).
    pub http_port: u16,
    pub https_port: u16,
}

impl Default for InspectConfig {
    fn default() -> Self {
        InspectConfig {
            user_agent: format!(
                "LanhMangInspector/{} (+kiem tra website truong hoc; lien he Phong/So GD&DT)",
                env!("CARGO_PKG_VERSION")
            ),
            allow_private_targets: false,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 10,
            max_header_bytes: 64 * 1024,
            per_host_concurrency: 4,
            per_host_interval: Duration::ZERO,
            global_concurrency: 256,
            retries: 1,
            retry_base: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(10),
            site_timeout: Duration::from_secs(120),
            max_pages: 30,
            max_depth: 3,
            max_external_links: 50,
            slow_threshold: Duration::from_millis(2500),
            stale_after_days: 180,
            expiring_within_days: 30,
            wordpress_floor: (6, 0),
            joomla_floor: (4, 0),
            extra_roots_pem: Vec::new(),
            http_port: 80,
            https_port: 443,
        }
    }
}
