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
pub mod tls;

// The finding codes are shared vocabulary (the fixture web's manifest, remediation guides), so
// they live in the domain; this path stays for the inspector's users.
pub use lanhmang_domain::finding;

pub use config::InspectConfig;
pub use finding::{Finding, FindingCode, Severity};
pub use inspector::{Inspector, SiteReport, parse_target};
