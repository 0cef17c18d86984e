//! Health, readiness and metrics for operators.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};

use crate::AppState;

/// The process's metrics recorder, installed once (tests build many apps in one process).
pub fn metrics_handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|_| handle)
        })
        .as_ref()
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "cơ sở dữ liệu không trả lời").into_response()
        }
    }
}

/// Whether `headers` carry the bearer token `/metrics` asks for. The token is compared by its
/// SHA-256, in constant time, so neither its length nor its bytes leak through timing.
fn metrics_allowed(expected_sha256: &[u8; 32], headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
    else {
        return false;
    };
    let sent = Sha256::digest(token.as_bytes());
    sent.iter().zip(expected_sha256).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Prometheus text, for a scraper holding the configured token. Without a configured token
/// the endpoint does not exist (404): the figures say too much about the office's use.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = &state.config.metrics_token_sha256 else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !metrics_allowed(expected, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Cần mã truy cập của /metrics (metrics_token) trong tiêu đề Authorization: Bearer …",
        )
            .into_response();
    }
    let mut text = metrics_handle().map(PrometheusHandle::render).unwrap_or_default();
    if let Ok(q) = state.store.queue_counts().await {
        text.push_str("# TYPE lanhmang_jobs gauge\n");
        for (s, n) in [
            ("queued", q.queued),
            ("running", q.running),
            ("done", q.done),
            ("failed", q.failed),
        ] {
            text.push_str(&format!("lanhmang_jobs{{state=\"{s}\"}} {n}\n"));
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_need_the_exact_token() {
        let expected: [u8; 32] = Sha256::digest(b"s3cret-token").into();
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, value.parse().unwrap());
            h
        };
        assert!(metrics_allowed(&expected, &with("Bearer s3cret-token")));
        assert!(metrics_allowed(&expected, &with("bearer s3cret-token")));
        assert!(!metrics_allowed(&expected, &with("Bearer s3cret-toke")));
        assert!(!metrics_allowed(&expected, &with("Basic s3cret-token")));
        assert!(!metrics_allowed(&expected, &HeaderMap::new()));
    }
}
