//! HTML pages of a school site, its static files, and how each content defect shows in them.

use hyper::{Response, StatusCode};

use super::body::Body;
use super::feeds;
use super::headers;
use super::server::{ReqInfo, response};
use super::site::{Article, Cms, RedirectKind, Site, dmy};
use super::text::{self, PARTS};
use lanhmang_domain::finding::FindingCode as F;

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE_CSS: &str = "body{font-family:Arial,sans-serif;margin:0;color:#222}header{background:#0b4f8a;color:#fff;padding:12px}\
nav ul{list-style:none;margin:0;padding:0;display:flex;gap:16px}nav a{color:#fff}.container{display:flex;gap:24px;padding:16px}\
main{flex:3}aside{flex:1}footer{background:#eee;padding:12px;font-size:14px}.meta{color:#666;font-size:13px}\n";
const MAIN_JS: &str = "document.addEventListener('DOMContentLoaded',function(){var m=document.querySelector('nav');if(m){m.className+=' ready';}});\n";
const PNG_1X1: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0a, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
const PDF: &str = "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n";

/// Static files: any path under an asset prefix with a known extension exists.
fn static_file(path: &str) -> Option<(&'static str, Body)> {
    const PREFIXES: [&str; 7] = [
        "/assets/",
        "/uploads/",
        "/wp-content/",
        "/wp-includes/",
        "/templates/",
        "/media/",
        "/images/",
    ];
    if !PREFIXES.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let ext = path.rsplit('.').next()?;
    Some(match ext {
        "css" => ("text/css; charset=utf-8", Body::full(STYLE_CSS)),
        "js" => ("application/javascript; charset=utf-8", Body::full(MAIN_JS)),
        "png" => ("image/png", Body::full(&PNG_1X1[..])),
        "pdf" => ("application/pdf", Body::full(PDF)),
        _ => return None,
    })
}

/// Answers one request to a site that is up (hostile behaviours and redirects are handled before).
pub(crate) fn respond(site: &Site<'_>, req: &ReqInfo) -> Response<Body> {
    let path = req.path.as_str();
    let path_query = match &req.query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    if let Some((ctype, body)) = static_file(path) {
        return with_site_headers(site, req, response(StatusCode::OK, ctype, body), false);
    }
    if path == "/robots.txt" {
        return match &site.robots {
            Some(_) => plain(
                site,
                req,
                StatusCode::OK,
                "text/plain; charset=utf-8",
                feeds::robots(site),
            ),
            None => not_found(site, req),
        };
    }
    if let Some(xml) = feeds::sitemap(site, path) {
        return plain(site, req, StatusCode::OK, "application/xml; charset=utf-8", xml);
    }
    if let Some(feed) = site
        .feeds
        .iter()
        .find(|f| f.path == path_query || (f.path == path && !f.path.contains('?')))
    {
        let (ctype, body) = feeds::feed(site, feed);
        return feeds::conditional(site, req, &body, plain(site, req, StatusCode::OK, ctype, body.clone()));
    }
    let googlebot = req.googlebot && site.has(F::Cloaking);
    let page = if path == "/" || (site.cms == Cms::Joomla && path == "/index.php") {
        Some(home(site))
    } else if path == site.news_path() {
        Some(news_list(site))
    } else if path == site.about_path() {
        Some(about(site))
    } else if path == site.contact_path() {
        Some(contact(site))
    } else if path == Site::TRAP_PATH && site.robots.as_ref().is_some_and(|r| r.trap) {
        Some(trap(site))
    } else if let Some(a) = site.articles.iter().find(|a| a.path == path) {
        Some(article(site, a))
    } else {
        disclosure_page(site, path)
    };
    match page {
        Some((title, main)) => {
            let html = layout(site, req, &title, &main, path == "/", googlebot);
            html_response(site, req, StatusCode::OK, html)
        }
        // WordPress adds the trailing slash to pretty permalinks (so "/feed" reaches "/feed/").
        None if site.cms == Cms::WordPress
            && !path.ends_with('/')
            && !path.rsplit('/').next().unwrap_or("").contains('.') =>
        {
            let location = site.url(&format!("{path}/"));
            let resp = super::server::redirect(StatusCode::MOVED_PERMANENTLY, &location);
            with_site_headers(site, req, resp, false)
        }
        None => not_found(site, req),
    }
}

pub(crate) fn not_found(site: &Site<'_>, req: &ReqInfo) -> Response<Body> {
    let main = "<h1>Không tìm thấy trang</h1><p>Trang bạn tìm không tồn tại hoặc đã bị xóa.</p><p><a href=\"/\">Về trang chủ</a></p>";
    let html = layout(site, req, "Không tìm thấy trang", main, false, false);
    html_response(site, req, StatusCode::NOT_FOUND, html)
}

/// The home page answering with a server error (the `http_error` defect).
pub(crate) fn server_error(site: &Site<'_>, req: &ReqInfo) -> Response<Body> {
    let (status, text) = if site.spec.pick(19, 2) == 0 {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<h1>500 Internal Server Error</h1><p>Lỗi kết nối cơ sở dữ liệu. Vui lòng thử lại sau.</p>",
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "<h1>503 Service Unavailable</h1><p>Hệ thống đang bảo trì, vui lòng quay lại sau.</p>",
        )
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Lỗi</title></head><body>{text}</body></html>"
    );
    with_site_headers(
        site,
        req,
        response(status, "text/html; charset=utf-8", Body::full(html)),
        true,
    )
}

fn plain(
    site: &Site<'_>,
    req: &ReqInfo,
    status: StatusCode,
    ctype: &str,
    body: impl Into<bytes::Bytes>,
) -> Response<Body> {
    with_site_headers(site, req, response(status, ctype, Body::full(body)), false)
}

fn html_response(site: &Site<'_>, req: &ReqInfo, status: StatusCode, html: String) -> Response<Body> {
    let body = if site.has(F::InvalidEncoding) {
        bytes::Bytes::from(mis_encode(&html))
    } else {
        bytes::Bytes::from(html)
    };
    with_site_headers(
        site,
        req,
        response(status, "text/html; charset=utf-8", Body::full(body)),
        true,
    )
}

pub(crate) fn with_site_headers(
    site: &Site<'_>,
    req: &ReqInfo,
    mut resp: Response<Body>,
    html: bool,
) -> Response<Body> {
    let cdn = site.w.ext_origin("cdn.fixture.localhost");
    let ctx = headers::Context {
        https: req.tls,
        nonce: &site.nonce,
        cdn_origin: &cdn,
        session: &site.session,
        request_origin: req.origin.as_deref(),
    };
    let h = resp.headers_mut();
    headers::apply(site.profile, &ctx, html, h);
    h.insert("server", hyper::header::HeaderValue::from_static(site.server));
    if let Some(p) = site.powered_by {
        h.insert("x-powered-by", hyper::header::HeaderValue::from_static(p));
    }
    resp
}

/// Text pasted from a Windows-1258/Latin-1 editor: inside `<main>`, every character that Latin-1
/// has becomes its single byte, so the page declared UTF-8 is not valid UTF-8.
fn mis_encode(html: &str) -> Vec<u8> {
    let (start, end) = match (html.find("<main"), html.find("</main>")) {
        (Some(s), Some(e)) if s < e => (s, e),
        _ => (0, html.len()),
    };
    let mut out = Vec::with_capacity(html.len());
    out.extend_from_slice(&html.as_bytes()[..start]);
    for c in html[start..end].chars() {
        let u = c as u32;
        if (0xA0..=0xFF).contains(&u) {
            out.push(u as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out.extend_from_slice(&html.as_bytes()[end..]);
    out
}

fn time_tag(a: &Article) -> String {
    format!(
        "<time datetime=\"{}T{:02}:{:02}:00+07:00\">{}</time>",
        super::site::ymd(a.date),
        a.hour,
        a.minute,
        dmy(a.date)
    )
}

fn excerpt(site: &Site<'_>, a: &Article) -> String {
    let first = match a.topic {
        Some(t) => text::TOPICS[t].paragraphs[0],
        None => text::AG_PARAGRAPHS[0],
    };
    let filled = site.fill(first, a.date, &mut site.article_rng(a));
    let cut: String = filled.chars().take(160).collect();
    if cut.len() < filled.len() {
        format!("{}…", cut.trim_end())
    } else {
        cut
    }
}

fn home(site: &Site<'_>) -> (String, String) {
    let mut m = String::with_capacity(8192);
    m.push_str(&format!(
        "<section class=\"welcome\"><h2>Chào mừng</h2><p>Chào mừng quý cha mẹ học sinh, các thầy cô và các em học sinh đến với trang thông tin điện tử của {}.</p></section>\n",
        esc(&site.school.full)
    ));
    if site.has(F::MixedContent) && site.spec.pick(17, 3) != 1 {
        let http = site.w.origin(false, &site.spec.host);
        m.push_str(&format!(
            "<p class=\"banner\"><img src=\"{http}/uploads/banner-truong.png\" alt=\"Ảnh trường\"></p>\n"
        ));
    }
    m.push_str("<section class=\"news\"><h2>Tin tức – Sự kiện</h2>\n<ul class=\"news-list\">\n");
    for a in site.articles.iter().take(6) {
        m.push_str(&format!(
            "<li><article><a href=\"{p}\"><img src=\"{img}\" alt=\"\" width=\"120\"></a><h3><a href=\"{p}\">{t}</a></h3><p class=\"meta\">{time}</p><p>{ex}</p></article></li>\n",
            p = a.path,
            img = a.image,
            t = esc(&a.title),
            time = time_tag(a),
            ex = esc(&excerpt(site, a)),
        ));
    }
    m.push_str(&format!(
        "</ul>\n<p><a href=\"{}\">Xem tất cả tin tức</a></p></section>\n",
        site.news_path()
    ));
    m.push_str("<section class=\"notices\"><h2>Văn bản – Thông báo</h2><ul>\n");
    let year = site.newest.year();
    for (k, n) in text::NOTICES.iter().enumerate().take(4) {
        m.push_str(&format!(
            "<li><a href=\"/uploads/van-ban/{}-{year}-{k}.pdf\">{}</a></li>\n",
            super::site::slugify(n),
            esc(n)
        ));
    }
    if let Some(b) = site.broken_internal.first() {
        m.push_str(&format!("<li><a href=\"{b}\">Kế hoạch năm học (bản cũ)</a></li>\n"));
    }
    m.push_str("</ul></section>\n");
    ("Trang chủ".to_string(), m)
}

fn news_list(site: &Site<'_>) -> (String, String) {
    let mut m = String::from("<h1>Tin tức – Sự kiện</h1>\n<ul class=\"news-list\">\n");
    for a in &site.articles {
        m.push_str(&format!(
            "<li><a href=\"{}\">{}</a> <span class=\"meta\">{}</span></li>\n",
            a.path,
            esc(&a.title),
            time_tag(a)
        ));
    }
    m.push_str("</ul>\n");
    ("Tin tức".to_string(), m)
}

fn article(site: &Site<'_>, a: &Article) -> (String, String) {
    let mut numbers = site.article_rng(a);
    let paragraphs: &[&str] = match a.topic {
        Some(t) => text::TOPICS[t].paragraphs,
        None => &text::AG_PARAGRAPHS,
    };
    let mut m = format!(
        "<article class=\"post\"><h1>{}</h1>\n<p class=\"meta\">Đăng ngày {} | Người đăng: Quản trị viên</p>\n<p><img src=\"{}\" alt=\"{}\"></p>\n",
        esc(&a.title),
        time_tag(a),
        a.image,
        esc(&a.title)
    );
    for p in paragraphs {
        m.push_str(&format!("<p>{}</p>\n", esc(&site.fill(p, a.date, &mut numbers))));
    }
    if site.has(F::MixedContent) && site.spec.pick(17, 3) != 1 {
        let http = site.w.origin(false, &site.spec.host);
        m.push_str(&format!("<p><img src=\"{http}{}\" alt=\"\"></p>\n", a.image));
    }
    if site.has(F::SpamVisible) {
        let brand = text::brand(site.gambling);
        m.push_str(&format!(
            "<p><strong>{}</strong> {}</p>\n",
            esc(&text::SPAM_TITLES[0].replace("{brand}", &brand)),
            esc(&text::SPAM_SENTENCES[(a.id as usize) % text::SPAM_SENTENCES.len()].replace("{brand}", &brand))
        ));
    }
    m.push_str(&format!("<p class=\"meta\">{}</p></article>\n", esc(&site.school.full)));
    m.push_str("<section class=\"related\"><h2>Tin liên quan</h2><ul>\n");
    for other in site.articles.iter().filter(|o| o.id != a.id).take(3) {
        m.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>\n",
            other.path,
            esc(&other.title)
        ));
    }
    m.push_str("</ul></section>\n");
    (a.title.clone(), m)
}

fn about(site: &Site<'_>) -> (String, String) {
    let mut numbers = super::rng::Rng::new(site.w.seed, site.spec.index as u64, 77);
    let mut m = String::from("<h1>Giới thiệu</h1>\n");
    for p in text::ABOUT {
        m.push_str(&format!("<p>{}</p>\n", esc(&site.fill(p, site.newest, &mut numbers))));
    }
    m.push_str(&format!(
        "<h2>Ban giám hiệu</h2><ul><li>Hiệu trưởng: {}</li><li>Điện thoại: {}</li></ul>\n",
        esc(&site.school.principal_called),
        esc(&site.school.phone)
    ));
    if site.broken_internal.len() > 1 || site.broken_external.len() > 1 {
        m.push_str("<h2>Tài liệu tham khảo</h2><ul>\n");
        for b in site.broken_internal.iter().skip(1) {
            m.push_str(&format!("<li><a href=\"{b}\">Tài liệu lưu trữ</a></li>\n"));
        }
        for b in site.broken_external.iter().skip(1) {
            m.push_str(&format!(
                "<li><a href=\"{b}\">Văn bản hướng dẫn của cấp trên</a></li>\n"
            ));
        }
        m.push_str("</ul>\n");
    }
    ("Giới thiệu".to_string(), m)
}

fn contact(site: &Site<'_>) -> (String, String) {
    let m = format!(
        "<h1>Liên hệ</h1>\n<p>{}</p>\n<p>Địa chỉ: {}, {}</p>\n<p>Điện thoại: {}</p>\n<p>Thư điện tử: <a href=\"mailto:{e}\">{e}</a></p>\n<p>Giờ làm việc: sáng 7 giờ – 11 giờ, chiều 13 giờ 30 – 17 giờ, từ thứ Hai đến thứ Sáu.</p>\n",
        esc(&site.school.full),
        site.school.commune,
        site.school.province,
        site.school.phone,
        e = site.school.email
    );
    ("Liên hệ".to_string(), m)
}

fn trap(site: &Site<'_>) -> (String, String) {
    let n = 10 + site.spec.index % 80;
    let m = format!(
        "<h1>Tài liệu nội bộ</h1>\n<p>Khu vực dành cho cán bộ, giáo viên nhà trường.</p>\n<ul><li><a href=\"/noi-bo/bien-ban-hop-hoi-dong-{n}.html\">Biên bản họp hội đồng</a></li><li><a href=\"/uploads/noi-bo/lich-truc.pdf\">Lịch trực</a></li></ul>\n"
    );
    ("Tài liệu nội bộ".to_string(), m)
}

fn disclosure_page(site: &Site<'_>, path: &str) -> Option<(String, String)> {
    let d = site.disclosure.as_ref()?;
    let mut numbers = super::rng::Rng::new(site.w.seed, site.spec.index as u64, 99);
    let report_year = site.newest.year();
    let part_body = |heading_level: &str, part: &super::site::DisclosurePart, numbers: &mut super::rng::Rng| {
        let mut s = format!("<{heading_level}>{}</{heading_level}>\n", esc(&part.heading));
        for p in PARTS[part.part].body {
            s.push_str(&format!("<p>{}</p>\n", esc(&site.fill(p, site.newest, numbers))));
        }
        if part.part == 6 {
            s.push_str(&format!(
                "<p><a href=\"/uploads/cong-khai/bao-cao-thuong-nien-{report_year}.pdf\">Tải báo cáo thường niên năm {report_year} (PDF)</a></p>\n"
            ));
        }
        s
    };
    if Some(path) == site.disclosure_index_path().as_deref() {
        let mut m = format!(
            "<h1>{}</h1>\n<p>{}</p>\n",
            esc(d.title),
            esc(&site.fill(text::DISCLOSURE_INTRO, site.newest, &mut numbers))
        );
        if d.single_page {
            for part in &d.parts {
                m.push_str("<section class=\"cong-khai\">\n");
                m.push_str(&part_body("h2", part, &mut numbers));
                m.push_str("</section>\n");
            }
        } else {
            m.push_str("<ol class=\"cong-khai\">\n");
            for part in &d.parts {
                m.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>\n",
                    site.disclosure_part_path(part),
                    esc(&part.heading)
                ));
            }
            m.push_str("</ol>\n");
        }
        return Some((d.title.to_string(), m));
    }
    if d.single_page {
        return None;
    }
    let part = d.parts.iter().find(|p| site.disclosure_part_path(p) == path)?;
    let mut m = part_body("h1", part, &mut numbers);
    m.push_str(&format!(
        "<p><a href=\"{}\">« Quay lại mục {}</a></p>\n",
        site.disclosure_index_path().unwrap_or_default(),
        esc(d.title)
    ));
    Some((part.heading.clone(), m))
}

/// Hidden spam: links and text to gambling sites, hidden by one of seven CSS techniques.
fn hidden_spam(site: &Site<'_>) -> (Option<&'static str>, String) {
    let technique = site.spec.pick(11, 7);
    let brand = text::brand(site.gambling);
    let mut links = String::new();
    for k in 0..3u32 {
        let n = site.gambling + k * 7;
        links.push_str(&format!(
            "<a href=\"{}/\">{}</a> ",
            site.gambling_origin(n),
            text::SPAM_PHRASES[(site.spec.index + k as usize * 5) % text::SPAM_PHRASES.len()]
        ));
    }
    let inner = format!(
        "<p>{}</p><p>{links}</p>",
        esc(&text::SPAM_SENTENCES[site.spec.index % text::SPAM_SENTENCES.len()].replace("{brand}", &brand))
    );
    match technique {
        0 => (None, format!("<div style=\"display:none\">{inner}</div>")),
        1 => (
            None,
            format!("<div style=\"visibility: hidden; position: absolute;\">{inner}</div>"),
        ),
        2 => (
            None,
            format!("<div style=\"width:0;height:0;overflow:hidden\">{inner}</div>"),
        ),
        3 => (
            None,
            format!("<div style=\"position:absolute;left:-9999px;top:-9999px\">{inner}</div>"),
        ),
        4 => (
            None,
            format!("<div style=\"opacity:0;position:absolute;z-index:-1\">{inner}</div>"),
        ),
        5 => (
            Some(".ft-lk{display:none}"),
            format!("<div class=\"ft-lk\">{inner}</div>"),
        ),
        _ => (
            Some(".sp-ad{position:absolute;left:-5000px;font-size:0}"),
            format!("<div class=\"sp-ad\">{inner}</div>"),
        ),
    }
}

/// Visible links to gambling sites, anchored by brand names (no betting words in the anchors).
fn spam_links(site: &Site<'_>) -> String {
    let mut s = String::new();
    for k in 0..3u32 {
        let n = (site.gambling + k * 3) % super::GAMBLING_HOSTS;
        s.push_str(&format!(
            "<li><a href=\"{}/\">{}</a></li>\n",
            site.gambling_origin(n),
            text::brand(n)
        ));
    }
    s
}

fn layout(site: &Site<'_>, req: &ReqInfo, title: &str, main: &str, is_home: bool, googlebot: bool) -> String {
    let mut h = String::with_capacity(main.len() + 6144);
    let brand = text::brand(site.gambling);
    let shown_title = if googlebot {
        format!(
            "{} | {}",
            text::SPAM_TITLES[1].replace("{brand}", &brand),
            site.school.full
        )
    } else {
        format!("{} - {}", title, site.school.full)
    };
    h.push_str("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", esc(&shown_title)));
    if site.generator_meta {
        let g = match site.cms {
            Cms::WordPress => format!("WordPress {}", site.cms_version),
            Cms::Joomla => format!("Joomla! {} - Open Source Content Management", site.cms_version),
            Cms::Custom => String::new(),
        };
        h.push_str(&format!("<meta name=\"generator\" content=\"{}\">\n", esc(&g)));
    }
    let cdn = site.w.ext_origin("cdn.fixture.localhost");
    let ctx = headers::Context {
        https: req.tls,
        nonce: &site.nonce,
        cdn_origin: &cdn,
        session: &site.session,
        request_origin: None,
    };
    if let Some(csp) = headers::csp_meta(site.profile, &ctx) {
        h.push_str(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
            esc(&csp)
        ));
    }
    let ver = |v: &str| {
        if site.ver_query {
            format!("?ver={v}")
        } else {
            String::new()
        }
    };
    match site.cms {
        Cms::Custom => {
            h.push_str("<link rel=\"stylesheet\" href=\"/assets/css/style.css\">\n<script src=\"/assets/js/main.js\" defer></script>\n")
        }
        Cms::WordPress => {
            h.push_str(&format!(
                "<link rel=\"stylesheet\" href=\"/wp-includes/css/dist/block-library/style.min.css{v}\">\n<link rel=\"stylesheet\" href=\"/wp-content/themes/{t}/style.css\">\n<script src=\"/wp-includes/js/jquery/jquery.min.js\"></script>\n",
                v = ver(site.cms_version),
                t = site.theme
            ));
            if site.ver_query {
                h.push_str(&format!("<script src=\"/wp-includes/js/wp-emoji-release.min.js?ver={}\"></script>\n", site.cms_version));
            }
        }
        Cms::Joomla => h.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"/templates/{}/css/template.css\">\n<script src=\"/media/system/js/core.js\"></script>\n",
            site.theme
        )),
    }
    if site.feeds_advertised {
        for f in &site.feeds {
            let (ty, label) = match f.kind {
                super::site::FeedKind::Rss => ("application/rss+xml", "RSS"),
                super::site::FeedKind::Atom => ("application/atom+xml", "Atom"),
                super::site::FeedKind::Json => ("application/feed+json", "JSON Feed"),
            };
            let href = if site.cms == Cms::WordPress {
                site.url(&f.path)
            } else {
                f.path.clone()
            };
            h.push_str(&format!(
                "<link rel=\"alternate\" type=\"{ty}\" title=\"{} » Tin tức ({label})\" href=\"{}\">\n",
                esc(&site.school.short),
                esc(&href)
            ));
        }
    }
    let hidden = site.has(F::SpamHidden).then(|| hidden_spam(site));
    if let Some((Some(css), _)) = &hidden {
        h.push_str(&format!("<style>{css}</style>\n"));
    }
    match site.profile.script {
        1 => h.push_str(&format!("<script src=\"{cdn}/js/jquery-3.7.1.min.js\"></script>\n")),
        2 => h.push_str(&format!(
            "<script src=\"{cdn}/js/jquery-3.7.1.min.js\" integrity=\"{}\" crossorigin=\"anonymous\"></script>\n",
            site.w.cdn_sri
        )),
        _ => {}
    }
    if site.has(F::MixedContent) && site.spec.pick(17, 3) != 0 {
        let http_cdn = site.w.origin(false, "cdn.fixture.localhost");
        h.push_str(&format!("<script src=\"{http_cdn}/js/slider.js\"></script>\n"));
    }
    let nonce = if site.profile.csp == 5 {
        format!(" nonce=\"{}\"", site.nonce)
    } else {
        String::new()
    };
    h.push_str(&format!(
        "<script{nonce}>document.documentElement.className += ' js';</script>\n"
    ));
    if is_home && site.has(F::MaliciousRedirect) {
        let t = site.redirect_target();
        match site.redirect {
            RedirectKind::MetaRefresh => {
                if site.spec.pick(23, 2) == 0 {
                    h.push_str(&format!("<meta http-equiv=\"refresh\" content=\"0;url={t}\">\n"));
                } else {
                    h.push_str(&format!("<meta http-equiv=\"Refresh\" content=\"1; URL='{t}'\">\n"));
                }
            }
            RedirectKind::Script => {
                let js = match site.spec.pick(29, 3) {
                    0 => format!("window.location.href = \"{t}\";"),
                    1 => format!("location.replace('{t}');"),
                    _ => format!("setTimeout(function () {{ window.location = \"{t}\"; }}, 300);"),
                };
                h.push_str(&format!("<script{nonce}>{js}</script>\n"));
            }
            RedirectKind::Http302 => {}
        }
    }
    h.push_str("</head>\n<body>\n");
    h.push_str(&format!(
        "<header class=\"site-header\"><p class=\"dept\">ỦY BAN NHÂN DÂN {}</p><h1 class=\"site-title\"><a href=\"/\">{}</a></h1>\n<nav><ul>\n<li><a href=\"/\">Trang chủ</a></li>\n<li><a href=\"{}\">Giới thiệu</a></li>\n<li><a href=\"{}\">Tin tức</a></li>\n",
        esc(&site.school.commune.to_uppercase()),
        esc(&site.school.full),
        site.about_path(),
        site.news_path()
    ));
    if let (Some(d), Some(p)) = (&site.disclosure, site.disclosure_index_path()) {
        h.push_str(&format!("<li><a href=\"{p}\">{}</a></li>\n", esc(d.title)));
    }
    h.push_str(&format!(
        "<li><a href=\"{}\">Liên hệ</a></li>\n</ul></nav></header>\n",
        site.contact_path()
    ));
    h.push_str("<div class=\"container\">\n<main>\n");
    if googlebot {
        h.push_str(&format!(
            "<div class=\"hot-news\"><h2>{}</h2><p>{}</p><p>",
            esc(text::SPAM_TITLES[2]),
            esc(&text::SPAM_SENTENCES[1].replace("{brand}", &brand))
        ));
        for k in 0..3u32 {
            h.push_str(&format!(
                "<a href=\"{}/\">{}</a> ",
                site.gambling_origin(site.gambling + k),
                text::SPAM_PHRASES[k as usize * 4]
            ));
        }
        h.push_str("</p></div>\n");
    }
    h.push_str(main);
    h.push_str("</main>\n<aside>\n");
    if site.has(F::SpamVisible) {
        h.push_str(&format!(
            "<div class=\"widget\"><h3>{}</h3><p>{}</p></div>\n",
            esc(&text::SPAM_TITLES[site.spec.index % 4].replace("{brand}", &brand)),
            esc(&text::SPAM_SENTENCES[(site.spec.index + 2) % text::SPAM_SENTENCES.len()].replace("{brand}", &brand))
        ));
    }
    h.push_str("<div class=\"widget\"><h3>Liên kết website</h3><ul>\n");
    for (label, url) in &site.ext_links {
        h.push_str(&format!("<li><a href=\"{url}\">{label}</a></li>\n"));
    }
    if let Some(b) = site.broken_external.first() {
        h.push_str(&format!("<li><a href=\"{b}\">Văn bản chỉ đạo năm học</a></li>\n"));
    }
    let links_in_sidebar = site.spec.pick(13, 2) == 0;
    if site.has(F::SpamLinks) && links_in_sidebar {
        h.push_str(&spam_links(site));
    }
    h.push_str("</ul></div>\n</aside>\n</div>\n");
    h.push_str(&format!(
        "<footer><p><strong>{}</strong></p><p>Địa chỉ: {}, {} – Điện thoại: {} – Email: {}</p>\n<p>© {} {}. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>\n",
        esc(&site.school.full),
        site.school.commune,
        site.school.province,
        site.school.phone,
        site.school.email,
        site.newest.year(),
        esc(&site.school.full),
    ));
    if site.robots.as_ref().is_some_and(|r| r.trap) {
        h.push_str(&format!("<p><a href=\"{}\">Nội bộ</a></p>\n", Site::TRAP_PATH));
    }
    if site.has(F::SpamLinks) && !links_in_sidebar {
        h.push_str(&format!(
            "<div class=\"partners\"><p>Đối tác:</p><ul>\n{}</ul></div>\n",
            spam_links(site)
        ));
    }
    if let Some((_, html)) = &hidden {
        h.push_str(html);
        h.push('\n');
    }
    h.push_str("</footer>\n</body>\n</html>\n");
    h
}
