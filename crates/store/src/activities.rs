//! The activity log and its evidence.

use crate::BeginWrite;
use lanhmang_domain::Paging;
use lanhmang_domain::activity::{ActivityFacts, ActivityFields, ActivityKind, Audience, EvidenceType};
use lanhmang_domain::text::fold_vi;
use time::{Date, OffsetDateTime};

use crate::{AuditContext, Result, Store, StoreError, like_escape, now, range_condition};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Activity {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub plan_id: i64,
    pub kind: ActivityKind,
    pub tasks: Vec<String>,
    pub held_on: Date,
    pub title: String,
    pub audience: Audience,
    pub partner: String,
    pub description: String,
    pub created_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub evidence_count: i64,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    plan_id: i64,
    kind: String,
    tasks: String,
    held_on: Date,
    title: String,
    teachers: i64,
    staff: i64,
    pupils_g1_2: i64,
    pupils_g3_5: i64,
    pupils_g6_7: i64,
    pupils_g8_9: i64,
    pupils_other: i64,
    parents: i64,
    partner: String,
    description: String,
    created_by: Option<i64>,
    created_at: OffsetDateTime,
    evidence_count: i64,
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    kind: String,
    tasks: String,
    teachers: i64,
    staff: i64,
    pupils_g1_2: i64,
    pupils_g3_5: i64,
    pupils_g6_7: i64,
    pupils_g8_9: i64,
    pupils_other: i64,
    parents: i64,
}

const ACTIVITY_COLUMNS: &str = "a.id, a.unit_id, u.name AS unit_name, a.plan_id, a.kind, a.tasks, a.held_on, a.title, \
     a.teachers, a.staff, a.pupils_g1_2, a.pupils_g3_5, a.pupils_g6_7, a.pupils_g8_9, a.pupils_other, a.parents, \
     a.partner, a.description, a.created_by, a.created_at, \
     (SELECT COUNT(*) FROM activity_evidence e WHERE e.activity_id = a.id) AS evidence_count";

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl TryFrom<ActivityRow> for Activity {
    type Error = StoreError;
    fn try_from(r: ActivityRow) -> Result<Activity> {
        Ok(Activity {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            plan_id: r.plan_id,
            kind: ActivityKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("activity kind {}", r.kind)))?,
            tasks: r.tasks.split_whitespace().map(str::to_string).collect(),
            held_on: r.held_on,
            title: r.title,
            audience: Audience {
                teachers: count(r.teachers),
                staff: count(r.staff),
                pupils_g1_2: count(r.pupils_g1_2),
                pupils_g3_5: count(r.pupils_g3_5),
                pupils_g6_7: count(r.pupils_g6_7),
                pupils_g8_9: count(r.pupils_g8_9),
                pupils_other: count(r.pupils_other),
                parents: count(r.parents),
            },
            partner: r.partner,
            description: r.description,
            created_by: r.created_by,
            created_at: r.created_at,
            evidence_count: r.evidence_count,
        })
    }
}

/// A piece of evidence to attach: a checked file or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewEvidence {
    File {
        name: String,
        kind: EvidenceType,
        bytes: Vec<u8>,
    },
    Link(String),
}

/// Evidence as listed (without the file's bytes).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct EvidenceMeta {
    pub id: i64,
    pub activity_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub url: String,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub plan_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub kind: Option<ActivityKind>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Matched against the folded title, diacritics ignored.
    pub query: Option<String>,
}

/// Inserts an activity's row inside an open transaction `$tx` and gives its id: logging by hand
/// and closing a class session write the same row.
macro_rules! insert_activity_in_tx {
    ($tx:expr, $ctx:expr, $unit_id:expr, $plan_id:expr, $f:expr, $at:expr) => {{
        let f: &lanhmang_domain::activity::ActivityFields = $f;
        let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO activities (unit_id, plan_id, kind, tasks, held_on, title, title_folded, teachers, staff, \
                 pupils_g1_2, pupils_g3_5, pupils_g6_7, pupils_g8_9, pupils_other, parents, partner, description, \
                 created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id",
            )
            .bind($unit_id)
            .bind($plan_id)
            .bind(f.kind.as_str())
            .bind(f.tasks.join(" "))
            .bind(f.held_on)
            .bind(&f.title)
            .bind(lanhmang_domain::text::fold_vi(&f.title))
            .bind(i64::from(f.audience.teachers))
            .bind(i64::from(f.audience.staff))
            .bind(i64::from(f.audience.pupils_g1_2))
            .bind(i64::from(f.audience.pupils_g3_5))
            .bind(i64::from(f.audience.pupils_g6_7))
            .bind(i64::from(f.audience.pupils_g8_9))
            .bind(i64::from(f.audience.pupils_other))
            .bind(i64::from(f.audience.parents))
            .bind(&f.partner)
            .bind(&f.description)
            .bind($ctx.actor_id)
            .bind($at)
            .fetch_one(&mut *$tx)
            .await?;
        id
    }};
}

macro_rules! insert_evidence_in_tx {
    ($tx:expr, $activity_id:expr, $e:expr, $at:expr) => {{
        let (name, content_type, size, bytes, url): (String, &str, i64, Option<Vec<u8>>, String) = match $e {
            NewEvidence::File { name, kind, bytes } => (
                name.clone(),
                kind.content_type(),
                i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                Some(bytes.clone()),
                String::new(),
            ),
            NewEvidence::Link(url) => (String::new(), "", 0, None, url.clone()),
        };
        sqlx::query(
            "INSERT INTO activity_evidence (activity_id, file_name, content_type, size_bytes, content, url, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($activity_id)
        .bind(name)
        .bind(content_type)
        .bind(size)
        .bind(bytes)
        .bind(url)
        .bind($at)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    /// Records an activity with its evidence, all or nothing.
    pub async fn create_activity(
        &self,
        ctx: &AuditContext,
        unit_id: i64,
        plan_id: i64,
        f: &ActivityFields,
        evidence: &[NewEvidence],
    ) -> Result<Activity> {
        let at = now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = insert_activity_in_tx!(tx, ctx, unit_id, plan_id, f, at);
            for e in evidence {
                insert_evidence_in_tx!(tx, id, e, at);
            }
            tx.commit().await?;
            id
        });
        self.activity(id).await?.ok_or(StoreError::NotFound("hoạt động"))
    }

    /// Changes an activity, adds `evidence` and removes the evidence items `remove` (only this
    /// activity's), all in one transaction with its audit entry.
    pub async fn update_activity(
        &self,
        ctx: &AuditContext,
        id: i64,
        f: &ActivityFields,
        evidence: &[NewEvidence],
        remove: &[i64],
    ) -> Result<Activity> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE activities SET kind = $1, tasks = $2, held_on = $3, title = $4, title_folded = $5, teachers = $6, \
                 staff = $7, pupils_g1_2 = $8, pupils_g3_5 = $9, pupils_g6_7 = $10, pupils_g8_9 = $11, pupils_other = $12, \
                 parents = $13, partner = $14, description = $15, updated_at = $16 WHERE id = $17",
            )
            .bind(f.kind.as_str())
            .bind(f.tasks.join(" "))
            .bind(f.held_on)
            .bind(&f.title)
            .bind(fold_vi(&f.title))
            .bind(i64::from(f.audience.teachers))
            .bind(i64::from(f.audience.staff))
            .bind(i64::from(f.audience.pupils_g1_2))
            .bind(i64::from(f.audience.pupils_g3_5))
            .bind(i64::from(f.audience.pupils_g6_7))
            .bind(i64::from(f.audience.pupils_g8_9))
            .bind(i64::from(f.audience.pupils_other))
            .bind(i64::from(f.audience.parents))
            .bind(&f.partner)
            .bind(&f.description)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("hoạt động"));
            }
            for e in evidence {
                insert_evidence_in_tx!(tx, id, e, at);
            }
            for evidence_id in remove {
                sqlx::query("DELETE FROM activity_evidence WHERE id = $1 AND activity_id = $2")
                    .bind(*evidence_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_in_tx!(self, tx, ctx, "activity.update", format!("activity:{id}"), f.title.clone());
            tx.commit().await?;
        });
        self.activity(id).await?.ok_or(StoreError::NotFound("hoạt động"))
    }

    pub async fn delete_activity(&self, ctx: &AuditContext, id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String,)> = sqlx::query_as("DELETE FROM activities WHERE id = $1 RETURNING title")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some((title,)) = row else { return Err(StoreError::NotFound("hoạt động")) };
            audit_in_tx!(self, tx, ctx, "activity.delete", format!("activity:{id}"), title);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn activity(&self, id: i64) -> Result<Option<Activity>> {
        let sql =
            format!("SELECT {ACTIVITY_COLUMNS} FROM activities a JOIN units u ON u.id = a.unit_id WHERE a.id = $1");
        let row: Option<ActivityRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        row.map(Activity::try_from).transpose()
    }

    /// Activities of units inside `roots`, newest first, filtered and paginated.
    pub async fn list_activities(
        &self,
        roots: &[i64],
        filter: &ActivityFilter,
        paging: Paging,
    ) -> Result<(Vec<Activity>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let (scope, range_binds) = range_condition("u.path", &ranges, 1);
        let mut conditions = vec![scope];
        let mut ints: Vec<(usize, i64)> = Vec::new();
        let mut next = 1 + range_binds.len();
        let mut texts: Vec<(usize, String)> = Vec::new();
        let mut dates: Vec<(usize, Date)> = Vec::new();
        if let Some(p) = filter.plan_id {
            conditions.push(format!("a.plan_id = ${next}"));
            ints.push((next, p));
            next += 1;
        }
        if let Some(u) = filter.unit_id {
            conditions.push(format!("a.unit_id = ${next}"));
            ints.push((next, u));
            next += 1;
        }
        if let Some(k) = filter.kind {
            conditions.push(format!("a.kind = ${next}"));
            texts.push((next, k.as_str().to_string()));
            next += 1;
        }
        if let Some(d) = filter.from {
            conditions.push(format!("a.held_on >= ${next}"));
            dates.push((next, d));
            next += 1;
        }
        if let Some(d) = filter.to {
            conditions.push(format!("a.held_on <= ${next}"));
            dates.push((next, d));
            next += 1;
        }
        if let Some(q) = filter.query.as_deref().map(fold_vi).filter(|q| !q.is_empty()) {
            conditions.push(format!("a.title_folded LIKE ${next} ESCAPE '\\'"));
            texts.push((next, format!("%{}%", like_escape(&q))));
            next += 1;
        }
        let where_clause = conditions.join(" AND ");
        let count_sql =
            format!("SELECT COUNT(*) FROM activities a JOIN units u ON u.id = a.unit_id WHERE {where_clause}");
        let list_sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities a JOIN units u ON u.id = a.unit_id WHERE {where_clause} \
             ORDER BY a.held_on DESC, a.id DESC LIMIT ${next} OFFSET ${}",
            next + 1
        );
        // Binds go in placeholder order, whatever kind they are.
        enum Bind {
            Text(String),
            Int(i64),
            Date(Date),
        }
        let mut binds: Vec<(usize, Bind)> = range_binds
            .into_iter()
            .enumerate()
            .map(|(i, t)| (1 + i, Bind::Text(t)))
            .collect();
        binds.extend(ints.into_iter().map(|(i, v)| (i, Bind::Int(v))));
        binds.extend(texts.into_iter().map(|(i, v)| (i, Bind::Text(v))));
        binds.extend(dates.into_iter().map(|(i, v)| (i, Bind::Date(v))));
        binds.sort_by_key(|(i, _)| *i);
        let (rows, total): (Vec<ActivityRow>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, ActivityRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            for (_, b) in &binds {
                match b {
                    Bind::Text(t) => {
                        count = count.bind(t.clone());
                        list = list.bind(t.clone());
                    }
                    Bind::Int(v) => {
                        count = count.bind(*v);
                        list = list.bind(*v);
                    }
                    Bind::Date(d) => {
                        count = count.bind(*d);
                        list = list.bind(*d);
                    }
                }
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        Ok((rows.into_iter().map(Activity::try_from).collect::<Result<_>>()?, total))
    }

    /// What the indicator rules need about one school's activities for a plan.
    pub async fn activity_facts(&self, plan_id: i64, unit_id: i64) -> Result<Vec<ActivityFacts>> {
        // Only the columns the rules read, straight from the (plan, school) index: this runs on
        // every view of a report.
        let rows: Vec<FactsRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT kind, tasks, teachers, staff, pupils_g1_2, pupils_g3_5, pupils_g6_7, pupils_g8_9, pupils_other, parents \
             FROM activities WHERE plan_id = $1 AND unit_id = $2",
        ).bind(plan_id).bind(unit_id).fetch_all(pool).await?);
        rows.into_iter()
            .map(|r| {
                Ok(ActivityFacts {
                    kind: ActivityKind::parse(&r.kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("activity kind {}", r.kind)))?,
                    tasks: r.tasks.split_whitespace().map(str::to_string).collect(),
                    audience: Audience {
                        teachers: count(r.teachers),
                        staff: count(r.staff),
                        pupils_g1_2: count(r.pupils_g1_2),
                        pupils_g3_5: count(r.pupils_g3_5),
                        pupils_g6_7: count(r.pupils_g6_7),
                        pupils_g8_9: count(r.pupils_g8_9),
                        pupils_other: count(r.pupils_other),
                        parents: count(r.parents),
                    },
                })
            })
            .collect()
    }

    /// How many activities each school of `unit_ids` logged for a plan.
    pub async fn activity_counts(&self, plan_id: i64, unit_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..unit_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT unit_id, COUNT(*) FROM activities WHERE plan_id = $1 AND unit_id IN ({}) GROUP BY unit_id",
            list.join(", ")
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(plan_id);
            for id in unit_ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        }))
    }

    pub async fn evidence_of(&self, activity_id: i64) -> Result<Vec<EvidenceMeta>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, activity_id, file_name, content_type, size_bytes, url FROM activity_evidence WHERE activity_id = $1 ORDER BY id",
        ).bind(activity_id).fetch_all(pool).await?))
    }

    /// One evidence file with its bytes.
    pub async fn evidence_file(&self, id: i64) -> Result<Option<(EvidenceMeta, Vec<u8>)>> {
        type Row = (i64, i64, String, String, i64, String, Option<Vec<u8>>);
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, activity_id, file_name, content_type, size_bytes, url, content FROM activity_evidence WHERE id = $1",
        ).bind(id).fetch_optional(pool).await?);
        Ok(
            row.map(|(id, activity_id, file_name, content_type, size_bytes, url, content)| {
                (
                    EvidenceMeta {
                        id,
                        activity_id,
                        file_name,
                        content_type,
                        size_bytes,
                        url,
                    },
                    content.unwrap_or_default(),
                )
            }),
        )
    }
}
