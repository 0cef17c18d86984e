//! The pieces every supervision test needs: a server that may inspect the fixture web on
//! 127.0.0.1, and a worker whose inspector trusts the fixture's certificate authority.

use std::sync::Arc;

use lanhmang::config::{InspectSettings, Layer};
use lanhmang_fixture_web::FixtureWeb;
use lanhmang_inspect::InspectConfig;
use lanhmang_jobs::{JobSettings, Supervision, Worker};

use super::TestApp;

/// Server settings that let the fixture web's loopback sites be registered.
pub fn private_allowed() -> Layer {
    Layer {
        inspect: Some(InspectSettings {
            allow_private_targets: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A worker named `name` on the server's store, inspecting the fixture web (five pages and five
/// external links per site, to keep tests quick).
pub fn inspection_worker(app: &TestApp, name: &str, web: &FixtureWeb) -> Worker {
    let store = app.running.as_ref().expect("running").store.clone();
    let supervision = Arc::new(Supervision::new(
        InspectConfig {
            allow_private_targets: true,
            extra_roots_pem: vec![web.ca_pem.clone()],
            http_port: web.http_addr.port(),
            https_port: web.tls_addr.map_or(443, |a| a.port()),
            max_pages: 5,
            max_external_links: 5,
            ..Default::default()
        },
        None,
    ));
    Worker::new(store, name, JobSettings::default()).with_supervision(Some(supervision))
}
