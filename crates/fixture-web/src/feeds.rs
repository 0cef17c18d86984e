//! robots.txt, sitemaps and news feeds (RSS 2.0, Atom, JSON Feed 1.1), and broken feeds for the
//! `malformed_feed` defect.

use hyper::header::{ETAG, HeaderValue, LAST_MODIFIED};
use hyper::{Response, StatusCode};
use sha2::Digest as _;
use time::{Date, Weekday};

use super::body::Body;
use super::pages::esc;
use super::server::ReqInfo;
use super::site::{Article, FeedDef, FeedKind, Site, SitemapKind, ymd};
use lanhmang_domain::finding::FindingCode as F;

pub(crate) fn robots(site: &Site<'_>) -> String {
    let Some(r) = &site.robots else {
        return String::new();
    };
    let mut s = String::from("User-agent: *\n");
    for d in &r.disallow {
        s.push_str(&format!("Disallow: {d}\n"));
    }
    if r.trap {
        s.push_str(&format!("Disallow: {}\n", Site::TRAP_PATH));
    }
    for a in &r.allow {
        s.push_str(&format!("Allow: {a}\n"));
    }
    if r.extra_group {
        s.push_str("\nUser-agent: SemrushBot\nUser-agent: AhrefsBot\nDisallow: /\n");
    }
    if r.sitemap_line
        && let Some(p) = site.sitemap_path()
    {
        s.push_str(&format!("\nSitemap: {}\n", site.url(p)));
    }
    s
}

fn rfc3339(a: &Article) -> String {
    format!("{}T{:02}:{:02}:00+07:00", ymd(a.date), a.hour, a.minute)
}

fn rfc2822(a: &Article) -> String {
    let d: Date = a.date;
    let wd = match d.weekday() {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{wd}, {:02} {} {} {:02}:{:02}:00 +0700",
        d.day(),
        MONTHS[u8::from(d.month()) as usize - 1],
        d.year(),
        a.hour,
        a.minute
    )
}

/// The sitemap documents, by path; `None` when the path is not one of this site's sitemaps.
pub(crate) fn sitemap(site: &Site<'_>, path: &str) -> Option<String> {
    let kind = site.sitemap?;
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let newest = ymd(site.newest);
    let older = ymd(site.articles.last().map_or(site.newest, |a| a.date));
    let url = |loc: &str, lastmod: &str| {
        format!(
            "<url><loc>{}</loc><lastmod>{lastmod}</lastmod></url>\n",
            esc(&site.url(loc))
        )
    };
    let posts = || {
        site.articles
            .iter()
            .map(|a| url(&a.path, &ymd(a.date)))
            .collect::<String>()
    };
    let pages = || {
        let mut s = url("/", &newest) + &url(site.news_path(), &newest) + &url(site.about_path(), &older);
        s.push_str(&url(site.contact_path(), &older));
        if let (Some(d), Some(index)) = (&site.disclosure, site.disclosure_index_path()) {
            s.push_str(&url(&index, &older));
            if !d.single_page {
                for p in &d.parts {
                    s.push_str(&url(&site.disclosure_part_path(p), &older));
                }
            }
        }
        s
    };
    let urlset = |inner: String| {
        format!("{head}<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{inner}</urlset>\n")
    };
    match (kind, path) {
        (SitemapKind::Plain, "/sitemap.xml") => Some(urlset(pages() + &posts())),
        (SitemapKind::WordPressIndex, "/wp-sitemap.xml") => Some(format!(
            "{head}<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<sitemap><loc>{}</loc><lastmod>{newest}</lastmod></sitemap>\n<sitemap><loc>{}</loc><lastmod>{older}</lastmod></sitemap>\n</sitemapindex>\n",
            site.url("/wp-sitemap-posts-post-1.xml"),
            site.url("/wp-sitemap-posts-page-1.xml"),
        )),
        (SitemapKind::WordPressIndex, "/wp-sitemap-posts-post-1.xml") => Some(urlset(posts())),
        (SitemapKind::WordPressIndex, "/wp-sitemap-posts-page-1.xml") => Some(urlset(pages())),
        _ => None,
    }
}

fn summary(site: &Site<'_>, a: &Article) -> String {
    let first = match a.topic {
        Some(t) => super::text::TOPICS[t].paragraphs[0],
        None => super::text::AG_PARAGRAPHS[0],
    };
    site.fill(first, a.date, &mut site.article_rng(a))
}

fn rss(site: &Site<'_>, feed_url: &str) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n<title>{}</title>\n<link>{}</link>\n<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n<description>Tin tức – sự kiện của {}</description>\n<language>vi</language>\n",
        esc(&site.school.full),
        esc(&site.url("/")),
        esc(feed_url),
        esc(&site.school.full)
    );
    if let Some(a) = site.articles.first() {
        s.push_str(&format!("<lastBuildDate>{}</lastBuildDate>\n", rfc2822(a)));
    }
    for a in site.articles.iter().take(10) {
        let link = esc(&site.url(&a.path));
        s.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{link}</link>\n<guid isPermaLink=\"true\">{link}</guid>\n<pubDate>{}</pubDate>\n<description>{}</description>\n</item>\n",
            esc(&a.title),
            rfc2822(a),
            esc(&summary(site, a))
        ));
    }
    s.push_str("</channel>\n</rss>\n");
    s
}

fn atom(site: &Site<'_>, feed_url: &str) -> String {
    let updated = site.articles.first().map(rfc3339).unwrap_or_default();
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\">\n<title>{}</title>\n<id>{}</id>\n<updated>{updated}</updated>\n<link href=\"{}\"/>\n<link rel=\"self\" href=\"{}\"/>\n<author><name>{}</name></author>\n",
        esc(&site.school.full),
        esc(&site.url("/")),
        esc(&site.url("/")),
        esc(feed_url),
        esc(&site.school.full)
    );
    for a in site.articles.iter().take(10) {
        let link = esc(&site.url(&a.path));
        s.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{link}</id>\n<link href=\"{link}\"/>\n<published>{t}</published>\n<updated>{t}</updated>\n<summary>{}</summary>\n</entry>\n",
            esc(&a.title),
            esc(&summary(site, a)),
            t = rfc3339(a)
        ));
    }
    s.push_str("</feed>\n");
    s
}

fn json_feed(site: &Site<'_>, feed_url: &str) -> String {
    let items: Vec<serde_json::Value> = site
        .articles
        .iter()
        .take(10)
        .map(|a| {
            serde_json::json!({
                "id": site.url(&a.path),
                "url": site.url(&a.path),
                "title": a.title,
                "summary": summary(site, a),
                "content_text": summary(site, a),
                "date_published": rfc3339(a),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.school.full,
        "home_page_url": site.url("/"),
        "feed_url": feed_url,
        "language": "vi",
        "items": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Breaks an XML feed the way broken CMS plugins do; every variant is rejected by an XML parser.
fn break_xml(xml: &str, variant: u64) -> String {
    let close = "</title>";
    let first_close = xml
        .find("<item>")
        .or_else(|| xml.find("<entry>"))
        .and_then(|at| xml[at..].find(close).map(|p| at + p));
    let Some(pos) = first_close else {
        return xml[..xml.len() / 2].to_string();
    };
    match variant {
        // A mistyped end tag in the first entry.
        0 => format!("{}</titel>{}", &xml[..pos], &xml[pos + close.len()..]),
        // A raw "<" and "&" in the first title, then the document ends mid-entry.
        1 => {
            let broken = format!("{} & <3 nhà trường{}", &xml[..pos], &xml[pos..]);
            let cut = broken.len() * 2 / 3;
            let mut cut_at = cut;
            while !broken.is_char_boundary(cut_at) {
                cut_at -= 1;
            }
            broken[..cut_at].to_string()
        }
        // PHP warning printed before the XML declaration, and an end tag that never opened.
        _ => format!(
            "<br />\n<b>Warning</b>:  Cannot modify header information - headers already sent in <b>/home/truong/public_html/feed.php</b> on line <b>12</b><br />\n{}</titel>{}",
            &xml[..pos],
            &xml[pos + close.len()..]
        ),
    }
}

/// The feed document and its content type.
pub(crate) fn feed(site: &Site<'_>, def: &FeedDef) -> (&'static str, String) {
    let url = site.url(&def.path);
    let (ctype, doc) = match def.kind {
        FeedKind::Rss => ("application/rss+xml; charset=utf-8", rss(site, &url)),
        FeedKind::Atom => ("application/atom+xml; charset=utf-8", atom(site, &url)),
        FeedKind::Json => ("application/feed+json; charset=utf-8", json_feed(site, &url)),
    };
    if site.has(F::MalformedFeed) {
        return (ctype, break_xml(&doc, site.spec.pick(31, 3)));
    }
    (ctype, doc)
}

/// Adds the validators a real CMS sends with a feed (ETag from the document, Last-Modified from
/// the newest article) and answers 304 with no body when the client's If-None-Match names the
/// current ETag, so pollers can be tested for conditional requests.
pub(crate) fn conditional(site: &Site<'_>, req: &ReqInfo, doc: &str, mut resp: Response<Body>) -> Response<Body> {
    let digest = sha2::Sha256::digest(doc.as_bytes());
    let etag = format!(
        "\"{}\"",
        digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>()
    );
    let last_modified = site.articles.first().map(|a| {
        let local = rfc2822(a);
        // HTTP dates are in GMT; the articles' times are Vietnam time (+0700).
        let at = a
            .date
            .with_hms(a.hour, a.minute, 0)
            .map(|t| t.assume_offset(time::macros::offset!(+7)));
        match at {
            Ok(t) => http_date(t.to_offset(time::UtcOffset::UTC)),
            Err(_) => local,
        }
    });
    let matches = req
        .if_none_match
        .as_deref()
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        *resp.body_mut() = Body::full(bytes::Bytes::new());
        resp.headers_mut().remove(hyper::header::CONTENT_LENGTH);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(ETAG, v);
    }
    if let Some(v) = last_modified.and_then(|lm| HeaderValue::from_str(&lm).ok()) {
        resp.headers_mut().insert(LAST_MODIFIED, v);
    }
    resp
}

fn http_date(t: time::OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS[usize::from(u8::from(t.month())) - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
