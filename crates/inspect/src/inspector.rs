//! One whole inspection of a site, and many of them at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::compromise::{
    self, SignalCache, examine, examine_with, is_gambling_url, same_site, script_redirect_targets,
};
use crate::config::InspectConfig;
use crate::content::{self, DISCLOSURE_PARTS};
use crate::crawl::{Frontier, normalize, robots_sitemaps, sitemap_entries};
use crate::feeds::{self, FeedReport};
use crate::fetch::{FetchError, Fetched, Fetcher, Request};
use crate::finding::{Finding, FindingCode};
use crate::observatory;
use crate::page::{Page, parse_iso_date};
use crate::tls::{self, TlsReport};

/// One security-header test, as MDN HTTP Observatory names and scores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderTest {
    pub result: String,
    pub score_modifier: i32,
    pub pass: bool,
}

/// Everything found about one site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteReport {
    pub url: String,
    pub final_url: Option<String>,
    pub reachable: bool,
    pub status: Option<u16>,
    pub score: Option<i32>,
    pub grade: Option<String>,
    pub header_tests: BTreeMap<String, HeaderTest>,
    pub tls: Option<TlsReport>,
    pub findings: Vec<Finding>,
    pub feeds: Vec<FeedReport>,
    pub pages_checked: usize,
    pub elapsed_ms: u64,
}

impl SiteReport {
    pub fn codes(&self) -> BTreeSet<FindingCode> {
        self.findings.iter().map(|f| f.code).collect()
    }
}

const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// The inspector: shared limits, connection pools and trusted roots for a run.
pub struct Inspector {
    fetcher: Arc<Fetcher>,
    roots: Arc<rustls::RootCertStore>,
    config: Arc<InspectConfig>,
    external_links: LinkCache,
}

/// Results of external link checks, shared by the inspections of a run: schools link to the same
/// ministry and department pages, which are then asked once, not once per school (and a check in
/// flight is awaited, not repeated). Entries expire, and the cache is bounded.
#[derive(Default)]
struct LinkCache {
    /// URL → when it was first asked for, and its result (once known).
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, LinkResult)>>,
}

type LinkResult = Arc<tokio::sync::OnceCell<bool>>;

impl LinkCache {
    const TTL: Duration = Duration::from_secs(600);
    const MAX: usize = 20_000;

    fn cell(&self, url: &Url) -> LinkResult {
        let now = std::time::Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, cell)) = entries.get(url.as_str())
            && now.duration_since(*at) < Self::TTL
        {
            return cell.clone();
        }
        if entries.len() >= Self::MAX {
            entries.retain(|_, (at, _)| now.duration_since(*at) < Self::TTL);
            if entries.len() >= Self::MAX {
                entries.clear();
            }
        }
        let cell = Arc::new(tokio::sync::OnceCell::new());
        entries.insert(url.to_string(), (now, cell.clone()));
        cell
    }
}

#[derive(Debug, thiserror::Error)]
#[error("không khởi tạo được bộ kiểm tra: {0}")]
pub struct SetupError(String);

/// Adds https:// to a bare host, and checks the scheme.
pub fn parse_target(raw: &str) -> Result<Url, String> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("{raw}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{raw}: cần địa chỉ http:// hoặc https://"));
    }
    Ok(url)
}

struct Collector {
    findings: Vec<Finding>,
}

impl Collector {
    fn add(&mut self, code: FindingCode, evidence: impl Into<String>) {
        if !self.findings.iter().any(|f| f.code == code) {
            self.findings.push(Finding::new(code, evidence));
        }
    }
}

impl Inspector {
    pub fn new(config: InspectConfig) -> Result<Inspector, SetupError> {
        let config = Arc::new(config);
        let fetcher = Fetcher::new(config.clone()).map_err(|e| SetupError(e.to_string()))?;
        let roots = Arc::new(tls::root_store(&config.extra_roots_pem));
        Ok(Inspector {
            fetcher: Arc::new(fetcher),
            roots,
            config,
            external_links: LinkCache::default(),
        })
    }

    pub fn config(&self) -> &InspectConfig {
        &self.config
    }

    /// The inspector's fetcher (its limits and address guard), for single requests such as a
    /// reachability check.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The same site under the other scheme, with the configured ports (80/443 in real life).
    fn counterpart(&self, url: &Url, scheme: &str) -> Option<Url> {
        let mut u = url.clone();
        u.set_scheme(scheme).ok()?;
        let port = if scheme == "https" {
            self.config.https_port
        } else {
            self.config.http_port
        };
        let default = if scheme == "https" { 443 } else { 80 };
        u.set_port(if port == default { None } else { Some(port) }).ok()?;
        u.set_path("/");
        u.set_query(None);
        Some(u)
    }

    /// Where Observatory's chain for `scheme` starts: the target's own origin when it already
    /// uses that scheme (its port kept: a plain-HTTP site on :8080 is graded on :8080), else the
    /// counterpart on the configured port.
    fn chain_root(&self, target: &Url, scheme: &str) -> Option<Url> {
        if target.scheme() != scheme {
            return self.counterpart(target, scheme);
        }
        let mut u = target.clone();
        u.set_path("/");
        u.set_query(None);
        u.set_fragment(None);
        Some(u)
    }

    /// The home page. An `https://` address on the HTTPS port that refuses connections or TLS is
    /// tried once over plain HTTP, as Observatory does: a school site served only over HTTP (its
    /// address saved with https://, the default for a bare host) is then inspected and graded,
    /// with `no_https`, instead of being reported unreachable.
    async fn fetch_main(&self, target: &Url, follow: &Request) -> Result<Fetched, FetchError> {
        let first = self.fetcher.fetch(target, follow).await;
        let refused = matches!(first, Err(FetchError::Connect(_) | FetchError::Protocol(_)));
        if !(refused && target.scheme() == "https" && target.port_or_known_default() == Some(self.config.https_port)) {
            return first;
        }
        let Some(plain) = self.counterpart(target, "http").map(|mut u| {
            u.set_path(target.path());
            u.set_query(target.query());
            u
        }) else {
            return first;
        };
        match self.fetcher.fetch(&plain, follow).await {
            Ok(m) => Ok(m),
            Err(_) => first,
        }
    }

    /// Inspects one site.
    pub async fn inspect(&self, target: &Url) -> SiteReport {
        let started = std::time::Instant::now();
        let mut out = Collector { findings: Vec::new() };
        let mut report = SiteReport {
            url: target.to_string(),
            final_url: None,
            reachable: false,
            status: None,
            score: None,
            grade: None,
            header_tests: BTreeMap::new(),
            tls: None,
            findings: Vec::new(),
            feeds: Vec::new(),
            pages_checked: 0,
            elapsed_ms: 0,
        };
        let follow = Request::follow();
        let main = match self.fetch_main(target, &follow).await {
            Ok(m) => m,
            Err(e) => {
                let code = e.finding_code();
                let evidence = match &e {
                    FetchError::TooManyRedirects { chain, .. } => {
                        format!(
                            "{} ({} bước: {})",
                            e,
                            chain.len(),
                            chain
                                .iter()
                                .take(4)
                                .map(|h| h.url.as_str())
                                .collect::<Vec<_>>()
                                .join(" → ")
                        )
                    }
                    _ => e.to_string(),
                };
                out.add(code, evidence);
                // A site whose page is a bomb or endless answered: it is reachable, just hostile.
                report.reachable = matches!(
                    code,
                    FindingCode::BodyTooLarge | FindingCode::DecompressionBomb | FindingCode::TooManyRedirects
                );
                report.findings = out.findings;
                report.elapsed_ms = started.elapsed().as_millis() as u64;
                return report;
            }
        };
        report.reachable = true;
        report.status = Some(main.status);
        report.final_url = Some(main.final_url.to_string());
        report.pages_checked = 1;
        if main.status >= 400 {
            out.add(
                FindingCode::HttpError,
                format!("HTTP {} tại {}", main.status, main.final_url),
            );
        }
        if main.elapsed > self.config.slow_threshold {
            out.add(
                FindingCode::SlowResponse,
                format!("{:.1} giây", main.elapsed.as_secs_f32()),
            );
        }
        if main.headers_too_large {
            out.add(
                FindingCode::HeadersTooLarge,
                format!("tiêu đề phản hồi vượt {} byte", self.config.max_header_bytes),
            );
        }
        if main.is_html() && !main.valid_utf8() && !declares_legacy_charset(&main) {
            out.add(
                FindingCode::InvalidEncoding,
                "nội dung không phải UTF-8 hợp lệ".to_string(),
            );
        }

        // HTTPS, certificates and the redirect from http://.
        self.check_https(target, &main, &mut out, &mut report).await;

        // The home page.
        let home_text = main.text();
        let home = Page::parse(&home_text, &main.final_url);
        let site_host = main.final_url.host_str().unwrap_or("").to_string();
        self.check_software(&home, &main, &mut out);
        let mixed = content::mixed_content(&home, &main.final_url);
        if let Some(first) = mixed.first() {
            out.add(
                FindingCode::MixedContent,
                format!("{} tài nguyên qua http://, ví dụ {first}", mixed.len()),
            );
        }
        if self.check_redirects(target, &main, &home, &mut out).await {
            return finish(report, out, started);
        }
        let mut signals = SignalCache::default();
        let home_compromise = examine_with(&home, &site_host, &mut signals);
        self.check_cloaking(&main, home_compromise.any(), &mut signals, &mut out)
            .await;

        // Robots, sitemap, feeds, crawl.
        let robots_url = main.final_url.join("/robots.txt").ok();
        let robots_text = match &robots_url {
            Some(u) => self
                .fetcher
                .fetch(u, &follow)
                .await
                .ok()
                .filter(|r| r.status == 200)
                .map(|r| r.text()),
            None => None,
        };
        let robot = robots_text
            .as_deref()
            .and_then(|t| texting_robots::Robot::new(&self.config.user_agent, t.as_bytes()).ok());
        let allowed = |u: &Url| robot.as_ref().is_none_or(|r| r.allowed(u.as_str()));
        let mut dates: Vec<(i32, u8, u8)> = home.dates.clone();
        let mut sitemap_urls: Vec<Url> = Vec::new();
        let mut sitemap_locs = robots_text.as_deref().map(robots_sitemaps).unwrap_or_default();
        if sitemap_locs.is_empty()
            && let Ok(u) = main.final_url.join("/sitemap.xml")
        {
            sitemap_locs.push(u.to_string());
        }
        for loc in sitemap_locs.iter().take(3) {
            let Ok(u) = Url::parse(loc) else { continue };
            if !same_site(u.host_str().unwrap_or(""), &site_host) {
                continue;
            }
            if let Ok(sm) = self.fetcher.fetch(&u, &follow).await
                && sm.status == 200
            {
                for (loc, lastmod) in sitemap_entries(&sm.text()) {
                    if let Some(d) = lastmod.as_deref().and_then(parse_iso_date) {
                        dates.push(d);
                    }
                    if let Ok(u) = Url::parse(&loc) {
                        sitemap_urls.push(u);
                    }
                }
            }
        }
        report.feeds = self.read_feeds(&home, &main, &mut out).await;
        for feed in &report.feeds {
            dates.extend(
                feed.entries
                    .iter()
                    .filter_map(|e| e.published.as_deref().and_then(parse_iso_date)),
            );
        }

        let crawl = self.crawl(&main, &home, &sitemap_urls, &allowed).await;
        report.pages_checked += crawl.pages.len();
        dates.extend(crawl.pages.iter().flat_map(|(_, p)| p.dates.iter().copied()));

        // Compromise across every page read.
        let mut visible = Vec::new();
        let mut hidden = Vec::new();
        let mut links = Vec::new();
        let crawled = crawl
            .pages
            .iter()
            .map(|(u, p)| (u, examine_with(p, &site_host, &mut signals)));
        for (url, c) in std::iter::once((&main.final_url, home_compromise)).chain(crawled) {
            visible.extend(c.visible_spam.into_iter().map(|t| format!("{url}: {t}")));
            hidden.extend(c.hidden_spam.into_iter().map(|t| format!("{url}: {t}")));
            links.extend(c.spam_links);
        }
        if let Some(first) = visible.first() {
            out.add(
                FindingCode::SpamVisible,
                format!("{} đoạn, ví dụ {first}", visible.len()),
            );
        }
        if let Some(first) = hidden.first() {
            out.add(FindingCode::SpamHidden, format!("{} chỗ, ví dụ {first}", hidden.len()));
        }
        links.sort();
        links.dedup();
        if !links.is_empty() {
            out.add(
                FindingCode::SpamLinks,
                links.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            );
        }

        // Links.
        let broken_internal = self.check_internal_links(&crawl, &allowed).await;
        if !broken_internal.is_empty() {
            out.add(FindingCode::BrokenInternalLink, broken_internal.join(", "));
        }
        let broken_external = self.check_external_links(&home, &crawl, &site_host).await;
        if !broken_external.is_empty() {
            out.add(FindingCode::BrokenExternalLink, broken_external.join(", "));
        }

        // Public disclosure.
        self.check_disclosure(&home, &main.final_url, &crawl, &mut out).await;

        // Freshness.
        if let Some(newest) = dates.iter().max() {
            let today = lanhmang_domain::report::vietnam_date(time::OffsetDateTime::now_utc());
            if let Ok(month) = time::Month::try_from(newest.1)
                && let Ok(date) = time::Date::from_calendar_date(newest.0, month, newest.2)
                && (today - date).whole_days() > self.config.stale_after_days
            {
                out.add(
                    FindingCode::StaleContent,
                    format!("nội dung mới nhất ngày {:02}/{:02}/{}", newest.2, newest.1, newest.0),
                );
            }
        }

        report.findings = out.findings;
        report
            .findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        report
    }

    async fn check_https(&self, target: &Url, main: &Fetched, out: &mut Collector, report: &mut SiteReport) {
        let final_https = main.final_url.scheme() == "https";
        let https_url = if final_https {
            Some(main.final_url.clone())
        } else {
            self.counterpart(target, "https")
        };
        let probe = match &https_url {
            Some(u) => {
                let host = u.host_str().unwrap_or("");
                let port = u.port_or_known_default().unwrap_or(443);
                tls::probe(
                    &self.fetcher.resolver,
                    self.roots.clone(),
                    host,
                    port,
                    self.config.connect_timeout * 2,
                    self.config.expiring_within_days,
                )
                .await
                .ok()
            }
            None => None,
        };
        match &probe {
            None => {
                out.add(
                    FindingCode::NoHttps,
                    format!(
                        "không bắt tay TLS được với {}",
                        https_url.map(|u| u.to_string()).unwrap_or_default()
                    ),
                );
            }
            Some(t) => {
                if t.expired {
                    out.add(
                        FindingCode::TlsExpired,
                        format!("hết hạn {} ngày trước", -t.days_to_expiry.unwrap_or(0)),
                    );
                } else if t.days_to_expiry.is_some_and(|d| d <= self.config.expiring_within_days) {
                    out.add(
                        FindingCode::TlsExpiringSoon,
                        format!("còn {} ngày", t.days_to_expiry.unwrap_or(0)),
                    );
                }
                if t.self_signed {
                    out.add(
                        FindingCode::TlsSelfSigned,
                        t.chain.first().map(|c| c.subject.clone()).unwrap_or_default(),
                    );
                }
                if !t.hostname_matches {
                    let names = t.chain.first().map(|c| c.names.join(", ")).unwrap_or_default();
                    out.add(FindingCode::TlsHostnameMismatch, format!("chứng chỉ cho: {names}"));
                }
                if t.incomplete_chain {
                    out.add(
                        FindingCode::TlsIncompleteChain,
                        format!(
                            "{} chứng chỉ được gửi; {}",
                            t.chain.len(),
                            t.verification_error.clone().unwrap_or_default()
                        ),
                    );
                }
                if let Some(w) = &t.weak {
                    out.add(FindingCode::TlsWeakKey, w.clone());
                }
            }
        }
        report.tls = probe.clone();
        // http:// must send visitors to https://, judged on the chain fetched for grading.
        let http_chain = self.http_chain(target, main).await;
        if probe.is_some()
            && let Some(Ok(chain)) = &http_chain
            && chain.final_url.scheme() != "https"
        {
            out.add(
                FindingCode::NoHttpsRedirect,
                format!("{} không chuyển sang https://", chain.chain[0].url),
            );
        }
        self.grade_headers(target, main, probe.as_ref(), http_chain, report)
            .await;
    }

    /// The chain from http:// (the main fetch when it started there).
    async fn http_chain(&self, target: &Url, main: &Fetched) -> Option<Result<Fetched, FetchError>> {
        let root = self.chain_root(target, "http")?;
        if main.chain.first().is_some_and(|h| h.url == root.as_str()) {
            return Some(Ok(main.clone()));
        }
        Some(self.fetcher.fetch(&root, &grading_request()).await)
    }

    /// Grades the security headers as MDN HTTP Observatory 1.4.8 does.
    async fn grade_headers(
        &self,
        target: &Url,
        main: &Fetched,
        probe: Option<&TlsReport>,
        http_chain: Option<Result<Fetched, FetchError>>,
        report: &mut SiteReport,
    ) {
        let fetched_at = time::OffsetDateTime::now_utc();
        let verified = probe.is_some_and(|p| p.verification_error.is_none());
        let https_chain = match (probe, self.chain_root(target, "https")) {
            (Some(_), Some(root)) => {
                if main.chain.first().is_some_and(|h| h.url == root.as_str()) {
                    Some(main.clone())
                } else {
                    self.fetcher.fetch(&root, &grading_request()).await.ok()
                }
            }
            _ => None,
        };
        let to_chain = |f: &Fetched, with_body: bool| observatory::FetchChain {
            hops: f
                .chain
                .iter()
                .map(|h| observatory::Hop {
                    url: h.url.clone(),
                    status: h.status,
                    headers: h.headers.clone(),
                })
                .collect(),
            certificate_verified: verified || f.chain.iter().all(|h| !h.url.starts_with("https://")),
            body: with_body.then(|| {
                // Grading parses the page twice; 2 MiB is more than any real home page.
                let mut text = f.text();
                if text.len() > 2 * 1024 * 1024 {
                    let mut cut = 2 * 1024 * 1024;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                text
            }),
        };
        let http = http_chain.and_then(Result::ok);
        let graded_final = https_chain.as_ref().or(http.as_ref()).map(|f| f.final_url.clone());
        let cors_preflight = match graded_final {
            Some(u) => {
                let req = Request {
                    options: true,
                    follow_redirects: true,
                    accept: Some(observatory::ACCEPT),
                    extra_headers: vec![
                        ("origin", observatory::CORS_PROBE_ORIGIN.to_string()),
                        ("access-control-request-method", "GET".to_string()),
                    ],
                    body_limit: Some(64 * 1024),
                    ..Default::default()
                };
                self.fetcher
                    .fetch(&u, &req)
                    .await
                    .ok()
                    .map(|r| observatory::PreflightResponse {
                        status: r.status,
                        headers: r.headers,
                    })
            }
            None => None,
        };
        let input = observatory::ObservatoryInput {
            hostname: target
                .host_str()
                .unwrap_or("")
                .trim_end_matches('.')
                .to_ascii_lowercase(),
            http: http.as_ref().map(|f| to_chain(f, https_chain.is_none())),
            https: https_chain.as_ref().map(|f| to_chain(f, true)),
            cors_preflight,
            fetched_at,
        };
        // Parsing deeply nested HTML costs CPU: keep it off the async threads.
        let graded = tokio::task::spawn_blocking(move || observatory::grade(&input)).await;
        if let Ok(Ok(g)) = graded {
            report.score = Some(g.score);
            report.grade = Some(g.grade.to_string());
            report.header_tests = g
                .tests
                .iter()
                .map(|(name, t)| {
                    let test = HeaderTest {
                        result: t.result.to_string(),
                        score_modifier: t.score_modifier,
                        pass: t.pass,
                    };
                    (name.to_string(), test)
                })
                .collect();
        }
    }

    fn check_software(&self, home: &Page, main: &Fetched, out: &mut Collector) {
        let powered = main.header("x-powered-by");
        if let Some(sw) = content::detect_software(home, powered) {
            // The generator tag and X-Powered-By tell attackers what to try; asset version
            // strings are a side effect of the CMS and are judged only for age.
            if home.generator.is_some() || powered.is_some() {
                out.add(FindingCode::GeneratorDisclosed, sw.evidence.clone());
            }
            if content::is_outdated(&sw, self.config.wordpress_floor, self.config.joomla_floor) {
                let v = sw.version.map(|(a, b, c)| format!("{a}.{b}.{c}")).unwrap_or_default();
                out.add(FindingCode::OutdatedCms, format!("{} {v} ({})", sw.name, sw.evidence));
            }
        }
    }

    /// Redirects away to gambling: by HTTP, meta refresh or script.
    async fn check_redirects(&self, target: &Url, main: &Fetched, home: &Page, out: &mut Collector) -> bool {
        let origin_host = target.host_str().unwrap_or("");
        let final_host = main.final_url.host_str().unwrap_or("");
        if !same_site(origin_host, final_host) {
            let gambling = is_gambling_url(&main.final_url) || {
                let c = examine(home, final_host);
                !c.visible_spam.is_empty() || compromise::TextSignal::of(&home.visible_text()).is_spam()
            };
            if gambling {
                out.add(
                    FindingCode::MaliciousRedirect,
                    format!("HTTP chuyển tới {}", main.final_url),
                );
                return true;
            }
        }
        let mut targets: Vec<(Url, &str)> = Vec::new();
        if let Some(u) = &home.meta_refresh {
            targets.push((u.clone(), "meta refresh"));
        }
        for u in script_redirect_targets(&home.inline_scripts, &main.final_url) {
            targets.push((u, "script"));
        }
        for (u, how) in targets {
            if same_site(u.host_str().unwrap_or(""), final_host) {
                continue;
            }
            let gambling = is_gambling_url(&u)
                || match self.fetcher.fetch(&u, &Request::follow_capped(512 * 1024)).await {
                    Ok(r) => compromise::TextSignal::of(&Page::parse(&r.text(), &r.final_url).visible_text()).is_spam(),
                    Err(_) => false,
                };
            if gambling {
                out.add(FindingCode::MaliciousRedirect, format!("{how} chuyển tới {u}"));
                return false;
            }
        }
        false
    }

    /// The page as Googlebot gets it, against the page as a browser gets it.
    async fn check_cloaking(&self, main: &Fetched, browser_spam: bool, signals: &mut SignalCache, out: &mut Collector) {
        let req = Request {
            follow_redirects: true,
            user_agent: Some(GOOGLEBOT.to_string()),
            ..Default::default()
        };
        let Ok(bot) = self.fetcher.fetch(&main.final_url, &req).await else {
            return;
        };
        if bot.final_url == main.final_url && bot.body == main.body {
            // The very page the browser got: nothing to compare.
            return;
        }
        let host = main.final_url.host_str().unwrap_or("");
        let bot_page = Page::parse(&bot.text(), &bot.final_url);
        let bot_spam = examine_with(&bot_page, host, signals).any()
            || !same_site(bot.final_url.host_str().unwrap_or(""), host) && is_gambling_url(&bot.final_url);
        if bot_spam && !browser_spam {
            out.add(
                FindingCode::Cloaking,
                format!(
                    "Googlebot nhận trang khác: {}",
                    bot_page.visible_text().chars().take(120).collect::<String>()
                ),
            );
        }
    }

    async fn read_feeds(&self, home: &Page, main: &Fetched, out: &mut Collector) -> Vec<FeedReport> {
        let mut candidates: Vec<(Url, bool)> = home.feeds.iter().take(3).map(|u| (u.clone(), true)).collect();
        if candidates.is_empty() {
            candidates = feeds::COMMON_PATHS
                .iter()
                .filter_map(|p| main.final_url.join(p).ok())
                .map(|u| (u, false))
                .collect();
        }
        let mut found = Vec::new();
        for (u, advertised) in candidates {
            let Ok(r) = self.fetcher.fetch(&u, &Request::follow()).await else {
                continue;
            };
            if r.status != 200 || !(advertised || feeds::looks_like_feed(r.header("content-type"), &r.body)) {
                continue;
            }
            match feeds::parse(&r.final_url, &r.body) {
                Ok(f) => {
                    found.push(f);
                    if !advertised {
                        break;
                    }
                }
                Err(e) => out.add(FindingCode::MalformedFeed, format!("{}: {e}", r.final_url)),
            }
        }
        found
    }

    async fn crawl(
        &self,
        main: &Fetched,
        home: &Page,
        sitemap: &[Url],
        allowed: &(dyn Fn(&Url) -> bool + Sync),
    ) -> Crawl {
        let mut frontier = Frontier::new(&main.final_url, self.config.max_depth);
        let mut crawl = Crawl::default();
        // The home page's status is known (and reported as http_error if it failed).
        crawl.fetched.insert(normalize(&main.final_url), main.status);
        for hop in &main.chain {
            if let Ok(u) = Url::parse(&hop.url) {
                crawl.fetched.insert(normalize(&u), hop.status);
            }
        }
        for l in &home.links {
            if !l.hidden && frontier.same_site(&l.url) {
                crawl
                    .internal_links
                    .entry(normalize(&l.url))
                    .or_insert_with(|| l.url.clone());
            }
            frontier.push(&l.url, 1);
        }
        for u in sitemap {
            frontier.push(u, 1);
        }
        let budget = self.config.max_pages.saturating_sub(1);
        let batch = self.config.per_host_concurrency.max(1);
        while crawl.pages.len() + crawl.failed.len() < budget && !frontier.is_empty() {
            let mut wave = Vec::new();
            while wave.len() < batch && crawl.pages.len() + crawl.failed.len() + wave.len() < budget {
                let Some((u, depth)) = frontier.pop() else {
                    break;
                };
                if !allowed(&u) || looks_like_file(&u) {
                    continue;
                }
                wave.push((u, depth));
            }
            let mut set = tokio::task::JoinSet::new();
            for (u, depth) in wave {
                let fetcher = self.fetcher.clone();
                set.spawn(async move {
                    let r = fetcher.fetch(&u, &Request::follow()).await;
                    (u, depth, r)
                });
            }
            while let Some(Ok((u, depth, r))) = set.join_next().await {
                match r {
                    Ok(f) if f.status < 400 && f.is_html() => {
                        let page = Page::parse(&f.text(), &f.final_url);
                        for l in &page.links {
                            if !l.hidden && frontier.same_site(&l.url) {
                                crawl
                                    .internal_links
                                    .entry(normalize(&l.url))
                                    .or_insert_with(|| l.url.clone());
                            }
                            frontier.push(&l.url, depth + 1);
                        }
                        crawl.fetched.insert(normalize(&u), f.status);
                        crawl.pages.push((f.final_url, page));
                    }
                    Ok(f) => {
                        crawl.fetched.insert(normalize(&u), f.status);
                        if f.status >= 400 {
                            crawl.failed.push((u, f.status.to_string()));
                        }
                    }
                    Err(e) => {
                        crawl.fetched.insert(normalize(&u), 0);
                        crawl.failed.push((u, e.to_string()));
                    }
                }
            }
        }
        crawl
    }

    /// Internal links whose target answers 4xx/5xx or not at all. Pages the crawl fetched are
    /// known already; the rest (beyond the page budget) are checked with HEAD.
    async fn check_internal_links(&self, crawl: &Crawl, allowed: &(dyn Fn(&Url) -> bool + Sync)) -> Vec<String> {
        let mut broken: Vec<String> = crawl.failed.iter().map(|(u, _)| u.to_string()).collect();
        let unchecked: Vec<Url> = crawl
            .internal_links
            .iter()
            .filter(|(k, _)| !crawl.fetched.contains_key(*k))
            .map(|(_, u)| u.clone())
            .filter(|u| allowed(u))
            .take(self.config.max_pages)
            .collect();
        broken.extend(self.check_links(unchecked, false).await);
        broken.sort();
        broken.dedup();
        broken
    }

    async fn check_external_links(&self, home: &Page, crawl: &Crawl, host: &str) -> Vec<String> {
        let mut external: Vec<Url> = std::iter::once(home)
            .chain(crawl.pages.iter().map(|(_, p)| p))
            .flat_map(|p| p.links.iter())
            .filter(|l| !l.hidden && l.url.host_str().is_some_and(|h| !same_site(h, host)) && !is_gambling_url(&l.url))
            .map(|l| l.url.clone())
            .collect();
        external.sort_by_key(|u| u.to_string());
        external.dedup_by_key(|u| u.to_string());
        external.truncate(self.config.max_external_links);
        let mut broken = self.check_links(external, true).await;
        broken.sort();
        broken
    }

    /// HEAD each link (GET when HEAD is refused); returns those that fail. `shared`: the links
    /// are external, and their results are shared with the run's other inspections.
    async fn check_links(&self, urls: Vec<Url>, shared: bool) -> Vec<String> {
        let mut set = tokio::task::JoinSet::new();
        for u in urls {
            let fetcher = self.fetcher.clone();
            let cell = shared.then(|| self.external_links.cell(&u));
            set.spawn(async move {
                let ok = match cell {
                    Some(cell) => *cell.get_or_init(|| link_ok(&fetcher, &u)).await,
                    None => link_ok(&fetcher, &u).await,
                };
                (u, ok)
            });
        }
        let mut broken = Vec::new();
        while let Some(Ok((u, ok))) = set.join_next().await {
            if !ok {
                broken.push(u.to_string());
            }
        }
        broken
    }

    async fn check_disclosure(&self, home: &Page, site: &Url, crawl: &Crawl, out: &mut Collector) {
        let mut pages: Vec<&Page> = Vec::new();
        let mut links = content::disclosure_links(home, site);
        for (_, p) in &crawl.pages {
            links.extend(content::disclosure_links(p, site));
        }
        links.sort_by_key(|u| u.to_string());
        links.dedup_by_key(|u| normalize(u));
        let link_keys: std::collections::HashSet<String> = links.iter().map(normalize).collect();
        let crawled: Vec<&(Url, Page)> = crawl
            .pages
            .iter()
            .filter(|(u, _)| link_keys.contains(&normalize(u)))
            .collect();
        pages.extend(crawled.iter().map(|(_, p)| p));
        let crawled_keys: std::collections::HashSet<String> = crawled.iter().map(|(u, _)| normalize(u)).collect();
        let mut fetched_pages = Vec::new();
        for u in links.iter().filter(|l| !crawled_keys.contains(&normalize(l))).take(8) {
            if let Ok(r) = self.fetcher.fetch(u, &Request::follow()).await
                && r.status < 400
            {
                fetched_pages.push(Page::parse(&r.text(), &r.final_url));
            }
        }
        pages.extend(fetched_pages.iter());
        if links.is_empty() {
            out.add(
                FindingCode::DisclosureMissing,
                "không có liên kết hay trang nào mang tên Công khai".to_string(),
            );
            return;
        }
        let mut text = String::new();
        for l in home
            .links
            .iter()
            .chain(crawl.pages.iter().flat_map(|(_, p)| p.links.iter()))
        {
            if link_keys.contains(&normalize(&l.url)) {
                text.push_str(&l.text);
                text.push('\n');
            }
        }
        for p in &pages {
            text.push_str(&p.title);
            text.push('\n');
            text.push_str(&p.visible_text());
            for l in &p.links {
                text.push_str(&l.text);
                text.push('\n');
                // Slugs such as /cong-khai/tai-chinh/ name the part even when the page text
                // is garbled by a wrong encoding.
                if l.url.host_str() == site.host_str() {
                    text.push_str(&l.url.path().replace(['-', '_', '/'], " "));
                    text.push('\n');
                }
            }
        }
        let found = content::disclosure_parts_found(&text);
        let missing: Vec<&str> = DISCLOSURE_PARTS
            .iter()
            .enumerate()
            .filter(|(i, _)| !found.contains(i))
            .map(|(_, (name, _))| *name)
            .collect();
        if !missing.is_empty() {
            out.add(
                FindingCode::DisclosureIncomplete,
                format!("thiếu: {}", missing.join(", ")),
            );
        }
    }

    /// Inspects many sites, `concurrency` at a time; reports arrive on the channel as they end.
    pub fn inspect_many(
        self: Arc<Self>,
        targets: Vec<Url>,
        concurrency: usize,
    ) -> tokio::sync::mpsc::Receiver<SiteReport> {
        let (tx, rx) = tokio::sync::mpsc::channel(concurrency.max(1) * 2);
        tokio::spawn(async move {
            let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
            let mut set = tokio::task::JoinSet::new();
            for t in targets {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    break;
                };
                let this = self.clone();
                let tx = tx.clone();
                set.spawn(async move {
                    let limit = this.config.site_timeout;
                    let report = this.inspect_bounded(&t, limit).await;
                    drop(permit);
                    let _ = tx.send(report).await;
                });
                while set.try_join_next().is_some() {}
            }
            while set.join_next().await.is_some() {}
        });
        rx
    }

    /// A whole inspection bounded in time: a hostile site cannot hold a worker forever.
    pub async fn inspect_bounded(&self, target: &Url, limit: Duration) -> SiteReport {
        match tokio::time::timeout(limit, self.inspect(target)).await {
            Ok(r) => r,
            Err(_) => SiteReport {
                url: target.to_string(),
                final_url: None,
                reachable: false,
                status: None,
                score: None,
                grade: None,
                header_tests: BTreeMap::new(),
                tls: None,
                findings: vec![Finding::new(
                    FindingCode::Timeout,
                    format!("kiểm tra vượt {} giây", limit.as_secs()),
                )],
                feeds: Vec::new(),
                pages_checked: 0,
                elapsed_ms: limit.as_millis() as u64,
            },
        }
    }
}

/// Requests as MDN HTTP Observatory makes them (its Accept header, cookies carried along the
/// redirect chain), with our own identified user agent.
fn grading_request() -> Request {
    Request {
        follow_redirects: true,
        accept: Some(observatory::ACCEPT),
        carry_cookies: true,
        ..Default::default()
    }
}

/// Whether a link leads somewhere: HEAD (GET when HEAD is refused) answers below 400.
async fn link_ok(fetcher: &Fetcher, u: &Url) -> bool {
    let head = Request {
        head: true,
        follow_redirects: true,
        ..Default::default()
    };
    let r = match fetcher.fetch(u, &head).await {
        Ok(r) if matches!(r.status, 405 | 501) => fetcher.fetch(u, &Request::follow_capped(16 * 1024)).await,
        other => other,
    };
    match r {
        Ok(r) => r.status < 400,
        // A page too large or slow still exists; only absence and errors count.
        Err(FetchError::BodyTooLarge(_) | FetchError::DecompressionBomb(_) | FetchError::Timeout(_)) => true,
        Err(_) => false,
    }
}

fn finish(mut report: SiteReport, out: Collector, started: std::time::Instant) -> SiteReport {
    report.findings = out.findings;
    report
        .findings
        .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report
}

#[derive(Default)]
struct Crawl {
    pages: Vec<(Url, Page)>,
    failed: Vec<(Url, String)>,
    fetched: std::collections::HashMap<String, u16>,
    internal_links: BTreeMap<String, Url>,
}

fn looks_like_file(u: &Url) -> bool {
    let p = u.path().to_ascii_lowercase();
    [
        ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".jpg", ".jpeg", ".png", ".gif",
        ".mp4", ".mp3", ".xml", ".json",
    ]
    .iter()
    .any(|e| p.ends_with(e))
}

/// Pages declared in a legacy charset (windows-1258, TCVN3…) are not "invalid UTF-8".
fn declares_legacy_charset(f: &Fetched) -> bool {
    f.header("content-type").is_some_and(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.contains("charset=") && !ct.contains("utf-8") && !ct.contains("utf8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("th-anbinh.edu.vn").unwrap().as_str(),
            "https://th-anbinh.edu.vn/"
        );
        assert!(parse_target("ftp://x.vn").is_err());
        assert!(parse_target("https://").is_err());
    }

    /// A site that only speaks plain HTTP, on a port other than the configured one, is graded
    /// as Observatory grades it: from its HTTP response, with the redirection and HSTS tests
    /// failing. It used to get no grade, because its HTTP chain was fetched on port 80.
    #[tokio::test]
    async fn a_plain_http_site_is_graded_on_its_own_port() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = serve_plain_page(listener);
        // Nothing listens on the configured HTTPS port, and the configured HTTP port is not
        // the site's.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port();
        drop(closed);
        let inspector = Inspector::new(InspectConfig {
            allow_private_targets: true,
            http_port: 80,
            https_port: closed_port,
            max_pages: 1,
            retries: 0,
            ..Default::default()
        })
        .unwrap();
        let target = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let report = inspector.inspect(&target).await;
        assert!(report.reachable, "{report:?}");
        assert!(report.codes().contains(&FindingCode::NoHttps), "{report:?}");
        let result = |name: &str| report.header_tests.get(name).map(|t| t.result.as_str());
        assert_eq!(result("redirection"), Some("redirection-missing"), "{report:?}");
        assert_eq!(
            result("strict-transport-security"),
            Some("hsts-not-implemented-no-https"),
            "{report:?}"
        );
        assert_eq!(result("x-frame-options"), Some("x-frame-options-sameorigin-or-deny"));
        // 100 − 25 (CSP) − 20 (redirection) − 20 (HSTS) = 35: D.
        assert_eq!(
            (report.score, report.grade.as_deref()),
            (Some(35), Some("D")),
            "{report:?}"
        );

        // The same site saved as https:// (the default for a bare host): refused on the HTTPS
        // port, so it is inspected over HTTP and graded the same, not reported unreachable.
        let inspector = Inspector::new(InspectConfig {
            allow_private_targets: true,
            http_port: port,
            https_port: closed_port,
            max_pages: 1,
            retries: 0,
            ..Default::default()
        })
        .unwrap();
        let saved = Url::parse(&format!("https://127.0.0.1:{closed_port}/")).unwrap();
        let report = inspector.inspect(&saved).await;
        server.abort();
        assert!(report.reachable, "{report:?}");
        assert_eq!(report.final_url.as_deref(), Some(target.as_str()), "{report:?}");
        assert!(report.codes().contains(&FindingCode::NoHttps), "{report:?}");
        assert!(!report.codes().contains(&FindingCode::Unreachable), "{report:?}");
        assert_eq!(
            (report.score, report.grade.as_deref()),
            (Some(35), Some("D")),
            "{report:?}"
        );

        // A site refusing both is still unreachable.
        let nowhere = Inspector::new(InspectConfig {
            allow_private_targets: true,
            http_port: closed_port,
            https_port: closed_port,
            max_pages: 1,
            retries: 0,
            ..Default::default()
        })
        .unwrap();
        let report = nowhere.inspect(&saved).await;
        assert!(
            !report.reachable && report.codes().contains(&FindingCode::Unreachable),
            "{report:?}"
        );
    }

    /// Answers every request with one small page, for a bounded number of connections.
    fn serve_plain_page(listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        tokio::spawn(async move {
            for _ in 0..500 {
                let Ok((mut sock, _)) = listener.accept().await else {
                    break;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let _ = sock.read(&mut buf).await;
                    let body =
                        "<!doctype html><html><head><title>Trường</title></head><body><p>Xin chào</p></body></html>";
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Frame-Options: DENY\r\n\
                         X-Content-Type-Options: nosniff\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                });
            }
        })
    }
}
