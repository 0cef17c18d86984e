//! The durable job queue. Claiming is one atomic statement, so any number of workers on any
//! number of machines share one PostgreSQL queue without running a job twice.

use crate::BeginWrite;
use time::{Duration, OffsetDateTime};

use crate::{Backend, Result, Store, now};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, lease_until = $3, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $2 ORDER BY run_at, id LIMIT 1) \
     RETURNING id, kind, payload, attempts, max_attempts";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, lease_until = $3, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $2 ORDER BY run_at, id LIMIT 1 \
                 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, attempts, max_attempts";

impl Store {
    /// Queues a job. With a `dedup_key`, nothing is queued while a job with the same key is
    /// queued or running; returns whether a job was queued.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: &str,
        run_at: OffsetDateTime,
        dedup_key: Option<&str>,
    ) -> Result<bool> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO jobs (kind, payload, state, dedup_key, run_at, created_at) VALUES ($1, $2, 'queued', $3, $4, $5) \
                 ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING",
            )
            .bind(kind)
            .bind(payload)
            .bind(dedup_key)
            .bind(run_at)
            .bind(now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Claims the oldest due job for `worker`, atomically, with a lease of `lease`: unless the
    /// worker renews it, the job is taken again once the lease runs out. `worker` names one
    /// claimer uniquely (host, process, task), so a late worker cannot finish a job it lost.
    pub async fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<Job>> {
        let sql = match self.backend {
            Backend::Sqlite(_) => CLAIM_SQLITE,
            Backend::Postgres(_) => CLAIM_POSTGRES,
        };
        let t = now();
        let job = on_pool!(self, pool => sqlx::query_as(sql).bind(worker).bind(t).bind(t + lease).fetch_optional(pool).await?);
        Ok(job)
    }

    /// Extends the lease of a job this worker still holds; false when it was lost.
    pub async fn renew_lease(&self, id: i64, worker: &str, lease: Duration) -> Result<bool> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'")
                .bind(now() + lease)
                .bind(id)
                .bind(worker)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Marks a job done, if `worker` still holds it; returns whether it did.
    pub async fn complete_job(&self, id: i64, worker: &str) -> Result<bool> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'done', finished_at = $1, locked_by = NULL, lease_until = NULL, last_error = NULL \
                 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
            )
            .bind(now())
            .bind(id)
            .bind(worker)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Records a failure: queued again after `retry_in`, or failed for good once attempts run out.
    /// Only the worker holding the job may do so.
    pub async fn fail_job(&self, job: &Job, worker: &str, error: &str, retry_in: Duration) -> Result<()> {
        let give_up = job.attempts >= job.max_attempts;
        let t = now();
        on_pool!(self, pool => {
            if give_up {
                sqlx::query("UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, locked_by = NULL, lease_until = NULL \
                             WHERE id = $3 AND locked_by = $4 AND state = 'running'")
                    .bind(t)
                    .bind(error)
                    .bind(job.id)
                    .bind(worker)
                    .execute(pool)
                    .await?;
            } else {
                sqlx::query("UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, locked_by = NULL, lease_until = NULL \
                             WHERE id = $3 AND locked_by = $4 AND state = 'running'")
                    .bind(t + retry_in)
                    .bind(error)
                    .bind(job.id)
                    .bind(worker)
                    .execute(pool)
                    .await?;
            }
        });
        Ok(())
    }

    /// Puts back jobs whose worker vanished: their lease ran out. A job gone over its attempts
    /// fails for good instead, so a job that kills its worker cannot loop forever.
    pub async fn requeue_expired_leases(&self) -> Result<u64> {
        let t = now();
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE jobs SET state = 'failed', finished_at = $1, locked_by = NULL, lease_until = NULL, \
                 last_error = 'hết hạn giữ việc quá số lần cho phép' \
                 WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts",
            )
            .bind(t)
            .execute(&mut *tx)
            .await?;
            let n = sqlx::query(
                "UPDATE jobs SET state = 'queued', locked_by = NULL, lease_until = NULL, run_at = $1 \
                 WHERE state = 'running' AND lease_until < $1",
            )
            .bind(t)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Jobs of a kind by state (benchmarks and tests).
    #[cfg(any(test, feature = "test-support", feature = "bench-data"))]
    pub async fn job_states(&self, kind: &str) -> Result<Vec<(String, i64)>> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs WHERE kind = $1 GROUP BY state ORDER BY state")
                .bind(kind)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    pub async fn queue_counts(&self) -> Result<QueueCounts> {
        let rows: Vec<(String, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetch_all(pool).await?
        });
        let mut c = QueueCounts::default();
        for (state, n) in rows {
            match state.as_str() {
                "queued" => c.queued = n,
                "running" => c.running = n,
                "done" => c.done = n,
                _ => c.failed = n,
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;
    use crate::test_support::{TestDb, both_backends};

    both_backends!(queue_claims_each_job_once_on_every_backend);
    async fn queue_claims_each_job_once_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let store = Arc::new(store);
            for i in 0..40 {
                assert!(
                    store
                        .enqueue_job("test", &format!("{{\"i\":{i}}}"), now(), None)
                        .await
                        .unwrap()
                );
            }
            assert!(
                store
                    .enqueue_job("later", "{}", now() + Duration::hours(1), None)
                    .await
                    .unwrap()
            );
            assert!(store.enqueue_job("dedup", "{}", now(), Some("k")).await.unwrap());
            assert!(
                !store.enqueue_job("dedup", "{}", now(), Some("k")).await.unwrap(),
                "{backend}: deduplicated"
            );

            let mut handles = Vec::new();
            for w in 0..4 {
                let store = store.clone();
                handles.push(tokio::spawn(async move {
                    let mut mine = Vec::new();
                    while let Some(job) = store.claim_job(&format!("w{w}"), Duration::minutes(1)).await.unwrap() {
                        mine.push(job.id);
                        assert!(store.complete_job(job.id, &format!("w{w}")).await.unwrap());
                    }
                    mine
                }));
            }
            let mut all = Vec::new();
            for h in handles {
                all.extend(h.await.unwrap());
            }
            let unique: HashSet<_> = all.iter().collect();
            assert_eq!(all.len(), 41, "{backend}: every due job claimed");
            assert_eq!(unique.len(), 41, "{backend}: no job claimed twice");
            let counts = store.queue_counts().await.unwrap();
            assert_eq!((counts.queued, counts.done), (1, 41), "{backend}");

            // Retries, then gives up.
            store.enqueue_job("flaky", "{}", now(), Some("k")).await.unwrap();
            let lease = Duration::minutes(1);
            let mut job = store.claim_job("w", lease).await.unwrap().unwrap();
            job.max_attempts = 2;
            store.fail_job(&job, "w", "lỗi", Duration::seconds(-1)).await.unwrap();
            let mut again = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!((again.id, again.attempts), (job.id, 2), "{backend}");
            again.max_attempts = 2;
            store.fail_job(&again, "w", "lỗi", Duration::seconds(-1)).await.unwrap();
            assert_eq!(store.queue_counts().await.unwrap().failed, 1, "{backend}");

            // A worker dies holding a job: once its lease runs out, another worker takes the
            // job, and the dead one can no longer finish it.
            store.enqueue_job("long", "{}", now(), None).await.unwrap();
            let held = store.claim_job("dead", Duration::seconds(-1)).await.unwrap().unwrap();
            assert!(
                store.claim_job("live", lease).await.unwrap().is_none(),
                "{backend}: still leased"
            );
            assert_eq!(store.requeue_expired_leases().await.unwrap(), 1, "{backend}");
            let taken = store.claim_job("live", lease).await.unwrap().unwrap();
            assert_eq!((taken.id, taken.attempts), (held.id, 2), "{backend}");
            assert!(
                !store.renew_lease(held.id, "dead", lease).await.unwrap(),
                "{backend}: lease lost"
            );
            assert!(
                !store.complete_job(held.id, "dead").await.unwrap(),
                "{backend}: not the holder"
            );
            assert!(store.renew_lease(taken.id, "live", lease).await.unwrap(), "{backend}");
            assert!(store.complete_job(taken.id, "live").await.unwrap(), "{backend}");
            drop(store);
            db.cleanup().await;
        }
    }
}
