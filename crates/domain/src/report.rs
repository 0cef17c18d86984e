//! The yearly evaluation report: its states, its timeliness, the indicators computed from what
//! schools logged, the rules that gate submission, and how schools' values add up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::activity::{ActivityFacts, ActivityKind};
use crate::plan::{IndicatorDef, PlanContent};
use crate::plan_template::{Aggregation, IndicatorKind};

/// Where a report (or a school's plan) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Draft,
    Submitted,
    Returned,
    Accepted,
    /// Accepted, then opened again by the office: editable, its accepted figures kept.
    Reopened,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 5] = [
        ReportStatus::Draft,
        ReportStatus::Submitted,
        ReportStatus::Returned,
        ReportStatus::Accepted,
        ReportStatus::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Accepted => "accepted",
            ReportStatus::Reopened => "reopened",
        }
    }

    pub fn parse(raw: &str) -> Option<ReportStatus> {
        ReportStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Draft => "Đang soạn",
            ReportStatus::Submitted => "Đã gửi",
            ReportStatus::Returned => "Bị trả lại",
            ReportStatus::Accepted => "Đã duyệt",
            ReportStatus::Reopened => "Được mở lại",
        }
    }

    /// Whether the school may still change it: the state machine allows a save.
    pub fn editable(self) -> bool {
        transition(self, ReportEvent::Save, "").is_ok()
    }

    /// Whether the school is waiting to send it (again): reminders and the "not sent" filter.
    pub fn awaiting_school(self) -> bool {
        matches!(
            self,
            ReportStatus::Draft | ReportStatus::Returned | ReportStatus::Reopened
        )
    }

    /// Whether the school may ask the office to open it again.
    pub fn may_request_reopen(self) -> bool {
        transition(self, ReportEvent::RequestReopen, "x").is_ok()
    }

    /// Whether it counts as received by the office.
    pub fn is_in(self) -> bool {
        matches!(self, ReportStatus::Submitted | ReportStatus::Accepted)
    }
}

/// What someone does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportEvent {
    Save,
    Submit,
    Return,
    Accept,
    Reopen,
    /// The school asks the office to reopen an accepted report; the state does not change.
    RequestReopen,
}

/// The longest reason a principal may give when asking for a report to be reopened.
pub const REOPEN_REQUEST_MAX_CHARS: usize = 2000;

impl ReportEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportEvent::Save => "saved",
            ReportEvent::Submit => "submitted",
            ReportEvent::Return => "returned",
            ReportEvent::Accept => "accepted",
            ReportEvent::Reopen => "reopened",
            ReportEvent::RequestReopen => "reopen_requested",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportEvent::Save => "Lưu",
            ReportEvent::Submit => "Gửi",
            ReportEvent::Return => "Trả lại",
            ReportEvent::Accept => "Duyệt",
            ReportEvent::Reopen => "Mở lại",
            ReportEvent::RequestReopen => "Đề nghị mở lại",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Báo cáo đã được duyệt nên không sửa được nữa. Nếu cần sửa, đề nghị Phòng mở lại báo cáo.")]
    Locked,
    #[error("Báo cáo đã gửi, đang chờ Phòng xem xét; không sửa được cho đến khi được trả lại.")]
    AwaitingReview,
    #[error("Không thể {action} báo cáo đang ở trạng thái «{status}».")]
    NotAllowed { action: &'static str, status: &'static str },
    #[error("Cần ghi lý do ({0}).")]
    ReasonRequired(&'static str),
    #[error("Lý do quá dài: tối đa {max} ký tự, bạn đã viết {written} ký tự.")]
    ReasonTooLong { max: usize, written: usize },
}

/// The report's state machine: draft → submitted → returned → submitted → accepted, and reopen
/// (accepted → reopened → submitted) by the office with a reason. A school may ask for the
/// reopening of its accepted report, with a reason; asking changes nothing but the history.
/// The longest comment an office writes when it returns or reopens a report.
pub const REVIEW_COMMENT_MAX_CHARS: usize = 5000;

fn review_comment_too_long(comment: &str) -> Option<TransitionError> {
    let written = comment.trim().chars().count();
    (written > REVIEW_COMMENT_MAX_CHARS).then_some(TransitionError::ReasonTooLong {
        max: REVIEW_COMMENT_MAX_CHARS,
        written,
    })
}

pub fn transition(from: ReportStatus, event: ReportEvent, comment: &str) -> Result<ReportStatus, TransitionError> {
    use ReportEvent as E;
    use ReportStatus as S;
    let not_allowed = || TransitionError::NotAllowed {
        action: event.label_lower(),
        status: from.label(),
    };
    match (from, event) {
        (S::Draft | S::Returned | S::Reopened, E::Save) => Ok(from),
        (S::Accepted, E::Save | E::Submit) => Err(TransitionError::Locked),
        (S::Submitted, E::Save) => Err(TransitionError::AwaitingReview),
        (S::Draft | S::Returned | S::Reopened, E::Submit) => Ok(S::Submitted),
        (S::Submitted, E::Return) => {
            if comment.trim().is_empty() {
                Err(TransitionError::ReasonRequired("nội dung cần bổ sung, sửa chữa"))
            } else if let Some(too_long) = review_comment_too_long(comment) {
                Err(too_long)
            } else {
                Ok(S::Returned)
            }
        }
        (S::Submitted, E::Accept) => Ok(S::Accepted),
        (S::Accepted, E::Reopen) => {
            if comment.trim().is_empty() {
                Err(TransitionError::ReasonRequired("lý do mở lại báo cáo đã duyệt"))
            } else if let Some(too_long) = review_comment_too_long(comment) {
                Err(too_long)
            } else {
                Ok(S::Reopened)
            }
        }
        (S::Accepted, E::RequestReopen) => {
            let written = comment.trim().chars().count();
            if written == 0 {
                Err(TransitionError::ReasonRequired("vì sao cần mở lại báo cáo đã duyệt"))
            } else if written > REOPEN_REQUEST_MAX_CHARS {
                Err(TransitionError::ReasonTooLong {
                    max: REOPEN_REQUEST_MAX_CHARS,
                    written,
                })
            } else {
                Ok(S::Accepted)
            }
        }
        _ => Err(not_allowed()),
    }
}

impl ReportEvent {
    fn label_lower(self) -> &'static str {
        match self {
            ReportEvent::Save => "lưu",
            ReportEvent::Submit => "gửi",
            ReportEvent::Return => "trả lại",
            ReportEvent::Accept => "duyệt",
            ReportEvent::Reopen => "mở lại",
            ReportEvent::RequestReopen => "đề nghị mở lại",
        }
    }
}

/// The version of a report when first written, and so the version to send with the first save
/// of a report nobody has written yet: the page, the API and the store agree on it here.
pub const FIRST_REPORT_VERSION: i64 = 1;

/// Vietnam's time (UTC+7, no daylight saving): deadlines are days in Vietnam.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The day in Vietnam at an instant.
pub fn vietnam_date(at: OffsetDateTime) -> Date {
    at.to_offset(VIETNAM).date()
}

/// A report is on time when it is first submitted on or before the deadline day, in Vietnam.
pub fn is_late(first_submitted_at: OffsetDateTime, deadline: Date) -> bool {
    vietnam_date(first_submitted_at) > deadline
}

/// One indicator's value in a school's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
}

/// What a rule measures over the matching activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// How many activities.
    Count,
    /// Everyone who took part.
    Participants,
    /// Teachers and staff.
    Staff,
    Pupils,
    Parents,
}

/// How an indicator is computed from the activity log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityRule {
    pub indicator: &'static str,
    pub measure: Measure,
    /// Kinds that count (empty: every kind).
    pub kinds: &'static [ActivityKind],
    /// The task the activity must serve (None: any task).
    pub task: Option<&'static str>,
}

use ActivityKind as K;

/// The built-in plan's computed indicators.
pub const ACTIVITY_RULES: &[ActivityRule] = &[
    ActivityRule {
        indicator: "s1_1_posts",
        measure: Measure::Count,
        kinds: &[K::WebPost, K::Campaign],
        task: Some("II.1.a"),
    },
    ActivityRule {
        indicator: "s1_2_stories",
        measure: Measure::Count,
        kinds: &[K::StoryPost, K::WebPost],
        task: Some("II.1.b"),
    },
    ActivityRule {
        indicator: "s1_3_sessions",
        measure: Measure::Count,
        kinds: &[],
        task: Some("II.1.c"),
    },
    ActivityRule {
        indicator: "s1_4_talks",
        measure: Measure::Count,
        kinds: &[],
        task: Some("II.1.d"),
    },
    ActivityRule {
        indicator: "s1_4_participants",
        measure: Measure::Participants,
        kinds: &[],
        task: Some("II.1.d"),
    },
    ActivityRule {
        indicator: "s2_1_lessons",
        measure: Measure::Count,
        kinds: &[],
        task: Some("II.2.a"),
    },
    ActivityRule {
        indicator: "s2_2_trainings",
        measure: Measure::Count,
        kinds: &[],
        task: Some("II.2.b"),
    },
    ActivityRule {
        indicator: "s2_2_trained_staff",
        measure: Measure::Staff,
        kinds: &[],
        task: Some("II.2.b"),
    },
    ActivityRule {
        indicator: "s2_2_trained_pupils",
        measure: Measure::Pupils,
        kinds: &[],
        task: Some("II.2.b"),
    },
    ActivityRule {
        indicator: "s2_3_posts",
        measure: Measure::Count,
        kinds: &[],
        task: Some("II.2.c"),
    },
    ActivityRule {
        indicator: "s2_4_joint_activities",
        measure: Measure::Count,
        kinds: &[],
        task: Some("II.2.d"),
    },
    ActivityRule {
        indicator: "s3_3_parent_meetings",
        measure: Measure::Count,
        kinds: &[K::ParentMeeting],
        task: None,
    },
    ActivityRule {
        indicator: "s3_3_parents_reached",
        measure: Measure::Parents,
        kinds: &[],
        task: None,
    },
];

/// Indicators computed from a school's activities for a plan. Only indicators the plan has are
/// returned; an indicator with a rule and no matching activity is 0.
pub fn compute_from_activities(plan: &PlanContent, activities: &[ActivityFacts]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for rule in ACTIVITY_RULES {
        if plan.indicator(rule.indicator).is_none() {
            continue;
        }
        let mut total: u64 = 0;
        for a in activities {
            let kind_ok = rule.kinds.is_empty() || rule.kinds.contains(&a.kind);
            let task_ok = rule.task.is_none_or(|t| a.effective_tasks().contains(&t));
            if kind_ok && task_ok {
                total += match rule.measure {
                    Measure::Count => 1,
                    Measure::Participants => a.audience.total(),
                    Measure::Staff => u64::from(a.audience.teachers) + u64::from(a.audience.staff),
                    Measure::Pupils => a.audience.pupils(),
                    Measure::Parents => u64::from(a.audience.parents),
                };
            }
        }
        out.insert(rule.indicator.to_string(), total as f64);
    }
    out
}

/// A source of computed indicator values other than the activity log (people, websites, …).
/// Each module that knows something about a school's year provides it here, so the report stays
/// the one place where the year comes together.
pub trait IndicatorProvider {
    /// A short Vietnamese name shown beside the value ("Nhật ký hoạt động", "Danh sách cộng tác viên").
    fn source(&self) -> &'static str;
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64>;
}

/// The activity log as a provider.
pub struct ActivityLog<'a>(pub &'a [ActivityFacts]);

impl ActivityLog<'_> {
    pub const SOURCE: &'static str = "Nhật ký hoạt động";
}

impl IndicatorProvider for ActivityLog<'_> {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        compute_from_activities(plan, self.0)
    }
}

/// Facts about the school from other modules: its collaborators (people with that role) and
/// whether its own plan was submitted.
pub struct SchoolFacts {
    pub collaborators: u32,
    pub school_plan_submitted: bool,
}

impl SchoolFacts {
    pub const SOURCE: &'static str = "Dữ liệu của trường trên hệ thống";
    /// Every indicator this provider may compute.
    pub const INDICATORS: &'static [&'static str] = &["s3_1_collaborators", "s3_1_has_network", "t5_1_school_plan"];
}

impl IndicatorProvider for SchoolFacts {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let mut put = |code: &str, v: f64| {
            if plan.indicator(code).is_some() {
                out.insert(code.to_string(), v);
            }
        };
        put("s3_1_collaborators", f64::from(self.collaborators));
        put("s3_1_has_network", if self.collaborators > 0 { 1.0 } else { 0.0 });
        put("t5_1_school_plan", if self.school_plan_submitted { 1.0 } else { 0.0 });
        out
    }
}

/// Facts from website supervision: the school's inspected websites and how many meet the
/// office's standard, and how often its sites publish (from the sector news feeds).
pub struct WebsiteFacts {
    pub inspected_websites: u32,
    pub meeting_standard: u32,
    /// Defined once, in `lanhmang_app::news::PostsPerMonth` (the news activity page shows the
    /// same figure): posts on the school's registered sites in the school year so far, per month.
    pub posts_per_month: Option<f64>,
}

impl WebsiteFacts {
    pub const SOURCE: &'static str = "Giám sát website";
    /// Every indicator this provider may compute.
    pub const INDICATORS: &'static [&'static str] = &["s4_1_website_meets_standard", "s4_2_posts_per_month"];
}

impl IndicatorProvider for WebsiteFacts {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        // Nothing inspected yet: the principal answers, rather than a "no" the school never earned.
        if self.inspected_websites > 0 && plan.indicator("s4_1_website_meets_standard").is_some() {
            let all_meet = self.meeting_standard >= self.inspected_websites;
            out.insert("s4_1_website_meets_standard".into(), if all_meet { 1.0 } else { 0.0 });
        }
        if let Some(p) = self.posts_per_month
            && plan.indicator("s4_2_posts_per_month").is_some()
        {
            out.insert("s4_2_posts_per_month".into(), (p * 10.0).round() / 10.0);
        }
        out
    }
}

/// Facts from the incident book: cases received at the school in the school year (spam left
/// out), counted without reading what any case says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncidentFacts {
    /// Feedback and questions that got a first answer (S1.1).
    pub feedback_answered: u32,
    /// Phone-rule cases settled (S1.3).
    pub phone_cases_handled: u32,
    /// Problems (not feedback) settled (S3.1, T1.3).
    pub cases_handled: u32,
    /// Of those, settled within their resolution clock.
    pub cases_on_time: u32,
}

impl IncidentFacts {
    pub const SOURCE: &'static str = "Sổ sự cố và phản ánh";
    /// Every indicator this provider may compute.
    pub const INDICATORS: &'static [&'static str] = &[
        "s1_1_feedback",
        "s1_3_phone_cases",
        "s3_1_cases_handled",
        "s3_1_cases_on_time",
    ];
}

impl IndicatorProvider for IncidentFacts {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (code, v) in [
            ("s1_1_feedback", self.feedback_answered),
            ("s1_3_phone_cases", self.phone_cases_handled),
            ("s3_1_cases_handled", self.cases_handled),
            ("s3_1_cases_on_time", self.cases_on_time),
        ] {
            if plan.indicator(code).is_some() {
                out.insert(code.to_string(), f64::from(v));
            }
        }
        out
    }
}

/// Facts from trainings on the platform (S2.2, S3.2): attendances of the school's staff at
/// trainings held in the school year, counted on top of the trainings its activity log records
/// (a training logged by hand and one held here are different events), and how many of its
/// website administrators attended one. Listed before the activity log, so its sums win.
pub struct TrainingFacts<'a> {
    /// Trainings at least one of the school's staff attended.
    pub trainings: u32,
    /// Attendances of the school's staff (a person at two trainings counts twice).
    pub trained_staff: u32,
    /// The school's website administrators who attended at least one training.
    pub webadmins_trained: u32,
    /// The activity log, whose training counts these add to.
    pub log: &'a [ActivityFacts],
}

impl TrainingFacts<'_> {
    pub const SOURCE: &'static str = "Tập huấn trên Lành Mạng và nhật ký hoạt động";
    /// Every indicator this provider may compute.
    pub const INDICATORS: &'static [&'static str] = &["s2_2_trainings", "s2_2_trained_staff", "s3_2_webadmins_trained"];
}

impl IndicatorProvider for TrainingFacts<'_> {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        let logged = compute_from_activities(plan, self.log);
        let mut out = BTreeMap::new();
        for (code, v) in [
            ("s2_2_trainings", self.trainings),
            ("s2_2_trained_staff", self.trained_staff),
        ] {
            if plan.indicator(code).is_some() {
                out.insert(
                    code.to_string(),
                    logged.get(code).copied().unwrap_or(0.0) + f64::from(v),
                );
            }
        }
        // Website administrators may be trained elsewhere too: until one attends a training
        // here, the principal answers, rather than a "none" the school never said.
        if self.webadmins_trained > 0 && plan.indicator("s3_2_webadmins_trained").is_some() {
            out.insert("s3_2_webadmins_trained".into(), f64::from(self.webadmins_trained));
        }
        out
    }
}

/// Facts from notices to families (S3.3, T5.2): how many times parents read the school's
/// notices to them in the school year, counted on top of the parents the activity log records
/// reached (a meeting and a message are different occasions). Listed before the activity log.
pub struct FamilyFacts<'a> {
    pub parents_reached: u32,
    pub log: &'a [ActivityFacts],
}

impl FamilyFacts<'_> {
    pub const SOURCE: &'static str = "Thông báo tới cha mẹ trên Lành Mạng và nhật ký hoạt động";
    pub const INDICATORS: &'static [&'static str] = &["s3_3_parents_reached"];
}

impl IndicatorProvider for FamilyFacts<'_> {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        // Until a parent reads a notice here, the activity log alone answers.
        if self.parents_reached > 0 && plan.indicator("s3_3_parents_reached").is_some() {
            let logged = compute_from_activities(plan, self.log);
            out.insert(
                "s3_3_parents_reached".into(),
                logged.get("s3_3_parents_reached").copied().unwrap_or(0.0) + f64::from(self.parents_reached),
            );
        }
        out
    }
}

/// Facts from the stories published on Lành Mạng (S1.2): how many stories written at the school
/// were first published in the school year, for any purpose, counted on top of the stories the
/// activity log records (posted elsewhere, by hand). Listed before the activity log.
pub struct StoryFacts<'a> {
    pub stories_published: u32,
    pub log: &'a [ActivityFacts],
}

impl StoryFacts<'_> {
    pub const SOURCE: &'static str = "Câu chuyện đã đăng trên Lành Mạng và nhật ký hoạt động";
    pub const INDICATORS: &'static [&'static str] = &["s1_2_stories"];
}

impl IndicatorProvider for StoryFacts<'_> {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }
    fn provide(&self, plan: &PlanContent) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        // Until a story is published here, the activity log alone answers.
        if self.stories_published > 0 && plan.indicator("s1_2_stories").is_some() {
            let logged = compute_from_activities(plan, self.log);
            out.insert(
                "s1_2_stories".into(),
                logged.get("s1_2_stories").copied().unwrap_or(0.0) + f64::from(self.stories_published),
            );
        }
        out
    }
}

/// Where an indicator's computed value comes from, named for people ("Nhật ký hoạt động", "Giám
/// sát website", …); `None` for an indicator only the school answers. The same order as
/// `computed_values`: the activity log first.
pub fn indicator_source(code: &str) -> Option<&'static str> {
    if TrainingFacts::INDICATORS.contains(&code) {
        Some(TrainingFacts::SOURCE)
    } else if FamilyFacts::INDICATORS.contains(&code) {
        Some(FamilyFacts::SOURCE)
    } else if StoryFacts::INDICATORS.contains(&code) {
        Some(StoryFacts::SOURCE)
    } else if ACTIVITY_RULES.iter().any(|r| r.indicator == code) {
        Some(ActivityLog::SOURCE)
    } else if SchoolFacts::INDICATORS.contains(&code) {
        Some(SchoolFacts::SOURCE)
    } else if WebsiteFacts::INDICATORS.contains(&code) {
        Some(WebsiteFacts::SOURCE)
    } else if IncidentFacts::INDICATORS.contains(&code) {
        Some(IncidentFacts::SOURCE)
    } else {
        None
    }
}

/// Every provider's values, merged; where two provide the same indicator the first wins.
pub fn computed_values(
    plan: &PlanContent,
    providers: &[&dyn IndicatorProvider],
) -> BTreeMap<String, (f64, &'static str)> {
    let mut out = BTreeMap::new();
    for p in providers {
        for (code, v) in p.provide(plan) {
            out.entry(code).or_insert((v, p.source()));
        }
    }
    out
}

/// An indicator value as entered in a report form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ValueInput {
    pub value: String,
    #[serde(default)]
    pub override_reason: String,
    /// The principal takes today's recomputed figure in place of the one the report holds.
    #[serde(default)]
    pub use_computed: bool,
}

/// The computed figure a report's value is checked against: the one saved with the report, so
/// that a recomputation never changes a saved or accepted figure behind the principal's back;
/// today's figure only for an indicator the report does not hold yet.
pub fn baseline(stored: Option<&IndicatorValue>, fresh: Option<f64>) -> Option<f64> {
    match stored {
        Some(v) => v.computed,
        None => fresh,
    }
}

/// Today's computed figure when it differs from what the report holds: offered to the principal
/// as a suggestion, applied only when they take it (`ValueInput::use_computed`).
pub fn suggestion(stored: Option<&IndicatorValue>, fresh: Option<f64>) -> Option<f64> {
    let fresh = fresh?;
    let stored = stored?;
    let same = |v: Option<f64>| v.is_some_and(|v| (v - fresh).abs() <= 1e-9);
    let value = match stored.value {
        Some(Value::Number(n)) => Some(n),
        _ => None,
    };
    if same(stored.computed) || (stored.computed.is_none() && same(value)) {
        None
    } else {
        Some(fresh)
    }
}

/// Parses one entered value against the report's baseline (`baseline`); taking the suggestion
/// sets both the value and the baseline to today's figure.
pub fn parse_report_value(
    def: &IndicatorDef,
    input: &ValueInput,
    stored: Option<&IndicatorValue>,
    fresh: Option<f64>,
) -> Result<IndicatorValue, ValueError> {
    if input.use_computed
        && let Some(f) = fresh
    {
        return Ok(IndicatorValue {
            value: Some(Value::Number(f)),
            computed: Some(f),
            override_reason: String::new(),
        });
    }
    parse_value(def, input, baseline(stored, fresh))
}

/// Whether an entered text is a number other than the baseline: the form then asks for a reason.
/// Text that does not parse counts as differing, so the reason field stays in view with its error.
pub fn differs_from_baseline(def: &IndicatorDef, raw: &str, baseline: Option<f64>) -> bool {
    let Some(b) = baseline else { return false };
    let plain = ValueInput {
        value: raw.to_string(),
        ..Default::default()
    };
    match parse_value(def, &plain, None) {
        Ok(IndicatorValue {
            value: Some(Value::Number(n)),
            ..
        }) => (n - b).abs() > 1e-9,
        Ok(_) => false,
        Err(_) => true,
    }
}

/// A stored indicator value with what was computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorValue {
    pub value: Option<Value>,
    pub computed: Option<f64>,
    pub override_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("«{name}»: «{raw}» không phải là số hợp lệ (số không âm).")]
    NotANumber { name: String, raw: String },
    #[error("«{name}»: chọn Có hoặc Không.")]
    NotYesNo { name: String },
    #[error("«{name}»: quá dài (tối đa 5.000 ký tự).")]
    TooLong { name: String },
    #[error("«{name}»: hệ thống tính được {computed}; bạn nhập {entered} nên cần ghi lý do.")]
    OverrideWithoutReason {
        name: String,
        computed: String,
        entered: String,
    },
    #[error("Không có chỉ tiêu {0} trong kế hoạch.")]
    Unknown(String),
}

/// Formats a number the Vietnamese way for messages: "1.250", "2,5".
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let digits = format!("{}", v.abs() as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// Parses one entered value against its indicator, requiring a reason when it differs from what
/// was computed.
pub fn parse_value(
    def: &IndicatorDef,
    input: &ValueInput,
    computed: Option<f64>,
) -> Result<IndicatorValue, ValueError> {
    let raw = input.value.trim();
    let reason = crate::text::clean_line(&input.override_reason);
    let value = if raw.is_empty() {
        None
    } else {
        match def.kind {
            IndicatorKind::Number => {
                let normalized = raw.replace('.', "").replace(',', ".");
                let n: f64 = normalized
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite() && *n >= 0.0 && *n <= 1e9)
                    .ok_or_else(|| ValueError::NotANumber {
                        name: def.name.clone(),
                        raw: raw.to_string(),
                    })?;
                Some(Value::Number(n))
            }
            IndicatorKind::YesNo => match crate::text::fold_vi(raw).as_str() {
                "co" | "yes" | "1" | "true" => Some(Value::Number(1.0)),
                "khong" | "no" | "0" | "false" => Some(Value::Number(0.0)),
                _ => return Err(ValueError::NotYesNo { name: def.name.clone() }),
            },
            IndicatorKind::Text => {
                if raw.chars().count() > 5000 {
                    return Err(ValueError::TooLong { name: def.name.clone() });
                }
                Some(Value::Text(raw.to_string()))
            }
        }
    };
    if let (Some(c), Some(Value::Number(n))) = (computed, &value)
        && (c - n).abs() > 1e-9
        && reason.is_empty()
    {
        let shown = |v: f64| match def.kind {
            IndicatorKind::YesNo if v > 0.0 => "«Có»".to_string(),
            IndicatorKind::YesNo => "«Không»".to_string(),
            _ => format_number(v),
        };
        return Err(ValueError::OverrideWithoutReason {
            name: def.name.clone(),
            computed: shown(c),
            entered: shown(*n),
        });
    }
    let overridden = matches!((computed, &value), (Some(c), Some(Value::Number(n))) if (c - n).abs() > 1e-9);
    Ok(IndicatorValue {
        value,
        computed,
        override_reason: if overridden { reason } else { String::new() },
    })
}

/// A rule that gates submission, written as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationRule {
    /// Every indicator marked required has a value.
    RequiredFilled,
    /// The indicator counts people once each, so it cannot exceed the school's size when known.
    AtMostSchoolSize { indicator: &'static str },
    /// `part` cannot exceed `whole` (trained staff cannot exceed… etc.).
    NotMoreThan { part: &'static str, whole: &'static str },
    /// A narrative part must be written.
    NarrativeFilled { field: &'static str, label: &'static str },
}

pub const VALIDATION_RULES: &[ValidationRule] = &[
    ValidationRule::RequiredFilled,
    ValidationRule::AtMostSchoolSize {
        indicator: "s3_1_collaborators",
    },
    ValidationRule::NotMoreThan {
        part: "s1_4_talks",
        whole: "s1_4_participants",
    },
    ValidationRule::NarrativeFilled {
        field: "results",
        label: "Kết quả đạt được",
    },
];

/// What the rules look at: the values, the narrative and the school's size when known.
pub struct ReportFacts<'a> {
    pub plan: &'a PlanContent,
    pub values: &'a BTreeMap<String, IndicatorValue>,
    pub narrative: &'a BTreeMap<&'static str, String>,
    /// Teachers, staff and pupils of the school, when the office recorded it.
    pub school_size: Option<u32>,
}

/// Every problem that stops a submission, in Vietnamese, in plan order.
pub fn validate(facts: &ReportFacts<'_>, rules: &[ValidationRule]) -> Vec<String> {
    let number = |code: &str| match facts.values.get(code).and_then(|v| v.value.as_ref()) {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    };
    let name = |code: &str| {
        facts
            .plan
            .indicator(code)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| code.into())
    };
    let mut problems = Vec::new();
    for rule in rules {
        match rule {
            ValidationRule::RequiredFilled => {
                for i in facts.plan.indicators().filter(|i| i.required) {
                    if facts.values.get(&i.code).and_then(|v| v.value.as_ref()).is_none() {
                        problems.push(format!("Chưa nhập «{}».", i.name));
                    }
                }
            }
            ValidationRule::AtMostSchoolSize { indicator } => {
                if let (Some(v), Some(size)) = (number(indicator), facts.school_size)
                    && v > f64::from(size)
                {
                    problems.push(format!(
                        "«{}» là {}, lớn hơn tổng số cán bộ, giáo viên, nhân viên và học sinh của trường ({}).",
                        name(indicator),
                        format_number(v),
                        format_number(f64::from(size))
                    ));
                }
            }
            ValidationRule::NotMoreThan { part, whole } => {
                if let (Some(p), Some(w)) = (number(part), number(whole))
                    && p > w
                    && w > 0.0
                {
                    problems.push(format!(
                        "«{}» ({}) không thể lớn hơn «{}» ({}).",
                        name(part),
                        format_number(p),
                        name(whole),
                        format_number(w)
                    ));
                }
            }
            ValidationRule::NarrativeFilled { field, label } => {
                if facts.narrative.get(field).is_none_or(|t| t.trim().is_empty()) {
                    problems.push(format!("Chưa viết phần «{label}»."));
                }
            }
        }
    }
    problems
}

/// One indicator added up over schools, from per-school sums the store computes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct IndicatorSums {
    /// Schools that gave a value.
    pub reporting: i64,
    pub sum: f64,
    /// Schools whose value is above zero (a "yes" for yes/no).
    pub positive: i64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The office's figure for one indicator, by its aggregation.
pub fn aggregate(aggregation: Aggregation, sums: &IndicatorSums) -> Option<f64> {
    match aggregation {
        Aggregation::Sum => Some(sums.sum),
        Aggregation::CountOfSchools => Some(sums.positive as f64),
        Aggregation::Average => (sums.reporting > 0).then(|| sums.sum / sums.reporting as f64),
        Aggregation::ShareOfSchools => (sums.reporting > 0).then(|| sums.positive as f64 / sums.reporting as f64),
        Aggregation::List => None,
    }
}

/// How the aggregated figure is written for people.
pub fn format_aggregate(aggregation: Aggregation, value: Option<f64>) -> String {
    match (aggregation, value) {
        (_, None) => "—".into(),
        (Aggregation::ShareOfSchools, Some(v)) => format!("{}%", format_number((v * 1000.0).round() / 10.0)),
        (Aggregation::Average, Some(v)) => format_number((v * 10.0).round() / 10.0),
        (_, Some(v)) => format_number(v),
    }
}

/// Received ÷ expected, never above 1: only schools expected for the plan count as received.
pub fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part.min(whole) as f64) / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::Audience;
    use crate::plan_template::BUILTIN;
    use time::macros::{date, datetime};

    #[test]
    fn state_machine() {
        use ReportEvent as E;
        use ReportStatus as S;
        assert_eq!(transition(S::Draft, E::Submit, ""), Ok(S::Submitted));
        assert_eq!(transition(S::Submitted, E::Return, "Bổ sung số liệu"), Ok(S::Returned));
        assert!(matches!(
            transition(S::Submitted, E::Return, " "),
            Err(TransitionError::ReasonRequired(_))
        ));
        assert_eq!(transition(S::Returned, E::Save, ""), Ok(S::Returned));
        assert_eq!(transition(S::Returned, E::Submit, ""), Ok(S::Submitted));
        assert_eq!(transition(S::Submitted, E::Accept, ""), Ok(S::Accepted));
        assert_eq!(transition(S::Accepted, E::Save, ""), Err(TransitionError::Locked));
        assert_eq!(
            transition(S::Submitted, E::Save, ""),
            Err(TransitionError::AwaitingReview)
        );
        assert!(transition(S::Accepted, E::Reopen, "").is_err());
        assert_eq!(transition(S::Accepted, E::Reopen, "Sai số liệu"), Ok(S::Reopened));
        assert!(transition(S::Draft, E::Accept, "").is_err());
        assert!(transition(S::Draft, E::Return, "x").is_err());
        assert!(transition(S::Returned, E::Accept, "").is_err());
    }

    #[test]
    fn a_reopened_report_is_its_own_state_and_editable_again() {
        use ReportEvent as E;
        use ReportStatus as S;
        let reopened = transition(S::Accepted, E::Reopen, "Bổ sung số liệu tháng 5").unwrap();
        assert_eq!(reopened, S::Reopened);
        assert_eq!(reopened.label(), "Được mở lại");
        assert_eq!(S::parse("reopened"), Some(S::Reopened));
        assert!(reopened.editable() && reopened.awaiting_school() && !reopened.is_in());
        assert_eq!(transition(S::Reopened, E::Save, ""), Ok(S::Reopened));
        assert_eq!(transition(S::Reopened, E::Submit, ""), Ok(S::Submitted));
        assert!(transition(S::Reopened, E::Accept, "").is_err());
        assert!(transition(S::Reopened, E::Reopen, "x").is_err());
        // Accepted is locked; the other states are not.
        let editable: Vec<S> = S::ALL.into_iter().filter(|s| s.editable()).collect();
        assert_eq!(editable, vec![S::Draft, S::Returned, S::Reopened]);
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn only_an_accepted_report_can_be_asked_to_reopen_with_a_bounded_reason() {
        use ReportEvent as E;
        use ReportStatus as S;
        assert_eq!(
            transition(S::Accepted, E::RequestReopen, "Sai số buổi tập huấn"),
            Ok(S::Accepted)
        );
        assert!(matches!(
            transition(S::Accepted, E::RequestReopen, "  "),
            Err(TransitionError::ReasonRequired(_))
        ));
        let long = "a".repeat(REOPEN_REQUEST_MAX_CHARS + 1);
        assert_eq!(
            transition(S::Accepted, E::RequestReopen, &long),
            Err(TransitionError::ReasonTooLong {
                max: REOPEN_REQUEST_MAX_CHARS,
                written: REOPEN_REQUEST_MAX_CHARS + 1
            })
        );
        // Exactly the limit, counted in characters (Vietnamese letters are several bytes).
        assert!(transition(S::Accepted, E::RequestReopen, &"ệ".repeat(REOPEN_REQUEST_MAX_CHARS)).is_ok());
        let may: Vec<S> = S::ALL.into_iter().filter(|s| s.may_request_reopen()).collect();
        assert_eq!(may, vec![S::Accepted]);
        for s in [S::Draft, S::Submitted, S::Returned, S::Reopened] {
            assert!(transition(s, E::RequestReopen, "x").is_err(), "{s:?}");
        }
    }

    #[test]
    fn a_recomputed_figure_is_a_suggestion_never_applied_by_itself() {
        let plan = PlanContent::from_template(&BUILTIN);
        let posts = plan.indicator("s1_1_posts").unwrap();
        let accepted = IndicatorValue {
            value: Some(Value::Number(1.0)),
            computed: Some(1.0),
            override_reason: String::new(),
        };
        // The log now says 2.5: the report keeps 1 and is checked against 1.
        assert_eq!(baseline(Some(&accepted), Some(2.5)), Some(1.0));
        assert_eq!(suggestion(Some(&accepted), Some(2.5)), Some(2.5));
        assert_eq!(suggestion(Some(&accepted), Some(1.0)), None);
        let keep = ValueInput {
            value: "1".into(),
            ..Default::default()
        };
        let kept = parse_report_value(posts, &keep, Some(&accepted), Some(2.5)).unwrap();
        assert_eq!(kept, accepted, "keeping the accepted figure needs no reason");
        let take = ValueInput {
            value: "1".into(),
            use_computed: true,
            ..Default::default()
        };
        let taken = parse_report_value(posts, &take, Some(&accepted), Some(2.5)).unwrap();
        assert_eq!((taken.value, taken.computed), (Some(Value::Number(2.5)), Some(2.5)));
        // Typing another figure still needs a reason, against the baseline.
        let other = ValueInput {
            value: "3".into(),
            ..Default::default()
        };
        assert!(parse_report_value(posts, &other, Some(&accepted), Some(2.5)).is_err());
        // Not held yet: today's figure is the baseline.
        assert_eq!(baseline(None, Some(2.0)), Some(2.0));
        assert_eq!(suggestion(None, Some(2.0)), None);
        assert!(differs_from_baseline(posts, "3", Some(1.0)));
        assert!(!differs_from_baseline(posts, "1", Some(1.0)));
        assert!(!differs_from_baseline(posts, "", Some(1.0)));
        assert!(differs_from_baseline(posts, "abc", Some(1.0)));
        assert!(!differs_from_baseline(posts, "7", None));
    }

    #[test]
    fn timeliness_is_decided_in_vietnam_time() {
        // 16:59 UTC on 1 June is 23:59 in Vietnam: on time. 17:00 UTC is 2 June there: late.
        assert!(!is_late(datetime!(2027-06-01 16:59 UTC), date!(2027 - 06 - 01)));
        assert!(is_late(datetime!(2027-06-01 17:00 UTC), date!(2027 - 06 - 01)));
    }

    #[test]
    fn the_default_deadline_means_before_1_june() {
        // The seed plan asks for the report before 1 June: 31 May is the last on-time day, so a
        // report sent on 1 June in Vietnam is late, and one sent late on 31 May is not.
        let deadline = crate::school_year::SchoolYear::parse("2026-2027")
            .unwrap()
            .default_report_deadline();
        assert!(!is_late(datetime!(2027-05-31 16:59 UTC), deadline));
        assert!(is_late(datetime!(2027-05-31 17:00 UTC), deadline));
    }

    #[test]
    fn indicators_come_from_the_log() {
        let plan = PlanContent::from_template(&BUILTIN);
        let talk = ActivityFacts {
            kind: ActivityKind::Talk,
            tasks: vec![],
            audience: Audience {
                teachers: 2,
                pupils_g6_7: 100,
                parents: 5,
                ..Default::default()
            },
        };
        let training = ActivityFacts {
            kind: ActivityKind::Training,
            tasks: vec!["II.2.b".into(), "II.2.a".into()],
            audience: Audience {
                teachers: 20,
                staff: 3,
                pupils_g8_9: 40,
                ..Default::default()
            },
        };
        let meeting = ActivityFacts {
            kind: ActivityKind::ParentMeeting,
            tasks: vec![],
            audience: Audience {
                parents: 60,
                ..Default::default()
            },
        };
        let v = compute_from_activities(&plan, &[talk, training, meeting]);
        assert_eq!(v["s1_4_talks"], 1.0);
        assert_eq!(v["s1_4_participants"], 107.0);
        assert_eq!(v["s2_2_trainings"], 1.0);
        assert_eq!(v["s2_2_trained_staff"], 23.0);
        assert_eq!(v["s2_2_trained_pupils"], 40.0);
        assert_eq!(v["s2_1_lessons"], 1.0);
        assert_eq!(v["s3_3_parent_meetings"], 1.0);
        assert_eq!(v["s3_3_parents_reached"], 65.0);
        assert_eq!(v["s1_1_posts"], 0.0);
        let facts = SchoolFacts {
            collaborators: 3,
            school_plan_submitted: true,
        };
        let all = computed_values(&plan, &[&ActivityLog(&[]), &facts]);
        assert_eq!(all["s3_1_has_network"].0, 1.0);
        assert_eq!(all["t5_1_school_plan"].1, "Dữ liệu của trường trên hệ thống");

        let sites = |inspected, meeting, posts| WebsiteFacts {
            inspected_websites: inspected,
            meeting_standard: meeting,
            posts_per_month: posts,
        };
        let v = sites(2, 2, Some(3.46)).provide(&plan);
        assert_eq!(
            (v["s4_1_website_meets_standard"], v["s4_2_posts_per_month"]),
            (1.0, 3.5)
        );
        assert_eq!(sites(2, 1, None).provide(&plan)["s4_1_website_meets_standard"], 0.0);
        assert!(
            sites(0, 0, None).provide(&plan).is_empty(),
            "nothing inspected: nothing claimed"
        );

        // Trainings held on the platform add to those the log holds.
        let logged = [ActivityFacts {
            kind: ActivityKind::Training,
            tasks: vec!["II.2.b".into()],
            audience: Audience {
                teachers: 10,
                ..Default::default()
            },
        }];
        let trained = TrainingFacts {
            trainings: 2,
            trained_staff: 3,
            webadmins_trained: 1,
            log: &logged,
        }
        .provide(&plan);
        assert_eq!(
            (
                trained["s2_2_trainings"],
                trained["s2_2_trained_staff"],
                trained["s3_2_webadmins_trained"]
            ),
            (3.0, 13.0, 1.0)
        );
        let none = TrainingFacts {
            trainings: 0,
            trained_staff: 0,
            webadmins_trained: 0,
            log: &[],
        }
        .provide(&plan);
        assert!(!none.contains_key("s3_2_webadmins_trained"), "the principal answers");
    }

    #[test]
    fn parents_reached_by_notices_add_to_the_log() {
        let plan = PlanContent::from_template(&BUILTIN);
        let none = FamilyFacts {
            parents_reached: 0,
            log: &[],
        };
        assert!(
            none.provide(&plan).is_empty(),
            "the log alone answers until a parent reads one"
        );
        let some = FamilyFacts {
            parents_reached: 12,
            log: &[],
        };
        assert_eq!(some.provide(&plan)["s3_3_parents_reached"], 12.0);
        assert_eq!(indicator_source("s3_3_parents_reached"), Some(FamilyFacts::SOURCE));
    }

    #[test]
    fn every_computed_figure_names_the_provider_that_computed_it() {
        // A document labels each figure by `indicator_source`; it must agree with whoever
        // actually computed it, for every indicator of the built-in plan.
        let plan = PlanContent::from_template(&BUILTIN);
        let facts = SchoolFacts {
            collaborators: 2,
            school_plan_submitted: true,
        };
        let sites = WebsiteFacts {
            inspected_websites: 1,
            meeting_standard: 1,
            posts_per_month: Some(2.0),
        };
        let trained = TrainingFacts {
            trainings: 1,
            trained_staff: 2,
            webadmins_trained: 1,
            log: &[],
        };
        let families = FamilyFacts {
            parents_reached: 3,
            log: &[],
        };
        let stories = StoryFacts {
            stories_published: 2,
            log: &[],
        };
        // As `app::reports` lists them: trainings, families and stories first.
        let all = computed_values(
            &plan,
            &[&trained, &families, &stories, &ActivityLog(&[]), &facts, &sites],
        );
        assert_eq!(all["s1_2_stories"].0, 2.0, "published stories counted");
        assert!(all.len() > ACTIVITY_RULES.len(), "every provider contributed");
        for (code, (_, source)) in &all {
            assert_eq!(indicator_source(code), Some(*source), "{code}");
        }
        assert_eq!(indicator_source("s4_2_posts_per_month"), Some("Giám sát website"));
        assert_eq!(indicator_source("no_such_indicator"), None);
    }

    #[test]
    fn overrides_need_a_reason_and_values_parse() {
        let plan = PlanContent::from_template(&BUILTIN);
        let talks = plan.indicator("s1_4_talks").unwrap();
        let v = |value: &str, reason: &str| ValueInput {
            value: value.into(),
            override_reason: reason.into(),
            ..Default::default()
        };
        assert!(parse_value(talks, &v("4", ""), Some(4.0)).is_ok());
        assert!(matches!(
            parse_value(talks, &v("5", ""), Some(4.0)),
            Err(ValueError::OverrideWithoutReason { .. })
        ));
        let ok = parse_value(talks, &v("5", "Một buổi ghi sổ giấy"), Some(4.0)).unwrap();
        assert_eq!(ok.override_reason, "Một buổi ghi sổ giấy");
        assert!(parse_value(talks, &v("-1", ""), None).is_err());
        assert!(parse_value(talks, &v("abc", ""), None).is_err());
        assert_eq!(
            parse_value(talks, &v("1.250", ""), None).unwrap().value,
            Some(Value::Number(1250.0))
        );
        let yn = plan.indicator("s1_3_rules_adopted").unwrap();
        assert_eq!(
            parse_value(yn, &v("Có", ""), None).unwrap().value,
            Some(Value::Number(1.0))
        );
        assert_eq!(
            parse_value(yn, &v("khong", ""), None).unwrap().value,
            Some(Value::Number(0.0))
        );
        assert!(parse_value(yn, &v("có lẽ", ""), None).is_err());
    }

    #[test]
    fn validation_rules_gate_submission() {
        let plan = PlanContent::from_template(&BUILTIN);
        let mut values = BTreeMap::new();
        let mut narrative = BTreeMap::new();
        let facts = ReportFacts {
            plan: &plan,
            values: &values,
            narrative: &narrative,
            school_size: Some(50),
        };
        let problems = validate(&facts, VALIDATION_RULES);
        assert!(problems.iter().any(|p| p.contains("Chưa nhập")));
        assert!(problems.iter().any(|p| p.contains("Kết quả đạt được")));
        for i in plan.indicators() {
            values.insert(
                i.code.clone(),
                IndicatorValue {
                    value: Some(Value::Number(1.0)),
                    computed: None,
                    override_reason: String::new(),
                },
            );
        }
        values.insert(
            "s3_1_collaborators".into(),
            IndicatorValue {
                value: Some(Value::Number(60.0)),
                computed: None,
                override_reason: String::new(),
            },
        );
        narrative.insert("results", "Đã tổ chức 4 buổi".into());
        let facts = ReportFacts {
            plan: &plan,
            values: &values,
            narrative: &narrative,
            school_size: Some(50),
        };
        assert_eq!(
            validate(&facts, VALIDATION_RULES),
            vec![
                "«Số cộng tác viên» là 60, lớn hơn tổng số cán bộ, giáo viên, nhân viên và học sinh của trường (50)."
                    .to_string()
            ]
        );
    }

    #[test]
    fn aggregation_never_exceeds_the_whole() {
        let s = IndicatorSums {
            reporting: 4,
            sum: 10.0,
            positive: 3,
            min: Some(0.0),
            max: Some(5.0),
        };
        assert_eq!(aggregate(Aggregation::Sum, &s), Some(10.0));
        assert_eq!(aggregate(Aggregation::Average, &s), Some(2.5));
        assert_eq!(aggregate(Aggregation::ShareOfSchools, &s), Some(0.75));
        assert_eq!(aggregate(Aggregation::CountOfSchools, &s), Some(3.0));
        assert_eq!(format_aggregate(Aggregation::ShareOfSchools, Some(0.75)), "75%");
        assert_eq!(format_number(1250.0), "1.250");
        assert_eq!(ratio(12, 10), 1.0);
        assert_eq!(ratio(0, 0), 0.0);
    }
}
