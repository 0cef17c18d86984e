//! The office dashboard, reminders, the department rollup, the outbox and the official
//! documents, as people use them, on every backend. Documents are read back with independent
//! readers (the DOCX as XML, the PDF through text extraction, the XLSX through calamine) and
//! their numbers checked against the store.

use crate::common;

use std::io::{Cursor, Read};
use std::time::Instant;

use calamine::{Data, Reader, Xlsx};
use common::{Browser, DEMO_PASSWORD, TestApp, api, api_token, both_backends};
use lanhmang_domain::plan_template::IndicatorKind;
use lanhmang_domain::report::{ReportStatus, Value as Figure};
use lanhmang_domain::{Paging, Role, UnitKind, UnitStatus};
use lanhmang_store::outbox::{MailStatus, OutboxFilter};
use lanhmang_store::plans::{Plan, PlanScope};
use lanhmang_store::reports::ReportFilter;
use lanhmang_store::{AuditContext, Store, Unit, UnitFilter};
use serde_json::json;

/// The demo's office, its two plans and its schools.
struct Demo {
    office: Unit,
    department_id: i64,
    last_year: Plan,
    this_year: Plan,
    schools: Vec<Unit>,
}

async fn demo(store: &Store) -> Demo {
    let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();
    let scope = PlanScope {
        roots: vec![office.id],
        ancestors: Vec::new(),
    };
    let (plans, _) = store.list_plans(&scope, Paging::default()).await.unwrap();
    let year = |start: i32| {
        plans
            .iter()
            .find(|p| p.school_year.start_year == start)
            .cloned()
            .unwrap()
    };
    let schools = store
        .list_units(&[office.id], &UnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await
        .unwrap()
        .0
        .into_iter()
        .filter(|u| u.kind == UnitKind::School)
        .collect();
    Demo {
        department_id: office.parent_id.unwrap(),
        last_year: year(2025),
        this_year: year(2026),
        schools,
        office,
    }
}

/// An account holding `role` in `unit`, with the demo password and an e-mail address.
async fn add_person(store: &Store, unit: &Unit, username: &str, role: Role) {
    let ctx = AuditContext::system("dashboard test");
    let fields = lanhmang_domain::person::PersonInput {
        username: username.into(),
        display_name: format!("{} {}", role.label(), unit.name),
        email: format!("{username}@demo.test"),
        phone: String::new(),
    }
    .parse()
    .unwrap();
    let hash = lanhmang_domain::password::hash(DEMO_PASSWORD).unwrap();
    let person = store
        .create_person(&ctx, unit.id, &fields, Some(&hash), false)
        .await
        .unwrap();
    store.grant_role(&ctx, person.id, role, unit.id).await.unwrap();
}

/// Fills what the activity log did not and submits, through the API, as the school's principal.
async fn submit_report(app: &TestApp, token: &str, plan: &Plan, school_id: i64) {
    let path = format!("/api/v1/plans/{}/reports/{school_id}", plan.id);
    let (s, current) = api(app, token, "GET", &path, None).await;
    assert_eq!(s, 200, "{current}");
    let mut values = serde_json::Map::new();
    for def in plan.content.indicators() {
        if current["values"].get(&def.code).is_none() {
            let v = match def.kind {
                IndicatorKind::YesNo => json!(true),
                IndicatorKind::Text => json!("Đề nghị Phòng tổ chức tập huấn cho cha mẹ học sinh."),
                IndicatorKind::Number => json!(2),
            };
            values.insert(def.code.clone(), v);
        }
    }
    let narrative = json!({
        "results": "Tổ chức các buổi nói chuyện chuyên đề cho học sinh và cha mẹ học sinh.",
        "strengths": "Cha mẹ học sinh tham gia đông đủ.",
        "limitations": "Chưa có phòng máy cho học sinh thực hành.",
        "proposals": "Đề nghị Phòng hỗ trợ thiết bị cho phòng máy."
    });
    let (s, saved) = api(
        app,
        token,
        "PUT",
        &path,
        Some(json!({"values": values, "narrative": narrative})),
    )
    .await;
    assert_eq!(s, 200, "{saved}");
    let (s, sent) = api(app, token, "POST", &format!("{path}/submit"), None).await;
    assert_eq!((s, sent["status"].as_str()), (200, Some("submitted")), "{sent}");
}

/// "21,7%", as the pages and documents write a share.
fn pct(part: i64, whole: i64) -> String {
    let v = if whole > 0 {
        (part.min(whole) as f64 / whole as f64 * 1000.0).round() / 10.0
    } else {
        0.0
    };
    if v.fract() == 0.0 {
        format!("{}%", v as i64)
    } else {
        format!("{v:.1}%").replace('.', ",")
    }
}

/// Today in Vietnam.
fn today() -> time::Date {
    lanhmang_domain::report::vietnam_date(time::OffsetDateTime::now_utc())
}

async fn dashboard_counts(app: &TestApp, token: &str, plan_id: i64) -> (i64, i64, i64) {
    let (s, d) = api(app, token, "GET", &format!("/api/v1/plans/{plan_id}/dashboard"), None).await;
    assert_eq!(s, 200, "{d}");
    (
        d["expected"].as_i64().unwrap(),
        d["submitted"].as_i64().unwrap(),
        d["on_time"].as_i64().unwrap(),
    )
}

async fn manual_reminders(store: &Store, demo: &Demo, unit_id: i64) -> Vec<lanhmang_store::outbox::OutboxEntry> {
    let filter = OutboxFilter {
        plan_id: Some(demo.this_year.id),
        unit_ids_in_subtree_of: vec![demo.office.id],
        ..Default::default()
    };
    store
        .outbox_page(&filter, Paging { page: 1, per_page: 500 })
        .await
        .unwrap()
        .0
        .into_iter()
        .filter(|m| m.reason == "manual_reminder" && m.unit_id == Some(unit_id))
        .collect()
}

async fn post_with_csrf(browser: &Browser, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.submit(page, action, fields).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

both_backends!(the_dashboard_is_live_guarded_and_reminds_once_a_day);
async fn the_dashboard_is_live_guarded_and_reminds_once_a_day(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let demo = demo(store).await;
        let plan = &demo.this_year;
        let office_token = api_token(&app, "demo.office").await;
        let office = app.signed_in("demo.office").await;
        let page = format!("/ke-hoach/{}/tong-hop", plan.id);

        // Expected: the active schools (closed ones only count once they have reported).
        let active = demo.schools.iter().filter(|u| u.status == UnitStatus::Active).count() as i64;
        let (expected, submitted, _) = dashboard_counts(&app, &office_token, plan.id).await;
        assert_eq!(expected, active, "{backend}");
        assert!(
            submitted > 0 && submitted < expected,
            "{backend}: the demo has some reports in"
        );

        let started = Instant::now();
        let r = office.get(&page).await;
        let elapsed = started.elapsed();
        assert_eq!(r.status(), 200, "{backend}");
        let body = r.text().await.unwrap();
        let css = office.get("/static/app.css").await.bytes().await.unwrap().len();
        eprintln!(
            "{backend}: dashboard page {:.1} KB + app.css {:.1} KB, served in {elapsed:?}",
            body.len() as f64 / 1024.0,
            css as f64 / 1024.0
        );
        assert!(body.len() + css < 100 * 1024, "{backend}: pages stay light");
        assert!(
            body.contains(&format!("<span class=\"num\">{submitted}/{expected}</span>")),
            "{backend}: {body}"
        );
        assert!(body.contains(&format!("({})", pct(submitted, expected))), "{backend}");
        assert!(
            body.contains(&format!("Trường chưa nộp báo cáo ({})", expected - submitted)),
            "{backend}"
        );
        let days = (plan.deadline - today()).whole_days();
        assert!(
            body.contains(&format!("còn {days} ngày")),
            "{backend}: days left to the deadline"
        );
        assert!(body.contains("<svg class=\"chart\"") && body.contains("role=\"img\"") && body.contains("<desc"));
        assert!(
            body.contains("Tiểu học") && body.contains("THCS"),
            "{backend}: figures by level"
        );
        assert!(body.contains("Số buổi nói chuyện chuyên đề"), "{backend}: indicators");
        assert!(body.contains("Chưa bắt đầu") && body.contains("Đang soạn") && body.contains("Bị trả lại"));
        assert!(
            !body.contains("<script>") && !body.contains("style=\""),
            "{backend}: no inline script or style"
        );
        // Links lead to pages that exist: the plan, the reports, a returned report, a school.
        let links: Vec<&str> = body
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|href| href.starts_with('/') && !href.starts_with("/static/"))
            .collect();
        assert!(
            links.iter().any(|l| l.contains("/bao-cao/")),
            "{backend}: a report is linked"
        );
        for link in links {
            let link = link.replace("&amp;", "&");
            let status = office.get(&link).await.status();
            assert_eq!(status, 200, "{backend}: {link} from the dashboard");
        }
        // Last year's plan: every school reported (the closed one too, so it counts), two late,
        // a few returned for more evidence; the deadline long past.
        let (e_last, s_last, on_time_last) = dashboard_counts(&app, &office_token, demo.last_year.id).await;
        assert_eq!((e_last, s_last - on_time_last), (24, 2), "{backend}");
        let (s, last) = office.text(&format!("/ke-hoach/{}/tong-hop", demo.last_year.id)).await;
        assert_eq!(s, 200);
        assert!(
            last.contains(&format!("<span class=\"num\">{s_last}/24</span>")),
            "{backend}"
        );
        assert!(
            last.contains(&format!("<span class=\"num\">{on_time_last}/{s_last}</span>")),
            "{backend}"
        );
        assert!(last.contains("đã quá hạn") && last.contains(&format!("Trường chưa nộp báo cáo ({})", 24 - s_last)));

        // Two schools that have not started get principals; one submits through the API.
        let (not_started, _) = store
            .plan_reports(
                plan,
                &[demo.office.id],
                &ReportFilter {
                    status: Some(None),
                    ..Default::default()
                },
                Paging::default(),
            )
            .await
            .unwrap();
        assert!(not_started.len() >= 2, "{backend}");
        let school_a = demo.schools.iter().find(|u| u.id == not_started[0].unit_id).unwrap();
        let school_b = demo.schools.iter().find(|u| u.id == not_started[1].unit_id).unwrap();
        add_person(store, school_a, "hieu.truong.a", Role::Principal).await;
        add_person(store, school_b, "hieu.truong.b", Role::Principal).await;
        assert!(body.contains(&school_a.name), "{backend}: listed as missing");
        let principal_a = api_token(&app, "hieu.truong.a").await;
        submit_report(&app, &principal_a, plan, school_a.id).await;
        let body = office.text(&page).await.1;
        assert!(
            body.contains(&format!("<span class=\"num\">{}/{expected}</span>", submitted + 1)),
            "{backend}: the submission shows at once"
        );
        assert!(body.contains(&format!("Trường chưa nộp báo cáo ({})", expected - submitted - 1)));
        assert!(!body.contains(&school_a.name), "{backend}: no longer missing");
        assert_eq!(dashboard_counts(&app, &office_token, plan.id).await.1, submitted + 1);

        // Schools, teachers and parents see none of it.
        let guarded = [
            page.clone(),
            format!("{page}.docx"),
            format!("{page}.pdf"),
            format!("/ke-hoach/{}/chi-tieu.xlsx", plan.id),
            "/tong-hop-nam".to_string(),
            "/thu-di".to_string(),
        ];
        for account in ["demo.principal", "demo.teacher", "demo.parent"] {
            let b = app.signed_in(account).await;
            for path in &guarded {
                assert_eq!(b.get(path).await.status(), 403, "{backend}: {account} GET {path}");
            }
            let home = b.text("/").await.1;
            assert!(
                !home.contains("href=\"/tong-hop-nam\""),
                "{backend}: no nav entry for {account}"
            );
            let r = post_with_csrf(&b, "/", &format!("/ke-hoach/{}/nhac", plan.id), &[("unit_id", "")]).await;
            assert_eq!(r.status(), 403, "{backend}: {account} may not remind");
        }
        assert!(body.contains("href=\"/tong-hop-nam\"") && body.contains("href=\"/thu-di\""));

        // A principal downloads the own school's report, not another school's. The demo leaves
        // that report in draft (the principal's work on first sign-in): it is sent first.
        let draft = store.report(plan.id, demo.schools[0].id).await.unwrap().unwrap();
        store
            .transition_report(
                &lanhmang_store::AuditContext::system("test"),
                plan,
                &draft,
                draft.version,
                lanhmang_domain::report::ReportEvent::Submit,
                "",
                &Default::default(),
                "",
            )
            .await
            .unwrap();
        let principal = app.signed_in("demo.principal").await;
        let own = store.people_with_roles_in_unit(demo.schools[0].id).await.unwrap();
        assert!(
            own.iter()
                .any(|(p, r)| *r == Role::Principal && p.username == "demo.principal")
        );
        let r = principal
            .get(&format!(
                "/ke-hoach/{}/bao-cao/{}/tai-ve.docx",
                plan.id, demo.schools[0].id
            ))
            .await;
        assert_eq!(r.status(), 200, "{backend}");
        for other in [school_a.id, school_b.id] {
            for ext in ["docx", "pdf"] {
                let s = principal
                    .get(&format!("/ke-hoach/{}/bao-cao/{other}/tai-ve.{ext}", plan.id))
                    .await
                    .status()
                    .as_u16();
                assert!(matches!(s, 403 | 404), "{backend}: another school's report gave {s}");
            }
        }

        // One click reminds one school; a second click the same day queues nothing.
        let remind = format!("/ke-hoach/{}/nhac", plan.id);
        let b_id = school_b.id.to_string();
        let r = post_with_csrf(&office, &page, &remind, &[("unit_id", &b_id)]).await;
        assert_eq!(r.status(), 303, "{backend}");
        assert_eq!(location(&r), format!("{page}?nhac=1-0-0"));
        let mails = manual_reminders(store, &demo, school_b.id).await;
        assert_eq!(mails.len(), 1, "{backend}");
        assert_eq!(mails[0].to_address, "hieu.truong.b@demo.test");
        assert_eq!(mails[0].status, MailStatus::Queued);
        assert!(mails[0].subject.contains("Nhắc nộp báo cáo") && mails[0].body.contains(&school_b.name));
        let r = post_with_csrf(&office, &page, &remind, &[("unit_id", &b_id)]).await;
        assert_eq!(location(&r), format!("{page}?nhac=0-1-0"), "{backend}");
        assert_eq!(
            manual_reminders(store, &demo, school_b.id).await.len(),
            1,
            "{backend}: not twice"
        );
        let notice = office.text(&format!("{page}?nhac=0-1-0")).await.1;
        assert!(notice.contains("đã được nhắc hôm nay"), "{backend}");
        // Everyone missing: only B has a principal with an address, and B was reminded today.
        // (A and the demo accounts' school have sent theirs.)
        let missing = expected - submitted - 2;
        let r = post_with_csrf(&office, &page, &remind, &[]).await;
        assert_eq!(location(&r), format!("{page}?nhac=0-1-{}", missing - 1), "{backend}");
        let notice = office.text(&location(&r)).await.1;
        assert!(
            notice.contains(&format!("{} trường chưa nhắc được", missing - 1)),
            "{backend}"
        );
        // A school that has sent its report is not reminded.
        let a_id = school_a.id.to_string();
        let r = post_with_csrf(&office, &page, &remind, &[("unit_id", &a_id)]).await;
        assert_eq!(location(&r), format!("{page}?nhac=da-nop"), "{backend}");
        assert!(manual_reminders(store, &demo, school_a.id).await.is_empty());
        // The head of the office may remind too; a school outside the plan is not found.
        let head = app.signed_in("demo.head").await;
        let r = post_with_csrf(&head, &page, &remind, &[("unit_id", &demo.department_id.to_string())]).await;
        assert_eq!(r.status(), 404, "{backend}");

        // The outbox shows it, filtered and counted; out-of-scope callers see nothing.
        let (s, outbox) = office.text("/thu-di").await;
        assert_eq!(s, 200);
        assert!(
            outbox.contains(&mails[0].subject) && outbox.contains("Đang chờ gửi"),
            "{backend}"
        );
        assert!(outbox.contains("Nhắc nộp báo cáo"), "{backend}: the reason");
        let (s, sent) = office
            .text(&format!("/thu-di?trang_thai=sent&ke_hoach={}", plan.id))
            .await;
        assert_eq!(s, 200);
        assert!(
            !sent.contains(&mails[0].subject) && sent.contains("Không có thư nào khớp"),
            "{backend}"
        );
        let (s, of_plan) = office.text(&format!("/thu-di?ke_hoach={}", plan.id)).await;
        assert_eq!(s, 200);
        assert!(of_plan.contains(&mails[0].subject));
        let (s, other_plan) = office.text(&format!("/thu-di?ke_hoach={}", demo.last_year.id)).await;
        assert_eq!(s, 200);
        assert!(!other_plan.contains(&mails[0].subject));
        assert_eq!(office.get("/thu-di?trang_thai=dang-gui").await.status(), 400);
        assert_eq!(office.get("/thu-di?ke_hoach=abc").await.status(), 400);

        // Another office under the same department sees neither this office's plan nor its mail.
        let ctx = AuditContext::system("dashboard test");
        let fields = lanhmang_domain::unit::UnitInput {
            code: "VHXH-SONGXANH".into(),
            name: "Phòng Văn hóa - Xã hội xã Sông Xanh (demo)".into(),
            kind: "office".into(),
            school_level: String::new(),
            status: "active".into(),
            address: String::new(),
            websites: String::new(),
        }
        .parse()
        .unwrap();
        let other = store
            .create_unit(&ctx, Some(demo.department_id), &fields)
            .await
            .unwrap();
        add_person(store, &other, "chuyen.vien.songxanh", Role::OfficeAdmin).await;
        let stranger = app.signed_in("chuyen.vien.songxanh").await;
        for path in [
            page.clone(),
            format!("{page}.docx"),
            format!("/ke-hoach/{}/chi-tieu.xlsx", plan.id),
        ] {
            assert_eq!(stranger.get(&path).await.status(), 404, "{backend}: {path}");
        }
        let r = post_with_csrf(&stranger, "/", &remind, &[("unit_id", &b_id)]).await;
        assert_eq!(r.status(), 404, "{backend}");
        let (s, theirs) = stranger.text("/thu-di").await;
        assert_eq!(s, 200);
        assert!(
            !theirs.contains(&mails[0].subject) && theirs.contains("Chưa có thư nào."),
            "{backend}"
        );
        let (s, rollup) = stranger.text("/tong-hop-nam?nam=2026-2027").await;
        assert_eq!(s, 200);
        assert!(
            rollup.contains("<span class=\"num\">0/0</span>"),
            "{backend}: nothing of another office"
        );
        app.stop().await;
    }
}

both_backends!(the_department_rollup_counts_its_year_only);
async fn the_department_rollup_counts_its_year_only(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let demo = demo(store).await;
        let admin = app.signed_in("demo.admin").await;
        let admin_token = api_token(&app, "demo.admin").await;
        let (e_this, s_this, _) = dashboard_counts(&app, &admin_token, demo.this_year.id).await;
        let (e_last, s_last, on_time_last) = dashboard_counts(&app, &admin_token, demo.last_year.id).await;
        assert_eq!(e_last, 24, "{backend}");

        let rollup = store.year_rollup(2026, &[demo.department_id]).await.unwrap();
        let expected: i64 = rollup.by_level.iter().map(|l| l.expected).sum();
        assert_eq!(expected, e_this, "{backend}: one plan this year");

        // The default is the current school year.
        let current = lanhmang_domain::school_year::SchoolYear::containing(today());
        let (s, body) = admin.text("/tong-hop-nam").await;
        assert_eq!(s, 200, "{backend}");
        assert!(
            body.contains(&format!("Tổng hợp năm học {}", current.label())),
            "{backend}"
        );
        let (s, body) = admin.text("/tong-hop-nam?nam=2026-2027").await;
        assert_eq!(s, 200);
        assert!(
            body.contains(&format!("<span class=\"num\">{s_this}/{e_this}</span>")),
            "{backend}: {body}"
        );
        assert!(
            !body.contains(&format!("/{}</span>", e_this + e_last)),
            "{backend}: last year's schools are not added"
        );
        assert!(body.contains(&format!("/ke-hoach/{}/tong-hop", demo.this_year.id)));
        assert!(!body.contains(&format!("/ke-hoach/{}/tong-hop", demo.last_year.id)));
        assert!(body.contains("<option value=\"2025-2026\">") && body.contains("selected>Năm học 2026–2027"));
        let (s, body) = admin.text("/tong-hop-nam?nam=2025–2026").await;
        assert_eq!(s, 200);
        assert!(
            body.contains(&format!("<span class=\"num\">{s_last}/{e_last}</span>")),
            "{backend}"
        );
        assert!(
            body.contains(&format!("<span class=\"num\">{on_time_last}/{s_last}</span>")),
            "{backend}: on time"
        );
        // A year without plans shows zeros, not an error; a malformed year is refused.
        let (s, body) = admin.text("/tong-hop-nam?nam=2030-2031").await;
        assert_eq!(s, 200);
        assert!(body.contains("chưa có kế hoạch nào được ban hành"), "{backend}");
        let (s, body) = admin.text("/tong-hop-nam?nam=2026").await;
        assert_eq!(s, 400, "{backend}");
        assert!(body.contains("Năm học phải có dạng 2026-2027"));
        // The office sees the same for its own plans.
        let office = app.signed_in("demo.office").await;
        let (s, body) = office.text("/tong-hop-nam?nam=2026-2027").await;
        assert_eq!(s, 200);
        assert!(body.contains(&format!("<span class=\"num\">{s_this}/{e_this}</span>")));
        app.stop().await;
    }
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

/// The words of a DOCX body: the text of every run, in order.
pub(crate) fn docx_text(bytes: &[u8]) -> String {
    let xml = unzip(bytes, "word/document.xml");
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(start) = rest.find("<w:t") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else { break };
        if rest[..open_end].ends_with('/') {
            rest = &rest[open_end + 1..];
            continue;
        }
        let Some(close) = rest.find("</w:t>") else { break };
        let text = &rest[open_end + 1..close];
        // `<w:tbl>`, `<w:tc>` and friends also start with "<w:t".
        if rest.starts_with("<w:t>") || rest.starts_with("<w:t ") {
            out.push_str(
                &text
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
            out.push('\n');
            rest = &rest[close..];
        } else {
            rest = &rest[open_end + 1..];
        }
    }
    out
}

pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(bytes).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

both_backends!(official_documents_read_back_with_the_store_figures);
async fn official_documents_read_back_with_the_store_figures(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let demo = demo(store).await;
        let plan = &demo.this_year;
        let office = app.signed_in("demo.office").await;
        let token = api_token(&app, "demo.office").await;
        let (expected, submitted, on_time) = dashboard_counts(&app, &token, plan.id).await;
        let base = format!("/ke-hoach/{}/tong-hop", plan.id);

        // The aggregated report as DOCX, with a number given.
        let r = office
            .get(&format!("{base}.docx?so=15/BC-VHXH&noi=An%20B%C3%ACnh"))
            .await;
        assert_eq!(r.status(), 200, "{backend}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(
            disposition.starts_with(
                "attachment; filename=\"bao-cao-tong-hop-2026-2027-vhxh-anbinh.docx\"; filename*=UTF-8''B%C3%A1o"
            ),
            "{backend}: {disposition}"
        );
        let docx = r.bytes().await.unwrap();
        let text = docx_text(&docx);
        for words in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_string(),
            "Độc lập - Tự do - Hạnh phúc".to_string(),
            demo.office.name.to_uppercase(),
            "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH SÔNG HỒNG (DEMO)".to_string(),
            "Số: 15/BC-VHXH".to_string(),
            "An Bình, ngày".to_string(),
            "BÁO CÁO".to_string(),
            "Kết quả thực hiện kế hoạch tổ chức các hoạt động".to_string(),
            "năm học 2026–2027".to_string(),
            format!(
                "Số trường phải nộp báo cáo: {expected}; đã nộp: {submitted}, đạt {}",
                pct(submitted, expected)
            ),
            format!("{on_time}/{submitted}"),
            "Thực hiện Kế hoạch số 05/KH-VHXH".to_string(),
            "Các trường chưa nộp báo cáo".to_string(),
            "II. Kết quả thực hiện các chỉ tiêu".to_string(),
            "Số buổi nói chuyện chuyên đề".to_string(),
            "3. Đề xuất, kiến nghị".to_string(),
            "Đề nghị Phòng cung cấp thêm tài liệu tuyên truyền phù hợp lứa tuổi.".to_string(),
            "Nơi nhận:".to_string(),
            "- Như trên;".to_string(),
            "- Lưu: VT.".to_string(),
            "TRƯỞNG PHÒNG".to_string(),
            "Lê Thị Thu Hà (trưởng phòng, demo)".to_string(),
        ] {
            assert!(text.contains(&words), "{backend}: DOCX lacks {words:?}:\n{text}");
        }
        // The proposals quote the schools by name.
        let accepted_school = &demo.schools[0].name;
        assert!(text.contains(accepted_school.as_str()), "{backend}");

        // The same report as PDF: the same numbers, and how long it takes.
        let started = Instant::now();
        let r = office.get(&format!("{base}.pdf")).await;
        let took = started.elapsed();
        assert_eq!(r.status(), 200, "{backend}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(".pdf\"; filename*=UTF-8''")
        );
        let pdf = r.bytes().await.unwrap();
        eprintln!(
            "{backend}: aggregated report PDF {:.0} KB in {took:?}",
            pdf.len() as f64 / 1024.0
        );
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        for words in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_string(),
            format!(
                "Số trường phải nộp báo cáo: {expected}; đã nộp: {submitted}, đạt {}",
                pct(submitted, expected)
            ),
            "Số: ……/BC-VHXH".to_string(),
            "TRƯỞNG PHÒNG".to_string(),
        ] {
            assert!(text.contains(&words), "{backend}: PDF lacks {words:?}:\n{text}");
        }

        // A bad number is refused in Vietnamese, whatever the format.
        for bad in ["abc", "05/KH-VHXH", "0/BC-VHXH"] {
            for ext in ["docx", "pdf"] {
                let r = office.get(&format!("{base}.{ext}?so={bad}")).await;
                assert_eq!(r.status(), 400, "{backend}: ?so={bad}");
                let body = r.text().await.unwrap();
                assert!(
                    body.contains("Số văn bản") || body.contains("Số thứ tự"),
                    "{backend}: {body}"
                );
            }
        }
        assert_eq!(
            office
                .get(&format!("{base}.docx?noi={}", "x".repeat(80)))
                .await
                .status(),
            400
        );

        // Every indicator per school, matching the store.
        let r = office.get(&format!("/ke-hoach/{}/chi-tieu.xlsx", plan.id)).await;
        assert_eq!(r.status(), 200, "{backend}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = r.bytes().await.unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
        let range = book.worksheet_range("Theo trường").unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let header_at = rows.iter().position(|r| cell_text(&r[0]) == "Mã trường").unwrap();
        let header: Vec<String> = rows[header_at].iter().map(cell_text).collect();
        let body = &rows[header_at + 1..];
        let (totals, schools) = body.split_last().unwrap();
        assert_eq!(cell_text(&totals[0]), "Tổng hợp");
        assert!(
            cell_text(&totals[1]).starts_with(&format!("{submitted}/{expected}")),
            "{backend}"
        );
        assert_eq!(schools.len() as i64, expected, "{backend}: one row per school expected");
        let mut checked = 0;
        for row in schools {
            let code = cell_text(&row[0]);
            let unit = demo.schools.iter().find(|u| u.code == code).unwrap();
            let report = store.report(plan.id, unit.id).await.unwrap();
            let received = report.as_ref().filter(|r| r.status.is_in());
            assert_eq!(cell_text(&row[1]), unit.name);
            for def in plan.content.indicators() {
                let column = header.iter().position(|h| *h == def.name).unwrap();
                let cell = &row[column];
                match received
                    .and_then(|r| r.values.get(&def.code))
                    .and_then(|v| v.value.as_ref())
                {
                    None => assert_eq!(*cell, Data::Empty, "{backend}: {code} {}", def.code),
                    Some(Figure::Number(n)) if def.kind == IndicatorKind::YesNo => {
                        assert_eq!(cell_text(cell), if *n > 0.0 { "Có" } else { "Không" })
                    }
                    Some(Figure::Number(n)) => {
                        let shown = match cell {
                            Data::Float(f) => Some(*f),
                            Data::Int(i) => Some(*i as f64),
                            _ => None,
                        };
                        assert_eq!(shown, Some(*n), "{backend}: {code} {}", def.code);
                        checked += 1;
                    }
                    Some(Figure::Text(t)) => assert_eq!(cell_text(cell), *t),
                }
            }
            if received.is_some() {
                assert!(
                    matches!(row[4], Data::DateTime(_) | Data::Float(_)),
                    "{backend}: submitted date"
                );
            } else {
                assert_eq!(row[4], Data::Empty);
            }
            let status = report.as_ref().map(|r| r.status);
            let label = match status {
                None => "Chưa bắt đầu",
                Some(ReportStatus::Draft) => "Đang soạn",
                Some(ReportStatus::Returned) => "Bị trả lại",
                Some(ReportStatus::Submitted) => "Đã gửi",
                Some(ReportStatus::Accepted) => "Đã duyệt",
                Some(ReportStatus::Reopened) => "Được mở lại",
            };
            assert_eq!(cell_text(&row[3]), label, "{backend}: {code}");
        }
        assert!(checked > 0, "{backend}: some numbers were compared");
        let summary = book.worksheet_range("Chỉ tiêu").unwrap();
        assert!(summary.rows().any(|r| cell_text(&r[0]) == "s1_4_talks"), "{backend}");

        // A school's own report: the office downloads it; signed by its principal.
        let school = &demo.schools[0];
        let r = office
            .get(&format!(
                "/ke-hoach/{}/bao-cao/{}/tai-ve.docx?so=3/BC-THAB",
                plan.id, school.id
            ))
            .await;
        assert_eq!(r.status(), 200, "{backend}");
        let text = docx_text(&r.bytes().await.unwrap());
        for words in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_string(),
            demo.office.name.to_uppercase(),
            school.name.to_uppercase(),
            "Số: 03/BC-THAB".to_string(),
            "Đánh giá việc thực hiện kế hoạch".to_string(),
            "năm học 2026–2027".to_string(),
            "I. Các chỉ tiêu".to_string(),
            "V. Đề xuất, kiến nghị".to_string(),
            "HIỆU TRƯỞNG".to_string(),
            "Nguyễn Văn Bình (hiệu trưởng, demo)".to_string(),
        ] {
            assert!(text.contains(&words), "{backend}: school DOCX lacks {words:?}:\n{text}");
        }
        let r = office
            .get(&format!("/ke-hoach/{}/bao-cao/{}/tai-ve.pdf", plan.id, school.id))
            .await;
        assert_eq!(r.status(), 200, "{backend}");
        let text = pdf_text(&r.bytes().await.unwrap());
        assert!(
            text.contains("HIỆU TRƯỞNG") && text.contains(&school.name.to_uppercase()),
            "{backend}: {text}"
        );
        assert_eq!(
            office
                .get(&format!(
                    "/ke-hoach/{}/bao-cao/{}/tai-ve.docx?so=3/KH-THAB",
                    plan.id, school.id
                ))
                .await
                .status(),
            400
        );
        // A school with no report yet has nothing to download.
        let (nothing, _) = store
            .plan_reports(
                plan,
                &[demo.office.id],
                &ReportFilter {
                    status: Some(None),
                    ..Default::default()
                },
                Paging::default(),
            )
            .await
            .unwrap();
        let r = office
            .get(&format!(
                "/ke-hoach/{}/bao-cao/{}/tai-ve.docx",
                plan.id, nothing[0].unit_id
            ))
            .await;
        assert_eq!(r.status(), 409, "{backend}");
        assert!(r.text().await.unwrap().contains("chưa lập báo cáo"));
        app.stop().await;
    }
}
