//! Server-rendered pages, one module per area.

pub mod account;
pub mod activities;
pub mod audit_log;
pub mod clarifications;
pub mod class_sessions;
pub mod dashboard;
pub mod documents;
pub mod families;
pub mod home;
pub mod incidents;
pub mod lessons;
pub mod login;
pub mod news;
pub mod notices;
pub mod outbox;
pub mod parents;
pub mod people;
pub mod plans;
pub mod public_site;
pub mod rollup;
pub mod stories;
pub mod supervision;
pub mod trainings;
pub mod units;
pub mod webhooks;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body; a malformed one is a 400 page, not a plain-text rejection.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(FormRejection::BytesRejection(_)) => Err(AppError::PayloadTooLarge),
            Err(e) => Err(AppError::BadRequest(
                format!("Biểu mẫu gửi lên không hợp lệ ({e}).").replace("\n", " "),
            )),
        }
    }
}

/// The value of every field named `name` of a posted form, in order (checkboxes).
pub fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The first value of the field named `name` of a posted form, or "".
pub fn one(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// One checkbox or option of a form: (value, label, checked).
pub type Choice = (String, String, bool);

/// The absolute address of `path` for a QR code or a printed slip: from the configured public
/// address, else from the request's own host (a plain host name only).
pub(crate) fn absolute_url(state: &crate::AppState, headers: &axum::http::HeaderMap, path: &str) -> String {
    let url = state.app.settings.links.url(path);
    if url.starts_with("http") {
        return url;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = if state.config.https { "https" } else { "http" };
    format!("{scheme}://{host}{path}")
}

/// Parses an id from the path; anything else is a 404.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)
}

/// The `page` and `per_page` of a list page, checked; bad values are a 400 with the reason.
pub fn paging(page: &Option<String>, per_page: &Option<String>) -> Result<lanhmang_domain::Paging, AppError> {
    lanhmang_domain::Paging::parse(&lanhmang_domain::paging::PagingQuery {
        page: page.clone(),
        per_page: per_page.clone(),
    })
    .map_err(|e| AppError::BadRequest(e.to_string()))
}

/// The use cases' input problems as a form's field errors (a problem without a field goes under
/// "form").
pub fn field_errors(problems: &[lanhmang_app::Problem]) -> crate::layout::FieldErrors {
    let mut errors = crate::layout::FieldErrors::default();
    errors.add_problems(problems.to_vec());
    errors
}
