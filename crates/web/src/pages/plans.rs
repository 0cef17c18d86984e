//! The year's plan: list, create, show, edit, publish; each school's own plan; the schools'
//! reports as the office reviews them and as the principal writes them.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::permission::{can_somewhere, scope_roots};
use lanhmang_domain::plan::{ContentEdit, PlanContent, PlanHeader, PlanStatus, SchoolPlanContent, SchoolTaskInput};
use lanhmang_domain::plan_template::{BUILTIN, IndicatorKind};
use lanhmang_domain::report::{ReportEvent, ReportStatus, Value, ValueInput, format_number};
use lanhmang_domain::school_year::SchoolYear;
use lanhmang_domain::{Action, SchoolLevel, Target, UnitKind, authorize};
use lanhmang_store::Unit;
use lanhmang_store::plans::{Plan, PlanScope};
use lanhmang_store::reports::{Narrative, ReportFilter};
use serde::Deserialize;

use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::{ClientIp, Identity};
use crate::error::AppError;
use crate::layout::{FieldErrors, FilterBox, Layout, Pager, render};
use lanhmang_app::plans::date_text;
use lanhmang_app::reports::status_label;

type Fields = Vec<(String, String)>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub number: String,
    pub year: String,
    pub deadline: String,
    pub status: &'static str,
    pub draft: bool,
    pub issuer: String,
}

impl PlanRow {
    fn new(p: &Plan) -> PlanRow {
        PlanRow {
            id: p.id,
            title: p.title.clone(),
            number: p.number.as_ref().map(|n| n.format()).unwrap_or_default(),
            year: p.school_year.label(),
            deadline: date_text(p.deadline),
            status: p.status.label(),
            draft: p.status == PlanStatus::Draft,
            issuer: p.issuing_unit_name.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "plans_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<PlanRow>,
    pager: Pager,
    can_create: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

/// What someone sees: plans issued in their management or dashboard scope, and published plans
/// of the units above the units where they hold a role.
pub async fn plan_scope(state: &AppState, identity: &Identity) -> Result<PlanScope, AppError> {
    let units = lanhmang_app::plans::grant_units(&state.app, identity).await?;
    Ok(PlanScope {
        roots: units
            .iter()
            .filter(|u| {
                authorize(&identity.permissions, Action::ViewPlans, Target::Unit(&u.ancestry))
                    && u.kind != UnitKind::School
            })
            .map(|u| u.id)
            .collect(),
        ancestors: units
            .iter()
            .filter(|u| authorize(&identity.permissions, Action::ViewPlans, Target::Unit(&u.ancestry)))
            .flat_map(|u| u.ancestry.clone())
            .collect(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let scope = plan_scope(&state, &identity).await?;
    let (plans, total) = state.store.list_plans(&scope, paging).await?;
    render(&ListPage {
        layout: Layout::new("Kế hoạch", &identity, "/ke-hoach").with_notice(q.tb.as_deref()),
        rows: plans.iter().map(PlanRow::new).collect(),
        pager: Pager::new("/ke-hoach", &[], paging, total),
        can_create: can_somewhere(&identity.permissions, Action::ManagePlans),
    })
}

#[derive(Template)]
#[template(path = "plan_new.html")]
struct NewPage {
    layout: Layout,
    issuers: Vec<(i64, String, bool)>,
    title: String,
    school_year: String,
    deadline: String,
    number: String,
    errors: FieldErrors,
}

pub async fn new_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    let units = lanhmang_app::plans::issuers(&state.app, &identity).await?;
    let first = units.first().ok_or(AppError::Forbidden)?;
    let year = SchoolYear::containing(lanhmang_app::plans::today());
    render(&NewPage {
        layout: Layout::new("Tạo kế hoạch năm học", &identity, "/ke-hoach"),
        number: lanhmang_app::plans::suggested_number(&state.app, first).await?,
        issuers: units.iter().map(|u| (u.id, u.name.clone(), false)).collect(),
        title: BUILTIN.title.to_string(),
        school_year: year.label(),
        deadline: date_text(year.default_report_deadline()),
        errors: FieldErrors::default(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let units = lanhmang_app::plans::issuers(&state.app, &identity).await?;
    let chosen = field(&form, "issuing_unit_id").parse::<i64>().ok();
    let input = lanhmang_app::plans::NewPlan {
        // A choice outside the list is no choice: the form asks again.
        issuing_unit_id: chosen.filter(|id| units.iter().any(|u| u.id == *id)).or(Some(0)),
        title: field(&form, "title").into(),
        school_year: field(&form, "school_year").into(),
        deadline: field(&form, "deadline").into(),
        number: field(&form, "number").into(),
        template: None,
    };
    let problems = match lanhmang_app::plans::create_plan(&state.app, &identity, &input).await {
        Ok(plan) => return Ok(Redirect::to(&format!("/ke-hoach/{}?tb=da-tao", plan.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => problems,
        Err(lanhmang_app::AppError::NotFound) => {
            vec![lanhmang_app::Problem::at(
                "issuing_unit_id",
                "Hãy chọn đơn vị ban hành.",
            )]
        }
        Err(e) => return Err(e.into()),
    };
    let mut errors = FieldErrors::default();
    errors.add_problems(problems);
    let page = NewPage {
        layout: Layout::new("Tạo kế hoạch năm học", &identity, "/ke-hoach"),
        issuers: units
            .iter()
            .map(|u| (u.id, u.name.clone(), chosen == Some(u.id)))
            .collect(),
        title: field(&form, "title").to_string(),
        school_year: field(&form, "school_year").to_string(),
        deadline: field(&form, "deadline").to_string(),
        number: field(&form, "number").to_string(),
        errors,
    };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "plan_show.html")]
struct ShowPage {
    layout: Layout,
    plan: PlanRow,
    content: PlanContent,
    published: bool,
    version: i64,
    rights: lanhmang_app::plans::PlanRights,
    versions: Vec<(i64, String, String, String)>,
    /// (school id, name, its plan's state, its report's state when the person may see it)
    schools: Vec<(i64, String, &'static str, Option<&'static str>)>,
    can_log: bool,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    tb: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (plan, rights) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    let versions = state
        .store
        .plan_versions(plan.id)
        .await?
        .into_iter()
        .map(|v| {
            (
                v.version,
                crate::format::date_time(v.changed_at),
                v.changed_by.unwrap_or_default(),
                v.change_note,
            )
        })
        .collect();
    let mut schools = Vec::new();
    // A school's staff read its own plan; its report is the principal's and the office's.
    for u in lanhmang_app::plans::own_schools(&state.app, &identity, &plan, Action::ViewSchoolPlan).await? {
        let school_plan = state.store.school_plan(plan.id, u.id).await?.map(|s| s.status);
        let report = if identity.may(Action::ViewReports, Target::Unit(&u.ancestry)) {
            Some(status_label(state.store.report(plan.id, u.id).await?.map(|r| r.status)))
        } else {
            None
        };
        schools.push((u.id, u.name.clone(), status_label(school_plan), report));
    }
    let can_log = !lanhmang_app::plans::own_schools(&state.app, &identity, &plan, Action::LogActivities)
        .await?
        .is_empty();
    render(&ShowPage {
        layout: Layout::new(plan.title.clone(), &identity, "/ke-hoach").with_notice(q.tb.as_deref()),
        published: plan.status == PlanStatus::Published,
        version: plan.version,
        plan: PlanRow::new(&plan),
        content: plan.content,
        rights,
        versions,
        schools,
        can_log,
    })
}

#[derive(Template)]
#[template(path = "plan_edit.html")]
struct EditPage {
    layout: Layout,
    plan_id: i64,
    version: i64,
    published: bool,
    title: String,
    school_year: String,
    deadline: String,
    number: String,
    content: PlanContent,
    note: String,
    errors: FieldErrors,
}

async fn managed_plan(state: &AppState, identity: &Identity, id: &str) -> Result<Plan, AppError> {
    Ok(lanhmang_app::plans::managed_plan(&state.app, identity, parse_id(id)?).await?)
}

pub async fn edit_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let plan = managed_plan(&state, &identity, &id).await?;
    render(&EditPage {
        layout: Layout::new("Sửa kế hoạch", &identity, "/ke-hoach"),
        plan_id: plan.id,
        version: plan.version,
        published: plan.status == PlanStatus::Published,
        title: plan.title.clone(),
        school_year: plan.school_year.label(),
        deadline: date_text(plan.deadline),
        number: plan.number.as_ref().map(|n| n.format()).unwrap_or_default(),
        content: plan.content,
        note: String::new(),
        errors: FieldErrors::default(),
    })
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let plan = managed_plan(&state, &identity, &id).await?;
    let mut errors = FieldErrors::default();
    let header = PlanHeader::parse(
        field(&form, "title"),
        field(&form, "school_year"),
        field(&form, "deadline"),
        field(&form, "number"),
    )
    .map_err(|e| errors.add("header", e.to_string()))
    .ok();
    let mut content = plan.content.clone();
    let codes: Vec<(String, Vec<String>)> = plan
        .content
        .tasks()
        .map(|t| (t.code.clone(), t.indicators.iter().map(|i| i.code.clone()).collect()))
        .collect();
    for (task, indicators) in &codes {
        let title = field(&form, &format!("task:{task}"));
        if !title.is_empty()
            && let Err(e) = content.apply_edit(&ContentEdit::TaskTitle {
                task: task.clone(),
                title: title.to_string(),
            })
        {
            errors.add(&format!("task:{task}"), e.to_string());
        }
        for code in indicators {
            let name = field(&form, &format!("ind:{code}"));
            if name.is_empty() {
                continue;
            }
            let required = form.iter().any(|(k, _)| k == &format!("req:{code}"));
            if let Err(e) = content.apply_edit(&ContentEdit::Indicator {
                code: code.clone(),
                name: name.to_string(),
                required,
            }) {
                errors.add(&format!("ind:{code}"), e.to_string());
            }
        }
    }
    let version: i64 = field(&form, "version")
        .parse()
        .map_err(|_| AppError::BadRequest("Thiếu phiên bản của kế hoạch.".into()))?;
    let note = field(&form, "note").trim().to_string();
    if let (Some(header), true) = (&header, errors.is_empty()) {
        match lanhmang_app::plans::update_plan(&state.app, &identity, plan.id, version, header, &content, &note).await {
            Ok(_) => return Ok(Redirect::to(&format!("/ke-hoach/{}?tb=da-luu", plan.id)).into_response()),
            Err(lanhmang_app::AppError::Conflict(m)) => errors.add("header", m),
            Err(lanhmang_app::AppError::Invalid(problems)) => errors.add_problems(problems),
            Err(e) => return Err(e.into()),
        }
    } else if let Some(problem) = lanhmang_app::plans::change_note_problem(&plan, &note) {
        errors.add_problems(vec![problem]);
    }
    let page = EditPage {
        layout: Layout::new("Sửa kế hoạch", &identity, "/ke-hoach"),
        plan_id: plan.id,
        version,
        published: plan.status == PlanStatus::Published,
        title: field(&form, "title").to_string(),
        school_year: field(&form, "school_year").to_string(),
        deadline: field(&form, "deadline").to_string(),
        number: field(&form, "number").to_string(),
        content,
        note,
        errors,
    };
    Ok((axum::http::StatusCode::BAD_REQUEST, render(&page)?).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let version = field(&form, "version").parse().ok();
    let plan = lanhmang_app::plans::publish_plan(&state.app, &identity, parse_id(&id)?, version).await?;
    Ok(Redirect::to(&format!("/ke-hoach/{}?tb=da-ban-hanh", plan.id)).into_response())
}

// ---- Schools' own plans -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "school_plans.html")]
struct SchoolPlansPage {
    layout: Layout,
    plan: PlanRow,
    rows: Vec<(i64, String, String, &'static str, usize, String)>,
    pager: Pager,
}

pub async fn school_plans(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (plan, rights) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    if !rights.review {
        return Err(AppError::Forbidden);
    }
    let paging = super::paging(&q.page, &q.per_page)?;
    let (rows, total) = state
        .store
        .school_plans_overview(&plan, &[plan.issuing_unit_id], paging)
        .await?;
    render(&SchoolPlansPage {
        layout: Layout::new("Kế hoạch của các trường", &identity, "/ke-hoach").with_notice(q.tb.as_deref()),
        rows: rows
            .into_iter()
            .map(|r| {
                (
                    r.unit_id,
                    r.unit_code,
                    r.unit_name,
                    status_label(r.status),
                    r.tasks,
                    r.submitted_at.map(crate::format::date_time).unwrap_or_default(),
                )
            })
            .collect(),
        pager: Pager::new(&format!("/ke-hoach/{}/truong", plan.id), &[], paging, total),
        plan: PlanRow::new(&plan),
    })
}

pub struct TaskRow {
    pub index: usize,
    pub plan_task: String,
    pub title: String,
    pub owner: String,
    pub starts_on: String,
    pub ends_on: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "school_plan.html")]
struct SchoolPlanPage {
    layout: Layout,
    plan: PlanRow,
    plan_id: i64,
    unit_id: i64,
    school: String,
    status: &'static str,
    version: i64,
    editable: bool,
    can_submit: bool,
    can_review: bool,
    review_comment: String,
    review_notified: String,
    note: String,
    tasks: Vec<TaskRow>,
    errors: FieldErrors,
}

fn task_rows(content: &SchoolPlanContent, blanks: usize) -> Vec<TaskRow> {
    let mut rows: Vec<TaskRow> = content
        .tasks
        .iter()
        .enumerate()
        .map(|(index, t)| TaskRow {
            index,
            plan_task: t.plan_task.clone().unwrap_or_default(),
            title: t.title.clone(),
            owner: t.owner.clone(),
            starts_on: t.starts_on.map(date_text).unwrap_or_default(),
            ends_on: t.ends_on.map(date_text).unwrap_or_default(),
            note: t.note.clone(),
        })
        .collect();
    let start = rows.len();
    rows.extend((start..start + blanks).map(|index| TaskRow {
        index,
        plan_task: String::new(),
        title: String::new(),
        owner: String::new(),
        starts_on: String::new(),
        ends_on: String::new(),
        note: String::new(),
    }));
    rows
}

async fn school_plan_page(
    state: &AppState,
    identity: &Identity,
    plan: &Plan,
    unit: &Unit,
    typed: Option<(SchoolPlanContent, String, FieldErrors)>,
    notice: Option<&str>,
) -> Result<SchoolPlanPage, AppError> {
    let stored = state.store.school_plan(plan.id, unit.id).await?;
    let status = stored.as_ref().map(|s| s.status);
    let may_write = authorize(
        &identity.permissions,
        Action::WriteSchoolReport,
        Target::Unit(&unit.ancestry),
    );
    let editable = may_write && plan.status == PlanStatus::Published && status.is_none_or(ReportStatus::editable);
    let (content, note, errors) = match typed {
        Some(t) => t,
        None => (
            stored
                .as_ref()
                .map(|s| s.content.clone())
                .unwrap_or_else(|| SchoolPlanContent::prefilled(&plan.content)),
            stored.as_ref().map(|s| s.note.clone()).unwrap_or_default(),
            FieldErrors::default(),
        ),
    };
    Ok(SchoolPlanPage {
        layout: Layout::new(format!("Kế hoạch của {}", unit.name), identity, "/ke-hoach")
            .with_notice(notice)
            .and_told(stored.as_ref().map(|s| s.review_notified.as_str()).unwrap_or_default()),
        plan: PlanRow::new(plan),
        plan_id: plan.id,
        unit_id: unit.id,
        school: unit.name.clone(),
        status: status_label(status),
        version: stored.as_ref().map(|s| s.version).unwrap_or(0),
        editable,
        can_submit: editable && stored.is_some(),
        can_review: status == Some(ReportStatus::Submitted)
            && authorize(
                &identity.permissions,
                Action::ReviewReports,
                Target::Unit(&unit.ancestry),
            ),
        review_comment: stored.as_ref().map(|s| s.review_comment.clone()).unwrap_or_default(),
        review_notified: stored.as_ref().map(|s| s.review_notified.clone()).unwrap_or_default(),
        note,
        tasks: task_rows(&content, if editable { 3 } else { 0 }),
        errors,
    })
}

async fn plan_and_school(
    state: &AppState,
    identity: &Identity,
    id: &str,
    unit_id: &str,
    action: Action,
) -> Result<(Plan, Unit), AppError> {
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, identity, parse_id(id)?).await?;
    let unit = lanhmang_app::plans::school_of_plan(&state.app, identity, &plan, parse_id(unit_id)?, action).await?;
    Ok((plan, unit))
}

pub async fn school_plan(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::ViewSchoolPlan).await?;
    render(&school_plan_page(&state, &identity, &plan, &unit, None, q.tb.as_deref()).await?)
}

pub async fn save_school_plan(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::WriteSchoolReport).await?;
    let mut errors = FieldErrors::default();
    let mut tasks = Vec::new();
    let count = form.iter().filter(|(k, _)| k.starts_with("title_")).count().min(200);
    for i in 0..count {
        let get = |name: &str| field(&form, &format!("{name}_{i}")).to_string();
        let input = SchoolTaskInput {
            plan_task: Some(get("plan_task")).filter(|s| !s.is_empty()),
            title: get("title"),
            owner: get("owner"),
            starts_on: get("starts_on"),
            ends_on: get("ends_on"),
            note: get("note"),
        };
        // An untouched blank row is not a task.
        if input.plan_task.is_none() && input.title.trim().is_empty() && input.owner.trim().is_empty() {
            continue;
        }
        match input.parse(&plan.content, plan.school_year) {
            Ok(t) => tasks.push(t),
            Err(e) => {
                errors.add(&format!("task_{i}"), format!("Dòng {}: {e}", i + 1));
                tasks.push(lanhmang_domain::plan::SchoolTask {
                    plan_task: input.plan_task.clone(),
                    title: input.title.clone(),
                    owner: input.owner.clone(),
                    starts_on: None,
                    ends_on: None,
                    note: input.note.clone(),
                });
            }
        }
    }
    let content = SchoolPlanContent { tasks };
    let note = field(&form, "note").to_string();
    if errors.is_empty() {
        let edit = lanhmang_app::plans::SchoolPlanEdit {
            content: content.clone(),
            note: note.clone(),
            expected_version: field(&form, "version").parse::<i64>().ok().filter(|v| *v > 0),
            submit: form.iter().any(|(k, _)| k == "gui"),
        };
        match lanhmang_app::plans::save_school_plan(&state.app, &identity, &plan, &unit, &edit).await {
            Ok(()) => {
                let tb = if edit.submit { "da-gui" } else { "da-luu" };
                return Ok(Redirect::to(&format!("/ke-hoach/{}/truong/{}?tb={tb}", plan.id, unit.id)).into_response());
            }
            Err(lanhmang_app::AppError::Conflict(m)) => errors.add("form", m),
            Err(e) => return Err(e.into()),
        }
    }
    let page = school_plan_page(&state, &identity, &plan, &unit, Some((content, note, errors)), None).await?;
    Ok((axum::http::StatusCode::BAD_REQUEST, render(&page)?).into_response())
}

pub async fn review_school_plan(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id, action)): Path<(String, String, String)>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::ReviewReports).await?;
    let event = match action.as_str() {
        "duyet" => ReportEvent::Accept,
        "tra-lai" => ReportEvent::Return,
        _ => return Err(AppError::NotFound),
    };
    lanhmang_app::plans::review_school_plan(&state.app, &identity, &plan, &unit, event, field(&form, "comment"))
        .await?;
    let tb = if event == ReportEvent::Accept {
        "da-duyet"
    } else {
        "da-tra-lai"
    };
    Ok(Redirect::to(&format!("/ke-hoach/{}/truong/{}?tb={tb}", plan.id, unit.id)).into_response())
}

// ---- Reports ------------------------------------------------------------------------------

/// (school id, code, name, level, status, sent at, late, started)
type ReportRow = (i64, String, String, &'static str, &'static str, String, bool, bool);

#[derive(Template)]
#[template(path = "reports_list.html")]
struct ReportsPage {
    layout: Layout,
    plan: PlanRow,
    plan_id: i64,
    rows: Vec<ReportRow>,
    pager: Pager,
    statuses: Vec<(String, String, bool)>,
    levels: Vec<(String, String, bool)>,
    missing: bool,
    filter_box: FilterBox,
}

#[derive(Deserialize, Default)]
pub struct ReportsQuery {
    #[serde(default)]
    trang_thai: String,
    #[serde(default)]
    cap_hoc: String,
    #[serde(default)]
    chua_nop: String,
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

pub async fn reports(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ReportsQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let status = match q.trang_thai.as_str() {
        "" => None,
        "chua-bat-dau" => Some(None),
        s => Some(Some(ReportStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!("Trạng thái không hợp lệ: {s}"))
        })?)),
    };
    let level = match q.cap_hoc.as_str() {
        "" => None,
        s => Some(SchoolLevel::parse(s).ok_or_else(|| AppError::BadRequest(format!("Cấp học không hợp lệ: {s}")))?),
    };
    let filter = ReportFilter {
        status,
        level,
        missing_only: !q.chua_nop.is_empty(),
    };
    let (plan, rows, total) =
        lanhmang_app::reports::reports_of_plan(&state.app, &identity, parse_id(&id)?, &filter, paging).await?;
    let mut statuses = vec![(
        "chua-bat-dau".to_string(),
        "Chưa bắt đầu".to_string(),
        status == Some(None),
    )];
    statuses.extend(
        ReportStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string(), status == Some(Some(*s)))),
    );
    let params = [
        ("trang_thai", q.trang_thai.clone()),
        ("cap_hoc", q.cap_hoc.clone()),
        ("chua_nop", q.chua_nop.clone()),
    ];
    let filter_box = FilterBox::count(&[status.is_some(), level.is_some(), !q.chua_nop.is_empty()]);
    render(&ReportsPage {
        layout: Layout::new("Báo cáo của các trường", &identity, "/ke-hoach").with_notice(q.tb.as_deref()),
        plan_id: plan.id,
        rows: rows
            .into_iter()
            .map(|r| {
                (
                    r.unit_id,
                    r.unit_code,
                    r.unit_name,
                    r.school_level.map(SchoolLevel::label).unwrap_or(""),
                    status_label(r.status),
                    r.submitted_at
                        .map(crate::format::date_time)
                        .unwrap_or_else(|| "—".into()),
                    r.late == Some(true),
                    r.status.is_some(),
                )
            })
            .collect(),
        pager: Pager::new(&format!("/ke-hoach/{}/bao-cao", plan.id), &params, paging, total),
        statuses,
        levels: SchoolLevel::ALL
            .iter()
            .map(|l| (l.as_str().to_string(), l.label().to_string(), level == Some(*l)))
            .collect(),
        filter_box,
        missing: filter.missing_only,
        plan: PlanRow::new(&plan),
    })
}

pub struct ValueRow {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub value: String,
    /// The computed figure the report holds (its baseline), as people read it.
    pub computed: String,
    pub source: String,
    /// Today's recomputed figure when it differs from the one held: offered, never applied.
    pub suggestion: String,
    /// Whether the form asks for a reason: the figure differs from the computed one, a reason
    /// was given before, or there is an error on it (decided here, not by a script).
    pub show_reason: bool,
    pub reason: String,
    pub required: bool,
    pub error: String,
}

pub struct SectionRows {
    pub id: String,
    pub title: String,
    pub rows: Vec<ValueRow>,
    /// Open on first view: the first section, or every section holding an error.
    pub open: bool,
}

/// A read-only report's banner: when it was accepted and by whom.
pub struct Acceptance {
    pub at: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportPage {
    layout: Layout,
    plan: PlanRow,
    plan_id: i64,
    unit_id: i64,
    school: String,
    status: &'static str,
    version: i64,
    editable: bool,
    reopened: bool,
    acceptance: Option<Acceptance>,
    can_request_reopen: bool,
    reopen_reason: String,
    reopen_error: String,
    can_review: bool,
    can_reopen: bool,
    late: Option<bool>,
    submitted_at: String,
    review_comment: String,
    narrative: Narrative,
    sections: Vec<SectionRows>,
    problems: Vec<String>,
    errors: FieldErrors,
    /// The error summary at the top: (the field's id to link to, the message).
    summary: Vec<(String, String)>,
    history: Vec<(String, String, &'static str, String, String)>,
}

fn value_text(v: &Option<Value>, kind: IndicatorKind) -> String {
    match (v, kind) {
        (Some(Value::Number(n)), IndicatorKind::YesNo) => if *n > 0.0 { "co" } else { "khong" }.into(),
        (Some(Value::Number(n)), _) => format_number(*n),
        (Some(Value::Text(t)), _) => t.clone(),
        (None, _) => String::new(),
    }
}

/// A computed figure as people read it.
fn figure_text(v: f64, kind: IndicatorKind) -> String {
    match kind {
        IndicatorKind::YesNo if v > 0.0 => "Có".to_string(),
        IndicatorKind::YesNo => "Không".to_string(),
        _ => format_number(v),
    }
}

fn event_label(event: &str) -> &'static str {
    match event {
        "created" => "Tạo bản nháp",
        "submitted" => "Gửi báo cáo",
        "returned" => "Trả lại",
        "accepted" => "Duyệt",
        "reopened" => "Mở lại",
        "reopen_requested" => "Đề nghị mở lại",
        _ => "Cập nhật",
    }
}

/// What the principal typed into a form that did not save, shown back as it was.
struct Typed {
    inputs: BTreeMap<String, ValueInput>,
    narrative: Narrative,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn report_page(
    state: &AppState,
    identity: &Identity,
    plan: &Plan,
    unit: &Unit,
    report: &lanhmang_store::reports::Report,
    typed: Option<Typed>,
    problems: Vec<String>,
    notice: Option<&str>,
) -> Result<ReportPage, AppError> {
    let computed = lanhmang_app::reports::computed(&state.store, plan, unit).await?;
    let may_review = authorize(
        &identity.permissions,
        Action::ReviewReports,
        Target::Unit(&unit.ancestry),
    );
    let editable = lanhmang_app::reports::may_edit(identity, unit, report.status);
    let (inputs, narrative, errors) = match typed {
        Some(t) => (Some(t.inputs), t.narrative, t.errors),
        None => (None, report.narrative.clone(), FieldErrors::default()),
    };
    let mut sections: Vec<SectionRows> = plan
        .content
        .sections
        .iter()
        .filter(|s| s.tasks.iter().any(|t| !t.indicators.is_empty()))
        .map(|s| SectionRows {
            id: format!("phan-{}", s.code.replace('.', "-")),
            title: format!("{}. {}", s.code, s.title),
            open: false,
            rows: s
                .tasks
                .iter()
                .flat_map(|t| t.indicators.iter())
                .map(|def| {
                    let stored = report.values.get(&def.code);
                    let fresh = computed.get(&def.code).map(|(v, _)| *v);
                    // The report's own figures are shown; a recomputation is only suggested.
                    let baseline = lanhmang_domain::report::baseline(stored, fresh);
                    let suggestion = if editable {
                        lanhmang_domain::report::suggestion(stored, fresh)
                    } else {
                        None
                    };
                    let (value, reason) = match inputs.as_ref().and_then(|i| i.get(&def.code)) {
                        Some(i) => (i.value.clone(), i.override_reason.clone()),
                        None => (
                            stored.map(|v| value_text(&v.value, def.kind)).unwrap_or_default(),
                            stored.map(|v| v.override_reason.clone()).unwrap_or_default(),
                        ),
                    };
                    let error = errors.get(&def.code).unwrap_or("").to_string();
                    let show_reason = baseline.is_some()
                        && (!reason.trim().is_empty()
                            || (editable
                                && (!error.is_empty()
                                    || lanhmang_domain::report::differs_from_baseline(def, &value, baseline))));
                    ValueRow {
                        code: def.code.clone(),
                        name: def.name.clone(),
                        kind: match def.kind {
                            IndicatorKind::Number => "number",
                            IndicatorKind::YesNo => "yes_no",
                            IndicatorKind::Text => "text",
                        },
                        value,
                        computed: baseline.map(|v| figure_text(v, def.kind)).unwrap_or_default(),
                        source: lanhmang_domain::report::indicator_source(&def.code)
                            .unwrap_or_default()
                            .to_string(),
                        suggestion: suggestion.map(|v| figure_text(v, def.kind)).unwrap_or_default(),
                        show_reason,
                        reason,
                        required: def.required,
                        error,
                    }
                })
                .collect(),
        })
        .collect();
    // On a phone the form is long: open the sections with errors, else the first one; a
    // read-only report is read whole.
    let any_error = sections.iter().any(|s| s.rows.iter().any(|r| !r.error.is_empty()));
    for (i, s) in sections.iter_mut().enumerate() {
        s.open = !editable || (any_error && s.rows.iter().any(|r| !r.error.is_empty())) || (!any_error && i == 0);
    }
    let mut summary: Vec<(String, String)> = Vec::new();
    for s in &sections {
        for r in s.rows.iter().filter(|r| !r.error.is_empty()) {
            summary.push((format!("v-{}", r.code), r.error.clone()));
        }
    }
    if let Some(e) = errors.get("narrative") {
        summary.push(("results".into(), e.to_string()));
    }
    if let Some(e) = errors.get("form") {
        summary.push((String::new(), e.to_string()));
    }
    let history = state.store.report_history(report.id).await?;
    // The newest step is the review a notice may just have announced: say whom it told.
    let last_told = history.first().map(|h| h.notified.clone()).unwrap_or_default();
    let history = history
        .into_iter()
        .map(|h| {
            (
                crate::format::date_time(h.at),
                h.actor_name,
                event_label(&h.event),
                h.comment,
                h.notified,
            )
        })
        .collect();
    let acceptance = lanhmang_app::reports::acceptance(&state.app, report)
        .await?
        .map(|(at, by)| Acceptance {
            at: crate::format::date_time(at),
            by,
        })
        .or_else(|| {
            // Accepted before its history was kept: the date alone.
            (report.status == ReportStatus::Accepted).then(|| Acceptance {
                at: report.accepted_at.map(crate::format::date_time).unwrap_or_default(),
                by: String::new(),
            })
        });
    Ok(ReportPage {
        layout: Layout::new(
            format!("Báo cáo năm học {} · {}", plan.school_year.label(), unit.name),
            identity,
            "/ke-hoach",
        )
        .with_notice(notice)
        .and_told(&last_told),
        plan: PlanRow::new(plan),
        plan_id: plan.id,
        unit_id: unit.id,
        school: unit.name.clone(),
        status: report.status.label(),
        version: report.version,
        editable,
        reopened: report.status == ReportStatus::Reopened,
        acceptance,
        can_request_reopen: lanhmang_app::reports::may_request_reopen(identity, unit, report.status),
        reopen_reason: String::new(),
        reopen_error: String::new(),
        can_review: may_review && report.status == ReportStatus::Submitted,
        can_reopen: may_review && report.status == ReportStatus::Accepted,
        late: report.late,
        submitted_at: report.submitted_at.map(crate::format::date_time).unwrap_or_default(),
        review_comment: report.review_comment.clone(),
        narrative,
        sections,
        problems,
        errors,
        summary,
        history,
    })
}

pub async fn report(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::ViewReports).await?;
    let report = match state.store.report(plan.id, unit.id).await? {
        Some(r) => r,
        // The principal opening it for the first time gets the pre-filled draft.
        None if authorize(
            &identity.permissions,
            Action::WriteSchoolReport,
            Target::Unit(&unit.ancestry),
        ) =>
        {
            lanhmang_app::reports::report_or_draft(&state.app, &plan, &unit).await?
        }
        None => return Err(AppError::Conflict(format!("{} chưa bắt đầu lập báo cáo.", unit.name))),
    };
    render(
        &report_page(
            &state,
            &identity,
            &plan,
            &unit,
            &report,
            None,
            Vec::new(),
            q.tb.as_deref(),
        )
        .await?,
    )
}

/// Saves the form; with `gui` also submits it, if the rules allow.
pub async fn save_report(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::WriteSchoolReport).await?;
    let version: i64 = field(&form, "version")
        .parse()
        .map_err(|_| AppError::BadRequest("Thiếu phiên bản của báo cáo; hãy tải lại trang.".into()))?;
    let inputs: BTreeMap<String, ValueInput> = plan
        .content
        .indicators()
        .map(|def| {
            (
                def.code.clone(),
                ValueInput {
                    value: field(&form, &format!("v:{}", def.code)).to_string(),
                    override_reason: field(&form, &format!("r:{}", def.code)).to_string(),
                    use_computed: !field(&form, &format!("u:{}", def.code)).is_empty(),
                },
            )
        })
        .collect();
    let narrative = Narrative {
        results: field(&form, "results").to_string(),
        strengths: field(&form, "strengths").to_string(),
        limitations: field(&form, "limitations").to_string(),
        proposals: field(&form, "proposals").to_string(),
    };
    let mut errors = FieldErrors::default();
    match lanhmang_app::reports::save_report(&state.app, &identity, &plan, &unit, version, &inputs, &narrative).await {
        Ok(saved) => {
            if !form.iter().any(|(k, _)| k == "gui") {
                return Ok(
                    Redirect::to(&format!("/ke-hoach/{}/bao-cao/{}?tb=da-luu", plan.id, unit.id)).into_response(),
                );
            }
            let ctx = identity.acting.audit();
            return match lanhmang_app::reports::submit(&state.app, &ctx, &plan, &unit, &saved, saved.version).await {
                Ok(_) => {
                    Ok(Redirect::to(&format!("/ke-hoach/{}/bao-cao/{}?tb=da-gui", plan.id, unit.id)).into_response())
                }
                Err(lanhmang_app::AppError::Invalid(problems)) => {
                    let problems = lanhmang_app::error::messages(&problems);
                    let page =
                        report_page(&state, &identity, &plan, &unit, &saved, None, problems, Some("da-luu")).await?;
                    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
                }
                Err(e) => Err(e.into()),
            };
        }
        Err(lanhmang_app::AppError::Invalid(problems)) => errors.add_problems(problems),
        // A locked report or a stale version: the page says why; nothing was written.
        Err(e) => return Err(e.into()),
    }
    let report = lanhmang_app::reports::report_or_draft(&state.app, &plan, &unit).await?;
    let page = report_page(
        &state,
        &identity,
        &plan,
        &unit,
        &report,
        Some(Typed {
            inputs,
            narrative,
            errors,
        }),
        Vec::new(),
        None,
    )
    .await?;
    Ok((axum::http::StatusCode::BAD_REQUEST, render(&page)?).into_response())
}

/// The principal asks the office to reopen the school's accepted report.
pub async fn request_reopen(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, unit_id)): Path<(String, String)>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::WriteSchoolReport).await?;
    let reason = field(&form, "reason");
    match lanhmang_app::reports::request_reopen(&state.app, &identity, &plan, &unit, reason).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/ke-hoach/{}/bao-cao/{}?tb=da-de-nghi-mo-lai",
            plan.id, unit.id
        ))
        .into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let report = lanhmang_app::reports::report_or_draft(&state.app, &plan, &unit).await?;
            let mut page = report_page(&state, &identity, &plan, &unit, &report, None, Vec::new(), None).await?;
            let message = lanhmang_app::error::messages(&problems).join(" ");
            page.summary.push(("reopen-reason".into(), message.clone()));
            page.reopen_error = message;
            page.reopen_reason = reason.to_string();
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn review_report(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path((id, unit_id, action)): Path<(String, String, String)>,
    PageForm(form): PageForm<Fields>,
) -> Result<Response, AppError> {
    let (plan, unit) = plan_and_school(&state, &identity, &id, &unit_id, Action::ReviewReports).await?;
    let event = match action.as_str() {
        "duyet" => ReportEvent::Accept,
        "tra-lai" => ReportEvent::Return,
        "mo-lai" => ReportEvent::Reopen,
        _ => return Err(AppError::NotFound),
    };
    let report = state.store.report(plan.id, unit.id).await?.ok_or(AppError::NotFound)?;
    let version = field(&form, "version").parse().unwrap_or(report.version);
    lanhmang_app::reports::review(
        &state.app,
        &identity.audit(&ip),
        &plan,
        &unit,
        &report,
        version,
        event,
        field(&form, "comment"),
    )
    .await?;
    let tb = match event {
        ReportEvent::Accept => "da-duyet",
        ReportEvent::Reopen => "da-mo-lai",
        _ => "da-tra-lai",
    };
    Ok(Redirect::to(&format!("/ke-hoach/{}/bao-cao/{}?tb={tb}", plan.id, unit.id)).into_response())
}

/// The principal's shortcut: the report of their school for the newest published plan.
pub async fn my_report(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    let roots = scope_roots(&identity.permissions, Action::WriteSchoolReport);
    let units = state.store.units_by_ids(&roots).await?;
    for unit in units.iter().filter(|u| u.kind == UnitKind::School) {
        if let Some(plan) = state.store.plans_for_school(&unit.ancestry).await?.into_iter().next() {
            return Ok(Redirect::to(&format!("/ke-hoach/{}/bao-cao/{}", plan.id, unit.id)).into_response());
        }
    }
    Ok(Redirect::to("/ke-hoach").into_response())
}
