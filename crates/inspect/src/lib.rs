//! Lành Mạng's website inspector. No database: it takes URLs and limits, and returns reports.

pub mod compromise;
pub mod config;
pub mod fetch;
pub mod finding;
pub mod net;
pub mod observatory;
pub mod page;
pub mod tls;

pub use finding::{Finding, FindingCode, Severity};
