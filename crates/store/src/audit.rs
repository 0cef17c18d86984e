//! The append-only audit log and its hash chain.

use lanhmang_domain::Paging;
use lanhmang_domain::audit::{AuditFields, GENESIS, entry_hash};
use time::OffsetDateTime;

use crate::{Result, Store, format_time};

/// Who did something, and from where: carried into every audited change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub client_ip: String,
}

impl AuditContext {
    /// An action taken by the system or the command line, not by a signed-in person.
    pub fn system(actor: &str) -> AuditContext {
        AuditContext {
            actor_id: None,
            actor: actor.to_string(),
            client_ip: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_person_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub client_ip: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: i64,
    /// The first entry that does not fit, and why.
    pub first_broken: Option<(i64, String)>,
}

impl Store {
    /// Appends one entry in its own transaction.
    pub async fn record(&self, ctx: &crate::AuditContext, action: &str, target: &str, detail: &str) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            audit_in_tx!(tx, ctx, action, target.to_string(), detail.to_string());
            tx.commit().await?;
        });
        Ok(())
    }

    /// The newest entries first.
    pub async fn audit_page(&self, paging: Paging) -> Result<(Vec<AuditEntry>, i64)> {
        on_pool!(self, pool => {
            let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log").fetch_one(pool).await?;
            let rows: Vec<AuditEntry> = sqlx::query_as(
                "SELECT seq, at, actor_person_id, actor, action, target, detail, client_ip, prev_hash, hash \
                 FROM audit_log ORDER BY seq DESC LIMIT $1 OFFSET $2",
            )
            .bind(paging.limit())
            .bind(paging.offset())
            .fetch_all(pool)
            .await?;
            Ok((rows, total))
        })
    }

    /// Recomputes every hash in order. Finds altered rows (hash mismatch), removed rows (a gap in
    /// the sequence or a broken link) and a removed tail (the head no longer matches).
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        const BATCH: i64 = 1000;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut entries = 0;
        loop {
            let batch: Vec<AuditEntry> = on_pool!(self, pool => sqlx::query_as(
                "SELECT seq, at, actor_person_id, actor, action, target, detail, client_ip, prev_hash, hash \
                 FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(expected_seq)
            .bind(BATCH)
            .fetch_all(pool)
            .await?);
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                let broken = |why: String| {
                    Ok(ChainReport {
                        entries,
                        first_broken: Some((e.seq, why)),
                    })
                };
                if e.seq != expected_seq {
                    return Ok(ChainReport {
                        entries,
                        first_broken: Some((expected_seq, format!("mục {expected_seq} đã bị xóa"))),
                    });
                }
                if e.prev_hash != prev {
                    return broken("liên kết tới mục trước không khớp".into());
                }
                let at = format_time(e.at);
                let recomputed = entry_hash(
                    &prev,
                    &AuditFields {
                        seq: e.seq,
                        at: &at,
                        actor_user_id: e.actor_person_id,
                        actor: &e.actor,
                        action: &e.action,
                        target: &e.target,
                        detail: &e.detail,
                        client_ip: &e.client_ip,
                    },
                );
                if recomputed != e.hash {
                    return broken("nội dung đã bị sửa (mã băm không khớp)".into());
                }
                prev = e.hash.clone();
                expected_seq += 1;
                entries += 1;
            }
        }
        let (head_seq, head_hash): (i64, String) = on_pool!(self, pool => {
            sqlx::query_as("SELECT seq, last_hash FROM audit_head WHERE id = 1").fetch_one(pool).await?
        });
        if head_seq != entries || head_hash != prev {
            return Ok(ChainReport {
                entries,
                first_broken: Some((
                    entries + 1,
                    format!("các mục cuối (từ {} đến {head_seq}) đã bị xóa", entries + 1),
                )),
            });
        }
        Ok(ChainReport {
            entries,
            first_broken: None,
        })
    }

    /// For tests of tamper detection only: runs raw SQL against the database.
    #[doc(hidden)]
    pub async fn execute_raw_for_tests(&self, sql: &str) -> Result<u64> {
        Ok(
            on_pool!(self, pool => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await?.rows_affected()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{TestDb, both_backends};

    both_backends!(chain_detects_alteration_removal_and_truncation);
    async fn chain_detects_alteration_removal_and_truncation(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext {
                actor_id: Some(7),
                actor: "demo.admin".into(),
                client_ip: "127.0.0.1".into(),
            };
            for i in 0..5 {
                store.record(&ctx, "login", "", &format!("lần {i}")).await.unwrap();
            }
            let ok = store.verify_audit_chain().await.unwrap();
            assert_eq!(
                ok,
                ChainReport {
                    entries: 5,
                    first_broken: None
                },
                "{backend}"
            );
            let (page, total) = store.audit_page(Paging { page: 1, per_page: 2 }).await.unwrap();
            assert_eq!((page.len(), total, page[0].seq), (2, 5, 5));

            store
                .execute_raw_for_tests("UPDATE audit_log SET detail = 'sửa' WHERE seq = 3")
                .await
                .unwrap();
            let altered = store.verify_audit_chain().await.unwrap();
            assert_eq!(altered.first_broken.map(|b| b.0), Some(3), "{backend}");

            let (db2, store2) = TestDb::store(backend).await.unwrap();
            for _ in 0..4 {
                store2.record(&ctx, "login", "", "").await.unwrap();
            }
            store2
                .execute_raw_for_tests("DELETE FROM audit_log WHERE seq = 2")
                .await
                .unwrap();
            assert_eq!(
                store2.verify_audit_chain().await.unwrap().first_broken.map(|b| b.0),
                Some(2),
                "{backend}"
            );
            store2
                .execute_raw_for_tests("DELETE FROM audit_log WHERE seq >= 2")
                .await
                .unwrap();
            assert_eq!(
                store2.verify_audit_chain().await.unwrap().first_broken.map(|b| b.0),
                Some(2),
                "{backend}: tail"
            );
            store.close().await;
            store2.close().await;
            db.cleanup().await;
            db2.cleanup().await;
        }
    }
}
