//! People and their accounts: who sees whom, creating accounts, editing a person, granting and
//! revoking roles, resetting a password, disabling and enabling, one's own profile and password,
//! and reading the audit log. Pages and the API parse, call here, and render.
//!
//! The one rule about acting on someone else's account is `domain::permission::may_manage_person`:
//! management over the person's home unit, and the right to grant every role they hold where it
//! is held. Whoever resets a password can sign in as that person, so acting on an account never
//! reaches further than one's own rights.

use std::collections::HashMap;

use lanhmang_domain::password;
use lanhmang_domain::permission::{
    can_somewhere, grantable_at, grantable_roles, may_grant, may_manage_person, scope_roots,
};
use lanhmang_domain::person::{PersonFields, PersonInput};
use lanhmang_domain::{Action, Paging, Role, Target};
use lanhmang_store::{AuditEntry, Person, RoleGrant, StoreError, Unit, UnitFilter};
use rand::Rng;

use crate::{Actor, App, AppError, Problem, Result};

/// A person as a list shows them: home unit's name and roles in words.
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub person: Person,
    pub unit_name: String,
    pub grants: Vec<RoleGrant>,
}

/// The people someone may see (those whose home unit is in their scope), one page.
pub async fn list(app: &App, actor: &Actor, query: Option<&str>, paging: Paging) -> Result<(Vec<PersonSummary>, i64)> {
    let roots = scope_roots(&actor.permissions, Action::ViewPeople);
    let (people, total) = app.store.list_people(&roots, query, paging).await?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let mut unit_ids: Vec<i64> = people.iter().map(|p| p.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let units: HashMap<i64, String> = app
        .store
        .units_by_ids(&unit_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut grants: HashMap<i64, Vec<RoleGrant>> = HashMap::new();
    for g in app.store.grants_of_many(&ids).await? {
        grants.entry(g.person_id).or_default().push(g);
    }
    let items = people
        .into_iter()
        .map(|p| PersonSummary {
            unit_name: units.get(&p.unit_id).cloned().unwrap_or_default(),
            grants: grants.remove(&p.id).unwrap_or_default(),
            person: p,
        })
        .collect();
    Ok((items, total))
}

/// Whether someone may create accounts somewhere (a principal for their school's community).
pub fn may_create(actor: &Actor) -> bool {
    can_somewhere(&actor.permissions, Action::ManagePeople)
        || can_somewhere(&actor.permissions, Action::ManageSchoolCommunity)
}

/// The roles someone may grant somewhere: what a form offers them.
pub fn roles_offered(actor: &Actor) -> Vec<Role> {
    grantable_roles(&actor.permissions)
}

/// Whether someone may place people in (and grant roles at) the unit with `ancestry`.
fn manages_people_at(actor: &Actor, ancestry: &[i64]) -> bool {
    let unit = Target::Unit(ancestry);
    actor.may(Action::ManagePeople, unit) || actor.may(Action::ManageSchoolCommunity, unit)
}

/// The units where someone may create accounts and grant roles, as a form's choices.
pub async fn units_for_people(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let mut roots = scope_roots(&actor.permissions, Action::ManagePeople);
    roots.extend(scope_roots(&actor.permissions, Action::ManageSchoolCommunity));
    roots.sort_unstable();
    roots.dedup();
    let (units, _) = app
        .store
        .list_units(&roots, &UnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await?;
    Ok(units)
}

/// A temporary password people can read aloud or copy: three groups of four letters and
/// digits, without look-alikes (0/o, 1/l/i).
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..3)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Argon2id takes tens of milliseconds of CPU: hash off the async threads. A failure here is
/// the machine's, not the input's; it is reported like a store failure (a 500, cause logged).
pub async fn hash_password(plain: &str) -> Result<String> {
    let plain = plain.to_string();
    tokio::task::spawn_blocking(move || password::hash(&plain))
        .await
        .map_err(|e| AppError::Store(StoreError::Io(format!("băm mật khẩu bị gián đoạn: {e}"))))?
        .map_err(|e| AppError::Store(StoreError::Io(format!("băm mật khẩu: {e}"))))
}

fn person_problems(
    list: Vec<(
        lanhmang_domain::person::PersonField,
        lanhmang_domain::person::PersonFieldError,
    )>,
) -> Vec<Problem> {
    list.into_iter()
        .map(|(field, e)| Problem::at(field.as_str(), e.to_string()))
        .collect()
}

/// A new account as a form or a request gives it.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub input: PersonInput,
    /// The home unit; `None` when missing or unreadable.
    pub unit_id: Option<i64>,
    /// The first role, granted in the home unit. `Err` holds what was given when it names no role.
    pub role: Option<std::result::Result<Role, String>>,
}

/// An account just made, or a password just reset: the temporary password is shown once.
#[derive(Debug, Clone)]
pub struct TemporaryPassword {
    pub person: Person,
    pub password: String,
}

/// Creates an account in a unit the actor manages, with a temporary password and optionally a
/// first role there. A principal may create accounts in their school only, and only with the
/// roles they may grant; creating an account with no role at all needs full people management.
pub async fn create(app: &App, actor: &Actor, new: NewPerson) -> Result<TemporaryPassword> {
    let mut problems = Vec::new();
    let fields = match new.input.parse() {
        Ok(f) => Some(f),
        Err(list) => {
            problems.extend(person_problems(list));
            None
        }
    };
    let unit = match new.unit_id {
        Some(id) => {
            let unit = app.store.unit(id).await?.ok_or(AppError::NotFound)?;
            // A unit out of sight is not found, as everywhere; one in sight but not managed
            // is a wrong choice in the form.
            if !actor.may(Action::ViewUnit, Target::Unit(&unit.ancestry)) {
                return Err(AppError::NotFound);
            }
            Some(unit)
        }
        None => None,
    }
    .filter(|u| manages_people_at(actor, &u.ancestry));
    if unit.is_none() {
        problems.push(Problem::at("unit_id", "Hãy chọn đơn vị thuộc phạm vi bạn quản lý."));
    }
    let role = match new.role {
        None => None,
        Some(Ok(role)) => Some(role),
        Some(Err(_)) => {
            problems.push(Problem::at("role", "Vai trò không hợp lệ."));
            None
        }
    };
    if let Some(u) = &unit {
        match role {
            Some(r) if !may_grant(&actor.permissions, r, &u.ancestry) => {
                problems.push(Problem::at("role", "Bạn không thể giao vai trò này."))
            }
            Some(r) if !grantable_at(r, &u.ancestry) => problems.push(Problem::at("role", ROOT_ONLY)),
            // Without a role, the account is a plain member of the unit: only full people
            // management places such accounts (a principal appoints, with the role).
            None if !actor.may(Action::ManagePeople, Target::Unit(&u.ancestry)) => {
                problems.push(Problem::at("role", "Hãy chọn vai trò cho tài khoản mới."))
            }
            _ => {}
        }
    }
    let (Some(fields), Some(unit), true) = (fields, unit, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let temp = temporary_password();
    let hash = hash_password(&temp).await?;
    let ctx = actor.audit();
    let person = match app.store.create_person(&ctx, unit.id, &fields, Some(&hash), true).await {
        Ok(p) => p,
        // A taken username is a problem with the input, shown beside that field.
        Err(StoreError::Conflict(m)) => return Err(AppError::Invalid(vec![Problem::at("username", m)])),
        Err(e) => return Err(e.into()),
    };
    if let Some(r) = role {
        app.store.grant_role(&ctx, person.id, r, unit.id).await?;
    }
    Ok(TemporaryPassword { person, password: temp })
}

const ROOT_ONLY: &str = "Vai trò quản trị hệ thống chỉ được giao tại đơn vị gốc (không có cấp trên).";

/// One of a person's roles, with whether the actor may revoke it.
#[derive(Debug, Clone)]
pub struct GrantView {
    pub grant: RoleGrant,
    pub can_revoke: bool,
}

/// A person someone may see, with what they may do to them.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub person: Person,
    pub home: Unit,
    pub grants: Vec<GrantView>,
    /// May edit, reset the password, disable or enable, grant roles (the rule of
    /// `may_manage_person`).
    pub can_manage: bool,
}

/// The ancestries of the units where `grants` are held.
async fn grant_ancestries(app: &App, grants: &[RoleGrant]) -> Result<HashMap<i64, Vec<i64>>> {
    let unit_ids: Vec<i64> = grants.iter().map(|g| g.unit_id).collect();
    Ok(app
        .store
        .units_by_ids(&unit_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.ancestry))
        .collect())
}

/// Whether the actor may act on a person, given their home unit and grants (with the
/// ancestries of the grants' units).
fn may_act_on(actor: &Actor, home: &Unit, grants: &[RoleGrant], ancestries: &HashMap<i64, Vec<i64>>) -> bool {
    let mut held: Vec<(Role, &[i64])> = Vec::with_capacity(grants.len());
    for g in grants {
        // A grant whose unit cannot be read is one the actor cannot be shown to reach.
        let Some(ancestry) = ancestries.get(&g.unit_id) else {
            return false;
        };
        held.push((g.role, ancestry));
    }
    may_manage_person(&actor.permissions, &home.ancestry, &held)
}

/// A person the actor may see: their home unit is in the actor's people scope. Anyone else is
/// "not found", whether they exist or not.
pub async fn visible(app: &App, actor: &Actor, person_id: i64) -> Result<PersonView> {
    let person = app.store.person(person_id).await?.ok_or(AppError::NotFound)?;
    let home = app.store.unit(person.unit_id).await?.ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewPeople, Target::Unit(&home.ancestry)) {
        return Err(AppError::NotFound);
    }
    let grants = app.store.grants_of(person.id).await?;
    // A parent is the school's family, not its staff: seen under the classes by those who
    // reach them, here only by the system administrator.
    let parent_only = !grants.is_empty() && grants.iter().all(|g| g.role == Role::Parent);
    if parent_only && !actor.may(Action::GrantSystemAdmin, Target::System) {
        return Err(AppError::NotFound);
    }
    let ancestries = grant_ancestries(app, &grants).await?;
    let can_manage = may_act_on(actor, &home, &grants, &ancestries);
    let grants = grants
        .into_iter()
        .map(|g| GrantView {
            can_revoke: can_manage
                && ancestries
                    .get(&g.unit_id)
                    .is_some_and(|a| may_grant(&actor.permissions, g.role, a)),
            grant: g,
        })
        .collect();
    Ok(PersonView {
        person,
        home,
        grants,
        can_manage,
    })
}

/// A person the actor may act on; seen but not manageable is "forbidden".
async fn managed(app: &App, actor: &Actor, person_id: i64) -> Result<PersonView> {
    let view = visible(app, actor, person_id).await?;
    if !view.can_manage {
        return Err(AppError::Forbidden);
    }
    Ok(view)
}

/// Changes a person's name, e-mail and phone (the username stays as created).
pub async fn update(app: &App, actor: &Actor, person_id: i64, mut input: PersonInput) -> Result<Person> {
    let view = managed(app, actor, person_id).await?;
    input.username = view.person.username.clone();
    let fields = input.parse().map_err(|list| AppError::Invalid(person_problems(list)))?;
    Ok(app.store.update_person(&actor.audit(), person_id, &fields).await?)
}

/// Grants `role` in the unit `unit_id` to a person the actor may act on.
pub async fn grant_role(
    app: &App,
    actor: &Actor,
    person_id: i64,
    role: Option<Role>,
    unit_id: Option<i64>,
) -> Result<()> {
    let view = managed(app, actor, person_id).await?;
    let unit = match unit_id {
        Some(id) => app.store.unit(id).await?,
        None => None,
    };
    let (role, unit) = match (role, unit) {
        (None, _) => return Err(AppError::Invalid(vec![Problem::at("role", "Hãy chọn vai trò.")])),
        (_, None) => return Err(AppError::Invalid(vec![Problem::at("grant_unit", "Hãy chọn đơn vị.")])),
        (Some(r), Some(u)) => (r, u),
    };
    if !may_grant(&actor.permissions, role, &unit.ancestry) {
        return Err(AppError::Invalid(vec![Problem::at(
            "role",
            "Bạn không thể giao vai trò này tại đơn vị đã chọn.",
        )]));
    }
    if !grantable_at(role, &unit.ancestry) {
        return Err(AppError::Invalid(vec![Problem::at("role", ROOT_ONLY)]));
    }
    app.store
        .grant_role(&actor.audit(), view.person.id, role, unit.id)
        .await?;
    Ok(())
}

/// Revokes one of the roles of a person the actor may act on.
pub async fn revoke_role(app: &App, actor: &Actor, person_id: i64, grant_id: i64) -> Result<()> {
    let view = managed(app, actor, person_id).await?;
    let grant = view
        .grants
        .into_iter()
        .find(|g| g.grant.id == grant_id)
        .ok_or(AppError::NotFound)?;
    if !grant.can_revoke {
        return Err(AppError::Forbidden);
    }
    app.store.revoke_role(&actor.audit(), &grant.grant).await?;
    Ok(())
}

/// Sets a new temporary password for a person the actor may act on, ending their sessions.
pub async fn reset_password(app: &App, actor: &Actor, person_id: i64) -> Result<TemporaryPassword> {
    let view = managed(app, actor, person_id).await?;
    let temp = temporary_password();
    let hash = hash_password(&temp).await?;
    app.store
        .set_password(&actor.audit(), view.person.id, &hash, true, None)
        .await?;
    Ok(TemporaryPassword {
        person: view.person,
        password: temp,
    })
}

/// Disables or re-enables a person the actor may act on; nobody disables their own account.
pub async fn set_disabled(app: &App, actor: &Actor, person_id: i64, disabled: bool) -> Result<()> {
    let view = managed(app, actor, person_id).await?;
    if disabled && view.person.id == actor.person.id {
        return Err(AppError::Conflict(
            "Bạn không thể tự khóa tài khoản của chính mình.".into(),
        ));
    }
    app.store.set_disabled(&actor.audit(), view.person.id, disabled).await?;
    Ok(())
}

/// Changes one's own name, e-mail and phone.
pub async fn update_own_profile(app: &App, actor: &Actor, mut input: PersonInput) -> Result<Person> {
    input.username = actor.person.username.clone();
    let fields: PersonFields = input.parse().map_err(|list| AppError::Invalid(person_problems(list)))?;
    Ok(app
        .store
        .update_person(&actor.audit(), actor.person.id, &fields)
        .await?)
}

/// One's own password change, as a form gives it.
#[derive(Debug, Clone, Default)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes one's own password: the current one must be right, the new one must meet the policy
/// and differ from it. Every other session and token of the person ends; `keep_session` (the
/// one making the change) stays.
pub async fn change_own_password(
    app: &App,
    actor: &Actor,
    change: PasswordChange,
    keep_session: Option<&str>,
) -> Result<()> {
    let mut problems = Vec::new();
    let stored = app
        .store
        .credentials(&actor.person.username)
        .await?
        .and_then(|(_, h)| h)
        .unwrap_or_default();
    let current = change.current.clone();
    let current_ok = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .unwrap_or(false);
    if !current_ok {
        problems.push(Problem::at("current", "Mật khẩu hiện tại không đúng."));
    }
    if let Err(e) = password::check_policy(&change.new, &actor.person.username) {
        problems.push(Problem::at("new", e.to_string()));
    } else if change.new == change.current {
        problems.push(Problem::at("new", "Mật khẩu mới phải khác mật khẩu hiện tại."));
    }
    if change.new != change.confirm {
        problems.push(Problem::at("confirm", "Hai lần nhập mật khẩu mới không khớp."));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let hash = hash_password(&change.new).await?;
    app.store
        .set_password(&actor.audit(), actor.person.id, &hash, false, keep_session)
        .await?;
    Ok(())
}

/// One page of the audit log, for system administrators (held at a root) only.
pub async fn audit_log(app: &App, actor: &Actor, paging: Paging) -> Result<(Vec<AuditEntry>, i64)> {
    if !actor.may(Action::ViewAudit, Target::System) {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.audit_page(paging).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = temporary_password();
            assert_eq!(p.len(), 14);
            assert_eq!(password::check_policy(&p, "someone"), Ok(()));
        }
    }
}
