//! Reading an uploaded CSV or XLSX file as a table of text cells, within bounds: the one reader
//! every import uses (units, websites, the command line).
//!
//! An upload is hostile until read. An XLSX is a ZIP archive whose parts may inflate a thousand
//! times, and a sheet may declare cells at XFD1048576: a reader that builds the sheet's whole
//! rectangle allocates hundreds of gigabytes and aborts the process. So the archive's central
//! directory is checked (number of parts, declared sizes, ratio), every part is inflated once
//! into a counter that stops at the cap (a part may lie about its size), and the sheet is read
//! cell by cell, refusing a cell beyond [`MAX_ROWS`] or [`MAX_COLUMNS`] before any rectangle is
//! built. CSV is bounded by rows, columns and field size. Callers on async threads run this in a
//! blocking task: a bounded read still costs up to a second of CPU.

use std::io::{Cursor, Read};

/// The most data rows one import may carry: more than any province has units.
pub const MAX_ROWS: usize = 20_000;
/// The most columns a table may use; the import files have eight.
pub const MAX_COLUMNS: usize = 50;
/// The longest cell, in bytes.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;
/// The most parts an XLSX archive may hold (a workbook has a dozen or two).
pub const MAX_ZIP_ENTRIES: usize = 1_000;
/// The largest part once inflated.
pub const MAX_PART_BYTES: u64 = 50 * 1024 * 1024;
/// The most all parts together may inflate to.
pub const MAX_TOTAL_BYTES: u64 = 100 * 1024 * 1024;
/// The largest inflation ratio of a part bigger than [`RATIO_FLOOR_BYTES`]: XML compresses
/// ten to fifty times; a ZIP bomb a thousand times and more.
pub const MAX_RATIO: u64 = 200;
/// Parts smaller than this are not judged by ratio (a tiny part may compress very well).
pub const RATIO_FLOOR_BYTES: u64 = 1024 * 1024;
/// The most shared strings a workbook may announce: the reader reserves room for them up front.
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// A table of text cells: the header row first.
pub type Table = Vec<Vec<String>>;

/// A file that could not be read as a table at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("Không đọc được tệp CSV: {0}")]
    Csv(String),
    #[error("Không đọc được tệp Excel: {0}")]
    Xlsx(String),
    #[error("Tệp không có trang tính nào.")]
    NoSheet,
    #[error("Tệp trống: cần một dòng tiêu đề và ít nhất một dòng dữ liệu.")]
    Empty,
    #[error("Tệp quá lớn: tối đa {0} dòng dữ liệu.")]
    TooManyRows(usize),
    #[error("Tệp có quá nhiều cột: tối đa {0} cột.")]
    TooManyColumns(usize),
    #[error("Có ô dữ liệu quá dài: tối đa {} KiB mỗi ô.", .0 / 1024)]
    FieldTooLarge(usize),
    #[error("Tệp Excel bất thường: {0}. Hãy mở tệp bằng Excel và lưu lại, hoặc lưu dưới dạng CSV UTF-8.")]
    Suspicious(String),
    #[error("Chỉ nhận tệp .csv hoặc .xlsx.")]
    UnknownFormat,
}

/// Reads a file's bytes as a table, choosing CSV or XLSX by content (XLSX is a ZIP archive).
pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    let table = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    let rows = table
        .iter()
        .skip(1)
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .count();
    if table.is_empty() || rows == 0 {
        return Err(ReadError::Empty);
    }
    if rows > MAX_ROWS {
        return Err(ReadError::TooManyRows(MAX_ROWS));
    }
    Ok(table)
}

fn read_csv(bytes: &[u8]) -> Result<Table, ReadError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| ReadError::Csv("tệp không phải văn bản UTF-8 (hãy lưu dưới dạng CSV UTF-8).".into()))?;
    // Spreadsheets saved in Vietnamese locales often use ';' as the separator.
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(ReadError::Csv(e.to_string())),
        }
        if table.len() > MAX_ROWS {
            return Err(ReadError::TooManyRows(MAX_ROWS));
        }
        table.push(bounded_row(record.iter())?);
    }
    Ok(table)
}

/// One row's cells, refusing a long cell or a filled cell beyond the last column. Empty cells
/// past the last column are dropped: spreadsheets export trailing separators.
fn bounded_row<'a>(cells: impl Iterator<Item = &'a str>) -> Result<Vec<String>, ReadError> {
    let mut row = Vec::new();
    for (i, cell) in cells.enumerate() {
        if cell.len() > MAX_FIELD_BYTES {
            return Err(ReadError::FieldTooLarge(MAX_FIELD_BYTES));
        }
        if i >= MAX_COLUMNS {
            if cell.trim().is_empty() {
                continue;
            }
            return Err(ReadError::TooManyColumns(MAX_COLUMNS));
        }
        row.push(cell.to_string());
    }
    Ok(row)
}

/// Checks every part of the archive before the spreadsheet reader opens it.
fn check_archive(bytes: &[u8]) -> Result<(), ReadError> {
    let suspicious = |m: String| ReadError::Suspicious(m);
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx(format!("tệp ZIP hỏng ({e})")))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(suspicious(format!(
            "có {} phần, tối đa {MAX_ZIP_ENTRIES}",
            archive.len()
        )));
    }
    // The central directory first: it costs nothing and refuses most bombs outright.
    let mut declared_total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ReadError::Xlsx(format!("tệp ZIP hỏng ({e})")))?;
        let size = entry.size();
        if size > MAX_PART_BYTES {
            return Err(suspicious(format!(
                "một phần giải nén ra {} MiB, tối đa {} MiB",
                size / (1024 * 1024),
                MAX_PART_BYTES / (1024 * 1024)
            )));
        }
        if size > RATIO_FLOOR_BYTES && size / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(suspicious(format!("một phần nén quá {MAX_RATIO} lần")));
        }
        declared_total = declared_total.saturating_add(size);
    }
    if declared_total > MAX_TOTAL_BYTES {
        return Err(suspicious(format!(
            "giải nén ra hơn {} MiB",
            MAX_TOTAL_BYTES / (1024 * 1024)
        )));
    }
    // Then what the parts really inflate to: a header may understate it.
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| ReadError::Xlsx(format!("không mở được một phần của tệp ({e})")))?;
        let name = entry.name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        let announced = entry.size();
        let limit = announced.min(MAX_PART_BYTES).min(MAX_TOTAL_BYTES - total);
        let mut head = Vec::new();
        let mut counted: u64 = 0;
        let mut buf = [0u8; 16 * 1024];
        // The end of the previous chunk, so that a reference cut in two is seen whole.
        let mut window: Vec<u8> = Vec::with_capacity(CARRY + buf.len());
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => return Err(ReadError::Xlsx(format!("một phần của tệp bị hỏng ({e})"))),
            };
            counted += n as u64;
            if counted > limit {
                return Err(suspicious(
                    "một phần giải nén ra nhiều hơn kích thước ghi trong tệp".into(),
                ));
            }
            if head.len() < 4096 {
                head.extend_from_slice(&buf[..n.min(4096 - head.len())]);
            }
            window.drain(..window.len().saturating_sub(CARRY));
            window.extend_from_slice(&buf[..n]);
            check_references(&window)?;
        }
        total += counted;
        if name.ends_with("sharedstrings.xml") {
            check_shared_strings(&head)?;
        }
    }
    Ok(())
}

/// Bytes of one chunk kept for the next: more than an attribute name and the longest
/// reference [`check_references`] lets through.
const CARRY: usize = 64;

/// Cell references (`r="B7"`, `ref="A1:XFD1048576"`) that the spreadsheet reader could not
/// compute without overflowing: it adds up column letters in base 26 and row digits in base 10
/// in 32 bits, which panics in a debug build and wraps in a release one, where
/// `r="A4294967297"` lands on A1 over the header. A real sheet has at most three letters
/// (XFD) and seven digits (1048576) in a reference; more is refused before the reader starts.
fn check_references(xml: &[u8]) -> Result<(), ReadError> {
    let mut at = 0;
    while let Some(found) = find_attribute(&xml[at..]) {
        let start = at + found;
        let value = &xml[start..];
        let end = value.iter().position(|b| matches!(b, b'"' | b'\''));
        let value = &value[..end.unwrap_or(value.len())];
        let too_long = |run: &dyn Fn(&u8) -> bool, max: usize| value.split(|b| !run(b)).any(|part| part.len() > max);
        // A value cut at the chunk's end is judged on what is there; the rest comes with the
        // next chunk, which starts [`CARRY`] bytes earlier.
        if too_long(&|b: &u8| b.is_ascii_alphabetic(), 3) || too_long(&|b: &u8| b.is_ascii_digit(), 7) {
            return Err(ReadError::Suspicious(format!(
                "tham chiếu ô «{}» vượt quá XFD1048576",
                String::from_utf8_lossy(&value[..value.len().min(20)])
            )));
        }
        if end.is_none() && value.len() > CARRY / 2 {
            return Err(ReadError::Suspicious("tham chiếu ô dài bất thường".into()));
        }
        at = start;
    }
    Ok(())
}

/// Where the value of the next `r` or `ref` attribute starts (after its quote). The reader
/// takes attributes after a space or right after the previous value's quote, with spaces
/// around `=`, so this does too.
fn find_attribute(xml: &[u8]) -> Option<usize> {
    let skip_spaces = |mut j: usize| {
        while xml.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        j
    };
    for i in 0..xml.len() {
        if !(xml[i].is_ascii_whitespace() || matches!(xml[i], b'"' | b'\'')) {
            continue;
        }
        for name in [&b"r"[..], b"ref"] {
            if !xml[i + 1..].starts_with(name) {
                continue;
            }
            let j = skip_spaces(i + 1 + name.len());
            if xml.get(j) != Some(&b'=') {
                continue;
            }
            let j = skip_spaces(j + 1);
            if xml.get(j).is_some_and(|q| matches!(q, b'"' | b'\'')) {
                return Some(j + 1);
            }
        }
    }
    None
}

/// The shared-strings part announces its count, and the reader reserves that much room up front:
/// `uniqueCount="10000000000"` alone would abort the process.
fn check_shared_strings(head: &[u8]) -> Result<(), ReadError> {
    let text = String::from_utf8_lossy(head);
    for attribute in ["uniqueCount", "count"] {
        let needle = format!("{attribute}=");
        let Some(at) = text.find(&needle) else { continue };
        let rest = &text[at + needle.len()..];
        let value: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| !matches!(c, '"' | '\''))
            .collect();
        let too_many = match value.trim().parse::<u64>() {
            Ok(n) => n > MAX_SHARED_STRINGS,
            // Not a plain number (huge, signed): the reader ignores what it cannot parse, but
            // nothing honest writes that.
            Err(_) => !value.trim().is_empty(),
        };
        if too_many {
            return Err(ReadError::Suspicious(format!(
                "bảng chuỗi dùng chung khai báo quá {MAX_SHARED_STRINGS} mục"
            )));
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ReadError> {
    check_archive(bytes)?;
    // The spreadsheet reader is not ours and meets hostile files: should one of them still
    // make it panic (its arithmetic is checked in debug builds), the file is refused, not the
    // request failed.
    std::panic::catch_unwind(|| read_sheet(bytes))
        .unwrap_or_else(|_| Err(ReadError::Xlsx("tệp hỏng hoặc có cấu trúc bất thường".into())))
}

fn read_sheet(bytes: &[u8]) -> Result<Table, ReadError> {
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let name = workbook.sheet_names().first().cloned().ok_or(ReadError::NoSheet)?;
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    // Cells one at a time, never the declared rectangle: positions are checked before they count.
    let mut table: Table = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|e| ReadError::Xlsx(e.to_string()))? {
        let (row, column) = cell.get_position();
        let value = match Data::from(cell.get_value().clone()) {
            Data::Empty => continue,
            Data::String(s) => s,
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            other => other.to_string(),
        };
        if value.is_empty() {
            continue;
        }
        let (row, column) = (row as usize, column as usize);
        if row > MAX_ROWS {
            return Err(ReadError::TooManyRows(MAX_ROWS));
        }
        if column >= MAX_COLUMNS {
            return Err(ReadError::TooManyColumns(MAX_COLUMNS));
        }
        if value.len() > MAX_FIELD_BYTES {
            return Err(ReadError::FieldTooLarge(MAX_FIELD_BYTES));
        }
        if table.len() <= row {
            table.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut table[row];
        if cells_of_row.len() <= column {
            cells_of_row.resize(column + 1, String::new());
        }
        cells_of_row[column] = value;
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A minimal workbook whose one sheet holds `sheet_data` (the inside of `<sheetData>`).
    fn workbook(sheet_data: &str, dimension: &str, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let parts: Vec<(&str, String)> = vec![
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.into(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        for (name, text) in parts {
            zip.start_file(name, deflate).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        for (name, data) in extra {
            zip.start_file(*name, deflate).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn inline(cell: &str, text: &str) -> String {
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    /// The file of the report: one cell at A1, one at XFD1048576, about 1.6 KB.
    pub(crate) fn huge_dimension_xlsx() -> Vec<u8> {
        workbook(
            &format!(
                r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
                inline("A1", "ma_don_vi"),
                inline("XFD1048576", "x")
            ),
            "A1:XFD1048576",
            &[],
        )
    }

    #[test]
    fn a_well_formed_handmade_workbook_is_read() {
        let bytes = workbook(
            &format!(
                r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
                inline("A1", "ma"),
                inline("B1", "ten"),
                inline("A2", "T1"),
                inline("B2", "Trường")
            ),
            "A1:B2",
            &[],
        );
        let t = read_table(&bytes).unwrap();
        assert_eq!(
            t,
            vec![vec!["ma".to_string(), "ten".into()], vec!["T1".into(), "Trường".into()]]
        );
    }

    #[test]
    fn a_cell_at_xfd1048576_is_refused_without_building_the_range() {
        let bytes = huge_dimension_xlsx();
        assert!(bytes.len() < 4096, "{} bytes", bytes.len());
        // Before the fix this allocated 16,384 × 1,048,576 cells and aborted the process.
        let err = read_table(&bytes).unwrap_err();
        assert!(matches!(err, ReadError::TooManyRows(_)), "{err:?}");
        assert!(err.to_string().contains("tối đa"), "{err}");
    }

    #[test]
    fn too_many_columns_in_xlsx_is_refused() {
        let bytes = workbook(
            &format!(r#"<row r="1">{}{}</row>"#, inline("A1", "ma"), inline("AZ1", "x")),
            "A1:AZ1",
            &[],
        );
        assert!(matches!(
            read_table(&bytes),
            Err(ReadError::TooManyColumns(MAX_COLUMNS))
        ));
    }

    #[test]
    fn empty_styled_cells_far_away_are_ignored() {
        let bytes = workbook(
            &format!(
                r#"<row r="1">{}</row><row r="2">{}</row><row r="1048576"><c r="XFD1048576" s="1"/></row>"#,
                inline("A1", "ma"),
                inline("A2", "T1")
            ),
            "A1:XFD1048576",
            &[],
        );
        assert_eq!(read_table(&bytes).unwrap().len(), 2);
    }

    #[test]
    fn a_zip_bomb_part_is_refused() {
        // 51 MiB of spaces deflate to about 50 KB: over the part cap and the ratio.
        let bomb = vec![b' '; 51 * 1024 * 1024];
        let bytes = workbook(&inline("A1", "ma"), "A1", &[("xl/media/bomb.xml", bomb)]);
        assert!(bytes.len() < 200 * 1024, "{} bytes", bytes.len());
        let err = read_table(&bytes).unwrap_err();
        assert!(matches!(err, ReadError::Suspicious(_)), "{err:?}");
        // Under the size cap but inflating a thousand times: refused by ratio.
        let dense = vec![b'a'; 20 * 1024 * 1024];
        let bytes = workbook(&inline("A1", "ma"), "A1", &[("xl/media/dense.xml", dense)]);
        let err = read_table(&bytes).unwrap_err();
        assert!(err.to_string().contains("nén quá"), "{err}");
    }

    #[test]
    fn a_part_that_understates_its_size_is_refused() {
        // Deflate 2 MiB but write a central directory claiming 1 KiB: patch the stored sizes.
        let payload = vec![b'x'; 2 * 1024 * 1024];
        let mut bytes = workbook(&inline("A1", "ma"), "A1", &[("xl/lie.xml", payload)]);
        let name = b"xl/lie.xml";
        // Local header (PK\x03\x04) and central directory (PK\x01\x02) both carry the size.
        let mut patched = 0;
        let mut i = 0;
        while i + 46 < bytes.len() {
            if bytes[i..].starts_with(b"PK\x03\x04") && bytes[i + 30..].starts_with(name) {
                bytes[i + 22..i + 26].copy_from_slice(&1024u32.to_le_bytes());
                patched += 1;
            }
            if bytes[i..].starts_with(b"PK\x01\x02") && bytes[i + 46..].starts_with(name) {
                bytes[i + 24..i + 28].copy_from_slice(&1024u32.to_le_bytes());
                patched += 1;
            }
            i += 1;
        }
        assert_eq!(patched, 2);
        let err = read_table(&bytes).unwrap_err();
        assert!(matches!(err, ReadError::Suspicious(_) | ReadError::Xlsx(_)), "{err:?}");
    }

    #[test]
    fn references_the_reader_would_overflow_on_are_refused() {
        // Found by fuzzing: the spreadsheet reader computes these in 32 bits and panics in a
        // debug build (wraps in release, A4294967297 landing on A1).
        for sheet_data in [
            r#"<row r="1"><c r="A4294967297" t="inlineStr"><is><t>x</t></is></c></row>"#,
            r#"<row r="openxmlformats"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>"#,
            r#"<row r="1"><c r="A1"r = 'ZZZZZZZ1' t="inlineStr"><is><t>x</t></is></c></row>"#,
        ] {
            let bytes = workbook(sheet_data, "A1", &[]);
            let err = read_table(&bytes).unwrap_err();
            assert!(err.to_string().contains("XFD1048576"), "{sheet_data}: {err}");
        }
        // The largest real reference passes the check (and is then refused as too far away).
        let bytes = workbook(&inline("XFD1048576", "x"), "A1:XFD1048576", &[]);
        assert!(matches!(read_table(&bytes), Err(ReadError::TooManyRows(_))));
        // Whatever else makes the reader panic refuses the file: a dimension ending before it
        // starts underflows in a debug build.
        let reversed = workbook(&inline("A1", "ma"), "B2:A1", &[]);
        let _ = read_table(&reversed);
    }

    #[test]
    fn a_huge_shared_string_count_is_refused() {
        let sst = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="100000000000"><si><t>a</t></si></sst>"#;
        let bytes = workbook(&inline("A1", "ma"), "A1", &[("xl/sharedStrings.xml", sst.to_vec())]);
        assert!(matches!(read_table(&bytes), Err(ReadError::Suspicious(_))));
    }

    #[test]
    fn csv_bounds() {
        let huge_field = format!("ma,ten\nT1,{}\n", "x".repeat(MAX_FIELD_BYTES + 1));
        assert!(matches!(
            read_table(huge_field.as_bytes()),
            Err(ReadError::FieldTooLarge(_))
        ));
        let mut many = String::from("ma,ten\n");
        for i in 0..=MAX_ROWS {
            many.push_str(&format!("T{i},x\n"));
        }
        assert!(matches!(
            read_table(many.as_bytes()),
            Err(ReadError::TooManyRows(MAX_ROWS))
        ));
        let wide = format!("ma{}\nT1{}x\n", ",".repeat(60), ",".repeat(55));
        assert!(matches!(
            read_table(wide.as_bytes()),
            Err(ReadError::TooManyColumns(MAX_COLUMNS))
        ));
        // Trailing empty separators are what spreadsheets export: accepted.
        let trailing = format!("ma,ten{}\nT1,x{}\n", ",".repeat(60), ",".repeat(60));
        let row = &read_table(trailing.as_bytes()).unwrap()[1];
        assert_eq!((row.len(), row[0].as_str(), row[1].as_str()), (MAX_COLUMNS, "T1", "x"));
    }
}
