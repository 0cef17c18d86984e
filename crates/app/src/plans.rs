//! Plans: who sees a plan and with which rights, the schools a plan reaches, who issues one.

use lanhmang_domain::plan::PlanStatus;
use lanhmang_domain::{Action, Target, UnitKind, authorize};
use lanhmang_store::Unit;
use lanhmang_store::plans::Plan;
use time::{Date, OffsetDateTime};

use lanhmang_domain::plan::{PlanContent, PlanHeader};
use lanhmang_domain::plan_template::BUILTIN;
use lanhmang_domain::report::ReportEvent;

use crate::{Actor, App, AppError, Problem, Result};

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

/// Today in Vietnam.
pub fn today() -> Date {
    lanhmang_domain::report::vietnam_date(OffsetDateTime::now_utc())
}

pub use lanhmang_domain::text::date_text;

/// The units where someone may issue a plan: offices (never schools) where they manage plans.
pub async fn issuers(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    Ok(grant_units(app, actor)
        .await?
        .into_iter()
        .filter(|u| u.kind != UnitKind::School && actor.may(Action::ManagePlans, Target::Unit(&u.ancestry)))
        .collect())
}

/// The next free Decree 30 number of an issuing unit (`05/KH-PGDĐT`).
pub async fn suggested_number(app: &App, unit: &Unit) -> Result<String> {
    let next = app.store.next_plan_number(unit.id).await?;
    let abbreviation: String = unit
        .code
        .split('-')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    Ok(format!(
        "{next:02}/KH-{}",
        if abbreviation.is_empty() {
            "PGDĐT".into()
        } else {
            abbreviation
        }
    ))
}

/// A new plan as typed (a form or the API).
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    /// Absent: the one unit where the person may issue plans.
    pub issuing_unit_id: Option<i64>,
    pub title: String,
    pub school_year: String,
    pub deadline: String,
    pub number: String,
    /// Absent: the built-in template.
    pub template: Option<String>,
}

/// The field a plan header error belongs to.
fn header_field(e: &lanhmang_domain::plan::PlanError) -> &'static str {
    use lanhmang_domain::plan::PlanError;
    match e {
        PlanError::Empty(_) | PlanError::TooLong(..) => "title",
        PlanError::SchoolYear(_) => "school_year",
        PlanError::Number(_) | PlanError::NotAPlanNumber => "number",
        _ => "deadline",
    }
}

/// Creates a draft plan from the built-in template. Only an office (never a school) issues a
/// plan, and only where the person manages plans; a number already used that year is refused.
pub async fn create_plan(app: &App, actor: &Actor, input: &NewPlan) -> Result<Plan> {
    let mut problems = Vec::new();
    let candidates = issuers(app, actor).await?;
    let issuer = match input.issuing_unit_id {
        Some(id) => {
            let unit = app.store.unit(id).await?.ok_or(AppError::NotFound)?;
            if !actor.may(Action::ViewUnit, Target::Unit(&unit.ancestry)) {
                return Err(AppError::NotFound);
            }
            if !actor.may(Action::ManagePlans, Target::Unit(&unit.ancestry)) {
                return Err(AppError::Forbidden);
            }
            if unit.kind == UnitKind::School {
                problems.push(Problem::at(
                    "issuing_unit_id",
                    "Kế hoạch của Phòng do cơ quan điều phối ban hành; trường lập kế hoạch riêng từ kế hoạch đó.",
                ));
            }
            Some(unit)
        }
        None => match <[_; 1]>::try_from(candidates) {
            Ok([unit]) => Some(unit),
            Err(c) if c.is_empty() => return Err(AppError::Forbidden),
            Err(_) => {
                problems.push(Problem::at("issuing_unit_id", "Hãy chọn đơn vị ban hành."));
                None
            }
        },
    };
    if let Some(t) = input.template.as_deref().map(str::trim).filter(|t| *t != BUILTIN.code) {
        problems.push(Problem::at("template", format!("Không có mẫu kế hoạch «{t}».")));
    }
    let header = PlanHeader::parse(&input.title, &input.school_year, &input.deadline, &input.number)
        .map_err(|e| problems.push(Problem::at(header_field(&e), e.to_string())))
        .ok();
    let (Some(issuer), Some(header), true) = (issuer, header, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    match app
        .store
        .create_plan(
            &actor.audit(),
            issuer.id,
            &header,
            BUILTIN.code,
            &PlanContent::from_template(&BUILTIN),
        )
        .await
    {
        // The only conflict on creation is a number already used by this unit this year: the
        // person fixes the number field.
        Err(lanhmang_store::StoreError::Conflict(m)) => Err(AppError::Invalid(vec![Problem::at("number", m)])),
        other => Ok(other?),
    }
}

/// A plan the person manages (403 when it is visible but not theirs to manage).
pub async fn managed_plan(app: &App, actor: &Actor, plan_id: i64) -> Result<Plan> {
    let (plan, rights) = visible_plan(app, actor, plan_id).await?;
    if !rights.manage {
        return Err(AppError::Forbidden);
    }
    Ok(plan)
}

/// Publishes a draft plan to the issuer's subtree; every active school's principals are told
/// (mail and in-app notice) in the same transaction.
pub async fn publish_plan(app: &App, actor: &Actor, plan_id: i64, expected_version: Option<i64>) -> Result<Plan> {
    let plan = managed_plan(app, actor, plan_id).await?;
    if plan.status == PlanStatus::Published {
        return Err(AppError::Conflict("Kế hoạch này đã được ban hành.".into()));
    }
    let message = crate::notifications::plan_published(&plan);
    let mut outgoing = lanhmang_store::notifications::Outgoing {
        record: Some(crate::notifications::recorded(&plan, "plan_published", &message)),
        ..Default::default()
    };
    for school in app.store.active_schools_under(plan.issuing_unit_id).await? {
        outgoing.extend(crate::notifications::to_principals(app, &plan, &school, &message).await?);
    }
    Ok(app
        .store
        .publish_plan(&actor.audit(), plan.id, expected_version, &outgoing)
        .await?)
}

/// A published plan's change needs a note saying what changed, for the schools.
pub fn change_note_problem(plan: &Plan, note: &str) -> Option<Problem> {
    (plan.status == PlanStatus::Published && note.trim().is_empty()).then(|| {
        Problem::at(
            "note",
            "Kế hoạch đã ban hành: hãy ghi nội dung thay đổi để các trường biết.",
        )
    })
}

/// Changes a plan the person manages. Once published, a change needs a note saying what
/// changed, becomes a new version, and every active school's principals are told (mail,
/// in-app notification and the notice list) in the same transaction.
pub async fn update_plan(
    app: &App,
    actor: &Actor,
    plan_id: i64,
    expected_version: i64,
    header: &PlanHeader,
    content: &PlanContent,
    note: &str,
) -> Result<Plan> {
    let plan = managed_plan(app, actor, plan_id).await?;
    let note = note.trim();
    let mut outgoing = lanhmang_store::notifications::Outgoing::default();
    if let Some(problem) = change_note_problem(&plan, note) {
        return Err(AppError::Invalid(vec![problem]));
    }
    if plan.status == PlanStatus::Published {
        // The schools read the plan as it will be: the new title and deadline.
        let changed = Plan {
            title: header.title.clone(),
            deadline: header.deadline,
            ..plan.clone()
        };
        let message = crate::notifications::plan_changed(&changed, expected_version + 1, note);
        outgoing.record = Some(crate::notifications::recorded(&changed, "plan_changed", &message));
        for school in app.store.active_schools_under(plan.issuing_unit_id).await? {
            outgoing.extend(crate::notifications::to_principals(app, &changed, &school, &message).await?);
        }
    }
    Ok(app
        .store
        .update_plan(
            &actor.audit(),
            plan.id,
            expected_version,
            header,
            content,
            note,
            &outgoing,
        )
        .await?)
}

/// A school's own plan as typed: its tasks (already parsed against the plan) and a note.
pub struct SchoolPlanEdit {
    pub content: lanhmang_domain::plan::SchoolPlanContent,
    pub note: String,
    pub expected_version: Option<i64>,
    /// Send it to the office after saving.
    pub submit: bool,
}

/// Saves (and, when asked, sends) a school's own plan. The school is one the plan reaches and
/// where the person writes the school's plan.
pub async fn save_school_plan(app: &App, actor: &Actor, plan: &Plan, unit: &Unit, edit: &SchoolPlanEdit) -> Result<()> {
    let ctx = actor.audit();
    app.store
        .save_school_plan(&ctx, plan.id, unit.id, edit.expected_version, &edit.content, &edit.note)
        .await?;
    if edit.submit {
        app.store
            .review_school_plan(&ctx, plan.id, unit.id, ReportEvent::Submit, "", &Default::default(), "")
            .await?;
    }
    Ok(())
}

/// The office accepts or returns a school's plan; the school's principals are told, and the
/// answer says who was (kept with the plan for its page).
pub async fn review_school_plan(
    app: &App,
    actor: &Actor,
    plan: &Plan,
    unit: &Unit,
    event: ReportEvent,
    comment: &str,
) -> Result<crate::notifications::Told> {
    if !matches!(event, ReportEvent::Accept | ReportEvent::Return) {
        return Err(AppError::NotFound);
    }
    let (outgoing, told) = match crate::notifications::school_plan_reviewed(plan, unit, event, comment) {
        Some(message) => {
            let (mut outgoing, told) = crate::notifications::to_principals_told(app, plan, unit, &message).await?;
            if event == ReportEvent::Return {
                outgoing.record = Some(crate::notifications::recorded(plan, "plan_returned", &message));
            }
            (outgoing, told)
        }
        None => Default::default(),
    };
    app.store
        .review_school_plan(
            &actor.audit(),
            plan.id,
            unit.id,
            event,
            comment,
            &outgoing,
            &told.sentence(),
        )
        .await?;
    Ok(told)
}

/// The office's plan in the form of Decree 30/2020 (a "kế hoạch"): its sections, each task
/// with who carries it out, and the indicators the schools report. For whoever may see the plan;
/// `place` is the place name of the date line.
pub async fn plan_document(
    app: &App,
    actor: &Actor,
    plan_id: i64,
    place: String,
) -> Result<lanhmang_export::OfficialDocument> {
    use lanhmang_domain::plan_template::Actor as Doer;
    use lanhmang_export::{Letterhead, OfficialDocument, Section, Signature, Table};
    let (plan, _) = visible_plan(app, actor, plan_id).await?;
    let issuer = app.store.unit(plan.issuing_unit_id).await?.ok_or(AppError::NotFound)?;
    let year = plan.school_year.label();
    let mut sections = Vec::new();
    for section in &plan.content.sections {
        let paragraphs = section
            .tasks
            .iter()
            .map(|t| {
                let doer = match t.actor {
                    Doer::Office => issuer.name.as_str(),
                    Doer::School => "các trường",
                };
                format!("- {} (thực hiện: {doer}).", t.title.trim_end_matches('.'))
            })
            .collect();
        sections.push(Section {
            heading: format!("{}. {}", section.code, section.title),
            paragraphs,
            table: None,
        });
    }
    let rows: Vec<Vec<String>> = plan
        .content
        .indicators()
        .enumerate()
        .map(|(i, d)| {
            vec![
                (i + 1).to_string(),
                d.name.clone(),
                if d.required { "Bắt buộc" } else { "" }.into(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        sections.push(Section {
            heading: "Chỉ tiêu các trường báo cáo".into(),
            paragraphs: vec![format!(
                "Các trường gửi báo cáo đánh giá kết quả thực hiện trên Lành Mạng trước ngày {}.",
                lanhmang_domain::text::date_text(plan.deadline)
            )],
            table: Some(Table {
                header: vec!["STT".into(), "Chỉ tiêu".into(), "Ghi chú".into()],
                rows,
                numeric_columns: vec![0],
            }),
        });
    }
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: crate::letterhead::authority_above(app, &issuer).await?,
            issuing_unit: issuer.name.clone(),
            number: plan.number.as_ref().map(|n| n.format()).unwrap_or_default(),
            place,
            date: plan
                .published_at
                .map(lanhmang_domain::report::vietnam_date)
                .unwrap_or_else(today),
        },
        kind_title: "Kế hoạch".into(),
        subtitle: plan.title.clone(),
        intro: vec![format!(
            "{} ban hành kế hoạch thực hiện năm học {year} về việc sử dụng mạng xã hội, điện thoại và \
             Internet lành mạnh trong trường học, như sau:",
            issuer.name
        )],
        sections,
        recipients: vec!["Các trường trực thuộc (thực hiện);".into(), "Lưu: VT.".into()],
        signature: Signature {
            on_behalf: None,
            title: "Trưởng phòng".into(),
            signer: crate::letterhead::signer(app, issuer.id, lanhmang_domain::Role::OfficeHead).await?,
        },
    })
}

/// A school's own plan in the form of Decree 30/2020: its tasks as a table (content, who,
/// when, note). For those who may see that school's plan.
pub async fn school_plan_document(
    app: &App,
    actor: &Actor,
    plan_id: i64,
    unit_id: i64,
    place: String,
) -> Result<lanhmang_export::OfficialDocument> {
    use lanhmang_export::{Letterhead, OfficialDocument, Section, Signature, Table};
    let (plan, _) = visible_plan(app, actor, plan_id).await?;
    let unit = school_of_plan(app, actor, &plan, unit_id, Action::ViewSchoolPlan).await?;
    let school_plan = app
        .store
        .school_plan(plan.id, unit.id)
        .await?
        .ok_or_else(|| AppError::Conflict("Trường chưa lập kế hoạch thực hiện cho năm học này.".into()))?;
    let day = |d: Option<Date>| d.map(lanhmang_domain::text::date_text).unwrap_or_default();
    let rows = school_plan
        .content
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let when = match (t.starts_on, t.ends_on) {
                (None, None) => String::new(),
                (a, b) => format!("{} – {}", day(a), day(b)),
            };
            vec![
                (i + 1).to_string(),
                t.title.clone(),
                t.owner.clone(),
                when,
                t.note.clone(),
            ]
        })
        .collect();
    let mut intro = vec![format!(
        "Thực hiện {} của {}, {} xây dựng kế hoạch thực hiện năm học {} như sau:",
        plan.title,
        plan.issuing_unit_name,
        unit.name,
        plan.school_year.label()
    )];
    if !school_plan.note.trim().is_empty() {
        intro.push(school_plan.note.trim().to_string());
    }
    Ok(OfficialDocument {
        letterhead: Letterhead {
            parent_authority: crate::letterhead::authority_above(app, &unit).await?,
            issuing_unit: unit.name.clone(),
            // The school numbers its own plan by hand: the form's gap.
            number: String::new(),
            place,
            date: school_plan
                .submitted_at
                .map(lanhmang_domain::report::vietnam_date)
                .unwrap_or_else(today),
        },
        kind_title: "Kế hoạch".into(),
        subtitle: format!("Thực hiện năm học {}", plan.school_year.label()),
        intro,
        sections: vec![Section {
            heading: "Nhiệm vụ, người phụ trách và thời gian".into(),
            paragraphs: Vec::new(),
            table: Some(Table {
                header: vec![
                    "STT".into(),
                    "Nội dung".into(),
                    "Người phụ trách".into(),
                    "Thời gian".into(),
                    "Ghi chú".into(),
                ],
                rows,
                numeric_columns: vec![0],
            }),
        }],
        recipients: vec![format!("{} (để b/c);", plan.issuing_unit_name), "Lưu: VT.".into()],
        signature: Signature {
            on_behalf: None,
            title: "Hiệu trưởng".into(),
            signer: crate::letterhead::signer(app, unit.id, lanhmang_domain::Role::Principal).await?,
        },
    })
}
