//! What a review tells people, said truthfully: the principal is told in the application and by
//! e-mail when there is one, the reviewer is told who was (or that no one was), the dashboard
//! names the schools no one can be told about, and exported reports name each figure's source.

use crate::common;

use common::{TestApp, api, api_token, both_backends, mails_to_school, notifications_of, principal_school_and_plan};
use lanhmang_domain::plan::SchoolPlanContent;
use lanhmang_domain::report::{ReportEvent, ReportStatus};
use lanhmang_store::AuditContext;
use lanhmang_store::plans::Plan;

/// The demo principal's school and the current year's published plan.
async fn school_and_plan(app: &TestApp, principal: &str) -> (i64, Plan) {
    let (school, plan) = principal_school_and_plan(app, principal).await;
    (school, app.store().plan(plan).await.unwrap().unwrap())
}

/// Brings a school's report to "submitted" through the store, whatever the demo left it in.
async fn submitted_report(app: &TestApp, plan: &Plan, unit: i64) {
    let store = app.store();
    let ctx = AuditContext::system("test");
    for _ in 0..4 {
        let report = match store.report(plan.id, unit).await.unwrap() {
            Some(r) => r,
            None => store
                .ensure_report(&ctx, plan.id, unit, &Default::default())
                .await
                .unwrap(),
        };
        let event = match report.status {
            ReportStatus::Submitted => return,
            ReportStatus::Accepted => ReportEvent::Reopen,
            _ => ReportEvent::Submit,
        };
        store
            .transition_report(
                &ctx,
                plan,
                &report,
                report.version,
                event,
                "Chuẩn bị kiểm thử",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
    }
    panic!("the report of unit {unit} could not be brought to submitted");
}

/// A school of the plan with no principal account (every demo school but the first).
async fn school_without_principal(app: &TestApp, plan: &Plan, principal_school: i64) -> i64 {
    for school in app.store().active_schools_under(plan.issuing_unit_id).await.unwrap() {
        if school.id == principal_school {
            continue;
        }
        let people = app.store().people_with_roles_in_unit(school.id).await.unwrap();
        if !people.iter().any(|(_, r)| *r == lanhmang_domain::Role::Principal) {
            return school.id;
        }
    }
    panic!("the demo has schools without a principal account");
}

both_backends!(a_review_says_who_was_told_and_tells_the_principal_in_app_and_by_mail);
async fn a_review_says_who_was_told_and_tells_the_principal_in_app_and_by_mail(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let principal_token = api_token(&app, "demo.principal").await;
        let (school, plan) = school_and_plan(&app, &principal_token).await;
        let principal = app.store().person_by_username("demo.principal").await.unwrap().unwrap();
        let lonely = school_without_principal(&app, &plan, school).await;
        submitted_report(&app, &plan, school).await;
        submitted_report(&app, &plan, lonely).await;
        let office = app.signed_in("demo.office").await;

        // A school with a principal: returned from the page; the principal is told in the
        // application and by e-mail, and the reviewer reads exactly that, by name.
        let (mails_before, notices_before) = (
            mails_to_school(&app, school, "report_returned").await.len(),
            notifications_of(&app, "demo.principal", "report_returned").await,
        );
        let page = format!("/ke-hoach/{}/bao-cao/{school}", plan.id);
        let shown = office
            .submit_and_follow(
                &page,
                &format!("{page}/tra-lai"),
                &[("comment", "Bổ sung minh chứng buổi nói chuyện.")],
            )
            .await;
        let told = format!("Đã báo cho {} (trên Lành Mạng", principal.display_name);
        assert!(
            shown.contains(&told),
            "{backend}: the notice names who was told: {shown}"
        );
        assert!(!shown.contains("sẽ nhận được e-mail"), "{backend}: no promise");
        assert_eq!(
            notifications_of(&app, "demo.principal", "report_returned").await,
            notices_before + 1,
            "{backend}: the in-app notice"
        );
        let by_mail = principal.email.is_some();
        assert_eq!(
            mails_to_school(&app, school, "report_returned").await.len(),
            mails_before + usize::from(by_mail),
            "{backend}: the e-mail when the principal has an address"
        );
        assert!(shown.contains(if by_mail { "qua e-mail" } else { "chưa có e-mail" }));
        // The return is listed among the principal's notices too (once, already told).
        assert_eq!(
            app.store()
                .execute_raw_for_tests("UPDATE notices SET title = title WHERE kind = 'report_returned'")
                .await
                .unwrap(),
            1,
            "{backend}"
        );
        // The history keeps who was told, after the notice is gone.
        let (_, again) = office.text(&page).await;
        assert!(again.contains(&told), "{backend}: the history says who was told");

        // A school without a principal account: the reviewer is told no one was, and nothing
        // is queued.
        let page = format!("/ke-hoach/{}/bao-cao/{lonely}", plan.id);
        let shown = office
            .submit_and_follow(
                &page,
                &format!("{page}/tra-lai"),
                &[("comment", "Thiếu phần đánh giá.")],
            )
            .await;
        assert!(
            shown.contains("Trường chưa có tài khoản hiệu trưởng: chưa ai nhận được thông báo"),
            "{backend}: {shown}"
        );
        assert!(!shown.contains("Đã báo cho"), "{backend}");
        assert_eq!(
            mails_to_school(&app, lonely, "report_returned").await.len(),
            0,
            "{backend}"
        );

        // The API answers the same sentence, from the same use case (accepting, here).
        let office_token = api_token(&app, "demo.office").await;
        submitted_report(&app, &plan, school).await;
        let (status, body) = api(
            &app,
            &office_token,
            "POST",
            &format!("/api/v1/plans/{}/reports/{school}/accept", plan.id),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert!(
            body["notified"].as_str().unwrap().starts_with(&told),
            "{backend}: {body}"
        );
        assert_eq!(notifications_of(&app, "demo.principal", "report_accepted").await, 1);
        submitted_report(&app, &plan, lonely).await;
        let (status, body) = api(
            &app,
            &office_token,
            "POST",
            &format!("/api/v1/plans/{}/reports/{lonely}/accept", plan.id),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert!(
            body["notified"]
                .as_str()
                .unwrap()
                .starts_with("Trường chưa có tài khoản hiệu trưởng"),
            "{backend}: {body}"
        );
        // A plain read of a report carries no review sentence.
        let (_, read) = api(
            &app,
            &office_token,
            "GET",
            &format!("/api/v1/plans/{}/reports/{lonely}", plan.id),
            None,
        )
        .await;
        assert!(read.get("notified").is_none(), "{backend}: {read}");

        // A school's own plan returned to a school without a principal: the same truth.
        let ctx = AuditContext::system("test");
        let store = app.store();
        let sp = store.school_plan(plan.id, lonely).await.unwrap();
        if sp
            .as_ref()
            .is_none_or(|sp| sp.status != ReportStatus::Submitted && sp.status.editable())
        {
            {
                store
                    .save_school_plan(
                        &ctx,
                        plan.id,
                        lonely,
                        sp.as_ref().map(|s| s.version),
                        &SchoolPlanContent::prefilled(&plan.content),
                        "",
                    )
                    .await
                    .unwrap();
                store
                    .review_school_plan(&ctx, plan.id, lonely, ReportEvent::Submit, "", &Default::default(), "")
                    .await
                    .unwrap();
            }
        }
        let sp = store.school_plan(plan.id, lonely).await.unwrap().unwrap();
        if sp.status == ReportStatus::Submitted {
            let page = format!("/ke-hoach/{}/truong/{lonely}", plan.id);
            let shown = office
                .submit_and_follow(
                    &page,
                    &format!("{page}/tra-lai"),
                    &[("comment", "Ghi rõ người phụ trách.")],
                )
                .await;
            assert!(
                shown.contains("Trường chưa có tài khoản hiệu trưởng: chưa ai nhận được thông báo"),
                "{backend}: {shown}"
            );
        } else {
            assert_eq!(
                sp.status,
                ReportStatus::Accepted,
                "{backend}: an accepted plan cannot be returned"
            );
        }
        app.stop().await;
    }
}

both_backends!(the_dashboard_names_schools_no_one_can_be_told_about);
async fn the_dashboard_names_schools_no_one_can_be_told_about(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let principal_token = api_token(&app, "demo.principal").await;
        let (school, plan) = school_and_plan(&app, &principal_token).await;
        let lonely = school_without_principal(&app, &plan, school).await;
        let schools = app.store().active_schools_under(plan.issuing_unit_id).await.unwrap();
        let mut without = 0;
        for s in &schools {
            let people = app.store().people_with_roles_in_unit(s.id).await.unwrap();
            if !people
                .iter()
                .any(|(p, r)| *r == lanhmang_domain::Role::Principal && !p.disabled)
            {
                without += 1;
            }
        }
        assert!(
            without > 0 && without < schools.len(),
            "{backend}: the demo has both kinds"
        );

        let dashboard = format!("/ke-hoach/{}/tong-hop", plan.id);
        let office = app.signed_in("demo.office").await;
        let (status, page) = office.text(&dashboard).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            page.contains(&format!("{without} trường chưa có tài khoản hiệu trưởng")),
            "{backend}: the count of schools without a principal ({without})"
        );
        let add = format!("/nguoi-dung/moi?unit_id={lonely}&amp;role=principal");
        assert!(page.contains(&add), "{backend}: a link to add the principal");
        let (_, school_link) = office.text(&format!("/don-vi/{school}")).await;
        assert!(!school_link.is_empty());
        assert!(
            !page.contains(&format!("/nguoi-dung/moi?unit_id={school}&amp;")),
            "{backend}: the school with a principal is not listed"
        );

        // The link preselects the school and the role; the form still decides what is allowed.
        let (status, form) = office
            .text(&format!("/nguoi-dung/moi?unit_id={lonely}&role=principal"))
            .await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            form.contains(&format!("<option value=\"{lonely}\" selected")),
            "{backend}: the school is preselected"
        );
        assert!(
            form.contains("<option value=\"principal\" selected"),
            "{backend}: the role is preselected"
        );
        // A bad preselection is ignored, not an error.
        let (status, _) = office.text("/nguoi-dung/moi?unit_id=abc&role=khong-co").await;
        assert_eq!(status, 200, "{backend}");

        // Adding the principal takes the school off the list.
        let r = office
            .submit(
                "/nguoi-dung/moi",
                "/nguoi-dung/moi",
                &[
                    ("display_name", "Lê Thị Hiệu Trưởng"),
                    ("username", "ht.moi"),
                    ("email", "ht.moi@example.vn"),
                    ("unit_id", &lonely.to_string()),
                    ("role", "principal"),
                ],
            )
            .await;
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "{backend}: {}",
            r.status()
        );
        let (_, page) = office.text(&dashboard).await;
        assert!(
            page.contains(&format!("{} trường chưa có tài khoản hiệu trưởng", without - 1)),
            "{backend}: one fewer"
        );

        // Who may not read the dashboard does not see the list either.
        let principal = app.signed_in("demo.principal").await;
        let (status, _) = principal.text(&dashboard).await;
        assert!(matches!(status, 403 | 404), "{backend}: {status}");
        app.stop().await;
    }
}

both_backends!(an_exported_report_names_the_real_source_of_each_figure);
async fn an_exported_report_names_the_real_source_of_each_figure(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let principal_token = api_token(&app, "demo.principal").await;
        let (school, plan) = school_and_plan(&app, &principal_token).await;
        // The school's report (stored, or the pre-filled draft): its figures come from the log
        // and from the school's own data (collaborators, its plan), each named as such.
        let principal = app.signed_in("demo.principal").await;
        let page = format!("/ke-hoach/{}/bao-cao/{school}", plan.id);
        let r = principal.get(&format!("{page}/tai-ve.docx")).await;
        assert_eq!(r.status(), 200, "{backend}");
        let text = crate::dashboard::docx_text(&r.bytes().await.unwrap());
        assert!(text.contains("Tính từ nhật ký hoạt động"), "{backend}: {text}");
        assert!(
            text.contains("Tính từ dữ liệu của trường trên hệ thống"),
            "{backend}: the collaborators and the school's plan come from the school's data: {text}"
        );
        assert!(
            !text.contains("Từ nhật ký hoạt động"),
            "{backend}: the old blanket label"
        );
        app.stop().await;
    }
}
