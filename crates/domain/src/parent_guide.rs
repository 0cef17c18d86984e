//! Short guides for parents (T5.2): setting up a child's first phone, screen time at home, what
//! to do when the child is bullied or scammed, and where a child finds help (the hotline 111).
//! Written by us in Vietnamese and shipped as data (`guides/<slug>.toml`), like the lessons;
//! anyone reads them, without an account, beside the lessons' notes for parents.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::lesson::LessonBand;

/// One guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentGuide {
    /// The file's name and the guide's address: `/cha-me/<slug>`.
    pub slug: &'static str,
    pub title: String,
    pub summary: String,
    /// The pupils' bands whose parents it is for.
    pub bands: Vec<LessonBand>,
    pub sections: Vec<GuideSection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GuideSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuideFile {
    title: String,
    summary: String,
    bands: Vec<String>,
    sections: Vec<GuideSection>,
}

/// The guides' files, in the order the index lists them.
const FILES: [(&str, &str); 5] = [
    ("dien-thoai-dau-tien", include_str!("../guides/first_phone.toml")),
    ("thoi-gian-man-hinh", include_str!("../guides/screen_time.toml")),
    ("khi-con-bi-bat-nat", include_str!("../guides/bullying.toml")),
    ("khi-con-bi-lua", include_str!("../guides/scams.toml")),
    ("tong-dai-111", include_str!("../guides/help_111.toml")),
];

/// Why a guide's file is wrong; the tests read every file, so none ships broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuideError {
    #[error("tệp hướng dẫn sai cấu trúc: {0}")]
    Syntax(String),
    #[error("hướng dẫn thiếu {0}")]
    Missing(&'static str),
    #[error("không có lứa tuổi “{0}”")]
    Band(String),
}

fn read(slug: &'static str, text: &str) -> Result<ParentGuide, GuideError> {
    let file: GuideFile = toml::from_str(text).map_err(|e| GuideError::Syntax(e.message().to_string()))?;
    let mut bands = Vec::new();
    for raw in &file.bands {
        match LessonBand::parse(raw) {
            Some(b) if !matches!(b, LessonBand::Parents | LessonBand::Staff) => bands.push(b),
            _ => return Err(GuideError::Band(raw.clone())),
        }
    }
    if file.title.trim().is_empty() {
        return Err(GuideError::Missing("tiêu đề"));
    }
    if file.summary.trim().is_empty() {
        return Err(GuideError::Missing("tóm tắt"));
    }
    if bands.is_empty() {
        return Err(GuideError::Missing("lứa tuổi"));
    }
    if file.sections.is_empty()
        || file
            .sections
            .iter()
            .any(|s| s.heading.trim().is_empty() || s.paragraphs.iter().all(|p| p.trim().is_empty()))
    {
        return Err(GuideError::Missing("nội dung của một mục"));
    }
    Ok(ParentGuide {
        slug,
        title: file.title,
        summary: file.summary,
        bands,
        sections: file.sections,
    })
}

/// Every guide, in order.
pub fn parent_guides() -> &'static [ParentGuide] {
    static GUIDES: OnceLock<Vec<ParentGuide>> = OnceLock::new();
    GUIDES.get_or_init(|| FILES.iter().filter_map(|(slug, text)| read(slug, text).ok()).collect())
}

pub fn parent_guide(slug: &str) -> Option<&'static ParentGuide> {
    parent_guides().iter().find(|g| g.slug == slug)
}

/// The guides for the parents of pupils in `band`; every guide without one.
pub fn guides_for(band: Option<LessonBand>) -> impl Iterator<Item = &'static ParentGuide> {
    parent_guides()
        .iter()
        .filter(move |g| band.is_none_or(|b| g.bands.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guide_file_reads_whole() {
        for (slug, text) in FILES {
            let guide = read(slug, text).unwrap_or_else(|e| panic!("{slug}: {e}"));
            assert!(guide.sections.len() >= 2, "{slug}");
        }
        assert_eq!(parent_guides().len(), FILES.len());
    }

    #[test]
    fn the_hotline_is_in_every_guide_about_harm_and_guides_filter_by_band() {
        for slug in ["khi-con-bi-bat-nat", "khi-con-bi-lua", "tong-dai-111"] {
            let guide = parent_guide(slug).expect(slug);
            let text: String = guide
                .sections
                .iter()
                .flat_map(|s| s.paragraphs.iter())
                .cloned()
                .collect();
            assert!(text.contains("111"), "{slug}");
        }
        let young: Vec<&str> = guides_for(Some(LessonBand::Grades1To2)).map(|g| g.slug).collect();
        assert!(young.contains(&"tong-dai-111") && !young.contains(&"dien-thoai-dau-tien"));
        assert_eq!(guides_for(None).count(), FILES.len());
    }

    #[test]
    fn a_broken_file_is_refused_with_the_reason() {
        assert!(matches!(read("x", "title = "), Err(GuideError::Syntax(_))));
        let no_band = "title = \"a\"\nsummary = \"b\"\nbands = [\"staff\"]\n[[sections]]\nheading = \"h\"\nparagraphs = [\"p\"]\n";
        assert_eq!(read("x", no_band), Err(GuideError::Band("staff".into())));
    }
}
