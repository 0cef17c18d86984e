//! Every route is walked: anonymous callers are refused everywhere but public routes, and each
//! role is allowed inside its subtree and refused outside it.

use crate::common;

use common::{TestApp, both_backends};
use lanhmang_domain::Action;
use lanhmang_domain::unit::UnitInput;
use lanhmang_store::AuditContext;
use lanhmang_web::{Need, route_table};

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{grant_id}", "1")
        .replace("{unit_id}", "3")
        .replace("{action}", "duyet")
        .replace("{file}", "app.css")
        .replace("{code}", "tls_expired")
        .replace("{file_id}", "1")
        .replace("{phase}", "truoc")
}

both_backends!(every_route_declares_a_need_and_refuses_anonymous_callers);
async fn every_route_declares_a_need_and_refuses_anonymous_callers(backend: &'static str) {
    let table = route_table();
    assert!(table.len() >= 30, "the route table lists every route");
    {
        let app = TestApp::spawn(backend).await;
        let client = app.client();
        for route in &table {
            let url = app.url(&concrete(route.path));
            let r = match route.method {
                "GET" => client.get(&url).send().await.unwrap(),
                "PUT" => client
                    .put(&url)
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .unwrap(),
                _ => client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .unwrap(),
            };
            let status = r.status().as_u16();
            match route.need {
                // A public page form still needs its CSRF token: 403 there is the CSRF check.
                Need::Public if route.method == "POST" && !route.path.starts_with("/api/") => {
                    assert_eq!(status, 403)
                }
                Need::Public => assert!(
                    status != 401 && status != 403,
                    "{backend}: {} {} is public but gave {status}",
                    route.method,
                    route.path
                ),
                _ if route.path.starts_with("/api/") => {
                    assert_eq!(
                        status, 401,
                        "{backend}: {} {} must refuse anonymous API callers",
                        route.method, route.path
                    )
                }
                _ => assert!(
                    status == 303 || status == 403,
                    "{backend}: {} {} must refuse anonymous callers, gave {status}",
                    route.method,
                    route.path
                ),
            }
        }
        app.stop().await;
    }
}

both_backends!(routes_refuse_roles_without_the_action);
/// Roles that lack an action everywhere are refused by every route that needs it.
async fn routes_refuse_roles_without_the_action(backend: &'static str) {
    let table = route_table();
    {
        let app = TestApp::spawn(backend).await;
        // (account, actions it must be refused)
        use Action::*;
        let cases: &[(&str, &[Action])] = &[
            (
                "demo.parent",
                &[
                    ViewPeople,
                    ManagePeople,
                    ManageSchoolCommunity,
                    ManageUnits,
                    ViewAudit,
                    ViewPlans,
                    ManagePlans,
                    LogActivities,
                    ViewActivities,
                    WriteSchoolReport,
                    ViewReports,
                    ReviewReports,
                    ViewDashboard,
                    ViewOutbox,
                    ViewSites,
                    ManageSites,
                    ManageStandards,
                    ViewNews,
                    ManageNews,
                    HandleIncidents,
                    LeadIncidents,
                    ViewIncidentStats,
                    ManageIncidentCategories,
                    WriteClarifications,
                    ApproveClarifications,
                    ManageLessons,
                    RunClassSessions,
                    ManageTrainings,
                    SendNotices,
                    ReachParents,
                    ManageWebhooks,
                    WriteStories,
                    PublishSchoolStories,
                    PublishOfficeStories,
                ],
            ),
            (
                "demo.family",
                &[
                    ViewUnit,
                    ViewPeople,
                    ManagePeople,
                    ManageSchoolCommunity,
                    ManageUnits,
                    ViewAudit,
                    ViewPlans,
                    ManagePlans,
                    LogActivities,
                    ViewActivities,
                    WriteSchoolReport,
                    ViewReports,
                    ViewSchoolPlan,
                    ReviewReports,
                    ViewDashboard,
                    ViewOutbox,
                    ViewSites,
                    ManageSites,
                    ManageStandards,
                    ViewNews,
                    ManageNews,
                    HandleIncidents,
                    LeadIncidents,
                    ViewIncidentStats,
                    ManageIncidentCategories,
                    WriteClarifications,
                    ApproveClarifications,
                    ViewLessons,
                    ManageLessons,
                    RunClassSessions,
                    ManageTrainings,
                    SendNotices,
                    ReachParents,
                    ManageWebhooks,
                    WriteStories,
                    PublishSchoolStories,
                    PublishOfficeStories,
                ],
            ),
            (
                "demo.collaborator",
                &[
                    ManageSchoolCommunity,
                    ManagePlans,
                    LogActivities,
                    ViewActivities,
                    WriteSchoolReport,
                    ViewReports,
                    ReviewReports,
                    ViewDashboard,
                    ViewSites,
                    ManageSites,
                    ManageStandards,
                    ManageNews,
                    LeadIncidents,
                    ViewIncidentStats,
                    WriteClarifications,
                    ApproveClarifications,
                    ManageLessons,
                    RunClassSessions,
                    ManageTrainings,
                    SendNotices,
                    ReachParents,
                    ManageWebhooks,
                    WriteStories,
                    PublishSchoolStories,
                    PublishOfficeStories,
                ],
            ),
            (
                "demo.teacher",
                &[
                    ViewPeople,
                    ManagePeople,
                    ManageSchoolCommunity,
                    ManageUnits,
                    ViewAudit,
                    ManagePlans,
                    WriteSchoolReport,
                    ViewReports,
                    ReviewReports,
                    ViewDashboard,
                    ViewOutbox,
                    ViewSites,
                    ManageSites,
                    ManageStandards,
                    ManageNews,
                    HandleIncidents,
                    LeadIncidents,
                    WriteClarifications,
                    ApproveClarifications,
                    ManageLessons,
                    ManageTrainings,
                    SendNotices,
                    ManageWebhooks,
                    PublishSchoolStories,
                    PublishOfficeStories,
                ],
            ),
            (
                "demo.principal",
                &[
                    ManagePeople,
                    ManageUnits,
                    ViewAudit,
                    ManagePlans,
                    ReviewReports,
                    ViewDashboard,
                    ViewOutbox,
                    ManageStandards,
                    ManageNews,
                    ViewIncidentStats,
                    ApproveClarifications,
                    ManageLessons,
                    ManageWebhooks,
                    PublishOfficeStories,
                ],
            ),
            (
                "demo.head",
                &[
                    ManagePeople,
                    ManageSchoolCommunity,
                    ManageUnits,
                    ViewAudit,
                    LogActivities,
                    WriteSchoolReport,
                    ManageSites,
                    ManageStandards,
                    ManageNews,
                    RunClassSessions,
                    ReachParents,
                    ManageWebhooks,
                    WriteStories,
                    PublishSchoolStories,
                ],
            ),
            (
                "demo.office",
                &[
                    ViewAudit,
                    WriteSchoolReport,
                    HandleIncidents,
                    LeadIncidents,
                    RunClassSessions,
                    ReachParents,
                    WriteStories,
                    PublishSchoolStories,
                ],
            ),
            (
                "demo.incidentlead",
                &[
                    ManagePeople,
                    ManageUnits,
                    ViewAudit,
                    ManagePlans,
                    WriteSchoolReport,
                    ManageNews,
                    ManageLessons,
                    RunClassSessions,
                    ManageTrainings,
                    SendNotices,
                    ReachParents,
                    ManageWebhooks,
                    WriteStories,
                    PublishSchoolStories,
                    PublishOfficeStories,
                ],
            ),
        ];
        for (account, refused) in cases {
            let browser = app.signed_in(account).await;
            let api_token = api_token(&app, account).await;
            for route in table
                .iter()
                .filter(|r| matches!(r.need, Need::Permission(a) if refused.contains(&a)))
            {
                let path = concrete(route.path);
                let status = if route.path.starts_with("/api/") {
                    let c = app.client();
                    let req = match route.method {
                        "GET" => c.get(app.url(&path)),
                        "PUT" => c.put(app.url(&path)),
                        _ => c.post(app.url(&path)),
                    };
                    req.bearer_auth(&api_token)
                        .header("content-type", "application/json")
                        .body("{}")
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                } else if route.method == "GET" {
                    browser.get(&path).await.status().as_u16()
                } else {
                    let csrf = browser.csrf_from("/tai-khoan").await;
                    browser
                        .post_form(&path, &[("_csrf", csrf.as_str())])
                        .await
                        .status()
                        .as_u16()
                };
                assert_eq!(status, 403, "{backend}: {account} on {} {}", route.method, route.path);
            }
        }
        app.stop().await;
    }
}

async fn api_token(app: &TestApp, username: &str) -> String {
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": common::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

both_backends!(scope_is_the_subtree);
/// Inside and outside the subtree, for pages and the API.
async fn scope_is_the_subtree(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        let store = app.store();
        let ctx = AuditContext::system("test");
        let department = store.unit_by_code("SGD-DEMO").await.unwrap().unwrap();
        let other_office = store
            .create_unit(
                &ctx,
                Some(department.id),
                &UnitInput {
                    code: "VHXH-KHAC".into(),
                    name: "Phòng khác".into(),
                    kind: "office".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
            )
            .await
            .unwrap();
        let other_school = store
            .create_unit(
                &ctx,
                Some(other_office.id),
                &UnitInput {
                    code: "TH-KHAC".into(),
                    name: "Trường Tiểu học Khác".into(),
                    kind: "school".into(),
                    school_level: "th".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
            )
            .await
            .unwrap();
        let own_school = store.unit_by_code("TH-ANBINH").await.unwrap().unwrap();
        let sibling_school = store.unit_by_code("TH-HOASEN").await.unwrap().unwrap();
        let office = store.unit_by_code("VHXH-ANBINH").await.unwrap().unwrap();

        // (account, unit, may view the unit page, may edit it)
        let cases = [
            ("demo.admin", other_school.id, true, true),
            ("demo.office", own_school.id, true, true),
            ("demo.office", office.id, true, true),
            ("demo.office", other_school.id, false, false),
            ("demo.office", department.id, false, false),
            ("demo.head", sibling_school.id, true, false),
            ("demo.head", other_office.id, false, false),
            ("demo.principal", own_school.id, true, false),
            ("demo.principal", sibling_school.id, false, false),
            ("demo.teacher", own_school.id, true, false),
            ("demo.webadmin", office.id, false, false),
            ("demo.collaborator", own_school.id, true, false),
            ("demo.parent", own_school.id, true, false),
            ("demo.parent", other_school.id, false, false),
        ];
        for (account, unit, view, edit) in cases {
            let b = app.signed_in(account).await;
            // Out of scope answers as if absent; in scope but not allowed is refused. Roles that
            // manage units nowhere are refused by the route before any unit is looked at.
            let shown = b.get(&format!("/don-vi/{unit}")).await.status().as_u16();
            assert_eq!(
                shown,
                if view { 200 } else { 404 },
                "{backend}: {account} viewing unit {unit}"
            );
            let manages_somewhere = matches!(account, "demo.admin" | "demo.office");
            let edit_page = b.get(&format!("/don-vi/{unit}/sua")).await.status().as_u16();
            assert_eq!(
                edit_page,
                if edit {
                    200
                } else if manages_somewhere && !view {
                    404
                } else {
                    403
                },
                "{backend}: {account} editing unit {unit}"
            );
            let token = api_token(&app, account).await;
            let api = app
                .client()
                .get(app.url(&format!("/api/v1/units/{unit}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(
                api.status().as_u16(),
                if view { 200 } else { 404 },
                "{backend}: {account} API unit {unit}"
            );
        }

        // People of another office are out of reach, even by id.
        let b = app.signed_in("demo.office").await;
        let stranger = store
            .create_person(
                &ctx,
                other_school.id,
                &lanhmang_domain::person::PersonInput {
                    username: "nguoi.khac".into(),
                    display_name: "Người khác".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
                None,
                false,
            )
            .await
            .unwrap();
        assert_eq!(
            b.get(&format!("/nguoi-dung/{}", stranger.id)).await.status(),
            404,
            "{backend}"
        );
        let csrf = b.csrf_from("/tai-khoan").await;
        let r = b
            .post_form(
                &format!("/nguoi-dung/{}/khoa", stranger.id),
                &[("_csrf", csrf.as_str()), ("disabled", "1")],
            )
            .await;
        assert_eq!(r.status(), 404, "{backend}");
        assert!(
            !store.person(stranger.id).await.unwrap().unwrap().disabled,
            "{backend}: nothing changed"
        );
        app.stop().await;
    }
}
