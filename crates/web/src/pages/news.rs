//! Sector news (S4.2, S1.1): search over the followed feeds, topics, feeds, and each site's
//! publishing activity. Only institutions' public sites and press feeds are followed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::news::{self as service, RawNewsFilter};
use lanhmang_domain::news::highlight;
use lanhmang_domain::report::vietnam_date;
use lanhmang_store::news::{NewsItem, NewsSort};
use serde::Deserialize;
use time::Date;

use super::units::Choice;
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FilterBox, Layout, Pager, render};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/tin-tuc");
    layout.notice = notice.and_then(|code| match code {
        "da-them" => Some("Đã thêm nguồn tin. Tin sẽ được đọc trong lần cập nhật tới (vài phút)."),
        "da-tao" => Some("Đã tạo chủ đề. Các tin đã có sẽ được xếp vào chủ đề trong ít phút."),
        "da-luu" => Some("Đã lưu chủ đề. Các tin đã có sẽ được xếp lại theo từ khóa mới trong ít phút."),
        "da-xoa" => Some("Đã xóa chủ đề."),
        _ => None,
    });
    layout
}

fn day(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

// ---------------------------------------------------------------------------------------------
// Search.

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    don_vi: String,
    #[serde(default)]
    trang_web: String,
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    #[serde(default)]
    chu_de: String,
    #[serde(default)]
    sap_xep: String,
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

/// One card of the list. `title_html` and `snippet_html` are escaped HTML with the matched words
/// in `<mark>` (`lanhmang_domain::news::highlight`).
pub struct EntryRow {
    pub title_html: String,
    pub url: String,
    /// The site or press feed the entry came from.
    pub source: String,
    /// The unit whose site it is (empty for the press).
    pub unit: String,
    pub date: String,
    pub snippet_html: String,
}

impl EntryRow {
    fn from_item(i: &NewsItem, marks: &[Vec<String>]) -> EntryRow {
        EntryRow {
            title_html: highlight(&i.title, marks),
            // Only web links are shown as links (a feed could carry anything).
            url: if i.url.starts_with("http://") || i.url.starts_with("https://") {
                i.url.clone()
            } else {
                String::new()
            },
            source: i.feed_title.clone(),
            unit: if i.site_id.is_some() {
                i.unit_name.clone()
            } else {
                String::new()
            },
            date: date_time(i.published_at),
            snippet_html: highlight(&i.snippet, marks),
        }
    }
}

#[derive(Template)]
#[template(path = "news_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    units: Option<Vec<Choice>>,
    topics: Vec<Choice>,
    from: String,
    to: String,
    site: String,
    relevance: bool,
    problems: Vec<String>,
    rows: Vec<EntryRow>,
    pager: Pager,
    /// "1234" or "hơn 10.000".
    total_text: String,
    /// A query or a filter narrows the list: the count reads "Tìm thấy N tin".
    filtered: bool,
    filter_box: FilterBox,
    can_manage: bool,
}

pub async fn search(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    // Twenty cards a page unless asked otherwise: fifty made an 18,000 px page on a phone.
    let per_page = match q.per_page.as_deref().map(str::trim) {
        None | Some("") => Some(lanhmang_domain::news::PER_PAGE.to_string()),
        Some(v) => Some(v.to_string()),
    };
    let paging = super::paging(&q.page, &per_page)?;
    let raw = RawNewsFilter {
        q: Some(q.q.clone()),
        unit_id: Some(q.don_vi.clone()),
        site_id: Some(q.trang_web.clone()),
        from: Some(q.tu.clone()),
        to: Some(q.den.clone()),
        topic: Some(q.chu_de.clone()),
        sort: Some(q.sap_xep.clone()),
    };
    let (filter, problems) = match service::news_filter(&state.app, &identity, &raw).await? {
        Ok(f) => (Some(f), Vec::new()),
        Err(p) => (None, p.iter().map(|p| p.message().to_string()).collect()),
    };
    let (items, total, marks) = match &filter {
        Some(f) => {
            let (items, total) = service::search(&state.app, f, paging).await?;
            (items, total, service::matched_words(&state.app, f).await?)
        }
        None => (Vec::new(), 0, Vec::new()),
    };
    let (units, unit_total) = service::units_in_view(&state.app, &identity).await?;
    let chosen_unit = filter.as_ref().and_then(|f| f.unit_id);
    let units = (unit_total > 1).then(|| {
        let base = units.iter().map(|u| u.ancestry.len()).min().unwrap_or(1);
        units
            .iter()
            .map(|u| {
                let indent = "\u{a0}\u{a0}".repeat(u.ancestry.len().saturating_sub(base));
                (
                    u.id.to_string(),
                    format!("{indent}{}", u.name),
                    chosen_unit == Some(u.id),
                )
            })
            .collect()
    });
    let chosen_topic = filter.as_ref().and_then(|f| f.topic_id);
    let topics = service::visible_topics(&state.app, &identity)
        .await?
        .into_iter()
        .map(|t| (t.topic.id.to_string(), t.topic.name, chosen_topic == Some(t.topic.id)))
        .collect();
    let params: Vec<(&str, String)> = vec![
        ("q", q.q.trim().to_string()),
        ("don_vi", q.don_vi.trim().to_string()),
        ("trang_web", q.trang_web.trim().to_string()),
        ("tu", q.tu.trim().to_string()),
        ("den", q.den.trim().to_string()),
        ("chu_de", q.chu_de.trim().to_string()),
        ("sap_xep", q.sap_xep.trim().to_string()),
        ("per_page", q.per_page.clone().unwrap_or_default()),
    ];
    let filtered = params
        .iter()
        .any(|(k, v)| *k != "per_page" && *k != "sap_xep" && !v.is_empty());
    let response = render(&SearchPage {
        layout: layout("Tin tức ngành", &identity, q.tb.as_deref()),
        q: q.q.trim().to_string(),
        units,
        topics,
        from: q.tu.trim().to_string(),
        to: q.den.trim().to_string(),
        site: q.trang_web.trim().to_string(),
        relevance: filter.as_ref().is_some_and(|f| f.sort == NewsSort::Relevance),
        rows: items.iter().map(|i| EntryRow::from_item(i, &marks)).collect(),
        pager: Pager::new("/tin-tuc", &params, paging, total),
        total_text: if total > lanhmang_store::news::COUNT_CAP {
            "hơn 10.000".to_string()
        } else {
            total.to_string()
        },
        filtered,
        filter_box: FilterBox::of(&[&q.q, &q.don_vi, &q.chu_de, &q.tu, &q.den, &q.trang_web]),
        can_manage: service::can_manage(&identity),
        problems: problems.clone(),
    })?;
    if problems.is_empty() {
        Ok(response)
    } else {
        let mut response = response;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(response)
    }
}

// ---------------------------------------------------------------------------------------------
// Topics.

pub struct TopicRow {
    pub id: i64,
    pub name: String,
    pub owner: String,
    pub keywords: Vec<String>,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "news_topics.html")]
struct TopicsPage {
    layout: Layout,
    rows: Vec<TopicRow>,
    /// Where a new topic may belong (empty: the person cannot add topics).
    owners: Vec<Choice>,
    name: String,
    keywords: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    tb: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct TopicForm {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    keywords: String,
}

async fn topics_page(
    state: &AppState,
    identity: &Identity,
    notice: Option<&str>,
    form: &TopicForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let rows = service::visible_topics(&state.app, identity)
        .await?
        .into_iter()
        .map(|t| TopicRow {
            id: t.topic.id,
            keywords: t.topic.keyword_list(),
            name: t.topic.name,
            owner: t.owner,
            editable: t.editable,
        })
        .collect();
    let chosen = form.owner.trim();
    let owners = service::topic_owners(&state.app, identity)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let value = id.map(|i| i.to_string()).unwrap_or_default();
            let selected = value == chosen;
            (value, name, selected)
        })
        .collect();
    let failed = error.is_some();
    let mut response = render(&TopicsPage {
        layout: layout("Chủ đề tin tức", identity, notice),
        rows,
        owners,
        name: form.name.clone(),
        keywords: form.keywords.clone(),
        error,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn topics(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    topics_page(&state, &identity, q.tb.as_deref(), &TopicForm::default(), None).await
}

pub async fn create_topic(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<TopicForm>,
) -> Result<Response, AppError> {
    match service::create_topic(&state.app, &identity, &form.owner, &form.name, &form.keywords).await {
        Ok(_) => Ok(Redirect::to("/tin-tuc/chu-de?tb=da-tao").into_response()),
        Err(lanhmang_app::AppError::Invalid(p)) => {
            topics_page(
                &state,
                &identity,
                None,
                &form,
                Some(lanhmang_app::error::messages(&p).join(" ")),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "news_topic_edit.html")]
struct TopicEditPage {
    layout: Layout,
    id: i64,
    name: String,
    keywords: String,
    error: Option<String>,
}

pub async fn edit_topic_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let topic = service::editable_topic(&state.app, &identity, parse_id(&id)?).await?;
    render(&TopicEditPage {
        layout: layout("Sửa chủ đề", &identity, None),
        id: topic.id,
        name: topic.name,
        keywords: topic.keywords,
        error: None,
    })
}

pub async fn update_topic(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<TopicForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match service::update_topic(&state.app, &identity, id, &form.name, &form.keywords).await {
        Ok(_) => Ok(Redirect::to("/tin-tuc/chu-de?tb=da-luu").into_response()),
        Err(lanhmang_app::AppError::Invalid(p)) => {
            let mut response = render(&TopicEditPage {
                layout: layout("Sửa chủ đề", &identity, None),
                id,
                name: form.name,
                keywords: form.keywords,
                error: Some(lanhmang_app::error::messages(&p).join(" ")),
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_topic(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    service::delete_topic(&state.app, &identity, parse_id(&id)?).await?;
    Ok(Redirect::to("/tin-tuc/chu-de?tb=da-xoa").into_response())
}

// ---------------------------------------------------------------------------------------------
// Feeds.

pub struct FeedRow {
    pub url: String,
    pub title: String,
    pub kind: &'static str,
    pub unit_name: String,
    pub status: String,
    pub status_class: &'static str,
    pub last_polled: String,
    pub entries: i64,
}

#[derive(Template)]
#[template(path = "news_feeds.html")]
struct FeedsPage {
    layout: Layout,
    rows: Vec<FeedRow>,
    pager: Pager,
    offices: Vec<Choice>,
    url: String,
    title: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct FeedsQuery {
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct FeedForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    don_vi: String,
}

async fn feeds_page(
    state: &AppState,
    identity: &Identity,
    q: &FeedsQuery,
    form: &FeedForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let (feeds, total) = service::feeds(&state.app, identity, paging).await?;
    let rows = feeds
        .iter()
        .map(|f| {
            let (status, class) = match f.last_status.as_str() {
                "ok" => ("Đọc được".to_string(), "ok"),
                "not_modified" => ("Không có tin mới".to_string(), "ok"),
                "error" => (
                    format!("Lỗi ({} lần liên tiếp): {}", f.consecutive_failures, f.last_error),
                    "bad",
                ),
                _ => ("Chưa đọc lần nào".to_string(), ""),
            };
            FeedRow {
                url: f.url.clone(),
                title: f.title.clone(),
                kind: match f.kind {
                    lanhmang_store::news::FeedKind::Press => "Báo chí",
                    lanhmang_store::news::FeedKind::Site => "Trang web đơn vị",
                },
                unit_name: f.unit_name.clone(),
                status,
                status_class: class,
                last_polled: f.last_polled_at.map(date_time).unwrap_or_else(|| "—".into()),
                entries: f.entries,
            }
        })
        .collect();
    let offices = service::managed_offices(&state.app, identity)
        .await?
        .iter()
        .map(|u| (u.id.to_string(), u.name.clone(), form.don_vi.trim() == u.id.to_string()))
        .collect();
    let failed = error.is_some();
    let mut response = render(&FeedsPage {
        layout: layout("Nguồn tin", identity, q.tb.as_deref()),
        rows,
        pager: Pager::new(
            "/tin-tuc/nguon",
            &[("per_page", q.per_page.clone().unwrap_or_default())],
            paging,
            total,
        ),
        offices,
        url: form.url.clone(),
        title: form.title.clone(),
        error,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn feeds(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<FeedsQuery>,
) -> Result<Response, AppError> {
    feeds_page(&state, &identity, &q, &FeedForm::default(), None).await
}

pub async fn add_feed(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<FeedForm>,
) -> Result<Response, AppError> {
    match service::add_press_feed(&state.app, &identity, &form.don_vi, &form.url, &form.title).await {
        Ok(_) => Ok(Redirect::to("/tin-tuc/nguon?tb=da-them").into_response()),
        Err(lanhmang_app::AppError::Invalid(p)) => {
            let message = lanhmang_app::error::messages(&p).join(" ");
            feeds_page(&state, &identity, &FeedsQuery::default(), &form, Some(message)).await
        }
        Err(lanhmang_app::AppError::Conflict(m)) => {
            feeds_page(&state, &identity, &FeedsQuery::default(), &form, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Publishing activity.

pub struct ActivityRow {
    pub unit_name: String,
    pub urls: Vec<String>,
    pub feeds: i64,
    pub entries: i64,
    /// "2,5", or "—" when the sites have no feed.
    pub per_month: String,
    pub last: String,
    pub idle: bool,
}

#[derive(Template)]
#[template(path = "news_activity.html")]
struct ActivityPage {
    layout: Layout,
    period: String,
    rows: Vec<ActivityRow>,
    pager: Pager,
}

pub async fn activity(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<FeedsQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let today = vietnam_date(lanhmang_store::now());
    let ((from, to), units, total) = service::unit_activity(&state.app, &identity, today, paging).await?;
    let rows = units
        .into_iter()
        .map(|r| ActivityRow {
            per_month: r.per_month.map(|p| p.text()).unwrap_or_else(|| "—".into()),
            last: r
                .activity
                .last_published_at
                .map(date_time)
                .unwrap_or_else(|| "—".into()),
            idle: r.activity.entries == 0,
            unit_name: r.activity.unit_name,
            urls: r.activity.site_urls,
            feeds: r.activity.feeds,
            entries: r.activity.entries,
        })
        .collect();
    render(&ActivityPage {
        layout: layout("Hoạt động đăng tin", &identity, None),
        period: format!("{} – {}", day(from), day(to)),
        rows,
        pager: Pager::new(
            "/tin-tuc/hoat-dong",
            &[("per_page", q.per_page.clone().unwrap_or_default())],
            paging,
            total,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_ids() {
        assert_eq!(
            day(Date::from_calendar_date(2026, time::Month::March, 5).unwrap()),
            "05/03/2026"
        );
    }
}
