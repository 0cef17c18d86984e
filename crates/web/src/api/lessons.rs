//! `/api/v1` for lessons and class sessions: the library and one lesson, the lessons an office
//! writes (create, save a version, publish), a teacher's class sessions (start, follow, paper
//! sheets, close) and the pupils' side, which takes no account and nothing but a code, a
//! nickname and answers (join, answer once). The rules are `lanhmang_app::lessons` and
//! `lanhmang_app::class_sessions`; here requests are read and answers written.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanhmang_app::AppError;
use lanhmang_app::class_sessions::{self as sessions, Closed, Feedback, Joined, SessionView, StartInput};
use lanhmang_app::lessons::{self as service, LessonFilter, LessonItem, LessonSource, LessonView};
use lanhmang_domain::lesson::{LessonBand, LessonContent, LessonTopic, Question};
use lanhmang_store::class_sessions::ClassSession;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{ApiIdentity, ApiJson, ApiQuery, ListJson, OptionalJson, paging};
use crate::AppState;
use crate::error::ApiError;

/// A stored lesson's number from its text id; a built-in lesson (or anything else) is none.
fn stored_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

/// The id of a stored lesson to change: a built-in lesson exists for every reader but is
/// changed only by adapting a copy (403); anything else is absent (404).
fn editable_id(raw: &str) -> Result<i64, ApiError> {
    match stored_id(raw) {
        Some(id) => Ok(id),
        None if lanhmang_domain::lesson::built_in_lesson(raw).is_some() => Err(ApiError::Forbidden),
        None => Err(ApiError::NotFound),
    }
}

fn session_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|v| *v > 0).ok_or(ApiError::NotFound)
}

fn join_url(state: &AppState, code: &str) -> String {
    state.app.settings.links.url(&format!("/lop/{code}"))
}

#[derive(Serialize)]
pub struct LessonItemJson {
    id: String,
    title: String,
    band: &'static str,
    band_label: &'static str,
    topic: &'static str,
    topic_label: &'static str,
    minutes: u32,
    requirements: Vec<String>,
    /// `built_in` (shipped with the application) or `unit` (written or adapted by a unit).
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    updated_at: Option<OffsetDateTime>,
}

impl From<LessonItem> for LessonItemJson {
    fn from(item: LessonItem) -> LessonItemJson {
        let (source, unit_id, version, published, updated_at) = match item.source {
            LessonSource::BuiltIn => ("built_in", None, None, None, None),
            LessonSource::Unit {
                unit_id,
                version,
                published,
                updated_at,
            } => ("unit", Some(unit_id), Some(version), Some(published), Some(updated_at)),
        };
        LessonItemJson {
            id: item.id,
            title: item.title,
            band: item.band.as_str(),
            band_label: item.band.label(),
            topic: item.topic.as_str(),
            topic_label: item.topic.label(),
            minutes: item.minutes,
            requirements: item.requirements,
            source,
            unit_id,
            version,
            published,
            updated_at,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct LibraryQuery {
    band: Option<String>,
    topic: Option<String>,
    minutes: Option<String>,
    requirement: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// The library: built-in lessons first, then the units' lessons the caller sees. A filter
/// that is not one of its choices is a 422 naming it, with every other problem.
pub async fn list(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<LibraryQuery>,
) -> Result<Json<ListJson<LessonItemJson>>, ApiError> {
    let mut problems = Vec::new();
    let paging = match paging(&q.page, &q.per_page) {
        Ok(p) => Some(p),
        Err(ApiError::BadRequest(m)) => {
            problems.push(m);
            None
        }
        Err(e) => return Err(e),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let filter = match LessonFilter::parse(
        &text(&q.band),
        &text(&q.topic),
        &text(&q.minutes),
        &text(&q.requirement),
        &text(&q.q),
    ) {
        Ok(f) => Some(f),
        Err(AppError::Invalid(list)) => {
            problems.extend(lanhmang_app::error::messages(&list));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let (Some(paging), Some(filter)) = (paging, filter) else {
        return Err(ApiError::Unprocessable(problems));
    };
    let (items, total) = service::library(&state.app, &identity, &filter, paging).await?;
    Ok(Json(ListJson {
        items: items.into_iter().map(LessonItemJson::from).collect(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        page: paging.page,
        per_page: paging.per_page,
    }))
}

fn question_json(q: &Question) -> Value {
    json!({
        "text": q.text,
        "choices": q.choices.iter().enumerate().map(|(i, c)| json!({"text": c, "correct": i == q.answer})).collect::<Vec<_>>(),
        "answer": q.answer,
        "explanation": q.explanation,
    })
}

fn lesson_json(view: LessonView) -> Result<Value, ApiError> {
    let c = &view.content;
    let mut json =
        serde_json::to_value(LessonItemJson::from(view.item.clone())).map_err(|e| ApiError::Internal(e.to_string()))?;
    json["objectives"] = json!(c.objectives);
    json["materials"] = json!(c.materials);
    json["warm_up"] = json!(c.warm_up);
    json["scenario"] = json!(c.scenario);
    json["activity"] = json!(c.activity);
    json["discussion"] = json!(c.discussion);
    json["wrap_up"] = json!(c.wrap_up);
    json["parent_note"] = json!(c.parent_note);
    json["questions"] = c.questions.iter().map(question_json).collect();
    json["based_on"] = json!(view.based_on);
    json["may_edit"] = json!(view.may_edit);
    json["may_run"] = json!(view.may_run);
    json["may_adapt"] = json!(view.may_adapt);
    if view.may_edit {
        json["versions"] = view
            .versions
            .iter()
            .map(|v| json!({"version": v.version, "saved_by": v.saved_by, "saved_at": lanhmang_store::format_time(v.saved_at)}))
            .collect();
    }
    Ok(json)
}

/// One lesson, whole; one the caller does not see is a 404.
pub async fn get(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = service::lesson(&state.app, &identity, &id).await?;
    Ok(Json(lesson_json(view)?))
}

/// A quiz question as an office writes it: `answer` counts from 0.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuestionInputJson {
    text: String,
    choices: Vec<String>,
    answer: Option<i64>,
    explanation: String,
}

/// A lesson as an office writes it. Every part may be left out, and band and topic are read
/// as text, so that what is missing or unknown is a 422 naming each problem rather than a 400
/// about the first one.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LessonInputJson {
    title: String,
    topic: String,
    band: String,
    minutes: i64,
    requirements: Vec<String>,
    objectives: Vec<String>,
    materials: Vec<String>,
    warm_up: String,
    scenario: String,
    activity: Vec<String>,
    discussion: Vec<String>,
    wrap_up: String,
    parent_note: String,
    questions: Vec<QuestionInputJson>,
}

/// "Mục band: …": the field named, and its choices.
fn choice_problem(field: &str, what: &str, raw: &str, choices: &[&str]) -> String {
    let choices = choices.join(", ");
    if raw.trim().is_empty() {
        format!("Mục {field}: hãy chọn {what}, một trong: {choices}.")
    } else {
        format!(
            "Mục {field}: không có {what} “{}”; hãy chọn một trong: {choices}.",
            raw.trim()
        )
    }
}

impl LessonInputJson {
    /// The lesson as the use cases take it. A band or topic that is not one of ours is refused
    /// here, together with everything else the lesson lacks (the duration aside, which depends
    /// on the band), and nothing is written.
    fn content(self) -> Result<LessonContent, ApiError> {
        let band = LessonBand::parse(&self.band);
        let topic = LessonTopic::parse(&self.topic);
        let mut problems = Vec::new();
        if band.is_none() {
            let choices = LessonBand::ALL.map(LessonBand::as_str);
            problems.push(choice_problem("band", "nhóm đối tượng", &self.band, &choices));
        }
        if topic.is_none() {
            let choices = LessonTopic::ALL.map(LessonTopic::as_str);
            problems.push(choice_problem("topic", "chủ đề", &self.topic, &choices));
        }
        let content = LessonContent {
            title: self.title,
            // Stand-ins while band or topic is unknown, only to check the rest of the lesson.
            topic: topic.unwrap_or(LessonTopic::PhonesAtSchool),
            band: band.unwrap_or(LessonBand::Staff),
            // No lesson lasts 0 minutes: a number out of range is refused by the check.
            minutes: u32::try_from(self.minutes).unwrap_or(0),
            requirements: self.requirements,
            objectives: self.objectives,
            materials: self.materials,
            warm_up: self.warm_up,
            scenario: self.scenario,
            activity: self.activity,
            discussion: self.discussion,
            wrap_up: self.wrap_up,
            parent_note: self.parent_note,
            questions: self
                .questions
                .into_iter()
                .map(|q| Question {
                    text: q.text,
                    choices: q.choices,
                    // A missing or negative answer is past every choice, and refused as such.
                    answer: q.answer.and_then(|a| usize::try_from(a).ok()).unwrap_or(usize::MAX),
                    explanation: q.explanation,
                })
                .collect(),
        };
        if problems.is_empty() {
            return Ok(content);
        }
        if let Err(AppError::Invalid(rest)) = service::check_content(content) {
            problems.extend(
                rest.into_iter()
                    .filter(|p| band.is_some() || p.field.as_deref() != Some("minutes"))
                    .map(|p| p.message),
            );
        }
        Err(ApiError::Unprocessable(problems))
    }
}

#[derive(Deserialize)]
pub struct NewLessonJson {
    unit_id: i64,
    #[serde(default)]
    based_on: Option<String>,
    lesson: LessonInputJson,
}

/// Writes a lesson for a unit where the caller manages lessons, or adapts one they see.
pub async fn create(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<NewLessonJson>,
) -> Result<Response, ApiError> {
    let content = body.lesson.content()?;
    let based_on = body.based_on.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let id = service::create_lesson(&state.app, &identity, body.unit_id, based_on, content).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id.to_string(), "version": 1}))).into_response())
}

#[derive(Deserialize)]
pub struct SaveLessonJson {
    version: i64,
    lesson: LessonInputJson,
}

/// Saves a new version of a stored lesson; a version other than the current one is a 409.
pub async fn save(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SaveLessonJson>,
) -> Result<Json<Value>, ApiError> {
    let id = editable_id(&raw)?;
    let content = body.lesson.content()?;
    let version = service::save_lesson(&state.app, &identity, id, body.version, content).await?;
    Ok(Json(json!({"id": id.to_string(), "version": version})))
}

#[derive(Deserialize)]
pub struct PublishJson {
    published: bool,
}

/// Publishes a stored lesson to its unit's subtree, or takes it back.
pub async fn publish(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<PublishJson>,
) -> Result<Json<Value>, ApiError> {
    let id = editable_id(&raw)?;
    let changed = service::publish_lesson(&state.app, &identity, id, body.published).await?;
    Ok(Json(
        json!({"id": id.to_string(), "published": body.published, "changed": changed}),
    ))
}

/// A class session as lists show it. `answered` counts pupils on devices and on paper.
#[derive(Serialize)]
pub struct SessionJson {
    id: i64,
    code: String,
    state: &'static str,
    unit_id: i64,
    lesson_id: String,
    lesson_title: String,
    topic: String,
    band: String,
    class_name: String,
    pupils_present: i64,
    joined: i64,
    answered: i64,
    answered_on_devices: i64,
    sheets: i64,
    #[serde(with = "time::serde::rfc3339")]
    opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    closed_at: Option<OffsetDateTime>,
    activity_id: Option<i64>,
}

impl From<&ClassSession> for SessionJson {
    fn from(s: &ClassSession) -> SessionJson {
        SessionJson {
            id: s.id,
            code: s.code.clone(),
            state: if s.open { "open" } else { "closed" },
            unit_id: s.unit_id,
            lesson_id: s.lesson_id.clone(),
            lesson_title: s.lesson_title.clone(),
            topic: s.topic.clone(),
            band: s.band.clone(),
            class_name: s.class_name.clone(),
            pupils_present: s.pupils_present,
            joined: s.joined,
            answered: s.answered + s.sheets,
            answered_on_devices: s.answered,
            sheets: s.sheets,
            opened_at: s.opened_at,
            closed_at: s.closed_at,
            activity_id: s.activity_id,
        }
    }
}

/// The teacher's screen as JSON: the session, and per question the class's answers.
fn session_json(state: &AppState, view: &SessionView) -> Result<Value, ApiError> {
    let s = &view.session;
    let mut json = serde_json::to_value(SessionJson::from(s)).map_err(|e| ApiError::Internal(e.to_string()))?;
    json["answered"] = json!(view.answered);
    json["may_close"] = json!(view.may_close);
    json["join_url"] = if s.open {
        json!(join_url(state, &s.code))
    } else {
        Value::Null
    };
    json["questions"] = view
        .questions
        .iter()
        .zip(&view.results)
        .map(|(q, r)| {
            let choices: Vec<Value> = q
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| json!({"text": c, "count": r.choices.get(i).copied().unwrap_or(0), "correct": i == q.answer}))
                .collect();
            json!({
                "text": q.text,
                "answered": r.answered,
                "right": r.right,
                "share_right": r.percent_right(),
                "wrong_on_paper": r.wrong_on_paper,
                "choices": choices,
                "explanation": q.explanation,
            })
        })
        .collect();
    json["hardest"] = json!(view.hardest);
    Ok(json)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartJson {
    lesson_id: String,
    unit_id: Option<i64>,
    class_name: String,
    pupils_present: Option<i64>,
}

/// Starts a class session: the pupils join with the code it answers, at `join_url`.
pub async fn start(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiJson(body): ApiJson<StartJson>,
) -> Result<Response, ApiError> {
    let input = StartInput {
        lesson_id: body.lesson_id,
        unit_id: body.unit_id,
        class_name: body.class_name,
        pupils_present: body.pupils_present.map(|n| n.to_string()).unwrap_or_default(),
    };
    let session = sessions::start(&state.app, &identity, &input).await?;
    let url = join_url(&state, &session.code);
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": session.id, "code": session.code, "join_url": url})),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct SessionsQuery {
    page: Option<String>,
    per_page: Option<String>,
}

/// The caller's own sessions, newest first.
pub async fn mine(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    ApiQuery(q): ApiQuery<SessionsQuery>,
) -> Result<Json<ListJson<SessionJson>>, ApiError> {
    let paging = paging(&q.page, &q.per_page)?;
    let (items, total) = sessions::my_sessions(&state.app, &identity, paging).await?;
    Ok(Json(ListJson {
        items: items.iter().map(SessionJson::from).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// One session with the class's results so far: its teacher, or whoever sees the school's
/// activities; 404 for anyone else.
pub async fn session(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let view = sessions::session(&state.app, &identity, session_id(&raw)?).await?;
    Ok(Json(session_json(&state, &view)?))
}

/// Closes a session: nicknames and tokens go, and the lesson is logged as the school's
/// activity when a plan reaches the school (otherwise `not_logged` says why not).
pub async fn close(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let Closed {
        activity_id,
        not_logged,
    } = sessions::close(&state.app, &identity, session_id(&raw)?).await?;
    Ok(Json(json!({"activity_id": activity_id, "not_logged": not_logged})))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SheetsJson {
    sheets: Option<i64>,
    right: Vec<i64>,
}

/// Adds the quiz sheets a class answered on paper; answers the session as it now stands.
pub async fn add_sheets(
    State(state): State<AppState>,
    ApiIdentity(identity): ApiIdentity,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SheetsJson>,
) -> Result<Json<Value>, ApiError> {
    let id = session_id(&raw)?;
    let sheets = body.sheets.map(|n| n.to_string()).unwrap_or_default();
    let right: Vec<String> = body.right.iter().map(i64::to_string).collect();
    sessions::add_sheets(&state.app, &identity, id, &sheets, &right).await?;
    let view = sessions::session(&state.app, &identity, id).await?;
    Ok(Json(session_json(&state, &view)?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinJson {
    nickname: Option<String>,
}

/// A pupil joins with the code: the quiz without its answers, and the participant token that
/// sends the answers. No account, no cookie.
pub async fn join(
    State(state): State<AppState>,
    Path(code): Path<String>,
    OptionalJson(body): OptionalJson<JoinJson>,
) -> Result<Response, ApiError> {
    let nickname = body.and_then(|b| b.nickname).unwrap_or_default();
    let Joined {
        participant,
        lesson_title,
        class_name,
        questions,
        ..
    } = sessions::join(&state.app, &code, &nickname).await?;
    let questions: Vec<Value> = questions
        .into_iter()
        .map(|(text, choices)| json!({"text": text, "choices": choices}))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({"participant": participant, "lesson_title": lesson_title, "class_name": class_name, "questions": questions})),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswersJson {
    participant: String,
    answers: Vec<Option<i64>>,
}

/// A pupil's answers, counted once; answers per question the right choice and why.
pub async fn answer(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<AnswersJson>,
) -> Result<Json<Value>, ApiError> {
    let Feedback { right, items, .. } = sessions::answer(&state.app, &code, &body.participant, &body.answers).await?;
    let total = items.len();
    let items: Vec<Value> = items
        .into_iter()
        .map(|i| {
            json!({"question": i.question, "chosen": i.chosen, "correct": i.correct,
                "right_choice": i.right_choice, "explanation": i.explanation})
        })
        .collect();
    Ok(Json(json!({"right": right, "total": total, "items": items})))
}

/// The lesson and class-session operations in the OpenAPI document.
pub fn document(doc: &mut Value, paging: &Value, error: &Value) {
    use lanhmang_app::class_sessions::{CODE_DIGITS, MAX_CLASS_NAME, MAX_NICKNAME, MAX_PUPILS};
    use lanhmang_domain::lesson::{
        MAX_CHOICES, MAX_LINE, MAX_QUESTIONS, MAX_TEXT, MAX_TITLE, MIN_QUESTIONS, REQUIREMENTS,
    };
    let bands: Vec<&str> = LessonBand::ALL.iter().map(|b| b.as_str()).collect();
    let topics: Vec<&str> = LessonTopic::ALL.iter().map(|t| t.as_str()).collect();
    let line =
        |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": super::openapi::VISIBLE});
    let lines =
        |min: usize, max: usize| json!({"type": "array", "minItems": min, "maxItems": max, "items": line(MAX_LINE)});
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let ok = |d: &str, name: &str| json!({"description": d, "content": {"application/json": {"schema": schema(name)}}});
    let body = |name: &str| json!({"required": true, "content": {"application/json": {"schema": schema(name)}}});
    let lesson_id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": "Mã bài học: bài có sẵn là <chủ đề>-<nhóm đối tượng> (ví dụ phones_at_school-grades_3_5), bài của đơn vị là một số"});
    let session_id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "Số buổi học"});
    let code = json!({"name": "code", "in": "path", "required": true,
        "schema": {"type": "string", "pattern": format!("^[0-9]{{{CODE_DIGITS}}}$")}, "description": "Mã tham gia do giáo viên đọc cho lớp"});
    let mut library_params = paging.as_array().cloned().unwrap_or_default();
    library_params.extend([
        json!({"name": "band", "in": "query", "description": "Nhóm đối tượng", "schema": {"type": "string", "enum": bands}}),
        json!({"name": "topic", "in": "query", "description": "Chủ đề", "schema": {"type": "string", "enum": topics}}),
        json!({"name": "minutes", "in": "query", "description": "Thời lượng, phút", "schema": {"type": "integer", "minimum": 1, "maximum": 600}}),
        json!({"name": "requirement", "in": "query", "description": "Yêu cầu của kế hoạch mà bài học phục vụ", "schema": {"type": "string", "enum": REQUIREMENTS}}),
        json!({"name": "q", "in": "query", "description": "Tìm trong tên bài (không phân biệt dấu)", "schema": {"type": "string"}}),
    ]);
    let s = &mut doc["components"]["schemas"];
    s["LessonBand"] = json!({"type": "string", "enum": bands,
        "description": "grades_1_2 … grades_8_9: học sinh các lớp đó; parents: cha mẹ học sinh; staff: cán bộ, giáo viên"});
    s["LessonTopic"] = json!({"type": "string", "enum": topics});
    let item_properties = json!({
        "id": {"type": "string"}, "title": {"type": "string"},
        "band": schema("LessonBand"), "band_label": {"type": "string"},
        "topic": schema("LessonTopic"), "topic_label": {"type": "string"},
        "minutes": {"type": "integer"}, "requirements": {"type": "array", "items": {"type": "string"}},
        "source": {"type": "string", "enum": ["built_in", "unit"], "description": "built_in: bài có sẵn; unit: bài một đơn vị viết hoặc điều chỉnh"},
        "unit_id": {"type": "integer", "description": "Chỉ bài của đơn vị: đơn vị viết bài"},
        "version": {"type": "integer", "description": "Chỉ bài của đơn vị: phiên bản hiện tại"},
        "published": {"type": "boolean", "description": "Chỉ bài của đơn vị: đã phát hành cho các đơn vị cấp dưới"},
        "updated_at": {"type": "string", "format": "date-time"}});
    let item_required = json!(["id", "title", "band", "topic", "minutes", "requirements", "source"]);
    s["LessonItem"] = json!({"type": "object", "required": item_required, "properties": item_properties});
    s["LessonList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": schema("LessonItem")},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    let mut lesson_properties = item_properties.clone();
    let text = json!({"type": "string", "description": "Các đoạn cách nhau một dòng trống"});
    for (key, value) in [
        ("objectives", json!({"type": "array", "items": {"type": "string"}})),
        ("materials", json!({"type": "array", "items": {"type": "string"}})),
        ("warm_up", text.clone()),
        ("scenario", text.clone()),
        ("activity", json!({"type": "array", "items": {"type": "string"}})),
        ("discussion", json!({"type": "array", "items": {"type": "string"}})),
        ("wrap_up", text.clone()),
        ("parent_note", text),
        (
            "questions",
            json!({"type": "array", "items": {"type": "object", "required": ["text", "choices", "answer", "explanation"], "properties": {
            "text": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "object", "required": ["text", "correct"], "properties": {
                "text": {"type": "string"}, "correct": {"type": "boolean"}}}},
            "answer": {"type": "integer", "minimum": 0, "description": "Đáp án đúng, đếm từ 0"},
            "explanation": {"type": "string"}}}}),
        ),
        (
            "based_on",
            json!({"type": ["string", "null"], "description": "Bài gốc khi đây là bản điều chỉnh: mã bài có sẵn, hoặc lesson:<số>"}),
        ),
        (
            "may_edit",
            json!({"type": "boolean", "description": "Người gọi được sửa và phát hành bài này"}),
        ),
        (
            "may_run",
            json!({"type": "boolean", "description": "Người gọi được mở buổi học với bài này"}),
        ),
        (
            "may_adapt",
            json!({"type": "boolean", "description": "Người gọi được tạo bản điều chỉnh"}),
        ),
        (
            "versions",
            json!({"type": "array", "description": "Chỉ khi may_edit: các phiên bản đã lưu, mới nhất trước", "items": {"type": "object", "properties": {
            "version": {"type": "integer"}, "saved_by": {"type": ["string", "null"]}, "saved_at": {"type": "string", "format": "date-time"}}}}),
        ),
    ] {
        lesson_properties[key] = value;
    }
    s["Lesson"] = json!({"type": "object",
        "required": ["id", "title", "band", "topic", "minutes", "requirements", "objectives", "materials", "warm_up", "scenario",
            "activity", "discussion", "wrap_up", "parent_note", "questions", "source", "may_edit"],
        "properties": lesson_properties});
    s["LessonContent"] = json!({"type": "object",
        "description": "Một bài học đầy đủ. Thiếu phần nào, hoặc thời lượng không khớp nhóm đối tượng, hoặc đáp án ngoài các lựa chọn: 422, liệt kê mọi lỗi",
        "required": ["title", "topic", "band", "minutes", "requirements", "objectives", "materials", "warm_up", "scenario",
            "activity", "discussion", "wrap_up", "parent_note", "questions"],
        "properties": {
            "title": line(MAX_TITLE),
            "topic": schema("LessonTopic"),
            "band": schema("LessonBand"),
            "minutes": {"type": "integer", "minimum": 20, "maximum": 90,
                "description": "Đúng một tiết với bài cho học sinh: 35 phút cho lớp 1–5, 45 phút cho lớp 6–9; 20 đến 90 phút cho cha mẹ và cán bộ (nếu không: 422)"},
            "requirements": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": REQUIREMENTS},
                "description": "Các yêu cầu của kế hoạch mà bài học phục vụ"},
            "objectives": lines(1, 6), "materials": lines(1, 10),
            "warm_up": line(MAX_TEXT), "scenario": line(MAX_TEXT),
            "activity": lines(1, 10), "discussion": lines(1, 8),
            "wrap_up": line(MAX_TEXT), "parent_note": line(MAX_TEXT),
            "questions": {"type": "array", "minItems": MIN_QUESTIONS, "maxItems": MAX_QUESTIONS, "items": {"type": "object",
                "required": ["text", "choices", "answer", "explanation"], "properties": {
                    "text": line(MAX_LINE),
                    "choices": {"type": "array", "minItems": 2, "maxItems": MAX_CHOICES, "items": line(MAX_LINE), "description": "Các lựa chọn khác nhau"},
                    "answer": {"type": "integer", "minimum": 0, "maximum": MAX_CHOICES - 1, "description": "Lựa chọn đúng, đếm từ 0; phải là một lựa chọn có thật (nếu không: 422)"},
                    "explanation": line(MAX_LINE)}}}}});
    s["NewLesson"] = json!({"type": "object", "required": ["unit_id", "lesson"], "properties": {
        "unit_id": {"type": "integer", "description": "Đơn vị nơi người gọi quản lý bài học (Phòng, Sở)"},
        "based_on": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 100}, {"type": "null"}],
            "description": "Bài gốc khi điều chỉnh một bài người gọi xem được (không có: 404)"},
        "lesson": schema("LessonContent")}});
    s["SaveLesson"] = json!({"type": "object", "required": ["version", "lesson"], "properties": {
        "version": {"type": "integer", "minimum": 1, "description": "Phiên bản đã đọc; khác phiên bản hiện tại thì bị từ chối (409)"},
        "lesson": schema("LessonContent")}});
    s["LessonSaved"] = json!({"type": "object", "required": ["id", "version"], "properties": {
        "id": {"type": "string"}, "version": {"type": "integer"}}});
    s["LessonPublished"] = json!({"type": "object", "required": ["id", "published"], "properties": {
        "id": {"type": "string"}, "published": {"type": "boolean"},
        "changed": {"type": "boolean", "description": "false: bài đã ở trạng thái đó"}}});
    let session_properties = json!({
        "id": {"type": "integer"}, "code": {"type": "string"}, "state": {"type": "string", "enum": ["open", "closed"]},
        "unit_id": {"type": "integer"}, "lesson_id": {"type": "string"}, "lesson_title": {"type": "string"},
        "topic": {"type": "string"}, "band": {"type": "string"}, "class_name": {"type": "string"},
        "pupils_present": {"type": "integer"}, "joined": {"type": "integer", "description": "Số thiết bị đã vào"},
        "answered": {"type": "integer", "description": "Số em đã nộp bài: trên thiết bị và trên phiếu giấy"},
        "answered_on_devices": {"type": "integer"}, "sheets": {"type": "integer", "description": "Số phiếu giấy đã nhập"},
        "opened_at": {"type": "string", "format": "date-time"}, "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "activity_id": {"type": ["integer", "null"], "description": "Hoạt động được ghi khi kết thúc buổi học"}});
    let session_required = json!([
        "id",
        "code",
        "state",
        "lesson_id",
        "lesson_title",
        "class_name",
        "pupils_present",
        "joined",
        "answered",
        "opened_at",
        "closed_at",
        "activity_id"
    ]);
    s["ClassSession"] = json!({"type": "object", "required": session_required, "properties": session_properties});
    s["ClassSessionList"] = json!({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": schema("ClassSession")},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}});
    let mut view_properties = session_properties.clone();
    view_properties["may_close"] = json!({"type": "boolean"});
    view_properties["join_url"] =
        json!({"type": ["string", "null"], "description": "Địa chỉ học sinh mở để vào buổi học, khi buổi học đang mở"});
    view_properties["questions"] = json!({"type": "array", "items": {"type": "object",
        "required": ["text", "answered", "right", "share_right", "choices"], "properties": {
            "text": {"type": "string"},
            "answered": {"type": "integer"}, "right": {"type": "integer"},
            "share_right": {"type": ["integer", "null"], "minimum": 0, "maximum": 100, "description": "Tỉ lệ trả lời đúng, phần trăm; null khi chưa em nào trả lời"},
            "wrong_on_paper": {"type": "integer", "description": "Câu trả lời sai trên phiếu giấy (không ghi lựa chọn)"},
            "choices": {"type": "array", "items": {"type": "object", "required": ["text", "count", "correct"], "properties": {
                "text": {"type": "string"}, "count": {"type": "integer", "description": "Số em chọn trên thiết bị"}, "correct": {"type": "boolean"}}}},
            "explanation": {"type": "string"}}}});
    view_properties["hardest"] = json!({"type": ["integer", "null"], "minimum": 0, "description": "Câu nhiều em sai nhất (số thứ tự từ 0), để thảo luận; null khi chưa có"});
    let mut view_required = session_required.as_array().cloned().unwrap_or_default();
    view_required.extend([json!("questions"), json!("hardest")]);
    s["ClassSessionView"] = json!({"type": "object", "required": view_required, "properties": view_properties});
    s["NewClassSession"] = json!({"type": "object", "required": ["lesson_id", "unit_id", "class_name", "pupils_present"], "properties": {
        "lesson_id": {"type": "string", "minLength": 1, "maxLength": 100, "examples": ["phones_at_school-grades_3_5"],
            "description": "Một bài cho học sinh (không phải cho cha mẹ hay cán bộ), đúng khối lớp trường có (nếu không: 422)"},
        "unit_id": {"type": "integer", "description": "Trường nơi người gọi dạy"},
        "class_name": {"type": "string", "minLength": 1, "maxLength": MAX_CLASS_NAME, "pattern": super::openapi::VISIBLE, "examples": ["4B"]},
        "pupils_present": {"type": "integer", "minimum": 1, "maximum": MAX_PUPILS}}});
    s["ClassSessionStarted"] = json!({"type": "object", "required": ["id", "code", "join_url"], "properties": {
        "id": {"type": "integer"}, "code": {"type": "string", "pattern": format!("^[0-9]{{{CODE_DIGITS}}}$")},
        "join_url": {"type": "string", "description": "Địa chỉ học sinh mở; mã tham gia đọc cho lớp"}}});
    s["ClassSessionClosed"] = json!({"type": "object", "required": ["activity_id", "not_logged"], "properties": {
        "activity_id": {"type": ["integer", "null"], "description": "Hoạt động được ghi vào nhật ký của trường"},
        "not_logged": {"type": ["string", "null"], "description": "Vì sao chưa ghi được hoạt động (chưa có kế hoạch năm học được ban hành cho trường)"}}});
    s["ClassSessionSheets"] = json!({"type": "object", "required": ["sheets", "right"], "properties": {
        "sheets": {"type": "integer", "minimum": 1, "maximum": MAX_PUPILS, "description": "Số phiếu giấy nhập thêm"},
        "right": {"type": "array", "minItems": MIN_QUESTIONS, "maxItems": MAX_QUESTIONS, "items": {"type": "integer", "minimum": 0, "maximum": MAX_PUPILS},
            "description": "Mỗi câu hỏi một số: bao nhiêu phiếu trả lời đúng, không quá số phiếu; đủ số câu của bài (nếu không: 422)"}}});
    s["JoinClassSession"] = json!({"type": "object", "properties": {
        "nickname": {"anyOf": [{"type": "string", "maxLength": MAX_NICKNAME}, {"type": "null"}],
            "description": "Biệt danh, nếu em muốn (không ghi họ tên); bị xóa khi buổi học kết thúc"}}});
    s["JoinedClassSession"] = json!({"type": "object", "required": ["participant", "lesson_title", "class_name", "questions"], "properties": {
        "participant": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "Mã của thiết bị này trong buổi học, để gửi bài"},
        "lesson_title": {"type": "string"}, "class_name": {"type": "string"},
        "questions": {"type": "array", "description": "Câu hỏi, không có đáp án", "items": {"type": "object", "required": ["text", "choices"],
            "additionalProperties": false, "properties": {
                "text": {"type": "string"}, "choices": {"type": "array", "items": {"type": "string"}}}}}}});
    s["ClassSessionAnswers"] = json!({"type": "object", "required": ["participant", "answers"], "properties": {
        "participant": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$", "description": "Mã nhận được khi vào buổi học"},
        "answers": {"type": "array", "minItems": MIN_QUESTIONS, "maxItems": MAX_QUESTIONS,
            "items": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_CHOICES - 1}, {"type": "null"}]},
            "description": "Mỗi câu hỏi một lựa chọn (đếm từ 0) hoặc null khi bỏ trống; đủ số câu, lựa chọn có thật (nếu không: 422)"}}});
    s["ClassSessionFeedback"] = json!({"type": "object", "required": ["right", "total", "items"], "properties": {
        "right": {"type": "integer"}, "total": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["correct", "right_choice", "explanation"], "properties": {
            "question": {"type": "string"}, "chosen": {"type": ["string", "null"]}, "correct": {"type": "boolean"},
            "right_choice": {"type": "string"}, "explanation": {"type": "string"}}}}}});
    let p = &mut doc["paths"];
    p["/api/v1/lessons"] = json!({
        "get": {"operationId": "listLessons",
            "summary": "Thư viện bài học: các bài có sẵn theo chủ đề và nhóm đối tượng, rồi các bài của đơn vị người gọi xem được (bài đã phát hành tới đơn vị mình, bản nháp của đơn vị mình quản lý)",
            "parameters": library_params,
            "responses": {"200": ok("Danh sách", "LessonList"), "400": error, "401": error, "403": error, "422": error}},
        "post": {"operationId": "createLesson",
            "summary": "Viết một bài học cho đơn vị, hoặc điều chỉnh một bài có sẵn (based_on); bài mới chưa phát hành",
            "requestBody": body("NewLesson"),
            "responses": {"201": ok("Đã lưu, phiên bản 1", "LessonSaved"), "400": error, "401": error, "403": error, "404": error, "422": error}}});
    p["/api/v1/lessons/{id}"] = json!({
        "get": {"operationId": "getLesson", "summary": "Một bài học đầy đủ, với câu hỏi, đáp án và giải thích", "parameters": [lesson_id.clone()],
            "responses": {"200": ok("Bài học", "Lesson"), "401": error, "403": error, "404": error}},
        "put": {"operationId": "saveLesson",
            "summary": "Lưu phiên bản mới của một bài của đơn vị (bài có sẵn không sửa được: 403, hãy tạo bản điều chỉnh)",
            "parameters": [lesson_id.clone()], "requestBody": body("SaveLesson"),
            "responses": {"200": ok("Đã lưu", "LessonSaved"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/lessons/{id}/publish"] = json!({"post": {"operationId": "publishLesson",
        "summary": "Phát hành bài của đơn vị tới các đơn vị cấp dưới, hoặc thu hồi",
        "parameters": [lesson_id],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["published"], "properties": {
            "published": {"type": "boolean"}}}}}},
        "responses": {"200": ok("Trạng thái phát hành", "LessonPublished"), "400": error, "401": error, "403": error, "404": error}}});
    p["/api/v1/sessions"] = json!({
        "get": {"operationId": "listClassSessions", "summary": "Các buổi học người gọi đã mở, mới nhất trước", "parameters": paging,
            "responses": {"200": ok("Danh sách", "ClassSessionList"), "400": error, "401": error, "403": error}},
        "post": {"operationId": "startClassSession",
            "summary": "Mở buổi học một bài cho một lớp của trường mình dạy: học sinh vào bằng mã tham gia, không cần tài khoản",
            "requestBody": body("NewClassSession"),
            "responses": {"201": ok("Đã mở", "ClassSessionStarted"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/sessions/{id}"] = json!({"get": {"operationId": "getClassSession",
        "summary": "Một buổi học với kết quả của cả lớp theo từng câu (giáo viên mở buổi học, hiệu trưởng, Phòng)",
        "parameters": [session_id.clone()],
        "responses": {"200": ok("Buổi học", "ClassSessionView"), "401": error, "403": error, "404": error, "409": error}}});
    p["/api/v1/sessions/{id}/close"] = json!({"post": {"operationId": "closeClassSession",
        "summary": "Kết thúc buổi học: xóa biệt danh và mã thiết bị, ghi bài học vào nhật ký hoạt động của trường; đã kết thúc: 409",
        "parameters": [session_id.clone()],
        "responses": {"200": ok("Đã kết thúc", "ClassSessionClosed"), "401": error, "403": error, "404": error, "409": error}}});
    p["/api/v1/sessions/{id}/sheets"] = json!({"post": {"operationId": "addClassSessionSheets",
        "summary": "Nhập kết quả phiếu giấy của lớp (lớp không có thiết bị): số phiếu và số em đúng từng câu; chỉ khi buổi học đang mở",
        "parameters": [session_id], "requestBody": body("ClassSessionSheets"),
        "responses": {"200": ok("Buổi học", "ClassSessionView"), "400": error, "401": error, "403": error, "404": error, "409": error, "422": error}}});
    p["/api/v1/public/sessions/{code}/join"] = json!({"post": {"operationId": "joinClassSession", "security": [],
        "summary": "Học sinh vào buổi học bằng mã tham gia (không cần tài khoản): nhận câu hỏi, không có đáp án",
        "parameters": [code.clone()],
        "requestBody": {"required": false, "content": {"application/json": {"schema": schema("JoinClassSession")}}},
        "responses": {"201": ok("Đã vào", "JoinedClassSession"), "400": error, "404": error, "409": error, "413": error, "422": error}}});
    p["/api/v1/public/sessions/{code}/answers"] = json!({"post": {"operationId": "answerClassSession", "security": [],
        "summary": "Học sinh nộp bài, một lần: nhận đáp án đúng và giải thích từng câu; nộp lần hai: 409",
        "parameters": [code], "requestBody": body("ClassSessionAnswers"),
        "responses": {"200": ok("Kết quả", "ClassSessionFeedback"), "400": error, "404": error, "409": error, "413": error, "422": error}}});
    let links: [(&str, &str, &str, &str, Value); 11] = [
        (
            "/api/v1/lessons",
            "get",
            "200",
            "getLesson",
            json!({"id": "$response.body#/items/0/id"}),
        ),
        (
            "/api/v1/lessons",
            "post",
            "201",
            "getLesson",
            json!({"id": "$response.body#/id"}),
        ),
        (
            "/api/v1/lessons",
            "post",
            "201",
            "saveLesson",
            json!({"id": "$response.body#/id"}),
        ),
        (
            "/api/v1/lessons",
            "post",
            "201",
            "publishLesson",
            json!({"id": "$response.body#/id"}),
        ),
        (
            "/api/v1/sessions",
            "get",
            "200",
            "getClassSession",
            json!({"id": "$response.body#/items/0/id"}),
        ),
        (
            "/api/v1/sessions",
            "post",
            "201",
            "getClassSession",
            json!({"id": "$response.body#/id"}),
        ),
        (
            "/api/v1/sessions",
            "post",
            "201",
            "addClassSessionSheets",
            json!({"id": "$response.body#/id"}),
        ),
        (
            "/api/v1/sessions",
            "post",
            "201",
            "closeClassSession",
            json!({"id": "$response.body#/id"}),
        ),
        (
            "/api/v1/sessions",
            "post",
            "201",
            "joinClassSession",
            json!({"code": "$response.body#/code"}),
        ),
        (
            "/api/v1/public/sessions/{code}/join",
            "post",
            "201",
            "answerClassSession",
            json!({"code": "$request.path.code"}),
        ),
        (
            "/api/v1/sessions/{id}",
            "get",
            "200",
            "closeClassSession",
            json!({"id": "$request.path.id"}),
        ),
    ];
    for (path, method, status, op, parameters) in links {
        if let Some(response) = p[path][method]["responses"][status].as_object_mut() {
            let entry = response.entry("links").or_insert_with(|| json!({}));
            entry[op] = json!({"operationId": op, "parameters": parameters});
        }
    }
}
