//! Units: who sees which, creating, editing and closing them (closing is a status), and the
//! import from a CSV or XLSX file. Pages and the API parse, call here, and render.

use std::collections::HashSet;

use lanhmang_domain::permission::{can_somewhere, scope_roots};
use lanhmang_domain::unit::{UnitField, UnitFieldError, UnitInput};
use lanhmang_domain::units_import::{self, ImportError};
use lanhmang_domain::{Action, Paging, Role, Target, UnitKind};
use lanhmang_store::{Person, StoreError, Unit, UnitFilter};

use crate::{Actor, App, AppError, Problem, Result};

fn unit_problems(list: Vec<(UnitField, UnitFieldError)>) -> Vec<Problem> {
    list.into_iter()
        .map(|(field, e)| Problem::at(field.as_str(), e.to_string()))
        .collect()
}

/// The store's refusals of a unit change are problems with the input: a taken code, a school
/// that would have units below it, a parent that is a school.
fn store_refusal(e: StoreError, other_field: &'static str) -> AppError {
    match e {
        StoreError::Conflict(message) => {
            let field = if message.contains("Mã") { "code" } else { other_field };
            AppError::Invalid(vec![Problem::at(field, message)])
        }
        other => other.into(),
    }
}

/// A unit the actor may see (`ViewUnit` over it); anything else is "not found", whether it
/// exists or not.
pub async fn visible_unit(app: &App, actor: &Actor, unit_id: i64) -> Result<Unit> {
    let unit = app.store.unit(unit_id).await?.ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewUnit, Target::Unit(&unit.ancestry)) {
        return Err(AppError::NotFound);
    }
    Ok(unit)
}

/// A unit the actor may change: out of sight is "not found", seen but not managed "forbidden".
pub async fn managed_unit(app: &App, actor: &Actor, unit_id: i64) -> Result<Unit> {
    let unit = visible_unit(app, actor, unit_id).await?;
    if !actor.may(Action::ManageUnits, Target::Unit(&unit.ancestry)) {
        return Err(AppError::Forbidden);
    }
    Ok(unit)
}

/// One page of the units someone sees, within one unit of theirs when `within` is given.
pub struct UnitList {
    pub units: Vec<Unit>,
    pub total: i64,
    pub within: Option<Unit>,
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &UnitFilter,
    within: Option<i64>,
    paging: Paging,
) -> Result<UnitList> {
    let (roots, within) = match within {
        None => (scope_roots(&actor.permissions, Action::ViewUnit), None),
        Some(id) => {
            let unit = visible_unit(app, actor, id).await?;
            (vec![unit.id], Some(unit))
        }
    };
    let (units, total) = app.store.list_units(&roots, filter, paging).await?;
    Ok(UnitList { units, total, within })
}

/// Whether someone may create units somewhere.
pub fn may_create(actor: &Actor) -> bool {
    can_somewhere(&actor.permissions, Action::ManageUnits)
}

/// Whether someone may create a unit without a parent (a new root of the tree).
pub fn may_create_root(actor: &Actor) -> bool {
    actor.may(Action::ManageUnits, Target::System)
}

/// A unit's page: its facts, its parent (with an id only when the actor sees it), the first
/// units below it, its people when the actor may see them, and what the actor may do.
pub struct UnitView {
    pub unit: Unit,
    /// (id or 0 when out of sight, name)
    pub parent: Option<(i64, String)>,
    pub children: Vec<Unit>,
    /// Units below, not counting the unit itself.
    pub children_total: i64,
    pub people: Option<Vec<(Person, Role)>>,
    pub can_edit: bool,
    pub can_add_child: bool,
    /// The sites supervision watches for the unit (the registry's, the truth).
    pub sites: Vec<lanhmang_store::sites::Site>,
    /// Whether the actor may see the sites' state (and open their pages).
    pub sites_state_visible: bool,
    /// Addresses in the unit's own record that the registry does not watch.
    pub unregistered: Vec<String>,
}

/// The unit record's addresses that none of the registered sites covers (compared by their
/// normalised form, or by host when the record's address cannot be normalised).
fn unregistered_addresses(recorded: &[String], sites: &[lanhmang_store::sites::Site]) -> Vec<String> {
    use lanhmang_domain::supervision::normalize_site_url;
    recorded
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .filter(|w| match normalize_site_url(w) {
            Ok((url, host)) => !sites.iter().any(|s| s.url == url || s.host == host),
            Err(_) => true,
        })
        .map(str::to_string)
        .collect()
}

/// How many units below a unit its page lists.
pub const CHILDREN_SHOWN: usize = 30;

pub async fn view(app: &App, actor: &Actor, unit_id: i64) -> Result<UnitView> {
    let unit = visible_unit(app, actor, unit_id).await?;
    let target = Target::Unit(&unit.ancestry);
    let parent = match unit.parent_id {
        Some(pid) => app.store.unit(pid).await?.map(|p| {
            let seen = actor.may(Action::ViewUnit, Target::Unit(&p.ancestry));
            (if seen { p.id } else { 0 }, p.name)
        }),
        None => None,
    };
    let shown = u32::try_from(CHILDREN_SHOWN + 1).unwrap_or(u32::MAX);
    let (below, total) = app
        .store
        .list_units(
            &[unit.id],
            &UnitFilter::default(),
            Paging {
                page: 1,
                per_page: shown,
            },
        )
        .await?;
    let children = below
        .into_iter()
        .filter(|u| u.id != unit.id)
        .take(CHILDREN_SHOWN)
        .collect();
    let people = if actor.may(Action::ViewPeople, target) {
        Some(app.store.people_with_roles_in_unit(unit.id).await?)
    } else {
        None
    };
    let can_edit = actor.may(Action::ManageUnits, target);
    let sites = app.store.unit_sites(unit.id).await?;
    let unregistered = unregistered_addresses(&unit.websites, &sites);
    let sites_state_visible = actor.may(Action::ViewSites, target);
    Ok(UnitView {
        sites,
        sites_state_visible,
        unregistered,
        parent,
        children,
        children_total: total - 1,
        people,
        can_edit,
        can_add_child: can_edit && unit.kind != UnitKind::School,
        unit,
    })
}

/// The units under which the actor may create units: every unit they manage that is not a
/// school.
pub async fn parent_choices(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let roots = scope_roots(&actor.permissions, Action::ManageUnits);
    let mut out = Vec::new();
    for kind in [
        UnitKind::Ministry,
        UnitKind::Department,
        UnitKind::Office,
        UnitKind::Other,
    ] {
        let filter = UnitFilter {
            kind: Some(kind),
            ..Default::default()
        };
        let (units, _) = app
            .store
            .list_units(&roots, &filter, Paging { page: 1, per_page: 500 })
            .await?;
        out.extend(units);
    }
    Ok(out)
}

/// Creates a unit under `parent_id` (a unit the actor manages), or a new root when `parent_id`
/// is `None` (system administrators only).
pub async fn create(app: &App, actor: &Actor, parent_id: Option<i64>, input: &UnitInput) -> Result<Unit> {
    let mut problems = Vec::new();
    let parent = match parent_id {
        Some(pid) => app.store.unit(pid).await?,
        None => None,
    };
    let allowed = match (&parent, parent_id) {
        (Some(p), _) => actor.may(Action::ManageUnits, Target::Unit(&p.ancestry)),
        // An id that names no unit is not a request for a root.
        (None, Some(_)) => false,
        (None, None) => may_create_root(actor),
    };
    if !allowed {
        problems.push(Problem::at(
            "parent_id",
            "Hãy chọn đơn vị cấp trên thuộc phạm vi bạn quản lý.",
        ));
    }
    let fields = match input.parse() {
        Ok(f) => Some(f),
        Err(list) => {
            problems.extend(unit_problems(list));
            None
        }
    };
    let (Some(fields), true) = (fields, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    app.store
        .create_unit(&actor.audit(), parent.as_ref().map(|p| p.id), &fields)
        .await
        .map_err(|e| store_refusal(e, "parent_id"))
}

/// Changes a unit the actor manages; closing a unit is setting its status.
pub async fn update(app: &App, actor: &Actor, unit_id: i64, input: &UnitInput) -> Result<Unit> {
    let unit = managed_unit(app, actor, unit_id).await?;
    let fields = input.parse().map_err(|list| AppError::Invalid(unit_problems(list)))?;
    app.store
        .update_unit(&actor.audit(), unit.id, &fields)
        .await
        .map_err(|e| store_refusal(e, "kind"))
}

/// What an import did, or why it did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Rows with problems (row, column, reason); nothing was written.
    Refused(Vec<ImportError>),
    /// The file is valid; nothing was written (a dry run).
    Checked { new: usize, updated: usize },
    /// Written, in one transaction.
    Imported { new: usize, updated: usize },
}

/// Imports units from a CSV or XLSX file: every row is checked (the domain's reader and plan),
/// every unit created or moved must lie in the actor's managed subtrees, and then either every
/// row is written or none. A file that cannot be read at all is `Invalid`.
pub async fn import(app: &App, actor: &Actor, file_name: &str, bytes: &[u8], dry_run: bool) -> Result<ImportOutcome> {
    if !can_somewhere(&actor.permissions, Action::ManageUnits) {
        return Err(AppError::Forbidden);
    }
    if bytes.is_empty() {
        return Err(AppError::Invalid(vec![Problem::at(
            "file",
            "Hãy chọn một tệp .csv hoặc .xlsx.",
        )]));
    }
    let table = crate::read_table(bytes.to_vec()).await?;
    let existing = app.store.unit_links().await?;
    let rows = match units_import::plan_import(&table, &existing) {
        Ok(rows) => rows,
        Err(errors) => return Ok(ImportOutcome::Refused(errors)),
    };
    let roots = scope_roots(&actor.permissions, Action::ManageUnits);
    let managed: HashSet<String> = app
        .store
        .units_by_ids(&roots)
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect();
    let scope_errors = units_import::check_scope(&rows, &existing, &managed);
    if !scope_errors.is_empty() {
        return Ok(ImportOutcome::Refused(scope_errors));
    }
    let new = rows
        .iter()
        .filter(|r| !existing.contains_key(r.fields.code.as_str()))
        .count();
    if dry_run {
        return Ok(ImportOutcome::Checked {
            new,
            updated: rows.len() - new,
        });
    }
    let done = app
        .store
        .import_units(&actor.audit(), &rows, &format!("tệp {file_name}"))
        .await?;
    Ok(ImportOutcome::Imported {
        new: done.created,
        updated: done.updated,
    })
}
