//! DOCX through docx-rs: the same layout as the PDF template, in Times New Roman, which every
//! office in Vietnam has and the decree names. Lengths are in twips (1/20 pt); font sizes in
//! half-points.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, Run, RunFonts, SpecialIndentType, Table as DocxTable, TableCell,
    TableCellMargins, TableRow, VAlignType, WidthType,
};

use crate::document::{Prepared, PreparedTable};
use crate::fonts::text_width;
use crate::{ExportError, OfficialDocument};

const FONT: &str = "Times New Roman";
pub(crate) const PAGE_WIDTH: u32 = 11_906;
pub(crate) const PAGE_HEIGHT: u32 = 16_838;
pub(crate) const MARGIN_TOP: i32 = 1_134; // 20 mm
pub(crate) const MARGIN_BOTTOM: i32 = 1_134; // 20 mm
pub(crate) const MARGIN_LEFT: i32 = 1_701; // 30 mm
pub(crate) const MARGIN_RIGHT: i32 = 850; // 15 mm
pub(crate) const TEXT_WIDTH: usize = (PAGE_WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize;
/// The left column of the letterhead, as in the PDF template (7.4 cm): room for "PHÒNG GIÁO DỤC
/// VÀ ĐÀO TẠO" in 13 pt bold (7.1 cm) and, on the right, for the national title in 12 pt (8.8 cm).
/// The cells get no inner margins, or neither would fit.
const LEFT_COLUMN: usize = 4_195;
const FIRST_LINE_INDENT: i32 = 567; // 1 cm
const BODY: usize = 28; // 14 pt

/// The document as a DOCX in the form of Decree 30/2020.
pub fn docx(doc: &OfficialDocument) -> Result<Vec<u8>, ExportError> {
    let d = Prepared::new(doc)?;
    let page_number = Paragraph::new()
        .align(AlignmentType::Center)
        .add_page_num(PageNum::new());
    let mut out = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(PageMargin {
            top: MARGIN_TOP,
            left: MARGIN_LEFT,
            bottom: MARGIN_BOTTOM,
            right: MARGIN_RIGHT,
            header: 567,
            footer: 567,
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(BODY)
        // The decree numbers pages from the second one on: an empty first-page header.
        .header(Header::new().add_paragraph(page_number))
        .first_header(Header::new())
        .title_pg()
        .add_table(letterhead(&d)?)
        .add_paragraph(spacer(BODY))
        .add_paragraph(centred(&d.kind_title, BODY, Style::Bold))
        .add_paragraph(centred(&d.subtitle, BODY, Style::Bold))
        .add_paragraph(rule(TEXT_WIDTH, text_width(&d.subtitle, true, 14.0)?, 0.4))
        .add_paragraph(spacer(BODY));

    for p in &d.intro {
        out = out.add_paragraph(body(p, Style::Regular));
    }
    for section in &d.sections {
        if !section.heading.is_empty() {
            out = out.add_paragraph(body(&section.heading, Style::Bold).keep_next(true));
        }
        for p in &section.paragraphs {
            out = out.add_paragraph(body(p, Style::Regular));
        }
        if let Some(table) = &section.table {
            out = out.add_table(data_table(table)).add_paragraph(spacer(BODY));
        }
    }
    out = out.add_paragraph(spacer(BODY)).add_table(signature_block(&d));

    let mut bytes = Cursor::new(Vec::new());
    out.build()
        .pack(&mut bytes)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(bytes.into_inner())
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

pub(crate) fn fonts() -> RunFonts {
    RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT)
}

/// A run with its font and size set on the run itself, so the document reads the same whatever
/// the reader's default style is. Line breaks inside the text become breaks in the run.
pub(crate) fn run(text: &str, size: usize, style: Style) -> Run {
    let mut run = Run::new().fonts(fonts()).size(size);
    if matches!(style, Style::Bold | Style::BoldItalic) {
        run = run.bold();
    }
    if matches!(style, Style::Italic | Style::BoldItalic) {
        run = run.italic();
    }
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    run
}

/// Single line spacing and nothing before or after: the letterhead, titles, tables, signature.
pub(crate) fn single() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(0)
        .after(0)
}

pub(crate) fn centred(text: &str, size: usize, style: Style) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(single())
        .add_run(run(text, size, style))
}

/// A body paragraph: justified, first line indented 1 cm, 6 pt after, 1.15 lines.
fn body(text: &str, style: Style) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(FIRST_LINE_INDENT)), None, None)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(276)
                .before(0)
                .after(120),
        )
        .add_run(run(text, BODY, style))
}

pub(crate) fn spacer(size: usize) -> Paragraph {
    Paragraph::new().line_spacing(single()).add_run(Run::new().size(size))
}

/// The decree's horizontal rule under a line: `fraction` of that line's printed width (`line_pt`,
/// at most `available` twips, where it wraps), centred. Drawn as the bottom border of an empty,
/// nearly flat paragraph indented from both sides, which every word processor renders.
pub(crate) fn rule(available: usize, line_pt: f64, fraction: f64) -> Paragraph {
    let length = ((line_pt * 20.0).min(available as f64) * fraction).round() as usize;
    let side = i32::try_from(available.saturating_sub(length) / 2).unwrap_or(0);
    let mut p = Paragraph::new()
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Exact)
                .line(40)
                .before(0)
                .after(60),
        )
        .add_run(Run::new().size(2));
    p.property = p.property.set_border(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(4)
            .space(0)
            .color("000000"),
    );
    p
}

pub(crate) fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new().width(width, WidthType::Dxa), |c, p| c.add_paragraph(p))
}

/// Issuing unit and national title side by side, the number and the date line under them.
fn letterhead(d: &Prepared) -> Result<DocxTable, ExportError> {
    let right = TEXT_WIDTH - LEFT_COLUMN;
    let left_cell = vec![
        centred(&d.parent_authority, 26, Style::Regular),
        centred(&d.issuing_unit, 26, Style::Bold),
        rule(LEFT_COLUMN, text_width(&d.issuing_unit, true, 13.0)?, 0.4),
    ];
    let right_cell = vec![
        centred(d.national_title, 24, Style::Bold),
        centred(d.motto, 26, Style::Bold),
        rule(right, text_width(d.motto, true, 13.0)?, 1.0),
    ];
    let number = vec![centred(&d.number_line, 26, Style::Regular)];
    let date = vec![centred(&d.date_line, 28, Style::Italic)];
    Ok(DocxTable::without_borders(vec![
        TableRow::new(vec![cell(left_cell, LEFT_COLUMN), cell(right_cell, right)]),
        TableRow::new(vec![cell(number, LEFT_COLUMN), cell(date, right)]),
    ])
    .set_grid(vec![LEFT_COLUMN, right])
    .width(TEXT_WIDTH, WidthType::Dxa)
    .margins(TableCellMargins::new().margin(0, 0, 0, 0)))
}

/// A bordered table; numeric columns are right-aligned and get a third of a text column's width.
fn data_table(t: &PreparedTable) -> DocxTable {
    let weights: Vec<usize> = (0..t.header.len())
        .map(|c| if t.is_numeric(c) { 1 } else { 3 })
        .collect();
    let total: usize = weights.iter().sum::<usize>().max(1);
    let widths: Vec<usize> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
    let table_cell = |text: &str, column: usize, header: bool| {
        let align = if header {
            AlignmentType::Center
        } else if t.is_numeric(column) {
            AlignmentType::Right
        } else {
            AlignmentType::Left
        };
        let style = if header { Style::Bold } else { Style::Regular };
        let p = Paragraph::new()
            .align(align)
            .line_spacing(single())
            .add_run(run(text, 26, style));
        cell(vec![p], widths[column]).vertical_align(VAlignType::Center)
    };
    let header = TableRow::new(
        t.header
            .iter()
            .enumerate()
            .map(|(c, h)| table_cell(h, c, true))
            .collect(),
    );
    let rows = t
        .rows
        .iter()
        .map(|row| TableRow::new(row.iter().enumerate().map(|(c, v)| table_cell(v, c, false)).collect()));
    DocxTable::new(std::iter::once(header).chain(rows).collect())
        .set_grid(widths.clone())
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// "Nơi nhận:" and the recipients on the left; the signature on the right; one row that Word
/// must not split across pages.
fn signature_block(d: &Prepared) -> DocxTable {
    let half = TEXT_WIDTH / 2;
    let left_align = |text: &str, size: usize, style: Style| {
        Paragraph::new()
            .align(AlignmentType::Left)
            .line_spacing(single())
            .add_run(run(text, size, style))
    };
    let mut left = vec![left_align(d.recipients_label, 24, Style::BoldItalic)];
    left.extend(d.recipients.iter().map(|r| left_align(r, 22, Style::Regular)));

    let mut right = Vec::new();
    if let Some(on_behalf) = &d.on_behalf {
        right.push(centred(on_behalf, BODY, Style::Bold));
    }
    right.push(centred(&d.signer_title, BODY, Style::Bold));
    // Room for the hand signature and the seal.
    right.extend((0..4).map(|_| spacer(BODY)));
    right.push(centred(&d.signer, BODY, Style::Bold));

    DocxTable::without_borders(vec![
        TableRow::new(vec![cell(left, half), cell(right, TEXT_WIDTH - half)]).cant_split(),
    ])
    .set_grid(vec![half, TEXT_WIDTH - half])
    .width(TEXT_WIDTH, WidthType::Dxa)
}
