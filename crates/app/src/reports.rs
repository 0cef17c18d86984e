//! Yearly reports: pre-filling from the providers, parsing what the principal typed, the rules
//! that gate submission, and the office's review with what it tells the school.

use std::collections::BTreeMap;

use lanhmang_domain::Role;
use lanhmang_domain::permission::{Action, Target};
use lanhmang_domain::plan::PlanStatus;
use lanhmang_domain::report::{
    ActivityLog, FamilyFacts, IncidentFacts, IndicatorValue, ReportEvent, ReportFacts, ReportStatus, SchoolFacts,
    StoryFacts, TrainingFacts, TransitionError, VALIDATION_RULES, Value, ValueError, ValueInput, WebsiteFacts,
    computed_values, parse_report_value, transition, validate,
};
use lanhmang_store::plans::Plan;
use lanhmang_store::reports::{Narrative, Report};
use lanhmang_store::{AuditContext, Unit};
use time::Date;

use crate::{Actor, App, AppError, Problem, Result};

/// What the providers compute for a school: the activity log and the school's own data.
pub async fn computed(
    store: &lanhmang_store::Store,
    plan: &Plan,
    unit: &Unit,
) -> Result<BTreeMap<String, (f64, &'static str)>> {
    let facts = store.activity_facts(plan.id, unit.id).await?;
    let collaborators = store
        .people_with_roles_in_unit(unit.id)
        .await?
        .iter()
        .filter(|(p, r)| *r == Role::Collaborator && !p.disabled)
        .count();
    let school_plan_submitted = store
        .school_plan(plan.id, unit.id)
        .await?
        .is_some_and(|sp| sp.status.is_in());
    let school = SchoolFacts {
        collaborators: u32::try_from(collaborators).unwrap_or(u32::MAX),
        school_plan_submitted,
    };
    let (inspected, meeting) = store.unit_website_facts(unit.id).await?;
    // The same figure as the news activity page (one definition: `PostsPerMonth`).
    let today = lanhmang_domain::report::vietnam_date(lanhmang_store::now());
    let posts_per_month = crate::news::PostsPerMonth::for_unit(store, unit.id, plan.school_year, today)
        .await?
        .map(crate::news::PostsPerMonth::value);
    let websites = WebsiteFacts {
        inspected_websites: u32::try_from(inspected).unwrap_or(0),
        meeting_standard: u32::try_from(meeting).unwrap_or(0),
        posts_per_month,
    };
    // Cases received from 1 August (the school year's start, as `SchoolYear::containing`
    // counts it) to the next 1 August, Vietnam time.
    let year_start = |y: i32| {
        time::Date::from_calendar_date(y, time::Month::August, 1)
            .map(|d| d.midnight().assume_offset(lanhmang_domain::report::VIETNAM))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    };
    let (feedback, phone, handled, on_time) = store
        .incident_facts(
            unit.id,
            year_start(plan.school_year.start_year),
            year_start(plan.school_year.start_year + 1),
        )
        .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(0);
    let incidents = IncidentFacts {
        feedback_answered: count(feedback),
        phone_cases_handled: count(phone),
        cases_handled: count(handled),
        cases_on_time: count(on_time),
    };
    let (trainings, trained_staff, webadmins_trained) =
        crate::trainings::school_facts(store, unit.id, plan.school_year).await?;
    let trained = TrainingFacts {
        trainings,
        trained_staff,
        webadmins_trained,
        log: &facts,
    };
    let reached = store
        .school_family_reach(
            unit.id,
            year_start(plan.school_year.start_year),
            year_start(plan.school_year.start_year + 1),
        )
        .await?;
    let families = FamilyFacts {
        parents_reached: count(reached),
        log: &facts,
    };
    let published = store
        .published_story_count(
            &unit.ancestry,
            year_start(plan.school_year.start_year),
            year_start(plan.school_year.start_year + 1),
        )
        .await?;
    let stories = StoryFacts {
        stories_published: count(published),
        log: &facts,
    };
    // Trainings, families and stories first: their figures include the activity log's (see each).
    Ok(computed_values(
        &plan.content,
        &[
            &trained,
            &families,
            &stories,
            &ActivityLog(&facts),
            &school,
            &websites,
            &incidents,
        ],
    ))
}

/// The computed figures as the values a new report starts with.
pub fn prefilled(computed: &BTreeMap<String, (f64, &'static str)>) -> BTreeMap<String, IndicatorValue> {
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
    let computed = computed(&app.store, plan, unit).await?;
    Ok(app
        .store
        .ensure_report(ctx, plan.id, unit.id, &prefilled(&computed))
        .await?)
}

/// The school's report to show: the stored one, or, before the first save, the pre-filled
/// draft it would start as. Nothing is written: opening a page never creates a report.
pub async fn report_or_draft(app: &App, plan: &Plan, unit: &Unit) -> Result<Report> {
    if plan.status != PlanStatus::Published {
        return Err(AppError::Conflict(
            "Kế hoạch chưa được ban hành nên chưa thể lập báo cáo.".into(),
        ));
    }
    if let Some(r) = app.store.report(plan.id, unit.id).await? {
        return Ok(r);
    }
    let computed = computed(&app.store, plan, unit).await?;
    let now = lanhmang_store::now();
    Ok(Report {
        id: 0,
        plan_id: plan.id,
        unit_id: unit.id,
        status: ReportStatus::Draft,
        // The version the report gets when first saved, so that the form's save matches it.
        version: lanhmang_domain::report::FIRST_REPORT_VERSION,
        narrative: Default::default(),
        review_comment: String::new(),
        first_submitted_at: None,
        submitted_at: None,
        late: None,
        accepted_at: None,
        updated_at: now,
        values: prefilled(&computed),
    })
}

/// The values typed in a report form, parsed against the plan; every bad field is reported.
/// Each figure is checked against what the report holds (`stored`), never silently replaced by
/// today's recomputation (`computed`), which applies only where the principal takes it.
pub fn parse_values(
    plan: &Plan,
    inputs: &BTreeMap<String, ValueInput>,
    stored: &BTreeMap<String, IndicatorValue>,
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
        let fresh = computed.get(&def.code).map(|(v, _)| *v);
        match parse_report_value(def, &input, stored.get(&def.code), fresh) {
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

/// Saves what the principal typed: every figure parsed against the plan (a figure that differs
/// from the computed one needs a reason), the narrative bounded. Nothing is written unless all
/// of it is right; the report itself is created, pre-filled, by its first good save.
#[allow(clippy::too_many_arguments)]
pub async fn save_report(
    app: &App,
    actor: &Actor,
    plan: &Plan,
    unit: &Unit,
    expected_version: i64,
    inputs: &BTreeMap<String, ValueInput>,
    narrative: &Narrative,
) -> Result<Report> {
    if !actor.may(Action::WriteSchoolReport, Target::Unit(&unit.ancestry)) {
        return Err(AppError::Forbidden);
    }
    let report = report_or_draft(app, plan, unit).await?;
    if let Err(e) = transition(report.status, ReportEvent::Save, "") {
        return Err(AppError::Conflict(e.to_string()));
    }
    let computed = computed(&app.store, plan, unit).await?;
    let mut problems = Vec::new();
    let values = parse_values(plan, inputs, &report.values, &computed)
        .map_err(|list| {
            for (code, e) in list {
                problems.push(Problem::at(code, e.to_string()));
            }
        })
        .ok();
    let narrative = match parse_narrative(narrative) {
        Ok(n) => Some(n),
        Err(AppError::Invalid(list)) => {
            problems.extend(list.into_iter().map(|p| Problem::at("narrative", p.message)));
            None
        }
        Err(e) => return Err(e),
    };
    let (Some(values), Some(narrative), true) = (values, narrative, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let ctx = actor.audit();
    let stored = if report.id == 0 {
        app.store
            .ensure_report(&ctx, plan.id, unit.id, &prefilled(&computed))
            .await?
    } else {
        report
    };
    Ok(app
        .store
        .save_report(&ctx, &stored, expected_version, &narrative, &values)
        .await?)
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
            &Default::default(),
            "",
        )
        .await?)
}

/// Whether this person may change the report now: the principal of the school, while the state
/// machine allows a save (a draft, a returned or a reopened report; never an accepted one).
pub fn may_edit(actor: &Actor, unit: &Unit, status: ReportStatus) -> bool {
    actor.may(Action::WriteSchoolReport, Target::Unit(&unit.ancestry)) && status.editable()
}

/// Whether this person may ask the office to reopen the report: its school's principal, once
/// the report is accepted.
pub fn may_request_reopen(actor: &Actor, unit: &Unit, status: ReportStatus) -> bool {
    actor.may(Action::WriteSchoolReport, Target::Unit(&unit.ancestry)) && status.may_request_reopen()
}

/// When the report was accepted and by whom, for the banner of an accepted report.
pub async fn acceptance(app: &App, report: &Report) -> Result<Option<(time::OffsetDateTime, String)>> {
    if report.status != ReportStatus::Accepted || report.id == 0 {
        return Ok(None);
    }
    Ok(app.store.report_acceptance(report.id).await?)
}

/// The principal asks the office to reopen the school's accepted report, with a reason
/// (required, at most `REOPEN_REQUEST_MAX_CHARS` characters). The office's reviewers are told in
/// the app and by e-mail in the same transaction as the step, which keeps who was told; the
/// report itself does not change until the office reopens it.
pub async fn request_reopen(
    app: &App,
    actor: &Actor,
    plan: &Plan,
    unit: &Unit,
    reason: &str,
) -> Result<crate::notifications::Told> {
    if !actor.may(Action::WriteSchoolReport, Target::Unit(&unit.ancestry)) {
        return Err(AppError::Forbidden);
    }
    let Some(report) = app.store.report(plan.id, unit.id).await? else {
        return Err(AppError::Conflict(
            "Báo cáo chưa được lập nên chưa có gì để đề nghị mở lại.".into(),
        ));
    };
    match transition(report.status, ReportEvent::RequestReopen, reason) {
        Ok(_) => {}
        Err(e @ (TransitionError::ReasonRequired(_) | TransitionError::ReasonTooLong { .. })) => {
            return Err(AppError::Invalid(vec![Problem::at("reason", e.to_string())]));
        }
        Err(_) => {
            return Err(AppError::Conflict(format!(
                "Chỉ đề nghị mở lại được báo cáo đã được duyệt; báo cáo đang ở trạng thái «{}».",
                report.status.label()
            )));
        }
    }
    let message = crate::notifications::report_reopen_requested(plan, unit, &actor.person.display_name, reason);
    let (outgoing, told) = crate::notifications::to_reviewers_told(app, plan, unit, &message).await?;
    app.store
        .record_report_step(
            &actor.audit(),
            &report,
            ReportEvent::RequestReopen,
            reason,
            &outgoing,
            &told.sentence(),
        )
        .await?;
    Ok(told)
}

/// The report's status for people.
pub fn status_label(status: Option<ReportStatus>) -> &'static str {
    status.map(ReportStatus::label).unwrap_or("Chưa bắt đầu")
}

/// A review done, with who it told.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub report: Report,
    pub told: crate::notifications::Told,
}

/// Returns, accepts or reopens a school's report; the school's principals are told (mail and
/// in-app notice) in the same transaction, and who was told is kept with the step.
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
) -> Result<Reviewed> {
    let (outgoing, told) = match crate::notifications::report_reviewed(plan, unit, event, comment) {
        Some(message) => {
            let (mut outgoing, told) = crate::notifications::to_principals_told(app, plan, unit, &message).await?;
            if event == lanhmang_domain::report::ReportEvent::Return {
                outgoing.record = Some(crate::notifications::recorded(plan, "report_returned", &message));
            }
            (outgoing, told)
        }
        None => Default::default(),
    };
    let report = app
        .store
        .transition_report(
            ctx,
            plan,
            report,
            expected_version,
            event,
            comment,
            &outgoing,
            &told.sentence(),
        )
        .await?;
    Ok(Reviewed { report, told })
}

/// What one reminder run did.
#[derive(Debug, Default)]
pub struct Reminded {
    pub queued: u32,
    pub already: u32,
    pub unreachable: u32,
}

/// The office reminds one school to send its report: one mail per principal and day, however
/// often the button is pressed. A school without a reachable principal counts as unreachable.
pub async fn remind_school(app: &App, plan: &Plan, unit: &Unit, today: Date, out: &mut Reminded) -> Result<()> {
    let report = app.store.report(plan.id, unit.id).await?;
    let message = crate::notifications::manual_reminder(plan, unit, report.as_ref(), today);
    let outgoing = crate::notifications::to_principals(app, plan, unit, &message).await?;
    let (mut queued, mut already) = (0, 0);
    for mail in &outgoing.mails {
        match app.store.queue_mail(mail).await {
            Ok(true) => queued += 1,
            Ok(false) => already += 1,
            // An address the mail server would refuse: the school counts as unreachable.
            Err(lanhmang_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    out.queued += queued;
    out.already += already;
    if queued + already == 0 {
        out.unreachable += 1;
    }
    Ok(())
}

/// The schools of a plan whose reports someone may follow, with each report's state: every school
/// the plan reaches for the office that reviews it or reads its dashboard, a principal's own
/// schools otherwise. The web list and the API both ask here.
pub async fn reports_of_plan(
    app: &App,
    actor: &Actor,
    plan_id: i64,
    filter: &lanhmang_store::reports::ReportFilter,
    paging: lanhmang_domain::Paging,
) -> Result<(Plan, Vec<lanhmang_store::reports::ReportListEntry>, i64)> {
    let (plan, rights) = crate::plans::visible_plan(app, actor, plan_id).await?;
    let roots: Vec<i64> = if rights.review || rights.dashboard {
        vec![plan.issuing_unit_id]
    } else {
        crate::plans::own_schools(app, actor, &plan, Action::ViewReports)
            .await?
            .iter()
            .map(|u| u.id)
            .collect()
    };
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let (rows, total) = app.store.plan_reports(&plan, &roots, filter, paging).await?;
    Ok((plan, rows, total))
}
