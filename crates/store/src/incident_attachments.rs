//! Evidence files attached to a case by the staff and collaborators who report or handle it.
//!
//! The files live in the database beside the case, so that a backup holds the case whole and
//! the retention purge deletes them in the same transaction as the rest of its details.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now};

/// A file as a case lists it, without its content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub incident_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_by_name: Option<String>,
    pub uploaded_at: OffsetDateTime,
}

const ATTACHMENT_COLUMNS: &str = "a.id, a.incident_id, a.file_name, a.content_type, a.size, a.sha256, \
     a.uploaded_by, p.display_name AS uploaded_by_name, a.uploaded_at";

impl Store {
    /// Adds a file to a case, audited, unless the case has `max_files` already (a conflict;
    /// nothing written). The check and the insert are one transaction, so two uploads at once
    /// cannot both pass it.
    pub async fn add_incident_attachment(
        &self,
        ctx: &AuditContext,
        incident_id: i64,
        file_name: &str,
        content_type: &str,
        content: &[u8],
        max_files: i64,
    ) -> Result<Attachment> {
        let sha = hex::encode(Sha256::digest(content));
        let at = now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM incident_attachments WHERE incident_id = $1")
                .bind(incident_id)
                .fetch_one(&mut *tx)
                .await?;
            if count >= max_files {
                tx.rollback().await?;
                return Err(StoreError::Conflict(format!(
                    "Hồ sơ đã có {count} tệp, tối đa {max_files}. Hãy gộp bớt hoặc ghi đường dẫn thay cho tệp."
                )));
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO incident_attachments (incident_id, file_name, content_type, size, sha256, content, \
                 uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(incident_id)
            .bind(file_name)
            .bind(content_type)
            .bind(content.len() as i64)
            .bind(&sha)
            .bind(content)
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            // The audit log is read by people who may not read the case: the file's name could
            // say what happened, so only its number, type and size go there.
            audit_in_tx!(
                self,
                tx,
                ctx,
                "incident.attach",
                format!("incident:{incident_id}"),
                format!("tệp số {id} ({content_type}, {} byte)", content.len())
            );
            tx.commit().await?;
            id
        });
        self.incident_attachments(incident_id)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::NotFound("tệp đính kèm"))
    }

    /// The files of a case, oldest first.
    pub async fn incident_attachments(&self, incident_id: i64) -> Result<Vec<Attachment>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM incident_attachments a LEFT JOIN people p ON p.id = a.uploaded_by \
             WHERE a.incident_id = $1 ORDER BY a.id"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Attachment>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(incident_id)
            .fetch_all(pool)
            .await?),
        )
    }

    /// One file of a case with its content.
    pub async fn incident_attachment(&self, incident_id: i64, id: i64) -> Result<Option<(Attachment, Vec<u8>)>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, a.content FROM incident_attachments a LEFT JOIN people p ON p.id = a.uploaded_by \
             WHERE a.incident_id = $1 AND a.id = $2"
        );
        let row: Option<WithContent> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(incident_id)
            .bind(id)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|r| (r.meta, r.content)))
    }
}

#[derive(sqlx::FromRow)]
struct WithContent {
    #[sqlx(flatten)]
    meta: Attachment,
    content: Vec<u8>,
}
