//! The append-only audit log and its hash chain.

use crate::BeginWrite;
use std::io::Write;
use std::path::Path;

use lanhmang_domain::Paging;
use lanhmang_domain::audit::{AuditFields, AuditKey, GENESIS, entry_hash};
use time::OffsetDateTime;

use crate::{Result, Store, StoreError, format_time};

/// What the audit log's head was found to be at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadAtStart {
    /// Signed, and the signature matches the key.
    Valid,
    /// Never signed before (a database from before signing, or a new one): signed now, over
    /// this many entries; unless there were none, the signing is itself recorded in the log.
    SignedNow { entries: i64 },
}

const HEAD_MISMATCH: &str = "chữ ký đầu chuỗi không khớp";

fn head_mismatch(seq: i64) -> String {
    format!(
        "{HEAD_MISMATCH} với khóa ký nhật ký (đầu chuỗi: {seq} mục): hoặc nhật ký đã bị viết lại cùng mã băm, \
         hoặc khóa không đúng (mọi máy chủ dùng chung cơ sở dữ liệu phải dùng cùng một tệp khóa)"
    )
}

const HEAD_UNSIGNED: &str = "đầu chuỗi chưa được ký (khởi động máy chủ một lần sau khi nâng cấp để ký)";

/// Refuses to append after a head that is not this key's: signing on would bless whatever
/// rewrote the chain.
pub(crate) fn check_head_before_append(
    key: &AuditKey,
    seq: i64,
    last_hash: &str,
    signature: Option<&str>,
) -> Result<()> {
    match signature {
        Some(sig) if key.verify_head(seq, last_hash, sig) => Ok(()),
        Some(_) => Err(StoreError::AuditHead(format!(
            "không ghi được nhật ký: {}",
            head_mismatch(seq)
        ))),
        None => Err(StoreError::AuditHead(format!(
            "không ghi được nhật ký: {HEAD_UNSIGNED}"
        ))),
    }
}

/// Reads the audit key at `path`, or creates it there (32 random bytes, readable by the owner
/// only) when the file does not exist. Returns the key and whether it was created now.
/// Creation writes a temporary file and links it into place, so two processes starting at
/// once end up with the same key and never read a half-written file.
pub fn load_or_create_audit_key(path: &Path) -> Result<(AuditKey, bool)> {
    let io =
        |what: &str, e: std::io::Error| StoreError::Io(format!("{what} tệp khóa ký nhật ký {}: {e}", path.display()));
    match std::fs::read(path) {
        Ok(bytes) => return Ok((read_key(path, &bytes)?, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("không đọc được", e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io("không tạo được thư mục cho", e))?;
    }
    let key = AuditKey::generate();
    // Unique per process and instant; `create_new` below refuses rather than overwrites if two
    // starts ever collided, so the name needs no random source (and no optional dependency).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let staged = path.with_extension(format!("tmp-{}-{nanos}", std::process::id()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&staged)?;
        file.write_all(key.as_bytes())?;
        file.sync_all()?;
        std::fs::hard_link(&staged, path)
    })();
    let _ = std::fs::remove_file(&staged);
    match written {
        Ok(()) => Ok((key, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = std::fs::read(path).map_err(|e| io("không đọc được", e))?;
            Ok((read_key(path, &bytes)?, false))
        }
        Err(e) => Err(io("không tạo được", e)),
    }
}

fn read_key(path: &Path, bytes: &[u8]) -> Result<AuditKey> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path)
        && std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the audit key file is readable by others than its owner: chmod 600 it");
    }
    AuditKey::parse(bytes).map_err(|e| StoreError::Io(format!("{} ({})", e, path.display())))
}

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
            let mut tx = pool.begin_write().await?;
            audit_in_tx!(self, tx, ctx, action, target.to_string(), detail.to_string());
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
    /// Then checks the head's signature with the store's key.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        const BATCH: i64 = 1000;
        let key = self.audit_key()?;
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
        let (head_seq, head_hash, signature): (i64, String, Option<String>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT seq, last_hash, signature FROM audit_head WHERE id = 1").fetch_one(pool).await?
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
        // Rows rewritten with every hash recomputed pass all the checks above; only the key,
        // which is not in the database, tells them apart.
        let why = match signature {
            Some(sig) if key.verify_head(head_seq, &head_hash, &sig) => None,
            Some(_) => Some(head_mismatch(head_seq)),
            None => Some(HEAD_UNSIGNED.to_string()),
        };
        Ok(ChainReport {
            entries,
            first_broken: why.map(|why| (head_seq, why)),
        })
    }

    /// At start: checks that the head is signed by this store's key, and signs a head that was
    /// never signed (a database from before signing, or a new one), recording that in the log.
    /// A head signed under another key is refused: either the key is wrong or the chain was
    /// rewritten, and running on would sign over it.
    pub async fn secure_audit_head(&self) -> Result<HeadAtStart> {
        let key = self.audit_key()?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A no-op write takes the head's lock, so two processes starting at once sign once.
            let (seq, last_hash, signature): (i64, String, Option<String>) = sqlx::query_as(
                "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, last_hash, signature",
            )
            .fetch_one(&mut *tx)
            .await?;
            match signature {
                Some(sig) if key.verify_head(seq, &last_hash, &sig) => {
                    tx.commit().await?;
                    Ok(HeadAtStart::Valid)
                }
                Some(_) => Err(StoreError::AuditHead(format!(
                    "{}. Kiểm tra tệp khóa, chạy `lanhmang audit verify`; nếu đã điều tra xong và chấp nhận nhật ký hiện có, \
                     chạy `lanhmang audit accept`.",
                    head_mismatch(seq)
                ))),
                None => {
                    sqlx::query("UPDATE audit_head SET signature = $1 WHERE id = 1")
                        .bind(key.sign_head(seq, &last_hash))
                        .execute(&mut *tx)
                        .await?;
                    if seq == 0 {
                        // A new database: nothing to account for.
                        tx.commit().await?;
                        return Ok(HeadAtStart::SignedNow { entries: 0 });
                    }
                    let ctx = AuditContext::system("hệ thống");
                    audit_in_tx!(
                        self,
                        tx,
                        &ctx,
                        "audit.head.sign",
                        String::new(),
                        format!("bắt đầu ký đầu chuỗi nhật ký; {seq} mục có trước đó")
                    );
                    tx.commit().await?;
                    Ok(HeadAtStart::SignedNow { entries: seq })
                }
            }
        })
    }

    /// Signs the current head whatever its signature was, recording who accepted it and why:
    /// the way back after a lost key or an investigated break. Rows whose hashes do not fit
    /// stay detectable; only the head's signature is renewed.
    pub async fn accept_audit_head(&self, ctx: &AuditContext, reason: &str) -> Result<i64> {
        let key = self.audit_key()?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (seq, last_hash): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, last_hash")
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query("UPDATE audit_head SET signature = $1 WHERE id = 1")
                .bind(key.sign_head(seq, &last_hash))
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "audit.head.accept",
                String::new(),
                format!("ký lại đầu chuỗi ({seq} mục): {}", reason.trim())
            );
            tx.commit().await?;
            Ok(seq)
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

    /// What someone with write access to the database but not the key can do: rewrite a row
    /// and recompute every hash after it, and the head, so that the chain is consistent again.
    async fn rewrite_with_recomputed_hashes(store: &Store, seq: i64, detail: &str) {
        let (entries, _) = store.audit_page(Paging { page: 1, per_page: 500 }).await.unwrap();
        let mut entries = entries;
        entries.reverse();
        let mut prev = GENESIS.to_string();
        for e in &mut entries {
            if e.seq == seq {
                e.detail = detail.to_string();
            }
            let at = format_time(e.at);
            let hash = entry_hash(
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
            store
                .execute_raw_for_tests(&format!(
                    "UPDATE audit_log SET detail = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
                    e.detail.replace('\'', "''"),
                    e.seq
                ))
                .await
                .unwrap();
            prev = hash;
        }
        store
            .execute_raw_for_tests(&format!("UPDATE audit_head SET last_hash = '{prev}' WHERE id = 1"))
            .await
            .unwrap();
    }

    both_backends!(signed_head_detects_a_rewritten_chain_and_a_wrong_key);
    async fn signed_head_detects_a_rewritten_chain_and_a_wrong_key(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("kiểm thử");
            for i in 0..4 {
                store.record(&ctx, "login", "", &format!("lần {i}")).await.unwrap();
            }
            // The new database's head was signed at start.
            let untouched = store.verify_audit_chain().await.unwrap();
            assert_eq!(
                untouched,
                ChainReport {
                    entries: 4,
                    first_broken: None
                },
                "{backend}"
            );

            // Another key: verification, appending and starting all refuse.
            let other = Store::connect(&db.url, Some(AuditKey::from_bytes([9; 32])))
                .await
                .unwrap();
            let report = other.verify_audit_chain().await.unwrap();
            assert!(
                report
                    .first_broken
                    .as_ref()
                    .is_some_and(|(_, why)| why.contains("chữ ký đầu chuỗi không khớp")),
                "{backend}: {report:?}"
            );
            assert!(matches!(
                other.record(&ctx, "login", "", "").await,
                Err(StoreError::AuditHead(_))
            ));
            assert!(matches!(other.secure_audit_head().await, Err(StoreError::AuditHead(_))));
            other.close().await;
            // Without a key nothing is appended or verified.
            let keyless = Store::connect(&db.url, None).await.unwrap();
            assert!(matches!(
                keyless.record(&ctx, "x", "", "").await,
                Err(StoreError::AuditKeyMissing)
            ));
            assert!(keyless.verify_audit_chain().await.is_err());
            keyless.close().await;
            assert_eq!(
                store.verify_audit_chain().await.unwrap().first_broken,
                None,
                "{backend}"
            );

            // A row rewritten with every hash recomputed: the chain fits, the signature does not.
            rewrite_with_recomputed_hashes(&store, 3, "không có gì").await;
            let report = store.verify_audit_chain().await.unwrap();
            let (seq, why) = report.first_broken.clone().expect("detected");
            assert_eq!((report.entries, seq), (4, 4), "{backend}: {why}");
            assert!(why.contains("chữ ký đầu chuỗi không khớp"), "{backend}: {why}");
            // Nothing signs over it: a change that would append is refused whole.
            let refused = store.record(&ctx, "login", "", "sau khi sửa").await;
            assert!(
                matches!(&refused, Err(StoreError::AuditHead(m)) if m.contains("chữ ký đầu chuỗi không khớp")),
                "{backend}: {refused:?}"
            );
            assert_eq!(store.audit_page(Paging::default()).await.unwrap().1, 4, "{backend}");
            assert!(matches!(store.secure_audit_head().await, Err(StoreError::AuditHead(_))));

            // Accepting after an investigation signs again and says so in the log.
            assert_eq!(store.accept_audit_head(&ctx, "đã điều tra").await.unwrap(), 4);
            assert_eq!(
                store.verify_audit_chain().await.unwrap().first_broken,
                None,
                "{backend}"
            );
            store.record(&ctx, "login", "", "").await.unwrap();
            let (page, total) = store.audit_page(Paging::default()).await.unwrap();
            assert_eq!((total, page[1].action.as_str()), (6, "audit.head.accept"), "{backend}");
            assert_eq!(
                store.verify_audit_chain().await.unwrap().first_broken,
                None,
                "{backend}"
            );
            store.close().await;
            db.cleanup().await;
        }
    }

    both_backends!(a_head_never_signed_is_signed_at_start);
    async fn a_head_never_signed_is_signed_at_start(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("kiểm thử");
            store.record(&ctx, "login", "", "").await.unwrap();
            // As a database from before signing looks after its migration.
            store
                .execute_raw_for_tests("UPDATE audit_head SET signature = NULL WHERE id = 1")
                .await
                .unwrap();
            let report = store.verify_audit_chain().await.unwrap();
            assert!(
                report
                    .first_broken
                    .as_ref()
                    .is_some_and(|(_, why)| why.contains("chưa được ký")),
                "{backend}: {report:?}"
            );
            assert!(store.record(&ctx, "login", "", "").await.is_err(), "{backend}");
            assert_eq!(
                store.secure_audit_head().await.unwrap(),
                HeadAtStart::SignedNow { entries: 1 },
                "{backend}"
            );
            assert_eq!(
                store.secure_audit_head().await.unwrap(),
                HeadAtStart::Valid,
                "{backend}"
            );
            let (page, total) = store.audit_page(Paging::default()).await.unwrap();
            assert_eq!((total, page[0].action.as_str()), (2, "audit.head.sign"), "{backend}");
            assert_eq!(
                store.verify_audit_chain().await.unwrap().first_broken,
                None,
                "{backend}"
            );
            store.close().await;
            db.cleanup().await;
        }
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("lanhmang-key-{}", uuid::Uuid::new_v4().simple()));
        let path = dir.join("sub").join("audit.key");
        let (key, created) = load_or_create_audit_key(&path).unwrap();
        assert!(created);
        assert_eq!(std::fs::read(&path).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(load_or_create_audit_key(&path).unwrap(), (key, false));
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no staging file left"
        );
        std::fs::write(&path, b"too short").unwrap();
        assert!(load_or_create_audit_key(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
