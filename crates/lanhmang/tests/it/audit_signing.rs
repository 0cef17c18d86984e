//! The audit log's signed head and the migrations' checksums, through the real binary: what an
//! operator sees when someone with database access rewrote the log, when the key is wrong, when
//! a database from before signing is upgraded, and when an applied migration was edited.

use crate::common;

use std::path::Path;
use std::process::{Output, Stdio};

use common::{binary, both_backends};
use lanhmang_domain::Paging;
use lanhmang_domain::audit::{AuditFields, GENESIS, entry_hash};
use lanhmang_store::Store;
use lanhmang_store::test_support::TestDb;

fn run(url: &str, key_file: &Path, args: &[&str]) -> Output {
    binary()
        .env("LANHMANG_AUDIT_KEY_FILE", key_file)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .expect("run lanhmang")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// What someone who can write the database but has not the key can do: change one entry and
/// recompute every hash after it and the head, with plain SQL, so that the chain fits again.
async fn rewrite_with_recomputed_hashes(store: &Store, seq: i64, actor: &str) {
    let (mut entries, total) = store.audit_page(Paging { page: 1, per_page: 500 }).await.unwrap();
    assert!(total <= 500);
    entries.reverse();
    let mut prev = GENESIS.to_string();
    for e in &mut entries {
        if e.seq == seq {
            e.actor = actor.to_string();
        }
        let at = lanhmang_store::format_time(e.at);
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
                "UPDATE audit_log SET actor = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
                e.actor.replace('\'', "''"),
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

both_backends!(a_rewritten_log_with_recomputed_hashes_is_caught_by_audit_verify);
async fn a_rewritten_log_with_recomputed_hashes_is_caught_by_audit_verify(backend: &'static str) {
    {
        let db = TestDb::new(backend).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("khoa").join("audit.key");
        let o = run(&db.url, &key_file, &["demo"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));

        // The key was made on first start: 32 bytes, readable by its owner only.
        let key = std::fs::read(&key_file).unwrap();
        assert_eq!(key.len(), 32, "{backend}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{backend}");
        }

        let o = run(&db.url, &key_file, &["audit", "verify"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        assert!(text(&o).contains("chữ ký đầu chuỗi hợp lệ"), "{backend}: {}", text(&o));

        // Another key: the signature does not match.
        let wrong = dir.path().join("khac.key");
        std::fs::write(&wrong, [7u8; 32]).unwrap();
        let o = run(&db.url, &wrong, &["audit", "verify"]);
        assert!(!o.status.success(), "{backend}: {}", text(&o));
        assert!(
            text(&o).contains("chữ ký đầu chuỗi không khớp"),
            "{backend}: {}",
            text(&o)
        );
        // And a server given it refuses to start rather than sign over the chain.
        let o = run(&db.url, &wrong, &["migrate"]);
        assert!(!o.status.success(), "{backend}: {}", text(&o));
        assert!(
            text(&o).contains("chữ ký đầu chuỗi không khớp"),
            "{backend}: {}",
            text(&o)
        );

        // Rewritten and rehashed with plain SQL: every hash fits, the signature does not.
        let store = Store::connect(&db.url, None).await.unwrap();
        rewrite_with_recomputed_hashes(&store, 2, "người khác").await;
        let o = run(&db.url, &key_file, &["audit", "verify"]);
        assert!(!o.status.success(), "{backend}: {}", text(&o));
        let out = text(&o);
        assert!(
            out.contains("Nhật ký đã bị can thiệp") && out.contains("chữ ký đầu chuỗi không khớp"),
            "{backend}: {out}"
        );
        // Nothing audited can be done on it until someone looks.
        let o = run(&db.url, &key_file, &["user", "disable", "demo.teacher"]);
        assert!(!o.status.success(), "{backend}: {}", text(&o));
        assert!(
            !store
                .person_by_username("demo.teacher")
                .await
                .unwrap()
                .unwrap()
                .disabled,
            "{backend}: nothing written"
        );

        // After the investigation, accepting signs the head again and is itself recorded.
        let o = run(&db.url, &key_file, &["audit", "accept", "--reason", "ngắn"]);
        assert!(!o.status.success(), "{backend}: a reason is required");
        let o = run(
            &db.url,
            &key_file,
            &["audit", "accept", "--reason", "đã đối chiếu với bản sao lưu ngày 01/12"],
        );
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let o = run(&db.url, &key_file, &["audit", "verify"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let (page, _) = store.audit_page(Paging::default()).await.unwrap();
        assert_eq!(page[0].action, "audit.head.accept", "{backend}");
        assert!(page[0].detail.contains("bản sao lưu"), "{backend}");
        let o = run(&db.url, &key_file, &["user", "disable", "demo.teacher"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));

        // The key is in no printed configuration and no log line.
        let o = binary()
            .env("LANHMANG_AUDIT_KEY_FILE", &key_file)
            .env("LANHMANG_LOG", "debug")
            .args(["--database-url", &db.url, "config"])
            .output()
            .unwrap();
        let shown = text(&o);
        assert!(
            shown.contains(&format!("audit_key_file = {}", key_file.display())),
            "{shown}"
        );
        let hex_key: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&hex_key), "{backend}");
        let o = binary()
            .env("LANHMANG_AUDIT_KEY_FILE", &key_file)
            .env("LANHMANG_LOG", "trace")
            .args(["--database-url", &db.url, "migrate"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{backend}: {}", text(&o));
        assert!(!text(&o).contains(&hex_key), "{backend}");
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_key_file_defaults_to_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("du-lieu");
    let o = binary()
        .env_remove("LANHMANG_AUDIT_KEY_FILE")
        .arg("--data-dir")
        .arg(&data)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let key_file = data.join("audit.key");
    assert_eq!(std::fs::read(&key_file).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let o = binary()
        .env_remove("LANHMANG_AUDIT_KEY_FILE")
        .arg("--data-dir")
        .arg(&data)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

both_backends!(a_database_from_before_signing_is_signed_on_its_first_start);
async fn a_database_from_before_signing_is_signed_on_its_first_start(backend: &'static str) {
    {
        let db = TestDb::new(backend).await.unwrap();
        let o = run(&db.url, &db.audit_key_file, &["demo"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        // As a database upgraded from before signing looks: the column empty, no checksums.
        let store = Store::connect(&db.url, None).await.unwrap();
        store
            .execute_raw_for_tests("UPDATE audit_head SET signature = NULL WHERE id = 1")
            .await
            .unwrap();
        store
            .execute_raw_for_tests("UPDATE schema_migrations SET checksum = NULL")
            .await
            .unwrap();
        let (_, before) = store.audit_page(Paging::default()).await.unwrap();
        let o = run(&db.url, &db.audit_key_file, &["audit", "verify"]);
        assert!(!o.status.success(), "{backend}: {}", text(&o));
        assert!(text(&o).contains("chưa được ký"), "{backend}: {}", text(&o));

        let o = run(&db.url, &db.audit_key_file, &["migrate"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        // The signing is logged (at warning level, which the tests show).
        assert!(text(&o).contains("signed now"), "{backend}: {}", text(&o));
        let (page, after) = store.audit_page(Paging::default()).await.unwrap();
        assert_eq!(after, before + 1, "{backend}");
        assert_eq!(page[0].action, "audit.head.sign", "{backend}");
        let o = run(&db.url, &db.audit_key_file, &["audit", "verify"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let o = run(&db.url, &db.audit_key_file, &["migrate"]);
        assert!(
            o.status.success() && !text(&o).contains("signed now"),
            "{backend}: once only: {}",
            text(&o)
        );
        store.close().await;
        db.cleanup().await;
    }
}

both_backends!(serve_and_migrate_refuse_an_edited_migration);
async fn serve_and_migrate_refuse_an_edited_migration(backend: &'static str) {
    {
        let db = TestDb::new(backend).await.unwrap();
        let o = run(&db.url, &db.audit_key_file, &["migrate"]);
        assert!(o.status.success(), "{backend}: {}", text(&o));
        let store = Store::connect(&db.url, None).await.unwrap();
        store
            .execute_raw_for_tests(
                "UPDATE schema_migrations SET checksum = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
                 WHERE name = '0003_supervision'",
            )
            .await
            .unwrap();
        let o = run(&db.url, &db.audit_key_file, &["migrate"]);
        assert!(!o.status.success(), "{backend}: {}", text(&o));
        let out = text(&o);
        for part in [
            "Migration 0003_supervision đã bị sửa sau khi được áp dụng",
            "migration checksum mismatch: 0003_supervision",
        ] {
            assert!(out.contains(part), "{backend}: {out}");
        }
        let mut child = binary()
            .env("LANHMANG_AUDIT_KEY_FILE", &db.audit_key_file)
            .args(["--database-url", &db.url, "serve", "--bind", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A server that started anyway would never exit: bound the wait.
        let mut waited = 0;
        while child.try_wait().unwrap().is_none() {
            if waited >= 300 {
                child.kill().unwrap();
                panic!("{backend}: serve started on an edited migration");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited += 1;
        }
        let serve = child.wait_with_output().unwrap();
        assert!(!serve.status.success(), "{backend}: {}", text(&serve));
        assert!(
            text(&serve).contains("migration checksum mismatch: 0003_supervision"),
            "{backend}: {}",
            text(&serve)
        );
        store.close().await;
        db.cleanup().await;
    }
}
