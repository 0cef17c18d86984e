//! Parents and their classes (S3.3, T5.2): a school invites the parents of a class with a code;
//! a parent joins with it, giving their own name and contact and nothing about the child but the
//! class ("con học lớp 4B"). The pupil is never an account and never named.
//!
//! This module holds what needs no database: what a class name is, how long an invitation
//! lasts, what a parent signing up gives, and the quiet hours when no mail goes to families.

use time::{Duration, OffsetDateTime, Time};

use crate::field::FieldProblem;
use crate::person::{PersonFields, PersonInput};
use crate::report::VIETNAM;

/// How long a class's invitation code can be used: long enough for the first parents' meeting
/// and the weeks after it, short enough that a code photographed in September is dead by winter.
pub const INVITATION_DAYS: i64 = 30;
/// Characters in an invitation code (grouped "7KQ2-MX9A"): 31^8, about 8.5 × 10^11 codes.
pub const CODE_LEN: usize = 8;
/// The highest grade of general education.
pub const MAX_GRADE: u8 = 12;
/// Most classes or grades one notice names.
pub const MAX_CLASSES: usize = 60;

/// A class's name as the school writes it: the grade first, then its letters or numbers ("4B",
/// "6A1", "9/3"). Kept in capitals without spaces, so "4 b" and "4B" are one class.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct ClassName(String);

/// What a class name must look like, for the person typing it.
pub const CLASS_NAME_HINT: &str = "Tên lớp ghi khối rồi đến ký hiệu lớp, ví dụ 4B, 6A1 hoặc 9/3.";

impl ClassName {
    pub fn parse(raw: &str) -> Option<ClassName> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let digits = compact.chars().take_while(char::is_ascii_digit).count();
        let grade: u8 = compact.get(..digits)?.parse().ok()?;
        let rest = compact.get(digits..)?;
        // "9/3", "9-3" and "9.3" are one class, written with a slash.
        let (separator, rest) = match rest.strip_prefix(['/', '.', '-']) {
            Some(after) => ("/", after),
            None => ("", rest),
        };
        let valid = (1..=MAX_GRADE).contains(&grade)
            && !rest.is_empty()
            && rest.len() <= 4
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
            && compact.len() <= 8;
        valid.then(|| ClassName(format!("{grade}{separator}{rest}")))
    }

    /// The grade (khối) the class belongs to: its leading number.
    pub fn grade(&self) -> u8 {
        let digits: String = self.0.chars().take_while(char::is_ascii_digit).collect();
        // `parse` admitted only names that begin with a grade of 1–12.
        digits.parse().unwrap_or(0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClassName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A grade typed as "4" or "khối 4".
pub fn parse_grade(raw: &str) -> Option<u8> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let others = raw
        .chars()
        .filter(|c| !c.is_ascii_digit() && !c.is_whitespace())
        .collect::<String>();
    let others = crate::text::fold_key(&others);
    if !(others.is_empty() || others == "khoi") {
        return None;
    }
    digits.parse().ok().filter(|g| (1..=MAX_GRADE).contains(g))
}

/// What a parent types to sign up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignupInput {
    pub code: String,
    pub name: String,
    pub username: String,
    pub password: String,
    pub email: String,
    pub phone: String,
}

/// A parent's sign-up, checked: the code as issued, and the account's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signup {
    pub code: String,
    pub person: PersonFields,
}

/// The invitation code as typed back, or the problem to show beside it.
pub fn parse_code(raw: &str) -> Result<String, FieldProblem> {
    crate::code::normalize_code(raw, CODE_LEN)
        .ok_or_else(|| FieldProblem::at("code", "Mã mời gồm 8 ký tự như trên giấy mời của lớp, ví dụ 7KQ2-MX9A."))
}

impl SignupInput {
    /// Checks everything; a contact (e-mail or phone) lets the school reach the parent and the
    /// parent recover the account, so one of the two is asked for.
    pub fn parse(&self) -> Result<Signup, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let code = parse_code(&self.code).map_err(|p| problems.push(p)).ok();
        let person = PersonInput {
            username: self.username.clone(),
            display_name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
        .parse()
        .map_err(|list| {
            for (field, e) in list {
                let field = match field.as_str() {
                    "display_name" => "name",
                    other => other,
                };
                problems.push(FieldProblem::at(field, e.to_string()));
            }
        })
        .ok();
        if let Some(p) = &person {
            if p.email.is_none() && p.phone.is_none() {
                problems.push(FieldProblem::at(
                    "phone",
                    "Hãy ghi số điện thoại hoặc thư điện tử để nhà trường liên hệ được với anh/chị.",
                ));
            }
            if let Err(e) = crate::password::check_policy(&self.password, &p.username) {
                problems.push(FieldProblem::at("password", e.to_string()));
            }
        }
        match (code, person) {
            (Some(code), Some(person)) if problems.is_empty() => Ok(Signup { code, person }),
            _ => Err(problems),
        }
    }
}

/// The hours of the night when no mail (or other push) about a notice goes to anyone: the
/// notice waits in the app, and its mail leaves when the quiet ends. Vietnam time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl Default for QuietHours {
    /// 21:00 to 06:30: after a family's evening, before the school run.
    fn default() -> QuietHours {
        QuietHours {
            start: Time::from_hms(21, 0, 0).unwrap_or(Time::MIDNIGHT),
            end: Time::from_hms(6, 30, 0).unwrap_or(Time::MIDNIGHT),
        }
    }
}

impl QuietHours {
    /// No quiet hours at all.
    pub const NONE: QuietHours = QuietHours {
        start: Time::MIDNIGHT,
        end: Time::MIDNIGHT,
    };

    /// When a mail due at `at` may leave: `None` now, or the end of the quiet hours it falls in.
    pub fn resume_at(&self, at: OffsetDateTime) -> Option<OffsetDateTime> {
        if self.start == self.end {
            return None;
        }
        let local = at.to_offset(VIETNAM);
        let t = local.time();
        let today_end = local.replace_time(self.end);
        if self.start < self.end {
            // A window inside one day (say 12:00–13:30).
            (self.start <= t && t < self.end).then_some(today_end)
        } else if t >= self.start {
            Some(today_end + Duration::days(1))
        } else if t < self.end {
            Some(today_end)
        } else {
            None
        }
    }

    /// "21:00–06:30", for settings and messages.
    pub fn describe(&self) -> String {
        format!(
            "{:02}:{:02}–{:02}:{:02}",
            self.start.hour(),
            self.start.minute(),
            self.end.hour(),
            self.end.minute()
        )
    }

    /// "21:00-06:30" (or "off") as configured; `None` when unreadable.
    pub fn parse(raw: &str) -> Option<QuietHours> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("off") || raw.is_empty() {
            return Some(QuietHours::NONE);
        }
        let (a, b) = raw.split_once(['-', '–'])?;
        let time = |s: &str| {
            let (h, m) = s.trim().split_once(':')?;
            Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
        };
        Some(QuietHours {
            start: time(a)?,
            end: time(b)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn class_names_are_kept_one_way() {
        for (raw, kept, grade) in [
            ("4b", "4B", 4),
            (" 6 A1 ", "6A1", 6),
            ("9/3", "9/3", 9),
            ("9-3", "9/3", 9),
            ("9.3", "9/3", 9),
            ("10A2", "10A2", 10),
            ("04B", "4B", 4),
        ] {
            let c = ClassName::parse(raw).unwrap();
            assert_eq!((c.as_str(), c.grade()), (kept, grade), "{raw}");
        }
        for bad in ["", "B4", "4", "13A", "0A", "4B!", "4ABCDE", "lớp 4B", "4/", "99999A"] {
            assert_eq!(ClassName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn grades() {
        assert_eq!(parse_grade("4"), Some(4));
        assert_eq!(parse_grade("Khối 9"), Some(9));
        assert_eq!(parse_grade("13"), None);
        assert_eq!(parse_grade("4B"), None);
    }

    #[test]
    fn a_signup_names_every_problem() {
        let bad = SignupInput {
            code: "abc".into(),
            name: " ".into(),
            username: "x".into(),
            password: "ngắn".into(),
            ..Default::default()
        };
        let fields: Vec<String> = bad.parse().unwrap_err().into_iter().map(|p| p.field).collect();
        for f in ["code", "name", "username"] {
            assert!(fields.iter().any(|x| x == f), "{f}");
        }
        let no_contact = SignupInput {
            code: "7kq2 mx9a".into(),
            name: "Trần Thị Hoa".into(),
            username: "tranhoa.4b".into(),
            password: "mùa thu lá vàng rơi".into(),
            ..Default::default()
        };
        assert_eq!(no_contact.parse().unwrap_err()[0].field, "phone");
        let good = SignupInput {
            phone: "0912 345 678".into(),
            ..no_contact
        };
        let s = good.parse().unwrap();
        assert_eq!(s.code, "7KQ2-MX9A");
        assert_eq!(s.person.phone.as_deref(), Some("0912345678"));
    }

    #[test]
    fn quiet_hours_hold_the_night() {
        let q = QuietHours::default();
        // 22:00 in Hà Nội is 15:00 UTC: held to 06:30 the next morning (23:30 UTC).
        assert_eq!(
            q.resume_at(datetime!(2026-12-07 15:00 UTC)),
            Some(datetime!(2026-12-07 23:30 UTC))
        );
        // 05:00 in Hà Nội (22:00 UTC the day before): held to 06:30 the same morning.
        assert_eq!(
            q.resume_at(datetime!(2026-12-06 22:00 UTC)),
            Some(datetime!(2026-12-06 23:30 UTC))
        );
        assert_eq!(q.resume_at(datetime!(2026-12-07 03:00 UTC)), None, "10:00 goes at once");
        assert_eq!(QuietHours::NONE.resume_at(datetime!(2026-12-07 15:00 UTC)), None);
        assert_eq!(QuietHours::parse("21:00-06:30"), Some(q));
        assert_eq!(QuietHours::parse("off"), Some(QuietHours::NONE));
        assert_eq!(QuietHours::parse("25:00-06:00"), None);
        assert_eq!(q.describe(), "21:00–06:30");
    }
}
