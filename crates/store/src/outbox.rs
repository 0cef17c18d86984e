//! The e-mail outbox: mail waits here until a worker delivers it over SMTP, and the office sees
//! what became of it.
//!
//! A mail being sent stays `queued`. The worker that claims it pushes `next_attempt_at` forward
//! by a lease in the same atomic statement, so no other worker takes it meanwhile, and a worker
//! that dies mid-send leaves it to be retried once the lease runs out. Queuing a mail also
//! queues the delivery job (deduplicated), so mail goes out within seconds, not at the next
//! scheduler tick.

use crate::BeginWrite;
use lanhmang_domain::Paging;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::{Backend, Result, Store, StoreError, now};

/// The job kind that delivers due mail; queued (deduplicated) whenever mail is queued.
pub const DELIVER_MAIL_JOB: &str = "deliver_mail";

/// The longest error text kept for a mail.
const MAX_ERROR_CHARS: usize = 2000;
/// Bounds that keep one mail a mail (a template bug should fail loudly, not fill the table).
const MAX_SUBJECT_CHARS: usize = 250;
const MAX_NAME_CHARS: usize = 200;
const MAX_BODY_BYTES: usize = 256 * 1024;

pub(crate) const INSERT_MAIL: &str = "INSERT INTO outbox (to_address, to_name, subject, body, reason, plan_id, unit_id, status, attempts, \
     next_attempt_at, last_error, dedup_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $10, '', $9, $8) ON CONFLICT (dedup_key) DO NOTHING";

/// Queues the delivery job unless one is already queued or running (the jobs table's partial
/// unique index on `dedup_key`).
pub(crate) const KICK_DELIVERY: &str = "INSERT INTO jobs (kind, payload, state, dedup_key, run_at, created_at) \
     VALUES ($1, '{}', 'queued', $1, $2, $2) \
     ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING";

const CLAIM_RETURNING: &str = "RETURNING id, to_address, to_name, subject, body, attempts, created_at";

/// A mail to queue. `reason` says what caused it ("reminder", "report_returned",
/// "manual_reminder", …); `dedup_key` makes queuing idempotent: a mail whose key exists already
/// (whatever became of it) is not queued again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub reason: &'static str,
    pub plan_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub dedup_key: Option<String>,
}

impl NewMail {
    /// Refuses what an SMTP server or a mail reader could not take, with a message for people.
    pub fn check(&self) -> Result<()> {
        let refuse = |m: String| Err(StoreError::Conflict(m));
        let address = self.to_address.trim();
        if !valid_address(address) {
            let shown: String = address.chars().filter(|c| !c.is_control()).take(100).collect();
            return refuse(format!("Địa chỉ e-mail người nhận không hợp lệ: «{shown}»."));
        }
        if self.to_name.chars().any(char::is_control) || self.to_name.chars().count() > MAX_NAME_CHARS {
            return refuse(format!(
                "Tên người nhận thư không được xuống dòng và dài tối đa {MAX_NAME_CHARS} ký tự."
            ));
        }
        let subject = self.subject.trim();
        if subject.is_empty() {
            return refuse("Tiêu đề thư không được để trống.".into());
        }
        if subject.chars().any(char::is_control) || subject.chars().count() > MAX_SUBJECT_CHARS {
            return refuse(format!(
                "Tiêu đề thư không được xuống dòng và dài tối đa {MAX_SUBJECT_CHARS} ký tự."
            ));
        }
        if self.body.trim().is_empty() {
            return refuse("Nội dung thư không được để trống.".into());
        }
        if self.body.len() > MAX_BODY_BYTES {
            return refuse(format!("Nội dung thư dài quá {} KB.", MAX_BODY_BYTES / 1024));
        }
        if self.reason.is_empty() || !self.reason.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return refuse(format!("Lý do gửi thư không hợp lệ: {}", self.reason));
        }
        if self.dedup_key.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return refuse("Khóa chống gửi trùng không được để trống.".into());
        }
        Ok(())
    }
}

/// Whether `address` is a plain `local@domain` that SMTP servers accept: a dot-atom local part
/// in ASCII (SMTPUTF8 is not offered everywhere), and a domain of two or more labels (Unicode
/// labels are sent in their ASCII form by the mailer).
pub fn valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    address.len() <= 254
        && local.len() <= 64
        && !local.is_empty()
        && local.split('.').all(|p| !p.is_empty() && p.chars().all(atext))
        && domain.split('.').count() >= 2
        && domain.split('.').all(label_ok)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its first or next attempt (or being sent right now, under a lease).
    Queued,
    Sent,
    /// Refused for good by the server, or out of attempts.
    Failed,
}

impl MailStatus {
    pub const ALL: [MailStatus; 3] = [MailStatus::Queued, MailStatus::Sent, MailStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MailStatus::Queued => "Đang chờ gửi",
            MailStatus::Sent => "Đã gửi",
            MailStatus::Failed => "Không gửi được",
        }
    }

    pub fn parse(raw: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A mail claimed for delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: i64,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub created_at: OffsetDateTime,
}

/// A mail as the office sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    pub reason: String,
    pub plan_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub status: MailStatus,
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// Why the last attempt failed, or why the mail waits (no mail server configured).
    pub last_error: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    to_address: String,
    to_name: String,
    subject: String,
    body: String,
    reason: String,
    plan_id: Option<i64>,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    status: String,
    attempts: i64,
    next_attempt_at: OffsetDateTime,
    last_attempt_at: Option<OffsetDateTime>,
    last_error: String,
    created_at: OffsetDateTime,
    sent_at: Option<OffsetDateTime>,
}

impl TryFrom<EntryRow> for OutboxEntry {
    type Error = StoreError;
    fn try_from(r: EntryRow) -> Result<OutboxEntry> {
        Ok(OutboxEntry {
            status: MailStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox {}: status '{}'", r.id, r.status)))?,
            id: r.id,
            to_address: r.to_address,
            to_name: r.to_name,
            subject: r.subject,
            body: r.body,
            reason: r.reason,
            plan_id: r.plan_id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_attempt_at: r.last_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

const ENTRY_COLUMNS: &str = "o.id, o.to_address, o.to_name, o.subject, o.body, o.reason, o.plan_id, o.unit_id, \
     un.name AS unit_name, o.status, o.attempts, o.next_attempt_at, o.last_attempt_at, o.last_error, o.created_at, o.sent_at";

/// Which mail the office lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub status: Option<MailStatus>,
    pub plan_id: Option<i64>,
    /// Scope roots: only mail whose unit lies in one of these units' subtrees. Empty means no
    /// mail at all (as for unit lists), never all of it; mail without a unit is not listed.
    pub unit_ids_in_subtree_of: Vec<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

impl OutboxCounts {
    pub fn total(&self) -> i64 {
        self.queued + self.sent + self.failed
    }
}

/// A value bound into a filter, in placeholder order.
enum Bind {
    Int(i64),
    Text(&'static str),
}

/// The WHERE clause for `filter` (over `outbox o LEFT JOIN units un`) and its binds.
fn filter_clause(filter: &OutboxFilter, with_status: bool) -> (String, Vec<Bind>) {
    let roots = &filter.unit_ids_in_subtree_of;
    let mut binds: Vec<Bind> = roots.iter().map(|id| Bind::Int(*id)).collect();
    let mut conditions = vec![if roots.is_empty() {
        "1 = 0".to_string()
    } else {
        let list: Vec<String> = (1..=roots.len()).map(|i| format!("${i}")).collect();
        format!(
            "EXISTS (SELECT 1 FROM units r WHERE r.id IN ({}) AND substr(un.path, 1, length(r.path)) = r.path)",
            list.join(", ")
        )
    }];
    if let Some(status) = filter.status.filter(|_| with_status) {
        binds.push(Bind::Text(status.as_str()));
        conditions.push(format!("o.status = ${}", binds.len()));
    }
    if let Some(plan) = filter.plan_id {
        binds.push(Bind::Int(plan));
        conditions.push(format!("o.plan_id = ${}", binds.len()));
    }
    (conditions.join(" AND "), binds)
}

/// A time as stored: UTC, whole seconds (text comparison on SQLite depends on it).
fn stored_time(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

impl Store {
    /// Queues a mail and the delivery job. Returns false, writing nothing, when a mail with the
    /// same `dedup_key` exists already; refuses invalid input (a bad recipient address, say) with
    /// [`StoreError::Conflict`] and a message for people.
    pub async fn queue_mail(&self, mail: &NewMail) -> Result<bool> {
        mail.check()?;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let queued = queue_mail_in_tx!(tx, mail)?;
            tx.commit().await?;
            Ok(queued)
        })
    }

    /// Claims the oldest due mail for delivery, atomically: its `next_attempt_at` moves `lease`
    /// ahead and its attempts count goes up, so no other worker takes it until the lease ends.
    pub async fn claim_mail(&self, lease: Duration) -> Result<Option<OutboxMail>> {
        let sql = match self.backend {
            Backend::Sqlite(_) => format!(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_attempt_at = $1 \
                 WHERE id = (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
                             ORDER BY next_attempt_at, id LIMIT 1) {CLAIM_RETURNING}"
            ),
            Backend::Postgres(_) => format!(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_attempt_at = $1 \
                 WHERE id = (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
                             ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) {CLAIM_RETURNING}"
            ),
        };
        let t = now();
        let mail = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(t)
                .bind(stored_time(t + lease))
                .fetch_optional(pool)
                .await?
        });
        Ok(mail)
    }

    /// Records a delivered mail. A mail no longer queued (another worker finished it after this
    /// one's lease ran out) is left as it is.
    pub async fn mark_mail_sent(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, last_error = '' WHERE id = $2 AND status = 'queued'")
                .bind(now())
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or, with `None`, failed for good.
    pub async fn mark_mail_failed(&self, id: i64, error: &str, retry_at: Option<OffsetDateTime>) -> Result<()> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        on_pool!(self, pool => {
            match retry_at {
                Some(at) => {
                    sqlx::query("UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND status = 'queued'")
                        .bind(stored_time(at))
                        .bind(&error)
                        .bind(id)
                        .execute(pool)
                        .await?;
                }
                None => {
                    sqlx::query("UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2 AND status = 'queued'")
                        .bind(&error)
                        .bind(id)
                        .execute(pool)
                        .await?;
                }
            }
        });
        Ok(())
    }

    /// Notes on every queued mail why it waits (no mail server configured); returns how many
    /// changed. The mail stays queued, to go out once a server is configured.
    pub async fn note_queued_mail(&self, note: &str) -> Result<u64> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE outbox SET last_error = $1 WHERE status = 'queued' AND last_error <> $1")
                .bind(note)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Whether some mail is due for an attempt now.
    pub async fn mail_due(&self) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 LIMIT 1")
                .bind(now())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    /// Queues the delivery job unless one is queued or running; returns whether it was queued.
    pub async fn kick_mail_delivery(&self) -> Result<bool> {
        self.enqueue_job(DELIVER_MAIL_JOB, "{}", now(), Some(DELIVER_MAIL_JOB))
            .await
    }

    /// One mail, whatever its unit (callers check the scope).
    pub async fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>> {
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM outbox o LEFT JOIN units un ON un.id = o.unit_id WHERE o.id = $1");
        let row: Option<EntryRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?
        });
        row.map(OutboxEntry::try_from).transpose()
    }

    /// The mail in scope, newest first, and how many there are in all.
    pub async fn outbox_page(&self, filter: &OutboxFilter, paging: Paging) -> Result<(Vec<OutboxEntry>, i64)> {
        let (where_clause, binds) = filter_clause(filter, true);
        let from = "FROM outbox o LEFT JOIN units un ON un.id = o.unit_id";
        let count_sql = format!("SELECT COUNT(*) {from} WHERE {where_clause}");
        let list_sql = format!(
            "SELECT {ENTRY_COLUMNS} {from} WHERE {where_clause} ORDER BY o.id DESC LIMIT ${} OFFSET ${}",
            binds.len() + 1,
            binds.len() + 2
        );
        let (rows, total): (Vec<EntryRow>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, EntryRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            for b in &binds {
                match b {
                    Bind::Int(v) => {
                        count = count.bind(*v);
                        list = list.bind(*v);
                    }
                    Bind::Text(v) => {
                        count = count.bind(*v);
                        list = list.bind(*v);
                    }
                }
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        Ok((
            rows.into_iter().map(OutboxEntry::try_from).collect::<Result<_>>()?,
            total,
        ))
    }

    /// How many mails in scope are queued, sent and failed (`filter.status` is ignored).
    pub async fn outbox_counts(&self, filter: &OutboxFilter) -> Result<OutboxCounts> {
        let (where_clause, binds) = filter_clause(filter, false);
        let sql = format!(
            "SELECT o.status, COUNT(*) FROM outbox o LEFT JOIN units un ON un.id = o.unit_id WHERE {where_clause} GROUP BY o.status"
        );
        let rows: Vec<(String, i64)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = match b {
                    Bind::Int(v) => q.bind(*v),
                    Bind::Text(v) => q.bind(*v),
                };
            }
            q.fetch_all(pool).await?
        });
        let mut counts = OutboxCounts::default();
        for (status, n) in rows {
            match MailStatus::parse(&status) {
                Some(MailStatus::Queued) => counts.queued = n,
                Some(MailStatus::Sent) => counts.sent = n,
                Some(MailStatus::Failed) => counts.failed = n,
                None => return Err(StoreError::Corrupt(format!("outbox: status '{status}'"))),
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::Arc;

    use lanhmang_domain::units_import::{plan_import, read_table};

    use super::*;
    use crate::AuditContext;
    use crate::test_support::{TestDb, both_backends};

    fn mail(to: &str, dedup: Option<&str>) -> NewMail {
        NewMail {
            to_address: to.into(),
            to_name: "Cô Nguyễn Thị Hoa".into(),
            subject: "Nhắc nộp báo cáo đánh giá năm học 2026–2027".into(),
            body: "Kính gửi thầy cô,\nHạn nộp báo cáo là 01/06/2027.\n".into(),
            reason: "reminder",
            plan_id: None,
            unit_id: None,
            dedup_key: dedup.map(String::from),
        }
    }

    async fn count_all(store: &Store) -> i64 {
        let (n,): (i64,) =
            on_pool!(store, pool => sqlx::query_as("SELECT COUNT(*) FROM outbox").fetch_one(pool).await.unwrap());
        n
    }

    #[test]
    fn addresses() {
        for ok in [
            "hieu.truong@thcs-a.edu.vn",
            "a+b@x.vn",
            "o'brien@mail.example.com",
            "x@trường.vn",
        ] {
            assert!(valid_address(ok), "{ok}");
        }
        for bad in [
            "",
            "khong-co-a-cong",
            "a@b",
            "a b@c.vn",
            "a@@c.vn",
            "<a@c.vn>",
            "a@c.vn\r\nBcc: x@y.vn",
            ".a@c.vn",
            "a..b@c.vn",
            "a@-c.vn",
            "a@c..vn",
            "Nguyễn@c.vn",
            "a,b@c.vn",
        ] {
            assert!(!valid_address(bad), "{bad:?}");
        }
        assert_eq!(MailStatus::parse("sent"), Some(MailStatus::Sent));
        assert_eq!(MailStatus::parse("sending"), None);
    }

    both_backends!(queue_dedup_and_bad_input_on_every_backend);
    async fn queue_dedup_and_bad_input_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            assert!(store.queue_mail(&mail("a@truong.edu.vn", Some("r:1"))).await.unwrap());
            assert!(
                !store.queue_mail(&mail("b@truong.edu.vn", Some("r:1"))).await.unwrap(),
                "{backend}: the same reminder is not queued twice"
            );
            assert!(store.queue_mail(&mail("a@truong.edu.vn", None)).await.unwrap());
            assert!(store.queue_mail(&mail("a@truong.edu.vn", None)).await.unwrap());
            assert_eq!(count_all(&store).await, 3, "{backend}");
            let jobs = store.queue_counts().await.unwrap();
            assert_eq!(jobs.queued, 1, "{backend}: one delivery job, however much mail");
            assert!(store.mail_due().await.unwrap(), "{backend}");

            let bad = store.queue_mail(&mail("không phải địa chỉ", Some("r:2"))).await;
            match bad {
                Err(StoreError::Conflict(m)) => assert!(m.contains("không hợp lệ"), "{backend}: {m}"),
                other => panic!("{backend}: {other:?}"),
            }
            let mut injected = mail("a@truong.edu.vn", None);
            injected.subject = "Nhắc\r\nBcc: x@y.vn".into();
            assert!(matches!(
                store.queue_mail(&injected).await,
                Err(StoreError::Conflict(_))
            ));
            let mut empty = mail("a@truong.edu.vn", None);
            empty.body = "  ".into();
            assert!(matches!(store.queue_mail(&empty).await, Err(StoreError::Conflict(_))));
            assert_eq!(count_all(&store).await, 3, "{backend}: nothing written for bad input");

            // In a transaction: the mail exists only if the change it announces commits.
            on_pool!(store, pool => {
                let mut tx = pool.begin_write().await.unwrap();
                assert!(queue_mail_in_tx!(tx, &mail("c@truong.edu.vn", Some("r:3"))).unwrap());
                tx.rollback().await.unwrap();
                let mut tx = pool.begin_write().await.unwrap();
                let refused = queue_mail_in_tx!(tx, &mail("c@", Some("r:4")));
                assert!(refused.is_err(), "{backend}");
                tx.commit().await.unwrap();
            });
            assert_eq!(
                count_all(&store).await,
                3,
                "{backend}: rolled back with its transaction"
            );
            assert!(store.queue_mail(&mail("c@truong.edu.vn", Some("r:3"))).await.unwrap());

            store.close().await;
            db.cleanup().await;
        }
    }

    both_backends!(claims_leases_and_marks_on_every_backend);
    async fn claims_leases_and_marks_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let store = Arc::new(store);
            for i in 0..30 {
                store
                    .queue_mail(&mail(&format!("gv{i}@truong.edu.vn"), Some(&format!("k{i}"))))
                    .await
                    .unwrap();
            }
            let mut handles = Vec::new();
            for _ in 0..4 {
                let store = store.clone();
                handles.push(tokio::spawn(async move {
                    let mut mine = Vec::new();
                    while let Some(m) = store.claim_mail(Duration::minutes(5)).await.unwrap() {
                        assert_eq!(m.attempts, 1);
                        mine.push(m.id);
                    }
                    mine
                }));
            }
            let mut all = Vec::new();
            for h in handles {
                all.extend(h.await.unwrap());
            }
            let unique: HashSet<_> = all.iter().collect();
            assert_eq!((all.len(), unique.len()), (30, 30), "{backend}: each mail claimed once");
            assert!(!store.mail_due().await.unwrap(), "{backend}: all leased");

            let scope = OutboxFilter::default();
            let first = store.outbox_entry(all[0]).await.unwrap().unwrap();
            assert_eq!(first.status, MailStatus::Queued, "{backend}: still queued while leased");
            let lease_left = first.next_attempt_at - now();
            assert!(
                lease_left > Duration::minutes(4) && lease_left <= Duration::minutes(5),
                "{backend}: {lease_left}"
            );
            assert!(first.last_attempt_at.is_some());
            assert_eq!(store.outbox_counts(&scope).await.unwrap(), OutboxCounts::default());

            // A worker that dies mid-send: once its lease is over, the mail is claimed again.
            let (db2, store2) = TestDb::store(backend).await.unwrap();
            store2.queue_mail(&mail("a@truong.edu.vn", None)).await.unwrap();
            let m = store2.claim_mail(Duration::seconds(-1)).await.unwrap().unwrap();
            let again = store2.claim_mail(Duration::minutes(5)).await.unwrap().unwrap();
            assert_eq!((again.id, again.attempts), (m.id, 2), "{backend}");
            assert_eq!(again.subject, "Nhắc nộp báo cáo đánh giá năm học 2026–2027");
            assert!(again.body.contains("01/06/2027"));

            // Transient failure: back at retry_at, which a claim respects.
            store2
                .mark_mail_failed(again.id, "451 thử lại sau", Some(now() + Duration::minutes(2)))
                .await
                .unwrap();
            assert!(
                store2.claim_mail(Duration::minutes(5)).await.unwrap().is_none(),
                "{backend}"
            );
            let e = store2.outbox_entry(m.id).await.unwrap().unwrap();
            assert_eq!(
                (e.status, e.attempts, e.last_error.as_str()),
                (MailStatus::Queued, 2, "451 thử lại sau")
            );
            store2
                .mark_mail_failed(m.id, "451 thử lại sau", Some(now() - Duration::seconds(1)))
                .await
                .unwrap();
            let third = store2.claim_mail(Duration::minutes(5)).await.unwrap().unwrap();
            assert_eq!(third.attempts, 3, "{backend}");
            store2.mark_mail_sent(third.id).await.unwrap();
            // A late failure report from a worker whose lease ran out changes nothing.
            store2.mark_mail_failed(third.id, "muộn", None).await.unwrap();
            let sent = store2.outbox_entry(third.id).await.unwrap().unwrap();
            assert_eq!(sent.status, MailStatus::Sent, "{backend}");
            assert!(
                sent.sent_at.is_some() && sent.last_error.is_empty(),
                "{backend}: {sent:?}"
            );

            // Permanent failure keeps the server's words.
            store2.queue_mail(&mail("b@truong.edu.vn", None)).await.unwrap();
            let b = store2.claim_mail(Duration::minutes(5)).await.unwrap().unwrap();
            store2
                .mark_mail_failed(b.id, "550 5.1.1 no such user", None)
                .await
                .unwrap();
            let failed = store2.outbox_entry(b.id).await.unwrap().unwrap();
            assert_eq!(
                (failed.status, failed.last_error.as_str()),
                (MailStatus::Failed, "550 5.1.1 no such user")
            );
            assert!(store2.claim_mail(Duration::minutes(5)).await.unwrap().is_none());

            // Without a mail server, queued mail says why it waits; sent and failed mail do not change.
            store2.queue_mail(&mail("c@truong.edu.vn", None)).await.unwrap();
            assert_eq!(store2.note_queued_mail("chưa cấu hình máy chủ thư").await.unwrap(), 1);
            assert_eq!(store2.note_queued_mail("chưa cấu hình máy chủ thư").await.unwrap(), 0);

            drop(store);
            store2.close().await;
            db.cleanup().await;
            db2.cleanup().await;
        }
    }

    both_backends!(office_lists_mail_in_its_scope_on_every_backend);
    async fn office_lists_mail_in_its_scope_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let csv = "code,name,kind,parent_code,school_level\nS,Sở,so,,\nP1,Phòng 1,phong,S,\nP2,Phòng 2,phong,S,\n\
                       T1,Trường 1,truong,P1,THCS\nT2,Trường 2,truong,P2,THCS\n";
            let rows = plan_import(&read_table(csv.as_bytes()).unwrap(), &HashMap::new()).unwrap();
            store
                .import_units(&AuditContext::system("test"), &rows, "t.csv")
                .await
                .unwrap();
            let id = |code: &'static str| {
                let store = &store;
                async move { store.unit_by_code(code).await.unwrap().unwrap().id }
            };
            let (s, p1, t1, t2) = (id("S").await, id("P1").await, id("T1").await, id("T2").await);
            store
                .execute_raw_for_tests(&format!(
                    "INSERT INTO plans (issuing_unit_id, title, school_year, deadline, template_code, content, status, created_at, updated_at) \
                     VALUES ({p1}, 'Kế hoạch', 2026, '2027-06-01', 'seed', '{{}}', 'published', '2026-09-01T00:00:00Z', '2026-09-01T00:00:00Z')"
                ))
                .await
                .unwrap();
            let (plan_id,): (i64,) =
                on_pool!(store, pool => sqlx::query_as("SELECT id FROM plans").fetch_one(pool).await.unwrap());
            for (unit, plan, n) in [(Some(t1), Some(plan_id), 3), (Some(t2), None, 2), (None, None, 1)] {
                for i in 0..n {
                    let mut m = mail(&format!("x{i}@truong.edu.vn"), None);
                    m.unit_id = unit;
                    m.plan_id = plan;
                    store.queue_mail(&m).await.unwrap();
                }
            }
            let failed = store.claim_mail(Duration::minutes(5)).await.unwrap().unwrap();
            store.mark_mail_failed(failed.id, "550", None).await.unwrap();

            let scope = |roots: Vec<i64>| OutboxFilter {
                unit_ids_in_subtree_of: roots,
                ..Default::default()
            };
            let (page, total) = store.outbox_page(&scope(vec![p1]), Paging::default()).await.unwrap();
            assert_eq!(total, 3, "{backend}");
            assert!(
                page.iter()
                    .all(|e| e.unit_id == Some(t1) && e.unit_name.as_deref() == Some("Trường 1"))
            );
            assert!(page.windows(2).all(|w| w[0].id > w[1].id), "{backend}: newest first");
            assert_eq!(
                store.outbox_page(&scope(vec![s]), Paging::default()).await.unwrap().1,
                5
            );
            assert_eq!(
                store
                    .outbox_page(&scope(vec![t2, p1]), Paging::default())
                    .await
                    .unwrap()
                    .1,
                5
            );
            assert_eq!(store.outbox_page(&scope(vec![]), Paging::default()).await.unwrap().1, 0);
            let two = Paging { page: 2, per_page: 2 };
            let (second, total) = store.outbox_page(&scope(vec![s]), two).await.unwrap();
            assert_eq!((second.len(), total), (2, 5), "{backend}");

            let failed_only = OutboxFilter {
                status: Some(MailStatus::Failed),
                ..scope(vec![s])
            };
            let (rows, total) = store.outbox_page(&failed_only, Paging::default()).await.unwrap();
            assert_eq!((total, rows[0].id, rows[0].last_error.as_str()), (1, failed.id, "550"));
            let of_plan = OutboxFilter {
                plan_id: Some(plan_id),
                ..scope(vec![s])
            };
            assert_eq!(store.outbox_page(&of_plan, Paging::default()).await.unwrap().1, 3);
            assert_eq!(
                store.outbox_counts(&failed_only).await.unwrap(),
                OutboxCounts {
                    queued: 4,
                    sent: 0,
                    failed: 1
                },
                "{backend}: counts ignore the status filter"
            );
            assert_eq!(store.outbox_counts(&of_plan).await.unwrap().total(), 3);
            store.close().await;
            db.cleanup().await;
        }
    }
}
