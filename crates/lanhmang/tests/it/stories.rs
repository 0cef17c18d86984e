//! Exemplary stories: a story is published for a purpose only with every consent that purpose
//! needs (a pupil's parent's and, from age 7, the pupil's own), by who approves there; a
//! withdrawn consent takes it off at once; bad input writes nothing; people outside the
//! story's unit do not find it.

use crate::common;

use common::{TestApp, add_person, api, api_token, both_backends, unit_by_code};
use lanhmang_domain::Role;
use serde_json::json;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn stories(app: &TestApp) -> u64 {
    app.store()
        .execute_raw_for_tests("UPDATE stories SET title = title")
        .await
        .expect("count")
}

both_backends!(a_story_is_published_only_with_every_consent_and_leaves_when_one_is_withdrawn);
async fn a_story_is_published_only_with_every_consent_and_leaves_when_one_is_withdrawn(backend: &'static str) {
    use base64::Engine as _;
    let app = TestApp::spawn(backend).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let office = api_token(&app, "demo.office").await;
    let (_, me) = api(&app, &teacher, "GET", "/api/v1/me", None).await;
    let school = me["unit_id"].as_i64().expect("school");
    let before = stories(&app).await;
    let story = json!({"unit_id": school, "title": "Cô Lan và câu lạc bộ An toàn mạng",
        "body": "Cô Lan cùng học sinh lớp 4A lập câu lạc bộ hướng dẫn các bạn nhận biết tin nhắn lừa đảo.",
        "subjects": [{"kind": "teacher", "name": "Cô Lan"}, {"kind": "pupil", "name": "Nguyễn Minh An", "age": 9}]});

    // Bad input names each problem and writes nothing.
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/stories",
        Some(json!({"unit_id": school, "title": " ", "body": "Nội dung",
            "subjects": [{"kind": "pupil", "name": "An"}, {"kind": "robot", "name": "X"}]})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    for says in ["tiêu đề", "tuổi của học sinh", "giáo viên hoặc nhân viên"] {
        assert!(body.to_string().contains(says), "{backend}: {says} in {body}");
    }
    assert_eq!(stories(&app).await, before, "{backend}: nothing written");

    // Who writes: the school's teachers and principal; not the office, a parent, another school.
    let other = unit_by_code(&app, "TH-HOASEN").await;
    add_person(&app, other.id, "gv.hoasen", Role::Teacher).await;
    for (who, expected) in [("demo.office", 403), ("demo.family", 403), ("gv.hoasen", 404)] {
        let token = api_token(&app, who).await;
        let (status, body) = api(&app, &token, "POST", "/api/v1/stories", Some(story.clone())).await;
        assert_eq!(status, expected, "{backend}: {who} {body}");
    }
    let (status, created) = api(&app, &teacher, "POST", "/api/v1/stories", Some(story.clone())).await;
    assert_eq!(status, 201, "{backend}: {created}");
    let id = created["id"].as_i64().unwrap();
    let (_, shown) = api(&app, &teacher, "GET", &format!("/api/v1/stories/{id}"), None).await;
    let lan = shown["subjects"][0]["id"].as_i64().unwrap();
    let an = shown["subjects"][1]["id"].as_i64().unwrap();
    assert_eq!(
        shown["subjects"][0]["age"],
        serde_json::Value::Null,
        "{backend}: no adult's age kept"
    );

    // Not yet: the principal is told every missing consent; a teacher does not approve.
    let publish = |purpose: &str| Some(json!({"purpose": purpose}));
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        publish("school_site"),
    )
    .await;
    assert_eq!(status, 409, "{backend}: {body}");
    for says in [
        "Cô Lan (giáo viên)",
        "Nguyễn Minh An (học sinh): cần sự đồng ý của cha mẹ",
        "của chính em",
    ] {
        assert!(body.to_string().contains(says), "{backend}: {says} in {body}");
    }
    let (status, _) = api(
        &app,
        &teacher,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        publish("school_site"),
    )
    .await;
    assert_eq!(status, 403, "{backend}");

    // Consents: wrong ones are refused whole.
    let consents = format!("/api/v1/stories/{id}/consents");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    for (bad, says) in [
        (
            json!({"subject": lan, "given_by": "parent", "purpose": "school_site"}),
            "không cần cha mẹ",
        ),
        (
            json!({"subject": an, "given_by": "self", "purpose": "website"}),
            "mục đích",
        ),
        (
            json!({"subject": 999_999, "given_by": "self", "purpose": "school_site"}),
            "người trong câu chuyện",
        ),
        (
            json!({"subject": an, "given_by": "parent", "purpose": "school_site",
                   "form": {"file_name": "phieu.pdf", "content_base64": b64(b"MZ\x90\x00")}}),
            "phieu.pdf",
        ),
    ] {
        let (status, body) = api(&app, &teacher, "POST", &consents, Some(bad)).await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(body.to_string().contains(says), "{backend}: {says} in {body}");
    }
    let mut parent_consent = 0;
    for (subject, given_by) in [(lan, "self"), (an, "parent"), (an, "self")] {
        let (status, body) = api(
            &app,
            &teacher,
            "POST",
            &consents,
            Some(
                json!({"subject": subject, "given_by": given_by, "purpose": "school_site",
                "note": "Phiếu ký ngày 02/12", "form": {"file_name": "phieu-dong-y.pdf", "content_base64": b64(PDF)}}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {body}");
        if given_by == "parent" {
            parent_consent = body["id"].as_i64().unwrap();
        }
    }

    // The same consent twice is one consent: withdrawing it must leave none standing.
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        &consents,
        Some(json!({"subject": an, "given_by": "parent", "purpose": "school_site"})),
    )
    .await;
    assert_eq!(status, 409, "{backend}: {body}");
    assert!(body.to_string().contains("đã được ghi"), "{backend}: {body}");

    // The signed form is kept and read back by the story's readers only.
    let form = format!("/api/v1/stories/{id}/consents/{parent_consent}/form");
    let r = app
        .client()
        .get(app.url(&form))
        .bearer_auth(&principal)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{backend}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF, "{backend}");
    let hoasen = api_token(&app, "gv.hoasen").await;
    let r = app
        .client()
        .get(app.url(&form))
        .bearer_auth(&hoasen)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "{backend}");

    // Now the school's page, by the principal; the office's page still needs its own consents.
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        publish("school_site"),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["purposes"][0]["published"], true, "{backend}: {body}");
    let (status, body) = api(
        &app,
        &office,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        publish("office_site"),
    )
    .await;
    assert_eq!(status, 409, "{backend}: {body}");
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        publish("press"),
    )
    .await;
    assert_eq!(status, 403, "{backend}: the press is the office's to approve");
    let (_, list) = api(&app, &office, "GET", "/api/v1/stories", None).await;
    assert_eq!(list["total"], before + 1, "{backend}: {list}");
    assert_eq!(list["items"][0]["id"], id, "{backend}: newest first: {list}");
    assert_eq!(
        list["items"][0]["published"],
        json!(["school_site"]),
        "{backend}: {list}"
    );

    // The parent withdraws (on paper, recorded by the school): the story leaves the page at once.
    let withdraw = format!("/api/v1/stories/{id}/consents/{parent_consent}/withdraw");
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &withdraw,
        Some(json!({"note": "Phụ huynh gửi đơn rút lại"})),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["unpublished"], json!(["school_site"]), "{backend}");
    let (_, shown) = api(&app, &teacher, "GET", &format!("/api/v1/stories/{id}"), None).await;
    assert_eq!(shown["purposes"][0]["published"], false, "{backend}: {shown}");
    assert!(
        shown["consents"][1]["withdrawn_at"].is_string(),
        "{backend}: kept, marked withdrawn"
    );
    let (status, _) = api(&app, &principal, "POST", &withdraw, Some(json!({}))).await;
    assert_eq!(status, 404, "{backend}: withdrawn once");
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/stories/{id}/publish"),
        publish("school_site"),
    )
    .await;
    assert_eq!(status, 409, "{backend}: {body}");

    // Outside the unit, or without a story role, it is not found.
    for who in ["gv.hoasen", "demo.collaborator", "demo.family"] {
        let token = api_token(&app, who).await;
        let (status, _) = api(&app, &token, "GET", &format!("/api/v1/stories/{id}"), None).await;
        assert_eq!(status, 404, "{backend}: {who}");
        let (_, list) = api(&app, &token, "GET", "/api/v1/stories", None).await;
        assert_eq!(list["total"], 0, "{backend}: {who}");
    }
    app.stop().await;
}
