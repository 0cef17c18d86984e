//! In-process checks: requests go straight to the router (no sockets), and a small crawler
//! checks that the manifest says exactly what the pages show.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body::Body as _;
use hyper::{Method, StatusCode};
use tokio::sync::OnceCell;

use super::body::Body;
use super::server::{ReqInfo, route};
use super::*;
use lanhmang_domain::finding::FindingCode as F;

fn world(sites: usize, tls: bool, seed: u64) -> Arc<World> {
    Arc::new(World {
        seed,
        sites,
        http_port: 8080,
        tls_port: tls.then_some(8443),
        closed_port: 9,
        today: OffsetDateTime::now_utc().date(),
        cdn_sri: "sha384-test".into(),
        bomb: OnceCell::new(),
        open: Default::default(),
    })
}

struct Got {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

fn collect(mut body: Body) -> Vec<u8> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut out = Vec::new();
    while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
        out.extend_from_slice(&frame.into_data().unwrap_or_default());
    }
    out
}

async fn get_ua(w: &Arc<World>, url: &str, googlebot: bool) -> Got {
    let u = url::Url::parse(url).expect("absolute URL");
    let info = ReqInfo {
        method: Method::GET,
        path: u.path().to_string(),
        query: u.query().map(str::to_string),
        googlebot,
        origin: None,
        tls: u.scheme() == "https",
        if_none_match: None,
    };
    let resp = route(w, u.host_str().unwrap_or_default(), &info).await;
    let (parts, body) = resp.into_parts();
    Got {
        status: parts.status,
        headers: parts.headers,
        body: collect(body),
    }
}

async fn get(w: &Arc<World>, url: &str) -> Got {
    get_ua(w, url, false).await
}

/// Follows redirects within the fixture; returns the last answer.
async fn fetch(w: &Arc<World>, url: &str) -> (String, Got) {
    let mut url = url.to_string();
    for _ in 0..5 {
        let got = get(w, &url).await;
        match got.location() {
            Some(next) if got.status.is_redirection() => url = next,
            _ => return (url, got),
        }
    }
    panic!("redirect loop at {url}");
}

fn links(html: &str, base: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[href], img[src], script[src], link[href]").expect("selector");
    let base = url::Url::parse(base).expect("base");
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").or_else(|| e.value().attr("src")))
        .filter(|h| !h.starts_with("mailto:"))
        .filter_map(|h| base.join(h).ok())
        .map(|u| u.to_string())
        .collect()
}

fn disallowed(robots: &str, path: &str) -> bool {
    let mut in_star = false;
    for line in robots.lines() {
        if let Some(ua) = line.strip_prefix("User-agent:") {
            in_star = ua.trim() == "*";
        } else if let Some(p) = line.strip_prefix("Disallow:")
            && in_star
            && !p.trim().is_empty()
            && path.starts_with(p.trim())
        {
            return true;
        }
    }
    false
}

/// Crawls a site from its manifest URL; returns the broken links found and the pages seen.
async fn crawl(w: &Arc<World>, start: &str, respect_robots: bool) -> (BTreeSet<String>, Vec<(String, String)>) {
    let origin = url::Url::parse(start).expect("start").origin();
    let robots = {
        let got = get(w, &format!("{}robots.txt", start)).await;
        if got.status == StatusCode::OK {
            got.text()
        } else {
            String::new()
        }
    };
    let mut queue = VecDeque::from([start.to_string()]);
    let mut seen = HashSet::from([start.to_string()]);
    let mut broken = BTreeSet::new();
    let mut pages = Vec::new();
    while let Some(url) = queue.pop_front() {
        let u = url::Url::parse(&url).expect("url");
        let internal = u.origin() == origin;
        if internal && respect_robots && disallowed(&robots, u.path()) {
            continue;
        }
        let (_, got) = fetch(w, &url).await;
        if got.status == StatusCode::NOT_FOUND {
            broken.insert(url.clone());
            continue;
        }
        assert_eq!(got.status, StatusCode::OK, "{url}");
        let is_html = got
            .headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if !internal || !is_html {
            continue;
        }
        let html = got.text();
        for link in links(&html, &url) {
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
        pages.push((url, html));
    }
    (broken, pages)
}

fn normal(d: &[FindingCode]) -> bool {
    !d.iter().any(|c| {
        matches!(
            c,
            F::Unreachable
                | F::HttpError
                | F::SlowResponse
                | F::TooManyRedirects
                | F::BodyTooLarge
                | F::DecompressionBomb
                | F::Timeout
                | F::MaliciousRedirect
        )
    })
}

#[tokio::test]
async fn manifest_broken_links_are_exactly_what_a_polite_crawler_finds() {
    let w = world(100, true, 7);
    let mut trap_seen = false;
    for i in 0..100 {
        let m = w.manifest_site(i);
        if !normal(&m.defects) {
            continue;
        }
        let (broken, pages) = crawl(&w, &m.url, true).await;
        let expected: BTreeSet<String> = m.broken_links.iter().cloned().collect();
        assert_eq!(broken, expected, "site {i} {:?}", m.defects);
        assert!(pages.len() >= 10, "site {i} has {} pages", pages.len());
        assert_eq!(
            m.defects.contains(&F::BrokenInternalLink),
            m.broken_links
                .iter()
                .any(|l| l.contains(".fixture.localhost:8443/") && !l.contains("ext.")),
            "site {i}"
        );
        // A crawler that ignores robots.txt finds one more broken link on sites with the trap.
        let robots = get(&w, &format!("{}robots.txt", m.url)).await.text();
        if robots.contains("/noi-bo/") {
            trap_seen = true;
            let (rude, _) = crawl(&w, &m.url, false).await;
            assert_eq!(rude.len(), expected.len() + 1, "site {i}");
        }
    }
    assert!(trap_seen);
}

fn words_outside_anti_article(html: &str) -> bool {
    let folded = lanhmang_domain::text::fold_vi(html);
    [
        "nha cai uy tin",
        "no hu",
        "nhacai-",
        "xoc dia",
        "tai xiu",
        "ca cuoc bong da",
    ]
    .iter()
    .any(|w| folded.contains(w))
}

#[tokio::test]
async fn defects_show_as_the_manifest_says() {
    let w = world(200, true, 11);
    let today = w.today;
    for i in 0..200 {
        let m = w.manifest_site(i);
        let d = |c: F| m.defects.contains(&c);
        if !normal(&m.defects) {
            continue;
        }
        let (_, home) = fetch(&w, &m.url).await;
        assert_eq!(home.status, StatusCode::OK, "site {i}");
        let html = home.text();
        let compromised = m.defects.iter().any(|c| c.is_compromise());
        // Negative control on every clean site.
        if m.defects.is_empty() {
            assert!(
                html.contains("cờ bạc"),
                "site {i}: anti-gambling article on the home page"
            );
            assert!(!words_outside_anti_article(&html), "site {i}");
            assert!(
                !html.contains("name=\"generator\"") && !html.contains("?ver="),
                "site {i}"
            );
            assert!(home.headers.get("x-powered-by").is_none());
            assert!(!html.contains("src=\"http://"), "site {i}");
        }
        assert_eq!(
            d(F::SpamHidden) || d(F::SpamLinks),
            html.contains("nhacai-"),
            "site {i} {:?}",
            m.defects
        );
        if !compromised {
            assert!(!words_outside_anti_article(&html), "site {i} {:?}", m.defects);
        }
        if d(F::SpamVisible) {
            assert!(
                html.contains("class=\"widget\"><h3>") && words_outside_anti_article(&html),
                "site {i}"
            );
        }
        let bot = get_ua(&w, &m.url, true).await.text();
        assert_eq!(d(F::Cloaking), bot != html, "site {i}");
        if d(F::Cloaking) {
            assert!(bot.contains("nhacai-") && !html.contains("nhacai-"));
        }
        assert_eq!(
            d(F::GeneratorDisclosed),
            html.contains("name=\"generator\"") || home.headers.contains_key("x-powered-by"),
            "site {i}"
        );
        assert_eq!(
            d(F::OutdatedCms),
            html.contains("?ver=")
                || html.contains("WordPress 5")
                || html.contains("WordPress 4")
                || html.contains("Joomla! 3")
                || html.contains("Joomla! 2"),
            "site {i}"
        );
        assert_eq!(d(F::MixedContent), html.contains("src=\"http://"), "site {i}");
        assert_eq!(
            d(F::InvalidEncoding),
            std::str::from_utf8(&home.body).is_err(),
            "site {i}"
        );
        // Dates: the newest <time datetime> on the home page.
        let newest = html
            .match_indices("datetime=\"")
            .map(|(at, _)| &html[at + 10..at + 20])
            .filter_map(|s| time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok())
            .max()
            .expect("dated news");
        let age = (today - newest).whole_days();
        if d(F::StaleContent) {
            assert!(age > 365, "site {i} newest {newest}");
        } else {
            assert!((1..=31).contains(&age), "site {i} newest {newest}");
        }
        // Disclosure section.
        let has_nav = super::text::DISCLOSURE_TITLES
            .iter()
            .any(|t| html.contains(&format!(">{}</a>", pages::esc(t))));
        assert_eq!(!d(F::DisclosureMissing), has_nav, "site {i}");
    }
}

#[tokio::test]
async fn disclosure_parts_match_the_manifest() {
    let w = world(100, true, 3);
    for i in 0..100 {
        let m = w.manifest_site(i);
        if !normal(&m.defects) || m.defects.contains(&F::DisclosureMissing) {
            continue;
        }
        let site = site::Site::build(&w, w.spec(i));
        let index = site.disclosure_index_path().expect("disclosure");
        let (_, pages) = crawl(&w, &m.url, true).await;
        let section: String = pages
            .iter()
            .filter(|(u, _)| u.contains(&index))
            .map(|(_, h)| h.as_str())
            .collect();
        assert!(section.contains("09/2024/TT-BGDĐT"), "site {i}");
        let present = super::text::PARTS
            .iter()
            .filter(|p| {
                p.headings
                    .iter()
                    .any(|h| section.contains(&pages::esc(h.split("{nam}").next().unwrap_or(h))))
            })
            .count();
        if m.defects.contains(&F::DisclosureIncomplete) {
            assert!((3..=5).contains(&present), "site {i}: {present}");
        } else {
            assert_eq!(present, 7, "site {i}");
        }
    }
}

#[tokio::test]
async fn feeds_parse_unless_malformed_and_stay_fresh() {
    let w = world(100, true, 5);
    let mut malformed = 0;
    let mut parsed = 0;
    for i in 0..100 {
        let m = w.manifest_site(i);
        if !normal(&m.defects) {
            continue;
        }
        let spec = w.spec(i);
        let site = site::Site::build(&w, spec);
        let origin = site.origin.clone();
        for f in &site.feeds {
            let got = get(&w, &format!("{origin}{}", f.path)).await;
            assert_eq!(got.status, StatusCode::OK, "site {i} {}", f.path);
            let result = feed_rs::parser::parse(&got.body[..]);
            if m.defects.contains(&F::MalformedFeed) {
                malformed += 1;
                assert!(result.is_err(), "site {i}: malformed feed parsed: {}", got.text());
            } else {
                let feed = result.unwrap_or_else(|e| panic!("site {i} {}: {e}", f.path));
                assert!(!feed.entries.is_empty());
                parsed += 1;
            }
        }
        if m.defects.contains(&F::MalformedFeed) {
            assert!(site.feeds_advertised && site.feeds.len() == 1);
        }
    }
    assert!(malformed >= 1 && parsed > 20, "{malformed} {parsed}");
}

#[tokio::test]
async fn redirects_errors_and_hosts() {
    let w = world(100, true, 1);
    for i in 0..100 {
        let m = w.manifest_site(i);
        let d = |c: F| m.defects.contains(&c);
        let spec = w.spec(i);
        let http_home = format!("{}/", w.origin(false, &spec.host));
        let got = get(&w, &http_home).await;
        if d(F::Unreachable) {
            assert!(m.url.contains(":9/"));
            continue;
        }
        if d(F::NoHttps) {
            assert!(m.url.starts_with("http://"));
        } else if d(F::NoHttpsRedirect) {
            assert_eq!(got.status, StatusCode::OK, "site {i}");
        } else {
            assert_eq!(got.status, StatusCode::MOVED_PERMANENTLY, "site {i}");
            assert_eq!(got.location().as_deref(), Some(m.url.as_str()));
        }
        let home = get(&w, &m.url).await;
        if d(F::HttpError) {
            assert!(home.status.is_server_error());
        }
        if d(F::MaliciousRedirect) {
            let text = home.text();
            let to_gambling = home.location().is_some_and(|l| l.contains("nhacai-"))
                || text.contains("http-equiv=\"refresh\" content=\"0;url=https://nhacai-")
                || text.contains("http-equiv=\"Refresh\" content=\"1; URL='https://nhacai-")
                || (text.contains("location") && text.contains("\"https://nhacai-")
                    || text.contains("'https://nhacai-"));
            assert!(to_gambling, "site {i}: {}", &text[..text.len().min(3000)]);
        }
        if d(F::TooManyRedirects) {
            let mut url = m.url.clone();
            for _ in 0..30 {
                let got = get(&w, &url).await;
                assert!(got.status.is_redirection(), "site {i}");
                url = got.location().expect("location");
            }
        }
    }
    assert_eq!(
        get(&w, "https://ext.fixture.localhost:8443/het-han/x.html")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&w, "https://ext.fixture.localhost:8443/so-gddt/").await.status,
        StatusCode::OK
    );
    let gambling = get(&w, "https://nhacai-07.fixture.localhost:8443/").await.text();
    assert!(gambling.contains("nhà cái") && gambling.contains("NC07.CLUB"));
    assert_eq!(
        get(&w, "https://nhacai-20.fixture.localhost:8443/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&w, "https://s0100.fixture.localhost:8443/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&w, "https://s42.fixture.localhost:8443/").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_tls_every_site_is_plain_http() {
    let w = world(100, false, 1);
    for i in 0..100 {
        let m = w.manifest_site(i);
        assert!(m.url.starts_with("http://"), "{}", m.url);
        assert!(
            !m.defects
                .iter()
                .any(|c| matches!(c, F::MixedContent | F::TlsExpired | F::NoHttpsRedirect))
        );
        if normal(&m.defects) {
            let (final_url, got) = fetch(&w, &m.url).await;
            assert_eq!(final_url, m.url);
            assert_eq!(got.status, StatusCode::OK);
            assert!(!got.text().contains("https://"), "site {i} links only http");
        }
    }
}

#[test]
fn header_profiles_of_consecutive_sites_are_distinct() {
    let w = world(200, true, 9);
    let profiles: HashSet<u32> = (0..64).map(|i| w.spec(i).header_profile).collect();
    assert_eq!(profiles.len(), 64);
}

#[test]
fn content_is_deterministic_per_seed() {
    let a = world(50, true, 42);
    let b = world(50, true, 42);
    let c = world(50, true, 43);
    let build = |w: &Arc<World>| {
        let s = site::Site::build(w, w.spec(10));
        (
            s.school.full.clone(),
            s.articles.iter().map(|a| a.title.clone()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(build(&a), build(&b));
    assert_ne!(build(&a), build(&c));
    assert_eq!(a.manifest_site(33), b.manifest_site(33));
}
