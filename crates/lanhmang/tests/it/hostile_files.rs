//! Hostile spreadsheets posted to the imports: a 1.6 KB XLSX with one cell at A1 and one at
//! XFD1048576 once made the server allocate hundreds of gigabytes and abort. Each import must
//! answer 4xx with the reason in Vietnamese, write nothing, and the server must keep answering.
//!
//! The forms are posted with the CSRF token in the query string, as the multipart forms take it
//! on `main` today.

use crate::common;

use std::io::{Cursor, Write};

use common::{Browser, TestApp, backends, both_backends};
use lanhmang_domain::Paging;
use reqwest::cookie::{CookieStore, Jar};

/// One sheet with a cell at A1 and one at XFD1048576, built by hand (no spreadsheet writer
/// would produce it).
fn huge_dimension_xlsx() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ma_don_vi</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_huge_dimension_xlsx_is_refused_by_both_imports_and_the_server_lives() {
    let file = huge_dimension_xlsx();
    assert!(file.len() < 2048, "{} bytes", file.len());
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let office = app.signed_in("demo.office").await;
        let units_before = app.store().count_units().await.unwrap();
        let (_, audit_before) = app.store().audit_page(Paging::default()).await.unwrap();
        for page in ["/don-vi/nhap", "/giam-sat/website/nhap"] {
            let csrf = office.csrf_from(page).await;
            // The CSRF token travels as the form's first part, never in the URL.
            let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).part(
                "file",
                reqwest::multipart::Part::bytes(file.clone()).file_name("don-vi.xlsx"),
            );
            let r = office
                .client
                .post(app.url(page))
                .multipart(form)
                .timeout(std::time::Duration::from_secs(60))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{backend} {page}: the server did not answer: {e}"));
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            assert!((400..500).contains(&status), "{backend} {page}: {status}");
            assert!(
                body.contains("tối đa 20000 dòng"),
                "{backend} {page}: the reason is shown"
            );
            // The server still answers.
            let (status, _) = office.text(page).await;
            assert_eq!(status, 200, "{backend} {page}: the server is alive");
        }
        assert_eq!(app.store().count_units().await.unwrap(), units_before, "{backend}");
        let (_, audit_after) = app.store().audit_page(Paging::default()).await.unwrap();
        assert_eq!(audit_after, audit_before, "{backend}: nothing written");
        let health = office.get("/healthz").await;
        assert_eq!(health.status(), 200, "{backend}");
        app.stop().await;
    }
}

/// What a hostile upload holds: bytes in hand, or a CSV whose one field is `len` bytes long,
/// produced as it is sent so that the test never holds it.
enum Content {
    Bytes(Vec<u8>),
    HugeCsvField { len: usize },
}

/// One row of the table: what it is, where it is posted, the name it is sent under, and words
/// of the reason the refusal must give.
struct Hostile {
    what: &'static str,
    page: &'static str,
    file_name: &'static str,
    content: Content,
    reason: &'static str,
}

const EVIDENCE_PAGE: &str = "/hoat-dong/moi";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A workbook around a sheet, with extra parts (name, content), deflated or stored.
fn workbook_with(sheet: &[u8], extra: &[(&str, &[u8])], deflated: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let method = if deflated {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let parts: [(&str, &[u8]); 4] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, data) in parts
        .iter()
        .chain([("xl/worksheets/sheet1.xml", sheet)].iter())
        .chain(extra)
    {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn sheet(doctype: &str, sheet_data: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
    )
    .into_bytes()
}

const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>ma_don_vi</t></is></c><c r="B1" t="inlineStr"><is><t>ten_don_vi</t></is></c><c r="C1" t="inlineStr"><is><t>loai</t></is></c></row>"#;

/// The table of hostile files of issue 11 §4.
fn hostile_files() -> Vec<Hostile> {
    // 60 MiB of spaces deflate to about 60 KB: a thousand times.
    let bomb = workbook_with(
        &sheet("", HEADER_ROW),
        &[("xl/media/image1.xml", &vec![b' '; 60 << 20])],
        true,
    );
    // 200,000 elements, each inside the last, stored uncompressed so that the reader meets them
    // (deflated, the ratio alone would refuse the file).
    let depth = 200_000;
    let nested = sheet(
        "",
        &format!(
            r#"{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>{}x{}</t></is></c></row>"#,
            "<r>".repeat(depth),
            "</r>".repeat(depth)
        ),
    );
    let laughs = sheet(
        r#"<!DOCTYPE worksheet [<!ENTITY l0 "ha"><!ENTITY l1 "&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;"><!ENTITY l2 "&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;"><!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;"><!ENTITY l4 "&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;"><!ENTITY l5 "&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;"><!ENTITY l6 "&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;"><!ENTITY l7 "&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;"><!ENTITY l8 "&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;"><!ENTITY l9 "&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;">]>"#,
        &format!(r#"{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>&l9;</t></is></c></row>"#),
    );
    // A GIF with a Word document appended: an image to a viewer, an archive to an unzipper.
    let mut gif_zip = GIF.to_vec();
    let mut docx = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in [
        ("[Content_Types].xml", "<Types/>"),
        ("word/document.xml", "<w:document/>"),
    ] {
        docx.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        docx.write_all(text.as_bytes()).unwrap();
    }
    gif_zip.extend(docx.finish().unwrap().into_inner());
    // A GIF whose comment is a web page: a browser that guesses the type runs the script.
    let mut gif_html = GIF[..GIF.len() - 1].to_vec();
    gif_html.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>;");
    vec![
        Hostile {
            what: "zip bomb (a part inflating 60 MiB)",
            page: "/don-vi/nhap",
            file_name: "don-vi.xlsx",
            content: Content::Bytes(bomb),
            reason: "Tệp Excel bất thường",
        },
        Hostile {
            what: "XLSX with a cell at XFD1048576",
            page: "/giam-sat/website/nhap",
            file_name: "website.xlsx",
            content: Content::Bytes(huge_dimension_xlsx()),
            reason: "tối đa 20000 dòng",
        },
        Hostile {
            what: "XML nested 200,000 deep",
            page: "/don-vi/nhap",
            file_name: "don-vi.xlsx",
            content: Content::Bytes(workbook_with(&nested, &[], false)),
            // Read without recursion: the row is there, and wrong (no name, no kind).
            reason: "chưa ghi gì vào hệ thống",
        },
        Hostile {
            what: "billion laughs (entities of entities)",
            page: "/don-vi/nhap",
            file_name: "don-vi.xlsx",
            content: Content::Bytes(workbook_with(&laughs, &[], true)),
            reason: "Không đọc được tệp Excel",
        },
        Hostile {
            what: "CSV with a 100 MB field",
            page: "/don-vi/nhap",
            file_name: "don-vi.csv",
            content: Content::HugeCsvField { len: 100 << 20 },
            reason: "quá lớn",
        },
        Hostile {
            what: "PDF named as an image",
            page: EVIDENCE_PAGE,
            file_name: "anh-buoi-ngoai-khoa.png",
            content: Content::Bytes(PDF.to_vec()),
            reason: "nội dung là PDF",
        },
        Hostile {
            what: "polyglot: GIF with a Word document appended",
            page: EVIDENCE_PAGE,
            file_name: "anh.gif",
            content: Content::Bytes(gif_zip),
            reason: "tệp lai",
        },
        Hostile {
            what: "polyglot: GIF holding a web page",
            page: EVIDENCE_PAGE,
            file_name: "anh.gif",
            content: Content::Bytes(gif_html),
            reason: "tệp lai",
        },
        Hostile {
            what: "image named as a web page",
            page: EVIDENCE_PAGE,
            file_name: "anh.html",
            content: Content::Bytes(GIF.to_vec()),
            reason: "đuôi .html",
        },
        Hostile {
            what: "file name with path separators",
            page: EVIDENCE_PAGE,
            file_name: "../../../etc/cron.d/bien-ban.pdf",
            content: Content::Bytes(PDF.to_vec()),
            reason: "gạch chéo hoặc ký tự điều khiển",
        },
        Hostile {
            what: "file name with a Windows path",
            page: EVIDENCE_PAGE,
            file_name: "..\\..\\Windows\\bien-ban.pdf",
            content: Content::Bytes(PDF.to_vec()),
            reason: "gạch chéo hoặc ký tự điều khiển",
        },
        Hostile {
            what: "file name with a tab",
            page: EVIDENCE_PAGE,
            file_name: "bien\tban.pdf",
            content: Content::Bytes(PDF.to_vec()),
            reason: "gạch chéo hoặc ký tự điều khiển",
        },
        // Other control characters cannot even stand in a part's header: the form reader
        // refuses the request before any rule runs.
        Hostile {
            what: "file name with DEL",
            page: EVIDENCE_PAGE,
            file_name: "bien\u{7f}ban.pdf",
            content: Content::Bytes(PDF.to_vec()),
            reason: "Không đọc được biểu mẫu",
        },
        Hostile {
            what: "file name with a NUL and a line break",
            page: EVIDENCE_PAGE,
            file_name: "bien-ban.pdf\u{0}\r\nContent-Type: text/html",
            content: Content::Bytes(PDF.to_vec()),
            reason: "Không đọc được biểu mẫu",
        },
    ]
}

/// Posts a form whose file is a CSV with one field of `field_len` bytes, produced as it is
/// sent, in chunks of unannounced total length, over a plain socket. The server answers 413
/// and closes while the body is still coming; an HTTP client that gives up at the first failed
/// write may never read that answer, so here one task writes while this one reads.
async fn post_huge_csv(app: &TestApp, cookies: &str, csrf: &str, page: &str, field_len: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_string();
    let (mut reader, mut writer) = tokio::net::TcpStream::connect(&addr).await.unwrap().into_split();
    let boundary = "lanhmang-hostile-file";
    let request = format!(
        "POST {page} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    );
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"don-vi.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nma_don_vi,ten_don_vi,loai\nT1,\""
    );
    let tail = format!("\",truong\n\r\n--{boundary}--\r\n");
    let sender = tokio::spawn(async move {
        let chunk = |data: &[u8]| [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat();
        writer.write_all(request.as_bytes()).await?;
        writer.write_all(&chunk(head.as_bytes())).await?;
        let piece = chunk(&[b'x'; 64 * 1024]);
        for _ in 0..field_len / (64 * 1024) {
            writer.write_all(&piece).await?;
        }
        writer.write_all(&chunk(tail.as_bytes())).await?;
        writer.write_all(b"0\r\n\r\n").await?;
        Ok::<_, std::io::Error>(())
    });
    let mut response = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    // Until the server closes (or resets) the connection; what arrived before is kept.
    while let Ok(n) = reader.read(&mut buf).await {
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
    }
    let sent = sender.await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer ({sent:?}): {text:?}"));
    (status, text)
}

/// A client signed in like [`TestApp::signed_in`] whose cookies can be read, for the one
/// request this file sends by hand.
async fn signed_in_keeping_cookies(app: &TestApp, username: &str) -> (Browser, std::sync::Arc<Jar>) {
    let jar = std::sync::Arc::new(Jar::default());
    let browser = Browser {
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: app.base.clone(),
    };
    let csrf = browser.csrf_from("/dang-nhap").await;
    let fields = [
        ("_csrf", csrf.as_str()),
        ("username", username),
        ("password", common::DEMO_PASSWORD),
        ("next", "/"),
    ];
    assert_eq!(
        browser.post_form("/dang-nhap", &fields).await.status(),
        303,
        "login of {username}"
    );
    (browser, jar)
}

/// What an upload could have written: units, sites, activities, audit entries.
async fn written(app: &TestApp, d: &crate::activities::Demo) -> (i64, i64, i64) {
    let units = app.store().count_units().await.unwrap();
    let activities = crate::activities::count_activities(app, d).await;
    let (_, audit) = app.store().audit_page(Paging::default()).await.unwrap();
    (units, activities, audit)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

both_backends!(hostile_files_get_a_clear_4xx_write_nothing_and_memory_stays_bounded);
async fn hostile_files_get_a_clear_4xx_write_nothing_and_memory_stays_bounded(backend: &'static str) {
    let app = TestApp::spawn_process(backend).await;
    let (office, jar) = signed_in_keeping_cookies(&app, "demo.office").await;
    let teacher = app.signed_in("demo.teacher").await;
    let d = crate::activities::demo(&app).await;
    let before = written(&app, &d).await;
    let start = app.server_memory().expect("the server's memory in /proc");
    println!(
        "{backend}: server started, RSS {:.1} MiB, peak {:.1} MiB",
        mib(start.rss_kib),
        mib(start.peak_kib)
    );
    for h in hostile_files() {
        let evidence = h.page == EVIDENCE_PAGE;
        let who = if evidence { &teacher } else { &office };
        let csrf = who.csrf_from(h.page).await;
        // The CSRF token first, as the page sends it; the name exactly as given (no encoding),
        // as a hostile client would send it.
        let mut form = reqwest::multipart::Form::new()
            .percent_encode_noop()
            .text("_csrf", csrf.clone());
        if evidence {
            for (k, v) in crate::activities::fields(d.school_a, d.plan_id, &[]) {
                form = form.text(k, v);
            }
        }
        let (status, body) = match h.content {
            Content::Bytes(bytes) => {
                form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(h.file_name));
                let r = who
                    .client
                    .post(app.url(h.page))
                    .multipart(form)
                    .timeout(std::time::Duration::from_secs(120))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{backend} {}: the server did not answer: {e:?}", h.what));
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Content::HugeCsvField { len } => {
                let cookies = jar.cookies(&app.url("/").parse().unwrap()).expect("session cookie");
                post_huge_csv(&app, cookies.to_str().unwrap(), &csrf, h.page, len).await
            }
        };
        assert!((400..500).contains(&status), "{backend} {}: {status}", h.what);
        assert!(
            body.contains(h.reason),
            "{backend} {}: {status} without «{}»: {}",
            h.what,
            h.reason,
            // The page's main part, where the reason is shown.
            body[body.find("<main").unwrap_or(0)..]
                .chars()
                .take(2500)
                .collect::<String>()
        );
        assert_eq!(
            office.get("/healthz").await.status(),
            200,
            "{backend} {}: alive",
            h.what
        );
        assert_eq!(written(&app, &d).await, before, "{backend} {}: nothing written", h.what);
        let m = app.server_memory().expect("memory");
        println!(
            "{backend}: {:<46} {status}, RSS {:6.1} MiB, peak {:6.1} MiB",
            h.what,
            mib(m.rss_kib),
            mib(m.peak_kib)
        );
    }
    let end = app.server_memory().expect("memory");
    let growth = end.peak_kib.saturating_sub(start.peak_kib);
    println!(
        "{backend}: peak grew by {:.1} MiB over the table (bound 48 MiB)",
        mib(growth)
    );
    // Generous (about 10 MiB is usual), yet below what any row would take if it were held
    // whole: the bomb inflates to 60 MiB, the CSV streams 100 MiB.
    assert!(growth < 48 * 1024, "{backend}: peak grew by {:.1} MiB", mib(growth));
    app.stop().await;
}
