//! The official document as plain data, and its one preparation shared by the DOCX and the PDF,
//! so that both print exactly the same words.

use serde::Serialize;
use time::Date;
use unicode_normalization::UnicodeNormalization;

use crate::ExportError;

/// The first lines of a document: who issues it, its number, where and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Letterhead {
    /// The authority above the issuing unit, e.g. "UBND xã An Bình"; printed in capitals.
    pub parent_authority: String,
    /// The unit that issues the document, e.g. "Phòng Giáo dục và Đào tạo"; printed in capitals.
    pub issuing_unit: String,
    /// The number and symbol, e.g. "05/BC-PGDĐT", printed as "Số: 05/BC-PGDĐT".
    pub number: String,
    /// The place name of the date line, e.g. "An Bình".
    pub place: String,
    pub date: Date,
}

/// The signature block.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// Signing on behalf of the head, e.g. "KT. TRƯỞNG PHÒNG".
    pub on_behalf: Option<String>,
    /// The signer's position, e.g. "TRƯỞNG PHÒNG" or "HIỆU TRƯỞNG".
    pub title: String,
    /// The signer's full name.
    pub signer: String,
}

/// A table in the body: a header row, text cells, and which columns hold numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Zero-based indexes of the columns that are right-aligned.
    pub numeric_columns: Vec<usize>,
}

/// A part of the body: its heading, its paragraphs and perhaps a table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub table: Option<Table>,
}

/// A document in the form of Decree 30/2020/NĐ-CP.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialDocument {
    pub letterhead: Letterhead,
    /// The kind of document, e.g. "Báo cáo"; printed in capitals.
    pub kind_title: String,
    /// The summary line under the kind, e.g. "Kết quả thực hiện kế hoạch năm học 2026–2027".
    pub subtitle: String,
    pub intro: Vec<String>,
    pub sections: Vec<Section>,
    /// The addressees listed under "Nơi nhận:", e.g. "Sở GDĐT (để b/c)", "Lưu: VT".
    pub recipients: Vec<String>,
    pub signature: Signature,
}

pub(crate) const NATIONAL_TITLE: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
pub(crate) const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
pub(crate) const RECIPIENTS_LABEL: &str = "Nơi nhận:";

/// "An Bình, ngày 05 tháng 6 năm 2027". Decree 30 pads days below 10 and the months January and
/// February with a zero (so that "tháng 1" cannot later become "tháng 11" by hand), and no others.
pub fn date_line(place: &str, date: Date) -> String {
    let month = u8::from(date.month());
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!(
        "{}, ngày {:02} tháng {month} năm {}",
        clean(place),
        date.day(),
        date.year()
    )
}

/// The document with every string cleaned, capitalised where the decree wants capitals and
/// punctuated, ready to be laid out. The PDF template receives exactly this as JSON.
#[derive(Debug, Serialize)]
pub(crate) struct Prepared {
    pub meta_title: String,
    pub parent_authority: String,
    pub issuing_unit: String,
    pub number_line: String,
    pub national_title: &'static str,
    pub motto: &'static str,
    pub date_line: String,
    pub kind_title: String,
    pub subtitle: String,
    pub intro: Vec<String>,
    pub sections: Vec<PreparedSection>,
    pub recipients_label: &'static str,
    pub recipients: Vec<String>,
    pub on_behalf: Option<String>,
    pub signer_title: String,
    pub signer: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct PreparedSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub table: Option<PreparedTable>,
}

/// A table whose rows all have exactly as many cells as the header.
#[derive(Debug, Serialize)]
pub(crate) struct PreparedTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<usize>,
}

impl PreparedTable {
    pub fn is_numeric(&self, column: usize) -> bool {
        self.numeric.contains(&column)
    }
}

impl Prepared {
    pub fn new(doc: &OfficialDocument) -> Result<Prepared, ExportError> {
        let lh = &doc.letterhead;
        let kind_title = upper(&doc.kind_title);
        let subtitle = clean(&doc.subtitle);
        let sections = doc
            .sections
            .iter()
            .map(prepare_section)
            .collect::<Result<Vec<_>, _>>()?;
        let count = doc.recipients.iter().filter(|r| !clean(r).is_empty()).count();
        let recipients = doc
            .recipients
            .iter()
            .map(|r| clean(r))
            .filter(|r| !r.is_empty())
            .enumerate()
            .map(|(i, r)| recipient_line(&r, i + 1 == count))
            .collect();
        Ok(Prepared {
            meta_title: format!("{kind_title} {subtitle}").trim().to_string(),
            parent_authority: upper(&lh.parent_authority),
            issuing_unit: upper(&lh.issuing_unit),
            number_line: format!("Số: {}", clean(&lh.number)),
            national_title: NATIONAL_TITLE,
            motto: MOTTO,
            date_line: date_line(&lh.place, lh.date),
            kind_title,
            subtitle,
            intro: paragraphs(&doc.intro),
            sections,
            recipients_label: RECIPIENTS_LABEL,
            recipients,
            on_behalf: doc.signature.on_behalf.as_deref().map(upper).filter(|s| !s.is_empty()),
            signer_title: upper(&doc.signature.title),
            signer: clean(&doc.signature.signer),
        })
    }
}

fn prepare_section(section: &Section) -> Result<PreparedSection, ExportError> {
    let heading = clean(&section.heading);
    let table = match &section.table {
        Some(t) if !t.header.is_empty() => Some(prepare_table(t, &heading)?),
        _ => None,
    };
    Ok(PreparedSection {
        heading,
        paragraphs: paragraphs(&section.paragraphs),
        table,
    })
}

fn prepare_table(table: &Table, heading: &str) -> Result<PreparedTable, ExportError> {
    let columns = table.header.len();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        if row.len() > columns {
            // Dropping cells would silently lose figures from an official report.
            return Err(ExportError::RowTooWide {
                table: heading.to_string(),
                row: i + 1,
                cells: row.len(),
                columns,
            });
        }
        let mut cells: Vec<String> = row.iter().map(|c| clean(c)).collect();
        cells.resize(columns, String::new());
        rows.push(cells);
    }
    let mut numeric: Vec<usize> = table.numeric_columns.iter().copied().filter(|&c| c < columns).collect();
    numeric.sort_unstable();
    numeric.dedup();
    Ok(PreparedTable {
        header: table.header.iter().map(|h| clean(h)).collect(),
        rows,
        numeric,
    })
}

fn paragraphs(items: &[String]) -> Vec<String> {
    items.iter().map(|p| clean(p)).filter(|p| !p.is_empty()).collect()
}

/// "- Sở GDĐT;" and, for the last line, "- Lưu: VT." as the decree's examples end the list.
fn recipient_line(recipient: &str, last: bool) -> String {
    let recipient = recipient.trim_start_matches(['-', '–', ' ']);
    if recipient.ends_with([';', '.', ',', ':']) {
        format!("- {recipient}")
    } else {
        format!("- {recipient}{}", if last { '.' } else { ';' })
    }
}

/// NFC, so that a decomposed "ệ" typed on some keyboards shapes and extracts like a precomposed
/// one; control characters dropped, since they are invalid in XML and mean nothing on paper;
/// line breaks kept, every other run of white space made one space.
pub(crate) fn clean(text: &str) -> String {
    let text: String = text.nfc().collect();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if !out.is_empty() {
            out.push('\n');
        }
        let words = line
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty());
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out.trim_matches('\n').to_string()
}

pub(crate) fn upper(text: &str) -> String {
    clean(&clean(text).to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn date_line_pads_as_the_decree_says() {
        assert_eq!(
            date_line("An Bình", date!(2027 - 06 - 05)),
            "An Bình, ngày 05 tháng 6 năm 2027"
        );
        assert_eq!(
            date_line("Hà Nội", date!(2027 - 02 - 15)),
            "Hà Nội, ngày 15 tháng 02 năm 2027"
        );
        assert_eq!(
            date_line("Huế", date!(2026 - 12 - 31)),
            "Huế, ngày 31 tháng 12 năm 2026"
        );
    }

    #[test]
    fn clean_composes_and_drops_controls() {
        let decomposed = "Be\u{302}\u{301}n Tre\u{0}\u{7}  x\r\ny\t z";
        assert_eq!(clean(decomposed), "Bến Tre x\ny z");
        assert_eq!(upper("phòng giáo dục và đào tạo"), "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO");
    }

    #[test]
    fn recipients_end_with_a_period() {
        assert_eq!(recipient_line("Sở GDĐT", false), "- Sở GDĐT;");
        assert_eq!(recipient_line("- Lưu: VT", true), "- Lưu: VT.");
        assert_eq!(recipient_line("Như trên;", true), "- Như trên;");
    }
}
