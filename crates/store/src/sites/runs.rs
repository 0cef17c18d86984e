//! Runs: scheduling due inspections, "inspect now" requests and their progress, and storing a
//! run with everything that follows from it, in one transaction.

use crate::BeginWrite;
use std::collections::BTreeMap;

use lanhmang_domain::supervision::{self};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::{AuditContext, Backend, Result, Store, StoreError, now, parse_path, path_range_of};

use super::*;

/// One stored run.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InspectionRun {
    pub id: i64,
    pub site_id: i64,
    pub mode: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub reachable: bool,
    pub http_status: Option<i64>,
    pub grade: Option<String>,
    pub score: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub cert_expires_at: Option<OffsetDateTime>,
    pub pages_checked: i64,
    pub broken_links: i64,
    pub findings: i64,
    pub meets_standard: Option<bool>,
    pub elapsed_ms: i64,
    pub worker: String,
    #[serde(skip)]
    pub detail: String,
}

pub(super) const RUN_COLUMNS: &str = "id, site_id, mode, started_at, finished_at, reachable, http_status, grade, score, \
     cert_expires_at, pages_checked, broken_links, findings, meets_standard, elapsed_ms, worker, detail";

/// A finding as the inspector reported it, already filtered by the standard.
#[derive(Debug, Clone)]
pub struct FoundIssue {
    pub code: String,
    pub severity: String,
    pub evidence: String,
}

/// What a worker hands over after running one inspection job.
#[derive(Debug, Clone)]
pub struct InspectionRecord {
    pub site_id: i64,
    /// The job that ran it, with the worker holding its lease: the result is stored only while
    /// the worker still holds the lease, so a job is never recorded twice.
    pub job: Option<(i64, String)>,
    /// true: a full inspection; false: an hourly reachability check.
    pub full: bool,
    pub standard_id: Option<i64>,
    pub started_at: OffsetDateTime,
    pub reachable: bool,
    pub http_status: Option<i64>,
    pub grade: Option<String>,
    pub score: Option<i64>,
    pub cert_expires_at: Option<OffsetDateTime>,
    pub pages_checked: i64,
    pub broken_links: i64,
    pub elapsed_ms: i64,
    pub meets_standard: Option<bool>,
    pub compromised: bool,
    pub disclosure_gap: bool,
    pub issues: Vec<FoundIssue>,
    pub detail: String,
}

/// What recording a run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub inspection_id: i64,
    pub new_findings: usize,
    pub reopened: usize,
    pub resolved: usize,
    pub alerts: Vec<String>,
    pub notifications: usize,
    pub mails: usize,
}

/// An "inspect now" request and how far it got.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionProgress {
    pub id: i64,
    pub unit_id: i64,
    pub site_id: Option<i64>,
    #[serde(skip)]
    pub ancestry: Vec<i64>,
    pub total: i64,
    pub done: i64,
    pub finished: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Store {
    // ----- Scheduling -----

    /// Queues the inspections that are due: full ones, and reachability checks for sites whose
    /// full inspection is not due. Sites on the same host are spaced `politeness` apart. The
    /// due sites are moved forward in the same transaction, so two schedulers never queue the
    /// same site twice. Returns (full, check) counts.
    pub async fn schedule_due_inspections(&self, limit: i64, politeness: Duration) -> Result<(usize, usize)> {
        let t = now();
        let mut counts = (0, 0);
        for full in [true, false] {
            let (due_col, interval_col) = if full {
                ("next_full_at", "full_interval_minutes")
            } else {
                ("next_check_at", "check_interval_minutes")
            };
            let lock = match self.backend {
                Backend::Sqlite(_) => "",
                Backend::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            };
            let select = format!(
                "SELECT id, host, {interval_col}, consecutive_failures FROM sites \
                 WHERE active AND {due_col} <= $1 ORDER BY {due_col}, id LIMIT $2{lock}"
            );
            let update = format!("UPDATE sites SET {due_col} = $1 WHERE id = $2");
            let n = on_pool!(self, pool => {
                // A write transaction from the start: see `BeginWrite`.
                let mut tx = pool.begin_write().await?;
                let due: Vec<(i64, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(select.as_str()))
                    .bind(t)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut per_host: BTreeMap<String, i32> = BTreeMap::new();
                let mut queued = 0;
                for (id, host, interval, failures) in &due {
                    let next = if full {
                        t + Duration::minutes(*interval)
                    } else {
                        t + Duration::minutes(supervision::check_backoff_minutes(*interval, *failures))
                    };
                    sqlx::query(sqlx::AssertSqlSafe(update.as_str())).bind(next).bind(id).execute(&mut *tx).await?;
                    let slot = per_host.entry(host.clone()).or_insert(0);
                    let run_at = t + politeness * *slot;
                    *slot += 1;
                    let mode = if full { "full" } else { "check" };
                    let payload = format!("{{\"site_id\":{id},\"mode\":\"{mode}\"}}");
                    // A full inspection also answers "is it reachable": no check beside it.
                    let key = format!("inspect:{id}");
                    let inserted = sqlx::query(
                        "INSERT INTO jobs (kind, payload, state, dedup_key, run_at, created_at) VALUES ($1, $2, 'queued', $3, $4, $5) \
                         ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING",
                    )
                    .bind(INSPECT_SITE_JOB)
                    .bind(&payload)
                    .bind(&key)
                    .bind(run_at)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    queued += inserted as usize;
                    if inserted == 0 && full {
                        // A check waits in the queue: it becomes the full inspection. A job
                        // already running cannot be changed: the full one is tried again soon.
                        let upgraded = sqlx::query(
                            "UPDATE jobs SET payload = $1 WHERE dedup_key = $2 AND state = 'queued'",
                        )
                        .bind(&payload)
                        .bind(&key)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if upgraded == 0 {
                            sqlx::query("UPDATE sites SET next_full_at = $1 WHERE id = $2")
                                .bind(t + Duration::minutes(5))
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                tx.commit().await?;
                queued
            });
            if full {
                counts.0 = n;
            } else {
                counts.1 = n;
            }
        }
        Ok(counts)
    }

    /// "Inspect now": queues a full inspection of one site, or of every active site in a
    /// unit's subtree, ahead of the schedule. Returns the request, whose progress can be read.
    pub async fn request_inspection(
        &self,
        ctx: &AuditContext,
        unit_ancestry: &[i64],
        site_id: Option<i64>,
    ) -> Result<i64> {
        let unit_id = *unit_ancestry.last().ok_or(StoreError::NotFound("đơn vị"))?;
        let (low, high) = path_range_of(unit_ancestry);
        let t = now();
        let ids: Vec<(i64,)> = on_pool!(self, pool => {
            match site_id {
                Some(id) => sqlx::query_as("SELECT id FROM sites WHERE id = $1").bind(id).fetch_all(pool).await?,
                None => sqlx::query_as(
                    "SELECT s.id FROM sites s WHERE s.active AND s.unit_path >= $1 AND s.unit_path < $2",
                )
                .bind(&low)
                .bind(&high)
                .fetch_all(pool)
                .await?,
            }
        });
        if ids.is_empty() {
            return Err(StoreError::Conflict(
                "Không có website nào đang được theo dõi trong phạm vi này.".into(),
            ));
        }
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (request_id,): (i64,) = sqlx::query_as(
                "INSERT INTO inspection_requests (unit_id, site_id, total, requested_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(unit_id)
            .bind(site_id)
            .bind(ids.len() as i64)
            .bind(ctx.actor_id)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?;
            for chunk in ids.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO jobs (kind, payload, state, dedup_key, run_at, created_at) ");
                qb.push_values(chunk, |mut b, (site,)| {
                    b.push_bind(INSPECT_SITE_JOB)
                        .push_bind(format!("{{\"site_id\":{site},\"mode\":\"full\",\"request_id\":{request_id}}}"))
                        .push_bind("queued")
                        .push_bind(format!("inspect:{site}"))
                        .push_bind(t)
                        .push_bind(t);
                });
                qb.push(" ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING");
                qb.build().execute(&mut *tx).await?;
            }
            // A site whose scheduled job waits (a check, or a retry later on) is brought forward
            // and made a full inspection.
            sqlx::query(
                "UPDATE jobs SET run_at = $1, payload = REPLACE(payload, '\"check\"', '\"full\"') \
                 WHERE kind = $2 AND state = 'queued' AND dedup_key IN \
                 (SELECT 'inspect:' || CAST(s.id AS TEXT) FROM sites s \
                  WHERE ($3 = 0 OR s.id = $3) AND s.unit_path >= $4 AND s.unit_path < $5)",
            )
            .bind(t)
            .bind(INSPECT_SITE_JOB)
            .bind(site_id.unwrap_or(0))
            .bind(&low)
            .bind(&high)
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "inspection.request",
                format!("inspection_request:{request_id}"),
                format!("{} website (đơn vị {unit_id})", ids.len())
            );
            tx.commit().await?;
            request_id
        });
        Ok(id)
    }

    /// How far a request got: the sites in its scope inspected in full since it was made.
    pub async fn inspection_progress(&self, id: i64) -> Result<Option<InspectionProgress>> {
        let row: Option<(i64, i64, Option<i64>, i64, OffsetDateTime, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.id, r.unit_id, r.site_id, r.total, r.created_at, u.path FROM inspection_requests r \
                 JOIN units u ON u.id = r.unit_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let Some((id, unit_id, site_id, total, created_at, path)) = row else {
            return Ok(None);
        };
        let ancestry = parse_path(&path);
        let (low, high) = path_range_of(&ancestry);
        let (done,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*) FROM sites s \
                 WHERE ($1 = 0 OR s.id = $1) AND s.unit_path >= $2 AND s.unit_path < $3 AND s.created_at <= $4 AND s.last_full_at >= $4",
            )
            .bind(site_id.unwrap_or(0))
            .bind(&low)
            .bind(&high)
            .bind(created_at)
            .fetch_one(pool)
            .await?
        });
        let done = done.min(total);
        Ok(Some(InspectionProgress {
            id,
            unit_id,
            site_id,
            ancestry,
            total,
            done,
            finished: done >= total,
            created_at,
        }))
    }
}

impl Store {
    /// A site's runs, newest first.
    pub async fn site_runs(&self, site_id: i64, full_only: bool, limit: i64) -> Result<Vec<InspectionRun>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM site_inspections WHERE site_id = $1 {} ORDER BY id DESC LIMIT $2",
            if full_only { "AND mode = 'full'" } else { "" }
        );
        let rows = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(site_id).bind(limit).fetch_all(pool).await?
        });
        Ok(rows)
    }

    pub async fn inspection_run(&self, id: i64) -> Result<Option<InspectionRun>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM site_inspections WHERE id = $1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row)
    }

    /// Every stored run of a job (tests and benchmarks count duplicates with it).
    pub async fn runs_per_job(&self) -> Result<Vec<(i64, i64)>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as("SELECT job_id, COUNT(*) FROM site_inspections WHERE job_id IS NOT NULL GROUP BY job_id HAVING COUNT(*) > 1")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}
