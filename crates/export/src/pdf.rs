//! PDF through Typst, used as a library. The markup is one fixed template (`official.typ`); the
//! document reaches it only as JSON in a virtual file, so user text is always a string value to
//! Typst and can never become markup or code. The world knows two files and nothing else: no
//! file system, no packages, no network.

use std::sync::OnceLock;

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

const TEMPLATE: &str = include_str!("official.typ");
const MAIN_PATH: &str = "/official.typ";
const DATA_PATH: &str = "/data.json";

/// The document as a PDF in the form of Decree 30/2020, with Liberation Serif embedded.
/// The same document gives the same bytes.
pub fn pdf(doc: &OfficialDocument) -> Result<Vec<u8>, ExportError> {
    let prepared = Prepared::new(doc)?;
    let data = serde_json::to_vec(&prepared).map_err(|e| ExportError::Pdf(e.to_string()))?;
    let world = DocumentWorld::new(data)?;
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
    main: FileId,
    data: FileId,
    source: Source,
}

/// What does not change between documents, built once: the standard library, the parsed template.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let id = |path| {
            // Both paths are constant, absolute and free of "..", which is all `new` rejects.
            let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("invalid constant path {path}"));
            FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
        };
        let main = id(MAIN_PATH);
        Shared {
            library: LazyHash::new(Library::default()),
            main,
            data: id(DATA_PATH),
            source: Source::new(main, TEMPLATE.to_string()),
        }
    })
}

struct DocumentWorld {
    shared: &'static Shared,
    fonts: &'static FontSet,
    data: Bytes,
}

impl DocumentWorld {
    fn new(data: Vec<u8>) -> Result<DocumentWorld, ExportError> {
        Ok(DocumentWorld {
            shared: shared(),
            fonts: fonts()?,
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
        self.shared.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.shared.main {
            Ok(self.shared.source.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.data {
            Ok(self.data.clone())
        } else if id == self.shared.main {
            Ok(Bytes::from_string(self.shared.source.clone()))
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
