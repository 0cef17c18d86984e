//! Fuzzing the domain's parsers of outside data: uploaded tables (CSV, XLSX) and the units
//! import over them, evidence files, and the addresses people type (sites, evidence links,
//! unit websites and codes). Inputs are generated and mutated from `fuzz/corpus/<target>/`;
//! `PROPTEST_CASES` sets how many (see `lanhmang_fuzz`).

use std::collections::HashMap;
use std::io::{Cursor, Write};

use lanhmang_domain::activity::{EvidenceType, parse_evidence_link, sniff_evidence};
use lanhmang_domain::address_policy::web_link;
use lanhmang_domain::supervision::normalize_site_url;
use lanhmang_domain::table_file::{self, MAX_COLUMNS, MAX_FIELD_BYTES, MAX_ROWS, Table};
use lanhmang_domain::unit::{UnitCode, UnitInput, parse_websites};
use lanhmang_domain::units_import::{ExistingUnit, plan_import};
use lanhmang_fuzz::{bounded, inputs, run};
use proptest::prelude::*;

#[global_allocator]
static METER: lanhmang_fuzz::Meter = lanhmang_fuzz::Meter;

const TABLE_TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\xEF\xBB\xBF",
    b"\xff",
    b"ma_don_vi",
    b"ten_don_vi",
    b"loai",
    b"ma_cap_tren",
    b"cap_hoc",
    b"truong",
    b"phong",
    b"so",
    b"SGD-XX",
    b"PGD-AB",
    b"Ti\xe1\xbb\x83u h\xe1\xbb\x8dc",
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"\x00\x00\x00\x00",
];

/// What any table that `read_table` returns must respect, whatever it was fed.
fn check_table(table: &Table) -> Result<(), TestCaseError> {
    prop_assert!(table.len() >= 2, "a header and a data row");
    prop_assert!(table.len() <= MAX_ROWS + 2, "{} rows", table.len());
    for row in table {
        prop_assert!(row.len() <= MAX_COLUMNS, "{} columns", row.len());
        for cell in row {
            prop_assert!(cell.len() <= MAX_FIELD_BYTES);
        }
    }
    Ok(())
}

/// The units import over a table: a plan whose parents come first, or errors that point into
/// the table.
fn check_import(table: &Table) -> Result<(), TestCaseError> {
    let mut existing = HashMap::new();
    existing.insert(
        "SGD-XX".to_string(),
        ExistingUnit {
            kind: lanhmang_domain::unit::UnitKind::Department,
            parent_code: None,
        },
    );
    match plan_import(table, &existing) {
        Ok(rows) => {
            let mut written: Vec<&str> = existing.keys().map(String::as_str).collect();
            for r in &rows {
                prop_assert!(r.row >= 2 && r.row <= table.len(), "row {}", r.row);
                if let Some(parent) = &r.parent_code {
                    prop_assert!(
                        written.contains(&parent.as_str()),
                        "parent {} after its child",
                        parent.as_str()
                    );
                }
                written.push(r.fields.code.as_str());
            }
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                prop_assert!(e.row >= 1 && e.row <= table.len().max(1), "error at row {}", e.row);
                prop_assert!(!e.reason.is_empty());
            }
        }
    }
    Ok(())
}

/// Bytes at most this many times the input, plus a fixed allowance for the readers' buffers.
fn table_bound(input: usize) -> usize {
    8 * 1024 * 1024 + 200 * input
}

fn check_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    let result = bounded("read_table", table_bound(bytes.len()), || table_file::read_table(bytes))?;
    match result {
        Ok(table) => {
            check_table(&table)?;
            bounded("plan_import", table_bound(bytes.len()), || check_import(&table))??;
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

#[test]
fn fuzz_table_file() {
    run("table_file", inputs("table_file", TABLE_TOKENS), |bytes| {
        check_bytes(&bytes)
    });
}

const XML_TOKENS: &[&[u8]] = &[
    b"<row r=\"1048576\">",
    b"</row>",
    b"<c r=\"XFD1\" t=\"s\"><v>3</v></c>",
    b"<c r=\"A2\" t=\"inlineStr\"><is><t>",
    b"</t></is></c>",
    b"<v>",
    b"</v>",
    b"t=\"s\"",
    b"t=\"e\"",
    b"t=\"b\"",
    b"t=\"d\"",
    b"t=\"n\"",
    b"<v>99999999999</v>",
    b"<v>-1</v>",
    b"<v>1e308</v>",
    b"r=\"A0\"",
    b"r=\"ZZZZZZ1\"",
    b"r=\"A99999999999\"",
    b"&amp;",
    b"&#x0;",
    b"&#1114112;",
    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]>",
    b"&a;",
    b"<![CDATA[",
    b"]]>",
    b"<dimension ref=\"A1:XFD1048576\"/>",
    b"<mergeCells count=\"1\"><mergeCell ref=\"A1:XFD1048576\"/></mergeCells>",
    b"<f>",
    b"</f>",
    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    b"<dimension ref=\"B2:A1\"/>",
];

/// A workbook around a (mutated) sheet, so that the mutations reach the spreadsheet reader
/// rather than breaking the archive's checksums.
fn workbook(sheet: &[u8]) -> Vec<u8> {
    const PARTS: &[(&str, &str)] = &[
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
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
        (
            "xl/sharedStrings.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4"><si><t>ma_don_vi</t></si><si><t>ten_don_vi</t></si><si><t>loai</t></si><si><r><t>Trường </t></r><r><t>Tiểu học</t></r></si></sst>"#,
        ),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in PARTS {
        zip.start_file(*name, deflate).expect("zip part");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflate).expect("zip part");
    zip.write_all(sheet).expect("zip write");
    zip.finish().expect("zip").into_inner()
}

#[test]
fn fuzz_xlsx_sheet() {
    run("xlsx_sheet", inputs("xlsx_sheet", XML_TOKENS), |sheet| {
        check_bytes(&workbook(&sheet))
    });
}

const EVIDENCE_TOKENS: &[&[u8]] = &[
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"RIFF",
    b"WEBP",
    b"PK\x03\x04",
    b"[Content_Types].xml",
    b"word/",
    b"xl/",
    b"<script>",
    b"\x00",
];

fn magic_of(kind: EvidenceType) -> &'static [&'static [u8]] {
    match kind {
        EvidenceType::Pdf => &[b"%PDF-"],
        EvidenceType::Png => &[b"\x89PNG\r\n\x1a\n"],
        EvidenceType::Jpeg => &[b"\xff\xd8\xff"],
        EvidenceType::Gif => &[b"GIF87a", b"GIF89a"],
        EvidenceType::Webp => &[b"RIFF"],
        EvidenceType::Docx | EvidenceType::Xlsx => &[b"PK\x03\x04"],
    }
}

#[test]
fn fuzz_evidence() {
    let names = prop_oneof![
        Just("minh-chung.png".to_string()),
        Just("../../etc/passwd".to_string()),
        Just("a\\b\r\n\u{0}\u{202e}gnp.exe".to_string()),
        any::<String>(),
    ];
    run(
        "evidence",
        (names, inputs("evidence", EVIDENCE_TOKENS)),
        |(name, bytes)| {
            match bounded("sniff_evidence", 1024 * 1024, || sniff_evidence(&name, &bytes))? {
                // A kind is only ever claimed on its magic bytes, under a plain name that does not
                // promise another kind: a PDF never passes for an image.
                Ok(kind) => {
                    prop_assert!(
                        magic_of(kind).iter().any(|m| bytes.starts_with(m)),
                        "{kind:?} from {:?}",
                        &bytes[..bytes.len().min(16)]
                    );
                    prop_assert!(
                        !name.contains(|c: char| c.is_control() || c == '/' || c == '\\'),
                        "{name:?}"
                    );
                    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
                    let image = matches!(
                        kind,
                        EvidenceType::Png | EvidenceType::Jpeg | EvidenceType::Gif | EvidenceType::Webp
                    );
                    if let Some(e) = extension.as_deref() {
                        prop_assert!(!["html", "svg", "exe", "js"].contains(&e), "{name:?}");
                        prop_assert!(e != "pdf" || kind == EvidenceType::Pdf, "{name:?} is {kind:?}");
                        prop_assert!(
                            !["png", "jpg", "gif", "webp"].contains(&e) || image,
                            "{name:?} is {kind:?}"
                        );
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            Ok(())
        },
    );
}

const ADDRESS_TOKENS: &[&[u8]] = &[
    b"https://",
    b"http://",
    b"htps//",
    b"ftp://",
    b"javascript:",
    b"data:",
    b"//",
    b"@",
    b":",
    b":8080",
    b"[::ffff:127.0.0.1]",
    b"[",
    b"]",
    b"%",
    b"%00",
    b"#",
    b"?",
    b".",
    b"..",
    b"/",
    b"\\",
    b" ",
    b",",
    b";",
    b"\n",
    b"\t",
    b"xn--",
    b"\xe1\xba\xa1",
    b"edu.vn",
    b"localhost",
    b"127.0.0.1",
    b"0x7f.1",
    b"facebook.com",
    b"\xef\xbc\x8e",
    b"\xe2\x80\x8b",
];

fn is_web_url(s: &str) -> bool {
    url::Url::parse(s)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
}

#[test]
fn fuzz_addresses() {
    let lines = inputs("addresses", ADDRESS_TOKENS).prop_map(|b| String::from_utf8_lossy(&b).into_owned());
    run("addresses", lines, |raw| check_addresses(raw.as_bytes()));
}

/// Every line of the input, and the whole of it, through every address parser; the lines as
/// the fields of a unit.
fn check_addresses(raw: &[u8]) -> Result<(), TestCaseError> {
    let raw = String::from_utf8_lossy(raw);
    let base = url::Url::parse("https://pgd-anbinh.edu.vn/tin/").expect("base");
    bounded(
        "addresses",
        1024 * 1024 + 64 * raw.len(),
        || -> Result<(), TestCaseError> {
            for line in raw.lines().chain([&*raw]) {
                if let Ok((url, host)) = normalize_site_url(line) {
                    prop_assert!(is_web_url(&url), "site {url:?}");
                    prop_assert!(!host.is_empty() && host == host.to_ascii_lowercase(), "host {host:?}");
                    let parsed = url::Url::parse(&url).expect("checked");
                    prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
                    prop_assert!(parsed.fragment().is_none());
                    // Normalising is stable: a second pass changes nothing.
                    prop_assert_eq!(normalize_site_url(&url).ok(), Some((url.clone(), host)));
                }
                if let Ok(link) = parse_evidence_link(line) {
                    prop_assert!(is_web_url(&link), "evidence link {link:?}");
                }
                for base in [None, Some(&base)] {
                    if let Some(link) = web_link(base, line) {
                        prop_assert!(is_web_url(&link), "web link {link:?}");
                    }
                }
                if let Ok(sites) = parse_websites(line) {
                    prop_assert!(sites.len() <= 5);
                    for s in &sites {
                        prop_assert!(is_web_url(s), "unit website {s:?}");
                    }
                }
                if let Ok(code) = UnitCode::parse(line) {
                    let c = code.as_str();
                    prop_assert!(!c.is_empty() && c.len() <= 32);
                    prop_assert!(
                        c.chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_'))
                    );
                }
            }
            let fields: Vec<&str> = raw.split(['\n', ',']).collect();
            let field = |i: usize| fields.get(i).copied().unwrap_or_default().to_string();
            let input = UnitInput {
                code: field(0),
                name: field(1),
                kind: field(2),
                school_level: field(3),
                status: field(4),
                address: field(5),
                websites: field(6),
            };
            if let Ok(unit) = input.parse() {
                prop_assert!(!unit.name.is_empty() && unit.name.chars().count() <= 200);
                prop_assert!(unit.websites.len() <= 5);
            }
            Ok(())
        },
    )?
}

/// Inputs that once broke a parser, replayed by name: every `crash-*` file of a corpus.
#[test]
fn crashes_found_stay_fixed() {
    let replayed = lanhmang_fuzz::replay_crashes(&[
        ("table_file", check_bytes),
        ("xlsx_sheet", |sheet| check_bytes(&workbook(sheet))),
        ("addresses", check_addresses),
    ]);
    assert!(replayed >= 3, "{replayed} crashes replayed");
}
