//! Incident cases: the categories, the cases with their clocks, their history, the record of who
//! read a restricted case, and the public form's per-address counts.
//!
//! Who may read what is decided in `app::incidents`; this module stores and fetches. Audit
//! entries name a case by its number and category only: the audit log is read by people who may
//! not read the case.

use lanhmang_domain::Paging;
use lanhmang_domain::incident::{Category, Referral, Severity, State};
use time::{Date, OffsetDateTime};

use crate::notifications::Outgoing;
use crate::{Arg, AuditContext, BeginWrite, Result, Store, StoreError, now, range_condition};

/// A case as stored. Its details (description, links, affected, outcome, contact) are empty
/// once purged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// The unit's ancestry, root first.
    pub unit_ancestry: Vec<i64>,
    pub category: String,
    pub category_name: String,
    pub severity: Severity,
    pub state: State,
    pub restricted: bool,
    pub public: bool,
    pub description: String,
    pub links: Vec<String>,
    pub happened_on: Option<Date>,
    pub affected: String,
    pub child_in_danger: bool,
    pub reporter_id: Option<i64>,
    pub reporter_contact: String,
    pub handler_id: Option<i64>,
    pub handler_name: Option<String>,
    pub outcome: String,
    pub referral: Option<Referral>,
    pub referral_ref: String,
    pub spam: bool,
    pub version: i64,
    pub received_at: OffsetDateTime,
    pub responded_at: Option<OffsetDateTime>,
    pub resolved_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub response_due_at: Option<OffsetDateTime>,
    pub resolution_due_at: Option<OffsetDateTime>,
    pub escalation: i64,
    pub purged_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    category: String,
    category_name: String,
    severity: String,
    state: String,
    restricted: bool,
    source: String,
    description: String,
    links: String,
    happened_on: Option<Date>,
    affected: String,
    child_in_danger: bool,
    reporter_id: Option<i64>,
    reporter_contact: String,
    handler_id: Option<i64>,
    handler_name: Option<String>,
    outcome: String,
    referral: String,
    referral_ref: String,
    spam: bool,
    version: i64,
    received_at: OffsetDateTime,
    responded_at: Option<OffsetDateTime>,
    resolved_at: Option<OffsetDateTime>,
    closed_at: Option<OffsetDateTime>,
    response_due_at: Option<OffsetDateTime>,
    resolution_due_at: Option<OffsetDateTime>,
    escalation: i64,
    purged_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
}

const INCIDENT_COLUMNS: &str = "i.id, i.unit_id, u.name AS unit_name, i.unit_path, i.category, c.name AS category_name, \
     i.severity, i.state, i.restricted, i.source, i.description, i.links, i.happened_on, i.affected, i.child_in_danger, \
     i.reporter_id, i.reporter_contact, i.handler_id, h.display_name AS handler_name, i.outcome, i.referral, \
     i.referral_ref, i.spam, i.version, i.received_at, i.responded_at, i.resolved_at, i.closed_at, \
     i.response_due_at, i.resolution_due_at, i.escalation, i.purged_at, i.updated_at";

const INCIDENT_FROM: &str = "incidents i JOIN units u ON u.id = i.unit_id \
     JOIN incident_categories c ON c.code = i.category LEFT JOIN people h ON h.id = i.handler_id";

impl TryFrom<IncidentRow> for Incident {
    type Error = StoreError;
    fn try_from(r: IncidentRow) -> Result<Incident> {
        Ok(Incident {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            unit_ancestry: crate::parse_path(&r.unit_path),
            category: r.category,
            category_name: r.category_name,
            severity: Severity::parse(&r.severity)
                .ok_or_else(|| StoreError::Corrupt(format!("incident severity {}", r.severity)))?,
            state: State::parse(&r.state).ok_or_else(|| StoreError::Corrupt(format!("incident state {}", r.state)))?,
            restricted: r.restricted,
            public: r.source == "public",
            description: r.description,
            links: r.links.lines().filter(|l| !l.is_empty()).map(str::to_string).collect(),
            happened_on: r.happened_on,
            affected: r.affected,
            child_in_danger: r.child_in_danger,
            reporter_id: r.reporter_id,
            reporter_contact: r.reporter_contact,
            handler_id: r.handler_id,
            handler_name: r.handler_name,
            outcome: r.outcome,
            referral: Referral::parse(&r.referral),
            referral_ref: r.referral_ref,
            spam: r.spam,
            version: r.version,
            received_at: r.received_at,
            responded_at: r.responded_at,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            response_due_at: r.response_due_at,
            resolution_due_at: r.resolution_due_at,
            escalation: r.escalation,
            purged_at: r.purged_at,
            updated_at: r.updated_at,
        })
    }
}

/// One step of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IncidentEvent {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_person_id: Option<i64>,
    pub actor: String,
    /// created, moved, note, reply, escalated, spam, purged
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub body: String,
}

/// A reading of a restricted case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentView {
    pub person_id: i64,
    pub person_name: String,
    pub at: OffsetDateTime,
}

/// A case to record.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub unit_id: i64,
    pub category: String,
    pub severity: Severity,
    pub restricted: bool,
    pub public: bool,
    pub description: String,
    pub links: Vec<String>,
    pub happened_on: Option<Date>,
    pub affected: String,
    pub child_in_danger: bool,
    pub reporter_id: Option<i64>,
    pub reporter_contact: String,
    pub receipt_hash: Option<String>,
    pub received_at: OffsetDateTime,
    pub response_due_at: Option<OffsetDateTime>,
    pub resolution_due_at: Option<OffsetDateTime>,
}

/// A public report's place in its address's hourly count, checked in the report's transaction.
#[derive(Debug, Clone)]
pub struct AddressQuota {
    pub address_key: String,
    pub hour_start: OffsetDateTime,
    /// Reports an address may send in one hour.
    pub per_hour: i64,
}

/// What a move writes on the case, as decided by `app`.
#[derive(Debug, Clone)]
pub struct CaseChange {
    pub state: State,
    pub severity: Severity,
    pub category: String,
    pub restricted: bool,
    pub handler_id: Option<i64>,
    pub outcome: String,
    pub referral: Option<Referral>,
    pub referral_ref: String,
    pub responded_at: Option<OffsetDateTime>,
    pub resolved_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub response_due_at: Option<OffsetDateTime>,
    pub resolution_due_at: Option<OffsetDateTime>,
    pub spam: bool,
    /// 0: nobody told of a delay; 1: the principal; 2: the office too.
    pub escalation: i64,
}

impl CaseChange {
    /// The case's current values, to change some of them.
    pub fn from_case(i: &Incident) -> CaseChange {
        CaseChange {
            state: i.state,
            severity: i.severity,
            category: i.category.clone(),
            restricted: i.restricted,
            handler_id: i.handler_id,
            outcome: i.outcome.clone(),
            referral: i.referral,
            referral_ref: i.referral_ref.clone(),
            responded_at: i.responded_at,
            resolved_at: i.resolved_at,
            closed_at: i.closed_at,
            response_due_at: i.response_due_at,
            resolution_due_at: i.resolution_due_at,
            spam: i.spam,
            escalation: i.escalation,
        }
    }
}

/// A history entry to append with a change.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// moved, note, reply, escalated, spam
    pub event: &'static str,
    pub from_state: State,
    pub to_state: State,
    pub body: String,
}

/// Which cases a list may hold: those of the units in `ranges` (subtrees) and those the person
/// reported or handles.
#[derive(Debug, Clone, Default)]
pub struct IncidentScope {
    /// The units whose subtrees' cases the person handles.
    pub roots: Vec<i64>,
    pub person_id: i64,
}

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// A unit and its subtree.
    pub unit_id: Option<i64>,
    pub state: Option<State>,
    pub category: Option<String>,
    /// Open cases past a due time (`now` given).
    pub overdue_at: Option<OffsetDateTime>,
    pub reported_by: Option<i64>,
    pub handled_by: Option<i64>,
    /// Include cases marked as spam (hidden by default).
    pub with_spam: bool,
}

/// Why a public report was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicRefusal {
    /// The address sent its hour's worth already.
    Throttled,
}

impl Store {
    /// A public reporter's address as the store keeps it: a hash keyed with the audit key.
    pub fn address_key(&self, address: &str) -> Result<String> {
        Ok(self.audit_key()?.keyed_hash("public report address", address))
    }

    /// The categories, in their order; inactive ones only when asked.
    pub async fn incident_categories(&self, with_inactive: bool) -> Result<Vec<Category>> {
        type Row = (String, String, bool, bool, bool, i64, bool);
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT code, name, restricted, urgent, feedback, CAST(position AS BIGINT), active \
             FROM incident_categories WHERE active OR $1 ORDER BY position, code",
        )
        .bind(with_inactive)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(
                |(code, name, restricted, urgent, feedback, position, active)| Category {
                    code,
                    name,
                    restricted,
                    urgent,
                    feedback,
                    position,
                    active,
                },
            )
            .collect())
    }

    /// Adds a category (`create`) or changes one, audited. A code already taken, or a category
    /// that does not exist when changing, is refused; nothing is written then.
    pub async fn save_incident_category(&self, ctx: &AuditContext, c: &Category, create: bool) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (taken,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM incident_categories WHERE code = $1")
                .bind(&c.code)
                .fetch_one(&mut *tx)
                .await?;
            match (create, taken > 0) {
                (true, true) => {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict(format!("Đã có loại sự việc mã «{}».", c.code)));
                }
                (false, false) => {
                    tx.rollback().await?;
                    return Err(StoreError::NotFound("loại sự việc"));
                }
                _ => {}
            }
            let sql = if create {
                "INSERT INTO incident_categories (name, restricted, urgent, feedback, position, active, code) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            } else {
                "UPDATE incident_categories SET name = $1, restricted = $2, urgent = $3, feedback = $4, \
                 position = $5, active = $6 WHERE code = $7"
            };
            sqlx::query(sql)
                .bind(c.name.trim())
                .bind(c.restricted)
                .bind(c.urgent)
                .bind(c.feedback)
                .bind(c.position as i32)
                .bind(c.active)
                .bind(&c.code)
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                if create { "incident_category.create" } else { "incident_category.update" },
                format!("incident_category:{}", c.code),
                format!(
                    "{} (hạn chế: {}, khẩn cấp: {}, góp ý: {}, thứ tự {}, {})",
                    c.name.trim(),
                    c.restricted,
                    c.urgent,
                    c.feedback,
                    c.position,
                    if c.active { "đang dùng" } else { "đã tắt" }
                )
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Reports from one address in the given hour (read without writing: a flood costs reads).
    pub async fn public_reports_this_hour(&self, address_key: &str, hour_start: OffsetDateTime) -> Result<i64> {
        let n: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT count FROM public_report_counts WHERE address_key = $1 AND hour_start = $2",
        )
        .bind(address_key)
        .bind(hour_start)
        .fetch_optional(pool)
        .await?);
        Ok(n.map(|n| n.0).unwrap_or(0))
    }

    /// Records a case with its first history entry, its audit entry and what it tells people,
    /// in one transaction. A public report also counts against its address's hour, checked in
    /// that transaction, so parallel reports cannot pass the limit together.
    pub async fn create_incident(
        &self,
        ctx: &AuditContext,
        new: &NewIncident,
        quota: Option<&AddressQuota>,
        outgoing: &Outgoing,
    ) -> Result<std::result::Result<Incident, PublicRefusal>> {
        let at = new.received_at;
        let links = new.links.join("\n");
        let created = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(q) = quota {
                let (count,): (i64,) = sqlx::query_as(
                    "INSERT INTO public_report_counts (address_key, hour_start, count) VALUES ($1, $2, 1) \
                     ON CONFLICT (address_key, hour_start) DO UPDATE SET count = public_report_counts.count + 1 \
                     RETURNING count",
                )
                .bind(&q.address_key)
                .bind(q.hour_start)
                .fetch_one(&mut *tx)
                .await?;
                if count > q.per_hour {
                    tx.rollback().await?;
                    return Ok(Err(PublicRefusal::Throttled));
                }
            }
            let (path,): (String,) = sqlx::query_as("SELECT path FROM units WHERE id = $1")
                .bind(new.unit_id)
                .fetch_one(&mut *tx)
                .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO incidents (unit_id, unit_path, category, severity, state, restricted, source, description, \
                 links, happened_on, affected, child_in_danger, reporter_id, reporter_contact, receipt_hash, received_at, \
                 response_due_at, resolution_due_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'received', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $15) \
                 RETURNING id",
            )
            .bind(new.unit_id)
            .bind(&path)
            .bind(&new.category)
            .bind(new.severity.as_str())
            .bind(new.restricted)
            .bind(if new.public { "public" } else { "account" })
            .bind(&new.description)
            .bind(&links)
            .bind(new.happened_on)
            .bind(&new.affected)
            .bind(new.child_in_danger)
            .bind(new.reporter_id)
            .bind(&new.reporter_contact)
            .bind(new.receipt_hash.as_deref())
            .bind(at)
            .bind(new.response_due_at)
            .bind(new.resolution_due_at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO incident_events (incident_id, at, actor_person_id, actor, event, to_state) \
                 VALUES ($1, $2, $3, $4, 'created', 'received')",
            )
            .bind(id)
            .bind(at)
            .bind(ctx.actor_id)
            .bind(&ctx.actor)
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "incident.report",
                format!("incident:{id}"),
                format!("loại {}, mức {}", new.category, new.severity.as_str())
            );
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
            id
        });
        Ok(Ok(self
            .incident(created)
            .await?
            .ok_or(StoreError::NotFound("hồ sơ sự cố"))?))
    }

    /// One case, whoever asks (the use case decides what is shown).
    pub async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        let sql = format!("SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} WHERE i.id = $1");
        let row: Option<IncidentRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(pool)
            .await?);
        row.map(Incident::try_from).transpose()
    }

    /// The case a receipt code's hash belongs to.
    pub async fn incident_by_receipt(&self, receipt_hash: &str) -> Result<Option<Incident>> {
        let sql = format!("SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} WHERE i.receipt_hash = $1");
        let row: Option<IncidentRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(receipt_hash)
            .fetch_optional(pool)
            .await?);
        row.map(Incident::try_from).transpose()
    }

    /// A page of the cases in scope matching the filter, newest first, with the total.
    ///
    /// A person sees the cases of their scope, those they reported and those they handle. The
    /// scope and the rest are read as two branches, each on its own indexes, because an `OR`
    /// across them makes both databases scan every case of the sector. The page is chosen on the
    /// ids alone (the scope's index covers them) before the rows are read whole.
    pub async fn list_incidents(
        &self,
        scope: &IncidentScope,
        filter: &IncidentFilter,
        paging: Paging,
    ) -> Result<(Vec<Incident>, i64)> {
        let scope_ranges = self.subtree_ranges(&scope.roots).await?;
        let (scope_sql, range_binds) = range_condition("i.unit_path", &scope_ranges, 1);
        let mut args: Vec<Arg> = range_binds.into_iter().map(Arg::Text).collect();
        let push = |value: Arg, args: &mut Vec<Arg>| {
            args.push(value);
            format!("${}", args.len())
        };
        let me = push(Arg::Int(scope.person_id), &mut args);
        let mut conditions: Vec<String> = Vec::new();
        if let Some(unit_id) = filter.unit_id {
            let ranges = self.subtree_ranges(&[unit_id]).await?;
            let (sql, b) = range_condition("i.unit_path", &ranges, args.len() + 1);
            args.extend(b.into_iter().map(Arg::Text));
            conditions.push(sql);
        }
        if let Some(state) = filter.state {
            let p = push(Arg::Text(state.as_str().to_string()), &mut args);
            conditions.push(format!("i.state = {p}"));
        }
        if let Some(category) = &filter.category {
            let p = push(Arg::Text(category.clone()), &mut args);
            conditions.push(format!("i.category = {p}"));
        }
        if let Some(id) = filter.reported_by {
            let p = push(Arg::Int(id), &mut args);
            conditions.push(format!("i.reporter_id = {p}"));
        }
        if let Some(id) = filter.handled_by {
            let p = push(Arg::Int(id), &mut args);
            conditions.push(format!("i.handler_id = {p}"));
        }
        if let Some(at) = filter.overdue_at {
            let p = push(Arg::Time(at), &mut args);
            conditions.push(format!(
                "i.state NOT IN ('resolved', 'closed') AND (i.resolution_due_at < {p} \
                 OR (i.responded_at IS NULL AND i.response_due_at < {p}))"
            ));
        }
        if !filter.with_spam {
            conditions.push("NOT i.spam".into());
        }
        let filter_sql = if conditions.is_empty() {
            "1 = 1".to_string()
        } else {
            conditions.join(" AND ")
        };
        // Two disjoint branches: the scope, and what the person reported or handles outside
        // it. Disjoint, they need no duplicate removal (which cost a department's lead a sort
        // of every case), each gives only its own first `offset + limit`, and the count is a sum.
        let mine = format!("(i.reporter_id = {me} OR i.handler_id = {me}) AND NOT ({scope_sql})");
        let limit = args.len() + 1;
        let offset = limit + 1;
        let top = |branch: &str, alias: &str| {
            format!(
                "SELECT * FROM (SELECT i.id, i.received_at FROM incidents i WHERE {branch} AND {filter_sql} \
                 ORDER BY i.received_at DESC, i.id DESC LIMIT ${limit} + ${offset}) {alias}"
            )
        };
        let list_sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} \
             JOIN (SELECT v.id FROM ({} UNION ALL {}) v ORDER BY v.received_at DESC, v.id DESC \
             LIMIT ${limit} OFFSET ${offset}) page ON page.id = i.id \
             ORDER BY i.received_at DESC, i.id DESC",
            top(&scope_sql, "in_scope"),
            top(&mine, "outside_scope")
        );
        let count_sql = format!(
            "SELECT (SELECT COUNT(*) FROM incidents i WHERE {scope_sql} AND {filter_sql}) \
             + (SELECT COUNT(*) FROM incidents i WHERE {mine} AND {filter_sql})"
        );
        let (rows, total) = on_pool!(self, pool => {
            let list = bind_args!(sqlx::query_as::<_, IncidentRow>(sqlx::AssertSqlSafe(list_sql.as_str())), &args);
            let count = bind_args!(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str())), &args);
            let rows = list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?;
            let (total,) = count.fetch_one(pool).await?;
            (rows, total)
        });
        let items = rows.into_iter().map(Incident::try_from).collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    /// Applies a change decided by `app` to a case that is still at `version`, with its history
    /// entry, audit entry and what it tells people, in one transaction. A case that moved on
    /// meanwhile is a conflict: nothing is written.
    pub async fn change_incident(
        &self,
        ctx: &AuditContext,
        id: i64,
        version: i64,
        change: &CaseChange,
        event: &NewEvent,
        outgoing: &Outgoing,
    ) -> Result<Incident> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE incidents SET state = $1, severity = $2, category = $3, restricted = $4, handler_id = $5, \
                 outcome = $6, referral = $7, referral_ref = $8, responded_at = $9, resolved_at = $10, closed_at = $11, \
                 response_due_at = $12, resolution_due_at = $13, spam = $14, escalation = $18, version = version + 1, \
                 updated_at = $15 WHERE id = $16 AND version = $17 AND purged_at IS NULL",
            )
            .bind(change.state.as_str())
            .bind(change.severity.as_str())
            .bind(&change.category)
            .bind(change.restricted)
            .bind(change.handler_id)
            .bind(&change.outcome)
            .bind(change.referral.map(Referral::as_str).unwrap_or(""))
            .bind(&change.referral_ref)
            .bind(change.responded_at)
            .bind(change.resolved_at)
            .bind(change.closed_at)
            .bind(change.response_due_at)
            .bind(change.resolution_due_at)
            .bind(change.spam)
            .bind(at)
            .bind(id)
            .bind(version)
            .bind(change.escalation)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Err(StoreError::Conflict(
                    "Hồ sơ vừa được người khác cập nhật; hãy tải lại trang và làm lại.".into(),
                ));
            }
            sqlx::query(
                "INSERT INTO incident_events (incident_id, at, actor_person_id, actor, event, from_state, to_state, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(at)
            .bind(ctx.actor_id)
            .bind(&ctx.actor)
            .bind(event.event)
            .bind(event.from_state.as_str())
            .bind(event.to_state.as_str())
            .bind(&event.body)
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "incident.change",
                format!("incident:{id}"),
                format!("{}: {} → {}", event.event, event.from_state.as_str(), event.to_state.as_str())
            );
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
        });
        self.incident(id).await?.ok_or(StoreError::NotFound("hồ sơ sự cố"))
    }

    /// The case's history, oldest first.
    pub async fn incident_events(&self, id: i64) -> Result<Vec<IncidentEvent>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, at, actor_person_id, actor, event, from_state, to_state, body FROM incident_events \
             WHERE incident_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?))
    }

    /// Records that a person read a restricted case's details.
    pub async fn record_incident_view(&self, id: i64, person_id: i64) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO incident_views (incident_id, person_id, at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(person_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Who read a restricted case, newest first.
    pub async fn incident_views(&self, id: i64) -> Result<Vec<IncidentView>> {
        let rows: Vec<(i64, String, OffsetDateTime)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT v.person_id, p.display_name, v.at FROM incident_views v JOIN people p ON p.id = v.person_id \
             WHERE v.incident_id = $1 ORDER BY v.at DESC, v.person_id LIMIT 200",
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(person_id, person_name, at)| IncidentView {
                person_id,
                person_name,
                at,
            })
            .collect())
    }

    /// Open cases past a due time that have not been escalated as far as they go, oldest first.
    pub async fn overdue_incidents(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<Incident>> {
        let sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} WHERE i.state NOT IN ('resolved', 'closed') \
             AND NOT i.spam AND i.purged_at IS NULL AND i.escalation < 2 \
             AND (i.resolution_due_at < $1 OR (i.responded_at IS NULL AND i.response_due_at < $1)) \
             ORDER BY i.id LIMIT $2"
        );
        let rows: Vec<IncidentRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Incident::try_from).collect()
    }

    /// Closed cases, not yet purged, past their retention: closed before `cases_before`, or
    /// spam closed before `spam_before`, or public feedback closed before `feedback_before`.
    pub async fn incidents_due_for_purge(
        &self,
        cases_before: OffsetDateTime,
        spam_before: OffsetDateTime,
        feedback_before: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Incident>> {
        let sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} WHERE i.state = 'closed' AND i.purged_at IS NULL \
             AND (i.closed_at < $1 OR (i.spam AND i.closed_at < $2) OR (i.source = 'public' AND c.feedback AND i.closed_at < $3)) \
             ORDER BY i.closed_at, i.id LIMIT $4"
        );
        let rows: Vec<IncidentRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(cases_before)
            .bind(spam_before)
            .bind(feedback_before)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Incident::try_from).collect()
    }

    /// Empties a closed case's details, by the retention rule: what it said, links, who is
    /// affected, the reporter and their address, the handler, the notes and their authors, who
    /// read it, the evidence files, who linked it. What remains is anonymous: category, unit, severity, dates, state. Audited, in
    /// one transaction.
    pub async fn purge_incident(&self, ctx: &AuditContext, id: i64) -> Result<bool> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE incidents SET description = '', links = '', affected = '', reporter_id = NULL, \
                 reporter_contact = '', handler_id = NULL, outcome = '', referral_ref = '', happened_on = NULL, \
                 purged_at = $1, updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND state = 'closed' AND purged_at IS NULL",
            )
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            sqlx::query(
                "UPDATE incident_events SET body = '', actor = '', actor_person_id = NULL WHERE incident_id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            for sql in [
                "DELETE FROM incident_views WHERE incident_id = $1",
                "DELETE FROM incident_attachments WHERE incident_id = $1",
                "UPDATE incident_links SET linked_by = NULL \
                 WHERE incident_id = $1 OR (target_kind = 'incident' AND target_id = $1)",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO incident_events (incident_id, at, actor_person_id, actor, event, from_state, to_state) \
                 VALUES ($1, $2, NULL, '', 'purged', 'closed', 'closed')",
            )
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "incident.purge",
                format!("incident:{id}"),
                "hết thời hạn lưu".to_string()
            );
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Deletes the replies to public reporters kept as mail and notices before `before`: they
    /// carry a reply's words and, for mail, the reporter's address.
    pub async fn purge_incident_messages(&self, before: OffsetDateTime) -> Result<u64> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mails = sqlx::query("DELETE FROM outbox WHERE reason = 'incident_reply' AND created_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let notices = sqlx::query("DELETE FROM notifications WHERE kind = 'incident_reply' AND created_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            mails + notices
        });
        Ok(n)
    }

    /// What the yearly report counts from a unit's cases received in `[from, to)`: (feedback
    /// answered, phone-rule cases settled, problems settled, problems settled on time). Spam is
    /// left out; no case's words are read.
    pub async fn incident_facts(
        &self,
        unit_id: i64,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(i64, i64, i64, i64)> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT \
             COALESCE(SUM(CASE WHEN c.feedback AND i.responded_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN i.category = 'phone_rules' AND i.resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN NOT c.feedback AND i.resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN NOT c.feedback AND i.resolved_at IS NOT NULL AND i.resolution_due_at IS NOT NULL \
                 AND i.resolved_at <= i.resolution_due_at THEN 1 ELSE 0 END), 0) \
             FROM incidents i JOIN incident_categories c ON c.code = i.category \
             WHERE i.unit_id = $1 AND i.received_at >= $2 AND i.received_at < $3 AND NOT i.spam",
        )
        .bind(unit_id)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?))
    }

    /// The people who hold `role` in any of `unit_ids` and are enabled: whom a case alerts.
    pub async fn enabled_people_with_role_in(
        &self,
        role: lanhmang_domain::Role,
        unit_ids: &[i64],
    ) -> Result<Vec<crate::people::Person>> {
        let mut out: Vec<crate::people::Person> = Vec::new();
        for unit_id in unit_ids {
            for (person, r) in self.people_with_roles_in_unit(*unit_id).await? {
                if r == role && !person.disabled && !out.iter().any(|p| p.id == person.id) {
                    out.push(person);
                }
            }
        }
        Ok(out)
    }
}

/// One school's line of the collaborator network's coverage.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CoverageRow {
    pub unit_id: i64,
    pub unit_name: String,
    /// Enabled accounts holding the collaborator role at the school.
    pub collaborators: i64,
    /// Cases received since the start of the period.
    pub received: i64,
    pub open: i64,
    pub overdue: i64,
    /// Settled since the start of the period, and of those on time.
    pub resolved: i64,
    pub resolved_on_time: i64,
    /// Cases whose first response came within its clock, of those responded.
    pub responded: i64,
    pub responded_on_time: i64,
}

/// The whole scope's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageTotals {
    pub schools: i64,
    pub schools_without_collaborator: i64,
    pub received: i64,
    pub open: i64,
    pub overdue: i64,
    /// (category code, category name, cases received since the start of the period)
    pub by_category: Vec<(String, String, i64)>,
}

/// Which schools the coverage lists.
#[derive(Debug, Clone, Default)]
pub struct CoverageFilter {
    pub roots: Vec<i64>,
    pub without_collaborator: bool,
    pub with_overdue: bool,
    pub since: Option<OffsetDateTime>,
}

const ACTIVE_COLLABORATORS: &str = "(SELECT COUNT(*) FROM role_grants g JOIN people p ON p.id = g.person_id \
     WHERE g.unit_id = u.id AND g.role = 'collaborator' AND NOT p.disabled)";

impl Store {
    /// The collaborator network's coverage over the active schools of `filter.roots`' subtrees:
    /// a page of schools with their figures, the number of schools listed, and the totals. Live
    /// from the tables (no batch), like the yearly dashboard.
    pub async fn incident_coverage(
        &self,
        filter: &CoverageFilter,
        now: OffsetDateTime,
        paging: Paging,
    ) -> Result<(Vec<CoverageRow>, i64, CoverageTotals)> {
        let ranges = self.subtree_ranges(&filter.roots).await?;
        let (scope, range_binds) = range_condition("u.path", &ranges, 3);
        let since = filter.since.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let open = "i.state NOT IN ('resolved', 'closed')";
        let overdue =
            format!("{open} AND (i.resolution_due_at < $1 OR (i.responded_at IS NULL AND i.response_due_at < $1))");
        let base_sql = format!("u.kind = 'school' AND u.status = 'active' AND {scope}");
        let mut filters = vec!["1 = 1".to_string()];
        if filter.without_collaborator {
            filters.push(format!("{ACTIVE_COLLABORATORS} = 0"));
        }
        if filter.with_overdue {
            filters.push(format!(
                "EXISTS (SELECT 1 FROM incidents i WHERE i.unit_id = u.id AND NOT i.spam AND {overdue})"
            ));
        }
        let filter_sql = filters.join(" AND ");
        let where_sql = format!("{base_sql} AND {filter_sql}");
        let next = 3 + range_binds.len();
        // The page's schools first, then their cases in one grouped pass from `incidents_by_unit`
        // alone: a subquery per figure and school would read each school's cases seven times.
        // A `LEFT JOIN` from the page keeps both databases starting at its schools (SQLite
        // never reorders one; joined to a grouped subquery instead, it reads the whole table).
        let counted = |condition: &str| format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)");
        let list_sql = format!(
            "WITH page AS (SELECT u.id, u.name, u.path FROM units u WHERE {where_sql} \
             ORDER BY u.path LIMIT ${next} OFFSET ${}) \
             SELECT u.id AS unit_id, u.name AS unit_name, {ACTIVE_COLLABORATORS} AS collaborators, \
             {} AS received, {} AS open, {} AS overdue, {} AS resolved, {} AS resolved_on_time, \
             {} AS responded, {} AS responded_on_time \
             FROM page u LEFT JOIN incidents i ON i.unit_id = u.id AND NOT i.spam \
             GROUP BY u.id, u.name, u.path ORDER BY u.path",
            next + 1,
            counted("i.received_at >= $2"),
            counted(open),
            counted(&overdue),
            counted("i.received_at >= $2 AND i.resolved_at IS NOT NULL"),
            counted("i.received_at >= $2 AND i.resolved_at IS NOT NULL AND i.resolved_at <= i.resolution_due_at"),
            counted("i.received_at >= $2 AND i.responded_at IS NOT NULL"),
            counted("i.received_at >= $2 AND i.responded_at IS NOT NULL AND i.responded_at <= i.response_due_at"),
        );
        let count_sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN {filter_sql} THEN 1 ELSE 0 END), 0), COUNT(*), \
             COALESCE(SUM(CASE WHEN {ACTIVE_COLLABORATORS} = 0 THEN 1 ELSE 0 END), 0) \
             FROM units u WHERE {base_sql}"
        );
        // The cases of the scope: one range of the incidents' own path index.
        let (case_scope, _) = range_condition("i.unit_path", &ranges, 3);
        // The scope's cases in one pass, by category: the totals are their sums.
        let by_category_sql = format!(
            "SELECT i.category, COALESCE(SUM(CASE WHEN i.received_at >= $2 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN {open} THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN {overdue} THEN 1 ELSE 0 END), 0) \
             FROM incidents i WHERE NOT i.spam AND {case_scope} GROUP BY i.category"
        );
        let mut args = vec![Arg::Time(now), Arg::Time(since)];
        args.extend(range_binds.into_iter().map(Arg::Text));
        let (rows, (listed, schools, without), counts) = on_pool!(self, pool => {
            let list = bind_args!(sqlx::query_as::<_, CoverageRow>(sqlx::AssertSqlSafe(list_sql.as_str())), &args);
            let count = bind_args!(sqlx::query_as::<_, (i64, i64, i64)>(sqlx::AssertSqlSafe(count_sql.as_str())), &args);
            let by_category = bind_args!(
                sqlx::query_as::<_, (String, i64, i64, i64)>(sqlx::AssertSqlSafe(by_category_sql.as_str())),
                &args
            );
            let rows = list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?;
            (rows, count.fetch_one(pool).await?, by_category.fetch_all(pool).await?)
        });
        let received_in = |code: &str| counts.iter().find(|c| c.0 == code).map_or(0, |c| c.1);
        let totals = CoverageTotals {
            schools,
            schools_without_collaborator: without,
            received: counts.iter().map(|c| c.1).sum(),
            open: counts.iter().map(|c| c.2).sum(),
            overdue: counts.iter().map(|c| c.3).sum(),
            by_category: self
                .incident_categories(true)
                .await?
                .into_iter()
                .map(|c| {
                    let n = received_in(&c.code);
                    (c.code, c.name, n)
                })
                .collect(),
        };
        Ok((rows, listed, totals))
    }
}
