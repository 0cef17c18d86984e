//! The department's rollup over a school year: every published plan in the person's subtree,
//! with its own figures and the figures of all of them together.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use lanhmang_domain::Action;
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::plan::{IndicatorDef, PlanStatus};
use lanhmang_domain::school_year::SchoolYear;
use lanhmang_store::plans::Plan;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{Layout, Pager, render};

use super::dashboard::{Figures, figures, percent, plans_in};

// ---------------------------------------------------------------------------------------------
// The department's rollup over a school year.

#[derive(Deserialize, Default)]
pub struct RollupQuery {
    #[serde(default)]
    nam: String,
    page: Option<String>,
    per_page: Option<String>,
}

/// One plan of the year, with its own figures.
pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub issuer: String,
    pub deadline: String,
    pub expected: i64,
    pub submitted: i64,
    pub completeness: String,
    pub timeliness: String,
}

#[derive(Template)]
#[template(path = "rollup.html", whitespace = "minimize")]
struct RollupPage {
    layout: Layout,
    year_label: String,
    /// (code, label, selected).
    years: Vec<(String, String, bool)>,
    scope: String,
    figures: Figures,
    plans: Vec<PlanRow>,
    pager: Pager,
}

pub async fn rollup(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<RollupQuery>,
) -> Result<Response, AppError> {
    let roots = scope_roots(&identity.permissions, Action::ViewDashboard);
    let year = if q.nam.trim().is_empty() {
        SchoolYear::containing(lanhmang_app::plans::today())
    } else {
        SchoolYear::parse(&q.nam).map_err(|e| AppError::BadRequest(e.to_string()))?
    };
    let plans = plans_in(&state, &roots).await?;
    let mut years: Vec<SchoolYear> = plans
        .iter()
        .filter(|p| p.status == PlanStatus::Published)
        .map(|p| p.school_year)
        .chain([year, SchoolYear::containing(lanhmang_app::plans::today())])
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let of_year: Vec<&Plan> = plans
        .iter()
        .filter(|p| p.status == PlanStatus::Published && p.school_year == year)
        .collect();

    let data = state.store.year_rollup(year.start_year, &roots).await?;
    // Plans of one year may differ in their indicators: every indicator of any of them counts.
    let mut defs: Vec<&IndicatorDef> = Vec::new();
    for plan in &of_year {
        for def in plan.content.indicators() {
            if !defs.iter().any(|d| d.code == def.code) {
                defs.push(def);
            }
        }
    }
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);

    let paging = super::paging(&q.page, &q.per_page.clone().or_else(|| Some("20".into())))?;
    let mut rows = Vec::new();
    for plan in of_year
        .iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
    {
        let data = state.store.plan_dashboard(plan, &[plan.issuing_unit_id]).await?;
        let one = lanhmang_app::dashboard::dashboard(&[], &data);
        rows.push(PlanRow {
            id: plan.id,
            title: plan.title.clone(),
            issuer: plan.issuing_unit_name.clone(),
            deadline: lanhmang_app::plans::date_text(plan.deadline),
            expected: one.total.expected,
            submitted: one.total.submitted,
            completeness: percent(one.total.completeness),
            timeliness: if one.total.submitted > 0 {
                percent(one.total.timeliness)
            } else {
                "—".into()
            },
        });
    }
    let pager = Pager::new(
        "/tong-hop-nam",
        &[
            ("nam", year.code()),
            ("per_page", q.per_page.clone().unwrap_or_default()),
        ],
        paging,
        of_year.len() as i64,
    );
    let scope = state
        .store
        .units_by_ids(&roots)
        .await?
        .into_iter()
        .map(|u| u.name)
        .collect::<Vec<_>>()
        .join("; ");
    render(&RollupPage {
        layout: Layout::new(format!("Tổng hợp năm học {}", year.label()), &identity, "/tong-hop-nam"),
        year_label: year.label(),
        years: years.iter().map(|y| (y.code(), y.label(), *y == year)).collect(),
        scope,
        figures: figures(&d),
        plans: rows,
        pager,
    })
}
