//! `/api/v1/notices`: notices sent and received, sending one, one notice (with every recipient's
//! reading for its senders), reading and acknowledging. Same rules as the pages
//! (`lanhmang_app::notices`): neither sender nor recipient is a 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lanhmang_app::notices::{self as service, NoticeView};
use lanhmang_domain::notice::NoticeInput;
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
pub struct NoticeJson {
    id: i64,
    /// None for an automatic notice.
    number: Option<String>,
    /// `notice`, or what an automatic one records (`plan_published`, …).
    kind: String,
    /// What an automatic notice is about (a path in the application); "" for a sent one.
    link: String,
    unit_id: i64,
    unit_name: String,
    title: String,
    body: String,
    ack_required: bool,
    due: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
    /// The reader is a recipient.
    addressed: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    read_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    acknowledged_at: Option<OffsetDateTime>,
    /// For senders: how many it was addressed to, read it, acknowledged it.
    #[serde(skip_serializing_if = "Option::is_none")]
    recipients: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    read: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acknowledged: Option<i64>,
    /// For senders: a large audience is still being addressed (`recipients` grows).
    #[serde(skip_serializing_if = "Option::is_none")]
    addressing: Option<bool>,
}

fn notice_json(
    n: &lanhmang_store::notices::Notice,
    sender: bool,
    reading: Option<lanhmang_store::notices::Reading>,
) -> NoticeJson {
    NoticeJson {
        id: n.id,
        number: service::number_of(n),
        kind: n.kind.clone(),
        link: n.link.clone(),
        unit_id: n.unit_id,
        unit_name: n.unit_name.clone(),
        title: n.title.clone(),
        body: n.body.clone(),
        ack_required: n.ack_required,
        due: n.due_on.map(|d| d.to_string()),
        sent_at: n.created_at,
        addressed: reading.is_some(),
        read_at: reading.and_then(|r| r.read_at),
        acknowledged_at: reading.and_then(|r| r.acknowledged_at),
        recipients: sender.then_some(n.recipients),
        read: sender.then_some(n.read_count),
        acknowledged: sender.then_some(n.ack_count),
        addressing: sender.then_some(n.addressing),
    }
}

fn view_json(v: &NoticeView) -> Result<Value, ApiError> {
    let mut out = serde_json::to_value(notice_json(&v.notice, v.sender, v.reading))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if v.sender {
        out["units"] = json!(
            v.units
                .iter()
                .map(
                    |u| json!({"unit_id": u.unit_id, "unit_name": u.unit_name, "recipients": u.recipients,
                    "read": u.read, "acknowledged": u.acknowledged})
                )
                .collect::<Vec<_>>()
        );
    }
    out["attachments"] = json!(
        v.attachments
            .iter()
            .map(
                |a| json!({"id": a.id, "file_name": a.file_name, "content_type": a.content_type, "size": a.size,
                "sha256": a.sha256, "path": format!("/api/v1/notices/{}/attachments/{}", v.notice.id, a.id)})
            )
            .collect::<Vec<_>>()
    );
    Ok(out)
}

/// One file of a notice, as itself.
pub async fn attachment(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((raw, file)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let file = file.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)?;
    let (meta, bytes) = service::attachment(&state.app, &identity, id(&raw)?, file).await?;
    let kind =
        lanhmang_domain::activity::EvidenceType::from_content_type(&meta.content_type).ok_or(ApiError::NotFound)?;
    crate::pages::activities::evidence_response(kind, &meta.file_name, bytes)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
    unread: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListJson<NoticeJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let unread_only = match q.unread.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::BadRequest("unread phải là true hoặc false.".into())),
    };
    let (items, total) = service::list(&state.app, &identity, unread_only, paging).await?;
    Ok(Json(ListJson {
        items: items
            .iter()
            .map(|l| {
                let sender = service::follows(&identity, &l.notice);
                let reading = l.addressed.then_some(lanhmang_store::notices::Reading {
                    read_at: l.read_at,
                    acknowledged_at: l.acknowledged_at,
                });
                notice_json(&l.notice, sender, reading)
            })
            .collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Whom a notice is for, as an API caller names it.
#[derive(Deserialize, Default)]
pub struct AudienceJson {
    #[serde(default)]
    unit_ids: Vec<i64>,
    #[serde(default)]
    unit_kinds: Vec<String>,
    #[serde(default)]
    school_levels: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    /// Class names, for parents ("4B").
    #[serde(default)]
    classes: Vec<String>,
    /// Grades, for parents (1–12).
    #[serde(default)]
    grades: Vec<u8>,
}

#[derive(Deserialize)]
pub struct NewNoticeJson {
    #[serde(default)]
    unit_id: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    audience: AudienceJson,
    #[serde(default)]
    ack_required: bool,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentJson>,
}

/// A file sent with a notice through the API.
#[derive(Deserialize)]
pub struct AttachmentJson {
    #[serde(default)]
    file_name: String,
    /// The bytes, base64 (standard alphabet, padded).
    #[serde(default)]
    content_base64: String,
}

pub async fn create(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewNoticeJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = NoticeInput {
        title: body.title,
        body: body.body,
        units: body.audience.unit_ids.iter().map(i64::to_string).collect(),
        unit_kinds: body.audience.unit_kinds,
        school_levels: body.audience.school_levels,
        roles: body.audience.roles,
        classes: body.audience.classes,
        grades: body.audience.grades.iter().map(u8::to_string).collect(),
        ack_required: body.ack_required,
        due: body.due.unwrap_or_default(),
    };
    let mut files = Vec::new();
    for a in body.attachments {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a.content_base64.trim())
            .map_err(|_| {
                ApiError::Unprocessable(vec![format!(
                    "Tệp «{}»: content_base64 không phải base64.",
                    a.file_name
                )])
            })?;
        files.push(lanhmang_app::activities::Upload {
            name: a.file_name,
            bytes,
            too_large: false,
        });
    }
    let (sent, number) = service::send(&state.app, &identity, body.unit_id, &input, files).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": sent.id, "number": number, "recipients": sent.recipients, "addressing": sent.addressing})),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = service::get(&state.app, &identity, id(&raw)?).await?;
    Ok(Json(view_json(&v)?))
}

pub async fn read(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = service::mark(&state.app, &identity, id(&raw)?, false).await?;
    Ok(Json(view_json(&v)?))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = service::mark(&state.app, &identity, id(&raw)?, true).await?;
    Ok(Json(view_json(&v)?))
}

#[derive(Deserialize, Default)]
pub struct RecipientsQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn recipients(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<RecipientsQuery>,
) -> Result<Json<Value>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (rows, total) = service::recipients(&state.app, &identity, id(&raw)?, paging).await?;
    let stamp =
        |t: Option<OffsetDateTime>| t.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok());
    Ok(Json(json!({
        "items": rows.iter().map(|r| json!({"person_id": r.person_id, "name": r.display_name, "unit_name": r.unit_name,
            "read_at": stamp(r.read_at), "acknowledged_at": stamp(r.acknowledged_at)})).collect::<Vec<_>>(),
        "total": total, "page": paging.page, "per_page": paging.per_page,
    })))
}

/// The notices' part of the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    use lanhmang_domain::notice::{MAX_BODY, MAX_TITLE, MAX_UNITS};
    use lanhmang_domain::parents::{MAX_CLASSES, MAX_GRADE};
    let roles: Vec<&str> = lanhmang_domain::notice::AUDIENCE_ROLES
        .iter()
        .map(|r| r.as_str())
        .collect();
    let kinds: Vec<&str> = lanhmang_domain::unit::UnitKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    let levels: Vec<&str> = lanhmang_domain::unit::SchoolLevel::ALL
        .iter()
        .map(|l| l.as_str())
        .collect();
    let id_param = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Số thông báo"});
    let stamp = json!({"type": ["string", "null"], "format": "date-time"});
    let s = &mut doc["components"]["schemas"];
    s["Notice"] = json!({"type": "object",
        "required": ["id", "number", "kind", "link", "unit_id", "unit_name", "title", "body", "ack_required", "sent_at", "addressed"],
        "properties": {
            "id": {"type": "integer"}, "number": {"type": ["string", "null"], "description": "Số, ký hiệu theo Nghị định 30/2020, ví dụ 12/TB-PGDĐT; null với thông báo tự động và thông báo gửi cha mẹ học sinh"},
            "kind": {"type": "string", "enum": ["notice", "plan_published", "plan_changed", "plan_returned", "report_returned"]},
            "link": {"type": "string", "description": "Nội dung thông báo tự động nhắc đến"},
            "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "title": {"type": "string"}, "body": {"type": "string"}, "ack_required": {"type": "boolean"},
            "due": {"type": ["string", "null"], "format": "date"}, "sent_at": {"type": "string", "format": "date-time"},
            "addressed": {"type": "boolean", "description": "Người gọi là người nhận"},
            "read_at": stamp, "acknowledged_at": stamp,
            "recipients": {"type": "integer", "description": "Chỉ người gửi nhận được"},
            "read": {"type": "integer"}, "acknowledged": {"type": "integer"},
            "addressing": {"type": "boolean", "description": "Chỉ người gửi: người nhận còn đang được xác định"},
            "attachments": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "file_name": {"type": "string"}, "content_type": {"type": "string"},
                "size": {"type": "integer"}, "sha256": {"type": "string"}, "path": {"type": "string"}}}},
            "units": {"type": "array", "description": "Theo từng đơn vị; chỉ người gửi nhận được", "items": {"type": "object", "properties": {
                "unit_id": {"type": "integer"}, "unit_name": {"type": "string"}, "recipients": {"type": "integer"},
                "read": {"type": "integer"}, "acknowledged": {"type": "integer"}}}}}});
    s["NoticeList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    s["NewNotice"] = json!({"type": "object", "required": ["title", "body", "audience"], "properties": {
        "unit_id": {"type": ["integer", "null"], "description": "Đơn vị ban hành; bắt buộc khi người gọi gửi được từ nhiều đơn vị"},
        "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
        "body": {"type": "string", "minLength": 1, "maxLength": MAX_BODY},
        "audience": {"type": "object", "required": ["roles"], "properties": {
            "unit_ids": {"type": "array", "maxItems": MAX_UNITS, "items": {"type": "integer"}, "description": "Đơn vị ban hành hoặc trực thuộc; trống: toàn bộ đơn vị ban hành"},
            "unit_kinds": {"type": "array", "items": {"type": "string", "enum": kinds}},
            "school_levels": {"type": "array", "items": {"type": "string", "enum": levels}, "description": "Chỉ với trường (nếu không: 422)"},
            "roles": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": roles}},
            "classes": {"type": "array", "maxItems": MAX_CLASSES, "items": {"type": "string", "maxLength": 12},
                "description": "Chỉ cha mẹ học sinh các lớp này (ví dụ 4B), khi gửi từ một trường; cần vai trò parent (nếu không: 422)"},
            "grades": {"type": "array", "maxItems": MAX_CLASSES, "items": {"type": "integer", "minimum": 1, "maximum": MAX_GRADE},
                "description": "Chỉ cha mẹ học sinh các khối này; cần vai trò parent (nếu không: 422)"}}},
        "ack_required": {"type": "boolean"},
        "due": {"type": ["string", "null"], "description": "Hạn: dd/mm/yyyy hoặc yyyy-mm-dd, không ở quá khứ (nếu không: 422)"},
        "attachments": {"type": "array", "maxItems": lanhmang_domain::notice::MAX_ATTACHMENTS,
            "description": "Tệp kèm theo: PDF, DOCX, XLSX hoặc ảnh, nhận biết theo nội dung; cộng lại không quá 1,4 MB (nếu không: 422)",
            "items": {"type": "object", "required": ["file_name", "content_base64"], "properties": {
                "file_name": {"type": "string", "maxLength": 200}, "content_base64": {"type": "string", "contentEncoding": "base64"}}}}}});
    s["NoticeRecipients"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "person_id": {"type": "integer"}, "name": {"type": "string"}, "unit_name": {"type": "string"},
            "read_at": stamp, "acknowledged_at": stamp}}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let mut list_params = paging.as_array().cloned().unwrap_or_default();
    list_params.push(json!({"name": "unread", "in": "query", "required": false, "schema": {"type": "string", "enum": ["true", "false"]},
        "description": "true: chỉ những thông báo người gọi chưa đọc"}));
    doc["paths"]["/api/v1/notices"] = json!({
        "get": {"summary": "Thông báo người gọi nhận hoặc đơn vị của người gọi đã gửi", "parameters": list_params,
            "responses": {"200": ok("Danh sách", "NoticeList"), "400": error, "401": error}},
        "post": {"summary": "Gửi thông báo đến các đơn vị trực thuộc, hoặc đến cha mẹ học sinh theo lớp, khối, trường",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewNotice"}}}},
            "responses": {"201": {"description": "Đã gửi", "content": {"application/json": {"schema": {"type": "object", "required": ["id", "number", "recipients"], "properties": {
                "id": {"type": "integer"}, "number": {"type": ["string", "null"], "description": "null với thông báo chỉ gửi cha mẹ học sinh (không vào sổ văn bản)"}, "recipients": {"type": "integer", "description": "Số người nhận đã xác định"},
                "addressing": {"type": "boolean", "description": "true: đối tượng rất đông, phần còn lại được xác định ngay sau đó (recipients tăng dần)"}}}}}},
                "400": error, "401": error, "403": error, "404": error, "422": error}}});
    doc["paths"]["/api/v1/notices/{id}"] = json!({"get": {"summary": "Một thông báo (người gửi thấy số người đã đọc, đã xác nhận)",
        "parameters": [id_param.clone()],
        "responses": {"200": ok("Thông báo", "Notice"), "401": error, "404": error}}});
    doc["paths"]["/api/v1/notices/{id}/read"] = json!({"post": {"summary": "Người nhận đánh dấu đã đọc", "parameters": [id_param.clone()],
        "responses": {"200": ok("Đã đọc", "Notice"), "401": error, "403": error, "404": error}}});
    doc["paths"]["/api/v1/notices/{id}/acknowledge"] = json!({"post": {"summary": "Người nhận xác nhận đã nhận (thông báo có yêu cầu)",
        "parameters": [id_param.clone()],
        "responses": {"200": ok("Đã xác nhận", "Notice"), "401": error, "403": error, "404": error, "409": error}}});
    let mut recipient_params = vec![id_param.clone()];
    recipient_params.extend(paging.as_array().cloned().unwrap_or_default());
    doc["paths"]["/api/v1/notices/{id}/attachments/{file_id}"] = json!({"get": {"summary": "Một tệp kèm theo thông báo (người nhận, người gửi)",
        "parameters": [id_param.clone(), {"name": "file_id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Tệp"}],
        "responses": {"200": {"description": "Nội dung tệp, với đúng kiểu của nó", "content": lanhmang_domain::activity::EvidenceType::ALL
            .iter()
            .map(|t| (t.content_type().to_string(), json!({"schema": {"type": "string", "format": "binary"}})))
            .collect::<serde_json::Map<String, Value>>()},
            "401": error, "404": error}}});
    doc["paths"]["/api/v1/notices/{id}/recipients"] = json!({"get": {"summary": "Từng người nhận và lúc đọc, xác nhận (người gửi)",
        "parameters": recipient_params,
        "responses": {"200": ok("Người nhận", "NoticeRecipients"), "400": error, "401": error, "403": error, "404": error}}});
}
