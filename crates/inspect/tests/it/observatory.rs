//! Ground truth: every case in `tests/data/observatory/ground_truth.json` was produced by running
//! MDN HTTP Observatory 1.4.8's own analyzer tests and scorer (Node.js, HSTS preload list empty) on
//! the same input; the Rust grading must agree on every test result, score and grade.

use std::collections::BTreeMap;

use lanhmang_inspect::observatory::{ObservatoryError, ObservatoryInput, grade};
use serde::Deserialize;

#[derive(Deserialize)]
struct GroundTruth {
    observatory_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    input: ObservatoryInput,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    error: Option<String>,
    status: Option<u16>,
    score: Option<i32>,
    grade: Option<String>,
    tests_passed: Option<u32>,
    tests: Option<BTreeMap<String, ExpectedTest>>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct ExpectedTest {
    result: String,
    score_modifier: i32,
    pass: bool,
}

fn ground_truth() -> GroundTruth {
    let text = include_str!("../data/observatory/ground_truth.json");
    serde_json::from_str(text).expect("ground truth parses")
}

#[test]
fn every_ground_truth_case_matches_observatory() {
    let truth = ground_truth();
    assert_eq!(truth.observatory_version, "1.4.8");
    assert!(truth.cases.len() >= 60, "only {} cases", truth.cases.len());
    check_cases(&truth);
}

/// Sites served only over plain HTTP, from `bench/observatory/peer.sh`: Observatory 1.4.8's
/// own scan() of the fixture web's plain-HTTP sites, each input being the responses the peer
/// itself received. Observatory grades the HTTP response (redirection and HSTS failing); so must we.
#[test]
fn every_plain_http_case_matches_observatory() {
    let truth: GroundTruth =
        serde_json::from_str(include_str!("../data/observatory/plain_http.json")).expect("plain-HTTP cases parse");
    assert_eq!(truth.observatory_version, "1.4.8");
    assert!(truth.cases.len() >= 60, "only {} cases", truth.cases.len());
    for case in &truth.cases {
        assert!(case.input.https.is_none(), "{}: plain HTTP only", case.name);
    }
    let graded = truth.cases.iter().filter(|c| c.expected.grade.is_some()).count();
    assert!(graded >= 60, "only {graded} graded cases");
    check_cases(&truth);
}

fn check_cases(truth: &GroundTruth) {
    let mut failures = Vec::new();
    for case in &truth.cases {
        let got = grade(&case.input);
        let expected = &case.expected;
        match (&expected.error, got) {
            (Some(kind), Err(error)) => {
                let same = match (kind.as_str(), &error) {
                    ("site-down", ObservatoryError::SiteDown) => true,
                    ("unexpected-status", ObservatoryError::UnexpectedStatus { status }) => {
                        Some(*status) == expected.status
                    }
                    ("test-crashed", ObservatoryError::TestCrashed { .. }) => true,
                    _ => false,
                };
                if !same {
                    failures.push(format!("{}: expected error {kind}, got {error:?}", case.name));
                }
            }
            (Some(kind), Ok(report)) => {
                failures.push(format!(
                    "{}: expected error {kind}, got score {}",
                    case.name, report.score
                ));
            }
            (None, Err(error)) => failures.push(format!("{}: unexpected error {error:?}", case.name)),
            (None, Ok(report)) => {
                let tests: BTreeMap<String, ExpectedTest> = report
                    .tests
                    .iter()
                    .map(|(name, t)| {
                        let test = ExpectedTest {
                            result: t.result.to_owned(),
                            score_modifier: t.score_modifier,
                            pass: t.pass,
                        };
                        ((*name).to_owned(), test)
                    })
                    .collect();
                let want = expected.tests.as_ref().expect("tests present");
                for (name, want_test) in want {
                    if tests.get(name) != Some(want_test) {
                        failures.push(format!(
                            "{}: {name}: expected {want_test:?}, got {:?}",
                            case.name,
                            tests.get(name)
                        ));
                    }
                }
                if tests.len() != want.len() {
                    failures.push(format!(
                        "{}: {} tests instead of {}",
                        case.name,
                        tests.len(),
                        want.len()
                    ));
                }
                if Some(report.score) != expected.score || Some(report.grade) != expected.grade.as_deref() {
                    failures.push(format!(
                        "{}: expected {:?} {:?}, got {} {}",
                        case.name, expected.score, expected.grade, report.score, report.grade
                    ));
                }
                if Some(report.tests_passed) != expected.tests_passed {
                    failures.push(format!(
                        "{}: tests passed {} vs {:?}",
                        case.name, report.tests_passed, expected.tests_passed
                    ));
                }
                for (name, outcome) in &report.tests {
                    if outcome.pass != outcome.hint_vi.is_none() || outcome.hint_vi.is_some_and(str::is_empty) {
                        failures.push(format!("{}: {name}: hint does not follow pass", case.name));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        truth.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn hostile_input_never_panics() {
    let truth = ground_truth();
    let mut input = truth.cases[0].input.clone();
    let chain = input.https.as_mut().expect("https chain");
    let hop = chain.hops.last_mut().expect("hop");
    let long = "ü\u{0}\u{feff};,=\"'<>".repeat(50_000);
    for name in [
        "Content-Security-Policy",
        "Set-Cookie",
        "Strict-Transport-Security",
        "Referrer-Policy",
        "X-Frame-Options",
        "",
        "bad name",
        "ü",
    ] {
        hop.headers.push((name.to_owned(), long.clone()));
        hop.headers.push((name.to_owned(), String::new()));
    }
    hop.headers.push((
        "Set-Cookie".to_owned(),
        "a=b; Domain=ü..; Path=%; Expires=99:99:99; Max-Age=-99999999999999999999999".to_owned(),
    ));
    chain.body = Some(format!(
        "<base href='{long}'><script src='{long}'></script><meta http-equiv=content-security-policy content='{long}'>{}",
        "<div>".repeat(2_000)
    ));
    hop.url = "not a url".to_owned();
    let _ = grade(&input);
    let json_body = format!("[{}]", "[".repeat(200) + &"]".repeat(200));
    input.https.as_mut().expect("https chain").body = Some(json_body);
    let _ = grade(&input);
}

/// Deterministic random inputs built from tricky pieces: `grade` must never panic on them.
#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    const NAMES: [&str; 14] = [
        "Content-Security-Policy",
        "content-security-policy-report-only",
        "Set-Cookie",
        "Strict-Transport-Security",
        "Referrer-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Cross-Origin-Resource-Policy",
        "Content-Type",
        "Location",
        "Access-Control-Allow-Origin",
        "",
        "x y",
        "ü",
    ];
    const PIECES: [&str; 28] = [
        "default-src",
        "'none'",
        "'self'",
        "script-src",
        "'nonce-a'",
        "'strict-dynamic'",
        "'unsafe-inline'",
        "https:",
        "http://a.b/c/",
        "%E0%A4",
        "%",
        ";",
        ",",
        "=",
        " ",
        "\t",
        "\u{0}",
        "\u{85}",
        "\u{a0}",
        "ü",
        "😀",
        "max-age=",
        "SameSite",
        "Domain=.",
        "Path=/",
        "Expires=1 Jan 1970 00:00:00",
        "text/html",
        "*",
    ];
    const BODY: [&str; 14] = [
        "<script src=\"",
        "//x.y/z",
        "http://",
        "https://a.b/c.js",
        "\" integrity=\"sha384-a\">",
        "</script>",
        "<base href=\"",
        "<meta http-equiv=\"content-security-policy\" content=\"",
        "<meta name=referrer content=",
        "<template>",
        "<svg>",
        "<noscript>",
        "[\"",
        "\"]",
    ];
    const URLS: [&str; 6] = [
        "http://a.edu.vn/",
        "https://a.edu.vn/x?y=/z",
        "https://[::1]/",
        "not a url",
        "https://ü.vn/",
        "http://1.2.3.4/",
    ];
    for _ in 0..400 {
        let mut hops = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let mut headers = Vec::new();
            for _ in 0..rng.below(8) {
                let value: String = (0..rng.below(8)).map(|_| rng.pick(&PIECES)).collect();
                headers.push((rng.pick(&NAMES), value));
            }
            hops.push(serde_json::json!({ "url": rng.pick(&URLS), "status": ([200, 301, 302, 401, 404, 500][rng.below(6)]), "headers": headers }));
        }
        let body: String = (0..rng.below(12)).map(|_| rng.pick(&BODY)).collect();
        let chain = serde_json::json!({ "hops": hops, "certificate_verified": rng.below(2) == 0, "body": body });
        let input = serde_json::json!({
            "hostname": (["a.edu.vn", "1.2.3.4", "", "ü"][rng.below(4)]),
            "http": if rng.below(3) == 0 { serde_json::Value::Null } else { chain.clone() },
            "https": if rng.below(3) == 0 { serde_json::Value::Null } else { chain },
            "cors_preflight": { "status": 200, "headers": [["Access-Control-Allow-Origin", rng.pick(&PIECES)]] },
            "fetched_at": "2026-01-01T00:00:00Z",
        });
        let input: ObservatoryInput = serde_json::from_value(input).expect("input");
        let _ = grade(&input);
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick(&mut self, list: &[&str]) -> String {
        list[self.below(list.len())].to_owned()
    }
}
