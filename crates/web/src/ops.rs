//! Health, readiness and metrics for operators.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

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

pub async fn metrics(State(state): State<AppState>) -> Response {
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
