//! The yearly loop through the API, on every backend: plans, activities, reports and their
//! states, the live dashboard, permissions and bad input.

use crate::common;

use common::{DEMO_PASSWORD, TestApp, both_backends};
use lanhmang_store::outbox::OutboxFilter;
use serde_json::{Value, json};

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn new<'a>(app: &'a TestApp, username: &str) -> Api<'a> {
        let r = app
            .client()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let token = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
        Api { app, token }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let c = self.app.client();
        let url = self.app.url(path);
        let req = match method {
            "GET" => c.get(url),
            "PUT" => c.put(url),
            _ => c.post(url),
        }
        .bearer_auth(&self.token);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn unit_id(&self) -> i64 {
        self.call("GET", "/api/v1/me", None).await.1["roles"][0]["unit_id"]
            .as_i64()
            .unwrap()
    }
}

both_backends!(plans_activities_reports_and_the_dashboard);
async fn plans_activities_reports_and_the_dashboard(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let office = Api::new(&app, "demo.office").await;
        let principal = Api::new(&app, "demo.principal").await;
        let teacher = Api::new(&app, "demo.teacher").await;
        let parent = Api::new(&app, "demo.parent").await;
        let school_id = principal.unit_id().await;

        // Plans: bad input writes nothing; the principal may not create one.
        let before = office.call("GET", "/api/v1/plans", None).await.1["total"]
            .as_i64()
            .unwrap();
        let (s, e) = office
            .call(
                "POST",
                "/api/v1/plans",
                Some(json!({"title": "X", "school_year": "2027", "template": "builtin"})),
            )
            .await;
        assert_eq!(s, 422, "{backend}: {e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("Năm học"));
        let (s, _) = office
            .call(
                "POST",
                "/api/v1/plans",
                Some(json!({"title": "X", "school_year": "2027-2028", "template": "khac"})),
            )
            .await;
        assert_eq!(s, 422, "{backend}: an unknown template is an input problem");
        let (s, _) = principal
            .call(
                "POST",
                "/api/v1/plans",
                Some(json!({"title": "X", "school_year": "2027-2028"})),
            )
            .await;
        assert_eq!(s, 403, "{backend}");
        assert_eq!(
            office.call("GET", "/api/v1/plans", None).await.1["total"]
                .as_i64()
                .unwrap(),
            before
        );

        let (s, plan) = office
            .call(
                "POST",
                "/api/v1/plans",
                Some(
                    json!({"title": "Kế hoạch năm học 2027–2028", "school_year": "2027-2028",
                            "deadline": "2028-06-01", "template": "builtin", "number": "07/KH-VHXH"}),
                ),
            )
            .await;
        assert_eq!(s, 201, "{backend}: {plan}");
        assert_eq!(plan["status"], "draft");
        assert_eq!(plan["number"], "07/KH-VHXH");
        let plan_id = plan["id"].as_i64().unwrap();
        // Schools do not see a draft.
        assert_eq!(
            principal.call("GET", &format!("/api/v1/plans/{plan_id}"), None).await.0,
            404
        );
        let (s, _) = principal
            .call("POST", &format!("/api/v1/plans/{plan_id}/publish"), None)
            .await;
        assert_eq!(s, 403);
        let (s, p) = office
            .call("POST", &format!("/api/v1/plans/{plan_id}/publish"), None)
            .await;
        assert_eq!((s, p["status"].as_str()), (200, Some("published")), "{backend}: {p}");
        assert_eq!(
            office
                .call("POST", &format!("/api/v1/plans/{plan_id}/publish"), None)
                .await
                .0,
            409
        );
        assert_eq!(
            principal.call("GET", &format!("/api/v1/plans/{plan_id}"), None).await.0,
            200
        );

        // Activities: the teacher logs for the own school only; the parent may not log.
        let activity = json!({"unit_id": school_id, "plan_id": plan_id, "kind": "talk", "date": "2027-10-15",
            "title": "Nói chuyện chuyên đề về an toàn trên mạng",
            "audience": {"teachers": 4, "staff": 1, "pupils": {"grades_3_5": 120}, "parents": 10},
            "links": ["https://th-anbinh.demo.test/tin/1"]});
        let (s, a) = teacher.call("POST", "/api/v1/activities", Some(activity.clone())).await;
        assert_eq!(s, 201, "{backend}: {a}");
        assert_eq!(a["audience"]["pupils"], 120);
        assert_eq!(a["evidence_count"], 1);
        let mut other = activity.clone();
        other["unit_id"] = json!(school_id + 1);
        assert!(matches!(
            teacher.call("POST", "/api/v1/activities", Some(other)).await.0,
            403 | 404
        ));
        assert_eq!(
            parent
                .call("POST", "/api/v1/activities", Some(activity.clone()))
                .await
                .0,
            403
        );
        let mut bad = activity.clone();
        bad["date"] = json!("2025-10-15");
        bad["audience"]["teachers"] = json!(-3);
        let (s, e) = teacher.call("POST", "/api/v1/activities", Some(bad)).await;
        assert_eq!(s, 422, "{backend}: {e}");
        assert_eq!(e["error"]["problems"].as_array().unwrap().len(), 2, "{e}");
        let (s, list) = teacher
            .call(
                "GET",
                &format!("/api/v1/activities?plan_id={plan_id}&unit_id={school_id}"),
                None,
            )
            .await;
        assert_eq!(
            (s, list["total"].as_i64()),
            (200, Some(1)),
            "{backend}: nothing written by refused requests"
        );

        // The report: pre-filled from the log; overrides need a reason; rules gate submission.
        let report_path = format!("/api/v1/plans/{plan_id}/reports/{school_id}");
        let (s, r) = principal.call("GET", &report_path, None).await;
        assert_eq!((s, r["status"].as_str()), (200, Some("not_started")), "{backend}: {r}");
        assert_eq!(r["values"]["s1_4_talks"]["value"], 1.0);
        assert_eq!(r["values"]["s1_4_participants"]["value"], 135.0);
        // The version shown before anything is written is the one the first save must name.
        let first = r["version"].as_i64().unwrap();
        let (s, saved) = principal
            .call("PUT", &report_path, Some(json!({"version": first})))
            .await;
        assert_eq!(
            (s, saved["status"].as_str(), saved["version"].as_i64()),
            (200, Some("draft"), Some(first + 1)),
            "{backend}: {saved}"
        );
        let (s, e) = principal.call("POST", &format!("{report_path}/submit"), None).await;
        assert_eq!(s, 422, "{backend}: the rules gate submission: {e}");
        assert!(
            e["error"]["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p.as_str().unwrap().contains("Kết quả đạt được"))
        );
        let (_, r) = principal.call("GET", &report_path, None).await;
        let version = r["version"].as_i64().unwrap();
        assert_eq!(r["status"], "draft", "a refused submit leaves the draft as it was");
        let (s, e) = principal
            .call(
                "PUT",
                &report_path,
                Some(json!({"version": version, "values": {"s1_4_talks": 3}})),
            )
            .await;
        assert_eq!(s, 422, "{backend}: an override without a reason: {e}");
        let (s, e) = principal
            .call(
                "PUT",
                &report_path,
                Some(json!({"version": version, "values": {"khong_co": 3}})),
            )
            .await;
        assert_eq!(s, 422, "{e}");
        let mut values = serde_json::Map::new();
        let plan_full = principal.call("GET", &format!("/api/v1/plans/{plan_id}"), None).await.1;
        for section in plan_full["content"]["sections"].as_array().unwrap() {
            for task in section["tasks"].as_array().unwrap() {
                for ind in task["indicators"].as_array().unwrap() {
                    let code = ind["code"].as_str().unwrap();
                    if r["values"][code]["value"].is_null() {
                        let v = match ind["kind"].as_str().unwrap() {
                            "yes_no" => json!(true),
                            "text" => json!("Đề nghị thêm tài liệu"),
                            _ => json!(2),
                        };
                        values.insert(code.to_string(), v);
                    }
                }
            }
        }
        values.insert(
            "s1_4_talks".into(),
            json!({"value": 2, "override_reason": "Một buổi ghi trong sổ giấy"}),
        );
        let (s, saved) = principal
            .call("PUT", &report_path, Some(json!({"version": version, "values": values,
                "narrative": {"results": "Tổ chức 2 buổi nói chuyện", "strengths": "", "limitations": "", "proposals": ""}})))
            .await;
        assert_eq!(s, 200, "{backend}: {saved}");
        assert_eq!(
            saved["values"]["s1_4_talks"]["override_reason"],
            "Một buổi ghi trong sổ giấy"
        );
        // A save based on the old version loses nothing: it is refused.
        let (s, e) = principal
            .call(
                "PUT",
                &report_path,
                Some(json!({"version": version, "values": {"s3_2_webadmins_trained": 9}})),
            )
            .await;
        assert_eq!(s, 409, "{backend}: {e}");
        let (s, e) = principal
            .call(
                "PUT",
                &report_path,
                Some(json!({"values": {"s3_2_webadmins_trained": 9}})),
            )
            .await;
        assert_eq!(s, 409, "{backend}: version is required once the report exists: {e}");
        // A principal acting on another school is refused.
        let other_report = format!("/api/v1/plans/{plan_id}/reports/{}", school_id + 1);
        assert!(matches!(
            principal.call("POST", &format!("{other_report}/submit"), None).await.0,
            403 | 404
        ));
        assert!(matches!(principal.call("GET", &other_report, None).await.0, 403 | 404));
        let (s, sub) = principal.call("POST", &format!("{report_path}/submit"), None).await;
        assert_eq!(
            (s, sub["status"].as_str(), sub["late"].as_bool()),
            (200, Some("submitted"), Some(false)),
            "{backend}: {sub}"
        );

        // The dashboard shows it at once; the principal may not read the dashboard.
        let (s, d) = office
            .call("GET", &format!("/api/v1/plans/{plan_id}/dashboard"), None)
            .await;
        assert_eq!(s, 200, "{backend}: {d}");
        assert_eq!(
            (d["expected"].as_i64(), d["submitted"].as_i64(), d["on_time"].as_i64()),
            (Some(23), Some(1), Some(1)),
            "{d}"
        );
        assert!(d["completeness"].as_f64().unwrap() <= 1.0);
        let talks = d["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "s1_4_talks")
            .unwrap();
        assert_eq!(talks["value"], 2.0);
        assert_eq!(
            principal
                .call("GET", &format!("/api/v1/plans/{plan_id}/dashboard"), None)
                .await
                .0,
            403
        );

        // Review: a return needs a comment and mails the principal; accept locks; reopen needs a reason.
        assert_eq!(
            principal.call("POST", &format!("{report_path}/accept"), None).await.0,
            403
        );
        let (s, e) = office
            .call("POST", &format!("{report_path}/return"), Some(json!({"comment": " "})))
            .await;
        assert_eq!(s, 409, "{backend}: {e}");
        let (s, r) = office
            .call(
                "POST",
                &format!("{report_path}/return"),
                Some(json!({"comment": "Bổ sung minh chứng buổi 2"})),
            )
            .await;
        assert_eq!((s, r["status"].as_str()), (200, Some("returned")), "{backend}: {r}");
        let (mails, n) = app
            .store()
            .outbox_page(
                &OutboxFilter {
                    unit_ids_in_subtree_of: vec![office.unit_id().await],
                    ..Default::default()
                },
                lanhmang_domain::Paging::default(),
            )
            .await
            .unwrap();
        assert!(n >= 1, "{backend}");
        assert!(
            mails
                .iter()
                .any(|m| m.subject.contains("cần bổ sung") && m.to_address == "demo.principal@demo.test")
        );
        let (s, _) = principal.call("POST", &format!("{report_path}/submit"), None).await;
        assert_eq!(s, 200);
        let (s, acc) = office.call("POST", &format!("{report_path}/accept"), None).await;
        assert_eq!((s, acc["status"].as_str()), (200, Some("accepted")));
        let v = acc["version"].as_i64().unwrap();
        let (s, e) = principal
            .call(
                "PUT",
                &report_path,
                Some(json!({"version": v, "values": {"s1_1_feedback": 1}})),
            )
            .await;
        assert_eq!(s, 409, "{backend}: an accepted report is locked: {e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("đã được duyệt"));
        assert_eq!(office.call("POST", &format!("{report_path}/reopen"), None).await.0, 409);
        let (s, r) = office
            .call(
                "POST",
                &format!("{report_path}/reopen"),
                Some(json!({"comment": "Sai số liệu tập huấn"})),
            )
            .await;
        assert_eq!(
            (s, r["status"].as_str()),
            (200, Some("reopened")),
            "{backend}: reopened is its own state"
        );
        let (s, d) = office
            .call("GET", &format!("/api/v1/plans/{plan_id}/dashboard"), None)
            .await;
        assert_eq!(
            (s, d["submitted"].as_i64()),
            (200, Some(0)),
            "{backend}: the dashboard follows every step"
        );
        let audit = app
            .store()
            .audit_page(lanhmang_domain::Paging::default())
            .await
            .unwrap()
            .0;
        assert!(
            audit
                .iter()
                .any(|e| e.action == "report.reopen" && e.detail == "Sai số liệu tập huấn")
        );
        app.stop().await;
    }
}

both_backends!(a_plans_reports_are_listed_by_scope);
async fn a_plans_reports_are_listed_by_scope(backend: &'static str) {
    let app = TestApp::spawn(backend).await;
    let office = common::api_token(&app, "demo.office").await;
    let principal = common::api_token(&app, "demo.principal").await;
    let (school, plan) = common::principal_school_and_plan(&app, &principal).await;
    let list = format!("/api/v1/plans/{plan}/reports");

    // The office sees every school the plan reaches; the principal only their own.
    let (s, all) = common::api(&app, &office, "GET", &format!("{list}?per_page=500"), None).await;
    assert_eq!(s, 200, "{backend}: {all}");
    let schools = all["items"].as_array().expect("items");
    assert!(all["total"].as_i64().unwrap_or(0) >= 10, "{backend}: {all}");
    assert_eq!(schools.len() as i64, all["total"].as_i64().unwrap_or(-1), "{backend}");
    assert!(schools.iter().any(|r| r["unit_id"] == school), "{backend}");
    assert!(schools.iter().all(|r| r["plan_id"] == plan), "{backend}");
    let (s, own) = common::api(&app, &principal, "GET", &list, None).await;
    assert_eq!(s, 200, "{backend}: {own}");
    assert_eq!(own["total"], 1, "{backend}: {own}");
    assert_eq!(own["items"][0]["unit_id"], school, "{backend}: {own}");

    // Filters: only the schools that have not sent theirs, and a state.
    let (s, missing) = common::api(&app, &office, "GET", &format!("{list}?missing=true&per_page=500"), None).await;
    assert_eq!(s, 200, "{backend}: {missing}");
    let unsent = ["not_started", "draft", "returned", "reopened"];
    for r in missing["items"].as_array().expect("items") {
        assert!(unsent.contains(&r["status"].as_str().unwrap_or("")), "{backend}: {r}");
    }
    let (s, submitted) = common::api(&app, &office, "GET", &format!("{list}?status=submitted"), None).await;
    assert_eq!(s, 200, "{backend}: {submitted}");
    assert!(
        submitted["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|r| r["status"] == "submitted"),
        "{backend}: {submitted}"
    );

    // Refused: roles without reports, another's plan, bad filters (nothing is written by a list).
    for who in ["demo.teacher", "demo.webadmin", "demo.collaborator", "demo.parent"] {
        let token = common::api_token(&app, who).await;
        let (s, body) = common::api(&app, &token, "GET", &list, None).await;
        assert_eq!(s, 403, "{backend}: {who}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap_or("").contains("quyền"),
            "{backend}: {body}"
        );
    }
    for bad in ["status=bogus", "school_level=college", "missing=maybe", "page=0"] {
        let (s, body) = common::api(&app, &office, "GET", &format!("{list}?{bad}"), None).await;
        assert_eq!(s, 400, "{backend}: {bad}: {body}");
        assert!(
            !body["error"]["message"].as_str().unwrap_or("").is_empty(),
            "{backend}: {body}"
        );
    }
    for missing_plan in ["999999", "abc", "0"] {
        let (s, _) = common::api(
            &app,
            &office,
            "GET",
            &format!("/api/v1/plans/{missing_plan}/reports"),
            None,
        )
        .await;
        assert_eq!(s, 404, "{backend}: {missing_plan}");
    }
    app.stop().await;
}

both_backends!(a_wrong_method_is_answered_with_the_error_object);
async fn a_wrong_method_is_answered_with_the_error_object(backend: &'static str) {
    let app = TestApp::spawn_with(backend, false).await;
    let r = app.client().delete(app.url("/api/v1/plans")).send().await.unwrap();
    assert_eq!(r.status(), 405, "{backend}");
    let allow = r
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{backend}: {allow}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed", "{backend}: {body}");
    assert!(
        body["error"]["message"].as_str().unwrap_or("").contains("phương thức"),
        "{backend}: {body}"
    );
    app.stop().await;
}
