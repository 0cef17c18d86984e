//! Liberation Serif, metric-compatible with Times New Roman, taken from the copy that the
//! `oxml-layout` crate compiles into the binary: no system font and no font file in this
//! repository is needed. Parsed once per process.

use std::sync::OnceLock;

use typst::foundations::Bytes;
use typst::layout::Abs;
use typst::text::{Font, FontBook, FontVariations};
use typst::utils::LazyHash;

use crate::ExportError;

pub(crate) const FAMILY: &str = "Liberation Serif";

pub(crate) struct FontSet {
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
}

static FONTS: OnceLock<FontSet> = OnceLock::new();

/// The four faces (regular, bold, italic, bold italic), or an error naming what is missing.
pub(crate) fn fonts() -> Result<&'static FontSet, ExportError> {
    let set = FONTS.get_or_init(|| {
        let fonts: Vec<Font> = oxml_layout::bundled_fonts::bundled_font_data()
            .into_iter()
            .filter(|(family, _)| *family == FAMILY)
            .flat_map(|(_, data)| Font::iter(Bytes::new(data)))
            .collect();
        FontSet {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    });
    if set.fonts.len() < 4 {
        return Err(ExportError::Font(format!(
            "chỉ tìm thấy {} trong 4 kiểu chữ",
            set.fonts.len()
        )));
    }
    Ok(set)
}

/// The width in points of `text` on one line, from the glyph advances (no kerning): enough to
/// size the rules that the decree draws under a line of the letterhead in the DOCX.
pub(crate) fn text_width(text: &str, bold: bool, size_pt: f64) -> Result<f64, ExportError> {
    let set = fonts()?;
    let font = set
        .fonts
        .iter()
        .find(|f| {
            let v = f.info().variant;
            (v.weight.to_number() >= 600) == bold && v.style == typst::text::FontStyle::Normal
        })
        .ok_or_else(|| ExportError::Font("thiếu kiểu chữ thường hoặc đậm".into()))?;
    let instance = font
        .clone()
        .instantiate(font.info().variant, Abs::pt(size_pt), &FontVariations::default());
    let face = instance.ttf();
    let em: f64 = text
        .chars()
        .filter_map(|c| face.glyph_index(c))
        .filter_map(|g| instance.x_advance(g.0))
        .map(|a| a.get())
        .sum();
    Ok(em * size_pt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_faces_of_liberation_serif() {
        let set = fonts().unwrap();
        assert_eq!(set.fonts.len(), 4);
        assert!(set.fonts.iter().all(|f| f.info().family == FAMILY));
        // Times New Roman's "M" at 12 pt is 10.67 pt wide; a metric-compatible face matches it.
        let m = text_width("M", false, 12.0).unwrap();
        assert!((m - 10.67).abs() < 0.05, "{m}");
    }
}
