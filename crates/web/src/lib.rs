//! Lành Mạng's web layer: server-rendered pages in Vietnamese, the JSON API under `/api/v1`,
//! authentication, CSRF protection, security headers and operational endpoints.
//!
//! Every route is added through [`routes::Routes`], which requires the permission the route
//! needs; [`route_table`] lists them all so that a test can walk every route.

// The hand-written OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

use std::sync::Arc;

use axum::Router;
use lanhmang_domain::throttle::ThrottlePolicy;
use lanhmang_store::Store;
use time::Duration;
use tokio::sync::Semaphore;

pub mod api;
pub mod auth;
mod charts;
mod compression;
mod csrf_token;
pub mod error;
mod format;
mod layout;
pub(crate) mod middleware;
mod ops;
pub mod pages;
mod qr;
pub mod routes;
mod static_files;

pub use error::AppError;
pub use routes::{Need, RouteInfo};

/// How the login throttle behaves: a progressive delay for each key, never a lock (see
/// [`lanhmang_domain::throttle`]).
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// One account tried from one address (IPv6 grouped by /64): what a single guesser meets.
    pub account_at_address: ThrottlePolicy,
    /// One account from anywhere: slows guessing spread over many addresses. Its delays stay
    /// short, so that a guesser elsewhere can hold the account's owner back for seconds only.
    pub account: ThrottlePolicy,
    /// One address, whatever the account: slows spraying many accounts.
    pub address: ThrottlePolicy,
    /// Password verifications (Argon2, tens of milliseconds of CPU and 19 MiB each) at once.
    pub verifications: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        let forget_after = Duration::minutes(15);
        ThrottleConfig {
            account_at_address: ThrottlePolicy {
                free_attempts: 5,
                base_delay: Duration::seconds(10),
                max_delay: Duration::minutes(5),
                forget_after,
            },
            account: ThrottlePolicy {
                free_attempts: 10,
                base_delay: Duration::seconds(1),
                max_delay: Duration::seconds(30),
                forget_after,
            },
            address: ThrottlePolicy {
                free_attempts: 20,
                base_delay: Duration::seconds(2),
                max_delay: Duration::minutes(5),
                forget_after,
            },
            verifications: 4,
        }
    }
}

/// What the web layer needs from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Served over HTTPS (directly or behind a proxy): cookies get `Secure` and the `__Host-`
    /// prefix, responses get HSTS.
    pub https: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, whatever happens.
    pub session_lifetime: Duration,
    pub api_token_lifetime: Duration,
    /// Reverse proxies in front of the server that append to `X-Forwarded-For`; the client
    /// address is the entry this many places from the right (0: the connection's address).
    pub trusted_proxies: usize,
    /// Largest request body accepted from a signed-in person; larger ones get 413.
    pub body_limit: usize,
    /// Largest request body accepted before sign-in (the login form is tiny).
    pub anonymous_body_limit: usize,
    /// A body that sends nothing for this long is dropped; before sign-in, the whole body must
    /// arrive within it.
    pub request_timeout: std::time::Duration,
    /// Requests in flight at once; more get 503.
    pub max_concurrent_requests: usize,
    /// SHA-256 of the bearer token `/metrics` asks for; without it `/metrics` is not served.
    pub metrics_token_sha256: Option<[u8; 32]>,
    pub throttle: ThrottleConfig,
    /// Accept websites on local or private addresses (the demo's simulated sites, tests).
    pub allow_private_sites: bool,
    /// Where people reach the application (`https://…`); absolute links in e-mails need it.
    pub public_url: Option<String>,
    /// The rest of what the use cases need (quiet hours, retention, working time): the same
    /// settings the workers get, so a page and a job never decide differently. Its links and
    /// private-sites switch are taken from the two fields above.
    pub app: lanhmang_app::Settings,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            https: false,
            session_idle: Duration::minutes(60),
            session_lifetime: Duration::hours(12),
            api_token_lifetime: Duration::days(30),
            trusted_proxies: 0,
            body_limit: 2 * 1024 * 1024,
            anonymous_body_limit: 64 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            max_concurrent_requests: 256,
            metrics_token_sha256: None,
            throttle: ThrottleConfig::default(),
            allow_private_sites: false,
            public_url: None,
            app: lanhmang_app::Settings::default(),
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub config: Arc<WebConfig>,
    /// The use cases' context: every rule is reached through it.
    pub app: lanhmang_app::App,
    /// Bounds the password verifications running at once.
    pub verifications: Arc<Semaphore>,
    /// Bounds the requests in flight.
    pub in_flight: Arc<Semaphore>,
}

impl AppState {
    pub fn new(store: Arc<Store>, config: WebConfig) -> AppState {
        let app = lanhmang_app::App::new(
            store.clone(),
            lanhmang_app::Settings {
                links: lanhmang_app::Links::new(config.public_url.as_deref()),
                allow_private_sites: config.allow_private_sites,
                ..config.app.clone()
            },
        );
        AppState {
            store,
            verifications: Arc::new(Semaphore::new(config.throttle.verifications.max(1))),
            in_flight: Arc::new(Semaphore::new(config.max_concurrent_requests.max(1))),
            config: Arc::new(config),
            app,
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    // Installed before the first request, so that every request is counted.
    ops::metrics_handle();
    middleware::wrap(routes::build().into_router(state.clone()), state)
}

/// Every route with the permission it declares.
pub fn route_table() -> Vec<RouteInfo> {
    routes::build().table()
}
