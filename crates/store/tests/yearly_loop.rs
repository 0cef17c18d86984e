//! The yearly loop's storage, told as one story on every backend: a plan is created, numbered,
//! published and changed; schools log activities, write and submit reports; the office returns,
//! accepts and reopens them; the dashboard follows every step.

use std::collections::BTreeMap;

use lanhmang_domain::activity::{ActivityInput, EvidenceType};
use lanhmang_domain::plan::{PlanContent, PlanHeader, SchoolPlanContent};
use lanhmang_domain::plan_template::BUILTIN;
use lanhmang_domain::report::{IndicatorValue, ReportEvent, ReportStatus, Value};
use lanhmang_domain::unit::UnitInput;
use lanhmang_domain::{Paging, UnitStatus};
use lanhmang_store::activities::{ActivityFilter, NewEvidence};
use lanhmang_store::plans::PlanScope;
use lanhmang_store::reports::{Narrative, ReportFilter};
use lanhmang_store::test_support::{TestDb, both_backends};
use lanhmang_store::{AuditContext, StoreError};

fn unit(code: &str, kind: &str, level: &str, status: &str) -> lanhmang_domain::unit::UnitFields {
    UnitInput {
        code: code.into(),
        name: format!("Đơn vị {code}"),
        kind: kind.into(),
        school_level: level.into(),
        status: status.into(),
        ..Default::default()
    }
    .parse()
    .unwrap()
}

both_backends!(the_yearly_loop_on_every_backend);
async fn the_yearly_loop_on_every_backend(backend: &'static str) {
    {
        let (db, store) = TestDb::store(backend).await.unwrap();
        let ctx = AuditContext::system("test");
        let dept = store.create_unit(&ctx, None, &unit("SGD", "so", "", "")).await.unwrap();
        let office = store
            .create_unit(&ctx, Some(dept.id), &unit("PGD", "phong", "", ""))
            .await
            .unwrap();
        let other_office = store
            .create_unit(&ctx, Some(dept.id), &unit("PGD2", "phong", "", ""))
            .await
            .unwrap();
        let a = store
            .create_unit(&ctx, Some(office.id), &unit("A", "truong", "th", ""))
            .await
            .unwrap();
        let b = store
            .create_unit(&ctx, Some(office.id), &unit("B", "truong", "thcs", ""))
            .await
            .unwrap();
        let closed = store
            .create_unit(&ctx, Some(office.id), &unit("C", "truong", "th", "closed"))
            .await
            .unwrap();
        let far = store
            .create_unit(&ctx, Some(other_office.id), &unit("D", "truong", "th", ""))
            .await
            .unwrap();
        assert_eq!(closed.status, UnitStatus::Closed);

        // A plan, numbered 05/KH-PGDĐT; the same number again in the same year is refused.
        let content = PlanContent::from_template(&BUILTIN);
        let header = PlanHeader::parse("Kế hoạch 2026–2027", "2026-2027", "", "05/KH-PGDĐT").unwrap();
        let plan = store
            .create_plan(&ctx, office.id, &header, "builtin", &content)
            .await
            .unwrap();
        assert_eq!(store.next_plan_number(office.id).await.unwrap(), 6, "{backend}");
        let again = store.create_plan(&ctx, office.id, &header, "builtin", &content).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("05/KH-PGDĐT")),
            "{backend}"
        );
        // Another office may use the same number.
        store
            .create_plan(&ctx, other_office.id, &header, "builtin", &content)
            .await
            .unwrap();

        // Schools do not see a draft; they see it once published.
        assert!(
            store.plans_for_school(&a.ancestry).await.unwrap().is_empty(),
            "{backend}"
        );
        let plan = store
            .publish_plan(&ctx, plan.id, Some(plan.version), &Default::default())
            .await
            .unwrap();
        assert_eq!(store.plans_for_school(&a.ancestry).await.unwrap().len(), 1, "{backend}");
        assert!(
            store.plans_for_school(&far.ancestry).await.unwrap().is_empty(),
            "{backend}"
        );
        let office_scope = PlanScope {
            roots: vec![office.id],
            ancestors: vec![],
        };
        assert_eq!(store.list_plans(&office_scope, Paging::default()).await.unwrap().1, 1);
        let dept_scope = PlanScope {
            roots: vec![dept.id],
            ancestors: vec![],
        };
        assert_eq!(store.list_plans(&dept_scope, Paging::default()).await.unwrap().1, 2);

        // A change after publishing needs a note, is versioned, and a stale edit is refused.
        let changed =
            PlanHeader::parse("Kế hoạch 2026–2027 (sửa đổi)", "2026-2027", "2027-05-25", "05/KH-PGDĐT").unwrap();
        assert!(
            store
                .update_plan(&ctx, plan.id, plan.version, &changed, &content, "", &Default::default())
                .await
                .is_err()
        );
        let plan2 = store
            .update_plan(
                &ctx,
                plan.id,
                plan.version,
                &changed,
                &content,
                "Lùi hạn nộp lên 25/5",
                &Default::default(),
            )
            .await
            .unwrap();
        assert_eq!(plan2.version, plan.version + 1);
        let stale = store
            .update_plan(
                &ctx,
                plan.id,
                plan.version,
                &changed,
                &content,
                "x",
                &Default::default(),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(ref m)) if m.contains("tải lại")),
            "{backend}"
        );
        let versions = store.plan_versions(plan.id).await.unwrap();
        assert_eq!(versions.len(), 2, "{backend}");
        assert_eq!(versions[0].change_note, "Lùi hạn nộp lên 25/5");
        let plan = plan2;

        // A school's own plan: saved, submitted, returned, resubmitted, accepted; locked after.
        let sp = SchoolPlanContent::prefilled(&plan.content);
        let saved = store
            .save_school_plan(&ctx, plan.id, a.id, None, &sp, "")
            .await
            .unwrap();
        assert_eq!(saved.status, ReportStatus::Draft);
        store
            .review_school_plan(&ctx, plan.id, a.id, ReportEvent::Submit, "", &Default::default(), "")
            .await
            .unwrap();
        assert!(
            store
                .save_school_plan(&ctx, plan.id, a.id, None, &sp, "")
                .await
                .is_err()
        );
        assert!(
            store
                .review_school_plan(&ctx, plan.id, a.id, ReportEvent::Return, "", &Default::default(), "")
                .await
                .is_err()
        );
        store
            .review_school_plan(
                &ctx,
                plan.id,
                a.id,
                ReportEvent::Return,
                "Thêm người phụ trách",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        let sp_saved = store
            .save_school_plan(&ctx, plan.id, a.id, None, &sp, "Đã bổ sung")
            .await
            .unwrap();
        assert_eq!(sp_saved.status, ReportStatus::Returned);
        store
            .review_school_plan(&ctx, plan.id, a.id, ReportEvent::Submit, "", &Default::default(), "")
            .await
            .unwrap();
        let accepted = store
            .review_school_plan(&ctx, plan.id, a.id, ReportEvent::Accept, "", &Default::default(), "")
            .await
            .unwrap();
        assert_eq!(accepted.status, ReportStatus::Accepted);
        let (overview, total) = store
            .school_plans_overview(&plan, &[office.id], Paging::default())
            .await
            .unwrap();
        assert_eq!(total, 2, "{backend}: the closed school without a plan is not expected");
        assert_eq!(overview[0].status, Some(ReportStatus::Accepted));

        // Activities with evidence; list, filter, facts.
        let input = ActivityInput {
            kind: "talk".into(),
            tasks: vec![],
            held_on: "15/10/2026".into(),
            title: "Nói chuyện chuyên đề an toàn trên mạng".into(),
            audience: [
                "3".into(),
                "1".into(),
                "".into(),
                "150".into(),
                "".into(),
                "".into(),
                "".into(),
                "20".into(),
            ],
            partner: String::new(),
            description: String::new(),
        };
        let fields = input.parse(&plan.content, plan.school_year).unwrap();
        let evidence = vec![
            NewEvidence::File {
                name: "bien-ban.pdf".into(),
                kind: EvidenceType::Pdf,
                bytes: b"%PDF-1.4 test".to_vec(),
            },
            NewEvidence::Link("https://a.edu.vn/tin/1".into()),
        ];
        let act = store
            .create_activity(&ctx, a.id, plan.id, &fields, &evidence)
            .await
            .unwrap();
        assert_eq!(act.evidence_count, 2);
        store.create_activity(&ctx, a.id, plan.id, &fields, &[]).await.unwrap();
        store.create_activity(&ctx, b.id, plan.id, &fields, &[]).await.unwrap();
        let files = store.evidence_of(act.id).await.unwrap();
        // An edit removes only this activity's evidence, with its audit entry, in one go.
        let edited = store
            .update_activity(&ctx, act.id, &fields, &[], &[files[1].id, 999_999])
            .await
            .unwrap();
        assert_eq!(edited.evidence_count, 1, "{backend}");
        let audit = store.audit_page(Paging::default()).await.unwrap().0;
        assert!(audit.iter().any(|e| e.action == "activity.update"), "{backend}");
        let (meta, bytes) = store.evidence_file(files[0].id).await.unwrap().unwrap();
        assert_eq!(
            (meta.content_type.as_str(), bytes.as_slice()),
            ("application/pdf", &b"%PDF-1.4 test"[..])
        );
        let (_, n) = store
            .list_activities(
                &[office.id],
                &ActivityFilter {
                    query: Some("an toan".into()),
                    ..Default::default()
                },
                Paging::default(),
            )
            .await
            .unwrap();
        assert_eq!(n, 3, "{backend}: diacritic-insensitive title search");
        let (_, n) = store
            .list_activities(&[a.id], &ActivityFilter::default(), Paging::default())
            .await
            .unwrap();
        assert_eq!(n, 2);
        let (_, n) = store
            .list_activities(&[far.id], &ActivityFilter::default(), Paging::default())
            .await
            .unwrap();
        assert_eq!(n, 0);
        let facts = store.activity_facts(plan.id, a.id).await.unwrap();
        assert_eq!(facts.len(), 2);

        // The report: created pre-filled, saved, stale save refused, submitted, returned,
        // resubmitted, accepted and locked, reopened with a reason.
        let computed = lanhmang_domain::report::compute_from_activities(&plan.content, &facts);
        let prefill: BTreeMap<String, IndicatorValue> = computed
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    IndicatorValue {
                        value: Some(Value::Number(*v)),
                        computed: Some(*v),
                        override_reason: String::new(),
                    },
                )
            })
            .collect();
        let report = store.ensure_report(&ctx, plan.id, a.id, &prefill).await.unwrap();
        assert_eq!(report.status, ReportStatus::Draft);
        assert_eq!(report.values["s1_4_talks"].value, Some(Value::Number(2.0)), "{backend}");
        let again = store
            .ensure_report(&ctx, plan.id, a.id, &BTreeMap::new())
            .await
            .unwrap();
        assert_eq!(again.id, report.id);
        let narrative = Narrative {
            results: "Tổ chức 2 buổi nói chuyện".into(),
            ..Default::default()
        };
        let saved = store
            .save_report(&ctx, &report, report.version, &narrative, &prefill)
            .await
            .unwrap();
        let lost = store
            .save_report(&ctx, &report, report.version, &narrative, &prefill)
            .await;
        assert!(
            matches!(lost, Err(StoreError::Conflict(ref m)) if m.contains("tải lại")),
            "{backend}"
        );
        let submitted = store
            .transition_report(
                &ctx,
                &plan,
                &saved,
                saved.version,
                ReportEvent::Submit,
                "",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        assert_eq!(
            (submitted.status, submitted.late),
            (ReportStatus::Submitted, Some(false))
        );
        let blocked = store
            .save_report(&ctx, &submitted, submitted.version, &narrative, &prefill)
            .await;
        assert!(blocked.is_err());
        let returned = store
            .transition_report(
                &ctx,
                &plan,
                &submitted,
                submitted.version,
                ReportEvent::Return,
                "Bổ sung minh chứng",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        assert_eq!(returned.review_comment, "Bổ sung minh chứng");
        let resubmitted = store
            .transition_report(
                &ctx,
                &plan,
                &returned,
                returned.version,
                ReportEvent::Submit,
                "",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        assert_eq!(resubmitted.first_submitted_at, submitted.first_submitted_at);
        let accepted = store
            .transition_report(
                &ctx,
                &plan,
                &resubmitted,
                resubmitted.version,
                ReportEvent::Accept,
                "",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        assert!(
            store
                .save_report(&ctx, &accepted, accepted.version, &narrative, &prefill)
                .await
                .is_err()
        );
        assert!(
            store
                .transition_report(
                    &ctx,
                    &plan,
                    &accepted,
                    accepted.version,
                    ReportEvent::Reopen,
                    "",
                    &Default::default(),
                    ""
                )
                .await
                .is_err()
        );
        let history = store.report_history(report.id).await.unwrap();
        assert_eq!(
            history.len(),
            5,
            "{backend}: created, submitted, returned, submitted, accepted"
        );

        // The dashboard: school A in, B not, the closed school not expected.
        let d = store.plan_dashboard(&plan, &[office.id]).await.unwrap();
        let expected: i64 = d.by_level.iter().map(|l| l.expected).sum();
        let submitted_n: i64 = d.by_level.iter().map(|l| l.submitted).sum();
        assert_eq!((expected, submitted_n), (2, 1), "{backend}");
        let talks = d.indicators.iter().find(|(c, _, _)| c == "s1_4_talks").unwrap();
        assert_eq!(talks.2.sum, 2.0);
        assert_eq!(d.first_submissions.len(), 1);
        // Closing school A after it reported keeps completeness at most 100%.
        store
            .update_unit(&ctx, a.id, &unit("A", "truong", "th", "closed"))
            .await
            .unwrap();
        let d = store.plan_dashboard(&plan, &[office.id]).await.unwrap();
        let expected: i64 = d.by_level.iter().map(|l| l.expected).sum();
        assert_eq!(
            expected, 2,
            "{backend}: a closed school that reported is still expected"
        );
        // The department's rollup counts the same, plus nothing from the other office's draft.
        let r = store.year_rollup(2026, &[dept.id]).await.unwrap();
        let expected: i64 = r.by_level.iter().map(|l| l.expected).sum();
        let submitted_n: i64 = r.by_level.iter().map(|l| l.submitted).sum();
        assert_eq!((expected, submitted_n), (2, 1), "{backend}");
        assert!(r.indicators.iter().any(|(c, _, s)| c == "s1_4_talks" && s.sum == 2.0));

        let (missing, n) = store
            .plan_reports(
                &plan,
                &[office.id],
                &ReportFilter {
                    missing_only: true,
                    ..Default::default()
                },
                Paging::default(),
            )
            .await
            .unwrap();
        assert_eq!((n, missing[0].unit_id), (1, b.id), "{backend}");
        let reopened = store
            .transition_report(
                &ctx,
                &plan,
                &accepted,
                accepted.version,
                ReportEvent::Reopen,
                "Sai số liệu",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        assert_eq!(reopened.status, ReportStatus::Reopened);
        assert_eq!(store.received_reports(&plan, &[office.id]).await.unwrap().len(), 0);
        assert!(store.verify_audit_chain().await.unwrap().first_broken.is_none());
        db.cleanup().await;
    }
}
