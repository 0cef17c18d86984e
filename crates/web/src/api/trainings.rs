//! `/api/v1/trainings`: the list, scheduling, one training, registering, attendance (by code,
//! or by the organizer for one person) and the group's results. Same rules as the pages
//! (`lanhmang_app::trainings`): neither organizing nor invited is a 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lanhmang_app::trainings::{self as service, QuestionGain, TrainingView};
use lanhmang_domain::training::TrainingInput;
use lanhmang_store::trainings::Training;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{ApiIdentity, ApiJson, ApiQuery, ListJson, paging};
use crate::AppState;
use crate::error::ApiError;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

#[derive(Serialize)]
pub struct TrainingJson {
    id: i64,
    unit_id: i64,
    unit_name: String,
    title: String,
    #[serde(with = "time::serde::rfc3339")]
    starts_at: OffsetDateTime,
    minutes: i64,
    place: Option<String>,
    online_link: Option<String>,
    capacity: i64,
    registered: i64,
    audience_roles: Vec<String>,
    audience_units: Vec<i64>,
    webadmins_with_findings: bool,
    materials: Vec<String>,
    test_lesson_id: Option<String>,
    cancelled: bool,
    cancel_reason: Option<String>,
}

impl From<&Training> for TrainingJson {
    fn from(t: &Training) -> TrainingJson {
        TrainingJson {
            id: t.id,
            unit_id: t.unit_id,
            unit_name: t.unit_name.clone(),
            title: t.title.clone(),
            starts_at: t.starts_at,
            minutes: t.minutes,
            place: t.place.clone(),
            online_link: t.online_link.clone(),
            capacity: t.capacity,
            registered: t.registered,
            audience_roles: t.audience_roles.clone(),
            audience_units: t.audience_units.clone(),
            webadmins_with_findings: t.webadmins_with_findings,
            materials: t.materials.clone(),
            test_lesson_id: t.test_lesson_id.clone(),
            cancelled: t.cancelled,
            cancel_reason: t.cancel_reason.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListJson<TrainingJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (items, total) = service::list(&state.app, &identity, paging).await?;
    Ok(Json(ListJson {
        items: items.iter().map(TrainingJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// What an organizer may change before the start; the audience and the test stay as scheduled.
#[derive(Deserialize)]
pub struct TrainingChangeJson {
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    minutes: Option<i64>,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    online_link: Option<String>,
    #[serde(default)]
    capacity: Option<i64>,
    #[serde(default)]
    materials: Vec<String>,
}

impl TrainingChangeJson {
    fn into_input(self) -> TrainingInput {
        TrainingInput {
            title: self.title,
            date: self.date,
            time: self.time,
            minutes: self.minutes.map(|m| m.to_string()).unwrap_or_default(),
            place: self.place.unwrap_or_default(),
            online_link: self.online_link.unwrap_or_default(),
            capacity: self.capacity.map(|c| c.to_string()).unwrap_or_default(),
            materials: self.materials,
            ..Default::default()
        }
    }
}

/// A training as an API caller schedules it: what may change later, and whom it is for.
#[derive(Deserialize)]
pub struct NewTrainingJson {
    #[serde(default)]
    unit_id: Option<i64>,
    #[serde(flatten)]
    details: TrainingChangeJson,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    units: Vec<i64>,
    #[serde(default)]
    webadmins_with_findings: bool,
    #[serde(default)]
    test_lesson: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewTrainingJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = TrainingInput {
        roles: body.roles,
        units: body.units.iter().map(i64::to_string).collect(),
        webadmins_with_findings: body.webadmins_with_findings,
        test_lesson: body.test_lesson.unwrap_or_default(),
        ..body.details.into_input()
    };
    let done = service::schedule(&state.app, &identity, body.unit_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": done.id, "invited": done.invited, "notified": done.told.sentence()})),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<TrainingChangeJson>,
) -> Result<Json<Value>, ApiError> {
    let id = id(&raw)?;
    let told = service::update(&state.app, &identity, id, &body.into_input()).await?;
    let v = service::get(&state.app, &identity, id).await?;
    let mut out = view_json(&v)?;
    if !told.people.is_empty() {
        out["notified"] = json!(told.sentence());
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct CancelJson {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CancelJson>,
) -> Result<Json<Value>, ApiError> {
    let id = id(&raw)?;
    let told = service::cancel(&state.app, &identity, id, &body.reason).await?;
    let v = service::get(&state.app, &identity, id).await?;
    let mut out = view_json(&v)?;
    out["notified"] = json!(told.sentence());
    Ok(Json(out))
}

fn gain_json(g: &QuestionGain) -> Value {
    json!({
        "question": g.text,
        "pre_percent": g.gain.pre_percent(),
        "pre_answered": g.gain.pre_answered,
        "post_percent": g.gain.post_percent(),
        "post_answered": g.gain.post_answered,
        "gain_points": g.gain.points(),
    })
}

fn view_json(v: &TrainingView) -> Result<Value, ApiError> {
    let mut out =
        serde_json::to_value(TrainingJson::from(&v.training)).map_err(|e| ApiError::Internal(e.to_string()))?;
    out["organizer"] = json!(v.organizer);
    out["invited"] = json!(v.invited);
    out["registered_me"] = json!(v.registration.is_some());
    out["attended"] = json!(v.registration.as_ref().is_some_and(|r| r.attended_at.is_some()));
    out["pre_done"] = json!(v.registration.as_ref().is_some_and(|r| r.pre_done));
    out["post_done"] = json!(v.registration.as_ref().is_some_and(|r| r.post_done));
    if v.organizer {
        out["attendance_code"] = json!(v.training.attendance_code);
    }
    Ok(out)
}

pub async fn get(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = service::get(&state.app, &identity, id(&raw)?).await?;
    Ok(Json(view_json(&v)?))
}

pub async fn register(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = id(&raw)?;
    service::register(&state.app, &identity, id).await?;
    let v = service::get(&state.app, &identity, id).await?;
    Ok(Json(view_json(&v)?))
}

/// `{"code"}` for oneself, or `{"person_id", "present"}` for the organizer.
#[derive(Deserialize)]
pub struct AttendanceJson {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    person_id: Option<i64>,
    #[serde(default)]
    present: Option<bool>,
}

pub async fn attendance(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<AttendanceJson>,
) -> Result<Json<Value>, ApiError> {
    let id = id(&raw)?;
    match (body.code, body.person_id) {
        (Some(code), None) => service::attend_by_code(&state.app, &identity, id, &code).await?,
        (None, Some(person_id)) => {
            service::attend_by_hand(&state.app, &identity, id, person_id, body.present.unwrap_or(true)).await?
        }
        // Both or neither: a rule across fields, refused like the use cases' (422).
        _ => {
            return Err(lanhmang_app::AppError::invalid(
                "Gửi {\"code\"} để tự điểm danh, hoặc {\"person_id\", \"present\"} để ban tổ chức điểm danh.",
            )
            .into());
        }
    }
    let v = service::get(&state.app, &identity, id).await?;
    Ok(Json(view_json(&v)?))
}

pub async fn results(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let gains = service::results(&state.app, &identity, id(&raw)?).await?;
    Ok(Json(
        json!({"questions": gains.iter().map(gain_json).collect::<Vec<_>>()}),
    ))
}

/// The trainings' part of the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    use lanhmang_domain::training::{MAX_CAPACITY, MAX_MATERIALS, MAX_MINUTES, MAX_PLACE, MAX_TITLE, MIN_MINUTES};
    let roles: Vec<&str> = lanhmang_domain::training::AUDIENCE_ROLES
        .iter()
        .map(|r| r.as_str())
        .collect();
    let id_param = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Số buổi tập huấn"});
    let s = &mut doc["components"]["schemas"];
    s["Training"] = json!({"type": "object",
        "required": ["id", "unit_id", "unit_name", "title", "starts_at", "minutes", "capacity", "registered"],
        "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "title": {"type": "string"}, "starts_at": {"type": "string", "format": "date-time"},
            "minutes": {"type": "integer"}, "place": {"type": ["string", "null"]}, "online_link": {"type": ["string", "null"]},
            "capacity": {"type": "integer"}, "registered": {"type": "integer"},
            "audience_roles": {"type": "array", "items": {"type": "string"}},
            "audience_units": {"type": "array", "items": {"type": "integer"}},
            "webadmins_with_findings": {"type": "boolean"},
            "materials": {"type": "array", "items": {"type": "string"}},
            "test_lesson_id": {"type": ["string", "null"]}, "cancelled": {"type": "boolean"},
            "cancel_reason": {"type": ["string", "null"]}, "notified": {"type": "string"},
            "organizer": {"type": "boolean"}, "invited": {"type": "boolean"}, "registered_me": {"type": "boolean"},
            "attended": {"type": "boolean"}, "pre_done": {"type": "boolean"}, "post_done": {"type": "boolean"},
            "attendance_code": {"type": "string", "description": "Chỉ ban tổ chức nhận được"}}});
    s["TrainingList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Training"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    // What scheduling and changing share; scheduling adds the organizer and the audience.
    let details = json!({
        "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
        "date": {"type": "string", "pattern": "^([0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})$", "description": "Ngày: dd/mm/yyyy hoặc yyyy-mm-dd, không ở quá khứ (nếu không: 422)"},
        "time": {"type": "string", "pattern": "^[0-2]?[0-9]:[0-5][0-9]$", "description": "Giờ bắt đầu HH:MM, giờ Việt Nam"},
        "minutes": {"type": "integer", "minimum": MIN_MINUTES, "maximum": MAX_MINUTES},
        "place": {"type": ["string", "null"], "maxLength": MAX_PLACE, "description": "Cần địa điểm hoặc đường dẫn trực tuyến"},
        "online_link": {"type": ["string", "null"], "description": "Địa chỉ http(s)"},
        "capacity": {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY, "description": "Khi sửa: không ít hơn số người đã đăng ký (nếu không: 422)"},
        "materials": {"type": "array", "maxItems": MAX_MATERIALS, "items": {"type": "string"}}});
    let required = json!(["title", "date", "time", "minutes", "capacity"]);
    let mut scheduling = details.clone();
    scheduling["unit_id"] = json!({"type": ["integer", "null"], "description": "Đơn vị tổ chức; bắt buộc khi người gọi quản lý nhiều đơn vị"});
    scheduling["roles"] = json!({"type": "array", "items": {"type": "string", "enum": roles}});
    scheduling["units"] = json!({"type": "array", "items": {"type": "integer"}, "description": "Đơn vị tổ chức hoặc đơn vị trực thuộc; trống: đơn vị tổ chức"});
    scheduling["webadmins_with_findings"] =
        json!({"type": "boolean", "description": "Mời quản trị website của các trường có lỗi giám sát chưa khắc phục"});
    scheduling["test_lesson"] = json!({"type": ["string", "null"], "description": "Bài học có câu hỏi dùng làm bài kiểm tra đầu vào và cuối khóa"});
    s["NewTraining"] = json!({"type": "object", "required": required, "properties": scheduling});
    s["TrainingChange"] = json!({"type": "object", "required": required, "properties": details,
        "description": "Đối tượng mời và bài kiểm tra giữ như khi lên lịch"});
    s["TrainingCancel"] = json!({"type": "object", "required": ["reason"], "properties": {
        "reason": {"type": "string", "minLength": 1, "maxLength": service::MAX_CANCEL_REASON, "description": "Gửi đến mọi người được mời"}}});
    s["TrainingAttendance"] = json!({"type": "object", "properties": {
        "code": {"type": "string", "description": "Mã điểm danh 6 chữ số (tự điểm danh)"},
        "person_id": {"type": "integer", "description": "Người được ban tổ chức điểm danh"},
        "present": {"type": "boolean", "default": true}}});
    s["TrainingResults"] = json!({"type": "object", "required": ["questions"], "properties": {
        "questions": {"type": "array", "items": {"type": "object", "properties": {
            "question": {"type": "string"},
            "pre_percent": {"type": ["integer", "null"]}, "pre_answered": {"type": "integer"},
            "post_percent": {"type": ["integer", "null"]}, "post_answered": {"type": "integer"},
            "gain_points": {"type": ["integer", "null"], "description": "Số điểm phần trăm tăng (giảm) từ đầu vào đến cuối khóa"}}}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    doc["paths"]["/api/v1/trainings"] = json!({
        "get": {"summary": "Buổi tập huấn người gọi tổ chức hoặc được mời", "parameters": paging,
            "responses": {"200": ok("Danh sách", "TrainingList"), "400": error, "401": error}},
        "post": {"summary": "Lên lịch tập huấn và gửi thư mời",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTraining"}}}},
            "responses": {"201": {"description": "Đã lên lịch", "content": {"application/json": {"schema": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer"}, "invited": {"type": "integer"}, "notified": {"type": "string"}}}}}},
                "400": error, "401": error, "403": error, "404": error, "422": error}}});
    doc["paths"]["/api/v1/trainings/{id}"] = json!({"get": {"summary": "Một buổi tập huấn", "parameters": [id_param.clone()],
        "responses": {"200": ok("Buổi tập huấn", "Training"), "401": error, "404": error}},
        "put": {"summary": "Sửa giờ, địa điểm, số chỗ, tài liệu trước giờ bắt đầu (ban tổ chức); đổi giờ hoặc địa điểm thì báo người được mời",
            "parameters": [id_param.clone()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainingChange"}}}},
            "responses": {"200": ok("Đã lưu", "Training"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/trainings/{id}/cancel"] = json!({"post": {"summary": "Hủy buổi tập huấn chưa kết thúc và báo người được mời (ban tổ chức)",
        "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainingCancel"}}}},
        "responses": {"200": ok("Đã hủy", "Training"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/trainings/{id}/register"] = json!({"post": {"summary": "Đăng ký tham dự (người được mời, còn chỗ, trước khi kết thúc)",
        "parameters": [id_param.clone()],
        "responses": {"200": ok("Đã đăng ký", "Training"), "401": error, "403": error, "404": error, "409": error}}});
    doc["paths"]["/api/v1/trainings/{id}/attendance"] = json!({"post": {"summary": "Điểm danh bằng mã, hoặc ban tổ chức điểm danh một người",
        "parameters": [id_param.clone()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainingAttendance"}}}},
        "responses": {"200": ok("Đã điểm danh", "Training"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/trainings/{id}/results"] = json!({"get": {"summary": "Tỉ lệ đúng của cả nhóm theo từng câu, trước và sau (ban tổ chức)",
        "parameters": [id_param],
        "responses": {"200": ok("Kết quả", "TrainingResults"), "401": error, "403": error, "404": error}}});
}
