//! Families: the school's page of classes and invitation codes (with a printable invitation and
//! its QR code), the parents who joined; the public sign-up with a code; and a parent's home,
//! built for a phone. Rules live in `lanhmang_app::parents`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::notices as notice_service;
use lanhmang_app::parents::{self as service};
use lanhmang_domain::parents::{INVITATION_DAYS, SignupInput};
use lanhmang_store::parents::Invitation;
use serde::Deserialize;

use super::incidents::{public_layout, with_cookie};
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::{ClientIp, Identity};
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render, render_form};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/lop-hoc");
    layout.notice = notice.and_then(|code| match code {
        "da-thu-hoi" => Some("Đã thu hồi mã mời. Cha mẹ đã tham gia vẫn ở trong lớp."),
        "da-xoa" => Some("Đã đưa phụ huynh ra khỏi lớp."),
        "da-cu-dai-dien" => Some("Đã cử phụ huynh làm đại diện lớp: họ thấy số phụ huynh đã tham gia và mã mời của lớp để gửi các gia đình khác."),
        "da-thoi-dai-dien" => Some("Phụ huynh đã thôi làm đại diện lớp."),
        "ma-moi-lop" => Some("Mã mời của lớp ở dưới đây: anh/chị gửi cho các gia đình chưa tham gia."),
        "da-tham-gia" => Some("Anh/chị đã vào lớp. Thông báo của nhà trường gửi lớp sẽ hiện ở đây."),
        "da-dang-ky" => Some("Đã tạo tài khoản và vào lớp. Chào mừng anh/chị đến với Lành Mạng."),
        _ => None,
    });
    layout
}

/// The address a parent opens to sign up with this code (what the QR code holds).
fn signup_path(code: &str) -> String {
    format!("/tham-gia?ma={code}")
}

// ---------------------------------------------------------------------------------------------
// The school's side.

#[derive(Template)]
#[template(path = "families_schools.html")]
struct SchoolsPage {
    layout: Layout,
    /// (id, name)
    schools: Vec<(i64, String)>,
}

/// The schools whose families the person reaches; with one, its page at once.
pub async fn schools(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    let list = service::schools(&state.app, &identity).await?;
    if let [one] = list.as_slice() {
        return Ok(Redirect::to(&format!("/lop-hoc/{}", one.id)).into_response());
    }
    render(&SchoolsPage {
        layout: layout("Lớp và cha mẹ học sinh", &identity, None),
        schools: list.into_iter().map(|u| (u.id, u.name)).collect(),
    })
}

/// One invitation, as the school's list shows it.
pub struct InvitationRow {
    id: i64,
    class_name: String,
    code: String,
    expires: String,
    joined: i64,
    /// "Đang dùng", "Hết hạn", "Đã thu hồi".
    state: &'static str,
    open: bool,
}

fn invitation_row(i: &Invitation) -> InvitationRow {
    let now = lanhmang_store::now();
    InvitationRow {
        id: i.id,
        class_name: i.class_name.clone(),
        code: i.code.clone(),
        expires: date_time(i.expires_at),
        joined: i.joined,
        state: if i.revoked_at.is_some() {
            "Đã thu hồi"
        } else if i.open_at(now) {
            "Đang dùng"
        } else {
            "Hết hạn"
        },
        open: i.open_at(now),
    }
}

#[derive(Template)]
#[template(path = "families_school.html")]
struct SchoolPage {
    layout: Layout,
    unit_id: i64,
    unit_name: String,
    invitations: Vec<InvitationRow>,
    /// (class, parents)
    classes: Vec<(String, i64)>,
    pager: Pager,
    class_name: String,
    errors: FieldErrors,
    days: i64,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

async fn school_page(
    state: &AppState,
    identity: &Identity,
    unit_id: i64,
    q: &PageQuery,
    class_name: String,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let (unit, list, total, classes) = service::invitations(&state.app, identity, unit_id, paging).await?;
    let invalid = !errors.is_empty();
    let page = SchoolPage {
        layout: layout(
            format!("Lớp và cha mẹ học sinh · {}", unit.name),
            identity,
            q.tb.as_deref(),
        ),
        unit_id: unit.id,
        unit_name: unit.name,
        invitations: list.iter().map(invitation_row).collect(),
        classes: classes.into_iter().map(|c| (c.class_name, c.parents)).collect(),
        pager: Pager::new(&format!("/lop-hoc/{unit_id}"), &[], paging, total),
        class_name,
        errors,
        days: INVITATION_DAYS,
    };
    render_form(&page, invalid)
}

pub async fn school(
    State(state): State<AppState>,
    identity: Identity,
    Path(unit_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    school_page(
        &state,
        &identity,
        parse_id(&unit_id)?,
        &q,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    class_name: String,
}

pub async fn invite(
    State(state): State<AppState>,
    identity: Identity,
    Path(unit_id): Path<String>,
    PageForm(form): PageForm<InviteForm>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&unit_id)?;
    match service::invite(&state.app, &identity, unit_id, &form.class_name).await {
        Ok(i) => Ok(Redirect::to(&format!("/lop-hoc/{unit_id}/ma-moi/{}", i.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let errors = super::field_errors(&problems);
            school_page(
                &state,
                &identity,
                unit_id,
                &PageQuery::default(),
                form.class_name,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "family_invitation.html")]
struct InvitationPage {
    layout: Layout,
    unit_id: i64,
    unit_name: String,
    row: InvitationRow,
    qr: String,
    url: String,
    /// The address without its scheme, to type.
    typed: String,
}

/// The invitation to print or show at the parents' meeting: the code, its QR code, the steps.
pub async fn invitation(
    State(state): State<AppState>,
    identity: Identity,
    headers: HeaderMap,
    Path((unit_id, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&unit_id)?;
    let id = parse_id(&id)?;
    let (unit, invitation) = service::invitation(&state.app, &identity, unit_id, id).await?;
    let url = super::absolute_url(&state, &headers, &signup_path(&invitation.code));
    render(&InvitationPage {
        layout: layout(format!("Mã mời lớp {}", invitation.class_name), &identity, None),
        unit_id: unit.id,
        unit_name: unit.name,
        qr: crate::qr::svg_for(&url, &format!("Mã QR để cha mẹ lớp {} tham gia", invitation.class_name))
            .unwrap_or_default(),
        typed: url.split("//").nth(1).unwrap_or(&url).to_string(),
        url,
        row: invitation_row(&invitation),
    })
}

pub async fn revoke(
    State(state): State<AppState>,
    identity: Identity,
    Path((unit_id, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&unit_id)?;
    service::revoke(&state.app, &identity, unit_id, parse_id(&id)?).await?;
    Ok(Redirect::to(&format!("/lop-hoc/{unit_id}?tb=da-thu-hoi")).into_response())
}

/// A parent in a class: (person id, name, contact, class, joined, representative).
type ParentLine = (i64, String, String, String, String, bool);

#[derive(Template)]
#[template(path = "families_parents.html")]
struct ParentsPage {
    layout: Layout,
    unit_id: i64,
    class_name: String,
    /// The classes to filter by.
    classes: Vec<String>,
    rows: Vec<ParentLine>,
    pager: Pager,
    total: i64,
}

#[derive(Deserialize, Default)]
pub struct ParentsQuery {
    lop: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    tb: Option<String>,
}

pub async fn parents(
    State(state): State<AppState>,
    identity: Identity,
    Path(unit_id): Path<String>,
    Query(q): Query<ParentsQuery>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&unit_id)?;
    let paging = super::paging(&q.page, &q.per_page)?;
    let class = q.lop.clone().unwrap_or_default();
    let (rows, total) = service::parents(&state.app, &identity, unit_id, Some(&class), paging).await?;
    let classes = state.app.store.classes_of_school(unit_id).await?;
    let filter: Vec<(&str, String)> = if class.is_empty() {
        Vec::new()
    } else {
        vec![("lop", class.clone())]
    };
    render(&ParentsPage {
        layout: layout("Cha mẹ học sinh đã tham gia", &identity, q.tb.as_deref()),
        unit_id,
        classes: classes.into_iter().map(|c| c.class_name).collect(),
        rows: rows
            .into_iter()
            .map(|p| {
                let contact = [p.phone, p.email].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                (
                    p.person_id,
                    p.display_name,
                    contact,
                    p.class_name,
                    date_time(p.joined_at),
                    p.representative,
                )
            })
            .collect(),
        pager: Pager::new(&format!("/lop-hoc/{unit_id}/cha-me"), &filter, paging, total),
        class_name: class,
        total,
    })
}

#[derive(Deserialize, Default)]
pub struct RemoveForm {
    #[serde(default)]
    class_name: String,
}

pub async fn remove(
    State(state): State<AppState>,
    identity: Identity,
    Path((unit_id, id)): Path<(String, String)>,
    PageForm(form): PageForm<RemoveForm>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&unit_id)?;
    service::remove(&state.app, &identity, unit_id, parse_id(&id)?, &form.class_name).await?;
    Ok(Redirect::to(&format!("/lop-hoc/{unit_id}/cha-me?tb=da-xoa")).into_response())
}

#[derive(Deserialize, Default)]
pub struct RepresentativeForm {
    #[serde(default)]
    class_name: String,
    #[serde(default)]
    representative: String,
}

/// The school names a parent as one of the class's representatives, or no longer.
pub async fn set_representative(
    State(state): State<AppState>,
    identity: Identity,
    Path((unit_id, id)): Path<(String, String)>,
    PageForm(form): PageForm<RepresentativeForm>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&unit_id)?;
    let representative = match form.representative.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("Thiếu lựa chọn cử hay thôi đại diện lớp.".into())),
    };
    service::set_representative(
        &state.app,
        &identity,
        unit_id,
        parse_id(&id)?,
        &form.class_name,
        representative,
    )
    .await?;
    let done = if representative {
        "da-cu-dai-dien"
    } else {
        "da-thoi-dai-dien"
    };
    Ok(Redirect::to(&format!("/lop-hoc/{unit_id}/cha-me?tb={done}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Signing up with a code (public).

#[derive(Deserialize, Default)]
pub struct SignupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

#[derive(Template)]
#[template(path = "family_signup.html")]
struct SignupPage {
    layout: Layout,
    form: SignupForm,
    /// "lớp 4B, Trường Tiểu học …" when the code is good.
    class: String,
    errors: FieldErrors,
    min_password: usize,
}

#[derive(Deserialize, Default)]
pub struct SignupQuery {
    ma: Option<String>,
}

fn signup_page(
    state: &AppState,
    identity: Option<&Identity>,
    headers: &HeaderMap,
    form: SignupForm,
    class: String,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let (layout, set) = public_layout(state, identity, headers, "Cha mẹ tham gia lớp");
    let invalid = !errors.is_empty();
    let page = SignupPage {
        layout,
        form,
        class,
        errors,
        min_password: lanhmang_domain::password::MIN_LEN,
    };
    Ok(with_cookie(render_form(&page, invalid)?, set))
}

fn class_text(i: &Invitation) -> String {
    format!("lớp {}, {}", i.class_name, i.unit_name)
}

pub async fn signup_form(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    ip: ClientIp,
    headers: HeaderMap,
    Query(q): Query<SignupQuery>,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    let code = q.ma.unwrap_or_default();
    // Signed in already: the code adds a class to the account.
    if let Some(identity) = &identity {
        return home_page(&state, identity, None, code, FieldErrors::default()).await;
    }
    let mut errors = FieldErrors::default();
    let class = if code.trim().is_empty() {
        String::new()
    } else {
        match service::class_of_code(&state.app, &ip.throttle_key(), &code).await {
            Ok(i) => class_text(&i),
            Err(lanhmang_app::AppError::Invalid(problems)) => {
                errors = super::field_errors(&problems);
                String::new()
            }
            Err(e) => return Err(e.into()),
        }
    };
    let form = SignupForm {
        code,
        ..Default::default()
    };
    // A bad code in the link is shown beside the field, on a page that still loads.
    let mut response = signup_page(&state, None, &headers, form, class, errors)?;
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

pub async fn signup(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    PageForm(form): PageForm<SignupForm>,
) -> Result<Response, AppError> {
    let input = SignupInput {
        code: form.code.clone(),
        name: form.name.clone(),
        username: form.username.clone(),
        password: form.password.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
    };
    match service::sign_up(&state.app, &ip.0, &ip.throttle_key(), &input).await {
        Ok((person, _)) => super::login::start_session(&state, person.id, &ip, "/gia-dinh?tb=da-dang-ky").await,
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let errors = super::field_errors(&problems);
            let form = SignupForm {
                password: String::new(),
                ..form
            };
            signup_page(&state, None, &headers, form, String::new(), errors)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A parent's home.

/// A class the parent represents.
struct RepresentedLine {
    unit_id: i64,
    class_name: String,
    school: String,
    families: i64,
    /// (code, sign-up path, valid until) of the code open now.
    code: Option<(String, String, String)>,
}

/// A notice on the parent's home: (id, title, from, sent, state, unread).
type HomeNotice = (i64, String, String, String, &'static str, bool);

#[derive(Template)]
#[template(path = "family_home.html")]
struct HomePage {
    layout: Layout,
    /// (class, school)
    classes: Vec<(String, String)>,
    notices: Vec<HomeNotice>,
    more: bool,
    /// The reports the parent sent: (id, what, school, received, state).
    reports: Vec<(i64, String, String, String, &'static str)>,
    more_reports: bool,
    represented: Vec<RepresentedLine>,
    /// Stories the school asked the parent about: (id, title, pupil, school, answered).
    stories: Vec<(i64, String, String, String, bool)>,
    code: String,
    errors: FieldErrors,
}

async fn home_page(
    state: &AppState,
    identity: &Identity,
    notice: Option<&str>,
    code: String,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let classes = service::my_classes(&state.app, identity).await?;
    let represented = service::represented_classes(&state.app, identity)
        .await?
        .into_iter()
        .map(|r| RepresentedLine {
            unit_id: r.class.unit_id,
            class_name: r.class.class_name,
            school: r.class.unit_name,
            families: r.families,
            code: r
                .invitation
                .map(|i| (i.code.clone(), signup_path(&i.code), date_time(i.expires_at))),
        })
        .collect();
    let paging = lanhmang_domain::Paging::default();
    let (items, total) = notice_service::list(&state.app, identity, false, paging).await?;
    // A parent follows their reports where they read the school's notices.
    let mine = lanhmang_app::incidents::RawFilter {
        mine: Some("reported".into()),
        ..Default::default()
    };
    let recent = lanhmang_domain::Paging { page: 1, per_page: 5 };
    let (reports, reports_total) = lanhmang_app::incidents::list(&state.app, identity, &mine, recent).await?;
    let stories = lanhmang_app::stories::parent_requests(&state.app, identity)
        .await?
        .into_iter()
        .map(|r| {
            let answered = r
                .consents
                .iter()
                .any(|c| c.given_by == lanhmang_domain::story::GivenBy::Parent);
            (r.story_id, r.title, r.subject.name, r.unit_name, answered)
        })
        .collect();
    let mut layout = layout("Gia đình", identity, notice);
    layout.nav.iter_mut().for_each(|n| n.active = n.href == "/");
    let invalid = !errors.is_empty();
    let page = HomePage {
        layout,
        classes: classes.into_iter().map(|c| (c.class_name, c.unit_name)).collect(),
        more: total > items.len() as i64,
        notices: items
            .iter()
            .filter(|l| l.addressed)
            .map(|l| {
                let n = &l.notice;
                let state = match (l.read_at, l.acknowledged_at) {
                    (_, Some(_)) => "Đã xác nhận",
                    (Some(_), None) if n.ack_required => "Cần bấm «Đã nhận»",
                    (Some(_), None) => "Đã đọc",
                    (None, _) => "Mới",
                };
                (
                    n.id,
                    n.title.clone(),
                    n.unit_name.clone(),
                    date_time(n.created_at),
                    state,
                    l.read_at.is_none(),
                )
            })
            .collect(),
        represented,
        stories,
        more_reports: reports_total > reports.len() as i64,
        reports: reports
            .into_iter()
            .map(|r| {
                let i = r.incident;
                (
                    i.id,
                    i.category_name,
                    i.unit_name,
                    date_time(i.received_at),
                    i.state.label(),
                )
            })
            .collect(),
        code,
        errors,
    };
    render_form(&page, invalid)
}

#[derive(Deserialize, Default)]
pub struct ClassForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    class_name: String,
}

/// A class's representative takes the class's code to share (a new one when none is open).
pub async fn representative_invitation(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<ClassForm>,
) -> Result<Response, AppError> {
    let unit_id = parse_id(&form.unit_id)?;
    service::invite_as_representative(&state.app, &identity, unit_id, &form.class_name).await?;
    Ok(Redirect::to("/gia-dinh?tb=ma-moi-lop").into_response())
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    tb: Option<String>,
}

pub async fn home(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<HomeQuery>,
) -> Result<Response, AppError> {
    home_page(
        &state,
        &identity,
        q.tb.as_deref(),
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct JoinForm {
    #[serde(default)]
    code: String,
}

pub async fn join(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<JoinForm>,
) -> Result<Response, AppError> {
    match service::join(&state.app, &identity, &form.code).await {
        Ok(_) => Ok(Redirect::to("/gia-dinh?tb=da-tham-gia").into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            home_page(&state, &identity, None, form.code, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}
