//! Feeds: discovery and parsing (RSS, Atom, JSON Feed), with entries for the news aggregation.

use serde::Serialize;
use url::Url;

/// Paths tried when a site advertises no feed.
pub const COMMON_PATHS: &[&str] = &["/feed", "/rss.xml", "/atom.xml", "/feed.json", "/rss", "/feed.xml"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedEntry {
    pub title: String,
    pub url: Option<String>,
    /// RFC 3339.
    pub published: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedReport {
    pub url: String,
    pub kind: String,
    pub title: String,
    pub entries: Vec<FeedEntry>,
}

#[derive(Debug, thiserror::Error)]
#[error("nguồn tin không đọc được: {0}")]
pub struct FeedError(String);

/// Parses a feed body. At most 200 entries are kept.
pub fn parse(url: &Url, body: &[u8]) -> Result<FeedReport, FeedError> {
    // A second XML declaration naming another encoding makes the XML reader under feed-rs
    // panic (an assertion, in release builds too). A declaration belongs at the very start,
    // so one further on is refused as the malformed XML it is.
    if declares_xml_again(body) {
        return Err(FeedError("khai báo <?xml …?> ở giữa tài liệu".into()));
    }
    // Whatever else in that reader might still panic on a hostile feed refuses the feed, not
    // the job that polls it.
    let feed = std::panic::catch_unwind(|| feed_rs::parser::parse(body))
        .map_err(|_| FeedError("cấu trúc bất thường".into()))?
        .map_err(|e| FeedError(e.to_string()))?;
    let kind = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "atom",
        feed_rs::model::FeedType::JSON => "json",
        feed_rs::model::FeedType::RSS0 | feed_rs::model::FeedType::RSS1 | feed_rs::model::FeedType::RSS2 => "rss",
    };
    let entries = feed
        .entries
        .iter()
        .take(200)
        .map(|e| FeedEntry {
            title: e
                .title
                .as_ref()
                .map(|t| t.content.trim().to_string())
                .unwrap_or_default(),
            // Only web links, resolved against the feed: a `javascript:` link must never become
            // something a reader can click.
            url: e
                .links
                .first()
                .and_then(|l| lanhmang_domain::address_policy::web_link(Some(url), &l.href)),
            published: e.published.or(e.updated).map(|d| d.to_rfc3339()),
        })
        .collect();
    Ok(FeedReport {
        url: url.to_string(),
        kind: kind.to_string(),
        title: feed.title.map(|t| t.content.trim().to_string()).unwrap_or_default(),
        entries,
    })
}

/// Whether `<?xml` followed by a space appears anywhere but at the start (after a byte order
/// mark and blank space). `<?xml-stylesheet …?>`, common in feeds, is another thing.
fn declares_xml_again(body: &[u8]) -> bool {
    let start = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = start.trim_ascii_start();
    let first = start.get(..5).is_some_and(|h| h.eq_ignore_ascii_case(b"<?xml"));
    let skip = if first { 5 } else { 0 };
    start[skip..]
        .windows(6)
        .any(|w| w[..5].eq_ignore_ascii_case(b"<?xml") && w[5].is_ascii_whitespace())
}

/// Whether a response looks like a feed rather than an HTML page (so that a site whose
/// unknown paths answer with its home page is not taken for one).
pub fn looks_like_feed(content_type: Option<&str>, body: &[u8]) -> bool {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.contains("rss") || ct.contains("atom") || ct.contains("feed+json") || ct.contains("xml") {
        return true;
    }
    let head: String = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    head.starts_with("<?xml")
        || head.starts_with("<rss")
        || head.starts_with("<feed")
        || (ct.contains("json") && head.contains("jsonfeed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rss_atom_and_json() {
        let u = Url::parse("https://x.edu.vn/feed").unwrap();
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Tin tức</title>
            <item><title>Khai giảng</title><link>https://x.edu.vn/a</link><pubDate>Sat, 05 Sep 2026 08:00:00 +0700</pubDate></item></channel></rss>"#;
        let r = parse(&u, rss.as_bytes()).unwrap();
        assert_eq!((r.kind.as_str(), r.entries.len()), ("rss", 1));
        assert!(r.entries[0].published.as_deref().unwrap().starts_with("2026-09-05"));
        let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2026-11-01T00:00:00Z</updated>
            <entry><title>A</title><id>1</id><updated>2026-11-01T00:00:00Z</updated></entry></feed>"#;
        assert_eq!(parse(&u, atom).unwrap().kind, "atom");
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","title":"A","date_published":"2026-10-01T00:00:00Z"}]}"#;
        assert_eq!(parse(&u, json).unwrap().kind, "json");
        assert!(parse(&u, b"\xff\xfe not a feed").is_err());
    }

    #[test]
    fn a_second_xml_declaration_is_refused_not_a_panic() {
        // Found by fuzzing: this made the XML reader under feed-rs panic, in release builds too.
        let u = Url::parse("https://x.edu.vn/feed").unwrap();
        let body = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><?xml version="1.0" encoding="UTF-16"?><title>A</title></item></channel></rss>"#;
        let err = parse(&u, body).unwrap_err();
        assert!(err.to_string().contains("<?xml"), "{err}");
        // A stylesheet instruction is not a declaration.
        let styled = br#"<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="/rss.xsl"?><rss version="2.0"><channel><title>T</title></channel></rss>"#;
        assert_eq!(parse(&u, styled).unwrap().kind, "rss");
    }

    #[test]
    fn only_web_links_are_kept() {
        let u = Url::parse("https://x.edu.vn/feed").unwrap();
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>A</title><link>javascript:alert(document.cookie)</link></item>
            <item><title>B</title><link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link></item>
            <item><title>C</title><link>/tin/c</link></item>
            <item><title>D</title><link>https://x.edu.vn/d</link></item></channel></rss>"#;
        let r = parse(&u, rss.as_bytes()).unwrap();
        let links: Vec<Option<&str>> = r.entries.iter().map(|e| e.url.as_deref()).collect();
        assert_eq!(
            links,
            vec![None, None, Some("https://x.edu.vn/tin/c"), Some("https://x.edu.vn/d")]
        );
    }

    #[test]
    fn feed_or_page() {
        assert!(looks_like_feed(Some("application/rss+xml"), b""));
        assert!(looks_like_feed(None, b"  <?xml version='1.0'?><rss>"));
        assert!(!looks_like_feed(
            Some("text/html; charset=utf-8"),
            b"<!doctype html><html>"
        ));
    }
}
