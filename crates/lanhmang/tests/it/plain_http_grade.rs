//! A school website served only over plain HTTP gets a header grade, as MDN HTTP Observatory
//! 1.4.8 gives one (redirection and HSTS failing), stored with its site and shown on its page:
//! registered with its own port, or saved as https:// while only HTTP answers. On SQLite and
//! PostgreSQL.

use crate::common;

use std::sync::Arc;

use common::{TestApp, backends};
use lanhmang::config::{InspectSettings, Layer};
use lanhmang_inspect::InspectConfig;
use lanhmang_jobs::{JobSettings, Supervision, Worker};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain-HTTP site: one small page for every request, for a bounded number of connections.
async fn plain_site() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        for _ in 0..2000 {
            let Ok((mut sock, _)) = listener.accept().await else {
                break;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let body = "<!doctype html><html><head><title>Trường</title></head><body><p>Xin chào</p></body></html>";
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Frame-Options: DENY\r\n\
                     X-Content-Type-Options: nosniff\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    (port, server)
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn token(app: &TestApp, username: &str) -> String {
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": common::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

async fn api(app: &TestApp, token: &str, post: Option<(&str, Value)>, get: &str) -> (u16, Value) {
    let c = app.client();
    let req = match &post {
        Some((path, body)) => c.post(app.url(path)).json(body),
        None => c.get(app.url(get)),
    };
    let r = req.bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn plain_http_sites_are_graded_stored_and_shown() {
    let (port, server) = plain_site().await;
    let https_port = closed_port();
    for backend in backends() {
        let layer = Layer {
            inspect: Some(InspectSettings {
                allow_private_targets: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        let app = TestApp::spawn_configured(backend, true, layer).await;
        let school = app.store().unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let sibling = app.store().unit_by_code("TH-HOASEN").await.unwrap().unwrap();
        let office = app.store().unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
        let office_token = token(&app, "demo.office").await;
        // On its own port; and saved as https:// on the HTTPS port, where nothing answers.
        let mut ids = Vec::new();
        for (unit, url) in [
            (school.id, format!("http://127.0.0.1:{port}/")),
            (sibling.id, format!("https://127.0.0.1:{https_port}/")),
        ] {
            let (status, site) = api(
                &app,
                &office_token,
                Some(("/api/v1/sites", json!({"unit_id": unit, "url": url}))),
                "",
            )
            .await;
            assert_eq!(status, 201, "{backend}: {site}");
            ids.push(site["id"].as_i64().unwrap());
        }
        let (status, _) = api(
            &app,
            &office_token,
            Some(("/api/v1/inspections", json!({"unit_id": office.id}))),
            "",
        )
        .await;
        assert_eq!(status, 202, "{backend}");
        let supervision = Arc::new(Supervision::new(
            InspectConfig {
                allow_private_targets: true,
                http_port: port,
                https_port,
                max_pages: 2,
                retries: 0,
                ..Default::default()
            },
            None,
        ));
        let store = app.running.as_ref().unwrap().store.clone();
        let worker = Worker::new(store, "w", JobSettings::default()).with_supervision(Some(supervision));
        worker.drain().await.unwrap();
        for id in ids {
            let (status, detail) = api(&app, &office_token, None, &format!("/api/v1/sites/{id}")).await;
            assert_eq!(status, 200, "{backend}");
            assert_eq!(detail["reachable"], true, "{backend}: {detail}");
            // 100 − 25 (no CSP) − 20 (no redirection to https) − 20 (no HSTS without https) = 35.
            assert_eq!(
                (detail["grade"].as_str(), detail["score"].as_i64()),
                (Some("D"), Some(35)),
                "{backend}: {detail}"
            );
            let page = app
                .signed_in("demo.office")
                .await
                .text(&format!("/giam-sat/website/{id}"))
                .await;
            assert_eq!(page.0, 200, "{backend}");
            assert!(page.1.contains("<dd>Hạng D "), "{backend}: the grade is shown");
        }
        app.stop().await;
    }
    server.abort();
}
