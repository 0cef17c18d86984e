//! Clean news (issue 10, points 9, 10, 11, 20 and 3): one story listed once however many feeds
//! bring it, a typed query answered best first ("hoc bong" lists the scholarship above football
//! news) with the count and the matched words marked, cards that say which is the source and
//! which the unit, twenty light cards a page, and one posts-per-month figure on the yearly report
//! and on the activity page. On both backends.

use crate::common;

use common::{TestApp, api, api_token, both_backends};
use lanhmang_app::news::PostsPerMonth;
use lanhmang_domain::news::months_between;
use lanhmang_domain::report::vietnam_date;
use lanhmang_domain::supervision::{SiteKind, StandardRules};
use lanhmang_store::AuditContext;
use lanhmang_store::news::{NewEntry, PollOutcome};
use lanhmang_store::sites::{NewSite, Registered};
use time::Duration;

const SCHOLARSHIP: &str = "Trao 40 suất học bổng cho học sinh vượt khó";
const FOOTBALL: &str = "Học sinh khối 5 giao lưu bóng đá với trường bạn";

fn fetched(entries: Vec<NewEntry>) -> PollOutcome {
    PollOutcome::Fetched {
        etag: None,
        last_modified: None,
        title: "Tin tức nhà trường".into(),
        entries,
    }
}

/// A story as a school's CMS publishes it: a title, a summary of a few sentences, minutes ago
/// (so that it falls in the school year so far whatever the day).
fn story(title: &str, url: &str, minutes_ago: i64) -> NewEntry {
    NewEntry {
        title: title.into(),
        url: Some(url.into()),
        summary: format!(
            "{title}. Sáng nay, nhà trường đã tổ chức chương trình với sự tham gia của đông đảo cán bộ, giáo viên, \
             học sinh và đại diện cha mẹ học sinh. Ban giám hiệu phát biểu, nhấn mạnh ý nghĩa của hoạt động đối với \
             việc giáo dục kỹ năng sống và ý thức trách nhiệm cho các em trong năm học mới."
        ),
        published_at: Some(lanhmang_store::now() - Duration::minutes(minutes_ago)),
    }
}

/// The value shown after `marker` and before the next `"` or `<`, from `at` on.
fn value_after<'a>(page: &'a str, marker: &str) -> Option<&'a str> {
    let start = page.find(marker)? + marker.len();
    let rest = &page[start..];
    let end = rest.find(['"', '<']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

both_backends!(
    news_lists_each_story_once_best_first_and_light,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn news_lists_each_story_once_best_first_and_light(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let store = app.store();
    let ctx = AuditContext::system("test");
    let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();

    // The current year's plan and a school whose report is not started: its report page shows
    // the pre-filled figures.
    let (_, plans) = api(
        &app,
        &api_token(&app, "demo.office").await,
        "GET",
        "/api/v1/plans",
        None,
    )
    .await;
    let plan_id = plans["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "published")
        .map(|p| p["id"].as_i64().unwrap())
        .max()
        .unwrap();
    let (units, _) = store
        .list_units(
            &[office.id],
            &Default::default(),
            lanhmang_domain::Paging { page: 1, per_page: 500 },
        )
        .await
        .unwrap();
    let mut school = None;
    for u in units
        .iter()
        .filter(|u| u.kind == lanhmang_domain::UnitKind::School && u.status == lanhmang_domain::UnitStatus::Active)
    {
        if store.report(plan_id, u.id).await.unwrap().is_none() {
            school = Some(u.clone());
            break;
        }
    }
    let school = school.expect("the demo leaves some reports not started");

    // The school's website with two feeds (RSS and Atom) carrying the same stories.
    let site = match store
        .add_site(
            &ctx,
            &NewSite {
                unit_id: school.id,
                url: "https://tin-sach.example.edu.vn/".into(),
                host: "tin-sach.example.edu.vn".into(),
                kind: SiteKind::Website,
                name: format!("Website {}", school.name),
            },
            &StandardRules::default(),
        )
        .await
        .unwrap()
    {
        Registered::Added(s) => s,
        Registered::Duplicate(_) => panic!("{backend}: a new site"),
    };
    let feeds = vec![
        "https://tin-sach.example.edu.vn/rss".to_string(),
        "https://tin-sach.example.edu.vn/atom".to_string(),
    ];
    assert_eq!(store.discover_site_feeds(site.id, &feeds).await.unwrap(), 2);
    let (found, _) = store
        .list_news_feeds(&[school.id], lanhmang_domain::Paging::default())
        .await
        .unwrap();
    let rss = found.iter().find(|f| f.url.ends_with("/rss")).unwrap().id;
    let atom = found.iter().find(|f| f.url.ends_with("/atom")).unwrap().id;
    let base = "https://tin-sach.example.edu.vn/tin";
    let mut entries = vec![
        story(SCHOLARSHIP, &format!("{base}/hoc-bong"), 300),
        story(FOOTBALL, &format!("{base}/bong-da"), 10),
        story("Quỹ <khuyến học> & học bổng của phường", &format!("{base}/quy"), 200),
    ];
    for i in 0..23 {
        entries.push(story(
            &format!("Hoạt động ngoại khóa số {i} về an toàn trên mạng"),
            &format!("{base}/hoat-dong-{i}"),
            20 + i,
        ));
    }
    let stored = entries.len() as i64;
    assert_eq!(
        store.record_news_poll(rss, &fetched(entries.clone())).await.unwrap() as i64,
        stored,
        "{backend}"
    );
    // The Atom feed brings the same stories, with other links to them.
    let copies: Vec<NewEntry> = entries
        .iter()
        .map(|e| NewEntry {
            url: e
                .url
                .as_ref()
                .map(|u| format!("{}/?utm_source=atom#noi-dung", u.replace("https://", "http://"))),
            ..e.clone()
        })
        .collect();
    assert_eq!(
        store.record_news_poll(atom, &fetched(copies)).await.unwrap(),
        0,
        "{backend}"
    );

    let office_browser = app.signed_in("demo.office").await;

    // Point 9 and 20: each story once; twenty cards a page, under 50 KB.
    let response = office_browser.get("/tin-tuc").await;
    assert_eq!(response.status(), 200, "{backend}");
    let bytes = response.bytes().await.unwrap();
    let page = String::from_utf8(bytes.to_vec()).unwrap();
    assert_eq!(page.matches("<article class=\"card\">").count(), 20, "{backend}");
    assert!(page.contains(&format!("{stored} tin")), "{backend}");
    assert!(page.contains("Trang 1 / 2"), "{backend}");
    assert!(bytes.len() < 50_000, "{backend}: /tin-tuc weighs {} bytes", bytes.len());
    let (_, second) = office_browser.text("/tin-tuc?page=2").await;
    let cards = second.matches("<article class=\"card\">").count();
    assert_eq!(cards as i64, stored - 20, "{backend}");
    let all = format!("{page}{second}");
    assert_eq!(
        all.matches(&format!("href=\"{base}/hoc-bong\"")).count(),
        1,
        "{backend}: one story, one card"
    );

    // Point 11: the source and the unit are labelled.
    assert!(
        page.contains(&format!("Nguồn: Tin tức nhà trường · Đơn vị: {}", school.name)),
        "{backend}"
    );

    // Point 10: best first by default, the count, the matched words marked and escaped.
    let (status, found) = office_browser.text("/tin-tuc?q=hoc+bong").await;
    assert_eq!(status, 200, "{backend}");
    assert!(found.contains("Tìm thấy 3 tin"), "{backend}");
    let scholarship = found
        .find("Trao 40 suất <mark>học bổng</mark>")
        .expect("the phrase is marked");
    let football = found
        .find("giao lưu <mark>bóng</mark> đá")
        .expect("the words are marked");
    assert!(scholarship < football, "{backend}: the scholarship comes first");
    assert!(
        found.contains("Quỹ &lt;khuyến <mark>học</mark>&gt; &amp; <mark>học bổng</mark>"),
        "{backend}: the title is escaped around the marks"
    );
    assert!(!found.contains("<khuyến"), "{backend}");
    let (_, newest) = office_browser.text("/tin-tuc?q=hoc+bong&sap_xep=moi-nhat").await;
    assert!(
        newest.find("giao lưu <mark>bóng</mark> đá").unwrap() < newest.find("Trao 40 suất").unwrap(),
        "{backend}: newest first when asked"
    );
    let token = api_token(&app, "demo.office").await;
    let (status, body) = api(&app, &token, "GET", "/api/v1/news?q=hoc%20bong", None).await;
    assert_eq!(status, 200, "{backend}");
    assert_eq!(body["total"], 3, "{backend}");
    // Both scholarship stories (the phrase in their titles) before the football news.
    assert_eq!(body["items"][2]["title"], FOOTBALL, "{backend}: the API agrees: {body}");
    // A topic page marks the topic's keywords.
    let topics = store.news_topics(&[office.id]).await.unwrap();
    let safety = topics.iter().find(|t| t.name == "An toàn trên mạng").unwrap();
    let (_, by_topic) = office_browser.text(&format!("/tin-tuc?chu_de={}", safety.id)).await;
    assert!(by_topic.contains("<mark>an toàn trên mạng</mark>"), "{backend}");

    // Point 3: the same posts per month on the report and on the activity page.
    let today = vietnam_date(lanhmang_store::now());
    let (from, to) = PostsPerMonth::window(PostsPerMonth::current_year(today), today).unwrap();
    let expected = PostsPerMonth {
        posts: stored,
        months: months_between(from, to),
    }
    .text();
    let (status, activity) = office_browser.text("/tin-tuc/hoat-dong").await;
    assert_eq!(status, 200, "{backend}");
    let row = &activity[activity
        .find(&format!("<td>{}</td>", school.name))
        .expect("the school's row")..];
    let on_activity = value_after(row, "data-label=\"Tin/tháng\" class=\"num\">").unwrap();
    // The yearly report's pre-fill for the same school (what its form starts from).
    let plan = store.plan(plan_id).await.unwrap().unwrap();
    let computed = lanhmang_app::reports::computed(store, &plan, &school).await.unwrap();
    let on_report = lanhmang_domain::report::format_number(computed["s4_2_posts_per_month"].0);
    assert_eq!(on_report, on_activity, "{backend}: one figure, one definition");
    assert_eq!(on_activity, expected, "{backend}");
    app.stop().await;
}
