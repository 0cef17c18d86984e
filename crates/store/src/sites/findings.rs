//! Findings with their history: lists, one finding, and moving one along (acknowledged, fixed).

use crate::BeginWrite;
use lanhmang_domain::paging::Paging;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{AuditContext, Result, Store, StoreError, now, parse_path};

use super::*;

/// A finding with its history.
#[derive(Debug, Clone, Serialize)]
pub struct SiteFinding {
    pub id: i64,
    pub site_id: i64,
    pub site_url: String,
    pub unit_id: i64,
    pub unit_name: String,
    #[serde(skip)]
    pub ancestry: Vec<i64>,
    pub code: String,
    pub severity: String,
    pub state: String,
    pub evidence: String,
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub fixed_at: Option<OffsetDateTime>,
    pub reopened: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct FindingRow {
    id: i64,
    site_id: i64,
    site_url: String,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    code: String,
    severity: String,
    state: String,
    evidence: String,
    first_seen_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    resolved_at: Option<OffsetDateTime>,
    acknowledged_at: Option<OffsetDateTime>,
    fixed_at: Option<OffsetDateTime>,
    reopened: i64,
}

impl From<FindingRow> for SiteFinding {
    fn from(r: FindingRow) -> SiteFinding {
        SiteFinding {
            id: r.id,
            site_id: r.site_id,
            site_url: r.site_url,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            ancestry: parse_path(&r.unit_path),
            code: r.code,
            severity: r.severity,
            state: r.state,
            evidence: r.evidence,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            resolved_at: r.resolved_at,
            acknowledged_at: r.acknowledged_at,
            fixed_at: r.fixed_at,
            reopened: r.reopened,
        }
    }
}

pub(super) const FINDING_COLUMNS: &str = "f.id, f.site_id, s.url AS site_url, s.unit_id, u.name AS unit_name, s.unit_path, \
     f.code, f.severity, f.state, f.evidence, f.first_seen_at, f.last_seen_at, f.resolved_at, f.acknowledged_at, \
     f.fixed_at, f.reopened";

/// Filters of the finding list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub roots: Vec<i64>,
    pub unit_ancestry: Option<Vec<i64>>,
    pub site_id: Option<i64>,
    /// open, acknowledged, fixed, resolved; None: every finding not resolved.
    pub state: Option<String>,
}

impl Store {
    // ----- Findings -----

    pub async fn list_findings(&self, filter: &FindingFilter, paging: Paging) -> Result<(Vec<SiteFinding>, i64)> {
        let ranges = self.site_scope(&filter.roots).await?;
        let (mut conditions, mut binds) = scope_sql(&ranges, filter.unit_ancestry.as_deref(), 1);
        match &filter.state {
            Some(state) => {
                conditions.push(format!("f.state = ${}", 1 + binds.len()));
                binds.push(Arg::Text(state.clone()));
            }
            None => conditions.push("f.state <> 'resolved'".into()),
        }
        if let Some(site) = filter.site_id {
            conditions.push(format!("f.site_id = ${}", 1 + binds.len()));
            binds.push(Arg::Int(site));
        }
        let next = 1 + binds.len();
        let from = format!(
            "FROM site_findings f JOIN sites s ON s.id = f.site_id JOIN units u ON u.id = s.unit_id WHERE {}",
            conditions.join(" AND ")
        );
        let count_sql = format!("SELECT COUNT(*) {from}");
        let list_sql = format!(
            "SELECT {FINDING_COLUMNS} {from} ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 \
             WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, f.last_seen_at DESC, f.id LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let (total, rows): (i64, Vec<FindingRow>) = on_pool!(self, pool => {
            let count = bind_args!(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str())).persistent(false), &binds);
            let list = bind_args!(sqlx::query_as::<_, FindingRow>(sqlx::AssertSqlSafe(list_sql.as_str())).persistent(false), &binds);
            let (total,) = count.fetch_one(pool).await?;
            (total, list.bind(i64::from(paging.per_page)).bind(paging.offset()).fetch_all(pool).await?)
        });
        Ok((rows.into_iter().map(SiteFinding::from).collect(), total))
    }

    pub async fn site_finding(&self, id: i64) -> Result<Option<SiteFinding>> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM site_findings f JOIN sites s ON s.id = f.site_id JOIN units u ON u.id = s.unit_id WHERE f.id = $1"
        );
        let row: Option<FindingRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row.map(SiteFinding::from))
    }

    /// The website administrator has seen the finding and takes it on.
    pub async fn acknowledge_finding(&self, ctx: &AuditContext, id: i64) -> Result<SiteFinding> {
        self.move_finding(ctx, id, "acknowledged").await
    }

    /// The administrator says it is fixed; a full inspection of the site is queued at once, and
    /// its result confirms (resolved) or reopens the finding.
    pub async fn mark_finding_fixed(&self, ctx: &AuditContext, id: i64) -> Result<SiteFinding> {
        self.move_finding(ctx, id, "fixed").await
    }

    async fn move_finding(&self, ctx: &AuditContext, id: i64, to: &'static str) -> Result<SiteFinding> {
        let t = now();
        let (by_col, at_col, from_states) = match to {
            "acknowledged" => ("acknowledged_by", "acknowledged_at", "('open')"),
            _ => ("fixed_by", "fixed_at", "('open', 'acknowledged')"),
        };
        let sql = format!(
            "UPDATE site_findings SET state = $1, {by_col} = $2, {at_col} = $3 WHERE id = $4 AND state IN {from_states} RETURNING site_id"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(to)
                .bind(ctx.actor_id)
                .bind(t)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((site_id,)) = row else {
                return Err(StoreError::Conflict(match to {
                    "acknowledged" => "Phát hiện này đã được ghi nhận, đã báo sửa hoặc đã được xử lý.".into(),
                    _ => "Phát hiện này đã được báo sửa hoặc đã được xử lý.".into(),
                }));
            };
            if to == "fixed" {
                sqlx::query(
                    "INSERT INTO jobs (kind, payload, state, dedup_key, run_at, created_at) VALUES ($1, $2, 'queued', $3, $4, $4) \
                     ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING",
                )
                .bind(INSPECT_SITE_JOB)
                .bind(format!("{{\"site_id\":{site_id},\"mode\":\"full\"}}"))
                .bind(format!("inspect:{site_id}"))
                .bind(t)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE jobs SET run_at = $1, payload = REPLACE(payload, '\"check\"', '\"full\"') WHERE dedup_key = $2 AND state = 'queued'")
                    .bind(t)
                    .bind(format!("inspect:{site_id}"))
                    .execute(&mut *tx)
                    .await?;
            }
            audit_in_tx!(self, tx, ctx, if to == "fixed" { "finding.fixed" } else { "finding.acknowledge" }, format!("finding:{id}"), format!("site:{site_id}"));
            tx.commit().await?;
        });
        self.site_finding(id).await?.ok_or(StoreError::NotFound("phát hiện"))
    }
}
