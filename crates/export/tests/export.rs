//! Every export read back with an independent reader: the DOCX as XML, the PDF through text
//! extraction and its object tree, the XLSX through calamine.

mod common;

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use lanhmang_export::{
    Cell, Column, ColumnKind, ExportError, OfficialDocument, Section, Sheet, Table, docx, pdf, xlsx,
};
use time::macros::date;

use common::{HEADINGS, HOSTILE, report, schools_table};

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The text of every paragraph of the body, in order, breaks as "\n".
fn docx_paragraphs(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name((W, "p")))
        .map(|p| {
            p.descendants()
                .filter_map(|n| {
                    if n.has_tag_name((W, "t")) {
                        Some(n.text().unwrap_or("").to_string())
                    } else if n.has_tag_name((W, "br")) {
                        Some("\n".to_string())
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect()
}

fn attr(node: roxmltree::Node, name: &str) -> i64 {
    node.attribute((W, name)).unwrap().parse().unwrap()
}

fn expected_words() -> Vec<String> {
    let mut words: Vec<String> = vec![
        "UBND XÃ AN BÌNH".into(),
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO".into(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
        "Độc lập - Tự do - Hạnh phúc".into(),
        "Số: 05/BC-PGDĐT".into(),
        "An Bình, ngày 05 tháng 6 năm 2027".into(),
        "BÁO CÁO".into(),
        "Nơi nhận:".into(),
        "- Sở GDĐT (để b/c);".into(),
        "- Lưu: VT.".into(),
        "KT. TRƯỞNG PHÒNG".into(),
        "PHÓ TRƯỞNG PHÒNG".into(),
        "Nguyễn Thị Thanh Hương".into(),
    ];
    words.extend(HEADINGS.iter().map(|h| h.to_string()));
    let table = schools_table();
    words.extend(
        table
            .header
            .iter()
            .chain(table.rows.iter().flatten())
            .filter(|c| !c.is_empty())
            .cloned(),
    );
    words
}

#[test]
fn docx_has_every_part_on_a4_in_times_new_roman() {
    let bytes = docx(&report(2)).unwrap();
    let xml = unzip(&bytes, "word/document.xml");
    let paragraphs = docx_paragraphs(&xml);
    for word in expected_words() {
        assert!(
            paragraphs.iter().any(|p| p.contains(&word)),
            "missing {word:?} in {paragraphs:#?}"
        );
    }
    // Each table cell is its own paragraph, so exact matches prove the cells were not merged.
    for cell in schools_table().rows.iter().flatten().filter(|c| !c.is_empty()) {
        assert!(paragraphs.iter().any(|p| p == cell), "cell {cell:?}");
    }

    let doc = roxmltree::Document::parse(&xml).unwrap();
    let size = doc.descendants().find(|n| n.has_tag_name((W, "pgSz"))).unwrap();
    assert_eq!((attr(size, "w"), attr(size, "h")), (11_906, 16_838), "A4 in twips");
    let margin = doc.descendants().find(|n| n.has_tag_name((W, "pgMar"))).unwrap();
    let mm = |name| attr(margin, name) as f64 / 56.692_9;
    assert!((19.9..=25.1).contains(&mm("top")), "top {}", mm("top"));
    assert!((19.9..=25.1).contains(&mm("bottom")), "bottom {}", mm("bottom"));
    assert!((29.9..=35.1).contains(&mm("left")), "left {}", mm("left"));
    assert!((14.9..=20.1).contains(&mm("right")), "right {}", mm("right"));

    // Every run with text names Times New Roman; body text is 13 or 14 pt.
    let runs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((W, "r")) && n.descendants().any(|t| t.has_tag_name((W, "t"))))
        .collect();
    assert!(runs.len() > 40);
    for run in &runs {
        let fonts = run
            .descendants()
            .find(|n| n.has_tag_name((W, "rFonts")))
            .expect("run without rFonts");
        assert_eq!(fonts.attribute((W, "ascii")), Some("Times New Roman"));
        assert_eq!(fonts.attribute((W, "hAnsi")), Some("Times New Roman"));
    }
    let body_run = runs
        .iter()
        .find(|r| {
            r.descendants()
                .any(|t| t.text().is_some_and(|t| t.starts_with("Toàn xã có 3 trường")))
        })
        .unwrap();
    let sz = body_run.descendants().find(|n| n.has_tag_name((W, "sz"))).unwrap();
    assert!(matches!(attr(sz, "val"), 26 | 28), "body size {}", attr(sz, "val"));

    let styles = unzip(&bytes, "word/styles.xml");
    assert!(styles.contains("Times New Roman"), "default font in styles.xml");
    // Page numbers from the second page: a header with PAGE, and a distinct (empty) first page.
    assert!(xml.contains("titlePg"));
    let headers: String = (1..=2).map(|i| unzip(&bytes, &format!("word/header{i}.xml"))).collect();
    assert!(headers.contains("PAGE"));
}

fn pdf_text(bytes: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(bytes).unwrap();
    // Line breaks and justification spaces are layout, not words.
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn pdf_has_every_part_on_a4_in_embedded_liberation_serif() {
    let bytes = pdf(&report(2)).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    for word in expected_words() {
        assert!(text.contains(&word), "missing {word:?} in {text}");
    }
    for word in [
        "Thực hiện Kế hoạch số 12/KH-PGDĐT",
        "lành mạnh",
        "điện thoại thông minh",
        "năm học 2026–2027",
    ] {
        assert!(text.contains(word), "missing {word:?} in {text}");
    }

    let doc = pdf_extract::Document::load_mem(&bytes).unwrap();
    let pages = doc.get_pages();
    assert!(pages.len() >= 2);
    for page in pages.values() {
        let media_box = doc
            .get_dictionary(*page)
            .unwrap()
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap();
        let number = |o: &pdf_extract::Object| o.as_float().map(f64::from).or_else(|_| o.as_i64().map(|i| i as f64));
        let sizes: Vec<f64> = media_box.iter().map(|o| number(o).unwrap()).collect();
        assert!(
            (sizes[2] - 595.28).abs() < 0.5 && (sizes[3] - 841.89).abs() < 0.5,
            "page size {sizes:?}"
        );
    }

    let mut base_fonts = Vec::new();
    let mut embedded = 0;
    for object in doc.objects.values() {
        if let Ok(dict) = object.as_dict() {
            if let Ok(name) = dict.get(b"BaseFont").and_then(|n| n.as_name()) {
                base_fonts.push(String::from_utf8_lossy(name).to_string());
            }
            if dict.has(b"FontFile2") || dict.has(b"FontFile3") {
                embedded += 1;
            }
        }
    }
    assert!(!base_fonts.is_empty());
    for name in &base_fonts {
        // Subset fonts are named "ABCDEF+LiberationSerif-Bold".
        assert!(name.contains("LiberationSerif"), "font {name}");
    }
    assert!(
        base_fonts.iter().any(|n| n.ends_with("LiberationSerif")),
        "regular face: {base_fonts:?}"
    );
    assert!(
        base_fonts.iter().any(|n| n.ends_with("LiberationSerif-Bold")),
        "bold face: {base_fonts:?}"
    );
    assert!(
        base_fonts.iter().any(|n| n.ends_with("LiberationSerif-Italic")),
        "italic face: {base_fonts:?}"
    );
    assert!(embedded >= 3, "embedded font files: {embedded}");
}

#[test]
fn pdf_is_reproducible_and_numbers_later_pages() {
    let doc = report(12);
    let first = pdf(&doc).unwrap();
    assert_eq!(first, pdf(&doc).unwrap());
    let pages = pdf_extract::extract_text_from_mem_by_pages(&first).unwrap();
    assert!((4..=6).contains(&pages.len()), "{} pages", pages.len());
    assert!(
        pages[0].trim_start().starts_with("UBND"),
        "no number on page 1: {:?}",
        &pages[0][..40]
    );
    assert!(
        pages[1].trim_start().starts_with('2'),
        "page 2 numbered: {:?}",
        &pages[1][..40]
    );
}

#[test]
fn pdfs_can_be_made_on_several_threads_at_once() {
    let outputs: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|i| {
                scope.spawn(move || {
                    let mut doc = report(1);
                    doc.letterhead.number = format!("{i:02}/BC-PGDĐT");
                    pdf(&doc).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, bytes) in outputs.iter().enumerate() {
        assert!(pdf_text(bytes).contains(&format!("Số: {i:02}/BC-PGDĐT")));
    }
}

fn hostile_document() -> OfficialDocument {
    let mut doc = report(0);
    let h = |s: &str| format!("{s} {HOSTILE}");
    doc.letterhead.parent_authority = h("UBND");
    doc.letterhead.issuing_unit = h("Phòng");
    doc.letterhead.number = h("05");
    doc.letterhead.place = h("An Bình");
    doc.kind_title = h("Báo cáo");
    doc.subtitle = h("Tiêu đề");
    doc.intro = vec![h("Mở đầu"), format!("Dòng một\nDòng hai {HOSTILE}")];
    doc.sections = vec![Section {
        heading: h("Mục"),
        paragraphs: vec![h("Đoạn")],
        table: Some(Table {
            header: vec![h("Cột"), "#".into()],
            rows: vec![vec![h("Ô"), "$1$".into()], vec!["]".into()]],
            numeric_columns: vec![1, 7],
        }),
    }];
    doc.recipients = vec![h("Nơi"), "\\".into()];
    doc.signature.on_behalf = Some(h("KT."));
    doc.signature.title = h("Chức vụ");
    doc.signature.signer = h("Người ký");
    doc
}

#[test]
fn hostile_text_is_printed_as_text() {
    let doc = hostile_document();

    let bytes = pdf(&doc).unwrap();
    let text = pdf_text(&bytes);
    for piece in [
        "#set page(width: 1cm)",
        "*đậm*",
        "_nghiêng_",
        "$x^2$",
        "[a]",
        "\"q\"",
        "<nhan>",
        "@ref",
        "`raw`",
        "#read(\"/etc/passwd\")",
        "#import \"@preview/cetz:0.3.0\"",
        "</w:t> &amp; ]] =1+1",
        "Người ký",
    ] {
        assert!(text.contains(piece), "missing {piece:?} in {text}");
    }
    let document = pdf_extract::Document::load_mem(&bytes).unwrap();
    let first = *document.get_pages().values().next().unwrap();
    let media_box = document
        .get_dictionary(first)
        .unwrap()
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(media_box.len(), 4);
    assert!(!text.contains("root:"), "a file was read");

    let bytes = docx(&doc).unwrap();
    let xml = unzip(&bytes, "word/document.xml");
    let paragraphs = docx_paragraphs(&xml);
    assert!(
        paragraphs.iter().any(|p| p == &format!("Mở đầu {HOSTILE}")),
        "{paragraphs:#?}"
    );
    assert!(paragraphs.iter().any(|p| p == &format!("Dòng một\nDòng hai {HOSTILE}")));
    assert!(paragraphs.iter().any(|p| p == "- \\."), "{paragraphs:#?}");
}

#[test]
fn a_row_wider_than_its_header_is_refused() {
    let mut doc = report(0);
    doc.sections[1].table.as_mut().unwrap().rows.push(vec!["1".into(); 6]);
    for result in [docx(&doc), pdf(&doc)] {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::RowTooWide {
                    row: 5,
                    cells: 6,
                    columns: 5,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("nhiều hơn 5 cột"), "{err}");
    }
}

#[test]
fn decomposed_input_comes_back_composed() {
    let mut doc = report(0);
    // "Nguyễn" with its diacritics as combining marks, as some keyboards type it.
    doc.signature.signer = "Nguye\u{302}\u{303}n Va\u{306}n An".into();
    let text = pdf_text(&pdf(&doc).unwrap());
    assert!(text.contains("Nguyễn Văn An"), "{text}");
    let paragraphs = docx_paragraphs(&unzip(&docx(&doc).unwrap(), "word/document.xml"));
    assert!(paragraphs.iter().any(|p| p == "Nguyễn Văn An"));
}

fn sheets() -> Vec<Sheet> {
    let columns = vec![
        Column {
            header: "Đơn vị".into(),
            width: 32.0,
            kind: ColumnKind::Text,
        },
        Column {
            header: "Số hoạt động".into(),
            width: 0.0,
            kind: ColumnKind::Integer,
        },
        Column {
            header: "Kinh phí (triệu đồng)".into(),
            width: 14.0,
            kind: ColumnKind::Number,
        },
        Column {
            header: "Tỷ lệ".into(),
            width: 10.0,
            kind: ColumnKind::Percent,
        },
        Column {
            header: "Ngày nộp".into(),
            width: 12.0,
            kind: ColumnKind::Date,
        },
        Column {
            header: "Đúng hạn".into(),
            width: 10.0,
            kind: ColumnKind::Text,
        },
    ];
    let rows = vec![
        vec![
            Cell::Text("Trường Tiểu học An Bình".into()),
            Cell::Integer(14),
            Cell::Number(12.5),
            Cell::Percent(0.925),
            Cell::Date(date!(2027 - 05 - 28)),
            Cell::Bool(true),
        ],
        vec![
            Cell::Text("=1+1".into()),
            Cell::Integer(9),
            Cell::Number(f64::NAN),
            Cell::Number(0.88),
            Cell::Date(date!(2027 - 06 - 02)),
            Cell::Bool(false),
        ],
        vec![Cell::Text("Trường Mầm non Hoa Sen".into()), Cell::Empty],
    ];
    vec![
        Sheet {
            name: "Tổng hợp [2026/2027]: các trường học trong xã?".into(),
            title: Some("Kết quả thực hiện kế hoạch năm học 2026–2027".into()),
            columns,
            rows,
            totals: Some(vec![Cell::Text("Cộng".into()), Cell::Integer(23), Cell::Number(12.5)]),
        },
        Sheet {
            name: "tổng hợp [2026/2027]: các trường học trong xã?".into(),
            ..Default::default()
        },
    ]
}

#[test]
fn xlsx_reads_back_with_types_formats_and_totals() {
    let bytes = xlsx(&sheets()).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "Tổng hợp -2026-2027-- các trườn");
    assert_eq!(names[1], "tổng hợp -2026-2027-- các t (2)");
    let range = book.worksheet_range(&names[0]).unwrap();
    let at = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);

    assert_eq!(
        at(0, 0),
        Data::String("Kết quả thực hiện kế hoạch năm học 2026–2027".into())
    );
    let headers: Vec<Data> = (0..6).map(|c| at(2, c)).collect();
    assert_eq!(headers[0], Data::String("Đơn vị".into()));
    assert_eq!(headers[5], Data::String("Đúng hạn".into()));

    assert_eq!(at(3, 0), Data::String("Trường Tiểu học An Bình".into()));
    assert_eq!(at(3, 1), Data::Float(14.0));
    assert_eq!(at(3, 2), Data::Float(12.5));
    assert_eq!(at(3, 3), Data::Float(0.925));
    let serial = |d: time::Date| (d - date!(1899 - 12 - 30)).whole_days() as f64;
    match at(3, 4) {
        Data::DateTime(dt) => assert_eq!(dt.as_f64(), serial(date!(2027 - 05 - 28))),
        other => panic!("date cell read as {other:?}"),
    }
    assert_eq!(at(3, 5), Data::String("Có".into()));
    assert_eq!(
        at(4, 0),
        Data::String("=1+1".into()),
        "text stays text, never a formula"
    );
    assert_eq!(at(4, 2), Data::Empty, "NaN is left empty");
    assert_eq!(at(4, 5), Data::String("Không".into()));
    assert_eq!(at(6, 0), Data::String("Cộng".into()));
    assert_eq!(at(6, 1), Data::Float(23.0));

    let sheet_xml = unzip(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet_xml.contains(r#"<autoFilter ref="A3:F6"/>"#), "{sheet_xml}");
    assert!(
        sheet_xml.contains(r#"ySplit="3""#),
        "frozen under the header: {sheet_xml}"
    );
    let styles = unzip(&bytes, "xl/styles.xml");
    for format in ["dd/mm/yyyy", "0.0%", "#,##0"] {
        assert!(styles.contains(format), "number format {format}");
    }
    assert!(styles.contains("D9E1F2"), "header fill");
}

#[test]
fn an_empty_workbook_still_opens() {
    let bytes = xlsx(&[]).unwrap();
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names().len(), 1);
}
