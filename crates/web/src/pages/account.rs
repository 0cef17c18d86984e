//! The signed-in person's own account: contact details and password.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::people::{self as app_people, PasswordChange};
use lanhmang_domain::person::PersonInput;
use serde::Deserialize;

use super::{PageForm, field_errors};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{FieldErrors, Layout, render};

#[derive(Template)]
#[template(path = "account.html")]
struct ProfilePage {
    layout: Layout,
    username: String,
    roles: Vec<(&'static str, String)>,
    input: PersonInput,
    errors: FieldErrors,
    trainings: Vec<super::trainings::AttendedRow>,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    tb: Option<String>,
}

async fn profile_page(
    state: &AppState,
    identity: &Identity,
    input: Option<PersonInput>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Result<ProfilePage, AppError> {
    let p = &identity.person;
    let trainings = super::trainings::attended_rows(state, identity, p.id).await?;
    Ok(ProfilePage {
        layout: Layout::new("Tài khoản của tôi", identity, "/tai-khoan").with_notice(notice),
        username: p.username.clone(),
        roles: identity
            .grants
            .iter()
            .map(|g| (g.role.label(), g.unit_name.clone()))
            .collect(),
        input: input.unwrap_or_else(|| PersonInput {
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            email: p.email.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
        }),
        errors,
        trainings,
    })
}

pub async fn profile(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    render(&profile_page(&state, &identity, None, FieldErrors::default(), q.tb.as_deref()).await?)
}

pub async fn update_profile(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(mut input): PageForm<PersonInput>,
) -> Result<Response, AppError> {
    match app_people::update_own_profile(&state.app, &identity, input.clone()).await {
        Ok(_) => Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            input.username = identity.person.username.clone();
            let mut r = render(&profile_page(&state, &identity, Some(input), field_errors(&problems), None).await?)?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    username: String,
    must_change: bool,
    errors: FieldErrors,
}

pub async fn password_form(identity: Identity) -> Result<Response, AppError> {
    render(&PasswordPage {
        layout: Layout::new("Đổi mật khẩu", &identity, "/tai-khoan"),
        username: identity.person.username.clone(),
        must_change: identity.person.must_change_password,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, AppError> {
    let change = PasswordChange {
        current: form.current,
        new: form.new,
        confirm: form.confirm,
    };
    let keep = identity.session.as_ref().map(|s| s.token_hash.as_str());
    match app_people::change_own_password(&state.app, &identity, change, keep).await {
        Ok(()) => Ok(Redirect::to("/tai-khoan?tb=da-doi-mat-khau").into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let mut r = render(&PasswordPage {
                layout: Layout::new("Đổi mật khẩu", &identity, "/tai-khoan"),
                username: identity.person.username.clone(),
                must_change: identity.person.must_change_password,
                errors: field_errors(&problems),
            })?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
