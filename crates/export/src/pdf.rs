//! PDF through Typst, used as a library. The markup is a fixed template ([`Template`]: the
//! official document, `official.typ`, and the lesson materials); the data reaches it only as JSON
//! in a virtual file, so user text is always a string value to Typst and can never become markup
//! or code. The world knows two files and nothing else: no file system, no packages, no network.

use std::sync::OnceLock;

use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::document::Prepared;
use crate::fonts::{FontSet, fonts};
use crate::{ExportError, OfficialDocument};

const DATA_PATH: &str = "/data.json";

/// The fixed templates compiled into the binary. Each reads `/data.json` and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    Official,
    LessonPlan,
    Slides,
    QuizSheet,
    Certificate,
    Slips,
}

impl Template {
    const ALL: [Template; 6] = [
        Template::Official,
        Template::LessonPlan,
        Template::Slides,
        Template::QuizSheet,
        Template::Certificate,
        Template::Slips,
    ];

    fn path(self) -> &'static str {
        match self {
            Template::Official => "/official.typ",
            Template::LessonPlan => "/lesson.typ",
            Template::Slides => "/slides.typ",
            Template::QuizSheet => "/quiz.typ",
            Template::Certificate => "/certificate.typ",
            Template::Slips => "/slips.typ",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Template::Official => include_str!("official.typ"),
            Template::LessonPlan => include_str!("lesson.typ"),
            Template::Slides => include_str!("slides.typ"),
            Template::QuizSheet => include_str!("quiz.typ"),
            Template::Certificate => include_str!("certificate.typ"),
            Template::Slips => include_str!("slips.typ"),
        }
    }
}

/// The document as a PDF in the form of Decree 30/2020, with Liberation Serif embedded.
/// The same document gives the same bytes.
pub fn pdf(doc: &OfficialDocument) -> Result<Vec<u8>, ExportError> {
    render(Template::Official, &Prepared::new(doc)?)
}

/// `data` laid out by `template`, as PDF bytes; the same data gives the same bytes.
pub(crate) fn render(template: Template, data: &impl Serialize) -> Result<Vec<u8>, ExportError> {
    let data = serde_json::to_vec(data).map_err(|e| ExportError::Pdf(e.to_string()))?;
    let world = DocumentWorld::new(template, data)?;
    let compiled = typst::compile::<PagedDocument>(&world).output;
    // Typst memoizes across compilations; without eviction a long-running server would keep every
    // document it ever laid out. Ten generations keep the letterhead's layout warm.
    typst::comemo::evict(10);
    let document = compiled.map_err(|errors| ExportError::Pdf(describe(&errors[..])))?;
    typst_pdf::pdf(&document, &PdfOptions::default()).map_err(|errors| ExportError::Pdf(describe(&errors)))
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

struct Shared {
    library: LazyHash<Library>,
    data: FileId,
    /// The parsed templates, in the order of [`Template::ALL`].
    sources: Vec<Source>,
}

/// What does not change between documents, built once: the standard library, the parsed templates.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let id = |path| {
            // Every path is constant, absolute and free of "..", which is all `new` rejects.
            let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("invalid constant path {path}"));
            FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
        };
        Shared {
            library: LazyHash::new(Library::default()),
            data: id(DATA_PATH),
            sources: Template::ALL
                .iter()
                .map(|t| Source::new(id(t.path()), t.text().to_string()))
                .collect(),
        }
    })
}

struct DocumentWorld {
    shared: &'static Shared,
    fonts: &'static FontSet,
    /// The template being compiled: the only source this world has.
    main: &'static Source,
    data: Bytes,
}

impl DocumentWorld {
    fn new(template: Template, data: Vec<u8>) -> Result<DocumentWorld, ExportError> {
        let shared = shared();
        let main = Template::ALL
            .iter()
            .position(|t| *t == template)
            .and_then(|i| shared.sources.get(i))
            .ok_or_else(|| ExportError::Pdf(format!("thiếu mẫu {}", template.path())))?;
        Ok(DocumentWorld {
            shared,
            fonts: fonts()?,
            main,
            data: Bytes::new(data),
        })
    }
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.data {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        // The document carries its own date; reading the clock would make output irreproducible.
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_with_slash().into())
}
