//! Class sessions: a teacher runs a lesson's quiz for one class; pupils join with a code on any
//! device, without accounts, and answer; closing the session logs the activity.
//!
//! Pupils are never identified: a participant is a random token held by their page, with an
//! optional nickname that goes when the session closes. The results are the class's counts.
//! The public side (join, answer) accepts nothing but a code, a nickname and answers; it is
//! bounded per session (at most twice the pupils present, plus a few reloads, may join), and
//! each participant's answers count once.

use lanhmang_domain::activity::{AUDIENCE_FIELDS, ActivityInput, teaches_band};
use lanhmang_domain::lesson::{LessonBand, LessonTopic, Question};
use lanhmang_domain::plan::PlanStatus;
use lanhmang_domain::text::clean_line;
use lanhmang_domain::{Action, Paging, Target, UnitKind};
use lanhmang_store::class_sessions::{AnswerOutcome, ClassSession, NewClassSession, SheetTally, Tally};
use rand::Rng;

use crate::lessons::lesson;
use crate::plans::today;
use crate::{Actor, App, AppError, Problem, Result};

/// Digits in a join code: easy to read aloud and to type on a phone's number pad.
pub const CODE_DIGITS: usize = 6;
/// Most pupils a class session takes: the largest classes, with room.
pub const MAX_PUPILS: u32 = 80;
pub const MAX_CLASS_NAME: usize = 40;
pub const MAX_NICKNAME: usize = 20;
/// Joins past the pupils present a session allows: pages reloaded, a device changed.
const EXTRA_JOINS: i64 = 10;

/// What a teacher types to start a session.
#[derive(Debug, Clone, Default)]
pub struct StartInput {
    pub lesson_id: String,
    pub unit_id: Option<i64>,
    pub class_name: String,
    pub pupils_present: String,
}

/// One question's results for the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionResult {
    /// Pupils who answered it (devices and sheets).
    pub answered: i64,
    pub right: i64,
    /// Per choice, how many chose it on a device.
    pub choices: Vec<i64>,
    /// Wrong answers tallied by hand, their choice not recorded.
    pub wrong_on_paper: i64,
}

impl QuestionResult {
    /// The share right, in whole percent; none before anyone answered.
    pub fn percent_right(&self) -> Option<i64> {
        (self.answered > 0).then(|| (self.right * 100 + self.answered / 2) / self.answered)
    }
}

/// A session with its quiz and the class's results, as the teacher's screen shows them.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: ClassSession,
    pub topic: Option<LessonTopic>,
    pub band: Option<LessonBand>,
    pub questions: Vec<Question>,
    pub results: Vec<QuestionResult>,
    /// The question most got wrong, to discuss (index), once anyone answered.
    pub hardest: Option<usize>,
    /// Pupils counted as having answered: on devices and on paper.
    pub answered: i64,
    pub may_close: bool,
}

fn parse_questions(session: &ClassSession) -> Result<Vec<Question>> {
    serde_json::from_str(&session.questions).map_err(|e| {
        tracing::error!(session = session.id, error = %e, "a class session's questions cannot be read");
        AppError::Conflict("Không đọc được câu hỏi của buổi học này.".into())
    })
}

fn results(questions: &[Question], tallies: &[Tally]) -> Vec<QuestionResult> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut choices = vec![0; q.choices.len()];
            let mut wrong_on_paper = 0;
            for t in tallies.iter().filter(|t| t.question == i as i64) {
                match usize::try_from(t.choice) {
                    Ok(c) if c < choices.len() => choices[c] += t.count,
                    _ => wrong_on_paper += t.count,
                }
            }
            let right = choices.get(q.answer).copied().unwrap_or(0);
            QuestionResult {
                answered: choices.iter().sum::<i64>() + wrong_on_paper,
                right,
                choices,
                wrong_on_paper,
            }
        })
        .collect()
}

fn hardest(results: &[QuestionResult]) -> Option<usize> {
    results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.answered > 0 && r.right < r.answered)
        .min_by_key(|(_, r)| (r.right * 1000) / r.answered)
        .map(|(i, _)| i)
}

fn draw_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_DIGITS)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A join code as typed: digits only, spaces allowed ("482 913").
pub fn parse_code(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Starts a session of a pupils' lesson for one class of a school where the person teaches.
pub async fn start(app: &App, actor: &Actor, input: &StartInput) -> Result<ClassSession> {
    let mut problems = Vec::new();
    let lesson = match lesson(app, actor, input.lesson_id.trim()).await {
        Ok(l) => Some(l),
        Err(AppError::NotFound) => {
            problems.push(Problem::at("lesson_id", "Không tìm thấy bài học này trong thư viện."));
            None
        }
        Err(e) => return Err(e),
    };
    let unit = match input.unit_id.filter(|id| *id > 0) {
        Some(id) => {
            let unit = app.store.unit(id).await?.ok_or(AppError::NotFound)?;
            let target = Target::Unit(&unit.ancestry);
            if !actor.may(Action::RunClassSessions, target) {
                return Err(if actor.may(Action::ViewUnit, target) {
                    AppError::Forbidden
                } else {
                    AppError::NotFound
                });
            }
            if unit.kind != UnitKind::School {
                problems.push(Problem::at("unit_id", "Hãy chọn một trường học."));
            }
            Some(unit)
        }
        None => {
            problems.push(Problem::at("unit_id", "Hãy chọn trường."));
            None
        }
    };
    if let Some(l) = &lesson {
        match l.content.band.pupil_band() {
            None => problems.push(Problem::at(
                "lesson_id",
                "Bài dành cho cha mẹ hoặc cán bộ, giáo viên không dùng cho buổi học của một lớp; hãy chọn bài cho học sinh.",
            )),
            Some(band) => {
                if let Some(u) = &unit
                    && u.kind == UnitKind::School
                    && !teaches_band(u.school_level, band)
                {
                    problems.push(Problem::at(
                        "lesson_id",
                        format!("Trường này không có học sinh {}; hãy chọn bài đúng khối lớp.", band.label()),
                    ));
                }
            }
        }
    }
    let class_name = clean_line(&input.class_name);
    if class_name.is_empty() || class_name.chars().count() > MAX_CLASS_NAME {
        problems.push(Problem::at(
            "class_name",
            format!("Hãy ghi tên lớp, ví dụ 4B (không quá {MAX_CLASS_NAME} ký tự)."),
        ));
    }
    let pupils = input
        .pupils_present
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PUPILS).contains(n));
    if pupils.is_none() {
        problems.push(Problem::at(
            "pupils_present",
            format!("Số học sinh có mặt là một số từ 1 đến {MAX_PUPILS}."),
        ));
    }
    let (Some(lesson), Some(unit), Some(pupils), true) = (lesson, unit, pupils, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let questions = serde_json::to_string(&lesson.content.questions)
        .map_err(|e| AppError::Conflict(format!("Không chuẩn bị được câu hỏi: {e}")))?;
    let mut new = NewClassSession {
        code: String::new(),
        unit_id: unit.id,
        lesson_id: lesson.item.id.clone(),
        lesson_title: lesson.content.title.clone(),
        topic: lesson.content.topic.as_str().to_string(),
        band: lesson.content.band.as_str().to_string(),
        class_name,
        pupils_present: i64::from(pupils),
        questions,
    };
    // A million codes and at most a few thousand sessions open at once: a clash is rare, and
    // ten in a row means something else is wrong.
    for _ in 0..10 {
        new.code = draw_code();
        if let Some(id) = app.store.create_class_session(actor.person.id, &new).await? {
            return app.store.class_session(id).await?.ok_or(AppError::NotFound);
        }
    }
    Err(AppError::Conflict("Chưa tạo được mã tham gia; hãy thử lại.".into()))
}

/// A session the person may follow: the teacher who started it, or someone who sees the
/// school's activities (its principal, the office). 404 for anyone else.
async fn followed(app: &App, actor: &Actor, id: i64) -> Result<(ClassSession, bool)> {
    let session = app.store.class_session(id).await?.ok_or(AppError::NotFound)?;
    let unit = app.store.unit(session.unit_id).await?.ok_or(AppError::NotFound)?;
    let target = Target::Unit(&unit.ancestry);
    let own = session.teacher_id == actor.person.id && actor.may(Action::RunClassSessions, target);
    // Besides the teacher, the school's principal closes a session a teacher left open.
    let may_close = own || actor.may(Action::WriteSchoolReport, target);
    if !own && !actor.may(Action::ViewActivities, target) {
        return Err(AppError::NotFound);
    }
    Ok((session, may_close))
}

/// The teacher's screen: the session, its quiz and the class's results so far.
pub async fn session(app: &App, actor: &Actor, id: i64) -> Result<SessionView> {
    let (session, may_close) = followed(app, actor, id).await?;
    view(app, session, may_close).await
}

async fn view(app: &App, session: ClassSession, may_close: bool) -> Result<SessionView> {
    let questions = parse_questions(&session)?;
    let tallies = app.store.class_session_tallies(session.id).await?;
    let results = results(&questions, &tallies);
    Ok(SessionView {
        topic: LessonTopic::parse(&session.topic),
        band: LessonBand::parse(&session.band),
        hardest: hardest(&results),
        answered: session.answered + session.sheets,
        questions,
        results,
        may_close: may_close && session.open,
        session,
    })
}

/// The person's own sessions, newest first.
pub async fn my_sessions(app: &App, actor: &Actor, paging: Paging) -> Result<(Vec<ClassSession>, i64)> {
    Ok(app
        .store
        .class_sessions_of(actor.person.id, paging.limit(), paging.offset())
        .await?)
}

/// What a session's close did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub activity_id: Option<i64>,
    /// Why no activity was logged, when none was.
    pub not_logged: Option<String>,
}

/// Closes a session: nicknames and tokens go, and the lesson is logged as the school's
/// activity under the published plan that reaches it for this school year, with the pupils
/// present in the lesson's band and the class's answers in its description.
pub async fn close(app: &App, actor: &Actor, id: i64) -> Result<Closed> {
    let (session, may_close) = followed(app, actor, id).await?;
    if !may_close {
        return Err(AppError::Forbidden);
    }
    if !session.open {
        return Err(AppError::Conflict("Buổi học này đã kết thúc.".into()));
    }
    close_session(app, &actor.audit(), session).await
}

/// How long a session stays open before the upkeep job closes it: a school day.
pub const FORGOTTEN_AFTER: time::Duration = time::Duration::hours(12);

/// Closes the sessions their teachers forgot to close, so no nickname outlives its day; each is
/// logged as the teacher's activity, as if they had closed it. Gives how many were closed.
pub async fn close_forgotten(app: &App, now: time::OffsetDateTime) -> Result<usize> {
    let mut closed = 0;
    for id in app.store.stale_class_sessions(now - FORGOTTEN_AFTER).await? {
        let Some(session) = app.store.class_session(id).await? else {
            continue;
        };
        let ctx = lanhmang_store::AuditContext {
            actor_id: Some(session.teacher_id),
            actor: "Lành Mạng (tự kết thúc buổi học bị quên)".into(),
            client_ip: String::new(),
        };
        match close_session(app, &ctx, session).await {
            Ok(_) => closed += 1,
            // Closed meanwhile by its teacher: nothing left to do.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// Closes a session on behalf of `ctx` (a person, or the upkeep job for forgotten ones).
async fn close_session(app: &App, ctx: &lanhmang_store::AuditContext, session: ClassSession) -> Result<Closed> {
    let view = view(app, session, false).await?;
    let unit = app.store.unit(view.session.unit_id).await?.ok_or(AppError::NotFound)?;
    let held_on = today();
    let year = lanhmang_domain::school_year::SchoolYear::containing(held_on);
    let plan = app
        .store
        .plans_for_school(&unit.ancestry)
        .await?
        .into_iter()
        .find(|p| p.status == PlanStatus::Published && p.school_year == year);
    let Some(plan) = plan else {
        app.store.close_class_session(ctx, view.session.id, None).await?;
        return Ok(Closed {
            activity_id: None,
            not_logged: Some(
                "Chưa có kế hoạch năm học này được ban hành cho trường, nên buổi học chưa được ghi vào nhật ký hoạt động; \
                 hãy ghi tay khi kế hoạch được ban hành."
                    .into(),
            ),
        });
    };
    let requirements = crate::lessons::lesson_requirements(app, &view.session.lesson_id).await?;
    let tasks = lanhmang_domain::lesson::session_tasks(&requirements, &plan.content);
    let fields = match activity_input(&view, held_on, tasks).parse(&plan.content, plan.school_year) {
        Ok(f) => f,
        Err(problems) => {
            tracing::warn!(
                session = view.session.id,
                ?problems,
                "a class session's activity does not parse"
            );
            app.store.close_class_session(ctx, view.session.id, None).await?;
            return Ok(Closed {
                activity_id: None,
                not_logged: Some("Buổi học đã kết thúc nhưng chưa ghi được vào nhật ký hoạt động; hãy ghi tay.".into()),
            });
        }
    };
    let activity_id = app
        .store
        .close_class_session(ctx, view.session.id, Some((plan.id, &fields)))
        .await?;
    Ok(Closed {
        activity_id,
        not_logged: None,
    })
}

/// The activity a closed session logs, as if typed into the activity form, so the form's
/// rules (the school year, the counts) apply to it too.
fn activity_input(view: &SessionView, held_on: time::Date, tasks: Vec<String>) -> ActivityInput {
    let s = &view.session;
    let kind = view
        .topic
        .map(LessonTopic::activity_kind)
        .unwrap_or(lanhmang_domain::activity::ActivityKind::Other);
    let mut audience: [String; 8] = Default::default();
    if let Some(field) = view.band.and_then(LessonBand::pupil_band).map(|b| b.field())
        && let Some(i) = AUDIENCE_FIELDS.iter().position(|f| *f == field)
    {
        audience[i] = s.pupils_present.to_string();
    }
    let right: i64 = view.results.iter().map(|r| r.right).sum();
    let answers: i64 = view.results.iter().map(|r| r.answered).sum();
    let share = if answers > 0 {
        format!("{}%", (right * 100 + answers / 2) / answers)
    } else {
        "chưa có".into()
    };
    ActivityInput {
        kind: kind.as_str().to_string(),
        // None found: the kind's usual task.
        tasks,
        held_on: lanhmang_domain::text::date_text(held_on),
        title: format!("Bài học “{}” – lớp {}", s.lesson_title, s.class_name),
        audience,
        partner: String::new(),
        description: format!(
            "Buổi học trên Lành Mạng (mã bài {}): {} học sinh có mặt, {} em tham gia trên thiết bị, {} em làm bài kiểm tra \
             ({} trên thiết bị, {} trên phiếu giấy); tỉ lệ trả lời đúng {share}.",
            s.lesson_id, s.pupils_present, s.joined, view.answered, s.answered, s.sheets
        ),
    }
}

/// What a pupil's device receives on joining: the quiz without its answers.
#[derive(Debug, Clone)]
pub struct Joined {
    pub participant: String,
    pub lesson_title: String,
    pub class_name: String,
    pub code: String,
    pub questions: Vec<(String, Vec<String>)>,
}

/// A pupil joins an open session with its code and, if they like, a nickname.
pub async fn join(app: &App, code: &str, nickname: &str) -> Result<Joined> {
    let session = open_by_code(app, code).await?;
    let nickname = clean_line(nickname);
    if nickname.chars().count() > MAX_NICKNAME {
        return Err(AppError::Invalid(vec![Problem::at(
            "nickname",
            format!("Biệt danh không quá {MAX_NICKNAME} ký tự."),
        )]));
    }
    let questions = parse_questions(&session)?;
    let participant = {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        hex::encode(bytes)
    };
    let room = session.pupils_present * 2 + EXTRA_JOINS;
    let nickname = (!nickname.is_empty()).then_some(nickname);
    if !app
        .store
        .join_class_session(session.id, &participant, nickname.as_deref(), room)
        .await?
    {
        return Err(AppError::Conflict(
            "Buổi học đã đủ người tham gia hoặc vừa kết thúc; hãy hỏi thầy cô.".into(),
        ));
    }
    Ok(Joined {
        participant,
        lesson_title: session.lesson_title,
        class_name: session.class_name,
        code: session.code,
        questions: questions.into_iter().map(|q| (q.text, q.choices)).collect(),
    })
}

async fn open_by_code(app: &App, code: &str) -> Result<ClassSession> {
    let code = parse_code(code).ok_or_else(|| {
        AppError::Invalid(vec![Problem::at(
            "code",
            format!("Mã tham gia gồm {CODE_DIGITS} chữ số."),
        )])
    })?;
    app.store
        .open_class_session_by_code(&code)
        .await?
        .ok_or(AppError::NotFound)
}

/// What a pupil sees after sending: per question, their choice, the right one and why.
#[derive(Debug, Clone)]
pub struct Feedback {
    pub lesson_title: String,
    pub items: Vec<FeedbackItem>,
    pub right: usize,
}

#[derive(Debug, Clone)]
pub struct FeedbackItem {
    pub question: String,
    pub chosen: Option<String>,
    pub right_choice: String,
    pub correct: bool,
    pub explanation: String,
}

/// Counts a pupil's answers once (`answers[i]`: the choice for question `i`, none if skipped)
/// and gives the explanations. Answers of the wrong shape are refused and nothing is counted.
pub async fn answer(app: &App, code: &str, participant: &str, answers: &[Option<i64>]) -> Result<Feedback> {
    let session = open_by_code(app, code).await?;
    let questions = parse_questions(&session)?;
    let participant = participant.trim();
    if participant.len() != 32 || !participant.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Invalid(vec![Problem::at(
            "participant",
            "Hãy vào lại buổi học bằng mã tham gia.",
        )]));
    }
    if answers.len() != questions.len() {
        return Err(AppError::Invalid(vec![Problem::at(
            "answers",
            format!(
                "Bài có {} câu hỏi; hãy gửi đủ {} câu trả lời (bỏ trống câu chưa làm).",
                questions.len(),
                questions.len()
            ),
        )]));
    }
    for (i, (a, q)) in answers.iter().zip(&questions).enumerate() {
        if let Some(c) = a
            && usize::try_from(*c).map_or(true, |c| c >= q.choices.len())
        {
            return Err(AppError::Invalid(vec![Problem::at(
                "answers",
                format!("Câu {} chỉ có {} lựa chọn.", i + 1, q.choices.len()),
            )]));
        }
    }
    match app.store.answer_class_session(session.id, participant, answers).await? {
        AnswerOutcome::Counted => {}
        AnswerOutcome::AlreadyAnswered => {
            return Err(AppError::Conflict("Em đã nộp bài rồi; mỗi em nộp một lần.".into()));
        }
        AnswerOutcome::UnknownParticipant => return Err(AppError::NotFound),
    }
    let items: Vec<FeedbackItem> = questions
        .into_iter()
        .zip(answers)
        .map(|(q, a)| {
            let chosen = a.and_then(|c| usize::try_from(c).ok());
            FeedbackItem {
                correct: chosen == Some(q.answer),
                chosen: chosen.and_then(|c| q.choices.get(c).cloned()),
                right_choice: q.choices.get(q.answer).cloned().unwrap_or_default(),
                question: q.text,
                explanation: q.explanation,
            }
        })
        .collect();
    Ok(Feedback {
        lesson_title: session.lesson_title,
        right: items.iter().filter(|i| i.correct).count(),
        items,
    })
}

/// Adds quiz sheets a class answered on paper: how many sheets, and per question how many had
/// it right. Only while the session is open, by whoever may close it.
pub async fn add_sheets(app: &App, actor: &Actor, id: i64, sheets: &str, right: &[String]) -> Result<()> {
    let (session, may_close) = followed(app, actor, id).await?;
    if !may_close {
        return Err(AppError::Forbidden);
    }
    let questions = parse_questions(&session)?;
    let mut problems = Vec::new();
    let sheets = sheets
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=i64::from(MAX_PUPILS)).contains(n));
    if sheets.is_none() {
        problems.push(Problem::at(
            "sheets",
            format!("Số phiếu là một số từ 1 đến {MAX_PUPILS}."),
        ));
    }
    if right.len() != questions.len() {
        problems.push(Problem::at(
            "right",
            format!("Hãy ghi số em đúng cho đủ {} câu.", questions.len()),
        ));
    }
    let mut tallies = Vec::new();
    for (i, (raw, q)) in right.iter().zip(&questions).enumerate() {
        match raw.trim().parse::<i64>() {
            Ok(n) if n >= 0 && sheets.is_none_or(|s| n <= s) => tallies.push(SheetTally {
                question: i as i64,
                right_choice: q.answer as i64,
                right: n,
            }),
            _ => problems.push(Problem::at(
                format!("right[{i}]"),
                format!("Câu {}: số em đúng là một số từ 0 đến số phiếu.", i + 1),
            )),
        }
    }
    let (Some(sheets), true) = (sheets, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    if !app.store.add_class_session_sheets(session.id, sheets, &tallies).await? {
        return Err(AppError::Conflict("Buổi học này đã kết thúc.".into()));
    }
    Ok(())
}
