//! Datasets for the website-supervision benchmarks (`bench/supervision`), and the few queries
//! they need besides the application's own: the baseline overview computed from the stored runs,
//! runs by worker, requeued jobs, row counts.
//!
//! Two datasets, both one department with offices of `office_size` schools and one website per
//! school:
//! - [`Store::generate_sites_bench`]: sites with a realistic latest state (grades A+ … F and never
//!   graded, up / down / pending, certificates valid, expiring and expired, compromised sites,
//!   disclosure gaps, meets or fails the standard), live findings (about `findings_per_site` per
//!   site, some acknowledged or marked fixed, plus resolved ones) and `runs_per_site` stored runs per
//!   site, written day by day for every site as workers would have written them. The latest runs
//!   agree with the sites' latest state, so the baseline computes the same overview.
//! - [`Store::register_bench_sites`]: given URLs registered as freshly added sites (pending, no run).
//!
//! Not used by the application. It writes straight into the tables (no audit entries, no people)
//! and refuses a database that already holds units. Deterministic for the same parameters, except
//! that times are relative to when it runs.

use lanhmang_domain::supervision::SiteState as Headline;
use std::collections::HashMap;
use std::fmt::Write as _;

use lanhmang_domain::supervision::GRADES;
use lanhmang_domain::text::fold_vi;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnection, SqliteSynchronous};
use time::{Duration, OffsetDateTime};

use crate::bench_data::SplitMix64;
use crate::sites::Overview;
use crate::{Backend, Result, Store, StoreError, now, parse_path, path_range_of};

/// Bumped whenever the generator writes different rows for the same parameters.
const GENERATOR_VERSION: u32 = 1;
/// The `settings` key that records which dataset a database holds; written last.
const MARKER_KEY: &str = "bench_supervision_dataset";
/// The code of the benchmark's department.
pub const DEPARTMENT_CODE: &str = "SGD-GS";

/// Finding codes that mean the site was compromised (`FindingCode::is_compromise`).
const COMPROMISE_CODES: [&str; 5] = [
    "spam_visible",
    "spam_hidden",
    "cloaking",
    "malicious_redirect",
    "spam_links",
];
/// Finding codes that make a disclosure gap.
const DISCLOSURE_CODES: [&str; 2] = ["disclosure_missing", "disclosure_incomplete"];
/// Other findings a site may have.
const OTHER_CODES: [(&str, &str); 12] = [
    ("weak_security_headers", "medium"),
    ("generator_disclosed", "low"),
    ("outdated_cms", "high"),
    ("stale_content", "medium"),
    ("broken_internal_link", "low"),
    ("broken_external_link", "low"),
    ("slow_response", "low"),
    ("no_https_redirect", "medium"),
    ("mixed_content", "medium"),
    ("tls_incomplete_chain", "medium"),
    ("malformed_feed", "low"),
    ("http_error", "medium"),
];
/// Relative weights of the grades A+ … F among graded sites.
const GRADE_WEIGHTS: [u64; 13] = [3, 6, 5, 8, 10, 8, 9, 10, 8, 6, 7, 5, 15];

/// What to generate for the overview benchmark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitesBenchParams {
    pub schools: u32,
    pub office_size: u32,
    pub runs_per_site: u32,
    /// Average live (not resolved) findings per inspected site.
    pub findings_per_site: u32,
    pub seed: u64,
}

impl Default for SitesBenchParams {
    fn default() -> Self {
        SitesBenchParams {
            schools: 50_000,
            office_size: 100,
            runs_per_site: 20,
            findings_per_site: 3,
            seed: 2026,
        }
    }
}

impl SitesBenchParams {
    /// A text naming the dataset exactly; a database holding another one is not reused.
    pub fn fingerprint(&self) -> String {
        format!(
            "v{GENERATOR_VERSION} schools={} office_size={} runs={} findings={} seed={}",
            self.schools, self.office_size, self.runs_per_site, self.findings_per_site, self.seed
        )
    }

    fn check(&self) -> Result<()> {
        if self.schools == 0 || self.office_size == 0 || self.runs_per_site < 2 || self.runs_per_site > 1000 {
            return Err(StoreError::Conflict(
                "tham số bộ dữ liệu không hợp lệ: schools ≥ 1, office_size ≥ 1, 2 ≤ runs_per_site ≤ 1000".into(),
            ));
        }
        Ok(())
    }
}

/// What a benchmark reads back from a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitesBenchDataset {
    pub department: i64,
    pub department_ancestry: Vec<i64>,
    /// (office id, ancestry), in id order.
    pub offices: Vec<(i64, Vec<i64>)>,
    pub sites: i64,
}

/// The connection the generator writes on: a dedicated one, tuned for bulk loading.
enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}

async fn exec(conn: &mut Conn, sql: &'static str) -> Result<()> {
    on_conn!(conn, c => { sqlx::raw_sql(sql).execute(&mut *c).await?; });
    Ok(())
}

/// `INSERT … VALUES (…), (…)` for `rows` rows of `columns` values: `$N` on PostgreSQL, `?` on
/// SQLite (whose cost of looking `$N` names up grows with the square of the values).
fn insert_sql(conn: &Conn, head: &str, columns: usize, rows: usize) -> String {
    let numbered = matches!(conn, Conn::Postgres(_));
    let mut sql = String::with_capacity(head.len() + rows * columns * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            if numbered {
                let _ = write!(sql, "${n}");
            } else {
                sql.push('?');
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// Rows per multi-row INSERT for `columns` values a row: below both backends' limits.
fn rows_per_insert(conn: &Conn, columns: usize) -> usize {
    let values = match conn {
        Conn::Sqlite(_) => 16_000,
        Conn::Postgres(_) => 20_000,
    };
    (values / columns).max(1)
}

/// Statements per transaction (each of about `rows_per_insert` rows).
const STATEMENTS_PER_TRANSACTION: usize = 40;

fn rng_for(seed: u64, stream: u64, item: u64) -> SplitMix64 {
    let mut g =
        SplitMix64::new(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F) ^ item.wrapping_mul(0xE703_7ED1_A0B4_28DB));
    g.next_u64();
    g
}

fn chance(rng: &mut SplitMix64, per_mille: u64) -> bool {
    rng.below(1000) < per_mille
}

/// The latest state of one generated site.
#[derive(Debug, Clone)]
struct SiteState {
    pending: bool,
    down: bool,
    grade: Option<&'static str>,
    score: Option<i64>,
    cert_expires_at: Option<OffsetDateTime>,
    compromised: bool,
    disclosure_gap: bool,
    meets_standard: Option<bool>,
    /// (code, severity, state) of live findings.
    findings: Vec<(&'static str, &'static str, &'static str)>,
}

fn site_state(params: &SitesBenchParams, index: u64, t: OffsetDateTime) -> SiteState {
    let mut rng = rng_for(params.seed, 11, index);
    let r = rng.below(1000);
    if r < 20 {
        return SiteState {
            pending: true,
            down: false,
            grade: None,
            score: None,
            cert_expires_at: None,
            compromised: false,
            disclosure_gap: false,
            meets_standard: None,
            findings: Vec::new(),
        };
    }
    // 1% never reached since registration (never graded); 5% more down now, graded before.
    let never = r < 30;
    let down = r < 80;
    let (grade, score) = if never {
        (None, None)
    } else {
        let total: u64 = GRADE_WEIGHTS.iter().sum();
        let mut pick = rng.below(total);
        let mut rank = 0;
        for (i, w) in GRADE_WEIGHTS.iter().enumerate() {
            if pick < *w {
                rank = i;
                break;
            }
            pick -= w;
        }
        let score = if rank == GRADES.len() - 1 {
            rng.below(20) as i64
        } else {
            (100 - 7 * rank as i64 + rng.below(5) as i64).max(20)
        };
        (Some(GRADES[rank]), Some(score))
    };
    // Certificates: 12% of graded sites have none (plain http); the rest expire between 60 days
    // ago and 400 days ahead.
    let cert_expires_at = (!never && !chance(&mut rng, 120))
        .then(|| t + Duration::days(rng.below(461) as i64 - 60) + Duration::seconds(rng.below(86_400) as i64));
    let compromised = !never && chance(&mut rng, 15);
    let disclosure_gap = !never && chance(&mut rng, 220);
    let cert_expired = cert_expires_at.is_some_and(|c| c < t);
    let meets = !down
        && !compromised
        && !disclosure_gap
        && !cert_expired
        && grade.is_some_and(|g| lanhmang_domain::supervision::grade_rank(g) <= 8);
    let mut findings: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
    if down {
        findings.push(("unreachable", "critical", "open"));
    }
    if compromised {
        findings.push((COMPROMISE_CODES[rng.below(5) as usize], "critical", "open"));
    }
    if disclosure_gap {
        findings.push((DISCLOSURE_CODES[rng.below(2) as usize], "high", "open"));
    }
    if cert_expired {
        findings.push(("tls_expired", "high", "open"));
    }
    let wanted = rng.below(2 * u64::from(params.findings_per_site) + 1) as usize;
    let mut tries = 0;
    while findings.len() < wanted && tries < 40 {
        tries += 1;
        let (code, severity) = OTHER_CODES[rng.below(OTHER_CODES.len() as u64) as usize];
        if findings.iter().any(|f| f.0 == code) {
            continue;
        }
        let state = match rng.below(100) {
            0..=74 => "open",
            75..=91 => "acknowledged",
            _ => "fixed",
        };
        findings.push((code, severity, state));
    }
    SiteState {
        pending: false,
        down: down || never,
        grade,
        score,
        cert_expires_at,
        compromised,
        disclosure_gap,
        meets_standard: Some(meets),
        findings,
    }
}

struct Tree {
    /// Unit id of each school, in order.
    schools: Vec<i64>,
}

/// One department, `schools / office_size` offices (rounded up), and the schools.
async fn insert_tree(conn: &mut Conn, schools: usize, office_size: usize) -> Result<Tree> {
    struct NewUnit {
        parent: Option<String>,
        code: String,
        name: String,
        kind: &'static str,
        level: Option<&'static str>,
    }
    let offices = schools.div_ceil(office_size.max(1));
    let mut levels: Vec<Vec<NewUnit>> = vec![
        vec![NewUnit {
            parent: None,
            code: DEPARTMENT_CODE.into(),
            name: "Sở Giáo dục và Đào tạo (giám sát website)".into(),
            kind: "department",
            level: None,
        }],
        Vec::with_capacity(offices),
        Vec::with_capacity(schools),
    ];
    for o in 0..offices {
        levels[1].push(NewUnit {
            parent: Some(DEPARTMENT_CODE.into()),
            code: format!("GS-P{:03}", o + 1),
            name: format!("Phòng Văn hóa - Xã hội số {:03}", o + 1),
            kind: "office",
            level: None,
        });
    }
    for s in 0..schools {
        let o = s / office_size.max(1);
        let (prefix, level) = match s % 3 {
            0 => ("Trường Tiểu học", "primary"),
            1 => ("Trường THCS", "lower_secondary"),
            _ => ("Trường TH&THCS", "combined"),
        };
        levels[2].push(NewUnit {
            parent: Some(format!("GS-P{:03}", o + 1)),
            code: format!("GS-T{:06}", s + 1),
            name: format!("{prefix} số {}", s + 1),
            kind: "school",
            level: Some(level),
        });
    }
    let at = now() - Duration::days(400);
    let mut ids: HashMap<String, i64> = HashMap::new();
    exec(conn, "BEGIN").await?;
    for level in &levels {
        let per = rows_per_insert(conn, 14);
        for chunk in level.chunks(per) {
            let sql = insert_sql(
                conn,
                "INSERT INTO units (parent_id, path, code, name, name_folded, kind, school_level, status, address, \
                 websites, created_at, updated_at, staff_count, pupil_count)",
                14,
                chunk.len(),
            ) + " RETURNING id, code";
            let mut parents = Vec::with_capacity(chunk.len());
            for u in chunk {
                parents.push(match &u.parent {
                    Some(p) => Some(
                        *ids.get(p)
                            .ok_or_else(|| StoreError::Corrupt(format!("unit {p} missing")))?,
                    ),
                    None => None,
                });
            }
            let returned: Vec<(i64, String)> = on_conn!(conn, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for (u, parent) in chunk.iter().zip(&parents) {
                    q = q
                        .bind(*parent)
                        .bind("")
                        .bind(&u.code)
                        .bind(&u.name)
                        .bind(fold_vi(&u.name))
                        .bind(u.kind)
                        .bind(u.level)
                        .bind("active")
                        .bind("")
                        .bind("")
                        .bind(at)
                        .bind(at)
                        .bind(u.level.map(|_| 40_i64))
                        .bind(u.level.map(|_| 800_i64));
                }
                q.fetch_all(&mut *c).await?
            });
            ids.extend(returned.into_iter().map(|(id, code)| (code, id)));
        }
        // The path is the parent's path and the zero-padded id (`crate::path_of`).
        exec(
            conn,
            "UPDATE units SET path = COALESCE((SELECT p.path FROM units p WHERE p.id = units.parent_id), '/') \
             || substr('000000000000' || id, length('000000000000' || id) - 11) || '/' WHERE path = ''",
        )
        .await?;
    }
    exec(conn, "COMMIT").await?;
    let schools = levels[2]
        .iter()
        .map(|u| {
            ids.get(&u.code)
                .copied()
                .ok_or(StoreError::NotFound("trường của bộ dữ liệu"))
        })
        .collect::<Result<Vec<i64>>>()?;
    Ok(Tree { schools })
}

/// The host of a URL, lower case, without port.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_lowercase))
        .unwrap_or_default()
}

/// Inserts one site per school (`urls[i]` for school i) with the given states (None: pending,
/// freshly registered). Returns the site ids in order.
async fn insert_sites(
    conn: &mut Conn,
    tree: &Tree,
    urls: &[String],
    states: Option<&[SiteState]>,
    t: OffsetDateTime,
) -> Result<Vec<i64>> {
    const COLUMNS: usize = 19;
    let per = rows_per_insert(conn, COLUMNS);
    let mut ids = Vec::with_capacity(urls.len());
    let created = t - Duration::days(60);
    for (n, chunk) in urls.chunks(per).enumerate() {
        if n.is_multiple_of(STATEMENTS_PER_TRANSACTION) {
            exec(conn, "BEGIN").await?;
        }
        let base = n * per;
        let sql = insert_sql(
            conn,
            "INSERT INTO sites (unit_id, url, host, kind, name, next_full_at, next_check_at, status, grade, score, \
             last_full_at, last_check_at, cert_expires_at, compromised, disclosure_gap, meets_standard, open_findings, \
             created_at, updated_at)",
            COLUMNS,
            chunk.len(),
        ) + " RETURNING id";
        let returned: Vec<(i64,)> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for (i, url) in chunk.iter().enumerate() {
                let s = states.and_then(|s| s.get(base + i));
                let inspected = s.is_some_and(|s| !s.pending);
                let status = match s {
                    Some(s) if s.pending => "pending",
                    Some(s) if s.down => "down",
                    Some(_) => "up",
                    None => "pending",
                };
                let last = inspected.then(|| t - Duration::hours(((base + i) % 24) as i64));
                q = q
                    .bind(tree.schools[base + i])
                    .bind(url)
                    .bind(host_of(url))
                    .bind("website")
                    .bind("Cổng thông tin điện tử")
                    .bind(t + Duration::hours(1 + ((base + i) % 24) as i64))
                    .bind(t + Duration::minutes(1 + ((base + i) % 60) as i64))
                    .bind(status)
                    .bind(s.and_then(|s| s.grade))
                    .bind(s.and_then(|s| s.score))
                    .bind(last)
                    .bind(last)
                    .bind(s.and_then(|s| s.cert_expires_at))
                    .bind(s.is_some_and(|s| s.compromised))
                    .bind(s.is_some_and(|s| s.disclosure_gap))
                    .bind(s.and_then(|s| s.meets_standard))
                    .bind(s.map_or(0, |s| s.findings.len() as i64))
                    .bind(created)
                    .bind(last.unwrap_or(created));
            }
            q.fetch_all(&mut *c).await?
        });
        ids.extend(returned.into_iter().map(|(id,)| id));
        if n % STATEMENTS_PER_TRANSACTION == STATEMENTS_PER_TRANSACTION - 1 {
            exec(conn, "COMMIT").await?;
        }
    }
    if !urls.chunks(per).len().is_multiple_of(STATEMENTS_PER_TRANSACTION) {
        exec(conn, "COMMIT").await?;
    }
    // What a registration keeps on each site: its unit's path.
    exec(
        conn,
        "UPDATE sites SET unit_path = (SELECT u.path FROM units u WHERE u.id = sites.unit_id)",
    )
    .await?;
    store_headline_states(conn).await?;
    Ok(ids)
}

/// What the runs keep on each site: its headline state (as `SiteState::derive`, the worst first:
/// an open compromise finding, down, an open expired-certificate finding, the standard's
/// verdict) and its list order. Run again once the findings are in.
async fn store_headline_states(conn: &mut Conn) -> Result<()> {
    exec(
        conn,
        "UPDATE sites SET state = CASE WHEN compromised THEN 'compromised' WHEN status = 'down' THEN 'down' \
         WHEN status = 'pending' THEN 'not_yet_inspected' \
         WHEN EXISTS (SELECT 1 FROM site_findings f WHERE f.site_id = sites.id AND f.state <> 'resolved' \
           AND f.code = 'tls_expired') THEN 'certificate_expired' \
         WHEN meets_standard = FALSE THEN 'fails_standard' ELSE 'fine' END",
    )
    .await?;
    exec(
        conn,
        "UPDATE sites SET list_rank = CASE state WHEN 'compromised' THEN 0 WHEN 'down' THEN 1 \
         WHEN 'certificate_expired' THEN 2 WHEN 'fails_standard' THEN 3 WHEN 'fine' THEN 4 ELSE 5 END",
    )
    .await
}

/// One stored run.
struct RunRow {
    site_id: i64,
    full: bool,
    at: OffsetDateTime,
    reachable: bool,
    grade: Option<&'static str>,
    score: Option<i64>,
    cert_expires_at: Option<OffsetDateTime>,
    pages: i64,
    findings: i64,
    meets: Option<bool>,
    elapsed_ms: i64,
}

/// Run `j` (0 = oldest) of `n` for a site. The last run is a full one that agrees with the
/// site's state; a site down now was graded by the full run before it (unless never reached).
fn run_row(params: &SitesBenchParams, index: u64, site_id: i64, s: &SiteState, j: u32, t: OffsetDateTime) -> RunRow {
    let n = params.runs_per_site;
    let mut rng = rng_for(params.seed, 12 + u64::from(j), index);
    let at = t - Duration::days(i64::from(n - j)) + Duration::seconds(rng.below(80_000) as i64);
    let from_end = n - 1 - j;
    let state_run = if s.down {
        from_end == 1 && s.grade.is_some()
    } else {
        from_end == 0
    };
    let never = s.grade.is_none();
    let full = from_end == 0 || state_run || from_end.is_multiple_of(4);
    let reachable = if from_end == 0 {
        !s.down
    } else if never {
        false
    } else {
        state_run || !chance(&mut rng, 30)
    };
    if state_run {
        return RunRow {
            site_id,
            full: true,
            at,
            reachable: true,
            grade: s.grade,
            score: s.score,
            cert_expires_at: s.cert_expires_at,
            pages: 3 + rng.below(28) as i64,
            findings: s.findings.len() as i64,
            meets: s.meets_standard,
            elapsed_ms: 800 + rng.below(9000) as i64,
        };
    }
    if !full || !reachable {
        return RunRow {
            site_id,
            full,
            at,
            reachable,
            grade: None,
            score: None,
            cert_expires_at: None,
            pages: 0,
            findings: i64::from(!reachable),
            meets: (full && !reachable).then_some(false),
            elapsed_ms: if reachable { 60 + rng.below(900) as i64 } else { 5000 },
        };
    }
    // An older full run: a grade near today's, the same certificate.
    let rank = s.grade.map_or(12, lanhmang_domain::supervision::grade_rank);
    let older = (rank + rng.below(3) as usize).min(GRADES.len() - 1);
    RunRow {
        site_id,
        full: true,
        at,
        reachable: true,
        grade: Some(GRADES[older]),
        score: Some((100 - 7 * older as i64).max(0)),
        cert_expires_at: s.cert_expires_at,
        pages: 3 + rng.below(28) as i64,
        findings: rng.below(7) as i64,
        meets: Some(chance(&mut rng, 400)),
        elapsed_ms: 800 + rng.below(9000) as i64,
    }
}

async fn insert_runs(conn: &mut Conn, rows: &[RunRow]) -> Result<()> {
    const COLUMNS: usize = 15;
    let per = rows_per_insert(conn, COLUMNS);
    for (n, chunk) in rows.chunks(per).enumerate() {
        if n.is_multiple_of(STATEMENTS_PER_TRANSACTION) {
            exec(conn, "BEGIN").await?;
        }
        let sql = insert_sql(
            conn,
            "INSERT INTO site_inspections (site_id, mode, worker, started_at, finished_at, reachable, http_status, grade, \
             score, cert_expires_at, pages_checked, broken_links, findings, meets_standard, elapsed_ms)",
            COLUMNS,
            chunk.len(),
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.site_id)
                    .bind(if r.full { "full" } else { "check" })
                    .bind("bench#0")
                    .bind(r.at)
                    .bind(r.at + Duration::seconds(r.elapsed_ms / 1000 + 1))
                    .bind(r.reachable)
                    .bind(r.reachable.then_some(200_i64))
                    .bind(r.grade)
                    .bind(r.score)
                    .bind(r.cert_expires_at)
                    .bind(r.pages)
                    .bind(if r.full && r.reachable { r.findings % 3 } else { 0 })
                    .bind(r.findings)
                    .bind(r.meets)
                    .bind(r.elapsed_ms);
            }
            q.execute(&mut *c).await?;
        });
        if n % STATEMENTS_PER_TRANSACTION == STATEMENTS_PER_TRANSACTION - 1 {
            exec(conn, "COMMIT").await?;
        }
    }
    if !rows.chunks(per).len().is_multiple_of(STATEMENTS_PER_TRANSACTION) {
        exec(conn, "COMMIT").await?;
    }
    Ok(())
}

/// (site id, code, severity, state, first seen, last seen, resolved at)
type FindingRow = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    OffsetDateTime,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

async fn insert_findings(conn: &mut Conn, rows: &[FindingRow]) -> Result<()> {
    const COLUMNS: usize = 8;
    let per = rows_per_insert(conn, COLUMNS);
    exec(conn, "BEGIN").await?;
    for chunk in rows.chunks(per) {
        let sql = insert_sql(
            conn,
            "INSERT INTO site_findings (site_id, code, severity, state, evidence, first_seen_at, last_seen_at, resolved_at)",
            COLUMNS,
            chunk.len(),
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (site, code, severity, state, first, last, resolved) in chunk {
                q = q
                    .bind(*site)
                    .bind(*code)
                    .bind(*severity)
                    .bind(*state)
                    .bind("bằng chứng (bộ dữ liệu benchmark)")
                    .bind(*first)
                    .bind(*last)
                    .bind(*resolved);
            }
            q.execute(&mut *c).await?;
        });
    }
    exec(conn, "COMMIT").await?;
    Ok(())
}

impl Store {
    /// A dedicated connection for bulk loading: SQLite without fsync and with a big cache,
    /// PostgreSQL without synchronous commit.
    async fn bulk_conn(&self) -> Result<Conn> {
        Ok(match &self.backend {
            Backend::Sqlite(pool) => {
                let options = (*pool.connect_options())
                    .clone()
                    .synchronous(SqliteSynchronous::Off)
                    .pragma("cache_size", "-262144");
                Conn::Sqlite(options.connect().await?)
            }
            Backend::Postgres(pool) => {
                let mut c = (*pool.connect_options()).clone().connect().await?;
                sqlx::raw_sql("SET synchronous_commit = off").execute(&mut c).await?;
                Conn::Postgres(c)
            }
        })
    }

    async fn refuse_non_empty(&self) -> Result<()> {
        if self.count_units().await? > 0 {
            return Err(StoreError::Conflict(
                "bộ dữ liệu benchmark chỉ được tạo trong một cơ sở dữ liệu trống".into(),
            ));
        }
        Ok(())
    }

    /// The department and offices of a benchmark dataset, and its number of sites.
    async fn sites_bench_layout(&self) -> Result<SitesBenchDataset> {
        let dept = self
            .unit_by_code(DEPARTMENT_CODE)
            .await?
            .ok_or(StoreError::NotFound("sở của bộ dữ liệu"))?;
        let offices: Vec<(i64, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, path FROM units WHERE kind = 'office' AND parent_id = $1 ORDER BY id",
        ).bind(dept.id).fetch_all(pool).await?);
        let (sites,): (i64,) =
            on_pool!(self, pool => sqlx::query_as("SELECT COUNT(*) FROM sites").fetch_one(pool).await?);
        Ok(SitesBenchDataset {
            department: dept.id,
            department_ancestry: dept.ancestry,
            offices: offices.into_iter().map(|(id, path)| (id, parse_path(&path))).collect(),
            sites,
        })
    }

    /// Reads back a dataset generated with exactly `params`, or None. The database must be migrated.
    pub async fn sites_bench_dataset(&self, params: &SitesBenchParams) -> Result<Option<SitesBenchDataset>> {
        if self.setting(MARKER_KEY).await?.as_deref() != Some(params.fingerprint().as_str()) {
            return Ok(None);
        }
        self.sites_bench_layout().await.map(Some)
    }

    /// Generates the overview benchmark's dataset into an empty, migrated database.
    pub async fn generate_sites_bench(
        &self,
        params: &SitesBenchParams,
        progress: &mut dyn FnMut(&str),
    ) -> Result<SitesBenchDataset> {
        params.check()?;
        self.refuse_non_empty().await?;
        let started = std::time::Instant::now();
        let mut conn = self.bulk_conn().await?;
        let schools = params.schools as usize;
        let tree = insert_tree(&mut conn, schools, params.office_size as usize).await?;
        progress(&format!(
            "units: 1 department, {} offices, {schools} schools ({:.1} s)",
            schools.div_ceil(params.office_size as usize),
            started.elapsed().as_secs_f64()
        ));
        let t = now();
        let states: Vec<SiteState> = (0..schools as u64).map(|i| site_state(params, i, t)).collect();
        let urls: Vec<String> = (0..schools).map(|i| format!("https://t{:06}.edu.vn/", i + 1)).collect();
        let site_ids = insert_sites(&mut conn, &tree, &urls, Some(&states), t).await?;
        progress(&format!(
            "sites: {} ({:.1} s)",
            site_ids.len(),
            started.elapsed().as_secs_f64()
        ));
        // Runs day by day, every site each day, as the workers would have stored them.
        let mut total = 0usize;
        for j in 0..params.runs_per_site {
            let rows: Vec<RunRow> = states
                .iter()
                .zip(&site_ids)
                .enumerate()
                .filter(|(_, (s, _))| !s.pending)
                .map(|(i, (s, &id))| run_row(params, i as u64, id, s, j, t))
                .collect();
            total += rows.len();
            insert_runs(&mut conn, &rows).await?;
            if (j + 1).is_multiple_of(5) || j + 1 == params.runs_per_site {
                progress(&format!(
                    "runs: {total} after day {} of {} ({:.1} s)",
                    j + 1,
                    params.runs_per_site,
                    started.elapsed().as_secs_f64()
                ));
            }
        }
        // Findings: the live ones, and about one resolved finding for every second site.
        let mut findings: Vec<FindingRow> = Vec::new();
        let first = t - Duration::days(i64::from(params.runs_per_site));
        for (i, (s, &id)) in states.iter().zip(&site_ids).enumerate() {
            if s.pending {
                continue;
            }
            let mut rng = rng_for(params.seed, 13, i as u64);
            for &(code, severity, state) in &s.findings {
                let seen = first + Duration::days(rng.below(u64::from(params.runs_per_site)) as i64);
                findings.push((id, code, severity, state, seen, t - Duration::hours(2), None));
            }
            if chance(&mut rng, 500) {
                let (code, severity) = OTHER_CODES[rng.below(OTHER_CODES.len() as u64) as usize];
                let seen = first + Duration::days(rng.below(5) as i64);
                findings.push((
                    id,
                    code,
                    severity,
                    "resolved",
                    seen,
                    seen + Duration::days(3),
                    Some(seen + Duration::days(4)),
                ));
            }
        }
        insert_findings(&mut conn, &findings).await?;
        store_headline_states(&mut conn).await?;
        exec(
            &mut conn,
            "UPDATE sites SET last_inspection_id = (SELECT MAX(i.id) FROM site_inspections i WHERE i.site_id = sites.id)",
        )
        .await?;
        progress(&format!(
            "findings: {} ({:.1} s)",
            findings.len(),
            started.elapsed().as_secs_f64()
        ));
        on_conn!(&mut conn, c => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
                .bind(MARKER_KEY)
                .bind(params.fingerprint())
                .execute(&mut *c)
                .await?;
        });
        on_conn!(conn, c => sqlx::Connection::close(c).await?);
        self.sites_bench_layout().await
    }

    /// Registers `urls` as freshly added websites (pending, no run), one per school of a new
    /// department with offices of `office_size` schools, into an empty, migrated database.
    pub async fn register_bench_sites(&self, urls: &[String], office_size: u32) -> Result<SitesBenchDataset> {
        self.refuse_non_empty().await?;
        let mut conn = self.bulk_conn().await?;
        let tree = insert_tree(&mut conn, urls.len(), office_size.max(1) as usize).await?;
        insert_sites(&mut conn, &tree, urls, None, now()).await?;
        on_conn!(conn, c => sqlx::Connection::close(c).await?);
        self.sites_bench_layout().await
    }

    /// The baseline: the overview of a subtree computed from the stored runs (each site's latest
    /// run, and its latest full run that reached the site) and the live findings, as a design
    /// without the latest state on `sites` would have to. Reads every run and every finding.
    pub async fn bench_overview_from_runs(&self, ancestry: &[i64]) -> Result<Overview> {
        let (low, high) = path_range_of(ancestry);
        let t = now();
        let compromise = COMPROMISE_CODES.map(|c| format!("'{c}'")).join(", ");
        let disclosure = DISCLOSURE_CODES.map(|c| format!("'{c}'")).join(", ");
        let sql = format!(
            "WITH latest AS (\
               SELECT site_id, MAX(id) AS last_id, MAX(CASE WHEN mode = 'full' AND reachable THEN id END) AS graded_id \
               FROM site_inspections GROUP BY site_id), \
             live AS (\
               SELECT site_id, COUNT(*) AS open, \
               MAX(CASE WHEN code IN ({compromise}) THEN 1 ELSE 0 END) AS compromised, \
               MAX(CASE WHEN code IN ({disclosure}) THEN 1 ELSE 0 END) AS disclosure \
               FROM site_findings WHERE state <> 'resolved' GROUP BY site_id) \
             SELECT g.grade, COUNT(*), \
             SUM(CASE WHEN r.id IS NULL THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.reachable THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.reachable = FALSE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN g.cert_expires_at >= $1 AND g.cert_expires_at < $2 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN g.cert_expires_at < $1 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.compromised = 1 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.disclosure = 1 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.reachable AND g.meets_standard THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.reachable = FALSE OR g.meets_standard = FALSE THEN 1 ELSE 0 END), \
             CAST(COALESCE(SUM(f.open), 0) AS BIGINT) \
             FROM sites s JOIN units u ON u.id = s.unit_id \
             LEFT JOIN latest l ON l.site_id = s.id \
             LEFT JOIN site_inspections r ON r.id = l.last_id \
             LEFT JOIN site_inspections g ON g.id = l.graded_id \
             LEFT JOIN live f ON f.site_id = s.id \
             WHERE s.active AND u.path >= $3 AND u.path < $4 GROUP BY g.grade"
        );
        type Row = (Option<String>, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(t)
                .bind(t + Duration::days(30))
                .bind(&low)
                .bind(&high)
                .fetch_all(pool)
                .await?
        });
        let mut o = Overview::default();
        for r in rows {
            o.total += r.1;
            o.pending += r.2;
            o.up += r.3;
            o.down += r.4;
            o.cert_expiring += r.5;
            o.cert_expired += r.6;
            o.compromised += r.7;
            o.disclosure_gap += r.8;
            o.meets_standard += r.9;
            o.failing_standard += r.10;
            o.open_findings += r.11;
            if let Some(g) = r.0 {
                o.grades.push((g, r.1));
            }
        }
        o.grades
            .sort_by_key(|(g, _)| lanhmang_domain::supervision::grade_rank(g));
        o.states = self.bench_states_from_runs(&low, &high).await?;
        Ok(o)
    }

    /// Each site's headline state derived again from its latest run, its latest graded run and
    /// its open findings (what the stored `sites.state` saves reading), counted per state.
    async fn bench_states_from_runs(&self, low: &str, high: &str) -> Result<Vec<(Headline, i64)>> {
        let sites: Vec<(i64, Option<bool>, Option<bool>)> = on_pool!(self, pool => sqlx::query_as(
            "WITH latest AS (\
               SELECT site_id, MAX(id) AS last_id, MAX(CASE WHEN mode = 'full' AND reachable THEN id END) AS graded_id \
               FROM site_inspections GROUP BY site_id) \
             SELECT s.id, r.reachable, g.meets_standard FROM sites s JOIN units u ON u.id = s.unit_id \
             LEFT JOIN latest l ON l.site_id = s.id \
             LEFT JOIN site_inspections r ON r.id = l.last_id \
             LEFT JOIN site_inspections g ON g.id = l.graded_id \
             WHERE s.active AND u.path >= $1 AND u.path < $2",
        ).bind(low).bind(high).fetch_all(pool).await?);
        let open: Vec<(i64, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT site_id, code FROM site_findings WHERE state <> 'resolved'",
        ).fetch_all(pool).await?);
        let mut codes: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        for (site, code) in open {
            codes.entry(site).or_default().push(code);
        }
        let mut counts: std::collections::HashMap<Headline, i64> = std::collections::HashMap::new();
        for (id, reachable, meets) in sites {
            let open = codes.get(&id).map(Vec::as_slice).unwrap_or_default();
            let state = Headline::derive(reachable, meets, open.iter().map(String::as_str));
            *counts.entry(state).or_insert(0) += 1;
        }
        Ok(Headline::ALL
            .into_iter()
            .map(|st| (st, counts.get(&st).copied().unwrap_or(0)))
            .collect())
    }

    /// Stored runs by worker process (the worker name up to its '#' task suffix).
    pub async fn bench_runs_by_worker(&self) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT worker, COUNT(*) FROM site_inspections GROUP BY worker",
        ).fetch_all(pool).await?);
        let mut by: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
        for (w, n) in rows {
            let process = w.split('#').next().unwrap_or(&w).to_string();
            *by.entry(process).or_insert(0) += n;
        }
        Ok(by.into_iter().collect())
    }

    /// Jobs of a kind claimed more than once (taken again after a lease ran out, or retried),
    /// and the stored runs with a job.
    pub async fn bench_job_attempts(&self, kind: &str) -> Result<(i64, i64)> {
        let (again,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND attempts > 1",
        ).bind(kind).fetch_one(pool).await?);
        let (runs,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM site_inspections WHERE job_id IS NOT NULL",
        ).fetch_one(pool).await?);
        Ok((again, runs))
    }

    /// Rows in the supervision tables.
    pub async fn bench_supervision_rows(&self) -> Result<Vec<(&'static str, i64)>> {
        const TABLES: [(&str, &str); 5] = [
            ("units", "SELECT COUNT(*) FROM units"),
            ("sites", "SELECT COUNT(*) FROM sites"),
            ("site_inspections", "SELECT COUNT(*) FROM site_inspections"),
            ("site_findings", "SELECT COUNT(*) FROM site_findings"),
            ("jobs", "SELECT COUNT(*) FROM jobs"),
        ];
        let mut out = Vec::new();
        for (name, sql) in TABLES {
            let (n,): (i64,) = on_pool!(self, pool => sqlx::query_as(sql).fetch_one(pool).await?);
            out.push((name, n));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::SiteFilter;
    use crate::test_support::{TestDb, both_backends};

    both_backends!(a_small_dataset_agrees_with_its_baseline_on_every_backend);
    async fn a_small_dataset_agrees_with_its_baseline_on_every_backend(backend: &'static str) {
        let params = SitesBenchParams {
            schools: 600,
            office_size: 50,
            runs_per_site: 6,
            findings_per_site: 3,
            seed: 7,
        };
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let data = store.generate_sites_bench(&params, &mut |_| {}).await.unwrap();
            assert_eq!(data.sites, 600, "{backend}");
            assert_eq!(data.offices.len(), 12, "{backend}");
            let overview = store.sites_overview(&[data.department], None).await.unwrap();
            let baseline = store.bench_overview_from_runs(&data.department_ancestry).await.unwrap();
            assert_eq!(overview.total, 600, "{backend}");
            assert!(
                overview.pending > 0 && overview.down > 0 && overview.cert_expired > 0,
                "{backend}: {overview:?}"
            );
            assert_eq!(format!("{overview:?}"), format!("{baseline:?}"), "{backend}");
            let (rows, total) = store
                .list_sites(
                    &SiteFilter {
                        roots: vec![data.department],
                        status: Some("down".into()),
                        ..Default::default()
                    },
                    lanhmang_domain::Paging::default(),
                )
                .await
                .unwrap();
            assert_eq!(total, overview.down, "{backend}");
            assert!(rows.iter().all(|s| s.status == "down"), "{backend}");
            assert!(store.sites_bench_dataset(&params).await.unwrap().is_some(), "{backend}");
            drop(store);
            db.cleanup().await;
        }
    }
}
