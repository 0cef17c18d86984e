//! People: list, detail, create, edit, roles, password reset, disabling. The rules live in
//! `lanhmang_app::people`; this module parses forms and renders.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::people::{self as app_people, NewPerson, PersonView, TemporaryPassword};
use lanhmang_domain::Role;
use lanhmang_domain::person::PersonInput;
use lanhmang_store::Person;
use serde::Deserialize;

use super::units::Choice;
use super::{PageForm, field_errors, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{FieldErrors, FilterBox, Layout, Pager, render};

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
    filter_box: FilterBox,
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
    let (people, total) = app_people::list(&state.app, &identity, Some(&q.q), paging).await?;
    let rows = people
        .into_iter()
        .map(|s| PersonRow {
            roles: s
                .grants
                .iter()
                .map(|g| format!("{} ({})", g.role.label(), g.unit_name))
                .collect::<Vec<_>>()
                .join("; "),
            unit_name: s.unit_name,
            id: s.person.id,
            display_name: s.person.display_name,
            username: s.person.username,
            disabled: s.person.disabled,
        })
        .collect();
    render(&ListPage {
        layout: Layout::new("Người dùng", &identity, "/nguoi-dung").with_notice(q.tb.as_deref()),
        rows,
        pager: Pager::new(
            "/nguoi-dung",
            &[("q", q.q.clone()), ("per_page", q.per_page.clone().unwrap_or_default())],
            paging,
            total,
        ),
        filter_box: FilterBox::of(&[&q.q]),
        q: q.q,
        can_create: app_people::may_create(&identity),
    })
}

/// Units in which the person may manage people, as choices.
async fn unit_choices(state: &AppState, identity: &Identity, selected: Option<i64>) -> Result<Vec<Choice>, AppError> {
    Ok(app_people::units_for_people(&state.app, identity)
        .await?
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

/// The roles the person may grant somewhere: a principal sees only collaborators and parent
/// representatives.
fn role_choices(identity: &Identity, selected: Option<Role>) -> Vec<Choice> {
    app_people::roles_offered(identity)
        .into_iter()
        .map(|r| (r.as_str().to_string(), r.label().to_string(), selected == Some(r)))
        .collect()
}

/// The role to preselect on a new account: a teacher when offered, else the first offered.
fn default_role(identity: &Identity) -> Option<Role> {
    let offered = app_people::roles_offered(identity);
    if offered.contains(&Role::Teacher) {
        Some(Role::Teacher)
    } else {
        offered.first().copied()
    }
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

/// What a link may preselect on the new-account form ("add this school's principal").
#[derive(Deserialize, Default)]
pub struct NewFormQuery {
    unit_id: Option<String>,
    role: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NewFormQuery>,
) -> Result<Response, AppError> {
    // A preselection only picks among the choices offered; anything else is ignored.
    let unit = q.unit_id.as_deref().and_then(|u| u.trim().parse::<i64>().ok());
    let role = q
        .role
        .as_deref()
        .and_then(Role::parse)
        .filter(|r| app_people::roles_offered(&identity).contains(r))
        .or_else(|| default_role(&identity));
    let units = unit_choices(&state, &identity, unit).await?;
    render(&NewPage {
        layout: Layout::new("Thêm người dùng", &identity, "/nguoi-dung"),
        input: PersonInput::default(),
        units,
        roles: role_choices(&identity, role),
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

fn password_shown(identity: &Identity, shown: TemporaryPassword, created: bool) -> Result<Response, AppError> {
    let title = if created {
        "Đã tạo tài khoản"
    } else {
        "Đã đặt lại mật khẩu"
    };
    render(&PasswordShownPage {
        layout: Layout::new(title, identity, "/nguoi-dung"),
        person_id: shown.person.id,
        display_name: shown.person.display_name,
        username: shown.person.username,
        password: shown.password,
        created,
    })
}

fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, AppError> {
    let unit_id = form.unit_id.trim().parse::<i64>().ok();
    let raw_role = form.role.trim();
    let role = (!raw_role.is_empty()).then(|| Role::parse(raw_role).ok_or_else(|| raw_role.to_string()));
    let new = NewPerson {
        input: form.input.clone(),
        unit_id,
        role: role.clone(),
    };
    match app_people::create(&state.app, &identity, new).await {
        Ok(shown) => password_shown(&identity, shown, true),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let units = unit_choices(&state, &identity, unit_id).await?;
            Ok(unprocessable(render(&NewPage {
                layout: Layout::new("Thêm người dùng", &identity, "/nguoi-dung"),
                input: form.input,
                units,
                roles: role_choices(&identity, role.and_then(Result::ok)),
                errors: field_errors(&problems),
            })?))
        }
        Err(e) => Err(e.into()),
    }
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
    /// For the office's records (S2.2): the trainings the person attended, nothing more.
    trainings: Vec<super::trainings::AttendedRow>,
}

async fn show_page(
    state: &AppState,
    identity: &Identity,
    view: PersonView,
    input: Option<PersonInput>,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let PersonView {
        person,
        home,
        grants,
        can_manage,
    } = view;
    let grants = grants
        .into_iter()
        .map(|g| GrantRow {
            id: g.grant.id,
            role: g.grant.role.label(),
            unit_id: g.grant.unit_id,
            unit_name: g.grant.unit_name,
            can_revoke: g.can_revoke,
        })
        .collect();
    let input = input.unwrap_or_else(|| PersonInput {
        username: person.username.clone(),
        display_name: person.display_name.clone(),
        email: person.email.clone().unwrap_or_default(),
        phone: person.phone.clone().unwrap_or_default(),
    });
    let units = if can_manage {
        unit_choices(state, identity, Some(home.id)).await?
    } else {
        Vec::new()
    };
    let has_errors = !errors.is_empty();
    let trainings = super::trainings::attended_rows(state, identity, person.id).await?;
    let response = render(&ShowPage {
        layout: Layout::new(person.display_name.clone(), identity, "/nguoi-dung").with_notice(notice),
        is_self: person.id == identity.person.id,
        unit_name: home.name,
        person,
        grants,
        can_manage,
        input,
        errors,
        units,
        roles: role_choices(identity, None),
        trainings,
    })?;
    Ok(if has_errors { unprocessable(response) } else { response })
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
    let view = app_people::visible(&state.app, &identity, parse_id(&id)?).await?;
    show_page(&state, &identity, view, None, FieldErrors::default(), q.tb.as_deref()).await
}

/// Shows the person's page again with the problems beside their fields.
async fn redisplay(
    state: &AppState,
    identity: &Identity,
    person_id: i64,
    input: Option<PersonInput>,
    problems: &[lanhmang_app::Problem],
) -> Result<Response, AppError> {
    let view = app_people::visible(&state.app, identity, person_id).await?;
    let response = show_page(state, identity, view, input, field_errors(problems), None).await?;
    Ok(unprocessable(response))
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(input): PageForm<PersonInput>,
) -> Result<Response, AppError> {
    let person_id = parse_id(&id)?;
    match app_people::update(&state.app, &identity, person_id, input.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/nguoi-dung/{person_id}?tb=da-luu")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            redisplay(&state, &identity, person_id, Some(input), &problems).await
        }
        Err(e) => Err(e.into()),
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
    Path(id): Path<String>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, AppError> {
    let person_id = parse_id(&id)?;
    let role = Role::parse(&form.role);
    let unit_id = form.unit_id.trim().parse::<i64>().ok();
    match app_people::grant_role(&state.app, &identity, person_id, role, unit_id).await {
        Ok(()) => Ok(Redirect::to(&format!("/nguoi-dung/{person_id}?tb=da-cap-quyen")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            redisplay(&state, &identity, person_id, None, &problems).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_role(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, grant_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let person_id = parse_id(&id)?;
    app_people::revoke_role(&state.app, &identity, person_id, parse_id(&grant_id)?).await?;
    Ok(Redirect::to(&format!("/nguoi-dung/{person_id}?tb=da-thu-hoi")).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let shown = app_people::reset_password(&state.app, &identity, parse_id(&id)?).await?;
    password_shown(&identity, shown, false)
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<DisableForm>,
) -> Result<Response, AppError> {
    let person_id = parse_id(&id)?;
    let disabled = match form.disabled.as_str() {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Thiếu lựa chọn khóa hay mở khóa tài khoản.".into(),
            ));
        }
    };
    app_people::set_disabled(&state.app, &identity, person_id, disabled).await?;
    let notice = if disabled { "da-khoa" } else { "da-mo-khoa" };
    Ok(Redirect::to(&format!("/nguoi-dung/{person_id}?tb={notice}")).into_response())
}
