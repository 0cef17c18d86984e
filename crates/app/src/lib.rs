//! Lành Mạng's use cases. Each is a function over the application (`App`: the store and the
//! settings every rule may need), the acting person (`Actor`) and parsed input, returning
//! `Result<_, AppError>`. Pages, the API and jobs parse, call here, and render: a rule that two
//! of them share lives here, once.
//!
//! Deliberately absent: HTTP, HTML, JSON shapes of the API, SQL. Those belong to `web` and `store`.

use std::sync::Arc;

use lanhmang_domain::{Action, Target, authorize};
use lanhmang_store::{AuditContext, Person, RoleGrant, Store};

pub mod activities;
pub mod clarifications;
pub mod class_sessions;
pub mod dashboard;
pub mod error;
pub mod incidents;
pub mod lessons;
pub mod letterhead;
pub mod links;
pub mod news;
pub mod notices;
pub mod notifications;
pub mod parents;
pub mod people;
pub mod photos;
pub mod plans;
pub mod public_site;
pub mod reports;
pub mod stories;
pub mod supervision;
pub mod trainings;
pub mod units;
pub mod webhooks;

pub use error::{AppError, Problem, Result};
pub use links::Links;

/// What every use case may need besides the store.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where people reach the application; absolute links in e-mails are built from it.
    pub links: Links,
    /// Accept websites on local or private addresses (the demo's simulated sites, tests).
    pub allow_private_sites: bool,
    /// When incident clocks count working hours: the window, the weekdays, the holidays.
    pub working_time: lanhmang_domain::incident::clock::WorkingTime,
    /// Public reports one address may send in an hour.
    pub public_reports_per_hour: i64,
    /// How long closed incidents keep their details.
    pub incident_retention: lanhmang_domain::incident::Retention,
    /// The night hours when notices' mails wait for the morning.
    pub quiet_hours: lanhmang_domain::parents::QuietHours,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            links: Links::default(),
            allow_private_sites: false,
            working_time: lanhmang_domain::incident::clock::WorkingTime::vietnam_default(),
            public_reports_per_hour: DEFAULT_PUBLIC_REPORTS_PER_HOUR,
            incident_retention: Default::default(),
            quiet_hours: Default::default(),
        }
    }
}

/// A school's computer room shares one address, so the limit leaves room for a class reporting
/// together, while a script sending thousands is stopped after these.
pub const DEFAULT_PUBLIC_REPORTS_PER_HOUR: i64 = 20;

/// The application: the store and the settings, shared by every request and job.
#[derive(Clone)]
pub struct App {
    pub store: Arc<Store>,
    pub settings: Arc<Settings>,
    /// The public site's visits, counted in memory until they are written.
    pub visits: Arc<public_site::Visits>,
}

impl App {
    pub fn new(store: Arc<Store>, settings: Settings) -> App {
        App {
            store,
            settings: Arc::new(settings),
            visits: Arc::default(),
        }
    }
}

/// The person acting, with the roles they hold and where the request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person: Person,
    pub grants: Vec<RoleGrant>,
    /// The grants as `domain::authorize` reads them.
    pub permissions: lanhmang_domain::Actor,
    pub client_ip: String,
}

impl Actor {
    pub fn new(person: Person, grants: Vec<RoleGrant>, client_ip: String) -> Actor {
        let permissions = lanhmang_domain::Actor {
            user_id: person.id,
            grants: grants.iter().map(RoleGrant::as_grant).collect(),
        };
        Actor {
            person,
            grants,
            permissions,
            client_ip,
        }
    }

    /// May this person do `action` to `target`? The one question every use case asks.
    pub fn may(&self, action: Action, target: Target<'_>) -> bool {
        authorize(&self.permissions, action, target)
    }

    /// The audit entry's author.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            actor_id: Some(self.person.id),
            actor: self.person.username.clone(),
            client_ip: self.client_ip.clone(),
        }
    }
}

/// Reads an uploaded CSV or XLSX table (bounded by `domain::table_file`) off the async threads:
/// reading costs CPU even within its bounds. A file that cannot be read is `Invalid`.
pub async fn read_table(bytes: Vec<u8>) -> Result<lanhmang_domain::table_file::Table> {
    tokio::task::spawn_blocking(move || lanhmang_domain::units_import::read_table(&bytes))
        .await
        .map_err(|e| {
            // A reader that panicked met a file it cannot read; the server goes on.
            tracing::error!(error = %e, "reading an import file failed");
            AppError::Invalid(vec![Problem::at("file", "Không đọc được tệp.")])
        })?
        .map_err(|e| AppError::Invalid(vec![Problem::at("file", e.to_string())]))
}
