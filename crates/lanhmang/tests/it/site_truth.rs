//! A site's truthful headline (issue 10, points 2, 3, 12, 13, 14, 15): a compromised site says
//! so before any grade, on its page, the list, the overview and the API; the grade is labelled
//! for what it is and comes with its failing tests and their fixes; findings speak plainly
//! first; only the office stops monitoring, with a reason, audited; a mistyped scheme is
//! answered with the corrected address; the unit page shows the addresses supervision watches.

use crate::common;

use common::sites::{inspection_worker, private_allowed};
use common::{TestApp, api, api_token, both_backends};
use lanhmang_domain::finding::FindingCode;
use lanhmang_fixture_web::{self as fixture_web, FixtureConfig, describe_header_profile};
use serde_json::json;

/// Where `needle` first appears in `haystack`, for "this before that" checks.
fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("«{needle}» not found in:\n{haystack}"))
}

both_backends!(the_site_tells_the_truth_first);
async fn the_site_tells_the_truth_first(backend: &'static str) {
    let web = fixture_web::start(FixtureConfig {
        sites: 20,
        http_port: 0,
        tls_port: Some(0),
        seed: 11,
    })
    .await
    .unwrap();
    let hacked = web
        .manifest
        .iter()
        .find(|s| s.defects == [FindingCode::MaliciousRedirect])
        .expect("the fixture has a site redirecting to gambling")
        .url
        .clone();
    let weak = web
        .manifest
        .iter()
        .find(|s| s.defects.is_empty() && describe_header_profile(s.header_profile).contains("CSP: none"))
        .or_else(|| web.manifest.iter().find(|s| s.defects.is_empty()))
        .expect("a clean site")
        .clone();
    {
        let app = TestApp::spawn_configured(backend, true, private_allowed()).await;
        let store = app.store();
        let school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let office = api_token(&app, "demo.office").await;
        let webadmin = api_token(&app, "demo.webadmin").await;

        // A mistyped scheme: the corrected address is suggested and nothing is written.
        let (status, e) = api(
            &app,
            &office,
            "POST",
            "/api/v1/sites",
            Some(json!({"unit_id": school.id, "url": "htps//truong.edu.vn"})),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {e}");
        let message =
            e["error"]["message"].as_str().unwrap_or_default().to_string() + &e["error"]["details"].to_string();
        assert!(
            message.contains("Có phải bạn muốn nhập https://truong.edu.vn?"),
            "{backend}: {e}"
        );
        assert!(!message.contains("Không tìm thấy tên miền"), "{backend}: {e}");
        let (_, list) = api(&app, &office, "GET", "/api/v1/sites", None).await;
        assert_eq!(list["total"], 0, "{backend}: nothing written");

        let mut ids = Vec::new();
        for url in [&hacked, &weak.url] {
            let (status, site) = api(
                &app,
                &office,
                "POST",
                "/api/v1/sites",
                Some(json!({"unit_id": school.id, "url": url, "kind": "website"})),
            )
            .await;
            assert_eq!(status, 201, "{backend}: {site}");
            assert_eq!(site["state"], "not_yet_inspected", "{backend}: {site}");
            ids.push(site["id"].as_i64().unwrap());
        }
        let (hacked_id, weak_id) = (ids[0], ids[1]);
        let (status, _) = api(
            &app,
            &office,
            "POST",
            "/api/v1/inspections",
            Some(json!({"unit_id": school.id})),
        )
        .await;
        assert_eq!(status, 202, "{backend}");
        inspection_worker(&app, "w-truth", &web).drain().await.unwrap();

        // API: the state, before the grade, in the item and in the raw text.
        let raw = app
            .client()
            .get(app.url(&format!("/api/v1/sites/{hacked_id}")))
            .bearer_auth(&office)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            at(&raw, "\"state\":\"compromised\"") < at(&raw, "\"grade\""),
            "{backend}: {raw}"
        );
        let detail: serde_json::Value = serde_json::from_str(&raw).unwrap();
        let redirect = detail["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "malicious_redirect")
            .cloned()
            .unwrap_or_else(|| panic!("{backend}: {detail}"));
        assert!(
            redirect["summary"]
                .as_str()
                .unwrap()
                .starts_with("Trang chủ tự chuyển người xem sang một trang web khác"),
            "{backend}: {redirect}"
        );
        let (_, filtered) = api(&app, &office, "GET", "/api/v1/sites?state=compromised", None).await;
        assert_eq!(filtered["total"], 1, "{backend}: {filtered}");
        assert_eq!(filtered["items"][0]["id"], hacked_id, "{backend}");
        let (status, _) = api(&app, &office, "GET", "/api/v1/sites?state=hacked", None).await;
        assert_eq!(status, 400, "{backend}: an unknown state is refused");

        // Pages: the site's, the list, the overview.
        let browser = app.signed_in("demo.office").await;
        let (status, page) = browser.text(&format!("/giam-sat/website/{hacked_id}")).await;
        assert_eq!(status, 200, "{backend}");
        let state = at(&page, "Tình trạng: Bị tấn công");
        assert!(
            state < at(&page, "Cấu hình bảo mật máy chủ (HTTP headers)"),
            "{backend}"
        );
        assert!(
            !page.contains("Mức an toàn"),
            "{backend}: the grade is not called safety"
        );
        let plain = at(&page, "Trang chủ tự chuyển người xem sang một trang web khác");
        assert!(
            plain < at(&page, "Chi tiết kỹ thuật"),
            "{backend}: plain sentence first"
        );

        let (_, list) = browser.text("/giam-sat/website").await;
        let row_start = at(&list, &format!("/giam-sat/website/{hacked_id}\""));
        let row = &list[row_start..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("Bị tấn công"), "{backend}: {row}");
        assert!(
            list[..row_start].matches("<tr>").count() <= 2,
            "{backend}: the compromised site is listed first"
        );
        let (_, overview) = browser.text("/giam-sat").await;
        assert!(
            overview.contains("tinh_trang=compromised\"><span class=\"num\">1</span><span>Bị tấn công"),
            "{backend}: {overview}"
        );
        assert!(
            at(&overview, "Bị tấn công") < at(&overview, "Cấu hình bảo mật máy chủ (HTTP headers)"),
            "{backend}"
        );

        // The site administrator sees the failing header tests of a weak site with their fixes.
        let admin_browser = app.signed_in("demo.webadmin").await;
        let (_, weak_detail) = api(&app, &webadmin, "GET", &format!("/api/v1/sites/{weak_id}"), None).await;
        let (_, weak_page) = admin_browser.text(&format!("/giam-sat/website/{weak_id}")).await;
        if weak_detail["grade"] != "A+" {
            assert!(
                weak_page.contains("Cấu hình bảo mật máy chủ: các mục chưa đạt"),
                "{backend}: {}",
                weak_detail["grade"]
            );
            assert!(weak_page.contains("Cách sửa:"), "{backend}");
            assert!(weak_page.contains("/huong-dan/"), "{backend}");
        }
        if describe_header_profile(weak.header_profile).contains("CSP: none") {
            assert!(
                weak_page.contains("Chính sách nội dung (Content-Security-Policy)"),
                "{backend}"
            );
            assert!(weak_page.contains(".htaccess"), "{backend}");
        }
        assert!(
            !weak_page.contains("/theo-doi\""),
            "{backend}: no monitoring switch for the school"
        );

        // Monitoring: the school's administrator cannot switch it off, by API or page.
        let audit_count = |action: &'static str| async move {
            let (entries, _) = store
                .audit_page(lanhmang_domain::Paging { page: 1, per_page: 500 })
                .await
                .unwrap();
            entries.into_iter().filter(|e| e.action == action).collect::<Vec<_>>()
        };
        let (status, _) = api(
            &app,
            &webadmin,
            "POST",
            &format!("/api/v1/sites/{weak_id}/monitoring"),
            Some(json!({"active": false, "reason": "trường không muốn bị theo dõi"})),
        )
        .await;
        assert_eq!(status, 403, "{backend}");
        let csrf = admin_browser.csrf_from(&format!("/giam-sat/website/{weak_id}")).await;
        let r = admin_browser
            .post_form(
                &format!("/giam-sat/website/{weak_id}/theo-doi"),
                &[
                    ("_csrf", &csrf),
                    ("hanh_dong", "dung"),
                    ("ly_do", "không muốn theo dõi"),
                ],
            )
            .await;
        assert_eq!(r.status(), 403, "{backend}");
        // The schedule form no longer carries the switch: saving it leaves the site followed.
        let r = admin_browser
            .post_form(
                &format!("/giam-sat/website/{weak_id}/lich"),
                &[("_csrf", &csrf), ("full_hours", "24"), ("check_minutes", "60")],
            )
            .await;
        assert!(
            r.status().is_redirection() || r.status() == 200,
            "{backend}: {}",
            r.status()
        );
        assert!(store.site(weak_id).await.unwrap().unwrap().active, "{backend}");
        assert!(audit_count("site.monitoring_stop").await.is_empty(), "{backend}");

        // The office needs a reason.
        let (status, e) = api(
            &app,
            &office,
            "POST",
            &format!("/api/v1/sites/{weak_id}/monitoring"),
            Some(json!({"active": false, "reason": "  "})),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {e}");
        assert!(e.to_string().contains("lý do"), "{backend}: {e}");
        assert!(store.site(weak_id).await.unwrap().unwrap().active, "{backend}");
        assert!(audit_count("site.monitoring_stop").await.is_empty(), "{backend}");
        let office_csrf = browser.csrf_from(&format!("/giam-sat/website/{weak_id}")).await;
        let r = browser
            .post_form(
                &format!("/giam-sat/website/{weak_id}/theo-doi"),
                &[("_csrf", &office_csrf), ("hanh_dong", "dung"), ("ly_do", "")],
            )
            .await;
        assert_eq!(r.status(), 400, "{backend}");
        assert!(r.text().await.unwrap().contains("lý do"), "{backend}");
        assert!(store.site(weak_id).await.unwrap().unwrap().active, "{backend}");

        // With a reason: stopped, audited with the reason; the page resumes it.
        let (status, s) = api(
            &app,
            &office,
            "POST",
            &format!("/api/v1/sites/{weak_id}/monitoring"),
            Some(json!({"active": false, "reason": "Trường đã chuyển sang tên miền mới"})),
        )
        .await;
        assert_eq!((status, s["active"].as_bool()), (200, Some(false)), "{backend}: {s}");
        assert!(!store.site(weak_id).await.unwrap().unwrap().active, "{backend}");
        let stops = audit_count("site.monitoring_stop").await;
        assert_eq!(stops.len(), 1, "{backend}");
        assert!(
            stops[0].detail.contains("Trường đã chuyển sang tên miền mới"),
            "{backend}"
        );
        assert_eq!(stops[0].target, format!("site:{weak_id}"), "{backend}");
        let r = browser
            .post_form(
                &format!("/giam-sat/website/{weak_id}/theo-doi"),
                &[
                    ("_csrf", &office_csrf),
                    ("hanh_dong", "tiep-tuc"),
                    ("ly_do", "Đã xác minh lại"),
                ],
            )
            .await;
        assert!(
            r.status().is_redirection() || r.status() == 200,
            "{backend}: {}",
            r.status()
        );
        assert!(store.site(weak_id).await.unwrap().unwrap().active, "{backend}");
        assert_eq!(audit_count("site.monitoring_resume").await.len(), 1, "{backend}");

        // The unit page shows what supervision watches, with its state; the record's own
        // address is only mentioned as not watched.
        let (status, unit_page) = browser.text(&format!("/don-vi/{}", school.id)).await;
        assert_eq!(status, 200, "{backend}");
        let hacked_url = store.site(hacked_id).await.unwrap().unwrap().url;
        assert!(unit_page.contains(&hacked_url), "{backend}: {unit_page}");
        assert!(unit_page.contains("Bị tấn công"), "{backend}");
        for recorded in &school.websites {
            if !recorded.trim().is_empty() {
                assert!(unit_page.contains("chưa đăng ký giám sát"), "{backend}: {recorded}");
            }
        }
        app.stop().await;
    }
    web.shutdown().await;
}
