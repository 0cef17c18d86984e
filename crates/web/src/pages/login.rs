//! Signing in and out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::PageForm;
use crate::AppState;
use crate::auth::{
    ClientIp, Identity, LoginError, attempt_login, cookie, cookie_value, login_csrf_cookie, new_token, session_cookie,
    token_hash,
};
use crate::error::AppError;
use crate::layout::{Layout, render};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    tb: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only paths of this site are followed after sign-in, never another site: one leading `/`
/// (not `//` or `/\`, which browsers read as another host), and only visible ASCII, since
/// browsers drop tabs and line breaks from addresses (`/\t/evil.example` becomes
/// `//evil.example`) and a control character cannot go in a `Location` header at all.
fn safe_next(next: &str) -> &str {
    let same_site = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if same_site && next.bytes().all(|b| b.is_ascii_graphic()) {
        next
    } else {
        "/"
    }
}

pub async fn form(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if identity.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let csrf_cookie = login_csrf_cookie(state.config.https);
    let (csrf, fresh) = match cookie_value(&headers, csrf_cookie) {
        Some(existing) if existing.len() >= 32 => (existing.to_string(), false),
        _ => (new_token(), true),
    };
    let page = LoginPage {
        layout: Layout::anonymous("Đăng nhập", csrf.clone()).with_notice(q.tb.as_deref()),
        username: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/")).to_string(),
        error: None,
    };
    let mut response = render(&page)?;
    if fresh {
        set_cookie(&mut response, &cookie(csrf_cookie, &csrf, state.config.https, None));
    }
    Ok(response)
}

pub async fn submit(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response, AppError> {
    let https = state.config.https;
    let csrf = cookie_value(&headers, login_csrf_cookie(https))
        .unwrap_or("")
        .to_string();
    let redisplay = |error: String| LoginPage {
        layout: Layout::anonymous("Đăng nhập", csrf.clone()),
        username: f.username.clone(),
        next: safe_next(&f.next).to_string(),
        error: Some(error),
    };
    if f.username.trim().is_empty() || f.password.is_empty() {
        let mut r = render(&redisplay("Hãy nhập tên đăng nhập và mật khẩu.".into()))?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    // Decided before anything is written: a bad `next` goes home, it never fails the sign-in.
    let next = safe_next(&f.next);
    match attempt_login(&state, &f.username, &f.password, &ip).await {
        Ok(person) => {
            let target = if person.must_change_password {
                "/tai-khoan/mat-khau"
            } else {
                next
            };
            let mut response = start_session(&state, person.id, &ip, target).await?;
            set_cookie(&mut response, &cookie(login_csrf_cookie(https), "", https, Some(0)));
            Ok(response)
        }
        Err(LoginError::BadCredentials) => {
            let mut r = render(&redisplay("Tên đăng nhập hoặc mật khẩu không đúng.".into()))?;
            *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok(r)
        }
        Err(LoginError::Throttled { until }) => Err(AppError::Throttled {
            wait_seconds: LoginError::wait_seconds(until),
        }),
        Err(LoginError::Store(e)) => Err(e.into()),
    }
}

/// Opens a session for the person and sends them to `target` with its cookie: after signing in,
/// and after a parent signs up.
pub(crate) async fn start_session(
    state: &AppState,
    person_id: i64,
    ip: &ClientIp,
    target: &str,
) -> Result<Response, AppError> {
    let https = state.config.https;
    let token = new_token();
    let session_csrf = new_token();
    state
        .store
        .create_session(
            person_id,
            &token_hash(&token),
            &session_csrf,
            state.config.session_lifetime,
            &ip.0,
        )
        .await?;
    let mut response = Redirect::to(target).into_response();
    let lifetime = state.config.session_lifetime.whole_seconds();
    set_cookie(
        &mut response,
        &cookie(session_cookie(https), &token, https, Some(lifetime)),
    );
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, ip: ClientIp, identity: Identity) -> Result<Response, AppError> {
    if let Some(session) = &identity.session {
        state.store.delete_session(&session.token_hash).await?;
    }
    state
        .store
        .record(
            &identity.audit(&ip),
            "logout",
            &format!("person:{}", identity.person.id),
            "",
        )
        .await?;
    let mut response = Redirect::to("/dang-nhap?tb=da-dang-xuat").into_response();
    let https = state.config.https;
    set_cookie(&mut response, &cookie(session_cookie(https), "", https, Some(0)));
    Ok(response)
}

pub fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/don-vi?page=2"), "/don-vi?page=2");
        assert_eq!(safe_next("//evil.example/x"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\0",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/đơn-vị",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
