//! One address policy, black-box: registering a website refuses the IPv6 forms that lead into a
//! private network (NAT64, 6to4, IPv4-compatible, IPv4-mapped, Teredo, site-local) with
//! "không phải địa chỉ công khai", and registering a feed refuses every social network of the
//! one list in the domain. Nothing is written. On SQLite and PostgreSQL.

use crate::common;

use common::{TestApp, both_backends};
use serde_json::{Value, json};

async fn token(app: &TestApp, username: &str) -> String {
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": common::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .client()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

both_backends!(private_networks_behind_ipv6_forms_are_not_registered);
async fn private_networks_behind_ipv6_forms_are_not_registered(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let school = app.store().unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let office = token(&app, "demo.office").await;
        for url in [
            "http://[64:ff9b::a00:1]/",                       // NAT64 of 10.0.0.1
            "http://[2002:a00:1::1]/",                        // 6to4 of 10.0.0.1
            "http://[2002:a9fe:a9fe::1]/",                    // 6to4 of 169.254.169.254
            "http://[::a00:1]/",                              // IPv4-compatible 10.0.0.1
            "http://[::ffff:a00:1]/",                         // IPv4-mapped 10.0.0.1
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", // Teredo
            "http://[fec0::1]/",                              // site-local
        ] {
            let (status, e) = post(
                &app,
                &office,
                "/api/v1/sites",
                json!({"unit_id": school.id, "url": url}),
            )
            .await;
            assert_eq!(status, 422, "{backend}: {url}: {e}");
            let message = e["error"]["problems"].to_string();
            assert!(
                message.contains("không phải địa chỉ công khai"),
                "{backend}: {url}: {e}"
            );
        }
        let r = app
            .client()
            .get(app.url("/api/v1/sites"))
            .bearer_auth(&office)
            .send()
            .await
            .unwrap();
        let list: Value = r.json().await.unwrap();
        assert_eq!(list["total"], 0, "{backend}: nothing written");
        app.stop().await;
    }
}

both_backends!(one_list_of_social_networks_for_sites_and_feeds);
async fn one_list_of_social_networks_for_sites_and_feeds(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let school = app.store().unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let office = token(&app, "demo.office").await;
        // fb.me was refused for feeds only, youtu.be and messenger.com by neither.
        for url in [
            "https://fb.me/truong.a",
            "https://youtu.be/abc",
            "https://www.messenger.com/t/1",
        ] {
            let (status, e) = post(
                &app,
                &office,
                "/api/v1/sites",
                json!({"unit_id": school.id, "url": url}),
            )
            .await;
            assert_eq!(status, 422, "{backend}: {url}: {e}");
            assert!(e.to_string().contains("mạng xã hội"), "{backend}: {url}: {e}");
        }
        let store = app.store();
        let ctx = lanhmang_store::AuditContext::system("test");
        for url in [
            "https://youtu.be/abc",
            "https://www.youtube.com/watch?v=1",
            "https://www.messenger.com/t/1",
        ] {
            let e = store.add_press_feed(&ctx, school.id, url, "").await.unwrap_err();
            assert!(e.to_string().contains("mạng xã hội"), "{backend}: {url}: {e}");
        }
        app.stop().await;
    }
}
