//! Lessons and class sessions through the API, on both backends: the library and its filters,
//! a class session from start to close (pupils join without accounts, answer once, the class's
//! counts, the activity it logs), nothing kept about a pupil once it closes, who may do what,
//! and bad input refused whole with nothing written.

use crate::common;

use common::{DEMO_PASSWORD, TestApp, api, api_token, both_backends};
use lanhmang_domain::Role;
use serde_json::{Value, json};

/// A built-in lesson for grades 3–5; its topic (the phone rules) logs a `phone_rules` activity.
const LESSON: &str = "phones_at_school-grades_3_5";

/// A call without an account, as a pupil's device makes it: status, body, and whether the
/// answer tried to set a cookie.
async fn public(app: &TestApp, path: &str, body: Option<Value>) -> (u16, Value, bool) {
    let req = app.client().post(app.url(path));
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let cookie = r.headers().contains_key("set-cookie");
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        cookie,
    )
}

async fn unit_of(app: &TestApp, token: &str) -> i64 {
    let (_, me) = api(app, token, "GET", "/api/v1/me", None).await;
    me["roles"][0]["unit_id"].as_i64().expect("a role's unit")
}

/// A teacher (demo password) at another school of the demo office.
async fn teacher_elsewhere(app: &TestApp, own_school: i64) -> String {
    let office = api_token(app, "demo.office").await;
    let (_, units) = api(app, &office, "GET", "/api/v1/units?kind=school&per_page=5", None).await;
    let other = units["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .find(|id| *id != own_school)
        .unwrap();
    let store = app.store();
    let unit = store.unit(other).await.unwrap().unwrap();
    let ctx = lanhmang_store::AuditContext::system("lessons test");
    let fields = lanhmang_domain::person::PersonInput {
        username: "teacher.elsewhere".into(),
        display_name: "Giáo viên trường khác".into(),
        email: "teacher.elsewhere@demo.test".into(),
        phone: String::new(),
    }
    .parse()
    .unwrap();
    let hash = lanhmang_domain::password::hash(DEMO_PASSWORD).unwrap();
    let person = store
        .create_person(&ctx, unit.id, &fields, Some(&hash), false)
        .await
        .unwrap();
    store.grant_role(&ctx, person.id, Role::Teacher, unit.id).await.unwrap();
    api_token(app, "teacher.elsewhere").await
}

/// A complete lesson as an office writes it.
fn lesson_body(band: &str, minutes: i64, questions: usize) -> Value {
    let questions: Vec<Value> = (1..=questions)
        .map(|n| {
            json!({"text": format!("Câu {n}: khi nhận tin nhắn trúng thưởng, em làm gì?"),
                "choices": ["Hỏi cha mẹ hoặc thầy cô", "Bấm vào đường link", "Gửi mật khẩu"],
                "answer": 0, "explanation": "Tin trúng thưởng lạ thường là lừa đảo; hãy hỏi người lớn."})
        })
        .collect();
    json!({"title": "Cảnh giác với tin nhắn trúng thưởng", "topic": "online_scams", "band": band, "minutes": minutes,
        "requirements": ["S2.1"], "objectives": ["Nhận biết tin nhắn lừa đảo"], "materials": ["Máy chiếu"],
        "warm_up": "Cả lớp kể về một tin nhắn lạ.", "scenario": "Lan nhận được tin nhắn báo trúng một chiếc điện thoại.",
        "activity": ["Thảo luận nhóm đôi", "Đóng vai"], "discussion": ["Em sẽ làm gì?"],
        "wrap_up": "Không bấm link lạ, hỏi người lớn.", "parent_note": "Cha mẹ nhắc con không bấm link lạ.",
        "questions": questions})
}

/// How many lessons the office administrator's library holds (built-in and the office's own,
/// drafts included).
async fn lesson_count(app: &TestApp, office: &str) -> i64 {
    let (status, list) = api(app, office, "GET", "/api/v1/lessons?per_page=1", None).await;
    assert_eq!(status, 200, "{list}");
    list["total"].as_i64().unwrap()
}

fn problems(body: &Value) -> Vec<String> {
    body["error"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems listed: {body}"))
        .iter()
        .map(|p| p.as_str().unwrap_or_default().to_string())
        .collect()
}

async fn start(app: &TestApp, token: &str, school: i64, lesson: &str, pupils: i64) -> (i64, String) {
    let (status, started) = api(
        app,
        token,
        "POST",
        "/api/v1/sessions",
        Some(json!({"lesson_id": lesson, "unit_id": school, "class_name": "4B", "pupils_present": pupils})),
    )
    .await;
    assert_eq!(status, 201, "{}: {started}", app.backend);
    (
        started["id"].as_i64().unwrap(),
        started["code"].as_str().unwrap().to_string(),
    )
}

both_backends!(the_library_lists_filters_and_opens_whole_lessons);
async fn the_library_lists_filters_and_opens_whole_lessons(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let (status, all) = api(&app, &teacher, "GET", "/api/v1/lessons?per_page=500", None).await;
    assert_eq!(status, 200, "{backend}: {all}");
    let items = all["items"].as_array().unwrap();
    assert!(all["total"].as_i64().unwrap() >= 48, "{backend}: {}", all["total"]);
    assert!(items.len() >= 48);
    assert!(
        items
            .iter()
            .all(|i| i["source"] == "built_in" && i.get("unit_id").is_none())
    );

    let (_, band) = api(
        &app,
        &teacher,
        "GET",
        "/api/v1/lessons?band=grades_3_5&per_page=500",
        None,
    )
    .await;
    let banded = band["items"].as_array().unwrap();
    assert!(banded.len() >= 8, "{backend}: one per topic at least: {band}");
    assert!(banded.iter().all(|i| i["band"] == "grades_3_5"));
    let (_, topic) = api(
        &app,
        &teacher,
        "GET",
        "/api/v1/lessons?topic=online_scams&per_page=500",
        None,
    )
    .await;
    let topical = topic["items"].as_array().unwrap();
    assert!(topical.len() >= 6, "{backend}: one per band at least: {topic}");
    assert!(topical.iter().all(|i| i["topic"] == "online_scams"));
    let (_, both) = api(
        &app,
        &teacher,
        "GET",
        "/api/v1/lessons?band=grades_3_5&topic=online_scams",
        None,
    )
    .await;
    assert_eq!(both["total"], 1, "{backend}: {both}");
    assert_eq!(both["items"][0]["id"], "online_scams-grades_3_5");
    // Paging: a page of two, and the total still counts them all.
    let (_, paged) = api(&app, &teacher, "GET", "/api/v1/lessons?page=2&per_page=2", None).await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
    assert_eq!(paged["items"][0]["id"], items[2]["id"]);
    assert_eq!(paged["total"], all["total"]);

    // A filter that is not one of its choices is named, with every other problem.
    let (status, refused) = api(
        &app,
        &teacher,
        "GET",
        "/api/v1/lessons?band=grades_10_12&topic=cooking",
        None,
    )
    .await;
    assert_eq!(status, 422, "{backend}: {refused}");
    assert_eq!(problems(&refused).len(), 2, "{refused}");

    // Every built-in lesson is whole: 5–8 questions, each with exactly one right choice.
    for item in items {
        let id = item["id"].as_str().unwrap();
        let (status, lesson) = api(&app, &teacher, "GET", &format!("/api/v1/lessons/{id}"), None).await;
        assert_eq!(status, 200, "{backend}: {id}: {lesson}");
        assert_eq!(lesson["may_edit"], false);
        for part in ["title", "warm_up", "scenario", "wrap_up", "parent_note"] {
            assert!(!lesson[part].as_str().unwrap().is_empty(), "{id}: {part}");
        }
        for part in ["objectives", "materials", "activity", "discussion", "requirements"] {
            assert!(!lesson[part].as_array().unwrap().is_empty(), "{id}: {part}");
        }
        let questions = lesson["questions"].as_array().unwrap();
        assert!(
            (5..=8).contains(&questions.len()),
            "{id}: {} questions",
            questions.len()
        );
        for q in questions {
            let choices = q["choices"].as_array().unwrap();
            assert!((2..=4).contains(&choices.len()), "{id}: {q}");
            assert_eq!(choices.iter().filter(|c| c["correct"] == true).count(), 1, "{id}: {q}");
            assert!(!q["explanation"].as_str().unwrap().is_empty());
        }
    }
    let (status, _) = api(&app, &teacher, "GET", "/api/v1/lessons/cooking-grades_3_5", None).await;
    assert_eq!(status, 404);
    let (status, _) = api(&app, &teacher, "GET", "/api/v1/lessons/999999", None).await;
    assert_eq!(status, 404);
    let (status, _) = api(&app, "not-a-token", "GET", "/api/v1/lessons", None).await;
    assert_eq!(status, 401);
    app.stop().await;
}

both_backends!(a_class_session_goes_from_start_to_the_logged_activity);
async fn a_class_session_goes_from_start_to_the_logged_activity(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let school = unit_of(&app, &teacher).await;
    let (_, lesson) = api(&app, &teacher, "GET", &format!("/api/v1/lessons/{LESSON}"), None).await;
    let right: Vec<i64> = lesson["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["answer"].as_i64().unwrap())
        .collect();
    let count = right.len();
    let choices_of = |i: usize| lesson["questions"][i]["choices"].as_array().unwrap().len() as i64;

    let (status, started) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/sessions",
        Some(json!({"lesson_id": LESSON, "unit_id": school, "class_name": "4B", "pupils_present": 30})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {started}");
    let id = started["id"].as_i64().unwrap();
    let code = started["code"].as_str().unwrap().to_string();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert!(
        started["join_url"].as_str().unwrap().ends_with(&format!("/lop/{code}")),
        "{started}"
    );

    // Three devices join, one with a nickname; they get the quiz without its answers.
    let join = format!("/api/v1/public/sessions/{code}/join");
    let (status, a, cookie) = public(&app, &join, Some(json!({"nickname": "Mèo Con"}))).await;
    assert_eq!(status, 201, "{backend}: {a}");
    assert!(!cookie, "joining sets no cookie");
    assert_eq!(a["lesson_title"], lesson["title"]);
    assert_eq!(a["class_name"], "4B");
    assert_eq!(a["questions"].as_array().unwrap().len(), count);
    for q in a["questions"].as_array().unwrap() {
        let mut keys: Vec<&str> = q.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["choices", "text"], "no answer, no explanation: {q}");
        assert!(q["choices"].as_array().unwrap().iter().all(Value::is_string));
    }
    let (status, b, _) = public(&app, &join, None).await;
    assert_eq!(status, 201, "{b}");
    let (status, c, _) = public(&app, &join, Some(json!({}))).await;
    assert_eq!(status, 201, "{c}");
    let participant = |p: &Value| p["participant"].as_str().unwrap().to_string();
    assert_ne!(participant(&a), participant(&b));

    // Answers of the wrong shape are refused and count nothing.
    let answers = format!("/api/v1/public/sessions/{code}/answers");
    let (status, refused, _) = public(
        &app,
        &answers,
        Some(json!({"participant": participant(&c), "answers": [0, 1]})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {refused}");
    let mut out_of_range: Vec<Value> = right.iter().map(|r| json!(r)).collect();
    out_of_range[0] = json!(choices_of(0));
    let (status, refused, _) = public(
        &app,
        &answers,
        Some(json!({"participant": participant(&c), "answers": out_of_range})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {refused}");
    let (status, refused, _) = public(&app, &answers, Some(json!({"participant": participant(&c)}))).await;
    assert_eq!(status, 422, "an empty answer sheet is the wrong shape too: {refused}");
    let (status, unknown, _) = public(
        &app,
        &answers,
        Some(json!({"participant": "0".repeat(32), "answers": right})),
    )
    .await;
    assert_eq!(status, 404, "a device that never joined: {unknown}");

    // A answers everything right; B gets the second question wrong and skips the third.
    let (status, fed, cookie) = public(
        &app,
        &answers,
        Some(json!({"participant": participant(&a), "answers": right})),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {fed}");
    assert!(!cookie);
    assert_eq!(fed["right"], count);
    assert_eq!(fed["total"], count);
    assert!(
        fed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["correct"] == true && i["explanation"] != "")
    );
    let wrong = (right[1] + 1) % choices_of(1);
    let mut b_answers: Vec<Value> = right.iter().map(|r| json!(r)).collect();
    b_answers[1] = json!(wrong);
    b_answers[2] = Value::Null;
    let (status, fed, _) = public(
        &app,
        &answers,
        Some(json!({"participant": participant(&b), "answers": b_answers})),
    )
    .await;
    assert_eq!(status, 200, "{fed}");
    assert_eq!(fed["right"], count - 2);
    assert_eq!(fed["items"][1]["correct"], false);
    assert_eq!(
        fed["items"][1]["right_choice"],
        lesson["questions"][1]["choices"][right[1] as usize]["text"]
    );
    // Sending again changes nothing.
    let (status, again, _) = public(
        &app,
        &answers,
        Some(json!({"participant": participant(&b), "answers": right})),
    )
    .await;
    assert_eq!(status, 409, "{backend}: {again}");

    let (status, view) = api(&app, &teacher, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(status, 200, "{backend}: {view}");
    assert_eq!(view["state"], "open");
    assert_eq!(view["joined"], 3);
    assert_eq!(view["answered"], 2, "{view}");
    assert_eq!(view["pupils_present"], 30);
    assert_eq!(view["questions"][0]["share_right"], 100);
    assert_eq!(view["questions"][1]["share_right"], 50);
    assert_eq!(view["questions"][1]["answered"], 2);
    assert_eq!(
        view["questions"][2]["answered"], 1,
        "a skipped question is not answered"
    );
    assert_eq!(view["questions"][2]["share_right"], 100);
    assert_eq!(view["hardest"], 1);
    let q1 = view["questions"][1]["choices"].as_array().unwrap();
    assert_eq!(q1[right[1] as usize]["count"], 1);
    assert_eq!(q1[right[1] as usize]["correct"], true);
    assert_eq!(q1[wrong as usize]["count"], 1);
    assert_eq!(view["may_close"], true);
    assert!(view["join_url"].as_str().unwrap().ends_with(&code));

    // The principal follows the school's sessions; the teacher's list has this one.
    let (status, _) = api(&app, &principal, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(status, 200);
    let (status, mine) = api(&app, &teacher, "GET", "/api/v1/sessions", None).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], id);
    assert_eq!(mine["items"][0]["state"], "open");

    let (status, closed) = api(&app, &teacher, "POST", &format!("/api/v1/sessions/{id}/close"), None).await;
    assert_eq!(status, 200, "{backend}: {closed}");
    assert!(closed["not_logged"].is_null(), "{closed}");
    let activity_id = closed["activity_id"].as_i64().expect("an activity");
    let (status, twice) = api(&app, &teacher, "POST", &format!("/api/v1/sessions/{id}/close"), None).await;
    assert_eq!(status, 409, "{twice}");

    let activity = app
        .store()
        .activity(activity_id)
        .await
        .unwrap()
        .expect("the logged activity");
    assert_eq!(activity.unit_id, school);
    assert_eq!(
        activity.kind.as_str(),
        "phone_rules",
        "the phone rules' topic logs its kind"
    );
    assert_eq!(
        activity.audience.pupils_g3_5, 30,
        "the pupils present, in the lesson's band"
    );
    assert_eq!(activity.audience.pupils(), 30);
    assert!(activity.title.contains("4B"), "{}", activity.title);

    let (_, view) = api(&app, &teacher, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(view["state"], "closed");
    assert_eq!(view["activity_id"], activity_id);
    assert_eq!(view["may_close"], false);
    assert!(view["join_url"].is_null());
    assert_eq!(view["joined"], 3);
    assert_eq!(view["answered"], 2);

    // A closed session takes no one and nothing more.
    let (status, gone, _) = public(&app, &join, None).await;
    assert_eq!(status, 404, "{backend}: {gone}");
    let (status, _, _) = public(
        &app,
        &answers,
        Some(json!({"participant": participant(&c), "answers": right})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = public(&app, "/api/v1/public/sessions/12ab56/join", None).await;
    assert_eq!(status, 422, "a code is six digits");
    app.stop().await;
}

both_backends!(a_closed_session_keeps_nothing_about_a_pupil);
async fn a_closed_session_keeps_nothing_about_a_pupil(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let school = unit_of(&app, &teacher).await;
    let (id, code) = start(&app, &teacher, school, LESSON, 25).await;
    let nickname = "Bí Ngô Xanh Lá";
    let (status, joined, _) = public(
        &app,
        &format!("/api/v1/public/sessions/{code}/join"),
        Some(json!({"nickname": nickname})),
    )
    .await;
    assert_eq!(status, 201, "{joined}");
    let token = joined["participant"].as_str().unwrap().to_string();
    let store = app.store();
    let rows = |id: i64| format!("UPDATE class_session_participants SET answered = answered WHERE session_id = {id}");
    let before = store.all_values_for_tests().await.unwrap();
    assert!(
        before.contains(nickname) && before.contains(&token),
        "while open, the device is known"
    );
    assert_eq!(store.execute_raw_for_tests(&rows(id)).await.unwrap(), 1);

    let (status, closed) = api(&app, &teacher, "POST", &format!("/api/v1/sessions/{id}/close"), None).await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(
        store.execute_raw_for_tests(&rows(id)).await.unwrap(),
        0,
        "{backend}: no participant row"
    );
    let after = store.all_values_for_tests().await.unwrap();
    assert!(
        !after.contains(nickname),
        "{backend}: the nickname is gone from every table"
    );
    assert!(
        !after.contains(&token),
        "{backend}: the device's token is gone from every table"
    );
    assert!(!after.lines().any(|l| l.starts_with("class_session_participants:")));
    app.stop().await;
}

both_backends!(who_may_write_lessons_and_run_sessions);
async fn who_may_write_lessons_and_run_sessions(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let office = api_token(&app, "demo.office").await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let parent = api_token(&app, "demo.parent").await;
    let office_id = unit_of(&app, &office).await;
    let school = unit_of(&app, &teacher).await;
    let elsewhere = teacher_elsewhere(&app, school).await;

    // Sessions: an office administrator teaches no class.
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/sessions",
        Some(json!({"lesson_id": LESSON, "unit_id": school, "class_name": "4B", "pupils_present": 20})),
    )
    .await;
    assert_eq!(status, 403, "{backend}: {body}");
    // Nor does a teacher at a school that is not theirs.
    let (status, body) = api(
        &app,
        &elsewhere,
        "POST",
        "/api/v1/sessions",
        Some(json!({"lesson_id": LESSON, "unit_id": school, "class_name": "4B", "pupils_present": 20})),
    )
    .await;
    assert_eq!(status, 404, "{backend}: {body}");
    let (id, _) = start(&app, &teacher, school, LESSON, 20).await;
    for (method, path) in [
        ("GET", format!("/api/v1/sessions/{id}")),
        ("POST", format!("/api/v1/sessions/{id}/close")),
        ("POST", format!("/api/v1/sessions/{id}/sheets")),
    ] {
        let body = (method == "POST").then(|| json!({"sheets": 1, "right": [1, 1, 1, 1, 1]}));
        let (status, answer) = api(&app, &elsewhere, method, &path, body).await;
        assert_eq!(
            status, 404,
            "{backend}: {method} {path} by another school's teacher: {answer}"
        );
    }
    let (_, mine) = api(&app, &elsewhere, "GET", "/api/v1/sessions", None).await;
    assert_eq!(mine["total"], 0, "someone else's sessions are not listed");
    // The office follows the school's sessions but does not close a teacher's.
    let (status, _) = api(&app, &office, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(status, 200);
    let (status, _) = api(&app, &office, "POST", &format!("/api/v1/sessions/{id}/close"), None).await;
    assert_eq!(status, 403);

    // Lessons: only those who manage lessons write them.
    let (status, body) = api(
        &app,
        &parent,
        "POST",
        "/api/v1/lessons",
        Some(json!({"unit_id": office_id, "lesson": lesson_body("grades_3_5", 35, 5)})),
    )
    .await;
    assert_eq!(status, 403, "{backend}: {body}");
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/lessons",
        Some(json!({"unit_id": school, "lesson": lesson_body("grades_3_5", 35, 5)})),
    )
    .await;
    assert_eq!(status, 403, "{backend}: {body}");
    let (status, created) = api(
        &app,
        &office,
        "POST",
        "/api/v1/lessons",
        Some(json!({"unit_id": office_id, "based_on": "online_scams-grades_3_5", "lesson": lesson_body("grades_3_5", 35, 5)})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {created}");
    let lesson = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/lessons/{lesson}");
    let (status, own) = api(&app, &office, "GET", &path, None).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["source"], "unit");
    assert_eq!(own["published"], false);
    assert_eq!(own["may_edit"], true);
    assert_eq!(own["based_on"], "online_scams-grades_3_5");

    let edit = json!({"version": 1, "lesson": lesson_body("grades_3_5", 35, 6)});
    let (status, body) = api(&app, &teacher, "PUT", &path, Some(edit.clone())).await;
    assert_eq!(status, 403, "{backend}: {body}");
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        &format!("{path}/publish"),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(status, 403, "{backend}: {body}");
    // A draft reaches no school.
    let (status, _) = api(&app, &teacher, "GET", &path, None).await;
    assert_eq!(status, 404);
    let listed = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == lesson.as_str())
    };
    let (_, library) = api(&app, &teacher, "GET", "/api/v1/lessons?per_page=500", None).await;
    assert!(!listed(&library));

    let (status, saved) = api(&app, &office, "PUT", &path, Some(edit.clone())).await;
    assert_eq!(status, 200, "{backend}: {saved}");
    assert_eq!(saved["version"], 2);
    let (status, stale) = api(&app, &office, "PUT", &path, Some(edit)).await;
    assert_eq!(status, 409, "{backend}: a stale version: {stale}");
    let (status, _) = api(
        &app,
        &office,
        "PUT",
        &format!("/api/v1/lessons/{LESSON}"),
        Some(json!({"version": 1, "lesson": lesson_body("grades_3_5", 35, 5)})),
    )
    .await;
    assert_eq!(status, 403, "a built-in lesson is adapted, not changed");

    let (status, published) = api(
        &app,
        &office,
        "POST",
        &format!("{path}/publish"),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {published}");
    assert_eq!(published["published"], true);
    let (status, seen) = api(&app, &teacher, "GET", &path, None).await;
    assert_eq!(
        status, 200,
        "{backend}: published, it reaches the office's schools: {seen}"
    );
    assert_eq!(seen["may_edit"], false);
    assert_eq!(seen["questions"].as_array().unwrap().len(), 6, "the saved version");
    let (_, library) = api(&app, &teacher, "GET", "/api/v1/lessons?per_page=500", None).await;
    assert!(listed(&library));
    // And a class can take it.
    start(&app, &teacher, school, &lesson, 20).await;

    let (status, _) = api(
        &app,
        &office,
        "POST",
        &format!("{path}/publish"),
        Some(json!({"published": false})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = api(&app, &teacher, "GET", &path, None).await;
    assert_eq!(status, 404, "taken back, it is gone from the schools");
    let (_, library) = api(&app, &teacher, "GET", "/api/v1/lessons?per_page=500", None).await;
    assert!(!listed(&library));
    app.stop().await;
}

both_backends!(bad_input_is_refused_whole_and_writes_nothing);
async fn bad_input_is_refused_whole_and_writes_nothing(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let office = api_token(&app, "demo.office").await;
    let teacher = api_token(&app, "demo.teacher").await;
    let office_id = unit_of(&app, &office).await;
    let school = unit_of(&app, &teacher).await;
    let before = lesson_count(&app, &office).await;
    let create = |lesson: Value| json!({"unit_id": office_id, "lesson": lesson});

    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/lessons",
        Some(create(lesson_body("grades_3_5", 35, 4))),
    )
    .await;
    assert_eq!(status, 422, "{backend}: four questions: {body}");
    assert!(problems(&body).iter().any(|p| p.contains("đang có 4")), "{body}");
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/lessons",
        Some(create(lesson_body("grades_1_2", 45, 5))),
    )
    .await;
    assert_eq!(status, 422, "{backend}: a 45-minute lesson for grades 1–2: {body}");
    assert!(problems(&body).iter().any(|p| p.contains("35 phút")), "{body}");
    let mut out_of_range = lesson_body("grades_3_5", 35, 5);
    out_of_range["questions"][2]["answer"] = json!(3);
    out_of_range["questions"][4]["answer"] = json!(-1);
    let (status, body) = api(&app, &office, "POST", "/api/v1/lessons", Some(create(out_of_range))).await;
    assert_eq!(status, 422, "{backend}: answers past the choices: {body}");
    assert_eq!(problems(&body).len(), 2, "{body}");

    // Everything at once: every problem is listed.
    let mut all_wrong = lesson_body("grades_1_2", 45, 4);
    all_wrong["questions"][0]["answer"] = json!(7);
    let (status, body) = api(&app, &office, "POST", "/api/v1/lessons", Some(create(all_wrong))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problems(&body).len(), 3, "{backend}: {body}");

    // An unknown band is the input's problem (422, naming the field), not the request's (400),
    // and the rest of the lesson is still checked.
    let mut unknown = lesson_body("grades_10_12", 35, 5);
    unknown["title"] = json!("");
    let (status, body) = api(&app, &office, "POST", "/api/v1/lessons", Some(create(unknown))).await;
    assert_eq!(status, 422, "{backend}: {body}");
    let listed = problems(&body);
    assert_eq!(listed.len(), 2, "{body}");
    assert!(
        listed[0].contains("band") && listed[0].contains("grades_10_12"),
        "{body}"
    );
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/lessons",
        Some(create(json!({"topic": "cooking"}))),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(problems(&body).iter().any(|p| p.contains("topic")), "{body}");
    assert_eq!(lesson_count(&app, &office).await, before, "{backend}: nothing written");

    // Sessions: every problem at once, and nothing opened.
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/sessions",
        Some(json!({"lesson_id": "phones_at_school-parents", "unit_id": school, "class_name": " ", "pupils_present": 81})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert_eq!(problems(&body).len(), 3, "{body}");
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/sessions",
        Some(json!({"lesson_id": "phones_at_school-grades_8_9", "unit_id": school, "class_name": "4B", "pupils_present": 30})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: a primary school has no grade 8: {body}");
    let (_, mine) = api(&app, &teacher, "GET", "/api/v1/sessions", None).await;
    assert_eq!(mine["total"], 0, "{backend}: nothing opened");

    // Paper sheets: one count per question, none above the sheets.
    let (id, _) = start(&app, &teacher, school, LESSON, 30).await;
    let sheets = format!("/api/v1/sessions/{id}/sheets");
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        &sheets,
        Some(json!({"sheets": 10, "right": [1, 2]})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (_, lesson) = api(&app, &teacher, "GET", &format!("/api/v1/lessons/{LESSON}"), None).await;
    let count = lesson["questions"].as_array().unwrap().len();
    let mut right = vec![json!(10); count];
    right[0] = json!(11);
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        &sheets,
        Some(json!({"sheets": 10, "right": right})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (_, view) = api(&app, &teacher, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(view["answered"], 0, "{backend}: nothing counted");
    let mut right = vec![json!(10); count];
    right[0] = json!(4);
    let (status, view) = api(
        &app,
        &teacher,
        "POST",
        &sheets,
        Some(json!({"sheets": 10, "right": right})),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {view}");
    assert_eq!(view["answered"], 10);
    assert_eq!(view["sheets"], 10);
    assert_eq!(view["questions"][0]["share_right"], 40);
    assert_eq!(view["questions"][0]["wrong_on_paper"], 6);
    assert_eq!(view["hardest"], 0);

    // A nickname past its length is refused, and the device does not join.
    let (_, started) = api(&app, &teacher, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    let code = started["code"].as_str().unwrap();
    let (status, body, _) = public(
        &app,
        &format!("/api/v1/public/sessions/{code}/join"),
        Some(json!({"nickname": "Một biệt danh dài hơn hai mươi ký tự"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (_, view) = api(&app, &teacher, "GET", &format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(view["joined"], 0);
    app.stop().await;
}
