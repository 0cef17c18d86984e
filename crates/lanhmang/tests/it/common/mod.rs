//! Black-box test harness: the real server on port 0 with a fresh database, on SQLite and on
//! PostgreSQL (when `LANHMANG_TEST_POSTGRES_URL` is set; always under CI).
#![allow(dead_code)]

pub mod child;
pub mod sites;
pub mod smtp;

use lanhmang::config::{Config, Layer};
use lanhmang::server::{self, Running};
use lanhmang_store::test_support::TestDb;
pub use lanhmang_store::test_support::{backends, both_backends};
use reqwest::redirect::Policy;

pub const DEMO_PASSWORD: &str = "lanhmang-demo";

pub struct TestApp {
    pub backend: &'static str,
    pub base: String,
    pub running: Option<Running>,
    pub db: Option<TestDb>,
    pub config: Config,
    /// The server as a child process ([`TestApp::spawn_process`]), instead of `running`.
    pub process: Option<ServerProcess>,
}

/// `lanhmang serve` in a child process, with the test's own connection to its database.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub store: lanhmang_store::Store,
}

/// A process's resident memory now and at its peak (VmRSS and VmHWM), in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl TestApp {
    /// A fresh database with the demo data and a server on a free port.
    pub async fn spawn(backend: &'static str) -> TestApp {
        Self::spawn_with(backend, true).await
    }

    pub async fn spawn_with(backend: &'static str, demo: bool) -> TestApp {
        Self::spawn_configured(backend, demo, Layer::default()).await
    }

    /// With extra settings (for example `public_url`) over the test defaults.
    pub async fn spawn_configured(backend: &'static str, demo: bool, extra: Layer) -> TestApp {
        let db = TestDb::new(backend).await.expect("test database");
        let mut app = Self::spawn_on(backend, &db.url, demo, extra).await;
        app.db = Some(db);
        app
    }

    /// On a database the test made itself (on a filesystem it controls, or a server of its
    /// own), with the test databases' audit key.
    pub async fn spawn_on(backend: &'static str, url: &str, demo: bool, extra: Layer) -> TestApp {
        let flags = Layer {
            bind: Some("127.0.0.1:0".into()),
            database_url: Some(url.to_string()),
            audit_key_file: Some(lanhmang_store::test_support::shared_audit_key_file()),
            workers: Some(0),
            ..Default::default()
        };
        let config = Config::resolve(flags, extra, Layer::default()).expect("config");
        let store = server::open_store(&config).await.expect("store");
        if demo {
            lanhmang::demo::seed(&store).await.expect("demo data");
        }
        let running = server::start(&config, store).await.expect("server");
        TestApp {
            backend,
            base: format!("http://{}", running.addr),
            running: Some(running),
            db: None,
            config,
            process: None,
        }
    }

    /// A server this test does not run in-process (a child `lanhmang serve`), reached at
    /// `base`: for the helpers that take a `TestApp` (`api`, `api_token`, …). It has no store.
    pub fn remote(backend: &'static str, base: &str) -> TestApp {
        TestApp {
            backend,
            base: base.trim_end_matches('/').to_string(),
            running: None,
            db: None,
            config: Config::resolve(Layer::default(), Layer::default(), Layer::default()).expect("config"),
            process: None,
        }
    }

    /// A fresh database with the demo data, served by the `lanhmang` binary in a child process
    /// (no background workers), so that a test can measure the server's memory alone.
    pub async fn spawn_process(backend: &'static str) -> TestApp {
        let db = TestDb::new(backend).await.expect("test database");
        let flags = Layer {
            bind: Some("127.0.0.1:0".into()),
            database_url: Some(db.url.clone()),
            audit_key_file: Some(db.audit_key_file.clone()),
            workers: Some(0),
            ..Default::default()
        };
        let config = Config::resolve(flags, Layer::default(), Layer::default()).expect("config");
        let store = server::open_store(&config).await.expect("store");
        lanhmang::demo::seed(&store).await.expect("demo data");
        let mut child = binary()
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &db.url])
            .env("LANHMANG_AUDIT_KEY_FILE", &db.audit_key_file)
            .env("LANHMANG_WORKERS", "0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("lanhmang serve");
        let stdout = child.stdout.take().expect("stdout");
        let first = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let mut lines = std::io::BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok).unwrap_or_default();
            // Keep reading so the server never writes into a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            first
        })
        .await
        .expect("stdout reader");
        let addr = first
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .map(|a| a.trim_end_matches('/').to_string())
            .unwrap_or_else(|| panic!("{backend}: no address in {first:?}"));
        TestApp {
            backend,
            base: format!("http://{addr}"),
            running: None,
            db: Some(db),
            config,
            process: Some(ServerProcess { child, store }),
        }
    }

    /// The child server's memory ([`TestApp::spawn_process`]), from /proc; `None` in process
    /// or where /proc does not say.
    pub fn server_memory(&self) -> Option<Memory> {
        let pid = self.process.as_ref()?.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        };
        Some(Memory {
            rss_kib: field("VmRSS:")?,
            peak_kib: field("VmHWM:")?,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn store(&self) -> &lanhmang_store::Store {
        match (&self.running, &self.process) {
            (Some(r), _) => &r.store,
            (None, Some(p)) => &p.store,
            (None, None) => panic!("the server is stopped"),
        }
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        lanhmang_inspect::fetch::install_crypto_provider();
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    /// A client signed in through the login form.
    pub async fn signed_in(&self, username: &str) -> Browser {
        self.signed_in_with(username, DEMO_PASSWORD).await
    }

    pub async fn signed_in_with(&self, username: &str, password: &str) -> Browser {
        let browser = Browser {
            client: self.client(),
            base: self.base.clone(),
        };
        let csrf = browser.csrf_from("/dang-nhap").await;
        let r = browser
            .post_form(
                "/dang-nhap",
                &[
                    ("_csrf", csrf.as_str()),
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{}: login of {username} should redirect", self.backend);
        browser
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("clean shutdown");
        }
        if let Some(mut p) = self.process.take() {
            p.store.close().await;
            let pid = p.child.id().to_string();
            let status = tokio::task::spawn_blocking(move || {
                let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
                p.child.wait()
            })
            .await
            .expect("waiting for the server");
            assert!(status.as_ref().is_ok_and(|s| s.success()), "clean shutdown: {status:?}");
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// The CSRF token from the first form on a page.
    pub async fn csrf_from(&self, path: &str) -> String {
        let (status, body) = self.text(path).await;
        assert_eq!(status, 200, "GET {path}");
        extract_csrf(&body).unwrap_or_else(|| panic!("no _csrf on {path}"))
    }

    /// Posts a form with the CSRF token taken from `page`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf_from(page).await;
        let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_form(action, &form).await
    }

    /// Posts a multipart form (the CSRF token first, as a browser sends the form's fields in
    /// order), with `files` as parts of `file_field`.
    pub async fn submit_multipart(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        files: &[(&str, Vec<u8>)],
    ) -> reqwest::Response {
        let csrf = self.csrf_from(page).await;
        let mut form = reqwest::multipart::Form::new().text("_csrf", csrf);
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, bytes) in files {
            form = form.part(
                file_field.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
            );
        }
        self.client
            .post(format!("{}{action}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Posts a form as [`Browser::submit`] does, expects the redirect that follows a success, and
    /// returns the page it leads to (where the flash message is shown).
    pub async fn submit_and_follow(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> String {
        let r = self.submit(page, action, fields).await;
        assert!(r.status().is_redirection(), "POST {action}: {}", r.status());
        let location = r.headers()["location"].to_str().expect("location").to_string();
        let (status, body) = self.text(&location).await;
        assert_eq!(status, 200, "GET {location}");
        body
    }
}

pub fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// The `lanhmang` binary, for command-line tests. Its audit key is the test databases' key,
/// so that it starts on any of them and leaves no key in the source tree.
pub fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lanhmang"));
    cmd.env_remove("LANHMANG_DATABASE_URL")
        .env_remove("LANHMANG_DATA_DIR")
        // The crash tests' replay seed is theirs, not a setting.
        .env_remove("LANHMANG_CRASH_SEED")
        .env(
            "LANHMANG_AUDIT_KEY_FILE",
            lanhmang_store::test_support::shared_audit_key_file(),
        )
        .env("LANHMANG_LOG", "warn");
    cmd
}

/// An API token for a demo account (the demo password).
pub async fn api_token(app: &TestApp, username: &str) -> String {
    api_token_with(app, username, DEMO_PASSWORD).await
}

/// An API token for an account with its own password.
pub async fn api_token_with(app: &TestApp, username: &str, password: &str) -> String {
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "API login of {username}");
    r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// One API call with a bearer token: the status and the body (JSON, or the text as a string).
pub async fn api(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let c = app.client();
    let req = match method {
        "GET" => c.get(app.url(path)),
        "PUT" => c.put(app.url(path)),
        _ => c.post(app.url(path)),
    }
    .bearer_auth(token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The school of the principal behind `token` and the id of the latest published plan they see.
pub async fn principal_school_and_plan(app: &TestApp, token: &str) -> (i64, i64) {
    let (_, me) = api(app, token, "GET", "/api/v1/me", None).await;
    let school = me["roles"][0]["unit_id"].as_i64().expect("a principal's unit");
    let (_, plans) = api(app, token, "GET", "/api/v1/plans", None).await;
    let plan = plans["items"]
        .as_array()
        .expect("plans")
        .iter()
        .filter(|p| p["status"] == "published")
        .filter_map(|p| p["id"].as_i64())
        .max()
        .expect("a published plan");
    (school, plan)
}

/// The outbox's mails for `reason` addressed inside a school's subtree.
pub async fn mails_to_school(app: &TestApp, school: i64, reason: &str) -> Vec<lanhmang_store::outbox::OutboxEntry> {
    let filter = lanhmang_store::outbox::OutboxFilter {
        unit_ids_in_subtree_of: vec![school],
        ..Default::default()
    };
    let (mails, _) = app
        .store()
        .outbox_page(&filter, lanhmang_domain::Paging { page: 1, per_page: 500 })
        .await
        .expect("outbox");
    mails.into_iter().filter(|m| m.reason == reason).collect()
}

/// How many in-app notifications of `kind` a person has.
pub async fn notifications_of(app: &TestApp, username: &str, kind: &str) -> usize {
    let person = app
        .store()
        .person_by_username(username)
        .await
        .expect("person")
        .expect("the account exists");
    let (notices, _) = app
        .store()
        .notifications(person.id, lanhmang_domain::Paging { page: 1, per_page: 100 })
        .await
        .expect("notices");
    notices.iter().filter(|n| n.kind == kind).count()
}

/// Adds an account holding `role` at `unit_id`, with the demo password and the address
/// `<username>@demo.test`.
pub async fn add_person(app: &TestApp, unit_id: i64, username: &str, role: lanhmang_domain::Role) -> i64 {
    let store = app.store();
    let ctx = lanhmang_store::AuditContext::system("test");
    let fields = lanhmang_domain::person::PersonInput {
        username: username.into(),
        display_name: format!("Người dùng {username}"),
        email: format!("{username}@demo.test"),
        phone: String::new(),
    }
    .parse()
    .expect("a valid person");
    let hash = lanhmang_domain::password::hash(DEMO_PASSWORD).expect("hash");
    let person = store
        .create_person(&ctx, unit_id, &fields, Some(&hash), false)
        .await
        .expect("person");
    store.grant_role(&ctx, person.id, role, unit_id).await.expect("role");
    person.id
}

/// The unit with this code.
pub async fn unit_by_code(app: &TestApp, code: &str) -> lanhmang_store::Unit {
    app.store()
        .unit_by_code(code)
        .await
        .expect("units")
        .unwrap_or_else(|| panic!("no unit {code}"))
}
