//! The OpenAPI 3.1 document of `/api/v1`, written by hand to match the handlers; a test checks
//! that every API route is in it.

use axum::Json;
use serde_json::{Value, json};

pub fn spec() -> Value {
    let error = json!({"$ref": "#/components/responses/Error"});
    let roles: Vec<&str> = lanhmang_domain::Role::ALL.iter().map(|r| r.as_str()).collect();
    // A one-line text field: something visible after control characters and spaces are dropped.
    let line = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": VISIBLE});
    let paging = json!([
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": u32::MAX, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
    ]);
    let mut unit_params = paging.as_array().cloned().unwrap_or_default();
    unit_params.extend([
        json!({"name": "q", "in": "query", "description": "Tìm theo tên (không phân biệt dấu) hoặc mã", "schema": {"type": "string"}}),
        json!({"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/UnitKind"}}),
        json!({"name": "school_level", "in": "query", "schema": {"$ref": "#/components/schemas/SchoolLevel"}}),
        json!({"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/UnitStatus"}}),
    ]);
    let id_param = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Mã kế hoạch"});
    let unit_param = json!({"name": "unit_id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Mã trường"});
    let report_ok = json!({"description": "Báo cáo", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}});
    let review_body = json!({"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "version": {"type": ["integer", "null"], "minimum": 0, "maximum": i64::MAX, "description": "Phiên bản đã đọc; khác phiên bản hiện tại thì bị từ chối (409); null: không kiểm tra"},
        "comment": {"type": "string", "maxLength": lanhmang_domain::report::REVIEW_COMMENT_MAX_CHARS}}}}}});
    let comment_body = json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["comment"], "properties": {
        "version": {"type": "integer", "minimum": 0, "description": "Phiên bản đã đọc; khác phiên bản hiện tại thì bị từ chối (409)"},
        "comment": {"type": "string", "minLength": 1, "maxLength": lanhmang_domain::report::REVIEW_COMMENT_MAX_CHARS, "pattern": "\\S", "description": "Ý kiến gửi trường: bắt buộc"}}}}}});
    let mut activity_params = paging.as_array().cloned().unwrap_or_default();
    activity_params.extend([
        json!({"name": "plan_id", "in": "query", "schema": {"type": "integer"}}),
        json!({"name": "unit_id", "in": "query", "schema": {"type": "integer"}}),
        json!({"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/ActivityKind"}}),
        json!({"name": "q", "in": "query", "description": "Tìm trong tên hoạt động (không phân biệt dấu)", "schema": {"type": "string"}}),
    ]);
    let mut report_list_params = vec![id_param.clone()];
    report_list_params.extend(paging.as_array().cloned().unwrap_or_default());
    report_list_params.extend([
        json!({"name": "status", "in": "query", "schema": {"type": "string", "enum": ["not_started", "draft", "submitted", "returned", "accepted", "reopened"]}}),
        json!({"name": "school_level", "in": "query", "schema": {"$ref": "#/components/schemas/SchoolLevel"}}),
        json!({"name": "missing", "in": "query", "description": "true: chỉ các trường chưa gửi (chưa có, nháp, bị trả lại, được mở lại)", "schema": {"type": "boolean"}}),
    ]);
    let count = json!({"type": "integer", "minimum": 0, "maximum": lanhmang_domain::activity::MAX_AUDIENCE});
    let school_years: Vec<String> = (2000..=2100).map(|y| format!("{y}-{}", y + 1)).collect();
    let mut people_params = paging.as_array().cloned().unwrap_or_default();
    people_params.push(json!({"name": "q", "in": "query", "schema": {"type": "string"}}));
    let mut spec = json!({
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
                "Role": {"type": "string", "enum": roles},
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
                "ActivityKind": {"type": "string", "enum": ["talk", "training", "campaign", "parent_meeting", "web_post", "partner_work", "phone_rules", "story_post", "other"]},
                "Plan": {"type": "object", "required": ["id", "title", "school_year", "deadline", "status", "version"], "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}, "issuing_unit_id": {"type": "integer"},
                    "issuing_unit_name": {"type": "string"}, "school_year": {"type": "string", "examples": ["2026-2027"]},
                    "deadline": {"type": "string", "format": "date"}, "number": {"type": ["string", "null"], "examples": ["05/KH-PGDĐT"]},
                    "template": {"type": "string"}, "status": {"type": "string", "enum": ["draft", "published"]},
                    "version": {"type": "integer"}, "published_at": {"type": ["string", "null"], "format": "date-time"},
                    "content": {"type": "object", "description": "Các mục, nhiệm vụ và chỉ tiêu của kế hoạch"}}},
                "PlanList": {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Plan"}}, "total": {"type": "integer"}}},
                "NewPlan": {"type": "object", "required": ["title", "school_year"], "properties": {
                    "title": line(300), "school_year": {"type": "string", "enum": school_years, "examples": ["2026-2027"]},
                    "deadline": {"type": "string", "format": "date", "description": "Ngày cuối cùng còn đúng hạn, từ 01/9 đầu năm học đến 31/7 cuối năm học (ngoài khoảng đó: 422); mặc định 31/5 cuối năm học (báo cáo nộp trước 01/6)"},
                    "template": {"type": "string", "enum": [lanhmang_domain::plan_template::BUILTIN.code], "default": "builtin"},
                    "number": {"type": "string", "pattern": PLAN_NUMBER, "examples": ["05/KH-PGDĐT"], "description": "Số văn bản: số thứ tự/KH-tên viết tắt của đơn vị ban hành"},
                    "issuing_unit_id": {"type": "integer", "description": "Bắt buộc khi người gọi quản lý nhiều đơn vị"}}},
                "Audience": {"type": "object", "description": "Số người tham dự; số học sinh không vượt quá sĩ số của trường (nếu vượt: 422)", "properties": {
                    "teachers": count, "staff": count,
                    "pupils": {"oneOf": [count, {"type": "object", "properties": {
                        "grades_1_2": count, "grades_3_5": count, "grades_6_7": count,
                        "grades_8_9": count, "other": count}}]},
                    "parents": count}},
                "NewActivity": {"type": "object", "required": ["unit_id", "plan_id", "kind", "date", "title"], "properties": {
                    "unit_id": {"type": "integer"}, "plan_id": {"type": "integer"}, "kind": {"$ref": "#/components/schemas/ActivityKind"},
                    "date": {"type": "string", "format": "date", "description": "Trong năm học của kế hoạch, 01/8 đến 31/7 (ngoài khoảng đó: 422)"}, "title": line(300),
                    "audience": {"$ref": "#/components/schemas/Audience"},
                    "tasks": {"type": "array", "items": {"type": "string"}, "description": "Mã nhiệm vụ của kế hoạch, ví dụ II.1.d (mã không có trong kế hoạch: 422)"},
                    "partner": {"type": "string", "maxLength": 300}, "description": {"type": "string", "maxLength": 5000},
                    "links": {"type": "array", "maxItems": lanhmang_app::activities::MAX_LINKS, "items": {"type": "string", "maxLength": 2000, "pattern": WEB_LINK, "description": "Địa chỉ http(s) công khai"}}}},
                "Activity": {"type": "object", "required": ["id", "unit_id", "plan_id", "kind", "date", "title", "audience"], "properties": {
                    "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"}, "plan_id": {"type": "integer"},
                    "kind": {"$ref": "#/components/schemas/ActivityKind"}, "tasks": {"type": "array", "items": {"type": "string"}},
                    "date": {"type": "string", "format": "date"}, "title": {"type": "string"}, "audience": {"type": "object"},
                    "partner": {"type": "string"}, "description": {"type": "string"}, "evidence_count": {"type": "integer"}}},
                "ActivityList": {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Activity"}}, "total": {"type": "integer"}}},
                "ReportEntry": {"type": "object", "required": ["plan_id", "unit_id", "unit_code", "unit_name", "status"], "properties": {
                    "plan_id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_code": {"type": "string"}, "unit_name": {"type": "string"},
                    "school_level": {"oneOf": [{"$ref": "#/components/schemas/SchoolLevel"}, {"type": "null"}]},
                    "status": {"type": "string", "enum": ["not_started", "draft", "submitted", "returned", "accepted", "reopened"]},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"}, "late": {"type": ["boolean", "null"]}}},
                "ReportEntryList": {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/ReportEntry"}},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
                "Narrative": {"type": "object", "properties": {
                    "results": {"type": "string"}, "strengths": {"type": "string"}, "limitations": {"type": "string"}, "proposals": {"type": "string"}}},
                "Report": {"type": "object", "required": ["plan_id", "unit_id", "status", "version", "values"], "properties": {
                    "plan_id": {"type": "integer"}, "unit_id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["not_started", "draft", "submitted", "returned", "accepted", "reopened"]},
                    "version": {"type": "integer"}, "late": {"type": ["boolean", "null"]},
                    "first_submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "review_comment": {"type": "string"}, "narrative": {"$ref": "#/components/schemas/Narrative"},
                    "notified": {"type": "string", "description": "Chỉ có sau khi duyệt, trả lại hoặc mở lại: ai đã được báo (hoặc chưa ai, khi trường chưa có tài khoản hiệu trưởng)"},
                    "values": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                        "value": {}, "computed": {"type": ["number", "null"]}, "override_reason": {"type": "string"}}}}}},
                "SaveReport": {"type": "object", "properties": {
                    "version": {"type": "integer", "minimum": 0, "description": "Bắt buộc khi báo cáo đã có: phiên bản đã đọc"},
                    "narrative": {"$ref": "#/components/schemas/Narrative"},
                    "values": {"type": "object", "description": "Mã chỉ tiêu của kế hoạch (mã không có trong kế hoạch: 422) → giá trị, hoặc {value, override_reason} khi nhập khác số tính được, hoặc {use_computed: true} để nhận số hệ thống vừa tính lại (không bao giờ tự áp dụng)"}}},
                "ReopenRequest": {"type": "object", "required": ["reason"], "properties": {
                    "reason": {"type": "string", "minLength": 1, "maxLength": lanhmang_domain::report::REOPEN_REQUEST_MAX_CHARS, "pattern": "\\S", "description": "Vì sao cần mở lại báo cáo đã duyệt (bắt buộc)"}}},
                "ReopenRequested": {"type": "object", "required": ["status", "notified"], "properties": {
                    "status": {"type": "string", "description": "Trạng thái báo cáo, không đổi cho đến khi Phòng mở lại"},
                    "notified": {"type": "string", "description": "Ai ở Phòng đã được báo, hoặc chưa ai"}}},
                "Dashboard": {"type": "object", "required": ["expected", "submitted", "on_time", "late", "completeness", "timeliness", "indicators"], "properties": {
                    "expected": {"type": "integer", "description": "Số trường phải nộp: trường đang hoạt động, cộng trường đã giải thể nhưng đã nộp"},
                    "submitted": {"type": "integer"}, "on_time": {"type": "integer"}, "late": {"type": "integer"},
                    "accepted": {"type": "integer"}, "returned": {"type": "integer"}, "reopened": {"type": "integer"},
                    "completeness": {"type": "number", "minimum": 0, "maximum": 1}, "timeliness": {"type": "number", "minimum": 0, "maximum": 1},
                    "by_level": {"type": "array", "items": {"type": "object"}},
                    "indicators": {"type": "array", "items": {"type": "object", "required": ["code", "name", "value"], "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"}, "value": {"type": ["number", "null"]},
                        "aggregation": {"type": "string"}, "reporting": {"type": "integer"}}}}}},
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
                    "403": {"description": "Mật khẩu đúng nhưng tài khoản phải đổi mật khẩu (mật khẩu do quản trị viên đặt) trước khi dùng API: đổi trên trang web rồi đăng nhập lại. Mã lỗi password_change_required",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
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
            "/api/v1/plans": {
                "get": {"summary": "Các kế hoạch người gọi được xem", "parameters": paging,
                    "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanList"}}}}, "400": error, "401": error, "403": error}},
                "post": {"summary": "Tạo kế hoạch năm học từ mẫu (bản dự thảo)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPlan"}}}},
                    "responses": {"201": {"description": "Đã tạo", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}}, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}
            },
            "/api/v1/plans/{id}": {"get": {"summary": "Một kế hoạch, với nội dung", "parameters": [id_param],
                "responses": {"200": {"description": "Kế hoạch", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}}, "401": error, "403": error, "404": error}}},
            "/api/v1/plans/{id}/publish": {"post": {"summary": "Ban hành kế hoạch tới các trường trực thuộc", "parameters": [id_param],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"version": {"type": ["integer", "null"], "minimum": 0, "maximum": i64::MAX, "description": "Phiên bản đã đọc; khác phiên bản hiện tại thì bị từ chối (409); null hoặc bỏ trống: không kiểm tra"}}}}}},
                "responses": {"200": {"description": "Đã ban hành", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}}, "400": error, "401": error, "403": error, "404": error, "409": error}}},
            "/api/v1/plans/{id}/dashboard": {"get": {"summary": "Số liệu tổng hợp trực tiếp trong phạm vi người gọi", "parameters": [id_param],
                "responses": {"200": {"description": "Tổng hợp", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dashboard"}}}}, "401": error, "403": error, "404": error}}},
            "/api/v1/plans/{id}/reports": {"get": {"summary": "Các trường của kế hoạch và trạng thái báo cáo: mọi trường với Phòng duyệt hoặc xem tổng hợp, trường của mình với hiệu trưởng",
                "parameters": report_list_params,
                "responses": {"200": {"description": "Danh sách, theo mã trường", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportEntryList"}}}},
                    "400": error, "401": error, "403": error, "404": error}}},
            "/api/v1/plans/{id}/reports/{unit_id}": {
                "get": {"summary": "Báo cáo của một trường (chưa có thì trả về số liệu sẽ điền sẵn, trạng thái not_started)", "parameters": [id_param, unit_param],
                    "responses": {"200": report_ok, "401": error, "403": error, "404": error}},
                "put": {"summary": "Lưu báo cáo (tạo bản nháp điền sẵn nếu chưa có)", "parameters": [id_param, unit_param],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SaveReport"}}}},
                    "responses": {"200": report_ok, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}
            },
            "/api/v1/plans/{id}/reports/{unit_id}/submit": {"post": {"summary": "Gửi báo cáo (không có nội dung: gửi bản hiện tại, tạo bản điền sẵn nếu chưa có); còn chỉ tiêu bắt buộc chưa nhập thì bị từ chối (422) kèm danh sách", "parameters": [id_param, unit_param],
                "requestBody": review_body.clone(), "responses": {"200": report_ok, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}},
            "/api/v1/plans/{id}/reports/{unit_id}/return": {"post": {"summary": "Trả lại báo cáo kèm ý kiến", "parameters": [id_param, unit_param],
                "requestBody": comment_body.clone(), "responses": {"200": report_ok, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}},
            "/api/v1/plans/{id}/reports/{unit_id}/accept": {"post": {"summary": "Duyệt báo cáo (khóa báo cáo)", "parameters": [id_param, unit_param],
                "requestBody": review_body, "responses": {"200": report_ok, "400": error, "401": error, "403": error, "404": error, "409": error}}},
            "/api/v1/plans/{id}/reports/{unit_id}/reopen": {"post": {"summary": "Mở lại báo cáo đã duyệt, kèm lý do (ghi nhật ký); số liệu đã duyệt được giữ nguyên", "parameters": [id_param, unit_param],
                "requestBody": comment_body, "responses": {"200": report_ok, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}},
            "/api/v1/plans/{id}/reports/{unit_id}/reopen-request": {"post": {"summary": "Hiệu trưởng đề nghị Phòng mở lại báo cáo đã duyệt, kèm lý do; báo cho cán bộ duyệt của Phòng", "parameters": [id_param, unit_param],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReopenRequest"}}}},
                "responses": {"200": {"description": "Đã ghi đề nghị", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReopenRequested"}}}}, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}},
            "/api/v1/activities": {
                "get": {"summary": "Hoạt động trong phạm vi người gọi", "parameters": activity_params,
                    "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActivityList"}}}}, "400": error, "401": error, "403": error}},
                "post": {"summary": "Ghi một hoạt động (minh chứng dạng liên kết; tệp tải lên qua giao diện web)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewActivity"}}}},
                    "responses": {"201": {"description": "Đã ghi", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Activity"}}}}, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}
            },
            "/api/v1/openapi.json": {"get": {
                "summary": "Tài liệu này",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}}
            }}
        }
    });
    add_supervision(&mut spec, &error, &paging);
    super::news::document(&mut spec, &paging, &error);
    super::incidents::document(&mut spec, &paging, &error);
    super::incidents::document_clarifications(&mut spec, &paging, &error);
    super::trainings::document(&mut spec, &paging, &error);
    super::notices::document(&mut spec, &paging, &error);
    super::parents::document(&mut spec, &paging, &error);
    super::webhooks::document(&mut spec, &paging, &error);
    super::stories::document(&mut spec, &paging, &error);
    super::lessons::document(&mut spec, &paging, &error);
    constrain_integers(&mut spec);
    empty_filters_mean_none(&mut spec);
    name_operations(&mut spec);
    add_links(&mut spec);
    spec
}

/// Text with at least one character that is neither a space nor a control character.
pub(super) const VISIBLE: &str = "[^\\s\\x00-\\x1f\\x7f-\\x9f]";
/// An http(s) address with a host name (labels of letters, digits and hyphens) and printable rest.
const WEB_LINK: &str = "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?([/?#][!-~]*)?$";
/// "05/KH-PGDĐT": a sequence number, the plan kind, the issuer's abbreviation.
const PLAN_NUMBER: &str = "^0*[1-9][0-9]{0,8}/KH-[0-9A-Za-zĐđ-]{1,20}$";

/// Every operation's `operationId`, by method and path: the names links point at.
const OPERATION_IDS: &[(&str, &str, &str)] = &[
    ("get", "/api/v1/openapi.json", "openapi"),
    ("post", "/api/v1/auth/login", "login"),
    ("post", "/api/v1/auth/logout", "logout"),
    ("get", "/api/v1/me", "me"),
    ("get", "/api/v1/units", "listUnits"),
    ("get", "/api/v1/units/{id}", "getUnit"),
    ("get", "/api/v1/people", "listPeople"),
    ("get", "/api/v1/plans", "listPlans"),
    ("post", "/api/v1/plans", "createPlan"),
    ("get", "/api/v1/plans/{id}", "getPlan"),
    ("post", "/api/v1/plans/{id}/publish", "publishPlan"),
    ("get", "/api/v1/plans/{id}/dashboard", "getDashboard"),
    ("get", "/api/v1/plans/{id}/reports", "listReports"),
    ("get", "/api/v1/plans/{id}/reports/{unit_id}", "getReport"),
    ("put", "/api/v1/plans/{id}/reports/{unit_id}", "saveReport"),
    ("post", "/api/v1/plans/{id}/reports/{unit_id}/submit", "submitReport"),
    ("post", "/api/v1/plans/{id}/reports/{unit_id}/return", "returnReport"),
    ("post", "/api/v1/plans/{id}/reports/{unit_id}/accept", "acceptReport"),
    ("post", "/api/v1/plans/{id}/reports/{unit_id}/reopen", "reopenReport"),
    (
        "post",
        "/api/v1/plans/{id}/reports/{unit_id}/reopen-request",
        "requestReopen",
    ),
    ("get", "/api/v1/activities", "listActivities"),
    ("post", "/api/v1/activities", "logActivity"),
    ("get", "/api/v1/sites", "listSites"),
    ("post", "/api/v1/sites", "registerSite"),
    ("get", "/api/v1/sites/{id}", "getSite"),
    ("post", "/api/v1/sites/{id}/monitoring", "setMonitoring"),
    ("get", "/api/v1/findings", "listFindings"),
    ("post", "/api/v1/findings/{id}/acknowledge", "acknowledgeFinding"),
    ("post", "/api/v1/findings/{id}/fixed", "markFindingFixed"),
    ("post", "/api/v1/inspections", "requestInspection"),
    ("get", "/api/v1/inspections/{id}", "getInspection"),
    ("get", "/api/v1/news", "listNews"),
    ("get", "/api/v1/incident-categories", "listIncidentCategories"),
    ("post", "/api/v1/incident-categories", "createIncidentCategory"),
    ("put", "/api/v1/incident-categories/{code}", "updateIncidentCategory"),
    ("get", "/api/v1/incident-working-time", "getIncidentWorkingTime"),
    ("put", "/api/v1/incident-working-time", "saveIncidentWorkingTime"),
    ("get", "/api/v1/incidents", "listIncidents"),
    ("post", "/api/v1/incidents", "reportIncident"),
    ("get", "/api/v1/incidents/{id}", "getIncident"),
    ("post", "/api/v1/incidents/{id}/transition", "moveIncident"),
    ("post", "/api/v1/incidents/{id}/notes", "addIncidentNote"),
    ("post", "/api/v1/incidents/{id}/links", "linkIncident"),
    ("post", "/api/v1/incidents/{id}/links/remove", "unlinkIncident"),
    ("post", "/api/v1/public/units/{unit_code}/reports", "publicReport"),
    ("get", "/api/v1/public/receipts/{receipt}", "getReceipt"),
    ("get", "/api/v1/clarifications", "listClarifications"),
    ("post", "/api/v1/clarifications", "writeClarification"),
    ("post", "/api/v1/clarifications/{id}/approve", "approveClarification"),
    ("get", "/api/v1/notices", "listNotices"),
    ("post", "/api/v1/notices", "sendNotice"),
    ("get", "/api/v1/notices/{id}", "getNotice"),
    ("post", "/api/v1/notices/{id}/read", "readNotice"),
    ("post", "/api/v1/notices/{id}/acknowledge", "acknowledgeNotice"),
    ("get", "/api/v1/notices/{id}/recipients", "listNoticeRecipients"),
    (
        "get",
        "/api/v1/notices/{id}/attachments/{file_id}",
        "getNoticeAttachment",
    ),
    ("get", "/api/v1/trainings", "listTrainings"),
    ("post", "/api/v1/trainings", "scheduleTraining"),
    ("get", "/api/v1/trainings/{id}", "getTraining"),
    ("put", "/api/v1/trainings/{id}", "changeTraining"),
    ("post", "/api/v1/trainings/{id}/cancel", "cancelTraining"),
    ("post", "/api/v1/trainings/{id}/register", "registerForTraining"),
    ("post", "/api/v1/trainings/{id}/attendance", "recordTrainingAttendance"),
    ("get", "/api/v1/trainings/{id}/results", "getTrainingResults"),
    ("get", "/api/v1/classes/{unit_id}/invitations", "listClassInvitations"),
    ("post", "/api/v1/classes/{unit_id}/invitations", "inviteParents"),
    (
        "post",
        "/api/v1/classes/{unit_id}/invitations/{id}/revoke",
        "revokeClassInvitation",
    ),
    ("get", "/api/v1/classes/{unit_id}/parents", "listClassParents"),
    (
        "post",
        "/api/v1/classes/{unit_id}/parents/{id}/remove",
        "removeClassParent",
    ),
    (
        "post",
        "/api/v1/classes/{unit_id}/parents/{id}/representative",
        "setClassRepresentative",
    ),
    (
        "post",
        "/api/v1/parents/classes/invitation",
        "getRepresentedClassInvitation",
    ),
    ("post", "/api/v1/public/parents/signup", "parentSignup"),
    ("get", "/api/v1/parents/classes", "listMyClasses"),
    ("post", "/api/v1/parents/classes", "joinClass"),
    ("get", "/api/v1/webhooks", "listWebhooks"),
    ("post", "/api/v1/webhooks", "createWebhook"),
    ("get", "/api/v1/webhooks/{id}", "getWebhook"),
    ("get", "/api/v1/webhooks/{id}/deliveries", "listWebhookDeliveries"),
    ("post", "/api/v1/webhooks/{id}/ping", "pingWebhook"),
    ("post", "/api/v1/webhooks/{id}/disable", "disableWebhook"),
    ("get", "/api/v1/stories", "listStories"),
    ("post", "/api/v1/stories", "writeStory"),
    ("get", "/api/v1/stories/{id}", "getStory"),
    ("post", "/api/v1/stories/{id}/consents", "recordStoryConsent"),
    (
        "get",
        "/api/v1/stories/{id}/consents/{consent_id}/form",
        "getStoryConsentForm",
    ),
    ("post", "/api/v1/stories/{id}/publish", "publishStory"),
    (
        "post",
        "/api/v1/stories/{id}/consents/{consent_id}/withdraw",
        "withdrawStoryConsent",
    ),
    ("post", "/api/v1/stories/{id}/photos", "addStoryPhoto"),
    ("get", "/api/v1/stories/{id}/photos/{photo_id}", "getStoryPhoto"),
    (
        "post",
        "/api/v1/stories/{id}/photos/{photo_id}/remove",
        "removeStoryPhoto",
    ),
    (
        "post",
        "/api/v1/stories/{id}/subjects/{subject_id}/parent",
        "askStoryParent",
    ),
    ("get", "/api/v1/parents/stories", "listParentStoryRequests"),
    (
        "post",
        "/api/v1/parents/stories/{id}/consents",
        "giveParentStoryConsent",
    ),
    (
        "post",
        "/api/v1/parents/stories/{id}/consents/{consent_id}/withdraw",
        "withdrawParentStoryConsent",
    ),
];

/// The API reads every integer as 64 bits, and identifiers are positive: `id` and every `…_id`
/// parameter or property typed as a plain integer. One rule here rather than at each use.
fn constrain_integers(value: &mut Value) {
    fn bound(schema: &mut Value, identifier: bool) {
        // A nullable integer (`["integer", "null"]`) is bounded like a plain one.
        let integer = schema["type"] == "integer"
            || schema["type"]
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == "integer"));
        if !integer {
            return;
        }
        if identifier {
            schema["minimum"] = json!(1);
        } else if schema.get("minimum").is_none() {
            schema["minimum"] = json!(i64::MIN);
        }
        if schema.get("maximum").is_none() || identifier {
            schema["maximum"] = json!(i64::MAX);
        }
    }
    let is_identifier = |name: &str| name == "id" || name.ends_with("_id");
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(name)), Some(schema)) = (map.get("name").cloned(), map.get_mut("schema")) {
                bound(schema, is_identifier(&name));
            }
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, schema) in properties.iter_mut() {
                    bound(schema, is_identifier(name));
                }
            }
            if let Some(items) = map.get_mut("items") {
                bound(items, false);
            }
            for child in map.values_mut() {
                constrain_integers(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(constrain_integers),
        _ => {}
    }
}

/// A list filter sent empty (`?status=`, as a form with nothing chosen sends it) filters
/// nothing; the document says so for every enumerated or dated query filter.
fn empty_filters_mean_none(spec: &mut Value) {
    for item in spec["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
    {
        for op in item.as_object_mut().into_iter().flat_map(|ops| ops.values_mut()) {
            // `get_mut`, not indexing: indexing a missing key would write a null into the document.
            for param in op
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if param["in"] != "query" {
                    continue;
                }
                let schema = &mut param["schema"];
                if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
                    values.push(json!(""));
                } else if schema.get("$ref").is_some() || schema["format"] == "date" {
                    *schema = json!({"anyOf": [schema.take(), {"const": ""}]});
                }
            }
        }
    }
}

fn name_operations(spec: &mut Value) {
    for (method, path, id) in OPERATION_IDS {
        if let Some(op) = spec["paths"][*path][*method].as_object_mut() {
            op.insert("operationId".into(), json!(id));
        }
    }
}

/// OpenAPI links: where an answer's identifiers lead next, so that a client (and stateful
/// testing) goes from a list or a creation to the operations on what it found.
fn add_links(spec: &mut Value) {
    let first = |field: &str| json!(format!("$response.body#/items/0/{field}"));
    let created = || json!("$response.body#/id");
    let mut links: Vec<(&str, &str, &str, &str, Value)> = Vec::new();
    for op in ["getPlan", "publishPlan", "getDashboard", "listReports"] {
        links.push(("get", "/api/v1/plans", "200", op, json!({"id": first("id")})));
        links.push(("post", "/api/v1/plans", "201", op, json!({"id": created()})));
    }
    for op in [
        "getReport",
        "saveReport",
        "submitReport",
        "returnReport",
        "acceptReport",
        "reopenReport",
        "requestReopen",
    ] {
        let from_list = json!({"id": "$request.path.id", "unit_id": first("unit_id")});
        links.push(("get", "/api/v1/plans/{id}/reports", "200", op, from_list));
        let from_report = json!({"id": "$response.body#/plan_id", "unit_id": "$response.body#/unit_id"});
        links.push(("put", "/api/v1/plans/{id}/reports/{unit_id}", "200", op, from_report));
    }
    for op in ["getSite", "setMonitoring"] {
        links.push(("get", "/api/v1/sites", "200", op, json!({"id": first("id")})));
        links.push(("post", "/api/v1/sites", "201", op, json!({"id": created()})));
    }
    for op in ["acknowledgeFinding", "markFindingFixed"] {
        links.push(("get", "/api/v1/findings", "200", op, json!({"id": first("id")})));
    }
    links.push(("get", "/api/v1/units", "200", "getUnit", json!({"id": first("id")})));
    links.push((
        "get",
        "/api/v1/clarifications",
        "200",
        "approveClarification",
        json!({"id": first("id")}),
    ));
    links.push((
        "post",
        "/api/v1/clarifications",
        "201",
        "approveClarification",
        json!({"id": created()}),
    ));
    for op in ["getIncident", "moveIncident", "addIncidentNote"] {
        links.push(("get", "/api/v1/incidents", "200", op, json!({"id": first("id")})));
        links.push(("post", "/api/v1/incidents", "201", op, json!({"id": created()})));
    }
    links.push((
        "post",
        "/api/v1/public/units/{unit_code}/reports",
        "201",
        "getReceipt",
        json!({"receipt": "$response.body#/receipt"}),
    ));
    for op in ["getNotice", "readNotice", "acknowledgeNotice", "listNoticeRecipients"] {
        links.push(("get", "/api/v1/notices", "200", op, json!({"id": first("id")})));
        links.push(("post", "/api/v1/notices", "201", op, json!({"id": created()})));
    }
    for op in [
        "getTraining",
        "registerForTraining",
        "recordTrainingAttendance",
        "getTrainingResults",
        "changeTraining",
        "cancelTraining",
    ] {
        links.push(("get", "/api/v1/trainings", "200", op, json!({"id": first("id")})));
        links.push(("post", "/api/v1/trainings", "201", op, json!({"id": created()})));
    }
    links.push((
        "post",
        "/api/v1/inspections",
        "202",
        "getInspection",
        json!({"id": created()}),
    ));
    // A class's invitation leads to revoking it; its school's list to the parents who joined.
    let invitation = json!({"unit_id": "$request.path.unit_id", "id": created()});
    links.push((
        "post",
        "/api/v1/classes/{unit_id}/invitations",
        "201",
        "revokeClassInvitation",
        invitation,
    ));
    links.push((
        "get",
        "/api/v1/classes/{unit_id}/invitations",
        "200",
        "listClassParents",
        json!({"unit_id": "$request.path.unit_id"}),
    ));
    // A new connection leads to its test, its log and turning it off.
    for op in ["getWebhook", "listWebhookDeliveries", "pingWebhook", "disableWebhook"] {
        links.push(("post", "/api/v1/webhooks", "201", op, json!({"id": created()})));
    }
    for (method, path, status, op, parameters) in links {
        if let Some(response) = spec["paths"][path][method]["responses"][status].as_object_mut() {
            let entry = response.entry("links").or_insert_with(|| json!({}));
            entry[op] = json!({"operationId": op, "parameters": parameters});
        }
    }
}

/// Website supervision: sites, findings, inspections.
fn add_supervision(spec: &mut Value, error: &Value, paging: &Value) {
    let states: Vec<&str> = lanhmang_domain::supervision::SiteState::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let grades: Vec<&str> = lanhmang_domain::supervision::GRADES
        .iter()
        .copied()
        .chain(["none"])
        .collect();
    let mut site_params = paging.as_array().cloned().unwrap_or_default();
    site_params.extend([
        json!({"name": "unit_id", "in": "query", "description": "Chỉ các website của đơn vị này và cấp dưới", "schema": {"type": "integer"}}),
        json!({"name": "grade", "in": "query", "description": "Hạng tiêu đề bảo mật (A+ … F) hoặc none", "schema": {"type": "string", "enum": grades}}),
        json!({"name": "status", "in": "query", "schema": {"type": "string", "enum": ["up", "down", "pending"]}}),
        json!({"name": "problem", "in": "query", "schema": {"type": "string", "enum": ["cert", "compromised", "disclosure", "failing"]}}),
        json!({"name": "state", "in": "query", "description": "Tình trạng chung của website", "schema": {"type": "string", "enum": states}}),
        json!({"name": "q", "in": "query", "description": "Một phần địa chỉ", "schema": {"type": "string"}}),
    ]);
    let mut finding_params = paging.as_array().cloned().unwrap_or_default();
    finding_params.extend([
        json!({"name": "site_id", "in": "query", "schema": {"type": "integer"}}),
        json!({"name": "unit_id", "in": "query", "schema": {"type": "integer"}}),
        json!({"name": "status", "in": "query", "description": "Bỏ trống: mọi phát hiện chưa xử lý xong", "schema": {"type": "string", "enum": ["open", "acknowledged", "fixed", "resolved"]}}),
    ]);
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let site = json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "unit_id": {"type": "integer"}, "unit_name": {"type": "string"}, "url": {"type": "string"},
        "kind": {"type": "string", "enum": ["website", "blog", "forum", "page"]}, "name": {"type": "string"}, "active": {"type": "boolean"},
        "state": {"type": "string", "enum": states, "description": "Tình trạng chung, từ phát hiện nặng nhất đang mở: xem trước hạng"},
        "state_label": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "up", "down"]}, "reachable": {"type": ["boolean", "null"]},
        "grade": {"type": ["string", "null"]}, "score": {"type": ["integer", "null"]}, "meets_standard": {"type": ["boolean", "null"]},
        "compromised": {"type": "boolean"}, "disclosure_gap": {"type": "boolean"}, "open_findings": {"type": "integer"},
        "cert_expires_at": {"type": ["string", "null"], "format": "date-time"}, "last_inspected_at": {"type": ["string", "null"], "format": "date-time"}}});
    let finding = json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "site_id": {"type": "integer"}, "site_url": {"type": "string"}, "unit_id": {"type": "integer"},
        "code": {"type": "string"}, "summary": {"type": "string", "description": "Ý nghĩa của phát hiện, một câu dễ hiểu"}, "title": {"type": "string"}, "severity": {"type": "string", "enum": ["info", "low", "medium", "high", "critical"]},
        "status": {"type": "string", "enum": ["open", "acknowledged", "fixed", "resolved"]}, "evidence": {"type": "string"},
        "guide": {"type": "string", "description": "Đường dẫn tới hướng dẫn khắc phục"},
        "first_seen_at": {"type": "string", "format": "date-time"}, "last_seen_at": {"type": "string", "format": "date-time"},
        "resolved_at": {"type": ["string", "null"], "format": "date-time"}, "reopened": {"type": "integer"}}});
    let list = |item: &Value| {
        json!({"type": "object", "properties": {"items": {"type": "array", "items": item},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}})
    };
    let paths = json!({
        "/api/v1/sites": {
            "get": {"summary": "Website trong phạm vi người gọi, website có vấn đề trước", "parameters": site_params,
                "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": list(&site)}}}, "400": error, "401": error, "403": error, "404": error}},
            "post": {"summary": "Đăng ký một website của đơn vị (địa chỉ http/https công khai)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["unit_id", "url"], "properties": {
                    "unit_id": {"type": "integer"}, "url": {"type": "string", "maxLength": 2000, "pattern": WEB_LINK, "description": "Địa chỉ công khai trên Internet; địa chỉ mạng nội bộ, chính máy chủ hoặc tên không phân giải được bị từ chối (422)"},
                    "kind": {"type": "string", "enum": ["website", "blog", "forum", "page"]}, "name": {"type": "string", "maxLength": 200}}}}}},
                "responses": {"201": {"description": "Đã đăng ký", "content": {"application/json": {"schema": site}}}, "400": error, "401": error, "403": error, "404": error,
                    "409": {"description": "Địa chỉ đã được đăng ký; không thêm lần nữa"}, "422": error}}
        },
        "/api/v1/sites/{id}": {"get": {"summary": "Một website với lần kiểm tra gần nhất và các phát hiện đang mở", "parameters": [id],
            "responses": {"200": {"description": "Website"}, "401": error, "403": error, "404": error}}},
        "/api/v1/sites/{id}/monitoring": {"post": {"summary": "Phòng/Sở dừng hoặc tiếp tục theo dõi một website, kèm lý do (ghi nhật ký)", "parameters": [id],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["active", "reason"], "properties": {
                "active": {"type": "boolean"}, "reason": {"type": "string", "minLength": 5, "maxLength": 500, "description": "5 đến 500 ký tự, không kể khoảng trắng ở hai đầu"}}}}}},
            "responses": {"200": {"description": "Website", "content": {"application/json": {"schema": site}}}, "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}},
        "/api/v1/findings": {"get": {"summary": "Phát hiện trong phạm vi người gọi, nghiêm trọng trước", "parameters": finding_params,
            "responses": {"200": {"description": "Danh sách", "content": {"application/json": {"schema": list(&finding)}}}, "400": error, "401": error, "403": error, "404": error}}},
        "/api/v1/findings/{id}/acknowledge": {"post": {"summary": "Ghi nhận phát hiện", "parameters": [id],
            "responses": {"200": {"description": "Phát hiện", "content": {"application/json": {"schema": finding}}}, "401": error, "403": error, "404": error, "409": error}}},
        "/api/v1/findings/{id}/fixed": {"post": {"summary": "Báo đã sửa; website được kiểm tra lại ngay để xác nhận hoặc mở lại", "parameters": [id],
            "responses": {"200": {"description": "Phát hiện", "content": {"application/json": {"schema": finding}}}, "401": error, "403": error, "404": error, "409": error}}},
        "/api/v1/inspections": {"post": {"summary": "Kiểm tra ngay một website (site_id) hoặc mọi website của một đơn vị (unit_id)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                "description": "Đúng một trong hai: site_id hoặc unit_id",
                "oneOf": [{"required": ["site_id"], "properties": {"site_id": {"type": "integer"}, "unit_id": {"type": "null"}}},
                    {"required": ["unit_id"], "properties": {"unit_id": {"type": "integer"}, "site_id": {"type": "null"}}}],
                "properties": {"site_id": {"type": ["integer", "null"]}, "unit_id": {"type": ["integer", "null"]}}}}}},
            "responses": {"202": {"description": "Đã xếp hàng", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}},
                "400": error, "401": error, "403": error, "404": error, "409": error}}},
        "/api/v1/inspections/{id}": {"get": {"summary": "Tiến độ một yêu cầu kiểm tra", "parameters": [id],
            "responses": {"200": {"description": "Tiến độ", "content": {"application/json": {"schema": {"type": "object", "properties": {
                "id": {"type": "integer"}, "status": {"type": "string", "enum": ["running", "done"]}, "total": {"type": "integer"}, "done": {"type": "integer"},
                "progress": {"type": "number"}}}}}}, "401": error, "404": error}}}
    });
    if let (Some(target), Some(add)) = (spec["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in add {
            target.insert(k.clone(), v.clone());
        }
    }
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                out.push((method.clone(), path.clone(), op));
            }
        }
        out
    }

    /// A stray index on a missing key writes `null`; no keyword of the document is ever null.
    #[test]
    fn no_keyword_is_null() {
        fn walk(value: &Value, at: &str) {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        let nullable_value = matches!(key.as_str(), "const" | "default" | "example");
                        assert!(!child.is_null() || nullable_value, "{at}/{key} is null");
                        walk(child, &format!("{at}/{key}"));
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, at)),
                _ => {}
            }
        }
        walk(&super::spec(), "");
    }

    #[test]
    fn every_operation_is_named_once() {
        let spec = super::spec();
        let mut seen = std::collections::BTreeSet::new();
        for (method, path, op) in operations(&spec) {
            let id = op["operationId"].as_str();
            assert!(id.is_some(), "{method} {path} has no operationId");
            assert!(seen.insert(id.map(String::from)), "{id:?} is used twice");
        }
    }

    #[test]
    fn every_link_leads_to_an_operation_and_its_parameters() {
        let spec = super::spec();
        let ops = operations(&spec);
        let mut count = 0;
        for (method, path, op) in &ops {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    count += 1;
                    let target = ops
                        .iter()
                        .find(|(_, _, o)| o["operationId"] == link["operationId"])
                        .unwrap_or_else(|| panic!("{method} {path} {status}: link {name} leads nowhere"));
                    for (param, expression) in link["parameters"].as_object().into_iter().flatten() {
                        let declared = target.2["parameters"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|p| p["name"] == param.as_str());
                        assert!(declared, "link {name} sets {param}, which {} does not take", target.1);
                        let expression = expression.as_str().unwrap_or_default();
                        assert!(
                            expression.starts_with("$response.body#/") || expression.starts_with("$request.path."),
                            "link {name}: {expression}"
                        );
                    }
                }
            }
        }
        assert!(count >= 30, "only {count} links");
    }

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
