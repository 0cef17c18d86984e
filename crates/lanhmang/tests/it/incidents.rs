//! Incidents, end to end on both backends: the case's life and who may move it, clocks that
//! stop while waiting, restricted details absent from every answer for everyone but its
//! handlers (every incident route walked as every demo account), the record of who read a
//! restricted case, the public form's receipt, limit and honeypot, and bad input refused whole.

use crate::common;

use common::{TestApp, api, api_token, both_backends, notifications_of};
use lanhmang::config::Layer;
use serde_json::{Value, json};

const ACCOUNTS: &[&str] = &[
    "demo.admin",
    "demo.office",
    "demo.head",
    "demo.principal",
    "demo.teacher",
    "demo.webadmin",
    "demo.collaborator",
    "demo.parent",
    "demo.incidentlead",
];

async fn first_school(app: &TestApp) -> (i64, String) {
    let token = api_token(app, "demo.principal").await;
    let (_, me) = api(app, &token, "GET", "/api/v1/me", None).await;
    let id = me["roles"][0]["unit_id"].as_i64().unwrap();
    let (_, unit) = api(app, &token, "GET", &format!("/api/v1/units/{id}"), None).await;
    (id, unit["code"].as_str().unwrap().to_string())
}

async fn other_school(app: &TestApp, own: i64) -> i64 {
    let token = api_token(app, "demo.office").await;
    let (_, units) = api(app, &token, "GET", "/api/v1/units?kind=school&per_page=5", None).await;
    units["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .find(|id| *id != own)
        .unwrap()
}

async fn incident_count(app: &TestApp) -> i64 {
    let lead = api_token(app, "demo.incidentlead").await;
    let (status, list) = api(app, &lead, "GET", "/api/v1/incidents?per_page=1", None).await;
    assert_eq!(status, 200, "{list}");
    list["total"].as_i64().unwrap()
}

both_backends!(a_case_goes_from_report_to_closing_by_the_rules);
async fn a_case_goes_from_report_to_closing_by_the_rules(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, _) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let collaborator = api_token(&app, "demo.collaborator").await;
    let principal = api_token(&app, "demo.principal").await;
    let (status, case) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": school, "category": "cyberbullying",
            "description": "Một nhóm lớp trên mạng xã hội đăng ảnh chế giễu một bạn.",
            "links": ["https://example.com/bai-dang"]})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {case}");
    // A date that is given must be a date, and a page number a number.
    let (status, body) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": school, "category": "cyberbullying",
            "description": "Một nhóm lớp trên mạng xã hội đăng ảnh chế giễu một bạn.", "happened_on": ""})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    let (status, body) = api(&app, &teacher, "GET", "/api/v1/incidents?page=", None).await;
    assert_eq!(status, 400, "{backend}: {body}");
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["state"], "received");
    assert_eq!(case["severity"], "normal");
    assert_eq!(case["restricted"], false);
    assert!(case["due_at"].is_string(), "{case}");
    // The school's collaborator was told in the app (no mail for a case that is not urgent).
    assert_eq!(notifications_of(&app, "demo.collaborator", "incident_new").await, 1);

    let path = format!("/api/v1/incidents/{id}/transition");
    // Settling is the principal's; a collaborator sorts and follows.
    let (status, body) = api(
        &app,
        &collaborator,
        "POST",
        &path,
        Some(json!({"to": "resolved", "outcome": "x"})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    let (status, triaged) = api(
        &app,
        &collaborator,
        "POST",
        &path,
        Some(json!({"to": "triaged", "severity": "high"})),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {triaged}");
    assert_eq!(triaged["severity"], "high");
    assert_eq!(triaged["response"]["status"], "met");
    let due_before = triaged["due_at"].as_str().unwrap().to_string();
    // Waiting needs to say on whom; the clock then stands still.
    let (status, body) = api(&app, &collaborator, "POST", &path, Some(json!({"to": "waiting"}))).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("chờ ai"), "{body}");
    let (status, waiting) = api(
        &app,
        &collaborator,
        "POST",
        &path,
        Some(json!({"to": "waiting", "note": "Chờ phụ huynh gửi thêm đường liên kết."})),
    )
    .await;
    assert_eq!(status, 200, "{waiting}");
    assert!(waiting["due_at"].is_null(), "{waiting}");
    assert_eq!(waiting["resolution"]["status"], "paused");
    let (status, running) = api(&app, &collaborator, "POST", &path, Some(json!({"to": "in_progress"}))).await;
    assert_eq!(status, 200, "{running}");
    assert!(running["due_at"].as_str().unwrap() >= due_before.as_str(), "{running}");
    // A stale version is refused.
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &path,
        Some(json!({"to": "resolved", "outcome": "x", "version": 1})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = api(&app, &principal, "POST", &path, Some(json!({"to": "resolved"}))).await;
    assert_eq!(status, 422, "outcome required: {body}");
    let (status, resolved) = api(
        &app,
        &principal,
        "POST",
        &path,
        Some(json!({"to": "resolved", "outcome": "Đã gặp hai gia đình; bài đăng đã được gỡ."})),
    )
    .await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["resolution"]["status"], "met");
    let (status, closed) = api(&app, &principal, "POST", &path, Some(json!({"to": "closed"}))).await;
    assert_eq!(status, 200, "{closed}");
    // The yearly report of a school that has not started it counts settled cases from the book.
    let (_, plan) = common::principal_school_and_plan(&app, &principal).await;
    let office = api_token(&app, "demo.office").await;
    let lead = api_token(&app, "demo.incidentlead").await;
    let (_, fresh) = api(
        &app,
        &office,
        "GET",
        &format!("/api/v1/plans/{plan}/reports?status=not_started"),
        None,
    )
    .await;
    let other = fresh["items"][0]["unit_id"]
        .as_i64()
        .expect("a school that has not started its report");
    let (status, phone) = api(
        &app,
        &office,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": other, "category": "phone_rules", "description": "Học sinh quay phim giờ kiểm tra."})),
    )
    .await;
    assert_eq!(status, 201, "{phone}");
    let phone_path = format!("/api/v1/incidents/{}/transition", phone["id"]);
    for step in [
        json!({"to": "triaged"}),
        json!({"to": "resolved", "outcome": "Đã nhắc nội quy, báo phụ huynh."}),
    ] {
        let (status, body) = api(&app, &lead, "POST", &phone_path, Some(step)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, report) = api(
        &app,
        &office,
        "GET",
        &format!("/api/v1/plans/{plan}/reports/{other}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["values"]["s1_3_phone_cases"]["computed"], 1.0,
        "{backend}: {report}"
    );
    assert_eq!(report["values"]["s3_1_cases_handled"]["computed"], 1.0);
    assert_eq!(report["values"]["s3_1_cases_on_time"]["computed"], 1.0);
    // Reopening needs a reason and a lead.
    let (status, _) = api(
        &app,
        &collaborator,
        "POST",
        &path,
        Some(json!({"to": "in_progress", "note": "x"})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = api(&app, &principal, "POST", &path, Some(json!({"to": "in_progress"}))).await;
    assert_eq!(status, 422);
    let (status, reopened) = api(
        &app,
        &principal,
        "POST",
        &path,
        Some(json!({"to": "in_progress", "note": "Bài đăng xuất hiện lại."})),
    )
    .await;
    assert_eq!(status, 200, "{reopened}");
    assert!(reopened["due_at"].is_string());
    // The reporter reads their case and its history, and may not move it.
    let (status, own) = api(&app, &teacher, "GET", &format!("/api/v1/incidents/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(own["details"], true);
    assert_eq!(own["history"].as_array().unwrap().len(), 7, "{own}");
    let (status, _) = api(
        &app,
        &teacher,
        "POST",
        &path,
        Some(json!({"to": "waiting", "note": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    // Another school's handlers do not know the case exists; each move is audited.
    let other = other_school(&app, school).await;
    assert_ne!(other, school);
    let office = api_token(&app, "demo.office").await;
    let (status, _) = api(&app, &office, "GET", &format!("/api/v1/incidents/{id}"), None).await;
    assert_eq!(status, 404, "the office's staff see counts, not cases");
    let audit = app
        .store()
        .audit_page(lanhmang_domain::Paging { page: 1, per_page: 500 })
        .await;
    let entries = audit.expect("audit").0;
    let moves = entries.iter().filter(|e| e.target == format!("incident:{id}")).count();
    assert_eq!(moves, 7, "{backend}: a report and six changes");
    app.stop().await;
}

both_backends!(restricted_details_reach_only_the_handlers_and_every_reading_is_recorded);
async fn restricted_details_reach_only_the_handlers_and_every_reading_is_recorded(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, code) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let marker = "MARKER-naming-a-pupil";
    let (status, named) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": school, "category": "image_without_consent",
            "description": format!("Clip quay trong lớp bị đăng lên mạng. {marker}"),
            "affected": "lớp 4B, N.V.A"})),
    )
    .await;
    assert_eq!(status, 201, "{named}");
    assert_eq!(named["restricted"], true);
    let named_id = named["id"].as_i64().unwrap();
    // A public report of exploitation: restricted and urgent by rule, the lead alerted at once.
    let public_marker = "MARKER-exploitation";
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/public/units/{code}/reports")))
        .json(&json!({"category": "child_exploitation",
            "description": format!("Một người lạ nhắn tin đòi ảnh của bạn em. {public_marker}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(notifications_of(&app, "demo.incidentlead", "incident_urgent").await, 1);
    assert_eq!(notifications_of(&app, "demo.principal", "incident_urgent").await, 1);
    assert_eq!(notifications_of(&app, "demo.collaborator", "incident_urgent").await, 0);
    let mails = common::mails_to_school(&app, school, "incident_urgent").await;
    assert_eq!(mails.len(), 2, "{backend}: the principal and the lead get mail");
    assert!(
        mails.iter().all(|m| !m.body.contains(public_marker)),
        "mail never carries the report"
    );
    let lead = api_token(&app, "demo.incidentlead").await;
    let (_, list) = api(&app, &lead, "GET", "/api/v1/incidents?state=received", None).await;
    let exploitation = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["public"] == true)
        .unwrap()
        .clone();
    assert_eq!(exploitation["severity"], "urgent");
    assert_eq!(exploitation["restricted"], true);
    let exploitation_id = exploitation["id"].as_i64().unwrap();

    // Every incident route, as every account: the words reach only those who may read them.
    let readers: &[(&str, bool, bool)] = &[
        // (account, reads the named case, reads the exploitation case)
        ("demo.teacher", true, false),
        ("demo.principal", true, true),
        ("demo.incidentlead", true, true),
    ];
    for account in ACCOUNTS {
        let token = api_token(&app, account).await;
        let (reads_named, reads_exploitation) = readers
            .iter()
            .find(|(a, ..)| a == account)
            .map(|(_, n, e)| (*n, *e))
            .unwrap_or((false, false));
        for (id, marker, reads) in [
            (named_id, marker, reads_named),
            (exploitation_id, public_marker, reads_exploitation),
        ] {
            let c = app.client();
            let mut answers: Vec<(String, u16, String)> = Vec::new();
            for path in [
                "/api/v1/incidents".to_string(),
                "/api/v1/incidents?category=image_without_consent".to_string(),
                "/api/v1/incidents?category=child_exploitation".to_string(),
                "/api/v1/incidents?overdue=true".to_string(),
                format!("/api/v1/incidents/{id}"),
            ] {
                let r = c.get(app.url(&path)).bearer_auth(&token).send().await.unwrap();
                answers.push((path, r.status().as_u16(), r.text().await.unwrap()));
            }
            for path in [
                format!("/api/v1/incidents/{id}/transition"),
                format!("/api/v1/incidents/{id}/notes"),
            ] {
                let r = c
                    .post(app.url(&path))
                    .bearer_auth(&token)
                    .json(&json!({"to": "nowhere", "body": ""}))
                    .send()
                    .await
                    .unwrap();
                answers.push((path, r.status().as_u16(), r.text().await.unwrap()));
            }
            if *account != "demo.admin" {
                let browser = app.signed_in(account).await;
                for path in ["/su-co".to_string(), format!("/su-co/{id}"), "/thong-bao".to_string()] {
                    let (status, body) = browser.text(&path).await;
                    answers.push((path, status, body));
                }
            }
            let category = if id == named_id {
                "image_without_consent"
            } else {
                "child_exploitation"
            };
            // Where a case's words appear for those who read it: the lists (the unfiltered one
            // and its own category's), the case itself; never the HTML list or the notices.
            let carries = |path: &str| {
                path == "/api/v1/incidents"
                    || path == format!("/api/v1/incidents?category={category}")
                    || path == format!("/api/v1/incidents/{id}")
                    || path == format!("/su-co/{id}")
            };
            for (path, status, body) in answers {
                assert_eq!(
                    body.contains(marker),
                    reads && status == 200 && carries(&path),
                    "{backend}: {account} {path} ({status}) reads={reads}"
                );
            }
        }
    }
    // Readings of the restricted cases were recorded, and are shown to those who read them.
    let principal = api_token(&app, "demo.principal").await;
    let (_, case) = api(&app, &principal, "GET", &format!("/api/v1/incidents/{named_id}"), None).await;
    let viewers: Vec<&str> = case["viewed_by"]
        .as_array()
        .expect("viewed_by")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert!(viewers.iter().any(|n| n.contains("Nguyễn Văn Bình")), "{viewers:?}");
    assert!(viewers.iter().any(|n| n.contains("Phạm Thị Lan")), "{viewers:?}");
    assert!(
        !viewers.iter().any(|n| n.contains("Đặng Thu Trang")),
        "the collaborator never read it"
    );
    let collaborator = api_token(&app, "demo.collaborator").await;
    let (status, hidden) = api(
        &app,
        &collaborator,
        "GET",
        &format!("/api/v1/incidents/{named_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(hidden["details"], false);
    assert!(
        hidden.get("description").is_none() && hidden.get("category").is_none() && hidden.get("viewed_by").is_none()
    );
    // Named handler: the lead assigns the collaborator, who then reads it (and is recorded).
    let (status, body) = api(
        &app,
        &lead,
        "POST",
        &format!("/api/v1/incidents/{named_id}/transition"),
        Some(json!({"to": "triaged", "severity": "high", "handler_id": person_id(&app, "demo.collaborator").await})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, now_read) = api(
        &app,
        &collaborator,
        "GET",
        &format!("/api/v1/incidents/{named_id}"),
        None,
    )
    .await;
    assert_eq!(now_read["details"], true);
    assert!(now_read["description"].as_str().unwrap().contains(marker));
    assert_eq!(
        notifications_of(&app, "demo.collaborator", "incident_assigned").await,
        1
    );
    app.stop().await;
}

async fn person_id(app: &TestApp, username: &str) -> i64 {
    app.store().person_by_username(username).await.unwrap().unwrap().id
}

both_backends!(the_public_form_gives_a_receipt_and_keeps_floods_out);
async fn the_public_form_gives_a_receipt_and_keeps_floods_out(backend: &'static str) {
    let extra = Layer {
        trusted_proxies: Some(1),
        ..Default::default()
    };
    let app = TestApp::spawn_configured(backend, true, extra).await;
    let (_, code) = first_school(&app).await;
    let c = app.client();
    let send = |from: &'static str, body: Value| {
        let c = c.clone();
        let url = app.url(&format!("/api/v1/public/units/{code}/reports"));
        async move {
            let r = c
                .post(url)
                .header("x-forwarded-for", from)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").is_some();
            (status, retry, r.json::<Value>().await.unwrap())
        }
    };
    let report = json!({"category": "scam", "description": "Có tin nhắn giả danh nhà trường đòi nộp tiền học."});
    let (status, _, receipt) = send("198.51.100.7", report.clone()).await;
    assert_eq!(status, 201, "{receipt}");
    let receipt_code = receipt["receipt"].as_str().unwrap().to_string();
    assert_eq!(receipt_code.len(), 14);

    // The honeypot, an unknown unit and bad input write nothing.
    let before = incident_count(&app).await;
    let (status, ..) = send(
        "198.51.100.8",
        json!({"category": "scam", "description": "Nội dung đủ dài để gửi.", "website": "http://spam.example"}),
    )
    .await;
    assert_eq!(status, 422);
    let r = c
        .post(app.url("/api/v1/public/units/KHONG-CO/reports"))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (status, _, body) = send("198.51.100.8", json!({"category": "politics", "description": "ngắn", "links": ["javascript:alert(1)"], "contact": "khong-phai-email"})).await;
    assert_eq!(status, 422);
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 4, "every problem listed: {body}");
    // A contact that is given must be an address; a blank one is not "no contact".
    let (status, _, body) = send(
        "198.51.100.8",
        json!({"category": "scam", "description": "Nội dung đủ dài để gửi.", "contact": ""}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("e-mail"), "{body}");
    assert_eq!(incident_count(&app).await, before, "{backend}: nothing written");

    // One address is stopped after its hour's worth; another is not slowed.
    let limit = lanhmang_app::DEFAULT_PUBLIC_REPORTS_PER_HOUR;
    let mut accepted = 1;
    let mut refused_with_retry = 0;
    for _ in 0..limit + 5 {
        match send("198.51.100.7", report.clone()).await {
            (201, ..) => accepted += 1,
            (429, true, _) => refused_with_retry += 1,
            other => panic!("{backend}: {other:?}"),
        }
    }
    assert_eq!(accepted, limit, "{backend}");
    assert_eq!(refused_with_retry, 6);
    let (status, ..) = send("203.0.113.9", report.clone()).await;
    assert_eq!(status, 201, "another address is not slowed");
    // The address is counted under its keyed hash only, never in the clear.
    let now = lanhmang_store::now();
    let hour = now.replace_minute(0).unwrap().replace_second(0).unwrap();
    let key = app.store().address_key("198.51.100.7").unwrap();
    assert!(app.store().public_reports_this_hour(&key, hour).await.unwrap() >= limit);
    assert_eq!(
        app.store()
            .public_reports_this_hour("198.51.100.7", hour)
            .await
            .unwrap(),
        0
    );

    // The school answers: the reporter reads the reply, never the internal note.
    let lead = api_token(&app, "demo.incidentlead").await;
    let (_, list) = api(&app, &lead, "GET", "/api/v1/incidents?per_page=100", None).await;
    let first = list["items"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    for (body, to_reporter) in [
        ("NOTE-internal", false),
        ("Nhà trường đã báo công an và cảnh báo phụ huynh.", true),
    ] {
        let (status, _) = api(
            &app,
            &lead,
            "POST",
            &format!("/api/v1/incidents/{first}/notes"),
            Some(json!({"body": body, "to_reporter": to_reporter})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let r = c
        .get(app.url(&format!("/api/v1/public/receipts/{}", receipt_code.to_lowercase())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["replies"].as_array().unwrap().len(), 1, "{view}");
    assert!(!view.to_string().contains("NOTE-internal"));
    let r = c
        .get(app.url("/api/v1/public/receipts/AAAA-BBBB-CCCC"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

both_backends!(the_pages_take_a_report_and_a_public_one);
async fn the_pages_take_a_report_and_a_public_one(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, code) = first_school(&app).await;
    let collaborator = app.signed_in("demo.collaborator").await;
    let school_text = school.to_string();
    // A full name is refused beside its field; nothing is written.
    let r = collaborator
        .submit(
            "/su-co/moi",
            "/su-co/moi",
            &[
                ("unit_id", school_text.as_str()),
                ("category", "phone_rules"),
                ("description", "Học sinh quay phim trong giờ kiểm tra."),
                ("affected", "Nguyễn Văn An"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("chữ cái đầu"));
    let page = collaborator
        .submit_and_follow(
            "/su-co/moi",
            "/su-co/moi",
            &[
                ("unit_id", school_text.as_str()),
                ("category", "phone_rules"),
                ("description", "Học sinh quay phim trong giờ kiểm tra."),
                ("affected", "lớp 7C"),
            ],
        )
        .await;
    assert!(page.contains("Đã ghi nhận phản ánh"), "{backend}");
    assert!(page.contains("Học sinh quay phim trong giờ kiểm tra."));
    assert!(
        page.contains("Khi học sinh vi phạm") || page.contains("Làm ngay"),
        "the playbook is shown"
    );
    // The public form, without an account: the receipt page, then the lookup.
    let visitor = common::Browser {
        client: app.client(),
        base: app.base.clone(),
    };
    let r = visitor
        .submit(
            &format!("/phan-anh/{code}"),
            &format!("/phan-anh/{code}"),
            &[
                ("category", "cyberbullying"),
                ("description", "Các bạn trong nhóm lớp nói xấu em mỗi tối."),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 201);
    let body = r.text().await.unwrap();
    let marker = "class=\"receipt-code\"><strong>";
    let start = body.find(marker).unwrap() + marker.len();
    let receipt = &body[start..start + 14];
    let (status, lookup) = {
        let r = visitor
            .submit("/phan-anh/tra-cuu", "/phan-anh/tra-cuu", &[("code", receipt)])
            .await;
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(status, 200, "{backend}: {receipt}");
    assert!(lookup.contains("Đã tiếp nhận"));
    app.stop().await;
}

both_backends!(overdue_cases_escalate_and_purged_cases_leave_nothing_identifying);
async fn overdue_cases_escalate_and_purged_cases_leave_nothing_identifying(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, code) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let (status, named) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": school, "category": "cyberbullying",
            "description": "Nhóm lớp chế giễu một bạn. MARKER-DESCRIPTION",
            "links": ["https://example.com/MARKER-LINK"], "affected": "lớp 4B, X.Q.Z"})),
    )
    .await;
    assert_eq!(status, 201, "{named}");
    let named_id = named["id"].as_i64().unwrap();
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/public/units/{code}/reports")))
        .json(
            &json!({"category": "feedback", "description": "Góp ý về giờ dùng điện thoại. MARKER-PUBLIC",
            "contact": "marker-contact@example.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let lead = api_token(&app, "demo.incidentlead").await;
    let (_, list) = api(&app, &lead, "GET", "/api/v1/incidents", None).await;
    let public_id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["public"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = api(&app, &principal, "GET", &format!("/api/v1/incidents/{named_id}"), None).await;
    assert_eq!(status, 200);
    for (id, note, to_reporter) in [
        (public_id, "Cảm ơn em, nhà trường ghi nhận. MARKER-REPLY", true),
        (named_id, "Đã gặp gia đình. MARKER-NOTE", false),
    ] {
        let (status, body) = api(
            &app,
            &principal,
            "POST",
            &format!("/api/v1/incidents/{id}/notes"),
            Some(json!({"body": note, "to_reporter": to_reporter})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let principal_pages = app.signed_in("demo.principal").await;
    let r = send_file(&principal_pages, named_id, "MARKER-FILENAME.png", PNG, true).await;
    assert!(r.status().is_redirection(), "{backend}: {}", r.status());
    for id in [named_id, public_id] {
        let path = format!("/api/v1/incidents/{id}/transition");
        for step in [
            json!({"to": "triaged"}),
            json!({"to": "resolved", "outcome": "Đã xử lý xong. MARKER-OUTCOME"}),
            json!({"to": "closed"}),
        ] {
            let (status, body) = api(&app, &principal, "POST", &path, Some(step)).await;
            assert_eq!(status, 200, "{body}");
        }
    }
    // A third case stays open past its clocks: the principal is told, then the office's lead.
    let (_, open) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": school, "category": "scam", "description": "Tin nhắn giả danh nhà trường."})),
    )
    .await;
    let open_id = open["id"].as_i64().unwrap();
    let store = std::sync::Arc::new(app.db.as_ref().unwrap().connect().await.unwrap());
    let service = lanhmang_app::App::new(store.clone(), lanhmang_app::Settings::default());
    let later = lanhmang_store::now() + time::Duration::days(30);
    assert_eq!(
        lanhmang_app::incidents::escalate_overdue(&service, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(notifications_of(&app, "demo.principal", "incident_overdue").await, 1);
    assert_eq!(notifications_of(&app, "demo.incidentlead", "incident_overdue").await, 0);
    assert_eq!(
        lanhmang_app::incidents::escalate_overdue(&service, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(notifications_of(&app, "demo.incidentlead", "incident_overdue").await, 1);
    assert_eq!(
        lanhmang_app::incidents::escalate_overdue(&service, later)
            .await
            .unwrap(),
        0,
        "told once each"
    );
    let (_, escalated) = api(&app, &lead, "GET", &format!("/api/v1/incidents/{open_id}"), None).await;
    let events: Vec<&str> = escalated["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(events.iter().filter(|e| **e == "escalated").count(), 2, "{events:?}");

    // Before their time nothing is purged; after it, nothing identifying is left anywhere.
    let soon = lanhmang_store::now() + time::Duration::days(100);
    assert_eq!(lanhmang_app::incidents::purge_expired(&service, soon).await.unwrap(), 0);
    let before = store.all_values_for_tests().await.unwrap();
    for marker in [
        "MARKER-DESCRIPTION",
        "MARKER-REPLY",
        "MARKER-FILENAME",
        "marker-contact@example.com",
        "X.Q.Z",
    ] {
        assert!(before.contains(marker), "{backend}: {marker} is there before the purge");
    }
    let feedback_due = lanhmang_store::now() + time::Duration::days(200);
    assert_eq!(
        lanhmang_app::incidents::purge_expired(&service, feedback_due)
            .await
            .unwrap(),
        1,
        "public feedback first"
    );
    let year_later = lanhmang_store::now() + time::Duration::days(400);
    assert_eq!(
        lanhmang_app::incidents::purge_expired(&service, year_later)
            .await
            .unwrap(),
        1
    );
    let after = store.all_values_for_tests().await.unwrap();
    for marker in [
        "MARKER-DESCRIPTION",
        "MARKER-LINK",
        "MARKER-PUBLIC",
        "MARKER-REPLY",
        "MARKER-NOTE",
        "MARKER-OUTCOME",
        "MARKER-FILENAME",
        "marker-contact@example.com",
        "X.Q.Z",
    ] {
        let line = after.lines().find(|l| l.contains(marker));
        assert!(line.is_none(), "{backend}: {marker} left in {line:?}");
    }
    // What remains is counted: the cases, their category and state, without words.
    let (_, purged) = api(&app, &lead, "GET", &format!("/api/v1/incidents/{named_id}"), None).await;
    assert_eq!(purged["state"], "closed");
    assert_eq!(purged["category"], "cyberbullying");
    assert_eq!(purged["description"], "");
    assert_eq!(
        purged["attachments"],
        json!([]),
        "{backend}: the files went with the details"
    );
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/incidents/{named_id}/transition"),
        Some(json!({"to": "in_progress", "note": "Mở lại"})),
    )
    .await;
    assert_eq!(status, 409, "a purged case cannot be reopened");
    store.close().await;
    app.stop().await;
}

both_backends!(the_office_sees_the_network_coverage_without_any_case_words);
async fn the_office_sees_the_network_coverage_without_any_case_words(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, code) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let (status, _) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(
            json!({"unit_id": school, "category": "scam", "description": "Tin nhắn giả danh trường. MARKER-COVERAGE"}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/public/units/{code}/reports")))
        .json(&json!({"category": "feedback", "description": "Góp ý về giờ ra chơi của các em."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for account in ["demo.office", "demo.head", "demo.incidentlead"] {
        let browser = app.signed_in(account).await;
        let (status, page) = browser.text("/su-co/mang-luoi").await;
        assert_eq!(status, 200, "{backend}: {account}: {page}");
        assert!(
            page.contains("<dt>Hồ sơ tiếp nhận</dt><dd>2</dd>"),
            "{backend}: {account}"
        );
        assert!(page.contains("<dt>Đang xử lý</dt><dd>2</dd>"));
        assert!(!page.contains("MARKER-COVERAGE"));
        // The first school has a collaborator; the filter lists only schools without one.
        let (_, without) = browser.text("/su-co/mang-luoi?chua_co_ctv=1").await;
        let (_, all) = browser.text("/su-co/mang-luoi?per_page=500").await;
        let first = app.store().unit(school).await.unwrap().unwrap().name;
        assert!(
            all.contains(&first) && !without.contains(&format!(">{first}<")),
            "{backend}"
        );
        let (status, _) = browser.text("/su-co/mang-luoi?qua_han=1&page=0").await;
        assert_eq!(status, 400, "a bad page number is refused");
    }
    for account in ["demo.principal", "demo.collaborator", "demo.teacher"] {
        let browser = app.signed_in(account).await;
        let (status, _) = browser.text("/su-co/mang-luoi").await;
        assert_eq!(status, 403, "{backend}: {account}");
    }
    app.stop().await;
}

both_backends!(a_clarification_is_approved_published_and_withdrawn_in_the_open);
async fn a_clarification_is_approved_published_and_withdrawn_in_the_open(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, _) = first_school(&app).await;
    let principal = api_token(&app, "demo.principal").await;
    let head = api_token(&app, "demo.head").await;
    let teacher = api_token(&app, "demo.teacher").await;
    // A false-information case the principal reads, and one of another kind.
    let mut cases = Vec::new();
    for category in ["false_information", "cyberbullying"] {
        let (_, case) = api(
            &app,
            &teacher,
            "POST",
            "/api/v1/incidents",
            Some(json!({"unit_id": school, "category": category, "description": "Bài đăng nói trường thu thêm tiền học."})),
        )
        .await;
        cases.push(case["id"].as_i64().unwrap());
    }
    let (_, before) = api(&app, &principal, "GET", "/api/v1/clarifications", None).await;
    let (status, refused) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/clarifications",
        Some(
            json!({"unit_id": school, "incident_id": cases[1], "title": " ", "claim": "x", "facts": "y",
            "sources": [" "], "news_ids": [999999]}),
        ),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["error"]["problems"].as_array().unwrap().len(),
        4,
        "{backend}: {refused}"
    );
    let (_, after) = api(&app, &principal, "GET", "/api/v1/clarifications", None).await;
    assert_eq!(before["total"], after["total"], "nothing written");
    let (status, draft) = api(
        &app,
        &principal,
        "POST",
        "/api/v1/clarifications",
        Some(
            json!({"unit_id": school, "incident_id": cases[0], "title": "Nhà trường không thu thêm tiền học",
            "claim": "Một bài đăng nói trường thu thêm 500.000 đồng mỗi em.",
            "facts": "Nhà trường không thu bất kỳ khoản nào ngoài các khoản đã được Hội đồng trường thông qua.",
            "sources": ["https://example.edu.vn/thong-bao-thu-chi", "Biên bản họp Hội đồng trường ngày 05/9/2026"]}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    assert_eq!(draft["state"], "draft");
    let c = app.client();
    let public = app.url(&format!("/cong-khai/dinh-chinh/{id}"));
    assert_eq!(
        c.get(&public).send().await.unwrap().status(),
        404,
        "a draft is not public"
    );
    // Only an office head above the unit approves.
    let (status, _) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/clarifications/{id}/approve"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, published) = api(
        &app,
        &head,
        "POST",
        &format!("/api/v1/clarifications/{id}/approve"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["state"], "published");
    let (status, _) = api(
        &app,
        &head,
        "POST",
        &format!("/api/v1/clarifications/{id}/approve"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let r = c.get(&public).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none(), "no cookie for visitors");
    assert!(r.text().await.unwrap().contains("Hội đồng trường thông qua"));
    let feed = c.get(app.url("/cong-khai/dinh-chinh.atom")).send().await.unwrap();
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    assert!(
        feed.text()
            .await
            .unwrap()
            .contains("<title>Nhà trường không thu thêm tiền học</title>")
    );
    // Withdrawn: still at its address, saying so and why.
    let browser = app.signed_in("demo.head").await;
    let r = browser
        .submit(
            &format!("/dinh-chinh/{id}"),
            &format!("/dinh-chinh/{id}/thu-hoi"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = browser
        .submit_and_follow(
            &format!("/dinh-chinh/{id}"),
            &format!("/dinh-chinh/{id}/thu-hoi"),
            &[("reason", "Số liệu cần cập nhật theo biên bản mới.")],
        )
        .await;
    assert!(page.contains("Đã thu hồi"), "{backend}");
    let text = c.get(&public).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("Bài này đã được thu hồi") && text.contains("biên bản mới"));
    let feed = c
        .get(app.url("/cong-khai/dinh-chinh.atom"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(feed.contains("[Đã thu hồi]"));
    // The collaborator and the teacher neither write nor read drafts.
    for account in ["demo.collaborator", "demo.teacher", "demo.parent"] {
        let browser = app.signed_in(account).await;
        let (status, _) = browser.text("/dinh-chinh").await;
        assert_eq!(status, 403, "{account}");
    }
    app.stop().await;
}

both_backends!(the_system_administrator_keeps_the_categories);
async fn the_system_administrator_keeps_the_categories(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let admin = api_token(&app, "demo.admin").await;
    let office = api_token(&app, "demo.office").await;
    let new = json!({"code": "mao_danh_zalo", "name": "Tin nhắn mạo danh nhà trường qua Zalo", "position": 45});
    // Only the system administrator; everyone else is refused and nothing changes.
    for token in [&office, &api_token(&app, "demo.principal").await] {
        let (status, body) = api(&app, token, "POST", "/api/v1/incident-categories", Some(new.clone())).await;
        assert_eq!(status, 403, "{backend}: {body}");
        let (status, _) = api(
            &app,
            token,
            "PUT",
            "/api/v1/incident-categories/other",
            Some(json!({"name": "Đổi tên"})),
        )
        .await;
        assert_eq!(status, 403);
    }
    // Bad input: every problem listed, nothing written.
    let (status, body) = api(
        &app,
        &admin,
        "POST",
        "/api/v1/incident-categories",
        Some(json!({"code": "Có Dấu", "name": " ", "position": 5000, "feedback": true, "urgent": true})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert_eq!(body["error"]["problems"].as_array().unwrap().len(), 4, "{body}");
    let (status, body) = api(
        &app,
        &admin,
        "PUT",
        "/api/v1/incident-categories/child_exploitation",
        Some(json!({"name": "Xâm hại trẻ em", "restricted": false, "urgent": true, "active": false})),
    )
    .await;
    assert_eq!(status, 422, "a child's safety is not a setting: {body}");
    let (status, _) = api(
        &app,
        &admin,
        "PUT",
        "/api/v1/incident-categories/khong_co",
        Some(json!({"name": "Không có"})),
    )
    .await;
    assert_eq!(status, 404);
    let public = app.client();
    let codes = |list: serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect()
    };
    let list = || async {
        public
            .get(app.url("/api/v1/incident-categories"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    assert_eq!(codes(list().await).len(), 11, "{backend}: nothing written");

    // Added, it is offered and taken; a second with the same code is a conflict.
    let (status, body) = api(&app, &admin, "POST", "/api/v1/incident-categories", Some(new.clone())).await;
    assert_eq!(status, 201, "{backend}: {body}");
    assert_eq!(body["active"], true);
    let (status, _) = api(&app, &admin, "POST", "/api/v1/incident-categories", Some(new.clone())).await;
    assert_eq!(status, 409);
    assert!(codes(list().await).contains(&"mao_danh_zalo".to_string()));
    let (school, _) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let report = json!({"unit_id": school, "category": "mao_danh_zalo",
        "description": "Phụ huynh nhận tin nhắn giả danh nhà trường đòi nộp tiền."});
    let (status, body) = api(&app, &teacher, "POST", "/api/v1/incidents", Some(report.clone())).await;
    assert_eq!(status, 201, "{backend}: {body}");
    // Switched off: no longer offered, its case kept.
    let (status, body) = api(
        &app,
        &admin,
        "PUT",
        "/api/v1/incident-categories/mao_danh_zalo",
        Some(json!({"name": "Tin nhắn mạo danh nhà trường qua Zalo", "active": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(!codes(list().await).contains(&"mao_danh_zalo".to_string()));
    let (status, _) = api(&app, &teacher, "POST", "/api/v1/incidents", Some(report)).await;
    assert_eq!(status, 422);
    assert_eq!(incident_count(&app).await, 1);

    // The page: the list with switched-off ones, the edit form, a problem beside its field.
    let page_admin = app.signed_in("demo.admin").await;
    let (status, page) = page_admin.text("/su-co/loai").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Tin nhắn mạo danh nhà trường qua Zalo") && page.contains("Đã tắt"),
        "{backend}"
    );
    let r = page_admin
        .submit(
            "/su-co/loai/other",
            "/su-co/loai/other",
            &[("name", "Việc khác"), ("position", "x"), ("active", "on")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Thứ tự là một số"));
    let page = page_admin
        .submit_and_follow(
            "/su-co/loai/other",
            "/su-co/loai/other",
            &[("name", "Việc khác (ghi rõ)"), ("position", "99"), ("active", "on")],
        )
        .await;
    assert!(
        page.contains("Đã lưu loại sự việc") && page.contains("Việc khác (ghi rõ)"),
        "{backend}"
    );
    let office_page = app.signed_in("demo.office").await;
    let r = office_page.get("/su-co/loai").await;
    assert_eq!(r.status(), 403);
    app.stop().await;
}

both_backends!(a_referral_letter_carries_only_what_the_body_needs);
async fn a_referral_letter_carries_only_what_the_body_needs(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, _) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let (status, case) = api(
        &app,
        &teacher,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": school, "category": "image_without_consent",
            "description": "Clip quay trong lớp bị đăng lên một trang lạ. LETTER-FACTS",
            "links": ["https://example.com/clip"], "affected": "lớp 4B, N.V.A"})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {case}");
    let id = case["id"].as_i64().unwrap();
    let principal_pages = app.signed_in("demo.principal").await;
    let docx = format!("/su-co/{id}/phieu-chuyen.docx");
    // Not referred yet: nothing to print.
    assert_eq!(principal_pages.get(&docx).await.status(), 409);
    let path = format!("/api/v1/incidents/{id}/transition");
    for step in [
        json!({"to": "triaged", "severity": "high"}),
        json!({"to": "referred", "referral": "police", "referral_ref": "CA-2026-118"}),
    ] {
        let (status, body) = api(&app, &principal, "POST", &path, Some(step)).await;
        assert_eq!(status, 200, "{backend}: {body}");
    }
    let (status, body) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/incidents/{id}/notes"),
        Some(json!({"body": "Ghi chú nội bộ LETTER-INTERNAL", "to_reporter": false})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // A bad number is refused with its reason; the right one is printed.
    let r = principal_pages.get(&format!("{docx}?so=05/BC-THAB")).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("PC"));
    let r = principal_pages.get(&format!("{docx}?so=5/PC-THAB")).await;
    assert_eq!(r.status(), 200, "{backend}");
    let text = crate::dashboard::docx_text(&r.bytes().await.unwrap());
    for wanted in [
        "PHIẾU CHUYỂN",
        "05/PC-THAB",
        "Kính gửi: Công an",
        "CA-2026-118",
        "LETTER-FACTS",
        "https://example.com/clip",
        "lớp 4B, N.V.A",
    ] {
        assert!(text.contains(wanted), "{backend}: {wanted} in {text}");
    }
    // Not the reporter, not the internal notes.
    for unwanted in ["LETTER-INTERNAL", "Phạm Thị Lan", "demo.teacher"] {
        assert!(
            !text.contains(unwanted),
            "{backend}: {unwanted} must stay out of the letter"
        );
    }
    let r = principal_pages.get(&format!("/su-co/{id}/phieu-chuyen.pdf")).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    // The reporter and the parent do not get it.
    for who in ["demo.teacher", "demo.parent", "demo.office"] {
        let status = app.signed_in(who).await.get(&docx).await.status();
        assert!(matches!(status.as_u16(), 403 | 404), "{backend}: {who} got {status}");
    }
    app.stop().await;
}

both_backends!(the_working_time_that_clocks_count_is_the_administrators_to_set);
async fn the_working_time_that_clocks_count_is_the_administrators_to_set(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let admin = api_token(&app, "demo.admin").await;
    let (school, _) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    // Anyone who reports reads it; until saved it is the default.
    let (status, wt) = api(&app, &teacher, "GET", "/api/v1/incident-working-time", None).await;
    assert_eq!(status, 200, "{backend}: {wt}");
    assert_eq!(wt["weekdays"], json!([1, 2, 3, 4, 5]));
    assert_eq!(wt["day_start"], "07:00");
    assert!(wt["updated_at"].is_null());
    let every_day =
        json!({"day_start": "00:00", "day_end": "23:59", "weekdays": [1, 2, 3, 4, 5, 6, 7], "holidays": []});
    // Only the system administrator saves it.
    for user in ["demo.office", "demo.principal", "demo.incidentlead"] {
        let token = api_token(&app, user).await;
        let (status, _) = api(
            &app,
            &token,
            "PUT",
            "/api/v1/incident-working-time",
            Some(every_day.clone()),
        )
        .await;
        assert_eq!(status, 403, "{backend}: {user}");
    }
    // Bad input: every problem, nothing written.
    let (status, body) = api(
        &app,
        &admin,
        "PUT",
        "/api/v1/incident-working-time",
        Some(json!({"day_start": "25:00", "day_end": "7h", "weekdays": [], "holidays": ["31/02/2027"]})),
    )
    .await;
    assert_eq!(status, 422, "{backend}: {body}");
    assert_eq!(body["error"]["problems"].as_array().unwrap().len(), 4, "{body}");
    let (_, wt) = api(&app, &admin, "GET", "/api/v1/incident-working-time", None).await;
    assert!(wt["updated_at"].is_null(), "{backend}: nothing written");

    // The days off count: a normal case's first answer is due within the working days, and a
    // run of holidays pushes it past them.
    let response_wait = |case: &Value| {
        let at = |field: &str| {
            time::OffsetDateTime::parse(
                case[field].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
        };
        at("response_due_at") - at("received_at")
    };
    let report =
        json!({"unit_id": school, "category": "other", "description": "Một việc cần nhà trường trả lời trong tuần."});
    let (status, body) = api(
        &app,
        &admin,
        "PUT",
        "/api/v1/incident-working-time",
        Some(every_day.clone()),
    )
    .await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert!(body["updated_at"].is_string());
    let (status, case) = api(&app, &teacher, "POST", "/api/v1/incidents", Some(report.clone())).await;
    assert_eq!(status, 201, "{backend}: {case}");
    assert!(response_wait(&case) < time::Duration::days(4), "{backend}: {case}");
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(7)).date();
    let holidays: Vec<String> = (0..14).map(|d| (today + time::Duration::days(d)).to_string()).collect();
    let mut off = every_day.clone();
    off["holidays"] = json!(holidays);
    let (status, body) = api(&app, &admin, "PUT", "/api/v1/incident-working-time", Some(off)).await;
    assert_eq!(status, 200, "{backend}: {body}");
    assert_eq!(body["holidays"].as_array().unwrap().len(), 14);
    let (_, case) = api(&app, &teacher, "POST", "/api/v1/incidents", Some(report)).await;
    assert!(response_wait(&case) > time::Duration::days(13), "{backend}: {case}");

    // The page: the saved values, a problem beside its field, and the refusal for others.
    let page_admin = app.signed_in("demo.admin").await;
    let (status, page) = page_admin.text("/su-co/gio-lam-viec").await;
    assert_eq!(status, 200);
    assert!(page.contains("23:59") && page.contains("Chủ nhật"), "{backend}");
    let r = page_admin
        .submit(
            "/su-co/gio-lam-viec",
            "/su-co/gio-lam-viec",
            &[
                ("day_start", "08:00"),
                ("day_end", "17:00"),
                ("d1", "on"),
                ("holidays", "30/4/2027, 1/5"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Ngày nghỉ không hợp lệ: «1/5»"));
    let page = page_admin
        .submit_and_follow(
            "/su-co/gio-lam-viec",
            "/su-co/gio-lam-viec",
            &[
                ("day_start", "7:30"),
                ("day_end", "16:30"),
                ("d1", "on"),
                ("d6", "on"),
                ("holidays", "30/4/2027\n1/5/2027"),
            ],
        )
        .await;
    assert!(
        page.contains("Đã lưu giờ làm việc") && page.contains("07:30"),
        "{backend}"
    );
    let (_, wt) = api(&app, &teacher, "GET", "/api/v1/incident-working-time", None).await;
    assert_eq!(wt["weekdays"], json!([1, 6]));
    assert_eq!(wt["holidays"], json!(["2027-04-30", "2027-05-01"]));
    for user in ["demo.office", "demo.principal"] {
        let pages = app.signed_in(user).await;
        assert_eq!(pages.get("/su-co/gio-lam-viec").await.status(), 403, "{user}");
    }
    app.stop().await;
}

/// Reports a case through the API and returns its number.
async fn report_case(app: &TestApp, token: &str, unit: i64, category: &str, words: &str) -> i64 {
    let (status, case) = api(
        app,
        token,
        "POST",
        "/api/v1/incidents",
        Some(json!({"unit_id": unit, "category": category, "description": words})),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    case["id"].as_i64().unwrap()
}

/// Posts the case page's file form (multipart, the CSRF token first, as the page sends it).
async fn send_file(b: &common::Browser, id: i64, name: &str, bytes: &[u8], confirm: bool) -> reqwest::Response {
    let csrf = b.csrf_from(&format!("/su-co/{id}")).await;
    let mut form = reqwest::multipart::Form::new().text("_csrf", csrf);
    if confirm {
        form = form.text("confirm", "1");
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    b.client
        .post(format!("{}/su-co/{id}/tep", b.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

both_backends!(evidence_files_and_links_stay_with_the_case_and_its_readers);
async fn evidence_files_and_links_stay_with_the_case_and_its_readers(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let (school, _) = first_school(&app).await;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let scam = report_case(
        &app,
        &teacher,
        school,
        "scam",
        "Tin nhắn giả danh nhà trường đòi phụ huynh chuyển tiền học thêm.",
    )
    .await;
    let again = report_case(
        &app,
        &teacher,
        school,
        "scam",
        "Lại tin nhắn giả danh nhà trường, lần này gửi qua Zalo.",
    )
    .await;
    let grooming = report_case(
        &app,
        &principal,
        school,
        "child_exploitation",
        "Một người lạ nhắn tin đòi ảnh riêng tư của học sinh.",
    )
    .await;

    // A file: the teacher who reported it sends a screenshot; what the form refuses, it says.
    let teacher_pages = app.signed_in("demo.teacher").await;
    let (_, page) = teacher_pages.text(&format!("/su-co/{scam}")).await;
    assert!(
        page.contains("Không gửi hình ảnh hay đoạn phim có thân thể trẻ em"),
        "{backend}"
    );
    let r = send_file(&teacher_pages, scam, "tin-nhan.png", PNG, false).await;
    assert_eq!(r.status(), 422, "{backend}: unconfirmed");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Hãy xác nhận tệp không có hình ảnh thân thể trẻ em")
    );
    let r = send_file(
        &teacher_pages,
        scam,
        "tin-nhan.html",
        b"<script>alert(1)</script>",
        true,
    )
    .await;
    assert_eq!(r.status(), 422, "{backend}: not evidence");
    let r = send_file(&teacher_pages, scam, "tin-nhan.png", PNG, true).await;
    assert!(r.status().is_redirection(), "{backend}: {}", r.status());
    let (_, case) = api(&app, &principal, "GET", &format!("/api/v1/incidents/{scam}"), None).await;
    let files = case["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 1, "{backend}: only the good file was kept: {case}");
    let url = files[0]["url"].as_str().unwrap().to_string();
    let principal_pages = app.signed_in("demo.principal").await;
    let r = principal_pages.get(&url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["content-security-policy"], "sandbox");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // A parent representative reports in words only; someone outside the case reads nothing.
    let parent_pages = app.signed_in("demo.parent").await;
    assert_eq!(parent_pages.get(&url).await.status(), 404, "{backend}");
    let office_pages = app.signed_in("demo.office").await;
    assert_eq!(office_pages.get(&url).await.status(), 404, "{backend}");

    // A restricted case's file is read by its handlers only, and every reading is recorded.
    let r = send_file(&principal_pages, grooming, "bien-ban.png", PNG, true).await;
    assert!(r.status().is_redirection(), "{backend}: {}", r.status());
    let (_, case) = api(&app, &principal, "GET", &format!("/api/v1/incidents/{grooming}"), None).await;
    let grooming_file = case["attachments"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(teacher_pages.get(&grooming_file).await.status(), 404, "{backend}");
    let lead_pages = app.signed_in("demo.incidentlead").await;
    assert_eq!(lead_pages.get(&grooming_file).await.status(), 200, "{backend}");
    let (_, case) = api(&app, &principal, "GET", &format!("/api/v1/incidents/{grooming}"), None).await;
    let viewers: Vec<&str> = case["viewed_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(viewers.len() >= 2, "{backend}: {viewers:?}");

    // Links: the handlers join the two scam cases; the reporter sees the link, not the forms.
    let path = format!("/api/v1/incidents/{scam}/links");
    let (status, _) = api(
        &app,
        &teacher,
        "POST",
        &path,
        Some(json!({"kind": "incident", "target_id": again})),
    )
    .await;
    assert_eq!(status, 403, "{backend}: the reporter does not handle");
    for bad in [
        json!({"kind": "incident", "target_id": scam}),
        json!({"kind": "incident", "target_id": 999_999}),
        json!({"kind": "finding", "target_id": 999_999}),
        json!({"kind": "opinion", "target_id": again}),
    ] {
        let (status, body) = api(&app, &principal, "POST", &path, Some(bad.clone())).await;
        assert_eq!(status, 422, "{backend}: {bad} gave {body}");
    }
    // One case-to-case link call by the principal, on `path`.
    let incident_link = async |path: &str, target: i64| {
        api(
            &app,
            &principal,
            "POST",
            path,
            Some(json!({"kind": "incident", "target_id": target})),
        )
        .await
    };
    let (status, links) = incident_link(&path, again).await;
    assert_eq!(status, 201, "{backend}: {links}");
    assert_eq!(links["total"], 1);
    let (status, links) = incident_link(&format!("/api/v1/incidents/{again}/links"), scam).await;
    assert_eq!(status, 201);
    assert_eq!(links["total"], 1, "{backend}: one link from either side: {links}");
    // Linked to the restricted case: its readers see it, a reader of the scam case only a number.
    let (status, _) = incident_link(&path, grooming).await;
    assert_eq!(status, 201);
    let (_, case) = api(&app, &teacher, "GET", &format!("/api/v1/incidents/{scam}"), None).await;
    let labels: Vec<&str> = case["case_links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 2, "{backend}: {case}");
    assert!(
        labels.iter().any(|l| l.contains(&format!("Hồ sơ số {again}"))),
        "{labels:?}"
    );
    assert!(
        labels.iter().all(|l| !l.contains("Xâm hại") && !l.contains("riêng tư")),
        "{backend}: the restricted case's category stays hidden: {labels:?}"
    );
    let (_, page) = teacher_pages.text(&format!("/su-co/{again}")).await;
    assert!(
        page.contains(&format!("Hồ sơ số {scam}")) && !page.contains("Bỏ liên kết"),
        "{backend}"
    );
    // Removing: once; a second time changes nothing; the page's form does the same.
    let remove = format!("/api/v1/incidents/{scam}/links/remove");
    let (status, links) = incident_link(&remove, grooming).await;
    assert_eq!(status, 200, "{links}");
    assert_eq!(links["total"], 1);
    let (status, links) = incident_link(&remove, grooming).await;
    assert_eq!(
        (status, links["total"].as_i64()),
        (200, Some(1)),
        "removing twice changes nothing"
    );
    let r = principal_pages
        .submit(
            &format!("/su-co/{scam}"),
            &format!("/su-co/{scam}/lien-ket"),
            &[("kind", "incident"), ("target_id", "abc")],
        )
        .await;
    assert_eq!(r.status(), 422, "{backend}");
    let page = principal_pages
        .submit_and_follow(
            &format!("/su-co/{scam}"),
            &format!("/su-co/{scam}/lien-ket/bo"),
            &[("kind", "incident"), ("target_id", &again.to_string())],
        )
        .await;
    assert!(
        page.contains("Đã bỏ liên kết") && page.contains("Chưa liên kết"),
        "{backend}"
    );
    // A case holds at most 50 links: the 51st is refused with the reason, nothing written.
    let store = app.db.as_ref().unwrap().connect().await.unwrap();
    let rows: Vec<String> = (1..=50)
        .map(|f| format!("({scam}, 'finding', {}, '2026-12-01T00:00:00Z')", 100_000 + f))
        .collect();
    store
        .execute_raw_for_tests(&format!(
            "INSERT INTO incident_links (incident_id, target_kind, target_id, linked_at) VALUES {}",
            rows.join(", ")
        ))
        .await
        .unwrap();
    let (status, body) = incident_link(&path, again).await;
    assert_eq!(status, 409, "{backend}: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("50 liên kết"));
    let (_, case) = api(&app, &principal, "GET", &format!("/api/v1/incidents/{again}"), None).await;
    assert_eq!(case["case_links"], json!([]), "{backend}: nothing written");
    store.close().await;
    app.stop().await;
}

both_backends!(a_defaced_website_case_links_to_the_inspectors_finding);
async fn a_defaced_website_case_links_to_the_inspectors_finding(backend: &'static str) {
    use lanhmang_domain::supervision::{SiteKind, StandardRules};
    use lanhmang_store::sites::{NewSite, Registered};
    let app = TestApp::spawn(backend).await;
    let (school, _) = first_school(&app).await;
    let store = app.db.as_ref().unwrap().connect().await.unwrap();
    let site = match store.unit_sites(school).await.unwrap().into_iter().next() {
        Some(site) => site,
        None => match store
            .add_site(
                &lanhmang_store::AuditContext::system("test"),
                &NewSite {
                    unit_id: school,
                    url: "https://truong-lien-ket.example.edu.vn/".into(),
                    host: "truong-lien-ket.example.edu.vn".into(),
                    kind: SiteKind::Website,
                    name: "Website trường".into(),
                },
                &StandardRules::default(),
            )
            .await
            .unwrap()
        {
            Registered::Added(site) | Registered::Duplicate(site) => site,
        },
    };
    // A finding as a run records it (the inspector itself is tested in supervision).
    store
        .execute_raw_for_tests(&format!(
            "INSERT INTO site_findings (site_id, code, severity, state, evidence, first_seen_at, last_seen_at) \
             VALUES ({}, 'malicious_redirect', 'critical', 'open', '', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
            site.id
        ))
        .await
        .unwrap();
    let finding = store
        .list_findings(
            &lanhmang_store::sites::FindingFilter {
                roots: vec![school],
                ..Default::default()
            },
            lanhmang_domain::Paging { page: 1, per_page: 50 },
        )
        .await
        .unwrap()
        .0
        .into_iter()
        .find(|f| f.code == "malicious_redirect")
        .unwrap()
        .id;
    let teacher = api_token(&app, "demo.teacher").await;
    let principal = api_token(&app, "demo.principal").await;
    let case = report_case(
        &app,
        &teacher,
        school,
        "website_compromised",
        "Trang chủ của trường tự chuyển sang một trang cá cược.",
    )
    .await;
    let (status, links) = api(
        &app,
        &principal,
        "POST",
        &format!("/api/v1/incidents/{case}/links"),
        Some(json!({"kind": "finding", "target_id": finding})),
    )
    .await;
    assert_eq!(status, 201, "{backend}: {links}");
    let link = &links["items"][0];
    assert_eq!(link["url"], format!("/giam-sat/website/{}", site.id));
    assert!(link["label"].as_str().unwrap().contains(&site.url), "{link}");
    // The reporter reads the case, not the supervision: the finding is named, not opened.
    let (_, seen) = api(&app, &teacher, "GET", &format!("/api/v1/incidents/{case}"), None).await;
    let link = &seen["case_links"][0];
    assert!(link["url"].is_null(), "{backend}: {seen}");
    assert!(
        link["label"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Phát hiện giám sát số {finding}"))
    );
    store.close().await;
    app.stop().await;
}
