//! Responses travel compressed when the client accepts it (issue 11, §1): pages, CSS and JSON
//! in gzip, files and tiny answers as they are; and the CSRF token in a page is masked afresh
//! each time, so that compression cannot leak it (BREACH), while every masked copy still works.

use crate::common;

use std::io::Read;

use common::{Browser, TestApp, both_backends, extract_csrf};

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = app.client().get(app.url(path));
    if let Some(value) = accept_encoding {
        request = request.header("accept-encoding", value);
    }
    request.send().await.expect("request")
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("valid gzip");
    out
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

both_backends!(text_is_gzipped_for_clients_that_accept_it);
async fn text_is_gzipped_for_clients_that_accept_it(backend: &'static str) {
    {
        let app = TestApp::spawn(backend).await;
        for path in ["/static/app.css", "/api/v1/openapi.json", "/dang-nhap"] {
            let plain = get(&app, path, None).await;
            assert_eq!(plain.status(), 200, "{backend} {path}");
            assert_eq!(header(&plain, "content-encoding"), None, "{backend} {path}: not asked");
            assert_eq!(header(&plain, "vary"), Some("accept-encoding"), "{backend} {path}");
            let plain = plain.bytes().await.unwrap();

            let packed = get(&app, path, Some("gzip, deflate, br, zstd")).await;
            assert_eq!(packed.status(), 200, "{backend} {path}");
            assert_eq!(header(&packed, "content-encoding"), Some("gzip"), "{backend} {path}");
            assert_eq!(header(&packed, "vary"), Some("accept-encoding"), "{backend} {path}");
            assert!(
                header(&packed, "content-security-policy").is_some(),
                "{backend} {path}: the security headers are kept"
            );
            let packed = packed.bytes().await.unwrap();
            // The sign-in page is small and a third of it is its random token: smaller, not
            // half; the style sheet and the API document shrink far more.
            let factor = if path == "/dang-nhap" { 1 } else { 3 };
            assert!(
                packed.len() * factor < plain.len(),
                "{backend} {path}: {} -> {} bytes",
                plain.len(),
                packed.len()
            );
            let unpacked = gunzip(&packed);
            if path == "/dang-nhap" {
                // The same page but for its freshly masked token.
                let strip = |page: &str| page.replace(&extract_csrf(page).unwrap(), "");
                assert_eq!(
                    strip(&unpacked),
                    strip(std::str::from_utf8(&plain).unwrap()),
                    "{backend}"
                );
            } else {
                assert_eq!(unpacked.as_bytes(), &plain[..], "{backend} {path}");
            }
        }

        // A refusal, another coding only, a tiny answer and a HEAD request go as they are.
        for (path, accept) in [
            ("/static/app.css", "gzip;q=0, *"),
            ("/static/app.css", "br"),
            ("/healthz", "gzip"),
        ] {
            let r = get(&app, path, Some(accept)).await;
            assert_eq!(r.status(), 200, "{backend} {path} {accept}");
            assert_eq!(header(&r, "content-encoding"), None, "{backend} {path} {accept}");
        }
        let head = app
            .client()
            .head(app.url("/static/app.css"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!((head.status().as_u16(), header(&head, "content-encoding")), (200, None));
        app.stop().await;
    }
}

both_backends!(every_page_masks_its_token_afresh_and_every_copy_signs_in);
async fn every_page_masks_its_token_afresh_and_every_copy_signs_in(backend: &'static str) {
    {
        let app = TestApp::spawn_with(backend, true).await;
        let b = Browser {
            client: app.client(),
            base: app.base.clone(),
        };
        let first = b.csrf_from("/dang-nhap").await;
        let second = b.csrf_from("/dang-nhap").await;
        assert_ne!(first, second, "{backend}: a fresh mask in every response");
        let r = b
            .post_form(
                "/dang-nhap",
                &[
                    ("_csrf", first.as_str()),
                    ("username", "demo.office"),
                    ("password", common::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{backend}: the older copy still signs in");
        let (a, c) = (b.csrf_from("/").await, b.csrf_from("/").await);
        assert_ne!(a, c, "{backend}: signed in too");
        // A token that is neither the session's nor a mask of it is refused.
        let forged = format!("{}{}", &a[..a.len() / 2], "0".repeat(a.len() / 2));
        let r = b.post_form("/dang-xuat", &[("_csrf", forged.as_str())]).await;
        assert_eq!(r.status(), 403, "{backend}");
        app.stop().await;
    }
}
