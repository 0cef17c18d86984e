//! The OpenAPI 3.1 document of `/api/v1`, written by hand to match the handlers; a test checks
//! that every API route is in it.

use axum::Json;
use serde_json::{Value, json};

pub fn spec() -> Value {
    let error = json!({"$ref": "#/components/responses/Error"});
    let paging = json!([
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
    ]);
    let mut unit_params = paging.as_array().cloned().unwrap_or_default();
    unit_params.extend([
        json!({"name": "q", "in": "query", "description": "Tìm theo tên (không phân biệt dấu) hoặc mã", "schema": {"type": "string"}}),
        json!({"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/UnitKind"}}),
        json!({"name": "school_level", "in": "query", "schema": {"$ref": "#/components/schemas/SchoolLevel"}}),
        json!({"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/UnitStatus"}}),
    ]);
    let mut people_params = paging.as_array().cloned().unwrap_or_default();
    people_params.push(json!({"name": "q", "in": "query", "schema": {"type": "string"}}));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lành Mạng API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "API của Lành Mạng. Đăng nhập bằng POST /api/v1/auth/login để nhận mã truy cập, rồi gửi mã trong tiêu đề Authorization: Bearer <mã>. Quyền giống hệt giao diện web: mỗi vai trò chỉ thấy đơn vị của mình và các đơn vị cấp dưới."
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "Lỗi, với mã và thông báo tiếng Việt",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}}}}
                },
                "UnitKind": {"type": "string", "enum": ["ministry", "department", "office", "school", "other"]},
                "SchoolLevel": {"type": "string", "enum": ["primary", "lower_secondary", "combined"]},
                "UnitStatus": {"type": "string", "enum": ["active", "closed"]},
                "Role": {"type": "string", "enum": ["system_admin", "office_admin", "office_head", "principal", "teacher", "website_admin", "collaborator", "parent_rep"]},
                "RoleGrant": {"type": "object", "required": ["role", "unit_id"], "properties": {
                    "role": {"$ref": "#/components/schemas/Role"}, "unit_id": {"type": "integer"}}},
                "Unit": {"type": "object", "required": ["id", "name", "kind", "parent_id", "code", "school_level", "status"], "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "kind": {"$ref": "#/components/schemas/UnitKind"},
                    "parent_id": {"type": ["integer", "null"]},
                    "code": {"type": "string"},
                    "school_level": {"oneOf": [{"$ref": "#/components/schemas/SchoolLevel"}, {"type": "null"}]},
                    "status": {"$ref": "#/components/schemas/UnitStatus"},
                    "address": {"type": "string"},
                    "websites": {"type": "array", "items": {"type": "string", "format": "uri"}}}},
                "Person": {"type": "object", "required": ["id", "username", "display_name", "unit_id", "disabled", "roles"], "properties": {
                    "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
                    "unit_id": {"type": "integer"}, "disabled": {"type": "boolean"},
                    "roles": {"type": "array", "items": {"$ref": "#/components/schemas/RoleGrant"}}}},
                "UnitList": {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Unit"}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
                "PersonList": {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
                "Me": {"type": "object", "required": ["username", "display_name", "roles"], "properties": {
                    "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
                    "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]}, "unit_id": {"type": "integer"},
                    "roles": {"type": "array", "items": {"$ref": "#/components/schemas/RoleGrant"}}}}
            }
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/auth/login": {"post": {
                "summary": "Đăng nhập, nhận mã truy cập",
                "security": [],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {
                    "200": {"description": "Mã truy cập", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["token"], "properties": {
                            "token": {"type": "string"}, "token_type": {"type": "string"},
                            "expires_at": {"type": "string", "format": "date-time"}}}}}},
                    "400": error, "401": error, "413": error,
                    "429": {"description": "Đăng nhập sai quá nhiều lần; thử lại sau Retry-After giây",
                            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
            }},
            "/api/v1/auth/logout": {"post": {
                "summary": "Thu hồi mã truy cập đang dùng",
                "responses": {"204": {"description": "Đã thu hồi"}, "401": error}
            }},
            "/api/v1/me": {"get": {
                "summary": "Người đang đăng nhập và các vai trò",
                "responses": {"200": {"description": "Thông tin", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}}, "401": error}
            }},
            "/api/v1/units": {"get": {
                "summary": "Các đơn vị trong phạm vi của người gọi",
                "parameters": unit_params,
                "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UnitList"}}}}, "400": error, "401": error, "403": error}
            }},
            "/api/v1/units/{id}": {"get": {
                "summary": "Một đơn vị",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "Đơn vị", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unit"}}}}, "401": error, "403": error, "404": error}
            }},
            "/api/v1/people": {"get": {
                "summary": "Người dùng trong phạm vi của người gọi",
                "parameters": people_params,
                "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PersonList"}}}}, "400": error, "401": error, "403": error}
            }},
            "/api/v1/openapi.json": {"get": {
                "summary": "Tài liệu này",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}}
            }}
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_documented() {
        let spec = super::spec();
        for route in crate::route_table().iter().filter(|r| r.path.starts_with("/api/")) {
            let method = route.method.to_lowercase();
            assert!(
                spec["paths"][route.path][&method].is_object(),
                "{} {} is missing from openapi.json",
                route.method,
                route.path
            );
        }
    }
}
