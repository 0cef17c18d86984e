use lanhmang_domain::person::PersonInput;
use lanhmang_domain::unit::UnitInput;

use lanhmang_domain::Role;
use lanhmang_domain::paging::Paging;
use lanhmang_domain::supervision::{self, SiteKind, SiteState, StandardRules};

use super::*;
use crate::{AuditContext, Store, StoreError};
use lanhmang_domain::supervision::AlertChange;

/// Alert texts for the store's tests: the application words the real ones.
struct PlainTexts;

impl AlertTexts for PlainTexts {
    fn notification(&self, site: &Site, change: AlertChange) -> NoticeText {
        NoticeText {
            title: format!("{change:?} {}", site.url),
            body: String::new(),
            link: format!("/giam-sat/website/{}", site.id),
        }
    }

    fn mail(&self, site: &Site, change: AlertChange, to: &Recipient) -> MailText {
        MailText {
            subject: format!("{change:?} {}", site.url),
            body: format!("{} {}", to.name, site.url),
        }
    }
}
use crate::test_support::{TestDb, both_backends};

struct World {
    office: Unit,
    school: Unit,
    other: Unit,
    webadmin: i64,
    office_admin: i64,
}

use crate::Unit;

async fn world(store: &Store) -> World {
    let ctx = AuditContext::system("test");
    let unit = |code: &str, kind: &str| UnitInput {
        code: code.into(),
        name: format!("Đơn vị {code}"),
        kind: kind.into(),
        school_level: if kind == "school" { "th".into() } else { String::new() },
        ..Default::default()
    };
    let dept = store
        .create_unit(&ctx, None, &unit("SGD", "department").parse().unwrap())
        .await
        .unwrap();
    let office = store
        .create_unit(&ctx, Some(dept.id), &unit("PGD", "office").parse().unwrap())
        .await
        .unwrap();
    let school = store
        .create_unit(&ctx, Some(office.id), &unit("TH-A", "school").parse().unwrap())
        .await
        .unwrap();
    let other = store
        .create_unit(&ctx, Some(office.id), &unit("TH-B", "school").parse().unwrap())
        .await
        .unwrap();
    let person = |username: &str| PersonInput {
        username: username.into(),
        display_name: format!("Người {username}"),
        email: format!("{username}@truong.edu.vn"),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for (username, role, unit) in [
        ("qtweb", Role::WebsiteAdmin, &school),
        ("hieutruong", Role::Principal, &school),
        ("chuyenvien", Role::OfficeAdmin, &office),
    ] {
        let p = store
            .create_person(&ctx, unit.id, &person(username).parse().unwrap(), None, false)
            .await
            .unwrap();
        store.grant_role(&ctx, p.id, role, unit.id).await.unwrap();
        ids.push(p.id);
    }
    World {
        office,
        school,
        other,
        webadmin: ids[0],
        office_admin: ids[2],
    }
}

fn new_site(unit: &Unit, url: &str) -> NewSite {
    let (url, host) = supervision::normalize_site_url(url).unwrap();
    NewSite {
        unit_id: unit.id,
        url,
        host,
        kind: SiteKind::Website,
        name: String::new(),
    }
}

fn run(site_id: i64, reachable: bool, issues: &[(&str, &str)]) -> InspectionRecord {
    InspectionRecord {
        site_id,
        job: None,
        full: true,
        standard_id: None,
        started_at: now(),
        reachable,
        http_status: reachable.then_some(200),
        grade: reachable.then(|| "B".to_string()),
        score: reachable.then_some(70),
        cert_expires_at: Some(now() + Duration::days(200)),
        pages_checked: 5,
        broken_links: 0,
        elapsed_ms: 1200,
        meets_standard: Some(reachable && issues.is_empty()),
        compromised: issues.iter().any(|(c, _)| c.starts_with("spam")),
        disclosure_gap: issues.iter().any(|(c, _)| c.starts_with("disclosure")),
        issues: issues
            .iter()
            .map(|(code, severity)| FoundIssue {
                code: code.to_string(),
                severity: severity.to_string(),
                evidence: format!("bằng chứng {code}"),
            })
            .collect(),
        detail: "{}".into(),
    }
}

async fn site_ids(store: &Store) -> i64 {
    let (_, n) = store
        .list_sites(
            &SiteFilter {
                roots: vec![1],
                ..Default::default()
            },
            Paging::default(),
        )
        .await
        .unwrap();
    n
}

both_backends!(registry_findings_alerts_and_overview_on_every_backend);
async fn registry_findings_alerts_and_overview_on_every_backend(backend: &'static str) {
    {
        let (db, store) = TestDb::store(backend).await.unwrap();
        let w = world(&store).await;
        let ctx = AuditContext::system("test");
        let rules = StandardRules::default();

        // A duplicate is reported, not added twice.
        let Registered::Added(site) = store
            .add_site(&ctx, &new_site(&w.school, "https://th-a.edu.vn"), &rules)
            .await
            .unwrap()
        else {
            panic!("{backend}: first registration adds");
        };
        assert!(matches!(
            store.add_site(&ctx, &new_site(&w.other, "https://TH-A.edu.vn/"), &rules).await.unwrap(),
            Registered::Duplicate(s) if s.id == site.id
        ));
        assert_eq!(site_ids(&store).await, 1, "{backend}");
        assert_eq!(site.status, "pending");

        // First run: two findings, the site is hacked; the school's people and the office hear.
        let first = store
            .record_inspection(
                &run(site.id, true, &[("spam_hidden", "critical"), ("stale_content", "low")]),
                &PlainTexts,
            )
            .await
            .unwrap();
        assert_eq!((first.new_findings, first.resolved), (2, 0), "{backend}");
        assert_eq!(first.alerts, vec!["compromised".to_string()], "{backend}");
        assert_eq!(first.notifications, 3, "{backend}: admin, principal, office");
        assert_eq!(first.mails, 2, "{backend}: the office reads the digest instead");
        // The same state again: nothing new is raised.
        let again = store
            .record_inspection(
                &run(site.id, true, &[("spam_hidden", "critical"), ("stale_content", "low")]),
                &PlainTexts,
            )
            .await
            .unwrap();
        assert_eq!(
            (again.new_findings, again.alerts.len(), again.notifications),
            (0, 0, 0),
            "{backend}"
        );

        // Acknowledge, then claim fixed: a fresh inspection is queued; the next run that still
        // finds it reopens it, the one that does not resolves it.
        let (open, total) = store
            .list_findings(
                &FindingFilter {
                    roots: vec![w.office.id],
                    ..Default::default()
                },
                Paging::default(),
            )
            .await
            .unwrap();
        assert_eq!(total, 2, "{backend}");
        let spam = open.iter().find(|f| f.code == "spam_hidden").unwrap();
        let stale = open.iter().find(|f| f.code == "stale_content").unwrap();
        assert_eq!(spam.severity, "critical");
        assert_eq!(
            store.acknowledge_finding(&ctx, spam.id).await.unwrap().state,
            "acknowledged"
        );
        assert!(matches!(
            store.acknowledge_finding(&ctx, spam.id).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.mark_finding_fixed(&ctx, spam.id).await.unwrap().state, "fixed");
        assert_eq!(store.mark_finding_fixed(&ctx, stale.id).await.unwrap().state, "fixed");
        assert_eq!(
            store.job_states(INSPECT_SITE_JOB).await.unwrap(),
            vec![("queued".to_string(), 1)],
            "{backend}: one inspection queued for both claims"
        );
        let third = store
            .record_inspection(&run(site.id, true, &[("spam_hidden", "critical")]), &PlainTexts)
            .await
            .unwrap();
        assert_eq!((third.reopened, third.resolved), (1, 1), "{backend}");
        let s = store.site(site.id).await.unwrap().unwrap();
        assert_eq!(
            (s.state, s.grade.as_deref()),
            (SiteState::Compromised, Some("B")),
            "{backend}: a hacked site is compromised whatever its grade"
        );
        let compromised_only = SiteFilter {
            roots: vec![w.office.id],
            state: Some(SiteState::Compromised),
            ..Default::default()
        };
        assert_eq!(
            store.list_sites(&compromised_only, Paging::default()).await.unwrap().1,
            1,
            "{backend}"
        );
        let spam = store.site_finding(spam.id).await.unwrap().unwrap();
        assert_eq!((spam.state.as_str(), spam.reopened), ("open", 1), "{backend}");
        let stale = store.site_finding(stale.id).await.unwrap().unwrap();
        assert_eq!(stale.state, "resolved", "{backend}");
        assert!(stale.resolved_at.is_some());

        // Down: one alert; a check that still fails adds nothing; back up: back to normal,
        // once the hack is gone too.
        let down = store
            .record_inspection(&run(site.id, false, &[("unreachable", "high")]), &PlainTexts)
            .await
            .unwrap();
        assert_eq!(down.alerts, vec!["down".to_string()], "{backend}");
        let mut check = run(site.id, false, &[("unreachable", "high")]);
        check.full = false;
        assert!(
            store
                .record_inspection(&check, &PlainTexts)
                .await
                .unwrap()
                .alerts
                .is_empty(),
            "{backend}"
        );
        let s = store.site(site.id).await.unwrap().unwrap();
        assert_eq!((s.status.as_str(), s.consecutive_failures), ("down", 2), "{backend}");
        assert_eq!(s.state, SiteState::Compromised, "{backend}: still hacked while down");
        assert_eq!(
            store.site_finding(spam.id).await.unwrap().unwrap().state,
            "open",
            "{backend}: a site that cannot be reached keeps its content findings"
        );
        let back = store
            .record_inspection(&run(site.id, true, &[]), &PlainTexts)
            .await
            .unwrap();
        assert_eq!(back.alerts, vec!["back_to_normal".to_string()], "{backend}");
        let s = store.site(site.id).await.unwrap().unwrap();
        assert_eq!(
            (s.status.as_str(), s.open_findings, s.compromised),
            ("up", 0, false),
            "{backend}"
        );
        assert_eq!(s.state, SiteState::Fine, "{backend}");
        let o = store.sites_overview(&[w.office.id], None).await.unwrap();
        let fine = o.states.iter().find(|(st, _)| *st == SiteState::Fine).map(|(_, n)| *n);
        assert_eq!(fine, Some(1), "{backend}: {:?}", o.states);
        assert_eq!(o.states.len(), SiteState::ALL.len(), "{backend}");

        // The backfill of migration 0007 derives what the runs derive.
        store
            .execute_raw_for_tests("UPDATE sites SET state = 'not_yet_inspected', list_rank = 9")
            .await
            .unwrap();
        let backfill = include_str!("../../migrations/sqlite/0007_site_state.sql");
        for statement in backfill.split(';') {
            if let Some(i) = statement.find("UPDATE sites") {
                store.execute_raw_for_tests(&statement[i..]).await.unwrap();
            }
        }
        let s = store.site(site.id).await.unwrap().unwrap();
        assert_eq!(s.state, SiteState::Fine, "{backend}: backfilled");

        let (notes, _) = store.notifications(w.webadmin, Paging::default()).await.unwrap();
        let kinds: Vec<&str> = notes.iter().map(|n| n.kind.as_str()).collect();
        assert_eq!(kinds, vec!["back_to_normal", "down", "compromised"], "{backend}");
        assert_eq!(
            store.unread_notifications(w.office_admin).await.unwrap(),
            3,
            "{backend}"
        );
        assert_eq!(store.mark_notifications_read(w.office_admin).await.unwrap(), 3);
        assert_eq!(store.unread_notifications(w.office_admin).await.unwrap(), 0);
        assert_eq!(
            store
                .alerts_since(&w.office.ancestry, now() - Duration::hours(1), 50)
                .await
                .unwrap()
                .len(),
            3
        );

        // History, overview and filters.
        assert_eq!(store.site_runs(site.id, false, 50).await.unwrap().len(), 6, "{backend}");
        assert_eq!(
            store.prune_supervision_history().await.unwrap(),
            0,
            "{backend}: nothing old yet"
        );
        // Age the history: the check goes, the full runs stay with their details slimmed.
        store
            .execute_raw_for_tests(
                "UPDATE site_inspections SET finished_at = '2020-01-01T00:00:00Z', detail = '{\"x\":1}'",
            )
            .await
            .unwrap();
        assert_eq!(store.prune_supervision_history().await.unwrap(), 1 + 5, "{backend}");
        assert_eq!(store.site_runs(site.id, false, 50).await.unwrap().len(), 5, "{backend}");
        assert!(
            store
                .site_runs(site.id, true, 50)
                .await
                .unwrap()
                .iter()
                .all(|r| r.detail == "{}")
        );
        assert_eq!(store.site_runs(site.id, true, 50).await.unwrap().len(), 5, "{backend}");
        let Registered::Added(b) = store
            .add_site(&ctx, &new_site(&w.other, "http://th-b.edu.vn"), &rules)
            .await
            .unwrap()
        else {
            panic!()
        };
        let mut expiring = run(b.id, true, &[("disclosure_missing", "medium")]);
        expiring.cert_expires_at = Some(now() + Duration::days(10));
        expiring.grade = Some("F".into());
        let r = store.record_inspection(&expiring, &PlainTexts).await.unwrap();
        assert_eq!(
            r.alerts,
            vec!["cert_soon".to_string(), "disclosure_missing".to_string()],
            "{backend}"
        );
        let o = store.sites_overview(&[w.office.id], None).await.unwrap();
        assert_eq!(
            (o.total, o.up, o.down, o.cert_expiring, o.disclosure_gap),
            (2, 2, 0, 1, 1),
            "{backend}"
        );
        assert_eq!(o.grades, vec![("B".to_string(), 1), ("F".to_string(), 1)], "{backend}");
        let school_only = store
            .sites_overview(&[w.office.id], Some(&w.school.ancestry))
            .await
            .unwrap();
        assert_eq!(school_only.total, 1, "{backend}");
        assert_eq!(
            store
                .sites_overview(&[w.other.id], Some(&w.school.ancestry))
                .await
                .unwrap()
                .total,
            0
        );
        let filtered = |problem: &str, grade: Option<&str>| SiteFilter {
            roots: vec![w.office.id],
            problem: (!problem.is_empty()).then(|| problem.to_string()),
            grade: grade.map(str::to_string),
            ..Default::default()
        };
        let count = |f: SiteFilter| {
            let store = &store;
            async move { store.list_sites(&f, Paging::default()).await.unwrap().1 }
        };
        assert_eq!(count(filtered("cert", None)).await, 1, "{backend}");
        assert_eq!(count(filtered("disclosure", None)).await, 1, "{backend}");
        assert_eq!(count(filtered("", Some("F"))).await, 1, "{backend}");
        assert_eq!(count(filtered("compromised", None)).await, 0, "{backend}");
        let mut q = filtered("", None);
        q.q = Some("TH-B".into());
        assert_eq!(count(q).await, 1, "{backend}: address search");
        assert_eq!(
            store.unit_website_facts(w.school.id).await.unwrap(),
            (1, 1),
            "{backend}"
        );
        assert_eq!(store.unit_website_facts(w.other.id).await.unwrap(), (1, 0), "{backend}");
        let (domains, n) = store.domain_inventory(&[w.office.id], Paging::default()).await.unwrap();
        assert_eq!(n, 2, "{backend}");
        assert!(
            domains
                .iter()
                .any(|d| d.host == "th-b.edu.vn" && d.cert_expires_at.is_some())
        );
        store
            .record_domain_lookup("th-b.edu.vn", Some(now() + Duration::days(300)), "Nhà đăng ký", "")
            .await
            .unwrap();
        assert_eq!(
            store
                .domains_due_for_lookup(now() - Duration::days(7), 10)
                .await
                .unwrap(),
            vec!["th-a.edu.vn".to_string()]
        );

        // Moving a school to another office moves its sites with it (the copied path).
        let move_row = lanhmang_domain::units_import::ImportRow {
            row: 2,
            fields: UnitInput {
                code: "TH-B".into(),
                name: "Đơn vị TH-B".into(),
                kind: "school".into(),
                school_level: "th".into(),
                ..Default::default()
            }
            .parse()
            .unwrap(),
            parent_code: Some(lanhmang_domain::unit::UnitCode::parse("SGD").unwrap()),
        };
        store.import_units(&ctx, &[move_row], "test").await.unwrap();
        let in_office = SiteFilter {
            roots: vec![w.office.id],
            ..Default::default()
        };
        assert_eq!(
            store.list_sites(&in_office, Paging::default()).await.unwrap().1,
            1,
            "{backend}"
        );
        let moved = store.site(b.id).await.unwrap().unwrap();
        assert_eq!(moved.ancestry.len(), 2, "{backend}: directly under the department now");
        assert_eq!(store.sites_overview(&[moved.ancestry[0]], None).await.unwrap().total, 2);

        drop(store);
        db.cleanup().await;
    }
}

both_backends!(scheduling_requests_standards_and_leases_on_every_backend);
async fn scheduling_requests_standards_and_leases_on_every_backend(backend: &'static str) {
    {
        let (db, store) = TestDb::store(backend).await.unwrap();
        let w = world(&store).await;
        let ctx = AuditContext::system("test");
        let rules = StandardRules::default();
        let mut ids = Vec::new();
        for url in [
            "https://a.th-a.edu.vn",
            "https://b.th-a.edu.vn",
            "https://a.th-a.edu.vn/blog",
        ] {
            if let Registered::Added(s) = store.add_site(&ctx, &new_site(&w.school, url), &rules).await.unwrap() {
                ids.push(s.id);
            }
        }
        // New sites are due at once; two schedulers in a row queue each once.
        assert_eq!(
            store
                .schedule_due_inspections(100, Duration::seconds(30))
                .await
                .unwrap(),
            (3, 0),
            "{backend}"
        );
        assert_eq!(
            store
                .schedule_due_inspections(100, Duration::seconds(30))
                .await
                .unwrap(),
            (0, 0),
            "{backend}"
        );
        // The two sites of one host are spaced out.
        let mut run_ats = Vec::new();
        while let Some(job) = store.claim_job("w", Duration::minutes(1)).await.unwrap() {
            run_ats.push(job.payload.clone());
            store.complete_job(job.id, "w").await.unwrap();
        }
        assert_eq!(
            run_ats.len(),
            2,
            "{backend}: the second site of a.th-a.edu.vn waits its turn"
        );

        // "Inspect now" for the school: progress counts the sites inspected since.
        let request = store.request_inspection(&ctx, &w.school.ancestry, None).await.unwrap();
        let p = store.inspection_progress(request).await.unwrap().unwrap();
        assert_eq!((p.total, p.done, p.finished), (3, 0, false), "{backend}");
        let job = store.claim_job("w1", Duration::minutes(1)).await.unwrap().unwrap();
        assert!(job.payload.contains("\"full\""), "{backend}: {}", job.payload);
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap();
        let site_id = payload["site_id"].as_i64().unwrap();
        let mut rec = run(site_id, true, &[]);
        rec.job = Some((job.id, "w1".into()));
        // A worker whose lease ran out cannot store its result; the one holding it can.
        let mut stale = rec.clone();
        stale.job = Some((job.id, "w0".into()));
        assert!(
            matches!(
                store.record_inspection(&stale, &PlainTexts).await,
                Err(StoreError::Conflict(_))
            ),
            "{backend}"
        );
        store.record_inspection(&rec, &PlainTexts).await.unwrap();
        assert!(store.runs_per_job().await.unwrap().is_empty(), "{backend}");
        let p = store.inspection_progress(request).await.unwrap().unwrap();
        assert_eq!(p.done, 1, "{backend}");
        assert!(matches!(
            store.request_inspection(&ctx, &w.other.ancestry, None).await,
            Err(StoreError::Conflict(_))
        ));

        // A failing site's checks back off.
        store
            .record_inspection(&run(ids[1], false, &[("unreachable", "high")]), &PlainTexts)
            .await
            .unwrap();
        store
            .record_inspection(&run(ids[1], false, &[("unreachable", "high")]), &PlainTexts)
            .await
            .unwrap();
        assert_eq!(store.site(ids[1]).await.unwrap().unwrap().consecutive_failures, 2);

        // Standards: versions, the nearest office's applies, stale edits refused.
        assert!(store.standard_for(&w.school.ancestry).await.unwrap().is_none());
        let mut strict = StandardRules {
            min_header_grade: "B".into(),
            ..Default::default()
        };
        assert_eq!(
            store
                .save_standard(&ctx, w.office.id, &strict, "Học kỳ II", 0)
                .await
                .unwrap(),
            1
        );
        assert!(matches!(
            store.save_standard(&ctx, w.office.id, &strict, "cũ", 0).await,
            Err(StoreError::Conflict(_))
        ));
        strict.stale_after_days = 60;
        assert_eq!(
            store
                .save_standard(&ctx, w.office.id, &strict, "Chặt hơn", 1)
                .await
                .unwrap(),
            2
        );
        let applied = store.standard_for(&w.school.ancestry).await.unwrap().unwrap();
        assert_eq!((applied.version, applied.rules.stale_after_days), (2, 60), "{backend}");
        assert_eq!(store.standard_versions(w.office.id).await.unwrap().len(), 2);

        // A check waiting in the queue becomes the full inspection that falls due.
        while let Some(job) = store.claim_job("w", Duration::minutes(1)).await.unwrap() {
            store.complete_job(job.id, "w").await.unwrap();
        }
        store
            .execute_raw_for_tests(&format!(
                "UPDATE sites SET next_check_at = '2020-01-01T00:00:00Z' WHERE id = {}",
                ids[0]
            ))
            .await
            .unwrap();
        assert_eq!(
            store.schedule_due_inspections(100, Duration::ZERO).await.unwrap(),
            (0, 1),
            "{backend}"
        );
        store
            .execute_raw_for_tests(&format!(
                "UPDATE sites SET next_full_at = '2020-01-01T00:00:00Z' WHERE id = {}",
                ids[0]
            ))
            .await
            .unwrap();
        assert_eq!(
            store.schedule_due_inspections(100, Duration::ZERO).await.unwrap(),
            (0, 0),
            "{backend}"
        );
        let job = store.claim_job("w", Duration::minutes(1)).await.unwrap().unwrap();
        assert!(job.payload.contains("\"full\""), "{backend}: {}", job.payload);
        drop(store);
        db.cleanup().await;
    }
}
