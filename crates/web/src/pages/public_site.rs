//! The public site of every office and school (`/trang/{code}`), the sitemap and robots.txt.
//!
//! Built for sharing and for slow phones: no script, no cookie, no request to anyone else;
//! Open Graph, Twitter card and schema.org data so that a link shared on Facebook or Zalo shows
//! its title, summary and photo; every answer carries an `ETag` and a `Last-Modified` and answers
//! a conditional request with 304. Caches keep pages but revalidate before each use, so a story
//! taken down after a withdrawn consent leaves at once while an unchanged page costs a 304.
//! What is public is decided in `lanhmang_app::public_site`.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lanhmang_app::public_site::{self as service, FeedKind, PublicHome, PublicStory};
use lanhmang_domain::UnitKind;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::parse_id;
use crate::AppState;
use crate::error::AppError;

/// Caches may keep a public answer but must ask again before each use (a 304 when nothing
/// changed): a story taken down after a withdrawn consent leaves every reader's screen at once.
const MAX_AGE: &str = "public, no-cache";

/// A validator for `body`: the first 16 bytes of its SHA-256, as a strong ETag.
fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

fn http_date(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(HTTP_DATE).unwrap_or_default()
}

fn parse_http_date(raw: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(raw.trim(), HTTP_DATE)
        .ok()
        .map(|t| t.assume_utc())
}

/// Whether the client already holds this answer: `If-None-Match` decides when sent (weak
/// comparison, as RFC 9110 asks for GET), else `If-Modified-Since`.
fn fresh(request: &HeaderMap, etag: &str, changed: OffsetDateTime) -> bool {
    if let Some(tags) = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        let ours = etag.trim_start_matches("W/");
        return tags
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == ours);
    }
    request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|since| changed.replace_nanosecond(0).unwrap_or(changed) <= since)
}

/// A public answer with its validators; 304 without a body when the client holds it.
fn cached(request: &HeaderMap, body: Vec<u8>, content_type: &'static str, changed: OffsetDateTime) -> Response {
    let etag = etag_of(&body);
    let fresh = fresh(request, &etag, changed);
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(body))
    };
    let h = response.headers_mut();
    if !fresh {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(MAX_AGE));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(changed)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    response
}

fn html(request: &HeaderMap, page: &impl Template, changed: OffsetDateTime) -> Result<Response, AppError> {
    let body = page.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(cached(request, body.into_bytes(), "text/html; charset=utf-8", changed))
}

/// The absolute address of a path, as configured.
fn absolute(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    super::absolute_url(state, headers, path)
}

/// A string as a JSON value inside a `<script type="application/ld+json">` block: `<` is
/// escaped so no text can close the block.
fn json_ld(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A story in a public list.
pub struct StoryCard {
    href: String,
    title: String,
    summary: String,
    date: String,
    unit_name: String,
    photo: Option<String>,
}

/// What every public page's head carries.
pub struct Meta {
    title: String,
    description: String,
    canonical: String,
    feed: String,
    feed_title: String,
    image: Option<String>,
    kind: &'static str,
    json_ld: String,
    asset_version: &'static str,
}

#[derive(Template)]
#[template(path = "public_home.html")]
struct HomePage {
    meta: Meta,
    unit_name: String,
    unit_kind: &'static str,
    code: String,
    is_school: bool,
    parent: Option<(String, String)>,
    address: String,
    stories: Vec<StoryCard>,
    page: i64,
    more: bool,
    clarifications: Vec<(i64, String, String, bool)>,
    guides: Vec<(&'static str, String, String)>,
    figures: Option<lanhmang_app::public_site::OfficeFigures>,
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    trang: Option<String>,
}

fn day(t: OffsetDateTime) -> String {
    lanhmang_domain::text::date_text(lanhmang_domain::report::vietnam_date(t))
}

fn home_page(state: &AppState, headers: &HeaderMap, h: &PublicHome) -> HomePage {
    let code = &h.unit.code;
    let path = if h.page > 1 {
        format!("/trang/{code}?trang={}", h.page)
    } else {
        format!("/trang/{code}")
    };
    let description = format!(
        "Trang công khai của {}: những câu chuyện đẹp về thầy cô và học sinh, thông tin đính chính, \
         tài liệu cho cha mẹ và nơi phản ánh nội dung xấu độc trên mạng.",
        h.unit.name
    );
    let org = serde_json::json!({
        "@context": "https://schema.org",
        "@type": if h.unit.kind == UnitKind::School { "School" } else { "EducationalOrganization" },
        "name": h.unit.name,
        "url": absolute(state, headers, &format!("/trang/{code}")),
        "address": h.unit.address,
        "parentOrganization": h.parent.as_ref().map(|p| serde_json::json!({"@type": "EducationalOrganization", "name": p.name})),
    });
    HomePage {
        meta: Meta {
            title: h.unit.name.clone(),
            description,
            canonical: absolute(state, headers, &path),
            feed: absolute(state, headers, &format!("/trang/{code}/tin.atom")),
            feed_title: format!("Tin của {}", h.unit.name),
            image: h.stories.iter().find_map(|s| {
                s.photo_id
                    .map(|p| absolute(state, headers, &format!("/trang/{code}/cau-chuyen/{}/anh/{p}", s.id)))
            }),
            kind: "website",
            json_ld: json_ld(&org),
            asset_version: crate::static_files::ASSET_VERSION,
        },
        unit_name: h.unit.name.clone(),
        unit_kind: h.unit.kind.label(),
        code: code.clone(),
        is_school: h.unit.kind == UnitKind::School,
        parent: h.parent.as_ref().map(|p| (p.code.clone(), p.name.clone())),
        address: h.unit.address.clone(),
        stories: h
            .stories
            .iter()
            .map(|s| StoryCard {
                href: format!("/trang/{code}/cau-chuyen/{}", s.id),
                title: s.title.clone(),
                summary: service::excerpt(&s.body, 220),
                date: day(s.published_at),
                unit_name: s.unit_name.clone(),
                photo: s.photo_id.map(|p| format!("/trang/{code}/cau-chuyen/{}/anh/{p}", s.id)),
            })
            .collect(),
        page: h.page,
        more: h.more,
        clarifications: h
            .clarifications
            .iter()
            .map(|c| {
                (
                    c.id,
                    c.title.clone(),
                    day(c.withdrawn_at.or(c.published_at).unwrap_or(c.updated_at)),
                    c.withdrawn_at.is_some(),
                )
            })
            .collect(),
        guides: h
            .guides
            .iter()
            .map(|g| (g.slug, g.title.clone(), g.summary.clone()))
            .collect(),
        figures: h.figures.clone(),
    }
}

async fn count(state: &AppState, unit_id: i64) {
    // A visit that could not be counted must not cost the visitor the page.
    if let Err(e) = service::count_visit(&state.app, unit_id).await {
        tracing::warn!(error = %e, "public visits not written");
    }
}

pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<HomeQuery>,
) -> Result<Response, AppError> {
    let page = match q.trang.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .ok_or_else(|| AppError::BadRequest("Số trang không hợp lệ.".into()))?,
    };
    render_home(&state, &headers, &code, page).await
}

/// A unit's public home, at `/trang/{code}` or at the root of the unit's own domain.
pub(crate) async fn render_home(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    page: i64,
) -> Result<Response, AppError> {
    let h = service::home(&state.app, code, page).await?;
    count(state, h.unit.id).await;
    html(headers, &home_page(state, headers, &h), h.changed_at)
}

#[derive(Template)]
#[template(path = "public_disclosure.html")]
struct DisclosurePage {
    meta: Meta,
    code: String,
    unit_name: String,
    is_school: bool,
    websites: Vec<String>,
    parts: Vec<&'static str>,
}

/// Where the unit publishes what Circular 09/2024/TT-BGDĐT asks a school to publish: the parts,
/// by the names the inspector looks for, and the unit's own websites that carry them.
pub async fn disclosure(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let h = service::home(&state.app, &code, 1).await?;
    let unit = &h.unit;
    let path = format!("/trang/{}/cong-khai", unit.code);
    let page = DisclosurePage {
        meta: Meta {
            title: format!("Thông tin công khai · {}", unit.name),
            description: format!(
                "Nơi {} công khai thông tin theo Thông tư 09/2024/TT-BGDĐT, và những gì trang này công khai.",
                unit.name
            ),
            canonical: absolute(&state, &headers, &path),
            feed: absolute(&state, &headers, &format!("/trang/{}/tin.atom", unit.code)),
            feed_title: format!("Tin của {}", unit.name),
            image: None,
            kind: "website",
            json_ld: json_ld(&serde_json::json!({
                "@context": "https://schema.org", "@type": "WebPage", "name": format!("Thông tin công khai · {}", unit.name),
                "url": absolute(&state, &headers, &path),
            })),
            asset_version: crate::static_files::ASSET_VERSION,
        },
        code: unit.code.clone(),
        unit_name: unit.name.clone(),
        is_school: unit.kind == UnitKind::School,
        websites: unit.websites.clone(),
        parts: lanhmang_domain::finding::DISCLOSURE_PARTS
            .iter()
            .map(|(name, _)| *name)
            .collect(),
    };
    count(&state, unit.id).await;
    html(&headers, &page, unit.updated_at)
}

#[derive(Template)]
#[template(path = "public_story.html")]
struct StoryPage {
    meta: Meta,
    code: String,
    unit_name: String,
    date: String,
    iso_date: String,
    paragraphs: Vec<String>,
    /// (large, small, caption, width, height)
    photos: Vec<(String, String, String, i64, i64)>,
}

fn story_page(state: &AppState, headers: &HeaderMap, p: &PublicStory) -> StoryPage {
    let code = &p.unit.code;
    let s = &p.story;
    let base = format!("/trang/{code}/cau-chuyen/{}", s.id);
    let photos: Vec<(String, String, String, i64, i64)> = p
        .photos
        .iter()
        .map(|f| {
            (
                format!("{base}/anh/{}", f.id),
                format!("{base}/anh/{}/nho", f.id),
                f.caption.clone(),
                f.width,
                f.height,
            )
        })
        .collect();
    let canonical = absolute(
        state,
        headers,
        &format!("/trang/{}/cau-chuyen/{}", p.canonical_code, s.id),
    );
    let summary = service::excerpt(&s.body, 200);
    let image = photos.first().map(|f| absolute(state, headers, &f.0));
    let article = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": s.title,
        "description": summary,
        "datePublished": p.published_at.format(&Rfc3339).unwrap_or_default(),
        "mainEntityOfPage": canonical,
        "image": image.iter().collect::<Vec<_>>(),
        "author": {"@type": "EducationalOrganization", "name": s.unit_name},
        "publisher": {"@type": "EducationalOrganization", "name": p.unit.name},
    });
    StoryPage {
        meta: Meta {
            title: s.title.clone(),
            description: summary,
            canonical,
            feed: absolute(state, headers, &format!("/trang/{code}/tin.atom")),
            feed_title: format!("Tin của {}", p.unit.name),
            image,
            kind: "article",
            json_ld: json_ld(&article),
            asset_version: crate::static_files::ASSET_VERSION,
        },
        code: code.clone(),
        unit_name: p.unit.name.clone(),
        date: day(p.published_at),
        iso_date: p.published_at.format(&Rfc3339).unwrap_or_default(),
        paragraphs: s
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        photos,
    }
}

pub async fn story(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = service::story(&state.app, &code, parse_id(&id)?).await?;
    count(&state, p.unit.id).await;
    let changed = p.published_at;
    html(&headers, &story_page(&state, &headers, &p), changed)
}

async fn photo_bytes(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    id: &str,
    photo: &str,
    small: bool,
) -> Result<Response, AppError> {
    let story_id = parse_id(id)?;
    let p = service::story(&state.app, code, story_id).await?;
    let bytes = service::photo(&state.app, code, story_id, parse_id(photo)?, small).await?;
    Ok(cached(headers, bytes, "image/jpeg", p.published_at))
}

pub async fn photo(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, id, photo)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    photo_bytes(&state, &headers, &code, &id, &photo, false).await
}

pub async fn photo_small(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, id, photo)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    photo_bytes(&state, &headers, &code, &id, &photo, true).await
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn atom(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    kind: FeedKind,
    file: &str,
) -> Result<Response, AppError> {
    let (unit, entries) = service::feed(&state.app, code, kind).await?;
    let rfc = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(unit.updated_at);
    let self_url = absolute(state, headers, &format!("/trang/{}/{file}", unit.code));
    let title = match kind {
        FeedKind::All => format!("Tin của {}", unit.name),
        FeedKind::Stories => format!("Câu chuyện đẹp của {}", unit.name),
        FeedKind::Clarifications => format!("Thông tin đính chính: {}", unit.name),
    };
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("<title>{}</title>\n", xml(&title)));
    out.push_str(&format!("<id>{}</id>\n", xml(&self_url)));
    out.push_str(&format!("<link rel=\"self\" href=\"{}\"/>\n", xml(&self_url)));
    out.push_str(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml(&absolute(state, headers, &format!("/trang/{}", unit.code)))
    ));
    out.push_str(&format!("<updated>{}</updated>\n", rfc(updated)));
    out.push_str(&format!("<author><name>{}</name></author>\n", xml(&unit.name)));
    for e in &entries {
        let url = absolute(state, headers, &e.path);
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", xml(&e.title)));
        out.push_str(&format!("<id>{}</id>\n<link href=\"{}\"/>\n", xml(&url), xml(&url)));
        out.push_str(&format!("<updated>{}</updated>\n", rfc(e.updated)));
        out.push_str(&format!("<author><name>{}</name></author>\n", xml(&e.author)));
        out.push_str(&format!("<summary>{}</summary>\n", xml(&e.summary)));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    let changed = updated.max(
        state
            .app
            .store
            .last_unpublished(match unit.kind {
                UnitKind::School | UnitKind::Other => lanhmang_domain::story::Purpose::SchoolSite,
                _ => lanhmang_domain::story::Purpose::OfficeSite,
            })
            .await
            .map_err(lanhmang_app::AppError::from)?
            .unwrap_or(updated),
    );
    Ok(cached(
        headers,
        out.into_bytes(),
        "application/atom+xml; charset=utf-8",
        changed,
    ))
}

pub async fn feed_all(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    atom(&state, &headers, &code, FeedKind::All, "tin.atom").await
}

pub async fn feed_stories(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    atom(&state, &headers, &code, FeedKind::Stories, "cau-chuyen.atom").await
}

pub async fn feed_clarifications(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    atom(&state, &headers, &code, FeedKind::Clarifications, "dinh-chinh.atom").await
}

/// Every public page and published story, for search engines.
pub async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let entries = service::sitemap(&state.app).await?;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut changed = OffsetDateTime::UNIX_EPOCH;
    for e in &entries {
        changed = changed.max(e.changed);
        out.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            xml(&absolute(&state, &headers, &e.path)),
            e.changed.format(&Rfc3339).unwrap_or_default()
        ));
    }
    out.push_str("</urlset>\n");
    Ok(cached(
        &headers,
        out.into_bytes(),
        "application/xml; charset=utf-8",
        changed,
    ))
}

/// What robots may read: the public pages only; the sitemap names them.
pub async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /trang/\nAllow: /cong-khai/\nAllow: /cha-me\nDisallow: /\n\nSitemap: {}\n",
        absolute(&state, &headers, "/sitemap.xml")
    );
    cached(
        &headers,
        body.into_bytes(),
        "text/plain; charset=utf-8",
        OffsetDateTime::UNIX_EPOCH,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators() {
        let t = time::macros::datetime!(2026-12-07 08:49:37 UTC);
        assert_eq!(http_date(t), "Mon, 07 Dec 2026 08:49:37 GMT");
        assert_eq!(parse_http_date("Mon, 07 Dec 2026 08:49:37 GMT"), Some(t));
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"abc\""));
        assert!(fresh(&h, "\"abc\"", t));
        assert!(!fresh(&h, "\"abd\"", t));
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Mon, 07 Dec 2026 08:49:37 GMT"),
        );
        assert!(fresh(&h, "\"abc\"", t + time::Duration::milliseconds(400)));
        assert!(!fresh(&h, "\"abc\"", t + time::Duration::seconds(1)));
    }

    #[test]
    fn structured_data_cannot_close_its_block() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        assert!(!json_ld(&v).contains("</script"));
    }
}
