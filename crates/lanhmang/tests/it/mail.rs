//! The e-mail outbox delivered to a real SMTP server on 127.0.0.1 (Python's aiosmtpd): what
//! arrives, once; what is retried, and when; what fails for good, and why.

use crate::common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use common::both_backends;
use common::smtp::{SmtpServer, dead_port};
use lanhmang::config::{Config, Layer};
use lanhmang::server;
use lanhmang_jobs::{Scheduler, Worker};
use lanhmang_store::outbox::{MailStatus, NewMail, OutboxEntry};
use lanhmang_store::test_support::TestDb;
use lanhmang_store::{Store, StoreError};
use time::Duration;

const SUBJECT: &str = "Nhắc nộp báo cáo đánh giá năm học 2026–2027: còn 3 ngày (hạn 01/06/2027)";
const BODY: &str = "Kính gửi thầy Trần Văn Bình,\n\nTrường THCS Đống Đa chưa nộp báo cáo đánh giá.\n\
                    Đề nghị thầy hoàn thành trước ngày 01/06/2027.\n\nTrân trọng,\nPhòng Giáo dục và Đào tạo\n";

/// Settings as an operator would give them, through the environment layer.
fn config_for(port: u16, db_url: &str, workers: usize) -> Config {
    config_with(port, db_url, workers, &[])
}

fn config_with(port: u16, db_url: &str, workers: usize, extra: &[(&str, &str)]) -> Config {
    let mut vars = vec![
        ("LANHMANG_MAIL_HOST", "127.0.0.1".to_string()),
        ("LANHMANG_MAIL_PORT", port.to_string()),
        ("LANHMANG_MAIL_SECURITY", "none".into()),
        ("LANHMANG_MAIL_FROM_ADDRESS", "lanhmang@pgd-dongda.example.vn".into()),
        ("LANHMANG_MAIL_FROM_NAME", "Phòng GD&ĐT Đống Đa".into()),
        ("LANHMANG_MAIL_TIMEOUT_SECS", "5".into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let env = Layer::from_env(vars.into_iter().map(|(k, v)| (k.to_string(), v))).expect("env");
    let flags = Layer {
        bind: Some("127.0.0.1:0".into()),
        database_url: Some(db_url.into()),
        workers: Some(workers),
        ..Default::default()
    };
    Config::resolve(flags, env, Layer::default()).expect("config")
}

fn worker(store: &Arc<Store>, config: &Config) -> Worker {
    Worker::new(store.clone(), "test-mail", server::job_settings(config))
        .with_mailer(server::mailer(config).expect("mailer"))
}

fn mail(to: &str, name: &str, dedup: Option<&str>) -> NewMail {
    NewMail {
        to_address: to.into(),
        to_name: name.into(),
        subject: SUBJECT.into(),
        body: BODY.into(),
        reason: "reminder",
        plan_id: None,
        unit_id: None,
        dedup_key: dedup.map(String::from),
    }
}

async fn entry(store: &Store, id: i64) -> OutboxEntry {
    store.outbox_entry(id).await.expect("entry").expect("exists")
}

/// The id of the newest mail to `to` (queue_mail answers only whether it queued).
async fn id_of(store: &Store, to: &str) -> i64 {
    for id in (1..=50).rev() {
        if let Some(e) = store.outbox_entry(id).await.expect("entry")
            && e.to_address == to
        {
            return id;
        }
    }
    panic!("no mail to {to}");
}

both_backends!(mail_arrives_once_and_failures_retry_or_fail_on_every_backend);
async fn mail_arrives_once_and_failures_retry_or_fail_on_every_backend(backend: &'static str) {
    let Some(smtp) = SmtpServer::start() else { return };
    {
        let (db, store) = TestDb::store(backend).await.expect("store");
        let store = Arc::new(store);
        let config = config_for(smtp.port, &db.url, 1);
        let worker = worker(&store, &config);
        let before = smtp.received().len();

        let binh = "hieu.truong@thcs-dongda.edu.vn";
        assert!(
            store
                .queue_mail(&mail(binh, "Thầy Trần Văn Bình", Some("r:1")))
                .await
                .unwrap()
        );
        assert!(
            !store
                .queue_mail(&mail(binh, "Thầy Trần Văn Bình", Some("r:1")))
                .await
                .unwrap(),
            "{backend}: the same reminder is queued once"
        );
        let hoa = "Pho.Hieu-Truong@thpt-kimlien.edu.vn";
        store.queue_mail(&mail(hoa, "", None)).await.unwrap();
        let busy = "tam-thoi@thcs-a.edu.vn";
        store.queue_mail(&mail(busy, "Cô Lê Thị Hoa", None)).await.unwrap();
        let gone = "khong-ton-tai@thcs-b.edu.vn";
        store.queue_mail(&mail(gone, "Thầy Phạm Minh Đức", None)).await.unwrap();

        // The bad address is refused at once, in Vietnamese, and nothing is written.
        let refused = store.queue_mail(&mail("thầy bình@trường", "", Some("r:bad"))).await;
        match refused {
            Err(StoreError::Conflict(m)) => assert!(m.contains("Địa chỉ e-mail người nhận không hợp lệ"), "{m}"),
            other => panic!("{backend}: {other:?}"),
        }

        // Queuing kicked one delivery job; draining runs it.
        assert_eq!(worker.drain().await.unwrap(), 1, "{backend}: one delivery job");
        let got = smtp.wait_for(before + 2, StdDuration::from_secs(10)).await;
        let got = &got[before..];
        assert_eq!(got.len(), 2, "{backend}: two mails accepted: {got:#?}");
        let to_binh = got.iter().find(|r| r.rcpt_tos == [binh]).expect("mail to Bình");
        let to_hoa = got
            .iter()
            .find(|r| r.rcpt_tos == [hoa])
            .expect("mail to the vice-principal");
        for r in [to_binh, to_hoa] {
            assert_eq!(r.subject, SUBJECT, "{backend}: the Vietnamese subject decodes intact");
            assert_eq!(r.body.replace("\r\n", "\n"), BODY, "{backend}: the body decodes intact");
            assert_eq!((r.content_type.as_str(), r.charset.as_str()), ("text/plain", "utf-8"));
            assert_eq!(r.mail_from, "lanhmang@pgd-dongda.example.vn");
            assert_eq!(r.from, "Phòng GD&ĐT Đống Đa <lanhmang@pgd-dongda.example.vn>");
            assert!(r.message_id.starts_with("<outbox.") && r.message_id.ends_with("@pgd-dongda.example.vn>"));
            assert!(!r.date.is_empty(), "{backend}: a Date header");
            assert!(
                r.raw.is_ascii(),
                "{backend}: 7-bit on the wire, whatever the server: {}",
                r.raw
            );
        }
        assert_eq!(to_binh.to, "Thầy Trần Văn Bình <hieu.truong@thcs-dongda.edu.vn>");
        assert_ne!(to_binh.message_id, to_hoa.message_id);

        let sent = entry(&store, id_of(&store, binh).await).await;
        assert_eq!((sent.status, sent.attempts), (MailStatus::Sent, 1), "{backend}");
        assert!(sent.sent_at.is_some());

        // 451: still queued, tried once, again later.
        let busy_id = id_of(&store, busy).await;
        let e = entry(&store, busy_id).await;
        assert_eq!((e.status, e.attempts), (MailStatus::Queued, 1), "{backend}: {e:?}");
        assert!(e.next_attempt_at > lanhmang_store::now(), "{backend}: retried later");
        assert!(e.last_error.contains("451"), "{backend}: {}", e.last_error);

        // 550: failed for good, with the server's words kept.
        let e = entry(&store, id_of(&store, gone).await).await;
        assert_eq!((e.status, e.attempts), (MailStatus::Failed, 1), "{backend}");
        assert!(
            e.last_error.contains("550") && e.last_error.contains("No such user here"),
            "{backend}: {}",
            e.last_error
        );

        // Nothing is due: another run sends nothing, and no copy arrives twice.
        let scheduler = Scheduler::new(store.clone(), server::job_settings(&config));
        assert!(!scheduler.tick_mail().await.unwrap(), "{backend}");
        assert_eq!(worker.drain().await.unwrap(), 0);
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        assert_eq!(smtp.received().len(), before + 2, "{backend}: one copy only");

        // When the retry is due, the scheduler kicks delivery; the second 451 waits longer.
        store
            .mark_mail_failed(
                busy_id,
                "451 (test: due now)",
                Some(lanhmang_store::now() - Duration::seconds(1)),
            )
            .await
            .unwrap();
        assert!(scheduler.tick_mail().await.unwrap(), "{backend}: due mail is kicked");
        assert_eq!(worker.drain().await.unwrap(), 1);
        let e = entry(&store, busy_id).await;
        assert_eq!((e.status, e.attempts), (MailStatus::Queued, 2), "{backend}");
        let wait = e.next_attempt_at - lanhmang_store::now();
        assert!(
            wait > Duration::seconds(100) && wait <= Duration::minutes(2),
            "{backend}: backoff doubles: {wait}"
        );
        assert_eq!(smtp.received().len(), before + 2, "{backend}");

        drop(worker);
        drop(scheduler);
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_long_outbox_goes_out_in_batches_each_mail_once() {
    let Some(smtp) = SmtpServer::start() else { return };
    let (db, store) = TestDb::store("sqlite").await.expect("store");
    let store = Arc::new(store);
    let config = config_with(smtp.port, &db.url, 1, &[("LANHMANG_MAIL_BATCH_SIZE", "2")]);
    let worker = worker(&store, &config);
    for i in 0..5 {
        let to = format!("gv{i}@thcs-dongda.edu.vn");
        store.queue_mail(&mail(&to, "", Some(&format!("r:{i}")))).await.unwrap();
    }
    // 2 + 2 + 1: each full batch queues the next job as it ends.
    assert_eq!(worker.drain().await.unwrap(), 3);
    let got = smtp.wait_for(5, StdDuration::from_secs(10)).await;
    let mut to: Vec<String> = got.iter().flat_map(|r| r.rcpt_tos.clone()).collect();
    to.sort();
    let expected: Vec<String> = (0..5).map(|i| format!("gv{i}@thcs-dongda.edu.vn")).collect();
    assert_eq!(to, expected);
    drop(worker);
    store.close().await;
    db.cleanup().await;
}

both_backends!(a_server_that_cannot_be_reached_leaves_mail_queued_for_retry);
async fn a_server_that_cannot_be_reached_leaves_mail_queued_for_retry(backend: &'static str) {
    {
        let (db, store) = TestDb::store(backend).await.expect("store");
        let store = Arc::new(store);
        let config = config_for(dead_port(), &db.url, 1);
        let worker = worker(&store, &config);
        store
            .queue_mail(&mail("hieu.truong@thcs-dongda.edu.vn", "", Some("r:1")))
            .await
            .unwrap();
        assert_eq!(worker.drain().await.unwrap(), 1);
        let e = entry(&store, 1).await;
        assert_eq!((e.status, e.attempts), (MailStatus::Queued, 1), "{backend}: {e:?}");
        assert!(e.next_attempt_at > lanhmang_store::now(), "{backend}");
        assert!(e.last_error.contains("127.0.0.1"), "{backend}: {}", e.last_error);
        drop(worker);
        store.close().await;
        db.cleanup().await;
    }
}

/// TLS goes through rustls on ring without any set-up by the caller; a server that does not
/// speak TLS is a failure to retry, not a crash and not a mail sent in clear.
#[tokio::test]
async fn tls_to_a_plain_server_is_retried_not_sent_in_clear() {
    let Some(smtp) = SmtpServer::start() else { return };
    let (db, store) = TestDb::store("sqlite").await.expect("store");
    let store = Arc::new(store);
    for security in ["tls", "starttls"] {
        let config = config_with(smtp.port, &db.url, 1, &[("LANHMANG_MAIL_SECURITY", security)]);
        let worker = worker(&store, &config);
        let to = format!("{security}@thcs-dongda.edu.vn");
        store.queue_mail(&mail(&to, "", None)).await.unwrap();
        assert_eq!(worker.drain().await.unwrap(), 1);
        let e = entry(&store, id_of(&store, &to).await).await;
        assert_eq!((e.status, e.attempts), (MailStatus::Queued, 1), "{security}: {e:?}");
        assert!(!e.last_error.is_empty(), "{security}");
    }
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert!(smtp.received().is_empty(), "nothing went out unencrypted");
    store.close().await;
    db.cleanup().await;
}

/// `serve` with workers and `lanhmang worker` both deliver, configured from the environment.
#[tokio::test]
async fn serve_and_the_worker_command_deliver_mail() {
    let Some(smtp) = SmtpServer::start() else { return };

    // serve: workers started in the same process.
    let db = TestDb::new("sqlite").await.expect("db");
    let mut config = config_for(smtp.port, &db.url, 1);
    config.audit_key_file = db.audit_key_file.clone();
    let store = server::open_store(&config).await.expect("store");
    let running = server::start(&config, store).await.expect("server");
    running
        .store
        .queue_mail(&mail("a@thcs-dongda.edu.vn", "", None))
        .await
        .unwrap();
    let got = smtp.wait_for(1, StdDuration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "serve delivered the mail");
    assert_eq!(got[0].rcpt_tos, ["a@thcs-dongda.edu.vn"]);
    running.stop().await.expect("stop");

    // lanhmang worker: a process of its own, on the same database.
    let store = server::open_store(&config).await.expect("store");
    store.queue_mail(&mail("b@thcs-dongda.edu.vn", "", None)).await.unwrap();
    store.close().await;
    let mut child = common::binary()
        .arg("worker")
        .env("LANHMANG_DATABASE_URL", &db.url)
        .env("LANHMANG_MAIL_HOST", "127.0.0.1")
        .env("LANHMANG_MAIL_PORT", smtp.port.to_string())
        .env("LANHMANG_MAIL_SECURITY", "none")
        .env("LANHMANG_MAIL_FROM_ADDRESS", "lanhmang@pgd-dongda.example.vn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lanhmang worker");
    let got = smtp.wait_for(2, StdDuration::from_secs(30)).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got.len(), 2, "the worker command delivered the mail");
    assert_eq!(got[1].rcpt_tos, ["b@thcs-dongda.edu.vn"]);
    db.cleanup().await;
}

#[test]
fn config_shows_the_mail_server_without_its_password() {
    let out = common::binary()
        .arg("config")
        .env("LANHMANG_MAIL_HOST", "smtp.pgd-dongda.example.vn")
        .env("LANHMANG_MAIL_USERNAME", "lanhmang")
        .env("LANHMANG_MAIL_PASSWORD", "mat-khau-bi-mat")
        .env("LANHMANG_MAIL_FROM_ADDRESS", "lanhmang@pgd-dongda.example.vn")
        .output()
        .expect("lanhmang config");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("[mail]\nhost = smtp.pgd-dongda.example.vn\nport = 587\nsecurity = starttls"),
        "{text}"
    );
    assert!(text.contains("password = ***"), "{text}");
    assert!(!text.contains("mat-khau-bi-mat"), "{text}");

    let bad = common::binary()
        .arg("config")
        .env("LANHMANG_MAIL_HOST", "smtp.pgd-dongda.example.vn")
        .output()
        .expect("lanhmang config");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("from_address"));
}
