//! The yearly loop's rules as both the pages and the API apply them: who may see a plan, which
//! school a report belongs to, how a report is pre-filled, checked, submitted and reviewed, and
//! the dashboard's figures. Pages and API handlers stay thin: they parse, call here, and render.

use std::collections::BTreeMap;

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::plan::{IndicatorDef, PlanStatus};
use lanhmang_domain::plan_template::{Aggregation, IndicatorKind};
use lanhmang_domain::report::{
    ActivityLog, IndicatorSums, IndicatorValue, ReportFacts, ReportStatus, SchoolFacts, VALIDATION_RULES, Value,
    ValueError, ValueInput, WebsiteFacts, aggregate, computed_values, format_aggregate, parse_value, ratio, validate,
};
use lanhmang_domain::{Action, Role, SchoolLevel, Target, UnitKind, authorize};
use lanhmang_store::plans::Plan;
use lanhmang_store::reports::{DashboardData, Narrative, Report};
use lanhmang_store::{AuditContext, Unit};
use time::{Date, OffsetDateTime};

use crate::{Actor, App, AppError, Result};

/// The units where someone holds a role, with their ancestries.
pub async fn grant_units(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let ids: Vec<i64> = actor.grants.iter().map(|g| g.unit_id).collect();
    Ok(app.store.units_by_ids(&ids).await?)
}

/// What someone may do with a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRights {
    pub manage: bool,
    pub review: bool,
    pub dashboard: bool,
}

/// A plan someone may see: issued in their scope, or published by a unit above one of theirs.
pub async fn visible_plan(app: &App, actor: &Actor, plan_id: i64) -> Result<(Plan, PlanRights)> {
    let plan = app.store.plan(plan_id).await?.ok_or(AppError::NotFound)?;
    let issuer = Target::Unit(&plan.issuing_ancestry);
    let rights = PlanRights {
        manage: authorize(&actor.permissions, Action::ManagePlans, issuer),
        review: authorize(&actor.permissions, Action::ReviewReports, issuer),
        dashboard: authorize(&actor.permissions, Action::ViewDashboard, issuer),
    };
    if authorize(&actor.permissions, Action::ViewPlans, issuer) {
        return Ok((plan, rights));
    }
    if plan.status == PlanStatus::Published {
        let units = grant_units(app, actor).await?;
        let reached = units.iter().any(|u| {
            u.ancestry.contains(&plan.issuing_unit_id)
                && authorize(&actor.permissions, Action::ViewPlans, Target::Unit(&u.ancestry))
        });
        if reached {
            return Ok((plan, rights));
        }
    }
    // Not revealing whether a plan exists outside one's scope.
    Err(AppError::NotFound)
}

/// A school the plan reaches, on which `action` is allowed.
pub async fn school_of_plan(app: &App, actor: &Actor, plan: &Plan, unit_id: i64, action: Action) -> Result<Unit> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    if unit.kind != UnitKind::School
        || !unit.ancestry.contains(&plan.issuing_unit_id)
        || unit.id == plan.issuing_unit_id
    {
        return Err(AppError::NotFound);
    }
    if !authorize(&actor.permissions, action, Target::Unit(&unit.ancestry)) {
        // A principal asking about another school learns nothing about it.
        return Err(
            if authorize(&actor.permissions, Action::ViewUnit, Target::Unit(&unit.ancestry)) {
                AppError::Forbidden
            } else {
                AppError::NotFound
            },
        );
    }
    Ok(unit)
}

/// The schools where someone writes reports (principal) for a plan.
pub async fn own_schools(app: &App, actor: &Actor, plan: &Plan, action: Action) -> Result<Vec<Unit>> {
    Ok(grant_units(app, actor)
        .await?
        .into_iter()
        .filter(|u| {
            u.kind == UnitKind::School
                && u.ancestry.contains(&plan.issuing_unit_id)
                && authorize(&actor.permissions, action, Target::Unit(&u.ancestry))
        })
        .collect())
}

/// What the providers compute for a school: the activity log and the school's own data.
pub async fn computed(app: &App, plan: &Plan, unit: &Unit) -> Result<BTreeMap<String, (f64, &'static str)>> {
    let facts = app.store.activity_facts(plan.id, unit.id).await?;
    let collaborators = app
        .store
        .people_with_roles_in_unit(unit.id)
        .await?
        .iter()
        .filter(|(p, r)| *r == Role::Collaborator && !p.disabled)
        .count();
    let school_plan_submitted = app
        .store
        .school_plan(plan.id, unit.id)
        .await?
        .is_some_and(|sp| sp.status.is_in());
    let school = SchoolFacts {
        collaborators: u32::try_from(collaborators).unwrap_or(u32::MAX),
        school_plan_submitted,
    };
    let (inspected, meeting) = app.store.unit_website_facts(unit.id).await?;
    // Posts per month over the school year so far (September to today, or to the deadline).
    let from = time::Date::from_calendar_date(plan.school_year.start_year, time::Month::September, 1)
        .unwrap_or(time::Date::MIN);
    let today = lanhmang_domain::report::vietnam_date(lanhmang_store::now());
    let to = today.min(plan.deadline);
    let posts_per_month = if to > from {
        app.store.unit_posts_per_month(unit.id, from, to).await?
    } else {
        None
    };
    let websites = WebsiteFacts {
        inspected_websites: u32::try_from(inspected).unwrap_or(0),
        meeting_standard: u32::try_from(meeting).unwrap_or(0),
        posts_per_month,
    };
    Ok(computed_values(
        &plan.content,
        &[&ActivityLog(&facts), &school, &websites],
    ))
}

fn prefilled(computed: &BTreeMap<String, (f64, &'static str)>) -> BTreeMap<String, IndicatorValue> {
    computed
        .iter()
        .map(|(code, (v, _))| {
            (
                code.clone(),
                IndicatorValue {
                    value: Some(Value::Number(*v)),
                    computed: Some(*v),
                    override_reason: String::new(),
                },
            )
        })
        .collect()
}

/// The school's report, created pre-filled on first use.
pub async fn report_for(app: &App, ctx: &AuditContext, plan: &Plan, unit: &Unit) -> Result<Report> {
    if plan.status != PlanStatus::Published {
        return Err(AppError::Conflict(
            "Kế hoạch chưa được ban hành nên chưa thể lập báo cáo.".into(),
        ));
    }
    if let Some(r) = app.store.report(plan.id, unit.id).await? {
        return Ok(r);
    }
    let computed = computed(app, plan, unit).await?;
    Ok(app
        .store
        .ensure_report(ctx, plan.id, unit.id, &prefilled(&computed))
        .await?)
}

/// The values typed in a report form, parsed against the plan; every bad field is reported.
pub fn parse_values(
    plan: &Plan,
    inputs: &BTreeMap<String, ValueInput>,
    computed: &BTreeMap<String, (f64, &'static str)>,
) -> Result<BTreeMap<String, IndicatorValue>, Vec<(String, ValueError)>> {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for code in inputs.keys() {
        if plan.content.indicator(code).is_none() {
            errors.push((code.clone(), ValueError::Unknown(code.clone())));
        }
    }
    for def in plan.content.indicators() {
        let input = inputs.get(&def.code).cloned().unwrap_or_default();
        match parse_value(def, &input, computed.get(&def.code).map(|(v, _)| *v)) {
            Ok(v) => {
                values.insert(def.code.clone(), v);
            }
            Err(e) => errors.push((def.code.clone(), e)),
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

/// The narrative, trimmed and bounded.
pub fn parse_narrative(n: &Narrative) -> Result<Narrative> {
    for (label, text) in [
        ("Kết quả đạt được", &n.results),
        ("Ưu điểm", &n.strengths),
        ("Hạn chế", &n.limitations),
        ("Đề xuất, kiến nghị", &n.proposals),
    ] {
        if text.chars().count() > 20_000 {
            return Err(AppError::invalid(format!(
                "Phần «{label}» quá dài (tối đa 20.000 ký tự)."
            )));
        }
    }
    Ok(Narrative {
        results: n.results.trim().to_string(),
        strengths: n.strengths.trim().to_string(),
        limitations: n.limitations.trim().to_string(),
        proposals: n.proposals.trim().to_string(),
    })
}

/// The problems that stop a report from being submitted.
pub async fn submission_problems(app: &App, plan: &Plan, unit: &Unit, report: &Report) -> Result<Vec<String>> {
    let narrative = report.narrative.as_map();
    let facts = ReportFacts {
        plan: &plan.content,
        values: &report.values,
        narrative: &narrative,
        school_size: app.store.school_size(unit.id).await?,
    };
    Ok(validate(&facts, VALIDATION_RULES))
}

/// Submits the report as it stands, if the rules allow it.
pub async fn submit(
    app: &App,
    ctx: &AuditContext,
    plan: &Plan,
    unit: &Unit,
    report: &Report,
    expected_version: i64,
) -> Result<Report> {
    if !report.status.editable() {
        lanhmang_domain::report::transition(report.status, lanhmang_domain::report::ReportEvent::Submit, "")
            .map_err(|e| AppError::Conflict(e.to_string()))?;
    }
    let problems = submission_problems(app, plan, unit, report).await?;
    if !problems.is_empty() {
        return Err(AppError::invalid_all(problems));
    }
    Ok(app
        .store
        .transition_report(
            ctx,
            plan,
            report,
            expected_version,
            lanhmang_domain::report::ReportEvent::Submit,
            "",
            &[],
        )
        .await?)
}

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
        .map(|l| {
            level_figure(
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
    let total = level_figure(
        "Tất cả".into(),
        sum(|l| l.expected),
        sum(|l| l.submitted),
        sum(|l| l.on_time),
        sum(|l| l.late),
        sum(|l| l.accepted),
        sum(|l| l.returned),
    );
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

/// Today in Vietnam.
pub fn today() -> Date {
    lanhmang_domain::report::vietnam_date(OffsetDateTime::now_utc())
}

/// The report's status for people.
pub fn status_label(status: Option<ReportStatus>) -> &'static str {
    status.map(ReportStatus::label).unwrap_or("Chưa bắt đầu")
}

/// The e-mails that tell a school's principals about a step in its report.
pub async fn principal_mails(
    app: &App,
    plan: &Plan,
    unit: &Unit,
    reason: &'static str,
    subject: String,
    body: String,
    dedup: Option<String>,
) -> Result<Vec<lanhmang_store::outbox::NewMail>> {
    let people = app.store.people_with_roles_in_unit(unit.id).await?;
    Ok(people
        .into_iter()
        .filter(|(p, r)| *r == Role::Principal && !p.disabled)
        .filter_map(|(p, _)| {
            let to = p.email.clone()?;
            Some(lanhmang_store::outbox::NewMail {
                to_address: to,
                to_name: p.display_name.clone(),
                subject: subject.clone(),
                body: format!("Kính gửi {},\n\n{body}\n\nTrân trọng,\nLành Mạng", p.display_name),
                reason,
                plan_id: Some(plan.id),
                unit_id: Some(unit.id),
                dedup_key: dedup.as_ref().map(|d| format!("{d}:{}", p.id)),
            })
        })
        // An address the mail server could not take must not block the office's decision.
        .filter(|m| m.check().is_ok())
        .collect())
}

/// Returns, accepts or reopens a school's report; a return tells the principal by e-mail.
#[allow(clippy::too_many_arguments)]
pub async fn review(
    app: &App,
    ctx: &AuditContext,
    plan: &Plan,
    unit: &Unit,
    report: &Report,
    expected_version: i64,
    event: lanhmang_domain::report::ReportEvent,
    comment: &str,
) -> Result<Report> {
    use lanhmang_domain::report::ReportEvent;
    let mails =
        match event {
            ReportEvent::Return | ReportEvent::Reopen => principal_mails(
                app,
                plan,
                unit,
                "report_returned",
                format!(
                    "Báo cáo năm học {} của {} cần bổ sung",
                    plan.school_year.label(),
                    unit.name
                ),
                format!(
                    "{} đã trả lại báo cáo đánh giá việc thực hiện kế hoạch năm học {} của {} với ý kiến:\n\n«{}»\n\n\
                     Xin thầy/cô đăng nhập Lành Mạng, mở mục Kế hoạch → Báo cáo của trường (/ke-hoach/{}/bao-cao/{}), \
                     sửa theo ý kiến trên rồi gửi lại. Hạn nộp: {}.",
                    plan.issuing_unit_name,
                    plan.school_year.label(),
                    unit.name,
                    comment.trim(),
                    plan.id,
                    unit.id,
                    date_text(plan.deadline),
                ),
                None,
            )
            .await?,
            _ => Vec::new(),
        };
    Ok(app
        .store
        .transition_report(ctx, plan, report, expected_version, event, comment, &mails)
        .await?)
}

pub use lanhmang_domain::text::date_text;
