//! Resources for parents (T5.2), readable without an account: the short guides, and the notes
//! for parents of the built-in lessons, chosen by the child's grade band.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use lanhmang_domain::lesson::{LessonBand, LessonTopic, built_in};
use lanhmang_domain::parent_guide::{GuideSection, guides_for, parent_guide};
use serde::Deserialize;

use crate::auth::Identity;
use crate::error::AppError;
use crate::layout::{Layout, render};

/// The frame for whoever reads: the signed-in person's menu, or none.
fn layout(title: impl Into<String>, identity: Option<axum::Extension<Identity>>) -> Layout {
    match identity {
        Some(axum::Extension(identity)) => Layout::new(title, &identity, "/cha-me"),
        None => Layout::anonymous(title, String::new()),
    }
}

/// The pupils' bands a parent chooses among.
const BANDS: [LessonBand; 4] = [
    LessonBand::Grades1To2,
    LessonBand::Grades3To5,
    LessonBand::Grades6To7,
    LessonBand::Grades8To9,
];

#[derive(Template)]
#[template(path = "parent_index.html")]
struct IndexPage {
    layout: Layout,
    /// (value, label, chosen)
    bands: Vec<(&'static str, &'static str, bool)>,
    band_label: String,
    /// (slug, title, summary)
    guides: Vec<(&'static str, String, String)>,
    /// (topic, note) of the chosen band's lessons.
    notes: Vec<(&'static str, String)>,
}

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    lop: Option<String>,
}

pub async fn index(
    identity: Option<axum::Extension<Identity>>,
    Query(q): Query<IndexQuery>,
) -> Result<Response, AppError> {
    let band = match q.lop.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(LessonBand::parse(raw).filter(|b| BANDS.contains(b)).ok_or_else(|| {
            AppError::BadRequest("Không có lớp học này; hãy chọn lớp của con trong danh sách.".into())
        })?),
    };
    let notes = match band {
        Some(b) => LessonTopic::ALL
            .iter()
            .filter_map(|t| {
                built_in()
                    .iter()
                    .find(|l| l.content.topic == *t && l.content.band == b)
                    .map(|l| (t.label(), l.content.parent_note.clone()))
            })
            .collect(),
        None => Vec::new(),
    };
    render(&IndexPage {
        layout: layout("Cùng con dùng mạng an toàn", identity),
        bands: BANDS
            .iter()
            .map(|b| (b.as_str(), b.label(), Some(*b) == band))
            .collect(),
        band_label: band.map(|b| b.label().to_string()).unwrap_or_default(),
        guides: guides_for(band)
            .map(|g| (g.slug, g.title.clone(), g.summary.clone()))
            .collect(),
        notes,
    })
}

#[derive(Template)]
#[template(path = "parent_guide.html")]
struct GuidePage {
    layout: Layout,
    title: String,
    summary: String,
    bands: String,
    sections: Vec<GuideSection>,
}

pub async fn guide(
    identity: Option<axum::Extension<Identity>>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let guide = parent_guide(&slug).ok_or(AppError::NotFound)?;
    render(&GuidePage {
        layout: layout(guide.title.clone(), identity),
        title: guide.title.clone(),
        summary: guide.summary.clone(),
        bands: guide.bands.iter().map(|b| b.label()).collect::<Vec<_>>().join(", "),
        sections: guide.sections.clone(),
    })
}
