//! Findings: what an inspection found, each with a stable code, a severity, evidence and a
//! Vietnamese hint for the school's website administrator.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
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

    /// Whether the finding says the site has been compromised (hacked).
    pub fn is_compromise(self) -> bool {
        matches!(
            self,
            FindingCode::SpamVisible
                | FindingCode::SpamHidden
                | FindingCode::Cloaking
                | FindingCode::MaliciousRedirect
                | FindingCode::SpamLinks
        )
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

/// One thing found, with what shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub evidence: String,
    pub hint: String,
}

impl Finding {
    pub fn new(code: FindingCode, evidence: impl Into<String>) -> Finding {
        let mut evidence: String = evidence.into();
        if evidence.len() > 500 {
            let mut cut = 500;
            while !evidence.is_char_boundary(cut) {
                cut -= 1;
            }
            evidence.truncate(cut);
            evidence.push('…');
        }
        Finding {
            code,
            severity: code.severity(),
            message: code.message().to_string(),
            evidence,
            hint: code.hint().to_string(),
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
    fn evidence_is_capped_on_a_character_boundary() {
        let f = Finding::new(FindingCode::SpamVisible, "đ".repeat(400));
        assert!(f.evidence.len() <= 504);
        assert!(f.evidence.ends_with('…'));
    }
}
