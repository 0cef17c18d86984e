//! One HTML page, read once into what the checks need: visible and hidden text blocks, links,
//! resources, meta tags, inline scripts and dates. Malformed HTML is parsed as browsers parse
//! it (html5ever), so nothing here can fail.

use std::collections::HashSet;

use scraper::{Html, Node};
use url::Url;

/// A run of text from one block element, with whether CSS or markup hides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBlock {
    pub text: String,
    pub hidden: bool,
    /// The enclosing article, section, main, aside, header, footer or nav (0: none), so that
    /// a paragraph is judged with the rest of its article.
    pub container: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: Url,
    pub text: String,
    pub hidden: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub blocks: Vec<TextBlock>,
    pub links: Vec<Link>,
    /// Sub-resources the page loads: scripts, images, stylesheets, frames, media.
    pub resources: Vec<Url>,
    pub generator: Option<String>,
    pub meta_refresh: Option<Url>,
    pub inline_scripts: Vec<String>,
    /// `<link rel="alternate">` feeds.
    pub feeds: Vec<Url>,
    /// Dates seen in `<time datetime>` and in dd/mm/yyyy text, as (year, month, day).
    pub dates: Vec<(i32, u8, u8)>,
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "li",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "article",
    "section",
    "header",
    "footer",
    "aside",
    "nav",
    "blockquote",
    "dd",
    "dt",
    "figcaption",
    "main",
    "span",
    "a",
];
const CONTAINER_TAGS: &[&str] = &["article", "section", "main", "aside", "header", "footer", "nav"];
const SKIP_TAGS: &[&str] = &["script", "style", "noscript", "template", "svg"];

/// Whether an inline style hides what it applies to.
pub fn style_hides(style: &str) -> bool {
    let s: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let has = |needle: &str| s.contains(needle);
    if has("display:none") || has("visibility:hidden") || has("visibility:collapse") || has("font-size:0") {
        return true;
    }
    if s.split(';').any(|d| {
        d.strip_prefix("opacity:")
            .is_some_and(|v| v.trim_end_matches("!important").parse::<f32>().is_ok_and(|o| o < 0.05))
    }) {
        return true;
    }
    let zero = |prop: &str| {
        s.split(';').any(|d| {
            d.strip_prefix(prop).is_some_and(|v| {
                let v = v.trim_end_matches("!important");
                v == "0" || v == "0px" || v == "1px" || v == "0em" || v == "0%"
            })
        })
    };
    if (zero("height:") || zero("width:") || zero("max-height:") || zero("max-width:"))
        && (has("overflow:hidden") || zero("height:") && zero("width:"))
    {
        return true;
    }
    // Off-screen: a large negative offset or text indent.
    s.split(';').any(|d| {
        ["left:", "top:", "right:", "margin-left:", "margin-top:", "text-indent:"]
            .iter()
            .any(|p| {
                d.strip_prefix(p).is_some_and(|v| {
                    let num: String = v
                        .chars()
                        .take_while(|c| *c == '-' || c.is_ascii_digit() || *c == '.')
                        .collect();
                    num.parse::<f32>().is_ok_and(|n| n <= -500.0)
                })
            })
    }) || has("clip:rect(0")
        || has("clip-path:inset(50%")
        || has("clip-path:inset(100%")
}

/// Class and id names that `<style>` blocks hide, e.g. `.x{display:none}`.
#[derive(Default)]
struct HiddenSelectors {
    classes: HashSet<String>,
    ids: HashSet<String>,
}

fn hidden_selectors(doc: &Html) -> HiddenSelectors {
    let mut out = HiddenSelectors::default();
    let Ok(sel) = scraper::Selector::parse("style") else {
        return out;
    };
    for style in doc.select(&sel) {
        let css: String = style.text().collect();
        for rule in css.split('}') {
            let Some((selectors, body)) = rule.split_once('{') else {
                continue;
            };
            if !style_hides(body) {
                continue;
            }
            for s in selectors.split(',') {
                let s = s.trim();
                // Simple selectors only: .name or #name (possibly after a tag, like div.name).
                if let Some(pos) = s.rfind(['.', '#'])
                    && !s[pos + 1..].contains([' ', '>', ':', '[', '.', '#'])
                {
                    let set = if s[pos..].starts_with('.') {
                        &mut out.classes
                    } else {
                        &mut out.ids
                    };
                    set.insert(s[pos + 1..].to_string());
                }
            }
        }
    }
    out
}

impl Page {
    pub fn parse(html: &str, base: &Url) -> Page {
        let doc = Html::parse_document(html);
        let hidden_sel = hidden_selectors(&doc);
        let mut page = Page::default();
        let mut base = base.clone();
        if let Ok(sel) = scraper::Selector::parse("base[href]")
            && let Some(b) = doc.select(&sel).next().and_then(|e| e.value().attr("href"))
            && let Ok(u) = base.join(b)
        {
            base = u;
        }
        let resolve = |raw: &str| -> Option<Url> {
            let raw = raw.trim();
            if raw.is_empty()
                || raw.starts_with('#')
                || raw.starts_with("javascript:")
                || raw.starts_with("mailto:")
                || raw.starts_with("tel:")
                || raw.starts_with("data:")
            {
                return None;
            }
            let mut u = base.join(raw).ok()?;
            u.set_fragment(None);
            matches!(u.scheme(), "http" | "https").then_some(u)
        };

        // Walk the tree with an explicit stack: (node, hidden-by-ancestor).
        let mut stack = vec![(doc.tree.root(), false, 0usize)];
        let mut containers = 0usize;
        let mut seen_links: HashSet<(String, bool)> = HashSet::new();
        while let Some((node, hidden_above, container_above)) = stack.pop() {
            match node.value() {
                Node::Element(el) => {
                    let name = el.name();
                    if name == "title" {
                        page.title = node
                            .children()
                            .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                            .collect::<String>()
                            .trim()
                            .to_string();
                    }
                    match name {
                        "meta" => {
                            let meta_name = el.attr("name").unwrap_or("").to_ascii_lowercase();
                            if meta_name == "generator" {
                                page.generator = el.attr("content").map(|c| c.trim().to_string());
                            }
                            if el.attr("http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("refresh"))
                                && let Some(content) = el.attr("content")
                                && let Some(pos) = content.to_ascii_lowercase().find("url=")
                            {
                                page.meta_refresh = resolve(content[pos + 4..].trim_matches(['\'', '"', ' ']));
                            }
                        }
                        "link" => {
                            let rel = el.attr("rel").unwrap_or("").to_ascii_lowercase();
                            let ty = el.attr("type").unwrap_or("").to_ascii_lowercase();
                            if let Some(u) = el.attr("href").and_then(resolve) {
                                if rel.split_whitespace().any(|r| r == "alternate")
                                    && (ty.contains("rss")
                                        || ty.contains("atom")
                                        || ty.contains("feed+json")
                                        || ty.contains("json"))
                                {
                                    page.feeds.push(u);
                                } else if rel
                                    .split_whitespace()
                                    .any(|r| r == "stylesheet" || r == "icon" || r == "preload" || r == "modulepreload")
                                {
                                    page.resources.push(u);
                                }
                            }
                        }
                        "script" => {
                            if let Some(u) = el.attr("src").and_then(resolve) {
                                page.resources.push(u);
                            } else {
                                let code: String = node
                                    .children()
                                    .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                                    .collect();
                                if !code.trim().is_empty() && page.inline_scripts.len() < 50 {
                                    page.inline_scripts.push(code.chars().take(20_000).collect());
                                }
                            }
                        }
                        "img" | "iframe" | "embed" | "source" | "video" | "audio" | "frame" => {
                            if let Some(u) = el.attr("src").and_then(resolve) {
                                page.resources.push(u);
                            }
                        }
                        "object" => {
                            if let Some(u) = el.attr("data").and_then(resolve) {
                                page.resources.push(u);
                            }
                        }
                        "time" => {
                            if let Some(d) = el.attr("datetime").and_then(parse_iso_date) {
                                page.dates.push(d);
                            }
                        }
                        _ => {}
                    }
                    if SKIP_TAGS.contains(&name) {
                        continue;
                    }
                    let hides_here = el.attr("hidden").is_some()
                        || el.attr("style").is_some_and(style_hides)
                        || el.classes().any(|c| hidden_sel.classes.contains(c))
                        || el.id().is_some_and(|id| hidden_sel.ids.contains(id));
                    let hidden = hidden_above || hides_here;
                    let container = if CONTAINER_TAGS.contains(&name) {
                        containers += 1;
                        containers
                    } else {
                        container_above
                    };
                    if name == "a"
                        && let Some(u) = el.attr("href").and_then(resolve)
                    {
                        let text: String = collect_text(node);
                        if seen_links.insert((u.to_string(), hidden)) {
                            page.links.push(Link { url: u, text, hidden });
                        }
                    }
                    if BLOCK_TAGS.contains(&name) {
                        // Text directly inside this element (not inside child blocks).
                        let own: String = node
                            .children()
                            .filter_map(|c| match c.value() {
                                Node::Text(t) => Some(t.to_string()),
                                Node::Element(e)
                                    if matches!(
                                        e.name(),
                                        "b" | "strong" | "em" | "i" | "u" | "font" | "small" | "mark" | "br"
                                    ) =>
                                {
                                    Some(collect_text(c))
                                }
                                _ => None,
                            })
                            .collect();
                        let own = own.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !own.is_empty() && page.blocks.len() < 5_000 {
                            page.blocks.push(TextBlock {
                                text: own,
                                hidden,
                                container,
                            });
                        }
                    }
                    for child in node.children().rev() {
                        stack.push((child, hidden, container));
                    }
                }
                Node::Document | Node::Fragment => {
                    for child in node.children().rev() {
                        stack.push((child, hidden_above, container_above));
                    }
                }
                _ => {}
            }
        }
        // Dates written in text, as Vietnamese sites do: dd/mm/yyyy.
        for b in &page.blocks {
            page.dates.extend(find_vn_dates(&b.text));
        }
        page
    }

    /// All visible text, for a quick look.
    pub fn visible_text(&self) -> String {
        self.blocks
            .iter()
            .filter(|b| !b.hidden)
            .map(|b| b.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn collect_text(node: ego_tree::NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            out.push_str(t);
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "2026-11-28", "2026-11-28T08:00:00+07:00" → (2026, 11, 28).
pub fn parse_iso_date(s: &str) -> Option<(i32, u8, u8)> {
    let s = s.trim();
    let y: i32 = s.get(0..4)?.parse().ok()?;
    if s.get(4..5)? != "-" || s.get(7..8)? != "-" {
        return None;
    }
    let m: u8 = s.get(5..7)?.parse().ok()?;
    let d: u8 = s.get(8..10)?.parse().ok()?;
    valid_date(y, m, d).then_some((y, m, d))
}

fn valid_date(y: i32, m: u8, d: u8) -> bool {
    (1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Dates like 05/09/2026 or 5-9-2026 in text.
pub fn find_vn_dates(text: &str) -> Vec<(i32, u8, u8)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()) {
            let rest = &text[i..];
            let mut parts = Vec::new();
            let mut cur = String::new();
            let mut sep = None;
            for c in rest.chars().take(10) {
                if c.is_ascii_digit() {
                    cur.push(c);
                } else if (c == '/' || c == '-' || c == '.')
                    && sep.is_none_or(|s| s == c)
                    && !cur.is_empty()
                    && parts.len() < 2
                {
                    sep = Some(c);
                    parts.push(std::mem::take(&mut cur));
                } else {
                    break;
                }
            }
            parts.push(cur);
            if parts.len() == 3
                && parts[2].len() == 4
                && parts[0].len() <= 2
                && parts[1].len() <= 2
                && let (Ok(d), Ok(m), Ok(y)) = (parts[0].parse::<u8>(), parts[1].parse::<u8>(), parts[2].parse::<i32>())
                && valid_date(y, m, d)
            {
                out.push((y, m, d));
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://th-anbinh.edu.vn/tin-tuc/").unwrap()
    }

    #[test]
    fn hidden_styles() {
        for s in [
            "display: none",
            "visibility:hidden",
            "opacity:0",
            "opacity: 0.0",
            "position:absolute; left:-9999px",
            "height:0;overflow:hidden",
            "width:0;height:0",
            "text-indent:-10000px",
            "font-size:0",
        ] {
            assert!(style_hides(s), "{s}");
        }
        for s in [
            "display:block",
            "opacity:0.9",
            "left:10px",
            "height:0.5em",
            "margin-left:-5px",
        ] {
            assert!(!style_hides(s), "{s}");
        }
    }

    #[test]
    fn reads_blocks_links_and_hidden_content() {
        let html = r#"<html><head><title>Trường TH An Bình</title>
            <meta name="generator" content="WordPress 5.2.1">
            <link rel="alternate" type="application/rss+xml" href="/feed">
            <style>.sp { position:absolute; left:-9999px }</style></head>
            <body><h1>Tin tức</h1><p>Ngày <b>05/09/2026</b> khai giảng năm học mới.</p>
            <div class="sp"><a href="https://nhacai.example/">nhà cái uy tín</a></div>
            <div style="display:none"><p>cá độ bóng đá</p></div>
            <a href="bai-viet-1.html#top">Bài viết</a><img src="http://cdn.example/a.png">
            <time datetime="2026-11-20">20/11</time></body></html>"#;
        let p = Page::parse(html, &base());
        assert_eq!(p.title, "Trường TH An Bình");
        assert_eq!(p.generator.as_deref(), Some("WordPress 5.2.1"));
        assert_eq!(p.feeds[0].as_str(), "https://th-anbinh.edu.vn/feed");
        assert!(
            p.links
                .iter()
                .any(|l| l.hidden && l.url.host_str() == Some("nhacai.example"))
        );
        assert!(
            p.links
                .iter()
                .any(|l| !l.hidden && l.url.as_str() == "https://th-anbinh.edu.vn/tin-tuc/bai-viet-1.html")
        );
        assert!(p.blocks.iter().any(|b| b.hidden && b.text.contains("cá độ")));
        assert!(p.blocks.iter().any(|b| !b.hidden && b.text.contains("khai giảng")));
        assert!(p.dates.contains(&(2026, 9, 5)) && p.dates.contains(&(2026, 11, 20)));
        assert_eq!(p.resources[0].scheme(), "http");
    }

    #[test]
    fn meta_refresh_and_garbage() {
        let p = Page::parse(
            r#"<meta http-equiv="refresh" content="0; url='https://x.example/y'">"#,
            &base(),
        );
        assert_eq!(p.meta_refresh.unwrap().as_str(), "https://x.example/y");
        let junk = Page::parse("<<<>>><div><p><a href=::::>\u{0}\u{fffd}</div></table></html>", &base());
        assert!(junk.blocks.len() < 10);
    }

    #[test]
    fn vietnamese_dates_in_text() {
        assert_eq!(
            find_vn_dates("Cập nhật 5/9/2026, họp ngày 12-10-2025."),
            vec![(2026, 9, 5), (2025, 10, 12)]
        );
        assert!(find_vn_dates("số 123/45/6789 và 99/99/2026").is_empty());
    }
}
