//! The inspection standard: the version in force for a unit, whose standard a person reads or
//! edits, and saving a new version from the form.

use lanhmang_domain::Action;
use lanhmang_domain::finding::is_disclosure_part;
use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::supervision::{CheckGroup, StandardRules};
use lanhmang_store::sites::Standard;
use lanhmang_store::{StoreError, Unit};

use super::{unit_filter, unit_in_scope, view_roots};
use crate::{Actor, App, AppError, Result};

/// The standard in force for a unit: the nearest office's latest version, or the default.
pub async fn standard_for(app: &App, unit: &Unit) -> Result<(Option<Standard>, StandardRules)> {
    let standard = app.store.standard_for(&unit.ancestry).await?;
    let rules = standard.as_ref().map(|s| s.rules.clone()).unwrap_or_default();
    Ok((standard, rules))
}

/// The office whose standard a person reads: the unit asked for, else the first unit where
/// they may manage standards, else their first unit in view.
pub async fn standard_unit(app: &App, actor: &Actor, unit_id: Option<i64>) -> Result<Unit> {
    if let Some(unit) = unit_filter(app, actor, unit_id).await? {
        return Ok(unit);
    }
    let id = scope_roots(&actor.permissions, Action::ManageStandards)
        .first()
        .copied()
        .or_else(|| view_roots(actor).first().copied())
        .ok_or(AppError::Forbidden)?;
    app.store.unit(id).await?.ok_or(AppError::NotFound)
}

/// A unit's own versions, newest first.
pub async fn versions(app: &App, unit: &Unit) -> Result<Vec<Standard>> {
    Ok(app.store.standard_versions(unit.id).await?)
}

/// Whether someone may change a unit's standard.
pub fn may_edit(actor: &Actor, unit: &Unit) -> bool {
    actor.may(Action::ManageStandards, lanhmang_domain::Target::Unit(&unit.ancestry))
}

/// The standard form as sent: repeated `check` and `part` values, the rest as typed.
#[derive(Debug, Clone, Default)]
pub struct StandardForm {
    pub unit_id: String,
    /// The version the person started from (0: none).
    pub version: String,
    pub checks: Vec<String>,
    pub parts: Vec<String>,
    pub stale_days: String,
    pub cert_days: String,
    pub min_grade: String,
    pub full_hours: String,
    pub check_minutes: String,
    pub note: String,
}

/// What saving a standard did.
#[derive(Debug, Clone)]
pub enum StandardSaved {
    Saved(Unit),
    /// Nothing saved: the form comes back with what was sent and every problem.
    Rejected {
        unit: Unit,
        rules: StandardRules,
        based_on: i64,
        problems: Vec<String>,
    },
}

/// The rules a form describes, with every problem in it (unknown groups and parts are ignored,
/// as the form never sends them).
pub fn read_form(form: &StandardForm) -> (StandardRules, Vec<String>) {
    let mut problems = Vec::new();
    let mut number = |raw: &str, label: &str| match raw.trim().parse::<u32>() {
        Ok(v) => v,
        Err(_) => {
            problems.push(format!("{label} phải là một số nguyên."));
            0
        }
    };
    let rules = StandardRules {
        checks: form.checks.iter().filter_map(|v| CheckGroup::parse(v)).collect(),
        stale_after_days: number(&form.stale_days, "Số ngày coi là lâu không cập nhật"),
        cert_warning_days: number(&form.cert_days, "Số ngày cảnh báo chứng chỉ"),
        min_header_grade: form.min_grade.trim().to_string(),
        required_disclosure: form.parts.iter().filter(|p| is_disclosure_part(p)).cloned().collect(),
        full_interval_hours: number(&form.full_hours, "Chu kỳ kiểm tra đầy đủ"),
        check_interval_minutes: number(&form.check_minutes, "Chu kỳ thử truy cập"),
    };
    if problems.is_empty() {
        problems.extend(rules.validate().iter().map(|e| e.to_string()));
    }
    if problems.is_empty() && form.note.trim().is_empty() {
        problems.push("Hãy ghi lý do thay đổi (ví dụ: «Áp dụng từ học kỳ II»).".into());
    }
    (rules, problems)
}

/// Saves a new version of a unit's standard, with its reason, for someone who manages the
/// unit's standards. A version saved by someone else since the form was opened is refused.
pub async fn save_standard(app: &App, actor: &Actor, form: &StandardForm) -> Result<StandardSaved> {
    let unit_id = form
        .unit_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("Thiếu đơn vị ban hành tiêu chí."))?;
    let unit = unit_in_scope(app, actor, unit_id, Action::ManageStandards).await?;
    let based_on = form.version.trim().parse::<i64>().unwrap_or(0);
    let (rules, mut problems) = read_form(form);
    if problems.is_empty() {
        match app
            .store
            .save_standard(&actor.audit(), unit.id, &rules, form.note.trim(), based_on)
            .await
        {
            Ok(_) => return Ok(StandardSaved::Saved(unit)),
            Err(StoreError::Conflict(m)) => problems.push(m),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(StandardSaved::Rejected {
        unit,
        rules,
        based_on,
        problems,
    })
}
