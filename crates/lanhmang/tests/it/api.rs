//! The JSON API: tokens, errors, pagination, scope, throttling.

use crate::common;

use common::{DEMO_PASSWORD, TestApp, backends, both_backends};
use serde_json::{Value, json};

async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn token(app: &TestApp, username: &str) -> String {
    let r = login(app, username, DEMO_PASSWORD).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

both_backends!(login_me_units_and_logout);
async fn login_me_units_and_logout(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let c = app.client();
        let r = login(&app, "demo.office", "mat-khau-sai-roi").await;
        assert_eq!(r.status(), 401, "{backend}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "bad_credentials");
        let r = login(&app, "no.such.user", "mat-khau-sai-roi").await;
        assert_eq!(r.status(), 401, "{backend}: unknown users look the same");

        let t = token(&app, "demo.office").await;
        let me: Value = c
            .get(app.url("/api/v1/me"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "demo.office");
        assert_eq!(me["display_name"], "Trần Minh Khoa (chuyên viên, demo)");
        assert_eq!(me["roles"][0]["role"], "office_admin");
        let office_id = me["roles"][0]["unit_id"].as_i64().unwrap();

        let units: Value = c
            .get(app.url("/api/v1/units"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(units["total"], 25, "{backend}: the office and its 24 schools");
        let first = &units["items"][0];
        assert_eq!(first["id"], office_id);
        assert_eq!(first["kind"], "office");
        assert!(first["school_level"].is_null());
        assert_eq!(first["status"], "active");
        for key in ["id", "name", "kind", "parent_id", "code", "school_level", "status"] {
            assert!(first.get(key).is_some(), "{key}");
        }
        let page: Value = c
            .get(app.url("/api/v1/units?page=3&per_page=10"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (page["items"].as_array().unwrap().len(), page["total"].as_i64()),
            (5, Some(25)),
            "{backend}"
        );
        let closed: Value = c
            .get(app.url("/api/v1/units?status=closed"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(closed["total"], 1);
        assert_eq!(closed["items"][0]["name"], "Trường THCS Bến Đò");
        let search: Value = c
            .get(app.url("/api/v1/units?q=ben%20do"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(search["total"], 1, "{backend}: diacritic-insensitive");

        for bad in ["per_page=501", "per_page=0", "page=0", "page=x", "kind=planet"] {
            let r = c
                .get(app.url(&format!("/api/v1/units?{bad}")))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{backend}: {bad}");
            assert!(
                r.json::<Value>().await.unwrap()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .len()
                    > 5
            );
        }

        // A principal sees one unit, the school.
        let p = token(&app, "demo.principal").await;
        let units: Value = c
            .get(app.url("/api/v1/units"))
            .bearer_auth(&p)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(units["total"], 1, "{backend}");
        assert_eq!(units["items"][0]["school_level"], "primary");
        let people = c.get(app.url("/api/v1/people")).bearer_auth(&p).send().await.unwrap();
        assert_eq!(people.status(), 200, "{backend}: principals see their school's people");
        assert_eq!(
            people.json::<Value>().await.unwrap()["total"],
            5,
            "{backend}: five staff; parents are listed under their classes"
        );

        // Logout revokes the token; an unknown token is 401.
        assert_eq!(
            c.post(app.url("/api/v1/auth/logout"))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        assert_eq!(
            c.get(app.url("/api/v1/me"))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap()
                .status(),
            401,
            "{backend}"
        );
        assert_eq!(
            c.get(app.url("/api/v1/me"))
                .bearer_auth("nonsense")
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
        // Tokens are stored hashed: the raw token is nowhere in the database.
        let leaked = app.store().api_token_person(&p).await.unwrap();
        assert_eq!(leaked, None, "{backend}: lookups by the raw token find nothing");
        app.stop().await;
    }
}

both_backends!(malformed_requests_get_400_never_500);
async fn malformed_requests_get_400_never_500(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let c = app.client();
        let url = app.url("/api/v1/auth/login");
        let cases: Vec<(&str, Option<&str>)> = vec![
            ("{not json", Some("application/json")),
            ("{\"username\": 5}", Some("application/json")),
            ("{}", Some("application/json")),
            ("[]", Some("application/json")),
            ("", Some("application/json")),
            ("{\"username\":\"a\",\"password\":\"b\"}", None),
            ("\u{0}\u{1}", Some("application/json")),
        ];
        for (body, content_type) in cases {
            let mut req = c.post(&url).body(body.to_string());
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 400, "{backend}: body {body:?}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"]["code"], "bad_request");
        }
        let huge = format!(
            "{{\"username\":\"{}\",\"password\":\"x\"}}",
            "a".repeat(3 * 1024 * 1024)
        );
        let r = c
            .post(&url)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{backend}");
        let r = c.get(app.url("/api/v1/khong-co")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "not_found");
        app.stop().await;
    }
}

both_backends!(throttling_per_account_and_per_address);
async fn throttling_per_account_and_per_address(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        for i in 0..5 {
            assert_eq!(
                login(&app, "demo.teacher", "sai-mat-khau-nhe").await.status(),
                401,
                "{backend}: attempt {i}"
            );
        }
        let r = login(&app, "demo.teacher", "sai-mat-khau-nhe").await;
        assert_eq!(r.status(), 429, "{backend}: after five failures the account waits");
        let wait: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=10).contains(&wait), "a short delay, not a lock: {wait}");
        let message = r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains(&format!("Vui lòng thử lại sau {wait} giây")),
            "{message}"
        );
        // Even the right password waits now.
        assert_eq!(
            login(&app, "demo.teacher", DEMO_PASSWORD).await.status(),
            429,
            "{backend}"
        );
        // The page shows the same in Vietnamese.
        let browser = common::Browser {
            client: app.client(),
            base: app.base.clone(),
        };
        let csrf = browser.csrf_from("/dang-nhap").await;
        let r = browser
            .post_form(
                "/dang-nhap",
                &[
                    ("_csrf", &csrf),
                    ("username", "demo.teacher"),
                    ("password", DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
        assert!(r.text().await.unwrap().contains("Đăng nhập sai quá nhiều lần"));
        // Other accounts from the same address still work until the address limit (20).
        assert_eq!(
            login(&app, "demo.parent", DEMO_PASSWORD).await.status(),
            200,
            "{backend}"
        );
        // Spraying many accounts from one address: each failure counts for the address (the
        // refused attempts and the success above do not).
        for i in 0..15 {
            assert_eq!(
                login(&app, &format!("khong.co.{i}"), "sai-mat-khau-nhe").await.status(),
                401,
                "{backend}: spray {i}"
            );
        }
        let r = login(&app, "demo.parent", DEMO_PASSWORD).await;
        assert_eq!(r.status(), 429, "{backend}: the address waits after 20 failures");
        // Failures are in the audit log.
        let (entries, _) = app
            .store()
            .audit_page(lanhmang_domain::Paging { page: 1, per_page: 500 })
            .await
            .unwrap();
        assert!(entries.iter().filter(|e| e.action == "login.failure").count() >= 20);
        app.stop().await;
    }
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    for backend in backends().into_iter().take(1) {
        let app = TestApp::spawn(backend).await;
        let r = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let doc: Value = r.json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in ["/api/v1/auth/login", "/api/v1/me", "/api/v1/units", "/api/v1/people"] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        app.stop().await;
    }
}
