//! The lesson library and class sessions through the pages: a teacher starts a session, pupils
//! join and answer without accounts, the teacher adds paper tallies and closes it, which logs
//! the activity and leaves nothing about a pupil; an office adapts a lesson, versions it and
//! publishes it to its schools.

use crate::common;

use common::{Browser, TestApp, both_backends, extract_csrf};
use lanhmang_domain::lesson::built_in_lesson;

/// The value of a hidden input on a page.
fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// The session's join code as the teacher's screen shows it.
fn join_code(body: &str) -> String {
    let marker = "aria-label=\"Mã tham gia ";
    let start = body.find(marker).expect("the screen shows the code") + marker.len();
    body[start..start + 6].to_string()
}

/// Rows of a table that match `condition`, counted by an UPDATE that changes nothing.
async fn rows(app: &TestApp, table: &str, condition: &str) -> u64 {
    let store = app
        .db
        .as_ref()
        .expect("a test database")
        .connect()
        .await
        .expect("store");
    let column = match table {
        "class_session_participants" => "token",
        "class_sessions" => "code",
        _ => "title",
    };
    store
        .execute_raw_for_tests(&format!("UPDATE {table} SET {column} = {column} WHERE {condition}"))
        .await
        .expect("count")
}

/// A pupil's phone: no account, only the form's token cookie.
async fn pupil_joins(app: &TestApp, code: &str, nickname: &str) -> (Browser, String) {
    let pupil = Browser {
        client: app.client(),
        base: app.base.clone(),
    };
    let (status, page) = pupil.text(&format!("/lop/{code}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("value=\"{code}\"")),
        "the QR address fills the code in"
    );
    let csrf = extract_csrf(&page).expect("csrf");
    let r = pupil
        .post_form("/lop", &[("_csrf", &csrf), ("code", code), ("nickname", nickname)])
        .await;
    assert_eq!(r.status(), 200);
    let quiz = r.text().await.unwrap();
    (pupil, quiz)
}

both_backends!(a_class_takes_a_lesson_quiz_without_accounts_and_the_session_is_logged);
async fn a_class_takes_a_lesson_quiz_without_accounts_and_the_session_is_logged(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = app.signed_in("demo.teacher").await;
    // The demo teacher's school is a primary school: a grade 3–5 lesson is offered, grade 6–7 not.
    let lesson_id = "online_scams-grades_3_5";
    let lesson = &built_in_lesson(lesson_id).expect("built in").content;
    let (status, page) = teacher.text(&format!("/bai-hoc/{lesson_id}")).await;
    assert_eq!(status, 200, "{backend}");
    assert!(page.contains("Bắt đầu buổi học") && page.contains(&lesson.questions[0].explanation));
    let (_, older) = teacher.text("/bai-hoc/online_scams-grades_6_7").await;
    assert!(
        !older.contains("Bắt đầu buổi học"),
        "{backend}: a primary school has no grade 6–7 class"
    );
    let school = hidden(&page, "lesson_id").map(|_| ()).and_then(|_| {
        let marker = "<option value=\"";
        let start = page.find("id=\"unit_id\"")?;
        let rest = &page[start..];
        let at = rest.find(marker)? + marker.len();
        Some(rest[at..at + rest[at..].find('"')?].to_string())
    });
    let school = school.expect("the teacher's school is offered");

    // Bad input: every problem named, no session opened.
    let r = teacher
        .submit(
            &format!("/bai-hoc/{lesson_id}"),
            "/buoi-hoc",
            &[
                ("lesson_id", lesson_id),
                ("unit_id", &school),
                ("class_name", " "),
                ("pupils_present", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Hãy ghi tên lớp") && body.contains("Số học sinh có mặt"),
        "{backend}"
    );
    assert_eq!(
        rows(&app, "class_sessions", "1 = 1").await,
        0,
        "{backend}: nothing opened"
    );

    let r = teacher
        .submit(
            &format!("/bai-hoc/{lesson_id}"),
            "/buoi-hoc",
            &[
                ("lesson_id", lesson_id),
                ("unit_id", &school),
                ("class_name", "4B"),
                ("pupils_present", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{backend}");
    let screen = r.headers()["location"].to_str().unwrap().to_string();
    let (_, body) = teacher.text(&screen).await;
    assert!(
        !body.contains("http-equiv=\"refresh\"") && body.contains("<svg"),
        "{backend}: still until asked, draws the QR"
    );
    let (_, live) = teacher.text(&format!("{screen}?tu_dong=1")).await;
    assert!(
        live.contains("http-equiv=\"refresh\"") && live.contains("Dừng tự cập nhật"),
        "{backend}: refreshes when asked"
    );
    assert!(
        !body.contains("(đáp án đúng)"),
        "{backend}: no answers on the projector until asked"
    );
    let code = join_code(&body);

    // Two pupils join; one answers every question right, the other leaves all but one blank.
    let (first, quiz) = pupil_joins(&app, &code, "Mèo con").await;
    assert!(
        !quiz.contains(&lesson.questions[0].explanation),
        "{backend}: the quiz carries no explanation"
    );
    let participant = hidden(&quiz, "participant").expect("participant");
    let csrf = extract_csrf(&quiz).unwrap();
    let answers: Vec<(String, String)> = lesson
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("q{i}"), q.answer.to_string()))
        .collect();
    let count = lesson.questions.len().to_string();
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("participant", &participant), ("questions", &count)];
    form.extend(answers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let r = first.post_form(&format!("/lop/{code}/nop"), &form).await;
    assert_eq!(r.status(), 200, "{backend}");
    let feedback = r.text().await.unwrap();
    assert!(feedback.contains(&format!("Em đúng {count}/{count} câu")), "{backend}");
    assert!(
        feedback.contains(&lesson.questions[1].explanation),
        "{backend}: explanations after sending"
    );
    let again = first.post_form(&format!("/lop/{code}/nop"), &form).await;
    assert_eq!(again.status(), 409, "{backend}: one sending per pupil");

    let (second, quiz) = pupil_joins(&app, &code, "").await;
    let participant2 = hidden(&quiz, "participant").unwrap();
    let csrf2 = extract_csrf(&quiz).unwrap();
    let wrong = ((lesson.questions[0].answer + 1) % lesson.questions[0].choices.len()).to_string();
    let r = second
        .post_form(
            &format!("/lop/{code}/nop"),
            &[
                ("_csrf", &csrf2),
                ("participant", &participant2),
                ("questions", &count),
                ("q0", &wrong),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{backend}");
    assert!(r.text().await.unwrap().contains(&format!("Em đúng 0/{count} câu")));

    // The class's results: two answered question 1, one right; question 1 is the one to discuss.
    let (_, results) = teacher.text(&format!("{screen}?ket_qua=1")).await;
    assert!(
        results.contains("Câu nhiều em chưa đúng nhất: câu 1 (50% đúng)"),
        "{backend}"
    );
    assert!(results.contains("(đáp án đúng)"), "{backend}");

    // Paper sheets: a count above the sheets is refused and nothing is added.
    let mut tallies: Vec<(&str, &str)> = vec![("sheets", "3")];
    let right: Vec<String> = (0..lesson.questions.len())
        .map(|i| if i == 0 { "4" } else { "3" }.to_string())
        .collect();
    tallies.extend(right.iter().map(|r| ("right", r.as_str())));
    let r = teacher.submit(&screen, &format!("{screen}/phieu"), &tallies).await;
    assert_eq!(r.status(), 422, "{backend}");
    assert!(r.text().await.unwrap().contains("Câu 1: số em đúng"), "{backend}");
    tallies[1] = ("right", "3");
    let r = teacher.submit(&screen, &format!("{screen}/phieu"), &tallies).await;
    assert_eq!(r.status(), 303, "{backend}");
    let (_, results) = teacher.text(&format!("{screen}?ket_qua=1")).await;
    assert!(
        results.contains("3 phiếu giấy") && results.contains("80% đúng · 5 em trả lời"),
        "{backend}"
    );

    // Another school's staff do not see the session; the office follows it.
    let parent = app.signed_in("demo.parent").await;
    assert_eq!(parent.get(&screen).await.status(), 403, "{backend}");

    // Closing logs the activity with the pupils present in their band, and deletes every
    // participant: no token, no nickname is left.
    let session_id: i64 = screen.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        rows(
            &app,
            "class_session_participants",
            &format!("session_id = {session_id}")
        )
        .await,
        2
    );
    let closed = teacher
        .submit_and_follow(&screen, &format!("{screen}/ket-thuc"), &[])
        .await;
    assert!(closed.contains("đã kết thúc"), "{backend}");
    assert_eq!(
        rows(
            &app,
            "class_session_participants",
            &format!("session_id = {session_id}")
        )
        .await,
        0
    );
    assert_eq!(
        rows(&app, "class_session_participants", "nickname IS NOT NULL").await,
        0
    );
    let session = app.store().class_session(session_id).await.unwrap().unwrap();
    let activity_id = session.activity_id.expect("logged under the demo's published plan");
    let activity = app.store().activity(activity_id).await.unwrap().unwrap();
    assert_eq!(activity.audience.pupils_g3_5, 30, "{backend}");
    assert_eq!(
        activity.kind,
        lanhmang_domain::activity::ActivityKind::Other,
        "{backend}"
    );
    assert!(activity.title.contains("4B"), "{backend}");
    let joined = first.post_form("/lop", &[("_csrf", &csrf), ("code", &code)]).await;
    assert_eq!(joined.status(), 404, "{backend}: a closed session takes no one");
    let again = teacher.submit(&screen, &format!("{screen}/ket-thuc"), &[]).await;
    assert_eq!(again.status(), 409, "{backend}");
    app.stop().await;
}

both_backends!(an_office_adapts_a_lesson_versions_it_and_publishes_it_to_its_schools);
async fn an_office_adapts_a_lesson_versions_it_and_publishes_it_to_its_schools(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let office = app.signed_in("demo.office").await;
    let (status, form) = office.text("/bai-hoc/moi?tu=screen_time-grades_1_2").await;
    assert_eq!(status, 200, "{backend}");
    let source = &built_in_lesson("screen_time-grades_1_2").unwrap().content;
    assert!(
        form.contains(&source.questions[0].text),
        "{backend}: the copy is prefilled"
    );
    let unit = {
        let start = form.find("id=\"unit_id\"").unwrap();
        let rest = &form[start..];
        let at = rest.find("<option value=\"").unwrap() + "<option value=\"".len();
        let at = if rest[at..].starts_with('"') {
            rest[at..].find("<option value=\"").unwrap() + at + "<option value=\"".len()
        } else {
            at
        };
        rest[at..at + rest[at..].find('"').unwrap()].to_string()
    };
    let mut fields: Vec<(String, String)> = vec![
        ("unit_id".into(), unit.clone()),
        ("based_on".into(), "screen_time-grades_1_2".into()),
        ("title".into(), "Giờ chơi, giờ nghỉ của mắt (bản của Phòng)".into()),
        ("topic".into(), "screen_time".into()),
        ("band".into(), "grades_1_2".into()),
        ("minutes".into(), "35".into()),
        ("requirements".into(), "S2.1".into()),
        ("objectives".into(), source.objectives.join("\n")),
        ("materials".into(), source.materials.join("\n")),
        ("warm_up".into(), source.warm_up.clone()),
        ("scenario".into(), source.scenario.clone()),
        ("activity".into(), source.activity.join("\n")),
        ("discussion".into(), source.discussion.join("\n")),
        ("wrap_up".into(), source.wrap_up.clone()),
        ("parent_note".into(), source.parent_note.clone()),
    ];
    for (i, q) in source.questions.iter().enumerate() {
        fields.push((format!("q{i}_text"), q.text.clone()));
        fields.push((format!("q{i}_choices"), q.choices.join("\n")));
        fields.push((format!("q{i}_answer"), (q.answer + 1).to_string()));
        fields.push((format!("q{i}_explanation"), q.explanation.clone()));
    }
    let as_refs = |f: &[(String, String)]| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();

    // Bad input: a 45-minute lesson for grades 1–2 with four questions is refused whole.
    let mut bad = as_refs(&fields);
    bad.iter_mut().find(|(k, _)| k == "minutes").unwrap().1 = "45".into();
    bad.retain(|(k, _)| {
        !k.starts_with("q4_") && !k.starts_with("q5_") && !k.starts_with("q6_") && !k.starts_with("q7_")
    });
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = office.submit("/bai-hoc/moi", "/bai-hoc/moi", &refs).await;
    assert_eq!(r.status(), 422, "{backend}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("35 phút") && body.contains("từ 5 đến 8 câu hỏi"),
        "{backend}"
    );
    assert_eq!(rows(&app, "lessons", "1 = 1").await, 0, "{backend}: nothing written");

    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = office.submit("/bai-hoc/moi", "/bai-hoc/moi", &refs).await;
    assert_eq!(r.status(), 303, "{backend}");
    let page = r.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let id = page.rsplit('/').next().unwrap().to_string();

    // Unpublished, a teacher of the office's school does not see it.
    let teacher = app.signed_in("demo.teacher").await;
    assert_eq!(teacher.get(&page).await.status(), 404, "{backend}");
    let (_, library) = teacher.text("/bai-hoc?band=grades_1_2&topic=screen_time").await;
    assert!(!library.contains("bản của Phòng"), "{backend}");
    assert_eq!(
        teacher.get(&format!("/bai-hoc/{id}/sua")).await.status(),
        403,
        "{backend}"
    );

    // A new version; an edit of a stale version is a conflict.
    fields.iter_mut().find(|(k, _)| k == "title").unwrap().1 = "Giờ chơi, giờ nghỉ của mắt (Phòng, sửa lần 2)".into();
    fields.push(("version".into(), "1".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let edit = format!("/bai-hoc/{id}/sua");
    assert_eq!(office.submit(&edit, &edit, &refs).await.status(), 303, "{backend}");
    assert_eq!(
        office.submit(&edit, &edit, &refs).await.status(),
        409,
        "{backend}: version 1 is stale"
    );
    let (_, shown) = office.text(&page).await;
    assert!(
        shown.contains("sửa lần 2") && shown.contains("Phiên bản 2"),
        "{backend}"
    );

    let published = office
        .submit_and_follow(&page, &format!("/bai-hoc/{id}/cong-bo"), &[("published", "1")])
        .await;
    assert!(published.contains("Đã công bố"), "{backend}");
    let (status, seen) = teacher.text(&page).await;
    assert_eq!(status, 200, "{backend}: published to the office's schools");
    assert!(seen.contains("Bắt đầu buổi học"), "{backend}: and teachable");
    let (_, library) = teacher.text("/bai-hoc?band=grades_1_2&topic=screen_time").await;
    assert!(library.contains("sửa lần 2"), "{backend}");

    // Filters: an unknown band is a 400 with its reason; a requirement filters.
    let (status, body) = teacher.text("/bai-hoc?band=grade_12").await;
    assert_eq!(status, 400, "{backend}");
    assert!(body.contains("grade_12"), "{backend}");
    let (_, s13) = teacher.text("/bai-hoc?requirement=S1.3&per_page=100").await;
    assert!(
        s13.contains("phones_at_school-grades_1_2") && !s13.contains("screen_time-grades_1_2\""),
        "{backend}"
    );
    app.stop().await;
}

both_backends!(a_lesson_prints_as_a_plan_slides_and_a_quiz_sheet);
async fn a_lesson_prints_as_a_plan_slides_and_a_quiz_sheet(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = app.signed_in("demo.teacher").await;
    for (path, magic, kind) in [
        ("giao-an.pdf", &b"%PDF"[..], "application/pdf"),
        ("giao-an.docx", &b"PK"[..], "wordprocessingml"),
        ("trinh-chieu.pdf", &b"%PDF"[..], "application/pdf"),
        ("phieu-kiem-tra.pdf?lop=4B", &b"%PDF"[..], "application/pdf"),
    ] {
        let r = teacher.get(&format!("/bai-hoc/law_online-grades_8_9/{path}")).await;
        assert_eq!(r.status(), 200, "{backend}: {path}");
        assert!(
            r.headers()["content-type"].to_str().unwrap().contains(kind),
            "{backend}: {path}"
        );
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"),
            "{backend}"
        );
        assert!(r.bytes().await.unwrap().starts_with(magic), "{backend}: {path}");
    }
    assert_eq!(
        teacher.get("/bai-hoc/khong-co/giao-an.pdf").await.status(),
        404,
        "{backend}"
    );
    app.stop().await;
}

both_backends!(a_forgotten_session_is_closed_by_the_upkeep_and_keeps_no_nickname);
async fn a_forgotten_session_is_closed_by_the_upkeep_and_keeps_no_nickname(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = app.signed_in("demo.teacher").await;
    let lesson_id = "phones_at_school-grades_1_2";
    let (_, page) = teacher.text(&format!("/bai-hoc/{lesson_id}")).await;
    let start = page.find("id=\"unit_id\"").unwrap();
    let at = page[start..].find("<option value=\"").unwrap() + start + "<option value=\"".len();
    let school = page[at..at + page[at..].find('"').unwrap()].to_string();
    let r = teacher
        .submit(
            &format!("/bai-hoc/{lesson_id}"),
            "/buoi-hoc",
            &[
                ("lesson_id", lesson_id),
                ("unit_id", &school),
                ("class_name", "1A"),
                ("pupils_present", "25"),
            ],
        )
        .await;
    let screen = r.headers()["location"].to_str().unwrap().to_string();
    let (_, body) = teacher.text(&screen).await;
    pupil_joins(&app, &join_code(&body), "Thỏ trắng").await;
    let store = std::sync::Arc::new(app.db.as_ref().unwrap().connect().await.unwrap());
    let service = lanhmang_app::App::new(store, lanhmang_app::Settings::default());
    let now = lanhmang_store::now();
    assert_eq!(
        lanhmang_app::class_sessions::close_forgotten(&service, now)
            .await
            .unwrap(),
        0,
        "{backend}: today's stays open"
    );
    let tomorrow = now + time::Duration::hours(13);
    assert_eq!(
        lanhmang_app::class_sessions::close_forgotten(&service, tomorrow)
            .await
            .unwrap(),
        1,
        "{backend}"
    );
    assert_eq!(
        rows(&app, "class_session_participants", "1 = 1").await,
        0,
        "{backend}: the nickname is gone"
    );
    let session_id: i64 = screen.rsplit('/').next().unwrap().parse().unwrap();
    let session = app.store().class_session(session_id).await.unwrap().unwrap();
    assert!(
        !session.open && session.activity_id.is_some(),
        "{backend}: logged as the teacher's activity"
    );
    assert_eq!(
        lanhmang_app::class_sessions::close_forgotten(&service, tomorrow)
            .await
            .unwrap(),
        0,
        "{backend}"
    );
    app.stop().await;
}
