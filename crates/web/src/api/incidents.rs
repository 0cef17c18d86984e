//! `/api/v1` for incidents: categories, reports, the case list and one case, moves and notes,
//! and the public form's twin with its receipt. Same rules as the pages
//! (`lanhmang_app::incidents`): a restricted case's details are left out for whoever may not
//! read them; out of scope is a 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanhmang_app::incidents::{
    self as service, ClockLine, MoveInput, PublicReportInput, RawFilter, ReportInput, Shown, WorkingTimeInput,
};
use lanhmang_domain::incident::clock::{WorkingTime, hour_minute_text};
use lanhmang_domain::incident::{Category, MAX_CATEGORY_CODE, MAX_CATEGORY_NAME};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use super::{ApiIdentity, ApiJson, ApiQuery, ListJson, paging};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::ApiError;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

/// A category as the system administrator sends it; the code comes in the path when changing.
#[derive(Deserialize)]
pub struct CategoryInputJson {
    #[serde(default)]
    code: Option<String>,
    name: String,
    #[serde(default)]
    restricted: bool,
    #[serde(default)]
    urgent: bool,
    #[serde(default)]
    feedback: bool,
    #[serde(default = "default_position")]
    position: i64,
    #[serde(default = "default_active")]
    active: bool,
}

fn default_position() -> i64 {
    100
}

fn default_active() -> bool {
    true
}

impl CategoryInputJson {
    fn category(self, code: String) -> Category {
        Category {
            code,
            name: self.name,
            restricted: self.restricted,
            urgent: self.urgent,
            feedback: self.feedback,
            position: self.position,
            active: self.active,
        }
    }
}

pub async fn create_category(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<CategoryInputJson>,
) -> Result<(StatusCode, Json<Category>), ApiError> {
    let code = body.code.clone().unwrap_or_default();
    let saved = service::save_category(&state.app, &identity, body.category(code), true).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

pub async fn update_category(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<CategoryInputJson>,
) -> Result<Json<Category>, ApiError> {
    Ok(Json(
        service::save_category(&state.app, &identity, body.category(code), false).await?,
    ))
}

/// The clocks' working time as the API sends and takes it.
#[derive(Serialize, Deserialize)]
pub struct WorkingTimeJson {
    day_start: String,
    day_end: String,
    weekdays: Vec<u8>,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default, skip_deserializing, with = "time::serde::rfc3339::option")]
    updated_at: Option<OffsetDateTime>,
}

impl WorkingTimeJson {
    fn of(wt: &WorkingTime, updated_at: Option<OffsetDateTime>) -> WorkingTimeJson {
        WorkingTimeJson {
            day_start: hour_minute_text(wt.day_start),
            day_end: hour_minute_text(wt.day_end),
            weekdays: wt.weekdays.iter().map(|d| d.number_from_monday()).collect(),
            holidays: wt.holidays.iter().map(|d| d.to_string()).collect(),
            updated_at,
        }
    }
}

pub async fn working_time(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
) -> Result<Json<WorkingTimeJson>, ApiError> {
    let (wt, updated_at) = service::working_time_settings(&state.app, &identity).await?;
    Ok(Json(WorkingTimeJson::of(&wt, updated_at)))
}

pub async fn save_working_time(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<WorkingTimeJson>,
) -> Result<Json<WorkingTimeJson>, ApiError> {
    let input = WorkingTimeInput {
        day_start: body.day_start,
        day_end: body.day_end,
        weekdays: body.weekdays,
        holidays: body.holidays.join("\n"),
    };
    service::save_working_time(&state.app, &identity, input).await?;
    let (wt, updated_at) = service::working_time_settings(&state.app, &identity).await?;
    Ok(Json(WorkingTimeJson::of(&wt, updated_at)))
}

#[derive(Serialize)]
pub struct CategoryJson {
    code: String,
    name: String,
    restricted: bool,
    urgent: bool,
    feedback: bool,
}

pub async fn categories(State(state): State<AppState>) -> Result<Json<Vec<CategoryJson>>, ApiError> {
    Ok(Json(
        service::categories(&state.app)
            .await?
            .into_iter()
            .map(|c| CategoryJson {
                code: c.code,
                name: c.name,
                restricted: c.restricted,
                urgent: c.urgent,
                feedback: c.feedback,
            })
            .collect(),
    ))
}

#[derive(Serialize)]
pub struct ClockJson {
    /// met, running, overdue, paused, not_running
    status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    at: Option<OffsetDateTime>,
}

impl From<ClockLine> for ClockJson {
    fn from(c: ClockLine) -> ClockJson {
        match c {
            ClockLine::Met { at, on_time } => ClockJson {
                status: if on_time { "met" } else { "met_late" },
                at: Some(at),
            },
            ClockLine::Due { at, overdue } => ClockJson {
                status: if overdue { "overdue" } else { "running" },
                at: Some(at),
            },
            ClockLine::Paused => ClockJson {
                status: "paused",
                at: None,
            },
            ClockLine::NotRunning => ClockJson {
                status: "not_running",
                at: None,
            },
        }
    }
}

/// A case; the fields after `details` are present only when the caller may read them.
#[derive(Serialize)]
pub struct IncidentJson {
    id: i64,
    unit_id: i64,
    unit_name: String,
    state: &'static str,
    severity: &'static str,
    restricted: bool,
    public: bool,
    version: i64,
    #[serde(with = "time::serde::rfc3339")]
    received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    response_due_at: Option<OffsetDateTime>,
    response: ClockJson,
    resolution: ClockJson,
    details: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    affected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    handler_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    referral: Option<&'static str>,
}

impl From<Shown> for IncidentJson {
    fn from(s: Shown) -> IncidentJson {
        let (response, resolution) = service::clocks_now(&s.incident);
        let i = s.incident;
        let d = s.details;
        IncidentJson {
            id: i.id,
            unit_id: i.unit_id,
            unit_name: i.unit_name,
            state: i.state.as_str(),
            severity: i.severity.as_str(),
            restricted: i.restricted,
            public: i.public,
            version: i.version,
            received_at: i.received_at,
            due_at: i.resolution_due_at,
            response_due_at: i.response_due_at,
            response: response.into(),
            resolution: resolution.into(),
            details: d,
            category: d.then_some(i.category),
            description: d.then_some(i.description),
            links: d.then_some(i.links),
            affected: d.then_some(i.affected),
            outcome: d.then_some(i.outcome),
            handler_id: if d { i.handler_id } else { None },
            referral: if d { i.referral.map(|r| r.as_str()) } else { None },
        }
    }
}

#[derive(Deserialize)]
pub struct NewIncidentJson {
    unit_id: i64,
    category: String,
    description: String,
    #[serde(default)]
    links: Vec<String>,
    #[serde(default)]
    happened_on: Option<String>,
    #[serde(default)]
    affected: Option<String>,
    #[serde(default)]
    child_in_danger: bool,
}

pub async fn create(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewIncidentJson>,
) -> Result<Response, ApiError> {
    let input = ReportInput {
        unit_id: Some(body.unit_id),
        category: body.category,
        description: body.description,
        links: body.links,
        happened_on: body.happened_on,
        affected: body.affected.unwrap_or_default(),
        child_in_danger: body.child_in_danger,
    };
    let (incident, told) = service::report(&state.app, &identity, input).await?;
    let mut json = serde_json::to_value(IncidentJson::from(service::shown(&identity, incident)))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    json["notified"] = json!(told.sentence());
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    unit_id: Option<String>,
    state: Option<String>,
    category: Option<String>,
    overdue: Option<String>,
    mine: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListJson<IncidentJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let unit_id = lanhmang_app::supervision::optional_id(&q.unit_id, "unit_id").map_err(ApiError::BadRequest)?;
    let overdue = match q.overdue.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(ApiError::BadRequest(format!(
                "Giá trị overdue không hợp lệ: {v} (true hoặc false)"
            )));
        }
    };
    let raw = RawFilter {
        unit_id,
        state: q.state,
        category: q.category,
        overdue,
        mine: q.mine,
        with_spam: false,
    };
    let (items, total) = service::list(&state.app, &identity, &raw, paging)
        .await
        .map_err(|e| match e {
            lanhmang_app::AppError::Invalid(p) => ApiError::BadRequest(lanhmang_app::error::messages(&p).join(" ")),
            other => other.into(),
        })?;
    Ok(Json(ListJson {
        items: items.into_iter().map(IncidentJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

pub async fn get(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let view = service::open_case(&state.app, &identity, id(&raw)?).await?;
    let details = view.shown.details;
    let mut json =
        serde_json::to_value(IncidentJson::from(view.shown)).map_err(|e| ApiError::Internal(e.to_string()))?;
    json["history"] = view
        .events
        .iter()
        .map(|e| {
            json!({
                "at": lanhmang_store::format_time(e.at),
                "actor": e.actor,
                "event": e.event,
                "from": e.from_state,
                "to": e.to_state,
                "body": e.body,
            })
        })
        .collect();
    json["moves"] = view.moves.iter().map(|s| s.as_str()).collect();
    if details {
        json["case_links"] = links_json(&view.case_links);
        json["attachments"] = view
            .files
            .iter()
            .map(|f| {
                json!({"id": f.id, "file_name": f.file_name, "content_type": f.content_type, "size": f.size,
                    "sha256": f.sha256, "uploaded_at": lanhmang_store::format_time(f.uploaded_at),
                    "url": format!("/su-co/{}/tep/{}", f.incident_id, f.id)})
            })
            .collect();
    }
    if details && !view.views.is_empty() {
        json["viewed_by"] = view
            .views
            .iter()
            .map(|v| json!({"person_id": v.person_id, "name": v.person_name, "at": lanhmang_store::format_time(v.at)}))
            .collect();
    }
    Ok(Json(json))
}

#[derive(Deserialize)]
pub struct TransitionJson {
    to: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    handler_id: Option<i64>,
    #[serde(default)]
    referral: Option<String>,
    #[serde(default)]
    referral_ref: Option<String>,
    #[serde(default)]
    version: Option<i64>,
}

pub async fn transition(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<TransitionJson>,
) -> Result<Json<IncidentJson>, ApiError> {
    let input = MoveInput {
        to: body.to,
        note: body.note.unwrap_or_default(),
        outcome: body.outcome.unwrap_or_default(),
        severity: body.severity,
        category: body.category,
        handler_id: body.handler_id,
        referral: body.referral,
        referral_ref: body.referral_ref.unwrap_or_default(),
        version: body.version,
    };
    let incident = service::move_case(&state.app, &identity, id(&raw)?, input).await?;
    Ok(Json(service::shown(&identity, incident).into()))
}

#[derive(Deserialize)]
pub struct NoteJson {
    body: String,
    #[serde(default)]
    to_reporter: bool,
    #[serde(default)]
    version: Option<i64>,
}

pub async fn add_note(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<NoteJson>,
) -> Result<Response, ApiError> {
    let incident = service::add_note(
        &state.app,
        &identity,
        id(&raw)?,
        &body.body,
        body.to_reporter,
        body.version,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(IncidentJson::from(service::shown(&identity, incident))),
    )
        .into_response())
}

fn links_json(links: &[service::LinkView]) -> serde_json::Value {
    links
        .iter()
        .map(|l| json!({"kind": l.target.kind(), "target_id": l.target.id(), "label": l.label, "url": l.href}))
        .collect()
}

#[derive(Deserialize)]
pub struct LinkJson {
    kind: String,
    target_id: i64,
}

pub async fn link(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<LinkJson>,
) -> Result<Response, ApiError> {
    let target = service::link_target(&body.kind, body.target_id)?;
    let links = service::link(&state.app, &identity, id(&raw)?, target).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"items": links_json(&links), "total": links.len()})),
    )
        .into_response())
}

pub async fn unlink(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<LinkJson>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let target = service::link_target(&body.kind, body.target_id)?;
    let links = service::unlink(&state.app, &identity, id(&raw)?, target).await?;
    Ok(Json(json!({"items": links_json(&links), "total": links.len()})))
}

#[derive(Deserialize)]
pub struct PublicReportJson {
    category: String,
    description: String,
    #[serde(default)]
    links: Vec<String>,
    #[serde(default)]
    contact: Option<String>,
    /// The honeypot of the page's form; a client leaves it out.
    #[serde(default)]
    website: Option<String>,
}

pub async fn public_report(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PublicReportJson>,
) -> Result<Response, ApiError> {
    let input = PublicReportInput {
        category: body.category,
        description: body.description,
        links: body.links,
        contact: body.contact,
        honeypot: body.website.unwrap_or_default(),
    };
    let receipt = service::report_public(&state.app, &ip.0, &code, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "receipt": receipt.code,
            "state": receipt.incident.state.as_str(),
            "received_at": lanhmang_store::format_time(receipt.incident.received_at),
        })),
    )
        .into_response())
}

pub async fn receipt(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let r = service::receipt(&state.app, &code).await?;
    Ok(Json(json!({
        "state": r.state.as_str(),
        "state_label": r.state.label(),
        "unit_name": r.unit_name,
        "received_at": lanhmang_store::format_time(r.received_at),
        "replies": r.replies.iter().map(|(at, body)| json!({"at": lanhmang_store::format_time(*at), "body": body})).collect::<Vec<_>>(),
        "purged": r.purged,
    })))
}

/// The incident operations in the OpenAPI document.
pub fn document(doc: &mut serde_json::Value, paging: &serde_json::Value, error: &serde_json::Value) {
    use lanhmang_domain::incident::{MAX_DESCRIPTION, MAX_LINKS, MAX_NOTE, MIN_DESCRIPTION, Referral, Severity, State};
    let states: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
    let severities: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
    let referrals: Vec<&str> = Referral::ALL.iter().map(|r| r.as_str()).collect();
    let codes: Vec<&str> = lanhmang_domain::incident::DEFAULT_CATEGORIES
        .iter()
        .map(|c| c.0)
        .collect();
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Số hồ sơ"});
    let mut params = paging.as_array().cloned().unwrap_or_default();
    params.extend([
        json!({"name": "unit_id", "in": "query", "description": "Chỉ hồ sơ của đơn vị này và cấp dưới", "schema": {"type": "integer"}}),
        json!({"name": "state", "in": "query", "schema": {"type": "string", "enum": states}}),
        json!({"name": "category", "in": "query", "description": "Mã loại sự việc; hồ sơ hạn chế người gọi không được xem thì không được lọc theo loại", "schema": {"type": "string", "enum": codes}}),
        json!({"name": "overdue", "in": "query", "description": "true: chỉ hồ sơ chưa giải quyết đã quá hạn", "schema": {"type": "boolean"}}),
        json!({"name": "mine", "in": "query", "description": "reported: hồ sơ tôi đã báo; assigned: hồ sơ giao cho tôi", "schema": {"type": "string", "enum": ["reported", "assigned"]}}),
    ]);
    let clock = json!({"type": "object", "required": ["status"], "properties": {
        "status": {"type": "string", "enum": ["met", "met_late", "running", "overdue", "paused", "not_running"]},
        "at": {"type": ["string", "null"], "format": "date-time"}}});
    let text = |min: usize, max: usize| json!({"type": "string", "minLength": min, "maxLength": max, "pattern": "\\S"});
    let link = json!({"type": "string", "maxLength": 2000, "description": "Địa chỉ http(s)"});
    // Optional fields accept null as "not given".
    let nullable = |schema: serde_json::Value| json!({"anyOf": [schema, {"type": "null"}]});
    let s = &mut doc["components"]["schemas"];
    s["IncidentCategory"] = json!({"type": "object", "required": ["code", "name", "restricted"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "restricted": {"type": "boolean"},
        "urgent": {"type": "boolean"}, "feedback": {"type": "boolean"}}});
    s["Incident"] = json!({"type": "object",
        "description": "Hồ sơ sự cố. Các trường nội dung (category, description, links, affected, outcome, handler_id, referral) chỉ có khi details = true: hồ sơ hạn chế chỉ người được giao, hiệu trưởng và đầu mối xử lý sự cố được xem",
        "required": ["id", "unit_id", "unit_name", "state", "severity", "restricted", "version", "received_at", "due_at", "details"],
        "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "state": {"type": "string", "enum": states}, "severity": {"type": "string", "enum": severities},
            "restricted": {"type": "boolean"}, "public": {"type": "boolean"}, "version": {"type": "integer"},
            "received_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": ["string", "null"], "format": "date-time", "description": "Hạn giải quyết; trống khi hồ sơ đang chờ (đồng hồ tạm dừng)"},
            "response_due_at": {"type": ["string", "null"], "format": "date-time"},
            "response": clock.clone(), "resolution": clock,
            "details": {"type": "boolean"},
            "category": {"type": "string"}, "description": {"type": "string"},
            "links": {"type": "array", "items": {"type": "string"}}, "affected": {"type": "string"},
            "outcome": {"type": "string"}, "handler_id": {"type": ["integer", "null"]},
            "referral": {"type": ["string", "null"], "enum": [null, "police", "hotline_111", "platform", "office", "other"]}}});
    s["IncidentList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Incident"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    s["NewIncident"] = json!({"type": "object", "required": ["unit_id", "category", "description"], "properties": {
        "unit_id": {"type": "integer"},
        "category": {"type": "string", "enum": codes},
        "description": text(MIN_DESCRIPTION, MAX_DESCRIPTION),
        "links": {"type": "array", "maxItems": MAX_LINKS, "items": link.clone()},
        "happened_on": nullable(json!({"type": "string", "format": "date", "description": "Không ở tương lai (nếu không: 422)"})),
        "affected": nullable(json!({"type": "string", "maxLength": 60, "description": "Chỉ lớp và chữ cái đầu của tên (lớp 4B, N.V.A); họ tên đầy đủ bị từ chối (422). Có chữ cái đầu thì hồ sơ là hồ sơ hạn chế"})),
        "child_in_danger": {"type": "boolean", "description": "Có trẻ em đang gặp nguy hiểm: hồ sơ khẩn cấp, báo ngay hiệu trưởng và đầu mối xử lý sự cố"}}});
    s["IncidentTransition"] = json!({"type": "object", "required": ["to"], "properties": {
        "to": {"type": "string", "enum": states, "description": "Bước tiếp theo; bước không được phép từ trạng thái hiện tại, hoặc thiếu nội dung bắt buộc (kết quả khi giải quyết, lý do khi mở lại, chờ ai khi chuyển sang chờ, cơ quan khi chuyển): 422"},
        "note": nullable(json!({"type": "string", "maxLength": MAX_NOTE})), "outcome": nullable(json!({"type": "string", "maxLength": MAX_NOTE})),
        "severity": nullable(json!({"type": "string", "enum": severities})), "category": nullable(json!({"type": "string", "enum": codes})),
        "handler_id": nullable(json!({"type": "integer", "minimum": 1, "maximum": i64::MAX, "description": "Hiệu trưởng, cộng tác viên của đơn vị hoặc đầu mối xử lý sự cố cấp trên (nếu không: 422)"})),
        "referral": nullable(json!({"type": "string", "enum": referrals})), "referral_ref": nullable(json!({"type": "string", "maxLength": 200})),
        "version": nullable(json!({"type": "integer", "minimum": 0, "maximum": i64::MAX, "description": "Phiên bản đã đọc; khác phiên bản hiện tại thì bị từ chối (409)"}))}});
    s["IncidentNote"] = json!({"type": "object", "required": ["body"], "properties": {
        "body": text(1, MAX_NOTE),
        "to_reporter": {"type": "boolean", "description": "true: trả lời người phản ánh (họ đọc được); false: ghi chú nội bộ"},
        "version": nullable(json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}))}});
    s["PublicReport"] = json!({"type": "object", "required": ["category", "description"], "properties": {
        "category": {"type": "string", "enum": codes},
        "description": text(MIN_DESCRIPTION, MAX_DESCRIPTION),
        "links": {"type": "array", "maxItems": MAX_LINKS, "items": link},
        "contact": nullable(json!({"type": "string", "format": "email", "maxLength": 254, "description": "Chỉ khi người gửi muốn nhận trả lời qua e-mail"}))}});
    let category_fields = json!({
        "name": {"type": "string", "minLength": 3, "maxLength": MAX_CATEGORY_NAME, "pattern": "^\\S.*\\S$"},
        "restricted": {"type": "boolean"}, "urgent": {"type": "boolean"},
        "feedback": {"type": "boolean", "description": "Góp ý, câu hỏi: không thể đồng thời khẩn cấp hay hạn chế (nếu không: 422)"},
        "position": {"type": "integer", "minimum": 0, "maximum": 1000},
        "active": {"type": "boolean", "description": "Các loại child_exploitation, feedback, other không tắt được (422); child_exploitation luôn hạn chế và khẩn cấp"}});
    let mut new_category = category_fields.clone();
    new_category["code"] =
        json!({"type": "string", "pattern": format!("^[a-z][a-z0-9_]{{1,{}}}$", MAX_CATEGORY_CODE - 1)});
    s["IncidentCategoryChange"] = json!({"type": "object", "required": ["name"], "properties": category_fields});
    s["NewIncidentCategory"] = json!({"type": "object", "required": ["code", "name"], "properties": new_category});
    s["IncidentCategoryFull"] = json!({"type": "object", "required": ["code", "name", "restricted", "urgent", "feedback", "position", "active"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "restricted": {"type": "boolean"}, "urgent": {"type": "boolean"},
        "feedback": {"type": "boolean"}, "position": {"type": "integer"}, "active": {"type": "boolean"}}});
    s["IncidentWorkingTime"] = json!({"type": "object", "required": ["day_start", "day_end", "weekdays"], "properties": {
        "day_start": {"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]$", "description": "Giờ bắt đầu làm việc, giờ Việt Nam"},
        "day_end": {"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]$", "description": "Giờ kết thúc, sau giờ bắt đầu (nếu không: 422)"},
        "weekdays": {"type": "array", "minItems": 1, "maxItems": 7, "items": {"type": "integer", "minimum": 1, "maximum": 7}, "description": "Ngày làm việc: 1 = thứ Hai … 7 = Chủ nhật"},
        "holidays": {"type": "array", "maxItems": 400, "items": {"type": "string", "format": "date"}, "description": "Ngày nghỉ lễ, YYYY-MM-DD (hoặc dd/mm/yyyy)"},
        "updated_at": {"type": ["string", "null"], "format": "date-time", "readOnly": true, "description": "Lần lưu gần nhất; null: đang dùng mặc định"}}});
    s["IncidentLinkTarget"] = json!({"type": "object", "required": ["kind", "target_id"], "properties": {
        "kind": {"type": "string", "enum": ["incident", "finding"]}, "target_id": {"type": "integer", "minimum": 1}}});
    s["IncidentLinkList"] = json!({"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"type": "object", "required": ["kind", "target_id", "label"], "properties": {
            "kind": {"type": "string", "enum": ["incident", "finding"]}, "target_id": {"type": "integer"},
            "label": {"type": "string", "description": "Mô tả trong phạm vi người gọi được biết"},
            "url": {"type": ["string", "null"], "description": "Trang mở được, nếu người gọi được xem"}}}},
        "total": {"type": "integer"}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let limited = json!({"description": "Địa chỉ này đã gửi quá số phản ánh cho phép trong một giờ; thử lại sau Retry-After giây",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let p = &mut doc["paths"];
    let full = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentCategoryFull"}}}});
    p["/api/v1/incident-categories"] = json!({"get": {"summary": "Các loại sự việc đang dùng (không cần đăng nhập)", "security": [],
        "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/IncidentCategory"}}}}}}},
        "post": {"summary": "Thêm loại sự việc (quản trị hệ thống)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewIncidentCategory"}}}},
            "responses": {"201": full("Đã thêm"), "400": error, "401": error, "403": error, "409": error, "422": error}}});
    p["/api/v1/incident-categories/{code}"] = json!({"put": {"summary": "Sửa loại sự việc: tên, thứ tự, đặc điểm, bật/tắt (quản trị hệ thống); mã không đổi",
        "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentCategoryChange"}}}},
        "responses": {"200": full("Đã lưu"), "400": error, "401": error, "403": error, "404": error, "422": error}}});
    p["/api/v1/incident-working-time"] = json!({
        "get": {"summary": "Giờ làm việc và ngày nghỉ mà đồng hồ hạn xử lý sự cố tính theo",
            "responses": {"200": ok("Giờ làm việc", "IncidentWorkingTime"), "401": error, "403": error}},
        "put": {"summary": "Lưu giờ làm việc và ngày nghỉ (quản trị hệ thống); hồ sơ đang mở giữ hạn cũ đến lần chuyển bước sau",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentWorkingTime"}}}},
            "responses": {"200": ok("Đã lưu", "IncidentWorkingTime"), "400": error, "401": error, "403": error, "422": error}}});
    p["/api/v1/incidents"] = json!({
        "get": {"summary": "Hồ sơ người gọi được xem: của đơn vị mình xử lý, mình đã báo hoặc được giao; hồ sơ hạn chế chỉ hiện số hồ sơ, trạng thái và hạn", "parameters": params,
            "responses": {"200": ok("Danh sách, mới nhất trước", "IncidentList"), "400": error, "401": error, "403": error, "404": error}},
        "post": {"summary": "Báo sự cố hoặc gửi phản ánh",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewIncident"}}}},
            "responses": {"201": ok("Đã ghi nhận", "Incident"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/incidents/{id}"] = json!({"get": {"summary": "Một hồ sơ với diễn biến; xem hồ sơ hạn chế được ghi lại (đã xem bởi …)", "parameters": [id_param.clone()],
        "responses": {"200": ok("Hồ sơ", "Incident"), "401": error, "403": error, "404": error}}});
    p["/api/v1/incidents/{id}/transition"] = json!({"post": {"summary": "Chuyển hồ sơ sang bước tiếp theo", "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentTransition"}}}},
        "responses": {"200": ok("Hồ sơ sau khi chuyển", "Incident"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/incidents/{id}/notes"] = json!({"post": {"summary": "Thêm ghi chú nội bộ hoặc trả lời người phản ánh", "parameters": [id_param],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentNote"}}}},
        "responses": {"201": ok("Hồ sơ", "Incident"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/incidents/{id}/links"] = json!({"post": {"summary": "Liên kết hồ sơ với hồ sơ khác hoặc một phát hiện giám sát website (người xử lý hồ sơ); đích phải trong phạm vi người gọi được xem (nếu không: 422)",
        "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentLinkTarget"}}}},
        "responses": {"201": ok("Các liên kết của hồ sơ", "IncidentLinkList"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/incidents/{id}/links/remove"] = json!({"post": {"summary": "Bỏ một liên kết (người xử lý hồ sơ); bỏ liên kết không có thì không đổi gì",
        "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IncidentLinkTarget"}}}},
        "responses": {"200": ok("Các liên kết còn lại", "IncidentLinkList"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/public/units/{unit_code}/reports"] = json!({"post": {"summary": "Biểu mẫu công khai: gửi phản ánh tới một trường hoặc đơn vị, không cần tài khoản; nhận mã biên nhận", "security": [],
        "parameters": [{"name": "unit_code", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 64}, "description": "Mã đơn vị"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PublicReport"}}}},
        "responses": {"201": {"description": "Đã gửi", "content": {"application/json": {"schema": {"type": "object", "required": ["receipt", "state"], "properties": {
            "receipt": {"type": "string", "description": "Mã biên nhận (12 ký tự), chỉ hiện một lần"}, "state": {"type": "string"}, "received_at": {"type": "string"}}}}}},
            "400": error, "404": error, "413": error, "422": error, "429": limited}}});
    p["/api/v1/public/receipts/{receipt}"] = json!({"get": {"summary": "Trạng thái và các trả lời của một phản ánh, theo mã biên nhận (không có ghi chú nội bộ)", "security": [],
        "parameters": [{"name": "receipt", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 20}}],
        "responses": {"200": {"description": "Trạng thái", "content": {"application/json": {"schema": {"type": "object", "required": ["state", "replies"], "properties": {
            "state": {"type": "string", "enum": states}, "state_label": {"type": "string"}, "unit_name": {"type": "string"},
            "received_at": {"type": "string"}, "purged": {"type": "boolean"},
            "replies": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": "string"}, "body": {"type": "string"}}}}}}}}},
            "404": error}}});
}

#[derive(Serialize)]
pub struct ClarificationJson {
    id: i64,
    unit_id: i64,
    unit_name: String,
    incident_id: Option<i64>,
    title: String,
    claim: String,
    facts: String,
    sources: Vec<String>,
    news_ids: Vec<i64>,
    state: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    published_at: Option<OffsetDateTime>,
    withdraw_reason: String,
    /// The public address, once published.
    public_url: Option<String>,
}

impl ClarificationJson {
    fn new(c: lanhmang_store::clarifications::Clarification, state: &AppState) -> ClarificationJson {
        let public = c.state != lanhmang_store::clarifications::ClarificationState::Draft;
        ClarificationJson {
            public_url: public.then(|| state.app.settings.links.url(&format!("/cong-khai/dinh-chinh/{}", c.id))),
            id: c.id,
            unit_id: c.unit_id,
            unit_name: c.unit_name,
            incident_id: c.incident_id,
            title: c.title,
            claim: c.claim,
            facts: c.facts,
            sources: c.sources,
            news_ids: c.news_ids,
            state: c.state.as_str(),
            published_at: c.published_at,
            withdraw_reason: c.withdraw_reason,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ClarificationsQuery {
    state: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list_clarifications(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<ClarificationsQuery>,
) -> Result<Json<ListJson<ClarificationJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (items, total) = lanhmang_app::clarifications::list(&state.app, &identity, q.state.as_deref(), paging)
        .await
        .map_err(|e| match e {
            lanhmang_app::AppError::Invalid(p) => ApiError::BadRequest(lanhmang_app::error::messages(&p).join(" ")),
            other => other.into(),
        })?;
    Ok(Json(ListJson {
        items: items.into_iter().map(|c| ClarificationJson::new(c, &state)).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[derive(Deserialize)]
pub struct NewClarificationJson {
    unit_id: i64,
    #[serde(default)]
    incident_id: Option<i64>,
    title: String,
    claim: String,
    facts: String,
    sources: Vec<String>,
    #[serde(default)]
    news_ids: Vec<i64>,
}

pub async fn create_clarification(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewClarificationJson>,
) -> Result<Response, ApiError> {
    let draft = lanhmang_app::clarifications::Draft {
        unit_id: Some(body.unit_id),
        incident_id: body.incident_id,
        title: body.title,
        claim: body.claim,
        facts: body.facts,
        sources: body.sources,
        news_ids: body.news_ids,
    };
    let c = lanhmang_app::clarifications::create(&state.app, &identity, draft).await?;
    Ok((StatusCode::CREATED, Json(ClarificationJson::new(c, &state))).into_response())
}

pub async fn approve_clarification(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<ClarificationJson>, ApiError> {
    let c = lanhmang_app::clarifications::approve(&state.app, &identity, id(&raw)?).await?;
    Ok(Json(ClarificationJson::new(c, &state)))
}

/// The clarification operations in the OpenAPI document.
pub fn document_clarifications(doc: &mut serde_json::Value, paging: &serde_json::Value, error: &serde_json::Value) {
    use lanhmang_app::clarifications::{MAX_NEWS, MAX_SOURCES, MAX_TEXT, MAX_TITLE};
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": "\\S"});
    doc["components"]["schemas"]["Clarification"] = json!({"type": "object",
        "required": ["id", "unit_id", "title", "claim", "facts", "sources", "state"],
        "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "incident_id": {"type": ["integer", "null"]}, "title": {"type": "string"}, "claim": {"type": "string"},
            "facts": {"type": "string"}, "sources": {"type": "array", "items": {"type": "string"}},
            "news_ids": {"type": "array", "items": {"type": "integer"}},
            "state": {"type": "string", "enum": ["draft", "published", "withdrawn"]},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "withdraw_reason": {"type": "string"},
            "public_url": {"type": ["string", "null"], "description": "Địa chỉ công khai, khi đã công bố"}}});
    doc["components"]["schemas"]["ClarificationList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Clarification"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    doc["components"]["schemas"]["NewClarification"] = json!({"type": "object", "required": ["unit_id", "title", "claim", "facts", "sources"], "properties": {
        "unit_id": {"type": "integer"},
        "incident_id": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": i64::MAX}, {"type": "null"}], "description": "Hồ sơ thông tin sai sự thật của đơn vị mà người gọi được xem (nếu không: 422)"},
        "title": text(MAX_TITLE), "claim": text(MAX_TEXT), "facts": text(MAX_TEXT),
        "sources": {"type": "array", "minItems": 1, "maxItems": MAX_SOURCES, "items": {"type": "string", "maxLength": 500}},
        "news_ids": {"type": "array", "maxItems": MAX_NEWS, "items": {"type": "integer", "description": "Số của một tin tức ngành có thật (nếu không: 422)"}}}});
    let mut params = paging.as_array().cloned().unwrap_or_default();
    params.push(json!({"name": "state", "in": "query", "schema": {"type": "string", "enum": ["draft", "published", "withdrawn"]}}));
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    doc["paths"]["/api/v1/clarifications"] = json!({
        "get": {"summary": "Bài đính chính trong phạm vi người gọi (kể cả bản chờ duyệt)", "parameters": params,
            "responses": {"200": ok("Danh sách", "ClarificationList"), "400": error, "401": error, "403": error}},
        "post": {"summary": "Viết bài đính chính (chờ lãnh đạo Phòng/Sở duyệt)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewClarification"}}}},
            "responses": {"201": ok("Đã lưu", "Clarification"), "400": error, "401": error, "403": error, "404": error, "422": error}}});
    doc["paths"]["/api/v1/clarifications/{id}/approve"] = json!({"post": {"summary": "Duyệt và công bố (lãnh đạo Phòng/Sở cấp trên của đơn vị)",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": ok("Đã công bố", "Clarification"), "401": error, "403": error, "404": error, "409": error}}});
}
