//! Lessons an office adapted or wrote, each version kept. The built-in lessons are not stored:
//! they ship with the binary (`domain::lesson::built_in`).

use lanhmang_domain::lesson::LessonContent;
use lanhmang_domain::text::fold_vi;
use time::OffsetDateTime;

use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now, parse_path, path_of};

/// A stored lesson as lists show it, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLessonSummary {
    pub id: i64,
    pub unit_id: i64,
    /// The issuing unit's ancestry, itself last.
    pub unit_ancestry: Vec<i64>,
    pub based_on: Option<String>,
    pub topic: String,
    pub band: String,
    pub minutes: i64,
    pub title: String,
    pub requirements: Vec<String>,
    pub version: i64,
    pub published: bool,
    pub updated_at: OffsetDateTime,
}

/// A stored lesson with its current content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLesson {
    pub summary: StoredLessonSummary,
    pub content: LessonContent,
}

/// One saved version of a lesson, for its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonVersion {
    pub version: i64,
    pub saved_by: Option<String>,
    pub saved_at: OffsetDateTime,
}

type SummaryRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    String,
    i64,
    String,
    String,
    i64,
    bool,
    OffsetDateTime,
);

const SUMMARY_COLUMNS: &str =
    "id, unit_id, unit_path, based_on, topic, band, minutes, title, requirements, version, published, updated_at";

fn summary(r: SummaryRow) -> StoredLessonSummary {
    StoredLessonSummary {
        id: r.0,
        unit_id: r.1,
        unit_ancestry: parse_path(&r.2),
        based_on: r.3,
        topic: r.4,
        band: r.5,
        minutes: r.6,
        title: r.7,
        requirements: r.8.split_whitespace().map(str::to_string).collect(),
        version: r.9,
        published: r.10,
        updated_at: r.11,
    }
}

fn content_json(content: &LessonContent) -> Result<String> {
    serde_json::to_string(content).map_err(|e| StoreError::Corrupt(format!("bài học: {e}")))
}

/// Most stored lessons one list reads: far more than a province's offices write.
pub const MAX_LISTED_LESSONS: i64 = 2000;

impl Store {
    /// Stores a new lesson for a unit as its version 1, unpublished, audited.
    pub async fn create_lesson(
        &self,
        ctx: &AuditContext,
        unit_ancestry: &[i64],
        based_on: Option<&str>,
        content: &LessonContent,
    ) -> Result<i64> {
        let unit_id = *unit_ancestry.last().ok_or(StoreError::NotFound("đơn vị"))?;
        let json = content_json(content)?;
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO lessons (unit_id, unit_path, based_on, topic, band, minutes, title, title_folded, requirements, \
                 version, published, content, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, FALSE, $10, $11, $12, $12) RETURNING id",
            )
            .bind(unit_id)
            .bind(path_of(unit_ancestry))
            .bind(based_on)
            .bind(content.topic.as_str())
            .bind(content.band.as_str())
            .bind(i64::from(content.minutes))
            .bind(&content.title)
            .bind(fold_vi(&content.title))
            .bind(content.requirements.join(" "))
            .bind(&json)
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO lesson_versions (lesson_id, version, content, saved_by, saved_at) VALUES ($1, 1, $2, $3, $4)")
                .bind(id)
                .bind(&json)
                .bind(ctx.actor_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(self, tx, ctx, "lesson.create", format!("lesson:{id}"), content.title.clone());
            tx.commit().await?;
            id
        }))
    }

    /// Saves a new version of a lesson, audited; a lesson saved by someone else meanwhile
    /// (its version is no longer `expected_version`) is a conflict and nothing is written.
    pub async fn save_lesson_version(
        &self,
        ctx: &AuditContext,
        id: i64,
        expected_version: i64,
        content: &LessonContent,
    ) -> Result<i64> {
        let json = content_json(content)?;
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE lessons SET version = version + 1, topic = $1, band = $2, minutes = $3, title = $4, title_folded = $5, \
                 requirements = $6, content = $7, updated_at = $8 WHERE id = $9 AND version = $10",
            )
            .bind(content.topic.as_str())
            .bind(content.band.as_str())
            .bind(i64::from(content.minutes))
            .bind(&content.title)
            .bind(fold_vi(&content.title))
            .bind(content.requirements.join(" "))
            .bind(&json)
            .bind(at)
            .bind(id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                tx.rollback().await?;
                return Err(StoreError::Conflict(
                    "Bài học vừa được người khác lưu một phiên bản mới; hãy mở lại bài để xem và sửa tiếp.".into(),
                ));
            }
            let version = expected_version + 1;
            sqlx::query("INSERT INTO lesson_versions (lesson_id, version, content, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(version)
                .bind(&json)
                .bind(ctx.actor_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(self, tx, ctx, "lesson.save", format!("lesson:{id}"), format!("phiên bản {version}"));
            tx.commit().await?;
            version
        }))
    }

    /// Publishes a lesson to its unit's subtree or takes it back, audited; false when it was so already.
    pub async fn set_lesson_published(&self, ctx: &AuditContext, id: i64, published: bool) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("UPDATE lessons SET published = $1, updated_at = $2 WHERE id = $3 AND published <> $1")
                .bind(published)
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if changed {
                let action = if published { "lesson.publish" } else { "lesson.unpublish" };
                audit_in_tx!(self, tx, ctx, action, format!("lesson:{id}"), String::new());
            }
            tx.commit().await?;
            changed
        }))
    }

    pub async fn lesson(&self, id: i64) -> Result<Option<StoredLesson>> {
        let sql = format!("SELECT {SUMMARY_COLUMNS}, content FROM lessons WHERE id = $1");
        type Row = (
            i64,
            i64,
            String,
            Option<String>,
            String,
            String,
            i64,
            String,
            String,
            i64,
            bool,
            OffsetDateTime,
            String,
        );
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        row.map(|r| {
            let content = serde_json::from_str(&r.12).map_err(|e| StoreError::Corrupt(format!("bài học {id}: {e}")))?;
            Ok(StoredLesson {
                summary: summary((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11)),
                content,
            })
        })
        .transpose()
    }

    /// The stored lessons of the units on `ancestries`' paths and in their subtrees, newest
    /// first, at most [`MAX_LISTED_LESSONS`]; the caller decides which of them a person sees.
    pub async fn lessons_near(&self, ancestries: &[Vec<i64>]) -> Result<Vec<StoredLessonSummary>> {
        let mut ids: Vec<i64> = ancestries.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let ranges: Vec<(String, String)> = ancestries.iter().map(|a| crate::path_range_of(a)).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (in_subtree, mut binds) = crate::range_condition("unit_path", &ranges, ids.len() + 1);
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM lessons WHERE unit_id IN ({}) OR {in_subtree} ORDER BY updated_at DESC, id DESC LIMIT {MAX_LISTED_LESSONS}",
            placeholders.join(", ")
        );
        let rows: Vec<SummaryRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in &ids {
                q = q.bind(*id);
            }
            for b in binds.drain(..) {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(summary).collect())
    }

    /// A lesson's saved versions, newest first, with who saved each.
    pub async fn lesson_versions(&self, id: i64) -> Result<Vec<LessonVersion>> {
        let rows: Vec<(i64, Option<String>, OffsetDateTime)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT v.version, p.display_name, v.saved_at FROM lesson_versions v LEFT JOIN people p ON p.id = v.saved_by \
             WHERE v.lesson_id = $1 ORDER BY v.version DESC",
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(version, saved_by, saved_at)| LessonVersion {
                version,
                saved_by,
                saved_at,
            })
            .collect())
    }
}
