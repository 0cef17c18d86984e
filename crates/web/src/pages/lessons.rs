//! The lesson library: the list with its filters, a lesson's page (its plan, its quiz with the
//! answers, the start of a class session), and the office's form to adapt or write a lesson.
//! Rules live in `lanhmang_app::lessons`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lanhmang_app::lessons::{self as service, LessonFilter, LessonItem, LessonSource, LessonView};
use lanhmang_domain::lesson::{
    LessonBand, LessonContent, LessonTopic, MAX_CHOICES, MAX_QUESTIONS, Question, REQUIREMENTS, paragraphs,
};
use lanhmang_domain::{Action, UnitKind};
use serde::Deserialize;

use super::units::Choice;
use super::{PageForm, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::AppError;
use crate::format::date_time;
use crate::layout::{FieldErrors, Layout, Pager, render, render_form};

fn layout(title: impl Into<String>, identity: &Identity, notice: Option<&str>) -> Layout {
    let mut layout = Layout::new(title, identity, "/bai-hoc");
    layout.notice = notice.and_then(|code| match code {
        "da-luu" => Some("Đã lưu phiên bản mới của bài học."),
        "da-tao" => Some("Đã tạo bài học của đơn vị. Bài chưa công bố: chỉ người soạn bài của đơn vị thấy."),
        "da-cong-bo" => Some("Đã công bố bài học cho các trường và đơn vị cấp dưới."),
        "da-an" => Some("Đã thôi công bố bài học."),
        _ => None,
    });
    layout
}

/// The choices of a filter: (value, label, selected).
fn choices<T: Copy + PartialEq>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    chosen: Option<T>,
) -> Vec<Choice> {
    all.iter()
        .map(|t| (value(*t).to_string(), label(*t).to_string(), chosen == Some(*t)))
        .collect()
}

pub struct Row {
    id: String,
    title: String,
    band: &'static str,
    topic: &'static str,
    minutes: u32,
    requirements: String,
    source: String,
}

fn row(item: &LessonItem) -> Row {
    Row {
        id: item.id.clone(),
        title: item.title.clone(),
        band: item.band.label(),
        topic: item.topic.label(),
        minutes: item.minutes,
        requirements: item.requirements.join(", "),
        source: match &item.source {
            LessonSource::BuiltIn => "Bài có sẵn".into(),
            LessonSource::Unit {
                version,
                published: true,
                ..
            } => format!("Bài của đơn vị, phiên bản {version}"),
            LessonSource::Unit {
                version,
                published: false,
                ..
            } => format!("Bản nháp của đơn vị, phiên bản {version}"),
        },
    }
}

#[derive(Template)]
#[template(path = "lesson_library.html")]
struct LibraryPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    bands: Vec<Choice>,
    topics: Vec<Choice>,
    durations: Vec<Choice>,
    requirements: Vec<Choice>,
    query: String,
    may_write: bool,
    filter_box: crate::layout::FilterBox,
}

#[derive(Deserialize, Default)]
pub struct LibraryQuery {
    #[serde(default)]
    band: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    q: String,
    page: Option<String>,
    per_page: Option<String>,
}

pub async fn library(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, AppError> {
    let paging = super::paging(&q.page, &q.per_page)?;
    let filter = LessonFilter::parse(&q.band, &q.topic, &q.minutes, &q.requirement, &q.q)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let (items, total) = service::library(&state.app, &identity, &filter, paging).await?;
    let params: Vec<(&str, String)> = [
        ("band", q.band.clone()),
        ("topic", q.topic.clone()),
        ("minutes", q.minutes.clone()),
        ("requirement", q.requirement.clone()),
        ("q", q.q.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .collect();
    let durations = [20u32, 30, 35, 45, 60]
        .iter()
        .map(|m| (m.to_string(), format!("{m} phút"), filter.minutes == Some(*m)))
        .collect();
    render(&LibraryPage {
        layout: layout("Thư viện bài học", &identity, None),
        rows: items.iter().map(row).collect(),
        pager: Pager::new("/bai-hoc", &params, paging, i64::try_from(total).unwrap_or(i64::MAX)),
        bands: choices(&LessonBand::ALL, LessonBand::as_str, LessonBand::label, filter.band),
        topics: choices(&LessonTopic::ALL, LessonTopic::as_str, LessonTopic::label, filter.topic),
        durations,
        requirements: REQUIREMENTS
            .iter()
            .map(|r| (r.to_string(), r.to_string(), filter.requirement.as_deref() == Some(*r)))
            .collect(),
        query: q.q.trim().to_string(),
        filter_box: crate::layout::FilterBox::of(&[&q.band, &q.topic, &q.minutes, &q.requirement, &q.q]),
        may_write: lanhmang_domain::permission::can_somewhere(&identity.permissions, Action::ManageLessons),
    })
}

/// A question as the teacher's page shows it: the choices lettered, the right one marked.
pub struct QuestionView {
    pub text: String,
    pub choices: Vec<(char, String, bool)>,
    pub explanation: String,
    pub answer_letter: char,
}

pub fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i.min(25)).unwrap_or(25))
}

pub fn question_view(q: &Question) -> QuestionView {
    QuestionView {
        text: q.text.clone(),
        choices: q
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| (letter(i), c.clone(), i == q.answer))
            .collect(),
        explanation: q.explanation.clone(),
        answer_letter: letter(q.answer),
    }
}

fn paras(text: &str) -> Vec<String> {
    paragraphs(text).map(str::to_string).collect()
}

#[derive(Template)]
#[template(path = "lesson_show.html")]
struct ShowPage {
    layout: Layout,
    id: String,
    title: String,
    band: &'static str,
    topic: &'static str,
    minutes: u32,
    requirements: String,
    source: String,
    objectives: Vec<String>,
    materials: Vec<String>,
    warm_up: Vec<String>,
    scenario: Vec<String>,
    activity: Vec<String>,
    discussion: Vec<String>,
    wrap_up: Vec<String>,
    parent_note: Vec<String>,
    questions: Vec<QuestionView>,
    for_pupils: bool,
    may_run: bool,
    may_adapt: bool,
    may_edit: bool,
    published: bool,
    schools: Vec<Choice>,
    versions: Vec<(i64, String, String)>,
    start: StartForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct StartForm {
    #[serde(default)]
    pub lesson_id: String,
    #[serde(default)]
    pub unit_id: String,
    #[serde(default)]
    pub class_name: String,
    #[serde(default)]
    pub pupils_present: String,
}

/// The lesson's page; `start` and `errors` refill the class-session form after a refusal.
pub async fn lesson_page(
    state: &AppState,
    identity: &Identity,
    view: LessonView,
    notice: Option<&str>,
    start: StartForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let roots = lanhmang_domain::permission::scope_roots(&identity.permissions, Action::RunClassSessions);
    let band = view.content.band.pupil_band();
    let schools: Vec<Choice> = if view.may_run && band.is_some() {
        state
            .app
            .store
            .units_by_ids(&roots)
            .await?
            .into_iter()
            .filter(|u| {
                u.kind == UnitKind::School
                    && band.is_some_and(|b| lanhmang_domain::activity::teaches_band(u.school_level, b))
            })
            .map(|u| (u.id.to_string(), u.name.clone(), start.unit_id == u.id.to_string()))
            .collect()
    } else {
        Vec::new()
    };
    let c = &view.content;
    let invalid = !errors.is_empty();
    let page = ShowPage {
        layout: layout(c.title.clone(), identity, notice),
        id: view.item.id.clone(),
        title: c.title.clone(),
        band: c.band.label(),
        topic: c.topic.label(),
        minutes: c.minutes,
        requirements: c.requirements.join(", "),
        source: row(&view.item).source,
        objectives: c.objectives.clone(),
        materials: c.materials.clone(),
        warm_up: paras(&c.warm_up),
        scenario: paras(&c.scenario),
        activity: c.activity.clone(),
        discussion: c.discussion.clone(),
        wrap_up: paras(&c.wrap_up),
        parent_note: paras(&c.parent_note),
        questions: c.questions.iter().map(question_view).collect(),
        for_pupils: band.is_some(),
        may_run: view.may_run && !schools.is_empty(),
        may_adapt: view.may_adapt,
        may_edit: view.may_edit,
        published: matches!(view.item.source, LessonSource::Unit { published: true, .. }),
        schools,
        versions: view
            .versions
            .iter()
            .map(|v| (v.version, v.saved_by.clone().unwrap_or_default(), date_time(v.saved_at)))
            .collect(),
        start,
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
    let view = service::lesson(&state.app, &identity, &id).await?;
    lesson_page(
        &state,
        &identity,
        view,
        q.tb.as_deref(),
        StartForm::default(),
        FieldErrors::default(),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// The office's form: the same parts as a built-in lesson.

/// One question's inputs on the form.
#[derive(Default, Clone)]
pub struct QuestionInput {
    pub text: String,
    pub choices: String,
    pub answer: String,
    pub explanation: String,
}

#[derive(Default, Clone)]
pub struct LessonForm {
    pub unit_id: String,
    pub based_on: String,
    pub version: String,
    pub title: String,
    pub topic: String,
    pub band: String,
    pub minutes: String,
    pub requirements: Vec<String>,
    pub objectives: String,
    pub materials: String,
    pub warm_up: String,
    pub scenario: String,
    pub activity: String,
    pub discussion: String,
    pub wrap_up: String,
    pub parent_note: String,
    pub questions: Vec<QuestionInput>,
}

impl LessonForm {
    fn from_content(c: &LessonContent) -> LessonForm {
        let mut questions: Vec<QuestionInput> = c
            .questions
            .iter()
            .map(|q| QuestionInput {
                text: q.text.clone(),
                choices: q.choices.join("\n"),
                answer: (q.answer + 1).to_string(),
                explanation: q.explanation.clone(),
            })
            .collect();
        questions.resize(MAX_QUESTIONS, QuestionInput::default());
        LessonForm {
            title: c.title.clone(),
            topic: c.topic.as_str().into(),
            band: c.band.as_str().into(),
            minutes: c.minutes.to_string(),
            requirements: c.requirements.clone(),
            objectives: c.objectives.join("\n"),
            materials: c.materials.join("\n"),
            warm_up: c.warm_up.clone(),
            scenario: c.scenario.clone(),
            activity: c.activity.join("\n"),
            discussion: c.discussion.join("\n"),
            wrap_up: c.wrap_up.clone(),
            parent_note: c.parent_note.clone(),
            questions,
            ..LessonForm::default()
        }
    }

    /// Reads the posted fields; repeated names (requirements) are kept in order.
    fn from_fields(fields: &[(String, String)]) -> LessonForm {
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let questions = (0..MAX_QUESTIONS)
            .map(|i| QuestionInput {
                text: one(&format!("q{i}_text")),
                choices: one(&format!("q{i}_choices")),
                answer: one(&format!("q{i}_answer")),
                explanation: one(&format!("q{i}_explanation")),
            })
            .collect();
        LessonForm {
            unit_id: one("unit_id"),
            based_on: one("based_on"),
            version: one("version"),
            title: one("title"),
            topic: one("topic"),
            band: one("band"),
            minutes: one("minutes"),
            requirements: fields
                .iter()
                .filter(|(k, _)| k == "requirements")
                .map(|(_, v)| v.clone())
                .collect(),
            objectives: one("objectives"),
            materials: one("materials"),
            warm_up: one("warm_up"),
            scenario: one("scenario"),
            activity: one("activity"),
            discussion: one("discussion"),
            wrap_up: one("wrap_up"),
            parent_note: one("parent_note"),
            questions,
        }
    }

    /// The lesson the form describes, or the problems of the fields the content cannot hold
    /// (a topic that is none of ours); the content's own checks come after, in `app`.
    fn content(&self, errors: &mut FieldErrors) -> Option<LessonContent> {
        let lines = |text: &str| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let topic = LessonTopic::parse(&self.topic);
        if topic.is_none() {
            errors.add("topic", "Hãy chọn chủ đề.");
        }
        let band = LessonBand::parse(&self.band);
        if band.is_none() {
            errors.add("band", "Hãy chọn đối tượng.");
        }
        let minutes = self.minutes.trim().parse::<u32>().ok();
        if minutes.is_none() {
            errors.add("minutes", "Thời lượng là số phút, ví dụ 35.");
        }
        let mut questions = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            if q.text.trim().is_empty() && q.choices.trim().is_empty() && q.explanation.trim().is_empty() {
                continue;
            }
            let answer = q.answer.trim().parse::<usize>().ok().and_then(|a| a.checked_sub(1));
            if answer.is_none() {
                errors.add(
                    &format!("questions[{i}]"),
                    format!("Câu {}: hãy chọn đáp án đúng.", i + 1),
                );
            }
            questions.push(Question {
                text: q.text.clone(),
                choices: lines(&q.choices),
                answer: answer.unwrap_or(usize::MAX),
                explanation: q.explanation.clone(),
            });
        }
        Some(LessonContent {
            title: self.title.clone(),
            topic: topic?,
            band: band?,
            minutes: minutes?,
            requirements: self.requirements.clone(),
            objectives: lines(&self.objectives),
            materials: lines(&self.materials),
            warm_up: self.warm_up.clone(),
            scenario: self.scenario.clone(),
            activity: lines(&self.activity),
            discussion: lines(&self.discussion),
            wrap_up: self.wrap_up.clone(),
            parent_note: self.parent_note.clone(),
            questions,
        })
    }
}

#[derive(Template)]
#[template(path = "lesson_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    editing: bool,
    units: Vec<Choice>,
    topics: Vec<Choice>,
    bands: Vec<Choice>,
    requirements: Vec<Choice>,
    form: LessonForm,
    blocks: Vec<Block>,
    max_choices: usize,
    answer_numbers: Vec<String>,
    errors: FieldErrors,
}

/// A many-line field of the form.
pub struct Block {
    name: &'static str,
    label: &'static str,
    rows: u32,
    value: String,
}

fn blocks(form: &LessonForm) -> Vec<Block> {
    let block = |name, label, rows, value: &String| Block {
        name,
        label,
        rows,
        value: value.clone(),
    };
    vec![
        block("objectives", "Mục tiêu (mỗi dòng một mục)", 4, &form.objectives),
        block("materials", "Chuẩn bị (mỗi dòng một thứ)", 3, &form.materials),
        block("warm_up", "Khởi động", 4, &form.warm_up),
        block(
            "scenario",
            "Tình huống (các đoạn cách nhau một dòng trống)",
            6,
            &form.scenario,
        ),
        block("activity", "Hoạt động (mỗi dòng một bước)", 6, &form.activity),
        block(
            "discussion",
            "Câu hỏi thảo luận (mỗi dòng một câu)",
            4,
            &form.discussion,
        ),
        block("wrap_up", "Tổng kết", 3, &form.wrap_up),
        block("parent_note", "Gửi cha mẹ", 5, &form.parent_note),
    ]
}

async fn form_page(
    state: &AppState,
    identity: &Identity,
    action: String,
    form: LessonForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let units = service::lesson_units(&state.app, identity).await?;
    let invalid = !errors.is_empty();
    let editing = !form.version.is_empty();
    let page = FormPage {
        layout: layout(
            if editing {
                "Sửa bài học"
            } else {
                "Soạn bài học của đơn vị"
            },
            identity,
            None,
        ),
        action,
        editing,
        units: units
            .iter()
            .map(|u| (u.id.to_string(), u.name.clone(), form.unit_id == u.id.to_string()))
            .collect(),
        topics: choices(
            &LessonTopic::ALL,
            LessonTopic::as_str,
            LessonTopic::label,
            LessonTopic::parse(&form.topic),
        ),
        bands: choices(
            &LessonBand::ALL,
            LessonBand::as_str,
            LessonBand::label,
            LessonBand::parse(&form.band),
        ),
        requirements: REQUIREMENTS
            .iter()
            .map(|r| (r.to_string(), r.to_string(), form.requirements.iter().any(|x| x == r)))
            .collect(),
        blocks: blocks(&form),
        form,
        max_choices: MAX_CHOICES,
        answer_numbers: (1..=MAX_CHOICES).map(|n| n.to_string()).collect(),
        errors,
    };
    render_form(&page, invalid)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    /// The lesson to adapt, if any.
    #[serde(default)]
    tu: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    identity: Identity,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let mut form = if q.tu.trim().is_empty() {
        let mut f = LessonForm::default();
        f.questions.resize(MAX_QUESTIONS, QuestionInput::default());
        f
    } else {
        let source = service::lesson(&state.app, &identity, q.tu.trim()).await?;
        let mut f = LessonForm::from_content(&source.content);
        f.based_on = source.item.id;
        f
    };
    form.version.clear();
    form_page(&state, &identity, "/bai-hoc/moi".into(), form, FieldErrors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    identity: Identity,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = LessonForm::from_fields(&fields);
    let mut errors = FieldErrors::default();
    let unit_id = form.unit_id.trim().parse::<i64>().ok();
    if unit_id.is_none() {
        errors.add("unit_id", "Hãy chọn đơn vị.");
    }
    let content = form.content(&mut errors);
    let (Some(unit_id), Some(content), true) = (unit_id, content, errors.is_empty()) else {
        return form_page(&state, &identity, "/bai-hoc/moi".into(), form, errors).await;
    };
    let based_on = Some(form.based_on.trim()).filter(|b| !b.is_empty());
    match service::create_lesson(&state.app, &identity, unit_id, based_on, content).await {
        Ok(id) => Ok(Redirect::to(&format!("/bai-hoc/{id}?tb=da-tao")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(
                &state,
                &identity,
                "/bai-hoc/moi".into(),
                form,
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
    let lesson_id = parse_id(&id)?;
    let view = service::lesson(&state.app, &identity, &id).await?;
    if !view.may_edit {
        return Err(AppError::Forbidden);
    }
    let mut form = LessonForm::from_content(&view.content);
    if let LessonSource::Unit { version, unit_id, .. } = view.item.source {
        form.version = version.to_string();
        form.unit_id = unit_id.to_string();
    }
    form_page(
        &state,
        &identity,
        format!("/bai-hoc/{lesson_id}/sua"),
        form,
        FieldErrors::default(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lesson_id = parse_id(&id)?;
    let form = LessonForm::from_fields(&fields);
    let action = format!("/bai-hoc/{lesson_id}/sua");
    let mut errors = FieldErrors::default();
    let version = form.version.trim().parse::<i64>().ok();
    if version.is_none() {
        return Err(AppError::BadRequest("Thiếu phiên bản của bài đang sửa.".into()));
    }
    let content = form.content(&mut errors);
    let (Some(version), Some(content), true) = (version, content, errors.is_empty()) else {
        return form_page(&state, &identity, action, form, errors).await;
    };
    match service::save_lesson(&state.app, &identity, lesson_id, version, content).await {
        Ok(_) => Ok(Redirect::to(&format!("/bai-hoc/{lesson_id}?tb=da-luu")).into_response()),
        Err(lanhmang_app::AppError::Invalid(problems)) => {
            form_page(&state, &identity, action, form, super::field_errors(&problems)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    #[serde(default)]
    published: String,
}

pub async fn publish(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    PageForm(f): PageForm<PublishForm>,
) -> Result<Response, AppError> {
    let lesson_id = parse_id(&id)?;
    let published = f.published == "1";
    service::publish_lesson(&state.app, &identity, lesson_id, published).await?;
    let notice = if published { "da-cong-bo" } else { "da-an" };
    Ok(Redirect::to(&format!("/bai-hoc/{lesson_id}?tb={notice}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Printable forms: the lesson plan (PDF, Word), the slides, the pupils' quiz sheet.

/// Which printable form of a lesson.
#[derive(Clone, Copy)]
pub enum Printable {
    PlanPdf,
    PlanDocx,
    Slides,
    QuizSheet,
}

const PDF_TYPE: &str = "application/pdf";
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    /// The class the quiz sheet is for, printed on it.
    #[serde(default)]
    lop: String,
}

async fn printable(
    state: &AppState,
    identity: &Identity,
    id: &str,
    kind: Printable,
    class_name: &str,
) -> Result<Response, AppError> {
    let view = service::lesson(&state.app, identity, id).await?;
    let unit_name = match view.item.source {
        LessonSource::Unit { unit_id, .. } => state.app.store.unit(unit_id).await?.map(|u| u.name),
        LessonSource::BuiltIn => None,
    };
    let content = view.content;
    let class_name = lanhmang_domain::text::clean_line(class_name)
        .chars()
        .take(40)
        .collect::<String>();
    let title = content.title.clone();
    let (bytes, content_type, name) = match kind {
        Printable::PlanPdf => (
            super::documents::lay_out(move || lanhmang_export::lesson_pdf(&content, unit_name.as_deref())).await?,
            PDF_TYPE,
            format!("Giáo án - {title}.pdf"),
        ),
        Printable::PlanDocx => (
            super::documents::lay_out(move || lanhmang_export::lesson_docx(&content, unit_name.as_deref())).await?,
            DOCX_TYPE,
            format!("Giáo án - {title}.docx"),
        ),
        Printable::Slides => (
            super::documents::lay_out(move || lanhmang_export::lesson_slides_pdf(&content)).await?,
            PDF_TYPE,
            format!("Trình chiếu - {title}.pdf"),
        ),
        Printable::QuizSheet => (
            super::documents::lay_out(move || lanhmang_export::quiz_sheet_pdf(&content, &class_name)).await?,
            PDF_TYPE,
            format!("Phiếu kiểm tra - {title}.pdf"),
        ),
    };
    super::documents::attachment(bytes, content_type, &name)
}

/// A printable form as a type, so one handler serves the four addresses (`print::<Slides>`).
pub trait AsPrintable {
    const KIND: Printable;
}

pub struct PlanPdf;
pub struct PlanDocx;
pub struct Slides;
pub struct QuizSheet;

impl AsPrintable for PlanPdf {
    const KIND: Printable = Printable::PlanPdf;
}
impl AsPrintable for PlanDocx {
    const KIND: Printable = Printable::PlanDocx;
}
impl AsPrintable for Slides {
    const KIND: Printable = Printable::Slides;
}
impl AsPrintable for QuizSheet {
    const KIND: Printable = Printable::QuizSheet;
}

pub async fn print<K: AsPrintable>(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<PrintQuery>,
) -> Result<Response, AppError> {
    // Only the quiz sheet names a class; the other forms ignore `lop`.
    printable(&state, &identity, &id, K::KIND, &q.lop).await
}
