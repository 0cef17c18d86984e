//! Lành Mạng's website inspector. No database: it takes URLs and limits, and returns reports.

pub mod compromise;
pub mod config;
pub mod content;
pub mod crawl;
pub mod feeds;
pub mod fetch;
pub mod inspector;
pub mod net;
pub mod observatory;
pub mod page;
pub mod rdap;
pub mod tls;

// The finding vocabulary is the domain's (shared with the fixture web, the store and the pages);
// `finding` adds the evidence of one inspection.
pub mod finding;

pub use config::InspectConfig;
pub use finding::{Finding, FindingCode, Severity};
pub use inspector::{Inspector, SiteReport, parse_target};
