//! Webhooks: an office connects its messaging provider, and a test receiver on 127.0.0.1
//! checks what arrives: every post signed (Standard Webhooks), retries of a failing answer with
//! the same id, deliveries in order, none lost or repeated when a worker dies or two run at
//! once, a refusal ending one delivery only, the log with every answer code, notices to
//! families held through the quiet hours, and no name or contact of anyone in what is posted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::common;

use common::{TestApp, api, api_token, both_backends, sites::private_allowed};
use lanhmang::config::Layer;
use lanhmang_domain::webhook::verify;
use lanhmang_jobs::webhooks::{Poster, WebhookPolicy, deliver_due};
use serde_json::{Value, json};

const SECRET: &str = "khoa-chung-cua-phong-giao-duc";

/// One post as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    id: i64,
    signed: bool,
    body: Value,
    raw: String,
    answered: u16,
}

/// A receiver that answers from a script (then 200) and records every post.
struct Receiver {
    url: String,
    script: Arc<Mutex<VecDeque<u16>>>,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(secret: &'static str) -> Receiver {
        use axum::body::Bytes;
        use axum::http::{HeaderMap, StatusCode};
        let script: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let (s, r) = (script.clone(), seen.clone());
        let handler = move |headers: HeaderMap, body: Bytes| {
            let (s, r) = (s.clone(), r.clone());
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                let id = header("webhook-id");
                let timestamp: i64 = header("webhook-timestamp").parse().unwrap_or(0);
                let signed = verify(secret, &id, timestamp, &body, &header("webhook-signature"))
                    && (lanhmang_store::now().unix_timestamp() - timestamp).abs() < 300;
                let answered = s.lock().unwrap().pop_front().unwrap_or(200);
                let raw = String::from_utf8_lossy(&body).to_string();
                r.lock().unwrap().push(Received {
                    id: id.parse().unwrap_or(0),
                    signed,
                    body: serde_json::from_str(&raw).unwrap_or(Value::Null),
                    raw,
                    answered,
                });
                StatusCode::from_u16(answered).unwrap()
            }
        };
        let router = axum::Router::new().route("/hook", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver {
            url: format!("http://{addr}/hook"),
            script,
            seen,
        }
    }

    fn answer(&self, codes: &[u16]) {
        self.script.lock().unwrap().extend(codes);
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

/// The server with receivers on 127.0.0.1 allowed and the quiet hours given.
async fn spawn(backend: &'static str, quiet_hours: &str) -> TestApp {
    let layer = Layer {
        quiet_hours: Some(quiet_hours.into()),
        ..private_allowed()
    };
    TestApp::spawn_configured(backend, true, layer).await
}

/// The worker's side: the use cases over the server's store, posting with retries at once.
fn worker(app: &TestApp, max_attempts: i64) -> (lanhmang_app::App, Poster) {
    let store = app.running.as_ref().expect("running").store.clone();
    let jobs = lanhmang_app::App::new(
        store,
        lanhmang_app::Settings {
            allow_private_sites: true,
            ..Default::default()
        },
    );
    let policy = WebhookPolicy {
        backoff_base_secs: 0,
        max_attempts,
        timeout: std::time::Duration::from_secs(5),
        ..Default::default()
    };
    (jobs, Poster::new(true, policy).expect("poster"))
}

async fn connect(app: &TestApp, token: &str, url: &str) -> i64 {
    let (status, body) = api(
        app,
        token,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "secret": SECRET, "description": "Zalo OA của phòng"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["secret"], SECRET, "the secret is shown when it is made");
    body["id"].as_i64().unwrap()
}

async fn send(app: &TestApp, token: &str, notice: Value) -> i64 {
    let (status, body) = api(app, token, "POST", "/api/v1/notices", Some(notice)).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn log(app: &TestApp, token: &str, webhook: i64) -> Vec<Value> {
    let (status, body) = api(
        app,
        token,
        "GET",
        &format!("/api/v1/webhooks/{webhook}/deliveries"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

both_backends!(notices_reach_the_provider_signed_in_order_and_retried);
async fn notices_reach_the_provider_signed_in_order_and_retried(backend: &'static str) {
    let app = spawn(backend, "off").await;
    let receiver = Receiver::start(SECRET).await;
    let office = api_token(&app, "demo.office").await;
    let principal = api_token(&app, "demo.principal").await;

    // Bad input: a clear 422 naming the field, nothing written.
    for (bad, says) in [
        (
            json!({"url": "ftp://sms.example.vn/hook"}),
            "phải bắt đầu bằng https://",
        ),
        (json!({"url": receiver.url, "secret": "ngắn"}), "Khóa bí mật dài từ 16"),
        (json!({"url": ""}), "Hãy nhập địa chỉ nhận"),
        (json!({"url": receiver.url, "unit_id": 3}), "đơn vị mình quản trị"),
    ] {
        let (status, body) = api(&app, &office, "POST", "/api/v1/webhooks", Some(bad)).await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap_or("").contains(says),
            "{backend}: {body}"
        );
    }
    let (_, list) = api(&app, &office, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(list["total"], 0, "{backend}: nothing written");

    let hook = connect(&app, &office, &receiver.url).await;
    let (_, list) = api(&app, &office, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(list["total"], 1);
    assert!(
        !list.to_string().contains(SECRET),
        "{backend}: the secret is never shown again"
    );

    // The office's notice to the schools' principals, then a school's message to the parents
    // of 4A: both reach the office's connection, in that order.
    let staff = send(
        &app,
        &office,
        json!({"title": "Triển khai tuần lễ an toàn mạng", "body": "Các trường tổ chức chào cờ chủ đề an toàn mạng.",
               "audience": {"roles": ["principal"], "unit_kinds": ["school"]}, "ack_required": true}),
    )
    .await;
    let family = send(
        &app,
        &principal,
        json!({"title": "Họp cha mẹ học sinh lớp 4A", "body": "Mời quý phụ huynh dự họp lúc 7 giờ sáng thứ Bảy.",
               "audience": {"roles": ["parent"], "classes": ["4A"]}}),
    )
    .await;
    // The receiver is down twice, then answers.
    receiver.answer(&[500, 503]);
    let (jobs, poster) = worker(&app, 8);
    let report = deliver_due(&jobs, &poster).await.unwrap();
    assert_eq!(
        (report.delivered, report.retrying, report.failed),
        (2, 2, 0),
        "{backend}: {report:?}"
    );

    let seen = receiver.seen();
    let ids: Vec<i64> = seen.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 4, "{backend}: {ids:?}");
    assert!(
        ids[0] == ids[1] && ids[1] == ids[2],
        "{backend}: retried with the same id: {ids:?}"
    );
    assert!(ids[3] > ids[0], "{backend}: the second waits for the first: {ids:?}");
    assert!(seen.iter().all(|r| r.signed), "{backend}: every post is signed");
    assert_eq!(
        seen.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 503, 200, 200]
    );
    let first = &seen[0].body;
    assert_eq!(first["type"], "notice.sent");
    assert_eq!(first["data"]["notice"]["id"], staff);
    assert_eq!(first["data"]["notice"]["ack_required"], true);
    assert!(
        first["data"]["notice"]["number"]
            .as_str()
            .unwrap_or("")
            .contains("/TB-"),
        "{first}"
    );
    let second = &seen[3].body["data"]["notice"];
    assert_eq!(second["id"], family);
    assert_eq!(second["audience"]["classes"], json!(["4A"]));
    assert_eq!(second["audience"]["parents_only"], true);
    assert_eq!(second["issuer"]["code"], "TH-ANBINH");
    let sms = second["text_message"].as_str().unwrap();
    assert!(sms.chars().count() <= 160 && sms.is_ascii(), "{backend}: {sms}");
    assert!(
        sms.ends_with(&format!("/van-ban/{family}")),
        "{backend}: the link whole: {sms}"
    );
    for r in &seen {
        assert!(
            !r.raw.contains("@demo.test") && !r.raw.contains("demo.family"),
            "{backend}: no contact: {}",
            r.raw
        );
    }

    // The log, newest first, with every answer code.
    let entries = log(&app, &office, hook).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["notice_id"], family);
    assert_eq!(entries[0]["status"], "delivered");
    assert_eq!(entries[1]["notice_id"], staff);
    assert_eq!(entries[1]["attempts"], 3);
    let codes: Vec<i64> = entries[1]["tries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 503, 200], "{backend}");
    let (_, shown) = api(&app, &office, "GET", &format!("/api/v1/webhooks/{hook}"), None).await;
    assert_eq!(
        (shown["delivered"].as_i64(), shown["queued"].as_i64()),
        (Some(2), Some(0))
    );

    // The page shows the same log.
    let browser = app.signed_in("demo.office").await;
    let page = browser.get(&format!("/ket-noi/{hook}")).await.text().await.unwrap();
    assert!(page.contains("500 · 503 · 200"), "{backend}: {page}");
    assert!(page.contains("Họp cha mẹ học sinh lớp 4A"));
    // Nothing more is due: a second run posts nothing.
    let again = deliver_due(&jobs, &poster).await.unwrap();
    assert_eq!((again.delivered, again.more), (0, false));
    assert_eq!(receiver.seen().len(), 4);
    app.stop().await;
}

both_backends!(a_dead_worker_loses_nothing_and_two_workers_repeat_nothing);
async fn a_dead_worker_loses_nothing_and_two_workers_repeat_nothing(backend: &'static str) {
    let app = spawn(backend, "off").await;
    let receiver = Receiver::start(SECRET).await;
    let office = api_token(&app, "demo.office").await;
    let hook = connect(&app, &office, &receiver.url).await;
    let (jobs, poster) = worker(&app, 3);

    // A worker claims the test delivery and dies before posting it.
    let (status, _) = api(&app, &office, "POST", &format!("/api/v1/webhooks/{hook}/ping"), None).await;
    assert_eq!(status, 202);
    let dead = app
        .store()
        .claim_webhook_delivery(time::Duration::seconds(2))
        .await
        .unwrap()
        .expect("claimed");
    let held = deliver_due(&jobs, &poster).await.unwrap();
    assert_eq!(held.delivered, 0, "{backend}: held by the dead worker's lease");
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    let after = deliver_due(&jobs, &poster).await.unwrap();
    assert_eq!(after.delivered, 1, "{backend}: taken again once the lease ran out");
    let stale = lanhmang_store::webhooks::AttemptResult {
        status_code: Some(200),
        error: String::new(),
        duration_ms: 1,
        next: lanhmang_store::webhooks::Next::Delivered,
    };
    assert!(
        !app.store().record_webhook_attempt(&dead, &stale).await.unwrap(),
        "{backend}: the dead worker's claim records nothing"
    );
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1, "{backend}: posted once");
    assert_eq!(seen[0].body["type"], "ping");

    // Six deliveries, two workers at once: each posted once, in order.
    for _ in 0..6 {
        let (status, _) = api(&app, &office, "POST", &format!("/api/v1/webhooks/{hook}/ping"), None).await;
        assert_eq!(status, 202);
    }
    let other = worker(&app, 3);
    let (a, b) = tokio::join!(deliver_due(&jobs, &poster), deliver_due(&other.0, &other.1));
    assert_eq!(a.unwrap().delivered + b.unwrap().delivered, 6, "{backend}");
    let ids: Vec<i64> = receiver.seen().iter().skip(1).map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "{backend}: once each, in order");
    assert_eq!(ids.len(), 6);

    // A refusal ends that delivery only; one failing for good is given up after its attempts.
    receiver.answer(&[410, 500, 500, 500]);
    for _ in 0..2 {
        api(&app, &office, "POST", &format!("/api/v1/webhooks/{hook}/ping"), None).await;
    }
    let report = deliver_due(&jobs, &poster).await.unwrap();
    assert_eq!((report.delivered, report.failed), (0, 2), "{backend}: {report:?}");
    let entries = log(&app, &office, hook).await;
    assert_eq!(entries[1]["status"], "failed");
    assert_eq!(entries[1]["attempts"], 1, "{backend}: 410 is not retried");
    assert_eq!(entries[1]["last_status"], 410);
    assert_eq!(entries[0]["status"], "failed");
    assert_eq!(entries[0]["attempts"], 3, "{backend}: given up after three");
    assert!(
        entries[0]["last_error"].as_str().unwrap().contains("3 lần"),
        "{}",
        entries[0]
    );

    // Turned off: nothing more is queued for it, a test is refused.
    let (status, off) = api(&app, &office, "POST", &format!("/api/v1/webhooks/{hook}/disable"), None).await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)));
    let (status, _) = api(&app, &office, "POST", &format!("/api/v1/webhooks/{hook}/ping"), None).await;
    assert_eq!(status, 409);
    send(
        &app,
        &office,
        json!({"title": "Sau khi tắt", "body": "Không gửi qua kết nối.", "audience": {"roles": ["principal"]}}),
    )
    .await;
    assert_eq!(
        log(&app, &office, hook).await.len(),
        9,
        "{backend}: nothing queued for a connection turned off"
    );
    app.stop().await;
}

both_backends!(at_night_families_wait_and_staff_do_not);
async fn at_night_families_wait_and_staff_do_not(backend: &'static str) {
    // Quiet hours that hold now, whatever the hour the test runs: an hour ago to an hour on.
    let now = lanhmang_store::now().to_offset(lanhmang_domain::report::VIETNAM);
    let hhmm = |t: time::OffsetDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
    let quiet = format!(
        "{}-{}",
        hhmm(now - time::Duration::hours(1)),
        hhmm(now + time::Duration::hours(1))
    );
    let app = spawn(backend, &quiet).await;
    let receiver = Receiver::start(SECRET).await;
    let office = api_token(&app, "demo.office").await;
    let principal = api_token(&app, "demo.principal").await;
    let hook = connect(&app, &office, &receiver.url).await;
    let family = send(
        &app,
        &principal,
        json!({"title": "Nhắc cha mẹ", "body": "Nhắc con tắt điện thoại trước giờ ngủ.", "audience": {"roles": ["parent"]}}),
    )
    .await;
    let staff = send(
        &app,
        &principal,
        json!({"title": "Họp hội đồng", "body": "Họp hội đồng sư phạm chiều nay.", "audience": {"roles": ["teacher"]}}),
    )
    .await;
    let (jobs, poster) = worker(&app, 8);
    let report = deliver_due(&jobs, &poster).await.unwrap();
    assert_eq!(report.delivered, 1, "{backend}: {report:?}");
    let seen = receiver.seen();
    assert_eq!(
        seen[0].body["data"]["notice"]["id"], staff,
        "{backend}: staff at once, not held behind families"
    );
    let entries = log(&app, &office, hook).await;
    let waiting = entries.iter().find(|e| e["notice_id"] == family).unwrap();
    assert_eq!(waiting["status"], "queued");
    let next = time::OffsetDateTime::parse(
        waiting["next_attempt_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        next - lanhmang_store::now() > time::Duration::minutes(50),
        "{backend}: held for the morning"
    );
    app.stop().await;
}

both_backends!(only_the_office_administrators_reach_connections);
async fn only_the_office_administrators_reach_connections(backend: &'static str) {
    let app = spawn(backend, "off").await;
    let office = api_token(&app, "demo.office").await;
    let admin = api_token(&app, "demo.admin").await;
    let hook = connect(&app, &office, "http://127.0.0.1:9/hook").await;
    // The system administrator, at the root, sees the office's connection; the office never
    // sees one made above it.
    let (status, _) = api(&app, &admin, "GET", &format!("/api/v1/webhooks/{hook}"), None).await;
    assert_eq!(status, 200, "{backend}");
    let root_hook = connect(&app, &admin, "http://127.0.0.1:9/root").await;
    for path in [
        format!("/api/v1/webhooks/{root_hook}"),
        format!("/api/v1/webhooks/{root_hook}/deliveries"),
    ] {
        let (status, _) = api(&app, &office, "GET", &path, None).await;
        assert_eq!(status, 404, "{backend}: {path}");
    }
    let (status, _) = api(
        &app,
        &office,
        "POST",
        &format!("/api/v1/webhooks/{root_hook}/disable"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, list) = api(&app, &office, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(list["total"], 1, "{backend}: {list}");
    // Everyone else is refused, on the pages and the API.
    for account in [
        "demo.head",
        "demo.principal",
        "demo.teacher",
        "demo.webadmin",
        "demo.collaborator",
        "demo.parent",
        "demo.family",
        "demo.incidentlead",
    ] {
        let token = api_token(&app, account).await;
        for (method, path) in [
            ("GET", "/api/v1/webhooks".to_string()),
            ("GET", format!("/api/v1/webhooks/{hook}")),
            ("GET", format!("/api/v1/webhooks/{hook}/deliveries")),
            ("POST", format!("/api/v1/webhooks/{hook}/ping")),
            ("POST", format!("/api/v1/webhooks/{hook}/disable")),
        ] {
            let (status, _) = api(&app, &token, method, &path, None).await;
            assert_eq!(status, 403, "{backend}: {account} {method} {path}");
        }
        let browser = app.signed_in(account).await;
        for path in ["/ket-noi".to_string(), format!("/ket-noi/{hook}")] {
            assert_eq!(browser.get(&path).await.status(), 403, "{backend}: {account} {path}");
        }
    }
    // The office's pages: the list, the form's errors beside their fields, a connection made
    // from the page with its secret shown once.
    let browser = app.signed_in("demo.office").await;
    let list = browser.get("/ket-noi").await.text().await.unwrap();
    assert!(
        list.contains("http://127.0.0.1:9/hook") && !list.contains("/root"),
        "{backend}"
    );
    let csrf = browser.csrf_from("/ket-noi").await;
    let r = browser
        .post_form(
            "/ket-noi",
            &[("_csrf", csrf.as_str()), ("url", "ftp://x"), ("secret", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("phải bắt đầu bằng https://"));
    let r = browser
        .post_form(
            "/ket-noi",
            &[
                ("_csrf", csrf.as_str()),
                ("url", "http://127.0.0.1:9/page"),
                ("secret", ""),
                ("description", "SMS"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("whsec_") && page.contains("chỉ hiện lần này"),
        "{backend}"
    );
    let (_, list) = api(&app, &office, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(list["total"], 2);
    app.stop().await;
}
