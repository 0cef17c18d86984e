//! Incidents: problems people report (a pupil bullied in a class group, a scam in the school's
//! name, a defaced website) and the feedback they send, handled by the school's collaborators and
//! principal and the office's incident leads (requirements S1.1, S1.3, S2.3, S3.1, T1.3).
//!
//! An incident is an event reported by a person, never the result of watching anyone's accounts.
//! What it may say about a pupil is minimal (a class and initials at most), and a case that names
//! a pupil, or any case of child exploitation, is restricted: only its named handlers and the
//! leads read its details, and every such reading is recorded.

pub mod clock;
pub mod playbook;

use time::Duration;

use self::clock::{Basis, WorkingTime};

/// A category as the store holds it: data the system administrator may edit, shipped with
/// `DEFAULT_CATEGORIES`. There is no category for political opinion, on purpose.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    /// Every case in it is restricted, whatever it says.
    pub restricted: bool,
    /// Urgent by rule: the principal and the office's leads are alerted at once.
    pub urgent: bool,
    /// Feedback or a question rather than a problem: answered, not investigated.
    pub feedback: bool,
    /// Where it stands in the lists.
    pub position: i64,
    /// Offered on the forms; a category switched off keeps its cases.
    pub active: bool,
}

/// Categories the product's own rules name: they may be renamed and moved, never switched off
/// (the public form's feedback, the fallback, the exploitation alert depend on them).
pub const BUILT_IN_CATEGORIES: &[&str] = &["child_exploitation", "feedback", "other"];
pub const MAX_CATEGORY_NAME: usize = 200;
pub const MAX_CATEGORY_CODE: usize = 40;

/// Checks a category as the system administrator wrote it; every problem, by field. The
/// exploitation category stays restricted and urgent: a child's safety is not a setting.
pub fn check_category(c: &Category) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let code_ok = (2..=MAX_CATEGORY_CODE).contains(&c.code.len())
        && c.code.starts_with(|ch: char| ch.is_ascii_lowercase())
        && c.code
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if !code_ok {
        problems.push((
            "code",
            format!(
                "Mã loại gồm 2 đến {MAX_CATEGORY_CODE} ký tự: chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng một chữ (ví dụ: tin_nhan_mao_danh)."
            ),
        ));
    }
    let name = c.name.trim().chars().count();
    if !(3..=MAX_CATEGORY_NAME).contains(&name) {
        problems.push(("name", format!("Tên loại dài từ 3 đến {MAX_CATEGORY_NAME} ký tự.")));
    } else if c.name.chars().any(char::is_control) {
        // A name is one line on every form and list: a line break or an invisible control
        // character is a paste gone wrong.
        problems.push((
            "name",
            "Tên loại viết trên một dòng, không có ký tự điều khiển.".to_string(),
        ));
    }
    if !(0..=1000).contains(&c.position) {
        problems.push(("position", "Thứ tự là một số từ 0 đến 1000.".to_string()));
    }
    if c.code == "child_exploitation" && !(c.restricted && c.urgent) {
        problems.push((
            "restricted",
            "Loại xâm hại, dụ dỗ trẻ em luôn là hồ sơ hạn chế và khẩn cấp.".to_string(),
        ));
    }
    if c.feedback && (c.urgent || c.restricted) {
        problems.push((
            "feedback",
            "Góp ý, câu hỏi được trả lời chứ không điều tra: không thể đồng thời khẩn cấp hay hạn chế.".to_string(),
        ));
    }
    if BUILT_IN_CATEGORIES.contains(&c.code.as_str()) && !c.active {
        problems.push((
            "active",
            "Loại này là một phần của quy trình (báo động, góp ý, việc khác), không thể tắt; có thể đổi tên."
                .to_string(),
        ));
    }
    problems
}

/// The categories a new installation starts with: (code, name, restricted, urgent, feedback).
pub const DEFAULT_CATEGORIES: &[(&str, &str, bool, bool, bool)] = &[
    ("cyberbullying", "Bắt nạt trên mạng", false, false, false),
    (
        "image_without_consent",
        "Quay, chụp, phát tán hình ảnh hoặc clip khi chưa được đồng ý",
        false,
        false,
        false,
    ),
    (
        "phone_rules",
        "Vi phạm quy định sử dụng điện thoại ở trường",
        false,
        false,
        false,
    ),
    (
        "scam",
        "Lừa đảo trực tuyến (kể cả tin nhắn mạo danh nhà trường)",
        false,
        false,
        false,
    ),
    (
        "false_information",
        "Thông tin sai sự thật về nhà trường, về ngành",
        false,
        false,
        false,
    ),
    (
        "child_exploitation",
        "Xâm hại tình dục, dụ dỗ, lôi kéo trẻ em qua mạng",
        true,
        true,
        false,
    ),
    ("gambling", "Cờ bạc, cá độ có học sinh tham gia", false, false, false),
    (
        "website_compromised",
        "Website của trường, của ngành bị xâm nhập hoặc bị thay đổi nội dung",
        false,
        false,
        false,
    ),
    ("data_leak", "Lộ lọt dữ liệu cá nhân", false, false, false),
    ("feedback", "Góp ý, câu hỏi về chính sách", false, false, true),
    ("other", "Việc khác", false, false, false),
];

/// How fast a case must be answered and settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Urgent,
    High,
    Normal,
}

/// The two clocks of a case: a first response, and a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    pub response: Duration,
    pub resolution: Duration,
    pub basis: Basis,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Urgent, Severity::High, Severity::Normal];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Urgent => "urgent",
            Severity::High => "high",
            Severity::Normal => "normal",
        }
    }

    pub fn parse(raw: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Urgent => "Khẩn cấp",
            Severity::High => "Cao",
            Severity::Normal => "Bình thường",
        }
    }

    /// The default clocks: urgent cases count every hour (a child may be in danger at night),
    /// the others count working days of the unit's working time.
    pub fn clocks(self, working: &WorkingTime) -> Clocks {
        let day = working.day_length();
        match self {
            Severity::Urgent => Clocks {
                response: Duration::hours(2),
                resolution: Duration::days(1),
                basis: Basis::AroundTheClock,
            },
            Severity::High => Clocks {
                response: day,
                resolution: day * 3,
                basis: Basis::WorkingHours,
            },
            Severity::Normal => Clocks {
                response: day * 2,
                resolution: day * 7,
                basis: Basis::WorkingHours,
            },
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Received,
    Triaged,
    InProgress,
    /// Waiting on the reporter or an outside party: the clocks stand still.
    Waiting,
    /// Handed to the police, the hotline 111, the platform or the office.
    Referred,
    Resolved,
    Closed,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Received,
        State::Triaged,
        State::InProgress,
        State::Waiting,
        State::Referred,
        State::Resolved,
        State::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Triaged => "triaged",
            State::InProgress => "in_progress",
            State::Waiting => "waiting",
            State::Referred => "referred",
            State::Resolved => "resolved",
            State::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Received => "Đã tiếp nhận",
            State::Triaged => "Đã phân loại",
            State::InProgress => "Đang xử lý",
            State::Waiting => "Đang chờ",
            State::Referred => "Đã chuyển cơ quan chức năng",
            State::Resolved => "Đã giải quyết",
            State::Closed => "Đã đóng",
        }
    }

    /// Still to be settled: counted as open, its clocks may run out.
    pub fn is_open(self) -> bool {
        !matches!(self, State::Resolved | State::Closed)
    }

    /// The verb a button shows for moving a case here.
    pub fn action_label(self) -> &'static str {
        match self {
            State::Received => "Tiếp nhận",
            State::Triaged => "Phân loại",
            State::InProgress => "Bắt đầu xử lý",
            State::Waiting => "Chuyển sang chờ",
            State::Referred => "Chuyển cơ quan chức năng",
            State::Resolved => "Đánh dấu đã giải quyết",
            State::Closed => "Đóng hồ sơ",
        }
    }
}

/// Who is moving a case, as far as the case's rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerRole {
    /// A school's collaborator: takes in, sorts and follows a case.
    Collaborator,
    /// The school's principal or an office's incident lead: also settles and reopens.
    Lead,
}

/// Why a move is refused, in words a handler reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Không thể chuyển hồ sơ từ «{}» sang «{}».", .from.label(), .to.label())]
    NotAllowed { from: State, to: State },
    #[error("Chỉ hiệu trưởng hoặc đầu mối xử lý của Phòng/Sở mới được {}.", .0)]
    LeadOnly(&'static str),
    #[error("Hãy ghi kết quả và biện pháp đã thực hiện.")]
    OutcomeRequired,
    #[error("Hãy ghi lý do mở lại hồ sơ.")]
    ReasonRequired,
    #[error("Hãy ghi đang chờ ai, chờ việc gì.")]
    WaitingOnRequired,
    #[error("Hãy chọn cơ quan, đơn vị được chuyển đến.")]
    ReferralRequired,
}

/// The moves a case may make. Reopening (from resolved or closed back to in progress) needs a
/// reason; records are never deleted by anyone, only purged by the retention rule.
pub fn next_states(from: State) -> &'static [State] {
    use State::*;
    match from {
        Received => &[Triaged],
        Triaged => &[InProgress, Waiting, Referred, Resolved],
        InProgress => &[Waiting, Referred, Resolved],
        Waiting => &[InProgress, Referred, Resolved],
        Referred => &[InProgress, Waiting, Resolved],
        Resolved => &[Closed, InProgress],
        Closed => &[InProgress],
    }
}

/// What a move carries besides its target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveDetails<'a> {
    pub note: &'a str,
    pub outcome: &'a str,
    pub referral: Option<Referral>,
}

/// Checks one move: allowed from here, by this person, with what it must carry.
pub fn check_move(from: State, to: State, by: HandlerRole, details: &MoveDetails<'_>) -> Result<(), TransitionError> {
    if !next_states(from).contains(&to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    let reopening = !from.is_open() && to.is_open();
    if by == HandlerRole::Collaborator {
        if reopening {
            return Err(TransitionError::LeadOnly("mở lại hồ sơ"));
        }
        match to {
            State::Resolved => return Err(TransitionError::LeadOnly("kết luận hồ sơ")),
            State::Closed => return Err(TransitionError::LeadOnly("đóng hồ sơ")),
            _ => {}
        }
    }
    if reopening && details.note.trim().is_empty() {
        return Err(TransitionError::ReasonRequired);
    }
    match to {
        State::Resolved if details.outcome.trim().is_empty() => Err(TransitionError::OutcomeRequired),
        State::Waiting if details.note.trim().is_empty() => Err(TransitionError::WaitingOnRequired),
        State::Referred if details.referral.is_none() => Err(TransitionError::ReferralRequired),
        _ => Ok(()),
    }
}

/// Where a case was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Referral {
    Police,
    Hotline111,
    Platform,
    Office,
    Other,
}

impl Referral {
    pub const ALL: [Referral; 5] = [
        Referral::Police,
        Referral::Hotline111,
        Referral::Platform,
        Referral::Office,
        Referral::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Referral::Police => "police",
            Referral::Hotline111 => "hotline_111",
            Referral::Platform => "platform",
            Referral::Office => "office",
            Referral::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Referral> {
        Referral::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Referral::Police => "Công an",
            Referral::Hotline111 => "Tổng đài quốc gia bảo vệ trẻ em 111",
            Referral::Platform => "Nền tảng mạng xã hội",
            Referral::Office => "Phòng/Sở Giáo dục và Đào tạo",
            Referral::Other => "Cơ quan khác",
        }
    }
}

/// Who an overdue case is escalated to next: the unit's principal first, then the office's
/// incident leads once the case has stayed overdue for a while (a quarter of its resolution
/// clock: 6 hours for an urgent case, about two working days for a normal one).
pub fn escalation_due(level: i64, overdue_for: Duration, resolution: Duration) -> Option<i64> {
    if overdue_for <= Duration::ZERO {
        return None;
    }
    match level {
        0 => Some(1),
        1 if overdue_for >= resolution / 4 => Some(2),
        _ => None,
    }
}

/// How long a settled case keeps its details, by the retention rule: a problem 12 months after
/// closing (default, configurable), public feedback sooner, spam a month. Then a job empties
/// them, leaving anonymous statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub cases: Duration,
    pub public_feedback: Duration,
    pub spam: Duration,
}

impl Retention {
    /// The periods in days as an installation sets them: a case kept 30 days to 10 years;
    /// feedback and spam no longer than a case (they never need more care than a problem).
    pub fn from_days(cases: i64, public_feedback: i64, spam: i64) -> Result<Retention, String> {
        if !(30..=3650).contains(&cases) {
            return Err("incidents.retention_days phải từ 30 đến 3650 ngày".into());
        }
        if !(1..=cases).contains(&public_feedback) {
            return Err(format!(
                "incidents.feedback_retention_days phải từ 1 đến {cases} ngày (không quá retention_days)"
            ));
        }
        if !(1..=cases).contains(&spam) {
            return Err(format!(
                "incidents.spam_retention_days phải từ 1 đến {cases} ngày (không quá retention_days)"
            ));
        }
        Ok(Retention {
            cases: Duration::days(cases),
            public_feedback: Duration::days(public_feedback),
            spam: Duration::days(spam),
        })
    }
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            cases: Duration::days(365),
            public_feedback: Duration::days(180),
            spam: Duration::days(30),
        }
    }
}

/// How long a report's words may be, and how many links it may carry.
pub const MAX_DESCRIPTION: usize = 4000;
pub const MIN_DESCRIPTION: usize = 10;
pub const MAX_LINKS: usize = 5;
pub const MAX_NOTE: usize = 4000;

/// Who is affected, in the only form the product keeps: a class and initials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// As written, tidied ("lớp 4B, N.V.A").
    pub text: String,
    /// Initials are present: the case names a pupil and is restricted.
    pub names_pupil: bool,
}

/// Why the affected-person line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AffectedError {
    #[error(
        "Chỉ ghi lớp và chữ cái đầu của tên (ví dụ: lớp 4B, N.V.A), không ghi họ tên đầy đủ, địa chỉ hay số điện thoại."
    )]
    TooMuch,
}

/// Reads "who is affected": empty, or words that are each a class ("4B", "10A1"), a word such as
/// "lớp" or "học sinh", or initials ("N.V.A", "NVA", at most four letters, each a capital).
/// A full name, a phone number or anything longer is refused: the pupil's identity belongs in
/// the school's own records, not here.
pub fn parse_affected(raw: &str) -> Result<Option<Affected>, AffectedError> {
    let text = crate::text::clean_line(raw);
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > 60 {
        return Err(AffectedError::TooMuch);
    }
    const WORDS: &[&str] = &["lop", "hoc", "sinh", "em", "va", "cac", "ban", "khoi"];
    let mut names_pupil = false;
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        if word.is_empty() {
            continue;
        }
        let folded = crate::text::fold_vi(word);
        if WORDS.contains(&folded.as_str()) {
            continue;
        }
        let is_class = word.len() <= 5
            && word.starts_with(|c: char| c.is_ascii_digit())
            && word.chars().all(|c| c.is_ascii_alphanumeric());
        if is_class {
            continue;
        }
        let letters: Vec<char> = word.chars().filter(|c| *c != '.').collect();
        let initials = !letters.is_empty() && letters.len() <= 4 && letters.iter().all(|c| c.is_uppercase());
        if initials {
            names_pupil = true;
            continue;
        }
        return Err(AffectedError::TooMuch);
    }
    Ok(Some(Affected { text, names_pupil }))
}

/// Whether a case is restricted: its category says so, or it names a pupil.
pub fn is_restricted(category_restricted: bool, names_pupil: bool) -> bool {
    category_restricted || names_pupil
}

/// The severity a new case starts with: urgent by rule for an urgent category or when the
/// reporter says a child is in danger now; otherwise normal until a handler sorts it.
pub fn initial_severity(category_urgent: bool, child_in_danger: bool) -> Severity {
    if category_urgent || child_in_danger {
        Severity::Urgent
    } else {
        Severity::Normal
    }
}

/// A receipt code a public reporter keeps: 12 characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L), grouped by four. About 59 bits: guessing one is hopeless, and only its hash
/// is stored.
pub fn new_receipt_code() -> String {
    crate::code::random_code(12)
}

/// A receipt code as typed back: case, spaces and dashes do not matter. `None` when it cannot
/// be one.
pub fn normalize_receipt_code(raw: &str) -> Option<String> {
    crate::code::normalize_code(raw, 12)
}

#[cfg(test)]
mod tests {

    fn category(code: &str) -> Category {
        Category {
            code: code.into(),
            name: "Tin nhắn mạo danh".into(),
            restricted: false,
            urgent: false,
            feedback: false,
            position: 12,
            active: true,
        }
    }

    #[test]
    fn a_category_is_checked_whole() {
        assert!(check_category(&category("tin_nhan_mao_danh")).is_empty());
        for bad in ["", "x", "Hoa", "1abc", "có_dấu", "a-b", &"a".repeat(41)] {
            assert_eq!(check_category(&category(bad))[0].0, "code", "{bad}");
        }
        let mut c = category("child_exploitation");
        c.restricted = true;
        assert_eq!(check_category(&c)[0].0, "restricted", "urgent by rule");
        c.urgent = true;
        assert!(check_category(&c).is_empty());
        c.active = false;
        assert_eq!(check_category(&c)[0].0, "active");
        let mut c = category("hoi_dap");
        c.feedback = true;
        c.urgent = true;
        c.name = "  ".into();
        c.position = -1;
        let fields: Vec<_> = check_category(&c).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "position", "feedback"]);
        let mut c = category("hoi_dap");
        c.name = "Góp ý\nvề trường".into();
        assert_eq!(check_category(&c)[0].0, "name", "one line");
    }
    use super::*;

    #[test]
    fn retention_periods_are_bounded() {
        let r = Retention::from_days(730, 90, 7).unwrap();
        assert_eq!(r.cases, Duration::days(730));
        assert_eq!(r.public_feedback, Duration::days(90));
        assert!(Retention::from_days(10, 5, 1).is_err());
        assert!(
            Retention::from_days(365, 400, 1).is_err(),
            "feedback kept longer than a problem"
        );
        assert!(Retention::from_days(365, 180, 0).is_err());
    }

    #[test]
    fn no_category_for_opinions() {
        for (code, name, ..) in DEFAULT_CATEGORIES {
            let folded = crate::text::fold_vi(name);
            assert!(!folded.contains("chinh tri"), "{code}");
            assert!(!code.contains("politic"), "{code}");
        }
        let exploitation = DEFAULT_CATEGORIES.iter().find(|c| c.0 == "child_exploitation").unwrap();
        assert!(exploitation.2 && exploitation.3, "restricted and urgent by rule");
    }

    #[test]
    fn every_state_can_reach_closed_and_closed_can_reopen() {
        for from in State::ALL {
            let mut seen = vec![from];
            let mut frontier = vec![from];
            while let Some(s) = frontier.pop() {
                for next in next_states(s) {
                    if !seen.contains(next) {
                        seen.push(*next);
                        frontier.push(*next);
                    }
                }
            }
            assert!(seen.contains(&State::Closed), "{from:?}");
        }
        assert_eq!(next_states(State::Closed), &[State::InProgress]);
    }

    #[test]
    fn moves_check_who_and_what() {
        let plain = MoveDetails::default();
        assert_eq!(
            check_move(State::Received, State::Triaged, HandlerRole::Collaborator, &plain),
            Ok(())
        );
        assert_eq!(
            check_move(State::Received, State::Resolved, HandlerRole::Lead, &plain),
            Err(TransitionError::NotAllowed {
                from: State::Received,
                to: State::Resolved
            })
        );
        let outcome = MoveDetails {
            outcome: "Đã gặp phụ huynh hai em.",
            ..Default::default()
        };
        assert!(matches!(
            check_move(State::InProgress, State::Resolved, HandlerRole::Collaborator, &outcome),
            Err(TransitionError::LeadOnly(_))
        ));
        assert_eq!(
            check_move(State::InProgress, State::Resolved, HandlerRole::Lead, &plain),
            Err(TransitionError::OutcomeRequired)
        );
        assert_eq!(
            check_move(State::InProgress, State::Resolved, HandlerRole::Lead, &outcome),
            Ok(())
        );
        assert_eq!(
            check_move(State::Closed, State::InProgress, HandlerRole::Lead, &plain),
            Err(TransitionError::ReasonRequired)
        );
        assert!(matches!(
            check_move(State::Closed, State::InProgress, HandlerRole::Collaborator, &plain),
            Err(TransitionError::LeadOnly(_))
        ));
        assert_eq!(
            check_move(State::InProgress, State::Waiting, HandlerRole::Collaborator, &plain),
            Err(TransitionError::WaitingOnRequired)
        );
        assert_eq!(
            check_move(State::InProgress, State::Referred, HandlerRole::Collaborator, &plain),
            Err(TransitionError::ReferralRequired)
        );
        let referred = MoveDetails {
            referral: Some(Referral::Hotline111),
            ..Default::default()
        };
        assert_eq!(
            check_move(State::InProgress, State::Referred, HandlerRole::Collaborator, &referred),
            Ok(())
        );
    }

    #[test]
    fn affected_is_a_class_and_initials_at_most() {
        assert_eq!(parse_affected("  "), Ok(None));
        let a = parse_affected("lớp 4B, N.V.A").unwrap().unwrap();
        assert!(a.names_pupil);
        assert_eq!(a.text, "lớp 4B, N.V.A");
        let class_only = parse_affected("Lớp 9A2").unwrap().unwrap();
        assert!(!class_only.names_pupil);
        assert!(parse_affected("học sinh lớp 7C và các bạn").unwrap().is_some());
        for bad in [
            "Nguyễn Văn An lớp 4B",
            "4B, 0912345678",
            "em An",
            "lớp 4B nhà ở số 5 ngõ 3",
        ] {
            assert_eq!(parse_affected(bad), Err(AffectedError::TooMuch), "{bad}");
        }
    }

    #[test]
    fn urgent_by_rule() {
        assert_eq!(initial_severity(true, false), Severity::Urgent);
        assert_eq!(initial_severity(false, true), Severity::Urgent);
        assert_eq!(initial_severity(false, false), Severity::Normal);
        assert!(is_restricted(false, true));
        assert!(is_restricted(true, false));
        assert!(!is_restricted(false, false));
    }

    #[test]
    fn escalation_goes_to_the_principal_then_the_office() {
        let day = Duration::days(1);
        assert_eq!(escalation_due(0, Duration::ZERO, day), None);
        assert_eq!(escalation_due(0, Duration::minutes(1), day), Some(1));
        assert_eq!(escalation_due(1, Duration::hours(5), day), None);
        assert_eq!(escalation_due(1, Duration::hours(6), day), Some(2));
        assert_eq!(escalation_due(2, Duration::days(30), day), None);
    }

    #[test]
    fn retention_is_shorter_for_feedback_and_spam() {
        let r = Retention::default();
        assert!(r.spam < r.public_feedback && r.public_feedback < r.cases);
    }

    #[test]
    fn receipt_codes_round_trip() {
        for _ in 0..50 {
            let code = new_receipt_code();
            assert_eq!(code.len(), 14);
            assert_eq!(
                normalize_receipt_code(&code.to_lowercase().replace('-', " ")),
                Some(code.clone())
            );
        }
        assert_eq!(normalize_receipt_code("abc"), None);
        assert_eq!(normalize_receipt_code("ABCD-EFGH-IJK!"), None);
    }
}
