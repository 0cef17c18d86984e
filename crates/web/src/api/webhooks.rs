//! An office's webhooks over the API: its connections (`/api/v1/webhooks`), a test delivery,
//! turning one off, and the delivery log with every attempt's answer code. Same rules as the
//! pages (`lanhmang_app::webhooks`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lanhmang_app::webhooks as service;
use lanhmang_domain::webhook::WebhookInput;
use lanhmang_store::webhooks::{Delivery, Webhook};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiIdentity, ApiJson, ApiQuery, paging};
use crate::AppState;
use crate::error::ApiError;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

fn stamp(t: time::OffsetDateTime) -> String {
    lanhmang_store::format_time(t)
}

pub(crate) fn webhook_json(w: &Webhook) -> Value {
    json!({
        "id": w.id, "unit_id": w.unit_id, "unit_name": w.unit_name, "url": w.url,
        "secret_hint": format!("{}…", w.secret_hint), "description": w.description,
        "active": w.disabled_at.is_none(), "created_at": stamp(w.created_at),
        "disabled_at": w.disabled_at.map(stamp), "queued": w.queued, "delivered": w.delivered, "failed": w.failed,
        "last_delivery_at": w.last_delivery_at.map(stamp),
    })
}

fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id, "event": d.event.as_str(), "notice_id": d.notice_id, "notice_title": d.notice_title,
        "status": d.status.as_str(), "attempts": d.attempts, "next_attempt_at": stamp(d.next_attempt_at),
        "last_attempt_at": d.last_attempt_at.map(stamp), "last_status": d.last_status, "last_error": d.last_error,
        "created_at": stamp(d.created_at), "delivered_at": d.delivered_at.map(stamp),
        "tries": d.tries.iter().map(|a| json!({
            "attempted_at": stamp(a.attempted_at), "status_code": a.status_code, "error": a.error,
            "duration_ms": a.duration_ms,
        })).collect::<Vec<_>>(),
    })
}

pub async fn list(State(state): State<AppState>, ApiIdentity(identity): ApiIdentity) -> Result<Json<Value>, ApiError> {
    let list = service::list(&state.app, &identity).await?;
    Ok(Json(json!({
        "items": list.iter().map(webhook_json).collect::<Vec<_>>(),
        "total": list.len(),
    })))
}

#[derive(Deserialize)]
pub struct CreateJson {
    #[serde(default)]
    unit_id: Option<i64>,
    #[serde(flatten)]
    input: WebhookInput,
}

pub async fn create(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<CreateJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (webhook, secret) = service::create(&state.app, &identity, body.unit_id, &body.input).await?;
    let mut v = webhook_json(&webhook);
    v["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn show(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(webhook_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let w = service::get(&state.app, &identity, id(&webhook_id)?).await?;
    Ok(Json(webhook_json(&w)))
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn deliveries(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(webhook_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (_, list, total) = service::deliveries(&state.app, &identity, id(&webhook_id)?, paging).await?;
    Ok(Json(json!({
        "items": list.iter().map(delivery_json).collect::<Vec<_>>(),
        "total": total, "page": paging.page, "per_page": paging.per_page,
    })))
}

pub async fn ping(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(webhook_id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let delivery = service::ping(&state.app, &identity, id(&webhook_id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"delivery_id": delivery}))))
}

pub async fn disable(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(webhook_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let w = service::disable(&state.app, &identity, id(&webhook_id)?).await?;
    Ok(Json(webhook_json(&w)))
}

/// The webhooks' part of the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    use lanhmang_domain::webhook::{MAX_DESCRIPTION_CHARS, MAX_SECRET_CHARS, MAX_URL_CHARS};
    let stamp = json!({"type": "string", "format": "date-time"});
    let maybe_stamp = json!({"type": ["string", "null"], "format": "date-time"});
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Kết nối"});
    let s = &mut doc["components"]["schemas"];
    s["Webhook"] = json!({"type": "object",
        "required": ["id", "unit_id", "unit_name", "url", "secret_hint", "description", "active", "created_at", "queued", "delivered", "failed"],
        "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "url": {"type": "string"}, "secret_hint": {"type": "string", "description": "Vài ký tự đầu của khóa bí mật"},
            "secret": {"type": "string", "description": "Khóa bí mật: chỉ có trong trả lời khi tạo"},
            "description": {"type": "string"}, "active": {"type": "boolean"},
            "created_at": stamp, "disabled_at": maybe_stamp,
            "queued": {"type": "integer"}, "delivered": {"type": "integer"}, "failed": {"type": "integer"},
            "last_delivery_at": maybe_stamp}});
    s["WebhookDelivery"] = json!({"type": "object",
        "required": ["id", "event", "status", "attempts", "next_attempt_at", "last_error", "created_at", "tries"],
        "properties": {
            "id": {"type": "integer", "description": "Cũng là tiêu đề webhook-id: giống nhau ở mọi lần thử, tăng dần theo thứ tự gửi"},
            "event": {"type": "string", "enum": ["notice.sent", "ping"]},
            "notice_id": {"type": ["integer", "null"]}, "notice_title": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["queued", "delivered", "failed"]},
            "attempts": {"type": "integer"}, "next_attempt_at": stamp, "last_attempt_at": maybe_stamp,
            "last_status": {"type": ["integer", "null"], "description": "Mã trả lời lần thử cuối; null nếu không có trả lời"},
            "last_error": {"type": "string"}, "created_at": stamp, "delivered_at": maybe_stamp,
            "tries": {"type": "array", "items": {"type": "object", "required": ["attempted_at", "error", "duration_ms"], "properties": {
                "attempted_at": stamp, "status_code": {"type": ["integer", "null"]}, "error": {"type": "string"},
                "duration_ms": {"type": "integer"}}}}}});
    s["WebhookList"] = json!({"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}, "total": {"type": "integer"}}});
    s["WebhookDeliveryList"] = json!({"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    doc["paths"]["/api/v1/webhooks"] = json!({
        "get": {"summary": "Các kết nối (webhook) của đơn vị mình quản trị",
            "responses": {"200": ok("Kết nối", "WebhookList"), "401": error, "403": error}},
        "post": {"summary": "Tạo kết nối: mỗi thông báo của đơn vị và các đơn vị trực thuộc được gửi (POST, JSON, ký HMAC-SHA256 theo Standard Webhooks) đến địa chỉ này",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["url"], "properties": {
                "unit_id": {"type": ["integer", "null"], "description": "Đơn vị của kết nối; bỏ trống nếu chỉ quản trị một đơn vị"},
                "url": {"type": "string", "maxLength": MAX_URL_CHARS, "description": "Địa chỉ https:// công khai của máy nhận"},
                "secret": {"type": "string", "maxLength": MAX_SECRET_CHARS, "description": "Khóa bí mật dùng chung (ít nhất 16 ký tự, hoặc whsec_…); bỏ trống để Lành Mạng tạo"},
                "description": {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS}}}}}},
            "responses": {"201": ok("Đã tạo; khóa bí mật chỉ hiện lần này", "Webhook"), "400": error, "401": error, "403": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/webhooks/{id}"] = json!({
        "get": {"summary": "Một kết nối", "parameters": [id_param.clone()],
            "responses": {"200": ok("Kết nối", "Webhook"), "401": error, "403": error, "404": error}}});
    let mut log_params = vec![id_param.clone()];
    log_params.extend(paging.as_array().cloned().unwrap_or_default());
    doc["paths"]["/api/v1/webhooks/{id}/deliveries"] = json!({
        "get": {"summary": "Nhật ký gửi của kết nối, mới nhất trước, với mã trả lời của từng lần thử", "parameters": log_params,
            "responses": {"200": ok("Nhật ký", "WebhookDeliveryList"), "400": error, "401": error, "403": error, "404": error}}});
    doc["paths"]["/api/v1/webhooks/{id}/ping"] = json!({
        "post": {"summary": "Gửi thử một sự kiện ping", "parameters": [id_param.clone()],
            "responses": {"202": {"description": "Đã xếp hàng gửi", "content": {"application/json": {"schema": {"type": "object",
                "required": ["delivery_id"], "properties": {"delivery_id": {"type": "integer"}}}}}},
                "401": error, "403": error, "404": error, "409": error}}});
    doc["paths"]["/api/v1/webhooks/{id}/disable"] = json!({
        "post": {"summary": "Tắt kết nối (những lần gửi đang chờ bị bỏ)", "parameters": [id_param],
            "responses": {"200": ok("Đã tắt", "Webhook"), "401": error, "403": error, "404": error}}});
}
