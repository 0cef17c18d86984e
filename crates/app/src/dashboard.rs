//! The office dashboard's figures, from the store's live sums.

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::plan::IndicatorDef;
use lanhmang_domain::plan_template::{Aggregation, IndicatorKind};
use lanhmang_domain::report::{IndicatorSums, aggregate, format_aggregate, ratio};
use lanhmang_domain::{Action, SchoolLevel, Target, authorize};
use lanhmang_store::plans::Plan;
use lanhmang_store::reports::DashboardData;
use time::Date;

use lanhmang_domain::Role;
use lanhmang_store::Unit;

use crate::{Actor, App, Result};

/// One indicator's figure on the dashboard.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndicatorFigure {
    pub code: String,
    pub name: String,
    pub kind: IndicatorKind,
    pub aggregation: Aggregation,
    pub value: Option<f64>,
    pub shown: String,
    pub reporting: i64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// (level label, shown value) per school level.
    pub by_level: Vec<(String, String)>,
}

/// Progress for one level (or the total).
#[derive(Debug, Clone, serde::Serialize)]
pub struct LevelFigure {
    pub label: String,
    pub expected: i64,
    pub submitted: i64,
    pub on_time: i64,
    pub late: i64,
    pub accepted: i64,
    pub returned: i64,
    /// Accepted, then reopened by the office: being corrected, not counted as received.
    pub reopened: i64,
    pub completeness: f64,
    pub timeliness: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub total: LevelFigure,
    pub by_level: Vec<LevelFigure>,
    pub indicators: Vec<IndicatorFigure>,
    /// Cumulative first submissions by day in Vietnam.
    #[serde(skip)]
    pub progress: Vec<(Date, i64)>,
}

fn level_label(level: Option<SchoolLevel>) -> String {
    level
        .map(|l| l.label().to_string())
        .unwrap_or_else(|| "Chưa xác định cấp học".into())
}

fn level_figure(
    label: String,
    expected: i64,
    submitted: i64,
    on_time: i64,
    late: i64,
    accepted: i64,
    returned: i64,
) -> LevelFigure {
    LevelFigure {
        label,
        expected,
        submitted,
        on_time,
        late,
        accepted,
        returned,
        reopened: 0,
        completeness: ratio(submitted, expected),
        // Timeliness: of the reports received, the share received by the deadline.
        timeliness: ratio(on_time, submitted),
    }
}

/// Turns the store's sums into what people read.
pub fn dashboard(indicators: &[&IndicatorDef], data: &DashboardData) -> Dashboard {
    let by_level: Vec<LevelFigure> = data
        .by_level
        .iter()
        .map(|l| LevelFigure {
            reopened: l.reopened,
            ..level_figure(
                level_label(l.level),
                l.expected,
                l.submitted,
                l.on_time,
                l.late,
                l.accepted,
                l.returned,
            )
        })
        .collect();
    let sum = |f: fn(&LevelFigure) -> i64| by_level.iter().map(f).sum::<i64>();
    let total = LevelFigure {
        reopened: sum(|l| l.reopened),
        ..level_figure(
            "Tất cả".into(),
            sum(|l| l.expected),
            sum(|l| l.submitted),
            sum(|l| l.on_time),
            sum(|l| l.late),
            sum(|l| l.accepted),
            sum(|l| l.returned),
        )
    };
    let figures = indicators
        .iter()
        .map(|def| {
            let rows: Vec<&(String, Option<SchoolLevel>, IndicatorSums)> =
                data.indicators.iter().filter(|(c, _, _)| *c == def.code).collect();
            let mut all = IndicatorSums::default();
            for (_, _, s) in &rows {
                all.reporting += s.reporting;
                all.sum += s.sum;
                all.positive += s.positive;
                all.min = match (all.min, s.min) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                all.max = match (all.max, s.max) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            let value = aggregate(def.aggregation, &all);
            IndicatorFigure {
                code: def.code.clone(),
                name: def.name.clone(),
                kind: def.kind,
                aggregation: def.aggregation,
                value,
                shown: format_aggregate(def.aggregation, value),
                reporting: all.reporting,
                min: all.min,
                max: all.max,
                by_level: rows
                    .iter()
                    .map(|(_, level, s)| {
                        (
                            level_label(*level),
                            format_aggregate(def.aggregation, aggregate(def.aggregation, s)),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let mut progress: Vec<(Date, i64)> = Vec::new();
    for (i, t) in data.first_submissions.iter().enumerate() {
        let day = lanhmang_domain::report::vietnam_date(*t);
        match progress.last_mut() {
            Some((d, n)) if *d == day => *n = i as i64 + 1,
            _ => progress.push((day, i as i64 + 1)),
        }
    }
    Dashboard {
        total,
        by_level,
        indicators: figures,
        progress,
    }
}

/// The roots for a dashboard: the whole plan when the caller covers its issuer, otherwise the
/// caller's own units inside the plan's reach.
pub fn dashboard_roots(actor: &Actor, plan: &Plan) -> Vec<i64> {
    if authorize(
        &actor.permissions,
        Action::ViewDashboard,
        Target::Unit(&plan.issuing_ancestry),
    ) {
        vec![plan.issuing_unit_id]
    } else {
        scope_roots(&actor.permissions, Action::ViewDashboard)
    }
}

/// Schools the office cannot reach: no enabled principal account, so no return, reminder or
/// notice reaches anyone there. A problem to fix, shown with the way to fix it.
#[derive(Debug, Clone)]
pub struct WithoutPrincipal {
    /// The first schools, by tree position.
    pub schools: Vec<Unit>,
    pub total: i64,
    /// Whether the person asking may create the missing principal accounts.
    pub may_add: bool,
}

/// The plan's schools within the dashboard's reach that have no principal account.
pub async fn schools_without_principal(app: &App, actor: &Actor, plan: &Plan, limit: i64) -> Result<WithoutPrincipal> {
    let roots = dashboard_roots(actor, plan);
    let (schools, total) = app
        .store
        .schools_without_principal(&plan.issuing_ancestry, &roots, limit)
        .await?;
    Ok(WithoutPrincipal {
        schools,
        total,
        may_add: crate::people::roles_offered(actor).contains(&Role::Principal),
    })
}
