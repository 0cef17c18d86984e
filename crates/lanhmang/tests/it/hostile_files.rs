//! Hostile spreadsheets posted to the imports: a 1.6 KB XLSX with one cell at A1 and one at
//! XFD1048576 once made the server allocate hundreds of gigabytes and abort. Each import must
//! answer 4xx with the reason in Vietnamese, write nothing, and the server must keep answering.
//!
//! The forms are posted with the CSRF token in the query string, as the multipart forms take it
//! on `main` today.

use crate::common;

use std::io::{Cursor, Write};

use common::{TestApp, backends};
use lanhmang_domain::Paging;

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
