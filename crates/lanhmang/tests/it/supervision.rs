//! Website supervision, black-box: the real server with a fresh database, the fixture web as
//! the schools' websites, and workers running the queue. On SQLite and PostgreSQL.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::sites::{inspection_worker, private_allowed};
use common::{TestApp, both_backends};
use lanhmang_fixture_web::{self as fixture_web, FixtureConfig};
use lanhmang_inspect::InspectConfig;
use lanhmang_jobs::{JobSettings, Supervision, Worker};
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

async fn api(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let c = app.client();
    let req = match method {
        "GET" => c.get(app.url(path)),
        _ => c.post(app.url(path)),
    };
    let req = req.bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

both_backends!(register_inspect_follow_findings_and_permissions);
async fn register_inspect_follow_findings_and_permissions(backend: &'static str) {
    let web = fixture_web::start(FixtureConfig {
        sites: 6,
        http_port: 0,
        tls_port: Some(0),
        seed: 11,
    })
    .await
    .unwrap();
    {
        let app = TestApp::spawn_configured(backend, true, private_allowed()).await;
        let store = app.store();
        let school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let sibling = store.unit_by_code("TH-HOASEN").await.unwrap().unwrap();
        let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
        let webadmin = token(&app, "demo.webadmin").await;
        let office_token = token(&app, "demo.office").await;

        // Registering: the school's administrator adds its website; bad input changes nothing.
        let (status, site) = api(
            &app,
            &webadmin,
            "POST",
            "/api/v1/sites",
            Some(json!({"unit_id": school.id, "url": web.manifest[0].url, "kind": "website"})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {site}");
        let site_id = site["id"].as_i64().unwrap();
        assert_eq!(site["status"], "pending");
        let (status, dup) = api(
            &app,
            &webadmin,
            "POST",
            "/api/v1/sites",
            Some(json!({"unit_id": school.id, "url": web.manifest[0].url})),
        )
        .await;
        assert_eq!(status, 409, "{backend}: {dup}");
        assert_eq!(dup["site_id"], site_id);
        for (body, expected) in [
            (json!({"unit_id": school.id, "url": "ftp://thcs.edu.vn"}), 422),
            (
                json!({"unit_id": school.id, "url": "https://www.facebook.com/truong.a"}),
                422,
            ),
            (
                json!({"unit_id": school.id, "url": web.manifest[1].url, "kind": "zalo"}),
                422,
            ),
            (json!({"unit_id": sibling.id, "url": web.manifest[1].url}), 404),
            (json!({"url": web.manifest[1].url}), 400),
        ] {
            let (status, e) = api(&app, &webadmin, "POST", "/api/v1/sites", Some(body.clone())).await;
            assert_eq!(status, expected, "{backend}: {body} → {e}");
            assert!(
                e["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{backend}: {e}"
            );
        }
        let (_, list) = api(&app, &office_token, "GET", "/api/v1/sites", None).await;
        assert_eq!(list["total"], 1, "{backend}: nothing else was written");

        // The office imports the rest from a file; a file with a bad row adds nothing.
        let office_browser = app.signed_in("demo.office").await;
        let csrf = office_browser.csrf_from("/giam-sat/website/nhap").await;
        let upload = |csv: String| {
            let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("website.csv"),
            );
            office_browser
                .client
                .post(format!("{}/giam-sat/website/nhap", office_browser.base))
                .multipart(form)
                .send()
        };
        let bad = format!(
            "ma_don_vi,dia_chi,loai\nTH-HOASEN,{},website\nTH-KHONGCO,{},website\n",
            web.manifest[1].url, web.manifest[2].url
        );
        let r = upload(bad).await.unwrap();
        assert_eq!(r.status(), 422, "{backend}");
        assert!(r.text().await.unwrap().contains("TH-KHONGCO"));
        let (_, list) = api(&app, &office_token, "GET", "/api/v1/sites", None).await;
        assert_eq!(list["total"], 1, "{backend}: a bad file adds nothing");
        let mut good = String::from("ma_don_vi,dia_chi,loai,ten\n");
        let codes = ["TH-HOASEN", "TH-BINHMINH", "TH-SONGXANH", "TH-DOITHONG", "TH-CAUTRE"];
        for (i, code) in codes.iter().enumerate() {
            good.push_str(&format!("{code},{},website,Website chính\n", web.manifest[i + 1].url));
        }
        good.push_str(&format!("TH-ANBINH,{},website,\n", web.manifest[0].url));
        let r = upload(good).await.unwrap();
        assert_eq!(r.status(), 200, "{backend}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Đã thêm 5 website"), "{backend}: {page}");
        assert!(page.contains("đã có"), "{backend}: the duplicate is reported");

        // Inspect now: queued, then the workers run it; progress goes to done.
        let teacher = token(&app, "demo.teacher").await;
        let (status, _) = api(
            &app,
            &teacher,
            "POST",
            "/api/v1/inspections",
            Some(json!({"unit_id": office.id})),
        )
        .await;
        assert_eq!(status, 403, "{backend}");
        let (status, bad) = api(&app, &office_token, "POST", "/api/v1/inspections", Some(json!({}))).await;
        assert_eq!(status, 400, "{backend}: {bad}");
        let (status, request) = api(
            &app,
            &office_token,
            "POST",
            "/api/v1/inspections",
            Some(json!({"unit_id": office.id})),
        )
        .await;
        assert_eq!(status, 202, "{backend}: {request}");
        let request_id = request["id"].as_i64().unwrap();
        let (_, progress) = api(
            &app,
            &office_token,
            "GET",
            &format!("/api/v1/inspections/{request_id}"),
            None,
        )
        .await;
        assert_eq!(
            (progress["status"].as_str(), progress["total"].as_i64()),
            (Some("running"), Some(6))
        );
        // Two workers share the queue: every job once.
        let (a, b) = (
            inspection_worker(&app, "w-a", &web),
            inspection_worker(&app, "w-b", &web),
        );
        let (ra, rb) = tokio::join!(a.drain(), b.drain());
        // Six inspections, and the reading of the feeds they found.
        assert!(ra.unwrap() + rb.unwrap() >= 6, "{backend}");
        let inspections = || store.job_states(lanhmang_store::sites::INSPECT_SITE_JOB);
        assert_eq!(inspections().await.unwrap(), vec![("done".to_string(), 6)], "{backend}");
        assert!(
            store.runs_per_job().await.unwrap().is_empty(),
            "{backend}: no job run twice"
        );
        let (_, progress) = api(
            &app,
            &office_token,
            "GET",
            &format!("/api/v1/inspections/{request_id}"),
            None,
        )
        .await;
        assert_eq!(
            (progress["status"].as_str(), progress["done"].as_i64()),
            (Some("done"), Some(6)),
            "{backend}"
        );

        // The site with its latest result.
        let (status, detail) = api(&app, &webadmin, "GET", &format!("/api/v1/sites/{site_id}"), None).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            detail["reachable"].is_boolean() && detail["latest"].is_object(),
            "{backend}: {detail}"
        );
        assert!(
            detail["grade"].is_string() && detail["score"].is_number(),
            "{backend}: {detail}"
        );
        assert!(detail["findings"].is_array());

        // Findings: the administrator acknowledges one and says it is fixed; the run that
        // follows still finds it (the fixture keeps its defects) and reopens it.
        let (_, findings) = api(&app, &office_token, "GET", "/api/v1/findings?per_page=200", None).await;
        let items = findings["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{backend}: the fixture's defects are found");
        let own = items
            .iter()
            .find(|f| f["site_id"] == site_id)
            .or_else(|| items.iter().find(|f| f["unit_id"] == school.id));
        let target = match own {
            Some(f) => f.clone(),
            None => items[0].clone(),
        };
        let fid = target["id"].as_i64().unwrap();
        let actor = if target["unit_id"] == school.id {
            &webadmin
        } else {
            &office_token
        };
        assert!(target["guide"].as_str().unwrap().starts_with("/huong-dan/"));
        let (status, _) = api(
            &app,
            &teacher,
            "POST",
            &format!("/api/v1/findings/{fid}/acknowledge"),
            None,
        )
        .await;
        assert_eq!(status, 403, "{backend}");
        let head = token(&app, "demo.head").await;
        let (status, _) = api(&app, &head, "POST", &format!("/api/v1/findings/{fid}/fixed"), None).await;
        assert_eq!(status, 403, "{backend}: the office head watches, does not change");
        let (status, f) = api(
            &app,
            actor,
            "POST",
            &format!("/api/v1/findings/{fid}/acknowledge"),
            None,
        )
        .await;
        assert_eq!(
            (status, f["status"].as_str()),
            (200, Some("acknowledged")),
            "{backend}: {f}"
        );
        let (status, f) = api(&app, actor, "POST", &format!("/api/v1/findings/{fid}/fixed"), None).await;
        assert_eq!((status, f["status"].as_str()), (200, Some("fixed")), "{backend}: {f}");
        let (status, _) = api(&app, actor, "POST", &format!("/api/v1/findings/{fid}/fixed"), None).await;
        assert_eq!(status, 409, "{backend}: already claimed");
        inspection_worker(&app, "w-c", &web).drain().await.unwrap();
        assert_eq!(
            inspections().await.unwrap(),
            vec![("done".to_string(), 7)],
            "{backend}: a fresh inspection ran"
        );
        let (_, f) = api(
            &app,
            &office_token,
            "GET",
            &format!("/api/v1/findings?site_id={}&per_page=200", target["site_id"]),
            None,
        )
        .await;
        let again = f["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == fid)
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(
            (again["status"].as_str(), again["reopened"].as_i64()),
            (Some("open"), Some(1)),
            "{backend}: {again}"
        );

        // Scope: the principal sees the school's sites only; others are refused or see nothing.
        let principal = token(&app, "demo.principal").await;
        let (_, own_list) = api(&app, &principal, "GET", "/api/v1/sites", None).await;
        assert_eq!(own_list["total"], 1, "{backend}");
        let (_, all) = api(&app, &office_token, "GET", "/api/v1/sites", None).await;
        assert_eq!(all["total"], 6, "{backend}");
        let sibling_site = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["unit_id"] == sibling.id)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let (status, _) = api(&app, &webadmin, "GET", &format!("/api/v1/sites/{sibling_site}"), None).await;
        assert_eq!(status, 404, "{backend}: another school's site is not revealed");
        let parent = token(&app, "demo.parent").await;
        assert_eq!(
            api(&app, &parent, "GET", "/api/v1/sites", None).await.0,
            403,
            "{backend}"
        );
        for bad in [
            "/api/v1/sites?grade=Z",
            "/api/v1/sites?status=maybe",
            "/api/v1/findings?status=gone",
            "/api/v1/sites?unit_id=abc",
        ] {
            assert_eq!(
                api(&app, &office_token, "GET", bad, None).await.0,
                400,
                "{backend}: {bad}"
            );
        }

        // Pages: the overview, the site, a guide; another school's site is a 404.
        let (status, overview) = office_browser.text("/giam-sat").await;
        assert_eq!(status, 200);
        assert!(
            overview.contains("website đang theo dõi") && overview.contains("<svg"),
            "{backend}"
        );
        let (status, page) = office_browser.text(&format!("/giam-sat/website/{site_id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Điểm bảo mật theo thời gian") && page.contains("Các lần kiểm tra gần đây"));
        let admin_browser = app.signed_in("demo.webadmin").await;
        assert_eq!(
            admin_browser
                .get(&format!("/giam-sat/website/{sibling_site}"))
                .await
                .status(),
            404
        );
        let (status, guide) = admin_browser.text("/huong-dan/tls_expired").await;
        assert_eq!(status, 200);
        assert!(
            guide.contains("Encrypt") && guide.contains("Các bước thực hiện"),
            "{backend}"
        );
        assert_eq!(admin_browser.get("/huong-dan/khong-co").await.status(), 404);
        let (status, _) = admin_browser.text("/thong-bao").await;
        assert_eq!(status, 200);
        let (status, standard) = office_browser.text("/giam-sat/tieu-chi").await;
        assert_eq!(status, 200);
        assert!(standard.contains("Thông tư 09/2024"), "{backend}");
        // A standard without a reason is refused with the reason shown; nothing saved.
        let r = office_browser
            .submit(
                "/giam-sat/tieu-chi",
                "/giam-sat/tieu-chi",
                &[
                    ("unit_id", &office.id.to_string()),
                    ("version", "0"),
                    ("check", "reachability"),
                    ("check", "compromise"),
                    ("stale_days", "60"),
                    ("cert_days", "21"),
                    ("min_grade", "B"),
                    ("full_hours", "24"),
                    ("check_minutes", "60"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(store.standard_versions(office.id).await.unwrap().is_empty());
        let r = office_browser
            .submit(
                "/giam-sat/tieu-chi",
                "/giam-sat/tieu-chi",
                &[
                    ("unit_id", &office.id.to_string()),
                    ("version", "0"),
                    ("check", "reachability"),
                    ("check", "compromise"),
                    ("check", "headers"),
                    ("stale_days", "60"),
                    ("cert_days", "21"),
                    ("min_grade", "B"),
                    ("part", "Tài chính"),
                    ("full_hours", "24"),
                    ("check_minutes", "60"),
                    ("note", "Áp dụng từ học kỳ II"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let saved = store.standard_versions(office.id).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].rules.min_header_grade, "B");
        assert_eq!(saved[0].rules.required_disclosure, vec!["Tài chính".to_string()]);
        let head_browser = app.signed_in("demo.head").await;
        let csrf = head_browser.csrf_from("/tai-khoan").await;
        let r = head_browser
            .post_form(
                "/giam-sat/tieu-chi",
                &[("_csrf", csrf.as_str()), ("unit_id", &office.id.to_string())],
            )
            .await;
        assert_eq!(r.status(), 403, "{backend}");
        app.stop().await;
    }
    web.shutdown().await;
}

both_backends!(private_addresses_are_refused_with_the_reason);
async fn private_addresses_are_refused_with_the_reason(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let school = app.store().unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let office = token(&app, "demo.office").await;
        for url in [
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://169.254.169.254/",
        ] {
            let (status, e) = api(
                &app,
                &office,
                "POST",
                "/api/v1/sites",
                Some(json!({"unit_id": school.id, "url": url})),
            )
            .await;
            assert_eq!(status, 422, "{backend}: {url}");
            let message = e["error"]["problems"].to_string();
            assert!(message.contains("mạng nội bộ"), "{backend}: {url}: {e}");
        }
        let b = app.signed_in("demo.office").await;
        let r = b
            .submit(
                "/giam-sat/website/moi",
                "/giam-sat/website/moi",
                &[
                    ("unit_id", &school.id.to_string()),
                    ("url", "http://192.168.1.10/"),
                    ("kind", "website"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(r.text().await.unwrap().contains("mạng nội bộ"));
        let (_, list) = api(&app, &office, "GET", "/api/v1/sites", None).await;
        assert_eq!(list["total"], 0, "{backend}: nothing written");
        app.stop().await;
    }
}

both_backends!(a_killed_worker_process_loses_its_job_to_another);
/// A `lanhmang worker` process is killed while it holds a job; once its lease runs out,
/// another worker takes the job, and every job is stored exactly once.
async fn a_killed_worker_process_loses_its_job_to_another(backend: &'static str) {
    // A host that accepts connections and never answers: the job on it outlives the worker.
    let tarpit = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tarpit_port = tarpit.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in tarpit.incoming().take(8) {
            match c {
                Ok(c) => conns.push(c),
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    {
        let app = TestApp::spawn_configured(backend, true, private_allowed()).await;
        let store = app.store();
        let school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let office_token = token(&app, "demo.office").await;
        let (status, site) = api(
            &app,
            &office_token,
            "POST",
            "/api/v1/sites",
            Some(json!({"unit_id": school.id, "url": format!("http://127.0.0.1:{tarpit_port}/")})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {site}");
        let (status, _) = api(
            &app,
            &office_token,
            "POST",
            "/api/v1/inspections",
            Some(json!({"site_id": site["id"]})),
        )
        .await;
        assert_eq!(status, 202);

        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("lanhmang.toml");
        std::fs::write(
            &config,
            "[inspect]\nallow_private_targets = true\nrequest_timeout_secs = 30\nretries = 0\n",
        )
        .unwrap();
        let mut child = common::binary()
            .arg("--config")
            .arg(&config)
            .arg("worker")
            .env("LANHMANG_DATABASE_URL", &app.config.database_url)
            .env("LANHMANG_WORKER_LEASE_SECS", "3")
            .env("LANHMANG_WORKER_CONCURRENCY", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the process holds the job, then kill it without warning.
        let mut running = false;
        for _ in 0..100 {
            if store
                .job_states(lanhmang_store::sites::INSPECT_SITE_JOB)
                .await
                .unwrap()
                .iter()
                .any(|(s, n)| s == "running" && *n == 1)
            {
                running = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(running, "{backend}: the worker process took the job");
        child.kill().unwrap();
        child.wait().unwrap();
        // Within the lease nobody else may take it; after it, this worker does.
        let settings = JobSettings {
            lease: Duration::from_secs(3),
            ..Default::default()
        };
        let inspect = InspectConfig {
            allow_private_targets: true,
            request_timeout: Duration::from_secs(2),
            retries: 0,
            ..Default::default()
        };
        let survivor = Worker::new(app.running.as_ref().unwrap().store.clone(), "survivor", settings)
            .with_supervision(Some(Arc::new(Supervision::new(inspect, None))));
        let inspections = || store.job_states(lanhmang_store::sites::INSPECT_SITE_JOB);
        survivor.drain().await.unwrap();
        assert_eq!(
            inspections().await.unwrap(),
            vec![("running".to_string(), 1)],
            "{backend}: still leased"
        );
        tokio::time::sleep(Duration::from_secs(4)).await;
        survivor.drain().await.unwrap();
        assert_eq!(
            store.job_states(lanhmang_store::sites::INSPECT_SITE_JOB).await.unwrap(),
            vec![("done".to_string(), 1)],
            "{backend}"
        );
        assert!(store.runs_per_job().await.unwrap().is_empty(), "{backend}: stored once");
        let s = store.site(site["id"].as_i64().unwrap()).await.unwrap().unwrap();
        assert_eq!(s.status, "down", "{backend}: the tarpit never answers");
        app.stop().await;
    }
    drop(held);
}
