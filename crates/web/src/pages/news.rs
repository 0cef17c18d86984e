//! Sector news (S4.2, S1.1): search over the followed feeds, topics, feeds, and each site's
//! publishing activity. Only institutions' public sites and press feeds are followed.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::permission::{can_somewhere, scope_roots};
use lanhmang_domain::plan::parse_date;
use lanhmang_domain::report::vietnam_date;
use lanhmang_domain::{Action, Paging, Target, UnitKind, authorize};
use lanhmang_store::UnitFilter;
use lanhmang_store::news::{NewsFilter, NewsItem, NewsSort, NewsTopic};
use serde::Deserialize;
use time::{Date, Duration};

use super::units::Choice;
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::{ClientIp, Identity};
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{Layout, Pager, render};

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

/// Every unit on the path from the roots to the person's own units: whose topics they see.
async fn topic_units(state: &AppState, identity: &Identity) -> Result<Vec<i64>, AppError> {
    let units = lanhmang_app::plans::grant_units(&state.app, identity).await?;
    let ids: BTreeSet<i64> = units.iter().flat_map(|u| u.ancestry.iter().copied()).collect();
    Ok(ids.into_iter().collect())
}

/// Whether the person may change a topic: a default needs the system administrator, an
/// office's topic someone who manages news for that office.
async fn may_manage_topic(state: &AppState, identity: &Identity, topic: &NewsTopic) -> Result<bool, AppError> {
    Ok(match topic.unit_id {
        None => authorize(&identity.permissions, Action::ManageNews, Target::System),
        Some(u) => match state.store.unit(u).await? {
            Some(unit) => authorize(&identity.permissions, Action::ManageNews, Target::Unit(&unit.ancestry)),
            None => false,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Filters, shared with the API.

/// The raw filter values, by their meaning (the page and the API name them differently).
#[derive(Debug, Default, Clone)]
pub struct RawNewsFilter {
    pub q: Option<String>,
    pub unit_id: Option<String>,
    pub site_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub topic: Option<String>,
    pub sort: Option<String>,
}

/// Why a filter could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterProblem {
    /// Malformed input, with the reason.
    Invalid(String),
    /// A unit, site or topic outside the person's scope (or that does not exist).
    OutOfScope(String),
}

impl FilterProblem {
    pub fn message(&self) -> &str {
        match self {
            FilterProblem::Invalid(m) | FilterProblem::OutOfScope(m) => m,
        }
    }
}

fn blank(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_positive(raw: &str, what: &str) -> Result<i64, FilterProblem> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        FilterProblem::Invalid(format!(
            "Mã {what} «{}» không hợp lệ (phải là số nguyên dương).",
            shown(raw)
        ))
    })
}

fn shown(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(60).collect()
}

fn parse_day(raw: &str, what: &str) -> Result<Date, FilterProblem> {
    parse_date(raw).map_err(|_| {
        FilterProblem::Invalid(format!(
            "{what} «{}» không hợp lệ (dùng dạng 2026-10-15 hoặc 15/10/2026).",
            shown(raw)
        ))
    })
}

/// Checks every filter against the person's scope; the first problem found is returned.
pub async fn news_filter(
    state: &AppState,
    identity: &Identity,
    raw: &RawNewsFilter,
) -> Result<Result<NewsFilter, Vec<FilterProblem>>, AppError> {
    let mut problems = Vec::new();
    let mut filter = NewsFilter {
        roots: scope_roots(&identity.permissions, Action::ViewNews),
        query: blank(&raw.q).map(|q| q.chars().take(200).collect()),
        ..Default::default()
    };
    if let Some(v) = blank(&raw.unit_id) {
        match parse_positive(v, "đơn vị") {
            Ok(id) => match state.store.unit(id).await? {
                Some(u) if authorize(&identity.permissions, Action::ViewNews, Target::Unit(&u.ancestry)) => {
                    filter.unit_id = Some(id)
                }
                _ => problems.push(FilterProblem::OutOfScope(
                    "Đơn vị đã chọn không có hoặc không thuộc phạm vi của bạn.".into(),
                )),
            },
            Err(p) => problems.push(p),
        }
    }
    if let Some(v) = blank(&raw.site_id) {
        match parse_positive(v, "trang web") {
            Ok(id) => {
                let unit = match state.store.news_site_unit(id).await? {
                    Some(u) => state.store.unit(u).await?,
                    None => None,
                };
                match unit {
                    Some(u) if authorize(&identity.permissions, Action::ViewNews, Target::Unit(&u.ancestry)) => {
                        filter.site_id = Some(id)
                    }
                    _ => problems.push(FilterProblem::OutOfScope(
                        "Trang web đã chọn không có hoặc không thuộc phạm vi của bạn.".into(),
                    )),
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if let Some(v) = blank(&raw.from) {
        match parse_day(v, "Ngày bắt đầu") {
            Ok(d) => filter.from = Some(d),
            Err(p) => problems.push(p),
        }
    }
    if let Some(v) = blank(&raw.to) {
        match parse_day(v, "Ngày kết thúc") {
            Ok(d) => filter.to = Some(d),
            Err(p) => problems.push(p),
        }
    }
    if let (Some(a), Some(b)) = (filter.from, filter.to)
        && a > b
    {
        problems.push(FilterProblem::Invalid("Ngày bắt đầu đang sau ngày kết thúc.".into()));
    }
    if let Some(v) = blank(&raw.topic) {
        match parse_positive(v, "chủ đề") {
            Ok(id) => {
                let visible = topic_units(state, identity).await?;
                match state.store.news_topic(id).await? {
                    Some(t) if t.unit_id.is_none_or(|u| visible.contains(&u)) => filter.topic_id = Some(id),
                    _ => problems.push(FilterProblem::OutOfScope("Chủ đề đã chọn không có.".into())),
                }
            }
            Err(p) => problems.push(p),
        }
    }
    match blank(&raw.sort) {
        None | Some("newest") | Some("moi-nhat") => {}
        Some("relevance") | Some("phu-hop") => filter.sort = NewsSort::Relevance,
        Some(other) => problems.push(FilterProblem::Invalid(format!(
            "Cách sắp xếp «{}» không hợp lệ (newest hoặc relevance).",
            shown(other)
        ))),
    }
    Ok(if problems.is_empty() { Ok(filter) } else { Err(problems) })
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

pub struct EntryRow {
    pub title: String,
    pub url: String,
    pub source: String,
    pub date: String,
    pub snippet: String,
}

impl EntryRow {
    fn from_item(i: &NewsItem) -> EntryRow {
        let source = if i.unit_name.is_empty() || i.site_id.is_none() {
            i.feed_title.clone()
        } else {
            format!("{} · {}", i.unit_name, i.feed_title)
        };
        EntryRow {
            title: i.title.clone(),
            // Only web links are shown as links (a feed could carry anything).
            url: if i.url.starts_with("http://") || i.url.starts_with("https://") {
                i.url.clone()
            } else {
                String::new()
            },
            source,
            date: date_time(i.published_at),
            snippet: i.snippet.clone(),
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
    /// "1.234" or "hơn 10.000".
    total_text: String,
    filtered: bool,
    can_manage: bool,
}

pub async fn search(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let raw = RawNewsFilter {
        q: Some(q.q.clone()),
        unit_id: Some(q.don_vi.clone()),
        site_id: Some(q.trang_web.clone()),
        from: Some(q.tu.clone()),
        to: Some(q.den.clone()),
        topic: Some(q.chu_de.clone()),
        sort: Some(q.sap_xep.clone()),
    };
    let (filter, problems) = match news_filter(&state, &identity, &raw).await? {
        Ok(f) => (Some(f), Vec::new()),
        Err(p) => (None, p.iter().map(|p| p.message().to_string()).collect()),
    };
    let (items, total) = match &filter {
        Some(f) => state.store.search_news(f, paging).await?,
        None => (Vec::new(), 0),
    };
    let roots = scope_roots(&identity.permissions, Action::ViewNews);
    let (units, unit_total) = state
        .store
        .list_units(&roots, &UnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await?;
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
    let topics = state
        .store
        .news_topics(&topic_units(&state, &identity).await?)
        .await?
        .into_iter()
        .map(|t| (t.id.to_string(), t.name, chosen_topic == Some(t.id)))
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
        rows: items.iter().map(EntryRow::from_item).collect(),
        pager: Pager::new("/tin-tuc", &params, paging, total),
        total_text: if total > lanhmang_store::news::COUNT_CAP {
            "hơn 10.000".to_string()
        } else {
            total.to_string()
        },
        filtered,
        can_manage: can_somewhere(&identity.permissions, Action::ManageNews),
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

/// Offices (and, for the system administrator, "every unit") a new topic may belong to.
async fn topic_owners(state: &AppState, identity: &Identity, chosen: &str) -> Result<Vec<Choice>, AppError> {
    let mut out = Vec::new();
    if authorize(&identity.permissions, Action::ManageNews, Target::System) {
        out.push(("".to_string(), "Mặc định cho mọi đơn vị".to_string(), chosen.is_empty()));
    }
    let roots = scope_roots(&identity.permissions, Action::ManageNews);
    let (units, _) = state
        .store
        .list_units(&roots, &UnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await?;
    for u in units.iter().filter(|u| u.kind != UnitKind::School) {
        let id = u.id.to_string();
        let selected = chosen == id;
        out.push((id, u.name.clone(), selected));
    }
    Ok(out)
}

async fn topics_page(
    state: &AppState,
    identity: &Identity,
    notice: Option<&str>,
    form: &TopicForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let topics = state.store.news_topics(&topic_units(state, identity).await?).await?;
    let mut rows = Vec::new();
    for t in &topics {
        let owner = match t.unit_id {
            None => "Mặc định".to_string(),
            Some(u) => state.store.unit(u).await?.map(|u| u.name).unwrap_or_default(),
        };
        rows.push(TopicRow {
            id: t.id,
            name: t.name.clone(),
            owner,
            keywords: t.keyword_list(),
            editable: may_manage_topic(state, identity, t).await?,
        });
    }
    let owners = if can_somewhere(&identity.permissions, Action::ManageNews) {
        topic_owners(state, identity, &form.owner).await?
    } else {
        Vec::new()
    };
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
    ip: ClientIp,
    PageForm(form): PageForm<TopicForm>,
) -> Result<Response, AppError> {
    let owner = match form.owner.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .map_err(|_| AppError::BadRequest("Đơn vị đã chọn không hợp lệ.".into()))?,
        ),
    };
    let allowed = match owner {
        None => authorize(&identity.permissions, Action::ManageNews, Target::System),
        Some(u) => match state.store.unit(u).await? {
            Some(unit) => authorize(&identity.permissions, Action::ManageNews, Target::Unit(&unit.ancestry)),
            None => false,
        },
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    match state
        .store
        .create_news_topic(&identity.audit(&ip), owner, &form.name, &form.keywords)
        .await
    {
        Ok(_) => Ok(Redirect::to("/tin-tuc/chu-de?tb=da-tao").into_response()),
        Err(lanhmang_store::StoreError::Conflict(m)) => topics_page(&state, &identity, None, &form, Some(m)).await,
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

async fn editable_topic(state: &AppState, identity: &Identity, raw_id: &str) -> Result<NewsTopic, AppError> {
    let id = parse_id(raw_id)?;
    let topic = state.store.news_topic(id).await?.ok_or(AppError::NotFound)?;
    if may_manage_topic(state, identity, &topic).await? {
        return Ok(topic);
    }
    let visible = topic_units(state, identity).await?;
    // A topic the person cannot even see does not exist for them.
    Err(if topic.unit_id.is_none_or(|u| visible.contains(&u)) {
        AppError::Forbidden
    } else {
        AppError::NotFound
    })
}

pub async fn edit_topic_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let topic = editable_topic(&state, &identity, &id).await?;
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
    ip: ClientIp,
    Path(id): Path<String>,
    PageForm(form): PageForm<TopicForm>,
) -> Result<Response, AppError> {
    let topic = editable_topic(&state, &identity, &id).await?;
    match state
        .store
        .update_news_topic(&identity.audit(&ip), topic.id, &form.name, &form.keywords)
        .await
    {
        Ok(_) => Ok(Redirect::to("/tin-tuc/chu-de?tb=da-luu").into_response()),
        Err(lanhmang_store::StoreError::Conflict(m)) => {
            let mut response = render(&TopicEditPage {
                layout: layout("Sửa chủ đề", &identity, None),
                id: topic.id,
                name: form.name,
                keywords: form.keywords,
                error: Some(m),
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
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let topic = editable_topic(&state, &identity, &id).await?;
    state.store.delete_news_topic(&identity.audit(&ip), topic.id).await?;
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
    let roots = scope_roots(&identity.permissions, Action::ViewNews);
    let (feeds, total) = state.store.list_news_feeds(&roots, paging).await?;
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
    let offices = if can_somewhere(&identity.permissions, Action::ManageNews) {
        let (units, _) = state
            .store
            .list_units(
                &scope_roots(&identity.permissions, Action::ManageNews),
                &UnitFilter::default(),
                Paging { page: 1, per_page: 500 },
            )
            .await?;
        units
            .iter()
            .filter(|u| u.kind != UnitKind::School)
            .map(|u| (u.id.to_string(), u.name.clone(), form.don_vi.trim() == u.id.to_string()))
            .collect()
    } else {
        Vec::new()
    };
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
    ip: ClientIp,
    PageForm(form): PageForm<FeedForm>,
) -> Result<Response, AppError> {
    let office = match form.don_vi.trim().parse::<i64>() {
        Ok(id) => state.store.unit(id).await?,
        Err(_) => None,
    };
    let office = match office {
        Some(u) if authorize(&identity.permissions, Action::ManageNews, Target::Unit(&u.ancestry)) => u,
        _ => {
            let message = "Hãy chọn đơn vị (Phòng/Sở) thuộc phạm vi bạn quản lý.".to_string();
            return feeds_page(&state, &identity, &FeedsQuery::default(), &form, Some(message)).await;
        }
    };
    match state
        .store
        .add_press_feed(&identity.audit(&ip), office.id, &form.url, &form.title)
        .await
    {
        Ok(_) => Ok(Redirect::to("/tin-tuc/nguon?tb=da-them").into_response()),
        Err(lanhmang_store::StoreError::Conflict(m)) => {
            feeds_page(&state, &identity, &FeedsQuery::default(), &form, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Publishing activity.

pub struct ActivityRow {
    pub url: String,
    pub unit_name: String,
    pub feeds: i64,
    pub entries: i64,
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
    // Twelve calendar months: this one and the eleven before.
    let first_of_month = today.replace_day(1).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut from = first_of_month;
    for _ in 0..11 {
        from = (from - Duration::days(1))
            .replace_day(1)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let roots = scope_roots(&identity.permissions, Action::ViewNews);
    let (sites, total) = state.store.news_site_activity(&roots, from, today, paging).await?;
    let rows = sites
        .iter()
        .map(|s| ActivityRow {
            url: s.url.clone(),
            unit_name: s.unit_name.clone(),
            feeds: s.feeds,
            entries: s.entries,
            per_month: format!("{:.1}", s.per_month).replace('.', ","),
            last: s.last_published_at.map(date_time).unwrap_or_else(|| "—".into()),
            idle: s.entries == 0,
        })
        .collect();
    render(&ActivityPage {
        layout: layout("Hoạt động đăng tin", &identity, None),
        period: format!("{} – {}", day(from), day(today)),
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
        assert!(parse_positive("0", "đơn vị").is_err());
        assert!(parse_day("31/02/2026", "Ngày").is_err());
        assert_eq!(
            parse_day("15/10/2026", "Ngày").unwrap(),
            Date::from_calendar_date(2026, time::Month::October, 15).unwrap()
        );
    }
}
