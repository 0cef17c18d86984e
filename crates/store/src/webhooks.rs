//! Outbound webhooks: an office's connections (address and secret), the deliveries queued for
//! them, and every attempt with the receiver's answer.
//!
//! A notice's deliveries are queued in the notice's own transaction (see `notices`), so a
//! notice is never sent without them. A connection's deliveries go out in the order they
//! fall due: one being retried holds back those behind it (a notice to families held through
//! the night holds back nothing). A claim pushes `next_attempt_at` forward by a lease in one atomic statement, so no other
//! worker posts it meanwhile, and a worker that dies mid-post leaves it to be tried again once
//! the lease runs out. An attempt is recorded only by the claim that made it (`attempts`
//! unchanged), so a worker that outlived its lease cannot overwrite a newer result.

use lanhmang_domain::webhook::{DeliveryStatus, Event, MAX_PER_UNIT, WebhookFields};
use time::{Duration, OffsetDateTime};

use crate::trainings::utc;
use crate::{AuditContext, Backend, BeginWrite, Result, Store, StoreError, now};

/// The job kind that posts due deliveries; queued (deduplicated) whenever one is queued.
pub const DELIVER_WEBHOOKS_JOB: &str = "deliver_webhooks";

const MAX_ERROR_CHARS: usize = 500;

/// The deliveries of a sent notice: one per open connection of the issuing unit or a unit
/// above it. `$1` notice, `$2` not before, `$3` now, then the issuer's ancestry.
pub(crate) fn queue_notice_sql(ancestors: usize) -> String {
    let list: Vec<String> = (4..4 + ancestors).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO webhook_deliveries (webhook_id, event, notice_id, status, attempts, next_attempt_at, last_error, created_at) \
         SELECT id, 'notice.sent', $1, 'queued', 0, $2, '', $3 FROM webhooks \
         WHERE disabled_at IS NULL AND unit_id IN ({}) ORDER BY id \
         ON CONFLICT (webhook_id, notice_id) WHERE notice_id IS NOT NULL DO NOTHING",
        if list.is_empty() {
            "NULL".to_string()
        } else {
            list.join(", ")
        }
    )
}

/// A connection as its office sees it (never the secret after it was made).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Webhook {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub url: String,
    /// The secret's first characters.
    pub secret_hint: String,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
    pub queued: i64,
    pub delivered: i64,
    pub failed: i64,
    pub last_delivery_at: Option<OffsetDateTime>,
}

const WEBHOOK_COLUMNS: &str = "w.id, w.unit_id, u.name AS unit_name, w.url, SUBSTR(w.secret, 1, 10) AS secret_hint, \
     w.description, w.created_at, w.disabled_at, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'queued') AS queued, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'delivered') AS delivered, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed') AS failed, \
     (SELECT MAX(d.delivered_at) FROM webhook_deliveries d WHERE d.webhook_id = w.id) AS last_delivery_at";

/// One delivery in a connection's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: Event,
    pub notice_id: Option<i64>,
    pub notice_title: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub last_status: Option<i64>,
    pub last_error: String,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    /// Every attempt, oldest first.
    pub tries: Vec<Attempt>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    webhook_id: i64,
    event: String,
    notice_id: Option<i64>,
    notice_title: Option<String>,
    status: String,
    attempts: i64,
    next_attempt_at: OffsetDateTime,
    last_attempt_at: Option<OffsetDateTime>,
    last_status: Option<i64>,
    last_error: String,
    created_at: OffsetDateTime,
    delivered_at: Option<OffsetDateTime>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Delivery> {
        Ok(Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event: Event::parse(&r.event).ok_or_else(|| StoreError::Corrupt(format!("sự kiện {}", r.event)))?,
            notice_id: r.notice_id,
            notice_title: r.notice_title,
            status: DeliveryStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("trạng thái {}", r.status)))?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_attempt_at: r.last_attempt_at,
            last_status: r.last_status,
            last_error: r.last_error,
            created_at: r.created_at,
            delivered_at: r.delivered_at,
            tries: Vec::new(),
        })
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event, d.notice_id, n.title AS notice_title, d.status, d.attempts, \
     d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.created_at, d.delivered_at";

/// One attempt: the receiver's answer code (none when it never answered) or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attempt {
    pub delivery_id: i64,
    pub attempted_at: OffsetDateTime,
    pub status_code: Option<i64>,
    pub error: String,
    pub duration_ms: i64,
}

/// A delivery claimed for posting, with what posting it needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub unit_id: i64,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub notice_id: Option<i64>,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub created_at: OffsetDateTime,
}

/// What became of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    pub status_code: Option<u16>,
    pub error: String,
    pub duration_ms: i64,
    /// Delivered, to be tried again at a time, or failed for good.
    pub next: Next,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryAt(OffsetDateTime),
    Failed,
}

impl Store {
    /// Adds a connection to the office `unit_id`; refuses a sixth open one.
    pub async fn create_webhook(&self, ctx: &AuditContext, unit_id: i64, w: &WebhookFields) -> Result<i64> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (open,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM webhooks WHERE unit_id = $1 AND disabled_at IS NULL")
                    .bind(unit_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if open >= MAX_PER_UNIT as i64 {
                return Err(StoreError::Conflict(format!(
                    "Mỗi đơn vị có tối đa {MAX_PER_UNIT} kết nối đang dùng; hãy tắt một kết nối cũ trước."
                )));
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO webhooks (unit_id, url, secret, description, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(unit_id)
            .bind(w.url.as_str())
            .bind(&w.secret)
            .bind(&w.description)
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            audit_in_tx!(self, tx, ctx, "webhook.create", format!("webhook:{id}"), w.url.as_str().to_string());
            tx.commit().await?;
            id
        }))
    }

    /// The connections of `unit_ids`, open ones first, newest first.
    pub async fn webhooks_of(&self, unit_ids: &[i64]) -> Result<Vec<Webhook>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=unit_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w JOIN units u ON u.id = w.unit_id \
             WHERE w.unit_id IN ({}) ORDER BY (w.disabled_at IS NULL) DESC, w.id DESC LIMIT 200",
            list.join(", ")
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in unit_ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        }))
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks w JOIN units u ON u.id = w.unit_id WHERE w.id = $1");
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?),
        )
    }

    /// Turns a connection off: nothing more is queued for it, and what waits is marked failed.
    /// Returns false when it was off already.
    pub async fn disable_webhook(&self, ctx: &AuditContext, id: i64) -> Result<bool> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("UPDATE webhooks SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if changed {
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'failed', last_error = 'Kết nối đã được tắt' \
                     WHERE webhook_id = $1 AND status = 'queued'",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                audit_in_tx!(self, tx, ctx, "webhook.disable", format!("webhook:{id}"), String::new());
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            changed
        }))
    }

    /// Queues a test delivery to an open connection; returns its id.
    pub async fn queue_webhook_ping(&self, webhook_id: i64) -> Result<i64> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO webhook_deliveries (webhook_id, event, status, attempts, next_attempt_at, last_error, created_at) \
                 SELECT id, 'ping', 'queued', 0, $2, '', $2 FROM webhooks WHERE id = $1 AND disabled_at IS NULL RETURNING id",
            )
            .bind(webhook_id)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id,)) = row else {
                tx.rollback().await?;
                return Err(StoreError::Conflict("Kết nối này đã tắt; hãy tạo kết nối mới.".into()));
            };
            sqlx::query(crate::outbox::KICK_DELIVERY).bind(DELIVER_WEBHOOKS_JOB).bind(at).execute(&mut *tx).await?;
            tx.commit().await?;
            id
        }))
    }

    /// A connection's deliveries, newest first, with their attempts, and how many there are.
    pub async fn webhook_deliveries(&self, webhook_id: i64, limit: i64, offset: i64) -> Result<(Vec<Delivery>, i64)> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d LEFT JOIN notices n ON n.id = d.notice_id \
             WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2 OFFSET $3"
        );
        let (rows, total, tries): (Vec<DeliveryRow>, (i64,), Vec<Attempt>) = on_pool!(self, pool => {
            let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(webhook_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let total = sqlx::query_as("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(webhook_id)
                .fetch_one(pool)
                .await?;
            let tries = match (rows.last(), rows.first()) {
                (Some(low), Some(high)) => sqlx::query_as(
                    "SELECT a.delivery_id, a.attempted_at, a.status_code, a.error, a.duration_ms FROM webhook_attempts a \
                     JOIN webhook_deliveries d ON d.id = a.delivery_id \
                     WHERE d.webhook_id = $1 AND a.delivery_id BETWEEN $2 AND $3 ORDER BY a.id",
                )
                .bind(webhook_id)
                .bind(low.id)
                .bind(high.id)
                .fetch_all(pool)
                .await?,
                _ => Vec::new(),
            };
            (rows, total, tries)
        });
        let mut list: Vec<Delivery> = rows.into_iter().map(Delivery::try_from).collect::<Result<_>>()?;
        for attempt in tries {
            if let Some(d) = list.iter_mut().find(|d| d.id == attempt.delivery_id) {
                d.tries.push(attempt);
            }
        }
        Ok((list, total.0))
    }

    /// Claims the next due delivery at the front of its connection's line, if any.
    pub async fn claim_webhook_delivery(&self, lease: Duration) -> Result<Option<ClaimedDelivery>> {
        // Due, and no older delivery of the same connection in front of it: one due too, or
        // tried already (being retried, or held by another worker's claim). One waiting for the
        // morning (a notice to families at night, never tried) holds nothing back.
        let pick = "SELECT d.id FROM webhook_deliveries d WHERE d.status = 'queued' AND d.next_attempt_at <= $1 \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id \
                             AND e.status = 'queued' AND e.id < d.id AND (e.attempts > 0 OR e.next_attempt_at <= $1)) \
             ORDER BY d.next_attempt_at, d.id LIMIT 1";
        let sql = format!(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2, last_attempt_at = $1 \
             WHERE id = ({pick}{}) AND status = 'queued' AND next_attempt_at <= $1 \
             RETURNING id, webhook_id, event, notice_id, attempts, created_at",
            match self.backend {
                Backend::Sqlite(_) => "",
                Backend::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            }
        );
        let t = now();
        let claimed: Option<(i64, i64, String, Option<i64>, i64, OffsetDateTime)> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(t)
                .bind(utc(t + lease))
                .fetch_optional(pool)
                .await?
        });
        let Some((id, webhook_id, event, notice_id, attempts, created_at)) = claimed else {
            return Ok(None);
        };
        let (unit_id, url, secret): (i64, String, String) = on_pool!(self, pool => {
            sqlx::query_as("SELECT unit_id, url, secret FROM webhooks WHERE id = $1")
                .bind(webhook_id)
                .fetch_one(pool)
                .await?
        });
        Ok(Some(ClaimedDelivery {
            id,
            webhook_id,
            unit_id,
            url,
            secret,
            event,
            notice_id,
            attempts,
            created_at,
        }))
    }

    /// Records an attempt of `claim`. Returns false, writing nothing, when the claim is stale
    /// (its lease ran out and another worker claimed the delivery since).
    pub async fn record_webhook_attempt(&self, claim: &ClaimedDelivery, result: &AttemptResult) -> Result<bool> {
        let at = now();
        let error: String = result.error.chars().take(MAX_ERROR_CHARS).collect();
        let (status, next_at, delivered_at) = match result.next {
            Next::Delivered => ("delivered", at, Some(at)),
            Next::RetryAt(t) => ("queued", utc(t), None),
            Next::Failed => ("failed", at, None),
        };
        let code = result.status_code.map(i64::from);
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let current = sqlx::query(
                "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, delivered_at = $3, last_status = $4, \
                 last_error = $5 WHERE id = $6 AND attempts = $7 AND status = 'queued'",
            )
            .bind(status)
            .bind(next_at)
            .bind(delivered_at)
            .bind(code)
            .bind(&error)
            .bind(claim.id)
            .bind(claim.attempts)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if current {
                sqlx::query(
                    "INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(claim.id)
                .bind(at)
                .bind(code)
                .bind(&error)
                .bind(result.duration_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            current
        }))
    }

    /// The earliest time a queued delivery is due, if any is queued.
    pub async fn next_webhook_due(&self) -> Result<Option<OffsetDateTime>> {
        let row: Option<(OffsetDateTime,)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT next_attempt_at FROM webhook_deliveries WHERE status = 'queued' ORDER BY next_attempt_at LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|r| r.0))
    }

    /// Queues the delivery job unless one is queued or running; returns whether it was queued.
    pub async fn kick_webhook_delivery(&self) -> Result<bool> {
        self.enqueue_job(DELIVER_WEBHOOKS_JOB, "{}", now(), Some(DELIVER_WEBHOOKS_JOB))
            .await
    }

    /// Forgets deliveries that ended more than `keep` ago, with their attempts.
    pub async fn purge_webhook_deliveries(&self, keep: Duration) -> Result<u64> {
        let before = now() - keep;
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
                 WHERE status <> 'queued' AND created_at < $1)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?;
            let n = sqlx::query("DELETE FROM webhook_deliveries WHERE status <> 'queued' AND created_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        }))
    }
}
