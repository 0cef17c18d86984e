//! Units: list, detail, create, edit and import. The rules live in `lanhmang_app::units`; this
//! module parses forms and renders.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::units::{self as app_units, ImportOutcome};
use lanhmang_domain::unit::UnitInput;
use lanhmang_domain::{Role, SchoolLevel, UnitKind, UnitStatus};
use lanhmang_store::{Unit, UnitFilter};
use serde::Deserialize;

use super::{PageForm, field_errors, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{FieldErrors, FilterBox, Layout, Pager, render};

/// One row of a unit list, ready to show.
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub level: &'static str,
    pub status: &'static str,
    pub closed: bool,
    pub depth: usize,
}

impl UnitRow {
    fn from_unit(u: &Unit, base_depth: usize) -> UnitRow {
        UnitRow {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.label(),
            level: u.school_level.map(SchoolLevel::label).unwrap_or(""),
            status: u.status.label(),
            closed: u.status == UnitStatus::Closed,
            depth: u.ancestry.len().saturating_sub(base_depth),
        }
    }
}

pub use super::Choice;

fn choices<T: Copy + PartialEq>(
    all: &[T],
    selected: Option<T>,
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| (code(*v).to_string(), label(*v).to_string(), selected == Some(*v)))
        .collect()
}

#[derive(Template)]
#[template(path = "units_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<UnitRow>,
    pager: Pager,
    q: String,
    kinds: Vec<Choice>,
    levels: Vec<Choice>,
    statuses: Vec<Choice>,
    within: Option<(i64, String)>,
    filter_box: FilterBox,
    can_create: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    loai: String,
    #[serde(default)]
    cap_hoc: String,
    #[serde(default)]
    trang_thai: String,
    #[serde(default)]
    trong: String,
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

fn parse_optional<T>(raw: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<Option<T>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    parse(raw)
        .map(Some)
        .ok_or_else(|| AppError::BadRequest(format!("Giá trị lọc {what} không hợp lệ: {raw}")))
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let filter = UnitFilter {
        query: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        kind: parse_optional(&q.loai, UnitKind::parse, "loại đơn vị")?,
        school_level: parse_optional(&q.cap_hoc, SchoolLevel::parse, "cấp học")?,
        status: parse_optional(&q.trang_thai, UnitStatus::parse, "trạng thái")?,
    };
    let within = if q.trong.trim().is_empty() {
        None
    } else {
        Some(parse_id(q.trong.trim())?)
    };
    let app_units::UnitList { units, total, within } =
        app_units::list(&state.app, &identity, &filter, within, paging).await?;
    let within = within.map(|u| (u.id, u.name));
    let base_depth = units.iter().map(|u| u.ancestry.len()).min().unwrap_or(1);
    let params = [
        ("q", q.q.clone()),
        ("loai", q.loai.clone()),
        ("cap_hoc", q.cap_hoc.clone()),
        ("trang_thai", q.trang_thai.clone()),
        ("trong", q.trong.clone()),
        ("per_page", q.per_page.clone().unwrap_or_default()),
    ];
    render(&ListPage {
        layout: Layout::new("Đơn vị", &identity, "/don-vi").with_notice(q.tb.as_deref()),
        rows: units.iter().map(|u| UnitRow::from_unit(u, base_depth)).collect(),
        pager: Pager::new("/don-vi", &params, paging, total),
        q: q.q.clone(),
        kinds: choices(&UnitKind::ALL, filter.kind, UnitKind::as_str, UnitKind::label),
        levels: choices(
            &SchoolLevel::ALL,
            filter.school_level,
            SchoolLevel::as_str,
            SchoolLevel::label,
        ),
        statuses: choices(
            &[UnitStatus::Active, UnitStatus::Closed],
            filter.status,
            UnitStatus::as_str,
            UnitStatus::label,
        ),
        within,
        filter_box: FilterBox::count(&[
            !q.q.trim().is_empty(),
            filter.kind.is_some(),
            filter.school_level.is_some(),
            filter.status.is_some(),
        ]),
        can_create: app_units::may_create(&identity),
    })
}

#[derive(Template)]
#[template(path = "unit_show.html")]
struct ShowPage {
    layout: Layout,
    unit: Unit,
    kind: &'static str,
    level: &'static str,
    status: &'static str,
    parent: Option<(i64, String)>,
    children: Vec<UnitRow>,
    children_total: i64,
    people: Option<Vec<(i64, String, &'static str, bool)>>,
    can_edit: bool,
    can_add_child: bool,
    /// The sites supervision watches: (id, url, state label, alarm, followed).
    sites: Vec<(i64, String, &'static str, bool, bool)>,
    sites_state_visible: bool,
    unregistered: Vec<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let view = app_units::view(&state.app, &identity, parse_id(&id)?).await?;
    let unit = view.unit;
    render(&ShowPage {
        layout: Layout::new(unit.name.clone(), &identity, "/don-vi").with_notice(q.tb.as_deref()),
        kind: unit.kind.label(),
        level: unit.school_level.map(SchoolLevel::label).unwrap_or(""),
        status: unit.status.label(),
        parent: view.parent,
        children: view
            .children
            .iter()
            .map(|u| UnitRow::from_unit(u, unit.ancestry.len() + 1))
            .collect(),
        children_total: view.children_total,
        people: view.people.map(|people| {
            people
                .into_iter()
                .map(|(p, r): (_, Role)| (p.id, p.display_name, r.label(), p.disabled))
                .collect()
        }),
        can_edit: view.can_edit,
        can_add_child: view.can_add_child,
        sites: view
            .sites
            .iter()
            .map(|s| (s.id, s.url.clone(), s.state.label(), s.state.alarming(), s.active))
            .collect(),
        sites_state_visible: view.sites_state_visible,
        unregistered: view.unregistered,
        unit,
    })
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    input: UnitInput,
    parents: Option<Vec<Choice>>,
    kinds: Vec<Choice>,
    levels: Vec<Choice>,
    statuses: Vec<Choice>,
    errors: FieldErrors,
    cancel: String,
    /// System administrators may create a unit without a parent (a new root).
    root_allowed: bool,
}

#[derive(Deserialize, Default)]
pub struct UnitForm {
    #[serde(flatten)]
    input: UnitInput,
    #[serde(default)]
    parent_id: String,
}

/// Units under which the person may create units, as choices.
async fn parent_choices(state: &AppState, identity: &Identity, selected: Option<i64>) -> Result<Vec<Choice>, AppError> {
    let mut out: Vec<Choice> = app_units::parent_choices(&state.app, identity)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.name, u.code),
                Some(u.id) == selected,
            )
        })
        .collect();
    // With only one possible parent, choose it.
    if let [only] = out.as_mut_slice() {
        only.2 = true;
    }
    Ok(out)
}

fn form_page(
    identity: &Identity,
    heading: String,
    action: String,
    input: UnitInput,
    parents: Option<Vec<Choice>>,
    errors: FieldErrors,
    cancel: String,
) -> FormPage {
    let kind = UnitKind::parse(&input.kind);
    let level = SchoolLevel::parse(&input.school_level);
    let status = UnitStatus::parse(&input.status).or(Some(UnitStatus::Active));
    FormPage {
        layout: Layout::new(heading.clone(), identity, "/don-vi"),
        heading,
        action,
        kinds: choices(&UnitKind::ALL, kind, UnitKind::as_str, UnitKind::label),
        levels: choices(&SchoolLevel::ALL, level, SchoolLevel::as_str, SchoolLevel::label),
        statuses: choices(
            &[UnitStatus::Active, UnitStatus::Closed],
            status,
            UnitStatus::as_str,
            UnitStatus::label,
        ),
        input,
        parents,
        errors,
        cancel,
        root_allowed: app_units::may_create_root(identity),
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    cap_tren: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let selected = q.cap_tren.as_deref().and_then(|s| s.parse().ok());
    let parents = parent_choices(&state, &identity, selected).await?;
    let input = UnitInput {
        kind: "school".into(),
        status: "active".into(),
        ..Default::default()
    };
    render(&form_page(
        &identity,
        "Thêm đơn vị".into(),
        "/don-vi/moi".into(),
        input,
        Some(parents),
        FieldErrors::default(),
        "/don-vi".into(),
    ))
}

fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<UnitForm>,
) -> Result<Response, AppError> {
    let parent_id: Option<i64> = form.parent_id.trim().parse().ok();
    match app_units::create(&state.app, &identity, parent_id, &form.input).await {
        Ok(unit) => Ok(Redirect::to(&format!("/don-vi/{}?tb=da-tao", unit.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let parents = parent_choices(&state, &identity, parent_id).await?;
            let page = form_page(
                &identity,
                "Thêm đơn vị".into(),
                "/don-vi/moi".into(),
                form.input,
                Some(parents),
                field_errors(&problems),
                "/don-vi".into(),
            );
            Ok(unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let unit = app_units::managed_unit(&state.app, &identity, parse_id(&id)?).await?;
    let input = UnitInput {
        code: unit.code.clone(),
        name: unit.name.clone(),
        kind: unit.kind.as_str().into(),
        school_level: unit.school_level.map(SchoolLevel::as_str).unwrap_or("").into(),
        status: unit.status.as_str().into(),
        address: unit.address.clone(),
        websites: unit.websites.join("\n"),
    };
    let heading = format!("Sửa đơn vị: {}", unit.name);
    render(&form_page(
        &identity,
        heading,
        format!("/don-vi/{}/sua", unit.id),
        input,
        None,
        FieldErrors::default(),
        format!("/don-vi/{}", unit.id),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<UnitForm>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&id)?;
    match app_units::update(&state.app, &identity, unit_id, &form.input).await {
        Ok(_) => Ok(Redirect::to(&format!("/don-vi/{unit_id}?tb=da-luu")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let unit = app_units::managed_unit(&state.app, &identity, unit_id).await?;
            let page = form_page(
                &identity,
                format!("Sửa đơn vị: {}", unit.name),
                format!("/don-vi/{}/sua", unit.id),
                form.input,
                None,
                field_errors(&problems),
                format!("/don-vi/{}", unit.id),
            );
            Ok(unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "unit_import.html")]
struct ImportPage {
    layout: Layout,
    /// (row, column, reason)
    errors: Vec<(usize, String, String)>,
    problem: Option<String>,
    summary: Option<String>,
}

fn import_page(
    identity: &Identity,
    errors: Vec<(usize, String, String)>,
    problem: Option<String>,
    summary: Option<String>,
) -> ImportPage {
    ImportPage {
        layout: Layout::new("Nhập đơn vị từ tệp", identity, "/don-vi"),
        errors,
        problem,
        summary,
    }
}

pub async fn import_form(identity: Identity) -> Result<Response, AppError> {
    render(&import_page(&identity, Vec::new(), None, None))
}

/// A sample file that shows the columns, for people who start from nothing.
pub async fn import_sample() -> Response {
    let csv = "ma_don_vi,ten_don_vi,loai,ma_cap_tren,cap_hoc,trang_thai,dia_chi,website\n\
               TH-VIDU,Trường Tiểu học Ví Dụ,truong,MA-PHONG-CUA-BAN,Tiểu học,hoạt động,Số 1 đường Ví Dụ,th-vidu.edu.vn\n\
               THCS-VIDU,Trường THCS Ví Dụ,truong,MA-PHONG-CUA-BAN,THCS,hoạt động,,\n";
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"mau-nhap-don-vi.csv\"",
            ),
        ],
        // A byte-order mark, so that Excel opens the Vietnamese text correctly.
        format!("\u{feff}{csv}"),
    )
        .into_response()
}

pub async fn import(
    State(state): State<AppState>,
    identity: Identity,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut dry_run = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("Không đọc được tệp gửi lên ({e}).")))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("tệp").to_string();
                let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
                file = Some((name, bytes.to_vec()));
            }
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    let refused = |page: ImportPage| -> Result<Response, AppError> { Ok(unprocessable(render(&page)?)) };
    match app_units::import(&state.app, &identity, &name, &bytes, dry_run).await {
        Ok(ImportOutcome::Refused(errors)) => {
            let list = errors.into_iter().map(|e| (e.row, e.column, e.reason)).collect();
            refused(import_page(&identity, list, None, None))
        }
        Ok(ImportOutcome::Checked { new, updated }) => {
            let summary = format!(
                "Tệp {name} hợp lệ: {new} đơn vị mới, {updated} đơn vị cập nhật. Chưa ghi gì (chế độ kiểm tra)."
            );
            render(&import_page(&identity, Vec::new(), None, Some(summary)))
        }
        Ok(ImportOutcome::Imported { new, updated }) => {
            let summary = format!("Đã nhập tệp {name}: {new} đơn vị mới, {updated} đơn vị cập nhật.");
            render(&import_page(&identity, Vec::new(), None, Some(summary)))
        }
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let message = lanhmang_app::error::messages(&problems).join(" ");
            refused(import_page(&identity, Vec::new(), Some(message), None))
        }
        Err(e) => Err(e.into()),
    }
}
