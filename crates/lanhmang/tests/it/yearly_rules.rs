//! The yearly loop's rules held in one place (the application layer): the form and the API
//! agree, what a decision promises is sent, opening a page writes nothing, and a school's staff
//! read its plan. On every backend.

use crate::common;

use common::{TestApp, api, api_token, both_backends, mails_to_school, principal_school_and_plan};
use lanhmang::config::Layer;
use lanhmang_domain::Paging;
use lanhmang_store::AuditContext;
use serde_json::json;

const PUBLIC_URL: &str = "https://lanhmang.example.vn";

both_backends!(publishing_and_reviewing_tell_the_principal_by_mail_and_in_app_with_absolute_links);
async fn publishing_and_reviewing_tell_the_principal_by_mail_and_in_app_with_absolute_links(backend: &'static str) {
    {
        let extra = Layer {
            public_url: Some(PUBLIC_URL.into()),
            ..Default::default()
        };
        let app = TestApp::spawn_configured(backend, true, extra).await;
        let office = api_token(&app, "demo.office").await;
        let principal = api_token(&app, "demo.principal").await;
        let (school, current) = principal_school_and_plan(&app, &principal).await;
        let principal_id = app
            .store()
            .person_by_username("demo.principal")
            .await
            .unwrap()
            .unwrap()
            .id;

        // A new plan, published: every school's principal is told.
        let (status, plan) = api(
            &app,
            &office,
            "POST",
            "/api/v1/plans",
            Some(json!({"title": "Kế hoạch năm học 2027–2028", "school_year": "2027-2028", "number": "41/KH-VHXH"})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {plan}");
        let plan_id = plan["id"].as_i64().unwrap();
        let (status, _) = api(&app, &office, "POST", &format!("/api/v1/plans/{plan_id}/publish"), None).await;
        assert_eq!(status, 200, "{backend}");
        let published = mails_to_school(&app, school, "plan_published").await;
        assert_eq!(published.len(), 1, "{backend}: one mail to the principal");
        assert!(
            published[0].body.contains(&format!("{PUBLIC_URL}/ke-hoach/{plan_id}")),
            "{backend}: the link can be clicked: {}",
            published[0].body
        );
        let (notices, _) = app
            .store()
            .notifications(principal_id, Paging { page: 1, per_page: 50 })
            .await
            .unwrap();
        assert!(
            notices
                .iter()
                .any(|n| n.kind == "plan_published" && n.link == format!("/ke-hoach/{plan_id}")),
            "{backend}: the in-app notice"
        );

        // The school's own plan, sent and returned: the promised e-mail is queued.
        let principal_page = app.signed_in("demo.principal").await;
        let r = principal_page
            .submit(
                &format!("/ke-hoach/{current}/truong/{school}"),
                &format!("/ke-hoach/{current}/truong/{school}"),
                &[
                    ("title_0", "Tuyên truyền nội quy dùng điện thoại"),
                    ("owner_0", "Tổ chủ nhiệm"),
                    ("gui", "1"),
                ],
            )
            .await;
        assert!(
            r.status().is_redirection() || r.status() == 409,
            "{backend}: {}",
            r.status()
        );
        let office_page = app.signed_in("demo.office").await;
        let r = office_page
            .submit(
                &format!("/ke-hoach/{current}/truong/{school}"),
                &format!("/ke-hoach/{current}/truong/{school}/tra-lai"),
                &[("comment", "Ghi rõ thời gian thực hiện từng việc.")],
            )
            .await;
        if r.status().is_redirection() {
            let returned = mails_to_school(&app, school, "school_plan_returned").await;
            assert_eq!(returned.len(), 1, "{backend}: the return is mailed");
            assert!(
                returned[0].body.contains("Ghi rõ thời gian thực hiện từng việc."),
                "{backend}"
            );
            assert!(
                returned[0]
                    .body
                    .contains(&format!("{PUBLIC_URL}/ke-hoach/{current}/truong/{school}")),
                "{backend}"
            );
        } else {
            // The demo's school plan may already be accepted; the review is then refused, and
            // nothing is sent.
            assert_eq!(r.status(), 409, "{backend}");
            assert!(mails_to_school(&app, school, "school_plan_returned").await.is_empty());
        }
        app.stop().await;
    }
}

both_backends!(opening_a_report_page_writes_nothing);
async fn opening_a_report_page_writes_nothing(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = api_token(&app, "demo.office").await;
        let principal = api_token(&app, "demo.principal").await;
        let (school, _) = principal_school_and_plan(&app, &principal).await;
        let (_, plan) = api(
            &app,
            &office,
            "POST",
            "/api/v1/plans",
            Some(json!({"title": "Kế hoạch năm học 2028–2029", "school_year": "2028-2029", "number": "42/KH-VHXH"})),
        )
        .await;
        let plan_id = plan["id"].as_i64().unwrap();
        api(&app, &office, "POST", &format!("/api/v1/plans/{plan_id}/publish"), None).await;
        let page = app.signed_in("demo.principal").await;
        let audit_before = app.store().audit_page(Paging { page: 1, per_page: 1 }).await.unwrap().1;
        let (status, body) = page.text(&format!("/ke-hoach/{plan_id}/bao-cao/{school}")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(body.contains("Lưu"), "{backend}: the pre-filled form is shown");
        assert!(
            app.store().report(plan_id, school).await.unwrap().is_none(),
            "{backend}: no report was created by a GET"
        );
        assert_eq!(
            app.store().audit_page(Paging { page: 1, per_page: 1 }).await.unwrap().1,
            audit_before,
            "{backend}: nothing audited"
        );
        app.stop().await;
    }
}

both_backends!(form_and_api_apply_the_same_activity_rules);
async fn form_and_api_apply_the_same_activity_rules(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let teacher = api_token(&app, "demo.teacher").await;
        let (school, plan) = principal_school_and_plan(&app, &api_token(&app, "demo.principal").await).await;
        let activity = |links: Vec<&str>, unit: i64| {
            json!({"unit_id": unit, "plan_id": plan, "kind": "phone_rules", "date": "2026-10-05",
                   "title": "Phổ biến nội quy dùng điện thoại", "links": links})
        };
        // Four links: the form has three boxes, and the API takes no more.
        let four = vec![
            "https://a.example.vn/1",
            "https://a.example.vn/2",
            "https://a.example.vn/3",
            "https://a.example.vn/4",
        ];
        let (status, body) = api(
            &app,
            &teacher,
            "POST",
            "/api/v1/activities",
            Some(activity(four, school)),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(body.to_string().contains("tối đa 3 liên kết"), "{backend}: {body}");
        let (status, _) = api(
            &app,
            &teacher,
            "POST",
            "/api/v1/activities",
            Some(activity(vec!["https://a.example.vn/1"], school)),
        )
        .await;
        assert_eq!(status, 201, "{backend}");

        // A closed school takes no new activity, through the API as through the form.
        let store = app.store();
        let unit = store.unit(school).await.unwrap().unwrap();
        let fields = lanhmang_domain::unit::UnitInput {
            code: unit.code.clone(),
            name: unit.name.clone(),
            kind: "truong".into(),
            school_level: unit.school_level.map(|l| l.as_str().to_string()).unwrap_or_default(),
            status: "closed".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        store
            .update_unit(&AuditContext::system("test"), school, &fields)
            .await
            .unwrap();
        let (status, body) = api(
            &app,
            &teacher,
            "POST",
            "/api/v1/activities",
            Some(activity(vec![], school)),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(body.to_string().contains("đã đóng"), "{backend}: {body}");
        app.stop().await;
    }
}

both_backends!(a_teacher_reads_the_school_plan_and_cannot_change_it);
async fn a_teacher_reads_the_school_plan_and_cannot_change_it(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let (school, plan) = principal_school_and_plan(&app, &api_token(&app, "demo.principal").await).await;
        let teacher = app.signed_in("demo.teacher").await;
        let path = format!("/ke-hoach/{plan}/truong/{school}");
        let (status, body) = teacher.text(&path).await;
        assert_eq!(status, 200, "{backend}");
        assert!(!body.contains("name=\"gui\""), "{backend}: read only");
        let (status, _) = teacher.text(&format!("/ke-hoach/{plan}")).await;
        assert_eq!(status, 200, "{backend}");
        let r = teacher
            .submit(&path, &path, &[("title_0", "Sửa trộm"), ("gui", "1")])
            .await;
        assert_eq!(r.status(), 403, "{backend}");
        let parent = app.signed_in("demo.parent").await;
        let (status, _) = parent.text(&path).await;
        assert!(status == 403 || status == 404, "{backend}: {status}");
        app.stop().await;
    }
}
