//! Links from a case to other cases and to the supervision findings it concerns: the same scam
//! reported at three schools, a defaced website's case and the inspector's finding on it.

use lanhmang_domain::{Action, Target};
use lanhmang_store::incident_links::LinkTarget;
use lanhmang_store::incidents::Incident;

use super::{case_for_handling, case_visible, details_visible, visible_case};
use crate::{Actor, App, AppError, Problem, Result};

/// A link as the case page and the API show it to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkView {
    pub target: LinkTarget,
    /// What it is, as far as this person may know ("Hồ sơ số 12 · Lừa đảo · Trường …").
    pub label: String,
    /// Where it opens, when this person may open it.
    pub href: Option<String>,
    pub linked_by: Option<String>,
}

/// Parses what a form or the API sends: the kind ("incident" or "finding") and the number.
pub fn link_target(kind: &str, id: i64) -> Result<LinkTarget> {
    match kind.trim() {
        "incident" if id > 0 => Ok(LinkTarget::Incident(id)),
        "finding" if id > 0 => Ok(LinkTarget::Finding(id)),
        "incident" | "finding" => Err(AppError::Invalid(vec![Problem::at(
            "target_id",
            "Số phải là số nguyên dương.",
        )])),
        _ => Err(AppError::Invalid(vec![Problem::at(
            "kind",
            "Chọn liên kết tới một hồ sơ sự cố hoặc một phát hiện giám sát website.",
        )])),
    }
}

/// Links a case to another case or a finding. Only the case's handlers; the target must be one
/// they may see (a case in their reach, a finding on a website of their scope), or it is not
/// named back to them.
pub async fn link(app: &App, actor: &Actor, id: i64, target: LinkTarget) -> Result<Vec<LinkView>> {
    let (incident, _) = case_for_handling(app, actor, id).await?;
    match target {
        LinkTarget::Incident(other) => {
            if other == incident.id {
                return Err(AppError::Invalid(vec![Problem::at(
                    "target_id",
                    "Không liên kết hồ sơ với chính nó.",
                )]));
            }
            let visible = app
                .store
                .incident(other)
                .await?
                .is_some_and(|o| case_visible(actor, &o));
            if !visible {
                return Err(AppError::Invalid(vec![Problem::at(
                    "target_id",
                    format!("Không có hồ sơ số {other} trong phạm vi bạn được xem."),
                )]));
            }
        }
        LinkTarget::Finding(finding) => {
            let visible = app
                .store
                .site_finding(finding)
                .await?
                .is_some_and(|f| actor.may(Action::ViewSites, Target::Unit(&f.ancestry)));
            if !visible {
                return Err(AppError::Invalid(vec![Problem::at(
                    "target_id",
                    format!("Không có phát hiện giám sát số {finding} trong phạm vi bạn được xem."),
                )]));
            }
        }
    }
    app.store.link_incident(&actor.audit(), incident.id, target).await?;
    links(app, actor, incident.id).await
}

/// Removes a link; only the case's handlers. Removing one that is not there changes nothing
/// (a second click, another handler first) and answers the links as they are.
pub async fn unlink(app: &App, actor: &Actor, id: i64, target: LinkTarget) -> Result<Vec<LinkView>> {
    let (incident, _) = case_for_handling(app, actor, id).await?;
    app.store.unlink_incident(&actor.audit(), incident.id, target).await?;
    links(app, actor, incident.id).await
}

/// The links of a case someone may see, each told as far as they may know it: a linked case
/// they may not see is only a number; a restricted one they may not read shows no category.
pub async fn links(app: &App, actor: &Actor, id: i64) -> Result<Vec<LinkView>> {
    let incident = visible_case(app, actor, id).await?;
    link_views(app, actor, &incident).await
}

pub(super) async fn link_views(app: &App, actor: &Actor, incident: &Incident) -> Result<Vec<LinkView>> {
    if !details_visible(actor, incident) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for link in app.store.incident_links(incident.id).await? {
        let (label, href) = match link.target {
            LinkTarget::Incident(other) => match app.store.incident(other).await? {
                Some(o) if case_visible(actor, &o) => {
                    let what = if details_visible(actor, &o) {
                        format!("{} · {}", o.category_name, o.unit_name)
                    } else {
                        "hồ sơ hạn chế".to_string()
                    };
                    (
                        format!("Hồ sơ số {other} · {what} · {}", o.state.label()),
                        Some(format!("/su-co/{other}")),
                    )
                }
                _ => (format!("Hồ sơ số {other} (ngoài phạm vi bạn được xem)"), None),
            },
            LinkTarget::Finding(finding) => match app.store.site_finding(finding).await? {
                Some(f) if actor.may(Action::ViewSites, Target::Unit(&f.ancestry)) => {
                    let title = lanhmang_domain::finding::FindingCode::parse(&f.code)
                        .map(|c| c.title().to_string())
                        .unwrap_or_else(|| f.code.clone());
                    (
                        format!("Phát hiện số {finding} · {title} · {}", f.site_url),
                        Some(format!("/giam-sat/website/{}", f.site_id)),
                    )
                }
                Some(f) => (
                    format!("Phát hiện giám sát số {finding} trên website của {}", f.unit_name),
                    None,
                ),
                None => (format!("Phát hiện giám sát số {finding}"), None),
            },
        };
        out.push(LinkView {
            target: link.target,
            label,
            href,
            linked_by: link.linked_by,
        });
    }
    Ok(out)
}
