//! "Inspect now" with its progress, and recording a run that a worker finished.

use lanhmang_domain::Action;
use lanhmang_store::sites::{InspectionProgress, InspectionRecord, Recorded};

use super::texts::SupervisionTexts;
use super::{unit_in_scope, visible_site};
use crate::{Actor, App, AppError, Result};

/// What "inspect now" is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectTarget {
    Site(i64),
    /// Every site of a unit's subtree.
    Unit(i64),
}

impl InspectTarget {
    /// Exactly one of the two ids.
    pub fn from_ids(site_id: Option<i64>, unit_id: Option<i64>) -> Result<InspectTarget> {
        match (site_id, unit_id) {
            (Some(id), None) => Ok(InspectTarget::Site(id)),
            (None, Some(id)) => Ok(InspectTarget::Unit(id)),
            _ => Err(AppError::invalid(
                "Cần cho biết đúng một trong hai: site_id (một website) hoặc unit_id (mọi website của đơn vị).",
            )),
        }
    }
}

/// Queues "inspect now" for sites the person manages; returns the request's id.
pub async fn inspect_now(app: &App, actor: &Actor, target: InspectTarget) -> Result<i64> {
    let ctx = actor.audit();
    match target {
        InspectTarget::Site(id) => {
            let site = visible_site(app, actor, id, Action::ManageSites).await?;
            Ok(app
                .store
                .request_inspection(&ctx, &site.ancestry, Some(site.id))
                .await?)
        }
        InspectTarget::Unit(id) => {
            let unit = unit_in_scope(app, actor, id, Action::ManageSites).await?;
            Ok(app.store.request_inspection(&ctx, &unit.ancestry, None).await?)
        }
    }
}

/// A request's progress, for someone who may see its unit.
pub async fn progress(app: &App, actor: &Actor, id: i64) -> Result<InspectionProgress> {
    let p = app.store.inspection_progress(id).await?.ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewSites, lanhmang_domain::Target::Unit(&p.ancestry)) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// Records a run a worker finished (with its alerts, worded here) and follows the feeds found
/// on the site. Returns what was recorded and how many feeds are new.
pub async fn record(app: &App, record: &InspectionRecord, feeds: &[String]) -> Result<(Recorded, usize)> {
    let texts = SupervisionTexts::new(&app.settings.links);
    let recorded = app.store.record_inspection(record, &texts).await?;
    let new_feeds = if feeds.is_empty() {
        0
    } else {
        app.store.discover_site_feeds(record.site_id, feeds).await?
    };
    Ok((recorded, new_feeds))
}
