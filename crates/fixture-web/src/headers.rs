//! Security-header profiles. A site's `header_profile` (0..[`HEADER_PROFILES`]) picks one value
//! in each dimension below; profile 0 sends none of them (the most common school site). Profiles
//! are pairwise distinct: the CSP option is `p % 13` and the HSTS option `p % 7`, and 13 and 7 are
//! coprime, so no two profiles under 91 share both.

use hyper::header::{HeaderMap, HeaderName, HeaderValue};

/// How many distinct header profiles exist.
pub const HEADER_PROFILES: u32 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Profile {
    pub csp: u8,
    pub hsts: u8,
    pub xfo: u8,
    pub xcto: u8,
    pub referrer: u8,
    pub corp: u8,
    pub cookie: u8,
    /// 0: no external script; 1: external script over https without SRI; 2: with SRI.
    pub script: u8,
    pub cors: u8,
}

pub(crate) fn profile(p: u32) -> Profile {
    let p = p % HEADER_PROFILES;
    if p == 0 {
        return Profile {
            csp: 0,
            hsts: 0,
            xfo: 0,
            xcto: 0,
            referrer: 0,
            corp: 0,
            cookie: 0,
            script: 0,
            cors: 0,
        };
    }
    Profile {
        csp: (p % 13) as u8,
        hsts: (p % 7) as u8,
        xfo: ((p * 3 + 1) % 4) as u8,
        xcto: ((p / 2) % 3) as u8,
        referrer: ((p * 5 + 2) % 9) as u8,
        corp: ((p / 3) % 4) as u8,
        cookie: ((p * 7 + 3) % 9) as u8,
        script: ((p / 4) % 3) as u8,
        cors: ((p * 11 + 5) % 3) as u8,
    }
}

/// The Content-Security-Policy options. `{nonce}` is replaced by the page nonce, `{cdn}` by the
/// CDN origin.
const CSP: [(&str, &str); 13] = [
    ("", ""),
    ("header", "default-src 'self'"),
    ("header", "default-src 'self' 'unsafe-inline'"),
    ("header", "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:"),
    (
        "header",
        "default-src 'none'; script-src 'self' {cdn}; style-src 'self'; img-src 'self'; connect-src 'self'; \
         font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (
        "header",
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'self'",
    ),
    ("report-only", "default-src 'self'; report-uri /csp-report"),
    ("header", "frame-ancestors 'self'"),
    ("header", "upgrade-insecure-requests"),
    (
        "header",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'",
    ),
    (
        "header",
        "default-src 'self' https:; script-src 'self' https: 'unsafe-eval'",
    ),
    (
        "header",
        "default-src 'self'; script-src 'self' http:; object-src 'none'",
    ),
    (
        "meta",
        "default-src 'self'; script-src 'self' {cdn}; object-src 'none'; base-uri 'self'",
    ),
];

const HSTS: [&str; 7] = [
    "",
    "max-age=0",
    "max-age=300",
    "max-age=15552000",
    "max-age=31536000; includeSubDomains",
    "max-age=63072000; includeSubDomains; preload",
    "max-age=abc",
];

const XFO: [&str; 4] = ["", "DENY", "SAMEORIGIN", "ALLOW-FROM https://ext.fixture.localhost/"];
const XCTO: [&str; 3] = ["", "nosniff", "nosnif"];
const REFERRER: [&str; 9] = [
    "",
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "no-referrer-when-downgrade",
    "unsafe-url",
    "origin-when-cross-origin",
    "nunca",
];
const CORP: [&str; 4] = ["", "same-origin", "same-site", "cross-origin"];
/// `{v}` is replaced by a session value.
const COOKIE: [&[&str]; 9] = [
    &[],
    &["PHPSESSID={v}; path=/"],
    &["PHPSESSID={v}; path=/; HttpOnly"],
    &["PHPSESSID={v}; path=/; Secure; HttpOnly"],
    &["PHPSESSID={v}; path=/; Secure; HttpOnly; SameSite=Lax"],
    &["PHPSESSID={v}; path=/; Secure; HttpOnly; SameSite=Strict"],
    &["PHPSESSID={v}; path=/; HttpOnly; SameSite=None"],
    &["__Host-sid={v}; Path=/; Secure; HttpOnly; SameSite=Lax"],
    &[
        "lang=vi; path=/; Max-Age=31536000",
        "ASP.NET_SessionId={v}; path=/; HttpOnly; SameSite=Lax",
    ],
];
const CORS: [&str; 3] = ["", "*", "echo-origin-with-credentials"];

/// Page facts that some header values refer to.
pub(crate) struct Context<'a> {
    pub https: bool,
    pub nonce: &'a str,
    pub cdn_origin: &'a str,
    pub session: &'a str,
    pub request_origin: Option<&'a str>,
}

fn csp_text(p: Profile, ctx: &Context<'_>) -> String {
    CSP[p.csp as usize]
        .1
        .replace("{nonce}", ctx.nonce)
        .replace("{cdn}", ctx.cdn_origin)
}

/// The CSP to put in a `<meta http-equiv>` tag, if the profile delivers it that way.
pub(crate) fn csp_meta(p: Profile, ctx: &Context<'_>) -> Option<String> {
    (CSP[p.csp as usize].0 == "meta").then(|| csp_text(p, ctx))
}

fn put(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.append(HeaderName::from_static(name), v);
    }
}

/// Adds the profile's headers to an HTML response (`html`) or another response of the site.
pub(crate) fn apply(p: Profile, ctx: &Context<'_>, html: bool, headers: &mut HeaderMap) {
    if ctx.https && p.hsts != 0 {
        put(headers, "strict-transport-security", HSTS[p.hsts as usize]);
    }
    match CORS[p.cors as usize] {
        "*" => put(headers, "access-control-allow-origin", "*"),
        "echo-origin-with-credentials" => {
            if let Some(origin) = ctx.request_origin {
                put(headers, "access-control-allow-origin", origin);
                put(headers, "access-control-allow-credentials", "true");
                put(headers, "vary", "Origin");
            }
        }
        _ => {}
    }
    if p.xcto != 0 {
        put(headers, "x-content-type-options", XCTO[p.xcto as usize]);
    }
    if p.corp != 0 {
        put(headers, "cross-origin-resource-policy", CORP[p.corp as usize]);
    }
    if !html {
        return;
    }
    match CSP[p.csp as usize].0 {
        "header" => put(headers, "content-security-policy", &csp_text(p, ctx)),
        "report-only" => put(headers, "content-security-policy-report-only", &csp_text(p, ctx)),
        _ => {}
    }
    if p.xfo != 0 {
        put(headers, "x-frame-options", XFO[p.xfo as usize]);
    }
    if p.referrer != 0 {
        put(headers, "referrer-policy", REFERRER[p.referrer as usize]);
    }
    for cookie in COOKIE[p.cookie as usize] {
        put(headers, "set-cookie", &cookie.replace("{v}", ctx.session));
    }
}

/// A one-line English description of header profile `p`, for benchmarks and reports.
pub fn describe_header_profile(p: u32) -> String {
    let pr = profile(p);
    let mut parts = Vec::new();
    let (how, csp) = CSP[pr.csp as usize];
    parts.push(if csp.is_empty() {
        "CSP: none".to_string()
    } else {
        format!("CSP ({how}): {csp}")
    });
    let opt = |label: &str, v: &str| {
        if v.is_empty() {
            format!("{label}: none")
        } else {
            format!("{label}: {v}")
        }
    };
    parts.push(opt("HSTS (https only)", HSTS[pr.hsts as usize]));
    parts.push(opt("X-Frame-Options", XFO[pr.xfo as usize]));
    parts.push(opt("X-Content-Type-Options", XCTO[pr.xcto as usize]));
    parts.push(opt("Referrer-Policy", REFERRER[pr.referrer as usize]));
    parts.push(opt("CORP", CORP[pr.corp as usize]));
    parts.push(opt("Set-Cookie", &COOKIE[pr.cookie as usize].join(" | ")));
    parts.push(
        [
            "external script: none",
            "external script: https, no SRI",
            "external script: https, with SRI",
        ][pr.script as usize]
            .to_string(),
    );
    parts.push(opt("CORS", CORS[pr.cors as usize]));
    format!("profile {p}: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn profiles_are_distinct_and_cover_every_option() {
        let all: Vec<Profile> = (0..HEADER_PROFILES).map(profile).collect();
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), HEADER_PROFILES as usize);
        let covers = |f: fn(&Profile) -> u8, n: usize| (0..n).all(|v| all.iter().any(|p| f(p) as usize == v));
        assert!(covers(|p| p.csp, CSP.len()));
        assert!(covers(|p| p.hsts, HSTS.len()));
        assert!(covers(|p| p.xfo, XFO.len()));
        assert!(covers(|p| p.xcto, XCTO.len()));
        assert!(covers(|p| p.referrer, REFERRER.len()));
        assert!(covers(|p| p.corp, CORP.len()));
        assert!(covers(|p| p.cookie, COOKIE.len()));
        assert!(covers(|p| p.script, 3));
        assert!(covers(|p| p.cors, CORS.len()));
        assert!(describe_header_profile(0).contains("CSP: none"));
    }
}
