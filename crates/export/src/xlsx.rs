//! XLSX: plain tables for people who compute with the figures. One [`Sheet`] per worksheet: an
//! optional title, a bold header row that stays in view and filters, typed cells, a totals row.

use std::collections::HashSet;

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use time::Date;

use crate::ExportError;
use crate::document::clean;

/// A worksheet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// The tab's name; made acceptable to Excel by [`sanitize_sheet_name`] and made unique.
    pub name: String,
    /// A line above the table, e.g. "Kết quả thực hiện kế hoạch năm học 2026–2027".
    pub title: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// A last row in bold under a rule, outside the filter.
    pub totals: Option<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    /// In Excel's character units; zero or less fits the header.
    pub width: f64,
    pub kind: ColumnKind,
}

/// How a column shows its numbers: a [`Cell::Number`] takes the column's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// Two decimals, grouped thousands.
    Number,
    /// No decimals, grouped thousands.
    Integer,
    /// dd/mm/yyyy.
    Date,
    /// A fraction shown as a percentage with one decimal: 0.255 is "25,5%".
    Percent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Integer(i64),
    Date(Date),
    /// A fraction: 0.255 is shown "25,5%".
    Percent(f64),
    /// Shown "Có" or "Không".
    Bool(bool),
}

/// The sheets as one XLSX workbook.
pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut used = HashSet::new();
    for sheet in sheets {
        let name = unique_name(&sanitize_sheet_name(&sheet.name), &mut used);
        let worksheet = workbook.add_worksheet();
        write_sheet(worksheet, &name, sheet, &formats).map_err(|e| sheet_error(&name, e))?;
    }
    if sheets.is_empty() {
        // Excel refuses a workbook without sheets.
        workbook.add_worksheet();
    }
    workbook.save_to_buffer().map_err(|e| ExportError::Xlsx(e.to_string()))
}

fn sheet_error(name: &str, e: XlsxError) -> ExportError {
    ExportError::Xlsx(format!("trang tính \"{name}\": {e}"))
}

/// A name Excel accepts: no `[ ] : * ? / \`, no apostrophe at either end, at most 31 characters
/// (UTF-16 units, as Excel counts), not empty and not the reserved "History".
pub fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = clean(name)
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let name = truncate_utf16(trim_name(&replaced), 31);
    let name = trim_name(&name);
    if name.is_empty() {
        "Trang tính".to_string()
    } else if name.eq_ignore_ascii_case("history") {
        format!("{name} 1")
    } else {
        name.to_string()
    }
}

fn trim_name(name: &str) -> &str {
    name.trim_matches(|c: char| c == '\'' || c.is_whitespace())
}

fn truncate_utf16(s: &str, max: usize) -> String {
    let mut units = 0;
    s.chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= max
        })
        .collect()
}

/// Excel compares sheet names without regard to case; a repeat gets " (2)", " (3)", … kept
/// within the 31-unit limit. The loop ends: the candidates differ from each other, and fewer
/// names are taken than there are sheets.
fn unique_name(name: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while !used.insert(candidate.to_lowercase()) {
        n += 1;
        let suffix = format!(" ({n})");
        candidate = format!("{}{suffix}", trim_name(&truncate_utf16(name, 31 - suffix.len())));
    }
    candidate
}

struct Formats {
    title: Format,
    header: Format,
    body: [Format; 6],
    totals: [Format; 6],
}

/// Indexes into `Formats::body` and `Formats::totals`.
#[derive(Clone, Copy)]
enum Shown {
    Text = 0,
    Number = 1,
    Integer = 2,
    Date = 3,
    Percent = 4,
    Centred = 5,
}

impl Formats {
    fn new() -> Formats {
        let shown = |bold: bool| {
            let base = if bold {
                Format::new().set_bold().set_border_top(FormatBorder::Thin)
            } else {
                Format::new()
            };
            [
                base.clone(),
                base.clone().set_num_format("#,##0.00"),
                base.clone().set_num_format("#,##0"),
                base.clone().set_num_format("dd/mm/yyyy").set_align(FormatAlign::Center),
                base.clone().set_num_format("0.0%"),
                base.set_align(FormatAlign::Center),
            ]
        };
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            body: shown(false),
            totals: shown(true),
        }
    }
}

fn write_sheet(ws: &mut Worksheet, name: &str, sheet: &Sheet, formats: &Formats) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let last_col = u16::try_from(sheet.columns.len().max(1) - 1).map_err(|_| XlsxError::RowColumnLimitError)?;
    let mut row: u32 = 0;
    if let Some(title) = sheet.title.as_deref().map(clean).filter(|t| !t.is_empty()) {
        if last_col > 0 {
            ws.merge_range(0, 0, 0, last_col, &title, &formats.title)?;
        } else {
            ws.write_string_with_format(0, 0, &title, &formats.title)?;
        }
        row = 2;
    }

    let header_row = row;
    for (c, column) in sheet.columns.iter().enumerate() {
        let c = col(c)?;
        let header = clean(&column.header);
        ws.write_string_with_format(header_row, c, &header, &formats.header)?;
        let width = if column.width > 0.0 {
            column.width
        } else {
            (header.chars().count() + 4).clamp(8, 40) as f64
        };
        ws.set_column_width(c, width)?;
    }

    for cells in &sheet.rows {
        row += 1;
        write_row(ws, row, cells, &sheet.columns, &formats.body)?;
    }
    if !sheet.columns.is_empty() {
        ws.set_freeze_panes(header_row + 1, 0)?;
        ws.autofilter(header_row, 0, row, last_col)?;
    }
    if let Some(totals) = &sheet.totals {
        row += 1;
        write_row(ws, row, totals, &sheet.columns, &formats.totals)?;
    }
    Ok(())
}

fn col(index: usize) -> Result<u16, XlsxError> {
    u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    cells: &[Cell],
    columns: &[Column],
    formats: &[Format; 6],
) -> Result<(), XlsxError> {
    let width = cells.len().max(columns.len());
    for c in 0..width {
        let kind = columns.get(c).map_or(ColumnKind::Text, |column| column.kind);
        let cell = cells.get(c).unwrap_or(&Cell::Empty);
        let c = col(c)?;
        let number = |ws: &mut Worksheet, value: f64, shown: Shown| -> Result<(), XlsxError> {
            if value.is_finite() {
                ws.write_number_with_format(row, c, value, &formats[shown as usize])?;
            } else {
                // Excel has no NaN or infinity; an empty cell is the honest rendering.
                ws.write_blank(row, c, &formats[shown as usize])?;
            }
            Ok(())
        };
        match cell {
            Cell::Empty => {
                ws.write_blank(row, c, &formats[Shown::Text as usize])?;
            }
            Cell::Text(text) => {
                ws.write_string_with_format(row, c, clean(text), &formats[Shown::Text as usize])?;
            }
            Cell::Number(value) => {
                let shown = match kind {
                    ColumnKind::Percent => Shown::Percent,
                    ColumnKind::Integer => Shown::Integer,
                    _ => Shown::Number,
                };
                number(ws, *value, shown)?;
            }
            // Excel keeps 15 significant digits whatever we send, so f64 loses nothing it keeps.
            Cell::Integer(value) => number(ws, *value as f64, Shown::Integer)?,
            Cell::Percent(value) => number(ws, *value, Shown::Percent)?,
            Cell::Date(date) => {
                let year = u16::try_from(date.year()).map_err(|_| XlsxError::DateTimeRangeError(date.to_string()))?;
                let value = ExcelDateTime::from_ymd(year, u8::from(date.month()), date.day())?;
                ws.write_datetime_with_format(row, c, &value, &formats[Shown::Date as usize])?;
            }
            Cell::Bool(value) => {
                let text = if *value { "Có" } else { "Không" };
                ws.write_string_with_format(row, c, text, &formats[Shown::Centred as usize])?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_follow_excel_rules() {
        assert_eq!(
            sanitize_sheet_name("Báo cáo [2026/2027]: tổng hợp?"),
            "Báo cáo -2026-2027-- tổng hợp-"
        );
        assert_eq!(sanitize_sheet_name("'Trường THCS An Bình'"), "Trường THCS An Bình");
        assert_eq!(sanitize_sheet_name("   "), "Trang tính");
        assert_eq!(sanitize_sheet_name("History"), "History 1");
        let long = sanitize_sheet_name("Kết quả thực hiện kế hoạch năm học 2026–2027 của các trường");
        assert_eq!(long, "Kết quả thực hiện kế hoạch năm"); // 31 units, then the space trimmed
        let mut used = HashSet::new();
        assert_eq!(unique_name("Tổng hợp", &mut used), "Tổng hợp");
        assert_eq!(unique_name("TỔNG HỢP", &mut used), "TỔNG HỢP (2)");
        let long31 = "x".repeat(31);
        assert_eq!(unique_name(&long31, &mut used), long31);
        assert_eq!(unique_name(&long31, &mut used), format!("{} (2)", "x".repeat(27)));
    }
}
