//! Errors as users see them: a Vietnamese page for the browser, a JSON body for the API.

use askama::Template;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lanhmang_store::StoreError;

/// An error on a page.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Public once, taken down since (a withdrawn consent).
    #[error("gone")]
    Gone,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("throttled")]
    Throttled { wait_seconds: i64 },
    /// Too many requests from one source, with what to tell the person.
    #[error("rate limited")]
    Limited { wait_seconds: i64, message: String },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("csrf")]
    Csrf,
    /// The request body stalled or came too slowly.
    #[error("request timeout")]
    RequestTimeout,
    /// Too many requests in flight.
    #[error("busy")]
    Busy,
    /// The database cannot take requests now (full, read-only, restarting); nothing was written.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

/// Seconds a client is asked to wait when the server is busy.
const BUSY_RETRY_SECONDS: i64 = 5;

/// Seconds a client is asked to wait when the database is unavailable: long enough for a
/// restart, short enough that a person retrying by hand is not kept waiting.
const UNAVAILABLE_RETRY_SECONDS: i64 = 30;

/// What a person reads when the database cannot take requests: what happened to their request
/// and to what they saved before, and what to do.
const UNAVAILABLE_MESSAGE: &str = "Hệ thống tạm thời không ghi hoặc đọc được cơ sở dữ liệu (máy chủ cơ sở dữ liệu \
     đang khởi động lại, hết dung lượng lưu trữ hoặc đang ở chế độ chỉ đọc). Yêu cầu vừa rồi chưa được thực hiện; \
     dữ liệu đã lưu trước đó vẫn còn nguyên. Hãy thử lại sau ít phút.";

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Không tìm thấy trang",
                "Trang bạn tìm không có hoặc đã được chuyển đi. Hãy kiểm tra lại địa chỉ, hoặc quay về trang chủ.".into(),
            ),
            AppError::Gone => (
                StatusCode::GONE,
                "Nội dung đã được gỡ",
                "Nội dung này đã được gỡ khỏi trang công khai và không còn hiển thị nữa.".into(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Không có quyền truy cập",
                "Tài khoản của bạn không có quyền xem hoặc thay đổi nội dung này. Nếu cần, hãy liên hệ quản trị viên của đơn vị.".into(),
            ),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Yêu cầu không hợp lệ", m.clone()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "Không thực hiện được", m.clone()),
            AppError::Throttled { wait_seconds } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Tạm dừng đăng nhập",
                crate::format::throttle_message(*wait_seconds),
            ),
            AppError::Limited { message, .. } => (StatusCode::TOO_MANY_REQUESTS, "Xin chờ một lát", message.clone()),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Dữ liệu gửi lên quá lớn",
                "Nội dung gửi lên vượt quá giới hạn cho phép. Hãy gửi tệp nhỏ hơn.".into(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Yêu cầu bị từ chối",
                "Biểu mẫu đã hết hạn hoặc được gửi từ một trang khác. Hãy tải lại trang rồi thử lại.".into(),
            ),
            AppError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "Gửi dữ liệu quá chậm",
                "Dữ liệu gửi lên đến quá chậm nên máy chủ đã dừng nhận. Hãy kiểm tra kết nối mạng rồi gửi lại.".into(),
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Hệ thống đang quá tải",
                format!("Máy chủ đang xử lý quá nhiều yêu cầu cùng lúc. Hãy thử lại sau {BUSY_RETRY_SECONDS} giây."),
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Tạm thời chưa dùng được",
                UNAVAILABLE_MESSAGE.into(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Đã có lỗi xảy ra",
                "Hệ thống gặp sự cố khi xử lý yêu cầu. Dữ liệu của bạn chưa bị thay đổi; hãy thử lại sau ít phút.".into(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            AppError::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
        let (status, title, message) = self.parts();
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message,
        };
        let body = page.render().unwrap_or_else(|_| title.to_string());
        let response = (status, axum::response::Html(body)).into_response();
        match self {
            AppError::Throttled { wait_seconds } | AppError::Limited { wait_seconds, .. } => {
                with_retry_after(response, wait_seconds)
            }
            AppError::Busy => with_retry_after(response, BUSY_RETRY_SECONDS),
            AppError::Unavailable(_) => with_retry_after(response, UNAVAILABLE_RETRY_SECONDS),
            _ => response,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            e @ StoreError::Unavailable(_) => AppError::Unavailable(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// An error from the API, as `{"error": {"code", "message"}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("bad credentials")]
    BadCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// The address exists but not with this method; `allow` lists the ones it takes.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("throttled")]
    Throttled { wait_seconds: i64 },
    #[error("rate limited")]
    Limited { wait_seconds: i64, message: String },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("request timeout")]
    RequestTimeout,
    #[error("busy")]
    Busy,
    /// The database cannot take requests now (full, read-only, restarting); nothing was written.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The password was right, but the account must replace it (on the web) before it gets a
    /// token.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Refused by the rules; every problem is listed in `error.problems`.
    #[error("unprocessable")]
    Unprocessable(Vec<String>),
    #[error("internal: {0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Unprocessable(problems) = &self {
            let body = serde_json::json!({ "error": {
                "code": "invalid",
                // Every problem, so that a client showing only the message shows them all.
                "message": problems.join(" "),
                "problems": problems,
            } });
            return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
        }
        let (status, code, message) = match &self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer …".to_string(),
            ),
            ApiError::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "Tên đăng nhập hoặc mật khẩu không đúng.".to_string(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Tài khoản không có quyền thực hiện việc này.".to_string(),
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Không tìm thấy.".to_string()),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone()),
            ApiError::MethodNotAllowed { allow } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("Địa chỉ này không nhận phương thức đó; hãy dùng {allow}."),
            ),
            ApiError::Throttled { wait_seconds } => (
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                crate::format::throttle_message(*wait_seconds),
            ),
            ApiError::Limited { message, .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", message.clone()),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Dữ liệu gửi lên quá lớn.".to_string(),
            ),
            ApiError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "Dữ liệu gửi lên đến quá chậm; hãy gửi lại.".to_string(),
            ),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!("Máy chủ đang quá tải; hãy thử lại sau {BUSY_RETRY_SECONDS} giây."),
            ),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", UNAVAILABLE_MESSAGE.to_string())
            }
            ApiError::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Tài khoản cần đổi mật khẩu trước khi dùng API. Hãy đăng nhập trên trang web, đổi mật khẩu, rồi lấy mã truy cập.".to_string(),
            ),
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", String::new()),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal API error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Hệ thống gặp sự cố; hãy thử lại sau.".to_string(),
                )
            }
        };
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        let response = (status, Json(body)).into_response();
        match self {
            ApiError::MethodNotAllowed { allow } => {
                let mut response = response;
                if let Ok(value) = axum::http::HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(axum::http::header::ALLOW, value);
                }
                response
            }
            ApiError::Throttled { wait_seconds } | ApiError::Limited { wait_seconds, .. } => {
                with_retry_after(response, wait_seconds)
            }
            ApiError::Busy => with_retry_after(response, BUSY_RETRY_SECONDS),
            ApiError::Unavailable(_) => with_retry_after(response, UNAVAILABLE_RETRY_SECONDS),
            _ => response,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => ApiError::NotFound,
            StoreError::Conflict(m) => ApiError::Conflict(m),
            e @ StoreError::Unavailable(_) => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Tells the client how many seconds to wait before trying again.
fn with_retry_after(mut response: Response, wait_seconds: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&wait_seconds.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

impl From<lanhmang_app::AppError> for AppError {
    fn from(e: lanhmang_app::AppError) -> Self {
        use lanhmang_app::AppError as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Gone => AppError::Gone,
            E::Forbidden => AppError::Forbidden,
            E::Invalid(list) => AppError::BadRequest(lanhmang_app::error::messages(&list).join(" ")),
            E::Conflict(m) => AppError::Conflict(m),
            E::Limited { wait_seconds, message } => AppError::Limited { wait_seconds, message },
            E::Store(e) => e.into(),
        }
    }
}

impl From<lanhmang_app::AppError> for ApiError {
    fn from(e: lanhmang_app::AppError) -> Self {
        use lanhmang_app::AppError as E;
        match e {
            E::NotFound | E::Gone => ApiError::NotFound,
            E::Forbidden => ApiError::Forbidden,
            E::Invalid(list) => ApiError::Unprocessable(lanhmang_app::error::messages(&list)),
            E::Conflict(m) => ApiError::Conflict(m),
            E::Limited { wait_seconds, message } => ApiError::Limited { wait_seconds, message },
            E::Store(e) => e.into(),
        }
    }
}
