//! Inspection standards: the version in force for a unit (the nearest office's), versions, saving.

use crate::BeginWrite;
use lanhmang_domain::supervision::StandardRules;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{AuditContext, Result, Store, StoreError, now};

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
pub(super) struct StandardRow {
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

impl Store {
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
            let mut tx = pool.begin_write().await?;
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
            audit_in_tx!(self, tx, ctx, "standard.save", format!("unit:{unit_id}"), format!("phiên bản {version}: {}", note.trim()));
            tx.commit().await?;
            version
        });
        Ok(version)
    }
}
