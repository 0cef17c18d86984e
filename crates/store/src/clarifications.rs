//! Clarifications (S2.3): drafts, approval, publication, withdrawal. Who may do what is decided
//! in `app::clarifications`.

use lanhmang_domain::Paging;
use time::OffsetDateTime;

use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now, range_condition};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClarificationState {
    Draft,
    Published,
    Withdrawn,
}

impl ClarificationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClarificationState::Draft => "draft",
            ClarificationState::Published => "published",
            ClarificationState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<ClarificationState> {
        match raw.trim() {
            "draft" => Some(ClarificationState::Draft),
            "published" => Some(ClarificationState::Published),
            "withdrawn" => Some(ClarificationState::Withdrawn),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClarificationState::Draft => "Chờ duyệt",
            ClarificationState::Published => "Đã công bố",
            ClarificationState::Withdrawn => "Đã thu hồi",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clarification {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_ancestry: Vec<i64>,
    pub incident_id: Option<i64>,
    pub title: String,
    pub claim: String,
    pub facts: String,
    pub sources: Vec<String>,
    pub news_ids: Vec<i64>,
    pub state: ClarificationState,
    pub written_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub published_at: Option<OffsetDateTime>,
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdraw_reason: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    incident_id: Option<i64>,
    title: String,
    claim: String,
    facts: String,
    sources: String,
    news_ids: String,
    state: String,
    written_by: Option<i64>,
    approved_by: Option<i64>,
    published_at: Option<OffsetDateTime>,
    withdrawn_at: Option<OffsetDateTime>,
    withdraw_reason: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<Row> for Clarification {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Clarification> {
        Ok(Clarification {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            unit_ancestry: crate::parse_path(&r.unit_path),
            incident_id: r.incident_id,
            title: r.title,
            claim: r.claim,
            facts: r.facts,
            sources: r
                .sources
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            news_ids: r.news_ids.split_whitespace().filter_map(|v| v.parse().ok()).collect(),
            state: ClarificationState::parse(&r.state)
                .ok_or_else(|| StoreError::Corrupt(format!("clarification state {}", r.state)))?,
            written_by: r.written_by,
            approved_by: r.approved_by,
            published_at: r.published_at,
            withdrawn_at: r.withdrawn_at,
            withdraw_reason: r.withdraw_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const COLUMNS: &str = "c.id, c.unit_id, u.name AS unit_name, c.unit_path, c.incident_id, c.title, c.claim, c.facts, \
     c.sources, c.news_ids, c.state, c.written_by, c.approved_by, c.published_at, c.withdrawn_at, c.withdraw_reason, \
     c.created_at, c.updated_at";

/// A clarification as written.
#[derive(Debug, Clone)]
pub struct NewClarification {
    pub unit_id: i64,
    pub incident_id: Option<i64>,
    pub title: String,
    pub claim: String,
    pub facts: String,
    pub sources: Vec<String>,
    pub news_ids: Vec<i64>,
}

impl Store {
    pub async fn create_clarification(&self, ctx: &AuditContext, new: &NewClarification) -> Result<Clarification> {
        let at = now();
        let news_ids: Vec<String> = new.news_ids.iter().map(i64::to_string).collect();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (path,): (String,) = sqlx::query_as("SELECT path FROM units WHERE id = $1")
                .bind(new.unit_id)
                .fetch_one(&mut *tx)
                .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO clarifications (unit_id, unit_path, incident_id, title, claim, facts, sources, news_ids, \
                 state, written_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $10) RETURNING id",
            )
            .bind(new.unit_id)
            .bind(&path)
            .bind(new.incident_id)
            .bind(&new.title)
            .bind(&new.claim)
            .bind(&new.facts)
            .bind(new.sources.join("\n"))
            .bind(news_ids.join(" "))
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            audit_in_tx!(self, tx, ctx, "clarification.create", format!("clarification:{id}"), new.title.clone());
            tx.commit().await?;
            id
        });
        self.clarification(id)
            .await?
            .ok_or(StoreError::NotFound("bài đính chính"))
    }

    pub async fn clarification(&self, id: i64) -> Result<Option<Clarification>> {
        let sql = format!("SELECT {COLUMNS} FROM clarifications c JOIN units u ON u.id = c.unit_id WHERE c.id = $1");
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(pool)
            .await?);
        row.map(Clarification::try_from).transpose()
    }

    /// Clarifications of the subtrees of `roots` (all of them when `roots` is `None`: the
    /// public feed), in a state, newest first, with the total.
    pub async fn list_clarifications(
        &self,
        roots: Option<&[i64]>,
        states: &[ClarificationState],
        paging: Paging,
    ) -> Result<(Vec<Clarification>, i64)> {
        let (scope, binds) = match roots {
            Some(roots) => range_condition("c.unit_path", &self.subtree_ranges(roots).await?, 1),
            None => ("1 = 1".to_string(), Vec::new()),
        };
        let states: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let state_sql = if states.is_empty() {
            "1 = 1".to_string()
        } else {
            format!("c.state IN ({})", states.join(", "))
        };
        let next = binds.len() + 1;
        let list_sql = format!(
            "SELECT {COLUMNS} FROM clarifications c JOIN units u ON u.id = c.unit_id WHERE {scope} AND {state_sql} \
             ORDER BY COALESCE(c.published_at, c.created_at) DESC, c.id DESC LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let count_sql = format!("SELECT COUNT(*) FROM clarifications c WHERE {scope} AND {state_sql}");
        let (rows, total) = on_pool!(self, pool => {
            let mut list = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(list_sql.as_str()));
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            for b in &binds {
                list = list.bind(b.clone());
                count = count.bind(b.clone());
            }
            let rows = list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?;
            (rows, count.fetch_one(pool).await?.0)
        });
        Ok((
            rows.into_iter()
                .map(Clarification::try_from)
                .collect::<Result<Vec<_>>>()?,
            total,
        ))
    }

    /// Moves a clarification from `from` to `to` (publishing sets the approver and the time,
    /// withdrawing the reason), audited; a clarification no longer in `from` is a conflict.
    pub async fn move_clarification(
        &self,
        ctx: &AuditContext,
        id: i64,
        from: ClarificationState,
        to: ClarificationState,
        reason: &str,
    ) -> Result<Clarification> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE clarifications SET state = $1, updated_at = $2, \
                 approved_by = CASE WHEN $1 = 'published' THEN $3 ELSE approved_by END, \
                 published_at = CASE WHEN $1 = 'published' THEN $2 ELSE published_at END, \
                 withdrawn_at = CASE WHEN $1 = 'withdrawn' THEN $2 ELSE withdrawn_at END, \
                 withdraw_reason = CASE WHEN $1 = 'withdrawn' THEN $4 ELSE withdraw_reason END \
                 WHERE id = $5 AND state = $6",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(ctx.actor_id)
            .bind(reason)
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Err(StoreError::Conflict("Bài đính chính vừa được người khác thay đổi; hãy tải lại trang.".into()));
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                "clarification.move",
                format!("clarification:{id}"),
                format!("{} → {}", from.as_str(), to.as_str())
            );
            tx.commit().await?;
        });
        self.clarification(id)
            .await?
            .ok_or(StoreError::NotFound("bài đính chính"))
    }

    /// The news entries with these ids that exist: (id, title, url).
    pub async fn news_titles(&self, ids: &[i64]) -> Result<Vec<(i64, String, String)>> {
        let mut out = Vec::new();
        for id in ids {
            let row: Option<(i64, String, String)> = on_pool!(self, pool => sqlx::query_as(
                "SELECT id, title, COALESCE(url, '') FROM news_entries WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?);
            out.extend(row);
        }
        Ok(out)
    }
}
