//! Notices (thông báo, công văn; T1.1): what an office or a department tells the units of its
//! subtree, with whom it is for, whether each reader must acknowledge it, and by when.
//!
//! This module turns what the sender typed into domain values, naming every problem by its
//! field, and holds the rules that do not need the database: who may be addressed, the due date
//! (not in the past). Its Decree 30/2020 number ("12/TB-PGDĐT") is a `DocumentNumber` of kind
//! `Notice`, in the issuing unit's sequence for the year.

use time::Date;

use crate::field::FieldProblem;
use crate::lesson::clean_paragraphs;
use crate::parents::{CLASS_NAME_HINT, ClassName, MAX_CLASSES, parse_grade};
use crate::role::Role;
use crate::text::clean_line;
use crate::training::parse_date;
use crate::unit::{SchoolLevel, UnitKind};

pub const MAX_TITLE: usize = 250;
pub const MAX_BODY: usize = 20_000;
/// Most units one notice names: a province's offices, with room.
pub const MAX_UNITS: usize = 200;

/// The roles a notice may address: everyone but the system administrator, who runs the machine.
pub const AUDIENCE_ROLES: [Role; 9] = [
    Role::Teacher,
    Role::Principal,
    Role::WebsiteAdmin,
    Role::Collaborator,
    Role::ParentRep,
    Role::Parent,
    Role::OfficeAdmin,
    Role::OfficeHead,
    Role::IncidentLead,
];

/// What a sender typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
    /// Unit ids as typed; empty: the sender's unit (its whole subtree).
    pub units: Vec<String>,
    /// Unit kinds (`school`, `office`, …); empty: every kind.
    pub unit_kinds: Vec<String>,
    /// School levels (`primary`, `lower_secondary`, `combined`); empty: every level.
    pub school_levels: Vec<String>,
    /// Role names (`principal`, `teacher`, …).
    pub roles: Vec<String>,
    /// Class names ("4B"), for the parents' role: only the parents of these classes.
    pub classes: Vec<String>,
    /// Grades ("4"), for the parents' role: only the parents of classes of these grades.
    pub grades: Vec<String>,
    pub ack_required: bool,
    /// dd/mm/yyyy or yyyy-mm-dd; empty: no due date.
    pub due: String,
}

/// Whom a notice is for: holders of `roles` in the units of the subtrees of `unit_ids`, of
/// those units only the ones of `unit_kinds` and `school_levels` when given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoticeAudience {
    pub unit_ids: Vec<i64>,
    #[serde(default)]
    pub unit_kinds: Vec<UnitKind>,
    #[serde(default)]
    pub school_levels: Vec<SchoolLevel>,
    pub roles: Vec<Role>,
    /// Parents are addressed only in these classes, or classes of these grades; both empty:
    /// every parent of the units. Staff roles are never narrowed by class.
    #[serde(default)]
    pub classes: Vec<ClassName>,
    #[serde(default)]
    pub grades: Vec<u8>,
}

impl NoticeAudience {
    /// Whether only parents are addressed: a message to families, not an official document,
    /// so it carries no number of the unit's register.
    pub fn parents_only(&self) -> bool {
        !self.roles.is_empty() && self.roles.iter().all(|r| *r == Role::Parent)
    }

    /// "Hiệu trưởng, Giáo viên, nhân viên · Trường (Tiểu học)": for the sender's page.
    pub fn describe(&self) -> String {
        let roles: Vec<String> = self
            .roles
            .iter()
            .map(|r| match r {
                Role::Parent if !self.classes.is_empty() || !self.grades.is_empty() => {
                    let mut parts: Vec<String> = Vec::new();
                    if !self.classes.is_empty() {
                        let names: Vec<&str> = self.classes.iter().map(ClassName::as_str).collect();
                        parts.push(format!("lớp {}", names.join(", ")));
                    }
                    if !self.grades.is_empty() {
                        let grades: Vec<String> = self.grades.iter().map(u8::to_string).collect();
                        parts.push(format!("khối {}", grades.join(", ")));
                    }
                    format!("{} {}", r.label(), parts.join("; "))
                }
                _ => r.label().to_string(),
            })
            .collect();
        let mut text = roles.join(", ");
        if !self.unit_kinds.is_empty() || !self.school_levels.is_empty() {
            let kinds: Vec<&str> = self.unit_kinds.iter().map(|k| k.label()).collect();
            let levels: Vec<&str> = self.school_levels.iter().map(|l| l.label()).collect();
            text.push_str(" · ");
            text.push_str(&if kinds.is_empty() {
                "Trường".to_string()
            } else {
                kinds.join(", ")
            });
            if !levels.is_empty() {
                text.push_str(&format!(" ({})", levels.join(", ")));
            }
        }
        text
    }
}

/// The first characters of a notice's body for a mail or a slip, cut at a word.
pub fn excerpt(body: &str, max: usize) -> String {
    if body.chars().count() <= max {
        return body.to_string();
    }
    let cut: String = body.chars().take(max).collect();
    let end = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end())
}

/// Characters of one text message in the GSM alphabet.
pub const SMS_LEN: usize = 160;

/// A notice as one text message for a school's contact book: "[TH An Binh] Hop phu huynh: Kinh
/// moi ... Xem: https://…", without diacritics, at most `SMS_LEN` characters, the link always
/// whole at the end (the body is cut at a word, with "..." when cut).
pub fn sms_text(sender: &str, title: &str, body: &str, link: &str) -> String {
    let one_line = |t: &str| crate::text::unaccented(&t.split_whitespace().collect::<Vec<_>>().join(" "));
    let tail = if link.is_empty() {
        String::new()
    } else {
        format!(" Xem: {link}")
    };
    let head = format!("[{}] {}: ", one_line(sender), one_line(title));
    let body = one_line(body);
    let room = SMS_LEN.saturating_sub(tail.chars().count());
    let mut text = format!("{head}{body}");
    if text.chars().count() > room {
        let keep = room.saturating_sub(3);
        let cut: String = text.chars().take(keep).collect();
        let at_word = cut.rfind(' ').filter(|i| *i > head.len() / 2).unwrap_or(cut.len());
        text = format!("{}...", cut[..at_word].trim_end());
    }
    format!("{text}{tail}")
}

/// A notice's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFields {
    pub title: String,
    pub body: String,
    pub audience: NoticeAudience,
    pub ack_required: bool,
    pub due: Option<Date>,
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem::at(field, message)
}

impl NoticeInput {
    /// Checks everything; `today` (Vietnam time) refuses a due date already past.
    pub fn parse(&self, today: Date) -> Result<NoticeFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let title = clean_line(&self.title);
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            problems.push(problem("title", format!("Hãy ghi trích yếu (1–{MAX_TITLE} ký tự).")));
        }
        let body = clean_paragraphs(&self.body);
        if body.is_empty() || body.chars().count() > MAX_BODY {
            problems.push(problem(
                "body",
                format!("Hãy ghi nội dung thông báo (không quá {MAX_BODY} ký tự)."),
            ));
        }
        let unit_ids = crate::field::parse_unit_ids(&self.units, MAX_UNITS, "units", &mut problems);
        let mut unit_kinds = Vec::new();
        for raw in self.unit_kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
            match UnitKind::parse(raw) {
                Some(k) if !unit_kinds.contains(&k) => unit_kinds.push(k),
                Some(_) => {}
                None => problems.push(problem(
                    "unit_kinds",
                    format!("Không có loại đơn vị “{}”.", clean_line(raw)),
                )),
            }
        }
        let mut school_levels = Vec::new();
        for raw in self.school_levels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
            match SchoolLevel::parse(raw) {
                Some(l) if !school_levels.contains(&l) => school_levels.push(l),
                Some(_) => {}
                None => problems.push(problem(
                    "school_levels",
                    format!("Không có cấp học “{}”.", clean_line(raw)),
                )),
            }
        }
        // A level names schools: asking for offices of a level would reach no one.
        if !school_levels.is_empty() && !unit_kinds.is_empty() && !unit_kinds.contains(&UnitKind::School) {
            problems.push(problem(
                "school_levels",
                "Cấp học chỉ áp dụng cho trường; hãy chọn thêm loại đơn vị “Trường” hoặc bỏ cấp học.",
            ));
        }
        let mut roles = Vec::new();
        for raw in self.roles.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            match Role::parse(raw).filter(|r| AUDIENCE_ROLES.contains(r)) {
                Some(r) if !roles.contains(&r) => roles.push(r),
                Some(_) => {}
                None => problems.push(problem(
                    "roles",
                    format!("Không có đối tượng nhận “{}”.", clean_line(raw)),
                )),
            }
        }
        let mut classes = Vec::new();
        for raw in self
            .classes
            .iter()
            .flat_map(|c| c.split([',', ';']))
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match ClassName::parse(raw) {
                Some(c) if !classes.contains(&c) => classes.push(c),
                Some(_) => {}
                None => problems.push(problem("classes", format!("“{}”: {CLASS_NAME_HINT}", clean_line(raw)))),
            }
        }
        let mut grades = Vec::new();
        for raw in self.grades.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
            match parse_grade(raw) {
                Some(g) if !grades.contains(&g) => grades.push(g),
                Some(_) => {}
                None => problems.push(problem("grades", format!("Không có khối “{}”.", clean_line(raw)))),
            }
        }
        if classes.len() + grades.len() > MAX_CLASSES {
            problems.push(problem("classes", format!("Chọn không quá {MAX_CLASSES} lớp và khối.")));
        }
        // A class narrows the parents only: asked of staff alone, it would reach no one.
        if (!classes.is_empty() || !grades.is_empty()) && !roles.is_empty() && !roles.contains(&Role::Parent) {
            problems.push(problem(
                "classes",
                "Lớp và khối chỉ dùng khi gửi cho cha mẹ học sinh; hãy chọn thêm “Cha mẹ học sinh” hoặc bỏ lớp, khối.",
            ));
        }
        if roles.is_empty() && !problems.iter().any(|p| p.field == "roles") {
            problems.push(problem(
                "roles",
                "Hãy chọn người nhận (hiệu trưởng, giáo viên, quản trị website, …).",
            ));
        }
        let due = if self.due.trim().is_empty() {
            None
        } else {
            match parse_date(&self.due) {
                Some(d) if d >= today => Some(d),
                Some(_) => {
                    problems.push(problem(
                        "due",
                        "Hạn phản hồi đã qua; hãy chọn hôm nay hoặc một ngày sắp tới.",
                    ));
                    None
                }
                None => {
                    problems.push(problem(
                        "due",
                        "Hạn phản hồi ghi theo dạng ngày/tháng/năm, ví dụ 15/10/2026.",
                    ));
                    None
                }
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(NoticeFields {
            title,
            body,
            audience: NoticeAudience {
                unit_ids,
                unit_kinds,
                school_levels,
                roles,
                classes,
                grades,
            },
            ack_required: self.ack_required,
            due,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn input() -> NoticeInput {
        NoticeInput {
            title: "  Về việc   triển khai tuần lễ an toàn mạng ".into(),
            body: "Đề nghị các trường triển khai.\r\n\r\nBáo cáo trước ngày 20.".into(),
            roles: vec!["principal".into(), "principal".into(), "teacher".into()],
            unit_kinds: vec!["truong".into()],
            school_levels: vec!["primary".into()],
            units: vec!["3".into()],
            ack_required: true,
            due: "20/10/2026".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_notice_parses_cleaned() {
        let f = input().parse(date!(2026 - 10 - 01)).unwrap();
        assert_eq!(f.title, "Về việc triển khai tuần lễ an toàn mạng");
        assert_eq!(f.body, "Đề nghị các trường triển khai.\n\nBáo cáo trước ngày 20.");
        assert_eq!(f.audience.roles, vec![Role::Principal, Role::Teacher]);
        assert_eq!(f.audience.unit_kinds, vec![UnitKind::School]);
        assert_eq!(f.audience.school_levels, vec![SchoolLevel::Primary]);
        assert_eq!(f.audience.unit_ids, vec![3]);
        assert_eq!(f.due, Some(date!(2026 - 10 - 20)));
        assert!(f.ack_required);
        // Due today is allowed.
        assert!(input().parse(date!(2026 - 10 - 20)).is_ok());
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let bad = NoticeInput {
            title: " ".into(),
            body: "".into(),
            units: vec!["x".into()],
            unit_kinds: vec!["office".into(), "nope".into()],
            school_levels: vec!["primary".into()],
            roles: vec!["system_admin".into()],
            classes: vec!["4B, lớp 5".into()],
            grades: vec!["13".into()],
            ack_required: false,
            due: "20/10/2026".into(),
        };
        let problems = bad.parse(date!(2026 - 10 - 21)).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "title",
            "body",
            "units",
            "unit_kinds",
            "school_levels",
            "roles",
            "due",
            "classes",
            "grades",
        ] {
            assert!(fields.contains(&f), "{f}: {problems:?}");
        }
        let none = NoticeInput {
            roles: vec![],
            ..input()
        };
        assert!(none.parse(date!(2026 - 10 - 01)).is_err());
        let bad_date = NoticeInput {
            due: "31/02/2026".into(),
            ..input()
        };
        assert_eq!(bad_date.parse(date!(2026 - 01 - 01)).unwrap_err()[0].field, "due");
    }

    #[test]
    fn classes_narrow_parents_only() {
        let parents = NoticeInput {
            roles: vec!["parent".into()],
            classes: vec!["4b, 4 B; 5a".into()],
            grades: vec!["khối 9".into()],
            unit_kinds: vec![],
            school_levels: vec![],
            ..input()
        };
        let f = parents.parse(date!(2026 - 10 - 01)).unwrap();
        assert_eq!(f.audience.classes.len(), 2, "4b and 4 B are one class");
        assert_eq!(f.audience.grades, vec![9]);
        assert!(f.audience.parents_only());
        assert_eq!(f.audience.describe(), "Cha mẹ học sinh lớp 4B, 5A; khối 9");
        let staff = NoticeInput {
            roles: vec!["teacher".into()],
            ..parents
        };
        assert_eq!(staff.parse(date!(2026 - 10 - 01)).unwrap_err()[0].field, "classes");
    }

    #[test]
    fn an_excerpt_cuts_at_a_word() {
        assert_eq!(excerpt("ngắn gọn", 20), "ngắn gọn");
        assert_eq!(excerpt("một hai ba bốn năm", 10), "một hai…");
    }

    #[test]
    fn a_text_message_fits_and_keeps_its_link() {
        let link = "https://lanhmang.example.vn/van-ban/12";
        let long = "Kính mời quý phụ huynh đến dự họp ".repeat(10);
        let sms = sms_text("Trường Tiểu học An Bình", "Họp phụ huynh lớp 4B", &long, link);
        assert!(sms.chars().count() <= SMS_LEN, "{sms}");
        assert!(
            sms.starts_with("[Truong Tieu hoc An Binh] Hop phu huynh lop 4B: Kinh moi"),
            "{sms}"
        );
        assert!(sms.ends_with(&format!("... Xem: {link}")), "{sms}");
        assert!(sms.is_ascii());
        let short = sms_text("TH An Bình", "Nghỉ học", "Ngày mai nghỉ.", link);
        assert_eq!(short, format!("[TH An Binh] Nghi hoc: Ngay mai nghi. Xem: {link}"));
    }

    #[test]
    fn the_audience_reads_in_words() {
        let f = input().parse(date!(2026 - 10 - 01)).unwrap();
        assert_eq!(
            f.audience.describe(),
            "Hiệu trưởng, Giáo viên, nhân viên · Trường (Tiểu học)"
        );
    }
}

/// Files one notice carries at most: the signed document, an annex, a form.
pub const MAX_ATTACHMENTS: usize = 3;
/// Their bytes together at most: within a request's body, base64 in JSON included. A larger
/// document is linked from the text.
pub const MAX_ATTACHMENTS_BYTES: usize = 1_400_000;

/// A file to send with a notice, checked: its cleaned name, its type by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFile {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Checks the files sent with a notice, `(name, bytes)` each: every problem under
/// `attachments`, nothing kept when there is one.
pub fn check_attachments(files: Vec<(String, Vec<u8>)>) -> Result<Vec<NoticeFile>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if files.len() > MAX_ATTACHMENTS {
        problems.push(FieldProblem::at(
            "attachments",
            format!("Mỗi thông báo kèm tối đa {MAX_ATTACHMENTS} tệp."),
        ));
    }
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    if total > MAX_ATTACHMENTS_BYTES {
        problems.push(FieldProblem::at(
            "attachments",
            "Các tệp kèm theo cộng lại lớn hơn 1,4 MB; hãy nén tệp PDF, hoặc để tài liệu lớn trên trang của đơn vị và ghi đường dẫn trong nội dung.",
        ));
    }
    let mut out = Vec::new();
    for (name, bytes) in files {
        match crate::activity::sniff_evidence(&name, &bytes) {
            Ok(kind) => out.push(NoticeFile {
                name: crate::activity::clean_file_name(&name),
                content_type: kind.content_type(),
                bytes,
            }),
            Err(e) => problems.push(FieldProblem::at("attachments", e.to_string())),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod attachment_tests {
    use super::*;

    #[test]
    fn attachments_are_checked_by_content_count_and_size() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
        let ok = check_attachments(vec![("Công văn 12.pdf".into(), pdf.clone())]).unwrap();
        assert_eq!(ok[0].content_type, "application/pdf");
        assert_eq!(ok[0].name, crate::activity::clean_file_name("Công văn 12.pdf"));
        let exe = check_attachments(vec![("a.pdf".into(), b"MZ\x90\x00".to_vec())]).unwrap_err();
        assert_eq!(exe[0].field, "attachments");
        let four = vec![("a.pdf".to_string(), pdf.clone()); 4];
        assert!(check_attachments(four).is_err());
        let big = vec![(
            "a.pdf".to_string(),
            [pdf.clone(), vec![b' '; MAX_ATTACHMENTS_BYTES]].concat(),
        )];
        assert!(check_attachments(big).is_err());
        assert!(check_attachments(Vec::new()).unwrap().is_empty());
    }
}
