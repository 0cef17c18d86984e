//! Website supervision: the registry of web properties, inspection standards, runs, findings
//! with their history, alerts (in-app notifications and mail) and "inspect now" requests.
//!
//! The overview and the site list read only the `sites` table, which every run updates with
//! the latest state, so they stay fast at tens of thousands of sites.

use std::collections::BTreeMap;

use lanhmang_domain::Role;
use lanhmang_domain::paging::Paging;
use lanhmang_domain::supervision::{self, AlertChange, AlertFlag, SiteKind, StandardRules};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::outbox::NewMail;
use crate::{AuditContext, Backend, Result, Store, StoreError, now, parse_path, path_range_of, range_condition};

/// The job kind that inspects one site.
pub const INSPECT_SITE_JOB: &str = "inspect_site";

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
struct SiteRow {
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

const SITE_COLUMNS: &str = "s.id, s.unit_id, u.name AS unit_name, s.unit_path, s.url, s.host, s.kind, s.name, \
     s.active, s.full_interval_minutes, s.check_interval_minutes, s.status, s.grade, s.score, s.last_full_at, \
     s.last_check_at, s.cert_expires_at, s.compromised, s.disclosure_gap, s.meets_standard, s.open_findings, \
     s.consecutive_failures, s.next_full_at";

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;
    fn try_from(r: SiteRow) -> Result<Site> {
        let kind = SiteKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("loại website {}", r.kind)))?;
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
}

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

const RUN_COLUMNS: &str = "id, site_id, mode, started_at, finished_at, reachable, http_status, grade, score, \
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
struct FindingRow {
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

const FINDING_COLUMNS: &str = "f.id, f.site_id, s.url AS site_url, s.unit_id, u.name AS unit_name, s.unit_path, \
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

/// A version of an office's standard.
#[derive(Debug, Clone, Serialize)]
pub struct Standard {
    pub id: i64,
    pub unit_id: i64,
    pub version: i64,
    pub rules: StandardRules,
    pub note: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct StandardRow {
    id: i64,
    unit_id: i64,
    version: i64,
    rules: String,
    note: String,
    created_at: OffsetDateTime,
}

impl TryFrom<StandardRow> for Standard {
    type Error = StoreError;
    fn try_from(r: StandardRow) -> Result<Standard> {
        let rules = serde_json::from_str(&r.rules).map_err(|e| StoreError::Corrupt(format!("bộ tiêu chí: {e}")))?;
        Ok(Standard {
            id: r.id,
            unit_id: r.unit_id,
            version: r.version,
            rules,
            note: r.note,
            created_at: r.created_at,
        })
    }
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

/// A domain of the inventory.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DomainRow {
    pub host: String,
    pub sites: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub cert_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub registration_expires_at: Option<OffsetDateTime>,
    pub registrar: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
    pub check_error: Option<String>,
}

/// Alerts of the last day in a subtree, for the office's digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub title: String,
    pub unit_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A query argument of a dynamically built statement.
#[derive(Debug, Clone)]
enum Arg {
    Text(String),
    Int(i64),
    Time(OffsetDateTime),
}

/// Binds every argument, in order, onto a query built with `sqlx::query_as`.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Int(v) => q.bind(*v),
                Arg::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// The scope as conditions on the sites' own copy of their unit's path (`s.unit_path`), so that
/// a subtree is one range of the sites' index, with no join.
fn scope_sql(roots_ranges: &[(String, String)], unit: Option<&[i64]>, first: usize) -> (Vec<String>, Vec<Arg>) {
    let (scope, binds) = range_condition("s.unit_path", roots_ranges, first);
    let mut binds: Vec<Arg> = binds.into_iter().map(Arg::Text).collect();
    let mut conditions = vec![scope];
    if let Some(ancestry) = unit {
        let (low, high) = path_range_of(ancestry);
        let a = first + binds.len();
        conditions.push(format!("s.unit_path >= ${a} AND s.unit_path < ${}", a + 1));
        binds.push(Arg::Text(low));
        binds.push(Arg::Text(high));
    }
    (conditions, binds)
}

/// The filters of the site list, as SQL conditions over `s` and their arguments.
fn site_conditions(filter: &SiteFilter, conditions: &mut Vec<String>, binds: &mut Vec<Arg>, first: usize) {
    let push = |c: &str, v: Arg, conditions: &mut Vec<String>, binds: &mut Vec<Arg>| {
        let next = first + binds.len();
        conditions.push(c.replace("$?", &format!("${next}")));
        binds.push(v);
    };
    if let Some(g) = &filter.grade {
        if g == "none" {
            conditions.push("s.grade IS NULL".into());
        } else {
            push("s.grade = $?", Arg::Text(g.clone()), conditions, binds);
        }
    }
    if let Some(st) = &filter.status {
        push("s.status = $?", Arg::Text(st.clone()), conditions, binds);
    }
    if let Some(q) = &filter.q {
        push(
            "s.url LIKE $? ESCAPE '\\'",
            Arg::Text(format!("%{}%", crate::like_escape(&q.to_lowercase()))),
            conditions,
            binds,
        );
    }
    match filter.problem.as_deref() {
        Some("cert") => {
            push(
                "s.cert_expires_at IS NOT NULL AND s.cert_expires_at < $?",
                Arg::Time(now() + Duration::days(30)),
                conditions,
                binds,
            );
        }
        Some("compromised") => conditions.push("s.compromised = TRUE".into()),
        Some("disclosure") => conditions.push("s.disclosure_gap = TRUE".into()),
        Some("failing") => conditions.push("s.meets_standard = FALSE".into()),
        _ => {}
    }
}

impl Store {
    async fn site_scope(&self, roots: &[i64]) -> Result<Vec<(String, String)>> {
        self.subtree_ranges(roots).await
    }

    /// Registers a site; a URL registered already is reported, not added twice.
    pub async fn add_site(&self, ctx: &AuditContext, site: &NewSite, rules: &StandardRules) -> Result<Registered> {
        let t = now();
        let inserted: Option<(i64,)> = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO sites (unit_id, unit_path, url, host, kind, name, full_interval_minutes, check_interval_minutes, \
                 next_full_at, next_check_at, created_by, created_at, updated_at) \
                 VALUES ($1, (SELECT path FROM units WHERE id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $8) \
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
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((id,)) = row {
                audit_in_tx!(tx, ctx, "site.add", format!("site:{id}"), format!("{} (đơn vị {})", site.url, site.unit_id));
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

    /// Changes a site's schedule or switches it off (audited).
    pub async fn update_site(
        &self,
        ctx: &AuditContext,
        id: i64,
        active: bool,
        full_interval_minutes: i64,
        check_interval_minutes: i64,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE sites SET active = $1, full_interval_minutes = $2, check_interval_minutes = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(active)
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
                tx,
                ctx,
                "site.update",
                format!("site:{id}"),
                format!("theo dõi: {active}, đầy đủ mỗi {full_interval_minutes} phút, truy cập mỗi {check_interval_minutes} phút")
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

    // ----- Standards -----

    /// The standard in force for a unit: the latest version set by the nearest unit above it
    /// (or by itself); None means the built-in default.
    pub async fn standard_for(&self, ancestry: &[i64]) -> Result<Option<Standard>> {
        if ancestry.is_empty() {
            return Ok(None);
        }
        let list: Vec<String> = (1..=ancestry.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, unit_id, version, rules, note, created_at FROM inspection_standards \
             WHERE unit_id IN ({}) ORDER BY version DESC",
            list.join(", ")
        );
        let rows: Vec<StandardRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, StandardRow>(sqlx::AssertSqlSafe(sql.as_str()));
            for id in ancestry {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        // Nearest unit first; for it, the highest version (rows are ordered by version).
        let mut rows = rows;
        for unit in ancestry.iter().rev() {
            if let Some(i) = rows.iter().position(|r| r.unit_id == *unit) {
                return Standard::try_from(rows.swap_remove(i)).map(Some);
            }
        }
        Ok(None)
    }

    /// Every version an office saved, newest first.
    pub async fn standard_versions(&self, unit_id: i64) -> Result<Vec<Standard>> {
        let rows: Vec<StandardRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, unit_id, version, rules, note, created_at FROM inspection_standards \
                 WHERE unit_id = $1 ORDER BY version DESC",
            )
            .bind(unit_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Standard::try_from).collect()
    }

    pub async fn standard(&self, id: i64) -> Result<Option<Standard>> {
        let row: Option<StandardRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, unit_id, version, rules, note, created_at FROM inspection_standards WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Standard::try_from).transpose()
    }

    /// Saves a new version of an office's standard. `based_on` is the version the editor
    /// started from (0 for the first); a stale edit is refused.
    pub async fn save_standard(
        &self,
        ctx: &AuditContext,
        unit_id: i64,
        rules: &StandardRules,
        note: &str,
        based_on: i64,
    ) -> Result<i64> {
        let json = serde_json::to_string(rules).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let version = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (current,): (i64,) =
                sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM inspection_standards WHERE unit_id = $1")
                    .bind(unit_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if current != based_on {
                return Err(StoreError::Conflict(format!(
                    "Bộ tiêu chí vừa được người khác lưu thành phiên bản {current}. Hãy tải lại trang và sửa trên phiên bản mới."
                )));
            }
            let version = current + 1;
            let inserted = sqlx::query(
                "INSERT INTO inspection_standards (unit_id, version, rules, note, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(unit_id)
            .bind(version)
            .bind(&json)
            .bind(note.trim())
            .bind(ctx.actor_id)
            .bind(now())
            .execute(&mut *tx)
            .await;
            if let Err(e) = inserted {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    return Err(StoreError::Conflict(
                        "Bộ tiêu chí vừa được người khác lưu. Hãy tải lại trang.".into(),
                    ));
                }
                return Err(e);
            }
            audit_in_tx!(tx, ctx, "standard.save", format!("unit:{unit_id}"), format!("phiên bản {version}: {}", note.trim()));
            tx.commit().await?;
            version
        });
        Ok(version)
    }

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
                let mut tx = pool.begin().await?;
                // Take the write lock before reading: on SQLite a transaction that reads first and
                // writes later fails ("database is locked") when a worker wrote in between.
                sqlx::query("UPDATE sites SET next_full_at = next_full_at WHERE id = 0")
                    .execute(&mut *tx)
                    .await?;
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
            let mut tx = pool.begin().await?;
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

    // ----- Runs -----

    /// Stores one run, in one transaction: the run itself, findings (new, seen again, reopened
    /// after a "fixed" claim, resolved), the site's latest state, and the alerts its state
    /// changes raise (notifications and mail). With a job, the job is completed in the same
    /// transaction and only if this worker still holds its lease.
    pub async fn record_inspection(&self, rec: &InspectionRecord) -> Result<Recorded> {
        let site = self.site(rec.site_id).await?.ok_or(StoreError::NotFound("website"))?;
        let recipients = self.alert_recipients(&site).await?;
        let t = now();
        let mode = if rec.full { "full" } else { "check" };
        let lock = match self.backend {
            Backend::Sqlite(_) => "",
            Backend::Postgres(_) => " FOR UPDATE",
        };
        let select_site = format!("SELECT alert_flags, consecutive_failures FROM sites WHERE id = $1{lock}");
        let mut out = Recorded::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some((job_id, worker)) = &rec.job {
                let held = sqlx::query(
                    "UPDATE jobs SET state = 'done', finished_at = $1, locked_by = NULL, lease_until = NULL, last_error = NULL \
                     WHERE id = $2 AND locked_by = $3 AND state = 'running'",
                )
                .bind(t)
                .bind(job_id)
                .bind(worker)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if held == 0 {
                    return Err(StoreError::Conflict(format!(
                        "việc {job_id} không còn thuộc {worker} (hết hạn giữ việc); kết quả bỏ qua"
                    )));
                }
            }
            let (flags_text, failures): (String, i64) = sqlx::query_as(sqlx::AssertSqlSafe(select_site.as_str()))
                .bind(rec.site_id)
                .fetch_one(&mut *tx)
                .await?;
            let (inspection_id,): (i64,) = sqlx::query_as(
                "INSERT INTO site_inspections (site_id, mode, job_id, worker, standard_id, started_at, finished_at, reachable, \
                 http_status, grade, score, cert_expires_at, pages_checked, broken_links, findings, meets_standard, elapsed_ms, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            )
            .bind(rec.site_id)
            .bind(mode)
            .bind(rec.job.as_ref().map(|j| j.0))
            .bind(rec.job.as_ref().map(|j| j.1.as_str()).unwrap_or(""))
            .bind(rec.standard_id)
            .bind(rec.started_at)
            .bind(t)
            .bind(rec.reachable)
            .bind(rec.http_status)
            .bind(&rec.grade)
            .bind(rec.score)
            .bind(rec.cert_expires_at)
            .bind(rec.pages_checked)
            .bind(rec.broken_links)
            .bind(rec.issues.len() as i64)
            .bind(rec.meets_standard)
            .bind(rec.elapsed_ms)
            .bind(&rec.detail)
            .fetch_one(&mut *tx)
            .await?;
            out.inspection_id = inspection_id;

            // Findings. A check only knows reachability, so it touches only that finding.
            let live: Vec<(i64, String, String)> =
                sqlx::query_as("SELECT id, code, state FROM site_findings WHERE site_id = $1 AND state <> 'resolved'")
                    .bind(rec.site_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let found: BTreeMap<&str, &FoundIssue> = rec.issues.iter().map(|i| (i.code.as_str(), i)).collect();
            for issue in &rec.issues {
                if !rec.full && issue.code != "unreachable" {
                    continue;
                }
                match live.iter().find(|(_, code, _)| *code == issue.code) {
                    Some((id, _, state)) => {
                        let reopen = state == "fixed";
                        if reopen {
                            out.reopened += 1;
                        }
                        sqlx::query(
                            "UPDATE site_findings SET last_seen_at = $1, evidence = $2, severity = $3, \
                             state = CASE WHEN state = 'fixed' THEN 'open' ELSE state END, \
                             reopened = reopened + CASE WHEN state = 'fixed' THEN 1 ELSE 0 END WHERE id = $4",
                        )
                        .bind(t)
                        .bind(&issue.evidence)
                        .bind(&issue.severity)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        out.new_findings += 1;
                        sqlx::query(
                            "INSERT INTO site_findings (site_id, code, severity, state, evidence, first_seen_at, last_seen_at) \
                             VALUES ($1, $2, $3, 'open', $4, $5, $5)",
                        )
                        .bind(rec.site_id)
                        .bind(&issue.code)
                        .bind(&issue.severity)
                        .bind(&issue.evidence)
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            for (id, code, _) in &live {
                let in_scope = rec.full || code == "unreachable";
                // A site that cannot be reached says nothing about its content: keep those findings.
                let judged = rec.reachable || code == "unreachable";
                if in_scope && judged && !found.contains_key(code.as_str()) {
                    out.resolved += 1;
                    sqlx::query("UPDATE site_findings SET state = 'resolved', resolved_at = $1 WHERE id = $2")
                        .bind(t)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let (open,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM site_findings WHERE site_id = $1 AND state <> 'resolved'")
                    .bind(rec.site_id)
                    .fetch_one(&mut *tx)
                    .await?;

            // The latest state and the alerts.
            let before = supervision::parse_flags(&flags_text);
            let after = if rec.full && rec.reachable {
                let cert_days = rec.cert_expires_at.map(|c| (c - t).whole_days());
                supervision::alert_flags(true, cert_days, rec.compromised, rec.disclosure_gap)
            } else {
                // Unreachable, or a check: only "down" can change; the rest stays as last seen.
                let mut f = before.clone();
                if rec.reachable {
                    f.remove(&AlertFlag::Down);
                } else {
                    f.insert(AlertFlag::Down);
                }
                f
            };
            let failures = if rec.reachable { 0 } else { failures + 1 };
            let status = if rec.reachable { "up" } else { "down" };
            if rec.full && rec.reachable {
                sqlx::query(
                    "UPDATE sites SET status = $1, grade = $2, score = $3, cert_expires_at = $4, compromised = $5, \
                     disclosure_gap = $6, meets_standard = $7, open_findings = $8, alert_flags = $9, consecutive_failures = $10, \
                     last_full_at = $11, last_check_at = $11, last_inspection_id = $12, updated_at = $11, \
                     list_rank = CASE WHEN $7 = FALSE THEN 1 ELSE 2 END WHERE id = $13",
                )
                .bind(status)
                .bind(&rec.grade)
                .bind(rec.score)
                .bind(rec.cert_expires_at)
                .bind(rec.compromised)
                .bind(rec.disclosure_gap)
                .bind(rec.meets_standard)
                .bind(open)
                .bind(supervision::flags_text(&after))
                .bind(failures)
                .bind(t)
                .bind(inspection_id)
                .bind(rec.site_id)
                .execute(&mut *tx)
                .await?;
            } else {
                let full_at = if rec.full { Some(t) } else { None };
                sqlx::query(
                    "UPDATE sites SET status = $1, open_findings = $2, alert_flags = $3, consecutive_failures = $4, \
                     meets_standard = CASE WHEN $1 = 'down' THEN FALSE ELSE meets_standard END, \
                     list_rank = CASE WHEN $1 = 'down' THEN 0 WHEN meets_standard = FALSE THEN 1 ELSE 2 END, \
                     last_check_at = $5, last_full_at = COALESCE($6, last_full_at), updated_at = $5 WHERE id = $7",
                )
                .bind(status)
                .bind(open)
                .bind(supervision::flags_text(&after))
                .bind(failures)
                .bind(t)
                .bind(full_at)
                .bind(rec.site_id)
                .execute(&mut *tx)
                .await?;
            }

            let day = lanhmang_domain::report::vietnam_date(t).to_string();
            for change in supervision::alert_changes(&before, &after) {
                let named = format!("{} ({})", site.url, site.unit_name);
                let (kind, title, advice) = match change {
                    AlertChange::Started(flag) => (flag.as_str(), flag.title(&named), flag.advice()),
                    AlertChange::BackToNormal => (
                        "back_to_normal",
                        format!("Website {named} đã hoạt động bình thường trở lại"),
                        "Các cảnh báo trước đó của website đã hết.",
                    ),
                };
                out.alerts.push(kind.to_string());
                let link = format!("/giam-sat/website/{}", site.id);
                for r in &recipients {
                    let key = format!("site:{}:{kind}:{day}:{}", site.id, r.person_id);
                    let n = sqlx::query(
                        "INSERT INTO notifications (person_id, unit_id, site_id, kind, title, body, link, dedup_key, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup_key) DO NOTHING",
                    )
                    .bind(r.person_id)
                    .bind(site.unit_id)
                    .bind(site.id)
                    .bind(kind)
                    .bind(&title)
                    .bind(advice)
                    .bind(&link)
                    .bind(&key)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    out.notifications += n as usize;
                    // The office reads its alerts in the app and in the daily digest; the
                    // school's people get each one by mail.
                    if let (Some(email), false) = (&r.email, r.office) {
                        let mail = NewMail {
                            to_address: email.clone(),
                            to_name: r.name.clone(),
                            subject: format!("[Lành Mạng] {title}"),
                            body: format!(
                                "Kính gửi {},\n\n{title}.\n{advice}\n\nXem chi tiết và hướng dẫn khắc phục: {link}\n\nĐơn vị: {}\n\n— Lành Mạng",
                                r.name, site.unit_name
                            ),
                            reason: "site_alert",
                            plan_id: None,
                            unit_id: Some(site.unit_id),
                            dedup_key: Some(format!("alert:{key}")),
                        };
                        if queue_mail_in_tx!(tx, &mail)? {
                            out.mails += 1;
                        }
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(out)
    }

    /// Who hears about a site: its unit's website administrators and principal (by mail and
    /// in the app), and the office administrators of the nearest office above (in the app and
    /// the daily digest).
    async fn alert_recipients(&self, site: &Site) -> Result<Vec<Recipient>> {
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
    #[cfg(any(test, feature = "test-support", feature = "bench-data"))]
    pub async fn runs_per_job(&self) -> Result<Vec<(i64, i64)>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as("SELECT job_id, COUNT(*) FROM site_inspections WHERE job_id IS NOT NULL GROUP BY job_id HAVING COUNT(*) > 1")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

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
            let mut tx = pool.begin().await?;
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
            audit_in_tx!(tx, ctx, if to == "fixed" { "finding.fixed" } else { "finding.acknowledge" }, format!("finding:{id}"), format!("site:{site_id}"));
            tx.commit().await?;
        });
        self.site_finding(id).await?.ok_or(StoreError::NotFound("phát hiện"))
    }

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

    // ----- Domains -----

    /// The domain inventory of a scope: each host with its sites, certificate and registration.
    pub async fn domain_inventory(&self, roots: &[i64], paging: Paging) -> Result<(Vec<DomainRow>, i64)> {
        let ranges = self.site_scope(roots).await?;
        let (scope, binds) = range_condition("s.unit_path", &ranges, 1);
        let n = binds.len();
        let from = format!("FROM sites s LEFT JOIN domains d ON d.name = s.host WHERE {scope}");
        let list_sql = format!(
            "SELECT s.host, COUNT(*) AS sites, MIN(s.cert_expires_at) AS cert_expires_at, \
             MAX(d.registration_expires_at) AS registration_expires_at, MAX(d.registrar) AS registrar, \
             MAX(d.checked_at) AS checked_at, MAX(d.check_error) AS check_error {from} \
             GROUP BY s.host ORDER BY MIN(COALESCE(s.cert_expires_at, d.registration_expires_at)), s.host LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(DISTINCT s.host) {from}");
        let (rows, total) = on_pool!(self, pool => {
            let mut list = sqlx::query_as::<_, DomainRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            for b in &binds {
                list = list.bind(b);
                count = count.bind(b);
            }
            let rows = list.bind(i64::from(paging.per_page)).bind(paging.offset()).fetch_all(pool).await?;
            let (total,) = count.fetch_one(pool).await?;
            (rows, total)
        });
        Ok((rows, total))
    }

    /// Hosts never looked up, or last looked up before `older_than`.
    pub async fn domains_due_for_lookup(&self, older_than: OffsetDateTime, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT s.host FROM sites s LEFT JOIN domains d ON d.name = s.host \
                 WHERE s.active AND (d.checked_at IS NULL OR d.checked_at < $1) ORDER BY s.host LIMIT $2",
            )
            .bind(older_than)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    pub async fn record_domain_lookup(
        &self,
        host: &str,
        expires: Option<OffsetDateTime>,
        registrar: &str,
        error: &str,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO domains (name, registration_expires_at, registrar, checked_at, check_error) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (name) DO UPDATE SET registration_expires_at = COALESCE(excluded.registration_expires_at, domains.registration_expires_at), \
                 registrar = CASE WHEN excluded.registrar = '' THEN domains.registrar ELSE excluded.registrar END, \
                 checked_at = excluded.checked_at, check_error = excluded.check_error",
            )
            .bind(host)
            .bind(expires)
            .bind(registrar)
            .bind(now())
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

struct Recipient {
    person_id: i64,
    name: String,
    email: Option<String>,
    office: bool,
}

#[cfg(test)]
mod tests {
    use lanhmang_domain::person::PersonInput;
    use lanhmang_domain::unit::UnitInput;

    use super::*;
    use crate::test_support::{TestDb, both_backends};

    struct World {
        office: Unit,
        school: Unit,
        other: Unit,
        webadmin: i64,
        office_admin: i64,
    }

    use crate::Unit;

    async fn world(store: &Store) -> World {
        let ctx = AuditContext::system("test");
        let unit = |code: &str, kind: &str| UnitInput {
            code: code.into(),
            name: format!("Đơn vị {code}"),
            kind: kind.into(),
            school_level: if kind == "school" { "th".into() } else { String::new() },
            ..Default::default()
        };
        let dept = store
            .create_unit(&ctx, None, &unit("SGD", "department").parse().unwrap())
            .await
            .unwrap();
        let office = store
            .create_unit(&ctx, Some(dept.id), &unit("PGD", "office").parse().unwrap())
            .await
            .unwrap();
        let school = store
            .create_unit(&ctx, Some(office.id), &unit("TH-A", "school").parse().unwrap())
            .await
            .unwrap();
        let other = store
            .create_unit(&ctx, Some(office.id), &unit("TH-B", "school").parse().unwrap())
            .await
            .unwrap();
        let person = |username: &str| PersonInput {
            username: username.into(),
            display_name: format!("Người {username}"),
            email: format!("{username}@truong.edu.vn"),
            ..Default::default()
        };
        let mut ids = Vec::new();
        for (username, role, unit) in [
            ("qtweb", Role::WebsiteAdmin, &school),
            ("hieutruong", Role::Principal, &school),
            ("chuyenvien", Role::OfficeAdmin, &office),
        ] {
            let p = store
                .create_person(&ctx, unit.id, &person(username).parse().unwrap(), None, false)
                .await
                .unwrap();
            store.grant_role(&ctx, p.id, role, unit.id).await.unwrap();
            ids.push(p.id);
        }
        World {
            office,
            school,
            other,
            webadmin: ids[0],
            office_admin: ids[2],
        }
    }

    fn new_site(unit: &Unit, url: &str) -> NewSite {
        let (url, host) = supervision::normalize_site_url(url).unwrap();
        NewSite {
            unit_id: unit.id,
            url,
            host,
            kind: SiteKind::Website,
            name: String::new(),
        }
    }

    fn run(site_id: i64, reachable: bool, issues: &[(&str, &str)]) -> InspectionRecord {
        InspectionRecord {
            site_id,
            job: None,
            full: true,
            standard_id: None,
            started_at: now(),
            reachable,
            http_status: reachable.then_some(200),
            grade: reachable.then(|| "B".to_string()),
            score: reachable.then_some(70),
            cert_expires_at: Some(now() + Duration::days(200)),
            pages_checked: 5,
            broken_links: 0,
            elapsed_ms: 1200,
            meets_standard: Some(reachable && issues.is_empty()),
            compromised: issues.iter().any(|(c, _)| c.starts_with("spam")),
            disclosure_gap: issues.iter().any(|(c, _)| c.starts_with("disclosure")),
            issues: issues
                .iter()
                .map(|(code, severity)| FoundIssue {
                    code: code.to_string(),
                    severity: severity.to_string(),
                    evidence: format!("bằng chứng {code}"),
                })
                .collect(),
            detail: "{}".into(),
        }
    }

    async fn site_ids(store: &Store) -> i64 {
        let (_, n) = store
            .list_sites(
                &SiteFilter {
                    roots: vec![1],
                    ..Default::default()
                },
                Paging::default(),
            )
            .await
            .unwrap();
        n
    }

    both_backends!(registry_findings_alerts_and_overview_on_every_backend);
    async fn registry_findings_alerts_and_overview_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let w = world(&store).await;
            let ctx = AuditContext::system("test");
            let rules = StandardRules::default();

            // A duplicate is reported, not added twice.
            let Registered::Added(site) = store
                .add_site(&ctx, &new_site(&w.school, "https://th-a.edu.vn"), &rules)
                .await
                .unwrap()
            else {
                panic!("{backend}: first registration adds");
            };
            assert!(matches!(
                store.add_site(&ctx, &new_site(&w.other, "https://TH-A.edu.vn/"), &rules).await.unwrap(),
                Registered::Duplicate(s) if s.id == site.id
            ));
            assert_eq!(site_ids(&store).await, 1, "{backend}");
            assert_eq!(site.status, "pending");

            // First run: two findings, the site is hacked; the school's people and the office hear.
            let first = store
                .record_inspection(&run(
                    site.id,
                    true,
                    &[("spam_hidden", "critical"), ("stale_content", "low")],
                ))
                .await
                .unwrap();
            assert_eq!((first.new_findings, first.resolved), (2, 0), "{backend}");
            assert_eq!(first.alerts, vec!["compromised".to_string()], "{backend}");
            assert_eq!(first.notifications, 3, "{backend}: admin, principal, office");
            assert_eq!(first.mails, 2, "{backend}: the office reads the digest instead");
            // The same state again: nothing new is raised.
            let again = store
                .record_inspection(&run(
                    site.id,
                    true,
                    &[("spam_hidden", "critical"), ("stale_content", "low")],
                ))
                .await
                .unwrap();
            assert_eq!(
                (again.new_findings, again.alerts.len(), again.notifications),
                (0, 0, 0),
                "{backend}"
            );

            // Acknowledge, then claim fixed: a fresh inspection is queued; the next run that still
            // finds it reopens it, the one that does not resolves it.
            let (open, total) = store
                .list_findings(
                    &FindingFilter {
                        roots: vec![w.office.id],
                        ..Default::default()
                    },
                    Paging::default(),
                )
                .await
                .unwrap();
            assert_eq!(total, 2, "{backend}");
            let spam = open.iter().find(|f| f.code == "spam_hidden").unwrap();
            let stale = open.iter().find(|f| f.code == "stale_content").unwrap();
            assert_eq!(spam.severity, "critical");
            assert_eq!(
                store.acknowledge_finding(&ctx, spam.id).await.unwrap().state,
                "acknowledged"
            );
            assert!(matches!(
                store.acknowledge_finding(&ctx, spam.id).await,
                Err(StoreError::Conflict(_))
            ));
            assert_eq!(store.mark_finding_fixed(&ctx, spam.id).await.unwrap().state, "fixed");
            assert_eq!(store.mark_finding_fixed(&ctx, stale.id).await.unwrap().state, "fixed");
            assert_eq!(
                store.job_states(INSPECT_SITE_JOB).await.unwrap(),
                vec![("queued".to_string(), 1)],
                "{backend}: one inspection queued for both claims"
            );
            let third = store
                .record_inspection(&run(site.id, true, &[("spam_hidden", "critical")]))
                .await
                .unwrap();
            assert_eq!((third.reopened, third.resolved), (1, 1), "{backend}");
            let spam = store.site_finding(spam.id).await.unwrap().unwrap();
            assert_eq!((spam.state.as_str(), spam.reopened), ("open", 1), "{backend}");
            let stale = store.site_finding(stale.id).await.unwrap().unwrap();
            assert_eq!(stale.state, "resolved", "{backend}");
            assert!(stale.resolved_at.is_some());

            // Down: one alert; a check that still fails adds nothing; back up: back to normal,
            // once the hack is gone too.
            let down = store
                .record_inspection(&run(site.id, false, &[("unreachable", "high")]))
                .await
                .unwrap();
            assert_eq!(down.alerts, vec!["down".to_string()], "{backend}");
            let mut check = run(site.id, false, &[("unreachable", "high")]);
            check.full = false;
            assert!(
                store.record_inspection(&check).await.unwrap().alerts.is_empty(),
                "{backend}"
            );
            let s = store.site(site.id).await.unwrap().unwrap();
            assert_eq!((s.status.as_str(), s.consecutive_failures), ("down", 2), "{backend}");
            assert_eq!(
                store.site_finding(spam.id).await.unwrap().unwrap().state,
                "open",
                "{backend}: a site that cannot be reached keeps its content findings"
            );
            let back = store.record_inspection(&run(site.id, true, &[])).await.unwrap();
            assert_eq!(back.alerts, vec!["back_to_normal".to_string()], "{backend}");
            let s = store.site(site.id).await.unwrap().unwrap();
            assert_eq!(
                (s.status.as_str(), s.open_findings, s.compromised),
                ("up", 0, false),
                "{backend}"
            );

            let (notes, _) = store.notifications(w.webadmin, Paging::default()).await.unwrap();
            let kinds: Vec<&str> = notes.iter().map(|n| n.kind.as_str()).collect();
            assert_eq!(kinds, vec!["back_to_normal", "down", "compromised"], "{backend}");
            assert_eq!(
                store.unread_notifications(w.office_admin).await.unwrap(),
                3,
                "{backend}"
            );
            assert_eq!(store.mark_notifications_read(w.office_admin).await.unwrap(), 3);
            assert_eq!(store.unread_notifications(w.office_admin).await.unwrap(), 0);
            assert_eq!(
                store
                    .alerts_since(&w.office.ancestry, now() - Duration::hours(1), 50)
                    .await
                    .unwrap()
                    .len(),
                3
            );

            // History, overview and filters.
            assert_eq!(store.site_runs(site.id, false, 50).await.unwrap().len(), 6, "{backend}");
            assert_eq!(
                store.prune_supervision_history().await.unwrap(),
                0,
                "{backend}: nothing old yet"
            );
            // Age the history: the check goes, the full runs stay with their details slimmed.
            store
                .execute_raw_for_tests(
                    "UPDATE site_inspections SET finished_at = '2020-01-01T00:00:00Z', detail = '{\"x\":1}'",
                )
                .await
                .unwrap();
            assert_eq!(store.prune_supervision_history().await.unwrap(), 1 + 5, "{backend}");
            assert_eq!(store.site_runs(site.id, false, 50).await.unwrap().len(), 5, "{backend}");
            assert!(
                store
                    .site_runs(site.id, true, 50)
                    .await
                    .unwrap()
                    .iter()
                    .all(|r| r.detail == "{}")
            );
            assert_eq!(store.site_runs(site.id, true, 50).await.unwrap().len(), 5, "{backend}");
            let Registered::Added(b) = store
                .add_site(&ctx, &new_site(&w.other, "http://th-b.edu.vn"), &rules)
                .await
                .unwrap()
            else {
                panic!()
            };
            let mut expiring = run(b.id, true, &[("disclosure_missing", "medium")]);
            expiring.cert_expires_at = Some(now() + Duration::days(10));
            expiring.grade = Some("F".into());
            let r = store.record_inspection(&expiring).await.unwrap();
            assert_eq!(
                r.alerts,
                vec!["cert_soon".to_string(), "disclosure_missing".to_string()],
                "{backend}"
            );
            let o = store.sites_overview(&[w.office.id], None).await.unwrap();
            assert_eq!(
                (o.total, o.up, o.down, o.cert_expiring, o.disclosure_gap),
                (2, 2, 0, 1, 1),
                "{backend}"
            );
            assert_eq!(o.grades, vec![("B".to_string(), 1), ("F".to_string(), 1)], "{backend}");
            let school_only = store
                .sites_overview(&[w.office.id], Some(&w.school.ancestry))
                .await
                .unwrap();
            assert_eq!(school_only.total, 1, "{backend}");
            assert_eq!(
                store
                    .sites_overview(&[w.other.id], Some(&w.school.ancestry))
                    .await
                    .unwrap()
                    .total,
                0
            );
            let filtered = |problem: &str, grade: Option<&str>| SiteFilter {
                roots: vec![w.office.id],
                problem: (!problem.is_empty()).then(|| problem.to_string()),
                grade: grade.map(str::to_string),
                ..Default::default()
            };
            let count = |f: SiteFilter| {
                let store = &store;
                async move { store.list_sites(&f, Paging::default()).await.unwrap().1 }
            };
            assert_eq!(count(filtered("cert", None)).await, 1, "{backend}");
            assert_eq!(count(filtered("disclosure", None)).await, 1, "{backend}");
            assert_eq!(count(filtered("", Some("F"))).await, 1, "{backend}");
            assert_eq!(count(filtered("compromised", None)).await, 0, "{backend}");
            let mut q = filtered("", None);
            q.q = Some("TH-B".into());
            assert_eq!(count(q).await, 1, "{backend}: address search");
            assert_eq!(
                store.unit_website_facts(w.school.id).await.unwrap(),
                (1, 1),
                "{backend}"
            );
            assert_eq!(store.unit_website_facts(w.other.id).await.unwrap(), (1, 0), "{backend}");
            let (domains, n) = store.domain_inventory(&[w.office.id], Paging::default()).await.unwrap();
            assert_eq!(n, 2, "{backend}");
            assert!(
                domains
                    .iter()
                    .any(|d| d.host == "th-b.edu.vn" && d.cert_expires_at.is_some())
            );
            store
                .record_domain_lookup("th-b.edu.vn", Some(now() + Duration::days(300)), "Nhà đăng ký", "")
                .await
                .unwrap();
            assert_eq!(
                store
                    .domains_due_for_lookup(now() - Duration::days(7), 10)
                    .await
                    .unwrap(),
                vec!["th-a.edu.vn".to_string()]
            );

            // Moving a school to another office moves its sites with it (the copied path).
            let move_row = lanhmang_domain::units_import::ImportRow {
                row: 2,
                fields: UnitInput {
                    code: "TH-B".into(),
                    name: "Đơn vị TH-B".into(),
                    kind: "school".into(),
                    school_level: "th".into(),
                    ..Default::default()
                }
                .parse()
                .unwrap(),
                parent_code: Some(lanhmang_domain::unit::UnitCode::parse("SGD").unwrap()),
            };
            store.import_units(&ctx, &[move_row], "test").await.unwrap();
            let in_office = SiteFilter {
                roots: vec![w.office.id],
                ..Default::default()
            };
            assert_eq!(
                store.list_sites(&in_office, Paging::default()).await.unwrap().1,
                1,
                "{backend}"
            );
            let moved = store.site(b.id).await.unwrap().unwrap();
            assert_eq!(moved.ancestry.len(), 2, "{backend}: directly under the department now");
            assert_eq!(store.sites_overview(&[moved.ancestry[0]], None).await.unwrap().total, 2);

            drop(store);
            db.cleanup().await;
        }
    }

    both_backends!(scheduling_requests_standards_and_leases_on_every_backend);
    async fn scheduling_requests_standards_and_leases_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let w = world(&store).await;
            let ctx = AuditContext::system("test");
            let rules = StandardRules::default();
            let mut ids = Vec::new();
            for url in [
                "https://a.th-a.edu.vn",
                "https://b.th-a.edu.vn",
                "https://a.th-a.edu.vn/blog",
            ] {
                if let Registered::Added(s) = store.add_site(&ctx, &new_site(&w.school, url), &rules).await.unwrap() {
                    ids.push(s.id);
                }
            }
            // New sites are due at once; two schedulers in a row queue each once.
            assert_eq!(
                store
                    .schedule_due_inspections(100, Duration::seconds(30))
                    .await
                    .unwrap(),
                (3, 0),
                "{backend}"
            );
            assert_eq!(
                store
                    .schedule_due_inspections(100, Duration::seconds(30))
                    .await
                    .unwrap(),
                (0, 0),
                "{backend}"
            );
            // The two sites of one host are spaced out.
            let mut run_ats = Vec::new();
            while let Some(job) = store.claim_job("w", Duration::minutes(1)).await.unwrap() {
                run_ats.push(job.payload.clone());
                store.complete_job(job.id, "w").await.unwrap();
            }
            assert_eq!(
                run_ats.len(),
                2,
                "{backend}: the second site of a.th-a.edu.vn waits its turn"
            );

            // "Inspect now" for the school: progress counts the sites inspected since.
            let request = store.request_inspection(&ctx, &w.school.ancestry, None).await.unwrap();
            let p = store.inspection_progress(request).await.unwrap().unwrap();
            assert_eq!((p.total, p.done, p.finished), (3, 0, false), "{backend}");
            let job = store.claim_job("w1", Duration::minutes(1)).await.unwrap().unwrap();
            assert!(job.payload.contains("\"full\""), "{backend}: {}", job.payload);
            let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap();
            let site_id = payload["site_id"].as_i64().unwrap();
            let mut rec = run(site_id, true, &[]);
            rec.job = Some((job.id, "w1".into()));
            // A worker whose lease ran out cannot store its result; the one holding it can.
            let mut stale = rec.clone();
            stale.job = Some((job.id, "w0".into()));
            assert!(
                matches!(store.record_inspection(&stale).await, Err(StoreError::Conflict(_))),
                "{backend}"
            );
            store.record_inspection(&rec).await.unwrap();
            assert!(store.runs_per_job().await.unwrap().is_empty(), "{backend}");
            let p = store.inspection_progress(request).await.unwrap().unwrap();
            assert_eq!(p.done, 1, "{backend}");
            assert!(matches!(
                store.request_inspection(&ctx, &w.other.ancestry, None).await,
                Err(StoreError::Conflict(_))
            ));

            // A failing site's checks back off.
            store
                .record_inspection(&run(ids[1], false, &[("unreachable", "high")]))
                .await
                .unwrap();
            store
                .record_inspection(&run(ids[1], false, &[("unreachable", "high")]))
                .await
                .unwrap();
            assert_eq!(store.site(ids[1]).await.unwrap().unwrap().consecutive_failures, 2);

            // Standards: versions, the nearest office's applies, stale edits refused.
            assert!(store.standard_for(&w.school.ancestry).await.unwrap().is_none());
            let mut strict = StandardRules {
                min_header_grade: "B".into(),
                ..Default::default()
            };
            assert_eq!(
                store
                    .save_standard(&ctx, w.office.id, &strict, "Học kỳ II", 0)
                    .await
                    .unwrap(),
                1
            );
            assert!(matches!(
                store.save_standard(&ctx, w.office.id, &strict, "cũ", 0).await,
                Err(StoreError::Conflict(_))
            ));
            strict.stale_after_days = 60;
            assert_eq!(
                store
                    .save_standard(&ctx, w.office.id, &strict, "Chặt hơn", 1)
                    .await
                    .unwrap(),
                2
            );
            let applied = store.standard_for(&w.school.ancestry).await.unwrap().unwrap();
            assert_eq!((applied.version, applied.rules.stale_after_days), (2, 60), "{backend}");
            assert_eq!(store.standard_versions(w.office.id).await.unwrap().len(), 2);

            // A check waiting in the queue becomes the full inspection that falls due.
            while let Some(job) = store.claim_job("w", Duration::minutes(1)).await.unwrap() {
                store.complete_job(job.id, "w").await.unwrap();
            }
            store
                .execute_raw_for_tests(&format!(
                    "UPDATE sites SET next_check_at = '2020-01-01T00:00:00Z' WHERE id = {}",
                    ids[0]
                ))
                .await
                .unwrap();
            assert_eq!(
                store.schedule_due_inspections(100, Duration::ZERO).await.unwrap(),
                (0, 1),
                "{backend}"
            );
            store
                .execute_raw_for_tests(&format!(
                    "UPDATE sites SET next_full_at = '2020-01-01T00:00:00Z' WHERE id = {}",
                    ids[0]
                ))
                .await
                .unwrap();
            assert_eq!(
                store.schedule_due_inspections(100, Duration::ZERO).await.unwrap(),
                (0, 0),
                "{backend}"
            );
            let job = store.claim_job("w", Duration::minutes(1)).await.unwrap().unwrap();
            assert!(job.payload.contains("\"full\""), "{backend}: {}", job.payload);
            drop(store);
            db.cleanup().await;
        }
    }
}
