//! Layers around every route: metrics, security headers, body limits, identity and CSRF.

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::{Identity, LOGIN_CSRF_COOKIE, cookie_value, load_identity};
use crate::error::{ApiError, AppError};

pub fn wrap(router: Router, state: AppState) -> Router {
    router
        .layer(from_fn_with_state(state.clone(), csrf))
        .layer(from_fn_with_state(state.clone(), load_identity))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(from_fn_with_state(state.clone(), body_limit))
        .layer(from_fn_with_state(state, security_headers))
}

fn is_api(request: &Request) -> bool {
    request.uri().path().starts_with("/api/")
}

/// Counts and times requests by route pattern (a route layer: the matched path is known).
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// The headers every response of ours carries.
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    // Appended, not set: a handler's own policy (evidence downloads add `sandbox`) stays, and
    // browsers enforce both, so a handler can only tighten the policy.
    h.append(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    if state.config.https {
        set(h, "strict-transport-security", "max-age=63072000; includeSubDomains");
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    response
}

/// The largest body a request may send: evidence uploads carry files, everything else is small.
fn limit_for(state: &AppState, request: &Request) -> usize {
    if crate::pages::activities::takes_uploads(request.method(), request.uri().path()) {
        state.config.body_limit.max(crate::pages::activities::UPLOAD_BODY_LIMIT)
    } else {
        state.config.body_limit
    }
}

/// Refuses bodies over the limit before reading them when their length is declared.
async fn body_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit_for(&state, &request)) {
        return too_large(is_api(&request));
    }
    next.run(request).await
}

fn too_large(api: bool) -> Response {
    if api {
        ApiError::PayloadTooLarge.into_response()
    } else {
        AppError::PayloadTooLarge.into_response()
    }
}

/// CSRF protection for every state-changing page request: the browser's own signals
/// (`Sec-Fetch-Site`, `Origin`) must not say cross-site, and the form must carry the token of
/// the session (or, before sign-in, of the login cookie). The API is exempt: it takes no
/// cookies, only bearer tokens, which a cross-site form cannot send.
async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_api(&request) || matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    if !same_origin(&request) {
        return AppError::Csrf.into_response();
    }
    let expected = match request.extensions().get::<Identity>() {
        Some(identity) => identity.csrf().to_string(),
        None => cookie_value(request.headers(), LOGIN_CSRF_COOKIE)
            .unwrap_or("")
            .to_string(),
    };
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let valid = |sent: Option<String>| {
        !expected.is_empty() && sent.is_some_and(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()))
    };
    // A token in the query is checked before the body is read: uploads can be large.
    if !is_form && !valid(request.uri().query().and_then(|q| form_field(q.as_bytes(), "_csrf"))) {
        return AppError::Csrf.into_response();
    }
    let limit = limit_for(&state, &request);
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(false),
    };
    if is_form && !valid(form_field(&bytes, "_csrf")) {
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn same_origin(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let authority = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            !host.is_empty() && authority.eq_ignore_ascii_case(host)
        }
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_comparison() {
        assert_eq!(form_field(b"a=1&_csrf=xyz", "_csrf").as_deref(), Some("xyz"));
        assert_eq!(form_field(b"a=1", "_csrf"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
