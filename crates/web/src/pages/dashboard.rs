//! The office's view of a plan's reports: the live dashboard with one-click reminders.
//!
//! Every figure is read from the live tables on each request, so a report submitted a second
//! ago is counted. Handlers queue mail and never send it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::document_number::DocumentNumber;
use lanhmang_domain::plan::{IndicatorDef, PlanStatus};
use lanhmang_domain::plan_template::{Aggregation, IndicatorKind};
use lanhmang_domain::report::{ReportStatus, format_number, vietnam_date};
use lanhmang_domain::{Action, Paging, Role, SchoolLevel};
use lanhmang_store::plans::{Plan, PlanScope};
use lanhmang_store::reports::{ReportFilter, ReportListEntry};
use serde::Deserialize;
use time::Date;

use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::charts::ProgressChart;
use crate::error::AppError;
use crate::layout::{Layout, Pager, render};
use lanhmang_app::dashboard::Dashboard;
use lanhmang_app::dashboard::IndicatorFigure;
use lanhmang_app::dashboard::LevelFigure;
use lanhmang_app::plans::PlanRights;

// ---------------------------------------------------------------------------------------------
// Figures as people read them, shared by the plan dashboard and the rollup.

/// "21,7%": one decimal, Vietnamese comma.
pub(super) fn percent(fraction: f64) -> String {
    format!("{}%", format_number((fraction * 1000.0).round() / 10.0))
}

/// One row of the completeness and timeliness table.
pub struct LevelRow {
    pub label: String,
    pub expected: i64,
    pub submitted: i64,
    pub on_time: i64,
    pub late: i64,
    pub accepted: i64,
    pub returned: i64,
    pub reopened: i64,
    pub completeness: String,
    pub timeliness: String,
    /// For `<progress>`: a maximum of at least one and a value never above it.
    pub bar_max: i64,
    pub bar_value: i64,
}

impl LevelRow {
    fn new(f: &LevelFigure) -> LevelRow {
        LevelRow {
            label: f.label.clone(),
            expected: f.expected,
            submitted: f.submitted,
            on_time: f.on_time,
            late: f.late,
            accepted: f.accepted,
            returned: f.returned,
            reopened: f.reopened,
            completeness: percent(f.completeness),
            // Timeliness of nothing received is not 0%: there is nothing to judge yet.
            timeliness: if f.submitted > 0 {
                percent(f.timeliness)
            } else {
                "—".into()
            },
            bar_max: f.expected.max(1),
            bar_value: f.submitted.clamp(0, f.expected.max(0)),
        }
    }
}

/// One indicator on the dashboard.
pub struct IndicatorRow {
    pub name: String,
    pub how: &'static str,
    pub shown: String,
    pub reporting: i64,
    pub range: String,
    /// (level, figure), one per column of `Figures::level_labels`.
    pub by_level: Vec<(String, String)>,
}

pub struct Figures {
    pub total: LevelRow,
    pub levels: Vec<LevelRow>,
    pub level_labels: Vec<String>,
    pub indicators: Vec<IndicatorRow>,
    /// Some indicators are free text: they are quoted in the aggregated report, not added up.
    pub has_text: bool,
}

pub(super) fn how(aggregation: Aggregation) -> &'static str {
    match aggregation {
        Aggregation::Sum => "Tổng",
        Aggregation::Average => "Bình quân mỗi trường",
        Aggregation::ShareOfSchools => "Tỉ lệ trường",
        Aggregation::CountOfSchools => "Số trường",
        Aggregation::List => "Liệt kê",
    }
}

/// What the figure is, said beside it when it is not a plain total.
pub(super) fn how_note(aggregation: Aggregation) -> &'static str {
    match aggregation {
        Aggregation::Sum | Aggregation::List => "",
        Aggregation::Average => "bình quân mỗi trường",
        Aggregation::ShareOfSchools => "số trường",
        Aggregation::CountOfSchools => "trường",
    }
}

/// The figure as an official document writes it, its unit included.
pub(super) fn aggregate_text(f: &IndicatorFigure) -> String {
    match (f.aggregation, f.value) {
        (_, None) => "—".into(),
        (Aggregation::Average, Some(_)) => format!("{} (bình quân mỗi trường)", f.shown),
        (Aggregation::ShareOfSchools, Some(_)) => format!("{} số trường", f.shown),
        (Aggregation::CountOfSchools, Some(_)) => format!("{} trường", f.shown),
        _ => f.shown.clone(),
    }
}

pub(super) fn range_text(f: &IndicatorFigure) -> String {
    match (f.kind, f.min, f.max) {
        // Yes/no answers range over 0 and 1, which says nothing.
        (IndicatorKind::Number, Some(min), Some(max)) => format!("{} – {}", format_number(min), format_number(max)),
        _ => "—".into(),
    }
}

/// Where a level's row goes: primary, lower secondary, combined, then schools without a level.
pub(super) fn level_rank(label: &str) -> usize {
    SchoolLevel::ALL
        .iter()
        .position(|l| l.label() == label)
        .unwrap_or(SchoolLevel::ALL.len())
}

/// The levels in the order offices read them (the store sorts them by code).
pub(super) fn ordered_levels(d: &Dashboard) -> Vec<&LevelFigure> {
    let mut levels: Vec<&LevelFigure> = d.by_level.iter().collect();
    levels.sort_by_key(|l| level_rank(&l.label));
    levels
}

pub(super) fn figures(d: &Dashboard) -> Figures {
    let levels = ordered_levels(d);
    let level_labels: Vec<String> = levels.iter().map(|l| l.label.clone()).collect();
    let indicators = d
        .indicators
        .iter()
        .filter(|f| f.aggregation != Aggregation::List)
        .map(|f| IndicatorRow {
            name: f.name.clone(),
            how: how_note(f.aggregation),
            shown: f.shown.clone(),
            reporting: f.reporting,
            range: range_text(f),
            by_level: level_labels
                .iter()
                .map(|label| {
                    let v = f.by_level.iter().find(|(l, _)| l == label);
                    (label.clone(), v.map_or_else(|| "—".to_string(), |(_, v)| v.clone()))
                })
                .collect(),
        })
        .collect();
    Figures {
        total: LevelRow::new(&d.total),
        levels: levels.into_iter().map(LevelRow::new).collect(),
        level_labels,
        indicators,
        has_text: d.indicators.iter().any(|f| f.aggregation == Aggregation::List),
    }
}

/// "còn 12 ngày", "hôm nay là hạn cuối", "đã quá hạn 3 ngày".
pub(super) fn days_left(deadline: Date, today: Date) -> (String, bool) {
    let days = (deadline - today).whole_days();
    match days {
        d if d > 0 => (format!("còn {d} ngày"), false),
        0 => ("hôm nay là hạn cuối".into(), false),
        d => (format!("đã quá hạn {} ngày", -d), true),
    }
}

/// The plan, if the person may see its dashboard: 404 when the plan is out of sight, 403 when
/// it is visible but its figures are not theirs to see.
pub(super) async fn dashboard_plan(
    state: &AppState,
    identity: &Identity,
    raw_id: &str,
) -> Result<(Plan, PlanRights), AppError> {
    let (plan, rights) = lanhmang_app::plans::visible_plan(&state.app, identity, parse_id(raw_id)?).await?;
    if !rights.dashboard {
        return Err(AppError::Forbidden);
    }
    Ok((plan, rights))
}

/// Every school of the plan under `roots` with its report's state, across all pages.
pub(super) async fn all_entries(
    state: &AppState,
    plan: &Plan,
    roots: &[i64],
    filter: &ReportFilter,
) -> Result<Vec<ReportListEntry>, AppError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let paging = Paging {
            page,
            per_page: lanhmang_domain::paging::MAX_PER_PAGE,
        };
        let (entries, total) = state.store.plan_reports(plan, roots, filter, paging).await?;
        let done = entries.is_empty() || paging.offset() + paging.limit() >= total;
        out.extend(entries);
        if done {
            return Ok(out);
        }
        page += 1;
    }
}

/// Every plan issued inside `roots`, newest school year first.
pub(super) async fn plans_in(state: &AppState, roots: &[i64]) -> Result<Vec<Plan>, AppError> {
    let scope = PlanScope {
        roots: roots.to_vec(),
        ancestors: Vec::new(),
    };
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let paging = Paging {
            page,
            per_page: lanhmang_domain::paging::MAX_PER_PAGE,
        };
        let (plans, total) = state.store.list_plans(&scope, paging).await?;
        let done = plans.is_empty() || paging.offset() + paging.limit() >= total;
        out.extend(plans);
        if done {
            return Ok(out);
        }
        page += 1;
    }
}

/// Why a reminder could not reach a school, said beside it; None when it can.
pub(super) async fn unreachable_because(state: &AppState, unit_id: i64) -> Result<Option<&'static str>, AppError> {
    let people = state.store.people_with_roles_in_unit(unit_id).await?;
    let principals: Vec<_> = people
        .iter()
        .filter(|(p, r)| *r == Role::Principal && !p.disabled)
        .collect();
    Ok(if principals.is_empty() {
        Some("Trường chưa có tài khoản hiệu trưởng")
    } else if principals
        .iter()
        .any(|(p, _)| p.email.as_deref().is_some_and(|e| !e.trim().is_empty()))
    {
        None
    } else {
        Some("Hiệu trưởng chưa có e-mail")
    })
}

// ---------------------------------------------------------------------------------------------
// The plan's dashboard.

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    page: Option<String>,
    per_page: Option<String>,
    /// What the last reminder did: "queued-already-unreachable", or "da-nop".
    nhac: Option<String>,
}

/// A school that has not sent its report.
pub struct MissingRow {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub status: &'static str,
    pub returned: bool,
    /// A draft, returned or reopened report has a page to open; a school that has not started has none.
    pub has_report: bool,
    /// Why no reminder can be sent, when none can.
    pub unreachable: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "dashboard.html", whitespace = "minimize")]
struct DashboardPage {
    layout: Layout,
    plan_id: i64,
    title: String,
    issuer: String,
    number: Option<String>,
    year_code: String,
    year_label: String,
    published: bool,
    deadline: String,
    deadline_left: String,
    overdue: bool,
    figures: Figures,
    chart: String,
    /// (day, received so far, share of expected).
    progress_rows: Vec<(String, i64, String)>,
    missing: Vec<MissingRow>,
    pager: Pager,
    can_remind: bool,
    can_outbox: bool,
    reminder: Option<String>,
    without_principal: lanhmang_app::dashboard::WithoutPrincipal,
}

fn reminder_notice(raw: Option<&str>) -> Option<String> {
    let raw = raw?.trim();
    if raw == "da-nop" {
        return Some("Trường này đã nộp báo cáo nên không cần nhắc nữa.".into());
    }
    let mut parts = raw.split('-').map(|p| p.parse::<u32>().ok());
    let (Some(Some(queued)), Some(Some(already)), Some(Some(unreachable)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let mut out = Vec::new();
    if queued > 0 {
        out.push(format!(
            "Đã xếp {queued} thư nhắc vào hàng đợi; thư sẽ được gửi đi trong ít phút (xem mục Thư đi)."
        ));
    }
    if already > 0 {
        out.push(format!(
            "{already} thư không gửi lại vì hiệu trưởng đã được nhắc hôm nay."
        ));
    }
    if unreachable > 0 {
        out.push(format!(
            "{unreachable} trường chưa nhắc được vì chưa có tài khoản hiệu trưởng hoặc hiệu trưởng chưa có \
             e-mail hợp lệ; hãy bổ sung ở mục Người dùng, hoặc gọi điện cho trường."
        ));
    }
    if out.is_empty() {
        out.push("Không có trường nào cần nhắc.".into());
    }
    Some(out.join(" "))
}

pub async fn plan_page(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let (plan, rights) = dashboard_plan(&state, &identity, &id).await?;
    let roots = vec![plan.issuing_unit_id];
    let data = state.store.plan_dashboard(&plan, &roots).await?;
    let defs: Vec<&IndicatorDef> = plan.content.indicators().collect();
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);
    let today = lanhmang_app::plans::today();
    let without_principal =
        lanhmang_app::dashboard::schools_without_principal(&state.app, &identity, &plan, 10).await?;

    let per_page = q.per_page.clone().or_else(|| Some("20".into()));
    let paging = super::paging(&q.page, &per_page)?;
    let filter = ReportFilter {
        missing_only: true,
        ..ReportFilter::default()
    };
    let (entries, missing_total) = state.store.plan_reports(&plan, &roots, &filter, paging).await?;
    let mut missing = Vec::with_capacity(entries.len());
    // One small query per school shown: a page holds twenty by default.
    for e in entries {
        missing.push(MissingRow {
            unreachable: unreachable_because(&state, e.unit_id).await?,
            unit_id: e.unit_id,
            code: e.unit_code,
            name: e.unit_name,
            level: e.school_level.map(|l| l.label()).unwrap_or(""),
            status: lanhmang_app::reports::status_label(e.status),
            returned: matches!(e.status, Some(ReportStatus::Returned | ReportStatus::Reopened)),
            has_report: e.status.is_some(),
        });
    }
    let base = format!("/ke-hoach/{}/tong-hop", plan.id);
    let pager = Pager::new(
        &base,
        &[("per_page", q.per_page.clone().unwrap_or_default())],
        paging,
        missing_total,
    );

    // The axis runs from publication (or the first report, if earlier) to the deadline (or the
    // last report, if later).
    let first = d.progress.first().map(|(day, _)| *day);
    let last = d.progress.last().map(|(day, _)| *day);
    let published = plan.published_at.map(vietnam_date).unwrap_or(today.min(plan.deadline));
    let start = first.map_or(published, |f| f.min(published));
    let end = last.map_or(plan.deadline, |l| l.max(plan.deadline)).max(start);
    let chart = ProgressChart {
        id: "tien-do",
        points: &d.progress,
        expected: d.total.expected,
        start,
        end,
        deadline: plan.deadline,
        today,
    }
    .svg();
    let progress_rows = d
        .progress
        .iter()
        .map(|(day, n)| {
            (
                lanhmang_app::plans::date_text(*day),
                *n,
                percent(lanhmang_domain::report::ratio(*n, d.total.expected)),
            )
        })
        .collect();
    let (deadline_left, overdue) = days_left(plan.deadline, today);
    render(&DashboardPage {
        layout: Layout::new(
            format!("Tổng hợp báo cáo năm học {}", plan.school_year.label()),
            &identity,
            "/tong-hop-nam",
        ),
        plan_id: plan.id,
        title: plan.title.clone(),
        issuer: plan.issuing_unit_name.clone(),
        number: plan.number.as_ref().map(DocumentNumber::format),
        year_code: plan.school_year.code(),
        year_label: plan.school_year.label(),
        published: plan.status == PlanStatus::Published,
        deadline: lanhmang_app::plans::date_text(plan.deadline),
        deadline_left,
        overdue,
        figures: figures(&d),
        chart,
        progress_rows,
        missing,
        pager,
        can_remind: rights.review && plan.status == PlanStatus::Published,
        can_outbox: lanhmang_domain::authorize(
            &identity.permissions,
            Action::ViewOutbox,
            lanhmang_domain::Target::Unit(&plan.issuing_ancestry),
        ),
        reminder: reminder_notice(q.nhac.as_deref()),
        without_principal,
    })
}

// ---------------------------------------------------------------------------------------------
// Reminders.

#[derive(Deserialize, Default)]
pub struct RemindForm {
    /// One school; empty for every school that has not sent its report.
    #[serde(default)]
    unit_id: String,
}

pub async fn remind(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<RemindForm>,
) -> Result<Response, AppError> {
    let (plan, rights) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    if !rights.review {
        return Err(AppError::Forbidden);
    }
    if plan.status != PlanStatus::Published {
        return Err(AppError::Conflict(
            "Kế hoạch chưa được ban hành nên các trường chưa phải nộp báo cáo; chưa thể nhắc.".into(),
        ));
    }
    let today = lanhmang_app::plans::today();
    let back = format!("/ke-hoach/{}/tong-hop", plan.id);
    let mut done = lanhmang_app::reports::Reminded::default();
    if form.unit_id.trim().is_empty() {
        let filter = ReportFilter {
            missing_only: true,
            ..ReportFilter::default()
        };
        let entries = all_entries(&state, &plan, &[plan.issuing_unit_id], &filter).await?;
        let ids: Vec<i64> = entries.iter().map(|e| e.unit_id).collect();
        for unit in state.store.units_by_ids(&ids).await? {
            lanhmang_app::reports::remind_school(&state.app, &plan, &unit, today, &mut done).await?;
        }
    } else {
        let unit_id = form
            .unit_id
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::BadRequest("Mã trường cần nhắc không hợp lệ.".into()))?;
        let unit =
            lanhmang_app::plans::school_of_plan(&state.app, &identity, &plan, unit_id, Action::ReviewReports).await?;
        let sent = state
            .store
            .report(plan.id, unit.id)
            .await?
            .is_some_and(|r| r.status.is_in());
        if sent {
            return Ok(Redirect::to(&format!("{back}?nhac=da-nop")).into_response());
        }
        lanhmang_app::reports::remind_school(&state.app, &plan, &unit, today, &mut done).await?;
    }
    tracing::info!(
        plan = plan.id,
        queued = done.queued,
        already = done.already,
        unreachable = done.unreachable,
        "reminders queued"
    );
    Ok(Redirect::to(&format!(
        "{back}?nhac={}-{}-{}",
        done.queued, done.already, done.unreachable
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_notices() {
        let m = reminder_notice(Some("3-1-2")).unwrap();
        assert!(
            m.contains("Đã xếp 3 thư") && m.contains("1 thư không gửi lại") && m.contains("2 trường chưa nhắc"),
            "{m}"
        );
        assert_eq!(
            reminder_notice(Some("0-0-0")).as_deref(),
            Some("Không có trường nào cần nhắc.")
        );
        assert!(reminder_notice(Some("x")).is_none());
        assert!(reminder_notice(Some("1-2-3-4")).is_none());
    }
}
