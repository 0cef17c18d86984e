//! Yearly evaluation reports: one per school per plan, their values, their history, and the
//! live figures the office dashboard reads straight from them (no batch rebuild).

use crate::BeginWrite;
use std::collections::BTreeMap;

use lanhmang_domain::report::{IndicatorSums, IndicatorValue, ReportEvent, ReportStatus, Value, is_late, transition};
use lanhmang_domain::{Paging, SchoolLevel, UnitStatus};
use time::OffsetDateTime;

use crate::plans::{Plan, stale};
use crate::units::unique_to_conflict;
use crate::{AuditContext, Result, Store, StoreError, now, path_range_of, range_condition};

/// Inserts one indicator value inside the open transaction `$tx`.
macro_rules! insert_value_in_tx {
    ($tx:expr, $report_id:expr, $code:expr, $v:expr) => {{
        let v: &IndicatorValue = $v;
        let (number, text) = match &v.value {
            Some(Value::Number(n)) => (Some(*n), None),
            Some(Value::Text(t)) => (None, Some(t.clone())),
            None => (None, None),
        };
        sqlx::query(
            "INSERT INTO report_values (report_id, indicator, number_value, text_value, computed_value, override_reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($report_id)
        .bind($code.as_str())
        .bind(number)
        .bind(text)
        .bind(v.computed)
        .bind(v.override_reason.as_str())
        .execute(&mut *$tx)
        .await
        .map_err(|e| unique_to_conflict(e, "Chỉ tiêu bị trùng trong báo cáo."))?;
    }};
}

/// The narrative parts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Narrative {
    #[serde(default)]
    pub results: String,
    #[serde(default)]
    pub strengths: String,
    #[serde(default)]
    pub limitations: String,
    #[serde(default)]
    pub proposals: String,
}

impl Narrative {
    pub fn as_map(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("results", self.results.clone()),
            ("strengths", self.strengths.clone()),
            ("limitations", self.limitations.clone()),
            ("proposals", self.proposals.clone()),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    pub id: i64,
    pub plan_id: i64,
    pub unit_id: i64,
    pub status: ReportStatus,
    pub version: i64,
    pub narrative: Narrative,
    pub review_comment: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub late: Option<bool>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub values: BTreeMap<String, IndicatorValue>,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    plan_id: i64,
    unit_id: i64,
    status: String,
    version: i64,
    results: String,
    strengths: String,
    limitations: String,
    proposals: String,
    review_comment: String,
    first_submitted_at: Option<OffsetDateTime>,
    submitted_at: Option<OffsetDateTime>,
    late: Option<bool>,
    accepted_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
}

const REPORT_COLUMNS: &str = "id, plan_id, unit_id, status, version, results, strengths, limitations, proposals, \
     review_comment, first_submitted_at, submitted_at, late, accepted_at, updated_at";

/// One step in a report's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ReportHistoryEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The account's username, as recorded.
    pub actor: String,
    /// The person's name when the step was taken by a person (the username otherwise).
    pub actor_name: String,
    pub event: String,
    pub comment: String,
    /// Who the step told ("Đã báo cho …"), empty for steps that tell no one.
    pub notified: String,
}

/// Reports expected and received, for one school level (None: schools without a level).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LevelProgress {
    pub level: Option<SchoolLevel>,
    pub expected: i64,
    pub submitted: i64,
    pub on_time: i64,
    pub late: i64,
    pub accepted: i64,
    pub returned: i64,
    pub draft: i64,
    /// Accepted, then opened again by the office: being corrected, not received.
    pub reopened: i64,
}

/// What the dashboard reads: counts by level, indicator sums by level, first submission times.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DashboardData {
    pub by_level: Vec<LevelProgress>,
    /// (indicator, level, sums over received reports).
    pub indicators: Vec<(String, Option<SchoolLevel>, IndicatorSums)>,
    #[serde(skip)]
    pub first_submissions: Vec<OffsetDateTime>,
}

/// A school that has not sent its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReport {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub school_level: Option<SchoolLevel>,
    pub status: Option<ReportStatus>,
    pub activities: i64,
}

/// A report row as the office's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportListEntry {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub school_level: Option<SchoolLevel>,
    pub unit_status: UnitStatus,
    pub status: Option<ReportStatus>,
    pub submitted_at: Option<OffsetDateTime>,
    pub late: Option<bool>,
}

/// Filters for the office's list of reports.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// None: every school. Some(None): schools with no report yet.
    pub status: Option<Option<ReportStatus>>,
    pub level: Option<SchoolLevel>,
    /// Only schools that have not sent theirs (no report, draft, returned or reopened).
    pub missing_only: bool,
}

const IN: &str = "('submitted', 'accepted')";

impl Store {
    pub async fn report(&self, plan_id: i64, unit_id: i64) -> Result<Option<Report>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE plan_id = $1 AND unit_id = $2");
        let row: Option<ReportRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(plan_id).bind(unit_id).fetch_optional(pool).await?);
        let Some(r) = row else { return Ok(None) };
        let values = self.report_values(r.id).await?;
        Ok(Some(Report {
            id: r.id,
            plan_id: r.plan_id,
            unit_id: r.unit_id,
            status: ReportStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("status {}", r.status)))?,
            version: r.version,
            narrative: Narrative {
                results: r.results,
                strengths: r.strengths,
                limitations: r.limitations,
                proposals: r.proposals,
            },
            review_comment: r.review_comment,
            first_submitted_at: r.first_submitted_at,
            submitted_at: r.submitted_at,
            late: r.late,
            accepted_at: r.accepted_at,
            updated_at: r.updated_at,
            values,
        }))
    }

    async fn report_values(&self, report_id: i64) -> Result<BTreeMap<String, IndicatorValue>> {
        type Row = (String, Option<f64>, Option<String>, Option<f64>, String);
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT indicator, number_value, text_value, computed_value, override_reason FROM report_values WHERE report_id = $1",
        ).bind(report_id).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(code, n, t, computed, reason)| {
                let value = match (n, t) {
                    (Some(n), _) => Some(Value::Number(n)),
                    (None, Some(t)) => Some(Value::Text(t)),
                    (None, None) => None,
                };
                (
                    code,
                    IndicatorValue {
                        value,
                        computed,
                        override_reason: reason,
                    },
                )
            })
            .collect())
    }

    /// The report of a school for a plan, created as a draft pre-filled with `prefill` when it
    /// does not exist yet.
    pub async fn ensure_report(
        &self,
        ctx: &AuditContext,
        plan_id: i64,
        unit_id: i64,
        prefill: &BTreeMap<String, IndicatorValue>,
    ) -> Result<Report> {
        if let Some(r) = self.report(plan_id, unit_id).await? {
            return Ok(r);
        }
        let at = now();
        let created = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO reports (plan_id, unit_id, status, version, created_at, updated_at) VALUES ($1, $2, 'draft', $4, $3, $3) \
                 ON CONFLICT (plan_id, unit_id) DO NOTHING RETURNING id",
            )
            .bind(plan_id)
            .bind(unit_id)
            .bind(at)
            .bind(lanhmang_domain::report::FIRST_REPORT_VERSION)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((id,)) = inserted {
                for (code, v) in prefill {
                    insert_value_in_tx!(tx, id, code, v);
                }
                sqlx::query("INSERT INTO report_events (report_id, at, actor_person_id, actor, event, comment) VALUES ($1, $2, $3, $4, 'created', '')")
                    .bind(id).bind(at).bind(ctx.actor_id).bind(&ctx.actor).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            inserted.is_some()
        });
        let _ = created;
        self.report(plan_id, unit_id)
            .await?
            .ok_or(StoreError::NotFound("báo cáo"))
    }

    /// Saves a draft or returned report: narrative and values together, or nothing.
    pub async fn save_report(
        &self,
        ctx: &AuditContext,
        report: &Report,
        expected_version: i64,
        narrative: &Narrative,
        values: &BTreeMap<String, IndicatorValue>,
    ) -> Result<Report> {
        transition(report.status, ReportEvent::Save, "").map_err(|e| StoreError::Conflict(e.to_string()))?;
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE reports SET results = $1, strengths = $2, limitations = $3, proposals = $4, version = version + 1, \
                 updated_at = $5 WHERE id = $6 AND version = $7 AND status IN ('draft', 'returned', 'reopened')",
            )
            .bind(narrative.results.trim())
            .bind(narrative.strengths.trim())
            .bind(narrative.limitations.trim())
            .bind(narrative.proposals.trim())
            .bind(at)
            .bind(report.id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                let (current, status): (i64, String) = sqlx::query_as("SELECT version, status FROM reports WHERE id = $1")
                    .bind(report.id).fetch_one(&mut *tx).await?;
                if let Some(s) = ReportStatus::parse(&status) {
                    transition(s, ReportEvent::Save, "").map_err(|e| StoreError::Conflict(e.to_string()))?;
                }
                return Err(stale("Báo cáo", current));
            }
            sqlx::query("DELETE FROM report_values WHERE report_id = $1").bind(report.id).execute(&mut *tx).await?;
            for (code, v) in values {
                insert_value_in_tx!(tx, report.id, code, v);
            }
            sqlx::query("INSERT INTO report_events (report_id, at, actor_person_id, actor, event, comment) VALUES ($1, $2, $3, $4, 'saved', '')")
                .bind(report.id).bind(at).bind(ctx.actor_id).bind(&ctx.actor).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        self.report(report.plan_id, report.unit_id)
            .await?
            .ok_or(StoreError::NotFound("báo cáo"))
    }

    /// Moves a report through its states. Submissions are timed against the plan's deadline
    /// (the first submission decides); every step is in the report's history and the audit log.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition_report(
        &self,
        ctx: &AuditContext,
        plan: &Plan,
        report: &Report,
        expected_version: i64,
        event: ReportEvent,
        comment: &str,
        outgoing: &crate::notifications::Outgoing,
        notified: &str,
    ) -> Result<Report> {
        for mail in &outgoing.mails {
            mail.check()?;
        }
        let to = transition(report.status, event, comment).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let at = now();
        // Timeliness is decided once, by the first submission.
        let late_if_first = is_late(at, plan.deadline);
        let comment = comment.trim().to_string();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE reports SET status = $1, version = version + 1, updated_at = $2, \
                 first_submitted_at = CASE WHEN $1 = 'submitted' AND first_submitted_at IS NULL THEN $2 ELSE first_submitted_at END, \
                 submitted_at = CASE WHEN $1 = 'submitted' THEN $2 ELSE submitted_at END, \
                 accepted_at = CASE WHEN $1 = 'accepted' THEN $2 WHEN $3 = 'reopened' THEN NULL ELSE accepted_at END, \
                 review_comment = CASE WHEN $3 IN ('returned', 'reopened') THEN $4 ELSE review_comment END, \
                 late = CASE WHEN $1 = 'submitted' AND first_submitted_at IS NULL THEN $5 ELSE late END \
                 WHERE id = $6 AND version = $7 AND status = $8",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(event.as_str())
            .bind(&comment)
            .bind(late_if_first)
            .bind(report.id)
            .bind(expected_version)
            .bind(report.status.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                let (current,): (i64,) = sqlx::query_as("SELECT version FROM reports WHERE id = $1")
                    .bind(report.id).fetch_one(&mut *tx).await?;
                return Err(stale("Báo cáo", current));
            }
            sqlx::query("INSERT INTO report_events (report_id, at, actor_person_id, actor, event, comment, notified) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(report.id).bind(at).bind(ctx.actor_id).bind(&ctx.actor).bind(event.as_str()).bind(&comment).bind(notified)
                .execute(&mut *tx).await?;
            audit_in_tx!(self, tx, ctx, match event {
                ReportEvent::Submit => "report.submit",
                ReportEvent::Return => "report.return",
                ReportEvent::Accept => "report.accept",
                ReportEvent::Reopen => "report.reopen",
                ReportEvent::RequestReopen => "report.reopen_request",
                ReportEvent::Save => "report.save",
            }, format!("plan:{}/unit:{}", plan.id, report.unit_id), comment.clone());
            // What the change tells people is written with it: both happen, or neither.
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
        });
        self.report(report.plan_id, report.unit_id)
            .await?
            .ok_or(StoreError::NotFound("báo cáo"))
    }

    /// Records a step that changes nothing in the report itself (a school asking for its
    /// accepted report to be reopened): the step with who it told, its audit entry and the
    /// messages, in one transaction. The state machine must allow the step.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_report_step(
        &self,
        ctx: &AuditContext,
        report: &Report,
        event: ReportEvent,
        comment: &str,
        outgoing: &crate::notifications::Outgoing,
        notified: &str,
    ) -> Result<()> {
        for mail in &outgoing.mails {
            mail.check()?;
        }
        let to = transition(report.status, event, comment).map_err(|e| StoreError::Conflict(e.to_string()))?;
        if to != report.status {
            return Err(StoreError::Conflict(format!(
                "«{}» thay đổi trạng thái báo cáo; không ghi được như một bước không đổi trạng thái.",
                event.label()
            )));
        }
        let at = now();
        let comment = comment.trim().to_string();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The report must still be in the state the step was decided on.
            let (status,): (String,) = sqlx::query_as("SELECT status FROM reports WHERE id = $1")
                .bind(report.id).fetch_one(&mut *tx).await?;
            if status != report.status.as_str() {
                let now_status = ReportStatus::parse(&status).map(ReportStatus::label).unwrap_or("khác");
                return Err(StoreError::Conflict(format!(
                    "Báo cáo vừa chuyển sang trạng thái «{now_status}»; hãy tải lại trang."
                )));
            }
            sqlx::query("INSERT INTO report_events (report_id, at, actor_person_id, actor, event, comment, notified) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(report.id).bind(at).bind(ctx.actor_id).bind(&ctx.actor).bind(event.as_str()).bind(&comment).bind(notified)
                .execute(&mut *tx).await?;
            audit_in_tx!(self, tx, ctx, "report.reopen_request", format!("plan:{}/unit:{}", report.plan_id, report.unit_id), comment.clone());
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// When the report was last accepted and by whom (the person's name when the account still
    /// exists, else the name recorded with the step).
    pub async fn report_acceptance(&self, report_id: i64) -> Result<Option<(OffsetDateTime, String)>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT e.at, COALESCE(p.display_name, e.actor) FROM report_events e \
             LEFT JOIN people p ON p.id = e.actor_person_id \
             WHERE e.report_id = $1 AND e.event = 'accepted' ORDER BY e.at DESC, e.id DESC LIMIT 1",
        ).bind(report_id).fetch_optional(pool).await?))
    }

    pub async fn report_history(&self, report_id: i64) -> Result<Vec<ReportHistoryEntry>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT e.at, e.actor, COALESCE(p.display_name, e.actor) AS actor_name, e.event, e.comment, e.notified \
             FROM report_events e LEFT JOIN people p ON p.id = e.actor_person_id \
             WHERE e.report_id = $1 AND e.event <> 'saved' ORDER BY e.at DESC, e.id DESC",
        ).bind(report_id).fetch_all(pool).await?))
    }

    /// Live figures for one plan over the schools in `roots` (within the plan's reach).
    pub async fn plan_dashboard(&self, plan: &Plan, roots: &[i64]) -> Result<DashboardData> {
        let ranges = self.subtree_ranges(roots).await?;
        let issuer = path_range_of(&plan.issuing_ancestry);
        let (scope, binds) = range_condition("u.path", &ranges, 4);
        let schools = format!(
            "FROM units u LEFT JOIN reports r ON r.plan_id = $1 AND r.unit_id = u.id \
             WHERE u.kind = 'school' AND u.path >= $2 AND u.path < $3 AND {scope} \
             AND (u.status = 'active' OR r.status IN {IN})"
        );
        let progress_sql = format!(
            "SELECT u.school_level, COUNT(*), \
             SUM(CASE WHEN r.status IN {IN} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status IN {IN} AND r.late = FALSE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status IN {IN} AND r.late = TRUE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'accepted' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'returned' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'draft' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'reopened' THEN 1 ELSE 0 END) \
             {schools} GROUP BY u.school_level"
        );
        let values_sql = format!(
            "SELECT v.indicator, u.school_level, COUNT(v.number_value), SUM(v.number_value), \
             SUM(CASE WHEN v.number_value > 0 THEN 1 ELSE 0 END), MIN(v.number_value), MAX(v.number_value) \
             FROM reports r JOIN units u ON u.id = r.unit_id JOIN report_values v ON v.report_id = r.id \
             WHERE r.plan_id = $1 AND r.status IN {IN} AND u.path >= $2 AND u.path < $3 AND {scope} \
             GROUP BY v.indicator, u.school_level"
        );
        let times_sql = format!(
            "SELECT r.first_submitted_at FROM reports r JOIN units u ON u.id = r.unit_id \
             WHERE r.plan_id = $1 AND r.status IN {IN} AND u.path >= $2 AND u.path < $3 AND {scope}"
        );
        self.dashboard_queries(&progress_sql, &values_sql, &times_sql, plan.id, &issuer, &binds)
            .await
    }

    /// The same figures over every published plan of a school year issued inside `roots`: a
    /// department's rollup over its offices. Each (plan, school) pair is one expected report.
    pub async fn year_rollup(&self, school_year: i32, roots: &[i64]) -> Result<DashboardData> {
        let ranges = self.subtree_ranges(roots).await?;
        // The issuer must be inside the scope; schools are inside their issuer's subtree.
        let (scope, binds) = range_condition("i.path", &ranges, 4);
        let reach = "u.path >= i.path AND u.path < substr(i.path, 1, length(i.path) - 1) || '0'";
        let plans_where = format!("p.school_year = $1 AND p.status = 'published' AND $2 = $2 AND $3 = $3 AND {scope}");
        let progress_sql = format!(
            "SELECT u.school_level, COUNT(*), \
             SUM(CASE WHEN r.status IN {IN} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status IN {IN} AND r.late = FALSE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status IN {IN} AND r.late = TRUE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'accepted' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'returned' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'draft' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN r.status = 'reopened' THEN 1 ELSE 0 END) \
             FROM plans p JOIN units i ON i.id = p.issuing_unit_id \
             JOIN units u ON {reach} AND u.kind = 'school' \
             LEFT JOIN reports r ON r.plan_id = p.id AND r.unit_id = u.id \
             WHERE {plans_where} AND (u.status = 'active' OR r.status IN {IN}) GROUP BY u.school_level"
        );
        let values_sql = format!(
            "SELECT v.indicator, u.school_level, COUNT(v.number_value), SUM(v.number_value), \
             SUM(CASE WHEN v.number_value > 0 THEN 1 ELSE 0 END), MIN(v.number_value), MAX(v.number_value) \
             FROM plans p JOIN units i ON i.id = p.issuing_unit_id JOIN reports r ON r.plan_id = p.id AND r.status IN {IN} \
             JOIN units u ON u.id = r.unit_id JOIN report_values v ON v.report_id = r.id \
             WHERE {plans_where} GROUP BY v.indicator, u.school_level"
        );
        let times_sql = format!(
            "SELECT r.first_submitted_at FROM plans p JOIN units i ON i.id = p.issuing_unit_id \
             JOIN reports r ON r.plan_id = p.id AND r.status IN {IN} WHERE {plans_where}"
        );
        // $2 and $3 are unused here; they keep the placeholders aligned with the plan queries.
        let unused = (String::new(), String::new());
        self.dashboard_queries(
            &progress_sql,
            &values_sql,
            &times_sql,
            i64::from(school_year),
            &unused,
            &binds,
        )
        .await
    }

    async fn dashboard_queries(
        &self,
        progress_sql: &str,
        values_sql: &str,
        times_sql: &str,
        first: i64,
        issuer: &(String, String),
        binds: &[String],
    ) -> Result<DashboardData> {
        type Progress = (
            Option<String>,
            i64,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        );
        type Sums = (
            String,
            Option<String>,
            i64,
            Option<f64>,
            Option<i64>,
            Option<f64>,
            Option<f64>,
        );
        let (progress, sums, times): (Vec<Progress>, Vec<Sums>, Vec<(Option<OffsetDateTime>,)>) = on_pool!(self, pool => {
            let mut p = sqlx::query_as::<_, Progress>(sqlx::AssertSqlSafe(progress_sql)).bind(first).bind(&issuer.0).bind(&issuer.1);
            let mut v = sqlx::query_as::<_, Sums>(sqlx::AssertSqlSafe(values_sql)).bind(first).bind(&issuer.0).bind(&issuer.1);
            let mut t = sqlx::query_as::<_, (Option<OffsetDateTime>,)>(sqlx::AssertSqlSafe(times_sql)).bind(first).bind(&issuer.0).bind(&issuer.1);
            for b in binds {
                p = p.bind(b.clone());
                v = v.bind(b.clone());
                t = t.bind(b.clone());
            }
            (p.fetch_all(pool).await?, v.fetch_all(pool).await?, t.fetch_all(pool).await?)
        });
        let mut by_level: Vec<LevelProgress> = progress
            .into_iter()
            .map(
                |(level, expected, submitted, on_time, late, accepted, returned, draft, reopened)| LevelProgress {
                    level: level.as_deref().and_then(SchoolLevel::parse),
                    expected,
                    submitted: submitted.unwrap_or(0),
                    on_time: on_time.unwrap_or(0),
                    late: late.unwrap_or(0),
                    accepted: accepted.unwrap_or(0),
                    returned: returned.unwrap_or(0),
                    draft: draft.unwrap_or(0),
                    reopened: reopened.unwrap_or(0),
                },
            )
            .collect();
        by_level.sort_by_key(|l| l.level.map(|l| l.as_str()));
        let indicators = sums
            .into_iter()
            .map(|(code, level, reporting, sum, positive, min, max)| {
                (
                    code,
                    level.as_deref().and_then(SchoolLevel::parse),
                    IndicatorSums {
                        reporting,
                        sum: sum.unwrap_or(0.0),
                        positive: positive.unwrap_or(0),
                        min,
                        max,
                    },
                )
            })
            .collect();
        let mut first_submissions: Vec<OffsetDateTime> = times.into_iter().filter_map(|(t,)| t).collect();
        first_submissions.sort();
        Ok(DashboardData {
            by_level,
            indicators,
            first_submissions,
        })
    }

    /// Schools of a plan in `roots` with their report's state, filtered and paginated by code.
    pub async fn plan_reports(
        &self,
        plan: &Plan,
        roots: &[i64],
        filter: &ReportFilter,
        paging: Paging,
    ) -> Result<(Vec<ReportListEntry>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let issuer = path_range_of(&plan.issuing_ancestry);
        let (scope, binds) = range_condition("u.path", &ranges, 4);
        let mut conditions = vec![format!("(u.status = 'active' OR r.status IN {IN})")];
        let mut texts = Vec::new();
        let mut next = 4 + binds.len();
        if filter.missing_only {
            conditions.push("(r.status IS NULL OR r.status IN ('draft', 'returned', 'reopened'))".into());
        }
        match &filter.status {
            Some(Some(s)) => {
                conditions.push(format!("r.status = ${next}"));
                texts.push(s.as_str().to_string());
                next += 1;
            }
            Some(None) => conditions.push("r.status IS NULL".into()),
            None => {}
        }
        if let Some(level) = filter.level {
            conditions.push(format!("u.school_level = ${next}"));
            texts.push(level.as_str().to_string());
            next += 1;
        }
        let base = format!(
            "FROM units u LEFT JOIN reports r ON r.plan_id = $1 AND r.unit_id = u.id \
             WHERE u.kind = 'school' AND u.path >= $2 AND u.path < $3 AND {scope} AND {}",
            conditions.join(" AND ")
        );
        let count_sql = format!("SELECT COUNT(*) {base}");
        let list_sql = format!(
            "SELECT u.id, u.code, u.name, u.school_level, u.status, r.status, r.submitted_at, r.late {base} \
             ORDER BY u.path LIMIT ${next} OFFSET ${}",
            next + 1
        );
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<OffsetDateTime>,
            Option<bool>,
        );
        let (rows, total): (Vec<Row>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str())).bind(plan.id).bind(&issuer.0).bind(&issuer.1);
            let mut list = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(list_sql.as_str())).bind(plan.id).bind(&issuer.0).bind(&issuer.1);
            for b in binds.iter().chain(texts.iter()) {
                count = count.bind(b.clone());
                list = list.bind(b.clone());
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        let entries = rows
            .into_iter()
            .map(
                |(unit_id, unit_code, unit_name, level, unit_status, status, submitted_at, late)| ReportListEntry {
                    unit_id,
                    unit_code,
                    unit_name,
                    school_level: level.as_deref().and_then(SchoolLevel::parse),
                    unit_status: UnitStatus::parse(&unit_status).unwrap_or(UnitStatus::Active),
                    status: status.as_deref().and_then(ReportStatus::parse),
                    submitted_at,
                    late,
                },
            )
            .collect();
        Ok((entries, total))
    }

    /// Every received report of a plan in `roots` with its values, for the aggregated documents.
    pub async fn received_reports(&self, plan: &Plan, roots: &[i64]) -> Result<Vec<Report>> {
        let filter = ReportFilter::default();
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let paging = Paging { page, per_page: 500 };
            let (entries, total) = self.plan_reports(plan, roots, &filter, paging).await?;
            for e in &entries {
                if e.status.is_some_and(ReportStatus::is_in)
                    && let Some(r) = self.report(plan.id, e.unit_id).await?
                {
                    out.push(r);
                }
            }
            if i64::from(page) * 500 >= total || entries.is_empty() {
                break;
            }
            page += 1;
        }
        Ok(out)
    }
}

impl Store {
    /// Sets when a report was first submitted, for history that happened before the software was
    /// used (demo data, imports, benchmarks); lateness follows from the plan's deadline. Its
    /// history moves with it: writing and sending at `at`, a review (and acceptance) a week later.
    pub async fn backdate_submission(&self, report_id: i64, at: OffsetDateTime, deadline: time::Date) -> Result<()> {
        // Stored in UTC like every other time, so that text order on SQLite is time order.
        let at = at.to_offset(time::UtcOffset::UTC);
        let reviewed = at + time::Duration::days(7);
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE reports SET first_submitted_at = $1, submitted_at = $1, late = $2, \
                         accepted_at = CASE WHEN accepted_at IS NULL THEN NULL ELSE $3 END \
                         WHERE id = $4 AND first_submitted_at IS NOT NULL")
                .bind(at)
                .bind(is_late(at, deadline))
                .bind(reviewed)
                .bind(report_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE report_events SET at = CASE WHEN event IN ('created', 'saved', 'submitted') THEN $1 ELSE $2 END \
                         WHERE report_id = $3")
                .bind(at)
                .bind(reviewed)
                .bind(report_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// A principal of a school that has not sent its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPrincipal {
    pub unit_id: i64,
    pub unit_name: String,
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub status: Option<ReportStatus>,
}

impl Store {
    /// Published plans whose deadline falls between `from` and `to`, inclusive.
    pub async fn plans_with_deadline_between(&self, from: time::Date, to: time::Date) -> Result<Vec<Plan>> {
        let sql = format!(
            "SELECT {} FROM plans p JOIN units i ON i.id = p.issuing_unit_id \
             WHERE p.status = 'published' AND p.deadline >= $1 AND p.deadline <= $2 ORDER BY p.id",
            crate::plans::PLAN_COLUMNS
        );
        let rows: Vec<crate::plans::PlanRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(from).bind(to).fetch_all(pool).await?);
        rows.into_iter().map(Plan::try_from).collect()
    }

    /// The principals (with an e-mail address, not disabled) of the active schools a plan reaches
    /// that have not sent their report: the people reminders go to.
    pub async fn pending_principals(&self, plan: &Plan) -> Result<Vec<PendingPrincipal>> {
        let issuer = path_range_of(&plan.issuing_ancestry);
        let rows: Vec<(i64, String, i64, String, String, Option<String>)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT u.id, u.name, p.id, p.display_name, p.email, r.status FROM units u \
             LEFT JOIN reports r ON r.plan_id = $1 AND r.unit_id = u.id \
             JOIN role_grants g ON g.unit_id = u.id AND g.role = 'principal' \
             JOIN people p ON p.id = g.person_id AND p.disabled = FALSE AND p.email IS NOT NULL \
             WHERE u.kind = 'school' AND u.status = 'active' AND u.path >= $2 AND u.path < $3 \
             AND (r.status IS NULL OR r.status IN ('draft', 'returned', 'reopened')) ORDER BY u.path, p.id",
        ).bind(plan.id).bind(&issuer.0).bind(&issuer.1).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(
                |(unit_id, unit_name, person_id, name, email, status)| PendingPrincipal {
                    unit_id,
                    unit_name,
                    person_id,
                    name,
                    email,
                    status: status.as_deref().and_then(ReportStatus::parse),
                },
            )
            .collect())
    }
}
