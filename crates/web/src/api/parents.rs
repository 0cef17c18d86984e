//! Parents and their classes over the API: a school's invitation codes and the parents who
//! joined (`/api/v1/classes/{unit_id}/…`), a parent signing up with a code (public,
//! throttled), and a signed-in parent's classes. Same rules as the pages
//! (`lanhmang_app::parents`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanhmang_app::parents::{self as service};
use lanhmang_domain::parents::SignupInput;
use lanhmang_store::parents::{Invitation, ParentClass};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiIdentity, ApiJson, ApiQuery, paging};
use crate::AppState;
use crate::auth::ClientIp;
use crate::error::ApiError;

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

fn stamp(t: time::OffsetDateTime) -> String {
    lanhmang_store::format_time(t)
}

fn invitation_json(i: &Invitation) -> Value {
    let now = lanhmang_store::now();
    json!({
        "id": i.id, "unit_id": i.unit_id, "unit_name": i.unit_name, "class_name": i.class_name,
        "grade": i.grade, "code": i.code, "created_at": stamp(i.created_at), "expires_at": stamp(i.expires_at),
        "revoked_at": i.revoked_at.map(stamp), "joined": i.joined, "open": i.open_at(now),
        "signup_path": format!("/tham-gia?ma={}", i.code),
    })
}

fn member_json(p: &ParentClass, with_contact: bool) -> Value {
    let mut v = json!({
        "unit_id": p.unit_id, "unit_name": p.unit_name, "class_name": p.class_name, "grade": p.grade,
        "joined_at": stamp(p.joined_at), "representative": p.representative,
    });
    if with_contact {
        v["person_id"] = json!(p.person_id);
        v["name"] = json!(p.display_name);
        v["email"] = json!(p.email);
        v["phone"] = json!(p.phone);
    }
    v
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn invitations(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(unit_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (_, list, total, _) = service::invitations(&state.app, &identity, id(&unit_id)?, paging).await?;
    Ok(Json(json!({
        "items": list.iter().map(invitation_json).collect::<Vec<_>>(),
        "total": total, "page": paging.page, "per_page": paging.per_page,
    })))
}

#[derive(Deserialize)]
pub struct InviteJson {
    #[serde(default)]
    class_name: String,
}

pub async fn invite(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(unit_id): Path<String>,
    ApiJson(body): ApiJson<InviteJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let i = service::invite(&state.app, &identity, id(&unit_id)?, &body.class_name).await?;
    Ok((StatusCode::CREATED, Json(invitation_json(&i))))
}

pub async fn revoke(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((unit_id, invitation_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let i = service::revoke(&state.app, &identity, id(&unit_id)?, id(&invitation_id)?).await?;
    Ok(Json(invitation_json(&i)))
}

#[derive(Deserialize, Default)]
pub struct ParentsQuery {
    page: Option<String>,
    per_page: Option<String>,
    class_name: Option<String>,
}

pub async fn parents(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(unit_id): Path<String>,
    ApiQuery(q): ApiQuery<ParentsQuery>,
) -> Result<Json<Value>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (rows, total) = service::parents(&state.app, &identity, id(&unit_id)?, q.class_name.as_deref(), paging).await?;
    Ok(Json(json!({
        "items": rows.iter().map(|p| member_json(p, true)).collect::<Vec<_>>(),
        "total": total, "page": paging.page, "per_page": paging.per_page,
    })))
}

#[derive(Deserialize)]
pub struct RemoveJson {
    #[serde(default)]
    class_name: String,
}

pub async fn remove(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((unit_id, person_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RemoveJson>,
) -> Result<Response, ApiError> {
    service::remove(&state.app, &identity, id(&unit_id)?, id(&person_id)?, &body.class_name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct RepresentativeJson {
    #[serde(default)]
    class_name: String,
    representative: bool,
}

/// The school names a parent of a class as one of its representatives, or no longer.
pub async fn set_representative(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((unit_id, person_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<RepresentativeJson>,
) -> Result<Response, ApiError> {
    service::set_representative(
        &state.app,
        &identity,
        id(&unit_id)?,
        id(&person_id)?,
        &body.class_name,
        body.representative,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct ClassInvitationJson {
    unit_id: i64,
    #[serde(default)]
    class_name: String,
}

/// A class's representative gets the code to share with the class's other families.
pub async fn representative_invitation(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<ClassInvitationJson>,
) -> Result<Json<Value>, ApiError> {
    let i = service::invite_as_representative(&state.app, &identity, body.unit_id, &body.class_name).await?;
    Ok(Json(invitation_json(&i)))
}

#[derive(Deserialize)]
pub struct SignupJson {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

pub async fn signup(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<SignupJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = SignupInput {
        code: body.code,
        name: body.name,
        username: body.username,
        password: body.password,
        email: body.email.unwrap_or_default(),
        phone: body.phone.unwrap_or_default(),
    };
    let (person, invitation) = service::sign_up(&state.app, &ip.0, &ip.throttle_key(), &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": person.id, "username": person.username, "unit_name": invitation.unit_name,
            "class_name": invitation.class_name}),
        ),
    ))
}

pub async fn my_classes(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
) -> Result<Json<Value>, ApiError> {
    let rows = service::my_classes(&state.app, &identity).await?;
    Ok(Json(json!({
        "items": rows.iter().map(|p| member_json(p, false)).collect::<Vec<_>>(),
        "total": rows.len(),
    })))
}

#[derive(Deserialize)]
pub struct JoinJson {
    #[serde(default)]
    code: String,
}

pub async fn join(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<JoinJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let i = service::join(&state.app, &identity, &body.code).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"unit_id": i.unit_id, "unit_name": i.unit_name, "class_name": i.class_name, "grade": i.grade})),
    ))
}

/// The families' part of the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    use lanhmang_domain::parents::{CODE_LEN, MAX_GRADE};
    let stamp = json!({"type": "string", "format": "date-time"});
    let unit_param = json!({"name": "unit_id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Trường"});
    let id_param = |d: &str| json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": d});
    let s = &mut doc["components"]["schemas"];
    s["Invitation"] = json!({"type": "object",
        "required": ["id", "unit_id", "unit_name", "class_name", "grade", "code", "created_at", "expires_at", "joined", "open", "signup_path"],
        "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "class_name": {"type": "string", "description": "Ví dụ 4B"}, "grade": {"type": "integer", "minimum": 1, "maximum": MAX_GRADE},
            "code": {"type": "string", "description": format!("{CODE_LEN} ký tự, nhóm 4-4, ví dụ 7KQ2-MX9A")},
            "created_at": stamp, "expires_at": stamp, "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "joined": {"type": "integer"}, "open": {"type": "boolean", "description": "Còn dùng được"},
            "signup_path": {"type": "string", "description": "Trang cha mẹ mở để tham gia (mã QR trỏ đến)"}}});
    s["ClassParent"] = json!({"type": "object", "required": ["unit_id", "unit_name", "class_name", "grade", "joined_at"],
        "properties": {
            "person_id": {"type": "integer"}, "name": {"type": "string"},
            "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
            "unit_id": {"type": "integer"}, "unit_name": {"type": "string"}, "class_name": {"type": "string"},
            "grade": {"type": "integer"}, "joined_at": stamp,
            "representative": {"type": "boolean", "description": "Đại diện cha mẹ học sinh của lớp"}}});
    let list = |item: &str| {
        json!({"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}})
    };
    s["InvitationList"] = list("Invitation");
    s["ClassParentList"] = list("ClassParent");
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let class_body = json!({"type": "object", "required": ["class_name"], "properties": {
        "class_name": {"type": "string", "maxLength": 12, "description": "Khối rồi ký hiệu lớp: 4B, 6A1, 9/3 (nếu không: 422)"}}});
    let mut page_params = vec![unit_param.clone()];
    page_params.extend(paging.as_array().cloned().unwrap_or_default());
    doc["paths"]["/api/v1/classes/{unit_id}/invitations"] = json!({
        "get": {"summary": "Các mã mời cha mẹ học sinh của trường", "parameters": page_params,
            "responses": {"200": ok("Mã mời", "InvitationList"), "400": error, "401": error, "403": error, "404": error, "409": error}},
        "post": {"summary": "Tạo mã mời cha mẹ học sinh một lớp", "parameters": [unit_param.clone()],
            "requestBody": body(class_body.clone()),
            "responses": {"201": ok("Mã mời", "Invitation"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/classes/{unit_id}/invitations/{id}/revoke"] = json!({
        "post": {"summary": "Thu hồi mã mời (cha mẹ đã tham gia vẫn ở lại)", "parameters": [unit_param.clone(), id_param("Mã mời")],
            "responses": {"200": ok("Đã thu hồi", "Invitation"), "401": error, "403": error, "404": error, "409": error}}});
    let mut parent_params = vec![unit_param.clone()];
    parent_params.extend(paging.as_array().cloned().unwrap_or_default());
    parent_params.push(json!({"name": "class_name", "in": "query", "required": false, "schema": {"type": "string"}, "description": "Chỉ một lớp"}));
    doc["paths"]["/api/v1/classes/{unit_id}/parents"] = json!({
        "get": {"summary": "Cha mẹ học sinh đã tham gia các lớp của trường", "parameters": parent_params,
            "responses": {"200": ok("Cha mẹ", "ClassParentList"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/classes/{unit_id}/parents/{id}/remove"] = json!({
        "post": {"summary": "Đưa một phụ huynh ra khỏi lớp", "parameters": [unit_param.clone(), id_param("Người dùng")],
            "requestBody": body(class_body.clone()),
            "responses": {"204": {"description": "Đã đưa ra khỏi lớp"}, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/classes/{unit_id}/parents/{id}/representative"] = json!({
        "post": {"summary": "Cử một phụ huynh làm đại diện lớp, hoặc thôi", "parameters": [unit_param, id_param("Người dùng")],
            "requestBody": body(json!({"type": "object", "required": ["class_name", "representative"], "properties": {
                "class_name": class_body["properties"]["class_name"].clone(), "representative": {"type": "boolean"}}})),
            "responses": {"204": {"description": "Đã ghi"}, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/parents/classes/invitation"] = json!({
        "post": {"summary": "Đại diện lớp lấy mã mời đang dùng của lớp (tạo mới khi không còn mã nào dùng được)",
            "requestBody": body(json!({"type": "object", "required": ["unit_id", "class_name"], "properties": {
                "unit_id": {"type": "integer"}, "class_name": class_body["properties"]["class_name"].clone()}})),
            "responses": {"200": ok("Mã mời", "Invitation"), "400": error, "401": error, "404": error, "409": error, "422": error}}});
    let code = json!({"type": "string", "minLength": 1, "maxLength": 20, "description": "Mã lớp trên giấy mời"});
    doc["paths"]["/api/v1/public/parents/signup"] = json!({
        "post": {"summary": "Cha mẹ tạo tài khoản bằng mã mời của lớp (không cần đăng nhập; giới hạn số lần thử theo địa chỉ)",
            "security": [],
            "requestBody": body(json!({"type": "object", "required": ["code", "name", "username", "password"], "properties": {
                "code": code.clone(), "name": {"type": "string", "maxLength": 120}, "username": {"type": "string", "maxLength": 64},
                "password": {"type": "string", "maxLength": 256},
                "email": {"type": ["string", "null"], "maxLength": 254}, "phone": {"type": ["string", "null"], "maxLength": 20}},
                "description": "Cần số điện thoại hoặc e-mail (nếu không: 422)"})),
            "responses": {"201": {"description": "Đã tạo tài khoản và vào lớp", "content": {"application/json": {"schema": {"type": "object",
                "required": ["id", "username", "unit_name", "class_name"], "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                "unit_name": {"type": "string"}, "class_name": {"type": "string"}}}}}},
                "400": error, "422": error, "429": error}}});
    doc["paths"]["/api/v1/parents/classes"] = json!({
        "get": {"summary": "Các lớp của con (người gọi là cha mẹ)",
            "responses": {"200": ok("Lớp", "ClassParentList"), "401": error}},
        "post": {"summary": "Thêm một lớp bằng mã mời",
            "requestBody": body(json!({"type": "object", "required": ["code"], "properties": {"code": code}})),
            "responses": {"201": {"description": "Đã vào lớp", "content": {"application/json": {"schema": {"type": "object",
                "required": ["unit_id", "unit_name", "class_name", "grade"], "properties": {"unit_id": {"type": "integer"},
                "unit_name": {"type": "string"}, "class_name": {"type": "string"}, "grade": {"type": "integer"}}}}}},
                "400": error, "401": error, "422": error, "429": error}}});
}
