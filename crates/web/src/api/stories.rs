//! Exemplary stories over the API (`/api/v1/stories`): write one, record the consents its
//! people gave, publish it for a purpose (409 naming the missing consents), record a withdrawn
//! consent. Same rules as everywhere (`lanhmang_app::stories`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lanhmang_app::stories::{self as service, RawConsent, StoryView};
use lanhmang_domain::story::{GivenBy, Purpose, RawSubject, SubjectKind};
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

fn story_json(v: &StoryView) -> Value {
    let s = &v.story;
    json!({
        "id": s.id, "unit_id": s.unit_id, "unit_name": s.unit_name, "title": s.title, "body": s.body,
        "author": s.author_name, "created_at": stamp(s.created_at),
        "subjects": s.subjects.iter().map(|p| json!({"id": p.id, "kind": p.kind.as_str(), "name": p.name, "age": p.age})).collect::<Vec<_>>(),
        "consents": s.consents.iter().map(|c| json!({
            "id": c.id, "subject": c.subject_id, "given_by": c.given_by.as_str(), "purpose": c.purpose.as_str(),
            "method": c.method, "note": c.note, "form_file_name": c.scan_file_name, "recorded_by": c.recorded_by,
            "recorded_at": stamp(c.recorded_at), "withdrawn_at": c.withdrawn_at.map(stamp),
        })).collect::<Vec<_>>(),
        "photos": s.photos.iter().map(|f| json!({
            "id": f.id, "caption": f.caption, "width": f.width, "height": f.height,
            "created_at": stamp(f.created_at), "deleted_at": f.deleted_at.map(stamp),
        })).collect::<Vec<_>>(),
        "asked_parents": s.asked_parents.iter().map(|a| json!({"subject": a.subject_id, "parent_id": a.parent_id, "name": a.parent_name})).collect::<Vec<_>>(),
        "purposes": v.purposes.iter().map(|p| json!({
            "purpose": p.purpose.as_str(), "published": p.published, "may_approve": p.may_approve,
            "missing": p.missing.iter().map(|m| json!({"subject": m.subject_id, "given_by": m.given_by.as_str(), "text": m.describe()})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The purposes a story is published for, in one order on both databases (SQLite's
/// group_concat keeps none).
fn published(joined: &str) -> Vec<&str> {
    let mut purposes: Vec<&str> = joined.split(',').filter(|p| !p.is_empty()).collect();
    purposes.sort_unstable();
    purposes
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (items, total) = service::list(&state.app, &identity, paging).await?;
    Ok(Json(json!({
        "items": items.iter().map(|s| json!({
            "id": s.id, "unit_id": s.unit_id, "unit_name": s.unit_name, "title": s.title,
            "created_at": stamp(s.created_at),
            "published": published(&s.published),
        })).collect::<Vec<_>>(),
        "total": total, "page": paging.page, "per_page": paging.per_page,
    })))
}

#[derive(Deserialize)]
pub struct SubjectJson {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    age: Option<i64>,
}

#[derive(Deserialize)]
pub struct NewStoryJson {
    unit_id: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    subjects: Vec<SubjectJson>,
}

pub async fn create(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewStoryJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let subjects: Vec<RawSubject> = body
        .subjects
        .into_iter()
        .map(|s| RawSubject {
            kind: s.kind,
            name: s.name,
            age: s.age,
        })
        .collect();
    let id = service::create(&state.app, &identity, body.unit_id, &body.title, &body.body, &subjects).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

pub async fn get(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(story_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = service::get(&state.app, &identity, id(&story_id)?).await?;
    Ok(Json(story_json(&view)))
}

/// The signed form, as the API sends a file.
#[derive(Deserialize)]
pub struct FormJson {
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    content_base64: String,
}

#[derive(Deserialize)]
pub struct ConsentJson {
    subject: i64,
    #[serde(default)]
    given_by: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    form: Option<FormJson>,
}

pub async fn add_consent(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(story_id): Path<String>,
    ApiJson(body): ApiJson<ConsentJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let form = match body.form {
        Some(f) => Some((f.file_name, decode_base64(&f.content_base64, "Phiếu đồng ý")?)),
        None => None,
    };
    let raw = RawConsent {
        subject_id: Some(body.subject),
        given_by: body.given_by,
        purpose: body.purpose,
        note: body.note,
        form,
    };
    let consent_id = service::add_consent(&state.app, &identity, id(&story_id)?, raw).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": consent_id}))))
}

#[derive(Deserialize)]
pub struct PublishJson {
    #[serde(default)]
    purpose: String,
}

pub async fn publish(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(story_id): Path<String>,
    ApiJson(body): ApiJson<PublishJson>,
) -> Result<Json<Value>, ApiError> {
    let story_id = id(&story_id)?;
    service::publish(&state.app, &identity, story_id, &body.purpose).await?;
    Ok(Json(story_json(&service::get(&state.app, &identity, story_id).await?)))
}

#[derive(Deserialize, Default)]
pub struct WithdrawJson {
    #[serde(default)]
    note: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((story_id, consent_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<WithdrawJson>,
) -> Result<Json<Value>, ApiError> {
    let left = service::withdraw(&state.app, &identity, id(&story_id)?, id(&consent_id)?, &body.note).await?;
    Ok(Json(
        json!({"unpublished": left.iter().map(|p| p.as_str()).collect::<Vec<_>>()}),
    ))
}

pub async fn consent_form(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((story_id, consent_id)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let (name, content_type, bytes) =
        service::consent_form(&state.app, &identity, id(&story_id)?, id(&consent_id)?).await?;
    let kind = lanhmang_domain::activity::EvidenceType::from_content_type(&content_type).ok_or(ApiError::NotFound)?;
    crate::pages::activities::evidence_response(kind, &name, bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

fn decode_base64(raw: &str, what: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .map_err(|_| ApiError::Unprocessable(vec![format!("{what}: content_base64 không phải base64.")]))
}

#[derive(Deserialize)]
pub struct PhotoJson {
    #[serde(default)]
    caption: String,
    #[serde(default)]
    content_base64: String,
}

pub async fn add_photo(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(story_id): Path<String>,
    ApiJson(body): ApiJson<PhotoJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let story_id = id(&story_id)?;
    let bytes = decode_base64(&body.content_base64, "Ảnh")?;
    let photo_id = service::add_photo(&state.app, &identity, story_id, &body.caption, bytes).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": photo_id}))))
}

pub async fn photo(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((story_id, photo_id)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    let bytes = service::photo(&state.app, &identity, id(&story_id)?, id(&photo_id)?, false).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/jpeg")], bytes).into_response())
}

pub async fn remove_photo(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((story_id, photo_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let story_id = id(&story_id)?;
    service::remove_photo(&state.app, &identity, story_id, id(&photo_id)?).await?;
    Ok(Json(story_json(&service::get(&state.app, &identity, story_id).await?)))
}

#[derive(Deserialize)]
pub struct AskJson {
    #[serde(default)]
    parent_id: Option<i64>,
}

pub async fn ask_parent(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((story_id, subject_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<AskJson>,
) -> Result<Json<Value>, ApiError> {
    let story_id = id(&story_id)?;
    service::ask_parent(&state.app, &identity, story_id, id(&subject_id)?, body.parent_id).await?;
    Ok(Json(story_json(&service::get(&state.app, &identity, story_id).await?)))
}

/// The stories a parent was asked about, with their own answers.
pub async fn parent_requests(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
) -> Result<Json<Value>, ApiError> {
    let requests = service::parent_requests(&state.app, &identity).await?;
    Ok(Json(json!({"items": requests.iter().map(|r| json!({
        "story_id": r.story_id, "title": r.title, "unit_name": r.unit_name,
        "subject": {"id": r.subject.id, "name": r.subject.name, "age": r.subject.age},
        "consents": r.consents.iter().filter(|c| c.given_by == GivenBy::Parent).map(|c| json!({
            "id": c.id, "purpose": c.purpose.as_str(), "method": c.method,
            "recorded_at": stamp(c.recorded_at), "withdrawn_at": c.withdrawn_at.map(stamp),
        })).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
pub struct ParentConsentJson {
    subject: i64,
    #[serde(default)]
    purpose: String,
}

pub async fn parent_consent(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(story_id): Path<String>,
    ApiJson(body): ApiJson<ParentConsentJson>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let consent_id =
        service::parent_consent(&state.app, &identity, id(&story_id)?, body.subject, &body.purpose).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": consent_id}))))
}

#[derive(Deserialize)]
pub struct ParentWithdrawJson {
    subject: i64,
}

pub async fn parent_withdraw(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path((story_id, consent_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ParentWithdrawJson>,
) -> Result<Json<Value>, ApiError> {
    let left = service::parent_withdraw(&state.app, &identity, id(&story_id)?, body.subject, id(&consent_id)?).await?;
    Ok(Json(
        json!({"unpublished": left.iter().map(|p| p.as_str()).collect::<Vec<_>>()}),
    ))
}

/// The stories' part of the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    let strings = |all: Vec<&'static str>| json!({"type": "string", "enum": all});
    let kinds = strings(SubjectKind::ALL.iter().map(|k| k.as_str()).collect());
    let purposes = strings(Purpose::ALL.iter().map(|p| p.as_str()).collect());
    let given = strings(GivenBy::ALL.iter().map(|g| g.as_str()).collect());
    let stamp = json!({"type": "string", "format": "date-time"});
    let id_param = |name: &str, d: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}, "description": d});
    let s = &mut doc["components"]["schemas"];
    s["Story"] = json!({"type": "object",
        "required": ["id", "unit_id", "unit_name", "title", "body", "author", "created_at", "subjects", "consents", "purposes"],
        "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "title": {"type": "string"}, "body": {"type": "string"}, "author": {"type": "string"}, "created_at": stamp,
            "subjects": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "name"], "properties": {
                "id": {"type": "integer"}, "kind": kinds, "name": {"type": "string"}, "age": {"type": ["integer", "null"]}}}},
            "consents": {"type": "array", "items": {"type": "object", "required": ["id", "subject", "given_by", "purpose", "method", "recorded_at"], "properties": {
                "id": {"type": "integer"}, "subject": {"type": "integer"}, "given_by": given, "purpose": purposes,
                "method": {"type": "string", "enum": ["paper", "app"]}, "note": {"type": "string"},
                "form_file_name": {"type": ["string", "null"]}, "recorded_by": {"type": "string"}, "recorded_at": stamp,
                "withdrawn_at": {"type": ["string", "null"], "format": "date-time"}}}},
            "purposes": {"type": "array", "items": {"type": "object", "required": ["purpose", "published", "may_approve", "missing"], "properties": {
                "purpose": purposes, "published": {"type": "boolean"}, "may_approve": {"type": "boolean"},
                "missing": {"type": "array", "items": {"type": "object", "properties": {
                    "subject": {"type": "integer"}, "given_by": given, "text": {"type": "string"}}}}}}}}});
    s["StoryList"] = json!({"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": {"type": "object", "required": ["id", "unit_id", "title", "published"], "properties": {
            "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"},
            "title": {"type": "string"}, "created_at": stamp, "published": {"type": "array", "items": purposes}}}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let created = json!({"description": "Đã ghi", "content": {"application/json": {"schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}});
    doc["paths"]["/api/v1/stories"] = json!({
        "get": {"summary": "Các câu chuyện tấm gương ở các đơn vị người gọi viết hoặc duyệt", "parameters": paging,
            "responses": {"200": ok("Câu chuyện", "StoryList"), "400": error, "401": error}},
        "post": {"summary": "Viết một câu chuyện tấm gương (học sinh cần ghi tuổi: từ 7 tuổi cần cả sự đồng ý của em)",
            "requestBody": body(json!({"type": "object", "required": ["unit_id", "title", "body", "subjects"], "properties": {
                "unit_id": {"type": "integer"}, "title": {"type": "string", "maxLength": 200}, "body": {"type": "string", "maxLength": 20000},
                "subjects": {"type": "array", "maxItems": 10, "items": {"type": "object", "required": ["kind", "name"], "properties": {
                    "kind": kinds, "name": {"type": "string", "maxLength": 120}, "age": {"type": ["integer", "null"], "minimum": 3, "maximum": 25}}}}}})),
            "responses": {"201": created.clone(), "400": error, "401": error, "403": error, "404": error, "422": error}}});
    doc["paths"]["/api/v1/stories/{id}"] = json!({
        "get": {"summary": "Một câu chuyện, với sự đồng ý đã ghi và những gì mỗi mục đích còn thiếu",
            "parameters": [id_param("id", "Câu chuyện")],
            "responses": {"200": ok("Câu chuyện", "Story"), "401": error, "404": error}}});
    doc["paths"]["/api/v1/stories/{id}/consents"] = json!({
        "post": {"summary": "Ghi sự đồng ý của một người trong câu chuyện (phiếu giấy, kèm bản chụp phiếu đã ký nếu có; 409 khi sự đồng ý ấy đang có hiệu lực)",
            "parameters": [id_param("id", "Câu chuyện")],
            "requestBody": body(json!({"type": "object", "required": ["subject", "given_by", "purpose"], "properties": {
                "subject": {"type": "integer", "description": "id của người trong câu chuyện"}, "given_by": given, "purpose": purposes,
                "note": {"type": "string", "maxLength": 500},
                "form": {"type": "object", "required": ["file_name", "content_base64"], "properties": {
                    "file_name": {"type": "string", "maxLength": 200}, "content_base64": {"type": "string", "contentEncoding": "base64"}}}}})),
            "responses": {"201": created, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/stories/{id}/consents/{consent_id}/form"] = json!({
        "get": {"summary": "Bản chụp phiếu đồng ý đã ký", "parameters": [id_param("id", "Câu chuyện"), id_param("consent_id", "Sự đồng ý")],
            "responses": {"200": {"description": "Nội dung tệp, với đúng kiểu của nó", "content": lanhmang_domain::activity::EvidenceType::ALL
                .iter()
                .map(|t| (t.content_type().to_string(), json!({"schema": {"type": "string", "format": "binary"}})))
                .collect::<serde_json::Map<String, Value>>()},
                "401": error, "404": error}}});
    doc["paths"]["/api/v1/stories/{id}/publish"] = json!({
        "post": {"summary": "Duyệt đăng câu chuyện cho một mục đích (409 nêu từng sự đồng ý còn thiếu)",
            "parameters": [id_param("id", "Câu chuyện")],
            "requestBody": body(json!({"type": "object", "required": ["purpose"], "properties": {"purpose": purposes}})),
            "responses": {"200": ok("Đã đăng", "Story"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/stories/{id}/consents/{consent_id}/withdraw"] = json!({
        "post": {"summary": "Ghi việc rút lại sự đồng ý: câu chuyện được gỡ ngay khỏi mọi nơi không còn đủ sự đồng ý",
            "parameters": [id_param("id", "Câu chuyện"), id_param("consent_id", "Sự đồng ý")],
            "requestBody": body(json!({"type": "object", "properties": {"note": {"type": "string", "maxLength": 500}}})),
            "responses": {"200": {"description": "Đã ghi; những mục đích câu chuyện bị gỡ", "content": {"application/json": {"schema": {
                "type": "object", "required": ["unpublished"], "properties": {"unpublished": {"type": "array", "items": purposes}}}}}},
                "400": error, "401": error, "404": error, "422": error}}});
    let story_param = id_param("id", "Câu chuyện");
    doc["paths"]["/api/v1/stories/{id}/photos"] = json!({
        "post": {"summary": "Thêm ảnh cho câu chuyện (JPEG, PNG hoặc WebP; ảnh được thu nhỏ và xóa mọi thông tin kèm theo như vị trí GPS; tối đa 4 ảnh)",
            "parameters": [story_param.clone()],
            "requestBody": body(json!({"type": "object", "required": ["content_base64"], "properties": {
                "caption": {"type": "string", "maxLength": 500}, "content_base64": {"type": "string", "contentEncoding": "base64"}}})),
            "responses": {"201": {"description": "Đã thêm", "content": {"application/json": {"schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}},
                "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/stories/{id}/photos/{photo_id}"] = json!({
        "get": {"summary": "Một ảnh của câu chuyện (JPEG đã xử lý; 404 khi ảnh đã bị xóa)", "parameters": [story_param.clone(), id_param("photo_id", "Ảnh")],
            "responses": {"200": {"description": "Ảnh", "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                "401": error, "404": error}}});
    doc["paths"]["/api/v1/stories/{id}/photos/{photo_id}/remove"] = json!({
        "post": {"summary": "Gỡ một ảnh khỏi câu chuyện và xóa tệp của nó", "parameters": [story_param.clone(), id_param("photo_id", "Ảnh")],
            "responses": {"200": ok("Câu chuyện", "Story"), "401": error, "403": error, "404": error}}});
    doc["paths"]["/api/v1/stories/{id}/subjects/{subject_id}/parent"] = json!({
        "post": {"summary": "Đề nghị một tài khoản cha mẹ của trường trả lời sự đồng ý cho học sinh trên ứng dụng (parent_id null: thôi đề nghị)",
            "parameters": [story_param.clone(), id_param("subject_id", "Học sinh trong câu chuyện")],
            "requestBody": body(json!({"type": "object", "properties": {"parent_id": {"type": ["integer", "null"]}}})),
            "responses": {"200": ok("Câu chuyện", "Story"), "400": error, "401": error, "403": error, "404": error, "422": error}}});
    doc["paths"]["/api/v1/parents/stories"] = json!({
        "get": {"summary": "Những câu chuyện nhà trường xin phép cha mẹ, với câu trả lời của chính họ",
            "responses": {"200": {"description": "Đề nghị", "content": {"application/json": {"schema": {"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": {"type": "object", "required": ["story_id", "title", "subject", "consents"], "properties": {
                    "story_id": {"type": "integer"}, "title": {"type": "string"}, "unit_name": {"type": "string"},
                    "subject": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "age": {"type": ["integer", "null"]}}},
                    "consents": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "purpose": purposes, "method": {"type": "string"}, "recorded_at": stamp,
                        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"}}}}}}}}}}}},
                "401": error}}});
    doc["paths"]["/api/v1/parents/stories/{id}/consents"] = json!({
        "post": {"summary": "Cha mẹ đồng ý cho đăng câu chuyện về con cho một mục đích",
            "parameters": [story_param.clone()],
            "requestBody": body(json!({"type": "object", "required": ["subject", "purpose"], "properties": {
                "subject": {"type": "integer"}, "purpose": purposes}})),
            "responses": {"201": {"description": "Đã ghi", "content": {"application/json": {"schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}},
                "400": error, "401": error, "404": error, "409": error, "422": error}}});
    doc["paths"]["/api/v1/parents/stories/{id}/consents/{consent_id}/withdraw"] = json!({
        "post": {"summary": "Cha mẹ rút lại sự đồng ý: câu chuyện và ảnh được gỡ ngay khỏi mọi nơi không còn đủ sự đồng ý",
            "parameters": [story_param, id_param("consent_id", "Sự đồng ý")],
            "requestBody": body(json!({"type": "object", "required": ["subject"], "properties": {"subject": {"type": "integer"}}})),
            "responses": {"200": {"description": "Đã rút lại; những mục đích câu chuyện bị gỡ", "content": {"application/json": {"schema": {
                "type": "object", "required": ["unpublished"], "properties": {"unpublished": {"type": "array", "items": purposes}}}}}},
                "400": error, "401": error, "404": error, "422": error}}});
}
