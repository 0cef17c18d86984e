//! Sector news as the office and the schools use it: a press feed added through the page and
//! polled from the fixture web with ETag (the second poll is a 304 that stores nothing), folded
//! search, topics, the API's permissions and scope, and bad input, on both backends.

use crate::common;

use std::sync::Arc;

use common::{TestApp, both_backends};
use lanhmang_domain::text::fold_vi;
use lanhmang_domain::unit::UnitInput;
use lanhmang_fixture_web::{self as fixture_web, FixtureConfig, FixtureWeb};
use lanhmang_inspect::fetch::Fetcher;
use lanhmang_inspect::{InspectConfig, Inspector};
use lanhmang_store::AuditContext;
use lanhmang_store::news::NewsFilter;
use serde_json::Value;

fn fixture_config(web: &FixtureWeb) -> InspectConfig {
    InspectConfig {
        allow_private_targets: true,
        http_port: web.http_addr.port(),
        retries: 0,
        max_pages: 3,
        ..Default::default()
    }
}

/// A readable feed of the fixture web, as an inspection finds it.
async fn fixture_feed(web: &FixtureWeb) -> String {
    let inspector = Inspector::new(fixture_config(web)).unwrap();
    for site in web.manifest.iter().take(10) {
        let report = inspector.inspect(&reqwest::Url::parse(&site.url).unwrap()).await;
        if let Some(feed) = report.feeds.iter().find(|f| f.entries.len() >= 3) {
            return feed.url.clone();
        }
    }
    panic!("the fixture web serves feeds");
}

async fn token(app: &TestApp, username: &str) -> String {
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": common::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

async fn api(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let r = app
        .client()
        .get(app.url(&format!("/api/v1/news{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn feed_count(app: &TestApp, office: i64) -> i64 {
    app.store()
        .list_news_feeds(&[office], lanhmang_domain::Paging::default())
        .await
        .unwrap()
        .1
}

both_backends!(
    an_office_follows_the_press_and_schools_search_it,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn an_office_follows_the_press_and_schools_search_it(backend: &'static str) {
    let web = fixture_web::start(FixtureConfig {
        sites: 10,
        http_port: 0,
        tls_port: None,
        seed: 5,
    })
    .await
    .unwrap();
    let feed_url = fixture_feed(&web).await;
    let fetcher = Arc::new(Fetcher::new(Arc::new(fixture_config(&web))).unwrap());
    {
        let app = TestApp::spawn(backend).await;
        let store = app.running.as_ref().unwrap().store.clone();
        let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
        let department = store.unit_by_code("SGD-DEMO").await.unwrap().unwrap();
        let office_browser = app.signed_in("demo.office").await;

        // Bad input: a clear reason, a 4xx, nothing written.
        for (bad, reason) in [
            ("ftp://bao.vn/rss", "http://"),
            ("không phải địa chỉ", "không phải là địa chỉ web"),
            (
                "https://www.facebook.com/co.giao.lan",
                "không theo dõi tài khoản mạng xã hội cá nhân",
            ),
        ] {
            let r = office_browser
                .submit(
                    "/tin-tuc/nguon",
                    "/tin-tuc/nguon",
                    &[("url", bad), ("title", ""), ("don_vi", &office.id.to_string())],
                )
                .await;
            assert_eq!(r.status(), 422, "{backend}: {bad}");
            let body = r.text().await.unwrap();
            assert!(body.contains(reason), "{backend}: {bad}: {body}");
        }
        let r = office_browser
            .submit(
                "/tin-tuc/nguon",
                "/tin-tuc/nguon",
                &[
                    ("url", &feed_url),
                    ("title", ""),
                    ("don_vi", &department.id.to_string()),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            422,
            "{backend}: the department is not the office's to manage"
        );
        assert_eq!(feed_count(&app, department.id).await, 0, "{backend}: nothing written");

        // The office adds the feed; a teacher cannot.
        let r = office_browser
            .submit(
                "/tin-tuc/nguon",
                "/tin-tuc/nguon",
                &[
                    ("url", &feed_url),
                    ("title", "Báo điện tử"),
                    ("don_vi", &office.id.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(feed_count(&app, office.id).await, 1, "{backend}");
        let teacher = app.signed_in("demo.teacher").await;
        let csrf = teacher.csrf_from("/tin-tuc").await;
        let r = teacher
            .post_form("/tin-tuc/nguon", &[("_csrf", &csrf), ("url", "https://bao.vn/rss")])
            .await;
        assert_eq!(r.status(), 403, "{backend}");

        // Polling with validators: the second poll is a 304 and stores nothing new.
        let first = lanhmang_jobs::news::poll_due_feeds(&store, fetcher.clone())
            .await
            .unwrap();
        assert_eq!(first.polled, 1, "{backend}: {first:?}");
        assert!(first.new_entries >= 3, "{backend}: {first:?}");
        let (feeds, _) = store
            .list_news_feeds(&[office.id], lanhmang_domain::Paging::default())
            .await
            .unwrap();
        assert!(feeds[0].etag.is_some(), "{backend}: the ETag is kept");
        store.poll_news_feed_now(feeds[0].id).await.unwrap();
        let second = lanhmang_jobs::news::poll_due_feeds(&store, fetcher.clone())
            .await
            .unwrap();
        assert_eq!(
            (second.not_modified, second.new_entries),
            (1, 0),
            "{backend}: {second:?}"
        );
        let status = office_browser.text("/tin-tuc/nguon").await;
        assert_eq!(status.0, 200);
        assert!(status.1.contains("Không có tin mới"), "{backend}");

        // Folded search: the words of a stored title, typed without diacritics, find it.
        let all = NewsFilter {
            roots: vec![office.id],
            ..Default::default()
        };
        let (items, total) = store
            .search_news(&all, lanhmang_domain::Paging::default())
            .await
            .unwrap();
        assert_eq!(total as usize, first.new_entries, "{backend}");
        let target = items
            .iter()
            .find(|i| i.title != fold_vi(&i.title) && i.title.split_whitespace().count() >= 3)
            .expect("a title with diacritics");
        let words: Vec<&str> = target.title.split_whitespace().take(3).collect();
        let typed = fold_vi(&words.join(" "));
        let t_teacher = token(&app, "demo.teacher").await;
        let (status, body) = api(&app, &t_teacher, &format!("?q={}", urlencode(&typed))).await;
        assert_eq!(status, 200, "{backend}: {body}");
        let titles: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap())
            .collect();
        assert!(
            titles.contains(&target.title.as_str()),
            "{backend}: {typed} → {titles:?}"
        );
        let (_, upper) = api(
            &app,
            &t_teacher,
            &format!("?q={}", urlencode(&words.join(" ").to_uppercase())),
        )
        .await;
        assert_eq!(
            upper["total"], body["total"],
            "{backend}: case and diacritics do not matter"
        );
        let (status, page) = teacher.text(&format!("/tin-tuc?q={}", urlencode(&typed))).await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("rel=\"noopener noreferrer nofollow\""), "{backend}");

        // A topic the office adds filters by any of its keywords.
        let keyword = words.join(" ");
        let r = office_browser
            .submit(
                "/tin-tuc/chu-de",
                "/tin-tuc/chu-de",
                &[
                    ("owner", &office.id.to_string()),
                    ("name", "Chủ đề thử"),
                    ("keywords", &format!("{keyword}\ncụm từ không có trong tin nào")),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        // A worker rebuilds the topic's entries in the background.
        let worker = lanhmang_jobs::Worker::new(store.clone(), "test", lanhmang_jobs::JobSettings::default());
        worker.drain().await.unwrap();
        let topics = store.news_topics(&[office.id]).await.unwrap();
        let topic = topics.iter().find(|t| t.name == "Chủ đề thử").unwrap();
        let (status, by_topic) = api(&app, &t_teacher, &format!("?topic={}", topic.id)).await;
        assert_eq!(status, 200, "{backend}: {by_topic}");
        let n = by_topic["total"].as_i64().unwrap();
        assert!(n >= 1 && n <= total, "{backend}: {n}");
        let r = office_browser
            .submit(
                "/tin-tuc/chu-de",
                "/tin-tuc/chu-de",
                &[("owner", &office.id.to_string()), ("name", "Rỗng"), ("keywords", "")],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}: a topic needs keywords");
        let (status, _) = teacher.text(&format!("/tin-tuc/chu-de/{}", topic.id)).await;
        assert_eq!(status, 403, "{backend}: teachers do not edit topics");

        // API permissions and scope.
        let ctx = AuditContext::system("test");
        let other_office = store
            .create_unit(
                &ctx,
                Some(department.id),
                &UnitInput {
                    code: "VHXH-KHAC".into(),
                    name: "Phòng khác".into(),
                    kind: "office".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
            )
            .await
            .unwrap();
        let own_school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let (status, _) = api(&app, &t_teacher, &format!("?unit_id={}", own_school.id)).await;
        assert_eq!(status, 200, "{backend}");
        let (status, _) = api(&app, &t_teacher, &format!("?unit_id={}", office.id)).await;
        assert_eq!(status, 404, "{backend}: the office is above the teacher's scope");
        let t_office = token(&app, "demo.office").await;
        let (status, _) = api(&app, &t_office, &format!("?unit_id={}", other_office.id)).await;
        assert_eq!(status, 404, "{backend}: another office");
        let t_parent = token(&app, "demo.parent").await;
        let (status, _) = api(&app, &t_parent, "").await;
        assert_eq!(status, 403, "{backend}: parents do not read sector news");
        for bad in [
            "?from=31/02/2026",
            "?to=hôm-qua",
            "?unit_id=abc",
            "?site_id=-1",
            "?topic=x",
            "?sort=random",
            "?page=0",
        ] {
            let (status, body) = api(&app, &t_office, bad).await;
            assert_eq!(status, 422, "{backend}: {bad}: {body}");
            assert!(body["error"]["message"].is_string(), "{backend}: {body}");
        }
        let (status, newest) = api(&app, &t_office, "?per_page=1&page=2").await;
        assert_eq!((status, newest["page"].as_i64()), (200, Some(2)), "{backend}");
        assert_eq!(newest["items"].as_array().unwrap().len(), 1, "{backend}");

        // The other pages answer.
        for path in ["/tin-tuc", "/tin-tuc/chu-de", "/tin-tuc/nguon", "/tin-tuc/hoat-dong"] {
            let (status, body) = office_browser.text(path).await;
            assert_eq!(status, 200, "{backend}: {path}");
            assert!(body.contains("Tin tức"), "{backend}: {path}");
        }
        let parent = app.signed_in("demo.parent").await;
        assert_eq!(parent.get("/tin-tuc").await.status(), 403, "{backend}");
        app.stop().await;
    }
    web.shutdown().await;
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
