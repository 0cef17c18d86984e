//! `/api/v1` for the yearly loop: plans, activities, reports and the dashboard. Same rules as
//! the pages (crate::yearly); a school sees only itself, an office its subtree.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanhmang_domain::activity::ActivityInput;
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::plan::PlanContent;
use lanhmang_domain::report::{ReportEvent, Value, ValueInput};
use lanhmang_domain::{Action, Target, authorize};
use lanhmang_store::activities::{Activity, ActivityFilter};
use lanhmang_store::plans::{Plan, PlanScope};
use lanhmang_store::reports::{Narrative, Report};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{ApiIdentity, ApiJson, ApiQuery, ListJson, OptionalJson, paging};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::ApiError;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

#[derive(Serialize)]
pub struct PlanJson {
    id: i64,
    title: String,
    issuing_unit_id: i64,
    issuing_unit_name: String,
    school_year: String,
    deadline: String,
    number: Option<String>,
    template: String,
    status: &'static str,
    version: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    published_at: Option<time::OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<PlanContent>,
}

impl PlanJson {
    fn new(p: Plan, with_content: bool) -> PlanJson {
        PlanJson {
            id: p.id,
            title: p.title,
            issuing_unit_id: p.issuing_unit_id,
            issuing_unit_name: p.issuing_unit_name,
            school_year: p.school_year.code(),
            deadline: p.deadline.to_string(),
            number: p.number.as_ref().map(|n| n.format()),
            template: p.template_code,
            status: p.status.as_str(),
            version: p.version,
            published_at: p.published_at,
            content: with_content.then_some(p.content),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PlansQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list_plans(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<PlansQuery>,
) -> Result<Json<ListJson<PlanJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let units = lanhmang_app::plans::grant_units(&state.app, &identity).await?;
    let scope = PlanScope {
        roots: scope_roots(&identity.permissions, Action::ManagePlans)
            .into_iter()
            .chain(scope_roots(&identity.permissions, Action::ViewDashboard))
            .collect(),
        ancestors: units
            .iter()
            .filter(|u| authorize(&identity.permissions, Action::ViewPlans, Target::Unit(&u.ancestry)))
            .flat_map(|u| u.ancestry.clone())
            .collect(),
    };
    let (plans, total) = state.store.list_plans(&scope, paging).await?;
    Ok(Json(ListJson {
        items: plans.into_iter().map(|p| PlanJson::new(p, false)).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[derive(Deserialize)]
pub struct NewPlanJson {
    title: String,
    school_year: String,
    #[serde(default)]
    deadline: String,
    #[serde(default = "builtin")]
    template: String,
    #[serde(default)]
    number: String,
    issuing_unit_id: Option<i64>,
}

fn builtin() -> String {
    "builtin".into()
}

pub async fn create_plan(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewPlanJson>,
) -> Result<Response, ApiError> {
    let input = lanhmang_app::plans::NewPlan {
        issuing_unit_id: body.issuing_unit_id,
        title: body.title,
        school_year: body.school_year,
        deadline: body.deadline,
        number: body.number,
        template: Some(body.template),
    };
    let plan = lanhmang_app::plans::create_plan(&state.app, &identity, &input).await?;
    Ok((StatusCode::CREATED, Json(PlanJson::new(plan, true))).into_response())
}

pub async fn get_plan(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(plan_id): Path<String>,
) -> Result<Json<PlanJson>, ApiError> {
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, &identity, id(&plan_id)?).await?;
    Ok(Json(PlanJson::new(plan, true)))
}

#[derive(Deserialize, Default)]
pub struct VersionJson {
    version: Option<i64>,
}

pub async fn publish_plan(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(plan_id): Path<String>,
    OptionalJson(body): OptionalJson<VersionJson>,
) -> Result<Json<PlanJson>, ApiError> {
    let version = body.and_then(|b| b.version);
    let plan = lanhmang_app::plans::publish_plan(&state.app, &identity, id(&plan_id)?, version).await?;
    Ok(Json(PlanJson::new(plan, false)))
}

/// Pupils as a plain total or by grade band.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum PupilsJson {
    Total(serde_json::Number),
    Bands {
        #[serde(default)]
        grades_1_2: Option<serde_json::Number>,
        #[serde(default)]
        grades_3_5: Option<serde_json::Number>,
        #[serde(default)]
        grades_6_7: Option<serde_json::Number>,
        #[serde(default)]
        grades_8_9: Option<serde_json::Number>,
        #[serde(default)]
        other: Option<serde_json::Number>,
    },
}

#[derive(Deserialize, Default)]
pub struct AudienceJson {
    teachers: Option<serde_json::Number>,
    staff: Option<serde_json::Number>,
    pupils: Option<PupilsJson>,
    parents: Option<serde_json::Number>,
}

#[derive(Deserialize)]
pub struct NewActivityJson {
    unit_id: i64,
    plan_id: i64,
    kind: String,
    date: String,
    title: String,
    #[serde(default)]
    audience: AudienceJson,
    #[serde(default)]
    tasks: Vec<String>,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    links: Vec<String>,
}

#[derive(Serialize)]
pub struct ActivityJson {
    id: i64,
    unit_id: i64,
    unit_name: String,
    plan_id: i64,
    kind: &'static str,
    tasks: Vec<String>,
    date: String,
    title: String,
    audience: serde_json::Value,
    partner: String,
    description: String,
    evidence_count: i64,
}

impl From<Activity> for ActivityJson {
    fn from(a: Activity) -> ActivityJson {
        let au = a.audience;
        ActivityJson {
            id: a.id,
            unit_id: a.unit_id,
            unit_name: a.unit_name,
            plan_id: a.plan_id,
            kind: a.kind.as_str(),
            tasks: a.tasks,
            date: a.held_on.to_string(),
            title: a.title,
            audience: json!({
                "teachers": au.teachers, "staff": au.staff, "parents": au.parents,
                "pupils": au.pupils(),
                "pupils_by_grade": {"grades_1_2": au.pupils_g1_2, "grades_3_5": au.pupils_g3_5,
                    "grades_6_7": au.pupils_g6_7, "grades_8_9": au.pupils_g8_9, "other": au.pupils_other},
            }),
            partner: a.partner,
            description: a.description,
            evidence_count: a.evidence_count,
        }
    }
}

fn number_text(n: &Option<serde_json::Number>) -> String {
    n.as_ref().map(|n| n.to_string()).unwrap_or_default()
}

pub async fn create_activity(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewActivityJson>,
) -> Result<Response, ApiError> {
    let a = &body.audience;
    let mut bands = [
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ];
    match &a.pupils {
        Some(PupilsJson::Total(n)) => bands[4] = n.to_string(),
        Some(PupilsJson::Bands {
            grades_1_2,
            grades_3_5,
            grades_6_7,
            grades_8_9,
            other,
        }) => {
            for (i, n) in [grades_1_2, grades_3_5, grades_6_7, grades_8_9, other]
                .into_iter()
                .enumerate()
            {
                bands[i] = number_text(n);
            }
        }
        None => {}
    }
    let [b12, b35, b67, b89, other] = bands;
    let input = ActivityInput {
        kind: body.kind.clone(),
        tasks: body.tasks.clone(),
        held_on: body.date.clone(),
        title: body.title.clone(),
        audience: [
            number_text(&a.teachers),
            number_text(&a.staff),
            b12,
            b35,
            b67,
            b89,
            other,
            number_text(&a.parents),
        ],
        partner: body.partner.clone(),
        description: body.description.clone(),
    };
    let draft = lanhmang_app::activities::ActivityDraft {
        unit_id: Some(body.unit_id),
        plan_id: Some(body.plan_id),
        input,
        links: body.links,
        uploads: Vec::new(),
    };
    let activity = lanhmang_app::activities::log_activity(&state.app, &identity, draft).await?;
    Ok((StatusCode::CREATED, Json(ActivityJson::from(activity))).into_response())
}

#[derive(Deserialize, Default)]
pub struct ActivitiesQuery {
    plan_id: Option<String>,
    unit_id: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list_activities(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<ActivitiesQuery>,
) -> Result<Json<ListJson<ActivityJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let number = |raw: &Option<String>, name: &str| {
        lanhmang_app::supervision::optional_id(raw, name).map_err(ApiError::BadRequest)
    };
    let filter = ActivityFilter {
        plan_id: number(&q.plan_id, "plan_id")?,
        unit_id: number(&q.unit_id, "unit_id")?,
        kind: super::filter_value(&q.kind, lanhmang_domain::activity::ActivityKind::parse, "kind")?,
        query: q.q.clone(),
        ..Default::default()
    };
    let roots = scope_roots(&identity.permissions, Action::ViewActivities);
    let (rows, total) = state.store.list_activities(&roots, &filter, paging).await?;
    Ok(Json(ListJson {
        items: rows.into_iter().map(ActivityJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[derive(Serialize)]
pub struct ValueJson {
    value: Option<Value>,
    computed: Option<f64>,
    override_reason: String,
}

#[derive(Serialize)]
pub struct ReportJson {
    plan_id: i64,
    unit_id: i64,
    status: &'static str,
    version: i64,
    late: Option<bool>,
    #[serde(with = "time::serde::rfc3339::option")]
    first_submitted_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    submitted_at: Option<time::OffsetDateTime>,
    review_comment: String,
    narrative: Narrative,
    values: BTreeMap<String, ValueJson>,
    /// After a review: who it told ("Đã báo cho …" or that no one was).
    #[serde(skip_serializing_if = "Option::is_none")]
    notified: Option<String>,
}

impl From<Report> for ReportJson {
    fn from(r: Report) -> ReportJson {
        ReportJson {
            plan_id: r.plan_id,
            unit_id: r.unit_id,
            status: r.status.as_str(),
            version: r.version,
            late: r.late,
            first_submitted_at: r.first_submitted_at,
            submitted_at: r.submitted_at,
            review_comment: r.review_comment,
            narrative: r.narrative,
            notified: None,
            values: r
                .values
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        ValueJson {
                            value: v.value,
                            computed: v.computed,
                            override_reason: v.override_reason,
                        },
                    )
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ReportsQuery {
    page: Option<String>,
    per_page: Option<String>,
    status: Option<String>,
    school_level: Option<String>,
    missing: Option<String>,
}

/// One school in the list of a plan's reports.
#[derive(Serialize)]
pub struct ReportEntryJson {
    plan_id: i64,
    unit_id: i64,
    unit_code: String,
    unit_name: String,
    school_level: Option<&'static str>,
    status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    submitted_at: Option<time::OffsetDateTime>,
    late: Option<bool>,
}

pub async fn list_reports(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(plan_id): Path<String>,
    ApiQuery(q): ApiQuery<ReportsQuery>,
) -> Result<Json<ListJson<ReportEntryJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let status = match q.status.as_deref().unwrap_or("") {
        "" => None,
        "not_started" => Some(None),
        s => Some(Some(lanhmang_domain::report::ReportStatus::parse(s).ok_or_else(
            || ApiError::BadRequest(format!("Trạng thái không hợp lệ: {s}")),
        )?)),
    };
    let level = match q.school_level.as_deref().unwrap_or("") {
        "" => None,
        s => Some(
            lanhmang_domain::SchoolLevel::parse(s)
                .ok_or_else(|| ApiError::BadRequest(format!("Cấp học không hợp lệ: {s}")))?,
        ),
    };
    let missing_only = match q.missing.as_deref().unwrap_or("") {
        "" | "false" => false,
        "true" => true,
        s => {
            return Err(ApiError::BadRequest(format!(
                "missing chỉ nhận true hoặc false, không phải «{s}»"
            )));
        }
    };
    let filter = lanhmang_store::reports::ReportFilter {
        status,
        level,
        missing_only,
    };
    let (plan, rows, total) =
        lanhmang_app::reports::reports_of_plan(&state.app, &identity, id(&plan_id)?, &filter, paging).await?;
    Ok(Json(ListJson {
        items: rows
            .into_iter()
            .map(|r| ReportEntryJson {
                plan_id: plan.id,
                unit_id: r.unit_id,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                school_level: r.school_level.map(|l| l.as_str()),
                status: r.status.map(|s| s.as_str()).unwrap_or("not_started"),
                submitted_at: r.submitted_at,
                late: r.late,
            })
            .collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Reading a report needs ViewReports on the school; writing needs WriteSchoolReport.
async fn plan_and_school(
    state: &AppState,
    identity: &crate::auth::Identity,
    plan_id: &str,
    unit_id: &str,
    action: Action,
) -> Result<(Plan, lanhmang_store::Unit), ApiError> {
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, identity, id(plan_id)?).await?;
    let unit = lanhmang_app::plans::school_of_plan(&state.app, identity, &plan, id(unit_id)?, action).await?;
    Ok((plan, unit))
}

pub async fn get_report(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((plan_id, unit_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (plan, unit) = plan_and_school(&state, &identity, &plan_id, &unit_id, Action::ViewReports).await?;
    match state.store.report(plan.id, unit.id).await? {
        Some(r) => Ok(Json(ReportJson::from(r)).into_response()),
        None => {
            // Nothing written yet: show what the draft would hold, without creating it, and the
            // version its first save must name (the same as the page's form).
            let computed = lanhmang_app::reports::computed(&state.store, &plan, &unit).await?;
            let values: BTreeMap<String, serde_json::Value> = computed
                .iter()
                .map(|(k, (v, source))| (k.clone(), json!({"value": v, "computed": v, "source": source})))
                .collect();
            Ok(Json(json!({
                "plan_id": plan.id, "unit_id": unit.id, "status": "not_started",
                "version": lanhmang_domain::report::FIRST_REPORT_VERSION,
                "values": values,
            }))
            .into_response())
        }
    }
}

/// A value as sent: a bare number/string/bool, or `{"value": …, "override_reason": "…"}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum ValueBody {
    Full {
        #[serde(default)]
        value: serde_json::Value,
        #[serde(default)]
        override_reason: String,
        /// Take today's recomputed figure (never applied otherwise).
        #[serde(default)]
        use_computed: bool,
    },
    Bare(serde_json::Value),
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(true) => "có".into(),
        serde_json::Value::Bool(false) => "không".into(),
        serde_json::Value::Number(n) => n.to_string().replace('.', ","),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
pub struct SaveReportJson {
    version: Option<i64>,
    #[serde(default)]
    narrative: Option<Narrative>,
    #[serde(default)]
    values: BTreeMap<String, ValueBody>,
}

pub async fn put_report(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((plan_id, unit_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<SaveReportJson>,
) -> Result<Json<ReportJson>, ApiError> {
    let (plan, unit) = plan_and_school(&state, &identity, &plan_id, &unit_id, Action::WriteSchoolReport).await?;
    let report = lanhmang_app::reports::report_or_draft(&state.app, &plan, &unit).await?;
    let existed = report.id != 0;
    let version = match (body.version, existed) {
        (Some(v), _) => v,
        (None, false) => report.version,
        (None, true) => {
            // The report exists: saving blind could overwrite someone else's work.
            return Err(ApiError::Conflict(
                "Báo cáo đã có: hãy gửi kèm \"version\" của báo cáo đã đọc, để không ghi đè thay đổi của người khác."
                    .into(),
            ));
        }
    };
    // Values not sent keep what the report holds.
    let mut inputs: BTreeMap<String, ValueInput> = report
        .values
        .iter()
        .map(|(k, v)| {
            let value = match &v.value {
                Some(Value::Number(n)) => n.to_string().replace('.', ","),
                Some(Value::Text(t)) => t.clone(),
                None => String::new(),
            };
            (
                k.clone(),
                ValueInput {
                    value,
                    override_reason: v.override_reason.clone(),
                    use_computed: false,
                },
            )
        })
        .collect();
    for (k, v) in &body.values {
        let input = match v {
            ValueBody::Full {
                value,
                override_reason,
                use_computed,
            } => ValueInput {
                value: value_text(value),
                override_reason: override_reason.clone(),
                use_computed: *use_computed,
            },
            ValueBody::Bare(value) => ValueInput {
                value: value_text(value),
                override_reason: String::new(),
                use_computed: false,
            },
        };
        inputs.insert(k.clone(), input);
    }
    let narrative = body.narrative.as_ref().unwrap_or(&report.narrative);
    let saved =
        lanhmang_app::reports::save_report(&state.app, &identity, &plan, &unit, version, &inputs, narrative).await?;
    Ok(Json(ReportJson::from(saved)))
}

#[derive(Deserialize, Default)]
pub struct ReviewJson {
    version: Option<i64>,
    #[serde(default)]
    comment: String,
}

pub async fn submit_report(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    Path((plan_id, unit_id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<ReviewJson>,
) -> Result<Json<ReportJson>, ApiError> {
    let (plan, unit) = plan_and_school(&state, &identity, &plan_id, &unit_id, Action::WriteSchoolReport).await?;
    let ctx = identity.audit(&ip);
    let report = lanhmang_app::reports::report_for(&state.app, &ctx, &plan, &unit).await?;
    let version = body.and_then(|b| b.version).unwrap_or(report.version);
    let submitted = lanhmang_app::reports::submit(&state.app, &ctx, &plan, &unit, &report, version).await?;
    Ok(Json(ReportJson::from(submitted)))
}

async fn review(
    state: AppState,
    identity: crate::auth::Identity,
    ip: ClientIp,
    plan_id: String,
    unit_id: String,
    body: Option<ReviewJson>,
    event: ReportEvent,
) -> Result<Json<ReportJson>, ApiError> {
    let (plan, unit) = plan_and_school(&state, &identity, &plan_id, &unit_id, Action::ReviewReports).await?;
    let report = state
        .store
        .report(plan.id, unit.id)
        .await?
        .ok_or_else(|| ApiError::Conflict("Trường chưa lập báo cáo nên chưa có gì để xem xét.".into()))?;
    let body = body.unwrap_or_default();
    let version = body.version.unwrap_or(report.version);
    let done = lanhmang_app::reports::review(
        &state.app,
        &identity.audit(&ip),
        &plan,
        &unit,
        &report,
        version,
        event,
        &body.comment,
    )
    .await
    .map_err(ApiError::from)?;
    let mut json = ReportJson::from(done.report);
    json.notified = Some(done.told.sentence());
    Ok(Json(json))
}

pub async fn return_report(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    Path((plan_id, unit_id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<ReviewJson>,
) -> Result<Json<ReportJson>, ApiError> {
    review(state, identity, ip, plan_id, unit_id, body, ReportEvent::Return).await
}

pub async fn accept_report(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    Path((plan_id, unit_id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<ReviewJson>,
) -> Result<Json<ReportJson>, ApiError> {
    review(state, identity, ip, plan_id, unit_id, body, ReportEvent::Accept).await
}

pub async fn reopen_report(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ip: ClientIp,
    Path((plan_id, unit_id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<ReviewJson>,
) -> Result<Json<ReportJson>, ApiError> {
    review(state, identity, ip, plan_id, unit_id, body, ReportEvent::Reopen).await
}

#[derive(Deserialize)]
pub struct ReopenRequestJson {
    #[serde(default)]
    reason: String,
}

/// The principal asks the office to reopen the school's accepted report.
pub async fn request_reopen(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((plan_id, unit_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReopenRequestJson>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (plan, unit) = plan_and_school(&state, &identity, &plan_id, &unit_id, Action::WriteSchoolReport).await?;
    let told = lanhmang_app::reports::request_reopen(&state.app, &identity, &plan, &unit, &body.reason).await?;
    let report = state.store.report(plan.id, unit.id).await?;
    Ok(Json(json!({
        "status": report.map(|r| r.status.as_str()).unwrap_or("not_started"),
        "notified": told.sentence(),
    })))
}

pub async fn dashboard(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(plan_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, &identity, id(&plan_id)?).await?;
    let roots = lanhmang_app::dashboard::dashboard_roots(&identity, &plan);
    if roots.is_empty() {
        return Err(ApiError::Forbidden);
    }
    let data = state.store.plan_dashboard(&plan, &roots).await?;
    let defs: Vec<_> = plan.content.indicators().collect();
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);
    Ok(Json(json!({
        "plan_id": plan.id,
        "deadline": plan.deadline.to_string(),
        "expected": d.total.expected,
        "submitted": d.total.submitted,
        "on_time": d.total.on_time,
        "late": d.total.late,
        "accepted": d.total.accepted,
        "returned": d.total.returned,
        "reopened": d.total.reopened,
        "completeness": d.total.completeness,
        "timeliness": d.total.timeliness,
        "by_level": d.by_level,
        "indicators": d.indicators.iter().map(|i| json!({
            "code": i.code, "name": i.name, "aggregation": i.aggregation, "value": i.value,
            "reporting": i.reporting, "min": i.min, "max": i.max,
        })).collect::<Vec<_>>(),
    })))
}
