//! Website supervision rules: what a registered web property is, the office's inspection
//! standard as data, whether a site meets it, which state changes raise alerts, and how
//! inspections are spaced. No IO: the inspector finds, the store keeps, this decides.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::finding::{FindingCode, Severity};

/// The kinds of public web property a unit registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Website,
    Blog,
    Forum,
    Page,
}

impl SiteKind {
    pub const ALL: [SiteKind; 4] = [SiteKind::Website, SiteKind::Blog, SiteKind::Forum, SiteKind::Page];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Website => "website",
            SiteKind::Blog => "blog",
            SiteKind::Forum => "forum",
            SiteKind::Page => "page",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SiteKind::Website => "Website",
            SiteKind::Blog => "Blog",
            SiteKind::Forum => "Diễn đàn",
            SiteKind::Page => "Trang thông tin",
        }
    }

    /// Accepts the code or the Vietnamese label, with or without diacritics ("dien dan").
    pub fn parse(raw: &str) -> Option<SiteKind> {
        let key = crate::text::fold_key(raw);
        if key.is_empty() {
            return Some(SiteKind::Website);
        }
        SiteKind::ALL
            .into_iter()
            .find(|k| k.as_str() == key || crate::text::fold_key(k.label()) == key)
    }
}

/// Why an address cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteUrlError {
    #[error("Chưa nhập địa chỉ website.")]
    Empty,
    #[error("«{0}» không phải là một địa chỉ web hợp lệ.")]
    Invalid(String),
    #[error("Chỉ nhận địa chỉ bắt đầu bằng http:// hoặc https:// (đã nhập «{0}»).")]
    Scheme(String),
    #[error("Địa chỉ không được chứa tên đăng nhập hay mật khẩu.")]
    Credentials,
    /// The address itself is never shown: it would map the internal network for whoever asks.
    #[error(
        "Địa chỉ «{0}» không phải địa chỉ công khai trên Internet (mạng nội bộ hoặc chính máy chủ); Lành Mạng chỉ kiểm tra website công khai."
    )]
    Private(String),
    #[error("Không tìm thấy tên miền «{0}» (không phân giải được địa chỉ).")]
    Unresolvable(String),
    #[error("Đây là tài khoản mạng xã hội cá nhân; Lành Mạng chỉ theo dõi website công khai của đơn vị.")]
    SocialAccount,
    /// The start of the address looks like a mistyped `http://` or `https://`.
    #[error("Phần đầu của địa chỉ «{entered}» có vẻ gõ nhầm. Có phải bạn muốn nhập {suggestion}?")]
    SchemeTypo { entered: String, suggestion: String },
}

/// The edit distance between two short ASCII words (only ever called on a scheme's few letters).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The address someone most likely meant when its start is a mistyped scheme ("htps//x",
/// "https:/x", "hhtps://x", "http:x"), or `None` when the start is not a scheme typo. Schemes
/// that exist (ftp, mailto…) are not typos: they are refused as what they are.
pub fn scheme_typo_suggestion(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let letters = raw.chars().take_while(char::is_ascii_alphabetic).count();
    let (word, rest) = raw.split_at(letters);
    let separators = rest.chars().take_while(|c| matches!(c, ':' | '/' | '\\')).count();
    let (sep, host) = rest.split_at(separators);
    // A separator without a colon or slash after the word ("truong.edu.vn") is no scheme, and a
    // colon followed by digits is a port ("localhost:8080").
    if sep.is_empty() || host.is_empty() || (host.starts_with(|c: char| c.is_ascii_digit()) && sep == ":") {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let exact = word == "http" || word == "https";
    if exact && sep == "://" {
        return None;
    }
    let near = |target: &str| edit_distance(&word, target);
    let typo = exact
        || (!matches!(word.as_str(), "ftp" | "ftps" | "sftp")
            && (3..=7).contains(&word.len())
            && (near("http") <= 1
                || near("https") <= 1
                || (word.starts_with('h') && near("https").min(near("http")) <= 2)));
    if !typo {
        return None;
    }
    let scheme = if word.contains('s') { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// A registrable address: scheme, lower-case host, no credentials, no default port, no
/// fragment. A bare host gets https://. Returns the normalised URL and its host.
pub fn normalize_site_url(raw: &str) -> Result<(String, String), SiteUrlError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(SiteUrlError::Empty);
    }
    if let Some(suggestion) = scheme_typo_suggestion(raw) {
        return Err(SiteUrlError::SchemeTypo {
            entered: raw.to_string(),
            suggestion,
        });
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|_| SiteUrlError::Invalid(raw.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SiteUrlError::Scheme(raw.to_string()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SiteUrlError::Credentials);
    }
    // A host of dots alone ("．", a full-width stop, becomes ".") is no host.
    let host = url
        .host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| SiteUrlError::Invalid(raw.to_string()))?;
    if crate::address_policy::is_social_network_host(&host) {
        return Err(SiteUrlError::SocialAccount);
    }
    url.set_fragment(None);
    // The url crate already drops default ports and lower-cases the host.
    Ok((url.to_string(), host))
}

/// A site's headline state, worst first: what a person should know before anything else. It
/// comes from the site's worst open finding and whether it answers; the header grade is only
/// one check among many and never speaks for the whole site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    Compromised,
    Down,
    CertificateExpired,
    FailsStandard,
    Fine,
    NotYetInspected,
}

impl SiteState {
    pub const ALL: [SiteState; 6] = [
        SiteState::Compromised,
        SiteState::Down,
        SiteState::CertificateExpired,
        SiteState::FailsStandard,
        SiteState::Fine,
        SiteState::NotYetInspected,
    ];

    /// The stable name stored in `sites.state` and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Compromised => "compromised",
            SiteState::Down => "down",
            SiteState::CertificateExpired => "certificate_expired",
            SiteState::FailsStandard => "fails_standard",
            SiteState::Fine => "fine",
            SiteState::NotYetInspected => "not_yet_inspected",
        }
    }

    pub fn parse(raw: &str) -> Option<SiteState> {
        SiteState::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The Vietnamese headline.
    pub fn label(self) -> &'static str {
        match self {
            SiteState::Compromised => "Bị tấn công",
            SiteState::Down => "Không truy cập được",
            SiteState::CertificateExpired => "Chứng chỉ bảo mật đã hết hạn",
            SiteState::FailsStandard => "Chưa đạt tiêu chí",
            SiteState::Fine => "Đạt tiêu chí",
            SiteState::NotYetInspected => "Chưa kiểm tra",
        }
    }

    /// One sentence saying what the state means for visitors.
    pub fn explanation(self) -> &'static str {
        match self {
            SiteState::Compromised => {
                "Website có dấu hiệu bị kẻ xấu chiếm quyền (nội dung hoặc chuyển hướng sang trang cờ bạc): cần xử lý như một sự cố an toàn thông tin."
            }
            SiteState::Down => "Người xem đang không mở được website.",
            SiteState::CertificateExpired => {
                "Trình duyệt đang cảnh báo người xem rằng website không an toàn vì chứng chỉ đã hết hạn."
            }
            SiteState::FailsStandard => "Website còn vấn đề chưa đạt tiêu chí kiểm tra của Phòng/Sở.",
            SiteState::Fine => "Lần kiểm tra gần nhất không thấy vấn đề nghiêm trọng nào.",
            SiteState::NotYetInspected => "Website chưa được kiểm tra đầy đủ lần nào.",
        }
    }

    /// Whether the state asks for action now (shown as an alarm).
    pub fn alarming(self) -> bool {
        match self {
            SiteState::Compromised | SiteState::Down | SiteState::CertificateExpired => true,
            SiteState::FailsStandard | SiteState::Fine | SiteState::NotYetInspected => false,
        }
    }

    /// The site list's order, worst first (stored as `sites.list_rank`).
    pub fn rank(self) -> i64 {
        match self {
            SiteState::Compromised => 0,
            SiteState::Down => 1,
            SiteState::CertificateExpired => 2,
            SiteState::FailsStandard => 3,
            SiteState::Fine => 4,
            SiteState::NotYetInspected => 5,
        }
    }

    /// The state an open finding puts a site in by itself, if any. The rest of the codes count
    /// through the standard's verdict (a standard may switch their group off).
    pub fn of_finding(code: FindingCode) -> Option<SiteState> {
        use FindingCode::*;
        match code {
            SpamVisible | SpamHidden | Cloaking | MaliciousRedirect | SpamLinks => Some(SiteState::Compromised),
            // A timeout may be one slow page of a site that answers: the jobs add `unreachable`
            // whenever the home page itself cannot be opened.
            Unreachable => Some(SiteState::Down),
            TlsExpired => Some(SiteState::CertificateExpired),
            HttpError
            | SlowResponse
            | NoHttps
            | NoHttpsRedirect
            | TlsExpiringSoon
            | TlsSelfSigned
            | TlsHostnameMismatch
            | TlsIncompleteChain
            | TlsWeakKey
            | MixedContent
            | GeneratorDisclosed
            | OutdatedCms
            | StaleContent
            | DisclosureMissing
            | DisclosureIncomplete
            | BrokenInternalLink
            | BrokenExternalLink
            | BlockedPrivateAddress
            | TooManyRedirects
            | BodyTooLarge
            | DecompressionBomb
            | HeadersTooLarge
            | InvalidEncoding
            | MalformedFeed
            | WeakSecurityHeaders
            | Timeout => None,
        }
    }

    /// The headline of a site: the worst of its open findings (codes as stored; unknown ones
    /// say nothing here), then whether it answered (`None`: never tried), then the standard's
    /// verdict of the last full inspection (`None`: none yet).
    pub fn derive<'a>(
        reachable: Option<bool>,
        meets_standard: Option<bool>,
        open_codes: impl IntoIterator<Item = &'a str>,
    ) -> SiteState {
        let worst = open_codes
            .into_iter()
            .filter_map(FindingCode::parse)
            .filter_map(SiteState::of_finding)
            .min();
        let answered = match reachable {
            Some(false) => Some(SiteState::Down),
            _ => None,
        };
        let verdict = match meets_standard {
            Some(false) => SiteState::FailsStandard,
            Some(true) => SiteState::Fine,
            None => SiteState::NotYetInspected,
        };
        [worst, answered, Some(verdict)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(verdict)
    }
}

/// Groups of checks an office switches on or off in its standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckGroup {
    Reachability,
    Https,
    Headers,
    Software,
    Freshness,
    Disclosure,
    Compromise,
    Links,
}

impl CheckGroup {
    pub const ALL: [CheckGroup; 8] = [
        CheckGroup::Reachability,
        CheckGroup::Https,
        CheckGroup::Headers,
        CheckGroup::Software,
        CheckGroup::Freshness,
        CheckGroup::Disclosure,
        CheckGroup::Compromise,
        CheckGroup::Links,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckGroup::Reachability => "reachability",
            CheckGroup::Https => "https",
            CheckGroup::Headers => "headers",
            CheckGroup::Software => "software",
            CheckGroup::Freshness => "freshness",
            CheckGroup::Disclosure => "disclosure",
            CheckGroup::Compromise => "compromise",
            CheckGroup::Links => "links",
        }
    }

    pub fn parse(raw: &str) -> Option<CheckGroup> {
        CheckGroup::ALL.into_iter().find(|g| g.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            CheckGroup::Reachability => "Truy cập được, tốc độ phản hồi",
            CheckGroup::Https => "HTTPS và chứng chỉ bảo mật",
            CheckGroup::Headers => "Tiêu đề bảo mật (thang điểm MDN HTTP Observatory)",
            CheckGroup::Software => "Phần mềm quản trị nội dung, nội dung hỗn hợp",
            CheckGroup::Freshness => "Cập nhật tin bài thường xuyên",
            CheckGroup::Disclosure => "Công khai theo Thông tư 09/2024/TT-BGDĐT",
            CheckGroup::Compromise => "Dấu hiệu bị tấn công (nội dung cờ bạc, chuyển hướng lạ)",
            CheckGroup::Links => "Liên kết hỏng",
        }
    }

    /// Whether an office may switch the group off. Reachability and compromise are the floor
    /// of any standard: a site that is down or hacked never meets it.
    pub fn mandatory(self) -> bool {
        matches!(self, CheckGroup::Reachability | CheckGroup::Compromise)
    }

    /// The group of a stored finding code; `None` for a code this build does not know (an
    /// older or newer inspector's), which the rules below then treat as counting, never as
    /// silently belonging to some group.
    pub fn of(code: &str) -> Option<CheckGroup> {
        FindingCode::parse(code).map(FindingCode::group)
    }
}

/// Security-header grades, best first (as MDN HTTP Observatory gives them).
pub const GRADES: [&str; 13] = ["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"];

/// Position of a grade in [`GRADES`] (0 is best); unknown grades rank last.
pub fn grade_rank(grade: &str) -> usize {
    GRADES.iter().position(|g| *g == grade).unwrap_or(GRADES.len())
}

/// The office's inspection standard: which checks count, thresholds, required disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardRules {
    pub checks: BTreeSet<CheckGroup>,
    /// Newest post older than this many days: the site is stale.
    pub stale_after_days: u32,
    /// Certificates expiring within this many days are reported.
    pub cert_warning_days: u32,
    /// The lowest acceptable security-header grade.
    pub min_header_grade: String,
    /// The disclosure parts (by their Vietnamese names) a school must publish.
    pub required_disclosure: Vec<String>,
    /// How often a full inspection and a reachability check run, by default.
    pub full_interval_hours: u32,
    pub check_interval_minutes: u32,
}

/// The Circular 09/2024/TT-BGDĐT disclosure parts the default standard requires.
pub const DEFAULT_DISCLOSURE: [&str; 6] = [
    "Thông tin chung",
    "Tài chính",
    "Đội ngũ",
    "Cơ sở vật chất",
    "Đảm bảo chất lượng",
    "Kế hoạch và kết quả giáo dục",
];

impl Default for StandardRules {
    /// Circular 09/2024 (public disclosure) and a security baseline: HTTPS with a valid
    /// certificate, header grade C or better, current software, news at least every 90 days.
    fn default() -> Self {
        StandardRules {
            checks: CheckGroup::ALL.into_iter().collect(),
            stale_after_days: 90,
            cert_warning_days: 30,
            min_header_grade: "C".into(),
            required_disclosure: DEFAULT_DISCLOSURE.iter().map(|s| s.to_string()).collect(),
            full_interval_hours: 24,
            check_interval_minutes: 60,
        }
    }
}

/// Why a standard cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandardError {
    #[error("Số ngày coi là lâu không cập nhật phải từ 7 đến 730.")]
    StaleDays,
    #[error("Số ngày cảnh báo chứng chỉ sắp hết hạn phải từ 1 đến 90.")]
    CertDays,
    #[error("Hạng tiêu đề bảo mật tối thiểu «{0}» không hợp lệ (A+, A, A-, B+, … F).")]
    Grade(String),
    #[error("Nhóm kiểm tra «{0}» là bắt buộc, không thể tắt.")]
    Mandatory(&'static str),
    #[error("Chu kỳ kiểm tra đầy đủ phải từ 1 đến 720 giờ.")]
    FullInterval,
    #[error("Chu kỳ kiểm tra truy cập phải từ 5 đến 1440 phút.")]
    CheckInterval,
}

impl StandardRules {
    /// Every problem, so a form can show them all at once.
    pub fn validate(&self) -> Vec<StandardError> {
        let mut errors = Vec::new();
        if !(7..=730).contains(&self.stale_after_days) {
            errors.push(StandardError::StaleDays);
        }
        if !(1..=90).contains(&self.cert_warning_days) {
            errors.push(StandardError::CertDays);
        }
        if !GRADES.contains(&self.min_header_grade.as_str()) {
            errors.push(StandardError::Grade(self.min_header_grade.clone()));
        }
        for g in CheckGroup::ALL.into_iter().filter(|g| g.mandatory()) {
            if !self.checks.contains(&g) {
                errors.push(StandardError::Mandatory(g.label()));
            }
        }
        if !(1..=720).contains(&self.full_interval_hours) {
            errors.push(StandardError::FullInterval);
        }
        if !(5..=1440).contains(&self.check_interval_minutes) {
            errors.push(StandardError::CheckInterval);
        }
        errors
    }

    /// Whether a finding counts under this standard. A disclosure gap counts only when a
    /// required part is among the missing ones (the evidence names them).
    pub fn counts(&self, code: &str, evidence: &str) -> bool {
        let Some(code) = FindingCode::parse(code) else {
            return true;
        };
        if !self.checks.contains(&code.group()) {
            return false;
        }
        match code {
            FindingCode::DisclosureIncomplete => self.required_disclosure.iter().any(|p| evidence.contains(p.as_str())),
            FindingCode::DisclosureMissing => !self.required_disclosure.is_empty(),
            _ => true,
        }
    }

    /// Whether the header grade is below the standard's minimum.
    pub fn grade_too_low(&self, grade: Option<&str>) -> bool {
        self.checks.contains(&CheckGroup::Headers)
            && grade.is_some_and(|g| grade_rank(g) > grade_rank(&self.min_header_grade))
    }
}

/// Whether a stored severity name is serious (high or critical).
pub fn is_serious(severity: &str) -> bool {
    Severity::parse(severity).is_some_and(Severity::is_serious)
}

/// A site meets the standard when it is reachable and no counted finding is serious or a
/// disclosure gap (findings passed here are already filtered by [`StandardRules::counts`]).
pub fn meets_standard<'a>(reachable: bool, findings: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    reachable
        && findings.into_iter().all(|(code, severity)| {
            !is_serious(severity)
                && match FindingCode::parse(code) {
                    Some(c) => !c.is_disclosure_gap() && c != FindingCode::WeakSecurityHeaders,
                    None => true,
                }
        })
}

/// Conditions that raise an alert when they start (and "back to normal" when all end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertFlag {
    Down,
    CertExpired,
    CertSoon,
    Compromised,
    DisclosureMissing,
}

impl AlertFlag {
    pub const ALL: [AlertFlag; 5] = [
        AlertFlag::Down,
        AlertFlag::CertExpired,
        AlertFlag::CertSoon,
        AlertFlag::Compromised,
        AlertFlag::DisclosureMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertFlag::Down => "down",
            AlertFlag::CertExpired => "cert_expired",
            AlertFlag::CertSoon => "cert_soon",
            AlertFlag::Compromised => "compromised",
            AlertFlag::DisclosureMissing => "disclosure_missing",
        }
    }

    pub fn parse(raw: &str) -> Option<AlertFlag> {
        AlertFlag::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// The alert's title; `{site}` is the site's address.
    pub fn title(self, site: &str) -> String {
        match self {
            AlertFlag::Down => format!("Website {site} không truy cập được"),
            AlertFlag::CertExpired => format!("Chứng chỉ bảo mật của {site} đã hết hạn"),
            AlertFlag::CertSoon => format!("Chứng chỉ bảo mật của {site} sắp hết hạn"),
            AlertFlag::Compromised => format!("Website {site} có dấu hiệu bị tấn công"),
            AlertFlag::DisclosureMissing => format!("Website {site} thiếu mục Công khai"),
        }
    }

    /// What to do, one sentence.
    pub fn advice(self) -> &'static str {
        match self {
            AlertFlag::Down => {
                "Người xem đang không mở được website. Hãy kiểm tra máy chủ, tên miền hoặc liên hệ nhà cung cấp dịch vụ."
            }
            AlertFlag::CertExpired => {
                "Trình duyệt đang cảnh báo người xem là website không an toàn. Hãy gia hạn chứng chỉ ngay."
            }
            AlertFlag::CertSoon => "Hãy gia hạn chứng chỉ trước ngày hết hạn để người xem không gặp cảnh báo.",
            AlertFlag::Compromised => {
                "Đây là sự cố an toàn thông tin: trường cần làm theo hướng dẫn xử lý và đổi mật khẩu quản trị ngay; Phòng/Sở theo dõi và hỗ trợ."
            }
            AlertFlag::DisclosureMissing => "Website cần có mục Công khai đủ nội dung theo Thông tư 09/2024/TT-BGDĐT.",
        }
    }
}

/// The conditions a site is in after a run.
pub fn alert_flags(
    reachable: bool,
    cert_days_left: Option<i64>,
    compromised: bool,
    disclosure_gap: bool,
) -> BTreeSet<AlertFlag> {
    let mut flags = BTreeSet::new();
    if !reachable {
        flags.insert(AlertFlag::Down);
    }
    match cert_days_left {
        Some(d) if d < 0 => {
            flags.insert(AlertFlag::CertExpired);
        }
        Some(d) if d <= ALERT_CERT_DAYS => {
            flags.insert(AlertFlag::CertSoon);
        }
        _ => {}
    }
    if compromised {
        flags.insert(AlertFlag::Compromised);
    }
    if disclosure_gap {
        flags.insert(AlertFlag::DisclosureMissing);
    }
    flags
}

/// Certificates expiring within this many days raise an alert (the 14 days; the
/// standard's warning days only decide the finding).
pub const ALERT_CERT_DAYS: i64 = 14;

/// What changed between two sets of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    Started(AlertFlag),
    BackToNormal,
}

/// New conditions raise their alert; when every condition has ended, one "back to normal".
/// A check run knows only reachability, so `known` limits which flags it may change.
pub fn alert_changes(before: &BTreeSet<AlertFlag>, after: &BTreeSet<AlertFlag>) -> Vec<AlertChange> {
    let mut out: Vec<AlertChange> = after
        .difference(before)
        // Expired replaces "expiring soon": no second alert for the same certificate going down.
        .filter(|f| !(**f == AlertFlag::CertSoon && before.contains(&AlertFlag::CertExpired)))
        .map(|f| AlertChange::Started(*f))
        .collect();
    if after.is_empty() && !before.is_empty() {
        out.push(AlertChange::BackToNormal);
    }
    out
}

pub fn flags_text(flags: &BTreeSet<AlertFlag>) -> String {
    flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
}

pub fn parse_flags(raw: &str) -> BTreeSet<AlertFlag> {
    raw.split(',').filter_map(AlertFlag::parse).collect()
}

/// Minutes until the next reachability check: the site's interval, doubled for each failure
/// in a row (up to 32×), never more than a day, so a dead host is not knocked on every hour.
pub fn check_backoff_minutes(interval_minutes: i64, consecutive_failures: i64) -> i64 {
    let shift = consecutive_failures.clamp(0, 5);
    (interval_minutes.max(1) << shift).min(24 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised_and_bad_ones_refused_with_a_reason() {
        assert_eq!(
            normalize_site_url(" THCS-A.edu.vn ").unwrap(),
            ("https://thcs-a.edu.vn/".to_string(), "thcs-a.edu.vn".to_string())
        );
        assert_eq!(
            normalize_site_url("http://Truong.EDU.vn:80/tin-tuc#top").unwrap().0,
            "http://truong.edu.vn/tin-tuc"
        );
        assert_eq!(
            normalize_site_url("ftp://x.vn"),
            Err(SiteUrlError::Scheme("ftp://x.vn".into()))
        );
        assert_eq!(normalize_site_url(""), Err(SiteUrlError::Empty));
        assert_eq!(normalize_site_url("https://a:b@x.vn"), Err(SiteUrlError::Credentials));
        assert!(matches!(normalize_site_url("http://"), Err(SiteUrlError::Invalid(_))));
        assert_eq!(
            normalize_site_url("https://www.facebook.com/thcs.a"),
            Err(SiteUrlError::SocialAccount)
        );
        assert!(SiteUrlError::Scheme("ftp://x".into()).to_string().contains("http://"));
    }

    #[test]
    fn scheme_typos_are_recognised_and_the_address_suggested() {
        for (typed, meant) in [
            ("htps//truong.edu.vn", "https://truong.edu.vn"),
            ("htps://truong.edu.vn", "https://truong.edu.vn"),
            ("htp://truong.edu.vn", "http://truong.edu.vn"),
            ("http//truong.edu.vn", "http://truong.edu.vn"),
            ("https//truong.edu.vn/tin-tuc", "https://truong.edu.vn/tin-tuc"),
            ("hhtps://truong.edu.vn", "https://truong.edu.vn"),
            ("https:/truong.edu.vn", "https://truong.edu.vn"),
            ("https:truong.edu.vn", "https://truong.edu.vn"),
            ("ttps://truong.edu.vn", "https://truong.edu.vn"),
            ("htttps://truong.edu.vn", "https://truong.edu.vn"),
            ("HTTPS///truong.edu.vn", "https://truong.edu.vn"),
            ("https:\\\\truong.edu.vn", "https://truong.edu.vn"),
            ("hptts://truong.edu.vn", "https://truong.edu.vn"),
        ] {
            let err = normalize_site_url(typed).unwrap_err();
            assert_eq!(
                err,
                SiteUrlError::SchemeTypo {
                    entered: typed.to_string(),
                    suggestion: meant.to_string()
                },
                "{typed}"
            );
            let text = err.to_string();
            assert!(text.contains(&format!("Có phải bạn muốn nhập {meant}?")), "{text}");
        }
        // Right addresses, bare hosts, ports and real other schemes are not typos.
        for fine in [
            "https://truong.edu.vn",
            "http://truong.edu.vn",
            "truong.edu.vn",
            "localhost:8080",
            "htp.edu.vn",
            "ftp://x.vn",
            "mailto:a@b.vn",
        ] {
            assert_eq!(scheme_typo_suggestion(fine), None, "{fine}");
        }
        assert!(matches!(normalize_site_url("ftp://x.vn"), Err(SiteUrlError::Scheme(_))));
    }

    #[test]
    fn the_state_is_the_worst_open_finding_then_reachability_then_the_verdict() {
        assert!(SiteState::Compromised < SiteState::Down);
        assert!(SiteState::Down < SiteState::CertificateExpired);
        assert!(SiteState::CertificateExpired < SiteState::FailsStandard);
        assert!(SiteState::FailsStandard < SiteState::Fine);
        assert!(SiteState::Fine < SiteState::NotYetInspected);
        let ranks: Vec<i64> = SiteState::ALL.iter().map(|s| s.rank()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        for s in SiteState::ALL {
            assert_eq!(SiteState::parse(s.as_str()), Some(s));
            assert!(!s.label().is_empty() && !s.explanation().is_empty());
        }
        // A hacked site with a perfect header grade is compromised, whatever the verdict said.
        assert_eq!(
            SiteState::derive(Some(true), Some(true), ["malicious_redirect"]),
            SiteState::Compromised
        );
        assert_eq!(
            SiteState::derive(Some(false), Some(false), ["spam_hidden", "unreachable"]),
            SiteState::Compromised
        );
        assert_eq!(SiteState::derive(Some(false), None, []), SiteState::Down);
        assert_eq!(
            SiteState::derive(Some(true), Some(true), ["unreachable"]),
            SiteState::Down
        );
        assert_eq!(
            SiteState::derive(Some(true), Some(false), ["tls_expired", "stale_content"]),
            SiteState::CertificateExpired
        );
        assert_eq!(
            SiteState::derive(Some(true), Some(false), ["no_https"]),
            SiteState::FailsStandard
        );
        assert_eq!(
            SiteState::derive(Some(true), Some(true), ["broken_external_link", "a_newer_code"]),
            SiteState::Fine
        );
        assert_eq!(SiteState::derive(None, None, []), SiteState::NotYetInspected);
        assert_eq!(SiteState::derive(Some(true), None, []), SiteState::NotYetInspected);
        // Every code is placed (the match is exhaustive); the compromise group is exactly the
        // compromised state.
        for code in FindingCode::ALL {
            assert_eq!(
                SiteState::of_finding(code) == Some(SiteState::Compromised),
                code.is_compromise(),
                "{code:?}"
            );
        }
    }

    #[test]
    fn kinds_parse_from_codes_and_labels() {
        assert_eq!(SiteKind::parse("dien dan"), Some(SiteKind::Forum));
        assert_eq!(SiteKind::parse("Blog"), Some(SiteKind::Blog));
        assert_eq!(SiteKind::parse(""), Some(SiteKind::Website));
        assert_eq!(SiteKind::parse("facebook"), None);
    }

    #[test]
    fn groups_cover_the_codes() {
        assert_eq!(CheckGroup::of("tls_expired"), Some(CheckGroup::Https));
        assert_eq!(CheckGroup::of("no_https"), Some(CheckGroup::Https));
        assert_eq!(CheckGroup::of("mixed_content"), Some(CheckGroup::Software));
        assert_eq!(CheckGroup::of("spam_hidden"), Some(CheckGroup::Compromise));
        assert_eq!(CheckGroup::of("unreachable"), Some(CheckGroup::Reachability));
        assert_eq!(CheckGroup::of("disclosure_incomplete"), Some(CheckGroup::Disclosure));
        assert_eq!(CheckGroup::of("a_code_from_a_newer_inspector"), None);
        // An unknown code is never dropped by switching a group off.
        let mut rules = StandardRules::default();
        rules.checks.remove(&CheckGroup::Links);
        assert!(rules.counts("a_code_from_a_newer_inspector", ""));
        assert!(!rules.counts("broken_external_link", ""));
    }

    #[test]
    fn the_default_standard_is_valid_and_mandatory_groups_stay_on() {
        let rules = StandardRules::default();
        assert!(rules.validate().is_empty());
        let mut bad = rules.clone();
        bad.checks.remove(&CheckGroup::Compromise);
        bad.min_header_grade = "Z".into();
        bad.stale_after_days = 1;
        assert_eq!(bad.validate().len(), 3);
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(serde_json::from_str::<StandardRules>(&json).unwrap(), rules);
    }

    #[test]
    fn what_counts_under_a_standard() {
        let mut rules = StandardRules {
            required_disclosure: vec!["Tài chính".into()],
            ..Default::default()
        };
        assert!(rules.counts("disclosure_incomplete", "thiếu: Tài chính, Đội ngũ"));
        assert!(!rules.counts("disclosure_incomplete", "thiếu: Đội ngũ"));
        rules.checks.remove(&CheckGroup::Links);
        assert!(!rules.counts("broken_internal_link", ""));
        assert!(rules.grade_too_low(Some("D")));
        assert!(!rules.grade_too_low(Some("B+")));
        assert!(!rules.grade_too_low(None));
        assert!(meets_standard(true, [("broken_internal_link", "low")]));
        assert!(!meets_standard(true, [("tls_expired", "critical")]));
        assert!(!meets_standard(true, [("disclosure_incomplete", "low")]));
        assert!(!meets_standard(false, []));
    }

    #[test]
    fn alerts_fire_on_changes_only() {
        let none = BTreeSet::new();
        let down = alert_flags(false, None, false, false);
        assert_eq!(alert_changes(&none, &down), vec![AlertChange::Started(AlertFlag::Down)]);
        assert!(alert_changes(&down, &down).is_empty(), "still down: nothing new");
        assert_eq!(alert_changes(&down, &none), vec![AlertChange::BackToNormal]);
        let soon = alert_flags(true, Some(10), false, false);
        assert_eq!(soon, BTreeSet::from([AlertFlag::CertSoon]));
        assert!(alert_flags(true, Some(20), false, false).is_empty());
        let expired = alert_flags(true, Some(-1), false, false);
        assert_eq!(
            alert_changes(&soon, &expired),
            vec![AlertChange::Started(AlertFlag::CertExpired)]
        );
        assert_eq!(parse_flags(&flags_text(&down)), down);
        assert_eq!(parse_flags(""), none);
    }

    #[test]
    fn failing_sites_back_off_up_to_a_day() {
        assert_eq!(check_backoff_minutes(60, 0), 60);
        assert_eq!(check_backoff_minutes(60, 1), 120);
        assert_eq!(check_backoff_minutes(60, 3), 480);
        assert_eq!(check_backoff_minutes(60, 40), 1440);
    }
}
