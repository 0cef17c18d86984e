//! Who is asking: sessions for the browser, bearer tokens for the API, and the login attempt
//! with its throttle, shared by both.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use lanhmang_domain::password;
use lanhmang_store::{AuditContext, Person};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::AppState;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "lm_session";
pub const LOGIN_CSRF_COOKIE: &str = "lm_csrf";

/// The signed-in person, put in the request's extensions by [`load_identity`].
#[derive(Debug, Clone)]
pub struct Identity {
    /// The person as the use cases see them (`app::Actor`); an `Identity` reads as one.
    pub acting: lanhmang_app::Actor,
    /// Present for browser sessions.
    pub session: Option<SessionKey>,
    /// Present for API requests.
    pub api_token_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SessionKey {
    pub token_hash: String,
    pub csrf_token: String,
}

/// The client's address, as far as it can be known.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl std::ops::Deref for Identity {
    type Target = lanhmang_app::Actor;
    fn deref(&self) -> &lanhmang_app::Actor {
        &self.acting
    }
}

impl Identity {
    pub fn audit(&self, ip: &ClientIp) -> AuditContext {
        AuditContext {
            actor_id: Some(self.person.id),
            actor: self.person.username.clone(),
            client_ip: ip.0.clone(),
        }
    }

    pub fn csrf(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Routes that take an Identity are declared SignedIn or stricter, so it is there.
        parts.extensions.get::<Identity>().cloned().ok_or(AppError::Forbidden)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or(ClientIp(String::new())))
    }
}

/// 32 random bytes, URL-safe base64: session cookies, API tokens, CSRF tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the flags every cookie of ours carries.
pub fn cookie(name: &str, value: &str, https: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if https {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// Loads the identity behind a session cookie (pages) or a bearer token (API).
pub async fn load_identity(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(&request, state.config.trust_proxy);
    request.extensions_mut().insert(ClientIp(ip.clone()));
    let is_api = request.uri().path().starts_with("/api/");
    let identity = if is_api {
        match bearer(request.headers()) {
            Some(token) => identity_from_token(&state, &token_hash(token), &ip).await,
            None => Ok(None),
        }
    } else {
        match cookie_value(request.headers(), SESSION_COOKIE) {
            Some(token) => identity_from_session(&state, &token_hash(token), &ip).await,
            None => Ok(None),
        }
    };
    match identity {
        Ok(Some(identity)) => {
            request.extensions_mut().insert(identity);
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not load the identity");
            use axum::response::IntoResponse;
            return if is_api {
                crate::error::ApiError::Internal(e.to_string()).into_response()
            } else {
                AppError::Internal(e.to_string()).into_response()
            };
        }
    }
    next.run(request).await
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

fn client_ip(request: &Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(forwarded) = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded.split(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return first.to_string();
    }
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

async fn identity_from_session(state: &AppState, hash: &str, ip: &str) -> lanhmang_store::Result<Option<Identity>> {
    let Some(session) = state.store.live_session(hash, state.config.session_idle).await? else {
        return Ok(None);
    };
    let key = SessionKey {
        token_hash: session.token_hash,
        csrf_token: session.csrf_token,
    };
    identity_for(state, session.person_id, Some(key), None, ip).await
}

async fn identity_from_token(state: &AppState, hash: &str, ip: &str) -> lanhmang_store::Result<Option<Identity>> {
    let Some(person_id) = state.store.api_token_person(hash).await? else {
        return Ok(None);
    };
    identity_for(state, person_id, None, Some(hash.to_string()), ip).await
}

async fn identity_for(
    state: &AppState,
    person_id: i64,
    session: Option<SessionKey>,
    api_token_hash: Option<String>,
    ip: &str,
) -> lanhmang_store::Result<Option<Identity>> {
    let Some(person) = state.store.person(person_id).await? else {
        return Ok(None);
    };
    if person.disabled {
        return Ok(None);
    }
    let grants = state.store.grants_of(person.id).await?;
    Ok(Some(Identity {
        acting: lanhmang_app::Actor::new(person, grants, ip.to_string()),
        session,
        api_token_hash,
    }))
}

/// Why a login attempt failed.
#[derive(Debug)]
pub enum LoginError {
    Throttled { until: OffsetDateTime },
    BadCredentials,
    Store(lanhmang_store::StoreError),
}

impl From<lanhmang_store::StoreError> for LoginError {
    fn from(e: lanhmang_store::StoreError) -> Self {
        LoginError::Store(e)
    }
}

impl LoginError {
    pub fn wait_seconds(until: OffsetDateTime) -> i64 {
        (until - lanhmang_store::now()).whole_seconds().max(1)
    }
}

/// One login attempt, for a page or the API: throttle, verify, record.
///
/// A disabled account answers like a wrong password, so an attacker cannot tell the two apart.
pub async fn attempt_login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &ClientIp,
) -> Result<Person, LoginError> {
    let username = username.trim().to_lowercase();
    let account_key = format!("account:{username}");
    let address_key = format!("address:{}", ip.0);
    if let Some(until) = state.store.throttle_blocked(&[&account_key, &address_key]).await? {
        return Err(LoginError::Throttled { until });
    }
    let found = state.store.credentials(&username).await?;
    let stored_hash = found
        .as_ref()
        .and_then(|(_, h)| h.clone())
        .unwrap_or_else(|| password::decoy_hash().to_string());
    let candidate = password.to_string();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async threads.
    let verified = tokio::task::spawn_blocking(move || password::verify(&candidate, &stored_hash))
        .await
        .unwrap_or(false);
    let ctx = AuditContext {
        actor_id: found.as_ref().map(|(p, _)| p.id),
        actor: username.clone(),
        client_ip: ip.0.clone(),
    };
    match found {
        Some((person, Some(_))) if verified && !person.disabled => {
            state.store.throttle_clear(&account_key).await?;
            state
                .store
                .record(&ctx, "login", &format!("person:{}", person.id), "")
                .await?;
            Ok(person)
        }
        _ => {
            let t = &state.config.throttle;
            let by_account = state
                .store
                .throttle_failure(&account_key, t.account_limit, t.window, t.block)
                .await?;
            let by_address = state
                .store
                .throttle_failure(&address_key, t.address_limit, t.window, t.block)
                .await?;
            state.store.record(&ctx, "login.failure", "", "").await?;
            match by_account.into_iter().chain(by_address).max() {
                Some(until) => Err(LoginError::Throttled { until }),
                None => Err(LoginError::BadCredentials),
            }
        }
    }
}
