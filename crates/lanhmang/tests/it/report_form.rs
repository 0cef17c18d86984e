//! The yearly report as the principal meets it: an accepted report is read-only with who
//! accepted it and a way to ask for its reopening (which tells the office, truthfully); a
//! reopened report keeps its accepted figures and offers recomputed ones as suggestions; the form
//! folds by section and its errors are summarised at the top, linked and tied to their fields.

use std::collections::BTreeMap;

use crate::common;

use common::{TestApp, api, api_token, both_backends, mails_to_school, notifications_of, principal_school_and_plan};
use lanhmang_domain::report::{IndicatorValue, ReportEvent, ReportStatus, Value};
use lanhmang_store::AuditContext;
use lanhmang_store::plans::Plan;
use lanhmang_store::reports::{Narrative, Report};

/// The demo principal's school and the current year's published plan.
async fn school_and_plan(app: &TestApp) -> (i64, Plan) {
    let token = api_token(app, "demo.principal").await;
    let (school, plan) = principal_school_and_plan(app, &token).await;
    (school, app.store().plan(plan).await.unwrap().unwrap())
}

fn ctx() -> AuditContext {
    AuditContext::system("kiểm thử báo cáo")
}

async fn report(app: &TestApp, plan: &Plan, unit: i64) -> Report {
    app.store().report(plan.id, unit).await.unwrap().unwrap()
}

async fn step(app: &TestApp, plan: &Plan, report: &Report, event: ReportEvent) -> Report {
    app.store()
        .transition_report(
            &ctx(),
            plan,
            report,
            report.version,
            event,
            "Chuẩn bị kiểm thử",
            &Default::default(),
            "",
        )
        .await
        .unwrap()
}

/// Brings the school's report to an editable state whatever the demo left it in, holding
/// `values` (today's computed figures when `None`) and a written narrative.
async fn editable_report(
    app: &TestApp,
    plan: &Plan,
    unit: i64,
    values: Option<BTreeMap<String, IndicatorValue>>,
) -> Report {
    let store = app.store();
    let school = store.unit(unit).await.unwrap().unwrap();
    let computed = lanhmang_app::reports::computed(store, plan, &school).await.unwrap();
    let mut r = match store.report(plan.id, unit).await.unwrap() {
        Some(r) => r,
        None => store
            .ensure_report(&ctx(), plan.id, unit, &Default::default())
            .await
            .unwrap(),
    };
    for _ in 0..3 {
        r = match r.status {
            ReportStatus::Submitted => step(app, plan, &r, ReportEvent::Return).await,
            ReportStatus::Accepted => step(app, plan, &r, ReportEvent::Reopen).await,
            _ => break,
        };
    }
    let values = values.unwrap_or_else(|| lanhmang_app::reports::prefilled(&computed));
    let narrative = Narrative {
        results: "Đã tổ chức các buổi nói chuyện theo kế hoạch.".into(),
        ..Default::default()
    };
    store
        .save_report(&ctx(), &r, r.version, &narrative, &values)
        .await
        .unwrap()
}

/// The report accepted by the office through the API (so the acceptance names a person).
async fn accepted_report(app: &TestApp, plan: &Plan, unit: i64, values: Option<BTreeMap<String, IndicatorValue>>) {
    let r = editable_report(app, plan, unit, values).await;
    step(app, plan, &r, ReportEvent::Submit).await;
    let office = api_token(app, "demo.office").await;
    let (status, body) = api(
        app,
        &office,
        "POST",
        &format!("/api/v1/plans/{}/reports/{unit}/accept", plan.id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn history_len(app: &TestApp, r: &Report) -> usize {
    app.store().report_history(r.id).await.unwrap().len()
}

/// The first indicator with a computed number: the one the figures tests change.
async fn computed_number(app: &TestApp, plan: &Plan, unit: i64) -> (String, f64) {
    let school = app.store().unit(unit).await.unwrap().unwrap();
    let computed = lanhmang_app::reports::computed(app.store(), plan, &school)
        .await
        .unwrap();
    let (code, (v, _)) = computed
        .iter()
        .find(|(code, _)| {
            plan.content
                .indicator(code)
                .is_some_and(|d| d.kind == lanhmang_domain::plan_template::IndicatorKind::Number)
        })
        .expect("a computed number");
    (code.clone(), *v)
}

both_backends!(an_accepted_report_is_read_only_with_who_accepted_it_and_refuses_edits);
async fn an_accepted_report_is_read_only_with_who_accepted_it_and_refuses_edits(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let (school, plan) = school_and_plan(&app).await;
        accepted_report(&app, &plan, school, None).await;
        let office = app.store().person_by_username("demo.office").await.unwrap().unwrap();
        let principal = app.signed_in("demo.principal").await;
        let page = format!("/ke-hoach/{}/bao-cao/{school}", plan.id);
        let (status, body) = principal.text(&page).await;
        assert_eq!(status, 200, "{backend}");
        assert!(body.contains("Báo cáo đã được duyệt lúc"), "{backend}: the banner");
        assert!(
            body.contains(&format!("người duyệt: {}", office.display_name)),
            "{backend}: who accepted it, by name"
        );
        for control in ["name=\"v:", "name=\"r:", "name=\"results\"", "Lưu bản nháp"] {
            assert!(!body.contains(control), "{backend}: no editable {control}");
        }
        assert!(body.contains("/de-nghi-mo-lai"), "{backend}: the request action");

        // A save posted anyway is refused, and nothing changes.
        let before = report(&app, &plan, school).await;
        let version = before.version.to_string();
        let r = principal
            .submit(
                &page,
                &page,
                &[("version", version.as_str()), ("results", "Sửa sau khi duyệt")],
            )
            .await;
        assert_eq!(r.status(), 409, "{backend}");
        let shown = r.text().await.unwrap();
        assert!(shown.contains("đã được duyệt"), "{backend}: {shown}");
        assert_eq!(report(&app, &plan, school).await, before, "{backend}: nothing written");

        // The API refuses it the same way, in the same words.
        let token = api_token(&app, "demo.principal").await;
        let (status, body) = api(
            &app,
            &token,
            "PUT",
            &format!("/api/v1/plans/{}/reports/{school}", plan.id),
            Some(serde_json::json!({"version": before.version, "narrative": {"results": "Sửa"}})),
        )
        .await;
        assert_eq!(status, 409, "{backend}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("đã được duyệt"),
            "{backend}: {body}"
        );
        assert_eq!(report(&app, &plan, school).await, before, "{backend}: nothing written");
    }
}

both_backends!(a_principal_asks_for_reopening_and_the_office_is_told_truthfully);
async fn a_principal_asks_for_reopening_and_the_office_is_told_truthfully(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let (school, plan) = school_and_plan(&app).await;
        accepted_report(&app, &plan, school, None).await;
        let principal = app.signed_in("demo.principal").await;
        let page = format!("/ke-hoach/{}/bao-cao/{school}", plan.id);
        let action = format!("{page}/de-nghi-mo-lai");
        let api_path = format!("/api/v1/plans/{}/reports/{school}/reopen-request", plan.id);
        let before = report(&app, &plan, school).await;
        let steps = history_len(&app, &before).await;
        let (notices, mails) = (
            notifications_of(&app, "demo.office", "report_reopen_requested").await,
            mails_to_school(&app, school, "report_reopen_requested").await.len(),
        );

        // No reason: refused with the reason, beside its field; nothing written.
        let r = principal.submit(&page, &action, &[("reason", "   ")]).await;
        assert_eq!(r.status(), 422, "{backend}");
        let shown = r.text().await.unwrap();
        assert!(shown.contains("Cần ghi lý do"), "{backend}: {shown}");
        assert!(
            shown.contains("href=\"#reopen-reason\""),
            "{backend}: linked from the summary"
        );
        assert!(shown.contains("aria-describedby=\"e-reopen-reason\""), "{backend}");
        let token = api_token(&app, "demo.principal").await;
        let (status, body) = api(&app, &token, "POST", &api_path, Some(serde_json::json!({"reason": ""}))).await;
        assert_eq!(status, 422, "{backend}: {body}");
        let too_long = "ệ".repeat(2001);
        let (status, body) = api(
            &app,
            &token,
            "POST",
            &api_path,
            Some(serde_json::json!({"reason": too_long})),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("2000"),
            "{backend}: {body}"
        );
        assert_eq!(history_len(&app, &before).await, steps, "{backend}: nothing recorded");
        assert_eq!(
            notifications_of(&app, "demo.office", "report_reopen_requested").await,
            notices,
            "{backend}"
        );

        // Nobody else may ask: a teacher and a parent of the school, another school's principal.
        let other = app
            .store()
            .active_schools_under(plan.issuing_unit_id)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.id != school)
            .unwrap();
        let fields = lanhmang_domain::person::PersonInput {
            username: "hieu.truong.khac".into(),
            display_name: "Trần Thị Khác".into(),
            email: "hieu.truong.khac@demo.test".into(),
            phone: String::new(),
        }
        .parse()
        .unwrap();
        let hash = lanhmang_domain::password::hash(common::DEMO_PASSWORD).unwrap();
        let person = app
            .store()
            .create_person(&ctx(), other.id, &fields, Some(&hash), false)
            .await
            .unwrap();
        app.store()
            .grant_role(&ctx(), person.id, lanhmang_domain::Role::Principal, other.id)
            .await
            .unwrap();
        for who in ["demo.teacher", "demo.parent", "hieu.truong.khac"] {
            let t = api_token(&app, who).await;
            let (status, body) = api(
                &app,
                &t,
                "POST",
                &api_path,
                Some(serde_json::json!({"reason": "Sai số liệu"})),
            )
            .await;
            assert!([403, 404].contains(&status), "{backend}: {who} got {status}: {body}");
            let browser = app.signed_in(who).await;
            let csrf = browser.csrf_from("/").await;
            let r = browser
                .post_form(&action, &[("_csrf", csrf.as_str()), ("reason", "Sai số liệu")])
                .await;
            assert!(
                [403, 404].contains(&r.status().as_u16()),
                "{backend}: {who} page got {}",
                r.status()
            );
        }
        assert_eq!(history_len(&app, &before).await, steps, "{backend}: nothing recorded");

        // The principal asks: the office's reviewers are told in the application and by mail,
        // and the principal reads who was told, by name.
        let shown = principal
            .submit_and_follow(
                &page,
                &action,
                &[("reason", "Số buổi tập huấn ghi thiếu một buổi tổ chức cuối tháng 5.")],
            )
            .await;
        let office = app.store().person_by_username("demo.office").await.unwrap().unwrap();
        assert!(shown.contains("Đã gửi đề nghị mở lại"), "{backend}");
        assert!(
            shown.contains(&format!("Đã báo cho {}", office.display_name))
                || shown.contains(&format!(", {} (trên Lành Mạng", office.display_name)),
            "{backend}: who was told: {shown}"
        );
        assert_eq!(
            notifications_of(&app, "demo.office", "report_reopen_requested").await,
            notices + 1,
            "{backend}: the office is told in the application"
        );
        // By e-mail too, to those whose account has an address, and the sentence says which.
        let reviewers_with_mail = shown.contains("qua e-mail");
        assert_eq!(
            mails_to_school(&app, school, "report_reopen_requested").await.len() > mails,
            reviewers_with_mail,
            "{backend}: mail exactly when the sentence says so"
        );
        let history = app.store().report_history(before.id).await.unwrap();
        assert_eq!(history[0].event, "reopen_requested", "{backend}");
        assert!(
            history[0].notified.starts_with("Đã báo cho"),
            "{backend}: {:?}",
            history[0]
        );
        assert!(shown.contains("Đề nghị mở lại"), "{backend}: in the history");
        let after = report(&app, &plan, school).await;
        assert_eq!(
            after.status,
            ReportStatus::Accepted,
            "{backend}: asking changes nothing"
        );
        assert_eq!(after.values, before.values, "{backend}");

        // The API does the same and answers the same sentence.
        let (status, body) = api(
            &app,
            &token,
            "POST",
            &api_path,
            Some(serde_json::json!({"reason": "Bổ sung minh chứng."})),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert_eq!(body["status"], "accepted", "{backend}");
        assert!(
            body["notified"].as_str().unwrap().starts_with("Đã báo cho"),
            "{backend}: {body}"
        );
    }
}

both_backends!(requests_at_the_same_moment_all_land);
/// Steps that read before they write, sent at the same moment, each wait their turn: none fails
/// as "database is locked" (SQLite refused a deferred transaction's upgrade at once; the API
/// fuzzing found it as a 500 on the reopening request).
async fn requests_at_the_same_moment_all_land(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let (school, plan) = school_and_plan(&app).await;
        accepted_report(&app, &plan, school, None).await;
        let before = report(&app, &plan, school).await;
        let steps = history_len(&app, &before).await;
        let token = api_token(&app, "demo.principal").await;
        let url = app.url(&format!("/api/v1/plans/{}/reports/{school}/reopen-request", plan.id));
        let (rounds, at_once) = (3, 8);
        for round in 0..rounds {
            let mut requests = tokio::task::JoinSet::new();
            for i in 0..at_once {
                let (client, url, token) = (app.client(), url.clone(), token.clone());
                requests.spawn(async move {
                    let r = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&serde_json::json!({"reason": format!("Lần {round}, đề nghị {i}: cần sửa số liệu")}))
                        .send()
                        .await
                        .unwrap();
                    (r.status().as_u16(), r.text().await.unwrap())
                });
            }
            while let Some(done) = requests.join_next().await {
                let (status, body) = done.unwrap();
                assert_eq!(status, 200, "{backend}, round {round}: {body}");
            }
        }
        assert_eq!(
            history_len(&app, &before).await,
            steps + rounds * at_once,
            "{backend}: every request recorded"
        );
        let audit = app.store().verify_audit_chain().await.unwrap();
        assert!(audit.first_broken.is_none(), "{backend}: {:?}", audit.first_broken);
    }
}

both_backends!(reopening_keeps_the_accepted_figures_and_only_suggests_recomputed_ones);
async fn reopening_keeps_the_accepted_figures_and_only_suggests_recomputed_ones(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let (school, plan) = school_and_plan(&app).await;
        let (code, fresh) = computed_number(&app, &plan, school).await;
        // The report was accepted with a figure the log no longer gives (computed then).
        let accepted_figure = fresh + 1.0;
        let school_unit = app.store().unit(school).await.unwrap().unwrap();
        let computed = lanhmang_app::reports::computed(app.store(), &plan, &school_unit)
            .await
            .unwrap();
        let mut values = lanhmang_app::reports::prefilled(&computed);
        values.insert(
            code.clone(),
            IndicatorValue {
                value: Some(Value::Number(accepted_figure)),
                computed: Some(accepted_figure),
                override_reason: String::new(),
            },
        );
        accepted_report(&app, &plan, school, Some(values)).await;

        // The office reopens it from the page: the state reads "Được mở lại", the figure stays.
        let office = app.signed_in("demo.office").await;
        let page = format!("/ke-hoach/{}/bao-cao/{school}", plan.id);
        let r = office
            .submit(&page, &format!("{page}/mo-lai"), &[("comment", "Trường xin bổ sung.")])
            .await;
        assert!(r.status().is_redirection(), "{backend}: {}", r.status());
        let reopened = report(&app, &plan, school).await;
        assert_eq!(reopened.status, ReportStatus::Reopened, "{backend}");
        assert_eq!(
            reopened.values[&code].value,
            Some(Value::Number(accepted_figure)),
            "{backend}: the accepted figure is kept"
        );
        let principal = app.signed_in("demo.principal").await;
        let (_, body) = principal.text(&page).await;
        assert!(body.contains("Được mở lại"), "{backend}");
        assert!(!body.contains("Bị trả lại"), "{backend}");
        let shown = lanhmang_domain::report::format_number(accepted_figure);
        assert!(
            body.contains(&format!("id=\"v-{code}\" name=\"v:{code}\" value=\"{shown}\"")),
            "{backend}: the form shows the accepted figure"
        );
        assert!(body.contains("Hệ thống vừa tính lại được"), "{backend}: a suggestion");
        assert!(body.contains(&format!("name=\"u:{code}\"")), "{backend}: to take it");
        // No figure differs from its own computed one: no reason field at all.
        assert!(!body.contains("name=\"r:"), "{backend}: no reason fields");

        // The API lists the reopened state too.
        let token = api_token(&app, "demo.principal").await;
        let path = format!("/api/v1/plans/{}/reports/{school}", plan.id);
        let (_, json) = api(&app, &token, "GET", &path, None).await;
        assert_eq!(json["status"], "reopened", "{backend}");

        // Saving without taking the suggestion keeps the figure and asks no reason.
        let (status, json) = api(
            &app,
            &token,
            "PUT",
            &path,
            Some(serde_json::json!({"version": reopened.version})),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {json}");
        assert_eq!(
            json["values"][&code]["value"].as_f64(),
            Some(accepted_figure),
            "{backend}"
        );
        // Taking it applies today's figure.
        let (status, json) = api(
            &app,
            &token,
            "PUT",
            &path,
            Some(serde_json::json!({"version": json["version"], "values": {code.clone(): {"use_computed": true}}})),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {json}");
        assert_eq!(json["values"][&code]["value"].as_f64(), Some(fresh), "{backend}");
        assert_eq!(json["values"][&code]["computed"].as_f64(), Some(fresh), "{backend}");

        // The page does the same with its checkbox: put the old figure back, then take it again.
        let mut values = report(&app, &plan, school).await.values;
        values.insert(
            code.clone(),
            IndicatorValue {
                value: Some(Value::Number(accepted_figure)),
                computed: Some(accepted_figure),
                override_reason: String::new(),
            },
        );
        let current = editable_report(&app, &plan, school, Some(values)).await;
        let (_, body) = principal.text(&page).await;
        let mut fields = form_fields(&body);
        fields.retain(|(k, _)| k != "gui");
        fields.push((format!("u:{code}"), "1".into()));
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = principal.post_form(&page, &form).await;
        assert!(r.status().is_redirection(), "{backend}: {}", r.status());
        let saved = report(&app, &plan, school).await;
        assert!(saved.version > current.version, "{backend}");
        assert_eq!(saved.values[&code].value, Some(Value::Number(fresh)), "{backend}");
    }
}

both_backends!(a_form_with_errors_summarises_them_at_the_top_linked_to_their_fields);
async fn a_form_with_errors_summarises_them_at_the_top_linked_to_their_fields(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let (school, plan) = school_and_plan(&app).await;
        let (code, _) = computed_number(&app, &plan, school).await;
        let before = editable_report(&app, &plan, school, None).await;
        let principal = app.signed_in("demo.principal").await;
        let page = format!("/ke-hoach/{}/bao-cao/{school}", plan.id);
        let (_, body) = principal.text(&page).await;
        // Grouped by section, the first one open, no reason fields while nothing differs.
        assert!(body.contains("<details class=\"card section\""), "{backend}");
        assert_eq!(
            body.matches(" open>").count(),
            1,
            "{backend}: only the first section open"
        );
        assert!(!body.contains("name=\"r:"), "{backend}");

        let mut fields = form_fields(&body);
        fields.retain(|(k, _)| k != "gui");
        for (k, v) in fields.iter_mut() {
            if *k == format!("v:{code}") {
                *v = "mười hai".into();
            }
        }
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = principal.post_form(&page, &form).await;
        assert_eq!(r.status(), 400, "{backend}");
        let body = r.text().await.unwrap();
        assert!(body.contains("error-summary"), "{backend}");
        assert!(
            body.contains("tabindex=\"-1\" autofocus"),
            "{backend}: focus moves to it"
        );
        assert!(body.contains(&format!("<a href=\"#v-{code}\">")), "{backend}: linked");
        assert!(body.contains(&format!("id=\"e-{code}\"")), "{backend}");
        assert!(
            body.contains(&format!(" e-{code}\" aria-invalid=\"true\"")),
            "{backend}: tied to it"
        );
        assert!(body.contains("mười hai"), "{backend}: what was typed is kept");
        assert_eq!(report(&app, &plan, school).await, before, "{backend}: nothing written");

        // A figure typed different from the computed one: the reason field appears with its
        // error after the save, and the section holding it is open.
        let (_, body) = principal.text(&page).await;
        let mut fields = form_fields(&body);
        fields.retain(|(k, _)| k != "gui");
        for (k, v) in fields.iter_mut() {
            if *k == format!("v:{code}") {
                *v = "999".into();
            }
        }
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = principal.post_form(&page, &form).await;
        assert_eq!(r.status(), 400, "{backend}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&format!("name=\"r:{code}\"")),
            "{backend}: the reason field"
        );
        assert!(body.contains("cần ghi lý do"), "{backend}");
        assert_eq!(report(&app, &plan, school).await, before, "{backend}: nothing written");
    }
}

/// The fields a browser would post from the report form: inputs with their values, the
/// selected option of each select, textareas' text (entities as the template escapes them).
fn form_fields(html: &str) -> Vec<(String, String)> {
    let start = html
        .find("<form method=\"post\" action=\"/ke-hoach/")
        .expect("the form");
    let end = html[start..].find("</form>").map(|e| start + e).unwrap();
    let form = &html[start..end];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let marker = format!(" {name}=\"");
        let at = tag.find(&marker)? + marker.len();
        let to = tag[at..].find('"')? + at;
        Some(unescape(&tag[at..to]))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let close = rest.find('>').unwrap();
        let tag = &rest[..=close];
        if tag.starts_with("<input") {
            let checkbox = tag.contains("type=\"checkbox\"");
            if let (Some(name), false) = (attr(tag, "name"), checkbox) {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<textarea") {
            let text_end = rest.find("</textarea>").unwrap();
            if let Some(name) = attr(tag, "name") {
                out.push((name, unescape(&rest[close + 1..text_end])));
            }
        } else if tag.starts_with("<select") {
            let select_end = rest.find("</select>").unwrap();
            let options = &rest[close + 1..select_end];
            let chosen = options
                .split("<option")
                .find(|o| o.contains(" selected"))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            if let Some(name) = attr(tag, "name") {
                out.push((name, chosen));
            }
        } else if tag.starts_with("<button") && tag.contains("name=\"gui\"") {
            out.push(("gui".into(), "1".into()));
        }
        rest = &rest[close + 1..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
