//! The fixture web over real sockets: HTTP and HTTPS with a client that trusts only the fixture
//! root CA and resolves every `*.localhost` name to 127.0.0.1; every TLS defect through a
//! recording verifier; hostile endpoints, and that they end when the client gives up; start-up
//! time at 10,000 sites.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lanhmang_domain::finding::FindingCode as F;
use lanhmang_fixture_web::{self as fixture_web, FixtureConfig, FixtureWeb, ManifestSite};
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::prelude::*;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn strict_tls(ca_pem: &str) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("CA PEM"))
        .expect("CA");
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Resolves every name to 127.0.0.1, as the inspector does for `*.localhost`.
struct Localhost;

impl reqwest::dns::Resolve for Localhost {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async {
            let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(SocketAddr::from(([127, 0, 0, 1], 0))));
            Ok(addrs)
        })
    }
}

fn client(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(strict_tls(ca_pem))
        .dns_resolver(Arc::new(Localhost))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

async fn fixture(sites: usize, tls: bool) -> FixtureWeb {
    fixture_web::start(FixtureConfig {
        sites,
        http_port: 0,
        tls_port: tls.then_some(0),
        seed: 20260601,
    })
    .await
    .expect("fixture starts")
}

/// The first site whose defects are exactly `codes`.
fn site<'a>(web: &'a FixtureWeb, codes: &[F]) -> &'a ManifestSite {
    web.manifest
        .iter()
        .find(|m| m.defects == codes)
        .unwrap_or_else(|| panic!("no site with {codes:?}"))
}

fn host(url: &str) -> String {
    url::Url::parse(url).expect("url").host_str().expect("host").to_string()
}

/// Accepts any chain and keeps it, like the inspector's recording verifier.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.chain.lock().expect("lock") = chain;
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Handshakes with `config`; returns the presented chain on success.
async fn handshake(addr: SocketAddr, name: &str, config: rustls::ClientConfig) -> Result<(), String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let server_name = ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    connector
        .connect(server_name, tcp)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn presented_chain(addr: SocketAddr, name: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(Vec::new()),
        provider: provider(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    handshake(addr, name, config).await?;
    let chain = recorder.chain.lock().expect("lock").clone();
    Ok(chain)
}

fn days_left(cert: &X509Certificate<'_>) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    (cert.validity().not_after.timestamp() - now) / 86_400
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DNSName(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn clean_and_defect_sites_over_http_and_https() {
    let web = fixture(50, true).await;
    let tls = web.tls_addr.expect("tls");
    let c = client(&web.ca_pem);
    assert_eq!(web.manifest.len(), 50);
    let clean = web.manifest.iter().filter(|m| m.defects.is_empty()).count();
    assert_eq!(clean, 15);

    // A clean site: https answers, http redirects to it, the page warns against gambling.
    let m = site(&web, &[]);
    assert!(m.url.starts_with("https://s0000.fixture.localhost:"), "{}", m.url);
    let resp = c.get(&m.url).send().await.expect("clean site over https");
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.expect("body");
    assert!(html.contains("<html lang=\"vi\">") && html.contains("cờ bạc") && html.contains("<time datetime="));
    let http_url = format!("http://{}:{}/", host(&m.url), web.http_addr.port());
    let resp = c.get(&http_url).send().await.expect("http");
    assert_eq!(resp.status(), 301);
    assert_eq!(resp.headers()["location"], m.url.as_str());
    // The same URL with the other scheme works on either port.
    let resp = c
        .get(format!("http://{}:{}/", host(&m.url), tls.port()))
        .send()
        .await
        .expect("plain on TLS port");
    assert_eq!(resp.status(), 301);

    // no_https: the handshake is refused; the http URL serves the site.
    let m = site(&web, &[F::NoHttps]);
    assert!(m.url.starts_with("http://"));
    assert!(handshake(tls, &host(&m.url), strict_tls(&web.ca_pem)).await.is_err());
    assert_eq!(c.get(&m.url).send().await.expect("http site").status(), 200);

    // no_https_redirect: https works and http serves the page instead of redirecting.
    let m = site(&web, &[F::NoHttpsRedirect]);
    assert_eq!(c.get(&m.url).send().await.expect("https").status(), 200);
    let http_url = format!("http://{}:{}/", host(&m.url), web.http_addr.port());
    assert_eq!(c.get(&http_url).send().await.expect("http").status(), 200);

    // Every certificate defect, seen through a recording verifier, and refused by a strict one.
    for (code, check) in [
        (F::TlsExpired, "expired"),
        (F::TlsExpiringSoon, "expiring"),
        (F::TlsSelfSigned, "self-signed"),
        (F::TlsHostnameMismatch, "mismatch"),
        (F::TlsIncompleteChain, "incomplete"),
        (F::TlsWeakKey, "weak"),
    ] {
        let m = site(&web, &[code]);
        let name = host(&m.url);
        let chain = presented_chain(tls, &name)
            .await
            .expect("handshake with a recording verifier");
        let (_, leaf) = X509Certificate::from_der(&chain[0]).expect("leaf parses");
        let strict = handshake(tls, &name, strict_tls(&web.ca_pem)).await;
        match check {
            "expired" => assert!(days_left(&leaf) < 0),
            "expiring" => assert!((0..=30).contains(&days_left(&leaf))),
            "self-signed" => assert!(chain.len() == 1 && leaf.subject() == leaf.issuer()),
            "mismatch" => assert!(!sans(&leaf).iter().any(|s| s == "*.fixture.localhost")),
            "incomplete" => assert!(chain.len() == 1 && leaf.subject() != leaf.issuer()),
            _ => assert_eq!(
                leaf.signature_algorithm.algorithm,
                x509_parser::oid_registry::OID_PKCS1_SHA1WITHRSA
            ),
        }
        assert_eq!(strict.is_ok(), code == F::TlsExpiringSoon, "{code:?}: {strict:?}");
    }
    let (_, clean_leaf) = {
        let chain = presented_chain(tls, "s0000.fixture.localhost")
            .await
            .expect("clean chain");
        assert_eq!(chain.len(), 2);
        let der = chain[0].clone();
        let (_, cert) = X509Certificate::from_der(&der).expect("parses");
        (cert.validity().not_after.timestamp(), days_left(&cert))
    };
    assert!(clean_leaf > 30);

    // Reachability.
    let m = site(&web, &[F::Unreachable]);
    let port = url::Url::parse(&m.url).expect("url").port().expect("port");
    assert_eq!(port, web.closed_port());
    let err = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    let m = site(&web, &[F::HttpError]);
    assert!(
        c.get(&m.url)
            .send()
            .await
            .expect("error page")
            .status()
            .is_server_error()
    );
    let m = site(&web, &[F::SlowResponse]);
    let t = Instant::now();
    assert_eq!(c.get(&m.url).send().await.expect("slow").status(), 200);
    assert!(t.elapsed() >= Duration::from_secs(3));

    // Redirects: to a gambling host (in one of three ways), and a loop.
    for m in web.manifest.iter().filter(|m| m.defects == [F::MaliciousRedirect]) {
        let resp = c.get(&m.url).send().await.expect("redirecting site");
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap_or("").to_string());
        let html = resp.text().await.expect("body");
        assert!(location.is_some_and(|l| l.contains("nhacai-")) || html.contains("https://nhacai-"));
    }
    let m = site(&web, &[F::TooManyRedirects]);
    let following = reqwest::Client::builder()
        .tls_backend_preconfigured(strict_tls(&web.ca_pem))
        .dns_resolver(Arc::new(Localhost))
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .expect("client");
    let err = following.get(&m.url).send().await.expect_err("redirect loop");
    assert!(err.is_redirect(), "{err}");

    // A gambling host and the external host.
    let gambling = c
        .get(format!("https://nhacai-03.fixture.localhost:{}/", tls.port()))
        .send()
        .await
        .expect("gambling");
    assert!(gambling.text().await.expect("body").contains("cá cược bóng đá"));
    let ext = format!("https://ext.fixture.localhost:{}", tls.port());
    assert_eq!(
        c.get(format!("{ext}/so-gddt/")).send().await.expect("ext").status(),
        200
    );
    assert_eq!(
        c.get(format!("{ext}/het-han/x.html"))
            .send()
            .await
            .expect("ext")
            .status(),
        404
    );
    for m in web.manifest.iter().filter(|m| !m.broken_links.is_empty()) {
        for link in &m.broken_links {
            assert_eq!(c.get(link).send().await.expect("broken link").status(), 404, "{link}");
        }
    }
    web.shutdown().await;
}

#[tokio::test]
async fn hostile_endpoints_behave_and_end_when_the_client_gives_up() {
    let web = fixture(50, true).await;

    // 50 MB body, streamed.
    let m = site(&web, &[F::BodyTooLarge]);
    let mut resp = client(&web.ca_pem).get(&m.url).send().await.expect("huge page");
    let mut total = 0u64;
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        total += chunk.len() as u64;
    }
    assert_eq!(total, 50 * 1024 * 1024);

    // Decompression bomb: small on the wire, inflating past 1 GB.
    let m = site(&web, &[F::DecompressionBomb]);
    let resp = client(&web.ca_pem).get(&m.url).send().await.expect("bomb");
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let compressed = resp.bytes().await.expect("bomb body");
    assert!(compressed.len() < 8 * 1024 * 1024, "{}", compressed.len());
    let isize = u32::from_le_bytes(compressed[compressed.len() - 4..].try_into().expect("4 bytes"));
    assert!(isize as u64 >= 1_000_000_000, "gzip trailer says {isize}");
    let mut decoder = flate2::read::GzDecoder::new(&compressed[..compressed.len().min(64 * 1024)]);
    let mut buf = vec![0u8; 1 << 20];
    let mut inflated = 0u64;
    while let Ok(n) = std::io::Read::read(&mut decoder, &mut buf) {
        if n == 0 {
            break;
        }
        inflated += n as u64;
    }
    assert!(inflated > 32 * 1024 * 1024, "64 KiB inflates to {inflated}");

    // Enormous headers.
    let m = site(&web, &[F::HeadersTooLarge]);
    let resp = client(&web.ca_pem).get(&m.url).send().await.expect("huge headers");
    let size: usize = resp.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    assert!(size >= 200_000, "{size}");

    // Invalid UTF-8 in a page declared UTF-8.
    let m = site(&web, &[F::InvalidEncoding]);
    let resp = client(&web.ca_pem).get(&m.url).send().await.expect("page");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .contains("utf-8")
    );
    let bytes = resp.bytes().await.expect("body");
    assert!(std::str::from_utf8(&bytes).is_err());

    // A malformed feed, found from the page's <link rel="alternate">.
    let m = site(&web, &[F::MalformedFeed]);
    let html = client(&web.ca_pem)
        .get(&m.url)
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    let at = html.find("rel=\"alternate\"").expect("advertised feed");
    let href = html[at..]
        .split("href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("href");
    let feed_url = url::Url::parse(&m.url).expect("url").join(href).expect("join");
    let feed = client(&web.ca_pem)
        .get(feed_url)
        .send()
        .await
        .expect("feed")
        .bytes()
        .await
        .expect("body");
    assert!(feed_rs::parser::parse(&feed[..]).is_err());

    // Slow drip: a byte a second; the connection ends once the client gives up.
    let m = site(&web, &[F::Timeout]);
    let drip_client = client(&web.ca_pem);
    let mut resp = drip_client.get(&m.url).send().await.expect("headers arrive");
    let t = Instant::now();
    let mut got = 0;
    while got < 3 {
        got += resp.chunk().await.expect("chunk").expect("more").len();
    }
    assert!(t.elapsed() >= Duration::from_millis(1500), "{:?}", t.elapsed());
    let gave_up = tokio::time::timeout(Duration::from_secs(2), async {
        while resp.chunk().await.ok().flatten().is_some() {}
    })
    .await;
    assert!(gave_up.is_err(), "the drip never ends by itself");
    drop(resp);
    drop(drip_client);
    let deadline = Instant::now() + Duration::from_secs(10);
    while web.open_connections() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        web.open_connections(),
        0,
        "connections left open after the clients went away"
    );

    // Shutdown ends a drip still being served.
    let resp = client(&web.ca_pem).get(&m.url).send().await.expect("drip again");
    let t = Instant::now();
    web.shutdown().await;
    assert!(t.elapsed() < Duration::from_secs(2));
    drop(resp);
}

#[tokio::test]
async fn ten_thousand_sites_start_in_under_a_second() {
    let t = Instant::now();
    let web = fixture(10_000, true).await;
    let elapsed = t.elapsed();
    assert!(elapsed < Duration::from_secs(1), "started in {elapsed:?}");
    assert_eq!(web.manifest.len(), 10_000);
    let last = &web.manifest[9_999];
    assert!(last.url.contains("s9999.fixture.localhost"));
    let c = client(&web.ca_pem);
    let first_normal = web.manifest[9_900..]
        .iter()
        .find(|m| m.defects.is_empty())
        .expect("a clean site");
    assert_eq!(c.get(&first_normal.url).send().await.expect("site 99xx").status(), 200);
    let profiles: std::collections::HashSet<u32> = web.manifest.iter().map(|m| m.header_profile).collect();
    assert!(profiles.len() >= 40);

    let path = std::env::temp_dir().join(format!("fixture-manifest-{}.json", std::process::id()));
    web.write_manifest(&path).expect("manifest written");
    let back: Vec<ManifestSite> = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("parses");
    let _ = std::fs::remove_file(&path);
    assert_eq!(back.len(), 10_000);
    assert_eq!(back[42].defects, web.manifest[42].defects);
    let json: serde_json::Value = serde_json::from_str(&serde_json::to_string(&back[1]).expect("json")).expect("value");
    assert!(json["url"].is_string() && json["defects"].is_array());
    web.shutdown().await;
}

#[tokio::test]
async fn without_tls_every_site_is_http() {
    let t = Instant::now();
    let web = fixture(10_000, false).await;
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(web.tls_addr.is_none());
    assert!(web.manifest.iter().all(|m| m.url.starts_with("http://")));
    let c = client(&web.ca_pem);
    let m = site(&web, &[F::NoHttps]);
    let resp = c.get(&m.url).send().await.expect("plain site");
    assert_eq!(resp.status(), 200);
    web.shutdown().await;
}
