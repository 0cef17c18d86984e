//! The inspector against the fixture web: every injected defect found, and no compromise
//! finding on a site without one. Prints precision and recall per code.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use lanhmang_fixture_web::{self as fixture_web, FixtureConfig};
use lanhmang_inspect::{FindingCode, InspectConfig, Inspector, parse_target};

/// Codes whose detection depends on timing limits set below, not on the site alone.
fn inspector_for(web: &fixture_web::FixtureWeb) -> Inspector {
    let config = InspectConfig {
        allow_private_targets: true,
        extra_roots_pem: vec![web.ca_pem.clone()],
        http_port: web.http_addr.port(),
        https_port: web.tls_addr.map(|a| a.port()).unwrap_or(443),
        request_timeout: Duration::from_secs(8),
        connect_timeout: Duration::from_secs(2),
        max_pages: 20,
        retries: 0,
        ..Default::default()
    };
    Inspector::new(config).expect("inspector")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_every_injected_defect_on_200_sites() {
    let web = fixture_web::start(FixtureConfig {
        sites: 220,
        http_port: 0,
        tls_port: Some(0),
        seed: 7,
    })
    .await
    .expect("fixture web");
    let inspector = Arc::new(inspector_for(&web));
    let targets: Vec<_> = web
        .manifest
        .iter()
        .map(|s| parse_target(&s.url).expect("manifest url"))
        .collect();
    let expected: BTreeMap<String, BTreeSet<FindingCode>> = web
        .manifest
        .iter()
        .map(|s| {
            (
                parse_target(&s.url).unwrap().to_string(),
                s.defects.iter().copied().collect(),
            )
        })
        .collect();
    let mut rx = inspector.clone().inspect_many(targets, 48);
    let mut found: BTreeMap<String, BTreeSet<FindingCode>> = BTreeMap::new();
    while let Some(r) = tokio::time::timeout(Duration::from_secs(120), rx.recv())
        .await
        .expect("inspection hung")
    {
        found.insert(r.url.clone(), r.codes());
    }
    assert_eq!(found.len(), expected.len());

    // Per code: true positives, false negatives, false positives.
    let mut stats: BTreeMap<FindingCode, (usize, usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut false_compromise = Vec::new();
    for (url, want) in &expected {
        let got = &found[url];
        for code in want {
            let e = stats.entry(*code).or_default();
            if got.contains(code) {
                e.0 += 1;
            } else {
                e.1 += 1;
                misses.push(format!("{url}: missed {}", code.as_str()));
            }
        }
        for code in got.difference(want) {
            stats.entry(*code).or_default().2 += 1;
            if code.is_compromise() {
                false_compromise.push(format!("{url}: unexpected {}", code.as_str()));
            } else {
                println!("extra finding (not asserted): {url}: {}", code.as_str());
            }
        }
    }
    println!(
        "{:<24} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "code", "tp", "fn", "fp", "precision", "recall"
    );
    for (code, (tp, fn_, fp)) in &stats {
        let precision = if tp + fp == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fp) as f64
        };
        let recall = if tp + fn_ == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fn_) as f64
        };
        println!(
            "{:<24} {tp:>5} {fn_:>5} {fp:>5} {precision:>9.3} {recall:>7.3}",
            code.as_str()
        );
    }
    web.shutdown().await;
    assert!(
        misses.is_empty(),
        "{} injected defects missed:\n{}",
        misses.len(),
        misses.join("\n")
    );
    assert!(
        false_compromise.is_empty(),
        "compromise reported on sites without one:\n{}",
        false_compromise.join("\n")
    );
}
