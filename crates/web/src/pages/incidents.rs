//! Incident pages (S3.1, S1.1, T1.3): the list, the report form, the case page with its moves
//! and notes, and the public form with its receipt. Rules live in `lanhmang_app::incidents`.

use askama::Template;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::incidents::{
    self as service, CaseView, ClockLine, MoveInput, PublicReportInput, RawFilter, ReportInput, WorkingTimeInput,
};
use lanhmang_domain::activity::EvidenceType;
use lanhmang_domain::incident::clock::{WorkingTime, hour_minute_text};
use lanhmang_domain::incident::playbook::Playbook;
use lanhmang_domain::incident::{Category, Referral, Severity, State as CaseState};
use serde::Deserialize;

use super::activities::{multipart_error, read_capped};
use super::units::Choice;
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::{ClientIp, Identity, cookie, cookie_value, login_csrf_cookie, new_token};
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, FilterBox, Layout, Pager, render};
use lanhmang_app::activities::Upload;
use lanhmang_domain::activity::MAX_EVIDENCE_BYTES;

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/su-co");
    layout.notice = notice.and_then(|code| match code {
        "da-gui" => Some("Đã ghi nhận phản ánh. Người xử lý của đơn vị đã được báo."),
        "da-chuyen" => Some("Đã cập nhật hồ sơ."),
        "da-ghi" => Some("Đã thêm ghi chú."),
        "tin-rac" => Some("Đã đánh dấu là tin rác và đóng hồ sơ."),
        "da-lien-ket" => Some("Đã thêm liên kết."),
        "bo-lien-ket" => Some("Đã bỏ liên kết."),
        "da-gui-tep" => Some("Đã gửi tệp."),
        _ => None,
    });
    layout
}

fn clock_text(line: ClockLine) -> (String, bool) {
    match line {
        ClockLine::Met { at, on_time: true } => (format!("Đã đáp ứng lúc {} (đúng hạn)", date_time(at)), false),
        ClockLine::Met { at, on_time: false } => (format!("Đã đáp ứng lúc {} (trễ hạn)", date_time(at)), true),
        ClockLine::Due { at, overdue: false } => (format!("Hạn {}", date_time(at)), false),
        ClockLine::Due { at, overdue: true } => (format!("Quá hạn từ {}", date_time(at)), true),
        ClockLine::Paused => ("Tạm dừng (đang chờ)".into(), false),
        ClockLine::NotRunning => ("—".into(), false),
    }
}

// ---------------------------------------------------------------------------------------------
// The list.

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    trang_thai: String,
    #[serde(default)]
    loai: String,
    #[serde(default)]
    qua_han: String,
    #[serde(default)]
    cua_toi: String,
    #[serde(default)]
    don_vi: String,
    page: Option<String>,
    per_page: Option<String>,
}

pub struct Row {
    id: i64,
    unit_name: String,
    category: String,
    state: &'static str,
    severity: &'static str,
    received: String,
    due: String,
    overdue: bool,
    restricted: bool,
    details: bool,
}

#[derive(Template)]
#[template(path = "incident_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    states: Vec<Choice>,
    categories: Vec<Choice>,
    mine: Vec<Choice>,
    overdue: bool,
    filtered: bool,
    filter_box: FilterBox,
    handles: bool,
    /// The public forms of the units this person handles: (unit name, address path).
    public_forms: Vec<(String, String)>,
    /// May open the network's coverage.
    coverage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let raw = RawFilter {
        state: Some(q.trang_thai.clone()),
        category: Some(q.loai.clone()),
        overdue: q.qua_han == "1",
        mine: Some(q.cua_toi.clone()),
        unit_id: match q.don_vi.trim() {
            "" => None,
            raw => Some(parse_id(raw).map_err(|_| AppError::BadRequest("Đơn vị không hợp lệ.".into()))?),
        },
        ..Default::default()
    };
    let (items, total) = service::list(&state.app, &identity, &raw, paging).await?;
    let rows = items
        .into_iter()
        .map(|s| {
            let i = &s.incident;
            let (_, resolution) = service::clocks_now(i);
            let (due, overdue) = clock_text(resolution);
            Row {
                id: i.id,
                unit_name: i.unit_name.clone(),
                category: i.category_name.clone(),
                state: i.state.label(),
                severity: i.severity.label(),
                received: date_time(i.received_at),
                due,
                overdue,
                restricted: i.restricted,
                details: s.details,
            }
        })
        .collect();
    let categories = service::categories(&state.app).await?;
    let params = [
        ("trang_thai", q.trang_thai.clone()),
        ("loai", q.loai.clone()),
        ("qua_han", q.qua_han.clone()),
        ("cua_toi", q.cua_toi.clone()),
        ("don_vi", q.don_vi.clone()),
    ];
    let filtered = params.iter().any(|(_, v)| !v.is_empty());
    let public_forms = service::handled_units(&state.app, &identity)
        .await?
        .into_iter()
        .map(|u| (u.name, state.app.settings.links.url(&format!("/phan-anh/{}", u.code))))
        .collect();
    let page = ListPage {
        layout: layout("Sự cố và phản ánh", &identity, None),
        rows,
        pager: Pager::new("/su-co", &params, paging, total),
        states: CaseState::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    s.label().to_string(),
                    q.trang_thai == s.as_str(),
                )
            })
            .collect(),
        categories: categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone(), q.loai == c.code))
            .collect(),
        mine: [("reported", "Tôi đã báo"), ("assigned", "Giao cho tôi")]
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string(), q.cua_toi == *v))
            .collect(),
        overdue: q.qua_han == "1",
        filtered,
        filter_box: FilterBox::of(&[&q.trang_thai, &q.loai, &q.qua_han, &q.cua_toi]),
        handles: lanhmang_domain::permission::can_somewhere(
            &identity.permissions,
            lanhmang_domain::Action::HandleIncidents,
        ),
        public_forms,
        coverage: lanhmang_domain::permission::can_somewhere(
            &identity.permissions,
            lanhmang_domain::Action::ViewIncidentStats,
        ),
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------------
// The report form.

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    happened_on: String,
    #[serde(default)]
    affected: String,
    #[serde(default)]
    child_in_danger: String,
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage {
    layout: Layout,
    units: Vec<Choice>,
    categories: Vec<Choice>,
    form: ReportForm,
    errors: FieldErrors,
    today: String,
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    form: ReportForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let units = service::units_for_report(&state.app, identity).await?;
    let categories = service::categories(&state.app).await?;
    let selected = |id: i64| form.unit_id == id.to_string() || units.len() == 1;
    let page = FormPage {
        layout: layout("Báo sự cố, phản ánh", identity, None),
        units: units
            .iter()
            .map(|u| (u.id.to_string(), u.name.clone(), selected(u.id)))
            .collect(),
        categories: categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone(), form.category == c.code))
            .collect(),
        today: service::today().to_string(),
        form,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn new_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    form_page(&state, &identity, ReportForm::default(), FieldErrors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<ReportForm>,
) -> Result<Response, AppError> {
    let input = ReportInput {
        unit_id: form.unit_id.trim().parse().ok(),
        category: form.category.clone(),
        description: form.description.clone(),
        links: form
            .links
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        happened_on: Some(form.happened_on.trim())
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        affected: form.affected.clone(),
        child_in_danger: !form.child_in_danger.is_empty(),
    };
    match service::report(&state.app, &identity, input).await {
        Ok((incident, _)) => Ok(Redirect::to(&format!("/su-co/{}?tb=da-gui", incident.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(&state, &identity, form, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The case page.

pub struct EventRow {
    at: String,
    actor: String,
    text: String,
    body: String,
    reply: bool,
}

#[derive(Template)]
#[template(path = "incident_show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    version: i64,
    details: bool,
    restricted: bool,
    public: bool,
    spam: bool,
    purged: bool,
    unit_name: String,
    category: String,
    state: &'static str,
    severity: &'static str,
    received: String,
    happened_on: String,
    description: String,
    links: Vec<String>,
    affected: String,
    child_in_danger: bool,
    urgent_help: bool,
    handler: String,
    outcome: String,
    referral: String,
    response: (String, bool),
    resolution: (String, bool),
    events: Vec<EventRow>,
    views: Vec<(String, String)>,
    moves: Vec<(&'static str, &'static str)>,
    may_note: bool,
    may_lead: bool,
    handlers: Vec<Choice>,
    severities: Vec<Choice>,
    categories: Vec<Choice>,
    referrals: Vec<Choice>,
    playbook: Option<&'static Playbook>,
    problems: Vec<String>,
    files: Vec<FileRow>,
    may_attach: bool,
    max_files: i64,
    case_links: Vec<LinkRow>,
}

struct FileRow {
    id: i64,
    name: String,
    type_label: &'static str,
    size: String,
    by: String,
    at: String,
}

struct LinkRow {
    kind: &'static str,
    target_id: i64,
    label: String,
    href: Option<String>,
}

fn event_text(event: &str, from: &str, to: &str) -> String {
    let label = |s: &str| CaseState::parse(s).map(CaseState::label).unwrap_or("");
    match event {
        "created" => "Tiếp nhận phản ánh".into(),
        "moved" => format!("Chuyển từ «{}» sang «{}»", label(from), label(to)),
        "note" => "Ghi chú nội bộ".into(),
        "reply" => "Trả lời người phản ánh".into(),
        "escalated" => "Báo cấp trên vì quá hạn".into(),
        "spam" => "Đánh dấu tin rác".into(),
        "purged" => "Xóa nội dung theo thời hạn lưu".into(),
        other => other.to_string(),
    }
}

fn show_page(view: CaseView, identity: &Identity, notice: Option<&str>, problems: Vec<String>) -> ShowPage {
    let i = &view.shown.incident;
    let current_handler = i.handler_id.unwrap_or(identity.person.id);
    ShowPage {
        layout: layout(format!("Hồ sơ số {}", i.id), identity, notice),
        id: i.id,
        version: i.version,
        details: view.shown.details,
        restricted: i.restricted,
        public: i.public,
        spam: i.spam,
        purged: i.purged_at.is_some(),
        unit_name: i.unit_name.clone(),
        category: i.category_name.clone(),
        state: i.state.label(),
        severity: i.severity.label(),
        received: date_time(i.received_at),
        happened_on: i.happened_on.map(lanhmang_domain::text::date_text).unwrap_or_default(),
        description: i.description.clone(),
        links: i.links.clone(),
        affected: i.affected.clone(),
        child_in_danger: i.child_in_danger,
        urgent_help: view.shown.details && (i.severity == Severity::Urgent),
        handler: i.handler_name.clone().unwrap_or_else(|| "Chưa giao".into()),
        outcome: i.outcome.clone(),
        referral: match i.referral {
            Some(r) if !i.referral_ref.is_empty() => format!("{} (số: {})", r.label(), i.referral_ref),
            Some(r) => r.label().to_string(),
            None => String::new(),
        },
        response: clock_text(view.response),
        resolution: clock_text(view.resolution),
        events: view
            .events
            .iter()
            .map(|e| EventRow {
                at: date_time(e.at),
                actor: e.actor.clone(),
                text: event_text(&e.event, &e.from_state, &e.to_state),
                body: e.body.clone(),
                reply: e.event == "reply",
            })
            .collect(),
        views: view
            .views
            .iter()
            .map(|v| (v.person_name.clone(), date_time(v.at)))
            .collect(),
        moves: view.moves.iter().map(|s| (s.as_str(), s.action_label())).collect(),
        may_note: view.may_note,
        may_lead: view.may_lead,
        handlers: view
            .handlers
            .iter()
            .map(|(id, name)| (id.to_string(), name.clone(), *id == current_handler))
            .collect(),
        severities: Severity::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string(), *s == i.severity))
            .collect(),
        categories: view
            .categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone(), c.code == i.category))
            .collect(),
        referrals: Referral::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), r.label().to_string(), false))
            .collect(),
        playbook: view.playbook,
        problems,
        files: view
            .files
            .iter()
            .map(|f| FileRow {
                id: f.id,
                name: f.file_name.clone(),
                type_label: super::activities::type_label(EvidenceType::from_content_type(&f.content_type)),
                size: super::activities::file_size(f.size),
                by: f.uploaded_by_name.clone().unwrap_or_default(),
                at: date_time(f.uploaded_at),
            })
            .collect(),
        may_attach: view.may_attach,
        max_files: service::MAX_CASE_FILES,
        case_links: view
            .case_links
            .iter()
            .map(|l| LinkRow {
                kind: l.target.kind(),
                target_id: l.target.id(),
                label: l.label.clone(),
                href: l.href.clone(),
            })
            .collect(),
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
    let id = parse_id(&id)?;
    let view = service::open_case(&state.app, &identity, id).await?;
    render(&show_page(view, &identity, q.tb.as_deref(), Vec::new()))
}

/// The case page again with what was wrong (422), or the error as is.
async fn refused(
    state: &AppState,
    identity: &Identity,
    id: i64,
    e: lanhmang_app::AppError,
) -> Result<Response, AppError> {
    match e {
        lanhmang_app::AppError::Invalid(problems) => {
            let view = service::open_case(&state.app, identity, id).await?;
            let mut response = render(&show_page(
                view,
                identity,
                None,
                lanhmang_app::error::messages(&problems),
            ))?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    handler_id: String,
    #[serde(default)]
    referral: String,
    #[serde(default)]
    referral_ref: String,
    #[serde(default)]
    version: String,
}

pub async fn move_case(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(f): PageForm<MoveForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input = MoveInput {
        to: f.to,
        note: f.note,
        outcome: f.outcome,
        severity: Some(f.severity),
        category: Some(f.category),
        handler_id: f.handler_id.trim().parse().ok(),
        referral: Some(f.referral),
        referral_ref: f.referral_ref,
        version: f.version.trim().parse().ok(),
    };
    match service::move_case(&state.app, &identity, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/su-co/{id}?tb=da-chuyen")).into_response()),
        Err(e) => refused(&state, &identity, id, e).await,
    }
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    to_reporter: String,
    #[serde(default)]
    version: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let version = f.version.trim().parse().ok();
    match service::add_note(&state.app, &identity, id, &f.body, !f.to_reporter.is_empty(), version).await {
        Ok(_) => Ok(Redirect::to(&format!("/su-co/{id}?tb=da-ghi")).into_response()),
        Err(e) => refused(&state, &identity, id, e).await,
    }
}

pub async fn mark_spam(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::mark_spam(&state.app, &identity, id).await?;
    Ok(Redirect::to(&format!("/su-co/{id}?tb=tin-rac")).into_response())
}

#[derive(Deserialize, Default)]
pub struct LinkForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target_id: String,
}

impl LinkForm {
    fn target(&self) -> Result<lanhmang_store::incident_links::LinkTarget, lanhmang_app::AppError> {
        // Not a number is "not a positive number" to the rule, which says so.
        let id = self.target_id.trim().trim_start_matches('#').parse().unwrap_or(0);
        service::link_target(&self.kind, id)
    }
}

pub async fn link(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(f): PageForm<LinkForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let linked = async { service::link(&state.app, &identity, id, f.target()?).await };
    match linked.await {
        Ok(_) => Ok(Redirect::to(&format!("/su-co/{id}?tb=da-lien-ket#lien-ket")).into_response()),
        Err(e) => refused(&state, &identity, id, e).await,
    }
}

pub async fn unlink(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(f): PageForm<LinkForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let target = f.target()?;
    service::unlink(&state.app, &identity, id, target).await?;
    Ok(Redirect::to(&format!("/su-co/{id}?tb=bo-lien-ket#lien-ket")).into_response())
}

/// The file form: the CSRF token first (the middleware reads it), the confirmation, one file.
pub async fn attach(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Biểu mẫu phải được gửi từ trang hồ sơ (kiểu multipart/form-data).".into())
    })?;
    let mut confirmed = false;
    let mut upload = Upload {
        name: String::new(),
        bytes: Vec::new(),
        too_large: false,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "file" if upload.name.is_empty() && upload.bytes.is_empty() => {
                let name = field.file_name().unwrap_or("").to_string();
                let (bytes, too_large) = read_capped(&mut field, MAX_EVIDENCE_BYTES).await?;
                upload = Upload { name, bytes, too_large };
            }
            other => {
                let is_confirm = other == "confirm";
                let (bytes, _) = read_capped(&mut field, 64).await?;
                if is_confirm && !bytes.is_empty() {
                    confirmed = true;
                }
            }
        }
    }
    match service::attach(&state.app, &identity, id, upload, confirmed).await {
        Ok(_) => Ok(Redirect::to(&format!("/su-co/{id}?tb=da-gui-tep#tep")).into_response()),
        Err(e) => refused(&state, &identity, id, e).await,
    }
}

pub async fn download(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (meta, kind, bytes) = service::file(&state.app, &identity, parse_id(&id)?, parse_id(&file_id)?).await?;
    super::activities::evidence_response(kind, &meta.file_name, bytes)
}

// ---------------------------------------------------------------------------------------------
// Categories: the system administrator's list.

#[derive(Deserialize, Default)]
pub struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    restricted: String,
    #[serde(default)]
    urgent: String,
    #[serde(default)]
    feedback: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    active: String,
}

impl CategoryForm {
    fn of(c: &Category) -> CategoryForm {
        let flag = |b: bool| if b { "on".to_string() } else { String::new() };
        CategoryForm {
            code: c.code.clone(),
            name: c.name.clone(),
            restricted: flag(c.restricted),
            urgent: flag(c.urgent),
            feedback: flag(c.feedback),
            position: c.position.to_string(),
            active: flag(c.active),
        }
    }

    fn category(&self, code: &str) -> Category {
        Category {
            code: code.trim().to_string(),
            name: self.name.clone(),
            restricted: !self.restricted.is_empty(),
            urgent: !self.urgent.is_empty(),
            feedback: !self.feedback.is_empty(),
            // Not a number is outside 0..=1000 too: the rule's own message explains it.
            position: self.position.trim().parse().unwrap_or(-1),
            active: !self.active.is_empty(),
        }
    }
}

#[derive(Template)]
#[template(path = "incident_categories.html")]
struct CategoriesPage {
    layout: Layout,
    categories: Vec<Category>,
    /// The code of the category being changed; none when adding.
    editing: Option<String>,
    form: CategoryForm,
    errors: FieldErrors,
}

async fn categories_page(
    state: &AppState,
    identity: &Identity,
    editing: Option<String>,
    form: CategoryForm,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let categories = service::all_categories(&state.app, identity).await?;
    let mut layout = Layout::new("Loại sự việc", identity, "/su-co/loai");
    layout.notice = notice.and_then(|n| match n {
        "da-luu" => Some("Đã lưu loại sự việc."),
        _ => None,
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&CategoriesPage {
        layout,
        categories,
        editing,
        form,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    tb: Option<String>,
}

pub async fn categories(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let form = CategoryForm {
        position: "100".into(),
        active: "on".into(),
        ..CategoryForm::default()
    };
    categories_page(&state, &identity, None, form, FieldErrors::default(), q.tb.as_deref()).await
}

pub async fn edit_category(
    State(state): State<AppState>,
    identity: Identity,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let all = service::all_categories(&state.app, &identity).await?;
    let category = all.iter().find(|c| c.code == code).ok_or(AppError::NotFound)?;
    let form = CategoryForm::of(category);
    categories_page(&state, &identity, Some(code), form, FieldErrors::default(), None).await
}

async fn save_category(
    state: AppState,
    identity: Identity,
    code: Option<String>,
    form: CategoryForm,
) -> Result<Response, AppError> {
    let category = form.category(code.as_deref().unwrap_or(&form.code));
    match service::save_category(&state.app, &identity, category, code.is_none()).await {
        Ok(_) => Ok(Redirect::to("/su-co/loai?tb=da-luu").into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            categories_page(&state, &identity, code, form, super::field_errors(&problems), None).await
        }
        Err(lanhmang_app::AppError::Conflict(message)) => {
            let mut errors = FieldErrors::default();
            errors.add("code", message);
            categories_page(&state, &identity, code, form, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create_category(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<CategoryForm>,
) -> Result<Response, AppError> {
    save_category(state, identity, None, form).await
}

pub async fn update_category(
    State(state): State<AppState>,
    identity: Identity,
    Path(code): Path<String>,
    PageForm(form): PageForm<CategoryForm>,
) -> Result<Response, AppError> {
    save_category(state, identity, Some(code), form).await
}

// ---------------------------------------------------------------------------------------------
// The clocks' working time: the system administrator's settings.

/// The settings form: one checkbox per weekday (`d1` = Monday … `d7` = Sunday), holidays one a
/// line.
#[derive(Deserialize, Default)]
pub struct WorkingTimeForm {
    #[serde(default)]
    day_start: String,
    #[serde(default)]
    day_end: String,
    #[serde(default)]
    d1: String,
    #[serde(default)]
    d2: String,
    #[serde(default)]
    d3: String,
    #[serde(default)]
    d4: String,
    #[serde(default)]
    d5: String,
    #[serde(default)]
    d6: String,
    #[serde(default)]
    d7: String,
    #[serde(default)]
    holidays: String,
}

impl WorkingTimeForm {
    fn days(&self) -> [&str; 7] {
        [&self.d1, &self.d2, &self.d3, &self.d4, &self.d5, &self.d6, &self.d7]
    }

    fn of(wt: &WorkingTime) -> WorkingTimeForm {
        let on = |n: u8| {
            if wt.weekdays.iter().any(|d| d.number_from_monday() == n) {
                "on".to_string()
            } else {
                String::new()
            }
        };
        WorkingTimeForm {
            day_start: hour_minute_text(wt.day_start),
            day_end: hour_minute_text(wt.day_end),
            d1: on(1),
            d2: on(2),
            d3: on(3),
            d4: on(4),
            d5: on(5),
            d6: on(6),
            d7: on(7),
            holidays: wt
                .holidays
                .iter()
                .map(|d| lanhmang_domain::text::date_text(*d))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn input(&self) -> WorkingTimeInput {
        WorkingTimeInput {
            day_start: self.day_start.clone(),
            day_end: self.day_end.clone(),
            weekdays: (1u8..=7)
                .zip(self.days())
                .filter(|(_, v)| !v.is_empty())
                .map(|(n, _)| n)
                .collect(),
            holidays: self.holidays.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "incident_working_time.html")]
struct WorkingTimePage {
    layout: Layout,
    form: WorkingTimeForm,
    /// (field name, label, checked), Monday first.
    weekdays: Vec<(String, &'static str, bool)>,
    holiday_count: usize,
    updated_at: Option<String>,
    errors: FieldErrors,
}

const WEEKDAY_NAMES: [&str; 7] = [
    "Thứ Hai",
    "Thứ Ba",
    "Thứ Tư",
    "Thứ Năm",
    "Thứ Sáu",
    "Thứ Bảy",
    "Chủ nhật",
];

async fn working_time_page(
    state: &AppState,
    identity: &Identity,
    form: Option<WorkingTimeForm>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let (wt, updated_at) = service::working_time_settings(&state.app, identity).await?;
    let form = form.unwrap_or_else(|| WorkingTimeForm::of(&wt));
    let mut layout = Layout::new("Giờ làm việc", identity, "/su-co/gio-lam-viec");
    layout.notice = notice.and_then(|n| match n {
        "da-luu" => Some("Đã lưu giờ làm việc và ngày nghỉ."),
        _ => None,
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let weekdays = WEEKDAY_NAMES
        .iter()
        .zip(form.days())
        .enumerate()
        .map(|(i, (name, v))| (format!("d{}", i + 1), *name, !v.is_empty()))
        .collect();
    let mut response = render(&WorkingTimePage {
        layout,
        weekdays,
        holiday_count: wt.holidays.len(),
        updated_at: updated_at.map(date_time),
        form,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn working_time(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    working_time_page(&state, &identity, None, FieldErrors::default(), q.tb.as_deref()).await
}

pub async fn save_working_time(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<WorkingTimeForm>,
) -> Result<Response, AppError> {
    match service::save_working_time(&state.app, &identity, form.input()).await {
        Ok(_) => Ok(Redirect::to("/su-co/gio-lam-viec?tb=da-luu").into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            working_time_page(&state, &identity, Some(form), super::field_errors(&problems), None).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The public form and the receipt: no account.

/// The frame of a public page: a signed-in visitor keeps their session's token; anyone else
/// gets the sign-in form's token cookie (the only cookie set here, to protect the form).
pub(crate) fn public_layout(
    state: &AppState,
    identity: Option<&Identity>,
    headers: &HeaderMap,
    title: &str,
) -> (Layout, Option<String>) {
    if let Some(identity) = identity {
        return (Layout::new(title, identity, ""), None);
    }
    let name = login_csrf_cookie(state.config.https);
    match cookie_value(headers, name) {
        Some(existing) if existing.len() >= 32 => (Layout::anonymous(title, existing.to_string()), None),
        _ => {
            let token = new_token();
            (
                Layout::anonymous(title, token.clone()),
                Some(cookie(name, &token, state.config.https, None)),
            )
        }
    }
}

pub(crate) fn with_cookie(mut response: Response, set: Option<String>) -> Response {
    if let Some(value) = set {
        super::login::set_cookie(&mut response, &value);
    }
    response
}

#[derive(Deserialize, Default)]
pub struct PublicForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    contact: String,
    /// The honeypot: hidden from people.
    #[serde(default)]
    website: String,
}

#[derive(Template)]
#[template(path = "public_report.html")]
struct PublicPage {
    layout: Layout,
    code: String,
    unit_name: String,
    categories: Vec<Choice>,
    form: PublicForm,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "public_receipt.html")]
struct ReceiptPage {
    layout: Layout,
    /// Shown once, right after sending.
    new_code: String,
    lookup: String,
    error: String,
    found: Option<ReceiptRows>,
}

pub struct ReceiptRows {
    unit_name: String,
    state: &'static str,
    received: String,
    replies: Vec<(String, String)>,
    purged: bool,
}

async fn public_page(
    state: &AppState,
    identity: Option<&Identity>,
    headers: &HeaderMap,
    code: &str,
    form: PublicForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let unit = state
        .app
        .store
        .unit_by_code(code.trim())
        .await?
        .filter(|u| u.status != lanhmang_domain::UnitStatus::Closed)
        .ok_or(AppError::NotFound)?;
    let (layout, set) = public_layout(state, identity, headers, "Báo một việc không ổn trên mạng");
    let categories = service::categories(&state.app).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PublicPage {
        layout,
        code: unit.code.clone(),
        unit_name: unit.name.clone(),
        categories: categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone(), form.category == c.code))
            .collect(),
        form,
        errors,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(with_cookie(response, set))
}

pub async fn public_form(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    public_page(
        &state,
        identity.as_ref(),
        &headers,
        &code,
        PublicForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn public_submit(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    ip: ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    PageForm(form): PageForm<PublicForm>,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    let input = PublicReportInput {
        category: form.category.clone(),
        description: form.description.clone(),
        links: form
            .links
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        contact: Some(form.contact.trim()).filter(|c| !c.is_empty()).map(str::to_string),
        honeypot: form.website.clone(),
    };
    match service::report_public(&state.app, &ip.0, &code, input).await {
        Ok(receipt) => {
            let (layout, set) = public_layout(&state, identity.as_ref(), &headers, "Đã gửi phản ánh");
            let page = ReceiptPage {
                layout,
                new_code: receipt.code,
                lookup: String::new(),
                error: String::new(),
                found: None,
            };
            let mut response = render(&page)?;
            *response.status_mut() = StatusCode::CREATED;
            Ok(with_cookie(response, set))
        }
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            public_page(
                &state,
                identity.as_ref(),
                &headers,
                &code,
                form,
                super::field_errors(&problems),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn lookup_form(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    let (layout, set) = public_layout(&state, identity.as_ref(), &headers, "Tra cứu phản ánh");
    let page = ReceiptPage {
        layout,
        new_code: String::new(),
        lookup: String::new(),
        error: String::new(),
        found: None,
    };
    Ok(with_cookie(render(&page)?, set))
}

#[derive(Deserialize, Default)]
pub struct LookupForm {
    #[serde(default)]
    code: String,
}

/// The receipt is looked up by a form sent with POST, so the code stays out of addresses,
/// history and logs on a shared computer.
pub async fn lookup(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
    PageForm(f): PageForm<LookupForm>,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    let (layout, set) = public_layout(&state, identity.as_ref(), &headers, "Tra cứu phản ánh");
    let (found, error, status) = match service::receipt(&state.app, &f.code).await {
        Ok(r) => (
            Some(ReceiptRows {
                unit_name: r.unit_name,
                state: r.state.label(),
                received: date_time(r.received_at),
                replies: r.replies.into_iter().map(|(at, body)| (date_time(at), body)).collect(),
                purged: r.purged,
            }),
            String::new(),
            StatusCode::OK,
        ),
        Err(lanhmang_app::AppError::NotFound) => (
            None,
            "Không tìm thấy phản ánh với mã này. Hãy kiểm tra lại mã (12 chữ và số, ví dụ K7M2-9QXD-4HPT).".to_string(),
            StatusCode::NOT_FOUND,
        ),
        Err(e) => return Err(e.into()),
    };
    let page = ReceiptPage {
        layout,
        new_code: String::new(),
        lookup: f.code.chars().take(20).collect(),
        error,
        found,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(with_cookie(response, set))
}

// ---------------------------------------------------------------------------------------------
// The collaborator network's coverage (the office).

#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    #[serde(default)]
    chua_co_ctv: String,
    #[serde(default)]
    qua_han: String,
    page: Option<String>,
    per_page: Option<String>,
}

pub struct CoverageLine {
    unit_id: i64,
    unit_name: String,
    collaborators: i64,
    received: i64,
    open: i64,
    overdue: i64,
    on_time: String,
}

#[derive(Template)]
#[template(path = "incident_coverage.html")]
struct CoveragePage {
    layout: Layout,
    since: String,
    schools: i64,
    without: i64,
    received: i64,
    open: i64,
    overdue: i64,
    categories: Vec<(String, i64)>,
    lines: Vec<CoverageLine>,
    pager: Pager,
    without_only: bool,
    overdue_only: bool,
    filter_box: FilterBox,
    drill_down: bool,
}

fn share(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{}/{} ({}%)", part, whole, part * 100 / whole)
    }
}

pub async fn coverage(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let without_only = q.chua_co_ctv == "1";
    let overdue_only = q.qua_han == "1";
    let c = service::coverage(&state.app, &identity, without_only, overdue_only, paging).await?;
    let params = [("chua_co_ctv", q.chua_co_ctv.clone()), ("qua_han", q.qua_han.clone())];
    let page = CoveragePage {
        layout: layout("Mạng lưới cộng tác viên", &identity, None),
        since: lanhmang_domain::text::date_text(c.since),
        schools: c.totals.schools,
        without: c.totals.schools_without_collaborator,
        received: c.totals.received,
        open: c.totals.open,
        overdue: c.totals.overdue,
        categories: c
            .totals
            .by_category
            .iter()
            .map(|(_, name, n)| (name.clone(), *n))
            .collect(),
        lines: c
            .rows
            .iter()
            .map(|r| CoverageLine {
                unit_id: r.unit_id,
                unit_name: r.unit_name.clone(),
                collaborators: r.collaborators,
                received: r.received,
                open: r.open,
                overdue: r.overdue,
                on_time: share(r.resolved_on_time, r.resolved),
            })
            .collect(),
        pager: Pager::new("/su-co/mang-luoi", &params, paging, c.listed),
        without_only,
        overdue_only,
        filter_box: FilterBox::count(&[without_only, overdue_only]),
        drill_down: lanhmang_domain::permission::can_somewhere(
            &identity.permissions,
            lanhmang_domain::Action::HandleIncidents,
        ),
    };
    render(&page)
}
