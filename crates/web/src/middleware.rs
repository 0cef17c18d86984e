//! Layers around every route: metrics, security headers, body limits, identity and CSRF.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use http_body_util::{LengthLimitError, Limited};
use tokio::time::Sleep;

use crate::AppState;
use crate::auth::{Identity, cookie_value, load_identity, login_csrf_cookie};
use crate::error::{ApiError, AppError};

pub fn wrap(router: Router, state: AppState) -> Router {
    // The last layer added runs first: compression (of the finished response), headers, then
    // the in-flight bound, then who is asking (the body limit depends on it), then the body
    // limit, then CSRF.
    router
        .layer(from_fn_with_state(state.clone(), csrf))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(from_fn_with_state(state.clone(), body_limit))
        .layer(from_fn_with_state(state.clone(), load_identity))
        .layer(from_fn_with_state(state.clone(), limit_in_flight))
        .layer(from_fn_with_state(state, security_headers))
        .layer(axum::middleware::from_fn(crate::compression::gzip))
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

/// Refuses a request when too many are already in flight, rather than letting them queue
/// without bound; the client may try again in a moment.
async fn limit_in_flight(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        metrics::counter!("http_requests_refused_busy_total").increment(1);
        return if is_api(&request) {
            ApiError::Busy.into_response()
        } else {
            AppError::Busy.into_response()
        };
    };
    next.run(request).await
}

/// The largest body a request may send: before sign-in only a small one (the login form), so
/// that nobody can make the server hold large bodies without an account; evidence uploads carry
/// files, everything else is small.
fn limit_for(state: &AppState, request: &Request) -> usize {
    if request.extensions().get::<Identity>().is_none() {
        state.config.anonymous_body_limit
    } else if crate::pages::activities::takes_uploads(request.method(), request.uri().path()) {
        state.config.body_limit.max(crate::pages::activities::UPLOAD_BODY_LIMIT)
    } else {
        state.config.body_limit
    }
}

/// Refuses bodies over the limit before reading them when their length is declared, and
/// bounds the others as they are read: in size, and in time (a body that stalls is dropped;
/// before sign-in, the whole body must arrive within the request timeout).
async fn body_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = limit_for(&state, &request);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(is_api(&request));
    }
    let timeout = state.config.request_timeout;
    let deadline = request.extensions().get::<Identity>().is_none().then_some(timeout);
    let (parts, body) = request.into_parts();
    let body = Body::new(Limited::new(TimedBody::new(body, timeout, deadline), limit));
    next.run(Request::from_parts(parts, body)).await
}

fn too_large(api: bool) -> Response {
    if api {
        ApiError::PayloadTooLarge.into_response()
    } else {
        AppError::PayloadTooLarge.into_response()
    }
}

/// A body that was too slow: it stalled longer than allowed, or missed its deadline.
#[derive(Debug, thiserror::Error)]
#[error("the request body was too slow")]
pub struct BodyTimedOut;

/// A request body bounded in time: each frame must come within `idle` of the previous one,
/// and, if there is a deadline, the whole body within it.
struct TimedBody {
    inner: Body,
    idle: std::time::Duration,
    idle_timer: Pin<Box<Sleep>>,
    /// Whether the last poll found nothing: the idle timer then runs. Time the handler spends
    /// between reads is not the client's fault and is not counted.
    waiting: bool,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl TimedBody {
    fn new(inner: Body, idle: std::time::Duration, deadline: Option<std::time::Duration>) -> TimedBody {
        TimedBody {
            inner,
            idle,
            idle_timer: Box::pin(tokio::time::sleep(idle)),
            waiting: false,
            deadline: deadline.map(|d| Box::pin(tokio::time::sleep(d))),
        }
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.waiting = false;
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if !self.waiting {
            self.waiting = true;
            let idle = self.idle;
            self.idle_timer.as_mut().reset(tokio::time::Instant::now() + idle);
        }
        let late = self.deadline.as_mut().is_some_and(|d| d.as_mut().poll(cx).is_ready());
        if late || self.idle_timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A body whose first bytes were already read: gives them back, then the rest.
struct Replayed {
    head: Option<Bytes>,
    rest: Body,
}

impl http_body::Body for Replayed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Some(head) = self.head.take().filter(|h| !h.is_empty()) {
            return Poll::Ready(Some(Ok(http_body::Frame::data(head))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.head.as_ref().is_none_or(Bytes::is_empty) && self.rest.is_end_stream()
    }
}

/// The response to a body that could not be read: too large, too slow, or broken.
fn unreadable(error: &axum::Error, api: bool) -> Response {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<LengthLimitError>() {
            return too_large(api);
        }
        if e.is::<BodyTimedOut>() {
            return if api {
                ApiError::RequestTimeout.into_response()
            } else {
                AppError::RequestTimeout.into_response()
            };
        }
        cause = e.source();
    }
    if api {
        ApiError::BadRequest("Không đọc được nội dung gửi lên.".into()).into_response()
    } else {
        AppError::BadRequest("Không đọc được nội dung gửi lên.".into()).into_response()
    }
}

/// CSRF protection for every state-changing page request: the browser's own signals
/// (`Sec-Fetch-Site`, `Origin`) must not say cross-site, and the form must carry the token of
/// the session (or, before sign-in, of the login cookie). The API is exempt: it takes no
/// cookies, only bearer tokens, which a cross-site form cannot send.
///
/// The token never travels in the address (where logs, history and `Referer` would keep it):
/// a urlencoded form carries it as the field `_csrf`; a multipart form as its first part,
/// named `_csrf`, which is read alone, within a few kilobytes, before the rest (files, perhaps
/// large) streams on to the handler untouched.
async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_api(&request) || matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    if !same_origin(&request) {
        return AppError::Csrf.into_response();
    }
    let expected = match request.extensions().get::<Identity>() {
        Some(identity) => identity.csrf().to_string(),
        None => cookie_value(request.headers(), login_csrf_cookie(state.config.https))
            .unwrap_or("")
            .to_string(),
    };
    let valid = |sent: Option<&str>| sent.is_some_and(|s| crate::csrf_token::matches(s, &expected));
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (parts, body) = request.into_parts();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            // Bounded by the body limit layer, in size and in time.
            let bytes = match axum::body::to_bytes(body, usize::MAX).await {
                Ok(b) => b,
                Err(e) => return unreadable(&e, false),
            };
            if !valid(form_field(&bytes, "_csrf").as_deref()) {
                return AppError::Csrf.into_response();
            }
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        "multipart/form-data" => {
            let Some(boundary) = multipart_boundary(&content_type) else {
                return AppError::Csrf.into_response();
            };
            let (head, rest, token) = match first_part(body, &boundary).await {
                Ok(read) => read,
                Err(e) => return unreadable(&e, false),
            };
            if !valid(token.as_deref()) {
                return AppError::Csrf.into_response();
            }
            let body = Body::new(Replayed { head: Some(head), rest });
            next.run(Request::from_parts(parts, body)).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

/// How far the first part of a multipart form is looked for: a token and its framing fit many
/// times over.
const FIRST_PART_LIMIT: usize = 4096;

/// The `boundary` parameter of a `multipart/form-data` content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (1..=70).contains(&value.len()).then(|| value.to_string())
    })
}

/// Reads a multipart body only as far as the end of its first part: the bytes read, the
/// rest of the body, and the first part's value if it is named `_csrf`.
async fn first_part(mut body: Body, boundary: &str) -> Result<(Bytes, Body, Option<String>), axum::Error> {
    use http_body_util::BodyExt;
    let mut head = BytesMut::new();
    loop {
        match parse_first_part(&head, boundary) {
            FirstPart::Complete(token) => return Ok((head.freeze(), body, token)),
            FirstPart::Other => return Ok((head.freeze(), body, None)),
            FirstPart::Incomplete if head.len() >= FIRST_PART_LIMIT => return Ok((head.freeze(), body, None)),
            FirstPart::Incomplete => {}
        }
        match body.frame().await {
            None => return Ok((head.freeze(), body, None)),
            Some(frame) => {
                if let Ok(data) = frame?.into_data() {
                    head.extend_from_slice(&data);
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum FirstPart {
    /// The first part is `_csrf`, complete: its value (None if not UTF-8).
    Complete(Option<String>),
    /// The first part is something else, or the framing is not what a browser sends.
    Other,
    Incomplete,
}

fn parse_first_part(buf: &[u8], boundary: &str) -> FirstPart {
    let delimiter = format!("--{boundary}");
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    // Browsers start the body with the delimiter; a preamble before it is allowed, if short.
    let Some(start) = find(buf, delimiter.as_bytes()) else {
        return FirstPart::Incomplete;
    };
    let after = &buf[start + delimiter.len()..];
    if after.len() < 2 {
        return FirstPart::Incomplete;
    }
    if &after[..2] != b"\r\n" {
        return FirstPart::Other;
    }
    let after = &after[2..];
    let Some(headers_end) = find(after, b"\r\n\r\n") else {
        return FirstPart::Incomplete;
    };
    let Ok(headers) = std::str::from_utf8(&after[..headers_end]) else {
        return FirstPart::Other;
    };
    let named_csrf = headers.split("\r\n").any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("content-disposition")
            && value
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("name="))
                .any(|n| n.trim_matches('"') == "_csrf")
    });
    if !named_csrf {
        return FirstPart::Other;
    }
    let content = &after[headers_end + 4..];
    let end = format!("\r\n{delimiter}");
    match find(content, end.as_bytes()) {
        Some(len) => FirstPart::Complete(std::str::from_utf8(&content[..len]).ok().map(str::to_string)),
        None => FirstPart::Incomplete,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields() {
        assert_eq!(form_field(b"a=1&_csrf=xyz", "_csrf").as_deref(), Some("xyz"));
        assert_eq!(form_field(b"a=1", "_csrf"), None);
    }

    #[test]
    fn the_first_multipart_part_carries_the_token() {
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"abc-1\"").as_deref(),
            Some("abc-1")
        );
        assert_eq!(multipart_boundary("multipart/form-data"), None);
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n...";
        assert_eq!(parse_first_part(body, "xyz"), FirstPart::Complete(Some("tok".into())));
        for cut in [0, 3, 10, 50, 60] {
            assert_eq!(parse_first_part(&body[..cut], "xyz"), FirstPart::Incomplete, "{cut}");
        }
        let file_first = b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"_csrf\"\r\n\r\n";
        assert_eq!(parse_first_part(file_first, "xyz"), FirstPart::Other);
        let filename_only = b"--xyz\r\nContent-Disposition: form-data; filename=\"_csrf\"\r\n\r\ntok\r\n--xyz";
        assert_eq!(parse_first_part(filename_only, "xyz"), FirstPart::Other);
    }
}
