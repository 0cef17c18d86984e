//! Units: list, detail, create and edit.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::unit::UnitInput;
use lanhmang_domain::{Action, Paging, Role, SchoolLevel, Target, UnitKind, UnitStatus, authorize};
use lanhmang_store::{Unit, UnitFilter};
use serde::Deserialize;

use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::{ClientIp, Identity};
use crate::error::AppError;
use crate::layout::{FieldErrors, Layout, Pager, render};

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

/// (value, label, selected) for a select element.
pub type Choice = (String, String, bool);

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
    let (roots, within) = if q.trong.trim().is_empty() {
        (scope_roots(&identity.actor, Action::ViewUnit), None)
    } else {
        let id = parse_id(q.trong.trim())?;
        let unit = state.store.unit(id).await?.ok_or(AppError::NotFound)?;
        if !authorize(&identity.actor, Action::ViewUnit, Target::Unit(&unit.ancestry)) {
            return Err(AppError::Forbidden);
        }
        (vec![id], Some((id, unit.name)))
    };
    let (units, total) = state.store.list_units(&roots, &filter, paging).await?;
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
        can_create: lanhmang_domain::permission::can_somewhere(&identity.actor, Action::ManageUnits),
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
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let unit = state.store.unit(id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    if !authorize(&identity.actor, Action::ViewUnit, target) {
        return Err(AppError::Forbidden);
    }
    let parent = match unit.parent_id {
        Some(pid) => state.store.unit(pid).await?.map(|p| {
            let visible = authorize(&identity.actor, Action::ViewUnit, Target::Unit(&p.ancestry));
            (if visible { p.id } else { 0 }, p.name)
        }),
        None => None,
    };
    let (below, total) = state
        .store
        .list_units(&[id], &UnitFilter::default(), Paging { page: 1, per_page: 31 })
        .await?;
    let children: Vec<UnitRow> = below
        .iter()
        .filter(|u| u.id != id)
        .take(30)
        .map(|u| UnitRow::from_unit(u, unit.ancestry.len() + 1))
        .collect();
    let people = if authorize(&identity.actor, Action::ViewPeople, target) {
        Some(
            state
                .store
                .people_with_roles_in_unit(id)
                .await?
                .into_iter()
                .map(|(p, r): (_, Role)| (p.id, p.display_name, r.label(), p.disabled))
                .collect(),
        )
    } else {
        None
    };
    let can_edit = authorize(&identity.actor, Action::ManageUnits, target);
    render(&ShowPage {
        layout: Layout::new(unit.name.clone(), &identity, "/don-vi").with_notice(q.tb.as_deref()),
        kind: unit.kind.label(),
        level: unit.school_level.map(SchoolLevel::label).unwrap_or(""),
        status: unit.status.label(),
        parent,
        children,
        children_total: total - 1,
        people,
        can_edit,
        can_add_child: can_edit && unit.kind != UnitKind::School,
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

/// Units under which the person may create units: every non-school unit they manage.
async fn parent_choices(state: &AppState, identity: &Identity, selected: Option<i64>) -> Result<Vec<Choice>, AppError> {
    let roots = scope_roots(&identity.actor, Action::ManageUnits);
    let mut out = Vec::new();
    for kind in [
        UnitKind::Ministry,
        UnitKind::Department,
        UnitKind::Office,
        UnitKind::Other,
    ] {
        let filter = UnitFilter {
            kind: Some(kind),
            ..Default::default()
        };
        let (units, _) = state
            .store
            .list_units(&roots, &filter, Paging { page: 1, per_page: 500 })
            .await?;
        out.extend(units.into_iter().map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.name, u.code),
                Some(u.id) == selected,
            )
        }));
    }
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
        root_allowed: authorize(&identity.actor, Action::ManageUnits, Target::System),
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

fn unit_field_errors(
    errors: Vec<(lanhmang_domain::unit::UnitField, lanhmang_domain::unit::UnitFieldError)>,
) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, e) in errors {
        out.add(field.as_str(), e.to_string());
    }
    out
}

fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    PageForm(form): PageForm<UnitForm>,
) -> Result<Response, AppError> {
    let parent_id: Option<i64> = form.parent_id.trim().parse().ok();
    let mut errors = FieldErrors::default();
    let parent = match parent_id {
        Some(pid) => state.store.unit(pid).await?,
        None => None,
    };
    let allowed = match &parent {
        Some(p) => authorize(&identity.actor, Action::ManageUnits, Target::Unit(&p.ancestry)),
        None => authorize(&identity.actor, Action::ManageUnits, Target::System),
    };
    if !allowed {
        errors.add("parent_id", "Hãy chọn đơn vị cấp trên thuộc phạm vi bạn quản lý.");
    }
    match form.input.parse() {
        Ok(fields) if errors.is_empty() => {
            match state
                .store
                .create_unit(&identity.audit(&ip), parent.as_ref().map(|p| p.id), &fields)
                .await
            {
                Ok(unit) => {
                    return Ok(Redirect::to(&format!("/don-vi/{}?tb=da-tao", unit.id)).into_response());
                }
                Err(lanhmang_store::StoreError::Conflict(message)) => {
                    errors.add(if message.contains("Mã") { "code" } else { "parent_id" }, message)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(_) => {}
        Err(field_errors) => errors.0.extend(unit_field_errors(field_errors).0),
    }
    let parents = parent_choices(&state, &identity, parent_id).await?;
    let page = form_page(
        &identity,
        "Thêm đơn vị".into(),
        "/don-vi/moi".into(),
        form.input,
        Some(parents),
        errors,
        "/don-vi".into(),
    );
    Ok(unprocessable(render(&page)?))
}

async fn managed_unit(state: &AppState, identity: &Identity, raw_id: &str) -> Result<Unit, AppError> {
    let unit = state.store.unit(parse_id(raw_id)?).await?.ok_or(AppError::NotFound)?;
    if !authorize(&identity.actor, Action::ManageUnits, Target::Unit(&unit.ancestry)) {
        return Err(AppError::Forbidden);
    }
    Ok(unit)
}

pub async fn edit_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let unit = managed_unit(&state, &identity, &id).await?;
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
    ip: ClientIp,
    Path(id): Path<String>,
    PageForm(form): PageForm<UnitForm>,
) -> Result<Response, AppError> {
    let unit = managed_unit(&state, &identity, &id).await?;
    let redisplay = |errors: FieldErrors, input: UnitInput| {
        let heading = format!("Sửa đơn vị: {}", unit.name);
        form_page(
            &identity,
            heading,
            format!("/don-vi/{}/sua", unit.id),
            input,
            None,
            errors,
            format!("/don-vi/{}", unit.id),
        )
    };
    let fields = match form.input.parse() {
        Ok(f) => f,
        Err(e) => {
            return Ok(unprocessable(render(&redisplay(unit_field_errors(e), form.input))?));
        }
    };
    match state.store.update_unit(&identity.audit(&ip), unit.id, &fields).await {
        Ok(_) => Ok(Redirect::to(&format!("/don-vi/{}?tb=da-luu", unit.id)).into_response()),
        Err(lanhmang_store::StoreError::Conflict(message)) => {
            let mut errors = FieldErrors::default();
            errors.add(if message.contains("Mã") { "code" } else { "kind" }, message);
            Ok(unprocessable(render(&redisplay(errors, form.input))?))
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
    ip: ClientIp,
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
    let unprocessable = |page: ImportPage| -> Result<Response, AppError> {
        let mut r = render(&page)?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok(r)
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return unprocessable(import_page(
            &identity,
            Vec::new(),
            Some("Hãy chọn một tệp .csv hoặc .xlsx.".into()),
            None,
        ));
    };
    // Reading a spreadsheet costs CPU even within its bounds: off the async threads.
    let read = tokio::task::spawn_blocking(move || lanhmang_domain::units_import::read_table(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("đọc tệp nhập: {e}")))?;
    let table = match read {
        Ok(t) => t,
        Err(e) => return unprocessable(import_page(&identity, Vec::new(), Some(e.to_string()), None)),
    };
    let existing = state.store.unit_links().await?;
    let rows = match lanhmang_domain::units_import::plan_import(&table, &existing) {
        Ok(rows) => rows,
        Err(errors) => {
            let list = errors.into_iter().map(|e| (e.row, e.column, e.reason)).collect();
            return unprocessable(import_page(&identity, list, None, None));
        }
    };
    let roots = scope_roots(&identity.actor, Action::ManageUnits);
    let managed: std::collections::HashSet<String> = state
        .store
        .units_by_ids(&roots)
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect();
    let scope_errors = lanhmang_domain::units_import::check_scope(&rows, &existing, &managed);
    if !scope_errors.is_empty() {
        let list = scope_errors.into_iter().map(|e| (e.row, e.column, e.reason)).collect();
        return unprocessable(import_page(&identity, list, None, None));
    }
    let new_rows = rows
        .iter()
        .filter(|r| !existing.contains_key(r.fields.code.as_str()))
        .count();
    if dry_run {
        let summary = format!(
            "Tệp {name} hợp lệ: {new_rows} đơn vị mới, {} đơn vị cập nhật. Chưa ghi gì (chế độ kiểm tra).",
            rows.len() - new_rows
        );
        return render(&import_page(&identity, Vec::new(), None, Some(summary)));
    }
    let done = state
        .store
        .import_units(&identity.audit(&ip), &rows, &format!("tệp {name}"))
        .await?;
    let summary = format!(
        "Đã nhập tệp {name}: {} đơn vị mới, {} đơn vị cập nhật.",
        done.created, done.updated
    );
    render(&import_page(&identity, Vec::new(), None, Some(summary)))
}
