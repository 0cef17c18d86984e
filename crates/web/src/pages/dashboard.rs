//! The office's view of a plan's reports: the live dashboard with one-click reminders, the
//! department's rollup over a school year, the e-mail outbox, and the official documents (the
//! office's aggregated report and each school's report as DOCX and PDF, every indicator per
//! school as XLSX).
//!
//! Every figure is read from the live tables on each request, so a report submitted a second
//! ago is counted. Handlers queue mail and never send it; documents are laid out off the async
//! threads.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::document_number::{DocumentKind, DocumentNumber};
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::plan::{IndicatorDef, PlanStatus};
use lanhmang_domain::plan_template::{Aggregation, IndicatorKind};
use lanhmang_domain::report::{IndicatorValue, ReportStatus, Value, format_number, vietnam_date};
use lanhmang_domain::school_year::SchoolYear;
use lanhmang_domain::text::fold_vi;
use lanhmang_domain::{Action, Paging, Role, SchoolLevel};
use lanhmang_export::{Cell, Column, ColumnKind, Letterhead, OfficialDocument, Section, Sheet, Signature, Table};
use lanhmang_store::outbox::{MailStatus, OutboxFilter};
use lanhmang_store::plans::{Plan, PlanScope};
use lanhmang_store::reports::{Report, ReportFilter, ReportListEntry};
use lanhmang_store::Unit;
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
fn percent(fraction: f64) -> String {
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

fn how(aggregation: Aggregation) -> &'static str {
    match aggregation {
        Aggregation::Sum => "Tổng",
        Aggregation::Average => "Bình quân mỗi trường",
        Aggregation::ShareOfSchools => "Tỉ lệ trường",
        Aggregation::CountOfSchools => "Số trường",
        Aggregation::List => "Liệt kê",
    }
}

/// What the figure is, said beside it when it is not a plain total.
fn how_note(aggregation: Aggregation) -> &'static str {
    match aggregation {
        Aggregation::Sum | Aggregation::List => "",
        Aggregation::Average => "bình quân mỗi trường",
        Aggregation::ShareOfSchools => "số trường",
        Aggregation::CountOfSchools => "trường",
    }
}

/// The figure as an official document writes it, its unit included.
fn aggregate_text(f: &IndicatorFigure) -> String {
    match (f.aggregation, f.value) {
        (_, None) => "—".into(),
        (Aggregation::Average, Some(_)) => format!("{} (bình quân mỗi trường)", f.shown),
        (Aggregation::ShareOfSchools, Some(_)) => format!("{} số trường", f.shown),
        (Aggregation::CountOfSchools, Some(_)) => format!("{} trường", f.shown),
        _ => f.shown.clone(),
    }
}

fn range_text(f: &IndicatorFigure) -> String {
    match (f.kind, f.min, f.max) {
        // Yes/no answers range over 0 and 1, which says nothing.
        (IndicatorKind::Number, Some(min), Some(max)) => format!("{} – {}", format_number(min), format_number(max)),
        _ => "—".into(),
    }
}

/// Where a level's row goes: primary, lower secondary, combined, then schools without a level.
fn level_rank(label: &str) -> usize {
    SchoolLevel::ALL
        .iter()
        .position(|l| l.label() == label)
        .unwrap_or(SchoolLevel::ALL.len())
}

/// The levels in the order offices read them (the store sorts them by code).
fn ordered_levels(d: &Dashboard) -> Vec<&LevelFigure> {
    let mut levels: Vec<&LevelFigure> = d.by_level.iter().collect();
    levels.sort_by_key(|l| level_rank(&l.label));
    levels
}

fn figures(d: &Dashboard) -> Figures {
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
fn days_left(deadline: Date, today: Date) -> (String, bool) {
    let days = (deadline - today).whole_days();
    match days {
        d if d > 0 => (format!("còn {d} ngày"), false),
        0 => ("hôm nay là hạn cuối".into(), false),
        d => (format!("đã quá hạn {} ngày", -d), true),
    }
}

/// The plan, if the person may see its dashboard: 404 when the plan is out of sight, 403 when
/// it is visible but its figures are not theirs to see.
async fn dashboard_plan(state: &AppState, identity: &Identity, raw_id: &str) -> Result<(Plan, PlanRights), AppError> {
    let (plan, rights) = lanhmang_app::plans::visible_plan(&state.app, identity, parse_id(raw_id)?).await?;
    if !rights.dashboard {
        return Err(AppError::Forbidden);
    }
    Ok((plan, rights))
}

/// Every school of the plan under `roots` with its report's state, across all pages.
async fn all_entries(
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
async fn plans_in(state: &AppState, roots: &[i64]) -> Result<Vec<Plan>, AppError> {
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
async fn unreachable_because(state: &AppState, unit_id: i64) -> Result<Option<&'static str>, AppError> {
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
    /// A draft or returned report has a page to open; a school that has not started has none.
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
            returned: e.status == Some(ReportStatus::Returned),
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
        let unit = lanhmang_app::plans::school_of_plan(&state.app, &identity, &plan, unit_id, Action::ReviewReports).await?;
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

// ---------------------------------------------------------------------------------------------
// The outbox.

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    trang_thai: String,
    #[serde(default)]
    ke_hoach: String,
    page: Option<String>,
    per_page: Option<String>,
}

pub struct MailRow {
    pub created: String,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub unit: String,
    pub reason: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub attempts: i64,
    pub next_attempt: Option<String>,
    pub last_attempt: Option<String>,
    pub sent: Option<String>,
    pub last_error: String,
    pub body: String,
}

/// A status tab: (link, label, count, current).
pub type Tab = (String, &'static str, i64, bool);

#[derive(Template)]
#[template(path = "outbox.html", whitespace = "minimize")]
struct OutboxPage {
    layout: Layout,
    rows: Vec<MailRow>,
    pager: Pager,
    tabs: Vec<Tab>,
    /// (id, label, selected).
    plans: Vec<(String, String, bool)>,
    status: String,
    filtered: bool,
}

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "reminder" | "deadline_reminder" => "Nhắc hạn nộp (tự động)",
        "manual_reminder" => "Nhắc nộp báo cáo",
        "report_returned" => "Báo cáo bị trả lại",
        "plan_returned" | "school_plan_returned" => "Kế hoạch bị trả lại",
        _ => "Khác",
    }
}

fn status_class(status: MailStatus) -> &'static str {
    match status {
        MailStatus::Queued => "mail-queued",
        MailStatus::Sent => "mail-sent",
        MailStatus::Failed => "mail-failed",
    }
}

/// The start of a long text, cut at a word.
fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max_chars / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// How many plans the outbox's plan filter offers.
const PLAN_CHOICES: usize = 30;

pub async fn outbox(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let roots = scope_roots(&identity.permissions, Action::ViewOutbox);
    let paging = super::paging(&q.page, &q.per_page)?;
    let status = match q.trang_thai.trim() {
        "" => None,
        raw => Some(
            MailStatus::parse(raw)
                .ok_or_else(|| AppError::BadRequest(format!("Trạng thái thư không hợp lệ: {}", excerpt(raw, 30))))?,
        ),
    };
    let plan_id = match q.ke_hoach.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| AppError::BadRequest("Mã kế hoạch để lọc thư không hợp lệ.".into()))?,
        ),
    };
    let filter = OutboxFilter {
        status,
        plan_id,
        unit_ids_in_subtree_of: roots.clone(),
    };
    let counts = state.store.outbox_counts(&filter).await?;
    let (mails, total) = state.store.outbox_page(&filter, paging).await?;
    let rows = mails
        .into_iter()
        .map(|m| MailRow {
            created: crate::format::date_time(m.created_at),
            to_name: m.to_name,
            to_address: m.to_address,
            subject: m.subject,
            unit: m.unit_name.unwrap_or_default(),
            reason: reason_label(&m.reason),
            status: m.status.label(),
            status_class: status_class(m.status),
            attempts: m.attempts,
            next_attempt: (m.status == MailStatus::Queued).then(|| crate::format::date_time(m.next_attempt_at)),
            last_attempt: m.last_attempt_at.map(crate::format::date_time),
            sent: m.sent_at.map(crate::format::date_time),
            last_error: excerpt(&m.last_error, 300),
            body: excerpt(&m.body, 600),
        })
        .collect();
    let plan_param = plan_id.map(|p| p.to_string()).unwrap_or_default();
    let tab = |code: &str| {
        let mut params = Vec::new();
        if !code.is_empty() {
            params.push(format!("trang_thai={code}"));
        }
        if !plan_param.is_empty() {
            params.push(format!("ke_hoach={plan_param}"));
        }
        if params.is_empty() {
            "/thu-di".to_string()
        } else {
            format!("/thu-di?{}", params.join("&"))
        }
    };
    let mut tabs: Vec<Tab> = vec![(tab(""), "Tất cả", counts.total(), status.is_none())];
    for s in MailStatus::ALL {
        let n = match s {
            MailStatus::Queued => counts.queued,
            MailStatus::Sent => counts.sent,
            MailStatus::Failed => counts.failed,
        };
        tabs.push((tab(s.as_str()), s.label(), n, status == Some(s)));
    }
    // The newest plans (and the one chosen): a department's whole history would make the
    // page heavy on a slow link, and old plans' mail is reachable through the status tabs.
    let plans = plans_in(&state, &roots)
        .await?
        .into_iter()
        .filter(|p| p.status == PlanStatus::Published)
        .enumerate()
        .filter(|(i, p)| *i < PLAN_CHOICES || Some(p.id) == plan_id)
        .map(|(_, p)| {
            (
                p.id.to_string(),
                format!("{} · năm học {}", excerpt(&p.title, 60), p.school_year.label()),
                Some(p.id) == plan_id,
            )
        })
        .collect();
    let pager = Pager::new(
        "/thu-di",
        &[
            ("trang_thai", q.trang_thai.trim().to_string()),
            ("ke_hoach", plan_param.clone()),
            ("per_page", q.per_page.clone().unwrap_or_default()),
        ],
        paging,
        total,
    );
    render(&OutboxPage {
        layout: Layout::new("Thư đi", &identity, "/thu-di"),
        rows,
        pager,
        tabs,
        plans,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        filtered: status.is_some() || plan_id.is_some(),
    })
}

// ---------------------------------------------------------------------------------------------
// Official documents.

#[derive(Deserialize, Default)]
pub struct DocumentQuery {
    /// The number and symbol, e.g. "15/BC-VHXH"; blank leaves the form's gap.
    so: Option<String>,
    /// The place name of the date line.
    noi: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Docx,
    Pdf,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Pdf => "application/pdf",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Laying out a PDF keeps a CPU busy for a while; two at a time keep a burst of downloads from
/// starving every other request on a small server.
static LAYOUT_PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn render_document(doc: OfficialDocument, format: Format) -> Result<Vec<u8>, AppError> {
    let _permit = LAYOUT_PERMITS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || match format {
        Format::Docx => lanhmang_export::docx(&doc),
        Format::Pdf => lanhmang_export::pdf(&doc),
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// RFC 5987 encoding for `filename*`.
fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file as a download: an ASCII name for old clients, the Vietnamese one for the rest.
fn attachment(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Result<Response, AppError> {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.–".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut ascii = String::with_capacity(name.len());
    for c in fold_vi(&name).chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            c
        } else {
            '-'
        };
        if !(c == '-' && ascii.ends_with('-')) {
            ascii.push(c);
        }
    }
    let value = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", rfc5987(&name));
    let disposition = HeaderValue::from_str(&value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The number line: a number of kind BC as typed, or the blank form's gap.
fn report_number(raw: Option<&str>, issuer_symbol: Option<&str>) -> Result<String, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(format!("……/BC-{}", issuer_symbol.unwrap_or("……")));
    };
    let shown: String = raw.chars().filter(|c| !c.is_control()).take(40).collect();
    let number = DocumentNumber::parse(raw).map_err(|e| {
        AppError::BadRequest(format!(
            "Số văn bản «{shown}» không hợp lệ: {e} Với báo cáo, hãy ghi theo mẫu 15/BC-VHXH \
             (số thứ tự, ký hiệu BC, chữ viết tắt tên đơn vị)."
        ))
    })?;
    if number.kind != DocumentKind::Report {
        return Err(AppError::BadRequest(format!(
            "Số văn bản «{shown}» mang ký hiệu {}, nhưng đây là báo cáo: ký hiệu phải là BC, ví dụ 15/BC-{}.",
            number.kind.abbreviation(),
            number.issuer
        )));
    }
    Ok(number.format())
}

/// The place of the date line, as given, or guessed from the address.
fn place(raw: Option<&str>, address: &str) -> Result<String, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) if p.chars().count() > 60 || p.chars().any(char::is_control) => Err(AppError::BadRequest(
            "Địa danh ghi ở dòng ngày tháng dài tối đa 60 ký tự, trên một dòng.".into(),
        )),
        Some(p) => Ok(p.to_string()),
        None => Ok(place_from_address(address).unwrap_or_else(|| "……".into())),
    }
}

/// The most local administrative name in an address: "Trụ sở UBND phường An Bình" gives
/// "An Bình", "Số 1 đường Lê Lợi, thành phố Sông Hồng" gives "Sông Hồng".
fn place_from_address(address: &str) -> Option<String> {
    let words: Vec<&str> = address.split_whitespace().collect();
    let folded: Vec<String> = words
        .iter()
        .map(|w| fold_vi(w.trim_end_matches([',', ';', '.'])))
        .collect();
    // Smaller units first: the date line names where the office sits.
    let keywords: [&[&str]; 9] = [
        &["phuong"],
        &["xa"],
        &["thi", "tran"],
        &["dac", "khu"],
        &["quan"],
        &["huyen"],
        &["thi", "xa"],
        &["thanh", "pho"],
        &["tinh"],
    ];
    for keyword in keywords {
        let found = (0..words.len()).find(|&i| {
            keyword.iter().enumerate().all(|(k, w)| folded.get(i + k).is_some_and(|f| f == w))
                // "xã" inside "thị xã" is not a commune.
                && !(keyword == ["xa"] && i > 0 && folded[i - 1] == "thi")
        });
        let Some(i) = found else { continue };
        let mut name = Vec::new();
        for w in &words[i + keyword.len()..] {
            let stop = w.ends_with([',', ';', '.']);
            let w = w.trim_end_matches([',', ';', '.']);
            if w == "-" || w.is_empty() {
                break;
            }
            name.push(w);
            if stop {
                break;
            }
        }
        if !name.is_empty() {
            return Some(name.join(" "));
        }
    }
    None
}

/// "tổ chức các hoạt động …" from "Kế hoạch tổ chức các hoạt động …".
fn plan_subject(title: &str) -> String {
    let title = title.trim();
    let head: String = title.chars().take(8).collect();
    if fold_vi(&head) == "ke hoach" {
        title.chars().skip(8).collect::<String>().trim().to_string()
    } else {
        title.to_string()
    }
}

/// "Kết quả thực hiện kế hoạch … năm học 2026–2027", without saying the year twice.
fn with_year(prefix: &str, plan: &Plan) -> String {
    let subject = plan_subject(&plan.title);
    let year = plan.school_year;
    let mentions_year = subject.contains(&year.label()) || subject.contains(&year.code());
    let subject = if subject.is_empty() {
        String::new()
    } else {
        format!(" {subject}")
    };
    if mentions_year {
        format!("{prefix}{subject}")
    } else {
        format!("{prefix}{subject} năm học {}", year.label())
    }
}

/// "Kế hoạch số 05/KH-VHXH ngày 10/9/2026 về …", as the report's first line cites it.
fn plan_reference(plan: &Plan) -> String {
    let mut out = "Kế hoạch".to_string();
    if let Some(n) = &plan.number {
        out.push_str(&format!(" số {}", n.format()));
    }
    if let Some(at) = plan.published_at {
        out.push_str(&format!(" ngày {}", lanhmang_app::plans::date_text(vietnam_date(at))));
    }
    let subject = plan_subject(&plan.title);
    if !subject.is_empty() {
        out.push_str(&format!(" về {subject}"));
    }
    out
}

/// "16 giờ 05 ngày 28/11/2026", in Vietnam, as official documents write a moment.
fn moment(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(lanhmang_domain::report::VIETNAM);
    format!(
        "{} giờ {:02} ngày {}",
        t.hour(),
        t.minute(),
        lanhmang_app::plans::date_text(t.date())
    )
}

/// The text as paragraphs, one per non-empty line.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn value_text(def: &IndicatorDef, v: Option<&IndicatorValue>) -> String {
    match (def.kind, v.and_then(|v| v.value.as_ref())) {
        (_, None) => "—".into(),
        (IndicatorKind::YesNo, Some(Value::Number(n))) => if *n > 0.0 { "Có" } else { "Không" }.into(),
        (_, Some(Value::Number(n))) => format_number(*n),
        (_, Some(Value::Text(t))) => t.clone(),
    }
}

/// The name of someone holding `role` in a unit, for the signature block.
async fn holder(state: &AppState, unit_id: i64, role: Role) -> Result<String, AppError> {
    Ok(state
        .store
        .people_with_roles_in_unit(unit_id)
        .await?
        .into_iter()
        .find(|(p, r)| *r == role && !p.disabled)
        .map(|(p, _)| p.display_name)
        .unwrap_or_default())
}

/// The schools' own words, grouped where several wrote the same: "- «…» (Trường A, Trường B)".
fn quotes(items: &[(String, String)]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (school, text) in items {
        let text = excerpt(&text.split_whitespace().collect::<Vec<_>>().join(" "), 400);
        if text.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(t, _)| fold_vi(t) == fold_vi(&text)) {
            Some((_, schools)) => schools.push(school.clone()),
            None => groups.push((text, vec![school.clone()])),
        }
    }
    if groups.is_empty() {
        return vec!["Không có trường nào nêu.".into()];
    }
    groups
        .into_iter()
        .map(|(text, schools)| format!("- «{text}» ({})", schools.join(", ")))
        .collect()
}

/// Everything the aggregated report says, from the live tables.
async fn office_document(state: &AppState, plan: &Plan, q: &DocumentQuery) -> Result<OfficialDocument, AppError> {
    let issuer = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let parent = match issuer.parent_id {
        Some(id) => state.store.unit(id).await?,
        None => None,
    };
    let number = report_number(q.so.as_deref(), plan.number.as_ref().map(|n| n.issuer.as_str()))?;
    let place = place(q.noi.as_deref(), &issuer.address)?;
    let roots = vec![plan.issuing_unit_id];
    let data = state.store.plan_dashboard(plan, &roots).await?;
    let defs: Vec<&IndicatorDef> = plan.content.indicators().collect();
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);
    let entries = all_entries(state, plan, &roots, &ReportFilter::default()).await?;
    let names: HashMap<i64, &str> = entries.iter().map(|e| (e.unit_id, e.unit_name.as_str())).collect();
    let received = state.store.received_reports(plan, &roots).await?;
    let now = time::OffsetDateTime::now_utc();
    let t = &d.total;

    let mut intro = Vec::new();
    if let Some(p) = &parent {
        intro.push(format!("Kính gửi: {}.", p.name));
    }
    intro.push(format!(
        "Thực hiện {}, {} báo cáo kết quả thực hiện năm học {} của các trường như sau:",
        plan_reference(plan),
        issuer.name,
        plan.school_year.label()
    ));

    // I. Completeness and timeliness.
    let mut completeness = vec![
        format!(
            "Số trường phải nộp báo cáo: {}; đã nộp: {}, đạt {} (số liệu tính đến {}).",
            t.expected,
            t.submitted,
            percent(t.completeness),
            moment(now)
        ),
        if t.submitted > 0 {
            format!(
                "Số báo cáo nộp đúng hạn (đến hết ngày {}): {}/{}, đạt {}; nộp muộn: {}.",
                lanhmang_app::plans::date_text(plan.deadline),
                t.on_time,
                t.submitted,
                percent(t.timeliness),
                t.late
            )
        } else {
            format!(
                "Chưa có báo cáo nào được nộp; hạn nộp là ngày {}.",
                lanhmang_app::plans::date_text(plan.deadline)
            )
        },
    ];
    if t.accepted + t.returned > 0 {
        completeness.push(format!(
            "Đã duyệt {} báo cáo; {} báo cáo được trả lại để bổ sung.",
            t.accepted, t.returned
        ));
    }
    let level_row = |label: String, l: &LevelFigure| {
        vec![
            label,
            l.expected.to_string(),
            l.submitted.to_string(),
            percent(l.completeness),
            l.on_time.to_string(),
            l.late.to_string(),
        ]
    };
    let mut level_rows: Vec<Vec<String>> = ordered_levels(&d)
        .into_iter()
        .map(|l| level_row(l.label.clone(), l))
        .collect();
    // With one level, its row and the total would say the same thing twice.
    if d.by_level.len() != 1 {
        level_rows.push(level_row("Cộng".into(), t));
    }
    let missing: Vec<&ReportListEntry> = entries
        .iter()
        .filter(|e| !e.status.is_some_and(ReportStatus::is_in))
        .collect();
    // The school's name says its level already; a narrow table keeps names on one line.
    let missing_rows: Vec<Vec<String>> = missing
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.unit_name.clone(),
                lanhmang_app::reports::status_label(e.status).to_string(),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        heading: "I. Tình hình nộp báo cáo của các trường".into(),
        paragraphs: completeness,
        table: Some(Table {
            header: ["Cấp học", "Phải nộp", "Đã nộp", "Tỉ lệ nộp", "Đúng hạn", "Nộp muộn"]
                .map(String::from)
                .to_vec(),
            rows: level_rows,
            numeric_columns: vec![1, 2, 3, 4, 5],
        }),
    }];
    sections.push(if missing.is_empty() {
        Section {
            heading: "Các trường chưa nộp báo cáo".into(),
            paragraphs: vec!["Tất cả các trường đã nộp báo cáo.".into()],
            table: None,
        }
    } else {
        Section {
            heading: format!("Các trường chưa nộp báo cáo ({} trường)", missing.len()),
            paragraphs: Vec::new(),
            table: Some(Table {
                header: ["STT", "Trường", "Tình trạng"].map(String::from).to_vec(),
                rows: missing_rows,
                numeric_columns: vec![0],
            }),
        }
    });

    // II. Indicators.
    let indicator_rows: Vec<Vec<String>> = d
        .indicators
        .iter()
        .filter(|f| f.aggregation != Aggregation::List)
        .enumerate()
        .map(|(i, f)| {
            vec![
                (i + 1).to_string(),
                f.name.clone(),
                aggregate_text(f),
                f.reporting.to_string(),
            ]
        })
        .collect();
    sections.push(Section {
        heading: "II. Kết quả thực hiện các chỉ tiêu".into(),
        paragraphs: vec![format!(
            "Tổng hợp từ {} báo cáo đã nộp (đã gửi hoặc đã duyệt):",
            t.submitted
        )],
        table: Some(Table {
            header: ["STT", "Chỉ tiêu", "Giá trị tổng hợp", "Số trường báo cáo"]
                .map(String::from)
                .to_vec(),
            rows: indicator_rows,
            numeric_columns: vec![0, 2, 3],
        }),
    });

    // III. The schools' own assessment.
    let school = |r: &Report| names.get(&r.unit_id).copied().unwrap_or("").to_string();
    let strengths: Vec<(String, String)> = received
        .iter()
        .map(|r| (school(r), r.narrative.strengths.clone()))
        .collect();
    let limitations: Vec<(String, String)> = received
        .iter()
        .map(|r| (school(r), r.narrative.limitations.clone()))
        .collect();
    let list_codes: Vec<&str> = defs
        .iter()
        .filter(|d| d.aggregation == Aggregation::List)
        .map(|d| d.code.as_str())
        .collect();
    let mut proposals: Vec<(String, String)> = Vec::new();
    for r in &received {
        proposals.push((school(r), r.narrative.proposals.clone()));
        for code in &list_codes {
            if let Some(Value::Text(t)) = r.values.get(*code).and_then(|v| v.value.as_ref()) {
                proposals.push((school(r), t.clone()));
            }
        }
    }
    sections.push(Section {
        heading: "III. Đánh giá chung và đề xuất, kiến nghị của các trường".into(),
        paragraphs: Vec::new(),
        table: None,
    });
    sections.push(Section {
        heading: "1. Ưu điểm".into(),
        paragraphs: quotes(&strengths),
        table: None,
    });
    sections.push(Section {
        heading: "2. Hạn chế".into(),
        paragraphs: quotes(&limitations),
        table: None,
    });
    sections.push(Section {
        heading: "3. Đề xuất, kiến nghị".into(),
        paragraphs: quotes(&proposals),
        table: None,
    });

    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: parent.map(|p| p.name).unwrap_or_else(|| "ỦY BAN NHÂN DÂN".into()),
            issuing_unit: issuer.name.clone(),
            number,
            place,
            date: lanhmang_app::plans::today(),
        },
        kind_title: "Báo cáo".into(),
        subtitle: with_year("Kết quả thực hiện kế hoạch", plan),
        intro,
        sections,
        recipients: vec!["Như trên".into(), "Lưu: VT".into()],
        signature: Signature {
            on_behalf: None,
            title: "Trưởng phòng".into(),
            signer: holder(state, issuer.id, Role::OfficeHead).await?,
        },
    })
}

async fn office_file(
    state: AppState,
    identity: Identity,
    id: String,
    q: DocumentQuery,
    format: Format,
) -> Result<Response, AppError> {
    let (plan, _) = dashboard_plan(&state, &identity, &id).await?;
    let doc = office_document(&state, &plan, &q).await?;
    let bytes = render_document(doc, format).await?;
    let issuer_code = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .map(|u| u.code)
        .unwrap_or_default();
    let name = format!(
        "Báo cáo tổng hợp {} {issuer_code}.{}",
        plan.school_year.code(),
        format.extension()
    );
    attachment(bytes, format.content_type(), &name)
}

pub async fn office_docx(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    office_file(state, identity, id, q, Format::Docx).await
}

pub async fn office_pdf(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    office_file(state, identity, id, q, Format::Pdf).await
}

/// A school's own report in the form of Decree 30.
async fn school_document(
    state: &AppState,
    plan: &Plan,
    unit: &Unit,
    report: &Report,
    q: &DocumentQuery,
) -> Result<OfficialDocument, AppError> {
    let authority = match unit.parent_id {
        Some(id) => state.store.unit(id).await?.map(|u| u.name),
        None => None,
    }
    .unwrap_or_else(|| plan.issuing_unit_name.clone());
    let mut intro = vec![format!("Kính gửi: {authority}.")];
    if !report.status.is_in() {
        intro.push(format!(
            "(Bản dự thảo: báo cáo đang ở trạng thái «{}», chưa gửi {}.)",
            report.status.label().to_lowercase(),
            plan.issuing_unit_name
        ));
    }
    intro.push(format!(
        "Thực hiện {} của {}, {} báo cáo kết quả thực hiện năm học {} như sau:",
        plan_reference(plan),
        plan.issuing_unit_name,
        unit.name,
        plan.school_year.label()
    ));
    let mut rows = Vec::new();
    let mut list_texts = Vec::new();
    for def in plan.content.indicators() {
        let v = report.values.get(&def.code);
        if def.aggregation == Aggregation::List {
            if let Some(Value::Text(t)) = v.and_then(|v| v.value.as_ref())
                && !t.trim().is_empty()
            {
                list_texts.push(t.clone());
            }
            continue;
        }
        let note = match v {
            Some(v) if !v.override_reason.trim().is_empty() => format!(
                "Điều chỉnh so với số liệu tổng hợp từ nhật ký hoạt động ({}): {}",
                v.computed.map(format_number).unwrap_or_else(|| "—".into()),
                v.override_reason.trim()
            ),
            Some(v) if v.computed.is_some() => "Từ nhật ký hoạt động".into(),
            _ => String::new(),
        };
        rows.push(vec![
            (rows.len() + 1).to_string(),
            def.name.clone(),
            value_text(def, v),
            note,
        ]);
    }
    let or_none = |paragraphs: Vec<String>| {
        if paragraphs.is_empty() {
            vec!["Không có.".to_string()]
        } else {
            paragraphs
        }
    };
    let mut proposals = lines(&report.narrative.proposals);
    for t in list_texts {
        if !proposals.iter().any(|p| fold_vi(p) == fold_vi(&t)) {
            proposals.extend(lines(&t));
        }
    }
    let sections = vec![
        Section {
            heading: "I. Các chỉ tiêu".into(),
            paragraphs: Vec::new(),
            table: Some(Table {
                header: ["STT", "Chỉ tiêu", "Kết quả", "Ghi chú"].map(String::from).to_vec(),
                rows,
                numeric_columns: vec![0, 2],
            }),
        },
        Section {
            heading: "II. Kết quả đạt được".into(),
            paragraphs: or_none(lines(&report.narrative.results)),
            table: None,
        },
        Section {
            heading: "III. Ưu điểm".into(),
            paragraphs: or_none(lines(&report.narrative.strengths)),
            table: None,
        },
        Section {
            heading: "IV. Hạn chế".into(),
            paragraphs: or_none(lines(&report.narrative.limitations)),
            table: None,
        },
        Section {
            heading: "V. Đề xuất, kiến nghị".into(),
            paragraphs: or_none(proposals),
            table: None,
        },
    ];
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: authority,
            issuing_unit: unit.name.clone(),
            number: report_number(q.so.as_deref(), None)?,
            place: place(q.noi.as_deref(), &unit.address)?,
            date: lanhmang_app::plans::today(),
        },
        kind_title: "Báo cáo".into(),
        subtitle: with_year("Đánh giá việc thực hiện kế hoạch", plan),
        intro,
        sections,
        recipients: vec!["Như trên".into(), "Lưu: VT".into()],
        signature: Signature {
            on_behalf: None,
            title: "Hiệu trưởng".into(),
            signer: holder(state, unit.id, Role::Principal).await?,
        },
    })
}

async fn school_file(
    state: AppState,
    identity: Identity,
    (id, unit_id): (String, String),
    q: DocumentQuery,
    format: Format,
) -> Result<Response, AppError> {
    let (plan, _) = lanhmang_app::plans::visible_plan(&state.app, &identity, parse_id(&id)?).await?;
    let unit = lanhmang_app::plans::school_of_plan(&state.app, &identity, &plan, parse_id(&unit_id)?, Action::ViewReports).await?;
    let report = state.store.report(plan.id, unit.id).await?.ok_or_else(|| {
        AppError::Conflict("Trường chưa lập báo cáo cho kế hoạch này nên chưa có gì để tải về.".into())
    })?;
    let doc = school_document(&state, &plan, &unit, &report, &q).await?;
    let bytes = render_document(doc, format).await?;
    let name = format!(
        "Báo cáo {} {}.{}",
        plan.school_year.code(),
        unit.code,
        format.extension()
    );
    attachment(bytes, format.content_type(), &name)
}

pub async fn school_docx(
    State(state): State<AppState>,
    identity: Identity,
    Path(ids): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    school_file(state, identity, ids, q, Format::Docx).await
}

pub async fn school_pdf(
    State(state): State<AppState>,
    identity: Identity,
    Path(ids): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response, AppError> {
    school_file(state, identity, ids, q, Format::Pdf).await
}

/// Every indicator per school, with a totals row that adds up as the plan says.
pub async fn indicators_xlsx(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (plan, _) = dashboard_plan(&state, &identity, &id).await?;
    let roots = vec![plan.issuing_unit_id];
    let entries = all_entries(&state, &plan, &roots, &ReportFilter::default()).await?;
    let received: BTreeMap<i64, Report> = state
        .store
        .received_reports(&plan, &roots)
        .await?
        .into_iter()
        .map(|r| (r.unit_id, r))
        .collect();
    let data = state.store.plan_dashboard(&plan, &roots).await?;
    let defs: Vec<&IndicatorDef> = plan.content.indicators().collect();
    let d = lanhmang_app::dashboard::dashboard(&defs, &data);

    let text = |header: &str, width: f64| Column {
        header: header.into(),
        width,
        kind: ColumnKind::Text,
    };
    let mut columns = vec![
        text("Mã trường", 14.0),
        text("Tên trường", 34.0),
        text("Cấp học", 12.0),
        text("Tình trạng báo cáo", 14.0),
        Column {
            header: "Ngày nộp".into(),
            width: 12.0,
            kind: ColumnKind::Date,
        },
        text("Đúng hạn", 11.0),
    ];
    for def in &defs {
        columns.push(Column {
            header: def.name.clone(),
            width: if def.kind == IndicatorKind::Text { 36.0 } else { 16.0 },
            kind: match (def.kind, def.aggregation) {
                (IndicatorKind::Number, Aggregation::Average) => ColumnKind::Number,
                (IndicatorKind::Number, _) => ColumnKind::Integer,
                _ => ColumnKind::Text,
            },
        });
    }
    let rows: Vec<Vec<Cell>> = entries
        .iter()
        .map(|e| {
            let report = received.get(&e.unit_id);
            let mut row = vec![
                Cell::Text(e.unit_code.clone()),
                Cell::Text(e.unit_name.clone()),
                Cell::Text(e.school_level.map(|l| l.label()).unwrap_or("").into()),
                Cell::Text(lanhmang_app::reports::status_label(e.status).into()),
                report
                    .and_then(|r| r.first_submitted_at)
                    .map_or(Cell::Empty, |t| Cell::Date(vietnam_date(t))),
                match report.and_then(|r| r.late) {
                    Some(false) => Cell::Text("Đúng hạn".into()),
                    Some(true) => Cell::Text("Nộp muộn".into()),
                    None => Cell::Empty,
                },
            ];
            for def in &defs {
                // Only received reports count: a draft's figures may still change.
                let value = report
                    .and_then(|r| r.values.get(&def.code))
                    .and_then(|v| v.value.as_ref());
                row.push(match (def.kind, value) {
                    (_, None) => Cell::Empty,
                    (IndicatorKind::YesNo, Some(Value::Number(n))) => Cell::Bool(*n > 0.0),
                    (_, Some(Value::Number(n))) => Cell::Number(*n),
                    (_, Some(Value::Text(t))) => Cell::Text(t.clone()),
                });
            }
            row
        })
        .collect();
    let mut totals = vec![
        Cell::Text("Tổng hợp".into()),
        Cell::Text(format!(
            "{}/{} trường đã nộp ({})",
            d.total.submitted,
            d.total.expected,
            percent(d.total.completeness)
        )),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Text(format!("{} đúng hạn", d.total.on_time)),
    ];
    for f in &d.indicators {
        totals.push(match (f.aggregation, f.value) {
            (_, None) | (Aggregation::List, _) => Cell::Empty,
            (Aggregation::ShareOfSchools, Some(v)) => Cell::Percent(v),
            (Aggregation::CountOfSchools, Some(v)) => Cell::Integer(v.round() as i64),
            (_, Some(v)) => Cell::Number(v),
        });
    }
    let schools = Sheet {
        name: "Theo trường".into(),
        title: Some(format!(
            "{} – {} (số liệu đến {})",
            with_year("Kết quả thực hiện kế hoạch", &plan),
            plan.issuing_unit_name,
            crate::format::date_time(time::OffsetDateTime::now_utc())
        )),
        columns,
        rows,
        totals: Some(totals),
    };
    let summary = Sheet {
        name: "Chỉ tiêu".into(),
        title: None,
        columns: vec![
            text("Mã chỉ tiêu", 22.0),
            text("Chỉ tiêu", 60.0),
            text("Cách tổng hợp", 20.0),
            text("Giá trị tổng hợp", 18.0),
            Column {
                header: "Số trường báo cáo".into(),
                width: 12.0,
                kind: ColumnKind::Integer,
            },
        ],
        rows: d
            .indicators
            .iter()
            .map(|f| {
                vec![
                    Cell::Text(f.code.clone()),
                    Cell::Text(f.name.clone()),
                    Cell::Text(how(f.aggregation).into()),
                    Cell::Text(if f.aggregation == Aggregation::List {
                        String::new()
                    } else {
                        f.shown.clone()
                    }),
                    Cell::Integer(f.reporting),
                ]
            })
            .collect(),
        totals: None,
    };
    let bytes = tokio::task::spawn_blocking(move || lanhmang_export::xlsx(&[schools, summary]))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let issuer_code = state
        .store
        .unit(plan.issuing_unit_id)
        .await?
        .map(|u| u.code)
        .unwrap_or_default();
    attachment(
        bytes,
        XLSX_TYPE,
        &format!("Chỉ tiêu theo trường {} {issuer_code}.xlsx", plan.school_year.code()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_from_addresses() {
        assert_eq!(
            place_from_address("Trụ sở UBND phường An Bình").as_deref(),
            Some("An Bình")
        );
        assert_eq!(
            place_from_address("Số 1 đường Lê Lợi, thành phố Sông Hồng").as_deref(),
            Some("Sông Hồng")
        );
        assert_eq!(
            place_from_address("Phường An Bình, khu Hoa Sen").as_deref(),
            Some("An Bình")
        );
        assert_eq!(
            place_from_address("Thôn 3, xã Tân Phú, huyện Đồng Xuân").as_deref(),
            Some("Tân Phú")
        );
        assert_eq!(
            place_from_address("12 Trần Phú, thị xã Sơn Tây").as_deref(),
            Some("Sơn Tây")
        );
        assert_eq!(place_from_address("không rõ"), None);
    }

    #[test]
    fn report_numbers() {
        assert_eq!(report_number(Some(" 15/BC-VHXH "), None).unwrap(), "15/BC-VHXH");
        assert_eq!(report_number(Some("5/BC-VHXH"), None).unwrap(), "05/BC-VHXH");
        assert_eq!(report_number(None, Some("VHXH")).unwrap(), "……/BC-VHXH");
        assert_eq!(report_number(Some(""), None).unwrap(), "……/BC-……");
        assert!(matches!(report_number(Some("05/KH-VHXH"), None), Err(AppError::BadRequest(m)) if m.contains("BC")));
        assert!(matches!(report_number(Some("abc"), None), Err(AppError::BadRequest(m)) if m.contains("15/BC-VHXH")));
    }

    #[test]
    fn subtitles_do_not_repeat_the_year() {
        assert_eq!(plan_subject("Kế hoạch tổ chức các hoạt động"), "tổ chức các hoạt động");
        assert_eq!(plan_subject("Chương trình hành động"), "Chương trình hành động");
        assert_eq!(
            days_left(time::macros::date!(2027 - 06 - 01), time::macros::date!(2027 - 05 - 30)).0,
            "còn 2 ngày"
        );
        assert_eq!(
            days_left(time::macros::date!(2027 - 06 - 01), time::macros::date!(2027 - 06 - 04)),
            ("đã quá hạn 3 ngày".to_string(), true)
        );
        assert_eq!(percent(5.0 / 23.0), "21,7%");
        assert_eq!(percent(1.0), "100%");
    }

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

    #[test]
    fn quotes_group_identical_words() {
        let q = quotes(&[
            ("Trường A".into(), "Cần thêm tài liệu.".into()),
            ("Trường B".into(), "Cần  thêm tài liệu.".into()),
            ("Trường C".into(), String::new()),
        ]);
        assert_eq!(q, vec!["- «Cần thêm tài liệu.» (Trường A, Trường B)".to_string()]);
        assert_eq!(quotes(&[]), vec!["Không có trường nào nêu.".to_string()]);
        assert!(excerpt(&"chữ ".repeat(200), 50).ends_with('…'));
    }
}
