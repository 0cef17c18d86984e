//! Sessions, API tokens and login throttling. Tokens are stored only as SHA-256 hashes: a
//! copy of the database does not let anyone sign in.

use time::{Duration, OffsetDateTime};

use lanhmang_domain::throttle::{ThrottlePolicy, ThrottleState};

use crate::{Result, Store, now};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub person_id: i64,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// How often a session's last-seen time is written: not on every request, to spare the disk.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Compare-and-swap rounds before a throttle update gives up; each lost round means another
/// attempt on the same key was counted meanwhile.
const SWAP_TRIES: usize = 8;

impl Store {
    pub async fn create_session(
        &self,
        person_id: i64,
        token_hash: &str,
        csrf_token: &str,
        lifetime: Duration,
        client_ip: &str,
    ) -> Result<()> {
        let t = now();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, person_id, csrf_token, created_at, last_seen_at, expires_at, client_ip) \
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(person_id)
            .bind(csrf_token)
            .bind(t)
            .bind(t + lifetime)
            .bind(client_ip)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A live session: not past its absolute expiry, not idle longer than `idle`.
    pub async fn live_session(&self, token_hash: &str, idle: Duration) -> Result<Option<SessionRecord>> {
        let t = now();
        let row: Option<SessionRecord> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT token_hash, person_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions \
                 WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
            )
            .bind(token_hash)
            .bind(t)
            .bind(t - idle)
            .fetch_optional(pool)
            .await?
        });
        if let Some(s) = &row
            && t - s.last_seen_at >= TOUCH_EVERY
        {
            on_pool!(self, pool => {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(t)
                    .bind(token_hash)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(row)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Removes sessions that have expired or idled out; returns how many.
    pub async fn purge_sessions(&self, idle: Duration) -> Result<u64> {
        let t = now();
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(t)
                .bind(t - idle)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    pub async fn create_api_token(
        &self,
        person_id: i64,
        token_hash: &str,
        label: &str,
        lifetime: Duration,
    ) -> Result<OffsetDateTime> {
        let t = now();
        let expires = t + lifetime;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO api_tokens (person_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(person_id)
            .bind(token_hash)
            .bind(label)
            .bind(t)
            .bind(expires)
            .execute(pool)
            .await?;
        });
        Ok(expires)
    }

    /// The person behind a live API token.
    pub async fn api_token_person(&self, token_hash: &str) -> Result<Option<i64>> {
        let t = now();
        let row: Option<(i64, Option<OffsetDateTime>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT person_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(t)
            .fetch_optional(pool)
            .await?
        });
        if let Some((_, last_used)) = &row
            && last_used.is_none_or(|l| t - l >= TOUCH_EVERY)
        {
            on_pool!(self, pool => {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                    .bind(t)
                    .bind(token_hash)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(row.map(|r| r.0))
    }

    /// Revokes one token; true if it was live.
    pub async fn revoke_api_token(&self, token_hash: &str) -> Result<bool> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(token_hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// The throttle's memory of `key`.
    async fn throttle_state(&self, key: &str) -> Result<Option<ThrottleState>> {
        // `window_started_at` keeps its first name; it holds the time of the streak's last
        // counted attempt, and `blocked_until` the time before which no attempt goes through.
        let row: Option<(i64, OffsetDateTime, Option<OffsetDateTime>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT failures, window_started_at, blocked_until FROM login_throttle WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(attempts, last_attempt_at, wait_until)| ThrottleState {
            attempts,
            last_attempt_at,
            wait_until,
        }))
    }

    /// Writes `new` over `old` only if the row still holds `old` (or, for `None`, does not
    /// exist yet); false when someone else changed it first.
    async fn throttle_swap(&self, key: &str, old: Option<&ThrottleState>, new: &ThrottleState) -> Result<bool> {
        let n = match old {
            None => on_pool!(self, pool => {
                sqlx::query(
                    "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .bind(new.attempts)
                .bind(new.last_attempt_at)
                .bind(new.wait_until)
                .execute(pool)
                .await?
                .rows_affected()
            }),
            // Every change moves the count or the time of the last attempt, so the pair
            // identifies the version that was read.
            Some(old) => on_pool!(self, pool => {
                sqlx::query(
                    "UPDATE login_throttle SET failures = $1, window_started_at = $2, blocked_until = $3 \
                     WHERE key = $4 AND failures = $5 AND window_started_at = $6",
                )
                .bind(new.attempts)
                .bind(new.last_attempt_at)
                .bind(new.wait_until)
                .bind(key)
                .bind(old.attempts)
                .bind(old.last_attempt_at)
                .execute(pool)
                .await?
                .rows_affected()
            }),
        };
        Ok(n == 1)
    }

    /// Counts an attempt for `key` at `now`, before its outcome is known: `Ok(())` if it may
    /// go on, or the time before which it is refused. Concurrent attempts are counted one by
    /// one (compare-and-swap on the row), so a burst cannot pass more attempts than the
    /// policy allows.
    pub async fn throttle_take(
        &self,
        key: &str,
        policy: &ThrottlePolicy,
        now: OffsetDateTime,
    ) -> Result<std::result::Result<(), OffsetDateTime>> {
        for _ in 0..SWAP_TRIES {
            let current = self.throttle_state(key).await?;
            let next = match policy.take(current.as_ref(), now) {
                Ok(next) => next,
                Err(until) => return Ok(Err(until)),
            };
            if self.throttle_swap(key, current.as_ref(), &next).await? {
                return Ok(Ok(()));
            }
        }
        // So many others changed the row meanwhile that this is a burst: refuse, briefly.
        Ok(Err(now + policy.base_delay))
    }

    /// Gives back an attempt counted by [`throttle_take`](Self::throttle_take) that succeeded.
    pub async fn throttle_refund(&self, key: &str, policy: &ThrottlePolicy) -> Result<()> {
        for _ in 0..SWAP_TRIES {
            let Some(current) = self.throttle_state(key).await? else {
                return Ok(());
            };
            if self
                .throttle_swap(key, Some(&current), &policy.refund(&current))
                .await?
            {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Forgets throttle rows with no attempt for `quiet` and no wait running; returns how
    /// many. `quiet` must be longer than any policy's `forget_after`, so only rows that would
    /// start afresh anyway go.
    pub async fn purge_throttle(&self, quiet: Duration) -> Result<u64> {
        let t = now();
        let n = on_pool!(self, pool => {
            sqlx::query(
                "DELETE FROM login_throttle WHERE window_started_at <= $1 AND (blocked_until IS NULL OR blocked_until <= $2)",
            )
            .bind(t - quiet)
            .bind(t)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n)
    }

    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(pool).await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use lanhmang_domain::person::PersonInput;
    use lanhmang_domain::unit::UnitInput;

    use super::*;
    use crate::AuditContext;
    use crate::test_support::{TestDb, both_backends};

    both_backends!(sessions_tokens_and_throttle_on_every_backend);
    async fn sessions_tokens_and_throttle_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let unit = UnitInput {
                code: "P".into(),
                name: "Phòng".into(),
                kind: "phong".into(),
                ..Default::default()
            };
            let office = store.create_unit(&ctx, None, &unit.parse().unwrap()).await.unwrap();
            let person = PersonInput {
                username: "an.nguyen".into(),
                display_name: "An".into(),
                ..Default::default()
            };
            let p = store
                .create_person(&ctx, office.id, &person.parse().unwrap(), None, false)
                .await
                .unwrap();

            store
                .create_session(p.id, "s1", "csrf", Duration::hours(8), "127.0.0.1")
                .await
                .unwrap();
            let live = store.live_session("s1", Duration::minutes(30)).await.unwrap().unwrap();
            assert_eq!((live.person_id, live.csrf_token.as_str()), (p.id, "csrf"), "{backend}");
            assert!(
                store.live_session("s1", Duration::seconds(-1)).await.unwrap().is_none(),
                "{backend}: idle"
            );
            assert!(
                store
                    .live_session("nope", Duration::minutes(30))
                    .await
                    .unwrap()
                    .is_none()
            );
            assert_eq!(
                store.purge_sessions(Duration::seconds(-1)).await.unwrap(),
                1,
                "{backend}"
            );

            store
                .create_api_token(p.id, "t1", "test", Duration::days(1))
                .await
                .unwrap();
            assert_eq!(store.api_token_person("t1").await.unwrap(), Some(p.id));
            assert!(store.revoke_api_token("t1").await.unwrap());
            assert_eq!(store.api_token_person("t1").await.unwrap(), None, "{backend}: revoked");
            store
                .create_api_token(p.id, "t2", "old", Duration::seconds(-5))
                .await
                .unwrap();
            assert_eq!(store.api_token_person("t2").await.unwrap(), None, "{backend}: expired");

            let policy = ThrottlePolicy {
                free_attempts: 3,
                base_delay: Duration::seconds(5),
                max_delay: Duration::minutes(5),
                forget_after: Duration::minutes(15),
            };
            let t = now();
            for i in 0..3 {
                assert_eq!(
                    store
                        .throttle_take("acct:x", &policy, t + Duration::seconds(i))
                        .await
                        .unwrap(),
                    Ok(()),
                    "{backend}: free attempt {i}"
                );
            }
            let until = t + Duration::seconds(2 + 5);
            assert_eq!(
                store
                    .throttle_take("acct:x", &policy, t + Duration::seconds(3))
                    .await
                    .unwrap(),
                Err(until),
                "{backend}: the third attempt started a wait"
            );
            assert_eq!(
                store.throttle_take("ip:y", &policy, t).await.unwrap(),
                Ok(()),
                "{backend}: keys are separate"
            );
            // After the wait, one more attempt goes through; a success gives it back.
            assert_eq!(store.throttle_take("acct:x", &policy, until).await.unwrap(), Ok(()));
            let after = store.throttle_state("acct:x").await.unwrap().unwrap();
            assert_eq!(
                (after.attempts, after.wait_until),
                (4, Some(until + Duration::seconds(10))),
                "{backend}"
            );
            store.throttle_refund("acct:x", &policy).await.unwrap();
            assert_eq!(store.throttle_state("acct:x").await.unwrap().unwrap().attempts, 3);
            store.throttle_clear("acct:x").await.unwrap();
            assert!(store.throttle_state("acct:x").await.unwrap().is_none());
            // Old rows are forgotten; recent ones stay.
            store
                .throttle_take("acct:old", &policy, t - Duration::days(2))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(store.purge_throttle(Duration::days(1)).await.unwrap(), 1, "{backend}");
            assert!(store.throttle_state("ip:y").await.unwrap().is_some());

            // A burst of attempts at once: exactly the free ones go through.
            let shared = std::sync::Arc::new(store);
            let mut burst = tokio::task::JoinSet::new();
            for _ in 0..12 {
                let store = shared.clone();
                burst.spawn(async move { store.throttle_take("acct:burst", &policy, t).await.unwrap() });
            }
            let outcomes = burst.join_all().await;
            let store = shared;
            assert_eq!(
                outcomes.iter().filter(|o| o.is_ok()).count(),
                3,
                "{backend}: {outcomes:?}"
            );
            store.close().await;
            db.cleanup().await;
        }
    }
}
