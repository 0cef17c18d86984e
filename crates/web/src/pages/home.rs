//! The home page: what the signed-in person is responsible for, with real figures.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::{Action, Paging, Role, SchoolLevel, UnitKind, UnitStatus};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{Layout, render};

pub struct LevelRow {
    pub code: &'static str,
    pub label: &'static str,
    pub active: i64,
    pub closed: i64,
}

pub struct Summary {
    pub schools_active: i64,
    pub schools_closed: i64,
    pub other_units: i64,
    pub people: Option<i64>,
    pub by_level: Vec<LevelRow>,
}

pub struct SchoolCard {
    pub id: i64,
    pub name: String,
    pub level: &'static str,
    pub status: &'static str,
    pub address: String,
    pub websites: Vec<String>,
    /// (name, role label) of the people who run the school's side of the plan.
    pub contacts: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    roles: Vec<(&'static str, String)>,
    summary: Option<Summary>,
    schools: Vec<SchoolCard>,
    recent_people: Vec<(i64, String, String)>,
    /// (link, title, school year and deadline, where things stand)
    plans: Vec<(String, String, String, String)>,
    can_log: bool,
    unread: i64,
    websites: Option<lanhmang_store::sites::Overview>,
}

#[derive(Deserialize)]
pub struct HomeQuery {
    tb: Option<String>,
}

/// The root: a signed-in person's home; for a visitor, the public page of the school whose own
/// domain points here, else the sign-in page.
pub async fn page(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: axum::http::HeaderMap,
    Query(q): Query<HomeQuery>,
) -> Result<Response, AppError> {
    let Some(axum::Extension(identity)) = identity else {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| {
                h.rsplit_once(':').map_or(h, |(name, port)| {
                    if port.bytes().all(|b| b.is_ascii_digit()) {
                        name
                    } else {
                        h
                    }
                })
            })
            .unwrap_or("");
        let ours = state
            .config
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        if ours.as_deref() != Some(host.to_ascii_lowercase().as_str())
            && let Some(code) = lanhmang_app::public_site::unit_code_for_host(&state.app, host).await?
        {
            return super::public_site::render_home(&state, &headers, &code, 1).await;
        }
        return Ok(axum::response::Redirect::to("/dang-nhap").into_response());
    };
    // The root is public, so the gate that sends a new password's owner to change it first
    // does not stand here: the page does it.
    if identity.person.must_change_password {
        return Ok(axum::response::Redirect::to("/tai-khoan/mat-khau").into_response());
    }
    // A parent's home is built for a phone: their classes and the school's notices.
    if lanhmang_app::parents::family_only(&identity) {
        return Ok(axum::response::Redirect::to("/gia-dinh").into_response());
    }
    let store = &state.store;
    let roots = scope_roots(&identity.permissions, Action::ViewUnit);
    let root_units = store.units_by_ids(&roots).await?;
    let people_roots = scope_roots(&identity.permissions, Action::ViewPeople);
    let (people_sample, people_total) = if people_roots.is_empty() {
        (Vec::new(), None)
    } else {
        let (sample, total) = store
            .list_people(&people_roots, None, Paging { page: 1, per_page: 8 })
            .await?;
        (sample, Some(total))
    };

    // The newest plans that concern the person, with where they stand for them.
    let mut plans = Vec::new();
    if lanhmang_domain::permission::can_somewhere(&identity.permissions, Action::ViewPlans) {
        let scope = super::plans::plan_scope(&state, &identity).await?;
        let (recent, _) = store.list_plans(&scope, Paging { page: 1, per_page: 3 }).await?;
        for plan in recent {
            let (_, rights) = lanhmang_app::plans::visible_plan(&state.app, &identity, plan.id).await?;
            let when = format!(
                "Năm học {} · hạn nộp báo cáo {}",
                plan.school_year.label(),
                lanhmang_app::plans::date_text(plan.deadline)
            );
            if rights.dashboard && plan.status == lanhmang_domain::plan::PlanStatus::Published {
                let data = store.plan_dashboard(&plan, &[plan.issuing_unit_id]).await?;
                let d = lanhmang_app::dashboard::dashboard(&[], &data);
                plans.push((
                    format!("/ke-hoach/{}/tong-hop", plan.id),
                    plan.title.clone(),
                    when,
                    format!("{}/{} trường đã nộp báo cáo", d.total.submitted, d.total.expected),
                ));
                continue;
            }
            let own = lanhmang_app::plans::own_schools(&state.app, &identity, &plan, Action::ViewReports).await?;
            if let Some(school) = own.first() {
                let status = store.report(plan.id, school.id).await?.map(|r| r.status);
                plans.push((
                    format!("/ke-hoach/{}/bao-cao/{}", plan.id, school.id),
                    plan.title.clone(),
                    when,
                    format!(
                        "Báo cáo của {}: {}",
                        school.name,
                        lanhmang_app::reports::status_label(status)
                    ),
                ));
            } else {
                plans.push((
                    format!("/ke-hoach/{}", plan.id),
                    plan.title.clone(),
                    when,
                    plan.status.label().to_string(),
                ));
            }
        }
    }

    // Offices and departments see figures over their subtree.
    let summary = if root_units.iter().any(|u| u.kind != UnitKind::School) {
        let counts = store.unit_counts(&roots).await?;
        let count = |kind_school: bool, level: Option<SchoolLevel>, status: Option<UnitStatus>| -> i64 {
            counts
                .iter()
                .filter(|c| (c.kind == UnitKind::School) == kind_school)
                .filter(|c| level.is_none() || c.school_level == level)
                .filter(|c| status.is_none_or(|s| c.status == s))
                .map(|c| c.count)
                .sum()
        };
        Some(Summary {
            schools_active: count(true, None, Some(UnitStatus::Active)),
            schools_closed: count(true, None, Some(UnitStatus::Closed)),
            other_units: count(false, None, None),
            people: people_total,
            by_level: SchoolLevel::ALL
                .iter()
                .map(|l| LevelRow {
                    code: l.as_str(),
                    label: l.label(),
                    active: count(true, Some(*l), Some(UnitStatus::Active)),
                    closed: count(true, Some(*l), Some(UnitStatus::Closed)),
                })
                .collect(),
        })
    } else {
        None
    };

    // School staff, collaborators and parents see their own school.
    let mut schools = Vec::new();
    for unit in root_units.iter().filter(|u| u.kind == UnitKind::School) {
        let contacts = store
            .people_with_roles_in_unit(unit.id)
            .await?
            .into_iter()
            .filter(|(p, r)| !p.disabled && matches!(r, Role::Principal | Role::WebsiteAdmin | Role::Collaborator))
            .map(|(p, r)| (p.display_name, r.label()))
            .collect();
        schools.push(SchoolCard {
            id: unit.id,
            name: unit.name.clone(),
            level: unit.school_level.map(SchoolLevel::label).unwrap_or(""),
            status: unit.status.label(),
            address: unit.address.clone(),
            websites: unit.websites.clone(),
            contacts,
        });
    }

    let recent_people = people_sample
        .into_iter()
        .map(|p| (p.id, p.display_name, p.username))
        .collect();

    let roles = identity
        .grants
        .iter()
        .map(|g| (g.role.label(), g.unit_name.clone()))
        .collect();
    let unread = store.unread_notifications(identity.person.id).await?;
    let site_roots = scope_roots(&identity.permissions, Action::ViewSites);
    let websites = if site_roots.is_empty() {
        None
    } else {
        Some(store.sites_overview(&site_roots, None).await?).filter(|o| o.total > 0)
    };
    render(&HomePage {
        unread,
        websites,
        layout: Layout::new("Trang chủ", &identity, "/").with_notice(q.tb.as_deref()),
        roles,
        summary,
        schools,
        recent_people,
        plans,
        can_log: lanhmang_domain::permission::can_somewhere(&identity.permissions, Action::LogActivities),
    })
}
