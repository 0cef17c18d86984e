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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use lanhmang_domain::Role;
    use lanhmang_domain::supervision::{SiteKind, StandardRules};
    use lanhmang_store::AuditContext;
    use lanhmang_store::sites::{FoundIssue, NewSite, Registered};
    use lanhmang_store::test_support::{TestDb, both_backends};

    use super::*;
    use crate::{Links, Settings};

    /// A run that found the site down.
    fn down(site_id: i64) -> InspectionRecord {
        InspectionRecord {
            site_id,
            job: None,
            full: false,
            standard_id: None,
            started_at: lanhmang_store::now(),
            reachable: false,
            http_status: None,
            grade: None,
            score: None,
            cert_expires_at: None,
            pages_checked: 0,
            broken_links: 0,
            elapsed_ms: 10,
            meets_standard: None,
            compromised: false,
            disclosure_gap: false,
            issues: vec![FoundIssue {
                code: "unreachable".into(),
                severity: "high".into(),
                evidence: "không trả lời".into(),
            }],
            detail: "{}".into(),
        }
    }

    both_backends!(an_alert_mail_links_to_the_site_with_an_absolute_address_on_every_backend);
    async fn an_alert_mail_links_to_the_site_with_an_absolute_address_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let unit = |code: &str, kind: &str| {
                lanhmang_domain::unit::UnitInput {
                    code: code.into(),
                    name: format!("Đơn vị {code}"),
                    kind: kind.into(),
                    school_level: if kind == "school" { "th".into() } else { String::new() },
                    ..Default::default()
                }
                .parse()
                .unwrap()
            };
            let office = store.create_unit(&ctx, None, &unit("PGD", "office")).await.unwrap();
            let school = store
                .create_unit(&ctx, Some(office.id), &unit("TH-A", "school"))
                .await
                .unwrap();
            let person = lanhmang_domain::person::PersonInput {
                username: "quantri".into(),
                display_name: "Cô Lan".into(),
                email: "lan@th-a.edu.vn".into(),
                ..Default::default()
            }
            .parse()
            .unwrap();
            let p = store
                .create_person(&ctx, school.id, &person, None, false)
                .await
                .unwrap();
            store
                .grant_role(&ctx, p.id, Role::WebsiteAdmin, school.id)
                .await
                .unwrap();
            let new = NewSite {
                unit_id: school.id,
                url: "https://th-a.edu.vn/".into(),
                host: "th-a.edu.vn".into(),
                kind: SiteKind::Website,
                name: String::new(),
            };
            let Registered::Added(site) = store.add_site(&ctx, &new, &StandardRules::default()).await.unwrap() else {
                panic!("{backend}: a new address is added");
            };
            let app = App::new(
                Arc::new(store),
                Settings {
                    links: Links::new(Some("https://lanhmang.example.vn")),
                    ..Default::default()
                },
            );
            let (recorded, feeds) = record(&app, &down(site.id), &[]).await.unwrap();
            assert_eq!(
                (recorded.alerts.clone(), recorded.mails, feeds),
                (vec!["down".to_string()], 1, 0),
                "{backend}"
            );
            let mail = app
                .store
                .claim_mail(time::Duration::minutes(5))
                .await
                .unwrap()
                .expect("the alert is mailed");
            let link = format!("https://lanhmang.example.vn/giam-sat/website/{}", site.id);
            assert!(mail.body.contains(&link), "{backend}: {}", mail.body);
            assert!(mail.body.starts_with("Kính gửi Cô Lan,"), "{backend}: {}", mail.body);
            drop(app);
            db.cleanup().await;
        }
    }
}
