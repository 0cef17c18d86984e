//! HTTP-level security: where sign-in sends you, the login throttle and the client address,
//! bodies and timeouts before sign-in, the CSRF token of multipart forms, the API login of an
//! account that must change its password, `/metrics`, and cookies under HTTPS.

use crate::common;

use std::time::{Duration, Instant};

use common::{Browser, DEMO_PASSWORD, TestApp, both_backends};
use lanhmang::config::Layer;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Settings as `LANHMANG_*` variables, the way an operator sets them.
fn env(pairs: &[(&str, &str)]) -> Layer {
    Layer::from_env(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).expect("settings")
}

/// Behind one reverse proxy, in the configuration's older form (`trust_proxy = true`).
fn one_proxy() -> Layer {
    Layer {
        trust_proxy: Some(true),
        ..Default::default()
    }
}

fn anonymous(app: &TestApp) -> Browser {
    Browser {
        client: app.client(),
        base: app.base.clone(),
    }
}

async fn api_login(app: &TestApp, username: &str, password: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}));
    if let Some(xff) = forwarded_for {
        request = request.header("x-forwarded-for", xff);
    }
    request.send().await.expect("request")
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<lanhmang_store::AuditEntry> {
    let (entries, _) = app
        .store()
        .audit_page(lanhmang_domain::Paging { page: 1, per_page: 500 })
        .await
        .unwrap();
    entries.into_iter().filter(|e| e.action == action).collect()
}

/// Sends raw bytes and reads what comes back until the server closes the connection or `wait`
/// passes; `None` if nothing came back and the connection stayed open.
async fn raw_exchange(stream: &mut TcpStream, bytes: &[u8], wait: Duration) -> Option<String> {
    stream.write_all(bytes).await.expect("write");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let outcome = tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    if outcome.is_err() && received.is_empty() {
        None
    } else {
        Some(String::from_utf8_lossy(&received).into_owned())
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.running.as_ref().unwrap().addr)
        .await
        .expect("connect")
}

// Point 3: after sign-in, only paths of this site are followed.
both_backends!(sign_in_never_redirects_off_site);
async fn sign_in_never_redirects_off_site(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        for next in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\0",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
        ] {
            let b = anonymous(&app);
            let csrf = b.csrf_from("/dang-nhap").await;
            let r = b
                .post_form(
                    "/dang-nhap",
                    &[
                        ("_csrf", csrf.as_str()),
                        ("username", "demo.office"),
                        ("password", DEMO_PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.status(), 303, "{backend}: next={next:?}");
            assert_eq!(r.headers()["location"], "/", "{backend}: next={next:?}");
            assert_eq!(b.get("/").await.status(), 200, "{backend}: signed in");
        }
        // A path of this site is still followed.
        let b = anonymous(&app);
        let csrf = b.csrf_from("/dang-nhap").await;
        let r = b
            .post_form(
                "/dang-nhap",
                &[
                    ("_csrf", csrf.as_str()),
                    ("username", "demo.office"),
                    ("password", DEMO_PASSWORD),
                    ("next", "/don-vi?page=2"),
                ],
            )
            .await;
        assert_eq!(r.headers()["location"], "/don-vi?page=2", "{backend}");
        app.stop().await;
    }
}

// Point 4: attempts are counted before the password is checked.
both_backends!(parallel_guesses_cannot_outrun_the_throttle);
async fn parallel_guesses_cannot_outrun_the_throttle(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        // One attempt short of the delay.
        for i in 0..4 {
            let r = api_login(&app, "demo.teacher", "sai-mat-khau-nhe", None).await;
            assert_eq!(r.status(), 401, "{backend}: attempt {i}");
        }
        // 30 wrong guesses and the right password at once: only one attempt is left before
        // the delay, so at most one of them is evaluated.
        let mut burst = tokio::task::JoinSet::new();
        for i in 0..31 {
            let client = app.client();
            let url = app.url("/api/v1/auth/login");
            let password = if i == 17 { DEMO_PASSWORD } else { "sai-mat-khau-nhe" };
            burst.spawn(async move {
                let r = client
                    .post(url)
                    .json(&json!({"username": "demo.teacher", "password": password}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let wait = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
                let body: Value = r.json().await.unwrap();
                (status, wait, body)
            });
        }
        let started = Instant::now();
        let outcomes = burst.join_all().await;
        let count = |s: u16| outcomes.iter().filter(|o| o.0 == s).count();
        assert_eq!(count(200) + count(401) + count(429), 31, "{backend}: {outcomes:?}");
        assert!(
            count(200) + count(401) <= 1,
            "{backend}: {} tokens and {} wrong passwords evaluated in {:?}",
            count(200),
            count(401),
            started.elapsed()
        );
        let (_, wait, body) = outcomes.iter().find(|o| o.0 == 429).unwrap();
        let wait = wait.expect("Retry-After");
        assert!((1..=10).contains(&wait), "{backend}: a short wait, not a lock: {wait}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("Vui lòng thử lại sau") && message.contains("giây"),
            "{message}"
        );
        // Once the wait is over, the right password gets in.
        tokio::time::sleep(Duration::from_secs(wait + 1)).await;
        let r = api_login(&app, "demo.teacher", DEMO_PASSWORD, None).await;
        assert_eq!(r.status(), 200, "{backend}");
        app.stop().await;
    }
}

// Point 4: someone guessing an administrator's password cannot keep the administrator out.
both_backends!(a_guesser_cannot_lock_the_owner_out);
async fn a_guesser_cannot_lock_the_owner_out(backend: &'static str) {
    {
        let app = TestApp::spawn_configured(backend, true, one_proxy()).await;
        let attacker = Some("203.0.113.9");
        for _ in 0..5 {
            let status = api_login(&app, "demo.admin", "doan-mo-thoi-ma", attacker)
                .await
                .status();
            assert!(matches!(status.as_u16(), 401 | 429), "{backend}: {status}");
        }
        // The guesser goes on; most of these wait (a slow machine may let one through after
        // the first delay of a few seconds).
        let mut waited = 0;
        for _ in 0..10 {
            if api_login(&app, "demo.admin", "doan-mo-thoi-ma", attacker)
                .await
                .status()
                == 429
            {
                waited += 1;
            }
        }
        assert!(waited >= 5, "{backend}: {waited}");
        // The owner, elsewhere, signs in at once.
        let r = api_login(&app, "demo.admin", DEMO_PASSWORD, Some("198.51.100.7")).await;
        assert_eq!(r.status(), 200, "{backend}");
        app.stop().await;
    }
}

// Point 4: the client address is the one the trusted proxy saw, and it is an address.
both_backends!(the_client_address_comes_from_the_trusted_proxies);
async fn the_client_address_comes_from_the_trusted_proxies(backend: &'static str) {
    {
        let app = TestApp::spawn_configured(backend, true, one_proxy()).await;
        // The client wrote the left entry; our proxy appended the right one.
        api_login(&app, "khong.co.ai", "x", Some("203.0.113.9, 198.51.100.7")).await;
        api_login(&app, "khong.co.ai", "x", Some("<script>khong-phai-dia-chi")).await;
        let failures = audit_of(&app, "login.failure").await;
        let addresses: Vec<&str> = failures.iter().map(|e| e.client_ip.as_str()).collect();
        assert!(addresses.contains(&"198.51.100.7"), "{backend}: {addresses:?}");
        assert!(!addresses.contains(&"203.0.113.9"), "{backend}: {addresses:?}");
        assert!(
            addresses.contains(&"127.0.0.1"),
            "{backend}: garbage is ignored: {addresses:?}"
        );
        assert!(addresses.iter().all(|a| !a.contains("script")), "{backend}");

        // IPv6 addresses of one /64 are one client for the throttle.
        for i in 0..20 {
            let r = api_login(
                &app,
                &format!("khong.co.{i}"),
                "x",
                Some(&format!("2001:db8:1:2::{i:x}")),
            )
            .await;
            assert_eq!(r.status(), 401, "{backend}: attempt {i}");
        }
        let r = api_login(&app, "khong.co.nua", "x", Some("2001:db8:1:2:ffff::1")).await;
        assert_eq!(r.status(), 429, "{backend}: same /64");
        let r = api_login(&app, "khong.co.nua", "x", Some("2001:db8:1:3::1")).await;
        assert_eq!(r.status(), 401, "{backend}: another /64");
        app.stop().await;
    }
}

// Point 4: a huge login name is neither looked up nor stored.
both_backends!(huge_login_names_are_not_stored);
async fn huge_login_names_are_not_stored(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let huge = "a".repeat(20_000);
        let r = api_login(&app, &huge, "x", None).await;
        assert_eq!(r.status(), 401, "{backend}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "bad_credentials");
        let failures = audit_of(&app, "login.failure").await;
        assert_eq!(failures.len(), 1, "{backend}");
        assert!(
            failures[0].actor.len() <= 64,
            "{backend}: {} bytes",
            failures[0].actor.len()
        );
        app.stop().await;
    }
}

/// The login page's CSRF token and cookie for an anonymous browser.
async fn login_token(b: &Browser) -> String {
    b.csrf_from("/dang-nhap").await
}

// Point 5: before sign-in, only small bodies, and only quick ones.
both_backends!(anonymous_bodies_are_small);
async fn anonymous_bodies_are_small(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let b = anonymous(&app);
        let csrf = login_token(&b).await;
        // An upload-sized body on the upload route, with a valid login token: refused unread.
        let form = Form::new()
            .text("_csrf", csrf.clone())
            .part("file", Part::bytes(vec![b'x'; 5 * 1024 * 1024]).file_name("big.pdf"));
        let started = Instant::now();
        let r = b
            .client
            .post(app.url(&format!("/hoat-dong/moi?_csrf={csrf}")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{backend}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{backend}: {:?}",
            started.elapsed()
        );
        assert!(r.text().await.unwrap().contains("quá lớn"));

        // Without a declared length, the body is cut off at the anonymous limit as it arrives.
        let mut stream = connect(&app).await;
        let chunk = format!("_csrf={csrf}&username={}", "a".repeat(200 * 1024));
        let request = format!(
            "POST /dang-nhap HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Cookie: lm_csrf={csrf}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            app.running.as_ref().unwrap().addr,
            chunk.len()
        );
        let answer = raw_exchange(&mut stream, request.as_bytes(), Duration::from_secs(10))
            .await
            .expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 413"), "{backend}: {:.200}", answer);
        app.stop().await;
    }
}

// Point 5: headers and bodies that trickle are cut off.
both_backends!(slow_requests_are_cut_off);
async fn slow_requests_are_cut_off(backend: &'static str) {
    {
        let app = TestApp::spawn_configured(backend, true, env(&[("LANHMANG_REQUEST_TIMEOUT_SECS", "1")])).await;
        let host = app.running.as_ref().unwrap().addr;
        // Headers that never end.
        let mut stream = connect(&app).await;
        let answer = raw_exchange(
            &mut stream,
            format!("GET /dang-nhap HTTP/1.1\r\nHost: {host}\r\n").as_bytes(),
            Duration::from_secs(6),
        )
        .await;
        assert!(answer.is_some(), "{backend}: the connection stayed open");
        // A body that stalls.
        let mut stream = connect(&app).await;
        let started = Instant::now();
        let answer = raw_exchange(
            &mut stream,
            format!(
                "POST /dang-nhap HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: 1000\r\n\r\nusername="
            )
            .as_bytes(),
            Duration::from_secs(6),
        )
        .await
        .expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 408"), "{backend}: {answer:.200}");
        assert!(answer.contains("quá chậm"), "{backend}");
        assert!(started.elapsed() < Duration::from_secs(5), "{backend}");
        app.stop().await;
    }
}

// Point 5: requests beyond the configured number in flight get 503 at once.
both_backends!(requests_in_flight_are_bounded);
async fn requests_in_flight_are_bounded(backend: &'static str) {
    {
        let settings = env(&[
            ("LANHMANG_MAX_CONCURRENT_REQUESTS", "2"),
            ("LANHMANG_REQUEST_TIMEOUT_SECS", "20"),
        ]);
        let app = TestApp::spawn_configured(backend, true, settings).await;
        let host = app.running.as_ref().unwrap().addr;
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut stream = connect(&app).await;
            let head = format!(
                "POST /dang-nhap HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: 100\r\n\r\nusername="
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            held.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let r = app.client().get(app.url("/dang-nhap")).send().await.unwrap();
        assert_eq!(r.status(), 503, "{backend}");
        assert!(r.headers().contains_key("retry-after"));
        assert!(r.text().await.unwrap().contains("quá tải"), "{backend}");
        drop(held);
        let mut status = 0;
        for _ in 0..50 {
            status = app
                .client()
                .get(app.url("/dang-nhap"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if status == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, 200, "{backend}: served again once the others are gone");
        app.stop().await;
    }
}

fn form_tag(page: &str) -> &str {
    let start = page.find("enctype=\"multipart/form-data\"").expect("a multipart form");
    let open = page[..start].rfind("<form").unwrap();
    let end = page[open..].find("</form>").unwrap() + open;
    &page[open..end]
}

/// A published plan for the demo's schools, so that the activity form is offered.
async fn ensure_published_plan(app: &TestApp) {
    use lanhmang_domain::plan::{PlanContent, PlanHeader};
    let store = app.store();
    let school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
    let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
    let plans = store.plans_for_school(&school.ancestry).await.unwrap();
    if plans.iter().any(|p| p.school_year.start_year == 2026) {
        return;
    }
    let ctx = lanhmang_store::AuditContext::system("test");
    let plan = store
        .create_plan(
            &ctx,
            office.id,
            &PlanHeader::parse("Kế hoạch", "2026-2027", "", "").unwrap(),
            "builtin",
            &PlanContent::from_template(&lanhmang_domain::plan_template::BUILTIN),
        )
        .await
        .unwrap();
    store
        .publish_plan(&ctx, plan.id, None, &Default::default())
        .await
        .unwrap();
}

// Point 6: multipart forms carry their token as the first field, never in the address.
both_backends!(multipart_forms_carry_the_token_first);
async fn multipart_forms_carry_the_token_first(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        ensure_published_plan(&app).await;
        let office = app.signed_in("demo.office").await;
        let teacher = app.signed_in("demo.teacher").await;
        for (b, page, action) in [
            (&office, "/don-vi/nhap", "/don-vi/nhap"),
            (&office, "/giam-sat/website/nhap", "/giam-sat/website/nhap"),
            (&teacher, "/hoat-dong/moi", "/hoat-dong/moi"),
        ] {
            let (status, body) = b.text(page).await;
            assert_eq!(status, 200, "{backend}: {page}");
            let form = form_tag(&body);
            assert!(
                form.contains(&format!("action=\"{action}\"")),
                "{backend}: {page}: {form:.200}"
            );
            assert!(
                !body.contains("?_csrf="),
                "{backend}: {page}: the token is in an address"
            );
            let first_input = &form[form.find("<input").unwrap()..];
            assert!(
                first_input.starts_with("<input type=\"hidden\" name=\"_csrf\""),
                "{backend}: {page}: {first_input:.100}"
            );
        }
        let csrf = office.csrf_from("/don-vi/nhap").await;
        let csv = "ma_don_vi,ten_don_vi,loai,ma_cap_tren,cap_hoc\nTH-MOI-1,Trường Tiểu học Mới Một,truong,VHXH-ANBINH,Tiểu học\n";
        let file = || Part::bytes(csv.as_bytes().to_vec()).file_name("don-vi.csv");
        let post = |path: String, form: Form| office.client.post(app.url(&path)).multipart(form).send();
        // The page's way: the token first, nothing in the address.
        let form = Form::new()
            .text("_csrf", csrf.clone())
            .part("file", file())
            .text("dry_run", "1");
        let r = post("/don-vi/nhap".into(), form).await.unwrap();
        assert_eq!(r.status(), 200, "{backend}");
        assert!(r.text().await.unwrap().contains("1 đơn vị mới"), "{backend}");
        // The token in the address only, or after the file: refused.
        let form = Form::new().part("file", file()).text("dry_run", "1");
        let r = post(format!("/don-vi/nhap?_csrf={csrf}"), form).await.unwrap();
        assert_eq!(r.status(), 403, "{backend}");
        let form = Form::new()
            .part("file", file())
            .text("_csrf", csrf.clone())
            .text("dry_run", "1");
        let r = post("/don-vi/nhap".into(), form).await.unwrap();
        assert_eq!(r.status(), 403, "{backend}");
        // A wrong token first: refused.
        let form = Form::new().text("_csrf", "sai").part("file", file());
        assert_eq!(post("/don-vi/nhap".into(), form).await.unwrap().status(), 403);
        // The cross-site check still holds.
        let form = Form::new().text("_csrf", csrf.clone()).part("file", file());
        let r = office
            .client
            .post(app.url("/don-vi/nhap"))
            .header("origin", "https://evil.example")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{backend}");
        app.stop().await;
    }
}

// Point 7: a temporary password opens the web page that replaces it, not the API.
both_backends!(api_login_waits_for_the_password_change);
async fn api_login_waits_for_the_password_change(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let teacher = app.store().person_by_username("demo.teacher").await.unwrap().unwrap();
        let hash = lanhmang_domain::password::hash(DEMO_PASSWORD).unwrap();
        app.store()
            .set_password(
                &lanhmang_store::AuditContext::system("test"),
                teacher.id,
                &hash,
                true,
                None,
            )
            .await
            .unwrap();
        let r = api_login(&app, "demo.teacher", DEMO_PASSWORD, None).await;
        assert_eq!(r.status(), 403, "{backend}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "password_change_required", "{backend}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("đổi mật khẩu"),
            "{body}"
        );
        let doc: Value = app
            .client()
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let refused = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["403"];
        assert!(
            refused["description"]
                .as_str()
                .unwrap()
                .contains("password_change_required"),
            "{refused}"
        );
        app.stop().await;
    }
}

// Point 8: `/metrics` only for whoever holds the configured token.
both_backends!(metrics_need_the_configured_token);
async fn metrics_need_the_configured_token(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let r = app.client().get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{backend}: no token configured, no metrics");
        app.stop().await;

        let token = "scrape-me-please-0123456789";
        let app = TestApp::spawn_configured(backend, false, env(&[("LANHMANG_METRICS_TOKEN", token)])).await;
        let get = |auth: Option<String>| {
            let mut r = app.client().get(app.url("/metrics"));
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            r.send()
        };
        assert_eq!(get(None).await.unwrap().status(), 401, "{backend}");
        assert_eq!(get(Some(format!("Bearer {token}x"))).await.unwrap().status(), 401);
        assert_eq!(get(Some("Bearer ".into())).await.unwrap().status(), 401);
        let r = get(Some(format!("Bearer {token}"))).await.unwrap();
        assert_eq!(r.status(), 200, "{backend}");
        assert!(r.text().await.unwrap().contains("lanhmang_jobs{state=\"queued\"}"));
        app.stop().await;
    }
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_pair(set_cookie: &str) -> (&str, &str) {
    set_cookie.split(';').next().unwrap().split_once('=').unwrap()
}

// Point 12: under HTTPS the cookies are `__Host-` cookies, and only those are accepted.
both_backends!(https_cookies_are_host_only);
async fn https_cookies_are_host_only(backend: &'static str) {
    {
        let extra = Layer {
            public_url: Some("https://lanhmang.example.vn".into()),
            ..Default::default()
        };
        let app = TestApp::spawn_configured(backend, true, extra).await;
        // No cookie store: the client sends exactly what the test says.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = client.get(app.url("/dang-nhap")).send().await.unwrap();
        let cookies = set_cookies(&r);
        assert_eq!(cookies.len(), 1, "{backend}: {cookies:?}");
        let (name, csrf_cookie) = cookie_pair(&cookies[0]);
        assert_eq!(name, "__Host-lm_csrf", "{backend}");
        assert!(cookies[0].contains("; Path=/") && cookies[0].contains("; Secure"));
        assert!(!cookies[0].to_ascii_lowercase().contains("domain="));
        let csrf = common::extract_csrf(&r.text().await.unwrap()).unwrap();
        let r = client
            .post(app.url("/dang-nhap"))
            .header("cookie", format!("__Host-lm_csrf={csrf_cookie}"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("username", "demo.office"),
                ("password", DEMO_PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{backend}");
        let cookies = set_cookies(&r);
        let session = cookies
            .iter()
            .find(|c| c.starts_with("__Host-lm_session="))
            .unwrap_or_else(|| panic!("{backend}: {cookies:?}"));
        assert!(
            session.contains("; Path=/") && session.contains("; Secure"),
            "{session}"
        );
        assert!(!session.to_ascii_lowercase().contains("domain="));
        let (_, token) = cookie_pair(session);
        let page = |cookie: String| client.get(app.url("/tai-khoan")).header("cookie", cookie).send();
        assert_eq!(page(format!("__Host-lm_session={token}")).await.unwrap().status(), 200);
        // The same token under the plain name, which a neighbouring subdomain could set, is
        // not a session here.
        assert_eq!(
            page(format!("lm_session={token}")).await.unwrap().status(),
            303,
            "{backend}"
        );
        app.stop().await;
    }
}
