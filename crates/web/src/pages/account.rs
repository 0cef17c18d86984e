//! The signed-in person's own account: contact details and password.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::password;
use lanhmang_domain::person::PersonInput;
use serde::Deserialize;

use super::PageForm;
use crate::AppState;
use crate::auth::{ClientIp, Identity};
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
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    tb: Option<String>,
}

fn profile_page(
    identity: &Identity,
    input: Option<PersonInput>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> ProfilePage {
    let p = &identity.person;
    ProfilePage {
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
    }
}

pub async fn profile(identity: Identity, Query(q): Query<NoticeQuery>) -> Result<Response, AppError> {
    render(&profile_page(&identity, None, FieldErrors::default(), q.tb.as_deref()))
}

pub async fn update_profile(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    PageForm(mut input): PageForm<PersonInput>,
) -> Result<Response, AppError> {
    input.username = identity.person.username.clone();
    match input.parse() {
        Ok(fields) => {
            state
                .store
                .update_person(&identity.audit(&ip), identity.person.id, &fields)
                .await?;
            Ok(Redirect::to("/tai-khoan?tb=da-luu").into_response())
        }
        Err(list) => {
            let mut errors = FieldErrors::default();
            for (field, e) in list {
                errors.add(field.as_str(), e.to_string());
            }
            let mut r = render(&profile_page(&identity, Some(input), errors, None))?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
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
    ip: ClientIp,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let stored = state
        .store
        .credentials(&identity.person.username)
        .await?
        .and_then(|(_, h)| h)
        .unwrap_or_default();
    let current = form.current.clone();
    let current_ok = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .unwrap_or(false);
    if !current_ok {
        errors.add("current", "Mật khẩu hiện tại không đúng.");
    }
    if let Err(e) = password::check_policy(&form.new, &identity.person.username) {
        errors.add("new", e.to_string());
    } else if form.new == form.current {
        errors.add("new", "Mật khẩu mới phải khác mật khẩu hiện tại.");
    }
    if form.new != form.confirm {
        errors.add("confirm", "Hai lần nhập mật khẩu mới không khớp.");
    }
    if !errors.is_empty() {
        let mut r = render(&PasswordPage {
            layout: Layout::new("Đổi mật khẩu", &identity, "/tai-khoan"),
            username: identity.person.username.clone(),
            must_change: identity.person.must_change_password,
            errors,
        })?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let hash = super::hash_password(&form.new).await?;
    let keep = identity.session.as_ref().map(|s| s.token_hash.as_str());
    state
        .store
        .set_password(&identity.audit(&ip), identity.person.id, &hash, false, keep)
        .await?;
    Ok(Redirect::to("/tai-khoan?tb=da-doi-mat-khau").into_response())
}
