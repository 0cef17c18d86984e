//! Notices (thông báo, công văn) from the office to its schools: the audience resolved exactly
//! (a notice to the lower secondary schools' principals reaches those and no one else), the
//! number in the office's sequence, delivery by notification and mail once, reading and
//! acknowledging counted once, the reminder on the due day once, and who may do what. Bad
//! input writes nothing.

use std::sync::Arc;

use crate::common;

use common::{TestApp, add_person, api, api_token, both_backends, mails_to_school, notifications_of, unit_by_code};
use lanhmang_domain::Role;
use serde_json::json;

/// A small PDF, as a notice's attachment.
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// Rows of a table matching `condition`, counted by an UPDATE that changes nothing.
async fn rows(app: &TestApp, table: &str, condition: &str) -> u64 {
    let column = if table == "notices" { "title" } else { "person_id" };
    app.store()
        .execute_raw_for_tests(&format!("UPDATE {table} SET {column} = {column} WHERE {condition}"))
        .await
        .expect("count")
}

/// The use cases over a store of the test's database, as the jobs run them.
async fn service(app: &TestApp) -> lanhmang_app::App {
    let store = Arc::new(
        app.db
            .as_ref()
            .expect("a test database")
            .connect()
            .await
            .expect("store"),
    );
    lanhmang_app::App::new(store, lanhmang_app::Settings::default())
}

fn today() -> time::Date {
    lanhmang_domain::report::vietnam_date(lanhmang_store::now())
}

fn day_text(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

both_backends!(a_notice_reaches_exactly_its_audience_and_counts_each_reading_once);
async fn a_notice_reaches_exactly_its_audience_and_counts_each_reading_once(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    // Principals of a lower secondary school, of a second primary school and of a closed
    // school, and a teacher of the lower secondary school.
    let thcs = unit_by_code(&app, "THCS-ANBINH").await;
    add_person(&app, thcs.id, "ht.thcs", Role::Principal).await;
    add_person(&app, thcs.id, "gv.thcs", Role::Teacher).await;
    add_person(
        &app,
        unit_by_code(&app, "TH-HOASEN").await.id,
        "ht.hoasen",
        Role::Principal,
    )
    .await;
    add_person(
        &app,
        unit_by_code(&app, "THCS-BENDO").await.id,
        "ht.bendo",
        Role::Principal,
    )
    .await;
    let office = api_token(&app, "demo.office").await;
    let due = day_text(today() + time::Duration::days(3));

    // Bad input: every problem listed, 422, nothing written.
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": " ", "body": "", "audience": {"roles": ["system_admin"], "school_levels": ["primary"], "unit_kinds": ["office"]},
            "due": "01/01/2020"})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    let text = body.to_string();
    for expected in [
        "trích yếu",
        "nội dung",
        "đối tượng nhận",
        "Cấp học chỉ áp dụng cho trường",
        "Hạn phản hồi đã qua",
    ] {
        assert!(text.contains(expected), "{backend}: {expected} in {body}");
    }
    // A unit outside the office's subtree (its department) is refused too.
    let department = unit_by_code(&app, "SGD-DEMO").await;
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Về việc X", "body": "Nội dung.", "audience": {"roles": ["principal"], "unit_ids": [department.id]}})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    // An office sends in its own name, never in a school's below it.
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(
            json!({"unit_id": thcs.id, "title": "Về việc X", "body": "Nội dung.", "audience": {"roles": ["teacher"]}}),
        ),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert!(
        body.to_string().contains("nhân danh đơn vị của mình"),
        "{backend}: {body}"
    );
    assert_eq!(rows(&app, "notices", "1 = 1").await, 0, "{backend}: nothing written");
    // Collaborators and parents' representatives send no notices.
    for who in ["demo.collaborator", "demo.parent"] {
        let token = api_token(&app, who).await;
        let (status, _) = api(&app, &token, "POST", "/api/v1/notices", Some(json!({}))).await;
        assert_eq!(status, 403, "{backend}: {who}");
    }

    // To the principals of the lower secondary schools, acknowledgment required.
    let (status, sent) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Về việc triển khai tuần lễ an toàn trên mạng", "body": "Đề nghị các trường triển khai.\n\nBáo cáo kết quả trước hạn.",
            "audience": {"roles": ["principal"], "unit_kinds": ["school"], "school_levels": ["lower_secondary"]},
            "ack_required": true, "due": due})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    assert_eq!(
        sent["recipients"], 1,
        "{backend}: only the open lower secondary school's principal"
    );
    let number = sent["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("01/TB-"), "{backend}: {number}");
    let id = sent["id"].as_i64().unwrap();
    for outsider in ["demo.principal", "ht.hoasen", "ht.bendo", "gv.thcs", "demo.teacher"] {
        let token = api_token(&app, outsider).await;
        let (status, _) = api(&app, &token, "GET", &format!("/api/v1/notices/{id}"), None).await;
        assert_eq!(status, 404, "{backend}: {outsider} is not addressed");
    }

    // Delivery: one notification and one mail to the principal, and never twice.
    let jobs = service(&app).await;
    assert!(
        jobs.store.notices_undelivered().await.unwrap(),
        "{backend}: the scheduler sees it waiting"
    );
    let (told, more) = lanhmang_app::notices::deliver(&jobs).await.unwrap();
    assert_eq!((told, more), (1, false), "{backend}");
    assert!(!jobs.store.notices_undelivered().await.unwrap(), "{backend}");
    assert_eq!(
        lanhmang_app::notices::deliver(&jobs).await.unwrap(),
        (0, false),
        "{backend}"
    );
    assert_eq!(notifications_of(&app, "ht.thcs", "notice").await, 1, "{backend}");
    assert_eq!(notifications_of(&app, "demo.principal", "notice").await, 0, "{backend}");
    // The mail is the issuing office's, as its outbox lists it.
    let office_unit = unit_by_code(&app, "VHXH-ANBINH").await;
    let mails = mails_to_school(&app, office_unit.id, "notice").await;
    assert_eq!(mails.len(), 1, "{backend}: {mails:?}");
    assert_eq!(mails[0].to_address, "ht.thcs@demo.test");
    assert!(mails[0].subject.contains(&number), "{backend}: {}", mails[0].subject);

    // The principal opens it (read), then acknowledges it, twice: counted once.
    let principal = app.signed_in("ht.thcs").await;
    let (status, list) = principal.text("/van-ban?chua_doc=1").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("Về việc triển khai tuần lễ an toàn trên mạng"),
        "{backend}"
    );
    let (status, page) = principal.text(&format!("/van-ban/{id}")).await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        page.contains("Báo cáo kết quả trước hạn.") && page.contains("Đã nhận"),
        "{backend}"
    );
    let thcs_token = api_token(&app, "ht.thcs").await;
    for _ in 0..2 {
        let (status, body) = api(
            &app,
            &thcs_token,
            "POST",
            &format!("/api/v1/notices/{id}/acknowledge"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert!(body["acknowledged_at"].is_string(), "{backend}: {body}");
        assert!(
            body.get("recipients").is_none(),
            "{backend}: a recipient sees no one else's reading"
        );
    }
    let (_, seen) = api(&app, &office, "GET", &format!("/api/v1/notices/{id}"), None).await;
    assert_eq!(
        (
            seen["recipients"].as_i64(),
            seen["read"].as_i64(),
            seen["acknowledged"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{backend}: {seen}"
    );
    assert_eq!(seen["units"][0]["unit_name"], thcs.name, "{backend}: {seen}");
    // The sender is not a recipient: they neither read nor acknowledge it.
    let (status, _) = api(
        &app,
        &office,
        "POST",
        &format!("/api/v1/notices/{id}/acknowledge"),
        None,
    )
    .await;
    assert_eq!(status, 403, "{backend}");
    let (status, people) = api(&app, &office, "GET", &format!("/api/v1/notices/{id}/recipients"), None).await;
    assert_eq!(status, 200, "{backend}");
    assert_eq!(people["total"], 1);
    assert!(people["items"][0]["read_at"].is_string(), "{backend}: {people}");
    let (status, _) = api(
        &app,
        &thcs_token,
        "GET",
        &format!("/api/v1/notices/{id}/recipients"),
        None,
    )
    .await;
    assert_eq!(status, 403, "{backend}");

    // A level narrows the schools only: with offices asked too, the office's head is reached.
    let (status, sent) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Về việc họp giao ban", "body": "Kính mời dự họp.",
            "audience": {"roles": ["principal", "office_head"], "unit_kinds": ["school", "office"], "school_levels": ["lower_secondary"]}})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    assert_eq!(sent["recipients"], 2, "{backend}: ht.thcs and demo.head");
    let meeting = sent["id"].as_i64().unwrap();
    let head = api_token(&app, "demo.head").await;
    let (status, _) = api(&app, &head, "GET", &format!("/api/v1/notices/{meeting}"), None).await;
    assert_eq!(status, 200, "{backend}");

    // To every principal, due today, no acknowledgment asked: the next number; one principal
    // reads it; the reminder goes once, to those who have not.
    let (status, sent) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(
            json!({"title": "Về việc rà soát trang thông tin điện tử", "body": "Đề nghị rà soát.",
            "audience": {"roles": ["principal"]}, "due": day_text(today())}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    assert!(
        sent["number"].as_str().unwrap().starts_with("03/TB-"),
        "{backend}: {sent}"
    );
    let all_id = sent["id"].as_i64().unwrap();
    assert_eq!(
        sent["recipients"], 3,
        "{backend}: demo.principal, ht.thcs, ht.hoasen; not the closed school"
    );
    let (status, _) = api(
        &app,
        &thcs_token,
        "POST",
        &format!("/api/v1/notices/{all_id}/acknowledge"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{backend}: nothing to acknowledge");
    let (status, _) = api(
        &app,
        &thcs_token,
        "POST",
        &format!("/api/v1/notices/{all_id}/read"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{backend}");
    // Only those already told are reminded: nobody before delivery.
    assert_eq!(
        lanhmang_app::notices::remind_due(&jobs, today()).await.unwrap(),
        0,
        "{backend}"
    );
    assert_eq!(
        rows(&app, "notices", &format!("id = {all_id} AND reminded_at IS NULL")).await,
        1,
        "{backend}: not stamped before everyone was told"
    );
    lanhmang_app::notices::deliver(&jobs).await.unwrap();
    assert_eq!(
        lanhmang_app::notices::remind_due(&jobs, today()).await.unwrap(),
        2,
        "{backend}"
    );
    assert_eq!(
        lanhmang_app::notices::remind_due(&jobs, today()).await.unwrap(),
        0,
        "{backend}: once"
    );
    assert_eq!(
        notifications_of(&app, "demo.principal", "notice_reminder").await,
        1,
        "{backend}"
    );
    assert_eq!(
        notifications_of(&app, "ht.thcs", "notice_reminder").await,
        0,
        "{backend}: read in time"
    );
    // The first notice is not due yet: no reminder for it.
    assert_eq!(
        rows(&app, "notices", &format!("id = {id} AND reminded_at IS NULL")).await,
        1,
        "{backend}"
    );
    app.stop().await;
}

both_backends!(the_sending_form_names_each_problem_and_the_pages_follow_the_rules);
async fn the_sending_form_names_each_problem_and_the_pages_follow_the_rules(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let office = app.signed_in("demo.office").await;
    let (status, form) = office.text("/van-ban/moi").await;
    assert_eq!(status, 200, "{backend}");
    assert!(form.contains("Gửi thông báo"), "{backend}");
    let r = office
        .submit_multipart(
            "/van-ban/moi",
            "/van-ban/moi",
            &[("title", ""), ("body", "  "), ("due", "32/13/2026")],
            "file",
            &[("chuong-trinh.exe", b"MZ\x90\x00 not a document".to_vec())],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let body = r.text().await.unwrap();
    for expected in [
        "Hãy ghi trích yếu",
        "Hãy ghi nội dung",
        "Hãy chọn người nhận",
        "ngày/tháng/năm",
        "chuong-trinh.exe",
    ] {
        assert!(body.contains(expected), "{backend}: {expected}");
    }
    assert_eq!(rows(&app, "notices", "1 = 1").await, 0, "{backend}");

    // Through the form: to the teachers and principals of the office's schools.
    let r = office
        .submit_multipart(
            "/van-ban/moi",
            "/van-ban/moi",
            &[
                ("title", "Về việc hưởng ứng ngày an toàn thông tin"),
                ("body", "Đề nghị các trường tổ chức tuyên truyền."),
                ("roles", "principal"),
                ("roles", "teacher"),
                ("unit_kinds", "school"),
                ("ack_required", "1"),
            ],
            "file",
            &[("Kế hoạch tuyên truyền.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = location
        .trim_start_matches("/van-ban/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, page) = office.text(&location).await;
    assert!(
        page.contains("Đã gửi thông báo") && page.contains("đã đọc 0/2"),
        "{backend}"
    );
    // The file came with it: the teacher downloads it as it was sent.
    let file = app.store().notice_attachments(id).await.unwrap();
    assert_eq!(file.len(), 1, "{backend}");
    assert!(page.contains(&format!("/van-ban/{id}/tep/{}", file[0].id)), "{backend}");
    let r = app
        .signed_in("demo.teacher")
        .await
        .get(&format!("/van-ban/{id}/tep/{}", file[0].id))
        .await;
    assert_eq!(r.status(), 200, "{backend}");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF, "{backend}");
    let outsider = app.signed_in("demo.parent").await;
    assert_eq!(
        outsider
            .get(&format!("/van-ban/{id}/tep/{}", file[0].id))
            .await
            .status(),
        404,
        "{backend}"
    );

    // The teacher reads it in the list, opens it, acknowledges with the button.
    let teacher = app.signed_in("demo.teacher").await;
    let (_, list) = teacher.text("/van-ban").await;
    assert!(list.contains("Chưa đọc"), "{backend}");
    // A teacher writes to families only: the form offers no staff.
    let (status, form) = teacher.text("/van-ban/moi").await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        form.contains("value=\"parent\"") && !form.contains("value=\"principal\""),
        "{backend}"
    );
    let collaborator = app.signed_in("demo.collaborator").await;
    assert_eq!(collaborator.get("/van-ban/moi").await.status(), 403, "{backend}");
    assert_eq!(
        teacher.get(&format!("/van-ban/{id}/nguoi-nhan")).await.status(),
        403,
        "{backend}"
    );
    let r = teacher
        .submit(&format!("/van-ban/{id}"), &format!("/van-ban/{id}/xac-nhan"), &[])
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let (_, page) = office.text(&format!("/van-ban/{id}")).await;
    assert!(page.contains("đã đọc 1/2 · xác nhận 1/2"), "{backend}");
    let (status, people) = office.text(&format!("/van-ban/{id}/nguoi-nhan")).await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        people.contains("Phạm Thị Lan") && people.contains("Chưa xác nhận"),
        "{backend}"
    );
    // The notice as a Decree 30 document, for sender and recipient alike.
    for (who, format) in [(&office, "docx"), (&teacher, "pdf")] {
        let r = who.get(&format!("/van-ban/{id}/thong-bao.{format}")).await;
        assert_eq!(r.status(), 200, "{backend}: {format}");
        let bytes = r.bytes().await.unwrap();
        let text = if format == "docx" {
            crate::dashboard::docx_text(&bytes)
        } else {
            crate::dashboard::pdf_text(&bytes)
        };
        for expected in [
            "THÔNG BÁO",
            "Về việc hưởng ứng ngày an toàn thông tin",
            "Đề nghị các trường tổ chức tuyên truyền.",
            "01/TB-",
        ] {
            assert!(text.contains(expected), "{backend}: {format} lacks {expected}: {text}");
        }
    }
    // A parent representative of the school was not addressed: 404, and an empty list.
    let parent = app.signed_in("demo.parent").await;
    assert_eq!(parent.get(&format!("/van-ban/{id}")).await.status(), 404, "{backend}");
    assert_eq!(
        parent.get(&format!("/van-ban/{id}/thong-bao.pdf")).await.status(),
        404,
        "{backend}"
    );
    let (_, list) = parent.text("/van-ban").await;
    assert!(list.contains("Chưa có thông báo nào"), "{backend}");
    app.stop().await;
}

both_backends!(publishing_a_plan_is_listed_as_a_notice_without_a_second_mail);
async fn publishing_a_plan_is_listed_as_a_notice_without_a_second_mail(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let office = api_token(&app, "demo.office").await;
    let (status, plan) = api(
        &app,
        &office,
        "POST",
        "/api/v1/plans",
        Some(
            json!({"title": "Kế hoạch năm học 2027–2028", "school_year": "2027-2028",
            "deadline": "2028-06-01", "template": "builtin", "number": "07/KH-VHXH"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {plan}");
    let plan_id = plan["id"].as_i64().unwrap();
    let (status, body) = api(&app, &office, "POST", &format!("/api/v1/plans/{plan_id}/publish"), None).await;
    assert_eq!(status, 200, "{backend}: {body}");

    // The principal finds it among their notices: automatic, unnumbered, linking the plan.
    let principal = api_token(&app, "demo.principal").await;
    let (status, list) = api(&app, &principal, "GET", "/api/v1/notices?unread=true", None).await;
    assert_eq!(status, 200, "{backend}: {list}");
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "plan_published")
        .unwrap_or_else(|| panic!("{backend}: no automatic notice in {list}"))
        .clone();
    assert!(item["number"].is_null(), "{backend}: {item}");
    assert_eq!(item["link"], format!("/ke-hoach/{plan_id}"), "{backend}");
    let id = item["id"].as_i64().unwrap();
    // Already told: the delivery job has nothing to send for it, so no second mail.
    let jobs = service(&app).await;
    assert_eq!(
        lanhmang_app::notices::deliver(&jobs).await.unwrap(),
        (0, false),
        "{backend}"
    );
    assert_eq!(
        notifications_of(&app, "demo.principal", "plan_published").await,
        1,
        "{backend}"
    );
    assert_eq!(notifications_of(&app, "demo.principal", "notice").await, 0, "{backend}");
    // The office sees who read it; no document is printed for an automatic notice.
    let (status, page) = app
        .signed_in("demo.principal")
        .await
        .text(&format!("/van-ban/{id}"))
        .await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        page.contains("Mở nội dung được thông báo") && !page.contains("thong-bao.pdf"),
        "{backend}"
    );
    let (_, seen) = api(&app, &office, "GET", &format!("/api/v1/notices/{id}"), None).await;
    assert_eq!(seen["read"], 1, "{backend}: {seen}");
    assert!(seen["recipients"].as_i64().unwrap() >= 1, "{backend}: {seen}");
    let office_browser = app.signed_in("demo.office").await;
    assert_eq!(
        office_browser
            .get(&format!("/van-ban/{id}/thong-bao.pdf"))
            .await
            .status(),
        409,
        "{backend}"
    );
    app.stop().await;
}

both_backends!(parents_read_the_guides_and_the_lessons_notes_without_an_account);
async fn parents_read_the_guides_and_the_lessons_notes_without_an_account(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let anyone = app.client();
    let r = anyone.get(app.url("/cha-me")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{backend}");
    assert!(
        r.headers().get("set-cookie").is_none(),
        "{backend}: no cookie for a visitor"
    );
    let index = r.text().await.unwrap();
    assert!(index.contains("Tổng đài quốc gia bảo vệ trẻ em 111"), "{backend}");
    for guide in lanhmang_domain::parent_guide::parent_guides() {
        assert!(index.contains(&guide.title), "{backend}: {}", guide.title);
        let r = anyone
            .get(app.url(&format!("/cha-me/{}", guide.slug)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{backend}: {}", guide.slug);
        let page = r.text().await.unwrap();
        assert!(page.contains(&guide.sections[0].heading), "{backend}: {}", guide.slug);
    }
    // By the child's band: that band's notes for parents, and only the guides for it.
    let (band, lesson) = (
        lanhmang_domain::lesson::LessonBand::Grades1To2,
        lanhmang_domain::lesson::built_in_lesson("online_scams-grades_1_2").expect("a lesson"),
    );
    let r = anyone
        .get(app.url(&format!("/cha-me?lop={}", band.as_str())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{backend}");
    let page = r.text().await.unwrap();
    let first_words: String = lesson.content.parent_note.chars().take(40).collect();
    assert!(page.contains(&first_words), "{backend}: {first_words}");
    assert!(
        !page.contains("Chiếc điện thoại đầu tiên"),
        "{backend}: not a guide for grades 1–2"
    );
    // Bad input: a clear 400; an unknown guide: 404.
    let r = anyone.get(app.url("/cha-me?lop=staff")).send().await.unwrap();
    assert_eq!(r.status(), 400, "{backend}");
    let r = anyone.get(app.url("/cha-me/khong-co")).send().await.unwrap();
    assert_eq!(r.status(), 404, "{backend}");
    app.stop().await;
}

both_backends!(a_large_audience_is_addressed_after_the_request_exactly_as_a_small_one);
/// The same audience sent twice: addressed whole in the request, and a unit at a time after
/// it (a first batch of one recipient, then batches of two). Both reach the same people at the
/// same units with the same counts; the reminder waits while the second is addressed, and
/// everyone is told once.
async fn a_large_audience_is_addressed_after_the_request_exactly_as_a_small_one(backend: &'static str) {
    use lanhmang_domain::notice::NoticeAudience;
    use lanhmang_store::notices::NewNotice;
    let app = TestApp::spawn(backend).await;
    // Teachers in several schools, so that the audience spans many units.
    for (i, code) in [
        "TH-ANBINH",
        "TH-HOASEN",
        "TH-BINHMINH",
        "THCS-ANBINH",
        "THCS-THANHXUAN",
        "TH-CAUTRE",
    ]
    .iter()
    .enumerate()
    {
        let unit = unit_by_code(&app, code).await;
        for j in 0..3 {
            add_person(&app, unit.id, &format!("gv.{i}.{j}"), Role::Teacher).await;
        }
    }
    let office = unit_by_code(&app, "VHXH-ANBINH").await;
    let sender = app.store().person_by_username("demo.office").await.unwrap().unwrap();
    let ctx = lanhmang_store::AuditContext {
        actor_id: Some(sender.id),
        actor: sender.username.clone(),
        client_ip: "127.0.0.1".into(),
    };
    let notice = |title: &str, first_batch: i64| NewNotice {
        title: title.into(),
        body: "Các trường triển khai tuần lễ an toàn mạng.".into(),
        audience: NoticeAudience {
            roles: vec![Role::Principal, Role::Teacher, Role::WebsiteAdmin, Role::Parent],
            unit_kinds: vec![lanhmang_domain::UnitKind::School],
            ..Default::default()
        },
        ack_required: false,
        due_on: None,
        numbered: None,
        webhooks_from: None,
        first_batch,
        attachments: Vec::new(),
    };
    let whole = app
        .store()
        .send_notice(&ctx, &office.ancestry, &notice("Cả một lần", 2_000))
        .await
        .unwrap();
    assert!(!whole.addressing && whole.recipients >= 20, "{backend}: {whole:?}");
    let batched = app
        .store()
        .send_notice(&ctx, &office.ancestry, &notice("Từng phần", 1))
        .await
        .unwrap();
    assert!(batched.addressing, "{backend}: {batched:?}");
    assert!(batched.recipients < whole.recipients, "{backend}: {batched:?}");
    assert!(app.store().notices_addressing().await.unwrap());
    assert!(
        app.store().notice_undelivered(batched.id).await.unwrap(),
        "{backend}: the reminder waits while the audience is addressed"
    );
    let jobs = service(&app).await;
    // Delivery runs between batches, as two workers would.
    let mut batches = 0;
    loop {
        lanhmang_app::notices::deliver(&jobs).await.unwrap();
        let (_, more) = app.store().address_notice_batch(2).await.unwrap();
        batches += 1;
        if !more {
            break;
        }
        assert!(batches < 100, "{backend}: addressing ends");
    }
    assert!(batches >= 2, "{backend}: several batches ({batches})");
    while lanhmang_app::notices::deliver(&jobs).await.unwrap().1 {}
    let (a, b) = (whole.id, batched.id);
    let done = app.store().notice(b).await.unwrap().unwrap();
    assert!(!done.addressing);
    assert_eq!(done.recipients, whole.recipients, "{backend}");
    let differ = format!(
        "notice_id = {b} AND (person_id, unit_id) NOT IN (SELECT person_id, unit_id FROM notice_recipients WHERE notice_id = {a})"
    );
    assert_eq!(
        rows(&app, "notice_recipients", &differ).await,
        0,
        "{backend}: the same people at the same units"
    );
    assert_eq!(
        app.store()
            .notice_unit_readings(a)
            .await
            .unwrap()
            .iter()
            .map(|u| (u.unit_id, u.recipients))
            .collect::<Vec<_>>(),
        app.store()
            .notice_unit_readings(b)
            .await
            .unwrap()
            .iter()
            .map(|u| (u.unit_id, u.recipients))
            .collect::<Vec<_>>(),
        "{backend}: the same counts per unit"
    );
    assert!(
        !app.store().notice_undelivered(b).await.unwrap(),
        "{backend}: everyone told"
    );
    assert_eq!(
        rows(&app, "notifications", &format!("link = '/van-ban/{b}'")).await,
        u64::try_from(whole.recipients).unwrap(),
        "{backend}: told once each"
    );
    app.stop().await;
}

both_backends!(files_travel_with_a_notice_through_the_api_to_its_readers_only);
async fn files_travel_with_a_notice_through_the_api_to_its_readers_only(backend: &'static str) {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let app = TestApp::spawn(backend).await;
    let office = api_token(&app, "demo.office").await;
    let notice = |attachments: serde_json::Value| {
        json!({"title": "Công văn kèm phụ lục", "body": "Các trường xem phụ lục kèm theo.",
               "audience": {"roles": ["principal"]}, "attachments": attachments})
    };
    // Bad files: a program named as a PDF, text that is no base64, too many, too large.
    for (bad, says) in [
        (
            json!([{"file_name": "phu-luc.pdf", "content_base64": b64(b"MZ\x90\x00")}]),
            "phu-luc.pdf",
        ),
        (
            json!([{"file_name": "phu-luc.pdf", "content_base64": "không phải base64"}]),
            "base64",
        ),
        (
            serde_json::Value::Array(vec![json!({"file_name": "a.pdf", "content_base64": b64(PDF)}); 4]),
            "tối đa 3 tệp",
        ),
        (
            json!([{"file_name": "lon.pdf", "content_base64": b64(&[PDF, &vec![b' '; 1_400_000]].concat())}]),
            "1,4 MB",
        ),
    ] {
        let (status, body) = api(&app, &office, "POST", "/api/v1/notices", Some(notice(bad))).await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(body.to_string().contains(says), "{backend}: {says} in {body}");
    }
    assert_eq!(rows(&app, "notices", "1 = 1").await, 0, "{backend}: nothing written");

    let (status, sent) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(notice(
            json!([{"file_name": "Phụ lục 1.pdf", "content_base64": b64(PDF)}]),
        )),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    let id = sent["id"].as_i64().unwrap();
    let principal = api_token(&app, "demo.principal").await;
    let (status, shown) = api(&app, &principal, "GET", &format!("/api/v1/notices/{id}"), None).await;
    assert_eq!(status, 200);
    let file = &shown["attachments"][0];
    assert_eq!(file["content_type"], "application/pdf", "{backend}: {shown}");
    assert_eq!(file["size"], PDF.len());
    let path = file["path"].as_str().unwrap().to_string();
    let r = app
        .client()
        .get(app.url(&path))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    // Someone it was not sent to does not find it.
    let teacher = api_token(&app, "demo.teacher").await;
    let r = app
        .client()
        .get(app.url(&path))
        .bearer_auth(&teacher)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "{backend}");
    // The mail says a file comes with it.
    lanhmang_app::notices::deliver(&service(&app).await).await.unwrap();
    let office_unit = unit_by_code(&app, "VHXH-ANBINH").await;
    let mails = mails_to_school(&app, office_unit.id, "notice").await;
    assert!(
        mails.iter().any(|m| m.body.contains("Kèm theo 1 tệp")),
        "{backend}: {mails:?}"
    );
    app.stop().await;
}

both_backends!(the_request_keeps_to_its_budget_when_the_audience_begins_with_empty_units);
/// An office writing to parents is the first unit of its own audience, and has none: the
/// request must still address about its budget, not the parents of a batch of schools at once
/// (it addressed 64 schools' parents, 16 times the budget, in the bench at a million parents).
async fn the_request_keeps_to_its_budget_when_the_audience_begins_with_empty_units(backend: &'static str) {
    use lanhmang_domain::notice::NoticeAudience;
    use lanhmang_domain::parents::ClassName;
    use lanhmang_store::notices::NewNotice;
    let app = TestApp::spawn(backend).await;
    let store = app.store();
    let ctx = lanhmang_store::AuditContext::system("test");
    let class = ClassName::parse("5A").expect("class");
    let expires = lanhmang_store::now() + time::Duration::days(30);
    let hash = lanhmang_domain::password::hash("mùa thu lá vàng rơi").expect("hash");
    // Three more parents in each of four schools, besides the demo's two in TH-ANBINH's 4A.
    for (i, code) in ["TH-ANBINH", "TH-HOASEN", "TH-BINHMINH", "TH-CAUTRE"]
        .iter()
        .enumerate()
    {
        let unit = unit_by_code(&app, code).await;
        let invitation = format!("NGAN-SACH-{i}");
        store
            .create_invitation(&ctx, unit.id, &class, &invitation, expires)
            .await
            .expect("invitation");
        for j in 0..3 {
            let fields = lanhmang_domain::person::PersonInput {
                username: format!("cha.{i}.{j}"),
                display_name: format!("Phụ huynh {i}.{j}"),
                email: format!("cha.{i}.{j}@demo.test"),
                phone: String::new(),
            }
            .parse()
            .expect("a valid person");
            let person = store
                .create_person(&ctx, unit.id, &fields, Some(&hash), false)
                .await
                .expect("person");
            store.join_class(&ctx, person.id, &invitation).await.expect("join");
        }
    }
    let office = unit_by_code(&app, "VHXH-ANBINH").await;
    let sent = store
        .send_notice(
            &ctx,
            &office.ancestry,
            &NewNotice {
                title: "Họp phụ huynh đầu năm".into(),
                body: "Kính mời phụ huynh dự họp.".into(),
                audience: NoticeAudience {
                    roles: vec![Role::Parent],
                    ..Default::default()
                },
                ack_required: false,
                due_on: None,
                numbered: None,
                webhooks_from: None,
                first_batch: 3,
                attachments: Vec::new(),
            },
        )
        .await
        .expect("sent");
    // The office (empty), then TH-ANBINH alone: its 5 parents pass the budget of 3.
    assert!(sent.addressing, "{backend}: {sent:?}");
    assert_eq!(
        sent.recipients, 5,
        "{backend}: one school's parents, not every school's"
    );
    while store.address_notice_batch(3).await.expect("batch").1 {}
    let done = store.notice(sent.id).await.expect("notice").expect("found");
    assert_eq!(done.recipients, 14, "{backend}: every parent in the end");
    app.stop().await;
}
