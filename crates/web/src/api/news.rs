//! `GET /api/v1/news`: sector news search, with the same scope rules as the page.

use axum::Json;
use axum::extract::State;
use lanhmang_store::news::NewsItem;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiIdentity, ApiQuery, ListJson, paging};
use crate::AppState;
use crate::error::ApiError;
use lanhmang_app::news::{FilterProblem, RawNewsFilter, news_filter, search};

#[derive(Deserialize, Default)]
pub struct NewsQuery {
    q: Option<String>,
    unit_id: Option<String>,
    site_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    topic: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// Entries matching the filters: best first when a query is given (unless `sort=newest`),
/// newest first otherwise. A unit,
/// site or topic outside the caller's scope answers 404; malformed values 422.
pub async fn list(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<NewsQuery>,
) -> Result<Json<ListJson<NewsItem>>, ApiError> {
    let paging = paging(&q.page, &q.per_page).map_err(|e| match e {
        ApiError::BadRequest(m) => ApiError::Unprocessable(vec![m]),
        other => other,
    })?;
    let raw = RawNewsFilter {
        q: q.q,
        unit_id: q.unit_id,
        site_id: q.site_id,
        from: q.from,
        to: q.to,
        topic: q.topic,
        sort: q.sort,
    };
    let filter = match news_filter(&state.app, &identity, &raw).await? {
        Ok(f) => f,
        Err(problems) => {
            if problems.iter().any(|p| matches!(p, FilterProblem::OutOfScope(_))) {
                return Err(ApiError::NotFound);
            }
            return Err(ApiError::Unprocessable(
                problems.iter().map(|p| p.message().to_string()).collect(),
            ));
        }
    };
    let (items, total) = search(&state.app, &filter, paging).await?;
    Ok(Json(ListJson {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Adds the news path and its schemas to the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    let mut params = paging.as_array().cloned().unwrap_or_default();
    params.extend([
        json!({"name": "q", "in": "query", "description": "Từ cần tìm, không phân biệt dấu và hoa thường (\"dao tao\" = \"Đào tạo\"); các từ đều phải có, cụm trong dấu \"…\" phải liền nhau", "schema": {"type": "string"}}),
        json!({"name": "unit_id", "in": "query", "description": "Chỉ tin của đơn vị này và các đơn vị cấp dưới (phải thuộc phạm vi người gọi)", "schema": {"type": "integer"}}),
        json!({"name": "site_id", "in": "query", "description": "Chỉ tin của trang web này", "schema": {"type": "integer"}}),
        json!({"name": "from", "in": "query", "description": "Từ ngày (giờ Việt Nam)", "schema": {"type": "string", "format": "date"}}),
        json!({"name": "to", "in": "query", "description": "Đến hết ngày (giờ Việt Nam); sau ngày from (nếu không: 422)", "schema": {"type": "string", "format": "date"}}),
        json!({"name": "topic", "in": "query", "description": "Mã chủ đề: tin có ít nhất một từ khóa của chủ đề", "schema": {"type": "integer", "minimum": 1, "maximum": i64::MAX}}),
        json!({"name": "sort", "in": "query", "description": "Mặc định: phù hợp nhất trước khi có q (các từ đứng liền nhau đúng thứ tự được xếp trên; xếp hạng 1 000 tin khớp mới nhất, các tin cũ hơn theo sau, mới nhất trước), mới nhất trước khi không có q", "schema": {"type": "string", "enum": ["newest", "relevance"]}}),
    ]);
    doc["components"]["schemas"]["NewsItem"] = json!({"type": "object",
        "required": ["id", "title", "url", "published_at", "site_id", "unit_id", "unit_name", "feed_title", "snippet"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
            "published_at": {"type": "string", "format": "date-time"},
            "site_id": {"type": ["integer", "null"], "description": "Trống với tin báo chí"},
            "unit_id": {"type": ["integer", "null"]}, "unit_name": {"type": "string"},
            "feed_title": {"type": "string"}, "snippet": {"type": "string", "description": "Đoạn trích quanh từ tìm thấy"}}});
    doc["components"]["schemas"]["NewsList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/NewsItem"}},
        "total": {"type": "integer", "description": "Số tin khớp, đếm tới 10 000; giá trị 10 001 nghĩa là «hơn 10 000»"},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    doc["paths"]["/api/v1/news"] = json!({"get": {
        "summary": "Tìm tin tức ngành (trang web của các đơn vị trong phạm vi và báo chí): phù hợp nhất trước khi có từ cần tìm, nếu không thì mới nhất trước; mỗi bài chỉ một lần dù đến từ nhiều nguồn tin",
        "parameters": params,
        "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewsList"}}}},
            "400": error, "401": error, "403": error, "404": error, "422": error}}});
}
