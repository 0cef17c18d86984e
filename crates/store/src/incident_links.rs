//! Links from a case to other cases and to supervision findings (a defaced website's case and
//! the inspector's finding on it, a scam reported at three schools).
//!
//! A link between two cases is one row whatever side it was made from, kept with the smaller
//! case number first, so that each case lists it and it cannot be made twice.

use time::OffsetDateTime;

use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now};

/// What a case links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    Incident(i64),
    Finding(i64),
}

impl LinkTarget {
    pub fn kind(self) -> &'static str {
        match self {
            LinkTarget::Incident(_) => "incident",
            LinkTarget::Finding(_) => "finding",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            LinkTarget::Incident(id) | LinkTarget::Finding(id) => id,
        }
    }

    /// The stored row for a link made from `incident_id`: (case, kind, target).
    fn row(self, incident_id: i64) -> (i64, &'static str, i64) {
        match self {
            LinkTarget::Incident(other) => (incident_id.min(other), "incident", incident_id.max(other)),
            LinkTarget::Finding(f) => (incident_id, "finding", f),
        }
    }

    fn audit_text(self) -> String {
        match self {
            LinkTarget::Incident(id) => format!("hồ sơ số {id}"),
            LinkTarget::Finding(id) => format!("phát hiện giám sát số {id}"),
        }
    }
}

/// One link as a case lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentLink {
    pub target: LinkTarget,
    pub linked_by: Option<String>,
    pub linked_at: OffsetDateTime,
}

/// Most links a case keeps: enough for a scam reported across a district, few enough to read.
pub const MAX_LINKS_PER_CASE: i64 = 50;

impl Store {
    /// Links a case to `target`, audited; false when the link was there already (nothing
    /// written). A case with `MAX_LINKS_PER_CASE` links is a conflict; the count and the insert
    /// are one transaction, so two links made at once cannot both pass it.
    pub async fn link_incident(&self, ctx: &AuditContext, incident_id: i64, target: LinkTarget) -> Result<bool> {
        let (case, kind, target_id) = target.row(incident_id);
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (links,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM incident_links WHERE incident_id = $1 OR (target_kind = 'incident' AND target_id = $1)",
            )
            .bind(incident_id)
            .fetch_one(&mut *tx)
            .await?;
            if links >= MAX_LINKS_PER_CASE {
                tx.rollback().await?;
                return Err(StoreError::Conflict(format!(
                    "Hồ sơ đã có {MAX_LINKS_PER_CASE} liên kết, mức tối đa; hãy bỏ bớt liên kết không còn cần."
                )));
            }
            let inserted = sqlx::query(
                "INSERT INTO incident_links (incident_id, target_kind, target_id, linked_by, linked_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id, target_kind, target_id) DO NOTHING",
            )
            .bind(case)
            .bind(kind)
            .bind(target_id)
            .bind(ctx.actor_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if inserted {
                audit_in_tx!(
                    self,
                    tx,
                    ctx,
                    "incident.link",
                    format!("incident:{incident_id}"),
                    format!("liên kết với {}", target.audit_text())
                );
            }
            tx.commit().await?;
            inserted
        }))
    }

    /// Removes a link, audited; false when there was none.
    pub async fn unlink_incident(&self, ctx: &AuditContext, incident_id: i64, target: LinkTarget) -> Result<bool> {
        let (case, kind, target_id) = target.row(incident_id);
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let removed = sqlx::query(
                "DELETE FROM incident_links WHERE incident_id = $1 AND target_kind = $2 AND target_id = $3",
            )
            .bind(case)
            .bind(kind)
            .bind(target_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if removed {
                audit_in_tx!(
                    self,
                    tx,
                    ctx,
                    "incident.unlink",
                    format!("incident:{incident_id}"),
                    format!("bỏ liên kết với {}", target.audit_text())
                );
            }
            tx.commit().await?;
            removed
        }))
    }

    /// The links of a case, from either side, oldest first.
    pub async fn incident_links(&self, incident_id: i64) -> Result<Vec<IncidentLink>> {
        let rows: Vec<(i64, String, i64, Option<String>, OffsetDateTime)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT l.incident_id, l.target_kind, l.target_id, p.display_name, l.linked_at FROM incident_links l \
             LEFT JOIN people p ON p.id = l.linked_by \
             WHERE l.incident_id = $1 OR (l.target_kind = 'incident' AND l.target_id = $1) \
             ORDER BY l.linked_at, l.target_id"
        )
        .bind(incident_id)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(case, kind, target_id, linked_by, linked_at)| {
                let target = match kind.as_str() {
                    "finding" => LinkTarget::Finding(target_id),
                    _ if case == incident_id => LinkTarget::Incident(target_id),
                    _ => LinkTarget::Incident(case),
                };
                IncidentLink {
                    target,
                    linked_by,
                    linked_at,
                }
            })
            .collect())
    }
}
