//! Trainings through the pages (and the API's twin): an office schedules one for the teachers
//! and principals of a school with a staff lesson as its test; the teacher is invited, registers,
//! takes the pre-test, attends with the code, takes the post-test, downloads the certificate that
//! anyone can verify; the office reads the gain per question; the school's report counts the
//! attendance. Refusals write nothing, and no one's answers are kept.

use crate::common;

use common::{TestApp, add_person, api, api_token, both_backends, mails_to_school, notifications_of};
use lanhmang_domain::Role;
use lanhmang_domain::lesson::{LessonBand, built_in};
use lanhmang_domain::report::VIETNAM;

/// Rows of a table matching `condition`, counted by an UPDATE that changes nothing.
async fn rows(app: &TestApp, table: &str, condition: &str) -> u64 {
    let column = match table {
        "trainings" => "title",
        "training_tallies" => "answered",
        _ => "person_id",
    };
    app.store()
        .execute_raw_for_tests(&format!("UPDATE {table} SET {column} = {column} WHERE {condition}"))
        .await
        .expect("count")
}

/// Date and time fields for a start `minutes` from now, in Vietnam time.
fn soon(minutes: i64) -> (String, String) {
    let at = (time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes)).to_offset(VIETNAM);
    (
        format!("{:02}/{:02}/{}", at.day(), u8::from(at.month()), at.year()),
        format!("{:02}:{:02}", at.hour(), at.minute()),
    )
}

/// The attendance code as the organizer's page shows it.
fn shown_code(body: &str) -> String {
    let marker = "aria-label=\"Mã điểm danh ";
    let start = body.find(marker).expect("the organizer sees the code") + marker.len();
    body[start..start + 6].to_string()
}

fn staff_lesson() -> (&'static str, &'static lanhmang_domain::lesson::LessonContent) {
    let l = built_in()
        .iter()
        .find(|l| l.content.band == LessonBand::Staff)
        .expect("a staff lesson");
    (l.id.as_str(), &l.content)
}

/// Sends the test `phase` (`truoc`, `sau`) of training `id`, every answer right or every one wrong.
async fn take_test(
    who: &common::Browser,
    id: i64,
    phase: &str,
    lesson: &lanhmang_domain::lesson::LessonContent,
    right: bool,
) -> reqwest::Response {
    let n = lesson.questions.len().to_string();
    let answers: Vec<(String, String)> = lesson
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let choice = if right {
                q.answer
            } else {
                (q.answer + 1) % q.choices.len()
            };
            (format!("q{i}"), choice.to_string())
        })
        .collect();
    let mut fields: Vec<(&str, &str)> = vec![("questions", n.as_str())];
    fields.extend(answers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let path = format!("/tap-huan/{id}/kiem-tra/{phase}");
    who.submit(&path, &path, &fields).await
}

both_backends!(a_training_from_invitation_to_certificate);
async fn a_training_from_invitation_to_certificate(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let store = app.store();
    let teacher_person = store.person_by_username("demo.teacher").await.unwrap().unwrap();
    let office_person = store.person_by_username("demo.office").await.unwrap().unwrap();
    let school = teacher_person.unit_id;
    let office_unit = office_person.unit_id;
    let other_school = store
        .active_schools_under(office_unit)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.id != school)
        .expect("a second school")
        .id;
    add_person(&app, other_school, "gv.truongkhac", Role::Teacher).await;
    let (lesson_id, lesson) = staff_lesson();
    let office = app.signed_in("demo.office").await;
    let (date, time) = soon(10);
    let school_text = school.to_string();

    // Bad input: every problem named beside its field, nothing written, no one told.
    let r = office
        .submit(
            "/tap-huan/moi",
            "/tap-huan/moi",
            &[
                ("unit_id", &office_unit.to_string()),
                ("title", " "),
                ("date", "31/02/2020"),
                ("time", "8h"),
                ("minutes", "5"),
                ("capacity", "0"),
                ("online_link", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let body = r.text().await.unwrap();
    for expected in [
        "Hãy ghi tên buổi tập huấn",
        "ngày/tháng/năm",
        "giờ:phút",
        "Thời lượng là số phút",
        "Số chỗ là một số",
        "http:// hoặc https://",
        "Hãy chọn đối tượng được mời",
    ] {
        assert!(body.contains(expected), "{backend}: {expected}");
    }
    assert_eq!(rows(&app, "trainings", "1 = 1").await, 0, "{backend}: nothing written");
    assert_eq!(notifications_of(&app, "demo.teacher", "training_invited").await, 0);

    // A parent representative may not schedule.
    let parent = app.signed_in("demo.parent").await;
    assert_eq!(parent.get("/tap-huan/moi").await.status(), 403, "{backend}");

    // The office schedules for the teachers and principals of the teacher's school.
    let r = office
        .submit(
            "/tap-huan/moi",
            "/tap-huan/moi",
            &[
                ("unit_id", &office_unit.to_string()),
                ("title", "Tập huấn sử dụng mạng xã hội an toàn"),
                ("date", &date),
                ("time", &time),
                ("minutes", "90"),
                ("place", "Hội trường Phòng Giáo dục"),
                ("capacity", "30"),
                ("roles", "teacher"),
                ("roles", "principal"),
                ("units", &school_text),
                ("materials", lesson_id),
                ("test_lesson", lesson_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let page = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = page
        .trim_start_matches("/tap-huan/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, organizer_page) = office.text(&page).await;
    assert!(organizer_page.contains("<svg"), "{backend}: the QR is drawn");
    let code = shown_code(&organizer_page);
    assert!(
        organizer_page.contains("Phạm Thị Lan"),
        "{backend}: the teacher is listed"
    );

    // Invited by notice and by mail, in the same change.
    assert_eq!(
        notifications_of(&app, "demo.teacher", "training_invited").await,
        1,
        "{backend}"
    );
    let mails = mails_to_school(&app, office_unit, "training_invited").await;
    assert!(
        mails.iter().any(|m| m.to_address == "demo.teacher@demo.test"),
        "{backend}: {mails:?}"
    );
    assert!(!mails.iter().any(|m| m.to_address == "gv.truongkhac@demo.test"));

    // A teacher of another school neither sees it nor finds it.
    let outsider = app.signed_in("gv.truongkhac").await;
    assert_eq!(
        outsider.get(&format!("/tap-huan/{id}")).await.status(),
        404,
        "{backend}"
    );
    let (_, list) = outsider.text("/tap-huan").await;
    assert!(!list.contains("Tập huấn sử dụng mạng xã hội an toàn"), "{backend}");

    // The teacher registers and takes the pre-test, answering every question wrong.
    let teacher = app.signed_in("demo.teacher").await;
    let (status, list) = teacher.text("/tap-huan").await;
    assert_eq!(status, 200);
    assert!(list.contains("Tập huấn sử dụng mạng xã hội an toàn"), "{backend}");
    let r = teacher
        .submit(&format!("/tap-huan/{id}"), &format!("/tap-huan/{id}/dang-ky"), &[])
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let (status, test_page) = teacher.text(&format!("/tap-huan/{id}/kiem-tra/truoc")).await;
    assert_eq!(status, 200, "{backend}");
    assert!(test_page.contains(&lesson.questions[0].text));
    let r = take_test(&teacher, id, "truoc", lesson, false).await;
    assert_eq!(r.status(), 200, "{backend}");
    let feedback = r.text().await.unwrap();
    assert!(feedback.contains(&lesson.questions[0].explanation), "{backend}");
    // Once only.
    assert_eq!(
        teacher.get(&format!("/tap-huan/{id}/kiem-tra/truoc")).await.status(),
        409,
        "{backend}"
    );
    // The post-test waits for attendance.
    assert_eq!(
        teacher.get(&format!("/tap-huan/{id}/kiem-tra/sau")).await.status(),
        409,
        "{backend}"
    );

    // Only the organizer ticks people by hand: the principal (invited, organizing elsewhere) is
    // refused, the teacher is refused at the door.
    let principal = app.signed_in("demo.principal").await;
    let csrf = principal.csrf_from(&format!("/tap-huan/{id}")).await;
    let r = principal
        .post_form(
            &format!("/tap-huan/{id}/diem-danh-tay"),
            &[
                ("_csrf", &csrf),
                ("listed", &teacher_person.id.to_string()),
                ("present", &teacher_person.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "{backend}");
    let csrf = teacher.csrf_from(&format!("/tap-huan/{id}")).await;
    let r = teacher
        .post_form(&format!("/tap-huan/{id}/diem-danh-tay"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 403, "{backend}");
    assert_eq!(
        rows(&app, "training_registrations", "attended_at IS NOT NULL").await,
        0,
        "{backend}"
    );

    // A wrong code is refused; the right one marks the teacher present.
    let r = teacher
        .submit(
            &format!("/tap-huan/{id}"),
            &format!("/tap-huan/{id}/diem-danh"),
            &[("code", if code == "000000" { "111111" } else { "000000" })],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let r = teacher
        .submit(
            &format!("/tap-huan/{id}"),
            &format!("/tap-huan/{id}/diem-danh"),
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");

    // The post-test, every answer right.
    let r = take_test(&teacher, id, "sau", lesson, true).await;
    assert_eq!(r.status(), 200, "{backend}");

    // The certificate, and its public verification.
    let r = teacher.get(&format!("/tap-huan/{id}/chung-nhan.pdf")).await;
    assert_eq!(r.status(), 200, "{backend}");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"), "{backend}");
    let (_, account) = teacher.text("/tai-khoan").await;
    assert!(account.contains("Tập huấn sử dụng mạng xã hội an toàn"), "{backend}");
    // The person's page in the office's records lists it too.
    let (status, person_page) = office.text(&format!("/nguoi-dung/{}", teacher_person.id)).await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        person_page.contains("Tập huấn đã tham dự") && person_page.contains("Tập huấn sử dụng mạng xã hội an toàn"),
        "{backend}"
    );
    let marker = "href=\"/chung-nhan/";
    let at = account.find(marker).expect("the account page links the certificate") + marker.len();
    let certificate = account[at..at + 14].to_string();
    let anyone = app.client();
    let r = anyone
        .get(app.url(&format!("/chung-nhan/{certificate}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{backend}");
    assert!(r.headers().get("set-cookie").is_none(), "{backend}: no cookie needed");
    let verified = r.text().await.unwrap();
    assert!(
        verified.contains("Phạm Thị Lan") && verified.contains("Tập huấn sử dụng mạng xã hội an toàn"),
        "{backend}"
    );
    assert!(!verified.contains("demo.teacher@demo.test"), "{backend}: nothing more");
    let r = anyone.get(app.url("/chung-nhan/AAAA-BBBB-CCCC")).send().await.unwrap();
    assert_eq!(r.status(), 404, "{backend}");

    // The organizer reads the gain per question: from none right to all right.
    let (_, organizer_page) = office.text(&format!("/tap-huan/{id}")).await;
    assert!(organizer_page.contains("+100 điểm"), "{backend}");
    assert!(organizer_page.contains("tự điểm danh bằng mã"), "{backend}");
    let token = api_token(&app, "demo.office").await;
    let (status, results) = api(&app, &token, "GET", &format!("/api/v1/trainings/{id}/results"), None).await;
    assert_eq!(status, 200, "{backend}: {results}");
    assert_eq!(results["questions"][0]["pre_percent"], 0, "{backend}");
    assert_eq!(results["questions"][0]["post_percent"], 100, "{backend}");
    assert_eq!(results["questions"][0]["gain_points"], 100, "{backend}");

    // No one's answers are kept: the tables have no place for them, and the tallies are the
    // group's counts.
    for (table, column) in [
        ("training_registrations", "answers"),
        ("training_registrations", "score"),
        ("training_registrations", "choice"),
        ("training_tallies", "person_id"),
        ("training_tallies", "choice"),
    ] {
        assert!(
            app.store()
                .execute_raw_for_tests(&format!("UPDATE {table} SET {column} = NULL"))
                .await
                .is_err(),
            "{backend}: {table}.{column} must not exist"
        );
    }
    assert_eq!(
        rows(&app, "training_tallies", &format!("training_id = {id}")).await,
        2 * lesson.questions.len() as u64,
        "{backend}"
    );
    assert_eq!(
        rows(&app, "training_registrations", "pre_done = TRUE AND post_done = TRUE").await,
        1,
        "{backend}"
    );

    // The school's report pre-fill counts the trained teacher (on top of what its log holds):
    // the figure the providers compute for a new or refreshed report.
    let principal_token = api_token(&app, "demo.principal").await;
    let (_, plan) = common::principal_school_and_plan(&app, &principal_token).await;
    let plan = app.store().plan(plan).await.unwrap().expect("the plan");
    let unit = app.store().unit(school).await.unwrap().expect("the school");
    let prefill = || async {
        lanhmang_app::reports::computed(app.store(), &plan, &unit)
            .await
            .expect("the pre-fill")
    };
    let with_teacher = prefill().await;
    let (staff, source) = with_teacher["s2_2_trained_staff"];
    assert!(staff >= 1.0, "{backend}: {with_teacher:?}");
    assert_eq!(source, "Tập huấn trên Lành Mạng và nhật ký hoạt động");
    // The organizer unticks the teacher: the figures drop by one.
    let csrf = office.csrf_from(&format!("/tap-huan/{id}")).await;
    let r = office
        .post_form(
            &format!("/tap-huan/{id}/diem-danh-tay"),
            &[("_csrf", &csrf), ("listed", &teacher_person.id.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let without = prefill().await;
    assert_eq!(without["s2_2_trained_staff"].0, staff - 1.0, "{backend}");
    assert_eq!(
        without["s2_2_trainings"].0,
        with_teacher["s2_2_trainings"].0 - 1.0,
        "{backend}"
    );
    // And ticks them again by hand.
    let csrf = office.csrf_from(&format!("/tap-huan/{id}")).await;
    let pid = teacher_person.id.to_string();
    let r = office
        .post_form(
            &format!("/tap-huan/{id}/diem-danh-tay"),
            &[("_csrf", &csrf), ("listed", &pid), ("present", &pid)],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let (_, organizer_page) = office.text(&format!("/tap-huan/{id}")).await;
    assert!(organizer_page.contains("ban tổ chức đánh dấu"), "{backend}");
    assert_eq!(prefill().await["s2_2_trained_staff"].0, staff, "{backend}");
    app.stop().await;
}

both_backends!(a_full_training_refuses_with_nothing_written);
async fn a_full_training_refuses_with_nothing_written(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher_person = app.store().person_by_username("demo.teacher").await.unwrap().unwrap();
    let school = teacher_person.unit_id;
    let office = api_token(&app, "demo.office").await;
    let (date, time) = soon(60 * 24);
    // Through the API: one seat.
    let (status, created) = api(
        &app,
        &office,
        "POST",
        "/api/v1/trainings",
        Some(serde_json::json!({
            "title": "Tập huấn an toàn thông tin cho quản trị website",
            "date": date, "time": time, "minutes": 60,
            "online_link": "https://hop.example.vn/tap-huan",
            "capacity": 1, "roles": ["teacher", "principal"], "units": [school]
        })),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {created}");
    let id = created["id"].as_i64().unwrap();
    let teacher = api_token(&app, "demo.teacher").await;
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        &format!("/api/v1/trainings/{id}/register"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["registered"], 1);
    let principal = api_token(&app, "demo.principal").await;
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/trainings/{id}/register"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{backend}: {body}");
    assert!(body.to_string().contains("đủ chỗ"), "{backend}: {body}");
    assert_eq!(
        rows(&app, "training_registrations", &format!("training_id = {id}")).await,
        1,
        "{backend}: nothing written"
    );
    let (_, one) = api(&app, &principal, "GET", &format!("/api/v1/trainings/{id}"), None).await;
    assert_eq!(one["registered"], 1, "{backend}");
    assert_eq!(one["registered_me"], false, "{backend}");
    assert!(
        one.get("attendance_code").is_none(),
        "{backend}: only organizers see the code"
    );
    // The code is not accepted a day ahead.
    let (status, _) = api(
        &app,
        &teacher,
        "POST",
        &format!("/api/v1/trainings/{id}/attendance"),
        Some(serde_json::json!({"code": "123456"})),
    )
    .await;
    assert_eq!(status, 409, "{backend}");
    // Bad API input: 422 listing the problems, nothing written.
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/trainings",
        Some(serde_json::json!({"title": "", "date": "hôm nay", "time": "", "minutes": 1, "capacity": 5000})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert_eq!(rows(&app, "trainings", "1 = 1").await, 1, "{backend}");
    let (status, list) = api(&app, &teacher, "GET", "/api/v1/trainings", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1, "{backend}: {list}");
    assert!(list["per_page"].is_number() && list["page"].is_number());
    // T1.5: the website administrators of schools with open supervision findings, and only
    // them, are invited when the organizer asks for them alone.
    let far = "'2099-01-01T00:00:00Z'";
    app.store()
        .execute_raw_for_tests(&format!(
            "INSERT INTO sites (unit_id, unit_path, url, host, kind, next_full_at, next_check_at, created_at, updated_at) \
             SELECT id, path, 'https://thcs.example.vn/', 'thcs.example.vn', 'website', {far}, {far}, {far}, {far} FROM units WHERE id = {school}"
        ))
        .await
        .unwrap();
    app.store()
        .execute_raw_for_tests(&format!(
            "INSERT INTO site_findings (site_id, code, severity, state, first_seen_at, last_seen_at) \
             SELECT id, 'tls_expired', 'high', 'open', {far}, {far} FROM sites WHERE host = 'thcs.example.vn'"
        ))
        .await
        .unwrap();
    let (date, time) = soon(60 * 48);
    let (status, created) = api(
        &app,
        &office,
        "POST",
        "/api/v1/trainings",
        Some(serde_json::json!({
            "title": "Bồi dưỡng an toàn thông tin cho quản trị website",
            "date": date, "time": time, "minutes": 120, "place": "Phòng họp trực tuyến của Phòng",
            "capacity": 40, "roles": [], "webadmins_with_findings": true
        })),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {created}");
    assert_eq!(created["invited"], 1, "{backend}: {created}");
    assert_eq!(
        notifications_of(&app, "demo.webadmin", "training_invited").await,
        1,
        "{backend}"
    );
    assert_eq!(
        notifications_of(&app, "demo.teacher", "training_invited").await,
        1,
        "{backend}"
    );
    // A parent representative may not schedule through the API either.
    let parent = api_token(&app, "demo.parent").await;
    let (status, _) = api(&app, &parent, "POST", "/api/v1/trainings", Some(serde_json::json!({}))).await;
    assert_eq!(status, 403, "{backend}");
    app.stop().await;
}

both_backends!(an_organizer_changes_then_cancels_a_training_and_everyone_is_told);
async fn an_organizer_changes_then_cancels_a_training_and_everyone_is_told(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let school = app
        .store()
        .person_by_username("demo.teacher")
        .await
        .unwrap()
        .unwrap()
        .unit_id;
    let office_token = api_token(&app, "demo.office").await;
    let (date, time) = soon(60 * 24);
    let (status, created) = api(
        &app,
        &office_token,
        "POST",
        "/api/v1/trainings",
        Some(serde_json::json!({
            "title": "Tập huấn phòng chống lừa đảo trực tuyến",
            "date": date, "time": time, "minutes": 90, "place": "Phòng họp số 2",
            "capacity": 10, "roles": ["teacher", "principal"], "units": [school]
        })),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {created}");
    let id = created["id"].as_i64().unwrap();
    for who in ["demo.teacher", "demo.principal"] {
        let token = api_token(&app, who).await;
        let (status, body) = api(&app, &token, "POST", &format!("/api/v1/trainings/{id}/register"), None).await;
        assert_eq!(status, 200, "{backend}: {body}");
    }
    let title_is = |title: &'static str| {
        let app = &app;
        async move { rows(app, "trainings", &format!("id = {id} AND title = '{title}'")).await == 1 }
    };

    // Only the organizer changes or cancels: an invited teacher is refused (403), a parent
    // representative too, and nothing changes.
    let teacher_token = api_token(&app, "demo.teacher").await;
    let change = serde_json::json!({
        "title": "Đổi tên", "date": date, "time": time, "minutes": 90, "place": "Phòng họp số 2", "capacity": 10
    });
    let (status, _) = api(
        &app,
        &teacher_token,
        "PUT",
        &format!("/api/v1/trainings/{id}"),
        Some(change.clone()),
    )
    .await;
    assert_eq!(status, 403, "{backend}");
    let (status, _) = api(
        &app,
        &teacher_token,
        "POST",
        &format!("/api/v1/trainings/{id}/cancel"),
        Some(serde_json::json!({"reason": "Không rõ"})),
    )
    .await;
    assert_eq!(status, 403, "{backend}");
    let teacher = app.signed_in("demo.teacher").await;
    assert_eq!(
        teacher.get(&format!("/tap-huan/{id}/sua")).await.status(),
        403,
        "{backend}"
    );
    let parent = app.signed_in("demo.parent").await;
    assert_eq!(
        parent.get(&format!("/tap-huan/{id}/sua")).await.status(),
        403,
        "{backend}"
    );
    // The principal organizes trainings at the school, not this one of the office's.
    let principal_token = api_token(&app, "demo.principal").await;
    let (status, _) = api(
        &app,
        &principal_token,
        "PUT",
        &format!("/api/v1/trainings/{id}"),
        Some(change),
    )
    .await;
    assert_eq!(status, 403, "{backend}");
    assert!(title_is("Tập huấn phòng chống lừa đảo trực tuyến").await, "{backend}");

    // Bad changes: fewer seats than people registered, no title; 422, nothing changed.
    let (status, body) = api(
        &app,
        &office_token,
        "PUT",
        &format!("/api/v1/trainings/{id}"),
        Some(serde_json::json!({
            "title": "", "date": date, "time": time, "minutes": 90, "place": "Phòng họp số 2", "capacity": 1
        })),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    let text = body.to_string();
    assert!(
        text.contains("Đã có 2 người đăng ký") && text.contains("Hãy ghi tên"),
        "{backend}: {body}"
    );
    assert!(title_is("Tập huấn phòng chống lừa đảo trực tuyến").await, "{backend}");
    assert_eq!(
        notifications_of(&app, "demo.teacher", "training_changed").await,
        0,
        "{backend}"
    );

    // The office renames it and adds seats: no one is told (nothing about when or where changed).
    let office = app.signed_in("demo.office").await;
    let (status, form) = office.text(&format!("/tap-huan/{id}/sua")).await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        form.contains("Sửa buổi tập huấn") && form.contains("Phòng họp số 2"),
        "{backend}"
    );
    let r = office
        .submit(
            &format!("/tap-huan/{id}/sua"),
            &format!("/tap-huan/{id}/sua"),
            &[
                ("title", "Tập huấn nhận diện lừa đảo trực tuyến"),
                ("date", &date),
                ("time", &time),
                ("minutes", "90"),
                ("place", "Phòng họp số 2"),
                ("capacity", "20"),
                // Posted audience changes are ignored: invitations went out as scheduled.
                ("roles", "parent_rep"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    assert!(title_is("Tập huấn nhận diện lừa đảo trực tuyến").await, "{backend}");
    assert_eq!(
        rows(
            &app,
            "trainings",
            &format!("id = {id} AND capacity = 20 AND audience_roles = 'teacher principal'")
        )
        .await,
        1,
        "{backend}"
    );
    assert_eq!(
        notifications_of(&app, "demo.teacher", "training_changed").await,
        0,
        "{backend}"
    );

    // It moves an hour later and to another room: everyone invited is told, by notice and mail.
    let (later_date, later_time) = soon(60 * 25);
    let (status, body) = api(
        &app,
        &office_token,
        "PUT",
        &format!("/api/v1/trainings/{id}"),
        Some(serde_json::json!({
            "title": "Tập huấn nhận diện lừa đảo trực tuyến", "date": later_date, "time": later_time,
            "minutes": 90, "place": "Hội trường tầng 3", "capacity": 20
        })),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["place"], "Hội trường tầng 3", "{backend}");
    for who in ["demo.teacher", "demo.principal"] {
        assert_eq!(
            notifications_of(&app, who, "training_changed").await,
            1,
            "{backend}: {who}"
        );
    }
    let office_unit = app
        .store()
        .person_by_username("demo.office")
        .await
        .unwrap()
        .unwrap()
        .unit_id;
    let mails = mails_to_school(&app, office_unit, "training_changed").await;
    assert!(
        mails
            .iter()
            .any(|m| m.to_address == "demo.teacher@demo.test" && m.body.contains("Hội trường tầng 3")),
        "{backend}: {mails:?}"
    );

    // Cancelling needs a reason; without one, 422 beside the field and nothing cancelled.
    let csrf = office.csrf_from(&format!("/tap-huan/{id}")).await;
    let r = office
        .post_form(
            &format!("/tap-huan/{id}/huy-buoi"),
            &[("_csrf", &csrf), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    assert!(r.text().await.unwrap().contains("Hãy ghi lý do hủy"), "{backend}");
    assert_eq!(rows(&app, "trainings", "cancelled = TRUE").await, 0, "{backend}");

    let r = office
        .post_form(
            &format!("/tap-huan/{id}/huy-buoi"),
            &[("_csrf", &csrf), ("reason", "Trùng lịch họp của Sở")],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    for who in ["demo.teacher", "demo.principal"] {
        assert_eq!(
            notifications_of(&app, who, "training_cancelled").await,
            1,
            "{backend}: {who}"
        );
    }
    let (_, page) = teacher.text(&format!("/tap-huan/{id}")).await;
    assert!(
        page.contains("đã bị hủy") && page.contains("Trùng lịch họp của Sở"),
        "{backend}"
    );
    let (_, page) = office.text(&format!("/tap-huan/{id}")).await;
    assert!(
        !page.contains("aria-label=\"Mã điểm danh"),
        "{backend}: no code for a cancelled training"
    );
    // Once cancelled: no second cancellation, no change, no new registration.
    let (status, _) = api(
        &app,
        &office_token,
        "POST",
        &format!("/api/v1/trainings/{id}/cancel"),
        Some(serde_json::json!({"reason": "Lần nữa"})),
    )
    .await;
    assert_eq!(status, 409, "{backend}");
    assert_eq!(
        office.get(&format!("/tap-huan/{id}/sua")).await.status(),
        409,
        "{backend}"
    );
    let (status, _) = api(
        &app,
        &teacher_token,
        "POST",
        &format!("/api/v1/trainings/{id}/register"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{backend}");
    assert_eq!(
        notifications_of(&app, "demo.teacher", "training_cancelled").await,
        1,
        "{backend}"
    );
    app.stop().await;
}
