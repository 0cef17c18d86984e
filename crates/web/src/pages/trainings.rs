//! Trainings (tập huấn): the list, the scheduling form, a training's page (for the invited:
//! registration, the attendance code, the tests, the certificate; for organizers: the code with
//! its QR, the people with hand attendance, the results), the tests, the certificate, and the
//! public verification page. Rules live in `lanhmang_app::trainings`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::trainings::{self as service, duration_text, when_text};
use lanhmang_domain::lesson::{LessonBand, built_in};
use lanhmang_domain::training::{AUDIENCE_ROLES, TrainingInput};
use lanhmang_store::trainings::Phase;
use serde::Deserialize;

use super::lessons::letter;
use super::{Choice, PageForm, all, one, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{FieldErrors, Layout, Pager, render, render_form};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/tap-huan");
    layout.notice = notice.and_then(|code| match code {
        "da-len-lich" => Some("Đã lên lịch buổi tập huấn và gửi thư mời."),
        "da-dang-ky" => Some("Đã đăng ký. Hẹn gặp anh/chị tại buổi tập huấn."),
        "da-huy" => Some("Đã hủy đăng ký."),
        "da-diem-danh" => Some("Đã điểm danh. Cảm ơn anh/chị đã tham dự."),
        "da-luu" => Some("Đã lưu điểm danh."),
        "da-sua" => Some("Đã lưu thay đổi. Nếu giờ hoặc địa điểm đổi, người được mời đã nhận thông báo."),
        "da-huy-buoi" => Some("Đã hủy buổi tập huấn và báo cho người được mời."),
        _ => None,
    });
    layout
}

/// A training a person attended, as their account page and their page in the people list show it.
pub struct AttendedRow {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub unit_name: String,
    /// The certificate's code as printed (ABCD-EFGH-JKLM).
    pub certificate: Option<String>,
}

pub async fn attended_rows(
    state: &AppState,
    identity: &Identity,
    person_id: i64,
) -> Result<Vec<AttendedRow>, AppError> {
    Ok(service::attended(&state.app, identity, person_id)
        .await?
        .into_iter()
        .map(|t| AttendedRow {
            id: t.training_id,
            title: t.title,
            when: when_text(t.starts_at),
            unit_name: t.unit_name,
            certificate: t.certificate_code.map(|c| service::spaced_code(&c)),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The list.

pub struct Row {
    id: i64,
    title: String,
    when: String,
    unit_name: String,
    seats: String,
}

#[derive(Template)]
#[template(path = "training_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    may_schedule: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let (items, total) = service::list(&state.app, &identity, paging).await?;
    render(&ListPage {
        layout: layout("Tập huấn", &identity, None),
        rows: items
            .iter()
            .map(|t| Row {
                id: t.id,
                title: t.title.clone(),
                when: when_text(t.starts_at),
                unit_name: t.unit_name.clone(),
                seats: format!("{}/{}", t.registered, t.capacity),
            })
            .collect(),
        pager: Pager::new("/tap-huan", &[], paging, total),
        may_schedule: lanhmang_domain::permission::can_somewhere(
            &identity.permissions,
            lanhmang_domain::Action::ManageTrainings,
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Scheduling.

#[derive(Template)]
#[template(path = "training_form.html")]
struct FormPage {
    layout: Layout,
    /// Some(id) when changing a scheduled training: its audience and test are shown, not asked.
    editing: Option<i64>,
    units: Vec<Choice>,
    audience_units: Vec<Choice>,
    roles: Vec<Choice>,
    lessons: Vec<Choice>,
    tests: Vec<Choice>,
    input: TrainingInput,
    errors: FieldErrors,
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    editing: Option<i64>,
    unit_id: &str,
    input: TrainingInput,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let organizer_units = service::organizer_units(&state.app, identity).await?;
    let mut audience_units: Vec<Choice> = Vec::new();
    for u in &organizer_units {
        audience_units.push((
            u.id.to_string(),
            u.name.clone(),
            input.units.contains(&u.id.to_string()),
        ));
        for s in state.app.store.active_schools_under(u.id).await? {
            if s.id != u.id {
                audience_units.push((
                    s.id.to_string(),
                    s.name.clone(),
                    input.units.contains(&s.id.to_string()),
                ));
            }
        }
    }
    // Staff and parents' lessons are what a training uses; pupils' lessons are for classes.
    let adult = |b: LessonBand| matches!(b, LessonBand::Staff | LessonBand::Parents);
    let lessons = built_in()
        .iter()
        .filter(|l| adult(l.content.band))
        .map(|l| {
            (
                l.id.clone(),
                format!("{} ({})", l.content.title, l.content.band.label()),
                input.materials.contains(&l.id),
            )
        })
        .collect();
    let tests = built_in()
        .iter()
        .filter(|l| l.content.band == LessonBand::Staff)
        .map(|l| (l.id.clone(), l.content.title.clone(), input.test_lesson == l.id))
        .collect();
    let invalid = !errors.is_empty();
    let heading = if editing.is_some() {
        "Sửa buổi tập huấn"
    } else {
        "Lên lịch tập huấn"
    };
    let page = FormPage {
        layout: layout(heading, identity, None),
        editing,
        units: organizer_units
            .iter()
            .map(|u| (u.id.to_string(), u.name.clone(), u.id.to_string() == unit_id))
            .collect(),
        audience_units,
        roles: AUDIENCE_ROLES
            .iter()
            .map(|r| {
                (
                    r.as_str().to_string(),
                    r.label().to_string(),
                    input.roles.iter().any(|x| x == r.as_str()),
                )
            })
            .collect(),
        lessons,
        tests,
        input,
        errors,
    };
    render_form(&page, invalid)
}

pub async fn new_form(State(state): State<AppState>, identity: Identity) -> Result<Response, AppError> {
    let input = TrainingInput {
        minutes: "120".into(),
        capacity: "50".into(),
        time: "08:00".into(),
        ..Default::default()
    };
    form_page(&state, &identity, None, "", input, FieldErrors::default()).await
}

/// A form's fields as the use case's input.
pub fn input_from(fields: &[(String, String)]) -> TrainingInput {
    TrainingInput {
        title: one(fields, "title"),
        date: one(fields, "date"),
        time: one(fields, "time"),
        minutes: one(fields, "minutes"),
        place: one(fields, "place"),
        online_link: one(fields, "online_link"),
        capacity: one(fields, "capacity"),
        roles: all(fields, "roles"),
        units: all(fields, "units"),
        webadmins_with_findings: one(fields, "webadmins_with_findings") == "1",
        materials: all(fields, "materials"),
        test_lesson: one(fields, "test_lesson"),
    }
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let input = input_from(&fields);
    let unit_raw = one(&fields, "unit_id");
    let unit_id = unit_raw.trim().parse::<i64>().ok().filter(|id| *id > 0);
    match service::schedule(&state.app, &identity, unit_id, &input).await {
        Ok(done) => Ok(Redirect::to(&format!("/tap-huan/{}?tb=da-len-lich", done.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(
                &state,
                &identity,
                None,
                &unit_raw,
                input,
                super::field_errors(&problems),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let view = service::get(&state.app, &identity, id).await?;
    if !view.organizer {
        return Err(AppError::Forbidden);
    }
    if !view.may_edit {
        return Err(lanhmang_app::AppError::Conflict(
            "Buổi tập huấn đã bắt đầu hoặc đã bị hủy; không sửa được nữa.".into(),
        )
        .into());
    }
    let input = service::input_of(&view.training);
    form_page(&state, &identity, Some(id), "", input, FieldErrors::default()).await
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input = input_from(&fields);
    match service::update(&state.app, &identity, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/tap-huan/{id}?tb=da-sua")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            // The form shows the audience and test as scheduled, not as posted.
            let view = service::get(&state.app, &identity, id).await?;
            let input = TrainingInput {
                roles: view.training.audience_roles.clone(),
                units: view.training.audience_units.iter().map(i64::to_string).collect(),
                webadmins_with_findings: view.training.webadmins_with_findings,
                test_lesson: view.training.test_lesson_id.clone().unwrap_or_default(),
                ..input
            };
            form_page(&state, &identity, Some(id), "", input, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<CancelForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match service::cancel(&state.app, &identity, id, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/tap-huan/{id}?tb=da-huy-buoi")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            show_page(&state, &identity, id, None, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A training's page.

/// An invited person on the organizer's list.
pub struct PersonRow {
    id: i64,
    name: String,
    unit_name: String,
    registered: bool,
    present: bool,
    how: &'static str,
}

/// One question's results: number, text, pre %, post %, gain.
pub struct GainRow {
    number: usize,
    text: String,
    pre: String,
    post: String,
    gain: String,
}

#[derive(Template)]
#[template(path = "training_show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    title: String,
    when: String,
    duration: String,
    place: String,
    online_link: String,
    unit_name: String,
    seats: String,
    audience: String,
    materials: Vec<(String, String)>,
    has_test: bool,
    organizer: bool,
    invited: bool,
    registered: bool,
    attended: bool,
    pre_done: bool,
    post_done: bool,
    may_register: bool,
    may_unregister: bool,
    may_check_in: bool,
    may_pre_test: bool,
    may_post_test: bool,
    may_certificate: bool,
    ended: bool,
    cancelled: bool,
    cancel_reason: String,
    may_edit: bool,
    may_cancel: bool,
    code: String,
    code_spaced: String,
    qr: String,
    people: Vec<PersonRow>,
    results: Vec<GainRow>,
    errors: FieldErrors,
}

fn percent(p: Option<i64>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
}

async fn show_page(
    state: &AppState,
    identity: &Identity,
    id: i64,
    notice: Option<&str>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let v = service::get(&state.app, identity, id).await?;
    let t = &v.training;
    let mut audience: Vec<String> = t.audience_roles.iter().map(|r| service::role_label(r)).collect();
    if t.webadmins_with_findings {
        audience.push("Quản trị website của trường có lỗi giám sát chưa khắc phục".into());
    }
    let code_spaced = format!(
        "{} {}",
        &t.attendance_code[..3.min(t.attendance_code.len())],
        &t.attendance_code[3.min(t.attendance_code.len())..]
    );
    let qr_target = state.app.settings.links.url(&format!("/tap-huan/{id}"));
    let invalid = !errors.is_empty();
    let reg = v.registration.as_ref();
    let page = ShowPage {
        layout: layout(t.title.clone(), identity, notice),
        id,
        title: t.title.clone(),
        when: when_text(t.starts_at),
        duration: duration_text(t.minutes),
        place: t.place.clone().unwrap_or_default(),
        online_link: t.online_link.clone().unwrap_or_default(),
        unit_name: t.unit_name.clone(),
        seats: format!("{}/{}", t.registered, t.capacity),
        audience: audience.join(", "),
        materials: v.materials.clone(),
        has_test: !v.questions.is_empty(),
        organizer: v.organizer,
        invited: v.invited,
        registered: reg.is_some(),
        attended: reg.is_some_and(|r| r.attended_at.is_some()),
        pre_done: reg.is_some_and(|r| r.pre_done),
        post_done: reg.is_some_and(|r| r.post_done),
        may_register: v.may_register,
        may_unregister: v.may_unregister,
        may_check_in: v.may_check_in,
        may_pre_test: v.may_pre_test,
        may_post_test: v.may_post_test,
        may_certificate: v.may_download_certificate,
        ended: v.ended,
        cancelled: t.cancelled,
        cancel_reason: t.cancel_reason.clone().unwrap_or_default(),
        may_edit: v.may_edit,
        may_cancel: v.may_cancel,
        code: if v.organizer && !t.cancelled {
            t.attendance_code.clone()
        } else {
            String::new()
        },
        code_spaced: if v.organizer { code_spaced } else { String::new() },
        qr: if v.organizer {
            crate::qr::svg_for(
                &qr_target,
                &format!("Mã QR mở trang buổi tập huấn, mã điểm danh {}", t.attendance_code),
            )
            .unwrap_or_default()
        } else {
            String::new()
        },
        people: v
            .invitees
            .iter()
            .map(|i| PersonRow {
                id: i.person_id,
                name: i.display_name.clone(),
                unit_name: i.unit_name.clone(),
                registered: i.registration.is_some(),
                present: i.registration.as_ref().is_some_and(|r| r.attended_at.is_some()),
                how: match i.registration.as_ref().and_then(|r| r.attendance_by.as_deref()) {
                    Some("code") => "tự điểm danh bằng mã",
                    Some("hand") => "ban tổ chức đánh dấu",
                    _ => "",
                },
            })
            .collect(),
        results: v
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| GainRow {
                number: i + 1,
                text: r.text.clone(),
                pre: format!("{} ({} người)", percent(r.gain.pre_percent()), r.gain.pre_answered),
                post: format!("{} ({} người)", percent(r.gain.post_percent()), r.gain.post_answered),
                gain: r
                    .gain
                    .points()
                    .map(|p| format!("{p:+} điểm"))
                    .unwrap_or_else(|| "—".into()),
            })
            .collect(),
        errors,
    };
    render_form(&page, invalid)
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    tb: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    show_page(
        &state,
        &identity,
        parse_id(&id)?,
        q.tb.as_deref(),
        FieldErrors::default(),
    )
    .await
}

pub async fn register(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::register(&state.app, &identity, id).await?;
    Ok(Redirect::to(&format!("/tap-huan/{id}?tb=da-dang-ky")).into_response())
}

pub async fn unregister(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::unregister(&state.app, &identity, id).await?;
    Ok(Redirect::to(&format!("/tap-huan/{id}?tb=da-huy")).into_response())
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn check_in(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(form): PageForm<CodeForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match service::attend_by_code(&state.app, &identity, id, &form.code).await {
        Ok(()) => Ok(Redirect::to(&format!("/tap-huan/{id}?tb=da-diem-danh")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            show_page(&state, &identity, id, None, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The organizer's attendance list: every listed person is present when ticked, absent when not.
pub async fn mark(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let present = all(&fields, "present");
    let view = service::get(&state.app, &identity, id).await?;
    if !view.organizer {
        return Err(AppError::Forbidden);
    }
    for raw in all(&fields, "listed") {
        let Ok(person_id) = raw.parse::<i64>() else { continue };
        let was = view
            .invitees
            .iter()
            .find(|i| i.person_id == person_id)
            .is_some_and(|i| i.registration.as_ref().is_some_and(|r| r.attended_at.is_some()));
        let now = present.contains(&raw);
        // Only changes are written (and audited).
        if was != now {
            service::attend_by_hand(&state.app, &identity, id, person_id, now).await?;
        }
    }
    Ok(Redirect::to(&format!("/tap-huan/{id}?tb=da-luu")).into_response())
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// One choice of a test question: (index, letter, text).
type TestChoice = (usize, char, String);

#[derive(Template)]
#[template(path = "training_test.html")]
struct TestPage {
    layout: Layout,
    id: i64,
    phase_path: &'static str,
    heading: &'static str,
    title: String,
    /// (number, text, [(index, letter, text)])
    questions: Vec<(usize, String, Vec<TestChoice>)>,
}

#[derive(Template)]
#[template(path = "training_feedback.html")]
struct FeedbackPage {
    layout: Layout,
    id: i64,
    heading: &'static str,
    right: usize,
    total: usize,
    /// (number, question, chosen, right choice, correct, explanation)
    items: Vec<(usize, String, String, String, bool, String)>,
}

fn phase_texts(phase: Phase) -> (&'static str, &'static str) {
    match phase {
        Phase::Pre => ("truoc", "Bài kiểm tra đầu vào"),
        Phase::Post => ("sau", "Bài kiểm tra cuối khóa"),
    }
}

async fn test_page(state: &AppState, identity: &Identity, id: &str, phase: Phase) -> Result<Response, AppError> {
    let id = parse_id(id)?;
    let (training, questions) = service::test(&state.app, identity, id, phase).await?;
    let (phase_path, heading) = phase_texts(phase);
    render(&TestPage {
        layout: layout(heading, identity, None),
        id,
        phase_path,
        heading,
        title: training.title,
        questions: questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| {
                (
                    i + 1,
                    q.text,
                    q.choices
                        .into_iter()
                        .enumerate()
                        .map(|(c, t)| (c, letter(c), t))
                        .collect(),
                )
            })
            .collect(),
    })
}

async fn submit_page(
    state: &AppState,
    identity: &Identity,
    id: &str,
    phase: Phase,
    fields: &[(String, String)],
) -> Result<Response, AppError> {
    let id = parse_id(id)?;
    let count: usize = one(fields, "questions").parse().unwrap_or(0).min(50);
    let answers: Vec<Option<i64>> = (0..count)
        .map(|i| one(fields, &format!("q{i}")).trim().parse::<i64>().ok())
        .collect();
    let items = service::submit_test(&state.app, identity, id, phase, &answers).await?;
    let (_, heading) = phase_texts(phase);
    render(&FeedbackPage {
        layout: layout(heading, identity, None),
        id,
        heading,
        right: items.iter().filter(|i| i.correct).count(),
        total: items.len(),
        items: items
            .into_iter()
            .enumerate()
            .map(|(i, it)| {
                (
                    i + 1,
                    it.question,
                    it.chosen.unwrap_or_else(|| "(bỏ trống)".into()),
                    it.right_choice,
                    it.correct,
                    it.explanation,
                )
            })
            .collect(),
    })
}

/// `truoc` or `sau` in the address: which test.
fn phase_of(raw: &str) -> Result<Phase, AppError> {
    service::parse_phase(raw).ok_or(AppError::NotFound)
}

pub async fn test(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, phase)): Path<(String, String)>,
) -> Result<Response, AppError> {
    test_page(&state, &identity, &id, phase_of(&phase)?).await
}

pub async fn submit_test(
    State(state): State<AppState>,
    identity: Identity,
    Path((id, phase)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit_page(&state, &identity, &id, phase_of(&phase)?, &fields).await
}

// ---------------------------------------------------------------------------------------------
// The certificate and its public verification.

pub async fn certificate(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let certificate = service::certificate(&state.app, &identity, id).await?;
    let name = format!("Chứng nhận tập huấn - {}.pdf", certificate.training_title);
    let bytes = super::documents::lay_out(move || lanhmang_export::certificate_pdf(&certificate)).await?;
    super::documents::attachment(bytes, "application/pdf", &name)
}

#[derive(Template)]
#[template(path = "training_verify.html")]
struct VerifyPage {
    layout: Layout,
    code: String,
    found: bool,
    person_name: String,
    training_title: String,
    date: String,
    duration: String,
    unit_name: String,
}

/// Anyone, signed in or not, checks a certificate's code. A GET page without a form: it sets
/// no cookie.
pub async fn verify(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let title = "Xác minh chứng nhận tập huấn";
    let layout = match identity {
        Some(axum::Extension(identity)) => Layout::new(title, &identity, ""),
        None => Layout::anonymous(title, String::new()),
    };
    let shown: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    let (found, status) = match service::verify(&state.app, &code).await {
        Ok(v) => (Some(v), StatusCode::OK),
        Err(lanhmang_app::AppError::NotFound) => (None, StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    };
    let page = VerifyPage {
        layout,
        code: shown.to_uppercase(),
        found: found.is_some(),
        person_name: found.as_ref().map(|v| v.person_name.clone()).unwrap_or_default(),
        training_title: found.as_ref().map(|v| v.training_title.clone()).unwrap_or_default(),
        date: found
            .as_ref()
            .map(|v| lanhmang_domain::text::date_text(v.starts_at.to_offset(lanhmang_domain::report::VIETNAM).date()))
            .unwrap_or_default(),
        duration: found.as_ref().map(|v| duration_text(v.minutes)).unwrap_or_default(),
        unit_name: found.as_ref().map(|v| v.unit_name.clone()).unwrap_or_default(),
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}
