//! Fuzzing the inspector's parsers of what websites and registries send: feeds, HTML pages
//! (with the content and compromise analysis over them), response headers for the grade and
//! RDAP answers. Inputs are generated and mutated from `fuzz/corpus/<target>/`;
//! `PROPTEST_CASES` sets how many (see `lanhmang_fuzz`).

use lanhmang_fuzz::{bounded, inputs, run};
use lanhmang_inspect::observatory::{self, FetchChain, Hop, ObservatoryError, ObservatoryInput, PreflightResponse};
use lanhmang_inspect::page::{Page, find_vn_dates};
use lanhmang_inspect::{compromise, content, feeds, rdap};
use proptest::prelude::*;
use url::Url;

#[global_allocator]
static METER: lanhmang_fuzz::Meter = lanhmang_fuzz::Meter;

fn is_web(u: &Url) -> bool {
    matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
}

/// Parsers may hold a few copies of the input and its tree; more means a blow-up.
fn bound(input: usize) -> usize {
    16 * 1024 * 1024 + 400 * input
}

const FEED_TOKENS: &[&[u8]] = &[
    b"<item>",
    b"</item>",
    b"<entry>",
    b"</entry>",
    b"<title>",
    b"</title>",
    b"<link>",
    b"</link>",
    b"<link href=\"",
    b"\"/>",
    b"javascript:alert(1)",
    b"//evil.vn/",
    b"<pubDate>",
    b"</pubDate>",
    b"Mon, 31 Feb 2026 25:61:61 +9999",
    b"<updated>",
    b"</updated>",
    b"9999-12-31T23:59:60Z",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&#xD800;",
    b"&lol;",
    b"<!DOCTYPE rss [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>",
    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    b"{\"version\":\"https://jsonfeed.org/version/1\",\"items\":[",
    b"{\"url\":",
    b"]}",
    b"<div><div><div>",
    b"xmlns=\"http://www.w3.org/2005/Atom\"",
    b"<content type=\"xhtml\">",
    b"\x00",
    b"\xff\xfe",
];

#[test]
fn fuzz_feed() {
    run("feed", inputs("feed", FEED_TOKENS), |body| check_feed(&body));
}

fn check_feed(body: &[u8]) -> Result<(), TestCaseError> {
    let url = Url::parse("https://pgd-anbinh.edu.vn/feed").expect("url");
    let _ = feeds::looks_like_feed(Some("application/rss+xml"), body);
    let _ = feeds::looks_like_feed(None, body);
    match bounded("feeds::parse", bound(body.len()), || feeds::parse(&url, body))? {
        Ok(report) => {
            prop_assert!(report.entries.len() <= 200);
            prop_assert!(matches!(report.kind.as_str(), "atom" | "json" | "rss"));
            for e in &report.entries {
                // Only web links come out of a feed: a reader can never click `javascript:`.
                if let Some(u) = &e.url {
                    prop_assert!(Url::parse(u).is_ok_and(|u| is_web(&u)), "entry link {u:?}");
                }
                if let Some(p) = &e.published {
                    prop_assert!(
                        time::OffsetDateTime::parse(p, &time::format_description::well_known::Rfc3339).is_ok(),
                        "published {p:?}"
                    );
                }
            }
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

const HTML_TOKENS: &[&[u8]] = &[
    b"<a href=\"",
    b"\">",
    b"</a>",
    b"<div style=\"display:none\">",
    b"</div>",
    b"<p>",
    b"<script>",
    b"</script>",
    b"window.location=\"https://nhacai.bet/\";",
    b"<meta http-equiv=refresh content=\"0;url=",
    b"<base href=\"",
    b"<iframe src=\"",
    b"<img src=\"http://",
    b"<link rel=alternate type=application/rss+xml href=\"",
    b"<time datetime=\"",
    b"2026-13-40",
    b"31/12/2026",
    b"99.99.9999",
    b"<meta name=generator content=\"WordPress 4.",
    b"<table><tr><td>",
    b"<svg><foreignObject>",
    b"<template>",
    b"<noscript>",
    b"<style>.x{display:none}</style>",
    b"class=\"x\"",
    b"hidden",
    b"n\xe1\xbb\x95 h\xc5\xa9",
    b"t\xc3\xa0i x\xe1\xbb\x89u",
    b"nh\xc3\xa0 c\xc3\xa1i",
    b"C\xc3\xb4ng khai",
    b"javascript:",
    b"data:",
    b"//",
    b"#",
    b"\xef\xbf\xbd",
    b"\x00",
];

#[test]
fn fuzz_html() {
    run("html", inputs("html", HTML_TOKENS), |bytes| check_html(&bytes));
}

fn check_html(bytes: &[u8]) -> Result<(), TestCaseError> {
    let site = Url::parse("https://th-anbinh1.edu.vn/").expect("url");
    let html = String::from_utf8_lossy(bytes);
    bounded("page analysis", bound(html.len()), || -> Result<(), TestCaseError> {
        let page = Page::parse(&html, &site);
        for u in page
            .links
            .iter()
            .map(|l| &l.url)
            .chain(&page.resources)
            .chain(&page.feeds)
        {
            prop_assert!(is_web(u), "{u}");
            prop_assert!(u.fragment().is_none(), "{u}");
        }
        if let Some(u) = &page.meta_refresh {
            prop_assert!(is_web(u), "{u}");
        }
        for &(y, m, d) in page.dates.iter().chain(&find_vn_dates(&html)) {
            prop_assert!((1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d));
        }
        let _ = page.visible_text();
        let found = compromise::examine(&page, "th-anbinh1.edu.vn");
        prop_assert!(found.spam_links.len() <= page.links.len());
        for u in compromise::script_redirect_targets(&page.inline_scripts, &site) {
            prop_assert!(is_web(&u), "{u}");
        }
        for u in content::disclosure_links(&page, &site) {
            prop_assert!(is_web(&u), "{u}");
        }
        let powered_by: String = html.chars().take(64).collect();
        let _ = content::detect_software(&page, Some(&powered_by));
        for u in content::mixed_content(&page, &site) {
            prop_assert_eq!(u.scheme(), "http");
        }
        let _ = content::disclosure_parts_found(&page.visible_text());
        Ok(())
    })?
}

const HEADER_TOKENS: &[&[u8]] = &[
    b"\ncontent-security-policy: ",
    b"\nContent-Security-Policy-Report-Only: ",
    b"\nstrict-transport-security: ",
    b"\nset-cookie: ",
    b"\nx-frame-options: ",
    b"\nx-content-type-options: ",
    b"\nreferrer-policy: ",
    b"\nlocation: ",
    b"\naccess-control-allow-origin: ",
    b"\ncross-origin-resource-policy: ",
    b"\ncontent-type: application/json",
    b"default-src",
    b"'none'",
    b"'self'",
    b"'unsafe-inline'",
    b"'strict-dynamic'",
    b"'nonce-",
    b"'sha256-",
    b"https:",
    b"http:",
    b"*",
    b";",
    b",",
    b" ",
    b"frame-ancestors",
    b"max-age=",
    b"99999999999999999999",
    b"-1",
    b"includeSubDomains",
    b"Domain=",
    b"Path=/",
    b"Secure",
    b"HttpOnly",
    b"SameSite=None",
    b"Expires=",
    b"Max-Age=-5",
    b"__Host-",
    b"__Secure-",
    b"nosniff",
    b"DENY",
    b"SAMEORIGIN",
    b"\n\n",
    b"<meta http-equiv=\"content-security-policy\" content=\"",
    b"<script src=\"",
    b"\" integrity=\"sha384-",
    b"<base href=\"",
    b"{\"a\":",
    b"\xc3\xa9",
    b"\x00",
    b"\r",
];

/// A hop from the seed's text: the status on the first line, a header a line, a blank line,
/// then the body (see `fuzz/corpus/headers/`).
fn hop_of(text: &str, url: &str) -> (Hop, Option<String>) {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.trim_start_matches("status:").trim().parse::<u16>().ok())
        .unwrap_or(200);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim_start().to_string()))
        .collect();
    let hop = Hop {
        url: url.to_string(),
        status,
        headers,
    };
    (hop, Some(body.to_string()))
}

#[test]
fn fuzz_headers() {
    let cases = (inputs("headers", HEADER_TOKENS), any::<bool>(), any::<bool>());
    run("headers", cases, |(bytes, plain_http_only, preflight)| {
        check_headers(&bytes, plain_http_only, preflight)
    });
}

/// The seed's headers and body as the final response of a site, over HTTPS after a redirect
/// or over plain HTTP only, with or without the same headers on the CORS probe.
fn check_headers(bytes: &[u8], plain_http_only: bool, preflight: bool) -> Result<(), TestCaseError> {
    // Headers carry bytes as Latin-1 (see the observatory module).
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let (hop, body) = hop_of(&text, "https://th-anbinh1.edu.vn/");
    let redirect = Hop {
        url: "http://th-anbinh1.edu.vn/".into(),
        status: 301,
        headers: vec![("location".into(), "https://th-anbinh1.edu.vn/".into())],
    };
    let (http, https) = if plain_http_only {
        let mut hop = hop.clone();
        hop.url = "http://th-anbinh1.edu.vn/".into();
        let chain = FetchChain {
            hops: vec![hop],
            certificate_verified: true,
            body: body.clone(),
        };
        (Some(chain), None)
    } else {
        let https = FetchChain {
            hops: vec![hop.clone()],
            certificate_verified: true,
            body: body.clone(),
        };
        let http = FetchChain {
            hops: vec![redirect, hop.clone()],
            certificate_verified: true,
            body: None,
        };
        (Some(http), Some(https))
    };
    let input = ObservatoryInput {
        hostname: "th-anbinh1.edu.vn".into(),
        http,
        https,
        cors_preflight: preflight.then(|| PreflightResponse {
            status: 200,
            headers: hop.headers.clone(),
        }),
        fetched_at: time::macros::datetime!(2026-11-02 08:00 UTC),
    };
    match bounded("observatory::grade", bound(bytes.len()), || observatory::grade(&input))? {
        Ok(report) => {
            prop_assert!(report.score >= 0);
            prop_assert_eq!(report.tests_passed + report.tests_failed, observatory::TEST_COUNT);
            prop_assert_eq!(report.tests.len() as u32, observatory::TEST_COUNT);
            prop_assert!(
                ["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"].contains(&report.grade)
            );
            for outcome in report.tests.values() {
                prop_assert_eq!(outcome.pass, outcome.hint_vi.is_none());
            }
        }
        Err(ObservatoryError::UnexpectedStatus { status }) => {
            prop_assert!(!(200..400).contains(&status) || status < 200);
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

const RDAP_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"events\"",
    b"\"eventAction\"",
    b"\"expiration\"",
    b"\"eventDate\"",
    b"\"2027-01-02T00:00:00Z\"",
    b"\"9999-12-31T23:59:59+23:59\"",
    b"\"entities\"",
    b"\"roles\"",
    b"\"registrar\"",
    b"\"vcardArray\"",
    b"\"vcard\"",
    b"\"fn\"",
    b"\"text\"",
    b"null",
    b"1e999",
    b"-0",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"[[[[[[[[[[[[[[[[",
    b"\"\\n\\r\\t\"",
];

#[test]
fn fuzz_rdap() {
    run("rdap", inputs("rdap", RDAP_TOKENS), |body| check_rdap(&body));
}

fn check_rdap(body: &[u8]) -> Result<(), TestCaseError> {
    let (expires, registrar, error) = bounded("rdap::parse", bound(body.len()), || rdap::parse(body))?;
    prop_assert_eq!(expires.is_none(), !error.is_empty(), "a reason exactly when no date");
    if let Some(t) = expires {
        prop_assert_eq!(t.nanosecond(), 0);
    }
    // What is shown and stored: one line of reasonable length.
    prop_assert!(
        registrar.chars().count() <= rdap::MAX_REGISTRAR_CHARS,
        "{} chars",
        registrar.chars().count()
    );
    prop_assert!(!registrar.chars().any(char::is_control), "{registrar:?}");
    Ok(())
}

/// Inputs that once broke a parser, replayed by name: every `crash-*` file of a corpus.
#[test]
fn crashes_found_stay_fixed() {
    let replayed = lanhmang_fuzz::replay_crashes(&[
        ("feed", check_feed),
        ("html", check_html),
        ("headers", |b| check_headers(b, false, true)),
        ("rdap", check_rdap),
    ]);
    assert!(replayed >= 2, "{replayed} crashes replayed");
}
