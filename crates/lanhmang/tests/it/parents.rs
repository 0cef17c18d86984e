//! Parents and their classes: a school invites with a code, parents sign up with it (nothing
//! written on bad input, a revoked or expired code refused, guessing throttled), notices reach
//! exactly the parents of the classes or grades named, a parent sees only their classes'
//! notices, taking a parent out of their last class ends their role, and at night the mail
//! waits for the morning.

use std::sync::Arc;

use crate::common;

use common::{
    TestApp, add_person, api, api_token, api_token_with, both_backends, mails_to_school, notifications_of, unit_by_code,
};
use lanhmang_domain::Role;
use serde_json::json;

async fn rows(app: &TestApp, table: &str, condition: &str) -> u64 {
    let column = match table {
        "notices" => "title",
        "class_invitations" => "code",
        "people" => "username",
        _ => "person_id",
    };
    app.store()
        .execute_raw_for_tests(&format!("UPDATE {table} SET {column} = {column} WHERE {condition}"))
        .await
        .expect("count")
}

const PASSWORD: &str = "mùa thu lá vàng rơi";

async fn invite(app: &TestApp, token: &str, unit_id: i64, class: &str) -> (String, i64) {
    let (status, body) = api(
        app,
        token,
        "POST",
        &format!("/api/v1/classes/{unit_id}/invitations"),
        Some(json!({"class_name": class})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["code"].as_str().expect("code").to_string(),
        body["id"].as_i64().expect("id"),
    )
}

async fn sign_up(app: &TestApp, code: &str, username: &str) -> (u16, serde_json::Value) {
    let client = app.client();
    let r = client
        .post(app.url("/api/v1/public/parents/signup"))
        .json(&json!({"code": code, "name": "Trần Thị Hoa", "username": username,
            "password": PASSWORD, "email": format!("{username}@demo.test")}))
        .send()
        .await
        .expect("signup");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

both_backends!(parents_join_by_code_and_read_only_their_classes_notices);
async fn parents_join_by_code_and_read_only_their_classes_notices(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let principal = api_token(&app, "demo.principal").await;
    let teacher = api_token(&app, "demo.teacher").await;
    let (_, me) = api(&app, &principal, "GET", "/api/v1/me", None).await;
    let school = me["unit_id"].as_i64().expect("the principal's school");

    // Who may invite: the school's principal and teachers; not the office, not a parent, not
    // another school's principal.
    let other = unit_by_code(&app, "TH-HOASEN").await;
    add_person(&app, other.id, "ht.hoasen", Role::Principal).await;
    for (who, expected) in [("demo.office", 403), ("demo.family", 403), ("ht.hoasen", 404)] {
        let token = api_token(&app, who).await;
        let (status, _) = api(
            &app,
            &token,
            "POST",
            &format!("/api/v1/classes/{school}/invitations"),
            Some(json!({"class_name": "4B"})),
        )
        .await;
        assert_eq!(status, expected, "{backend}: {who}");
    }
    // A class name that is not one: 422, nothing written.
    let before = rows(&app, "class_invitations", "1 = 1").await;
    for bad in ["", "B4", "lớp 4B", "13A"] {
        let (status, body) = api(
            &app,
            &principal,
            "POST",
            &format!("/api/v1/classes/{school}/invitations"),
            Some(json!({"class_name": bad})),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {bad}: {body}");
        assert!(body.to_string().contains("ví dụ 4B"), "{backend}: {body}");
    }
    assert_eq!(rows(&app, "class_invitations", "1 = 1").await, before, "{backend}");

    let (code_4b, invitation_4b) = invite(&app, &principal, school, "4b").await;
    let (code_5a, _) = invite(&app, &teacher, school, "5A").await;
    assert_eq!(code_4b.len(), 9, "{backend}: {code_4b}");

    // Bad sign-ups write nothing: every problem named, a wrong code refused like any other.
    let people = rows(&app, "people", "1 = 1").await;
    let client = app.client();
    let r = client
        .post(app.url("/api/v1/public/parents/signup"))
        .json(&json!({"code": "abc", "name": " ", "username": "x", "password": "ngắn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422, "{backend}");
    let body: serde_json::Value = r.json().await.unwrap();
    for problem in ["Mã mời", "Tên đăng nhập", "Họ và tên"] {
        assert!(body.to_string().contains(problem), "{backend}: {problem} in {body}");
    }
    let r = client
        .post(app.url("/api/v1/public/parents/signup"))
        .json(
            &json!({"code": code_4b, "name": "Trần Thị Hoa", "username": "tranhoa", "password": "mùa thu lá vàng rơi"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422, "{backend}: a contact is asked for");
    let (status, body) = sign_up(&app, "2345-6789", "tranhoa").await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert!(
        body.to_string().contains("không đúng hoặc đã hết hạn"),
        "{backend}: {body}"
    );
    let (status, _) = sign_up(&app, &code_4b, "demo.teacher").await;
    assert_eq!(status, 422, "{backend}: a taken username");
    assert_eq!(
        rows(&app, "people", "1 = 1").await,
        people,
        "{backend}: nothing written"
    );

    // Two parents join: one in 4B, one in 5A; the first also joins 5A when signed in.
    let (status, body) = sign_up(&app, &code_4b.to_lowercase().replace('-', " "), "cha.4b").await;
    assert_eq!(status, 201, "{backend}: {body}");
    assert_eq!(body["class_name"], "4B", "{backend}");
    let (status, _) = sign_up(&app, &code_5a, "me.5a").await;
    assert_eq!(status, 201, "{backend}");
    let parent_4b = api_token_with(&app, "cha.4b", PASSWORD).await;
    let parent_5a = api_token_with(&app, "me.5a", PASSWORD).await;
    let (_, classes) = api(&app, &parent_4b, "GET", "/api/v1/parents/classes", None).await;
    assert_eq!(classes["total"], 1, "{backend}: {classes}");
    assert!(
        classes["items"][0].get("phone").is_none(),
        "{backend}: no contacts in one's own list"
    );

    // The school sees who joined, with their contact; a parent does not.
    let (status, list) = api(
        &app,
        &principal,
        "GET",
        &format!("/api/v1/classes/{school}/parents?class_name=4B"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{backend}: {list}");
    assert_eq!(list["total"], 1, "{backend}: {list}");
    assert_eq!(list["items"][0]["email"], "cha.4b@demo.test", "{backend}");
    let (status, _) = api(
        &app,
        &parent_4b,
        "GET",
        &format!("/api/v1/classes/{school}/parents"),
        None,
    )
    .await;
    assert_eq!(status, 403, "{backend}");

    // A notice to the parents of 4B reaches only them; it carries no register number.
    let (status, sent) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/notices",
        Some(
            json!({"title": "Họp phụ huynh lớp 4B", "body": "Kính mời anh/chị dự họp lúc 7 giờ 30 thứ Bảy.",
            "audience": {"roles": ["parent"], "classes": ["4B"]}, "ack_required": true}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    assert_eq!(sent["recipients"], 1, "{backend}: {sent}");
    assert!(sent["number"].is_null(), "{backend}: {sent}");
    let meeting = sent["id"].as_i64().unwrap();
    let (status, _) = api(&app, &parent_5a, "GET", &format!("/api/v1/notices/{meeting}"), None).await;
    assert_eq!(status, 404, "{backend}: another class's parent");
    let (status, seen) = api(
        &app,
        &parent_4b,
        "POST",
        &format!("/api/v1/notices/{meeting}/acknowledge"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{backend}: {seen}");
    let (_, followed) = api(&app, &principal, "GET", &format!("/api/v1/notices/{meeting}"), None).await;
    assert_eq!(followed["acknowledged"], 1, "{backend}: {followed}");
    assert_eq!(followed["units"][0]["acknowledged"], 1, "{backend}: {followed}");
    // The yearly report counts the parent reached (S3.3), on top of the activity log's.
    let (_, plan) = common::principal_school_and_plan(&app, &principal).await;
    let plan = app.store().plan(plan).await.unwrap().expect("the plan");
    let unit = app.store().unit(school).await.unwrap().expect("the school");
    let computed = lanhmang_app::reports::computed(app.store(), &plan, &unit)
        .await
        .unwrap();
    let (reached, source) = computed["s3_3_parents_reached"];
    assert!(reached >= 1.0, "{backend}: {computed:?}");
    assert_eq!(source, lanhmang_domain::report::FamilyFacts::SOURCE, "{backend}");

    // A teacher writes to families only, and follows the notices they wrote.
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Họp tổ", "body": "Họp tổ chuyên môn.", "audience": {"roles": ["teacher"]}})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    let (status, sent) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/notices",
        Some(
            json!({"title": "Lớp 5A đi tham quan", "body": "Xin cha mẹ chuẩn bị mũ, nước uống cho con.",
            "audience": {"roles": ["parent"], "classes": ["5A"]}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    let trip = sent["id"].as_i64().unwrap();
    let (status, followed) = api(&app, &teacher, "GET", &format!("/api/v1/notices/{trip}"), None).await;
    assert_eq!(status, 200, "{backend}");
    assert_eq!(followed["recipients"], 1, "{backend}: {followed}");
    let (status, _) = api(&app, &teacher, "GET", &format!("/api/v1/notices/{meeting}"), None).await;
    assert_eq!(status, 404, "{backend}: not the principal's notice");

    // The office reaches the parents of grade 4 across its schools; a class needs one school.
    let office = api_token(&app, "demo.office").await;
    let (status, sent) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(
            json!({"title": "Tuần lễ an toàn trên mạng", "body": "Thư gửi cha mẹ học sinh khối 4.",
            "audience": {"roles": ["parent"], "grades": [4]}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    assert_eq!(
        sent["recipients"], 3,
        "{backend}: cha.4b, and demo.family and demo.parent (4A); not me.5a"
    );
    // The office sees that parents read it, never who: parents are named to their school only.
    let grade_notice = sent["id"].as_i64().unwrap();
    let (status, listed) = api(
        &app,
        &office,
        "GET",
        &format!("/api/v1/notices/{grade_notice}/recipients"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{backend}: {listed}");
    assert!(
        !listed.to_string().contains("Trần Thị Hoa") && listed.to_string().contains("Cha mẹ học sinh"),
        "{backend}: {listed}"
    );
    // Parents are not among the school's people, and no staff member opens or manages their
    // accounts; the system administrator can.
    let cha = app.store().person_by_username("cha.4b").await.unwrap().unwrap();
    for (who, expected) in [("demo.principal", 404), ("demo.office", 404), ("demo.admin", 200)] {
        let token = api_token(&app, who).await;
        let (_, people) = api(&app, &token, "GET", "/api/v1/people?per_page=500", None).await;
        assert!(
            !people.to_string().contains("cha.4b"),
            "{backend}: {who} lists no parent"
        );
        let browser = app.signed_in(who).await;
        let status = browser.get(&format!("/nguoi-dung/{}", cha.id)).await.status().as_u16();
        assert_eq!(status, expected, "{backend}: {who} opens a parent's account");
    }
    let (status, body) = api(
        &app,
        &office,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "X", "body": "Y", "audience": {"roles": ["parent"], "classes": ["4B"]}})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert!(body.to_string().contains("từng trường"), "{backend}: {body}");

    // The parent's home shows the school's notices and the reports they sent (theirs only);
    // their home page leads there.
    let browser = app.signed_in_with("cha.4b", PASSWORD).await;
    assert!(
        browser.text("/gia-dinh").await.1.contains("chưa gửi phản ánh nào"),
        "{backend}"
    );
    for (who, what) in [(&parent_4b, "cyberbullying"), (&teacher, "scam")] {
        let (status, body) = api(
            &app,
            who,
            "POST",
            "/api/v1/incidents",
            Some(json!({"unit_id": school, "category": what,
                "description": "Con kể có người lạ nhắn tin đòi tiền qua mạng xã hội."})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {body}");
    }
    let r = browser.get("/").await;
    assert_eq!(r.status().as_u16(), 303, "{backend}");
    let (status, home) = browser.text("/gia-dinh").await;
    assert_eq!(status, 200, "{backend}");
    assert!(
        home.contains("Họp phụ huynh lớp 4B") && home.contains("Lớp 4B"),
        "{backend}"
    );
    assert!(
        home.contains("Bắt nạt") && home.contains("Đã tiếp nhận") && !home.contains("Lừa đảo"),
        "{backend}: the parent's own report, not the teacher's: {home}"
    );
    assert!(!home.contains("Lớp 5A đi tham quan"), "{backend}");

    // Signed in, a parent joins one more class; twice changes nothing.
    for _ in 0..2 {
        let (status, body) = api(
            &app,
            &parent_4b,
            "POST",
            "/api/v1/parents/classes",
            Some(json!({"code": code_5a})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {body}");
    }
    let (_, classes) = api(&app, &parent_4b, "GET", "/api/v1/parents/classes", None).await;
    assert_eq!(classes["total"], 2, "{backend}: {classes}");

    // A revoked code and an expired one open nothing.
    let (status, revoked) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/classes/{school}/invitations/{invitation_4b}/revoke"),
        None,
    )
    .await;
    assert_eq!((status, revoked["open"].as_bool()), (200, Some(false)), "{backend}");
    let (status, _) = sign_up(&app, &code_4b, "late.4b").await;
    assert_eq!(status, 422, "{backend}: revoked");
    app.store()
        .execute_raw_for_tests("UPDATE class_invitations SET expires_at = '2020-01-01T00:00:00Z'")
        .await
        .unwrap();
    let (status, _) = sign_up(&app, &code_5a, "late.5a").await;
    assert_eq!(status, 422, "{backend}: expired");

    // Taken out of 4B the parent keeps 5A; out of 5A too, the parent's role ends.
    for class in ["4B", "5A"] {
        let person = app.store().person_by_username("cha.4b").await.unwrap().unwrap();
        let (status, body) = api(
            &app,
            &principal,
            "POST",
            &format!("/api/v1/classes/{school}/parents/{}/remove", person.id),
            Some(json!({"class_name": class})),
        )
        .await;
        assert_eq!(status, 204, "{backend}: {body}");
    }
    let person = app.store().person_by_username("cha.4b").await.unwrap().unwrap();
    assert!(
        app.store().grants_of(person.id).await.unwrap().is_empty(),
        "{backend}: no class, no parent's role"
    );
    let (status, sent) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Thư gửi cha mẹ toàn trường", "body": "Nội dung.", "audience": {"roles": ["parent"]}})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    assert_eq!(
        sent["recipients"], 3,
        "{backend}: demo.family, demo.parent (both 4A) and me.5a; not the parent taken out"
    );
    app.stop().await;
}

both_backends!(guessing_codes_is_throttled);
async fn guessing_codes_is_throttled(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    // A parents' meeting on the school's Wi-Fi: good codes from one address never count.
    let principal = api_token(&app, "demo.principal").await;
    let school = unit_by_code(&app, "TH-ANBINH").await;
    let (code, _) = invite(&app, &principal, school.id, "1A").await;
    for i in 0..12 {
        let (status, body) = sign_up(&app, &code, &format!("meeting{i}")).await;
        assert_eq!(status, 201, "{backend}: parent {i}: {body}");
    }
    let mut statuses = Vec::new();
    for i in 0..12 {
        let (status, _) = sign_up(&app, "2345-6789", &format!("guess{i}")).await;
        statuses.push(status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 422), "{backend}: {statuses:?}");
    assert_eq!(statuses[11], 429, "{backend}: {statuses:?}");
    app.stop().await;
}

both_backends!(at_night_the_mail_waits_for_the_morning);
async fn at_night_the_mail_waits_for_the_morning(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let principal = api_token(&app, "demo.principal").await;
    let (status, sent) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Nghỉ học do mưa bão", "body": "Ngày mai học sinh nghỉ học.", "audience": {"roles": ["parent"], "classes": ["4A"]}})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    // Quiet hours that hold now, whatever the hour the test runs: from an hour ago to an hour on.
    let now = lanhmang_store::now().to_offset(lanhmang_domain::report::VIETNAM);
    let quiet = lanhmang_domain::parents::QuietHours {
        start: (now - time::Duration::hours(1)).time(),
        end: (now + time::Duration::hours(1)).time(),
    };
    let store = Arc::new(app.db.as_ref().expect("db").connect().await.expect("store"));
    let jobs = lanhmang_app::App::new(
        store,
        lanhmang_app::Settings {
            quiet_hours: quiet,
            ..Default::default()
        },
    );
    let (told, _) = lanhmang_app::notices::deliver(&jobs).await.unwrap();
    assert_eq!(told, 2, "{backend}: demo.family and demo.parent");
    assert_eq!(
        notifications_of(&app, "demo.family", "notice").await,
        1,
        "{backend}: in the app at once"
    );
    let school = unit_by_code(&app, "TH-ANBINH").await;
    let mails = mails_to_school(&app, school.id, "notice").await;
    assert_eq!(mails.len(), 2, "{backend}: {mails:?}");
    let later = lanhmang_store::now() + time::Duration::minutes(50);
    assert!(
        mails.iter().all(|m| m.next_attempt_at > later),
        "{backend}: both mails wait for the end of the quiet hours"
    );
    assert!(!app.store().mail_due().await.unwrap(), "{backend}: nothing to send now");
    app.stop().await;
}

both_backends!(the_pages_invite_sign_up_and_welcome_a_parent);
async fn the_pages_invite_sign_up_and_welcome_a_parent(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let school = unit_by_code(&app, "TH-ANBINH").await;
    let principal = app.signed_in("demo.principal").await;
    // The menu leads to the school's page; a bad class name is named beside its field.
    let r = principal.get("/lop-hoc").await;
    assert_eq!(r.status().as_u16(), 303, "{backend}: one school, its page at once");
    let page = format!("/lop-hoc/{}", school.id);
    let before = rows(&app, "class_invitations", "1 = 1").await;
    let r = principal
        .submit(&page, &format!("{page}/ma-moi"), &[("class_name", "lớp bốn")])
        .await;
    assert_eq!(r.status().as_u16(), 422, "{backend}");
    assert!(r.text().await.unwrap().contains("ví dụ 4B"), "{backend}");
    assert_eq!(rows(&app, "class_invitations", "1 = 1").await, before, "{backend}");
    // A good one leads to the printable invitation: the code and its QR code.
    let invitation = principal
        .submit_and_follow(&page, &format!("{page}/ma-moi"), &[("class_name", "3C")])
        .await;
    assert!(
        invitation.contains("lớp 3C") && invitation.contains("<svg") && invitation.contains("/tham-gia?ma="),
        "{backend}"
    );
    let code = invitation
        .split("class=\"invitation-code\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the code on the invitation")
        .to_string();

    // A parent opens the link (the QR code's address): the class is confirmed, then they sign up.
    let parent = common::Browser {
        client: app.client(),
        base: app.url(""),
    };
    let link = format!("/tham-gia?ma={code}");
    let (status, form) = parent.text(&link).await;
    assert_eq!(status, 200, "{backend}");
    assert!(form.contains("lớp 3C") && form.contains(&school.name), "{backend}");
    let r = parent
        .submit(
            &link,
            "/tham-gia",
            &[
                ("code", &code),
                ("name", "Lê Văn Tâm"),
                ("username", "le.tam"),
                ("password", "ngắn"),
            ],
        )
        .await;
    assert_eq!(
        r.status().as_u16(),
        422,
        "{backend}: the password and the missing contact"
    );
    let text = r.text().await.unwrap();
    assert!(text.contains("số điện thoại hoặc thư điện tử"), "{backend}");
    assert!(
        app.store().person_by_username("le.tam").await.unwrap().is_none(),
        "{backend}"
    );
    let welcome = parent
        .submit_and_follow(
            &link,
            "/tham-gia",
            &[
                ("code", &code),
                ("name", "Lê Văn Tâm"),
                ("username", "le.tam"),
                ("password", PASSWORD),
                ("phone", "0912 345 678"),
            ],
        )
        .await;
    assert!(
        welcome.contains("Đã tạo tài khoản và vào lớp") && welcome.contains("Lớp 3C"),
        "{backend}"
    );
    // A wrong code to add a class is named beside the field; nothing joins.
    let r = parent
        .submit("/gia-dinh", "/gia-dinh/them-lop", &[("code", "2345-6789")])
        .await;
    assert_eq!(r.status().as_u16(), 422, "{backend}");

    // The school sees the parent, and can take them out of the class.
    let (status, list) = principal.text(&format!("/lop-hoc/{}/cha-me?lop=3C", school.id)).await;
    assert_eq!(status, 200, "{backend}");
    assert!(list.contains("Lê Văn Tâm") && list.contains("0912345678"), "{backend}");
    let person = app.store().person_by_username("le.tam").await.unwrap().unwrap();
    let done = principal
        .submit_and_follow(
            &format!("/lop-hoc/{}/cha-me", school.id),
            &format!("/lop-hoc/{}/cha-me/{}/xoa", school.id, person.id),
            &[("class_name", "3C")],
        )
        .await;
    assert!(done.contains("Đã đưa phụ huynh ra khỏi lớp"), "{backend}");
    // Another school's principal sees none of it.
    let other = unit_by_code(&app, "TH-HOASEN").await;
    add_person(&app, other.id, "ht.hoasen", Role::Principal).await;
    let stranger = app.signed_in("ht.hoasen").await;
    assert_eq!(stranger.get(&page).await.status().as_u16(), 404, "{backend}");
    app.stop().await;
}

both_backends!(families_without_the_app_get_slips_and_the_contact_book_a_message);
async fn families_without_the_app_get_slips_and_the_contact_book_a_message(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let principal = api_token(&app, "demo.principal").await;
    let (status, sent) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Họp phụ huynh cuối học kỳ I", "body": "Kính mời quý phụ huynh đến dự họp lúc 7 giờ 30 sáng thứ Bảy tại phòng học của lớp.\n\nXin cảm ơn.",
            "audience": {"roles": ["parent"], "classes": ["4A"]}, "ack_required": true})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {sent}");
    let id = sent["id"].as_i64().unwrap();
    // Every demo account on every route of the notice: its parents read it, its sender follows
    // it, everyone else is refused without learning it exists.
    for (account, reads, follows) in [
        ("demo.family", true, false),
        ("demo.parent", true, false),
        ("demo.principal", false, true),
        ("demo.teacher", false, false),
        ("demo.office", false, false),
        ("demo.head", false, false),
        ("demo.webadmin", false, false),
        ("demo.collaborator", false, false),
        ("demo.incidentlead", false, false),
        ("demo.admin", false, false),
    ] {
        let token = api_token(&app, account).await;
        let seen = if reads || follows { 200 } else { 404 };
        let (status, _) = api(&app, &token, "GET", &format!("/api/v1/notices/{id}"), None).await;
        assert_eq!(status, seen, "{backend}: {account} gets the notice");
        let (status, _) = api(&app, &token, "POST", &format!("/api/v1/notices/{id}/read"), None).await;
        assert_eq!(
            status,
            if reads {
                200
            } else if follows {
                403
            } else {
                404
            },
            "{backend}: {account} reads"
        );
        let (status, _) = api(&app, &token, "GET", &format!("/api/v1/notices/{id}/recipients"), None).await;
        assert_eq!(
            status,
            if follows {
                200
            } else if reads {
                403
            } else {
                404
            },
            "{backend}: {account} lists"
        );
        let pages = app.signed_in(account).await;
        for path in [
            format!("/van-ban/{id}/phieu.pdf?lop=4A"),
            format!("/van-ban/{id}/so-lien-lac.csv"),
        ] {
            let status = pages.get(&path).await.status().as_u16();
            assert_eq!(
                status,
                if follows {
                    200
                } else if reads {
                    403
                } else {
                    404
                },
                "{backend}: {account} {path}"
            );
        }
    }
    let browser = app.signed_in("demo.principal").await;
    let (_, page) = browser.text(&format!("/van-ban/{id}")).await;
    assert!(
        page.contains("Tải phiếu in (PDF)") && page.contains("Lớp 4A"),
        "{backend}"
    );

    let r = browser.get(&format!("/van-ban/{id}/phieu.pdf?lop=4A&so=3")).await;
    assert_eq!(r.status().as_u16(), 200, "{backend}");
    let pdf = r.bytes().await.unwrap();
    let text = crate::dashboard::pdf_text(&pdf);
    assert_eq!(
        text.matches("Họp phụ huynh cuối học kỳ I").count(),
        3,
        "{backend}: {text}"
    );
    assert!(
        text.contains("Cha mẹ học sinh lớp 4A") && text.contains("đã nhận thông báo"),
        "{backend}"
    );
    assert!(
        text.contains(&format!("/van-ban/{id}")),
        "{backend}: the address under the QR code"
    );
    for (bad, why) in [
        ("?lop=9Z", "không gửi lớp đó"),
        ("?so=0", "Số phiếu"),
        ("?so=500", "Số phiếu"),
    ] {
        let r = browser.get(&format!("/van-ban/{id}/phieu.pdf{bad}")).await;
        assert_eq!(r.status().as_u16(), 400, "{backend}: {bad}");
        assert!(r.text().await.unwrap().contains(why), "{backend}: {bad} says why");
    }

    let r = browser.get(&format!("/van-ban/{id}/so-lien-lac.csv")).await;
    assert_eq!(r.status().as_u16(), 200, "{backend}");
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("\u{feff}lop,tin_nhan,so_ky_tu,lien_ket,tieu_de"),
        "{backend}"
    );
    let row = lines.next().expect("one class");
    assert!(
        row.starts_with("4A,[Truong Tieu hoc An Binh] Hop phu huynh cuoi hoc ky I: Kinh moi"),
        "{backend}: {row}"
    );
    let count: usize = row.split(',').nth(2).unwrap().parse().unwrap();
    assert!(count <= 160, "{backend}: {row}");
    assert!(lines.next().is_none(), "{backend}: one class, one line");

    // A parent and a staff notice have no slips: refused, and the page offers none.
    let family = app.signed_in("demo.family").await;
    assert_eq!(
        family.get(&format!("/van-ban/{id}/phieu.pdf")).await.status().as_u16(),
        403,
        "{backend}"
    );
    let (status, staff) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/notices",
        Some(json!({"title": "Họp hội đồng", "body": "Họp hội đồng sư phạm.", "audience": {"roles": ["teacher"]}})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {staff}");
    let staff = staff["id"].as_i64().unwrap();
    let r = browser.get(&format!("/van-ban/{staff}/so-lien-lac.csv")).await;
    assert_eq!(r.status().as_u16(), 409, "{backend}");
    let (_, page) = browser.text(&format!("/van-ban/{staff}")).await;
    assert!(!page.contains("Tải phiếu in"), "{backend}");
    app.stop().await;
}

both_backends!(a_class_representative_shares_the_code_and_sees_how_many_joined);
async fn a_class_representative_shares_the_code_and_sees_how_many_joined(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let principal = api_token(&app, "demo.principal").await;
    let (_, me) = api(&app, &principal, "GET", "/api/v1/me", None).await;
    let school = me["unit_id"].as_i64().expect("the principal's school");
    let (code_4b, invitation_4b) = invite(&app, &principal, school, "4B").await;
    let (code_5a, _) = invite(&app, &principal, school, "5A").await;
    let (_, rep) = sign_up(&app, &code_4b, "dai.dien.4b").await;
    let rep_id = rep["id"].as_i64().expect("id");
    sign_up(&app, &code_4b, "me.4b").await;
    sign_up(&app, &code_5a, "bo.5a").await;
    let rep_token = api_token_with(&app, "dai.dien.4b", PASSWORD).await;
    let other_token = api_token_with(&app, "me.4b", PASSWORD).await;
    let path = |person: i64| format!("/api/v1/classes/{school}/parents/{person}/representative");
    let named = |on: bool| json!({"class_name": "4B", "representative": on});

    // Before being named, a parent gets no code.
    let take_code = json!({"unit_id": school, "class_name": "4B"});
    let (status, _) = api(
        &app,
        &rep_token,
        "POST",
        "/api/v1/parents/classes/invitation",
        Some(take_code.clone()),
    )
    .await;
    assert_eq!(status, 404, "{backend}");

    // Who names: the school's principal or teachers; not the office, a parent, another school.
    let other_school = unit_by_code(&app, "TH-HOASEN").await;
    add_person(&app, other_school.id, "ht.hoasen", Role::Principal).await;
    for (token, expected) in [
        (api_token(&app, "demo.office").await, 403),
        (other_token.clone(), 403),
        (api_token(&app, "ht.hoasen").await, 404),
    ] {
        let (status, body) = api(&app, &token, "POST", &path(rep_id), Some(named(true))).await;
        assert_eq!(status, expected, "{backend}: {body}");
    }
    // Bad input names the problem, writes nothing; someone not in the class is not found.
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &path(rep_id),
        Some(json!({"class_name": "lớp bốn", "representative": true})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert!(
        body.to_string().contains("4B"),
        "{backend}: the hint shows the form: {body}"
    );
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &path(rep_id),
        Some(json!({"class_name": "4B"})),
    )
    .await;
    assert!((400..500).contains(&status), "{backend}: {status}");
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &path(rep_id),
        Some(json!({"class_name": "5A", "representative": true})),
    )
    .await;
    assert_eq!(status, 404, "{backend}");
    assert_eq!(
        rows(&app, "parent_classes", "representative = TRUE AND class_name = '4B'").await,
        0,
        "{backend}"
    );

    let (status, body) = api(&app, &principal, "POST", &path(rep_id), Some(named(true))).await;
    assert_eq!(status, 204, "{backend}: {body}");
    let (_, mine) = api(&app, &rep_token, "GET", "/api/v1/parents/classes", None).await;
    assert_eq!(mine["items"][0]["representative"], true, "{backend}: {mine}");

    // The representative gets the class's open code, and a new one once it is revoked; never
    // another class's, and another parent of the class gets none.
    let (status, code) = api(
        &app,
        &rep_token,
        "POST",
        "/api/v1/parents/classes/invitation",
        Some(take_code.clone()),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {code}");
    assert_eq!(
        code["code"],
        code_4b.as_str(),
        "{backend}: the open code is shared, no new one"
    );
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/classes/{school}/invitations/{invitation_4b}/revoke"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{backend}");
    // A code the school revoked is the school's to replace; the representative is told so.
    let (status, body) = api(
        &app,
        &rep_token,
        "POST",
        "/api/v1/parents/classes/invitation",
        Some(take_code.clone()),
    )
    .await;
    assert_eq!(status, 409, "{backend}: {body}");
    assert!(body.to_string().contains("thu hồi"), "{backend}: {body}");
    let (code_again, _) = invite(&app, &principal, school, "4B").await;
    // Once that code expires, the representative renews it, once.
    app.store()
        .execute_raw_for_tests(&format!(
            "UPDATE class_invitations SET expires_at = '2020-01-01T00:00:00Z' WHERE code = '{code_again}'"
        ))
        .await
        .expect("expire");
    let (status, fresh) = api(
        &app,
        &rep_token,
        "POST",
        "/api/v1/parents/classes/invitation",
        Some(take_code.clone()),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {fresh}");
    assert!(
        fresh["open"] == true && fresh["code"] != code_4b.as_str() && fresh["code"] != code_again.as_str(),
        "{backend}: {fresh}"
    );
    let (status, again) = api(
        &app,
        &rep_token,
        "POST",
        "/api/v1/parents/classes/invitation",
        Some(take_code.clone()),
    )
    .await;
    assert_eq!(
        (status, &again["code"]),
        (200, &fresh["code"]),
        "{backend}: one open code, not one per click"
    );
    for (token, body) in [
        (&rep_token, json!({"unit_id": school, "class_name": "5A"})),
        (&other_token, take_code.clone()),
        (&rep_token, json!({"unit_id": school, "class_name": "bốn"})),
    ] {
        let (status, body) = api(&app, token, "POST", "/api/v1/parents/classes/invitation", Some(body)).await;
        assert!(status == 404 || status == 422, "{backend}: {status} {body}");
    }

    // The home page: the representative sees the count and the code, nobody's name; the other
    // parent sees no such section.
    let browser = app.signed_in_with("dai.dien.4b", PASSWORD).await;
    let (_, home) = browser.text("/gia-dinh").await;
    assert!(
        home.contains("Đại diện cha mẹ lớp 4B")
            && home.contains("<strong>2</strong> phụ huynh")
            && home.contains(fresh["code"].as_str().unwrap()),
        "{backend}: {home}"
    );
    let (_, other_home) = app.signed_in_with("me.4b", PASSWORD).await.text("/gia-dinh").await;
    assert!(!other_home.contains("Đại diện cha mẹ lớp"), "{backend}");

    // The school ends it from its page of parents; the code is no longer the parent's to take.
    let school_browser = app.signed_in("demo.principal").await;
    let page = format!("/lop-hoc/{school}/cha-me?lop=4B");
    let (_, list) = school_browser.text(&page).await;
    assert!(list.contains("thôi làm đại diện lớp 4B"), "{backend}");
    let r = school_browser
        .submit(
            &page,
            &format!("/lop-hoc/{school}/cha-me/{rep_id}/dai-dien"),
            &[("class_name", "4B"), ("representative", "0")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "{backend}");
    let r = school_browser
        .submit(
            &page,
            &format!("/lop-hoc/{school}/cha-me/{rep_id}/dai-dien"),
            &[("class_name", "4B"), ("representative", "có")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400, "{backend}: neither yes nor no");
    let (status, _) = api(
        &app,
        &rep_token,
        "POST",
        "/api/v1/parents/classes/invitation",
        Some(take_code),
    )
    .await;
    assert_eq!(status, 404, "{backend}");
    assert_eq!(
        rows(&app, "parent_classes", "representative = TRUE AND class_name = '4B'").await,
        0,
        "{backend}"
    );
    app.stop().await;
}
