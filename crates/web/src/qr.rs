//! QR codes drawn on the server as SVG: a class joins a session by pointing a phone at the
//! projector, with no script and no outside service.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The SVG of a QR code for `text` (an address), black on white with its quiet zone, sized by
/// the page (`width`/`height` 100%); none when the text is too long for a QR code.
pub fn svg_for(text: &str, label: &str) -> Option<String> {
    // Medium correction survives a dim projector and a smudged screen, and keeps the modules
    // large enough to read from the back of a classroom.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .min_dimensions(200, 200)
        .build();
    // The renderer writes an XML declaration and fixed pixel sizes; inline in a page the
    // declaration is invalid and the size is the page's to choose.
    let start = image.find("<svg")?;
    let mut out = image[start..].to_string();
    let title = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    out = out.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", title.replace('"', "&quot;")),
        1,
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_becomes_an_inline_svg_with_a_label() {
        let svg = svg_for("https://lanhmang.example/lop/482913", "Mã QR <vào lớp>").expect("short address");
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Mã QR &lt;vào lớp&gt;\""));
        assert!(svg.contains("<path") || svg.contains("<rect"));
        assert!(!svg.contains("<?xml"));
        assert!(
            svg_for(&"x".repeat(5000), "dài").is_none(),
            "too long for any QR version"
        );
    }
}
