//! Class sessions: the teacher starts one from a lesson and follows it on the projector (a page
//! that refreshes itself once the teacher turns that on, no script); pupils join at `/lop` with
//! the code or the QR code, answer and read the explanations, without an account. Rules live in
//! `lanhmang_app::class_sessions`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::class_sessions::{self as service, SessionView, StartInput};
use lanhmang_store::class_sessions::ClassSession;
use serde::Deserialize;

use super::lessons::{StartForm, lesson_page, letter};
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render};

/// Seconds between refreshes of the teacher's screen while pupils answer.
const REFRESH_SECONDS: u32 = 5;

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/bai-hoc");
    layout.notice = notice.and_then(|code| match code {
        "da-ket-thuc" => Some("Buổi học đã kết thúc và được ghi vào nhật ký hoạt động của trường."),
        "chua-ghi" => Some("Buổi học đã kết thúc."),
        "da-ghi-phieu" => Some("Đã cộng kết quả phiếu giấy vào kết quả của lớp."),
        _ => None,
    });
    layout
}

/// The address pupils open: absolute, from the configured base or, without one, from the
/// address the teacher's browser used.
fn join_url(state: &AppState, headers: &HeaderMap, code: &str) -> String {
    super::absolute_url(state, headers, &format!("/lop/{code}"))
}

pub async fn start(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(form): PageForm<StartForm>,
) -> Result<Response, AppError> {
    let input = StartInput {
        lesson_id: form.lesson_id.clone(),
        unit_id: form.unit_id.trim().parse().ok(),
        class_name: form.class_name.clone(),
        pupils_present: form.pupils_present.clone(),
    };
    match service::start(&state.app, &identity, &input).await {
        Ok(session) => Ok(Redirect::to(&format!("/buoi-hoc/{}", session.id)).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let view = lanhmang_app::lessons::lesson(&state.app, &identity, form.lesson_id.trim()).await?;
            lesson_page(&state, &identity, view, None, form, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct Row {
    id: i64,
    lesson_title: String,
    class_name: String,
    state: &'static str,
    opened: String,
    answered: i64,
    pupils_present: i64,
}

fn row(s: &ClassSession) -> Row {
    Row {
        id: s.id,
        lesson_title: s.lesson_title.clone(),
        class_name: s.class_name.clone(),
        state: if s.open { "Đang mở" } else { "Đã kết thúc" },
        opened: date_time(s.opened_at),
        answered: s.answered + s.sheets,
        pupils_present: s.pupils_present,
    }
}

#[derive(Template)]
#[template(path = "class_session_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
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
    let (sessions, total) = service::my_sessions(&state.app, &identity, paging).await?;
    render(&ListPage {
        layout: layout("Buổi học của tôi", &identity, None),
        rows: sessions.iter().map(row).collect(),
        pager: Pager::new("/buoi-hoc", &[], paging, total),
    })
}

/// One question on the teacher's screen.
pub struct ResultRow {
    number: usize,
    text: String,
    answered: i64,
    percent: String,
    /// (letter, text, count, right)
    choices: Vec<(char, String, i64, bool)>,
    wrong_on_paper: i64,
    hardest: bool,
}

#[derive(Template)]
#[template(path = "class_session_show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    open: bool,
    code: String,
    code_spaced: String,
    join_url: String,
    join_path: String,
    qr: String,
    refresh: u32,
    lesson_id: String,
    lesson_title: String,
    class_name: String,
    sheet_href: String,
    pupils_present: i64,
    joined: i64,
    answered: i64,
    on_paper: i64,
    results: Vec<ResultRow>,
    hardest: Option<ResultRow>,
    may_close: bool,
    activity_id: Option<i64>,
    closed: String,
    sheet_errors: FieldErrors,
    /// Results show the right answers: on the projector only when the teacher asks, until the
    /// session is over.
    show_results: bool,
    /// The screen reloads itself every `refresh` seconds: only when the teacher turned that on
    /// (a page that reloads by itself resets a keyboard or screen reader user's place, WCAG
    /// 2.2.1), with the link to stop it beside the figures.
    live: bool,
    /// This view with the reloading turned on, and turned off.
    live_href: String,
    still_href: String,
    /// The results shown and hidden, keeping the reloading as it is.
    results_href: String,
    hide_results_href: String,
}

/// What the teacher asked the screen to show: the results (with the right answers), and whether
/// it reloads itself.
#[derive(Clone, Copy)]
struct Screen {
    results: bool,
    live: bool,
}

impl Screen {
    /// The screen's address for this view of session `id`.
    fn href(self, id: i64) -> String {
        let query: Vec<&str> = [self.results.then_some("ket_qua=1"), self.live.then_some("tu_dong=1")]
            .into_iter()
            .flatten()
            .collect();
        if query.is_empty() {
            format!("/buoi-hoc/{id}")
        } else {
            format!("/buoi-hoc/{id}?{}", query.join("&"))
        }
    }
}

fn result_rows(view: &SessionView) -> Vec<ResultRow> {
    view.questions
        .iter()
        .zip(&view.results)
        .enumerate()
        .map(|(i, (q, r))| ResultRow {
            number: i + 1,
            text: q.text.clone(),
            answered: r.answered,
            percent: r.percent_right().map(|p| format!("{p}%")).unwrap_or_else(|| "—".into()),
            choices: q
                .choices
                .iter()
                .enumerate()
                .map(|(c, text)| {
                    (
                        letter(c),
                        text.clone(),
                        r.choices.get(c).copied().unwrap_or(0),
                        c == q.answer,
                    )
                })
                .collect(),
            wrong_on_paper: r.wrong_on_paper,
            hardest: view.hardest == Some(i),
        })
        .collect()
}

async fn show_page(
    state: &AppState,
    identity: &Identity,
    headers: &HeaderMap,
    id: i64,
    notice: Option<&str>,
    sheet_errors: FieldErrors,
    asked: Screen,
) -> Result<Response, AppError> {
    let view = service::session(&state.app, identity, id).await?;
    let s = &view.session;
    let url = join_url(state, headers, &s.code);
    let rows = result_rows(&view);
    let hardest = view.hardest.and_then(|h| result_rows(&view).into_iter().nth(h));
    let status = if sheet_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let shown = Screen {
        results: asked.results || !s.open || !sheet_errors.is_empty(),
        live: asked.live && s.open && sheet_errors.is_empty(),
    };
    let page = ShowPage {
        layout: layout(format!("Buổi học lớp {}", s.class_name), identity, notice),
        id: s.id,
        open: s.open,
        code_spaced: format!("{} {}", &s.code[..3.min(s.code.len())], &s.code[3.min(s.code.len())..]),
        code: s.code.clone(),
        qr: crate::qr::svg_for(&url, &format!("Mã QR để vào buổi học, mã {}", s.code)).unwrap_or_default(),
        join_path: url.split("//").nth(1).unwrap_or(&url).to_string(),
        join_url: url,
        refresh: REFRESH_SECONDS,
        lesson_id: s.lesson_id.clone(),
        lesson_title: s.lesson_title.clone(),
        class_name: s.class_name.clone(),
        sheet_href: format!(
            "/bai-hoc/{}/phieu-kiem-tra.pdf?lop={}",
            s.lesson_id,
            url::form_urlencoded::byte_serialize(s.class_name.as_bytes()).collect::<String>()
        ),
        pupils_present: s.pupils_present,
        joined: s.joined,
        answered: view.answered,
        on_paper: s.sheets,
        results: rows,
        hardest,
        may_close: view.may_close,
        activity_id: s.activity_id,
        closed: s.closed_at.map(date_time).unwrap_or_default(),
        live_href: Screen { live: true, ..shown }.href(s.id),
        still_href: Screen { live: false, ..shown }.href(s.id),
        results_href: Screen { results: true, ..shown }.href(s.id),
        hide_results_href: Screen {
            results: false,
            ..shown
        }
        .href(s.id),
        show_results: shown.results,
        live: shown.live,
        sheet_errors,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    tb: Option<String>,
    ket_qua: Option<String>,
    tu_dong: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let asked = Screen {
        results: q.ket_qua.as_deref() == Some("1"),
        live: q.tu_dong.as_deref() == Some("1"),
    };
    show_page(
        &state,
        &identity,
        &headers,
        parse_id(&id)?,
        q.tb.as_deref(),
        FieldErrors::default(),
        asked,
    )
    .await
}

pub async fn close(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let closed = service::close(&state.app, &identity, id).await?;
    let notice = if closed.activity_id.is_some() {
        "da-ket-thuc"
    } else {
        "chua-ghi"
    };
    Ok(Redirect::to(&format!("/buoi-hoc/{id}?tb={notice}")).into_response())
}

pub async fn sheets(
    State(state): State<AppState>,
    identity: Identity,
    headers: HeaderMap,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let right: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "right")
        .map(|(_, v)| v.clone())
        .collect();
    match service::add_sheets(&state.app, &identity, id, &one("sheets"), &right).await {
        Ok(()) => Ok(Redirect::to(&format!("/buoi-hoc/{id}?tb=da-ghi-phieu")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            let asked = Screen {
                results: true,
                live: false,
            };
            show_page(
                &state,
                &identity,
                &headers,
                id,
                None,
                super::field_errors(&problems),
                asked,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The pupils' side: no account, nothing stored but the class's counts.

#[derive(Template)]
#[template(path = "class_join.html")]
struct JoinPage {
    layout: Layout,
    code: String,
    nickname: String,
    error: Option<String>,
}

fn join_page(
    state: &AppState,
    identity: Option<&Identity>,
    headers: &HeaderMap,
    code: &str,
    nickname: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (layout, set) = super::incidents::public_layout(state, identity, headers, "Vào buổi học");
    let page = JoinPage {
        layout,
        code: code.to_string(),
        nickname: nickname.to_string(),
        error,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(super::incidents::with_cookie(response, set))
}

pub async fn join_form(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    join_page(
        &state,
        identity.map(|e| e.0).as_ref(),
        &headers,
        "",
        "",
        None,
        StatusCode::OK,
    )
}

pub async fn join_with_code(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = service::parse_code(&code).unwrap_or_default();
    join_page(
        &state,
        identity.map(|e| e.0).as_ref(),
        &headers,
        &code,
        "",
        None,
        StatusCode::OK,
    )
}

/// A question on a pupil's screen: its number, its text, and its choices (index, letter, text,
/// chosen).
type QuizQuestion = (usize, String, Vec<(usize, char, String, bool)>);

#[derive(Template)]
#[template(path = "class_quiz.html")]
struct QuizPage {
    layout: Layout,
    code: String,
    participant: String,
    lesson_title: String,
    class_name: String,
    questions: Vec<QuizQuestion>,
}

#[derive(Deserialize, Default)]
pub struct JoinForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    nickname: String,
}

pub async fn join(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
    PageForm(form): PageForm<JoinForm>,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    let refuse = |message: String, status| {
        join_page(
            &state,
            identity.as_ref(),
            &headers,
            &form.code,
            &form.nickname,
            Some(message),
            status,
        )
    };
    match service::join(&state.app, &form.code, &form.nickname).await {
        Ok(joined) => {
            let (layout, set) = super::incidents::public_layout(&state, identity.as_ref(), &headers, "Bài kiểm tra");
            let page = QuizPage {
                layout,
                code: joined.code,
                participant: joined.participant,
                lesson_title: joined.lesson_title,
                class_name: joined.class_name,
                questions: joined
                    .questions
                    .into_iter()
                    .enumerate()
                    .map(|(i, (text, choices))| {
                        (
                            i + 1,
                            text,
                            choices
                                .into_iter()
                                .enumerate()
                                .map(|(c, t)| (c, letter(c), t, false))
                                .collect(),
                        )
                    })
                    .collect(),
            };
            Ok(super::incidents::with_cookie(render(&page)?, set))
        }
        Err(lanhmang_app::AppError::NotFound) => refuse(
            "Không có buổi học nào đang mở với mã này. Em kiểm tra lại mã trên màn hình của thầy cô nhé.".into(),
            StatusCode::NOT_FOUND,
        ),
        Err(lanhmang_app::AppError::Invalid(problems)) => refuse(
            lanhmang_app::error::messages(&problems).join(" "),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(lanhmang_app::AppError::Conflict(message)) => refuse(message, StatusCode::CONFLICT),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "class_feedback.html")]
struct FeedbackPage {
    layout: Layout,
    lesson_title: String,
    right: usize,
    total: usize,
    /// (number, question, chosen, right choice, correct, explanation)
    items: Vec<(usize, String, String, String, bool, String)>,
}

pub async fn answer(
    State(state): State<AppState>,
    identity: Option<axum::Extension<Identity>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let identity = identity.map(|e| e.0);
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let participant = one("participant");
    let count = one("questions")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(lanhmang_domain::lesson::MAX_QUESTIONS);
    // A question left blank is sent as nothing; anything not a number is a choice that does
    // not exist, refused by the use case like the API's.
    let answers: Vec<Option<i64>> = (0..count)
        .map(|i| {
            let raw = one(&format!("q{i}"));
            if raw.trim().is_empty() {
                None
            } else {
                Some(raw.trim().parse::<i64>().unwrap_or(-1))
            }
        })
        .collect();
    match service::answer(&state.app, &code, &participant, &answers).await {
        Ok(feedback) => {
            let (layout, set) = super::incidents::public_layout(&state, identity.as_ref(), &headers, "Kết quả của em");
            let total = feedback.items.len();
            let page = FeedbackPage {
                layout,
                lesson_title: feedback.lesson_title,
                right: feedback.right,
                total,
                items: feedback
                    .items
                    .into_iter()
                    .enumerate()
                    .map(|(i, it)| {
                        (
                            i + 1,
                            it.question,
                            it.chosen.unwrap_or_else(|| "(em chưa chọn)".into()),
                            it.right_choice,
                            it.correct,
                            it.explanation,
                        )
                    })
                    .collect(),
            };
            Ok(super::incidents::with_cookie(render(&page)?, set))
        }
        Err(lanhmang_app::AppError::NotFound) => join_page(
            &state,
            identity.as_ref(),
            &headers,
            &code,
            "",
            Some("Buổi học đã kết thúc hoặc em chưa vào buổi học này. Em vào lại bằng mã nhé.".into()),
            StatusCode::NOT_FOUND,
        ),
        // Sent already: the form comes back empty, so that a pupil does not join again and
        // count twice.
        Err(lanhmang_app::AppError::Conflict(message)) => join_page(
            &state,
            identity.as_ref(),
            &headers,
            "",
            "",
            Some(message),
            StatusCode::CONFLICT,
        ),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            Err(AppError::BadRequest(lanhmang_app::error::messages(&problems).join(" ")))
        }
        Err(e) => Err(e.into()),
    }
}
