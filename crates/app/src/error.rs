//! The one error of the use cases. `web` renders it as a page or as the API's JSON error; the
//! variants say what went wrong for the person, the store's cause chain is kept for the log.

use lanhmang_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Absent, or outside the person's scope (existence is not revealed).
    #[error("không tìm thấy")]
    NotFound,
    /// It was public and was taken down (a withdrawn consent): the address is gone for good.
    #[error("đã gỡ")]
    Gone,
    /// In scope, but this person may not do this.
    #[error("không có quyền")]
    Forbidden,
    /// The input is wrong; every problem is listed, in Vietnamese, with the field it concerns.
    #[error("{}", messages(.0).join(" "))]
    Invalid(Vec<Problem>),
    /// The input is fine but the state does not allow it now (a stale version, a locked report).
    #[error("{0}")]
    Conflict(String),
    /// Too many requests from one source (the public form's per-address limit): wait and retry.
    #[error("{message}")]
    Limited { wait_seconds: i64, message: String },
    /// The store failed; the cause chain is kept.
    #[error("lỗi lưu trữ")]
    Store(#[source] StoreError),
}

/// One thing wrong with the input: what a person reads, and the field it belongs to (a form
/// shows it beside that field; the API lists it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            message: message.into(),
        }
    }

    pub fn at(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

impl From<lanhmang_domain::field::FieldProblem> for Problem {
    fn from(p: lanhmang_domain::field::FieldProblem) -> Problem {
        Problem::at(p.field, p.message)
    }
}

/// The messages alone, in order.
pub fn messages(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.message.clone()).collect()
}

impl AppError {
    /// One input problem, not tied to a field.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![Problem::new(message)])
    }

    /// Several input problems, not tied to fields.
    pub fn invalid_all(messages: Vec<String>) -> AppError {
        AppError::Invalid(messages.into_iter().map(Problem::new).collect())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Store(other),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
