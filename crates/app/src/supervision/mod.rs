//! Website supervision as pages, the API and the jobs apply it (S4.1, T1.4–T1.6): which sites
//! someone sees, registering a site with its address checked, importing a list, "inspect now"
//! and recording a run, moving a finding along, the standard in force, and the words of alerts
//! and digests. A site outside someone's scope is "not found", so its existence is not revealed.

use lanhmang_domain::permission::scope_roots;
use lanhmang_domain::{Action, Target};
use lanhmang_store::Unit;
use lanhmang_store::sites::{Site, SiteFinding};

use crate::{Actor, App, AppError, Result};

pub mod digest;
pub mod findings;
pub mod inspection;
pub mod registry;
pub mod standards;
pub mod texts;

/// Not found outside someone's view; forbidden when they see it but may not do `action`.
fn refusal(actor: &Actor, action: Action, ancestry: &[i64]) -> AppError {
    if action != Action::ViewSites && actor.may(Action::ViewSites, Target::Unit(ancestry)) {
        AppError::Forbidden
    } else {
        AppError::NotFound
    }
}

/// A site someone may see with `action`.
pub async fn visible_site(app: &App, actor: &Actor, id: i64, action: Action) -> Result<Site> {
    let site = app.store.site(id).await?.ok_or(AppError::NotFound)?;
    if actor.may(action, Target::Unit(&site.ancestry)) {
        return Ok(site);
    }
    Err(refusal(actor, action, &site.ancestry))
}

/// A finding someone may see with `action`.
pub async fn visible_finding(app: &App, actor: &Actor, id: i64, action: Action) -> Result<SiteFinding> {
    let finding = app.store.site_finding(id).await?.ok_or(AppError::NotFound)?;
    if actor.may(action, Target::Unit(&finding.ancestry)) {
        return Ok(finding);
    }
    Err(refusal(actor, action, &finding.ancestry))
}

/// A unit in someone's scope for `action`.
pub async fn unit_in_scope(app: &App, actor: &Actor, unit_id: i64, action: Action) -> Result<Unit> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    if actor.may(action, Target::Unit(&unit.ancestry)) {
        return Ok(unit);
    }
    Err(refusal(actor, action, &unit.ancestry))
}

/// An optional unit filter: none, or a unit the person may see sites of.
pub async fn unit_filter(app: &App, actor: &Actor, unit_id: Option<i64>) -> Result<Option<Unit>> {
    match unit_id {
        None => Ok(None),
        Some(id) => Ok(Some(unit_in_scope(app, actor, id, Action::ViewSites).await?)),
    }
}

/// An optional id from a query string: absent or empty is none; anything but a positive
/// integer is refused with a message naming the parameter.
pub fn optional_id(raw: &Option<String>, name: &str) -> Result<Option<i64>, String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(Some)
            .ok_or_else(|| format!("{name} phải là một số nguyên dương (đã gửi «{v}»).")),
    }
}

/// The roots of someone's scope for seeing sites.
pub fn view_roots(actor: &Actor) -> Vec<i64> {
    scope_roots(&actor.permissions, Action::ViewSites)
}

/// The roots of someone's scope for managing sites.
pub fn manage_roots(actor: &Actor) -> Vec<i64> {
    scope_roots(&actor.permissions, Action::ManageSites)
}

/// Whether someone manages sites anywhere (the pages show the buttons).
pub fn can_manage_somewhere(actor: &Actor) -> bool {
    lanhmang_domain::permission::can_somewhere(&actor.permissions, Action::ManageSites)
}

/// Whether someone may change the standard anywhere.
pub fn can_edit_standards_somewhere(actor: &Actor) -> bool {
    lanhmang_domain::permission::can_somewhere(&actor.permissions, Action::ManageStandards)
}

/// Whether someone manages the sites of a unit (given its ancestry).
pub fn manages(actor: &Actor, ancestry: &[i64]) -> bool {
    actor.may(Action::ManageSites, Target::Unit(ancestry))
}

/// The unit whose sites "inspect all" on the overview would queue: the unit in view when the
/// person manages it, else (no unit chosen) the first unit they manage.
pub fn inspect_unit(actor: &Actor, unit: Option<&Unit>) -> Option<i64> {
    match unit {
        Some(u) => manages(actor, &u.ancestry).then_some(u.id),
        None => manage_roots(actor).first().copied(),
    }
}
