//! The year's plans, their published versions, and schools' own plans.

use crate::BeginWrite;
use lanhmang_domain::document_number::{DocumentKind, DocumentNumber};
use lanhmang_domain::plan::{PlanContent, PlanHeader, PlanStatus, SchoolPlanContent};
use lanhmang_domain::report::{ReportEvent, ReportStatus, transition, vietnam_date};
use lanhmang_domain::school_year::SchoolYear;
use lanhmang_domain::{Paging, UnitStatus};
use time::{Date, OffsetDateTime};

use crate::units::unique_to_conflict;
use crate::{AuditContext, Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    pub id: i64,
    pub issuing_unit_id: i64,
    pub issuing_unit_name: String,
    /// The issuing unit's ancestry, root first: who may see and manage the plan.
    pub issuing_ancestry: Vec<i64>,
    pub title: String,
    pub school_year: SchoolYear,
    pub deadline: Date,
    pub number: Option<DocumentNumber>,
    pub template_code: String,
    #[serde(skip)]
    pub content: PlanContent,
    pub status: PlanStatus,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    id: i64,
    issuing_unit_id: i64,
    issuing_unit_name: String,
    issuing_path: String,
    title: String,
    school_year: i64,
    deadline: Date,
    doc_sequence: Option<i64>,
    doc_issuer: String,
    template_code: String,
    content: String,
    status: String,
    version: i64,
    published_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

pub(crate) const PLAN_COLUMNS: &str = "p.id, p.issuing_unit_id, i.name AS issuing_unit_name, i.path AS issuing_path, p.title, \
     p.school_year, p.deadline, p.doc_sequence, p.doc_issuer, p.template_code, p.content, p.status, p.version, \
     p.published_at, p.created_at, p.updated_at";

impl TryFrom<PlanRow> for Plan {
    type Error = StoreError;
    fn try_from(r: PlanRow) -> Result<Plan> {
        let number = match r.doc_sequence {
            Some(seq) => Some(DocumentNumber {
                sequence: u32::try_from(seq).map_err(|_| StoreError::Corrupt(format!("plan {} number", r.id)))?,
                kind: DocumentKind::Plan,
                issuer: r.doc_issuer,
            }),
            None => None,
        };
        Ok(Plan {
            id: r.id,
            issuing_unit_id: r.issuing_unit_id,
            issuing_unit_name: r.issuing_unit_name,
            issuing_ancestry: crate::parse_path(&r.issuing_path),
            title: r.title,
            school_year: SchoolYear {
                start_year: i32::try_from(r.school_year)
                    .map_err(|_| StoreError::Corrupt(format!("plan {} year", r.id)))?,
            },
            deadline: r.deadline,
            number,
            template_code: r.template_code,
            content: PlanContent::from_json(&r.content).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            status: PlanStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("plan status {}", r.status)))?,
            version: r.version,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// One published state of a plan.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanVersion {
    pub version: i64,
    pub title: String,
    pub deadline: Date,
    pub content: String,
    pub change_note: String,
    pub changed_by: Option<String>,
    pub changed_at: OffsetDateTime,
}

/// Which plans someone sees: those issued inside their subtrees, and the published plans issued
/// by the units above them (a school sees its office's plan).
#[derive(Debug, Clone, Default)]
pub struct PlanScope {
    pub roots: Vec<i64>,
    pub ancestors: Vec<i64>,
}

pub(crate) fn stale(what: &str, current: i64) -> StoreError {
    StoreError::Conflict(format!(
        "{what} vừa được người khác thay đổi (nay là phiên bản {current}) sau khi bạn mở ra. \
         Hãy tải lại trang để xem bản mới nhất rồi nhập lại thay đổi của mình."
    ))
}

/// A school's own plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SchoolPlan {
    pub id: i64,
    pub plan_id: i64,
    pub unit_id: i64,
    pub status: ReportStatus,
    pub content: SchoolPlanContent,
    pub note: String,
    pub review_comment: String,
    /// Who the latest review told ("Đã báo cho …"), as the reviewer was shown it.
    pub review_notified: String,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SchoolPlanRow {
    id: i64,
    plan_id: i64,
    unit_id: i64,
    status: String,
    content: String,
    note: String,
    review_comment: String,
    review_notified: String,
    version: i64,
    submitted_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
}

impl TryFrom<SchoolPlanRow> for SchoolPlan {
    type Error = StoreError;
    fn try_from(r: SchoolPlanRow) -> Result<SchoolPlan> {
        Ok(SchoolPlan {
            id: r.id,
            plan_id: r.plan_id,
            unit_id: r.unit_id,
            status: ReportStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("status {}", r.status)))?,
            content: SchoolPlanContent::from_json(&r.content).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            note: r.note,
            review_comment: r.review_comment,
            review_notified: r.review_notified,
            version: r.version,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
        })
    }
}

const SCHOOL_PLAN_COLUMNS: &str =
    "id, plan_id, unit_id, status, content, note, review_comment, review_notified, version, submitted_at, updated_at";

/// A school's plan as the office's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolPlanRowView {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_status: UnitStatus,
    pub status: Option<ReportStatus>,
    pub tasks: usize,
    pub submitted_at: Option<OffsetDateTime>,
}

impl Store {
    pub async fn plan(&self, id: i64) -> Result<Option<Plan>> {
        let sql =
            format!("SELECT {PLAN_COLUMNS} FROM plans p JOIN units i ON i.id = p.issuing_unit_id WHERE p.id = $1");
        let row: Option<PlanRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        row.map(Plan::try_from).transpose()
    }

    /// Plans someone sees, newest school year first.
    pub async fn list_plans(&self, scope: &PlanScope, paging: Paging) -> Result<(Vec<Plan>, i64)> {
        let mut ids: Vec<i64> = scope.roots.clone();
        ids.extend(&scope.ancestors);
        let roots = placeholders(1, scope.roots.len());
        let ancestors = placeholders(1 + scope.roots.len(), scope.ancestors.len());
        let next = 1 + ids.len();
        let condition = format!(
            "(EXISTS (SELECT 1 FROM units r WHERE r.id IN ({roots}) AND substr(i.path, 1, length(r.path)) = r.path) \
             OR (p.status = 'published' AND p.issuing_unit_id IN ({ancestors})))"
        );
        let count_sql =
            format!("SELECT COUNT(*) FROM plans p JOIN units i ON i.id = p.issuing_unit_id WHERE {condition}");
        let list_sql = format!(
            "SELECT {PLAN_COLUMNS} FROM plans p JOIN units i ON i.id = p.issuing_unit_id WHERE {condition} \
             ORDER BY p.school_year DESC, p.id DESC LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let (rows, total): (Vec<PlanRow>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, PlanRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            for id in &ids {
                count = count.bind(*id);
                list = list.bind(*id);
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        Ok((rows.into_iter().map(Plan::try_from).collect::<Result<_>>()?, total))
    }

    /// The published plans that reach a school (issued by one of its ancestors), newest first.
    pub async fn plans_for_school(&self, school_ancestry: &[i64]) -> Result<Vec<Plan>> {
        let scope = PlanScope {
            roots: Vec::new(),
            ancestors: school_ancestry.to_vec(),
        };
        Ok(self.list_plans(&scope, Paging::default()).await?.0)
    }

    /// The smallest unused plan number of `issuer` this calendar year (numbers restart each 1
    /// January, Decree 30/2020).
    pub async fn next_plan_number(&self, issuing_unit_id: i64) -> Result<u32> {
        let year = i64::from(vietnam_date(now()).year());
        let (max,): (Option<i64>,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT MAX(doc_sequence) FROM plans WHERE issuing_unit_id = $1 AND doc_year = $2",
        ).bind(issuing_unit_id).bind(year).fetch_one(pool).await?);
        Ok(u32::try_from(max.unwrap_or(0) + 1).unwrap_or(1))
    }

    pub async fn create_plan(
        &self,
        ctx: &AuditContext,
        issuing_unit_id: i64,
        header: &PlanHeader,
        template_code: &str,
        content: &PlanContent,
    ) -> Result<Plan> {
        let at = now();
        let doc_year = header.number.as_ref().map(|_| i64::from(vietnam_date(at).year()));
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO plans (issuing_unit_id, title, school_year, deadline, doc_sequence, doc_issuer, doc_year, \
                 template_code, content, status, version, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, $11, $11) RETURNING id",
            )
            .bind(issuing_unit_id)
            .bind(&header.title)
            .bind(i64::from(header.school_year.start_year))
            .bind(header.deadline)
            .bind(header.number.as_ref().map(|n| i64::from(n.sequence)))
            .bind(header.number.as_ref().map(|n| n.issuer.clone()).unwrap_or_default())
            .bind(doc_year)
            .bind(template_code)
            .bind(content.to_json())
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| number_taken(e, header))?;
            audit_in_tx!(self, tx, ctx, "plan.create", format!("plan:{id}"), header.title.clone());
            tx.commit().await?;
            id
        });
        self.plan(id).await?.ok_or(StoreError::NotFound("kế hoạch"))
    }

    /// Changes a plan's header and content. A published plan's change needs a note and becomes
    /// a new version that schools see in its history; `outgoing` (the schools told) is written
    /// with it.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_plan(
        &self,
        ctx: &AuditContext,
        id: i64,
        expected_version: i64,
        header: &PlanHeader,
        content: &PlanContent,
        change_note: &str,
        outgoing: &crate::notifications::Outgoing,
    ) -> Result<Plan> {
        let current = self.plan(id).await?.ok_or(StoreError::NotFound("kế hoạch"))?;
        let published = current.status == PlanStatus::Published;
        if published && change_note.trim().is_empty() {
            return Err(StoreError::Conflict(
                "Kế hoạch đã ban hành: hãy ghi nội dung thay đổi để các trường biết.".into(),
            ));
        }
        let at = now();
        let doc_year = match (&header.number, &current.number) {
            (Some(new), Some(old)) if new == old => on_pool!(self, pool => {
                let (y,): (Option<i64>,) = sqlx::query_as("SELECT doc_year FROM plans WHERE id = $1").bind(id).fetch_one(pool).await?;
                y
            }),
            (Some(_), _) => Some(i64::from(vietnam_date(at).year())),
            (None, _) => None,
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE plans SET title = $1, school_year = $2, deadline = $3, doc_sequence = $4, doc_issuer = $5, \
                 doc_year = $6, content = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
            )
            .bind(&header.title)
            .bind(i64::from(header.school_year.start_year))
            .bind(header.deadline)
            .bind(header.number.as_ref().map(|n| i64::from(n.sequence)))
            .bind(header.number.as_ref().map(|n| n.issuer.clone()).unwrap_or_default())
            .bind(doc_year)
            .bind(content.to_json())
            .bind(at)
            .bind(id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(|e| number_taken(e, header))?;
            if done.rows_affected() == 0 {
                return Err(stale("Kế hoạch", current.version));
            }
            if published {
                sqlx::query(
                    "INSERT INTO plan_versions (plan_id, version, title, deadline, content, change_note, changed_by, changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(expected_version + 1)
                .bind(&header.title)
                .bind(header.deadline)
                .bind(content.to_json())
                .bind(change_note.trim())
                .bind(ctx.actor_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            audit_in_tx!(self, tx, ctx, "plan.update", format!("plan:{id}"), format!("v{} {}", expected_version + 1, change_note.trim()));
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
        });
        self.plan(id).await?.ok_or(StoreError::NotFound("kế hoạch"))
    }

    /// Publishes a draft plan to the schools below its issuing unit.
    /// Publishes a draft plan; `outgoing` (the schools told) is written with it.
    pub async fn publish_plan(
        &self,
        ctx: &AuditContext,
        id: i64,
        expected_version: Option<i64>,
        outgoing: &crate::notifications::Outgoing,
    ) -> Result<Plan> {
        let plan = self.plan(id).await?.ok_or(StoreError::NotFound("kế hoạch"))?;
        if plan.status == PlanStatus::Published {
            return Err(StoreError::Conflict("Kế hoạch này đã được ban hành.".into()));
        }
        let version = expected_version.unwrap_or(plan.version);
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE plans SET status = 'published', published_at = $1, updated_at = $1 WHERE id = $2 AND version = $3 AND status = 'draft'",
            )
            .bind(at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(stale("Kế hoạch", plan.version));
            }
            sqlx::query(
                "INSERT INTO plan_versions (plan_id, version, title, deadline, content, change_note, changed_by, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, 'Ban hành', $6, $7)",
            )
            .bind(id)
            .bind(version)
            .bind(&plan.title)
            .bind(plan.deadline)
            .bind(plan.content.to_json())
            .bind(ctx.actor_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(self, tx, ctx, "plan.publish", format!("plan:{id}"), plan.title.clone());
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
        });
        self.plan(id).await?.ok_or(StoreError::NotFound("kế hoạch"))
    }

    /// Published versions, newest first, with who changed them.
    pub async fn plan_versions(&self, plan_id: i64) -> Result<Vec<PlanVersion>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT v.version, v.title, v.deadline, v.content, v.change_note, p.display_name AS changed_by, v.changed_at \
             FROM plan_versions v LEFT JOIN people p ON p.id = v.changed_by WHERE v.plan_id = $1 ORDER BY v.version DESC",
        ).bind(plan_id).fetch_all(pool).await?))
    }

    pub async fn school_plan(&self, plan_id: i64, unit_id: i64) -> Result<Option<SchoolPlan>> {
        let sql = format!("SELECT {SCHOOL_PLAN_COLUMNS} FROM school_plans WHERE plan_id = $1 AND unit_id = $2");
        let row: Option<SchoolPlanRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(plan_id).bind(unit_id).fetch_optional(pool).await?);
        row.map(SchoolPlan::try_from).transpose()
    }

    /// Saves a school's plan (creating it on first save). Only a draft or returned plan changes;
    /// `expected_version` guards against overwriting someone else's save.
    pub async fn save_school_plan(
        &self,
        ctx: &AuditContext,
        plan_id: i64,
        unit_id: i64,
        expected_version: Option<i64>,
        content: &SchoolPlanContent,
        note: &str,
    ) -> Result<SchoolPlan> {
        let at = now();
        let existing = self.school_plan(plan_id, unit_id).await?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            match &existing {
                None => {
                    sqlx::query(
                        "INSERT INTO school_plans (plan_id, unit_id, status, content, note, version, created_at, updated_at) \
                         VALUES ($1, $2, 'draft', $3, $4, 1, $5, $5)",
                    )
                    .bind(plan_id)
                    .bind(unit_id)
                    .bind(content.to_json())
                    .bind(note.trim())
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| unique_to_conflict(e, "Kế hoạch của trường vừa được tạo ở nơi khác; hãy tải lại trang."))?;
                }
                Some(sp) => {
                    transition(sp.status, ReportEvent::Save, "").map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let done = sqlx::query(
                        "UPDATE school_plans SET content = $1, note = $2, version = version + 1, updated_at = $3 \
                         WHERE id = $4 AND version = $5 AND status IN ('draft', 'returned')",
                    )
                    .bind(content.to_json())
                    .bind(note.trim())
                    .bind(at)
                    .bind(sp.id)
                    .bind(expected_version.unwrap_or(sp.version))
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(stale("Kế hoạch của trường", sp.version));
                    }
                }
            }
            audit_in_tx!(self, tx, ctx, "school_plan.save", format!("plan:{plan_id}/unit:{unit_id}"), String::new());
            tx.commit().await?;
        });
        self.school_plan(plan_id, unit_id)
            .await?
            .ok_or(StoreError::NotFound("kế hoạch của trường"))
    }

    /// Submits, returns or accepts a school's plan.
    #[allow(clippy::too_many_arguments)]
    pub async fn review_school_plan(
        &self,
        ctx: &AuditContext,
        plan_id: i64,
        unit_id: i64,
        event: ReportEvent,
        comment: &str,
        outgoing: &crate::notifications::Outgoing,
        notified: &str,
    ) -> Result<SchoolPlan> {
        let sp = self
            .school_plan(plan_id, unit_id)
            .await?
            .ok_or(StoreError::NotFound("kế hoạch của trường"))?;
        let to = transition(sp.status, event, comment).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE school_plans SET status = $1, review_comment = $2, version = version + 1, updated_at = $3, \
                 submitted_at = CASE WHEN $1 = 'submitted' THEN $3 ELSE submitted_at END, \
                 reviewed_at = CASE WHEN $1 IN ('returned', 'accepted') THEN $3 ELSE reviewed_at END, \
                 review_notified = CASE WHEN $1 IN ('returned', 'accepted') THEN $6 ELSE review_notified END \
                 WHERE id = $4 AND version = $5",
            )
            .bind(to.as_str())
            .bind(if event == ReportEvent::Submit { sp.review_comment.clone() } else { comment.trim().to_string() })
            .bind(at)
            .bind(sp.id)
            .bind(sp.version)
            .bind(notified)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(stale("Kế hoạch của trường", sp.version));
            }
            audit_in_tx!(self, tx, ctx, "school_plan.review", format!("plan:{plan_id}/unit:{unit_id}"), format!("{} {}", event.as_str(), comment.trim()));
            send_in_tx!(tx, outgoing)?;
            tx.commit().await?;
        });
        self.school_plan(plan_id, unit_id)
            .await?
            .ok_or(StoreError::NotFound("kế hoạch của trường"))
    }

    /// Every school the plan reaches within `scope_paths`, with its own plan's state, by code.
    pub async fn school_plans_overview(
        &self,
        plan: &Plan,
        roots: &[i64],
        paging: Paging,
    ) -> Result<(Vec<SchoolPlanRowView>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let issuer = crate::path_range_of(&plan.issuing_ancestry);
        let (cond, binds) = crate::range_condition("u.path", &ranges, 3);
        let next = 3 + binds.len();
        let base = format!(
            "FROM units u LEFT JOIN school_plans s ON s.plan_id = $1 AND s.unit_id = u.id \
             WHERE u.kind = 'school' AND u.path >= $2 AND u.path < ${next} AND {cond} AND (u.status = 'active' OR s.id IS NOT NULL)"
        );
        let count_sql = format!("SELECT COUNT(*) {base}");
        let list_sql = format!(
            "SELECT u.id, u.code, u.name, u.status, s.status, s.content, s.submitted_at {base} ORDER BY u.path LIMIT ${} OFFSET ${}",
            next + 1,
            next + 2
        );
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<OffsetDateTime>,
        );
        let (rows, total): (Vec<Row>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str())).bind(plan.id).bind(&issuer.0);
            let mut list = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(list_sql.as_str())).bind(plan.id).bind(&issuer.0);
            for b in &binds {
                count = count.bind(b.clone());
                list = list.bind(b.clone());
            }
            count = count.bind(&issuer.1);
            list = list.bind(&issuer.1);
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        let views = rows
            .into_iter()
            .map(
                |(unit_id, unit_code, unit_name, unit_status, status, content, submitted_at)| SchoolPlanRowView {
                    unit_id,
                    unit_code,
                    unit_name,
                    unit_status: UnitStatus::parse(&unit_status).unwrap_or(UnitStatus::Active),
                    status: status.as_deref().and_then(ReportStatus::parse),
                    tasks: content
                        .as_deref()
                        .and_then(|c| SchoolPlanContent::from_json(c).ok())
                        .map(|c| c.tasks.len())
                        .unwrap_or(0),
                    submitted_at,
                },
            )
            .collect();
        Ok((views, total))
    }
}

fn placeholders(first: usize, n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn number_taken(e: sqlx::Error, header: &PlanHeader) -> StoreError {
    let number = header.number.as_ref().map(DocumentNumber::format).unwrap_or_default();
    unique_to_conflict(
        e,
        &format!(
            "Số {number} đã được dùng cho một kế hoạch khác của đơn vị trong năm nay. Số tiếp theo còn trống được gợi ý ở ô nhập."
        ),
    )
}
