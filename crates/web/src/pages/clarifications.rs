//! Clarifications (S2.3): the list and the form for writers and approvers, the page with the
//! approval, and the public address and Atom feed (no account). Rules live in
//! `lanhmang_app::clarifications`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::clarifications::{self as service, Draft};
use lanhmang_store::clarifications::{Clarification, ClarificationState};
use serde::Deserialize;

use super::units::Choice;
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/su-co");
    layout.notice = notice.and_then(|code| match code {
        "da-gui" => Some("Đã lưu bài đính chính; bài sẽ được công bố khi lãnh đạo Phòng/Sở duyệt."),
        "da-duyet" => Some("Đã duyệt và công bố bài đính chính."),
        "da-thu-hoi" => Some("Đã thu hồi bài đính chính; địa chỉ công khai vẫn mở, kèm lý do thu hồi."),
        _ => None,
    });
    layout
}

pub struct Row {
    id: i64,
    title: String,
    unit_name: String,
    state: &'static str,
    date: String,
}

fn row(c: &Clarification) -> Row {
    Row {
        id: c.id,
        title: c.title.clone(),
        unit_name: c.unit_name.clone(),
        state: c.state.label(),
        date: date_time(c.published_at.unwrap_or(c.created_at)),
    }
}

#[derive(Template)]
#[template(path = "clarification_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let (items, total) = service::list(&state.app, &identity, None, paging).await?;
    render(&ListPage {
        layout: layout("Đính chính thông tin sai", &identity, None),
        rows: items.iter().map(row).collect(),
        pager: Pager::new("/dinh-chinh", &[], paging, total),
    })
}

#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    incident_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    claim: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    sources: String,
    #[serde(default)]
    news_ids: String,
}

#[derive(Template)]
#[template(path = "clarification_form.html")]
struct FormPage {
    layout: Layout,
    units: Vec<Choice>,
    form: DraftForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    su_co: String,
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    form: DraftForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let roots =
        lanhmang_domain::permission::scope_roots(&identity.permissions, lanhmang_domain::Action::WriteClarifications);
    let units = state.app.store.units_by_ids(&roots).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        layout: layout("Viết bài đính chính", identity, None),
        units: units
            .iter()
            .map(|u| (u.id.to_string(), u.name.clone(), form.unit_id == u.id.to_string()))
            .collect(),
        form,
        errors,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn new_form(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let form = DraftForm {
        incident_id: q.su_co.chars().filter(char::is_ascii_digit).take(18).collect(),
        ..Default::default()
    };
    form_page(&state, &identity, form, FieldErrors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<DraftForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let number = |raw: &str| raw.trim().parse::<i64>().ok();
    let mut news_ids = Vec::new();
    for part in form
        .news_ids
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.parse::<i64>() {
            Ok(id) if id > 0 => news_ids.push(id),
            _ => errors.add(
                "news_ids",
                format!("«{}» không phải số tin.", part.chars().take(20).collect::<String>()),
            ),
        }
    }
    let draft = Draft {
        unit_id: number(&form.unit_id),
        incident_id: number(&form.incident_id),
        title: form.title.clone(),
        claim: form.claim.clone(),
        facts: form.facts.clone(),
        sources: form.sources.lines().map(str::to_string).collect(),
        news_ids,
    };
    if !errors.is_empty() {
        return form_page(&state, &identity, form, errors).await;
    }
    match service::create(&state.app, &identity, draft).await {
        Ok(c) => Ok(Redirect::to(&format!("/dinh-chinh/{}?tb=da-gui", c.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(&state, &identity, form, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "clarification_show.html")]
struct ShowPage {
    layout: Layout,
    public: bool,
    id: i64,
    title: String,
    unit_name: String,
    state: &'static str,
    withdrawn: bool,
    withdraw_reason: String,
    published: String,
    claim: String,
    facts: String,
    sources: Vec<(String, bool)>,
    news: Vec<(String, String)>,
    incident_id: Option<i64>,
    may_approve: bool,
    may_withdraw: bool,
    problems: Vec<String>,
}

fn show_page(
    layout: Layout,
    c: &Clarification,
    news: Vec<(i64, String, String)>,
    public: bool,
    identity: Option<&Identity>,
) -> ShowPage {
    let approves = identity.is_some_and(|i| {
        i.may(
            lanhmang_domain::Action::ApproveClarifications,
            lanhmang_domain::Target::Unit(&c.unit_ancestry),
        )
    });
    ShowPage {
        layout,
        public,
        id: c.id,
        title: c.title.clone(),
        unit_name: c.unit_name.clone(),
        state: c.state.label(),
        withdrawn: c.state == ClarificationState::Withdrawn,
        withdraw_reason: c.withdraw_reason.clone(),
        published: c.published_at.map(date_time).unwrap_or_default(),
        claim: c.claim.clone(),
        facts: c.facts.clone(),
        // Only web addresses become links; anything else is a reference read as text.
        sources: c
            .sources
            .iter()
            .map(|s| (s.clone(), s.starts_with("https://") || s.starts_with("http://")))
            .collect(),
        news: news
            .into_iter()
            .filter(|(_, _, url)| url.starts_with("https://") || url.starts_with("http://"))
            .map(|(_, title, url)| (title, url))
            .collect(),
        incident_id: if public { None } else { c.incident_id },
        may_approve: !public && approves && c.state == ClarificationState::Draft,
        may_withdraw: !public && approves && c.state == ClarificationState::Published,
        problems: Vec::new(),
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    tb: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let c = service::get(&state.app, &identity, parse_id(&id)?).await?;
    let news = state.app.store.news_titles(&c.news_ids).await?;
    render(&show_page(
        layout(c.title.clone(), &identity, q.tb.as_deref()),
        &c,
        news,
        false,
        Some(&identity),
    ))
}

pub async fn approve(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::approve(&state.app, &identity, id).await?;
    Ok(Redirect::to(&format!("/dinh-chinh/{id}?tb=da-duyet")).into_response())
}

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(f): PageForm<WithdrawForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match service::withdraw(&state.app, &identity, id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/dinh-chinh/{id}?tb=da-thu-hoi")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let c = service::get(&state.app, &identity, id).await?;
            let news = state.app.store.news_titles(&c.news_ids).await?;
            let mut page = show_page(
                layout(c.title.clone(), &identity, None),
                &c,
                news,
                false,
                Some(&identity),
            );
            page.problems = lanhmang_app::error::messages(&problems);
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// The public address: no account, no cookie.
pub async fn public(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (c, news) = service::public(&state.app, parse_id(&id)?).await?;
    let layout = Layout::anonymous(c.title.clone(), String::new());
    render(&show_page(layout, &c, news, true, None))
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Atom feed of published (and withdrawn) clarifications, newest first.
pub async fn feed(State(state): State<AppState>) -> Result<Response, AppError> {
    let items = service::feed(&state.app).await?;
    let links = &state.app.settings.links;
    let rfc = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let updated = items
        .iter()
        .filter_map(|c| c.withdrawn_at.or(c.published_at))
        .max()
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str("<title>Lành Mạng: đính chính thông tin sai</title>\n");
    out.push_str(&format!("<id>{}</id>\n", xml(&links.url("/cong-khai/dinh-chinh.atom"))));
    out.push_str(&format!(
        "<link rel=\"self\" href=\"{}\"/>\n",
        xml(&links.url("/cong-khai/dinh-chinh.atom"))
    ));
    out.push_str(&format!("<updated>{}</updated>\n", rfc(updated)));
    for c in &items {
        let url = links.url(&format!("/cong-khai/dinh-chinh/{}", c.id));
        let title = if c.state == ClarificationState::Withdrawn {
            format!("[Đã thu hồi] {}", c.title)
        } else {
            c.title.clone()
        };
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", xml(&title)));
        out.push_str(&format!("<id>{}</id>\n<link href=\"{}\"/>\n", xml(&url), xml(&url)));
        out.push_str(&format!(
            "<updated>{}</updated>\n",
            rfc(c.withdrawn_at.or(c.published_at).unwrap_or(c.updated_at))
        ));
        out.push_str(&format!("<author><name>{}</name></author>\n", xml(&c.unit_name)));
        out.push_str(&format!(
            "<summary>{}</summary>\n",
            xml(&c.facts.chars().take(400).collect::<String>())
        ));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    let mut response = out.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(response)
}
