//! The finding vocabulary that the inspector, the store, the jobs and the pages share: every
//! finding code with its severity, check group, meaning and hint, and the public-disclosure
//! parts of Circular 09/2024/TT-BGDĐT. Every rule over codes matches them exhaustively, so a new
//! code cannot fall silently into a group: the compiler asks where it belongs.

use serde::{Deserialize, Serialize};

use crate::supervision::CheckGroup;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The stable name stored with a finding and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(raw: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "Thông tin",
            Severity::Low => "Thấp",
            Severity::Medium => "Trung bình",
            Severity::High => "Cao",
            Severity::Critical => "Nghiêm trọng",
        }
    }

    /// High and critical findings: a site with one does not meet any standard.
    pub fn is_serious(self) -> bool {
        match self {
            Severity::High | Severity::Critical => true,
            Severity::Info | Severity::Low | Severity::Medium => false,
        }
    }
}

/// The parts a school must publish (Circular 09/2024/TT-BGDĐT), each with the folded phrases
/// that name it on a page. The names are what a standard requires and a finding's evidence
/// lists; the phrases are how the inspector recognises them.
pub const DISCLOSURE_PARTS: &[(&str, &[&str])] = &[
    (
        "Thông tin chung",
        &["thong tin chung", "gioi thieu chung", "thong tin co ban"],
    ),
    (
        "Tài chính",
        &["tai chinh", "thu chi", "ngan sach", "du toan", "quyet toan"],
    ),
    (
        "Đội ngũ",
        &[
            "doi ngu",
            "can bo quan ly, giao vien",
            "nhan su",
            "giao vien va nhan vien",
            "can bo, giao vien",
        ],
    ),
    ("Cơ sở vật chất", &["co so vat chat"]),
    (
        "Đảm bảo chất lượng",
        &[
            "dam bao chat luong",
            "kiem dinh chat luong",
            "kiem dinh",
            "chat luong giao duc",
        ],
    ),
    (
        "Kế hoạch và kết quả giáo dục",
        &[
            "ke hoach giao duc",
            "ket qua giao duc",
            "ke hoach va ket qua",
            "ke hoach nam hoc",
        ],
    ),
    ("Báo cáo thường niên", &["bao cao thuong nien"]),
];

/// Whether `name` is one of the disclosure parts.
pub fn is_disclosure_part(name: &str) -> bool {
    DISCLOSURE_PARTS.iter().any(|(p, _)| *p == name)
}

/// Every kind of finding. The snake_case name is the stable code used in reports, manifests
/// and the API; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    // Reachability.
    Unreachable,
    HttpError,
    SlowResponse,
    // HTTPS and certificates.
    NoHttps,
    NoHttpsRedirect,
    TlsExpired,
    TlsExpiringSoon,
    TlsSelfSigned,
    TlsHostnameMismatch,
    TlsIncompleteChain,
    TlsWeakKey,
    // Headers and software.
    MixedContent,
    GeneratorDisclosed,
    OutdatedCms,
    // Content.
    StaleContent,
    DisclosureMissing,
    DisclosureIncomplete,
    // Compromise.
    SpamVisible,
    SpamHidden,
    Cloaking,
    MaliciousRedirect,
    SpamLinks,
    // Links.
    BrokenInternalLink,
    BrokenExternalLink,
    // Safety and hostile behaviour.
    BlockedPrivateAddress,
    TooManyRedirects,
    BodyTooLarge,
    DecompressionBomb,
    Timeout,
    HeadersTooLarge,
    InvalidEncoding,
    MalformedFeed,
    // Standards: never found by the inspector itself; a supervision standard adds it when the
    // header grade is below the office's minimum.
    WeakSecurityHeaders,
}

impl FindingCode {
    pub const ALL: [FindingCode; 33] = [
        FindingCode::Unreachable,
        FindingCode::HttpError,
        FindingCode::SlowResponse,
        FindingCode::NoHttps,
        FindingCode::NoHttpsRedirect,
        FindingCode::TlsExpired,
        FindingCode::TlsExpiringSoon,
        FindingCode::TlsSelfSigned,
        FindingCode::TlsHostnameMismatch,
        FindingCode::TlsIncompleteChain,
        FindingCode::TlsWeakKey,
        FindingCode::MixedContent,
        FindingCode::GeneratorDisclosed,
        FindingCode::OutdatedCms,
        FindingCode::StaleContent,
        FindingCode::DisclosureMissing,
        FindingCode::DisclosureIncomplete,
        FindingCode::SpamVisible,
        FindingCode::SpamHidden,
        FindingCode::Cloaking,
        FindingCode::MaliciousRedirect,
        FindingCode::SpamLinks,
        FindingCode::BrokenInternalLink,
        FindingCode::BrokenExternalLink,
        FindingCode::BlockedPrivateAddress,
        FindingCode::TooManyRedirects,
        FindingCode::BodyTooLarge,
        FindingCode::DecompressionBomb,
        FindingCode::Timeout,
        FindingCode::HeadersTooLarge,
        FindingCode::InvalidEncoding,
        FindingCode::MalformedFeed,
        FindingCode::WeakSecurityHeaders,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::Unreachable => "unreachable",
            FindingCode::HttpError => "http_error",
            FindingCode::SlowResponse => "slow_response",
            FindingCode::NoHttps => "no_https",
            FindingCode::NoHttpsRedirect => "no_https_redirect",
            FindingCode::TlsExpired => "tls_expired",
            FindingCode::TlsExpiringSoon => "tls_expiring_soon",
            FindingCode::TlsSelfSigned => "tls_self_signed",
            FindingCode::TlsHostnameMismatch => "tls_hostname_mismatch",
            FindingCode::TlsIncompleteChain => "tls_incomplete_chain",
            FindingCode::TlsWeakKey => "tls_weak_key",
            FindingCode::MixedContent => "mixed_content",
            FindingCode::GeneratorDisclosed => "generator_disclosed",
            FindingCode::OutdatedCms => "outdated_cms",
            FindingCode::StaleContent => "stale_content",
            FindingCode::DisclosureMissing => "disclosure_missing",
            FindingCode::DisclosureIncomplete => "disclosure_incomplete",
            FindingCode::SpamVisible => "spam_visible",
            FindingCode::SpamHidden => "spam_hidden",
            FindingCode::Cloaking => "cloaking",
            FindingCode::MaliciousRedirect => "malicious_redirect",
            FindingCode::SpamLinks => "spam_links",
            FindingCode::BrokenInternalLink => "broken_internal_link",
            FindingCode::BrokenExternalLink => "broken_external_link",
            FindingCode::BlockedPrivateAddress => "blocked_private_address",
            FindingCode::TooManyRedirects => "too_many_redirects",
            FindingCode::BodyTooLarge => "body_too_large",
            FindingCode::DecompressionBomb => "decompression_bomb",
            FindingCode::Timeout => "timeout",
            FindingCode::HeadersTooLarge => "headers_too_large",
            FindingCode::InvalidEncoding => "invalid_encoding",
            FindingCode::MalformedFeed => "malformed_feed",
            FindingCode::WeakSecurityHeaders => "weak_security_headers",
        }
    }

    pub fn parse(code: &str) -> Option<FindingCode> {
        FindingCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The group of checks the code belongs to, which a standard switches on or off.
    pub fn group(self) -> CheckGroup {
        use FindingCode::*;
        match self {
            Unreachable
            | HttpError
            | SlowResponse
            | BlockedPrivateAddress
            | TooManyRedirects
            | BodyTooLarge
            | DecompressionBomb
            | Timeout
            | InvalidEncoding => CheckGroup::Reachability,
            NoHttps | NoHttpsRedirect | TlsExpired | TlsExpiringSoon | TlsSelfSigned | TlsHostnameMismatch
            | TlsIncompleteChain | TlsWeakKey => CheckGroup::Https,
            WeakSecurityHeaders | HeadersTooLarge => CheckGroup::Headers,
            GeneratorDisclosed | OutdatedCms | MixedContent => CheckGroup::Software,
            StaleContent | MalformedFeed => CheckGroup::Freshness,
            DisclosureMissing | DisclosureIncomplete => CheckGroup::Disclosure,
            SpamVisible | SpamHidden | Cloaking | MaliciousRedirect | SpamLinks => CheckGroup::Compromise,
            BrokenInternalLink | BrokenExternalLink => CheckGroup::Links,
        }
    }

    /// Whether the finding says the site has been compromised (hacked).
    pub fn is_compromise(self) -> bool {
        self.group() == CheckGroup::Compromise
    }

    /// Whether the finding is a gap in the public-disclosure section.
    pub fn is_disclosure_gap(self) -> bool {
        self.group() == CheckGroup::Disclosure
    }

    /// Whether the finding lists broken links in its evidence.
    pub fn is_broken_link(self) -> bool {
        self.group() == CheckGroup::Links
    }

    /// The title a person reads: the remediation guide's title (every code has one; the
    /// guides' tests check it), else the one-sentence meaning.
    pub fn title(self) -> &'static str {
        crate::remediation::guide(self.as_str()).map_or(self.message(), |g| g.title)
    }

    pub fn severity(self) -> Severity {
        use FindingCode::*;
        match self {
            SpamHidden | Cloaking | MaliciousRedirect | TlsExpired => Severity::Critical,
            Unreachable
            | SpamVisible
            | SpamLinks
            | TlsSelfSigned
            | TlsHostnameMismatch
            | NoHttps
            | BlockedPrivateAddress
            | DecompressionBomb => Severity::High,
            HttpError | NoHttpsRedirect | TlsExpiringSoon | TlsIncompleteChain | TlsWeakKey | MixedContent
            | OutdatedCms | DisclosureMissing | TooManyRedirects | Timeout | BodyTooLarge | WeakSecurityHeaders => {
                Severity::Medium
            }
            SlowResponse | StaleContent | DisclosureIncomplete | BrokenInternalLink | HeadersTooLarge
            | InvalidEncoding | MalformedFeed => Severity::Low,
            GeneratorDisclosed | BrokenExternalLink => Severity::Info,
        }
    }

    /// What the finding means, in one Vietnamese sentence.
    pub fn message(self) -> &'static str {
        use FindingCode::*;
        match self {
            Unreachable => "Không truy cập được website.",
            HttpError => "Website trả về mã lỗi HTTP.",
            SlowResponse => "Website phản hồi chậm.",
            NoHttps => "Website không dùng được HTTPS.",
            NoHttpsRedirect => "Địa chỉ http:// không tự chuyển sang https://.",
            TlsExpired => "Chứng chỉ bảo mật (TLS) đã hết hạn.",
            TlsExpiringSoon => "Chứng chỉ bảo mật (TLS) sắp hết hạn (còn 30 ngày trở xuống).",
            TlsSelfSigned => "Chứng chỉ bảo mật tự ký, trình duyệt sẽ cảnh báo người xem.",
            TlsHostnameMismatch => "Chứng chỉ bảo mật không đúng tên miền của website.",
            TlsIncompleteChain => "Máy chủ không gửi đủ chuỗi chứng chỉ trung gian.",
            TlsWeakKey => "Chứng chỉ dùng khóa hoặc thuật toán ký yếu.",
            MixedContent => "Trang HTTPS tải tài nguyên qua http:// (nội dung hỗn hợp).",
            GeneratorDisclosed => "Trang để lộ tên hoặc phiên bản phần mềm đang dùng.",
            OutdatedCms => "Phần mềm quản trị nội dung (CMS) đã cũ, có thể chứa lỗ hổng đã biết.",
            StaleContent => "Website lâu không cập nhật tin bài.",
            DisclosureMissing => "Không tìm thấy mục Công khai theo Thông tư 09/2024/TT-BGDĐT.",
            DisclosureIncomplete => "Mục Công khai thiếu một số nội dung bắt buộc.",
            SpamVisible => "Trang có nội dung cờ bạc, cá cược không liên quan (dấu hiệu bị tấn công).",
            SpamHidden => "Trang chứa nội dung hoặc liên kết cờ bạc bị ẩn (dấu hiệu bị chèn mã độc).",
            Cloaking => "Website hiển thị nội dung khác cho công cụ tìm kiếm (dấu hiệu bị chèn mã độc).",
            MaliciousRedirect => "Website chuyển hướng người xem sang trang cờ bạc bên ngoài.",
            SpamLinks => "Trang có liên kết tới các website cờ bạc, cá cược.",
            BrokenInternalLink => "Có liên kết nội bộ bị hỏng.",
            BrokenExternalLink => "Có liên kết ra ngoài bị hỏng.",
            BlockedPrivateAddress => "Địa chỉ trỏ tới mạng nội bộ nên không được kiểm tra.",
            TooManyRedirects => "Website chuyển hướng quá nhiều lần hoặc lặp vòng.",
            BodyTooLarge => "Trang lớn vượt giới hạn cho phép.",
            DecompressionBomb => "Dữ liệu nén giải ra quá lớn (bom giải nén).",
            Timeout => "Website không trả lời kịp trong thời gian cho phép.",
            HeadersTooLarge => "Phần tiêu đề phản hồi HTTP quá lớn.",
            InvalidEncoding => "Trang có ký tự không hợp lệ (sai bảng mã).",
            MalformedFeed => "Nguồn tin RSS/Atom bị lỗi định dạng.",
            WeakSecurityHeaders => {
                "Hạng tiêu đề bảo mật của website thấp hơn mức tối thiểu theo tiêu chí của Phòng/Sở."
            }
        }
    }

    /// What the website administrator should do, in Vietnamese.
    pub fn hint(self) -> &'static str {
        use FindingCode::*;
        match self {
            Unreachable => "Kiểm tra tên miền, máy chủ và đường truyền; liên hệ nhà cung cấp hosting nếu cần.",
            HttpError => "Xem nhật ký lỗi của máy chủ web và khắc phục lỗi ở trang được báo.",
            SlowResponse => "Giảm dung lượng ảnh, bật bộ nhớ đệm, hoặc nâng cấp gói hosting.",
            NoHttps => "Cài chứng chỉ TLS miễn phí (ví dụ Let's Encrypt) và bật HTTPS cho tên miền.",
            NoHttpsRedirect => "Cấu hình máy chủ chuyển mọi yêu cầu http:// sang https:// (mã 301).",
            TlsExpired => "Gia hạn chứng chỉ ngay và bật tự động gia hạn.",
            TlsExpiringSoon => "Gia hạn chứng chỉ trước khi hết hạn và bật tự động gia hạn.",
            TlsSelfSigned => "Thay bằng chứng chỉ do tổ chức cấp chứng chỉ tin cậy cấp.",
            TlsHostnameMismatch => "Cấp lại chứng chỉ có đúng tên miền (kể cả có hoặc không có www).",
            TlsIncompleteChain => "Cấu hình máy chủ gửi kèm chứng chỉ trung gian (tệp fullchain).",
            TlsWeakKey => "Cấp lại chứng chỉ với khóa RSA từ 2048 bit hoặc ECDSA, ký bằng SHA-256.",
            MixedContent => "Đổi mọi đường dẫn ảnh, script, CSS sang https:// hoặc đường dẫn tương đối.",
            GeneratorDisclosed => "Tắt thẻ meta generator và ẩn số phiên bản trong mã nguồn trang.",
            OutdatedCms => "Cập nhật CMS, giao diện và plugin lên phiên bản mới nhất; gỡ plugin không dùng.",
            StaleContent => "Đăng tin hoạt động của trường thường xuyên, ít nhất mỗi tháng.",
            DisclosureMissing => "Tạo mục Công khai với đủ nội dung theo Thông tư 09/2024/TT-BGDĐT.",
            DisclosureIncomplete => "Bổ sung các nội dung công khai còn thiếu được liệt kê trong chi tiết.",
            SpamVisible => "Gỡ nội dung lạ, đổi mật khẩu quản trị, cập nhật phần mềm và báo cho Phòng/Sở.",
            SpamHidden => "Tìm và gỡ đoạn mã bị chèn trong giao diện, đổi mật khẩu, rà soát tài khoản quản trị.",
            Cloaking => "Rà soát tệp .htaccess và mã nguồn giao diện, khôi phục từ bản sao lưu sạch.",
            MaliciousRedirect => "Gỡ mã chuyển hướng lạ, kiểm tra .htaccess và plugin, khôi phục bản sạch.",
            SpamLinks => "Gỡ các liên kết tới website cờ bạc và tìm nguyên nhân bị chèn.",
            BrokenInternalLink => "Sửa hoặc gỡ các liên kết hỏng được liệt kê.",
            BrokenExternalLink => "Cập nhật hoặc gỡ các liên kết ra ngoài không còn hoạt động.",
            BlockedPrivateAddress => "Dùng địa chỉ công khai của website; không khai báo địa chỉ mạng nội bộ.",
            TooManyRedirects => "Sửa cấu hình chuyển hướng để mỗi địa chỉ chỉ chuyển tối đa vài lần.",
            BodyTooLarge => "Giảm dung lượng trang; tách nội dung dài thành nhiều trang.",
            DecompressionBomb => "Kiểm tra cấu hình nén của máy chủ; đây có thể là dấu hiệu bị tấn công.",
            Timeout => "Kiểm tra tải của máy chủ và đường truyền; liên hệ nhà cung cấp hosting.",
            HeadersTooLarge => "Giảm số lượng và kích thước cookie, tiêu đề do máy chủ gửi.",
            InvalidEncoding => "Lưu trang với bảng mã UTF-8 và khai báo charset=utf-8.",
            MalformedFeed => "Sửa hoặc tạo lại nguồn tin RSS/Atom bằng chức năng của CMS.",
            WeakSecurityHeaders => {
                "Bật các tiêu đề bảo mật (HSTS, CSP, X-Content-Type-Options, chống nhúng khung) trong cấu hình máy chủ hoặc plugin bảo mật."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_serialize_as_snake_case() {
        for code in FindingCode::ALL {
            assert_eq!(FindingCode::parse(code.as_str()), Some(code));
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
            assert!(!code.message().is_empty() && !code.hint().is_empty());
        }
    }

    #[test]
    fn severities_round_trip() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Severity::parse("urgent"), None);
    }

    #[test]
    fn groups_match_the_code_families() {
        for code in FindingCode::ALL {
            let name = code.as_str();
            if name.starts_with("tls_") || name.starts_with("no_https") {
                assert_eq!(code.group(), CheckGroup::Https, "{name}");
            }
            if name.starts_with("spam_") {
                assert!(code.is_compromise(), "{name}");
            }
            if name.starts_with("broken_") {
                assert!(code.is_broken_link(), "{name}");
            }
            if name.starts_with("disclosure_") {
                assert!(code.is_disclosure_gap(), "{name}");
            }
            assert!(!code.title().is_empty());
        }
        assert!(is_disclosure_part("Tài chính") && !is_disclosure_part("Tai chinh"));
    }
}
