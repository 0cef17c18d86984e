//! The bounded crawl of one site: same host, from the home page and the sitemap, with depth
//! and page limits, robots.txt respected, URLs deduplicated when enqueued.

use std::collections::{HashSet, VecDeque};

use url::Url;

/// Reads `<loc>` and `<lastmod>` from a sitemap or sitemap index (tolerant string scanning:
/// broken XML yields what could be read).
pub fn sitemap_entries(xml: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for chunk in xml.split("<url>").skip(1).chain(xml.split("<sitemap>").skip(1)) {
        let loc = between(chunk, "<loc>", "</loc>").map(|s| s.trim().replace("&amp;", "&"));
        let lastmod = between(chunk, "<lastmod>", "</lastmod>").map(|s| s.trim().to_string());
        if let Some(loc) = loc {
            out.push((loc, lastmod));
        }
        if out.len() >= 5_000 {
            break;
        }
    }
    out
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// `Sitemap:` lines of a robots.txt.
pub fn robots_sitemaps(robots: &str) -> Vec<String> {
    robots
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("sitemap").then(|| v.trim().to_string())
        })
        .collect()
}

/// The crawl frontier: breadth first, each URL once.
pub struct Frontier {
    queue: VecDeque<(Url, usize)>,
    seen: HashSet<String>,
    host: String,
    port: Option<u16>,
    max_depth: usize,
}

/// The form under which URLs are compared: no fragment, default port dropped by `url`.
pub fn normalize(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.to_string()
}

impl Frontier {
    pub fn new(start: &Url, max_depth: usize) -> Frontier {
        let mut f = Frontier {
            queue: VecDeque::new(),
            seen: HashSet::new(),
            host: start.host_str().unwrap_or("").to_ascii_lowercase(),
            port: start.port_or_known_default(),
            max_depth,
        };
        f.seen.insert(normalize(start));
        f
    }

    pub fn same_site(&self, u: &Url) -> bool {
        u.host_str().is_some_and(|h| h.eq_ignore_ascii_case(&self.host)) && u.port_or_known_default() == self.port
    }

    /// Queues a same-site URL not seen before; returns whether it was queued.
    pub fn push(&mut self, u: &Url, depth: usize) -> bool {
        if depth > self.max_depth || !self.same_site(u) {
            return false;
        }
        if self.seen.insert(normalize(u)) {
            self.queue.push_back((u.clone(), depth));
            true
        } else {
            false
        }
    }

    pub fn pop(&mut self) -> Option<(Url, usize)> {
        self.queue.pop_front()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemaps() {
        let xml = "<urlset><url><loc>https://x.vn/a</loc><lastmod>2026-11-01</lastmod></url><url><loc> https://x.vn/b?x=1&amp;y=2 </loc></url><url><loc>broken";
        let e = sitemap_entries(xml);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0], ("https://x.vn/a".to_string(), Some("2026-11-01".to_string())));
        assert_eq!(e[1].0, "https://x.vn/b?x=1&y=2");
        assert_eq!(
            robots_sitemaps("User-agent: *\nSitemap: https://x.vn/sitemap.xml\n"),
            vec!["https://x.vn/sitemap.xml"]
        );
    }

    #[test]
    fn frontier_dedups_and_bounds() {
        let start = Url::parse("https://x.vn/").unwrap();
        let mut f = Frontier::new(&start, 2);
        assert!(f.push(&Url::parse("https://x.vn/a#top").unwrap(), 1));
        assert!(!f.push(&Url::parse("https://x.vn/a").unwrap(), 1));
        assert!(!f.push(&Url::parse("https://x.vn/").unwrap(), 1));
        assert!(!f.push(&Url::parse("https://other.vn/a").unwrap(), 1));
        assert!(!f.push(&Url::parse("https://x.vn/deep").unwrap(), 3));
        assert_eq!(
            f.pop().map(|(u, d)| (u.to_string(), d)),
            Some(("https://x.vn/a#top".to_string(), 1))
        );
        assert!(f.is_empty());
    }
}
