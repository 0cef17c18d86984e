//! The registry: registering a site, reading it, the list with its filters, the office
//! overview and the figures the yearly report reads.

use crate::BeginWrite;
use lanhmang_domain::paging::Paging;
use lanhmang_domain::supervision::{self, SiteKind, SiteState, StandardRules};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::{AuditContext, Result, Store, StoreError, now, parse_path};

use super::*;

/// A registered web property with its latest state.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// The owning unit's ancestry, root first.
    pub ancestry: Vec<i64>,
    pub url: String,
    pub host: String,
    pub kind: SiteKind,
    pub name: String,
    pub active: bool,
    pub full_interval_minutes: i64,
    pub check_interval_minutes: i64,
    /// The headline: worst open finding, reachability, the standard's verdict.
    pub state: SiteState,
    pub status: String,
    pub grade: Option<String>,
    pub score: Option<i64>,
    pub reachable: Option<bool>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_full_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_check_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub cert_expires_at: Option<OffsetDateTime>,
    pub compromised: bool,
    pub disclosure_gap: bool,
    pub meets_standard: Option<bool>,
    pub open_findings: i64,
    pub consecutive_failures: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_full_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(super) struct SiteRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    url: String,
    host: String,
    kind: String,
    name: String,
    active: bool,
    full_interval_minutes: i64,
    check_interval_minutes: i64,
    state: String,
    status: String,
    grade: Option<String>,
    score: Option<i64>,
    last_full_at: Option<OffsetDateTime>,
    last_check_at: Option<OffsetDateTime>,
    cert_expires_at: Option<OffsetDateTime>,
    compromised: bool,
    disclosure_gap: bool,
    meets_standard: Option<bool>,
    open_findings: i64,
    consecutive_failures: i64,
    next_full_at: OffsetDateTime,
}

pub(super) const SITE_COLUMNS: &str = "s.id, s.unit_id, u.name AS unit_name, s.unit_path, s.url, s.host, s.kind, s.name, \
     s.active, s.full_interval_minutes, s.check_interval_minutes, s.state, s.status, s.grade, s.score, s.last_full_at, \
     s.last_check_at, s.cert_expires_at, s.compromised, s.disclosure_gap, s.meets_standard, s.open_findings, \
     s.consecutive_failures, s.next_full_at";

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;
    fn try_from(r: SiteRow) -> Result<Site> {
        let kind = SiteKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("loại website {}", r.kind)))?;
        let state =
            SiteState::parse(&r.state).ok_or_else(|| StoreError::Corrupt(format!("tình trạng website {}", r.state)))?;
        Ok(Site {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            ancestry: parse_path(&r.unit_path),
            url: r.url,
            host: r.host,
            kind,
            name: r.name,
            active: r.active,
            full_interval_minutes: r.full_interval_minutes,
            check_interval_minutes: r.check_interval_minutes,
            state,
            reachable: match r.status.as_str() {
                "up" => Some(true),
                "down" => Some(false),
                _ => None,
            },
            status: r.status,
            grade: r.grade,
            score: r.score,
            last_full_at: r.last_full_at,
            last_check_at: r.last_check_at,
            cert_expires_at: r.cert_expires_at,
            compromised: r.compromised,
            disclosure_gap: r.disclosure_gap,
            meets_standard: r.meets_standard,
            open_findings: r.open_findings,
            consecutive_failures: r.consecutive_failures,
            next_full_at: r.next_full_at,
        })
    }
}

/// A site to register; the URL is already normalised (see `domain::supervision`).
#[derive(Debug, Clone)]
pub struct NewSite {
    pub unit_id: i64,
    pub url: String,
    pub host: String,
    pub kind: SiteKind,
    pub name: String,
}

/// What registering did.
#[derive(Debug, Clone)]
pub enum Registered {
    Added(Site),
    /// The address was registered already (perhaps by another unit): nothing was added.
    Duplicate(Site),
}

/// Filters of the site list; `roots` is the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct SiteFilter {
    pub roots: Vec<i64>,
    /// Narrow to one unit's subtree (inside the scope).
    pub unit_ancestry: Option<Vec<i64>>,
    pub grade: Option<String>,
    /// pending, up, down
    pub status: Option<String>,
    /// The headline state.
    pub state: Option<SiteState>,
    /// cert (expiring within 30 days or expired), compromised, disclosure, failing (not meeting the standard)
    pub problem: Option<String>,
    /// Part of the address, lower case.
    pub q: Option<String>,
}

/// The office overview: every figure over the sites in scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overview {
    pub total: i64,
    pub pending: i64,
    pub up: i64,
    pub down: i64,
    pub cert_expiring: i64,
    pub cert_expired: i64,
    pub compromised: i64,
    pub disclosure_gap: i64,
    pub meets_standard: i64,
    pub failing_standard: i64,
    pub open_findings: i64,
    /// (grade, sites), best grade first; sites never graded are not counted.
    pub grades: Vec<(String, i64)>,
    /// (state, sites) for every state, worst first (zero included).
    pub states: Vec<(SiteState, i64)>,
}

impl Store {
    pub(super) async fn site_scope(&self, roots: &[i64]) -> Result<Vec<(String, String)>> {
        self.subtree_ranges(roots).await
    }

    /// Registers a site; a URL registered already is reported, not added twice.
    pub async fn add_site(&self, ctx: &AuditContext, site: &NewSite, rules: &StandardRules) -> Result<Registered> {
        let t = now();
        let inserted: Option<(i64,)> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO sites (unit_id, unit_path, url, host, kind, name, full_interval_minutes, check_interval_minutes, \
                 next_full_at, next_check_at, created_by, created_at, updated_at, state, list_rank) \
                 VALUES ($1, (SELECT path FROM units WHERE id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $8, $11, $12) \
                 ON CONFLICT (url) DO NOTHING RETURNING id",
            )
            .bind(site.unit_id)
            .bind(&site.url)
            .bind(&site.host)
            .bind(site.kind.as_str())
            .bind(site.name.trim())
            .bind(i64::from(rules.full_interval_hours) * 60)
            .bind(i64::from(rules.check_interval_minutes))
            .bind(t)
            .bind(t + Duration::minutes(i64::from(rules.check_interval_minutes)))
            .bind(ctx.actor_id)
            .bind(SiteState::NotYetInspected.as_str())
            .bind(SiteState::NotYetInspected.rank())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((id,)) = row {
                audit_in_tx!(self, tx, ctx, "site.add", format!("site:{id}"), format!("{} (đơn vị {})", site.url, site.unit_id));
            }
            tx.commit().await?;
            row
        });
        match inserted {
            Some((id,)) => Ok(Registered::Added(
                self.site(id).await?.ok_or(StoreError::NotFound("website"))?,
            )),
            None => {
                let existing = self
                    .site_by_url(&site.url)
                    .await?
                    .ok_or(StoreError::NotFound("website"))?;
                Ok(Registered::Duplicate(existing))
            }
        }
    }

    pub async fn site(&self, id: i64) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites s JOIN units u ON u.id = s.unit_id WHERE s.id = $1");
        let row: Option<SiteRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        row.map(Site::try_from).transpose()
    }

    pub async fn site_by_url(&self, url: &str) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites s JOIN units u ON u.id = s.unit_id WHERE s.url = $1");
        let row: Option<SiteRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(url).fetch_optional(pool).await?);
        row.map(Site::try_from).transpose()
    }

    /// A unit's own sites (not its subtree's).
    pub async fn unit_sites(&self, unit_id: i64) -> Result<Vec<Site>> {
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM sites s JOIN units u ON u.id = s.unit_id WHERE s.unit_id = $1 ORDER BY s.id"
        );
        let rows: Vec<SiteRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(unit_id).fetch_all(pool).await?);
        rows.into_iter().map(Site::try_from).collect()
    }

    /// Points a site at a new address of the same host (the demo's simulated sites after a
    /// restart on other ports). Not for people: a new address is a new registration.
    pub async fn repoint_site(&self, id: i64, url: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE sites SET url = $1, updated_at = $2 WHERE id = $3")
                .bind(url)
                .bind(now())
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Changes a site's schedule (audited). Whether it is followed at all is the office's
    /// decision, [`Store::set_site_monitoring`].
    pub async fn update_site_schedule(
        &self,
        ctx: &AuditContext,
        id: i64,
        full_interval_minutes: i64,
        check_interval_minutes: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE sites SET full_interval_minutes = $1, check_interval_minutes = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(full_interval_minutes)
            .bind(check_interval_minutes)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("website"));
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                "site.schedule",
                format!("site:{id}"),
                format!("đầy đủ mỗi {full_interval_minutes} phút, truy cập mỗi {check_interval_minutes} phút")
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stops or resumes following a site, with the reason, audited in the same transaction.
    /// Resuming schedules a check at once.
    pub async fn set_site_monitoring(&self, ctx: &AuditContext, id: i64, active: bool, reason: &str) -> Result<()> {
        let t = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE sites SET active = $1, updated_at = $2, \
                 next_check_at = CASE WHEN $1 THEN $2 ELSE next_check_at END WHERE id = $3",
            )
            .bind(active)
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("website"));
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                if active { "site.monitoring_resume" } else { "site.monitoring_stop" },
                format!("site:{id}"),
                format!("{}: {reason}", if active { "theo dõi lại" } else { "dừng theo dõi" })
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// A page of sites in scope, worst first (down, then failing the standard, then by address).
    pub async fn list_sites(&self, filter: &SiteFilter, paging: Paging) -> Result<(Vec<Site>, i64)> {
        let ranges = self.site_scope(&filter.roots).await?;
        let (mut conditions, mut binds) = scope_sql(&ranges, filter.unit_ancestry.as_deref(), 1);
        site_conditions(filter, &mut conditions, &mut binds, 1);
        let filter_sql = format!("FROM sites s WHERE {}", conditions.join(" AND "));
        let count_sql = format!("SELECT COUNT(*) {filter_sql}");
        let n = binds.len();
        // The page is chosen on the sites alone; only its rows meet their unit's name.
        let list_sql = format!(
            "SELECT {SITE_COLUMNS} FROM (SELECT s.* {filter_sql} ORDER BY s.list_rank, s.id LIMIT ${} OFFSET ${}) s \
             JOIN units u ON u.id = s.unit_id ORDER BY s.list_rank, s.id",
            n + 1,
            n + 2
        );
        let (total, rows): (i64, Vec<SiteRow>) = on_pool!(self, pool => {
            // PostgreSQL plans a subtree range well only with its values (a custom plan).
            let count = bind_args!(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str())).persistent(false), &binds);
            let list = bind_args!(sqlx::query_as::<_, SiteRow>(sqlx::AssertSqlSafe(list_sql.as_str())).persistent(false), &binds);
            let (total,) = count.fetch_one(pool).await?;
            let rows = list.bind(i64::from(paging.per_page)).bind(paging.offset()).fetch_all(pool).await?;
            (total, rows)
        });
        Ok((rows.into_iter().map(Site::try_from).collect::<Result<_>>()?, total))
    }

    /// Every figure of the office overview, in one pass over the sites in scope (grouped by
    /// grade, summed here), reading only the `sites_scope` index.
    pub async fn sites_overview(&self, roots: &[i64], unit: Option<&[i64]>) -> Result<Overview> {
        let ranges = self.site_scope(roots).await?;
        let (conditions, mut binds) = scope_sql(&ranges, unit, 3);
        let t = now();
        let sql = format!(
            "SELECT s.grade, COUNT(*), \
             COALESCE(SUM(CASE WHEN s.status = 'pending' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.status = 'up' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.status = 'down' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.cert_expires_at >= $1 AND s.cert_expires_at < $2 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.cert_expires_at < $1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.compromised THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.disclosure_gap THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.meets_standard THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN s.meets_standard = FALSE THEN 1 ELSE 0 END), 0), \
             CAST(COALESCE(SUM(s.open_findings), 0) AS BIGINT) \
             FROM sites s WHERE s.active AND {} GROUP BY s.grade",
            conditions.join(" AND ")
        );
        let mut all = vec![Arg::Time(t), Arg::Time(t + Duration::days(30))];
        all.append(&mut binds);
        type Figures = (Option<String>, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let groups: Vec<Figures> = on_pool!(self, pool => {
            let q = bind_args!(sqlx::query_as::<_, Figures>(sqlx::AssertSqlSafe(sql.as_str())).persistent(false), &all);
            q.fetch_all(pool).await?
        });
        let mut o = Overview::default();
        for g in groups {
            o.total += g.1;
            o.pending += g.2;
            o.up += g.3;
            o.down += g.4;
            o.cert_expiring += g.5;
            o.cert_expired += g.6;
            o.compromised += g.7;
            o.disclosure_gap += g.8;
            o.meets_standard += g.9;
            o.failing_standard += g.10;
            o.open_findings += g.11;
            if let Some(grade) = g.0 {
                o.grades.push((grade, g.1));
            }
        }
        o.grades.sort_by_key(|(g, _)| supervision::grade_rank(g));
        // The states from their own index (unit_path, active, state).
        let (conditions, binds) = scope_sql(&ranges, unit, 1);
        let sql = format!(
            "SELECT s.state, COUNT(*) FROM sites s WHERE s.active AND {} GROUP BY s.state",
            conditions.join(" AND ")
        );
        let counts: Vec<(String, i64)> = on_pool!(self, pool => {
            let q = bind_args!(sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql.as_str())).persistent(false), &binds);
            q.fetch_all(pool).await?
        });
        o.states = SiteState::ALL
            .into_iter()
            .map(|st| {
                let n = counts.iter().filter(|(c, _)| c == st.as_str()).map(|(_, n)| *n).sum();
                (st, n)
            })
            .collect();
        Ok(o)
    }

    /// How many of a school's own sites there are, and how many meet the standard (for the
    /// yearly report's S4.1 indicator).
    pub async fn unit_website_facts(&self, unit_id: i64) -> Result<(i64, i64)> {
        let row: (i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN meets_standard THEN 1 ELSE 0 END), 0) \
                 FROM sites WHERE unit_id = $1 AND active AND kind = 'website' AND status <> 'pending'",
            )
            .bind(unit_id)
            .fetch_one(pool)
            .await?
        });
        Ok(row)
    }
}
