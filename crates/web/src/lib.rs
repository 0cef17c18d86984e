//! Lành Mạng's web layer: server-rendered pages in Vietnamese, the JSON API under `/api/v1`,
//! authentication, CSRF protection, security headers and operational endpoints.
//!
//! Every route is added through [`routes::Routes`], which requires the permission the route
//! needs; [`route_table`] lists them all so that a test can walk every route.

// The hand-written OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

use std::sync::Arc;

use axum::Router;
use lanhmang_store::Store;
use time::Duration;

pub mod api;
pub mod auth;
mod charts;
pub mod error;
mod format;
mod layout;
pub(crate) mod middleware;
mod ops;
pub mod pages;
pub mod routes;
mod static_files;

pub use error::AppError;
pub use routes::{Need, RouteInfo};

/// How the login throttle behaves.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Failures for one account within `window` that block it.
    pub account_limit: i64,
    /// Failures from one client address within `window` that block it.
    pub address_limit: i64,
    pub window: Duration,
    pub block: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            account_limit: 5,
            address_limit: 20,
            window: Duration::minutes(15),
            block: Duration::minutes(15),
        }
    }
}

/// What the web layer needs from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Served over HTTPS (directly or behind a proxy): cookies get `Secure`, responses get HSTS.
    pub https: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, whatever happens.
    pub session_lifetime: Duration,
    pub api_token_lifetime: Duration,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Largest request body accepted; larger ones get 413.
    pub body_limit: usize,
    pub throttle: ThrottleConfig,
    /// Accept websites on local or private addresses (the demo's simulated sites, tests).
    pub allow_private_sites: bool,
    /// Where people reach the application (`https://…`); absolute links in e-mails need it.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            https: false,
            session_idle: Duration::minutes(60),
            session_lifetime: Duration::hours(12),
            api_token_lifetime: Duration::days(30),
            trust_proxy: false,
            body_limit: 2 * 1024 * 1024,
            throttle: ThrottleConfig::default(),
            allow_private_sites: false,
            public_url: None,
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
}

impl AppState {
    pub fn new(store: Arc<Store>, config: WebConfig) -> AppState {
        let app = lanhmang_app::App::new(
            store.clone(),
            lanhmang_app::Settings {
                links: lanhmang_app::Links::new(config.public_url.as_deref()),
                allow_private_sites: config.allow_private_sites,
            },
        );
        AppState {
            store,
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
