//! A notice to a class's families on paper, for families without a smartphone: two slips to an
//! A4 page, each with the notice, a QR code to read it online, and a strip to sign and return
//! when the school asks for acknowledgment.

use serde::Serialize;

use crate::ExportError;
use crate::document::clean;
use crate::lesson::required;
use crate::pdf::{Template, render};

/// Most slips one file holds: a large class, with a few spare.
pub const MAX_SLIPS: usize = 80;
/// Characters of the notice printed on a slip; a longer one is cut at a word and the QR code
/// leads to the whole text.
const MAX_PRINTED: usize = 900;

/// What a slip says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slips {
    /// The school.
    pub unit_name: String,
    /// "4B"; empty for the whole school.
    pub class_name: String,
    pub title: String,
    /// "Ngày 07 tháng 12 năm 2026".
    pub date_text: String,
    pub body: String,
    /// "Hạn: …"; None without a due date.
    pub due_text: Option<String>,
    /// Where the notice is read online (the QR code's address).
    pub url: String,
    pub ack_required: bool,
    pub copies: usize,
}

#[derive(Serialize)]
struct Prepared {
    unit: String,
    audience: String,
    title: String,
    date: String,
    paragraphs: Vec<String>,
    cut: bool,
    cut_note: &'static str,
    due: Option<String>,
    qr: Vec<Vec<bool>>,
    qr_label: String,
    ack: bool,
    ack_line: String,
    sign_line: &'static str,
    cut_here: &'static str,
    copies: usize,
}

/// The rows of a QR code for `text`, quiet zone included: true for a dark module.
fn qr_rows(text: &str) -> Result<Vec<Vec<bool>>, ExportError> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| ExportError::Incomplete(format!("địa chỉ quá dài cho mã QR ({e})")))?;
    let width = code.width();
    let colors = code.to_colors();
    const QUIET: usize = 2;
    let side = width + 2 * QUIET;
    let mut rows = vec![vec![false; side]; side];
    for (i, c) in colors.iter().enumerate() {
        rows[i / width + QUIET][i % width + QUIET] = *c == Color::Dark;
    }
    Ok(rows)
}

/// The slips as a PDF: `copies` of them (1 to `MAX_SLIPS`), two to a page.
pub fn slips_pdf(s: &Slips) -> Result<Vec<u8>, ExportError> {
    if !(1..=MAX_SLIPS).contains(&s.copies) {
        return Err(ExportError::Incomplete(format!("số phiếu phải từ 1 đến {MAX_SLIPS}")));
    }
    let url = required(&s.url, "địa chỉ đọc thông báo")?;
    let class = clean(&s.class_name);
    let body = clean_body(&s.body);
    let printed = lanhmang_domain::notice::excerpt(&body, MAX_PRINTED);
    let prepared = Prepared {
        unit: required(&s.unit_name, "tên trường")?.to_uppercase(),
        audience: if class.is_empty() {
            "Kính gửi: Cha mẹ học sinh toàn trường".into()
        } else {
            format!("Kính gửi: Cha mẹ học sinh lớp {class}")
        },
        title: required(&s.title, "trích yếu")?,
        date: clean(&s.date_text),
        cut: printed != body,
        paragraphs: lanhmang_domain::lesson::paragraphs(&printed)
            .map(str::to_string)
            .collect(),
        cut_note: "Toàn văn thông báo: quét mã QR bên cạnh.",
        due: s.due_text.as_deref().map(clean).filter(|d| !d.is_empty()),
        qr: qr_rows(&url)?,
        qr_label: format!("Quét mã để đọc trên Lành Mạng: {url}"),
        ack: s.ack_required,
        ack_line: if class.is_empty() {
            "Cha mẹ học sinh ……………………………… lớp ………… đã nhận thông báo.".into()
        } else {
            format!("Cha mẹ học sinh ……………………………………… lớp {class} đã nhận thông báo.")
        },
        sign_line: "Ngày …… tháng …… năm ……        Ký, ghi rõ họ tên: ……………………………………",
        cut_here: "cắt theo đường này",
        copies: s.copies,
    };
    render(Template::Slips, &prepared)
}

/// Paragraphs kept, each line cleaned.
fn clean_body(body: &str) -> String {
    lanhmang_domain::lesson::paragraphs(body)
        .map(clean)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slips(copies: usize) -> Slips {
        Slips {
            unit_name: "Trường Tiểu học An Bình".into(),
            class_name: "4B".into(),
            title: "Họp phụ huynh cuối học kỳ I".into(),
            date_text: "Ngày 07 tháng 12 năm 2026".into(),
            body: "Kính mời quý phụ huynh đến dự họp lúc 7 giờ 30 sáng thứ Bảy.\n\nXin cảm ơn.".into(),
            due_text: Some("Hạn gửi lại phiếu: ngày 12/12/2026".into()),
            url: "https://lanhmang.example.vn/van-ban/12".into(),
            ack_required: true,
            copies,
        }
    }

    #[test]
    fn two_slips_to_a_page_with_the_text_and_the_strip() {
        let pdf = slips_pdf(&slips(3)).unwrap();
        let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
        assert_eq!(text.matches("Họp phụ huynh cuối học kỳ I").count(), 3, "{text}");
        assert!(text.contains("Cha mẹ học sinh lớp 4B"), "{text}");
        assert!(text.contains("đã nhận thông báo"), "{text}");
        assert!(text.contains("lanhmang.example.vn/van-ban/12"), "{text}");
        assert!(slips_pdf(&slips(0)).is_err());
        assert!(slips_pdf(&slips(MAX_SLIPS + 1)).is_err());
    }

    #[test]
    fn a_qr_code_has_its_quiet_zone() {
        let rows = qr_rows("https://lanhmang.example.vn/van-ban/12").unwrap();
        assert!(rows.len() >= 25 && rows.iter().all(|r| r.len() == rows.len()));
        assert!(rows[0].iter().all(|dark| !dark), "the quiet zone is light");
        assert!(rows[2][2], "the finder pattern's corner is dark");
    }
}
