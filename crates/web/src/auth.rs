//! Who is asking: sessions for the browser, bearer tokens for the API, and the login attempt
//! with its throttle, shared by both.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use std::net::{IpAddr, Ipv6Addr};

use lanhmang_domain::password;
use lanhmang_store::{AuditContext, Person};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::AppState;
use crate::error::AppError;

/// The session cookie's name. Under HTTPS it carries the `__Host-` prefix, which browsers
/// accept only from this host, over HTTPS, with `Path=/` and no `Domain`: a neighbouring
/// subdomain cannot plant or overwrite it.
pub fn session_cookie(https: bool) -> &'static str {
    if https { "__Host-lm_session" } else { "lm_session" }
}

/// The cookie holding the CSRF token of the login form, named like [`session_cookie`].
pub fn login_csrf_cookie(https: bool) -> &'static str {
    if https { "__Host-lm_csrf" } else { "lm_csrf" }
}

/// Login names longer than this are not names of ours: they are refused without being stored.
pub const USERNAME_MAX: usize = 64;

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

/// The client's address, as far as it can be known: always a parsed IP address (or empty
/// when there is no connection, as in unit tests), so its length is bounded.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl std::ops::Deref for Identity {
    type Target = lanhmang_app::Actor;
    fn deref(&self) -> &lanhmang_app::Actor {
        &self.acting
    }
}

impl ClientIp {
    /// What the throttle counts by: the address itself for IPv4, its /64 network for IPv6,
    /// since one IPv6 subscriber usually holds a whole /64.
    pub fn throttle_key(&self) -> String {
        match self.0.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(IpAddr::V6(v6)) => {
                let s = v6.segments();
                let network = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
            Ok(ip) => ip.to_string(),
            Err(_) => String::new(),
        }
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

/// A `Set-Cookie` value with the flags every cookie of ours carries (never a `Domain`, as the
/// `__Host-` prefix requires).
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
    let ip = client_ip(&request, state.config.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    request.extensions_mut().insert(ClientIp(ip.clone()));
    let is_api = request.uri().path().starts_with("/api/");
    let identity = if is_api {
        match bearer(request.headers()) {
            Some(token) => identity_from_token(&state, &token_hash(token), &ip).await,
            None => Ok(None),
        }
    } else {
        match cookie_value(request.headers(), session_cookie(state.config.https)) {
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
                crate::error::ApiError::from(e).into_response()
            } else {
                AppError::from(e).into_response()
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

/// The client's address: the connection's, or, behind `trusted_proxies` proxies, the entry of
/// `X-Forwarded-For` that the outermost of them appended (counted from the right, since a
/// client can put anything on the left). An entry that is not an IP address is ignored.
fn client_ip(request: &Request, trusted_proxies: usize) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    forwarded_client(request.headers(), trusted_proxies).or(peer)
}

fn forwarded_client(headers: &HeaderMap, trusted_proxies: usize) -> Option<IpAddr> {
    if trusted_proxies == 0 {
        return None;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // Fewer entries than proxies: the outermost proxy's entry is the leftmost one.
    let index = hops.len().saturating_sub(trusted_proxies);
    parse_hop(hops.get(index)?).map(|ip| ip.to_canonical())
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if hop.len() > 64 {
        return None;
    }
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
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

/// How a login name appears in throttle keys and the audit log: as typed (lowercased) when it
/// could be a name of ours, else a short hash, so that no client can make us store a megabyte.
fn account_label(username: &str) -> (String, bool) {
    let plausible =
        !username.is_empty() && username.len() <= USERNAME_MAX && username.chars().all(|c| c.is_ascii_graphic());
    if plausible {
        (username.to_string(), true)
    } else {
        let digest = hex::encode(Sha256::digest(username.as_bytes()));
        (format!("#{}", &digest[..16]), false)
    }
}

/// One login attempt, for a page or the API: throttle, verify, record.
///
/// The attempt is counted before the password is checked, so that guesses sent in parallel
/// cannot all be verified before the first failure is written. A disabled account answers like
/// a wrong password, so an attacker cannot tell the two apart.
pub async fn attempt_login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &ClientIp,
) -> Result<Person, LoginError> {
    let username = username.trim().to_lowercase();
    let (label, plausible) = account_label(&username);
    let address = ip.throttle_key();
    let t = &state.config.throttle;
    // The narrowest key first: a single guesser is stopped there, before the wider keys count
    // the attempt and hold back the account's owner or the guesser's neighbours.
    let keys = [
        (format!("account:{label}@{address}"), &t.account_at_address),
        (format!("account:{label}"), &t.account),
        (format!("address:{address}"), &t.address),
    ];
    let now = lanhmang_store::now();
    for (i, (key, policy)) in keys.iter().enumerate() {
        if let Err(until) = state.store.throttle_take(key, policy, now).await? {
            // Refused attempts are not tried, so they do not count anywhere.
            for (key, policy) in &keys[..i] {
                state.store.throttle_refund(key, policy).await?;
            }
            return Err(LoginError::Throttled { until });
        }
    }
    let found = if plausible {
        state.store.credentials(&username).await?
    } else {
        None
    };
    let verified = match &found {
        // No such name can exist: there is nothing to verify, and nothing to learn from timing.
        None if !plausible => false,
        _ => {
            let stored_hash = found
                .as_ref()
                .and_then(|(_, h)| h.clone())
                .unwrap_or_else(|| password::decoy_hash().to_string());
            let candidate = password.to_string();
            // Argon2 takes tens of milliseconds of CPU and 19 MiB: a few at a time, off the
            // async threads. The semaphore is never closed, so acquiring cannot fail.
            let _permit = state.verifications.acquire().await;
            tokio::task::spawn_blocking(move || password::verify(&candidate, &stored_hash))
                .await
                .unwrap_or(false)
        }
    };
    let ctx = AuditContext {
        actor_id: found.as_ref().map(|(p, _)| p.id),
        actor: label,
        client_ip: ip.0.clone(),
    };
    match found {
        Some((person, Some(_))) if verified && !person.disabled => {
            state.store.throttle_clear(&keys[0].0).await?;
            for (key, policy) in &keys[1..] {
                state.store.throttle_refund(key, policy).await?;
            }
            state
                .store
                .record(&ctx, "login", &format!("person:{}", person.id), "")
                .await?;
            Ok(person)
        }
        _ => {
            state.store.record(&ctx, "login.failure", "", "").await?;
            Err(LoginError::BadCredentials)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_addresses_are_read_from_the_right() {
        let h = headers(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(
            forwarded_client(&h, 0),
            None,
            "no proxy: the header is the client's word"
        );
        assert_eq!(forwarded_client(&h, 1), Some("198.51.100.7".parse().unwrap()));
        assert_eq!(forwarded_client(&h, 2), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(forwarded_client(&h, 3), Some("203.0.113.9".parse().unwrap()));
        let split = headers(&["203.0.113.9", "198.51.100.7"]);
        assert_eq!(forwarded_client(&split, 1), Some("198.51.100.7".parse().unwrap()));
        for garbage in ["", "nope", "1.2.3.4.5", "x, ", &"9".repeat(100_000)] {
            assert_eq!(forwarded_client(&headers(&[garbage]), 1), None, "{garbage:.20}");
        }
        assert_eq!(
            forwarded_client(&headers(&["[2001:db8::1]:443"]), 1),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            forwarded_client(&headers(&["::ffff:192.0.2.1"]), 1),
            Some("192.0.2.1".parse().unwrap())
        );
    }

    #[test]
    fn ipv6_is_throttled_by_its_64() {
        let a = ClientIp("2001:db8:1:2:aaaa::1".into()).throttle_key();
        let b = ClientIp("2001:db8:1:2:bbbb:cccc:dddd:eeee".into()).throttle_key();
        let other = ClientIp("2001:db8:1:3::1".into()).throttle_key();
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(ClientIp("192.0.2.7".into()).throttle_key(), "192.0.2.7");
        assert_eq!(ClientIp("".into()).throttle_key(), "");
    }

    #[test]
    fn login_names_are_bounded() {
        assert_eq!(account_label("demo.office"), ("demo.office".to_string(), true));
        let (long, plausible) = account_label(&"a".repeat(1 << 20));
        assert!(!plausible);
        assert_eq!(long.len(), 17);
        assert!(!account_label(&"a".repeat(65)).1);
        assert!(account_label(&"a".repeat(64)).1);
        assert!(!account_label("tab\there").1);
        assert!(!account_label("nguyễn").1);
    }

    #[test]
    fn cookies_are_host_only_under_https() {
        assert_eq!(session_cookie(true), "__Host-lm_session");
        assert_eq!(login_csrf_cookie(false), "lm_csrf");
        let c = cookie(session_cookie(true), "v", true, Some(60));
        assert!(
            c.starts_with("__Host-lm_session=v; Path=/;") && c.contains("; Secure"),
            "{c}"
        );
        assert!(!c.contains("Domain"));
    }
}
