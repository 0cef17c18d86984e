//! Lành Mạng's exports: official documents and spreadsheets, with no database.
//!
//! An [`OfficialDocument`] becomes a DOCX ([`docx`]) or a PDF ([`pdf`]) laid out as Decree
//! 30/2020/NĐ-CP asks: A4, its margins, Times New Roman (Liberation Serif, metric-compatible and
//! embedded, in the PDF), the letterhead with the national title and motto, the number and the
//! place-and-date line, then the body, the recipients and the signature block. [`xlsx`] writes
//! plain tables ([`Sheet`]) for people who want to compute with the figures. A lesson
//! ([`lanhmang_domain::lesson::LessonContent`]) becomes the teacher's plan ([`lesson_pdf`],
//! [`lesson_docx`]), slides ([`lesson_slides_pdf`]) and a quiz sheet ([`quiz_sheet_pdf`]); a
//! training ends with a [`Certificate`] ([`certificate_pdf`]); a notice to a class's families is
//! printed as [`Slips`] ([`slips_pdf`]).
//!
//! Everything here is synchronous and CPU-bound (a PDF takes tens of milliseconds): call it from
//! a job or `spawn_blocking`, not on an async executor thread.

mod document;
mod docx;
mod fonts;
mod lesson;
mod pdf;
mod slips;
mod xlsx;

pub use document::{Letterhead, OfficialDocument, Section, Signature, Table, date_line};
pub use docx::docx;
pub use lesson::{Certificate, certificate_pdf, lesson_docx, lesson_pdf, lesson_slides_pdf, quiz_sheet_pdf};
pub use pdf::pdf;
pub use slips::{MAX_SLIPS, Slips, slips_pdf};
pub use xlsx::{Cell, Column, ColumnKind, Sheet, sanitize_sheet_name, xlsx};

/// Why an export failed. The messages are shown to users, hence Vietnamese.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("Bảng \"{table}\" có dòng {row} gồm {cells} ô, nhiều hơn {columns} cột tiêu đề.")]
    RowTooWide {
        table: String,
        row: usize,
        cells: usize,
        columns: usize,
    },
    #[error("Không nạp được phông chữ Liberation Serif: {0}")]
    Font(String),
    #[error("Không tạo được tệp PDF: {0}")]
    Pdf(String),
    #[error("Không tạo được tệp DOCX: {0}")]
    Docx(String),
    #[error("Không tạo được tệp Excel: {0}")]
    Xlsx(String),
    /// The content lacks something the file must show, e.g. a quiz answer for the answer key.
    #[error("Chưa đủ nội dung để tạo tệp: {0}.")]
    Incomplete(String),
}
