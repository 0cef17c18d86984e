//! Lessons: what a teacher teaches in one class hour on phones and the Internet, with its quiz.
//!
//! A lesson is data. The built-in ones are TOML files under `crates/domain/lessons/<topic>/<band>.toml`,
//! compiled into the binary (the build script lists them), written by us in Vietnamese; an office
//! adapts a copy or writes its own through the same structure ([`LessonContent`]), stored as JSON.
//! Both pass the same [`LessonContent::problems`], so a lesson a teacher opens is always complete:
//! objectives, a duration that fits the class period, materials, the four steps, 5–8 quiz
//! questions with exactly one right answer and an explanation each, and a note for parents.
//!
//! The file format (every text in Vietnamese; paragraphs separated by a blank line):
//!
//! ```toml
//! title = "…"
//! topic = "phones_at_school"          # LessonTopic::as_str
//! band = "grades_1_2"                 # LessonBand::as_str
//! minutes = 35                        # 35 for grades 1–5, 45 for grades 6–9, 20–90 otherwise
//! requirements = ["S1.3"]             # the plan's requirement ids the lesson serves
//! objectives = ["…", "…"]             # 1–6
//! materials = ["…"]                   # 1–10
//! warm_up = """…"""
//! scenario = """…"""                  # a short story set in a Vietnamese school
//! activity = ["…", "…"]               # 1–10 steps the teacher follows
//! discussion = ["…", "…"]             # 1–8 questions for the class
//! wrap_up = """…"""
//! parent_note = """…"""               # what the family reads at home
//!
//! [[questions]]                       # 5–8
//! text = "…"
//! choices = ["…", "…", "…"]           # 2–4
//! answer = 2                          # the right choice, counting from 1
//! explanation = "…"                   # one line: why
//! ```

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::activity::{ActivityKind, PupilBand};
use crate::text::clean_line;

/// Who a lesson is for: four bands of pupils that match the activity log's, parents, and staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LessonBand {
    #[serde(rename = "grades_1_2")]
    Grades1To2,
    #[serde(rename = "grades_3_5")]
    Grades3To5,
    #[serde(rename = "grades_6_7")]
    Grades6To7,
    #[serde(rename = "grades_8_9")]
    Grades8To9,
    #[serde(rename = "parents")]
    Parents,
    #[serde(rename = "staff")]
    Staff,
}

impl LessonBand {
    pub const ALL: [LessonBand; 6] = [
        LessonBand::Grades1To2,
        LessonBand::Grades3To5,
        LessonBand::Grades6To7,
        LessonBand::Grades8To9,
        LessonBand::Parents,
        LessonBand::Staff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LessonBand::Grades1To2 => "grades_1_2",
            LessonBand::Grades3To5 => "grades_3_5",
            LessonBand::Grades6To7 => "grades_6_7",
            LessonBand::Grades8To9 => "grades_8_9",
            LessonBand::Parents => "parents",
            LessonBand::Staff => "staff",
        }
    }

    pub fn parse(raw: &str) -> Option<LessonBand> {
        LessonBand::ALL.into_iter().find(|b| b.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            LessonBand::Grades1To2 => "Lớp 1–2",
            LessonBand::Grades3To5 => "Lớp 3–5",
            LessonBand::Grades6To7 => "Lớp 6–7",
            LessonBand::Grades8To9 => "Lớp 8–9",
            LessonBand::Parents => "Cha mẹ học sinh",
            LessonBand::Staff => "Cán bộ, giáo viên",
        }
    }

    /// The activity log's band for a class lesson; none for parents and staff.
    pub fn pupil_band(self) -> Option<PupilBand> {
        match self {
            LessonBand::Grades1To2 => Some(PupilBand::G1To2),
            LessonBand::Grades3To5 => Some(PupilBand::G3To5),
            LessonBand::Grades6To7 => Some(PupilBand::G6To7),
            LessonBand::Grades8To9 => Some(PupilBand::G8To9),
            LessonBand::Parents | LessonBand::Staff => None,
        }
    }

    /// The class period a pupils' lesson must fit: 35 minutes in primary, 45 in lower secondary.
    pub fn class_period(self) -> Option<u32> {
        match self {
            LessonBand::Grades1To2 | LessonBand::Grades3To5 => Some(35),
            LessonBand::Grades6To7 | LessonBand::Grades8To9 => Some(45),
            LessonBand::Parents | LessonBand::Staff => None,
        }
    }
}

/// What a lesson is about. Each topic has one lesson per band among the built-in ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonTopic {
    PhonesAtSchool,
    PasswordsPrivacy,
    JudgingInformation,
    KindnessBullying,
    OnlineScams,
    LawOnline,
    ScreenTime,
    AskingForHelp,
}

impl LessonTopic {
    pub const ALL: [LessonTopic; 8] = [
        LessonTopic::PhonesAtSchool,
        LessonTopic::PasswordsPrivacy,
        LessonTopic::JudgingInformation,
        LessonTopic::KindnessBullying,
        LessonTopic::OnlineScams,
        LessonTopic::LawOnline,
        LessonTopic::ScreenTime,
        LessonTopic::AskingForHelp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LessonTopic::PhonesAtSchool => "phones_at_school",
            LessonTopic::PasswordsPrivacy => "passwords_privacy",
            LessonTopic::JudgingInformation => "judging_information",
            LessonTopic::KindnessBullying => "kindness_bullying",
            LessonTopic::OnlineScams => "online_scams",
            LessonTopic::LawOnline => "law_online",
            LessonTopic::ScreenTime => "screen_time",
            LessonTopic::AskingForHelp => "asking_for_help",
        }
    }

    pub fn parse(raw: &str) -> Option<LessonTopic> {
        LessonTopic::ALL.into_iter().find(|t| t.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            LessonTopic::PhonesAtSchool => "Điện thoại ở trường",
            LessonTopic::PasswordsPrivacy => "Mật khẩu và thông tin cá nhân",
            LessonTopic::JudgingInformation => "Nhận biết tin thật, tin giả",
            LessonTopic::KindnessBullying => "Tử tế trên mạng và bắt nạt qua mạng",
            LessonTopic::OnlineScams => "Lừa đảo trên mạng",
            LessonTopic::LawOnline => "Pháp luật khi dùng mạng",
            LessonTopic::ScreenTime => "Dùng màn hình lành mạnh",
            LessonTopic::AskingForHelp => "Biết nhờ giúp đỡ",
        }
    }

    /// The kind of activity a class session on this topic is logged as: the phone rules have
    /// their own (S1.3), the law is a thematic talk (S1.4), the rest are class hours on skills.
    pub fn activity_kind(self) -> ActivityKind {
        match self {
            LessonTopic::PhonesAtSchool => ActivityKind::PhoneRules,
            LessonTopic::LawOnline => ActivityKind::Talk,
            _ => ActivityKind::Other,
        }
    }
}

/// One quiz question: the right answer is `answer`, an index into `choices` counting from 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    pub choices: Vec<String>,
    pub answer: usize,
    pub explanation: String,
}

/// A whole lesson, as the teacher reads it and as an office edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonContent {
    pub title: String,
    pub topic: LessonTopic,
    pub band: LessonBand,
    pub minutes: u32,
    pub requirements: Vec<String>,
    pub objectives: Vec<String>,
    pub materials: Vec<String>,
    pub warm_up: String,
    pub scenario: String,
    pub activity: Vec<String>,
    pub discussion: Vec<String>,
    pub wrap_up: String,
    pub questions: Vec<Question>,
    pub parent_note: String,
}

/// The plan's requirements a lesson may name (DOMAIN.md): the education lines.
pub const REQUIREMENTS: [&str; 9] = ["S1.3", "S1.4", "S2.1", "S2.2", "S2.4", "S3.2", "S3.3", "T1.5", "T5.2"];

pub const MIN_QUESTIONS: usize = 5;
pub const MAX_QUESTIONS: usize = 8;
pub const MAX_CHOICES: usize = 4;
pub const MAX_TITLE: usize = 200;
pub const MAX_LINE: usize = 600;
pub const MAX_TEXT: usize = 4000;

/// One thing wrong with a lesson, named by its field so a form can show it beside the input.
pub type LessonProblem = crate::field::FieldProblem;

fn problem(field: impl Into<String>, message: impl Into<String>) -> LessonProblem {
    LessonProblem::at(field, message)
}

/// Why a lesson file could not be read at all.
#[derive(Debug, Error)]
pub enum LessonFileError {
    #[error("Tệp bài học không đúng cấu trúc: {0}")]
    Syntax(String),
    #[error("Bài học chưa đầy đủ: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Incomplete(Vec<LessonProblem>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileQuestion {
    text: String,
    choices: Vec<String>,
    /// Counting from 1, as the authors write it.
    answer: usize,
    explanation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile {
    title: String,
    topic: LessonTopic,
    band: LessonBand,
    minutes: u32,
    requirements: Vec<String>,
    objectives: Vec<String>,
    materials: Vec<String>,
    warm_up: String,
    scenario: String,
    activity: Vec<String>,
    discussion: Vec<String>,
    wrap_up: String,
    parent_note: String,
    questions: Vec<FileQuestion>,
}

/// Cleans a block of paragraphs: each paragraph on one line, one blank line between them.
pub fn clean_paragraphs(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(clean_line)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The paragraphs of a cleaned block, for rendering.
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty())
}

impl LessonContent {
    /// Reads a lesson file (the format in this module's documentation) and checks it whole.
    pub fn from_toml(text: &str) -> Result<LessonContent, LessonFileError> {
        let file: LessonFile = toml::from_str(text).map_err(|e| LessonFileError::Syntax(e.message().to_string()))?;
        let content = LessonContent {
            title: file.title,
            topic: file.topic,
            band: file.band,
            minutes: file.minutes,
            requirements: file.requirements,
            objectives: file.objectives,
            materials: file.materials,
            warm_up: file.warm_up,
            scenario: file.scenario,
            activity: file.activity,
            discussion: file.discussion,
            wrap_up: file.wrap_up,
            parent_note: file.parent_note,
            questions: file
                .questions
                .into_iter()
                .map(|q| Question {
                    text: q.text,
                    choices: q.choices,
                    // 0 is not a choice counted from 1: it becomes an index past the end and is refused below.
                    answer: q.answer.checked_sub(1).unwrap_or(usize::MAX),
                    explanation: q.explanation,
                })
                .collect(),
        };
        content.cleaned().map_err(LessonFileError::Incomplete)
    }

    /// The lesson with every text cleaned, if it is complete; otherwise every problem found.
    pub fn cleaned(self) -> Result<LessonContent, Vec<LessonProblem>> {
        let lines = |v: Vec<String>| {
            v.iter()
                .map(|s| clean_line(s))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        let content = LessonContent {
            title: clean_line(&self.title),
            topic: self.topic,
            band: self.band,
            minutes: self.minutes,
            requirements: lines(self.requirements),
            objectives: lines(self.objectives),
            materials: lines(self.materials),
            warm_up: clean_paragraphs(&self.warm_up),
            scenario: clean_paragraphs(&self.scenario),
            activity: lines(self.activity),
            discussion: lines(self.discussion),
            wrap_up: clean_paragraphs(&self.wrap_up),
            parent_note: clean_paragraphs(&self.parent_note),
            questions: self
                .questions
                .into_iter()
                .map(|q| Question {
                    text: clean_line(&q.text),
                    choices: q.choices.iter().map(|c| clean_line(c)).collect(),
                    answer: q.answer,
                    explanation: clean_line(&q.explanation),
                })
                .collect(),
        };
        let problems = content.problems();
        if problems.is_empty() {
            Ok(content)
        } else {
            Err(problems)
        }
    }

    /// Everything missing or out of bounds, in the order of the form.
    pub fn problems(&self) -> Vec<LessonProblem> {
        let mut out = Vec::new();
        let mut text = |field: &str, value: &str, max: usize, what: &str| {
            if value.is_empty() {
                out.push(problem(field, format!("Hãy viết {what}.")));
            } else if value.chars().count() > max {
                out.push(problem(field, format!("{what} dài quá {max} ký tự; hãy viết gọn lại.")));
            }
        };
        text("title", &self.title, MAX_TITLE, "tên bài học");
        text("warm_up", &self.warm_up, MAX_TEXT, "phần khởi động");
        text("scenario", &self.scenario, MAX_TEXT, "tình huống");
        text("wrap_up", &self.wrap_up, MAX_TEXT, "phần tổng kết");
        text("parent_note", &self.parent_note, MAX_TEXT, "lời nhắn cho cha mẹ");
        match self.band.class_period() {
            Some(period) if self.minutes != period => out.push(problem(
                "minutes",
                format!(
                    "Bài cho {} dài đúng một tiết: {period} phút.",
                    self.band.label().to_lowercase()
                ),
            )),
            None if !(20..=90).contains(&self.minutes) => out.push(problem("minutes", "Thời lượng từ 20 đến 90 phút.")),
            _ => {}
        }
        let mut list = |field: &str, items: &[String], min: usize, max: usize, what: &str| {
            if items.len() < min || items.len() > max {
                out.push(problem(
                    field,
                    format!("Cần từ {min} đến {max} {what}; đang có {}.", items.len()),
                ));
            }
            if let Some(long) = items.iter().position(|s| s.chars().count() > MAX_LINE) {
                out.push(problem(field, format!("Dòng {} dài quá {MAX_LINE} ký tự.", long + 1)));
            }
        };
        list("objectives", &self.objectives, 1, 6, "mục tiêu");
        list("materials", &self.materials, 1, 10, "đồ dùng, tài liệu");
        list("activity", &self.activity, 1, 10, "bước hoạt động");
        list("discussion", &self.discussion, 1, 8, "câu hỏi thảo luận");
        if self.requirements.is_empty() {
            out.push(problem(
                "requirements",
                "Hãy chọn ít nhất một yêu cầu của kế hoạch mà bài học phục vụ.",
            ));
        }
        if let Some(unknown) = self.requirements.iter().find(|r| !REQUIREMENTS.contains(&r.as_str())) {
            out.push(problem(
                "requirements",
                format!("Không có yêu cầu “{unknown}” trong kế hoạch."),
            ));
        }
        if self.questions.len() < MIN_QUESTIONS || self.questions.len() > MAX_QUESTIONS {
            out.push(problem(
                "questions",
                format!(
                    "Bài kiểm tra cần từ {MIN_QUESTIONS} đến {MAX_QUESTIONS} câu hỏi; đang có {}.",
                    self.questions.len()
                ),
            ));
        }
        for (i, q) in self.questions.iter().enumerate() {
            let field = format!("questions[{i}]");
            let n = i + 1;
            if q.text.is_empty() || q.text.chars().count() > MAX_LINE {
                out.push(problem(
                    &field,
                    format!("Câu {n}: hãy viết câu hỏi, không quá {MAX_LINE} ký tự."),
                ));
            }
            if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
                out.push(problem(
                    &field,
                    format!("Câu {n}: cần từ 2 đến {MAX_CHOICES} lựa chọn."),
                ));
            }
            if q.choices.iter().any(|c| c.is_empty() || c.chars().count() > MAX_LINE) {
                out.push(problem(&field, format!("Câu {n}: có lựa chọn để trống hoặc quá dài.")));
            }
            let mut seen = q.choices.clone();
            seen.sort();
            seen.dedup();
            if seen.len() != q.choices.len() {
                out.push(problem(&field, format!("Câu {n}: hai lựa chọn trùng nhau.")));
            }
            if q.answer >= q.choices.len() {
                out.push(problem(
                    &field,
                    format!("Câu {n}: hãy chọn đáp án đúng trong các lựa chọn."),
                ));
            }
            if q.explanation.is_empty() || q.explanation.chars().count() > MAX_LINE {
                out.push(problem(
                    &field,
                    format!("Câu {n}: hãy viết một dòng giải thích vì sao đáp án đúng."),
                ));
            }
        }
        out
    }
}

/// The plan's requirements a class lesson carries out, and so counts for in the school's report:
/// the phone rules (S1.3), the law and thematic talks (S1.4), skills (S2.1), judging
/// information (S2.4). Staff training (S2.2) and the rest are not a class's lesson.
pub const CLASS_REQUIREMENTS: [&str; 4] = ["S1.3", "S1.4", "S2.1", "S2.4"];

/// The plan's tasks a class session of a lesson with these requirements is logged under: every
/// task of the plan that carries out one of them (`CLASS_REQUIREMENTS` only), in plan order.
pub fn session_tasks(requirements: &[String], plan: &crate::plan::PlanContent) -> Vec<String> {
    plan.tasks()
        .filter(|t| {
            t.requirements
                .iter()
                .any(|r| CLASS_REQUIREMENTS.contains(&r.as_str()) && requirements.contains(r))
        })
        .map(|t| t.code.clone())
        .collect()
}

/// A lesson shipped with the binary, named by its topic and band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltInLesson {
    /// `<topic>-<band>`, e.g. `phones_at_school-grades_1_2`: stable across releases.
    pub id: String,
    pub content: LessonContent,
}

/// The lesson files compiled in: (`<topic>/<band>`, text). Written by the build script.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/built_in_lessons.rs"));

/// Reads every built-in lesson file; a file that fails is returned with its error (a test
/// asserts there is none, so a release never ships one).
pub fn read_built_in() -> Vec<Result<BuiltInLesson, (String, LessonFileError)>> {
    FILES
        .iter()
        .map(|(path, text)| {
            let content = LessonContent::from_toml(text).map_err(|e| (path.to_string(), e))?;
            Ok(BuiltInLesson {
                id: format!("{}-{}", content.topic.as_str(), content.band.as_str()),
                content,
            })
        })
        .collect()
}

/// The built-in lessons, read once, by topic then band.
pub fn built_in() -> &'static [BuiltInLesson] {
    static LESSONS: OnceLock<Vec<BuiltInLesson>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        let mut all: Vec<BuiltInLesson> = read_built_in().into_iter().filter_map(Result::ok).collect();
        all.sort_by_key(|l| (l.content.topic, l.content.band));
        all
    })
}

pub fn built_in_lesson(id: &str) -> Option<&'static BuiltInLesson> {
    built_in().iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_lesson_file_is_complete_and_where_its_name_says() {
        for entry in read_built_in() {
            match entry {
                Ok(_) => {}
                Err((path, e)) => panic!("{path}: {e}"),
            }
        }
        for (path, text) in FILES {
            let content = LessonContent::from_toml(text).expect("checked above");
            assert_eq!(
                *path,
                format!("{}/{}", content.topic.as_str(), content.band.as_str()),
                "a lesson's file is named by its topic and band"
            );
            for q in &content.questions {
                assert!(q.answer < q.choices.len());
            }
        }
    }

    #[test]
    fn every_topic_has_a_lesson_for_every_band() {
        for topic in LessonTopic::ALL {
            for band in LessonBand::ALL {
                let id = format!("{}-{}", topic.as_str(), band.as_str());
                assert!(built_in_lesson(&id).is_some(), "missing built-in lesson {id}");
            }
        }
        assert!(built_in().len() >= 48);
    }

    #[test]
    fn a_class_session_counts_under_the_tasks_of_its_requirements() {
        let plan = crate::plan::PlanContent::from_template(&crate::plan_template::BUILTIN);
        let phones = built_in_lesson("phones_at_school-grades_3_5").expect("built in");
        let tasks = session_tasks(&phones.content.requirements, &plan);
        assert!(tasks.contains(&"II.1.c".to_string()), "the phone rules: {tasks:?}");
        let staff = vec!["S2.2".to_string(), "T5.2".to_string()];
        assert!(
            session_tasks(&staff, &plan).is_empty(),
            "a training is not a class lesson"
        );
        let judging = vec!["S2.4".to_string()];
        assert_eq!(session_tasks(&judging, &plan), vec!["II.2.d".to_string()]);
    }

    fn sample() -> String {
        let question =
            "[[questions]]\ntext = \"Câu hỏi?\"\nchoices = [\"Một\", \"Hai\"]\nanswer = 2\nexplanation = \"Vì thế.\"\n";
        format!(
            "title = \"Bài thử\"\ntopic = \"screen_time\"\nband = \"grades_3_5\"\nminutes = 35\nrequirements = [\"S2.1\"]\n\
             objectives = [\"Biết\"]\nmaterials = [\"Bảng\"]\nwarm_up = \"Chào.\"\nscenario = \"\"\"Đoạn một.\n\n\n  Đoạn   hai.\"\"\"\n\
             activity = [\"Làm\"]\ndiscussion = [\"Hỏi?\"]\nwrap_up = \"Hết.\"\nparent_note = \"Nhắn.\"\n{}",
            question.repeat(5)
        )
    }

    #[test]
    fn a_file_counts_answers_from_one_and_keeps_paragraphs() {
        let lesson = LessonContent::from_toml(&sample()).expect("sample is complete");
        assert_eq!(lesson.questions[0].answer, 1);
        assert_eq!(lesson.scenario, "Đoạn một.\n\nĐoạn hai.");
        assert_eq!(paragraphs(&lesson.scenario).count(), 2);
    }

    #[test]
    fn an_incomplete_lesson_names_every_problem() {
        let text = sample()
            .replace("minutes = 35", "minutes = 45")
            .replace("answer = 2", "answer = 0");
        let Err(LessonFileError::Incomplete(problems)) = LessonContent::from_toml(&text) else {
            panic!("a 45-minute primary lesson with no right answers is refused")
        };
        assert!(problems.iter().any(|p| p.field == "minutes"));
        assert_eq!(problems.iter().filter(|p| p.message.contains("đáp án đúng")).count(), 5);
        let four = sample().replacen("[[questions]]", "[[ignored]]", 1);
        assert!(
            LessonContent::from_toml(&four).is_err(),
            "an unknown table is a syntax error"
        );
    }

    #[test]
    fn a_quiz_refuses_duplicate_choices_and_unknown_requirements() {
        let mut lesson = LessonContent::from_toml(&sample()).expect("sample is complete");
        lesson.questions[0].choices = vec!["Một".into(), "Một".into()];
        lesson.requirements = vec!["Z9.9".into()];
        let fields: Vec<_> = lesson.problems().into_iter().map(|p| p.field).collect();
        assert!(fields.contains(&"questions[0]".to_string()));
        assert!(fields.contains(&"requirements".to_string()));
    }
}
