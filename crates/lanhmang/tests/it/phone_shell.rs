//! The shell on a phone and what a first sign-in finds (issue 10, points 8, 15, 16, 17, 18, 19,
//! 21): the header's menu button, every list's filters behind one button with their count, a
//! focus ring that can be seen, a school offered only its own pupil bands, evidence links typed
//! without https://, people named by their names, and a demo with work for every role.

use crate::common;

use common::{Browser, TestApp, api, api_token, both_backends};
use lanhmang_domain::Paging;
use lanhmang_domain::report::ReportStatus;
use lanhmang_store::AuditContext;
use lanhmang_store::activities::ActivityFilter;
use reqwest::multipart::Form;

/// The demo's 2026–2027 plan and the accounts' primary school.
async fn current_plan(app: &TestApp) -> (i64, i64) {
    let store = app.store();
    let school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
    let plans = store.plans_for_school(&school.ancestry).await.unwrap();
    let plan = plans.iter().find(|p| p.school_year.start_year == 2026).unwrap();
    (plan.id, school.id)
}

async fn count_activities(app: &TestApp) -> i64 {
    let department = app.store().unit_by_code("SGD-DEMO").await.unwrap().unwrap();
    app.store()
        .list_activities(
            &[department.id],
            &ActivityFilter::default(),
            Paging { page: 1, per_page: 1 },
        )
        .await
        .unwrap()
        .1
}

/// Posts the activity form (multipart, the CSRF token first, as the page sends it).
async fn post_activity(b: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = b.csrf_from("/").await;
    let mut form = Form::new().text("_csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    b.client
        .post(format!("{}/hoat-dong/moi", b.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn activity_fields<'a>(school: &'a str, plan: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![
        ("unit_id", school),
        ("plan_id", plan),
        ("kind", "talk"),
        ("held_on", "29/10/2026"),
        ("title", "Sinh hoạt dưới cờ: dùng mạng an toàn"),
        ("teachers", "3"),
    ];
    out.extend_from_slice(extra);
    out
}

both_backends!(the_header_is_a_menu_button_and_every_list_counts_its_filters);
async fn the_header_is_a_menu_button_and_every_list_counts_its_filters(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
        let (plan, _) = current_plan(&app).await;
        let b = app.signed_in("demo.office").await;

        // The header: the skip link, notifications outside the menu, the menu in a details
        // element (no script needed) holding the navigation and the sign-out.
        let (s, home) = b.text("/").await;
        assert_eq!(s, 200, "{backend}");
        let header = &home[home.find("<header").unwrap()..home.find("</header>").unwrap()];
        assert!(home.contains("<a class=\"skip\" href=\"#noi-dung\">"), "{backend}");
        assert!(
            header.contains("<details class=\"menu\">") && header.contains("<summary>Menu"),
            "{backend}: {header}"
        );
        let menu = &header[header.find("<details").unwrap()..header.find("</details>").unwrap()];
        assert!(
            menu.contains("aria-label=\"Điều hướng chính\"") && menu.contains("Đăng xuất"),
            "{backend}"
        );
        assert!(menu.contains("href=\"/hoat-dong\""), "{backend}");
        let notices = header.find("href=\"/thong-bao\"").expect("notifications in the header");
        assert!(
            notices < header.find("<details").unwrap(),
            "{backend}: notifications stay outside the menu"
        );

        // Every list with filters: one button, with how many are in use.
        let two = [
            "/don-vi?q=an&loai=school".to_string(),
            "/hoat-dong?q=mang&loai=talk".to_string(),
            "/hoat-dong/lich?q=mang&loai=talk".to_string(),
            "/tin-tuc?q=hoc&tu=2026-09-01".to_string(),
            "/giam-sat/website?q=th&trang_thai=pending".to_string(),
            format!("/giam-sat/phat-hien?tinh_trang=open&don_vi={}", office.id),
            format!("/ke-hoach/{plan}/bao-cao?trang_thai=draft&cap_hoc=primary"),
        ];
        for path in &two {
            let (s, body) = b.text(path).await;
            assert_eq!(s, 200, "{backend}: {path}");
            assert!(body.contains("<details class=\"filter-box\">"), "{backend}: {path}");
            assert!(
                body.contains("<summary>Bộ lọc (2 đang dùng)</summary>"),
                "{backend}: {path}"
            );
        }
        let one = [
            "/nguoi-dung?q=demo".to_string(),
            format!("/giam-sat?don_vi={}", office.id),
            format!("/thu-di?ke_hoach={plan}"),
        ];
        for path in &one {
            let (s, body) = b.text(path).await;
            assert_eq!(s, 200, "{backend}: {path}");
            assert!(
                body.contains("<summary>Bộ lọc (1 đang dùng)</summary>"),
                "{backend}: {path}"
            );
        }
        for path in [
            "/don-vi",
            "/nguoi-dung",
            "/hoat-dong",
            "/tin-tuc",
            "/giam-sat/website",
            "/thu-di",
        ] {
            let body = b.text(path).await.1;
            assert!(
                body.contains("<summary>Bộ lọc</summary>"),
                "{backend}: {path} with no filter"
            );
        }
        // The tab of the outbox and the month of the calendar are not filters.
        let body = b.text("/thu-di?trang_thai=sent").await.1;
        assert!(body.contains("<summary>Bộ lọc</summary>"), "{backend}");
        app.stop().await;
    }
}

/// WCAG relative luminance of "#rrggbb" or "#rgb".
fn luminance(hex: &str) -> f64 {
    let hex = hex.trim().trim_start_matches('#');
    // "#fff" is "#ffffff".
    let hex: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_string()
    };
    assert_eq!(hex.len(), 6, "a #rrggbb colour: {hex}");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The value of a custom property in the stylesheet's `:root`.
fn css_var(css: &str, name: &str) -> String {
    let key = format!("--{name}:");
    let start = css.find(&key).unwrap_or_else(|| panic!("--{name} in app.css")) + key.len();
    let end = css[start..].find(';').unwrap() + start;
    css[start..end].trim().to_string()
}

#[tokio::test]
async fn the_focus_ring_has_three_to_one_contrast_where_it_is_drawn() {
    let app = TestApp::spawn_with("sqlite", false).await;
    let css = app
        .client()
        .get(app.url("/static/app.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains(":focus-visible { outline: 3px solid var(--focus); outline-offset: 3px; }"));
    assert!(css.contains(".top :focus-visible { outline-color: var(--focus-on-brand); }"));
    let focus = css_var(&css, "focus");
    let on_brand = css_var(&css, "focus-on-brand");
    for background in ["bg", "card", "notice"] {
        let bg = css_var(&css, background);
        let ratio = contrast(&focus, &bg);
        assert!(ratio >= 3.0, "focus {focus} on {background} {bg}: {ratio:.2}");
    }
    for background in ["brand", "brand-dark"] {
        let bg = css_var(&css, background);
        let ratio = contrast(&on_brand, &bg);
        assert!(ratio >= 3.0, "header focus {on_brand} on {background} {bg}: {ratio:.2}");
    }
    // The old ring, for the record: below the minimum on the page.
    assert!(contrast("#7cc4a5", &css_var(&css, "bg")) < 3.0);
    app.stop().await;
}

both_backends!(a_primary_school_counts_only_its_own_pupil_bands);
async fn a_primary_school_counts_only_its_own_pupil_bands(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let (plan, school) = current_plan(&app).await;
        let (plan_s, school_s) = (plan.to_string(), school.to_string());
        let teacher = app.signed_in("demo.teacher").await;

        let (s, form) = teacher.text("/hoat-dong/moi").await;
        assert_eq!(s, 200, "{backend}");
        for offered in ["pupils_g1_2", "pupils_g3_5"] {
            assert!(form.contains(&format!("name=\"{offered}\"")), "{backend}: {offered}");
        }
        for not_offered in ["pupils_g6_7", "pupils_g8_9"] {
            assert!(
                !form.contains(&format!("name=\"{not_offered}\"")),
                "{backend}: {not_offered}"
            );
        }

        // The page: refused with the reason beside the field, nothing written.
        let before = count_activities(&app).await;
        let r = post_activity(&teacher, &activity_fields(&school_s, &plan_s, &[("pupils_g6_7", "30")])).await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Trường tiểu học không có học sinh lớp 6–7"),
            "{backend}: {body}"
        );
        assert!(
            body.contains("name=\"pupils_g6_7\""),
            "{backend}: the field shows with its error"
        );
        assert_eq!(count_activities(&app).await, before, "{backend}");

        // The API: the same rule.
        let token = api_token(&app, "demo.teacher").await;
        let activity = serde_json::json!({"unit_id": school, "plan_id": plan, "kind": "talk", "date": "2026-10-15",
            "title": "Nói chuyện chuyên đề", "audience": {"teachers": 2, "pupils": {"grades_6_7": 40}}});
        let (s, e) = api(&app, &token, "POST", "/api/v1/activities", Some(activity)).await;
        assert_eq!(s, 422, "{backend}: {e}");
        assert!(e.to_string().contains("lớp 6–7"), "{backend}: {e}");
        assert_eq!(count_activities(&app).await, before, "{backend}");

        // The school's own bands pass.
        let r = post_activity(&teacher, &activity_fields(&school_s, &plan_s, &[("pupils_g3_5", "30")])).await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(count_activities(&app).await, before + 1, "{backend}");
        app.stop().await;
    }
}

both_backends!(an_evidence_link_without_https_is_saved_with_it);
async fn an_evidence_link_without_https_is_saved_with_it(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let (plan, school) = current_plan(&app).await;
        let (plan_s, school_s) = (plan.to_string(), school.to_string());
        let teacher = app.signed_in("demo.teacher").await;

        // The server decides, not the browser: a plain text box that asks for a URL keyboard.
        let form = teacher.text("/hoat-dong/moi").await.1;
        assert!(
            form.contains("name=\"link\" type=\"text\" inputmode=\"url\""),
            "{backend}"
        );

        let r = post_activity(
            &teacher,
            &activity_fields(&school_s, &plan_s, &[("link", "th-anbinh.edu.vn/bai-viet/12")]),
        )
        .await;
        assert_eq!(r.status(), 303, "{backend}");
        let location = r.headers()["location"]
            .to_str()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let page = teacher.text(&location).await.1;
        assert!(
            page.contains("href=\"https://th-anbinh.edu.vn/bai-viet/12\""),
            "{backend}: {page}"
        );

        // Something that is no address is explained, and nothing is written.
        let before = count_activities(&app).await;
        let r = post_activity(
            &teacher,
            &activity_fields(&school_s, &plan_s, &[("link", "bài viết hôm qua")]),
        )
        .await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(body.contains("hãy dán địa chỉ trang"), "{backend}: {body}");
        assert_eq!(count_activities(&app).await, before, "{backend}");

        // The API reads links the same way.
        let token = api_token(&app, "demo.teacher").await;
        let activity = serde_json::json!({"unit_id": school, "plan_id": plan, "kind": "talk", "date": "2026-10-16",
            "title": "Bài viết trên website", "audience": {"teachers": 1}, "links": ["th-anbinh.edu.vn/tin/3"]});
        let (s, a) = api(&app, &token, "POST", "/api/v1/activities", Some(activity)).await;
        assert_eq!(s, 201, "{backend}: {a}");
        let page = teacher.text(&format!("/hoat-dong/{}", a["id"])).await.1;
        assert!(page.contains("href=\"https://th-anbinh.edu.vn/tin/3\""), "{backend}");
        app.stop().await;
    }
}

both_backends!(pages_name_people_by_their_names);
async fn pages_name_people_by_their_names(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let (plan_id, school) = current_plan(&app).await;

        // A demo activity of the accounts' school says who logged it.
        let (activities, _) = store
            .list_activities(
                &[school],
                &ActivityFilter {
                    plan_id: Some(plan_id),
                    ..Default::default()
                },
                Paging { page: 1, per_page: 1 },
            )
            .await
            .unwrap();
        let teacher = app.signed_in("demo.teacher").await;
        let page = teacher.text(&format!("/hoat-dong/{}", activities[0].id)).await.1;
        assert!(
            page.contains("<dt>Người ghi</dt><dd>Phạm Thị Lan (giáo viên, demo), lúc"),
            "{backend}: {page}"
        );

        // The report's history names the principal who sent it.
        let principal = store.person_by_username("demo.principal").await.unwrap().unwrap();
        let ctx = AuditContext {
            actor_id: Some(principal.id),
            actor: principal.username.clone(),
            client_ip: String::new(),
        };
        let plan = store.plan(plan_id).await.unwrap().unwrap();
        let report = store.report(plan_id, school).await.unwrap().unwrap();
        store
            .transition_report(
                &ctx,
                &plan,
                &report,
                report.version,
                lanhmang_domain::report::ReportEvent::Submit,
                "",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        let b = app.signed_in("demo.principal").await;
        let page = b.text(&format!("/ke-hoach/{plan_id}/bao-cao/{school}")).await.1;
        let history = &page[page.find("<h2>Lịch sử</h2>").expect("history")..];
        assert!(
            history.contains("Nguyễn Văn Bình (hiệu trưởng, demo)"),
            "{backend}: {history}"
        );
        assert!(!history.contains("demo.principal"), "{backend}: {history}");

        // The audit log: names first, the username beside for the administrator.
        let admin = app.signed_in("demo.admin").await;
        let log = admin.text("/nhat-ky").await.1;
        assert!(
            log.contains("Quản trị Hệ thống (demo) <span class=\"muted small\">(demo.admin)</span>"),
            "{backend}"
        );
        app.stop().await;
    }
}

both_backends!(the_demo_gives_every_role_work_on_first_sign_in);
async fn the_demo_gives_every_role_work_on_first_sign_in(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let (plan_id, school) = current_plan(&app).await;

        // The principal: this year's report is a draft to finish, not an accepted one.
        let report = store.report(plan_id, school).await.unwrap().unwrap();
        assert_eq!(report.status, ReportStatus::Draft, "{backend}");

        // The teacher: activities in the current plan, logged by the teacher.
        let teacher = store.person_by_username("demo.teacher").await.unwrap().unwrap();
        let (activities, total) = store
            .list_activities(
                &[school],
                &ActivityFilter {
                    plan_id: Some(plan_id),
                    ..Default::default()
                },
                Paging { page: 1, per_page: 100 },
            )
            .await
            .unwrap();
        assert!(total > 0, "{backend}");
        assert!(activities.iter().all(|a| a.created_by == Some(teacher.id)), "{backend}");
        // Every other demo activity has a recorder too.
        let department = store.unit_by_code("SGD-DEMO").await.unwrap().unwrap();
        let (all, _) = store
            .list_activities(
                &[department.id],
                &ActivityFilter::default(),
                Paging { page: 1, per_page: 100 },
            )
            .await
            .unwrap();
        assert!(all.iter().all(|a| a.created_by.is_some()), "{backend}");

        // The website administrator: the school's simulated site is one with problems to fix.
        let web = lanhmang_fixture_web::start(lanhmang_fixture_web::FixtureConfig {
            sites: 25,
            http_port: 0,
            tls_port: Some(0),
            seed: 2026,
        })
        .await
        .unwrap();
        lanhmang::demo::register_websites(store, &web).await.unwrap();
        assert_eq!(lanhmang::demo::accounts_school(store).await.unwrap(), Some(school));
        let sites = store.unit_sites(school).await.unwrap();
        assert_eq!(sites.len(), 1, "{backend}");
        let manifest = web
            .manifest
            .iter()
            .find(|m| {
                lanhmang_domain::supervision::normalize_site_url(&m.url)
                    .map(|(url, _)| url == sites[0].url)
                    .unwrap_or(false)
            })
            .expect("the school's site is a simulated one");
        assert!(
            manifest
                .defects
                .contains(&lanhmang_domain::finding::FindingCode::OutdatedCms),
            "{backend}: {:?}",
            manifest.defects
        );
        app.stop().await;
    }
}
