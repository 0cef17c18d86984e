//! What each failing test of the server's security configuration (the HTTP header tests that
//! make the grade, as MDN HTTP Observatory names them) means, and what a website administrator
//! changes to pass it: in `.htaccess` (Apache), in Nginx, and in a hosting control panel. Each
//! test links the guide that explains the surrounding work.

/// Advice for one header test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderAdvice {
    /// Observatory's test name, e.g. "content-security-policy".
    pub test: &'static str,
    /// A short Vietnamese name.
    pub title: &'static str,
    /// What the test protects, in one plain sentence.
    pub meaning: &'static str,
    /// What to change, one or two sentences naming the Apache/.htaccess, Nginx and panel ways.
    pub fix: &'static str,
    /// The finding code of the guide to read (`/huong-dan/{guide}`).
    pub guide: &'static str,
}

/// Every test of the grade, in the order the page lists them.
pub const HEADER_ADVICE: &[HeaderAdvice] = &[
    HeaderAdvice {
        test: "content-security-policy",
        title: "Chính sách nội dung (Content-Security-Policy)",
        meaning: "Cho trình duyệt biết website chỉ được chạy mã và tải tài nguyên từ đâu, nên mã độc bị chèn vào trang khó hoạt động.",
        fix: "Thêm tiêu đề Content-Security-Policy, bắt đầu với «default-src 'self'; frame-ancestors 'self'» rồi nới dần cho các dịch vụ thật sự dùng: Apache thêm «Header always set Content-Security-Policy \"default-src 'self'\"» vào .htaccess, Nginx thêm «add_header Content-Security-Policy \"default-src 'self'\" always;»; trên cPanel/DirectAdmin sửa tệp .htaccess bằng File Manager.",
        guide: "weak_security_headers",
    },
    HeaderAdvice {
        test: "strict-transport-security",
        title: "Luôn dùng kết nối bảo mật (Strict-Transport-Security)",
        meaning: "Buộc trình duyệt luôn mở website bằng https, kể cả khi người xem gõ thiếu «https».",
        fix: "Sau khi https chạy ổn định, thêm «Header always set Strict-Transport-Security \"max-age=31536000\"» vào .htaccess (Apache) hoặc «add_header Strict-Transport-Security \"max-age=31536000\" always;» (Nginx); nhiều bảng điều khiển hosting có sẵn nút bật HSTS trong mục SSL/TLS.",
        guide: "no_https_redirect",
    },
    HeaderAdvice {
        test: "x-content-type-options",
        title: "Chặn đoán sai loại tệp (X-Content-Type-Options)",
        meaning: "Ngăn trình duyệt coi một tệp tải lên (ảnh, văn bản) là mã chạy được.",
        fix: "Thêm «Header always set X-Content-Type-Options \"nosniff\"» vào .htaccess (Apache) hoặc «add_header X-Content-Type-Options \"nosniff\" always;» (Nginx); trên cPanel/DirectAdmin sửa .htaccess bằng File Manager.",
        guide: "weak_security_headers",
    },
    HeaderAdvice {
        test: "x-frame-options",
        title: "Chống nhúng trang (X-Frame-Options / frame-ancestors)",
        meaning: "Ngăn website khác nhúng trang của trường vào khung để lừa người xem bấm nhầm.",
        fix: "Thêm «Header always set X-Frame-Options \"SAMEORIGIN\"» vào .htaccess (Apache) hoặc «add_header X-Frame-Options \"SAMEORIGIN\" always;» (Nginx), hoặc thêm «frame-ancestors 'self'» vào Content-Security-Policy.",
        guide: "weak_security_headers",
    },
    HeaderAdvice {
        test: "referrer-policy",
        title: "Giữ kín địa chỉ trang khi bấm liên kết ra ngoài (Referrer-Policy)",
        meaning: "Khi người xem bấm sang website khác, địa chỉ trang đang xem (có thể chứa thông tin riêng) không bị gửi theo.",
        fix: "Thêm «Header always set Referrer-Policy \"strict-origin-when-cross-origin\"» vào .htaccess (Apache) hoặc «add_header Referrer-Policy \"strict-origin-when-cross-origin\" always;» (Nginx).",
        guide: "weak_security_headers",
    },
    HeaderAdvice {
        test: "cookies",
        title: "Cookie an toàn (Secure, HttpOnly, SameSite)",
        meaning: "Cookie đăng nhập không được lộ qua kết nối không bảo mật hay bị mã độc trên trang đọc trộm.",
        fix: "Đặt cookie với Secure, HttpOnly và SameSite=Lax: PHP đặt «session.cookie_secure = 1», «session.cookie_httponly = 1», «session.cookie_samesite = Lax» (mục PHP Settings/MultiPHP INI Editor của cPanel hoặc php.ini); WordPress và Joomla có tùy chọn tương ứng khi bật https cho toàn website.",
        guide: "weak_security_headers",
    },
    HeaderAdvice {
        test: "redirection",
        title: "Chuyển http sang https",
        meaning: "Người gõ địa chỉ http:// phải được đưa ngay sang bản https của chính website này.",
        fix: "Apache: thêm vào .htaccess «RewriteEngine On», «RewriteCond %{HTTPS} off», «RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [L,R=301]»; Nginx: trong khối server cổng 80 đặt «return 301 https://$host$request_uri;»; cPanel/DirectAdmin có nút «Force HTTPS Redirect» trong mục Domains/SSL.",
        guide: "no_https_redirect",
    },
    HeaderAdvice {
        test: "cross-origin-resource-sharing",
        title: "Chia sẻ dữ liệu với website khác (CORS)",
        meaning: "Website khác không được đọc dữ liệu của trường thay cho người xem đang đăng nhập.",
        fix: "Bỏ «Access-Control-Allow-Origin: *» (nhất là khi kèm Allow-Credentials) khỏi .htaccess hoặc cấu hình Nginx; chỉ cho phép đúng tên miền cần thiết, hoặc tắt plugin đã thêm tiêu đề này.",
        guide: "weak_security_headers",
    },
    HeaderAdvice {
        test: "subresource-integrity",
        title: "Kiểm tra mã tải từ nơi khác (Subresource Integrity)",
        meaning: "Mã JavaScript lấy từ máy chủ bên ngoài phải kèm dấu kiểm để không bị tráo thành mã độc.",
        fix: "Với mỗi thẻ <script src=\"https://…\"> trỏ ra ngoài, thêm thuộc tính integrity=\"sha384-…\" và crossorigin=\"anonymous\" (trang của thư viện thường cho sẵn dòng này), hoặc chép tệp về website của trường; tuyệt đối không tải mã qua http://.",
        guide: "mixed_content",
    },
    HeaderAdvice {
        test: "cross-origin-resource-policy",
        title: "Giới hạn ai được nhúng tài nguyên (Cross-Origin-Resource-Policy)",
        meaning: "Chỉ website của trường (hoặc những nơi được phép) mới được nhúng ảnh và tệp của trường.",
        fix: "Thêm «Header always set Cross-Origin-Resource-Policy \"same-site\"» vào .htaccess (Apache) hoặc «add_header Cross-Origin-Resource-Policy \"same-site\" always;» (Nginx).",
        guide: "weak_security_headers",
    },
];

/// The advice for one test name; `None` for a test this build does not know.
pub fn advice(test: &str) -> Option<&'static HeaderAdvice> {
    HEADER_ADVICE.iter().find(|a| a.test == test)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests MDN HTTP Observatory 1.4.8 runs (the inspector's `observatory` module).
    const OBSERVATORY_TESTS: [&str; 10] = [
        "content-security-policy",
        "cookies",
        "cross-origin-resource-sharing",
        "redirection",
        "referrer-policy",
        "strict-transport-security",
        "subresource-integrity",
        "x-content-type-options",
        "x-frame-options",
        "cross-origin-resource-policy",
    ];

    #[test]
    fn every_observatory_test_has_advice_with_a_guide() {
        assert_eq!(HEADER_ADVICE.len(), OBSERVATORY_TESTS.len());
        for test in OBSERVATORY_TESTS {
            let a = advice(test).unwrap_or_else(|| panic!("no advice for {test}"));
            assert!(
                !a.title.is_empty() && a.meaning.ends_with('.') && a.fix.ends_with('.'),
                "{test}"
            );
            assert!(
                crate::remediation::guide(a.guide).is_some(),
                "{test}: guide {}",
                a.guide
            );
        }
        assert!(advice("a-newer-test").is_none());
    }

    #[test]
    fn fixes_name_apache_or_nginx_ways() {
        for a in HEADER_ADVICE {
            let fix = a.fix.to_lowercase();
            assert!(
                fix.contains(".htaccess") || fix.contains("nginx") || fix.contains("php") || fix.contains("<script"),
                "{}",
                a.test
            );
        }
    }
}
