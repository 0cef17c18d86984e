//! School years ("2026–2027": September to May) and the yearly report's deadline.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// A school year, named by the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SchoolYear {
    pub start_year: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Năm học phải có dạng 2026-2027 (hai năm liền nhau).")]
pub struct SchoolYearError;

impl SchoolYear {
    /// Accepts "2026-2027", "2026–2027" (en dash) and "2026 - 2027".
    pub fn parse(raw: &str) -> Result<SchoolYear, SchoolYearError> {
        let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let (a, b) = cleaned.split_once(['-', '–', '/']).ok_or(SchoolYearError)?;
        let a: i32 = a.parse().map_err(|_| SchoolYearError)?;
        let b: i32 = b.parse().map_err(|_| SchoolYearError)?;
        if b != a + 1 || !(2000..=2100).contains(&a) {
            return Err(SchoolYearError);
        }
        Ok(SchoolYear { start_year: a })
    }

    /// The school year a date falls in: from 1 August, the new year has begun.
    pub fn containing(date: Date) -> SchoolYear {
        let start_year = if date.month() >= Month::August {
            date.year()
        } else {
            date.year() - 1
        };
        SchoolYear { start_year }
    }

    /// The default last on-time day of the yearly evaluation report: the seed plan asks for it
    /// *before* 1 June, so 31 May at the end of the year.
    pub fn default_report_deadline(self) -> Date {
        Date::from_calendar_date(self.start_year + 1, Month::May, 31).unwrap_or(Date::MIN)
    }

    /// Machine form, "2026-2027".
    pub fn code(self) -> String {
        format!("{}-{}", self.start_year, self.start_year + 1)
    }

    /// What people read, "2026–2027".
    pub fn label(self) -> String {
        format!("{}–{}", self.start_year, self.start_year + 1)
    }
}

impl TryFrom<String> for SchoolYear {
    type Error = SchoolYearError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        SchoolYear::parse(&v)
    }
}

impl From<SchoolYear> for String {
    fn from(y: SchoolYear) -> String {
        y.code()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn parses_and_formats() {
        let y = SchoolYear::parse("2026–2027").unwrap();
        assert_eq!(
            (y.code(), y.label()),
            ("2026-2027".to_string(), "2026–2027".to_string())
        );
        assert_eq!(SchoolYear::parse(" 2026 - 2027 "), Ok(y));
        assert!(SchoolYear::parse("2026-2028").is_err());
        assert!(SchoolYear::parse("năm nay").is_err());
        assert_eq!(y.default_report_deadline(), date!(2027 - 05 - 31));
    }

    #[test]
    fn dates_fall_in_school_years() {
        assert_eq!(SchoolYear::containing(date!(2026 - 09 - 05)).start_year, 2026);
        assert_eq!(SchoolYear::containing(date!(2027 - 05 - 31)).start_year, 2026);
        assert_eq!(SchoolYear::containing(date!(2027 - 08 - 01)).start_year, 2027);
    }
}
