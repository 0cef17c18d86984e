//! Lành Mạng's domain: the types and rules of the plan, with no IO.
//!
//! Everything the other crates need to agree on lives here: what a unit, a role and a permission
//! are, how Vietnamese text is folded for search, how passwords are judged and hashed, how an
//! import file becomes units, how the audit chain is hashed. Nothing here touches a database or
//! the network, so all of it is unit-tested directly.

pub mod activity;
pub mod address_policy;
pub mod audit;
pub mod code;
pub mod document_number;
pub mod field;
pub mod finding;
pub mod header_advice;
pub mod incident;
pub mod lesson;
pub mod news;
pub mod notice;
pub mod paging;
pub mod parent_guide;
pub mod parents;
pub mod password;
pub mod permission;
pub mod person;
pub mod plan;
pub mod plan_template;
pub mod remediation;
pub mod report;
pub mod role;
pub mod school_year;
pub mod story;
pub mod supervision;
pub mod table_file;
pub mod text;
pub mod throttle;
pub mod training;
pub mod unit;
pub mod units_import;
pub mod webhook;

pub use paging::Paging;
pub use permission::{Action, Actor, Grant, Target, authorize};
pub use role::Role;
pub use unit::{SchoolLevel, UnitCode, UnitKind, UnitStatus};
