//! The plan and report pages as the office and a principal use them, on every backend: creating
//! and publishing a plan, the school's own plan, the yearly report form with its checks, review.

use crate::common;

use common::{TestApp, both_backends};

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

both_backends!(office_plans_principal_reports_office_reviews);
async fn office_plans_principal_reports_office_reviews(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let principal = app.signed_in("demo.principal").await;
        let teacher = app.signed_in("demo.teacher").await;
        let store = app.store();
        let count_plans = || async {
            let scope = lanhmang_store::plans::PlanScope {
                roots: vec![1],
                ancestors: vec![],
            };
            store
                .list_plans(&scope, lanhmang_domain::Paging::default())
                .await
                .unwrap()
                .1
        };
        let before = count_plans().await;

        // The form: bad input comes back with field errors and writes nothing.
        let (status, page) = office.text("/ke-hoach/moi").await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            page.contains("Tạo kế hoạch năm học") && page.contains("/KH-"),
            "{backend}"
        );
        let issuer = page.split("name=\"issuing_unit_id\"").nth(1).unwrap();
        let issuer = issuer
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = office
            .submit(
                "/ke-hoach/moi",
                "/ke-hoach/moi",
                &[
                    ("issuing_unit_id", &issuer),
                    ("title", "Kế hoạch thử"),
                    ("school_year", "2027"),
                    ("deadline", ""),
                    ("number", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        assert!(r.text().await.unwrap().contains("Năm học phải có dạng"));
        let r = office
            .submit(
                "/ke-hoach/moi",
                "/ke-hoach/moi",
                &[
                    ("issuing_unit_id", &issuer),
                    ("title", "Kế hoạch thử"),
                    ("school_year", "2027-2028"),
                    ("deadline", ""),
                    ("number", "05/KH-VHXH"),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            422,
            "{backend}: 05/KH-VHXH is taken this year by the demo plan (a number to correct, an input problem)"
        );
        assert_eq!(count_plans().await, before, "{backend}: nothing written");

        let r = office
            .submit(
                "/ke-hoach/moi",
                "/ke-hoach/moi",
                &[
                    ("issuing_unit_id", &issuer),
                    ("title", "Kế hoạch năm học 2027–2028"),
                    ("school_year", "2027-2028"),
                    ("deadline", "25/05/2028"),
                    ("number", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let plan_path = location(&r).split('?').next().unwrap().to_string();
        let plan_id: i64 = plan_path.rsplit('/').next().unwrap().parse().unwrap();
        // A draft is invisible to schools; published, they see it.
        assert_eq!(principal.get(&plan_path).await.status(), 404, "{backend}");
        let (_, page) = office.text(&plan_path).await;
        assert!(page.contains("Ban hành kế hoạch") && page.contains("25/05/2028"));
        let r = office
            .submit(&plan_path, &format!("{plan_path}/ban-hanh"), &[("version", "1")])
            .await;
        assert_eq!(r.status(), 303);
        let (status, page) = principal.text(&plan_path).await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("Báo cáo năm học của"), "{backend}");

        // A change after publishing needs a note and shows in the history.
        let edit = format!("{plan_path}/sua");
        let (_, form) = office.text(&edit).await;
        let version = form
            .split("name=\"version\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = office
            .submit(
                &edit,
                &edit,
                &[
                    ("version", &version),
                    ("title", "Kế hoạch năm học 2027–2028"),
                    ("school_year", "2027-2028"),
                    ("deadline", "28/05/2028"),
                    ("number", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 400, "{backend}: the note is required once published");
        let r = office
            .submit(
                &edit,
                &edit,
                &[
                    ("version", &version),
                    ("title", "Kế hoạch năm học 2027–2028"),
                    ("school_year", "2027-2028"),
                    ("deadline", "28/05/2028"),
                    ("number", ""),
                    ("note", "Lùi hạn nộp ba ngày"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        let (_, page) = principal.text(&plan_path).await;
        assert!(
            page.contains("Lùi hạn nộp ba ngày") && page.contains("28/05/2028"),
            "{backend}"
        );
        // The principals are told of the new version, and it is listed among their notices.
        assert_eq!(
            common::notifications_of(&app, "demo.principal", "plan_changed").await,
            1,
            "{backend}"
        );
        let (_, notices) = principal.text("/van-ban").await;
        assert!(
            notices.contains("điều chỉnh kế hoạch năm học 2027–2028"),
            "{backend}: {notices}"
        );
        // The same old version again is refused: nothing lost.
        let r = office
            .submit(
                &edit,
                &edit,
                &[
                    ("version", &version),
                    ("title", "Ghi đè"),
                    ("school_year", "2027-2028"),
                    ("deadline", ""),
                    ("number", ""),
                    ("note", "x"),
                ],
            )
            .await;
        assert_eq!(r.status(), 400, "{backend}");
        assert!(r.text().await.unwrap().contains("tải lại trang"));

        // The principal's school plan: pre-filled, saved, sent; the office returns it.
        let school_id = store
            .person_by_username("demo.principal")
            .await
            .unwrap()
            .unwrap()
            .unit_id;
        let sp = format!("/ke-hoach/{plan_id}/truong/{school_id}");
        let (status, page) = principal.text(&sp).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("II.1.a") && page.contains("Nhiệm vụ riêng của trường"),
            "{backend}"
        );
        let r = principal
            .submit(
                &sp,
                &sp,
                &[
                    ("version", "0"),
                    ("plan_task_0", "II.1.c"),
                    ("title_0", "Họp phụ huynh về điện thoại"),
                    ("owner_0", "Cô Lan"),
                    ("starts_on_0", "01/10/2027"),
                    ("ends_on_0", "01/09/2027"),
                ],
            )
            .await;
        assert_eq!(r.status(), 400, "{backend}: end before start");
        assert!(
            store.school_plan(plan_id, school_id).await.unwrap().is_none(),
            "{backend}: nothing written"
        );
        let r = principal
            .submit(
                &sp,
                &sp,
                &[
                    ("version", "0"),
                    ("plan_task_0", "II.1.c"),
                    ("title_0", "Họp phụ huynh về điện thoại"),
                    ("owner_0", "Cô Lan"),
                    ("starts_on_0", "01/10/2027"),
                    ("ends_on_0", "31/10/2027"),
                    ("gui", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(
            store.school_plan(plan_id, school_id).await.unwrap().unwrap().status,
            lanhmang_domain::report::ReportStatus::Submitted
        );
        assert_eq!(
            teacher
                .submit(&plan_path, &format!("{sp}/tra-lai"), &[("comment", "x")])
                .await
                .status(),
            403
        );
        let r = office
            .submit(&sp, &format!("{sp}/tra-lai"), &[("comment", "Ghi rõ thời gian")])
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = principal.text(&sp).await;
        assert!(page.contains("Ghi rõ thời gian"), "{backend}");
        // The return is also listed among the principal's notices, unnumbered, linking the plan.
        let (_, notices) = principal.text("/van-ban?chua_doc=1").await;
        assert!(
            notices.contains("Kế hoạch năm học") && notices.contains("cần bổ sung"),
            "{backend}: {notices}"
        );
        // Both plans print in the form of Decree 30, with their tasks.
        let r = principal.get(&format!("{sp}/ke-hoach.pdf")).await;
        assert_eq!(r.status(), 200, "{backend}");
        let text = crate::dashboard::pdf_text(&r.bytes().await.unwrap());
        assert!(
            text.contains("Họp phụ huynh về điện thoại") && text.contains("Cô Lan"),
            "{backend}: {text}"
        );
        let r = office.get(&format!("/ke-hoach/{plan_id}/ke-hoach.docx")).await;
        assert_eq!(r.status(), 200, "{backend}");
        let text = crate::dashboard::docx_text(&r.bytes().await.unwrap());
        assert!(
            text.contains("KẾ HOẠCH") && text.contains("Chỉ tiêu các trường báo cáo"),
            "{backend}: {text}"
        );
        assert_eq!(
            teacher.get(&format!("{sp}/ke-hoach.pdf")).await.status(),
            200,
            "{backend}: the school's staff read its plan"
        );

        // The report form: pre-filled draft; an override without a reason is refused.
        let rp = format!("/ke-hoach/{plan_id}/bao-cao/{school_id}");
        let (status, page) = principal.text(&rp).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            page.contains("Lưu và gửi Phòng") && page.contains("Tính từ nhật ký hoạt động"),
            "{backend}"
        );
        // Opening the form writes nothing; the first save creates the report at version 1.
        assert!(store.report(plan_id, school_id).await.unwrap().is_none(), "{backend}");
        let v = "1".to_string();
        let r = principal
            .submit(
                &rp,
                &rp,
                &[("version", &v), ("v:s1_4_talks", "7"), ("results", "Tổ chức tốt")],
            )
            .await;
        assert_eq!(r.status(), 400, "{backend}");
        assert!(r.text().await.unwrap().contains("cần ghi lý do"));
        assert!(
            store.report(plan_id, school_id).await.unwrap().is_none(),
            "{backend}: nothing written, not even the report"
        );
        // Saving and sending with required values missing: saved, not sent, every problem listed.
        let r = principal
            .submit(&rp, &rp, &[("version", &v), ("results", "Tổ chức tốt"), ("gui", "1")])
            .await;
        assert_eq!(r.status(), 422, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("chưa gửi được") && body.contains("Chưa nhập"),
            "{backend}"
        );
        let saved = store.report(plan_id, school_id).await.unwrap().unwrap();
        assert_eq!(
            (saved.status, saved.narrative.results.as_str()),
            (lanhmang_domain::report::ReportStatus::Draft, "Tổ chức tốt")
        );
        // A teacher may not write it.
        assert_eq!(teacher.submit(&plan_path, &rp, &[("version", "1")]).await.status(), 403);
        // Fill every indicator and send.
        let plan = store.plan(plan_id).await.unwrap().unwrap();
        let mut fields: Vec<(String, String)> = vec![
            ("version".into(), saved.version.to_string()),
            ("results".into(), "Tổ chức tốt".into()),
            ("gui".into(), "1".into()),
        ];
        for def in plan.content.indicators() {
            let value = match def.kind {
                lanhmang_domain::plan_template::IndicatorKind::YesNo => {
                    match saved.values.get(&def.code).and_then(|v| v.computed) {
                        Some(0.0) => "khong".to_string(),
                        _ => "co".to_string(),
                    }
                }
                lanhmang_domain::plan_template::IndicatorKind::Text => "Đề nghị thêm tài liệu".to_string(),
                lanhmang_domain::plan_template::IndicatorKind::Number => {
                    match saved.values.get(&def.code).and_then(|v| v.computed) {
                        Some(c) => format!("{c}"),
                        None => "1".into(),
                    }
                }
            };
            fields.push((format!("v:{}", def.code), value));
        }
        let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = principal.submit(&rp, &rp, &refs).await;
        assert_eq!(
            r.status(),
            303,
            "{backend}: {}",
            r.text()
                .await
                .unwrap_or_default()
                .chars()
                .take(3000)
                .collect::<String>()
        );
        assert_eq!(
            store.report(plan_id, school_id).await.unwrap().unwrap().status,
            lanhmang_domain::report::ReportStatus::Submitted
        );
        // The office sees it in the list at once, accepts it, and the principal can no longer edit.
        let (_, list) = office
            .text(&format!("/ke-hoach/{plan_id}/bao-cao?trang_thai=submitted"))
            .await;
        assert!(
            list.contains(&format!("/ke-hoach/{plan_id}/bao-cao/{school_id}")),
            "{backend}"
        );
        let r = office.submit(&rp, &format!("{rp}/duyet"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, page) = principal.text(&rp).await;
        assert!(
            !page.contains("Lưu và gửi Phòng") && page.contains("Đã duyệt"),
            "{backend}"
        );
        let r = principal.submit(&rp, &rp, &refs).await;
        assert_eq!(r.status(), 409, "{backend}: an accepted report is locked");
        app.stop().await;
    }
}
