//! The activity log: what staff did for the plan, who came, and the evidence they keep.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::plan::{PlanContent, parse_date, school_year_bounds};
use crate::school_year::SchoolYear;
use crate::text::clean_line;
use crate::unit::SchoolLevel;

/// The kinds of activity the plan asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Talk,
    Training,
    Campaign,
    ParentMeeting,
    WebPost,
    PartnerWork,
    PhoneRules,
    StoryPost,
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 9] = [
        ActivityKind::Talk,
        ActivityKind::Training,
        ActivityKind::Campaign,
        ActivityKind::ParentMeeting,
        ActivityKind::WebPost,
        ActivityKind::PartnerWork,
        ActivityKind::PhoneRules,
        ActivityKind::StoryPost,
        ActivityKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Talk => "talk",
            ActivityKind::Training => "training",
            ActivityKind::Campaign => "campaign",
            ActivityKind::ParentMeeting => "parent_meeting",
            ActivityKind::WebPost => "web_post",
            ActivityKind::PartnerWork => "partner_work",
            ActivityKind::PhoneRules => "phone_rules",
            ActivityKind::StoryPost => "story_post",
            ActivityKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Talk => "Nói chuyện chuyên đề",
            ActivityKind::Training => "Tập huấn",
            ActivityKind::Campaign => "Đợt tuyên truyền",
            ActivityKind::ParentMeeting => "Họp cha mẹ học sinh",
            ActivityKind::WebPost => "Tin, bài trên website, diễn đàn",
            ActivityKind::PartnerWork => "Phối hợp với đơn vị bạn",
            ActivityKind::PhoneRules => "Buổi phổ biến quy định dùng điện thoại",
            ActivityKind::StoryPost => "Giới thiệu tấm gương tiêu biểu",
            ActivityKind::Other => "Hoạt động khác",
        }
    }

    /// The plan task an activity of this kind serves when the person logging it named none.
    pub fn usual_task(self) -> Option<&'static str> {
        match self {
            ActivityKind::Talk => Some("II.1.d"),
            ActivityKind::Training => Some("II.2.b"),
            ActivityKind::Campaign => Some("II.1.c"),
            ActivityKind::ParentMeeting => Some("II.3.c"),
            ActivityKind::WebPost => Some("II.1.a"),
            ActivityKind::PartnerWork => Some("II.2.d"),
            ActivityKind::PhoneRules => Some("II.1.c"),
            ActivityKind::StoryPost => Some("II.1.b"),
            // Flag-salute talks, class hours: lessons on using the Internet safely.
            ActivityKind::Other => Some("II.2.a"),
        }
    }
}

/// Who took part. Pupils are counted by grade band; `pupils_other` holds pupils whose band was
/// not given (the API accepts a plain total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub teachers: u32,
    pub staff: u32,
    pub pupils_g1_2: u32,
    pub pupils_g3_5: u32,
    pub pupils_g6_7: u32,
    pub pupils_g8_9: u32,
    pub pupils_other: u32,
    pub parents: u32,
}

impl Audience {
    pub fn pupils(&self) -> u64 {
        [
            self.pupils_g1_2,
            self.pupils_g3_5,
            self.pupils_g6_7,
            self.pupils_g8_9,
            self.pupils_other,
        ]
        .iter()
        .map(|&n| u64::from(n))
        .sum()
    }

    pub fn total(&self) -> u64 {
        self.pupils() + u64::from(self.teachers) + u64::from(self.staff) + u64::from(self.parents)
    }
}

/// A band of grades in which pupils are counted: primary grades 1–2 and 3–5, lower secondary
/// grades 6–7 and 8–9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PupilBand {
    G1To2,
    G3To5,
    G6To7,
    G8To9,
}

impl PupilBand {
    pub const ALL: [PupilBand; 4] = [PupilBand::G1To2, PupilBand::G3To5, PupilBand::G6To7, PupilBand::G8To9];

    /// The band's name in [`AUDIENCE_FIELDS`] (and in the form and the API).
    pub fn field(self) -> &'static str {
        match self {
            PupilBand::G1To2 => "pupils_g1_2",
            PupilBand::G3To5 => "pupils_g3_5",
            PupilBand::G6To7 => "pupils_g6_7",
            PupilBand::G8To9 => "pupils_g8_9",
        }
    }

    pub fn from_field(field: &str) -> Option<PupilBand> {
        PupilBand::ALL.into_iter().find(|b| b.field() == field)
    }

    pub fn label(self) -> &'static str {
        match self {
            PupilBand::G1To2 => "lớp 1–2",
            PupilBand::G3To5 => "lớp 3–5",
            PupilBand::G6To7 => "lớp 6–7",
            PupilBand::G8To9 => "lớp 8–9",
        }
    }

    fn count(self, audience: &Audience) -> u32 {
        match self {
            PupilBand::G1To2 => audience.pupils_g1_2,
            PupilBand::G3To5 => audience.pupils_g3_5,
            PupilBand::G6To7 => audience.pupils_g6_7,
            PupilBand::G8To9 => audience.pupils_g8_9,
        }
    }
}

/// Whether a school of this level has pupils in the band. A school whose level is not recorded
/// may have any: nothing is refused on a guess.
pub fn teaches_band(level: Option<SchoolLevel>, band: PupilBand) -> bool {
    let primary = matches!(band, PupilBand::G1To2 | PupilBand::G3To5);
    match level {
        Some(SchoolLevel::Primary) => primary,
        Some(SchoolLevel::LowerSecondary) => !primary,
        Some(SchoolLevel::Combined) | None => true,
    }
}

/// The bands a school of this level counts its pupils in, in order.
pub fn bands_for(level: Option<SchoolLevel>) -> Vec<PupilBand> {
    PupilBand::ALL.into_iter().filter(|b| teaches_band(level, *b)).collect()
}

/// The largest count one activity may claim for one group: a typo guard, far above any school.
pub const MAX_AUDIENCE: u32 = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivityError {
    #[error("Loại hoạt động không hợp lệ: «{0}».")]
    Kind(String),
    #[error("Tên hoạt động không được để trống.")]
    EmptyTitle,
    #[error("{0} quá dài (tối đa {1} ký tự).")]
    TooLong(&'static str, usize),
    #[error("Ngày không hợp lệ: «{0}» (dùng dạng 15/10/2026).")]
    Date(String),
    #[error("Ngày {0} nằm ngoài năm học {1} của kế hoạch.")]
    DateOutsideYear(String, String),
    #[error("Số người tham dự «{0}» không hợp lệ: nhập số nguyên từ 0 đến {max}.", max = MAX_AUDIENCE)]
    Count(String),
    #[error("Nhiệm vụ {0} không có trong kế hoạch.")]
    UnknownTask(String),
    #[error(
        "Số người của trường tham dự ({people}) lớn hơn tổng số cán bộ, giáo viên, nhân viên và học sinh của trường ({size})."
    )]
    MoreThanSchool { people: u64, size: u32 },
    #[error(
        "Trường {level} không có học sinh {band}: hãy để trống ô này, hoặc ghi số học sinh vào đúng khối lớp của trường."
    )]
    BandNotTaught { band: &'static str, level: String },
}

/// An activity as typed, before parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityInput {
    pub kind: String,
    pub tasks: Vec<String>,
    pub held_on: String,
    pub title: String,
    pub audience: [String; 8],
    pub partner: String,
    pub description: String,
}

/// An activity parsed into domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFields {
    pub kind: ActivityKind,
    pub tasks: Vec<String>,
    pub held_on: Date,
    pub title: String,
    pub audience: Audience,
    pub partner: String,
    pub description: String,
}

/// Field names of [`ActivityInput::audience`], in order.
pub const AUDIENCE_FIELDS: [&str; 8] = [
    "teachers",
    "staff",
    "pupils_g1_2",
    "pupils_g3_5",
    "pupils_g6_7",
    "pupils_g8_9",
    "pupils_other",
    "parents",
];

fn parse_count(raw: &str) -> Result<u32, ActivityError> {
    let t = raw.trim().replace(['.', ' '], "");
    if t.is_empty() {
        return Ok(0);
    }
    match t.parse::<u32>() {
        Ok(n) if n <= MAX_AUDIENCE => Ok(n),
        _ => Err(ActivityError::Count(raw.trim().to_string())),
    }
}

impl ActivityInput {
    /// Parses every field; the first problem of each field is reported, field by field.
    pub fn parse(
        &self,
        plan: &PlanContent,
        year: SchoolYear,
    ) -> Result<ActivityFields, Vec<(&'static str, ActivityError)>> {
        let mut errors = Vec::new();
        let kind = ActivityKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(("kind", ActivityError::Kind(self.kind.trim().to_string())));
        }
        let mut tasks = Vec::new();
        for t in self.tasks.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            match plan.task(t) {
                Some(task) if !tasks.contains(&task.code) => tasks.push(task.code.clone()),
                Some(_) => {}
                None => errors.push(("tasks", ActivityError::UnknownTask(t.to_string()))),
            }
        }
        let held_on = match parse_date(&self.held_on) {
            Ok(d) => {
                let (start, end) = school_year_bounds(year);
                if d < start || d > end {
                    errors.push((
                        "held_on",
                        ActivityError::DateOutsideYear(self.held_on.trim().to_string(), year.label()),
                    ));
                }
                Some(d)
            }
            Err(_) => {
                errors.push(("held_on", ActivityError::Date(self.held_on.trim().to_string())));
                None
            }
        };
        let title = clean_line(&self.title);
        if title.is_empty() {
            errors.push(("title", ActivityError::EmptyTitle));
        } else if title.chars().count() > 300 {
            errors.push(("title", ActivityError::TooLong("Tên hoạt động", 300)));
        }
        let mut counts = [0u32; 8];
        for (i, raw) in self.audience.iter().enumerate() {
            match parse_count(raw) {
                Ok(n) => counts[i] = n,
                Err(e) => errors.push((AUDIENCE_FIELDS[i], e)),
            }
        }
        let partner = clean_line(&self.partner);
        if partner.chars().count() > 300 {
            errors.push(("partner", ActivityError::TooLong("Đơn vị phối hợp", 300)));
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 5000 {
            errors.push(("description", ActivityError::TooLong("Mô tả", 5000)));
        }
        match (kind, held_on) {
            (Some(kind), Some(held_on)) if errors.is_empty() => Ok(ActivityFields {
                kind,
                tasks,
                held_on,
                title,
                audience: Audience {
                    teachers: counts[0],
                    staff: counts[1],
                    pupils_g1_2: counts[2],
                    pupils_g3_5: counts[3],
                    pupils_g6_7: counts[4],
                    pupils_g8_9: counts[5],
                    pupils_other: counts[6],
                    parents: counts[7],
                },
                partner,
                description,
            }),
            _ => Err(errors),
        }
    }
}

impl Audience {
    /// Pupils counted in bands the school does not teach (a primary school has no grade 7):
    /// each such band with its field and the problem.
    pub fn check_bands(&self, level: Option<SchoolLevel>) -> Vec<(&'static str, ActivityError)> {
        PupilBand::ALL
            .into_iter()
            .filter(|b| b.count(self) > 0 && !teaches_band(level, *b))
            .map(|b| {
                (
                    b.field(),
                    ActivityError::BandNotTaught {
                        band: b.label(),
                        level: match level {
                            Some(SchoolLevel::Primary) => "tiểu học".to_string(),
                            Some(l) => l.label().to_string(),
                            None => String::new(),
                        },
                    },
                )
            })
            .collect()
    }

    /// An activity's people from the school (everyone but parents) cannot outnumber the school.
    pub fn check_school_size(&self, school_size: Option<u32>) -> Result<(), ActivityError> {
        match school_size {
            Some(size) if self.total() - u64::from(self.parents) > u64::from(size) => {
                Err(ActivityError::MoreThanSchool {
                    people: self.total() - u64::from(self.parents),
                    size,
                })
            }
            _ => Ok(()),
        }
    }
}

/// What the indicator rules need to know about one logged activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFacts {
    pub kind: ActivityKind,
    pub tasks: Vec<String>,
    pub audience: Audience,
}

impl ActivityFacts {
    /// The tasks it counts for: those named, or its kind's usual task.
    pub fn effective_tasks(&self) -> Vec<&str> {
        if self.tasks.is_empty() {
            self.kind.usual_task().into_iter().collect()
        } else {
            self.tasks.iter().map(String::as_str).collect()
        }
    }
}

/// Largest evidence file.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

/// Evidence file types, recognised by their content, not by their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceType {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Docx,
    Xlsx,
}

impl EvidenceType {
    pub const ALL: [EvidenceType; 7] = [
        EvidenceType::Pdf,
        EvidenceType::Png,
        EvidenceType::Jpeg,
        EvidenceType::Gif,
        EvidenceType::Webp,
        EvidenceType::Docx,
        EvidenceType::Xlsx,
    ];

    /// The type stored as this content type, if it is one of ours.
    pub fn from_content_type(content_type: &str) -> Option<EvidenceType> {
        EvidenceType::ALL.into_iter().find(|t| t.content_type() == content_type)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "application/pdf",
            EvidenceType::Png => "image/png",
            EvidenceType::Jpeg => "image/jpeg",
            EvidenceType::Gif => "image/gif",
            EvidenceType::Webp => "image/webp",
            EvidenceType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            EvidenceType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// What the content is, as the refusal of a misnamed file says it.
    pub fn noun(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "PDF",
            EvidenceType::Png => "ảnh PNG",
            EvidenceType::Jpeg => "ảnh JPEG",
            EvidenceType::Gif => "ảnh GIF",
            EvidenceType::Webp => "ảnh WebP",
            EvidenceType::Docx => "văn bản Word (DOCX)",
            EvidenceType::Xlsx => "bảng tính Excel (XLSX)",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            EvidenceType::Png | EvidenceType::Jpeg | EvidenceType::Gif | EvidenceType::Webp
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("Tệp «{0}» lớn hơn 10 MB.")]
    TooLarge(String),
    #[error("Tệp «{0}» trống.")]
    Empty(String),
    #[error(
        "Tệp «{0}» không phải PDF, ảnh (PNG, JPEG, GIF, WebP), DOCX hay XLSX. Hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên."
    )]
    WrongType(String),
    #[error("Tên tệp «{0}» có dấu gạch chéo hoặc ký tự điều khiển; hãy đổi tên tệp rồi gửi lại.")]
    BadName(String),
    #[error(
        "Tệp «{name}» có đuôi .{extension} nhưng nội dung là {content}; hãy đổi tên cho đúng loại tệp rồi gửi lại."
    )]
    Mismatch {
        name: String,
        extension: String,
        content: &'static str,
    },
    #[error(
        "Tệp «{0}» còn chứa một tệp khác hoặc mã trang web bên trong (tệp lai), nên không được nhận; hãy mở tệp rồi lưu thành tệp mới."
    )]
    Polyglot(String),
    #[error(
        "Liên kết «{0}» không hợp lệ: hãy dán địa chỉ trang, ví dụ https://truong.edu.vn/bai-viet (có thể bỏ https://)."
    )]
    BadLink(String),
}

/// Recognises an evidence file by its first bytes. A DOCX and an XLSX are both ZIP files; the
/// part names inside tell them apart (their names sit in the ZIP's local headers near the start
/// and in the central directory at the end, so both ends are searched).
///
/// The name is checked too, since it is shown and sent back on download: a name with a path or
/// control characters is refused (browsers send the bare name), as is a name that promises
/// another kind of file than the content ("anh.png" holding a PDF; one image format named as
/// another is only a common slip and passes) or active content (".html", ".svg", ".exe"). A file
/// that is two files at once (an image or PDF with a ZIP archive or web page inside) is refused.
pub fn sniff_evidence(name: &str, bytes: &[u8]) -> Result<EvidenceType, EvidenceError> {
    let shown = clean_file_name(name);
    if name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err(EvidenceError::BadName(shown));
    }
    if bytes.is_empty() {
        return Err(EvidenceError::Empty(shown));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge(shown));
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let kind = if starts(b"%PDF-") {
        Some(EvidenceType::Pdf)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(EvidenceType::Png)
    } else if starts(b"\xff\xd8\xff") {
        Some(EvidenceType::Jpeg)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(EvidenceType::Gif)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(EvidenceType::Webp)
    } else if starts(b"PK\x03\x04") {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if has(b"[Content_Types].xml") && has(b"word/") {
            Some(EvidenceType::Docx)
        } else if has(b"[Content_Types].xml") && has(b"xl/") {
            Some(EvidenceType::Xlsx)
        } else {
            None
        }
    } else {
        None
    };
    let kind = kind.ok_or_else(|| EvidenceError::WrongType(shown.clone()))?;
    if let Some((_, extension)) = name.rsplit_once('.') {
        let extension = extension.to_ascii_lowercase();
        let promised = match extension.as_str() {
            "pdf" => Some(Family::Pdf),
            "png" | "jpg" | "jpeg" | "jpe" | "jfif" | "gif" | "webp" => Some(Family::Image),
            "docx" => Some(Family::Docx),
            "xlsx" => Some(Family::Xlsx),
            _ => None,
        };
        let active = ACTIVE_EXTENSIONS.contains(&extension.as_str());
        if active || promised.is_some_and(|f| f != Family::of(kind)) {
            return Err(EvidenceError::Mismatch {
                name: shown,
                extension,
                content: kind.noun(),
            });
        }
    }
    if !matches!(kind, EvidenceType::Docx | EvidenceType::Xlsx) && is_polyglot(bytes) {
        return Err(EvidenceError::Polyglot(shown));
    }
    Ok(kind)
}

/// Extensions of files a browser or a computer would run: never evidence, whatever they hold.
const ACTIVE_EXTENSIONS: &[&str] = &[
    "htm", "html", "xhtml", "shtml", "svg", "svgz", "xml", "js", "mjs", "hta", "php", "exe", "dll", "com", "scr",
    "bat", "cmd", "msi", "ps1", "vbs", "jar", "apk", "sh",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Pdf,
    Image,
    Docx,
    Xlsx,
}

impl Family {
    fn of(kind: EvidenceType) -> Family {
        match kind {
            EvidenceType::Pdf => Family::Pdf,
            EvidenceType::Png | EvidenceType::Jpeg | EvidenceType::Gif | EvidenceType::Webp => Family::Image,
            EvidenceType::Docx => Family::Docx,
            EvidenceType::Xlsx => Family::Xlsx,
        }
    }
}

/// Whether an image or PDF is also something else: a ZIP archive appended (its end record sits
/// in the last 64 KiB), or a web page or script in its first KiB, where a browser that guesses
/// the type would find it.
fn is_polyglot(bytes: &[u8]) -> bool {
    // The end record is 22 bytes plus a comment of at most 65,535.
    let tail = &bytes[bytes.len().saturating_sub(22 + 65_535)..];
    if tail.windows(4).any(|w| w == b"PK\x05\x06") {
        return true;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    ["<html", "<script", "<svg", "<iframe", "<!doctype", "<?php", "<body"]
        .iter()
        .any(|m| head.contains(m))
}

/// A link given as evidence: http(s) only, at most 2,000 characters. An address typed without
/// its scheme ("truong.edu.vn/bai-viet", as people copy it from the address bar) is read as
/// https://; one with another scheme, or no host that looks like a domain, is refused.
pub fn parse_evidence_link(raw: &str) -> Result<String, EvidenceError> {
    let raw = raw.trim();
    let bad = || EvidenceError::BadLink(raw.chars().take(100).collect());
    let with_scheme;
    let candidate = if has_scheme(raw) {
        raw
    } else {
        // Without a scheme the first part must be a host name with a dot: "bai viet" or
        // "localhost" are not links anyone meant.
        let host = raw.split(['/', '?', '#']).next().unwrap_or_default();
        let name = host.split(':').next().unwrap_or_default();
        if !name.contains('.') || name.starts_with('.') || name.ends_with('.') || raw.contains(char::is_whitespace) {
            return Err(bad());
        }
        with_scheme = format!("https://{raw}");
        &with_scheme
    };
    match url::Url::parse(candidate) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && raw.len() <= 2000 => {
            Ok(u.to_string())
        }
        _ => Err(bad()),
    }
}

/// "https:", "javascript:" (any scheme) but not "truong.edu.vn:8080", a host and its port.
fn has_scheme(raw: &str) -> bool {
    match raw.split_once(':') {
        Some((scheme, rest)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// A file name safe to show and to send back in Content-Disposition.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(150)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() { "tep".into() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_template::BUILTIN;

    fn input() -> ActivityInput {
        ActivityInput {
            kind: "talk".into(),
            tasks: vec!["II.1.d".into()],
            held_on: "15/10/2026".into(),
            title: "  Nói chuyện   về an toàn mạng ".into(),
            audience: [
                "3".into(),
                "".into(),
                "120".into(),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
                "10".into(),
            ],
            partner: "Công an phường".into(),
            description: String::new(),
        }
    }

    #[test]
    fn activities_parse_and_report_every_bad_field() {
        let plan = PlanContent::from_template(&BUILTIN);
        let year = SchoolYear { start_year: 2026 };
        let a = input().parse(&plan, year).unwrap();
        assert_eq!(a.title, "Nói chuyện về an toàn mạng");
        assert_eq!(a.audience.pupils(), 120);
        assert_eq!(a.audience.total(), 133);
        let bad = ActivityInput {
            kind: "party".into(),
            tasks: vec!["II.9".into()],
            held_on: "15/10/2025".into(),
            title: " ".into(),
            audience: [
                "-1".into(),
                "x".into(),
                "100001".into(),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
            ],
            ..input()
        };
        let errors = bad.parse(&plan, year).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        for f in ["kind", "tasks", "held_on", "title", "teachers", "staff", "pupils_g1_2"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn kinds_round_trip_and_usual_tasks_exist() {
        let plan = PlanContent::from_template(&BUILTIN);
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(k.as_str()), Some(k));
            if let Some(t) = k.usual_task() {
                assert!(plan.task(t).is_some(), "{t}");
            }
        }
    }

    #[test]
    fn evidence_is_recognised_by_content() {
        assert_eq!(sniff_evidence("a.pdf", b"%PDF-1.7 ...").unwrap(), EvidenceType::Pdf);
        assert_eq!(
            sniff_evidence("a.jpg", b"\x89PNG\r\n\x1a\nxxxx").unwrap(),
            EvidenceType::Png
        );
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml".to_vec();
        assert_eq!(sniff_evidence("a.docx", &docx).unwrap(), EvidenceType::Docx);
        let xlsx = b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml".to_vec();
        assert_eq!(sniff_evidence("a.xlsx", &xlsx).unwrap(), EvidenceType::Xlsx);
        assert!(matches!(
            sniff_evidence("virus.pdf", b"MZ\x90\x00"),
            Err(EvidenceError::WrongType(_))
        ));
        assert!(matches!(
            sniff_evidence("x.zip", b"PK\x03\x04 plain zip"),
            Err(EvidenceError::WrongType(_))
        ));
        assert!(matches!(sniff_evidence("e.pdf", b""), Err(EvidenceError::Empty(_))));
        let big = vec![b'%'; MAX_EVIDENCE_BYTES + 1];
        assert!(matches!(
            sniff_evidence("big.pdf", &big),
            Err(EvidenceError::TooLarge(_))
        ));
        assert!(parse_evidence_link("https://thcs-anbinh.edu.vn/tin/1").is_ok());
        assert!(parse_evidence_link("javascript:alert(1)").is_err());
    }

    #[test]
    fn misnamed_polyglot_and_pathed_evidence_is_refused() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        // A PDF named as an image, an image named as a page or a program.
        let err = sniff_evidence("anh.PNG", pdf).unwrap_err();
        assert!(err.to_string().contains("đuôi .png nhưng nội dung là PDF"), "{err}");
        assert!(matches!(
            sniff_evidence("anh.html", gif),
            Err(EvidenceError::Mismatch { .. })
        ));
        assert!(matches!(
            sniff_evidence("anh.gif.exe", gif),
            Err(EvidenceError::Mismatch { .. })
        ));
        // One image format named as another is a common slip; no extension says nothing.
        assert_eq!(sniff_evidence("anh.jpg", gif).unwrap(), EvidenceType::Gif);
        assert_eq!(sniff_evidence("bien ban", pdf).unwrap(), EvidenceType::Pdf);
        assert_eq!(sniff_evidence("Kế hoạch 2026.10", pdf).unwrap(), EvidenceType::Pdf);
        // Two files in one: an archive appended, a page inside.
        let mut with_zip = gif.to_vec();
        with_zip.extend_from_slice(b"PK\x03\x04....PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
        assert!(matches!(
            sniff_evidence("anh.gif", &with_zip),
            Err(EvidenceError::Polyglot(_))
        ));
        let mut with_page = pdf.to_vec();
        with_page.extend_from_slice(b"<HTML><Script>alert(1)</script>");
        let err = sniff_evidence("a.pdf", &with_page).unwrap_err();
        assert!(err.to_string().contains("tệp lai"), "{err}");
        // Paths and control characters in the name; the refusal shows a cleaned name.
        for name in [
            "../../etc/passwd.pdf",
            "C:\\x\\a.pdf",
            "a\tb.pdf",
            "a\u{0}.pdf",
            "a\u{202e}fdp.exe",
        ] {
            let result = sniff_evidence(name, pdf);
            if name.contains('\u{202e}') {
                // Not a control character but a format one: the extension decides.
                assert!(
                    matches!(result, Err(EvidenceError::Mismatch { .. })),
                    "{name:?}: {result:?}"
                );
                continue;
            }
            let err = result.unwrap_err();
            assert!(matches!(err, EvidenceError::BadName(_)), "{name:?}: {err:?}");
            assert!(!err.to_string().contains(['\t', '\u{0}', '/', '\\']), "{err}");
        }
    }

    #[test]
    fn evidence_link_without_scheme_gets_https() {
        assert_eq!(
            parse_evidence_link(" truong.edu.vn/bai-viet ").unwrap(),
            "https://truong.edu.vn/bai-viet"
        );
        assert_eq!(
            parse_evidence_link("www.facebook.com/thcs.anbinh/posts/1").unwrap(),
            "https://www.facebook.com/thcs.anbinh/posts/1"
        );
        assert_eq!(
            parse_evidence_link("truong.edu.vn:8080/a").unwrap(),
            "https://truong.edu.vn:8080/a"
        );
        assert_eq!(
            parse_evidence_link("http://truong.edu.vn/").unwrap(),
            "http://truong.edu.vn/"
        );
        for bad in [
            "bai viet hay",
            "localhost/x",
            "javascript:alert(document.cookie)",
            "ftp://truong.edu.vn/a",
            "htps//truong",
            ".vn",
            "truong.edu.vn/a b",
        ] {
            let e = parse_evidence_link(bad).unwrap_err();
            assert!(e.to_string().contains("https://truong.edu.vn/bai-viet"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_school_counts_pupils_only_in_its_own_bands() {
        use crate::unit::SchoolLevel;
        assert_eq!(
            bands_for(Some(SchoolLevel::Primary)),
            vec![PupilBand::G1To2, PupilBand::G3To5]
        );
        assert_eq!(
            bands_for(Some(SchoolLevel::LowerSecondary)),
            vec![PupilBand::G6To7, PupilBand::G8To9]
        );
        assert_eq!(bands_for(Some(SchoolLevel::Combined)).len(), 4);
        assert_eq!(bands_for(None).len(), 4);
        assert!(!teaches_band(Some(SchoolLevel::Primary), PupilBand::G6To7));
        let a = Audience {
            pupils_g3_5: 10,
            pupils_g6_7: 5,
            ..Audience::default()
        };
        let problems = a.check_bands(Some(SchoolLevel::Primary));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "pupils_g6_7");
        assert!(problems[0].1.to_string().contains("lớp 6–7"), "{}", problems[0].1);
        assert!(a.check_bands(Some(SchoolLevel::Combined)).is_empty());
        assert_eq!(a.check_bands(Some(SchoolLevel::LowerSecondary))[0].0, "pupils_g3_5");
        for b in PupilBand::ALL {
            assert!(AUDIENCE_FIELDS.contains(&b.field()));
            assert_eq!(PupilBand::from_field(b.field()), Some(b));
        }
        assert_eq!(clean_file_name("C:\\x\\bi\"en ban.pdf"), "bien ban.pdf");
    }
}
