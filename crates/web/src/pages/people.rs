//! People: list, detail, create, edit, roles, password reset, disabling.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_domain::permission::{can_somewhere, may_grant, scope_roots};
use lanhmang_domain::person::PersonInput;
use lanhmang_domain::{Action, Paging, Role, Target, authorize};
use lanhmang_store::{Person, UnitFilter};
use rand::Rng;
use serde::Deserialize;

use super::units::Choice;
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::{ClientIp, Identity};
use crate::error::AppError;
use crate::layout::{FieldErrors, Layout, Pager, render};

pub struct PersonRow {
    pub id: i64,
    pub display_name: String,
    pub username: String,
    pub unit_name: String,
    pub roles: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "people_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<PersonRow>,
    pager: Pager,
    q: String,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let roots = scope_roots(&identity.permissions, Action::ViewPeople);
    let (people, total) = state.store.list_people(&roots, Some(&q.q), paging).await?;
    let rows = person_rows(&state, people).await?;
    render(&ListPage {
        layout: Layout::new("Người dùng", &identity, "/nguoi-dung").with_notice(q.tb.as_deref()),
        rows,
        pager: Pager::new(
            "/nguoi-dung",
            &[("q", q.q.clone()), ("per_page", q.per_page.clone().unwrap_or_default())],
            paging,
            total,
        ),
        q: q.q,
        can_create: can_somewhere(&identity.permissions, Action::ManagePeople),
    })
}

async fn person_rows(state: &AppState, people: Vec<Person>) -> Result<Vec<PersonRow>, AppError> {
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let mut unit_ids: Vec<i64> = people.iter().map(|p| p.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let units: HashMap<i64, String> = state
        .store
        .units_by_ids(&unit_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut roles: HashMap<i64, Vec<String>> = HashMap::new();
    for g in state.store.grants_of_many(&ids).await? {
        roles
            .entry(g.person_id)
            .or_default()
            .push(format!("{} ({})", g.role.label(), g.unit_name));
    }
    Ok(people
        .into_iter()
        .map(|p| PersonRow {
            unit_name: units.get(&p.unit_id).cloned().unwrap_or_default(),
            roles: roles.remove(&p.id).map(|r| r.join("; ")).unwrap_or_default(),
            id: p.id,
            display_name: p.display_name,
            username: p.username,
            disabled: p.disabled,
        })
        .collect())
}

/// Units in which the person may manage people, as choices.
async fn managed_unit_choices(
    state: &AppState,
    identity: &Identity,
    selected: Option<i64>,
) -> Result<Vec<Choice>, AppError> {
    let roots = scope_roots(&identity.permissions, Action::ManagePeople);
    let (units, _) = state
        .store
        .list_units(&roots, &UnitFilter::default(), Paging { page: 1, per_page: 500 })
        .await?;
    Ok(units
        .into_iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.name, u.code),
                Some(u.id) == selected,
            )
        })
        .collect())
}

fn role_choices(identity: &Identity, selected: Option<Role>) -> Vec<Choice> {
    Role::ALL
        .iter()
        .filter(|r| **r != Role::SystemAdmin || can_somewhere(&identity.permissions, Action::GrantSystemAdmin))
        .map(|r| (r.as_str().to_string(), r.label().to_string(), selected == Some(*r)))
        .collect()
}

/// A temporary password people can read aloud or copy: three groups of four letters and
/// digits, without look-alikes (0/o, 1/l/i).
fn temporary_password() -> String {
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

#[derive(Template)]
#[template(path = "person_new.html")]
struct NewPage {
    layout: Layout,
    input: PersonInput,
    units: Vec<Choice>,
    roles: Vec<Choice>,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(flatten)]
    input: PersonInput,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    role: String,
}

pub async fn new_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    let units = managed_unit_choices(&state, &identity, None).await?;
    render(&NewPage {
        layout: Layout::new("Thêm người dùng", &identity, "/nguoi-dung"),
        input: PersonInput::default(),
        units,
        roles: role_choices(&identity, Some(Role::Teacher)),
        errors: FieldErrors::default(),
    })
}

#[derive(Template)]
#[template(path = "person_password.html")]
struct PasswordShownPage {
    layout: Layout,
    person_id: i64,
    display_name: String,
    username: String,
    password: String,
    created: bool,
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let fields = match form.input.parse() {
        Ok(f) => Some(f),
        Err(list) => {
            for (field, e) in list {
                errors.add(field.as_str(), e.to_string());
            }
            None
        }
    };
    let unit = match form.unit_id.trim().parse::<i64>() {
        Ok(id) => state.store.unit(id).await?,
        Err(_) => None,
    };
    let unit = unit.filter(|u| authorize(&identity.permissions, Action::ManagePeople, Target::Unit(&u.ancestry)));
    if unit.is_none() {
        errors.add("unit_id", "Hãy chọn đơn vị thuộc phạm vi bạn quản lý.");
    }
    let role = if form.role.trim().is_empty() {
        None
    } else {
        Role::parse(&form.role)
    };
    if !form.role.trim().is_empty() && role.is_none() {
        errors.add("role", "Vai trò không hợp lệ.");
    }
    if let (Some(r), Some(u)) = (role, &unit)
        && !may_grant(&identity.permissions, r, &u.ancestry)
    {
        errors.add("role", "Bạn không thể giao vai trò này.");
    }
    if let (Some(fields), Some(unit), true) = (&fields, &unit, errors.is_empty()) {
        let temp = temporary_password();
        let hash = super::hash_password(&temp).await?;
        let ctx = identity.audit(&ip);
        match state
            .store
            .create_person(&ctx, unit.id, fields, Some(&hash), true)
            .await
        {
            Ok(person) => {
                if let Some(r) = role {
                    state.store.grant_role(&ctx, person.id, r, unit.id).await?;
                }
                return render(&PasswordShownPage {
                    layout: Layout::new("Đã tạo tài khoản", &identity, "/nguoi-dung"),
                    person_id: person.id,
                    display_name: person.display_name,
                    username: person.username,
                    password: temp,
                    created: true,
                });
            }
            Err(lanhmang_store::StoreError::Conflict(m)) => errors.add("username", m),
            Err(e) => return Err(e.into()),
        }
    }
    let units = managed_unit_choices(&state, &identity, unit.map(|u| u.id)).await?;
    let mut response = render(&NewPage {
        layout: Layout::new("Thêm người dùng", &identity, "/nguoi-dung"),
        input: form.input,
        units,
        roles: role_choices(&identity, role),
        errors,
    })?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

pub struct GrantRow {
    pub id: i64,
    pub role: &'static str,
    pub unit_id: i64,
    pub unit_name: String,
    pub can_revoke: bool,
}

#[derive(Template)]
#[template(path = "person_show.html")]
struct ShowPage {
    layout: Layout,
    person: Person,
    unit_name: String,
    grants: Vec<GrantRow>,
    can_manage: bool,
    is_self: bool,
    input: PersonInput,
    errors: FieldErrors,
    units: Vec<Choice>,
    roles: Vec<Choice>,
}

/// Loads a person and checks that `action` is allowed over their home unit.
async fn person_in_scope(
    state: &AppState,
    identity: &Identity,
    raw_id: &str,
    action: Action,
) -> Result<(Person, lanhmang_store::Unit), AppError> {
    let person = state.store.person(parse_id(raw_id)?).await?.ok_or(AppError::NotFound)?;
    let unit = state.store.unit(person.unit_id).await?.ok_or(AppError::NotFound)?;
    if !authorize(&identity.permissions, action, Target::Unit(&unit.ancestry)) {
        return Err(AppError::Forbidden);
    }
    Ok((person, unit))
}

async fn show_page(
    state: &AppState,
    identity: &Identity,
    person: Person,
    unit: lanhmang_store::Unit,
    input: Option<PersonInput>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let can_manage = authorize(
        &identity.permissions,
        Action::ManagePeople,
        Target::Unit(&unit.ancestry),
    );
    let mut grants = Vec::new();
    for g in state.store.grants_of(person.id).await? {
        let grant_unit = state.store.unit(g.unit_id).await?;
        let can_revoke = grant_unit.is_some_and(|u| may_grant(&identity.permissions, g.role, &u.ancestry));
        grants.push(GrantRow {
            id: g.id,
            role: g.role.label(),
            unit_id: g.unit_id,
            unit_name: g.unit_name,
            can_revoke,
        });
    }
    let input = input.unwrap_or_else(|| PersonInput {
        username: person.username.clone(),
        display_name: person.display_name.clone(),
        email: person.email.clone().unwrap_or_default(),
        phone: person.phone.clone().unwrap_or_default(),
    });
    let units = if can_manage {
        managed_unit_choices(state, identity, Some(unit.id)).await?
    } else {
        Vec::new()
    };
    let has_errors = !errors.is_empty();
    let mut response = render(&ShowPage {
        layout: Layout::new(person.display_name.clone(), identity, "/nguoi-dung").with_notice(notice),
        is_self: person.id == identity.person.id,
        unit_name: unit.name,
        person,
        grants,
        can_manage,
        input,
        errors,
        units,
        roles: role_choices(identity, None),
    })?;
    if has_errors {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct ShowQuery {
    tb: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let (person, unit) = person_in_scope(&state, &identity, &id, Action::ViewPeople).await?;
    show_page(
        &state,
        &identity,
        person,
        unit,
        None,
        FieldErrors::default(),
        q.tb.as_deref(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(id): Path<String>,
    PageForm(mut input): PageForm<PersonInput>,
) -> Result<Response, AppError> {
    let (person, unit) = person_in_scope(&state, &identity, &id, Action::ManagePeople).await?;
    // The username is fixed once created; only the other fields change here.
    input.username = person.username.clone();
    match input.parse() {
        Ok(fields) => {
            state
                .store
                .update_person(&identity.audit(&ip), person.id, &fields)
                .await?;
            Ok(Redirect::to(&format!("/nguoi-dung/{}?tb=da-luu", person.id)).into_response())
        }
        Err(list) => {
            let mut errors = FieldErrors::default();
            for (field, e) in list {
                errors.add(field.as_str(), e.to_string());
            }
            show_page(&state, &identity, person, unit, Some(input), errors, None).await
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_id: String,
}

pub async fn add_role(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(id): Path<String>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, AppError> {
    let (person, home) = person_in_scope(&state, &identity, &id, Action::ManagePeople).await?;
    let role = Role::parse(&form.role);
    let unit = match form.unit_id.trim().parse::<i64>() {
        Ok(uid) => state.store.unit(uid).await?,
        Err(_) => None,
    };
    let mut errors = FieldErrors::default();
    match (role, &unit) {
        (None, _) => errors.add("role", "Hãy chọn vai trò."),
        (_, None) => errors.add("grant_unit", "Hãy chọn đơn vị."),
        (Some(r), Some(u)) if !may_grant(&identity.permissions, r, &u.ancestry) => {
            errors.add("role", "Bạn không thể giao vai trò này tại đơn vị đã chọn.")
        }
        (Some(r), Some(u)) => {
            state.store.grant_role(&identity.audit(&ip), person.id, r, u.id).await?;
            return Ok(Redirect::to(&format!("/nguoi-dung/{}?tb=da-cap-quyen", person.id)).into_response());
        }
    }
    show_page(&state, &identity, person, home, None, errors, None).await
}

pub async fn remove_role(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path((id, grant_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (person, _) = person_in_scope(&state, &identity, &id, Action::ManagePeople).await?;
    let grant = state
        .store
        .grant(parse_id(&grant_id)?)
        .await?
        .filter(|g| g.person_id == person.id)
        .ok_or(AppError::NotFound)?;
    let unit = state.store.unit(grant.unit_id).await?.ok_or(AppError::NotFound)?;
    if !may_grant(&identity.permissions, grant.role, &unit.ancestry) {
        return Err(AppError::Forbidden);
    }
    state.store.revoke_role(&identity.audit(&ip), &grant).await?;
    Ok(Redirect::to(&format!("/nguoi-dung/{}?tb=da-thu-hoi", person.id)).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (person, _) = person_in_scope(&state, &identity, &id, Action::ManagePeople).await?;
    let temp = temporary_password();
    let hash = super::hash_password(&temp).await?;
    state
        .store
        .set_password(&identity.audit(&ip), person.id, &hash, true, None)
        .await?;
    render(&PasswordShownPage {
        layout: Layout::new("Đã đặt lại mật khẩu", &identity, "/nguoi-dung"),
        person_id: person.id,
        display_name: person.display_name,
        username: person.username,
        password: temp,
        created: false,
    })
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(id): Path<String>,
    PageForm(form): PageForm<DisableForm>,
) -> Result<Response, AppError> {
    let (person, _) = person_in_scope(&state, &identity, &id, Action::ManagePeople).await?;
    let disabled = match form.disabled.as_str() {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Thiếu lựa chọn khóa hay mở khóa tài khoản.".into(),
            ));
        }
    };
    if disabled && person.id == identity.person.id {
        return Err(AppError::Conflict(
            "Bạn không thể tự khóa tài khoản của chính mình.".into(),
        ));
    }
    state
        .store
        .set_disabled(&identity.audit(&ip), person.id, disabled)
        .await?;
    let notice = if disabled { "da-khoa" } else { "da-mo-khoa" };
    Ok(Redirect::to(&format!("/nguoi-dung/{}?tb={notice}", person.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = temporary_password();
            assert_eq!(p.len(), 14);
            assert_eq!(lanhmang_domain::password::check_policy(&p, "someone"), Ok(()));
        }
    }
}
