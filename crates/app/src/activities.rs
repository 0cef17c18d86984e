//! The activity log: who may log for which school, and what a logged activity must satisfy —
//! the same for the form and the API.

use lanhmang_domain::activity::{
    ActivityFields, ActivityInput, EvidenceError, PupilBand, bands_for, clean_file_name, parse_evidence_link,
    sniff_evidence,
};
use lanhmang_domain::plan::PlanStatus;
use lanhmang_domain::{Action, Target, UnitKind, UnitStatus};
use lanhmang_store::Unit;
use lanhmang_store::activities::{Activity, NewEvidence};
use lanhmang_store::plans::Plan;

use crate::{Actor, App, AppError, Problem, Result};

/// Files one submission may carry.
pub const MAX_FILES: usize = 4;
/// Links one submission may carry (the form has this many boxes).
pub const MAX_LINKS: usize = 3;
/// Evidence items one activity may hold in all: enough for any real activity, and a bound on
/// what one row can make the database keep.
pub const MAX_EVIDENCE_ITEMS: usize = 20;

/// A file sent as evidence, as received.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Larger than the cap: refused with its own message, never read whole.
    pub too_large: bool,
}

/// An activity as typed: the school and plan by id, the fields, and the evidence sent with it.
pub struct ActivityDraft {
    pub unit_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub input: ActivityInput,
    pub links: Vec<String>,
    pub uploads: Vec<Upload>,
}

/// The plan is published and reaches the school (issued by a unit above it).
pub fn reaches(plan: &Plan, unit: &Unit) -> bool {
    plan.status == PlanStatus::Published
        && plan.issuing_unit_id != unit.id
        && unit.ancestry.contains(&plan.issuing_unit_id)
}

/// A school someone may log activities for: 403 when they can see it, 404 when they cannot.
pub async fn school_for_logging(app: &App, actor: &Actor, unit_id: i64) -> Result<Unit> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    if !actor.may(Action::LogActivities, target) {
        return Err(if actor.may(Action::ViewUnit, target) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    Ok(unit)
}

/// The pupil bands a school counts in (a primary school has no grade 6–9): what the form
/// offers, and what `check` accepts.
pub fn pupil_bands(unit: &Unit) -> Vec<PupilBand> {
    bands_for(unit.school_level)
}

/// What a checked submission stores.
pub struct Checked {
    pub fields: ActivityFields,
    pub evidence: Vec<NewEvidence>,
}

/// Checks the typed fields and the evidence against the plan and the school; `kept_evidence`
/// is what the activity already holds and keeps. Every problem is listed with its field.
pub async fn check(
    app: &App,
    unit: &Unit,
    plan: &Plan,
    input: &ActivityInput,
    links: &[String],
    uploads: Vec<Upload>,
    kept_evidence: usize,
) -> Result<Checked> {
    let mut problems = Vec::new();
    let fields = match input.parse(&plan.content, plan.school_year) {
        Ok(f) => {
            for (field, e) in f.audience.check_bands(unit.school_level) {
                problems.push(Problem::at(field, e.to_string()));
            }
            if let Err(e) = f.audience.check_school_size(app.store.school_size(unit.id).await?) {
                problems.push(Problem::at("audience", e.to_string()));
            }
            Some(f)
        }
        Err(list) => {
            for (field, e) in list {
                if !problems.iter().any(|p: &Problem| p.field.as_deref() == Some(field)) {
                    problems.push(Problem::at(field, e.to_string()));
                }
            }
            None
        }
    };
    let mut evidence = Vec::new();
    if uploads.len() > MAX_FILES {
        problems.push(Problem::at(
            "files",
            format!("Mỗi lần gửi tối đa {MAX_FILES} tệp; bạn đã chọn {} tệp.", uploads.len()),
        ));
    }
    for u in uploads {
        if u.too_large {
            problems.push(Problem::at(
                "files",
                EvidenceError::TooLarge(clean_file_name(&u.name)).to_string(),
            ));
            continue;
        }
        match sniff_evidence(&u.name, &u.bytes) {
            Ok(kind) => evidence.push(NewEvidence::File {
                name: clean_file_name(&u.name),
                kind,
                bytes: u.bytes,
            }),
            Err(e) => problems.push(Problem::at("files", e.to_string())),
        }
    }
    let links: Vec<&str> = links.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
    if links.len() > MAX_LINKS {
        problems.push(Problem::at(
            "links",
            format!("Mỗi lần gửi tối đa {MAX_LINKS} liên kết."),
        ));
    }
    for l in links {
        match parse_evidence_link(l) {
            Ok(url) => evidence.push(NewEvidence::Link(url)),
            Err(e) => problems.push(Problem::at("links", e.to_string())),
        }
    }
    if kept_evidence + evidence.len() > MAX_EVIDENCE_ITEMS {
        problems.push(Problem::at(
            "files",
            format!(
                "Mỗi hoạt động có tối đa {MAX_EVIDENCE_ITEMS} minh chứng; hãy bỏ bớt minh chứng cũ hoặc gửi ít tệp hơn."
            ),
        ));
    }
    match fields {
        Some(fields) if problems.is_empty() => Ok(Checked { fields, evidence }),
        _ => Err(AppError::Invalid(problems)),
    }
}

/// Logs an activity for a school: an active school the person logs for, a published plan that
/// reaches it, fields and evidence that pass `check`.
pub async fn log_activity(app: &App, actor: &Actor, draft: ActivityDraft) -> Result<Activity> {
    let mut problems = Vec::new();
    let unit = match draft.unit_id.filter(|id| *id > 0) {
        Some(id) => {
            let unit = school_for_logging(app, actor, id).await?;
            if unit.kind != UnitKind::School {
                problems.push(Problem::at("unit_id", "Hãy chọn một trường học."));
                None
            } else if unit.status == UnitStatus::Closed {
                problems.push(Problem::at(
                    "unit_id",
                    "Trường này đã đóng nên không ghi thêm hoạt động.",
                ));
                None
            } else {
                Some(unit)
            }
        }
        None => {
            problems.push(Problem::at("unit_id", "Hãy chọn trường."));
            None
        }
    };
    let plan = match draft.plan_id.filter(|id| *id > 0) {
        Some(id) => match (app.store.plan(id).await?, &unit) {
            (Some(p), Some(u)) if reaches(&p, u) => Some(p),
            (_, Some(_)) => {
                problems.push(Problem::at(
                    "plan_id",
                    "Kế hoạch này không được ban hành cho trường đã chọn.",
                ));
                None
            }
            (_, None) => None,
        },
        None => {
            problems.push(Problem::at("plan_id", "Hãy chọn kế hoạch."));
            None
        }
    };
    let (Some(unit), Some(plan)) = (unit, plan) else {
        return Err(AppError::Invalid(problems));
    };
    let checked = match check(app, &unit, &plan, &draft.input, &draft.links, draft.uploads, 0).await {
        Ok(c) if problems.is_empty() => c,
        Ok(_) => return Err(AppError::Invalid(problems)),
        Err(AppError::Invalid(more)) => {
            problems.extend(more);
            return Err(AppError::Invalid(problems));
        }
        Err(e) => return Err(e),
    };
    Ok(app
        .store
        .create_activity(&actor.audit(), unit.id, plan.id, &checked.fields, &checked.evidence)
        .await?)
}
