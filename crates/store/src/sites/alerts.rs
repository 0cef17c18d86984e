//! Alerts: who hears about a site, in-app notifications, the digest's lines, and pruning the history.

use lanhmang_domain::Role;
use lanhmang_domain::paging::Paging;
use lanhmang_domain::supervision::AlertChange;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::{Backend, Result, Store, now, parse_path, path_range_of};

use super::*;

/// One in-app notification.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

/// Alerts of the last day in a subtree, for the office's digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub title: String,
    pub unit_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Store {
    /// Who hears about a site: its unit's website administrators and principal (by mail and
    /// in the app), and the office administrators of the nearest office above (in the app and
    /// the daily digest).
    pub(super) async fn alert_recipients(&self, site: &Site) -> Result<Vec<Recipient>> {
        let mut out: Vec<Recipient> = Vec::new();
        for (p, role) in self.people_with_roles_in_unit(site.unit_id).await? {
            if !p.disabled
                && matches!(role, Role::WebsiteAdmin | Role::Principal)
                && !out.iter().any(|r| r.person_id == p.id)
            {
                out.push(Recipient {
                    person_id: p.id,
                    name: p.display_name.clone(),
                    email: p.email.clone().filter(|e| !e.trim().is_empty()),
                    office: false,
                });
            }
        }
        for unit in site.ancestry.iter().rev().skip(1) {
            let office: Vec<_> = self
                .people_with_roles_in_unit(*unit)
                .await?
                .into_iter()
                .filter(|(p, role)| *role == Role::OfficeAdmin && !p.disabled)
                .collect();
            if office.is_empty() {
                continue;
            }
            for (p, _) in office {
                if !out.iter().any(|r| r.person_id == p.id) {
                    out.push(Recipient {
                        person_id: p.id,
                        name: p.display_name.clone(),
                        email: p.email.clone(),
                        office: true,
                    });
                }
            }
            break;
        }
        Ok(out)
    }
}

impl Store {
    // ----- Notifications -----

    pub async fn notifications(&self, person_id: i64, paging: Paging) -> Result<(Vec<Notification>, i64)> {
        let (rows, total) = on_pool!(self, pool => {
            let rows: Vec<Notification> = sqlx::query_as(
                "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE person_id = $1 \
                 ORDER BY id DESC LIMIT $2 OFFSET $3",
            )
            .bind(person_id)
            .bind(i64::from(paging.per_page))
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE person_id = $1")
                .bind(person_id)
                .fetch_one(pool)
                .await?;
            (rows, total)
        });
        Ok((rows, total))
    }

    pub async fn unread_notifications(&self, person_id: i64) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL")
                .bind(person_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Marks every notification of a person read; returns how many changed.
    pub async fn mark_notifications_read(&self, person_id: i64) -> Result<u64> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL")
                .bind(now())
                .bind(person_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// The office digest: alerts of the last day in the subtree of `ancestry`, at most `limit`.
    pub async fn alerts_since(&self, ancestry: &[i64], since: OffsetDateTime, limit: i64) -> Result<Vec<DigestLine>> {
        let (low, high) = path_range_of(ancestry);
        // One line per alert, however many people it reached.
        let rows: Vec<(String, String, OffsetDateTime)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT n.title, u.name, MIN(n.created_at) FROM notifications n JOIN units u ON u.id = n.unit_id \
                 WHERE n.created_at >= $1 AND u.path >= $2 AND u.path < $3 GROUP BY n.site_id, n.kind, n.title, u.name \
                 ORDER BY MIN(n.created_at) LIMIT $4",
            )
            .bind(since)
            .bind(&low)
            .bind(&high)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(title, unit_name, created_at)| DigestLine {
                title,
                unit_name,
                created_at,
            })
            .collect())
    }

    /// The offices that supervise sites: units holding office administrators with at least
    /// one site in their subtree. (unit id, ancestry, name)
    pub async fn supervising_offices(&self) -> Result<Vec<(i64, Vec<i64>, String)>> {
        let rows: Vec<(i64, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT o.id, o.path, o.name FROM role_grants g JOIN units o ON o.id = g.unit_id \
                 WHERE g.role = 'office_admin' AND EXISTS (SELECT 1 FROM sites s \
                 WHERE s.unit_path >= o.path AND s.unit_path < substr(o.path, 1, length(o.path) - 1) || '0')",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, path, name)| (id, parse_path(&path), name))
            .collect())
    }

    /// Keeps the history affordable at tens of thousands of sites: finished jobs go after a
    /// week, hourly checks after two weeks (full inspections stay, their details slimmed after
    /// 90 days), read notifications after 180 days. Returns the rows removed or slimmed.
    pub async fn prune_supervision_history(&self) -> Result<u64> {
        let t = now();
        let n = on_pool!(self, pool => {
            let mut n = 0;
            n += sqlx::query("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1")
                .bind(t - Duration::days(7))
                .execute(pool)
                .await?
                .rows_affected();
            n += sqlx::query("DELETE FROM site_inspections WHERE mode = 'check' AND finished_at < $1")
                .bind(t - Duration::days(14))
                .execute(pool)
                .await?
                .rows_affected();
            n += sqlx::query("UPDATE site_inspections SET detail = '{}' WHERE finished_at < $1 AND detail <> '{}'")
                .bind(t - Duration::days(90))
                .execute(pool)
                .await?
                .rows_affected();
            n += sqlx::query("DELETE FROM notifications WHERE read_at < $1")
                .bind(t - Duration::days(180))
                .execute(pool)
                .await?
                .rows_affected();
            n
        });
        // SQLite keeps no statistics by itself: refresh them once a day, so that the lists keep
        // choosing the right index as the tables grow (PostgreSQL's autovacuum does this).
        if let Backend::Sqlite(pool) = &self.backend {
            sqlx::raw_sql("PRAGMA optimize").execute(pool).await?;
        }
        Ok(n)
    }
}

/// Someone who hears about a site's alerts.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub person_id: i64,
    pub name: String,
    pub email: Option<String>,
    /// An office administrator above the site (reads alerts in the app and the digest).
    pub office: bool,
}

/// The words of an in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    pub title: String,
    pub body: String,
    /// Inside the application: a path (`/giam-sat/website/3`).
    pub link: String,
}

/// The words of a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

/// Who words an alert. The store writes the notices in the transaction that records a run but
/// does not word them: the texts (with absolute links in mail) belong to the use cases.
pub trait AlertTexts: Send + Sync {
    /// The in-app notification everyone concerned reads.
    fn notification(&self, site: &Site, change: AlertChange) -> NoticeText;
    /// The mail to one person of the site's own unit.
    fn mail(&self, site: &Site, change: AlertChange, to: &Recipient) -> MailText;
}
