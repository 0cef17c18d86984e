//! Security-header grading that reproduces MDN HTTP Observatory 1.4.8 (scoring algorithm 4).
//!
//! This module does no IO. A fetcher collects the facts described by [`ObservatoryInput`] and
//! [`grade`] returns the same per-test results, score and grade that Observatory 1.4.8 computes
//! for those facts, with the HSTS preload list treated as empty.
//!
//! The ground truth in `tests/data/observatory/ground_truth.json` was produced by Observatory's own
//! analyzer and scorer; `tests/observatory.rs` requires identical results for every case.
//!
//! Besides the analyzer tests themselves, the module reproduces the parts of Observatory's
//! retrieval stack that change results: how Node.js merges duplicate response headers and how
//! axios cleans them, the tough-cookie jar that collects cookies along the redirect chain (domain
//! and prefix checks, expired cookies dropped by the next matching request), axios turning a JSON
//! body into a value, jsdom's HTML parsing (fragment parsing for `<meta>`, document parsing without
//! scripting for `<script>`, `<base href>`), ICU collation in the CSP parser and the public suffix
//! list of tldts 7.6.0 (`data/public_suffix_list.txt`).
//!
//! # What the fetcher must collect
//! * `http`: the chain of requests starting at `http://{hostname}/`, `https`: the one starting at
//!   `https://{hostname}/`. Each request is a `GET` with `Accept:` [`ACCEPT`] and `User-Agent:`
//!   [`USER_AGENT`], sending back the cookies received earlier in the same chain. A response with
//!   status 301, 302, 303, 307 or 308 is followed (always with `GET`) to its `Location` resolved
//!   against the request URL, at most [`MAX_REDIRECTS`] times (so at most 11 hops); a redirect
//!   without `Location` goes to the relative URL `undefined`, as Observatory does. Every hop is
//!   recorded, the last one included, with all its response headers in order (duplicates kept, one
//!   entry each, names as received, values with bytes mapped one to one to U+0000–U+00FF).
//! * If any request of a chain fails (DNS, connection, timeout: Observatory allows 9 s a request and
//!   10 s overall, TLS errors other than certificate verification, protocol errors), the whole
//!   chain is `None`. If a TLS certificate anywhere in the chain fails verification, the chain is
//!   fetched again from its start without verification and recorded with
//!   `certificate_verified: false`.
//! * `body`: the final response body of each chain, decompressed and decoded as UTF-8 with invalid
//!   sequences replaced by U+FFFD, whatever the declared charset. Only the body of the chain that is
//!   graded is read (`https` when present, otherwise `http`).
//! * `cors_preflight`: after the chains, an `OPTIONS` request to the final URL of the graded chain,
//!   with `Origin:` [`CORS_PROBE_ORIGIN`] and `Access-Control-Request-Method: GET` (plus the same
//!   `Accept` and `User-Agent`), following up to 10 redirects (303 turns it into `GET`). Record the
//!   status and headers of the final response; `None` if the request failed.
//! * `fetched_at`: when the chains were fetched (cookie expiry is judged against it).
//!
//! `grade` parses the body twice with html5ever; cap the body (say 2 MiB) and call it from a
//! blocking task, since pathologically nested HTML costs time quadratic in its depth.
//!
//! # Known differences from Observatory 1.4.8
//! * The HSTS preload list is empty, so `hsts-preloaded` and `redirection-all-redirects-preloaded`
//!   never occur. `cross-origin-resource-sharing-implemented-with-universal-access` and
//!   `html-not-parseable` cannot occur in Observatory 1.4.8 itself either.
//! * After a certificate failure Observatory's retry also stores cookies from its `/robots.txt`
//!   request and aims the CORS probe at `/robots.txt`; neither is modelled.
//! * Node.js rejects responses with more than 16 KiB of headers (the chain then fails); such
//!   responses are graded here. IPv6-literal hosts and single-label `test`/`local`/`example` hosts,
//!   on which tough-cookie throws, are graded here too.
//! * A cookie with a positive `Max-Age` never expires during the chain (Observatory measures
//!   wall-clock time). ICU collation of CSP sources is exact for ASCII and approximated beyond it.
//!   JSON bodies follow serde_json, which differs from `JSON.parse` only on lone surrogates,
//!   nesting deeper than 128 and float rounding.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use html5ever::driver::{self, ParseOpts};
use html5ever::tendril::TendrilSink;
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{LocalName, Namespace, QualName};
use scraper::{Html, HtmlTreeSink, Node};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

/// The Observatory release whose rules this module reproduces.
pub const OBSERVATORY_VERSION: &str = "1.4.8";
/// Observatory's scoring algorithm version for that release.
pub const ALGORITHM_VERSION: u32 = 4;
/// `User-Agent` Observatory sends with every request.
pub const USER_AGENT: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:129.0) Gecko/20100101 Firefox/129.0 Observatory/129.0";
/// `Accept` Observatory sends with the page requests.
pub const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
/// `Origin` Observatory sends with its CORS preflight probe.
pub const CORS_PROBE_ORIGIN: &str = "https://http-observatory.security.mozilla.org";
/// Redirects Observatory follows in a chain (a chain has at most this many hops plus one).
pub const MAX_REDIRECTS: usize = 10;
/// Number of tests in a report.
pub const TEST_COUNT: u32 = 10;

/// Everything Observatory looks at for one site, as collected by a fetcher (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservatoryInput {
    /// The scanned host name: lowercase, ASCII (punycode), no port, no trailing dot.
    pub hostname: String,
    /// The chain that starts at `http://{hostname}/`; `None` if it failed.
    pub http: Option<FetchChain>,
    /// The chain that starts at `https://{hostname}/`; `None` if it failed.
    pub https: Option<FetchChain>,
    /// Final response to the CORS preflight probe; `None` if it failed or was not made.
    pub cors_preflight: Option<PreflightResponse>,
    /// When the chains were fetched.
    #[serde(with = "time::serde::rfc3339")]
    pub fetched_at: OffsetDateTime,
}

/// One redirect chain, in request order; the last hop is the final response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchChain {
    /// Every request made, the first one being the start URL. An empty list counts as a failure.
    pub hops: Vec<Hop>,
    /// `false` if any certificate in the chain failed verification (the chain was then fetched
    /// again without verification and these are the hops of that second fetch).
    pub certificate_verified: bool,
    /// Body of the final response (UTF-8, lossily decoded, possibly truncated to a cap).
    #[serde(default)]
    pub body: Option<String>,
}

/// One request of a chain and its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    /// The absolute URL requested.
    pub url: String,
    /// The response status code.
    pub status: u16,
    /// The response headers in order, duplicates kept (several `Set-Cookie`, for example).
    pub headers: Vec<(String, String)>,
}

/// The final response to the CORS preflight probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreflightResponse {
    /// The response status code (Observatory ignores the probe unless it is 2xx).
    pub status: u16,
    /// The response headers in order, duplicates kept.
    pub headers: Vec<(String, String)>,
}

/// The grading of one site, as Observatory would report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservatoryReport {
    /// Always [`OBSERVATORY_VERSION`].
    pub observatory_version: &'static str,
    /// Always [`ALGORITHM_VERSION`].
    pub algorithm_version: u32,
    /// The score, from 0 up (it can pass 100 with extra credit).
    pub score: i32,
    /// The letter grade, from `A+` to `F`.
    pub grade: &'static str,
    /// Status code of the graded final response.
    pub status_code: u16,
    /// Tests whose result passes.
    pub tests_passed: u32,
    /// Tests whose result fails.
    pub tests_failed: u32,
    /// Always [`TEST_COUNT`].
    pub tests_quantity: u32,
    /// Results keyed by Observatory's test name (`content-security-policy`, `cookies`, …).
    pub tests: BTreeMap<&'static str, TestOutcome>,
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestOutcome {
    /// Observatory's result identifier, such as `csp-not-implemented`.
    pub result: &'static str,
    /// Points this result adds to or removes from the score.
    pub score_modifier: i32,
    /// Whether Observatory counts the test as passed.
    pub pass: bool,
    /// One sentence in Vietnamese on how to fix a failing result; `None` when the test passes.
    pub hint_vi: Option<&'static str>,
}

/// Why Observatory would give no grade at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ObservatoryError {
    /// Neither chain produced a response.
    #[error("the site seems to be down")]
    SiteDown,
    /// The graded final response is not 2xx, 3xx, 401 or 403.
    #[error("the site answered with unexpected HTTP status code {status}")]
    UnexpectedStatus {
        /// The status code received.
        status: u16,
    },
    /// A test of Observatory 1.4.8 throws on this input, so its scan ends in an error.
    #[error("Observatory's {test} test fails on this page: {reason}")]
    TestCrashed {
        /// The test that throws.
        test: &'static str,
        /// What makes it throw.
        reason: &'static str,
    },
}

/// Grades the collected facts exactly as MDN HTTP Observatory 1.4.8 would.
///
/// # Errors
/// Returns the same conditions under which Observatory reports an error instead of a grade.
pub fn grade(input: &ObservatoryInput) -> Result<ObservatoryReport, ObservatoryError> {
    let scan = Scan::build(input);
    let Some(auto) = scan.auto() else {
        return Err(ObservatoryError::SiteDown);
    };
    let status = auto.status;
    if status < 200 || (status >= 400 && status != 401 && status != 403) {
        return Err(ObservatoryError::UnexpectedStatus { status });
    }

    let csp = csp_test(&scan);
    let hsts = hsts_test(&scan);
    let results: [(&'static str, Expectation, bool); 10] = [
        ("content-security-policy", csp.result, csp.pass),
        ("cookies", cookies_test(&scan, hsts.1)).into_named(),
        ("cross-origin-resource-sharing", cors_test(&scan)).into_named(),
        ("redirection", redirection_test(&scan)).into_named(),
        ("referrer-policy", referrer_test(&scan)).into_named(),
        ("strict-transport-security", hsts).into_named(),
        ("subresource-integrity", sri_test(&scan)?).into_named(),
        ("x-content-type-options", xcto_test(&scan)).into_named(),
        ("x-frame-options", xfo_test(&scan, csp.frame_ancestors_in_data)).into_named(),
        ("cross-origin-resource-policy", corp_test(&scan)).into_named(),
    ];

    let mut with_extra_credit = 100;
    let mut uncurved = 100;
    let mut passed = 0;
    let mut tests = BTreeMap::new();
    for (name, result, pass) in results {
        let modifier = result.modifier();
        with_extra_credit += modifier;
        if modifier < 0 {
            uncurved += modifier;
        }
        passed += u32::from(pass);
        tests.insert(
            name,
            TestOutcome {
                result: result.id(),
                score_modifier: modifier,
                pass,
                hint_vi: if pass { None } else { Some(result.hint_vi()) },
            },
        );
    }
    // Only the full score when the uncurved score already earns an A.
    let score = if uncurved >= 90 { with_extra_credit } else { uncurved }.max(0);
    Ok(ObservatoryReport {
        observatory_version: OBSERVATORY_VERSION,
        algorithm_version: ALGORITHM_VERSION,
        score,
        grade: grade_for_score(score),
        status_code: status,
        tests_passed: passed,
        tests_failed: TEST_COUNT - passed,
        tests_quantity: TEST_COUNT,
        tests,
    })
}

/// Observatory's grade chart: the score rounded down to a multiple of 5, capped at 100.
fn grade_for_score(score: i32) -> &'static str {
    let key = (score.max(0) - score.max(0) % 5).min(100);
    match key {
        100 => "A+",
        90 | 95 => "A",
        85 => "A-",
        80 => "B+",
        70 | 75 => "B",
        65 => "B-",
        60 => "C+",
        50 | 55 => "C",
        45 => "C-",
        40 => "D+",
        30 | 35 => "D",
        25 => "D-",
        _ => "F",
    }
}

trait IntoNamed {
    fn into_named(self) -> (&'static str, Expectation, bool);
}

impl IntoNamed for (&'static str, (Expectation, bool)) {
    fn into_named(self) -> (&'static str, Expectation, bool) {
        (self.0, self.1.0, self.1.1)
    }
}

// ---------------------------------------------------------------------------------------------
// Result identifiers, score modifiers and hints
// ---------------------------------------------------------------------------------------------

macro_rules! expectations {
    ($($(#[$attr:meta])* $variant:ident = $id:literal, $modifier:literal, $hint:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Expectation { $($(#[$attr])* $variant,)* }

        impl Expectation {
            fn id(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }
            fn modifier(self) -> i32 {
                match self { $(Self::$variant => $modifier,)* }
            }
            fn hint_vi(self) -> &'static str {
                match self { $(Self::$variant => $hint,)* }
            }
        }
    };
}

expectations! {
    CspNoUnsafeDefaultNone = "csp-implemented-with-no-unsafe-default-src-none", 10, "";
    CspNoUnsafe = "csp-implemented-with-no-unsafe", 5, "";
    CspUnsafeInlineStyleOnly = "csp-implemented-with-unsafe-inline-in-style-src-only", 0, "";
    CspInsecureSchemePassiveOnly = "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, "";
    CspUnsafeEval = "csp-implemented-with-unsafe-eval", -10,
        "Bỏ 'unsafe-eval' khỏi script-src và style-src, thay các lời gọi eval() bằng mã thông thường.";
    CspUnsafeInline = "csp-implemented-with-unsafe-inline", -20,
        "Bỏ 'unsafe-inline', data: và các nguồn quá rộng (như https: hay *) khỏi script-src và object-src, dùng nonce hoặc hash cho mã nội tuyến.";
    CspInsecureScheme = "csp-implemented-with-insecure-scheme", -20,
        "Chỉ cho phép tải tập lệnh và nội dung chủ động qua https://, bỏ mọi nguồn http: hoặc ftp: khỏi chính sách CSP.";
    CspHeaderInvalid = "csp-header-invalid", -25,
        "Sửa Content-Security-Policy cho đúng cú pháp: không lặp chỉ thị, không để chính sách rỗng và chỉ dùng 'strict-dynamic' kèm nonce hoặc hash.";
    CspNotImplemented = "csp-not-implemented", -25,
        "Thêm tiêu đề Content-Security-Policy, tốt nhất bắt đầu từ default-src 'none' rồi mở dần từng nguồn thật sự cần.";
    CspReportOnly = "csp-not-implemented-but-reporting-enabled", -25,
        "Chính sách CSP mới ở chế độ Report-Only, hãy gửi thêm tiêu đề Content-Security-Policy để thực sự áp dụng.";
    CspDuplicateDirectives = "csp-implemented-but-duplicate-directives", 0, "";

    CookiesSecureHttponlySamesite = "cookies-secure-with-httponly-sessions-and-samesite", 5, "";
    CookiesSecureHttponly = "cookies-secure-with-httponly-sessions", 0, "";
    CookiesNotFound = "cookies-not-found", 0, "";
    CookiesWithoutSecureHsts = "cookies-without-secure-flag-but-protected-by-hsts", -5,
        "Thêm thuộc tính Secure cho mọi cookie, kể cả khi trang đã bật HSTS.";
    CookiesSessionWithoutSecureHsts = "cookies-session-without-secure-flag-but-protected-by-hsts", -10,
        "Thêm thuộc tính Secure cho cookie phiên đăng nhập, kể cả khi trang đã bật HSTS.";
    CookiesWithoutSecure = "cookies-without-secure-flag", -20,
        "Thêm thuộc tính Secure cho mọi cookie để trình duyệt chỉ gửi chúng qua HTTPS.";
    CookiesSamesiteInvalid = "cookies-samesite-flag-invalid", -20,
        "Dùng SameSite=Strict, Lax hoặc None cho cookie, và None thì bắt buộc phải kèm Secure.";
    CookiesAnticsrfWithoutSamesite = "cookies-anticsrf-without-samesite-flag", -20,
        "Đặt SameSite=Strict hoặc SameSite=Lax cho cookie chống CSRF.";
    CookiesSessionWithoutHttponly = "cookies-session-without-httponly-flag", -30,
        "Thêm thuộc tính HttpOnly cho cookie phiên để mã JavaScript không đọc được nó.";
    CookiesSessionWithoutSecure = "cookies-session-without-secure-flag", -40,
        "Thêm thuộc tính Secure cho cookie phiên đăng nhập và chỉ phục vụ trang qua HTTPS.";

    CorsNotImplemented = "cross-origin-resource-sharing-not-implemented", 0, "";
    CorsPublic = "cross-origin-resource-sharing-implemented-with-public-access", 0, "";
    CorsRestricted = "cross-origin-resource-sharing-implemented-with-restricted-access", 0, "";
    CorsUniversal = "cross-origin-resource-sharing-implemented-with-universal-access", -50,
        "Không phản hồi lại nguyên văn tiêu đề Origin kèm Access-Control-Allow-Credentials: true, chỉ cho phép các nguồn tin cậy.";

    RedirectionAllPreloaded = "redirection-all-redirects-preloaded", 0, "";
    RedirectionToHttps = "redirection-to-https", 0, "";
    RedirectionNotNeededNoHttp = "redirection-not-needed-no-http", 0, "";
    RedirectionOffHost = "redirection-off-host-from-http", -5,
        "Chuyển hướng http:// sang https:// trên chính tên miền đó trước, rồi mới chuyển sang tên miền khác.";
    RedirectionNotToHttpsInitial = "redirection-not-to-https-on-initial-redirection", -10,
        "Lần chuyển hướng đầu tiên từ http:// phải đi thẳng tới https:// của cùng tên miền.";
    RedirectionNotToHttps = "redirection-not-to-https", -20,
        "Chuyển hướng mọi yêu cầu http:// về địa chỉ https:// tương ứng.";
    RedirectionMissing = "redirection-missing", -20,
        "Cấu hình máy chủ chuyển hướng vĩnh viễn (301) mọi yêu cầu http:// sang https://.";
    RedirectionInvalidCert = "redirection-invalid-cert", -20,
        "Cài chứng chỉ TLS hợp lệ (đúng tên miền, còn hạn, đủ chứng chỉ trung gian) cho địa chỉ https:// mà trang chuyển hướng tới.";

    ReferrerPrivate = "referrer-policy-private", 5, "";
    ReferrerNotImplemented = "referrer-policy-not-implemented", 0, "";
    ReferrerUnsafe = "referrer-policy-unsafe", -5,
        "Đổi Referrer-Policy thành strict-origin-when-cross-origin hoặc no-referrer để không làm lộ đường dẫn cho trang khác.";
    ReferrerInvalid = "referrer-policy-header-invalid", -5,
        "Sửa Referrer-Policy thành một giá trị hợp lệ, chẳng hạn strict-origin-when-cross-origin.";

    /// Needs the HSTS preload list, which is taken as empty.
    #[allow(dead_code)]
    HstsPreloaded = "hsts-preloaded", 5, "";
    HstsAtLeastSixMonths = "hsts-implemented-max-age-at-least-six-months", 0, "";
    HstsLessThanSixMonths = "hsts-implemented-max-age-less-than-six-months", -10,
        "Tăng max-age của Strict-Transport-Security lên ít nhất 15552000 giây (sáu tháng).";
    HstsNotImplemented = "hsts-not-implemented", -20,
        "Thêm tiêu đề Strict-Transport-Security: max-age=63072000 vào các phản hồi HTTPS.";
    HstsInvalid = "hsts-header-invalid", -20,
        "Gửi Strict-Transport-Security đúng một lần với giá trị max-age hợp lệ.";
    HstsNoHttps = "hsts-not-implemented-no-https", -20,
        "Bật HTTPS với chứng chỉ hợp lệ cho trang rồi thêm tiêu đề Strict-Transport-Security.";
    HstsInvalidCert = "hsts-invalid-cert", -20,
        "Cài chứng chỉ TLS hợp lệ (đúng tên miền, còn hạn, đủ chứng chỉ trung gian) để HSTS có hiệu lực.";

    SriAllSecure = "sri-implemented-and-all-scripts-loaded-securely", 5, "";
    SriExternalSecure = "sri-implemented-and-external-scripts-loaded-securely", 5, "";
    SriNotHtml = "sri-not-implemented-response-not-html", 0, "";
    SriNoScripts = "sri-not-implemented-but-no-scripts-loaded", 0, "";
    SriSecureOrigin = "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0, "";
    SriNotImplementedExternalSecure = "sri-not-implemented-but-external-scripts-loaded-securely", -5,
        "Thêm thuộc tính integrity (kèm crossorigin) cho các thẻ script tải từ tên miền khác.";
    SriImplementedNotSecure = "sri-implemented-but-external-scripts-not-loaded-securely", -20,
        "Tải các tập lệnh bên ngoài qua https:// thay vì http:// hay địa chỉ bắt đầu bằng //.";
    SriNotImplementedNotSecure = "sri-not-implemented-and-external-scripts-not-loaded-securely", -50,
        "Tải tập lệnh bên ngoài qua https:// kèm thuộc tính integrity, hoặc tự lưu tập lệnh trên máy chủ của trường.";
    /// jsdom never throws on a string, so Observatory 1.4.8 cannot reach this result.
    #[allow(dead_code)]
    HtmlNotParseable = "html-not-parseable", -20,
        "Sửa mã HTML của trang chủ để trình phân tích đọc được.";

    XctoNosniff = "x-content-type-options-nosniff", 0, "";
    XctoNotImplemented = "x-content-type-options-not-implemented", -5,
        "Thêm tiêu đề X-Content-Type-Options: nosniff.";
    XctoInvalid = "x-content-type-options-header-invalid", -5,
        "Đặt X-Content-Type-Options đúng một giá trị duy nhất là nosniff.";

    XfoViaCsp = "x-frame-options-implemented-via-csp", 5, "";
    XfoSameoriginOrDeny = "x-frame-options-sameorigin-or-deny", 0, "";
    XfoAllowFrom = "x-frame-options-allow-from-origin", 0, "";
    XfoNotImplemented = "x-frame-options-not-implemented", -20,
        "Thêm frame-ancestors 'self' vào CSP hoặc tiêu đề X-Frame-Options: SAMEORIGIN để chống clickjacking.";
    XfoInvalid = "x-frame-options-header-invalid", -20,
        "Sửa X-Frame-Options thành DENY hoặc SAMEORIGIN, hoặc dùng frame-ancestors trong CSP.";

    CorpSameOrigin = "corp-implemented-with-same-origin", 10, "";
    CorpSameSite = "corp-implemented-with-same-site", 10, "";
    CorpCrossOrigin = "corp-implemented-with-cross-origin", 0, "";
    CorpNotImplemented = "corp-not-implemented", 0, "";
    CorpInvalid = "corp-header-invalid", -5,
        "Đặt Cross-Origin-Resource-Policy là same-origin, same-site hoặc cross-origin.";
}

use Expectation as E;

/// Observatory's `onlyIfWorse`: keep the result ranked worse in `order` (unknown ranks lowest).
fn only_if_worse(new: Expectation, old: Option<Expectation>, order: &[Expectation]) -> Expectation {
    let rank = |e: Expectation| order.iter().position(|o| *o == e).map_or(-1, |p| p as i64);
    match old {
        Some(old) if rank(new) <= rank(old) => old,
        _ => new,
    }
}

// ---------------------------------------------------------------------------------------------
// JavaScript string semantics
// ---------------------------------------------------------------------------------------------

/// `String.prototype.trim` white space (ECMAScript WhiteSpace and LineTerminator).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

/// `s.slice(0, units)` with JavaScript's UTF-16 code units.
fn js_prefix(s: &str, units: usize) -> &str {
    let mut used = 0;
    for (index, c) in s.char_indices() {
        used += c.len_utf16();
        if used > units {
            return &s[..index];
        }
    }
    s
}

/// `s.slice(from, to)` with JavaScript's UTF-16 code units.
fn js_slice(s: &str, from: usize, to: usize) -> &str {
    let start = js_prefix(s, from).len();
    let end = js_prefix(s, to).len().max(start);
    &s[start..end]
}

fn js_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `parseInt(s, 10)`; `None` stands for `NaN`.
fn js_parse_int(s: &str) -> Option<f64> {
    let s = s.trim_start_matches(is_js_space);
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits_end = rest.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
    if digits_end == 0 {
        return None;
    }
    let value: f64 = rest[..digits_end].parse().ok()?;
    Some(if negative { -value } else { value })
}

/// `Number.prototype.toString()` for finite numbers.
fn js_number_to_string(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".to_owned()
        } else if value > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    let sign = if value < 0.0 { "-" } else { "" };
    // Shortest round-trip digits and exponent, as in `d.ddde±x`.
    let formatted = format!("{:e}", value.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((formatted.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let n = exponent + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 { format!("+{e}") } else { e.to_string() };
        if k == 1 {
            format!("{digits}e{e}")
        } else {
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// ECMAScript `decodeURI` (`reserved` = ";/?:@&=+$,#") or `decodeURIComponent` (`reserved` = "").
fn js_decode_uri(s: &str, reserved: &str) -> Option<String> {
    fn hex_byte(bytes: &[u8], at: usize) -> Option<u8> {
        if bytes.get(at) != Some(&b'%') {
            return None;
        }
        let hi = (*bytes.get(at + 1)? as char).to_digit(16)?;
        let lo = (*bytes.get(at + 2)? as char).to_digit(16)?;
        u8::try_from(hi * 16 + lo).ok()
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            let c = s[i..].chars().next()?;
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let first = hex_byte(bytes, i)?;
        if first < 0x80 {
            let c = char::from(first);
            if reserved.contains(c) {
                out.push_str(&s[i..i + 3]);
            } else {
                out.push(c);
            }
            i += 3;
            continue;
        }
        let count = first.leading_ones() as usize;
        if !(2..=4).contains(&count) {
            return None;
        }
        let mut buf = vec![first];
        for k in 1..count {
            let b = hex_byte(bytes, i + 3 * k)?;
            if b & 0xc0 != 0x80 {
                return None;
            }
            buf.push(b);
        }
        out.push_str(std::str::from_utf8(&buf).ok()?);
        i += 3 * count;
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Response headers as Node.js and axios present them
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum HeaderValue {
    One(String),
    Cookies(Vec<String>),
}

/// Response headers after Node.js merged duplicates (`IncomingMessage.headers`).
#[derive(Debug, Clone, Default)]
struct Headers {
    entries: Vec<(String, HeaderValue)>,
}

/// Headers whose duplicates Node.js drops (it keeps the first).
const NODE_SINGLE_HEADERS: [&str; 18] = [
    "age",
    "authorization",
    "content-length",
    "content-type",
    "etag",
    "expires",
    "from",
    "host",
    "if-modified-since",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "proxy-authorization",
    "referer",
    "retry-after",
    "server",
    "user-agent",
];

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

impl Headers {
    /// Merges raw header lines as Node.js does (values already stripped of surrounding blanks by
    /// its HTTP parser).
    fn from_raw(raw: &[(String, String)]) -> Self {
        let mut headers = Self::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (name, value) in raw {
            if name.is_empty() || !name.chars().all(is_token_char) {
                continue;
            }
            let name = name.to_ascii_lowercase();
            let value = value.trim_matches([' ', '\t']).to_owned();
            let Some(&at) = index.get(&name) else {
                index.insert(name.clone(), headers.entries.len());
                let value = if name == "set-cookie" {
                    HeaderValue::Cookies(vec![value])
                } else {
                    HeaderValue::One(value)
                };
                headers.entries.push((name, value));
                continue;
            };
            match &mut headers.entries[at].1 {
                HeaderValue::Cookies(list) => list.push(value),
                HeaderValue::One(_) if NODE_SINGLE_HEADERS.contains(&name.as_str()) => {}
                HeaderValue::One(joined) => {
                    joined.push_str(if name == "cookie" { "; " } else { ", " });
                    joined.push_str(&value);
                }
            }
        }
        headers
    }

    /// The same headers after axios cleaned each value (control characters removed, blanks trimmed).
    fn sanitized(&self) -> Self {
        fn clean(value: &str) -> String {
            let kept: String = value
                .chars()
                .filter(|c| !matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'))
                .collect();
            kept.trim_matches([' ', '\t']).to_owned()
        }
        let entries = self
            .entries
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    HeaderValue::One(v) => HeaderValue::One(clean(v)),
                    HeaderValue::Cookies(list) => HeaderValue::Cookies(list.iter().map(|v| clean(v)).collect()),
                };
                (name.clone(), value)
            })
            .collect();
        Self { entries }
    }

    /// Observatory's `getHttpHeaders`: every value of the header.
    fn all(&self, name: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, value)| match value {
                HeaderValue::One(v) => vec![v.as_str()],
                HeaderValue::Cookies(list) => list.iter().map(String::as_str).collect(),
            })
            .collect()
    }

    /// Observatory's `getFirstHttpHeader`.
    fn first(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// A non-empty value, as JavaScript's truthiness of `getFirstHttpHeader` sees it.
    fn first_non_empty(&self, name: &str) -> Option<&str> {
        self.first(name).filter(|v| !v.is_empty())
    }
}

// ---------------------------------------------------------------------------------------------
// Retrieval: the two sessions, the cookie jar, the page
// ---------------------------------------------------------------------------------------------

/// A final response as Observatory holds it.
struct Response {
    status: u16,
    headers: Headers,
    verified: bool,
}

/// A URL of a redirect chain, reduced to what the tests compare.
struct RouteEntry {
    protocol: String,
    hostname: String,
}

struct Session {
    route: Vec<RouteEntry>,
    response: Option<Response>,
    cookies: Vec<Cookie>,
}

impl Session {
    fn fetch(chain: Option<&FetchChain>, now_ms: f64) -> Self {
        let mut session = Self {
            route: Vec::new(),
            response: None,
            cookies: Vec::new(),
        };
        let Some(chain) = chain.filter(|c| !c.hops.is_empty()) else {
            return session;
        };
        let mut jar = CookieJar::default();
        for (index, hop) in chain.hops.iter().enumerate() {
            let parsed = Url::parse(&hop.url).ok();
            let context = parsed.as_ref().and_then(CookieContext::for_request);
            if let Some(context) = &context {
                jar.before_request(context, now_ms);
            }
            let raw = Headers::from_raw(&hop.headers);
            if let Some(context) = &context {
                for set_cookie in raw.all("set-cookie") {
                    jar.set_cookie(set_cookie, context, now_ms);
                }
            }
            session.route.push(RouteEntry {
                protocol: parsed.as_ref().map(|u| format!("{}:", u.scheme())).unwrap_or_default(),
                hostname: parsed
                    .as_ref()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default(),
            });
            if index + 1 == chain.hops.len() {
                session.response = Some(Response {
                    status: hop.status,
                    headers: raw.sanitized(),
                    verified: chain.certificate_verified,
                });
            }
        }
        session.cookies = jar.cookies;
        session
    }
}

/// What `<meta>` elements contributed (`parseHttpEquivHeaders`).
#[derive(Default)]
struct HttpEquiv {
    csp: Vec<String>,
    referrer: Option<String>,
}

/// Observatory's `Requests` object for one scan.
struct Scan<'a> {
    hostname: &'a str,
    http: Session,
    https: Session,
    /// Whether the graded session is the `https` one (its start URL is then `https:`).
    auto_is_https: bool,
    page: String,
    http_equiv: HttpEquiv,
    cors: Option<Headers>,
}

const HTML_TYPES: [&str; 2] = ["text/html", "application/xhtml+xml"];

impl<'a> Scan<'a> {
    fn build(input: &'a ObservatoryInput) -> Self {
        let now_ms = (input.fetched_at.unix_timestamp_nanos() / 1_000_000) as f64;
        let http = Session::fetch(input.http.as_ref(), now_ms);
        let https = Session::fetch(input.https.as_ref(), now_ms);
        let https_chain = input.https.as_ref().filter(|c| !c.hops.is_empty());
        let auto_is_https = https_chain.is_some();
        let chain = if auto_is_https {
            https_chain
        } else {
            input.http.as_ref()
        };
        let page = page_text(chain.and_then(|c| c.body.as_deref()));
        let mut scan = Self {
            hostname: &input.hostname,
            http,
            https,
            auto_is_https,
            page,
            http_equiv: HttpEquiv::default(),
            cors: input
                .cors_preflight
                .as_ref()
                .filter(|p| (200..300).contains(&p.status))
                .map(|p| Headers::from_raw(&p.headers).sanitized()),
        };
        let is_html = scan
            .auto()
            .and_then(|r| r.headers.first("content-type"))
            .is_some_and(|ct| HTML_TYPES.contains(&ct.split(';').next().unwrap_or_default()));
        if is_html && !scan.page.is_empty() {
            scan.http_equiv = http_equiv(&scan.page);
        }
        scan
    }

    fn auto(&self) -> Option<&Response> {
        if self.auto_is_https {
            self.https.response.as_ref()
        } else {
            self.http.response.as_ref()
        }
    }

    fn auto_cookies(&self) -> &[Cookie] {
        if self.auto_is_https {
            &self.https.cookies
        } else {
            &self.http.cookies
        }
    }
}

/// The page as Observatory reads it: axios strips a BOM and turns a JSON body into a value, which
/// jsdom then sees through JavaScript's `String()` (falsy values as the empty page).
fn page_text(body: Option<&str>) -> String {
    fn to_js_string(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::Null => "null".to_owned(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => js_number_to_string(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| {
                    if item.is_null() {
                        String::new()
                    } else {
                        to_js_string(item)
                    }
                })
                .collect::<Vec<_>>()
                .join(","),
            serde_json::Value::Object(_) => "[object Object]".to_owned(),
        }
    }
    let body = body.unwrap_or_default();
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    if body.is_empty() {
        return String::new();
    }
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(value) => {
            let falsy = match &value {
                serde_json::Value::Null => true,
                serde_json::Value::Bool(b) => !b,
                serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| f == 0.0),
                serde_json::Value::String(s) => s.is_empty(),
                _ => false,
            };
            if falsy { String::new() } else { to_js_string(&value) }
        }
        Err(_) => body.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// HTML (jsdom): <meta> from a fragment parse, <script> and <base> from a document parse
// ---------------------------------------------------------------------------------------------

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

fn parse_html(text: &str, fragment: bool) -> Html {
    let opts = ParseOpts {
        tree_builder: TreeBuilderOpts {
            scripting_enabled: fragment,
            ..TreeBuilderOpts::default()
        },
        ..ParseOpts::default()
    };
    if fragment {
        // jsdom's `JSDOM.fragment` parses into a <template>, with scripting enabled.
        let context = QualName::new(None, Namespace::from(HTML_NS), LocalName::from("template"));
        driver::parse_fragment(
            HtmlTreeSink::new(Html::new_fragment()),
            opts,
            context,
            Vec::new(),
            false,
        )
        .one(text)
    } else {
        // `new JSDOM(html)` parses a document with scripting disabled.
        driver::parse_document(HtmlTreeSink::new(Html::new_document()), opts).one(text)
    }
}

/// Elements in tree order, leaving out template contents as `querySelectorAll` does.
fn elements(html: &Html) -> Vec<&scraper::node::Element> {
    let root = html.tree.root();
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Fragment if node.id() != root.id() => continue,
            Node::Element(element) => out.push(element),
            _ => {}
        }
        let children: Vec<_> = node.children().collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

fn is_html_element(element: &scraper::node::Element, local: &str) -> bool {
    &*element.name.local == local && &*element.name.ns == HTML_NS
}

fn http_equiv(page: &str) -> HttpEquiv {
    let html = parse_html(page, true);
    let mut equiv = HttpEquiv::default();
    for meta in elements(&html).into_iter().filter(|e| &*e.name.local == "meta") {
        if let (Some(name), Some(content)) = (meta.attr("http-equiv"), meta.attr("content")) {
            if !content.is_empty() && js_trim(&name.to_lowercase()) == "content-security-policy" {
                equiv.csp.push(content.to_owned());
            }
        } else if meta
            .attr("name")
            .is_some_and(|n| js_trim(&n.to_lowercase()) == "referrer")
            && let Some(content) = meta.attr("content").filter(|c| !c.is_empty())
        {
            equiv.referrer = Some(content.to_owned());
        }
    }
    equiv
}

/// A `<script>` as the SRI test sees it: `src` resolved like jsdom's `script.src`.
struct Script {
    src: Option<String>,
    integrity: Option<String>,
}

fn scripts(page: &str) -> Vec<Script> {
    let html = parse_html(page, false);
    let all = elements(&html);
    let about_blank = Url::parse("about:blank").ok();
    let base = all
        .iter()
        .find(|e| is_html_element(e, "base") && e.attr("href").is_some())
        .and_then(|e| {
            about_blank
                .as_ref()
                .and_then(|b| b.join(e.attr("href").unwrap_or_default()).ok())
        })
        .or(about_blank);
    all.iter()
        .filter(|e| &*e.name.local == "script")
        .map(|e| {
            if !is_html_element(e, "script") {
                // An SVG <script> has no `src` property.
                return Script {
                    src: None,
                    integrity: None,
                };
            }
            let src = e.attr("src").map(|raw| {
                base.as_ref()
                    .and_then(|b| b.join(raw).ok())
                    .map_or_else(|| raw.to_owned(), |u| u.as_str().to_owned())
            });
            Script {
                src,
                integrity: e.attr("integrity").map(str::to_owned),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Public suffixes (tldts 7.6.0)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct SuffixNode {
    flags: u8,
    children: HashMap<Box<str>, usize>,
}

struct SuffixTrie {
    nodes: Vec<SuffixNode>,
    rules: usize,
    exceptions: usize,
}

const ICANN: u8 = 1;
const PRIVATE: u8 = 2;

fn suffix_trie() -> &'static SuffixTrie {
    static TRIE: OnceLock<SuffixTrie> = OnceLock::new();
    TRIE.get_or_init(|| {
        let mut trie = SuffixTrie {
            nodes: vec![SuffixNode::default(), SuffixNode::default()],
            rules: 0,
            exceptions: 1,
        };
        let data = include_str!("../data/public_suffix_list.txt");
        for line in data.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (root, line) = match line.strip_prefix('!') {
                Some(rest) => (trie.exceptions, rest),
                None => (trie.rules, line),
            };
            let Some((flags, rule)) = line.split_once(' ') else {
                continue;
            };
            let flags: u8 = flags.parse().unwrap_or(0);
            let mut node = root;
            for label in rule.rsplit('.') {
                node = match trie.nodes[node].children.get(label) {
                    Some(&child) => child,
                    None => {
                        trie.nodes.push(SuffixNode::default());
                        let child = trie.nodes.len() - 1;
                        trie.nodes[node].children.insert(label.into(), child);
                        child
                    }
                };
            }
            trie.nodes[node].flags |= flags;
        }
        trie
    })
}

impl SuffixTrie {
    /// tldts' `walk`: the deepest node allowed by `mask`, as (start, end) of its left-most label.
    fn walk(&self, hostname: &str, root: usize, mask: u8) -> Option<(usize, usize)> {
        let mut node = root;
        let mut found = None;
        let mut end = hostname.len();
        loop {
            let start = hostname[..end].rfind('.').map_or(0, |dot| dot + 1);
            let label = &hostname[start..end];
            let child = self.nodes[node].children.get(label).or_else(|| {
                if label.is_empty() {
                    None
                } else {
                    self.nodes[node].children.get("*")
                }
            });
            let Some(&child) = child else { break };
            node = child;
            if self.nodes[node].flags & mask != 0 {
                found = Some((start, end));
            }
            if start == 0 {
                break;
            }
            end = start - 1;
        }
        found
    }

    /// tldts' public suffix of an (already validated) host name.
    fn public_suffix<'h>(&self, hostname: &'h str, allow_private: bool) -> &'h str {
        if !allow_private && hostname.len() > 3 {
            for fast in [".com", ".org", ".edu", ".gov", ".net", ".de"] {
                if hostname.ends_with(fast) {
                    return &fast[1..];
                }
            }
        }
        let mask = ICANN | if allow_private { PRIVATE } else { 0 };
        if let Some((_, end)) = self.walk(hostname, self.exceptions, mask) {
            return hostname.get(end + 1..).unwrap_or_default();
        }
        if let Some((start, _)) = self.walk(hostname, self.rules, mask) {
            return &hostname[start..];
        }
        hostname.rfind('.').map_or(hostname, |dot| &hostname[dot + 1..])
    }
}

/// tldts' `isValidHostname`.
fn tldts_valid_hostname(hostname: &str) -> bool {
    let bytes: Vec<u32> = hostname.encode_utf16().map(u32::from).collect();
    let valid_ascii = |c: u32| (97..=122).contains(&c) || (48..=57).contains(&c) || c > 127;
    if bytes.is_empty() || bytes.len() > 255 {
        return false;
    }
    if !valid_ascii(bytes[0]) && bytes[0] != 46 && bytes[0] != 95 {
        return false;
    }
    let mut last_dot: i64 = -1;
    let mut last: u32 = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if c == 46 {
            if i as i64 - last_dot > 64 || last == 46 || last == 45 {
                return false;
            }
            last_dot = i as i64;
        } else if !(valid_ascii(c) || c == 45 || c == 95) || (c == 45 && last == 46) {
            return false;
        }
        last = c;
    }
    bytes.len() as i64 - last_dot - 1 <= 63 && last != 45
}

/// tldts' `getDomain` (registrable domain) of a host name; `None` for IPs and invalid names.
fn registrable_domain(hostname: &str, allow_private: bool) -> Option<String> {
    let lower = hostname.to_lowercase();
    let lower = lower.trim_end_matches('.');
    if lower.is_empty() || looks_like_ip(lower) || !tldts_valid_hostname(lower) {
        return None;
    }
    let suffix_len = suffix_trie().public_suffix(lower, allow_private).len();
    let leading_dots = lower.bytes().take_while(|b| *b == b'.').count();
    if suffix_len == lower.len() - leading_dots {
        return None;
    }
    // `hostname.lastIndexOf('.', hostname.length - suffix.length - 2)`
    let mut end = (lower.len().saturating_sub(suffix_len + 2) + 1).min(lower.len());
    while !lower.is_char_boundary(end) {
        end -= 1;
    }
    match lower[..end].rfind('.') {
        None => Some(lower.to_owned()),
        Some(dot) => Some(lower[dot + 1..].to_owned()),
    }
}

fn looks_like_ip(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.parse::<std::net::IpAddr>().is_ok()
}

// ---------------------------------------------------------------------------------------------
// Cookie jar (tough-cookie 5 as driven by http-cookie-agent)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expiry {
    Never,
    Always,
    At(f64),
}

#[derive(Debug, Clone)]
struct Cookie {
    key: String,
    domain: String,
    path: String,
    host_only: bool,
    secure: bool,
    http_only: bool,
    same_site: Option<&'static str>,
    expiry: Expiry,
}

/// The URL tough-cookie sees for a request: http-cookie-agent formats host, path and query
/// (`?` escaped) and tough-cookie parses that back after `decodeURI`.
struct CookieContext {
    host: String,
    path: String,
    secure: bool,
}

impl CookieContext {
    fn for_request(url: &Url) -> Option<Self> {
        let host = url.host_str()?;
        let mut path = url.path().to_owned();
        if let Some(query) = url.query().filter(|q| !q.is_empty()) {
            path.push('?');
            path.push_str(query);
        }
        let path = path.replace('?', "%3F").replace('#', "%23");
        let formatted = format!("{}://{host}{path}", url.scheme());
        let reparsed = js_decode_uri(&formatted, ";/?:@&=+$,#")
            .and_then(|decoded| Url::parse(&decoded).ok())
            .or_else(|| Url::parse(&formatted).ok())?;
        Some(Self {
            host: canonical_domain(reparsed.host_str()?)?,
            path: reparsed.path().to_owned(),
            secure: matches!(reparsed.scheme(), "https" | "wss"),
        })
    }
}

/// tough-cookie's `canonicalDomain`; `None` when the name cannot be made ASCII.
fn canonical_domain(name: &str) -> Option<String> {
    let trimmed = js_trim(name);
    let s = trimmed.strip_prefix('.').unwrap_or(trimmed);
    if s.chars().any(|c| c == '\0' || !c.is_ascii()) {
        let url = Url::parse(&format!("http://{s}")).ok()?;
        return url.host_str().map(str::to_owned);
    }
    Some(s.to_lowercase())
}

/// tough-cookie's `domainMatch` (without canonicalisation).
fn domain_match(host: &str, domain: &str) -> bool {
    if host == domain {
        return true;
    }
    let Some(index) = host.rfind(domain) else {
        return false;
    };
    index > 0 && host.len() == domain.len() + index && host.as_bytes()[index - 1] == b'.' && !looks_like_ip(host)
}

fn path_match(request_path: &str, cookie_path: &str) -> bool {
    if request_path == cookie_path {
        return true;
    }
    request_path.starts_with(cookie_path)
        && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/'))
}

fn default_path(path: &str) -> String {
    if !path.starts_with('/') || path == "/" {
        return "/".to_owned();
    }
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(slash) => path[..slash].to_owned(),
    }
}

const SPECIAL_USE_DOMAINS: [&str; 5] = ["local", "example", "invalid", "localhost", "test"];

/// tough-cookie's `getPublicSuffix` (which actually returns the registrable domain), special-use
/// domains allowed. `Err` where it throws.
fn cookie_registrable_domain(domain: &str, ignore_error: bool) -> Result<Option<String>, ()> {
    let parts: Vec<&str> = domain.split('.').collect();
    let tld = parts.last().copied().unwrap_or_default();
    if SPECIAL_USE_DOMAINS.contains(&tld) {
        if parts.len() > 1 {
            return Ok(Some(format!("{}.{tld}", parts[parts.len() - 2])));
        }
        if tld == "localhost" || tld == "invalid" {
            return Ok(Some(tld.to_owned()));
        }
        if !ignore_error {
            return Err(());
        }
    }
    Ok(registrable_domain(domain, true))
}

fn permute_domain(host: &str) -> Vec<String> {
    let Ok(Some(suffix)) = cookie_registrable_domain(host, false) else {
        return vec![host.to_owned()];
    };
    if suffix == host {
        return vec![host.to_owned()];
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let prefix = host
        .get(..host.len().saturating_sub(suffix.len() + 1))
        .unwrap_or_default();
    let mut current = suffix.clone();
    let mut out = vec![current.clone()];
    for part in prefix.rsplit('.') {
        current = format!("{part}.{current}");
        out.push(current.clone());
    }
    out
}

/// RFC 6265 cookie-date parsing as tough-cookie does it; milliseconds since the epoch.
fn parse_cookie_date(text: &str) -> Option<f64> {
    fn digits(token: &str, min: usize, max: usize, trailing_ok: bool) -> Option<u32> {
        let count = token.bytes().take_while(u8::is_ascii_digit).count();
        if count < min || count > max || (!trailing_ok && count != token.len()) {
            return None;
        }
        token[..count].parse().ok()
    }
    let is_delim = |c: char| matches!(c, '\t' | ' '..='/' | ';'..='@' | '['..='`' | '{'..='~');
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in text.split(is_delim) {
        let token = js_trim(token);
        if token.is_empty() {
            continue;
        }
        if time.is_none() {
            let parts: Vec<&str> = token.split(':').collect();
            if parts.len() == 3 {
                let h = digits(parts[0], 1, 2, false);
                let m = digits(parts[1], 1, 2, false);
                let s = digits(parts[2], 1, 2, true);
                if let (Some(h), Some(m), Some(s)) = (h, m, s) {
                    time = Some((h, m, s));
                    continue;
                }
            }
        }
        if day.is_none()
            && let Some(d) = digits(token, 1, 2, true)
        {
            day = Some(d);
            continue;
        }
        if month.is_none() {
            let prefix: String = token.chars().take(3).collect::<String>().to_lowercase();
            let months = [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ];
            if let Some(m) = months.iter().position(|m| *m == prefix) {
                month = Some(m as u32);
                continue;
            }
        }
        if year.is_none()
            && let Some(mut y) = digits(token, 2, 4, true)
        {
            if (70..=99).contains(&y) {
                y += 1900;
            } else if y <= 69 {
                y += 2000;
            }
            year = Some(y);
        }
    }
    let ((hour, minute, second), day, month, year) = (time?, day?, month?, year?);
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Date.UTC: days before the month plus the day (overflowing days roll into the next month).
    let y = i64::from(year);
    let days_before_year =
        365 * (y - 1970) + (y - 1969).div_euclid(4) - (y - 1901).div_euclid(100) + (y - 1601).div_euclid(400);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let mut days = days_before_year + cumulative[month as usize] + i64::from(day) - 1;
    if leap && month >= 2 {
        days += 1;
    }
    let seconds = days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
    Some(seconds as f64 * 1000.0)
}

/// A parsed `Set-Cookie` (tough-cookie `Cookie.parse`, strict mode).
struct ParsedCookie {
    key: String,
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<&'static str>,
    max_age: Option<f64>,
    expires: Option<f64>,
}

fn parse_set_cookie(header: &str) -> Option<ParsedCookie> {
    let text = js_trim(header);
    let (pair, attributes) = match text.find(';') {
        Some(semi) => (&text[..semi], Some(&text[semi + 1..])),
        None => (text, None),
    };
    let mut pair = pair;
    for terminator in ['\n', '\r', '\0'] {
        if let Some(at) = pair.find(terminator) {
            pair = &pair[..at];
        }
    }
    let eq = pair.find('=').filter(|eq| *eq > 0)?;
    let key = js_trim(&pair[..eq]);
    let value = js_trim(&pair[eq + 1..]);
    if key.chars().chain(value.chars()).any(|c| c < '\u{20}') {
        return None;
    }
    let mut cookie = ParsedCookie {
        key: key.to_owned(),
        domain: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
        max_age: None,
        expires: None,
    };
    for av in attributes.map(js_trim).unwrap_or_default().split(';') {
        let av = js_trim(av);
        if av.is_empty() {
            continue;
        }
        let (name, value) = match av.find('=') {
            Some(sep) => (&av[..sep], Some(&av[sep + 1..])),
            None => (av, None),
        };
        let value = value.map(js_trim).filter(|v| !v.is_empty());
        match js_trim(name).to_lowercase().as_str() {
            "expires" => {
                if let Some(at) = value.and_then(parse_cookie_date) {
                    cookie.expires = Some(at);
                }
            }
            "max-age" => {
                if let Some(v) = value {
                    let digits = v.strip_prefix('-').unwrap_or(v);
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        cookie.max_age = js_parse_int(v);
                    }
                }
            }
            "domain" => {
                if let Some(v) = value {
                    let v = js_trim(v);
                    let v = v.strip_prefix('.').unwrap_or(v);
                    if !v.is_empty() {
                        cookie.domain = Some(v.to_lowercase());
                    }
                }
            }
            "path" => cookie.path = value.filter(|v| v.starts_with('/')).map(str::to_owned),
            "secure" => cookie.secure = true,
            "httponly" => cookie.http_only = true,
            "samesite" => {
                cookie.same_site = match value.map(str::to_lowercase).as_deref() {
                    Some("strict") => Some("strict"),
                    Some("lax") => Some("lax"),
                    Some("none") => Some("none"),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    Some(cookie)
}

#[derive(Default)]
struct CookieJar {
    cookies: Vec<Cookie>,
    /// Position of each cookie by its identity (domain, path, name).
    index: HashMap<(String, String, String), usize>,
}

impl CookieJar {
    /// `jar.getCookiesSync(url)` before each request: expired cookies that match it are removed.
    fn before_request(&mut self, context: &CookieContext, now_ms: f64) {
        let domains = permute_domain(&context.host);
        let path = if context.path.is_empty() {
            "/"
        } else {
            context.path.as_str()
        };
        self.cookies.retain(|c| {
            let matches = domains.contains(&c.domain)
                && path_match(path, &c.path)
                && (if c.host_only {
                    c.domain == context.host
                } else {
                    domain_match(&context.host, &c.domain)
                })
                && (!c.secure || context.secure);
            let expired = match c.expiry {
                Expiry::Never => false,
                Expiry::Always => true,
                Expiry::At(at) => at <= now_ms,
            };
            !(matches && expired)
        });
        if self.cookies.len() != self.index.len() {
            self.index = self
                .cookies
                .iter()
                .enumerate()
                .map(|(at, c)| ((c.domain.clone(), c.path.clone(), c.key.clone()), at))
                .collect();
        }
    }

    /// `jar.setCookieSync(header, url, { ignoreError: true })`.
    fn set_cookie(&mut self, header: &str, context: &CookieContext, now_ms: f64) {
        let Some(parsed) = parse_set_cookie(header) else {
            return;
        };
        let (domain, host_only) = match &parsed.domain {
            Some(domain) => {
                let Some(canonical) = canonical_domain(domain) else {
                    return;
                };
                let is_ipv6 = domain.contains(':');
                if !is_ipv6 && !matches!(cookie_registrable_domain(&canonical, true), Ok(Some(_))) {
                    return;
                }
                if !domain_match(&context.host, &canonical) {
                    return;
                }
                (domain.clone(), false)
            }
            None => (context.host.clone(), true),
        };
        let path = match parsed.path {
            Some(p) if p.starts_with('/') => p,
            _ => default_path(&context.path),
        };
        if parsed.key.starts_with("__Secure-") && !parsed.secure {
            return;
        }
        if parsed.key.starts_with("__Host-") && !(parsed.secure && host_only && path == "/") {
            return;
        }
        let expiry = match (parsed.max_age, parsed.expires) {
            (Some(age), _) if !age.is_finite() || age <= 0.0 => Expiry::Always,
            (Some(age), _) => Expiry::At(now_ms + age * 1000.0),
            (None, Some(at)) => Expiry::At(at),
            (None, None) => Expiry::Never,
        };
        let cookie = Cookie {
            key: parsed.key,
            domain,
            path,
            host_only,
            secure: parsed.secure,
            http_only: parsed.http_only,
            same_site: parsed.same_site,
            expiry,
        };
        let identity = (cookie.domain.clone(), cookie.path.clone(), cookie.key.clone());
        match self.index.get(&identity) {
            Some(&at) => self.cookies[at] = cookie,
            None => {
                self.index.insert(identity, self.cookies.len());
                self.cookies.push(cookie);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Content Security Policy
// ---------------------------------------------------------------------------------------------

/// Primary collation rank of a character in ICU's root order (`Intl.Collator("en")`); `None` for
/// characters the collation ignores. Characters beyond ASCII are ranked by code point after ASCII.
fn collation_rank(c: char) -> Option<u32> {
    const ORDER: &str = "\t\n\u{b}\u{c}\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";
    let lower = c.to_ascii_lowercase();
    if let Some(rank) = ORDER.find(lower) {
        return Some(rank as u32);
    }
    if c.is_ascii_control() {
        return None;
    }
    Some(0x100 + c as u32)
}

fn collate(a: &str, b: &str) -> std::cmp::Ordering {
    let ka = a.chars().filter_map(collation_rank);
    let kb = b.chars().filter_map(collation_rank);
    ka.cmp(kb).then_with(|| {
        // Tertiary level: lower case before upper case.
        let ta = a
            .chars()
            .filter(|c| collation_rank(*c).is_some())
            .map(|c| c.is_ascii_uppercase());
        let tb = b
            .chars()
            .filter(|c| collation_rank(*c).is_some())
            .map(|c| c.is_ascii_uppercase());
        ta.cmp(tb)
    })
}

/// A parsed policy: directives in insertion order, each an insertion-ordered set of sources,
/// plus the duplicate-directive warnings Observatory records.
#[derive(Default, Clone)]
struct Csp {
    directives: Vec<(String, Vec<String>)>,
    warnings: bool,
}

impl Csp {
    fn size(&self) -> usize {
        self.directives.len() + usize::from(self.warnings)
    }
    fn index(&self, name: &str) -> Option<usize> {
        self.directives.iter().position(|(n, _)| n == name)
    }
}

struct CspSource {
    source: String,
    policy: usize,
    keep: bool,
}

fn path_part_match(a: &str, b: &str) -> Result<bool, ()> {
    if a.is_empty() || (a == "/" && b.is_empty()) {
        return Ok(true);
    }
    let exact = !a.ends_with('/');
    let mut parts_a: Vec<&str> = a.split('/').collect();
    let parts_b: Vec<&str> = b.split('/').collect();
    if parts_a.len() > parts_b.len() || (exact && parts_a.len() != parts_b.len()) {
        return Ok(false);
    }
    if !exact {
        parts_a.pop();
    }
    for (piece_a, piece_b) in parts_a.iter().zip(&parts_b) {
        let piece_a = js_decode_uri(piece_a, "").ok_or(())?;
        let piece_b = js_decode_uri(piece_b, "").ok_or(())?;
        if piece_a != piece_b {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Observatory's `parseCsp`; `Err` where it throws.
fn parse_csp(list: &[&str]) -> Result<Csp, ()> {
    let clean: Vec<String> = list
        .iter()
        .map(|s| js_trim(&s.replace(['\r', '\n'], "")).to_owned())
        .collect();
    if clean.is_empty() {
        return Ok(Csp::default());
    }
    if clean.iter().any(|s| s.is_empty() || js_len(s) < 6) {
        return Err(());
    }
    let mut arena: Vec<CspSource> = Vec::new();
    let mut map: Vec<(String, Vec<usize>)> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    let mut warnings = false;
    for (policy_index, policy) in clean.iter().enumerate() {
        let mut seen: HashSet<String> = HashSet::new();
        for entry in policy.split(';') {
            let mut tokens = js_trim(entry).split(is_js_space).filter(|t| !t.is_empty());
            let Some(directive) = tokens.next() else {
                continue;
            };
            let directive = directive.to_lowercase();
            if !seen.insert(directive.clone()) {
                if directive == "report-uri" || directive == "report-to" {
                    warnings = true;
                } else {
                    return Err(());
                }
            }
            let keep = policy_index == 0;
            let mut values: Vec<usize> = Vec::new();
            for raw in tokens {
                arena.push(CspSource {
                    source: js_trim(raw).to_lowercase(),
                    policy: policy_index,
                    keep,
                });
                values.push(arena.len() - 1);
            }
            if values.is_empty() && directive.ends_with("-src") {
                arena.push(CspSource {
                    source: "'none'".to_owned(),
                    policy: policy_index,
                    keep,
                });
                values.push(arena.len() - 1);
            }
            let existing = positions.get(&directive).copied();
            let mut combined = match existing {
                Some(at) if policy_index > 0 => {
                    let mut c = map[at].1.clone();
                    c.extend(values);
                    c
                }
                _ => values,
            };
            combined.sort_by(|a, b| collate(&arena[*a].source, &arena[*b].source));
            for i in 1..combined.len() {
                let (prev, current) = (combined[i - 1], combined[i]);
                if arena[current].policy == arena[prev].policy
                    && arena[current].source.starts_with(arena[prev].source.as_str())
                {
                    arena[current].keep = false;
                }
                if arena[current].policy != arena[prev].policy
                    && path_part_match(&arena[prev].source, &arena[current].source)?
                {
                    arena[current].keep = true;
                }
            }
            let kept: Vec<usize> = combined.into_iter().filter(|i| arena[*i].keep).collect();
            if policy_index == 0 && clean.len() > 1 {
                for i in &kept {
                    arena[*i].keep = false;
                }
            }
            match existing {
                Some(at) => map[at].1 = kept,
                None => {
                    positions.insert(directive.clone(), map.len());
                    map.push((directive, kept));
                }
            }
        }
    }
    let directives = map
        .into_iter()
        .map(|(name, sources)| {
            let mut set: Vec<String> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            for i in sources {
                if seen.insert(arena[i].source.as_str()) {
                    set.push(arena[i].source.clone());
                }
            }
            if set.is_empty() {
                set.push("'none'".to_owned());
            }
            (name, set)
        })
        .collect();
    Ok(Csp { directives, warnings })
}

/// Observatory's `parseCspMeta`: directives not allowed in `<meta>` removed.
fn parse_csp_meta(list: &[&str]) -> Result<Csp, ()> {
    let mut csp = parse_csp(list)?;
    csp.directives
        .retain(|(name, _)| !matches!(name.as_str(), "frame-ancestors" | "report-uri" | "sandbox"));
    Ok(csp)
}

const DANGEROUSLY_BROAD: [&str; 8] = [
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
];
const NONCES_HASHES: [&str; 4] = ["'sha256-", "'sha384-", "'sha512-", "'nonce-"];

fn broad(source: &str) -> bool {
    DANGEROUSLY_BROAD.contains(&source)
}

fn broad_or_unsafe_inline(source: &str) -> bool {
    broad(source) || source == "'unsafe-inline'" || source == "data:"
}

fn has_nonce_or_hash(sources: &[String]) -> bool {
    sources.iter().any(|s| NONCES_HASHES.iter().any(|p| s.starts_with(p)))
}

/// Which set a CSP variable refers to: a directive of the parsed policy (shared, as in
/// JavaScript, so changes show through every reference) or a fresh `new Set(["*"])`.
#[derive(Clone, Copy, PartialEq)]
enum SetRef {
    Directive(usize),
    Star(usize),
}

struct CspOutcome {
    result: Expectation,
    pass: bool,
    frame_ancestors_in_data: bool,
}

fn csp_test(scan: &Scan) -> CspOutcome {
    let fail = |result| CspOutcome {
        result,
        pass: false,
        frame_ancestors_in_data: false,
    };
    let Some(response) = scan.auto() else {
        return fail(E::CspNotImplemented);
    };
    let http: Vec<&str> = response.headers.all("content-security-policy");
    let meta: Vec<&str> = scan.http_equiv.csp.iter().map(String::as_str).collect();
    let combined: Vec<&str> = http.iter().chain(&meta).copied().collect();
    let Ok(mut csp) = parse_csp(&combined) else {
        return fail(E::CspHeaderInvalid);
    };
    let header_only = parse_csp(&http).unwrap_or_default();
    let meta_only = parse_csp_meta(&meta).unwrap_or_default();
    if header_only.size() + meta_only.size() == 0 {
        let report_only = response.headers.first_non_empty("content-security-policy-report-only");
        return fail(if report_only.is_some() {
            E::CspReportOnly
        } else {
            E::CspNotImplemented
        });
    }

    let mut stars: Vec<Vec<String>> = Vec::new();
    let mut pick = |csp: &Csp, names: &[&str]| -> SetRef {
        for name in names {
            if let Some(at) = csp.index(name) {
                return SetRef::Directive(at);
            }
        }
        stars.push(vec!["*".to_owned()]);
        SetRef::Star(stars.len() - 1)
    };
    let object_src = pick(&csp, &["object-src", "default-src"]);
    let script_src = pick(&csp, &["script-src", "default-src"]);
    let style_src = pick(&csp, &["style-src", "default-src"]);
    let get = |csp: &Csp, stars: &[Vec<String>], r: SetRef| -> Vec<String> {
        match r {
            SetRef::Directive(at) => csp.directives[at].1.clone(),
            SetRef::Star(at) => stars[at].clone(),
        }
    };
    let retain = |csp: &mut Csp, stars: &mut [Vec<String>], r: SetRef, keep: &dyn Fn(&str) -> bool| match r {
        SetRef::Directive(at) => csp.directives[at].1.retain(|s| keep(s)),
        SetRef::Star(at) => stars[at].retain(|s| keep(s)),
    };

    for list in [script_src, style_src] {
        let sources = get(&csp, &stars, list);
        if has_nonce_or_hash(&sources) && sources.iter().any(|s| s == "'unsafe-inline'") {
            retain(&mut csp, &mut stars, list, &|s| s != "'unsafe-inline'");
        }
    }
    let mut result: Option<Expectation> = None;
    let script = get(&csp, &stars, script_src);
    if has_nonce_or_hash(&script) && script.iter().any(|s| s == "'strict-dynamic'") {
        retain(&mut csp, &mut stars, script_src, &|s| {
            !(DANGEROUSLY_BROAD.iter().any(|b| s.starts_with(b)) || s == "'self'" || s == "'unsafe-inline'")
        });
    } else if script.iter().any(|s| s == "'strict-dynamic'") {
        result = Some(E::CspHeaderInvalid);
    }

    let script = get(&csp, &stars, script_src);
    let style = get(&csp, &stars, style_src);
    let object = get(&csp, &stars, object_src);
    let mut active: Vec<String> = csp
        .directives
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "img-src" | "media-src" | "script-src"))
        .flat_map(|(_, sources)| sources.iter().cloned())
        .collect();
    active.extend(script.iter().cloned());
    let passive: Vec<String> = ["img-src", "media-src"]
        .iter()
        .flat_map(|d| {
            csp.index(d)
                .or_else(|| csp.index("default-src"))
                .map(|at| csp.directives[at].1.clone())
                .unwrap_or_default()
        })
        .collect();
    let https = scan.auto_is_https;
    let insecure = |s: &String| s.starts_with("http:") || s.starts_with("ftp:");

    if script.iter().any(|s| broad_or_unsafe_inline(s)) || object.iter().any(|s| broad(s)) {
        result.get_or_insert(E::CspUnsafeInline);
    }
    if https && active.iter().any(insecure) {
        result.get_or_insert(E::CspInsecureScheme);
    }
    if script.iter().chain(&style).any(|s| s == "'unsafe-eval'") {
        result.get_or_insert(E::CspUnsafeEval);
    }
    if https && passive.iter().any(insecure) {
        result.get_or_insert(E::CspInsecureSchemePassiveOnly);
    }
    if style.iter().any(|s| broad_or_unsafe_inline(s)) {
        result.get_or_insert(E::CspUnsafeInlineStyleOnly);
    }
    let default_none = csp
        .index("default-src")
        .is_some_and(|at| csp.directives[at].1.len() == 1 && csp.directives[at].1[0] == "'none'");
    let mut result = *result.get_or_insert(if default_none {
        E::CspNoUnsafeDefaultNone
    } else {
        E::CspNoUnsafe
    });
    let mut pass = false;
    if matches!(
        result,
        E::CspNoUnsafe | E::CspNoUnsafeDefaultNone | E::CspUnsafeInlineStyleOnly | E::CspInsecureSchemePassiveOnly
    ) {
        pass = true;
        if csp.warnings {
            result = E::CspDuplicateDirectives;
        }
    }
    CspOutcome {
        result,
        pass,
        frame_ancestors_in_data: csp.index("frame-ancestors").is_some(),
    }
}

// ---------------------------------------------------------------------------------------------
// The other tests
// ---------------------------------------------------------------------------------------------

fn hsts_test(scan: &Scan) -> (Expectation, bool) {
    const SIX_MONTHS: f64 = 15_552_000.0;
    let result = match scan.https.response.as_ref() {
        None => E::HstsNoHttps,
        Some(response) if !response.verified => E::HstsInvalidCert,
        Some(response) => match response.headers.first("strict-transport-security") {
            None => E::HstsNotImplemented,
            Some(header) => {
                let data = js_prefix(header, 1024);
                if data.contains(',') {
                    E::HstsInvalid
                } else {
                    // `None` = never set, `Some(None)` = set to NaN.
                    let mut max_age: Option<Option<f64>> = None;
                    for parameter in data.split(';') {
                        let parameter = js_trim(parameter).to_lowercase();
                        if parameter.starts_with("max-age=") {
                            max_age = Some(js_parse_int(js_slice(&parameter, 8, 128)));
                        }
                    }
                    match max_age {
                        None => E::HstsInvalid,
                        Some(Some(age)) if age < SIX_MONTHS => E::HstsLessThanSixMonths,
                        Some(_) => E::HstsAtLeastSixMonths,
                    }
                }
            }
        },
    };
    (result, result == E::HstsAtLeastSixMonths)
}

fn contains_invalid_same_site(set_cookie: &str) -> bool {
    js_trim(set_cookie).split(';').any(|part| {
        let mut pieces = js_trim(part).split('=');
        let key = pieces.next().unwrap_or_default();
        let value = pieces.next();
        js_trim(key).to_lowercase() == "samesite"
            && match value {
                None | Some("") => true,
                Some(v) => !matches!(js_trim(v).to_lowercase().as_str(), "lax" | "strict" | "none"),
            }
    })
}

fn cookies_test(scan: &Scan, hsts: bool) -> (Expectation, bool) {
    const GOODNESS: [Expectation; 7] = [
        E::CookiesWithoutSecureHsts,
        E::CookiesWithoutSecure,
        E::CookiesSessionWithoutSecureHsts,
        E::CookiesSamesiteInvalid,
        E::CookiesAnticsrfWithoutSamesite,
        E::CookiesSessionWithoutHttponly,
        E::CookiesSessionWithoutSecure,
    ];
    let mut result: Option<Expectation> = None;
    if let Some(response) = scan.auto()
        && response
            .headers
            .all("set-cookie")
            .into_iter()
            .any(contains_invalid_same_site)
    {
        result = Some(only_if_worse(E::CookiesSamesiteInvalid, result, &GOODNESS));
    }
    let cookies: Vec<&Cookie> = scan
        .auto_cookies()
        .iter()
        .filter(|c| !c.key.is_empty() && c.key != "heroku-session-affinity")
        .collect();
    if cookies.is_empty() {
        return (E::CookiesNotFound, true);
    }
    let mut missing_same_site = false;
    for cookie in cookies {
        let key = cookie.key.to_lowercase();
        let session = key.contains("login") || key.contains("sess");
        let anticsrf = key.contains("csrf");
        let mut worse = |e: Expectation| result = Some(only_if_worse(e, result, &GOODNESS));
        if !cookie.secure && cookie.same_site == Some("none") {
            worse(E::CookiesSamesiteInvalid);
        }
        if !cookie.secure {
            worse(if hsts {
                E::CookiesWithoutSecureHsts
            } else {
                E::CookiesWithoutSecure
            });
        }
        if anticsrf && cookie.same_site.is_none() {
            worse(E::CookiesAnticsrfWithoutSamesite);
        }
        if session && !cookie.secure {
            worse(if hsts {
                E::CookiesSessionWithoutSecureHsts
            } else {
                E::CookiesSessionWithoutSecure
            });
        }
        if session && !cookie.http_only {
            worse(E::CookiesSessionWithoutHttponly);
        }
        missing_same_site |= cookie.same_site.is_none();
    }
    let result = result.unwrap_or(if missing_same_site {
        E::CookiesSecureHttponly
    } else {
        E::CookiesSecureHttponlySamesite
    });
    (
        result,
        matches!(
            result,
            E::CookiesSecureHttponly | E::CookiesSecureHttponlySamesite | E::CookiesNotFound
        ),
    )
}

fn cors_test(scan: &Scan) -> (Expectation, bool) {
    // Observatory reads the probe's `Origin` from `response.request.headers`, which Node's
    // ClientRequest does not have, so the universal-access result is never reached.
    let result = match scan
        .cors
        .as_ref()
        .and_then(|h| h.first_non_empty("access-control-allow-origin"))
    {
        None => E::CorsNotImplemented,
        Some(origin) if js_trim(js_prefix(origin, 256)).to_lowercase() == "*" => E::CorsPublic,
        Some(_) => E::CorsRestricted,
    };
    (result, result != E::CorsUniversal)
}

fn redirection_test(scan: &Scan) -> (Expectation, bool) {
    let result = match scan.http.response.as_ref() {
        None => E::RedirectionNotNeededNoHttp,
        Some(response) if !response.verified => E::RedirectionInvalidCert,
        Some(_) => {
            let route = &scan.http.route;
            match (route.first(), route.get(1), route.last()) {
                // Every hop preloaded (vacuously true for an empty route); the preload list is empty.
                (None, _, _) => E::RedirectionAllPreloaded,
                (Some(_), None, _) => E::RedirectionMissing,
                (_, _, Some(last)) if last.protocol != "https:" => E::RedirectionNotToHttps,
                (_, Some(second), _) if second.protocol == "http:" => E::RedirectionNotToHttpsInitial,
                (Some(first), Some(second), _)
                    if first.protocol == "http:"
                        && second.protocol == "https:"
                        && first.hostname != second.hostname =>
                {
                    E::RedirectionOffHost
                }
                _ => E::RedirectionToHttps,
            }
        }
    };
    let pass = matches!(
        result,
        E::RedirectionNotNeededNoHttp | E::RedirectionAllPreloaded | E::RedirectionToHttps
    );
    (result, pass)
}

fn referrer_test(scan: &Scan) -> (Expectation, bool) {
    const GOOD: [&str; 4] = [
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ];
    const BAD: [&str; 4] = [
        "origin",
        "origin-when-cross-origin",
        "unsafe-url",
        "no-referrer-when-downgrade",
    ];
    let Some(response) = scan.auto() else {
        return (E::ReferrerNotImplemented, false);
    };
    let mut values: Vec<&str> = response.headers.all("referrer-policy");
    values.extend(scan.http_equiv.referrer.as_deref());
    if values.is_empty() {
        return (E::ReferrerNotImplemented, true);
    }
    let data = values.join(", ");
    let policy = data
        .split(',')
        .map(|e| js_trim(&e.to_lowercase()).to_owned())
        .rfind(|e| GOOD.contains(&e.as_str()) || BAD.contains(&e.as_str()))
        .unwrap_or_default();
    let result = if GOOD.contains(&policy.as_str()) {
        E::ReferrerPrivate
    } else if BAD.contains(&policy.as_str()) {
        E::ReferrerUnsafe
    } else {
        E::ReferrerInvalid
    };
    (result, result == E::ReferrerPrivate)
}

fn sri_test(scan: &Scan) -> Result<(Expectation, bool), ObservatoryError> {
    const GOODNESS: [Expectation; 6] = [
        E::SriAllSecure,
        E::SriExternalSecure,
        E::SriImplementedNotSecure,
        E::SriNotImplementedExternalSecure,
        E::SriNotImplementedNotSecure,
        E::SriNotHtml,
    ];
    let Some(response) = scan.auto() else {
        return Ok((E::SriNoScripts, false));
    };
    let mime = response.headers.first("content-type").unwrap_or_default();
    let result = if !HTML_TYPES.contains(&mime.split(';').next().unwrap_or_default()) {
        E::SriNotHtml
    } else {
        let scripts = scripts(&scan.page);
        let site_domain = registrable_domain(&scan.hostname.to_lowercase(), false);
        let session_https = scan.auto_is_https;
        let mut result: Option<Expectation> = None;
        let mut foreign = false;
        for script in &scripts {
            let Some(src) = script.src.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let integrity = script.integrity.as_deref().is_some_and(|i| !i.is_empty());
            let relative_protocol = src.starts_with("//") && src.len() > 2 && !src[2..].starts_with('/');
            let full_url = src.starts_with("http://") || src.starts_with("https://");
            let parsed = if full_url { Some(Url::parse(src)) } else { None };
            let (relative_origin, same_domain) = if relative_protocol {
                (false, true)
            } else if let Some(parsed) = &parsed {
                let domain = match parsed.as_ref().ok().and_then(Url::host) {
                    Some(url::Host::Domain(d)) => registrable_domain(d, false),
                    _ => None,
                };
                (false, domain == site_domain)
            } else {
                (true, true)
            };
            let secure_origin = relative_origin || (same_domain && !relative_protocol);
            foreign |= !secure_origin;
            let scheme_https = match &parsed {
                Some(Ok(url)) => url.scheme() == "https",
                Some(Err(_)) => {
                    return Err(ObservatoryError::TestCrashed {
                        test: "subresource-integrity",
                        reason: "a <script src> starting with http:// or https:// is not a valid URL",
                    });
                }
                None => false,
            };
            let secure_scheme = scheme_https || (relative_origin && session_https);
            if !secure_origin {
                let new = if integrity && !secure_scheme {
                    Some(E::SriImplementedNotSecure)
                } else if !integrity && secure_scheme {
                    Some(E::SriNotImplementedExternalSecure)
                } else if !integrity {
                    Some(E::SriNotImplementedNotSecure)
                } else {
                    None
                };
                if let Some(new) = new {
                    result = Some(only_if_worse(new, result, &GOODNESS));
                }
            } else if integrity && secure_scheme && result.is_none() {
                result = Some(E::SriAllSecure);
            }
        }
        if scripts.is_empty() {
            E::SriNoScripts
        } else {
            result.unwrap_or(if foreign {
                E::SriExternalSecure
            } else {
                E::SriSecureOrigin
            })
        }
    };
    let pass = matches!(
        result,
        E::SriAllSecure | E::SriExternalSecure | E::SriNotHtml | E::SriSecureOrigin | E::SriNoScripts
    );
    Ok((result, pass))
}

fn xcto_test(scan: &Scan) -> (Expectation, bool) {
    let header = scan
        .auto()
        .and_then(|r| r.headers.first_non_empty("x-content-type-options"));
    let result = match header {
        None => E::XctoNotImplemented,
        Some(h) if js_trim(js_prefix(h, 256)).to_lowercase() == "nosniff" => E::XctoNosniff,
        Some(_) => E::XctoInvalid,
    };
    (result, result == E::XctoNosniff)
}

fn xfo_test(scan: &Scan, frame_ancestors_in_csp: bool) -> (Expectation, bool) {
    let Some(response) = scan.auto() else {
        return (E::XfoNotImplemented, false);
    };
    let mut result = match response.headers.first_non_empty("x-frame-options") {
        None => E::XfoNotImplemented,
        Some(header) => {
            let xfo = js_trim(js_prefix(header, 1024)).to_lowercase();
            if xfo == "deny" || xfo == "sameorigin" {
                E::XfoSameoriginOrDeny
            } else if xfo.starts_with("allow-from") {
                E::XfoAllowFrom
            } else {
                E::XfoInvalid
            }
        }
    };
    if frame_ancestors_in_csp {
        result = E::XfoViaCsp;
    }
    (
        result,
        matches!(result, E::XfoAllowFrom | E::XfoSameoriginOrDeny | E::XfoViaCsp),
    )
}

fn corp_test(scan: &Scan) -> (Expectation, bool) {
    let header = scan
        .auto()
        .and_then(|r| r.headers.first_non_empty("cross-origin-resource-policy"));
    let result = match header.map(|h| js_trim(js_prefix(h, 256)).to_lowercase()).as_deref() {
        None | Some("") => E::CorpNotImplemented,
        Some("same-site") => E::CorpSameSite,
        Some("same-origin") => E::CorpSameOrigin,
        Some("cross-origin") => E::CorpCrossOrigin,
        Some(_) => E::CorpInvalid,
    };
    (result, result != E::CorpInvalid)
}

#[cfg(test)]
mod tests {
    //! Primitive-level ground truth from the Node.js libraries Observatory 1.4.8 uses
    //! (`tests/data/observatory/primitives.json`).
    use super::*;

    fn primitives() -> serde_json::Value {
        serde_json::from_str(include_str!("../tests/data/observatory/primitives.json")).expect("primitives parse")
    }

    #[test]
    fn csp_source_sorting_matches_intl_collator() {
        let data = primitives();
        let expected: Vec<String> = serde_json::from_value(data["collation"].clone()).expect("collation list");
        let mut sorted = expected.clone();
        sorted.reverse();
        sorted.sort_by(|a, b| collate(a, b));
        // Stable sorting keeps equal strings in input order, so compare through the collation.
        for (got, want) in sorted.iter().zip(&expected) {
            assert_eq!(collate(got, want), std::cmp::Ordering::Equal, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn registrable_domains_match_tldts() {
        let data = primitives();
        let mut failures = Vec::new();
        for case in data["domains"].as_array().expect("domains") {
            let host = case["host"].as_str().expect("host");
            for (key, private) in [("icann", false), ("private", true)] {
                let want = case[key].as_str().map(str::to_owned);
                let got = registrable_domain(host, private);
                if got != want {
                    failures.push(format!("{host} ({key}): want {want:?}, got {got:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn cookie_dates_match_tough_cookie() {
        for case in primitives()["cookie_dates"].as_array().expect("dates") {
            let text = case["text"].as_str().expect("text");
            assert_eq!(parse_cookie_date(text), case["ms"].as_f64(), "{text:?}");
        }
    }

    #[test]
    fn numbers_print_like_javascript() {
        for case in primitives()["numbers"].as_array().expect("numbers") {
            // Parsed from JavaScript's own text: serde_json's default float parsing is not exact.
            let text = case["text"].as_str().expect("text");
            let value: f64 = text.parse().expect("number");
            assert_eq!(js_number_to_string(value), text, "{value}");
        }
    }

    #[test]
    fn uri_decoding_matches_javascript() {
        for case in primitives()["decode_uri"].as_array().expect("uris") {
            let input = case["input"].as_str().expect("input");
            assert_eq!(
                js_decode_uri(input, ";/?:@&=+$,#").as_deref(),
                case["uri"].as_str(),
                "decodeURI({input})"
            );
            assert_eq!(
                js_decode_uri(input, "").as_deref(),
                case["component"].as_str(),
                "decodeURIComponent({input})"
            );
        }
    }

    #[test]
    fn grade_chart_boundaries() {
        let chart = [
            (135, "A+"),
            (100, "A+"),
            (99, "A"),
            (90, "A"),
            (89, "A-"),
            (84, "B+"),
            (79, "B"),
            (69, "B-"),
            (64, "C+"),
            (59, "C"),
            (49, "C-"),
            (44, "D+"),
            (39, "D"),
            (29, "D-"),
            (24, "F"),
            (0, "F"),
            (-20, "F"),
        ];
        for (score, grade) in chart {
            assert_eq!(grade_for_score(score), grade, "{score}");
        }
    }

    #[test]
    fn javascript_string_helpers() {
        assert_eq!(js_trim("\u{feff}\u{a0} a \u{3000}"), "a");
        assert_eq!(js_trim("\u{85}a"), "\u{85}a");
        assert_eq!(js_prefix("a😀b", 2), "a");
        assert_eq!(js_prefix("a😀b", 3), "a😀");
        assert_eq!(js_slice("max-age=100", 8, 128), "100");
        assert_eq!(js_parse_int(" 12ab"), Some(12.0));
        assert_eq!(js_parse_int("\"1\""), None);
        assert_eq!(js_parse_int("-5"), Some(-5.0));
    }
}
