//! Exemplary stories (tấm gương tiêu biểu, S1.2, T1.3) and the consent they need.
//!
//! A story is about people: teachers, staff, pupils. Publishing a person's story is processing
//! their personal data, so under the Personal Data Protection Law each purpose (the school's
//! page, the office's page, the press) needs the consent of the person, and for a pupil the
//! consent of a parent and, from age 7, of the pupil too. A consent is a record of who agreed to
//! what and when; it can be withdrawn, and a story is published for a purpose only while every
//! consent that purpose needs stands. This module holds that rule and the checks of what people
//! type; the store keeps the records, the application layer applies the rule.

use crate::field::FieldProblem;
use crate::text::clean_line;

pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 20_000;
pub const MAX_SUBJECTS: usize = 10;
pub const MAX_NAME: usize = 120;
pub const MAX_NOTE: usize = 500;
/// From this age a pupil's own consent is needed besides a parent's (Law on Children, PDP Law).
pub const SELF_CONSENT_AGE: i64 = 7;
/// The largest scan of a signed form kept (a phone photo of an A4 page, or a PDF scan).
pub const MAX_FORM_BYTES: usize = 1_400_000;
/// The oldest a pupil may be said to be (a continuing-education class has adults; 25 is room).
pub const MAX_PUPIL_AGE: i64 = 25;

/// Whom a story is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Pupil,
    Teacher,
    Staff,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 3] = [SubjectKind::Pupil, SubjectKind::Teacher, SubjectKind::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Pupil => "pupil",
            SubjectKind::Teacher => "teacher",
            SubjectKind::Staff => "staff",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SubjectKind::Pupil => "học sinh",
            SubjectKind::Teacher => "giáo viên",
            SubjectKind::Staff => "nhân viên",
        }
    }

    pub fn parse(raw: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }
}

/// Where a story is published: each is a purpose of its own, consented to on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    SchoolSite,
    OfficeSite,
    Press,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::SchoolSite, Purpose::OfficeSite, Purpose::Press];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SchoolSite => "school_site",
            Purpose::OfficeSite => "office_site",
            Purpose::Press => "press",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Purpose::SchoolSite => "Đăng trên trang của trường",
            Purpose::OfficeSite => "Đăng trên trang của phòng, sở",
            Purpose::Press => "Gửi báo chí",
        }
    }

    pub fn parse(raw: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == raw.trim())
    }
}

/// Who gave a consent: the person the story is about, or a pupil's parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GivenBy {
    Parent,
    /// The person themself (a teacher, a staff member, a pupil from age 7).
    Themself,
}

impl GivenBy {
    pub const ALL: [GivenBy; 2] = [GivenBy::Parent, GivenBy::Themself];

    pub fn as_str(self) -> &'static str {
        match self {
            GivenBy::Parent => "parent",
            GivenBy::Themself => "self",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GivenBy::Parent => "cha mẹ",
            GivenBy::Themself => "chính người đó",
        }
    }

    pub fn parse(raw: &str) -> Option<GivenBy> {
        GivenBy::ALL.into_iter().find(|g| g.as_str() == raw.trim())
    }
}

/// The consents a person needs for any one purpose: their own; for a pupil a parent's, and
/// from `SELF_CONSENT_AGE` the pupil's own as well.
pub fn consents_needed(kind: SubjectKind, age: Option<i64>) -> Vec<GivenBy> {
    match kind {
        SubjectKind::Teacher | SubjectKind::Staff => vec![GivenBy::Themself],
        // A pupil whose age is unknown is asked as an older one would be: the safer side.
        SubjectKind::Pupil if age.is_some_and(|a| a < SELF_CONSENT_AGE) => vec![GivenBy::Parent],
        SubjectKind::Pupil => vec![GivenBy::Parent, GivenBy::Themself],
    }
}

/// A person of a story, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub id: i64,
    pub kind: SubjectKind,
    pub name: String,
    pub age: Option<i64>,
}

/// A consent that stands (not withdrawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub subject_id: i64,
    pub given_by: GivenBy,
    pub purpose: Purpose,
}

/// A consent a purpose still needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub subject_id: i64,
    pub name: String,
    pub kind: SubjectKind,
    pub given_by: GivenBy,
}

impl Missing {
    /// "Nguyễn Văn An (học sinh): cần sự đồng ý của cha mẹ".
    pub fn describe(&self) -> String {
        let who = match self.given_by {
            GivenBy::Parent => "của cha mẹ",
            GivenBy::Themself if self.kind == SubjectKind::Pupil => "của chính em",
            GivenBy::Themself => "của chính người đó",
        };
        format!("{} ({}): cần sự đồng ý {who}", self.name, self.kind.label())
    }
}

/// The consents `purpose` still needs for the story about `subjects`, in the subjects' order.
/// Empty: the story may be published for it.
pub fn missing_consents(subjects: &[Subject], standing: &[Standing], purpose: Purpose) -> Vec<Missing> {
    let mut missing = Vec::new();
    for s in subjects {
        for given_by in consents_needed(s.kind, s.age) {
            let found = standing
                .iter()
                .any(|c| c.subject_id == s.id && c.given_by == given_by && c.purpose == purpose);
            if !found {
                missing.push(Missing {
                    subject_id: s.id,
                    name: s.name.clone(),
                    kind: s.kind,
                    given_by,
                });
            }
        }
    }
    missing
}

/// A person of a story, as typed.
#[derive(Debug, Clone, Default)]
pub struct RawSubject {
    pub kind: String,
    pub name: String,
    pub age: Option<i64>,
}

/// A person of a story, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubject {
    pub kind: SubjectKind,
    pub name: String,
    pub age: Option<i64>,
}

/// A story, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryInput {
    pub title: String,
    pub body: String,
    pub subjects: Vec<NewSubject>,
}

/// Checks a story as typed, naming every problem by its field (`subjects.N.name` for the N-th
/// person, counted from 1).
pub fn parse_story(title: &str, body: &str, subjects: &[RawSubject]) -> Result<StoryInput, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let title = clean_line(title);
    if title.is_empty() {
        problems.push(FieldProblem::at("title", "Hãy nhập tiêu đề câu chuyện."));
    } else if title.chars().count() > MAX_TITLE {
        problems.push(FieldProblem::at("title", format!("Tiêu đề dài quá {MAX_TITLE} ký tự.")));
    }
    let body = body.replace("\r\n", "\n").trim().to_string();
    if body.is_empty() {
        problems.push(FieldProblem::at("body", "Hãy viết nội dung câu chuyện."));
    } else if body.chars().count() > MAX_BODY {
        problems.push(FieldProblem::at("body", format!("Nội dung dài quá {MAX_BODY} ký tự.")));
    }
    let subjects: Vec<&RawSubject> = subjects
        .iter()
        .filter(|s| !(s.kind.trim().is_empty() && s.name.trim().is_empty() && s.age.is_none()))
        .collect();
    if subjects.is_empty() {
        problems.push(FieldProblem::at(
            "subjects",
            "Hãy ghi câu chuyện nói về ai (ít nhất một người).",
        ));
    } else if subjects.len() > MAX_SUBJECTS {
        problems.push(FieldProblem::at(
            "subjects",
            format!("Một câu chuyện nói về tối đa {MAX_SUBJECTS} người."),
        ));
    }
    let mut parsed = Vec::new();
    for (i, raw) in subjects.iter().enumerate() {
        let n = i + 1;
        let kind = SubjectKind::parse(&raw.kind);
        if kind.is_none() {
            problems.push(FieldProblem::at(
                format!("subjects.{n}.kind"),
                format!("Người thứ {n}: chọn học sinh, giáo viên hoặc nhân viên."),
            ));
        }
        let name = clean_line(&raw.name);
        if name.is_empty() {
            problems.push(FieldProblem::at(
                format!("subjects.{n}.name"),
                format!("Người thứ {n}: hãy nhập họ và tên."),
            ));
        } else if name.chars().count() > MAX_NAME {
            problems.push(FieldProblem::at(
                format!("subjects.{n}.name"),
                format!("Người thứ {n}: họ và tên dài quá {MAX_NAME} ký tự."),
            ));
        }
        match (kind, raw.age) {
            (Some(SubjectKind::Pupil), None) => problems.push(FieldProblem::at(
                format!("subjects.{n}.age"),
                format!(
                    "Người thứ {n}: hãy nhập tuổi của học sinh (từ {SELF_CONSENT_AGE} tuổi cần cả sự đồng ý của em)."
                ),
            )),
            (Some(SubjectKind::Pupil), Some(age)) if !(3..=MAX_PUPIL_AGE).contains(&age) => {
                problems.push(FieldProblem::at(
                    format!("subjects.{n}.age"),
                    format!("Người thứ {n}: tuổi của học sinh từ 3 đến {MAX_PUPIL_AGE}."),
                ))
            }
            _ => {}
        }
        if let Some(kind) = kind {
            parsed.push(NewSubject {
                kind,
                name,
                // Only a pupil's age decides anything; an adult's is not asked for nor kept.
                age: if kind == SubjectKind::Pupil { raw.age } else { None },
            });
        }
    }
    if problems.is_empty() {
        Ok(StoryInput {
            title,
            body,
            subjects: parsed,
        })
    } else {
        Err(problems)
    }
}

/// Checks the scan of a signed consent form: (file name as kept, content type).
pub fn check_form(name: &str, bytes: &[u8]) -> Result<(String, &'static str), FieldProblem> {
    if bytes.len() > MAX_FORM_BYTES {
        return Err(FieldProblem::at(
            "form",
            "Bản chụp phiếu đồng ý lớn hơn 1,4 MB; hãy chụp lại với độ phân giải thấp hơn hoặc quét thành PDF.",
        ));
    }
    match crate::activity::sniff_evidence(name, bytes) {
        Ok(kind) => Ok((crate::activity::clean_file_name(name), kind.content_type())),
        Err(e) => Err(FieldProblem::at("form", format!("Phiếu đồng ý: {e}"))),
    }
}

/// Whether `given_by` is a consent this person can give at all: a parent's only for a pupil,
/// a pupil's own only from `SELF_CONSENT_AGE`.
pub fn consent_applies(subject: &Subject, given_by: GivenBy) -> Result<(), FieldProblem> {
    if consents_needed(subject.kind, subject.age).contains(&given_by) {
        return Ok(());
    }
    let message = match (subject.kind, given_by) {
        (SubjectKind::Pupil, GivenBy::Themself) => {
            format!("Học sinh dưới {SELF_CONSENT_AGE} tuổi: chỉ cần cha mẹ đồng ý.")
        }
        _ => format!(
            "{} là {}: người đó tự đồng ý, không cần cha mẹ.",
            subject.name,
            subject.kind.label()
        ),
    };
    Err(FieldProblem::at("given_by", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pupil(id: i64, age: i64) -> Subject {
        Subject {
            id,
            kind: SubjectKind::Pupil,
            name: format!("Học sinh {id}"),
            age: Some(age),
        }
    }

    #[test]
    fn a_pupil_needs_a_parent_and_from_seven_themself_an_adult_themself() {
        assert_eq!(consents_needed(SubjectKind::Pupil, Some(6)), vec![GivenBy::Parent]);
        assert_eq!(
            consents_needed(SubjectKind::Pupil, Some(7)),
            vec![GivenBy::Parent, GivenBy::Themself]
        );
        assert_eq!(
            consents_needed(SubjectKind::Pupil, None),
            vec![GivenBy::Parent, GivenBy::Themself]
        );
        assert_eq!(consents_needed(SubjectKind::Teacher, None), vec![GivenBy::Themself]);
    }

    #[test]
    fn each_purpose_needs_its_own_consents() {
        let teacher = Subject {
            id: 1,
            kind: SubjectKind::Teacher,
            name: "Cô Lan".into(),
            age: None,
        };
        let subjects = [teacher, pupil(2, 9), pupil(3, 6)];
        let mut standing = vec![
            Standing {
                subject_id: 1,
                given_by: GivenBy::Themself,
                purpose: Purpose::SchoolSite,
            },
            Standing {
                subject_id: 2,
                given_by: GivenBy::Parent,
                purpose: Purpose::SchoolSite,
            },
            Standing {
                subject_id: 3,
                given_by: GivenBy::Parent,
                purpose: Purpose::SchoolSite,
            },
            // The pupil's own consent, but for the press: it does not cover the school's page.
            Standing {
                subject_id: 2,
                given_by: GivenBy::Themself,
                purpose: Purpose::Press,
            },
        ];
        let missing = missing_consents(&subjects, &standing, Purpose::SchoolSite);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!((missing[0].subject_id, missing[0].given_by), (2, GivenBy::Themself));
        assert!(missing[0].describe().contains("của chính em"));
        standing.push(Standing {
            subject_id: 2,
            given_by: GivenBy::Themself,
            purpose: Purpose::SchoolSite,
        });
        assert!(missing_consents(&subjects, &standing, Purpose::SchoolSite).is_empty());
        assert_eq!(missing_consents(&subjects, &standing, Purpose::OfficeSite).len(), 4);
    }

    #[test]
    fn a_story_names_each_problem_and_keeps_no_adults_age() {
        let raw = |kind: &str, name: &str, age: Option<i64>| RawSubject {
            kind: kind.into(),
            name: name.into(),
            age,
        };
        let problems = parse_story(
            " ",
            "",
            &[
                raw("pupil", "An", None),
                raw("robot", "", None),
                raw("pupil", "Bình", Some(40)),
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "body",
                "subjects.1.age",
                "subjects.2.kind",
                "subjects.2.name",
                "subjects.3.age"
            ]
        );
        assert!(parse_story("T", "B", &[]).is_err());
        let story = parse_story(
            " Cô giáo  của năm ",
            "Nội dung.\r\n",
            &[raw("teacher", "Cô Lan", Some(45)), raw("", "", None)],
        )
        .unwrap();
        assert_eq!(story.title, "Cô giáo của năm");
        assert_eq!(story.subjects[0].age, None);
        assert_eq!(story.subjects.len(), 1);
    }

    #[test]
    fn a_consent_that_cannot_apply_is_refused() {
        assert!(consent_applies(&pupil(1, 6), GivenBy::Themself).is_err());
        assert!(consent_applies(&pupil(1, 7), GivenBy::Themself).is_ok());
        let staff = Subject {
            id: 2,
            kind: SubjectKind::Staff,
            name: "Chú Ba".into(),
            age: None,
        };
        assert!(consent_applies(&staff, GivenBy::Parent).is_err());
    }
}
