//! The inspector's integration tests, in one binary: recall against the fixture web, and header
//! grading against MDN HTTP Observatory's own results (data under `tests/data/`).

mod fixture_recall;
mod observatory;
