//! A year's plan as the office edits it: the template's sections, tasks and indicators copied into
//! data that belongs to the plan, so that later changes to a template never rewrite a published
//! plan, and each school's own plan built from it.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::document_number::{DocumentKind, DocumentNumber};
use crate::plan_template::{Actor, Aggregation, IndicatorKind, PlanTemplate};
use crate::school_year::SchoolYear;
use crate::text::clean_line;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorDef {
    pub code: String,
    pub name: String,
    pub kind: IndicatorKind,
    pub aggregation: Aggregation,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDef {
    pub code: String,
    pub title: String,
    pub actor: Actor,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub indicators: Vec<IndicatorDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDef {
    pub code: String,
    pub title: String,
    pub tasks: Vec<TaskDef>,
}

/// What a plan asks: its sections, tasks and indicators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    pub sections: Vec<SectionDef>,
}

impl PlanContent {
    pub fn from_template(template: &PlanTemplate) -> PlanContent {
        PlanContent {
            sections: template
                .sections
                .iter()
                .map(|s| SectionDef {
                    code: s.code.into(),
                    title: s.title.into(),
                    tasks: s
                        .tasks
                        .iter()
                        .map(|t| TaskDef {
                            code: t.code.into(),
                            title: t.title.into(),
                            actor: t.actor,
                            requirements: t.requirements.iter().map(|r| r.to_string()).collect(),
                            indicators: t
                                .indicators
                                .iter()
                                .map(|i| IndicatorDef {
                                    code: i.code.into(),
                                    name: i.name.into(),
                                    kind: i.kind,
                                    aggregation: i.aggregation,
                                    required: i.required,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn tasks(&self) -> impl Iterator<Item = &TaskDef> {
        self.sections.iter().flat_map(|s| s.tasks.iter())
    }

    pub fn task(&self, code: &str) -> Option<&TaskDef> {
        self.tasks().find(|t| t.code == code)
    }

    pub fn indicators(&self) -> impl Iterator<Item = &IndicatorDef> {
        self.tasks().flat_map(|t| t.indicators.iter())
    }

    pub fn indicator(&self, code: &str) -> Option<&IndicatorDef> {
        self.indicators().find(|i| i.code == code)
    }

    /// Tasks a school carries out, in plan order.
    pub fn school_tasks(&self) -> impl Iterator<Item = &TaskDef> {
        self.tasks().filter(|t| t.actor == Actor::School)
    }

    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings, bools and unit enums cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "{\"sections\":[]}".into())
    }

    pub fn from_json(text: &str) -> Result<PlanContent, PlanError> {
        serde_json::from_str(text).map_err(|e| PlanError::Content(e.to_string()))
    }

    /// Changes a task's title or an indicator's name and whether it is required: the edits an
    /// office makes to the copied template. Codes stay, so logged activities keep their meaning.
    pub fn apply_edit(&mut self, edit: &ContentEdit) -> Result<(), PlanError> {
        match edit {
            ContentEdit::TaskTitle { task, title } => {
                let title = required_text(title, 500, "Tên nhiệm vụ")?;
                let t = self
                    .sections
                    .iter_mut()
                    .flat_map(|s| s.tasks.iter_mut())
                    .find(|t| &t.code == task)
                    .ok_or_else(|| PlanError::UnknownTask(task.clone()))?;
                t.title = title;
            }
            ContentEdit::Indicator { code, name, required } => {
                let name = required_text(name, 300, "Tên chỉ tiêu")?;
                let i = self
                    .sections
                    .iter_mut()
                    .flat_map(|s| s.tasks.iter_mut())
                    .flat_map(|t| t.indicators.iter_mut())
                    .find(|i| &i.code == code)
                    .ok_or_else(|| PlanError::UnknownIndicator(code.clone()))?;
                i.name = name;
                i.required = *required;
            }
        }
        Ok(())
    }
}

/// One edit to a plan's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum ContentEdit {
    TaskTitle { task: String, title: String },
    Indicator { code: String, name: String, required: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Published,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Published => "published",
        }
    }
    pub fn parse(raw: &str) -> Option<PlanStatus> {
        match raw {
            "draft" => Some(PlanStatus::Draft),
            "published" => Some(PlanStatus::Published),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Draft => "Dự thảo",
            PlanStatus::Published => "Đã ban hành",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{0} không được để trống.")]
    Empty(&'static str),
    #[error("{0} quá dài (tối đa {1} ký tự).")]
    TooLong(&'static str, usize),
    #[error(transparent)]
    SchoolYear(#[from] crate::school_year::SchoolYearError),
    #[error("Hạn nộp báo cáo phải nằm trong năm học {0} (từ 01/9/{1} đến 31/8/{2}).")]
    DeadlineOutsideYear(String, i32, i32),
    #[error("Ngày không hợp lệ: {0} (dùng dạng 2027-06-01 hoặc 01/06/2027).")]
    BadDate(String),
    #[error(transparent)]
    Number(#[from] crate::document_number::DocumentNumberError),
    #[error("Số văn bản của kế hoạch phải là loại KH (ví dụ 05/KH-PGDĐT).")]
    NotAPlanNumber,
    #[error("Không có mẫu kế hoạch «{0}».")]
    UnknownTemplate(String),
    #[error("Không có nhiệm vụ {0} trong kế hoạch.")]
    UnknownTask(String),
    #[error("Không có chỉ tiêu {0} trong kế hoạch.")]
    UnknownIndicator(String),
    #[error("Nội dung kế hoạch không đọc được: {0}")]
    Content(String),
}

pub(crate) fn required_text(raw: &str, max: usize, field: &'static str) -> Result<String, PlanError> {
    let text = clean_line(raw);
    if text.is_empty() {
        return Err(PlanError::Empty(field));
    }
    if text.chars().count() > max {
        return Err(PlanError::TooLong(field, max));
    }
    Ok(text)
}

/// Parses "2027-06-01" or "01/06/2027" (the form Vietnamese users type).
pub fn parse_date(raw: &str) -> Result<Date, PlanError> {
    let raw = raw.trim();
    let bad = || PlanError::BadDate(raw.to_string());
    let parts: Vec<&str> = raw.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    let d: u8 = d.parse().map_err(|_| bad())?;
    let month = Month::try_from(m).map_err(|_| bad())?;
    Date::from_calendar_date(y, month, d).map_err(|_| bad())
}

/// The first and last day a school year's plan covers: 1 August to 31 July.
pub fn school_year_bounds(year: SchoolYear) -> (Date, Date) {
    let start = Date::from_calendar_date(year.start_year, Month::August, 1).unwrap_or(Date::MIN);
    let end = Date::from_calendar_date(year.start_year + 1, Month::July, 31).unwrap_or(Date::MAX);
    (start, end)
}

/// A plan's header fields, parsed from what the office typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanHeader {
    pub title: String,
    pub school_year: SchoolYear,
    pub deadline: Date,
    pub number: Option<DocumentNumber>,
}

impl PlanHeader {
    /// `deadline` empty means the default, 31 May at the end of the school year (the last on-time day).
    pub fn parse(title: &str, school_year: &str, deadline: &str, number: &str) -> Result<PlanHeader, PlanError> {
        let title = required_text(title, 300, "Tên kế hoạch")?;
        let school_year = SchoolYear::parse(school_year)?;
        let deadline = if deadline.trim().is_empty() {
            school_year.default_report_deadline()
        } else {
            parse_date(deadline)?
        };
        let (start, end) = school_year_bounds(school_year);
        if deadline < start.replace_month(Month::September).unwrap_or(start) || deadline > end {
            return Err(PlanError::DeadlineOutsideYear(
                school_year.label(),
                school_year.start_year,
                school_year.start_year + 1,
            ));
        }
        let number = if number.trim().is_empty() {
            None
        } else {
            let n = DocumentNumber::parse(number)?;
            if n.kind != DocumentKind::Plan {
                return Err(PlanError::NotAPlanNumber);
            }
            Some(n)
        };
        Ok(PlanHeader {
            title,
            school_year,
            deadline,
            number,
        })
    }
}

/// A task in a school's own plan: one of the office plan's tasks, or the school's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolTask {
    /// The office plan's task code; `None` for a task the school added.
    pub plan_task: Option<String>,
    pub title: String,
    #[serde(default)]
    pub owner: String,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SchoolPlanContent {
    pub tasks: Vec<SchoolTask>,
}

impl SchoolPlanContent {
    /// The school's plan pre-filled from the office plan: every school task, dates left to the
    /// school.
    pub fn prefilled(plan: &PlanContent) -> SchoolPlanContent {
        SchoolPlanContent {
            tasks: plan
                .school_tasks()
                .map(|t| SchoolTask {
                    plan_task: Some(t.code.clone()),
                    title: t.title.clone(),
                    owner: String::new(),
                    starts_on: None,
                    ends_on: None,
                    note: String::new(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"tasks\":[]}".into())
    }

    pub fn from_json(text: &str) -> Result<SchoolPlanContent, PlanError> {
        serde_json::from_str(text).map_err(|e| PlanError::Content(e.to_string()))
    }
}

/// A task as a principal typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SchoolTaskInput {
    #[serde(default)]
    pub plan_task: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub note: String,
}

impl SchoolTaskInput {
    pub fn parse(&self, plan: &PlanContent, year: SchoolYear) -> Result<SchoolTask, PlanError> {
        let plan_task = match self.plan_task.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(
                plan.task(code)
                    .map(|t| t.code.clone())
                    .ok_or_else(|| PlanError::UnknownTask(code.to_string()))?,
            ),
        };
        let title = required_text(&self.title, 500, "Tên nhiệm vụ")?;
        let owner = clean_line(&self.owner);
        if owner.chars().count() > 200 {
            return Err(PlanError::TooLong("Người phụ trách", 200));
        }
        let date = |raw: &str| -> Result<Option<Date>, PlanError> {
            if raw.trim().is_empty() {
                return Ok(None);
            }
            let d = parse_date(raw)?;
            let (start, end) = school_year_bounds(year);
            if d < start || d > end {
                return Err(PlanError::BadDate(format!(
                    "{} (ngoài năm học {})",
                    raw.trim(),
                    year.label()
                )));
            }
            Ok(Some(d))
        };
        let starts_on = date(&self.starts_on)?;
        let ends_on = date(&self.ends_on)?;
        if let (Some(a), Some(b)) = (starts_on, ends_on)
            && b < a
        {
            return Err(PlanError::BadDate(format!(
                "{} (ngày kết thúc trước ngày bắt đầu)",
                self.ends_on.trim()
            )));
        }
        let note = self.note.trim().to_string();
        if note.chars().count() > 2000 {
            return Err(PlanError::TooLong("Ghi chú", 2000));
        }
        Ok(SchoolTask {
            plan_task,
            title,
            owner,
            starts_on,
            ends_on,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_template::BUILTIN;
    use time::macros::date;

    #[test]
    fn content_round_trips_and_edits_keep_codes() {
        let mut c = PlanContent::from_template(&BUILTIN);
        assert_eq!(c.indicators().count(), BUILTIN.indicators().count());
        let back = PlanContent::from_json(&c.to_json()).unwrap();
        assert_eq!(back, c);
        c.apply_edit(&ContentEdit::Indicator {
            code: "s1_4_talks".into(),
            name: "Số buổi nói chuyện".into(),
            required: false,
        })
        .unwrap();
        assert_eq!(c.indicator("s1_4_talks").unwrap().name, "Số buổi nói chuyện");
        assert!(!c.indicator("s1_4_talks").unwrap().required);
        assert!(matches!(
            c.apply_edit(&ContentEdit::TaskTitle {
                task: "X".into(),
                title: "a".into()
            }),
            Err(PlanError::UnknownTask(_))
        ));
        assert!(matches!(
            c.apply_edit(&ContentEdit::TaskTitle {
                task: "II.1.a".into(),
                title: "  ".into()
            }),
            Err(PlanError::Empty(_))
        ));
    }

    #[test]
    fn headers_parse_with_default_deadline() {
        let h = PlanHeader::parse("Kế hoạch", "2026-2027", "", "5/KH-PGDĐT").unwrap();
        assert_eq!(h.deadline, date!(2027 - 05 - 31));
        assert_eq!(h.number.unwrap().format(), "05/KH-PGDĐT");
        let h = PlanHeader::parse("Kế hoạch", "2026–2027", "25/05/2027", "").unwrap();
        assert_eq!(h.deadline, date!(2027 - 05 - 25));
        assert!(matches!(
            PlanHeader::parse("K", "2026-2027", "2028-06-01", ""),
            Err(PlanError::DeadlineOutsideYear(..))
        ));
        assert!(matches!(
            PlanHeader::parse("K", "2026-2027", "", "05/BC-PGDĐT"),
            Err(PlanError::NotAPlanNumber)
        ));
        assert!(PlanHeader::parse("", "2026-2027", "", "").is_err());
        assert!(PlanHeader::parse("K", "2026", "", "").is_err());
        assert!(PlanHeader::parse("K", "2026-2027", "31/02/2027", "").is_err());
    }

    #[test]
    fn school_plans_prefill_and_parse_tasks() {
        let plan = PlanContent::from_template(&BUILTIN);
        let sp = SchoolPlanContent::prefilled(&plan);
        assert!(sp.tasks.iter().all(|t| t.plan_task.is_some()));
        assert!(!sp.tasks.iter().any(|t| t.plan_task.as_deref() == Some("III.1")));
        let year = SchoolYear { start_year: 2026 };
        let ok = SchoolTaskInput {
            plan_task: Some("II.1.c".into()),
            title: "Họp phụ huynh về điện thoại".into(),
            owner: "Cô Lan".into(),
            starts_on: "01/10/2026".into(),
            ends_on: "2026-10-31".into(),
            note: String::new(),
        };
        let t = ok.parse(&plan, year).unwrap();
        assert_eq!(t.ends_on, Some(date!(2026 - 10 - 31)));
        let backwards = SchoolTaskInput {
            ends_on: "2026-09-30".into(),
            ..ok.clone()
        };
        assert!(backwards.parse(&plan, year).is_err());
        let outside = SchoolTaskInput {
            starts_on: "2025-10-01".into(),
            ..ok.clone()
        };
        assert!(outside.parse(&plan, year).is_err());
        let unknown = SchoolTaskInput {
            plan_task: Some("II.9".into()),
            ..ok
        };
        assert!(matches!(unknown.parse(&plan, year), Err(PlanError::UnknownTask(_))));
    }
}
