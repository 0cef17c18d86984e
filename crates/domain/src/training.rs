//! Trainings (tập huấn, S2.2, S3.2, T1.5): an office or a school trains its staff on using the
//! Internet and phones well, and the website administrators of its schools (T1.5).
//!
//! This module turns what an organizer typed into domain values, naming every problem by its
//! field, and holds the rules of time: when people may register, when the attendance code is
//! accepted, when the pre- and post-tests may be taken. A person's test answers are never kept:
//! only per-question tallies are, so the results are the group's, never a person's score.

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::field::FieldProblem;
use crate::report::VIETNAM;
use crate::role::Role;
use crate::text::clean_line;

pub const MAX_TITLE: usize = 200;
pub const MAX_PLACE: usize = 300;
pub const MAX_LINK: usize = 500;
pub const MIN_MINUTES: u32 = 30;
pub const MAX_MINUTES: u32 = 480;
pub const MAX_CAPACITY: u32 = 2000;
pub const MAX_MATERIALS: usize = 10;
/// Most audience units one training names: a province's offices, with room.
pub const MAX_UNITS: usize = 200;
/// How early the attendance code is accepted: people arrive before the start.
pub const CHECK_IN_BEFORE: Duration = Duration::minutes(30);

/// The roles a training may invite: everyone but the system administrator, who runs the machine.
pub const AUDIENCE_ROLES: [Role; 8] = [
    Role::Teacher,
    Role::Principal,
    Role::WebsiteAdmin,
    Role::Collaborator,
    Role::ParentRep,
    Role::OfficeAdmin,
    Role::OfficeHead,
    Role::IncidentLead,
];

/// Roles counted as a school's staff in its yearly report (S2.2): not the parents' board.
pub const STAFF_ROLES: [Role; 4] = [Role::Principal, Role::Teacher, Role::WebsiteAdmin, Role::Collaborator];

/// What an organizer typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingInput {
    pub title: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub date: String,
    /// HH:MM, Vietnam time.
    pub time: String,
    pub minutes: String,
    pub place: String,
    pub online_link: String,
    pub capacity: String,
    /// Role names (`teacher`, `principal`, …).
    pub roles: Vec<String>,
    /// Unit ids as typed; empty: the organizer's unit.
    pub units: Vec<String>,
    /// Invite the website administrators of schools with open supervision findings (T1.5).
    pub webadmins_with_findings: bool,
    /// Lesson ids (built-in `topic-band` or stored numbers).
    pub materials: Vec<String>,
    /// The lesson whose quiz is the pre- and post-test; empty: none.
    pub test_lesson: String,
}

/// A training's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingFields {
    pub title: String,
    pub starts_at: OffsetDateTime,
    pub minutes: u32,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub capacity: u32,
    pub roles: Vec<Role>,
    pub unit_ids: Vec<i64>,
    pub webadmins_with_findings: bool,
    pub materials: Vec<String>,
    pub test_lesson: Option<String>,
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem::at(field, message)
}

/// A date as Vietnamese people type it (05/06/2027) or as a date input sends it (2027-06-05).
pub fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split(['-', '/']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    if y.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// A time of day as HH:MM (or H:MM, or HHhMM).
pub fn parse_time(raw: &str) -> Option<Time> {
    let raw = raw.trim().to_lowercase();
    let (h, m) = raw.split_once([':', 'h'])?;
    let (h, m) = (h.trim(), m.trim());
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// Whether a lesson id has a lesson id's shape; whether it exists is the library's question.
fn lesson_id_shape(id: &str) -> bool {
    !id.is_empty() && id.len() <= 80 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl TrainingInput {
    /// Checks everything; `now` refuses a start in the past (a training is scheduled ahead).
    pub fn parse(&self, now: OffsetDateTime) -> Result<TrainingFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let title = clean_line(&self.title);
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            problems.push(problem(
                "title",
                format!("Hãy ghi tên buổi tập huấn (1–{MAX_TITLE} ký tự)."),
            ));
        }
        let date = parse_date(&self.date);
        if date.is_none() {
            problems.push(problem(
                "date",
                "Ngày tập huấn ghi theo dạng ngày/tháng/năm, ví dụ 15/10/2026.",
            ));
        }
        let time = parse_time(&self.time);
        if time.is_none() {
            problems.push(problem("time", "Giờ bắt đầu ghi theo dạng giờ:phút, ví dụ 08:00."));
        }
        let starts_at = match (date, time) {
            (Some(d), Some(t)) => {
                let at = PrimitiveDateTime::new(d, t).assume_offset(VIETNAM);
                if at <= now {
                    problems.push(problem(
                        "date",
                        "Thời gian bắt đầu đã qua; hãy chọn một thời điểm sắp tới.",
                    ));
                }
                Some(at)
            }
            _ => None,
        };
        let minutes = self
            .minutes
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|m| (MIN_MINUTES..=MAX_MINUTES).contains(m));
        if minutes.is_none() {
            problems.push(problem(
                "minutes",
                format!("Thời lượng là số phút từ {MIN_MINUTES} đến {MAX_MINUTES}."),
            ));
        }
        let place = clean_line(&self.place);
        if place.chars().count() > MAX_PLACE {
            problems.push(problem("place", format!("Địa điểm không quá {MAX_PLACE} ký tự.")));
        }
        let link = self.online_link.trim().to_string();
        if !link.is_empty() {
            let ok = url::Url::parse(&link)
                .ok()
                .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok || link.len() > MAX_LINK || link.chars().any(char::is_whitespace) {
                problems.push(problem(
                    "online_link",
                    "Đường dẫn trực tuyến phải là một địa chỉ http:// hoặc https:// đầy đủ.",
                ));
            }
        }
        if place.is_empty() && link.is_empty() {
            problems.push(problem(
                "place",
                "Hãy ghi địa điểm, đường dẫn họp trực tuyến, hoặc cả hai.",
            ));
        }
        let capacity = self
            .capacity
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|c| (1..=MAX_CAPACITY).contains(c));
        if capacity.is_none() {
            problems.push(problem(
                "capacity",
                format!("Số chỗ là một số từ 1 đến {MAX_CAPACITY}."),
            ));
        }
        let mut roles = Vec::new();
        for raw in self.roles.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            match Role::parse(raw).filter(|r| AUDIENCE_ROLES.contains(r)) {
                Some(r) if !roles.contains(&r) => roles.push(r),
                Some(_) => {}
                None => problems.push(problem(
                    "roles",
                    format!("Không có đối tượng mời “{}”.", clean_line(raw)),
                )),
            }
        }
        if roles.is_empty() && !self.webadmins_with_findings {
            problems.push(problem(
                "roles",
                "Hãy chọn đối tượng được mời (giáo viên, hiệu trưởng, quản trị website, …).",
            ));
        }
        let unit_ids = crate::field::parse_unit_ids(&self.units, MAX_UNITS, "units", &mut problems);
        let mut materials = Vec::new();
        for raw in self.materials.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
            if !lesson_id_shape(raw) {
                problems.push(problem("materials", format!("Không có bài học “{}”.", clean_line(raw))));
            } else if !materials.iter().any(|m| m == raw) {
                materials.push(raw.to_string());
            }
        }
        if materials.len() > MAX_MATERIALS {
            problems.push(problem(
                "materials",
                format!("Chọn không quá {MAX_MATERIALS} tài liệu."),
            ));
        }
        let test = self.test_lesson.trim();
        let test_lesson = if test.is_empty() {
            None
        } else if lesson_id_shape(test) {
            Some(test.to_string())
        } else {
            problems.push(problem("test_lesson", "Không có bài học dùng làm bài kiểm tra này."));
            None
        };
        match (starts_at, minutes, capacity, problems.is_empty()) {
            (Some(starts_at), Some(minutes), Some(capacity), true) => Ok(TrainingFields {
                title,
                starts_at,
                minutes,
                place: (!place.is_empty()).then_some(place),
                online_link: (!link.is_empty()).then_some(link),
                capacity,
                roles,
                unit_ids,
                webadmins_with_findings: self.webadmins_with_findings,
                materials,
                test_lesson,
            }),
            _ => Err(problems),
        }
    }
}

/// When a training ends.
pub fn ends_at(starts_at: OffsetDateTime, minutes: i64) -> OffsetDateTime {
    starts_at + Duration::minutes(minutes)
}

/// People may register, and unregister, until the training is over.
pub fn registration_open(now: OffsetDateTime, starts_at: OffsetDateTime, minutes: i64) -> bool {
    now < ends_at(starts_at, minutes)
}

/// The attendance code is accepted from half an hour before the start until the end.
pub fn check_in_open(now: OffsetDateTime, starts_at: OffsetDateTime, minutes: i64) -> bool {
    now >= starts_at - CHECK_IN_BEFORE && now <= ends_at(starts_at, minutes)
}

/// The pre-test is taken before the training ends (after it, it would measure nothing).
pub fn pre_test_open(now: OffsetDateTime, starts_at: OffsetDateTime, minutes: i64) -> bool {
    now < ends_at(starts_at, minutes)
}

/// An attendance code as typed: six digits, spaces allowed ("482 913").
pub fn parse_code(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A certificate code as typed: letters and digits, case and dashes ignored.
pub fn parse_certificate_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 12 && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

/// One question's group results: before and after the training.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gain {
    pub pre_right: i64,
    pub pre_answered: i64,
    pub post_right: i64,
    pub post_answered: i64,
}

fn percent(right: i64, answered: i64) -> Option<i64> {
    (answered > 0).then(|| (right * 100 + answered / 2) / answered)
}

impl Gain {
    pub fn pre_percent(&self) -> Option<i64> {
        percent(self.pre_right, self.pre_answered)
    }

    pub fn post_percent(&self) -> Option<i64> {
        percent(self.post_right, self.post_answered)
    }

    /// Percentage points gained from the pre- to the post-test; none until both were taken.
    pub fn points(&self) -> Option<i64> {
        Some(self.post_percent()? - self.pre_percent()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        // 1 October 2026, 09:00 in Vietnam.
        PrimitiveDateTime::new(
            Date::from_calendar_date(2026, time::Month::October, 1).unwrap(),
            Time::from_hms(9, 0, 0).unwrap(),
        )
        .assume_offset(VIETNAM)
    }

    fn good() -> TrainingInput {
        TrainingInput {
            title: "  Tập huấn  an toàn trên mạng ".into(),
            date: "15/10/2026".into(),
            time: "08:00".into(),
            minutes: "120".into(),
            place: "Hội trường Phòng GD&ĐT".into(),
            online_link: String::new(),
            capacity: "50".into(),
            roles: vec!["teacher".into(), "principal".into(), "teacher".into()],
            units: vec![],
            webadmins_with_findings: false,
            materials: vec!["online_scams-staff".into()],
            test_lesson: "online_scams-staff".into(),
        }
    }

    #[test]
    fn a_good_input_parses_in_vietnam_time() {
        let f = good().parse(now()).unwrap();
        assert_eq!(f.title, "Tập huấn an toàn trên mạng");
        assert_eq!(f.starts_at.to_offset(time::UtcOffset::UTC).hour(), 1);
        assert_eq!(f.roles, vec![Role::Teacher, Role::Principal]);
        assert_eq!(f.place.as_deref(), Some("Hội trường Phòng GD&ĐT"));
        assert_eq!(f.test_lesson.as_deref(), Some("online_scams-staff"));
        let iso = TrainingInput {
            date: "2026-10-15".into(),
            ..good()
        };
        assert_eq!(iso.parse(now()).unwrap().starts_at, f.starts_at);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let bad = TrainingInput {
            title: " ".into(),
            date: "31/02/2026".into(),
            time: "25:00".into(),
            minutes: "10".into(),
            place: String::new(),
            online_link: "javascript:alert(1)".into(),
            capacity: "0".into(),
            roles: vec!["system_admin".into()],
            units: vec!["x".into()],
            webadmins_with_findings: false,
            materials: vec!["../etc".into()],
            test_lesson: "a b".into(),
        };
        let problems = bad.parse(now()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "title",
            "date",
            "time",
            "minutes",
            "online_link",
            "capacity",
            "roles",
            "units",
            "materials",
            "test_lesson",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn the_past_and_a_missing_place_are_refused_a_link_alone_will_do() {
        let past = TrainingInput {
            date: "30/09/2026".into(),
            ..good()
        };
        assert_eq!(past.parse(now()).unwrap_err()[0].field, "date");
        let online = TrainingInput {
            place: String::new(),
            online_link: "https://meet.example.vn/tap-huan".into(),
            ..good()
        };
        assert!(online.parse(now()).is_ok());
        let ftp = TrainingInput {
            online_link: "ftp://example.vn/x".into(),
            ..good()
        };
        assert_eq!(ftp.parse(now()).unwrap_err()[0].field, "online_link");
        let too_many = TrainingInput {
            materials: (0..11).map(|i| format!("lesson-{i}")).collect(),
            ..good()
        };
        assert_eq!(too_many.parse(now()).unwrap_err()[0].field, "materials");
        let findings_only = TrainingInput {
            roles: vec![],
            webadmins_with_findings: true,
            ..good()
        };
        assert!(findings_only.parse(now()).is_ok());
        let nobody = TrainingInput {
            roles: vec![],
            ..good()
        };
        assert_eq!(nobody.parse(now()).unwrap_err()[0].field, "roles");
    }

    #[test]
    fn windows_of_time() {
        let start = now();
        assert!(check_in_open(start - Duration::minutes(30), start, 60));
        assert!(!check_in_open(start - Duration::minutes(31), start, 60));
        assert!(check_in_open(start + Duration::minutes(60), start, 60));
        assert!(!check_in_open(start + Duration::minutes(61), start, 60));
        assert!(registration_open(start + Duration::minutes(59), start, 60));
        assert!(!registration_open(start + Duration::minutes(60), start, 60));
        assert!(pre_test_open(start, start, 60));
    }

    #[test]
    fn codes_and_gains() {
        assert_eq!(parse_code(" 482 913 ").as_deref(), Some("482913"));
        assert_eq!(parse_code("48291"), None);
        assert_eq!(
            parse_certificate_code("abcd-2345-wxyz").as_deref(),
            Some("ABCD2345WXYZ")
        );
        assert_eq!(parse_certificate_code("abc"), None);
        let g = Gain {
            pre_right: 1,
            pre_answered: 4,
            post_right: 3,
            post_answered: 4,
        };
        assert_eq!(
            (g.pre_percent(), g.post_percent(), g.points()),
            (Some(25), Some(75), Some(50))
        );
        assert_eq!(Gain::default().points(), None);
    }
}
