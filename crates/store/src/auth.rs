//! Sessions, API tokens and login throttling. Tokens are stored only as SHA-256 hashes: a
//! copy of the database does not let anyone sign in.

use time::{Duration, OffsetDateTime};

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

    /// The latest time until which any of `keys` is blocked, if one is blocked now.
    pub async fn throttle_blocked(&self, keys: &[&str]) -> Result<Option<OffsetDateTime>> {
        let t = now();
        let mut latest: Option<OffsetDateTime> = None;
        for key in keys {
            let row: Option<(Option<OffsetDateTime>,)> = on_pool!(self, pool => {
                sqlx::query_as("SELECT blocked_until FROM login_throttle WHERE key = $1 AND blocked_until > $2")
                    .bind(*key)
                    .bind(t)
                    .fetch_optional(pool)
                    .await?
            });
            if let Some((Some(until),)) = row {
                latest = Some(latest.map_or(until, |l: OffsetDateTime| l.max(until)));
            }
        }
        Ok(latest)
    }

    /// Counts a failure for `key` within a sliding `window`; at `limit` failures the key is
    /// blocked for `block`. Returns the block's end when this failure started one.
    pub async fn throttle_failure(
        &self,
        key: &str,
        limit: i64,
        window: Duration,
        block: Duration,
    ) -> Result<Option<OffsetDateTime>> {
        let t = now();
        let failures: i64 = on_pool!(self, pool => {
            let (failures,): (i64,) = sqlx::query_as(
                "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until) VALUES ($1, 1, $2, NULL) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN login_throttle.window_started_at <= $3 THEN 1 ELSE login_throttle.failures + 1 END, \
                   window_started_at = CASE WHEN login_throttle.window_started_at <= $3 THEN $2 ELSE login_throttle.window_started_at END \
                 RETURNING failures",
            )
            .bind(key)
            .bind(t)
            .bind(t - window)
            .fetch_one(pool)
            .await?;
            failures
        });
        if failures < limit {
            return Ok(None);
        }
        let until = t + block;
        on_pool!(self, pool => {
            // A fresh window starts after the block, so the next failure is counted anew.
            sqlx::query("UPDATE login_throttle SET blocked_until = $1, failures = 0, window_started_at = $1 WHERE key = $2")
                .bind(until)
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(Some(until))
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

            for _ in 0..2 {
                assert_eq!(
                    store
                        .throttle_failure("acct:x", 3, Duration::minutes(15), Duration::minutes(15))
                        .await
                        .unwrap(),
                    None
                );
            }
            assert!(store.throttle_blocked(&["acct:x"]).await.unwrap().is_none());
            let until = store
                .throttle_failure("acct:x", 3, Duration::minutes(15), Duration::minutes(15))
                .await
                .unwrap();
            assert!(until.is_some(), "{backend}");
            assert_eq!(store.throttle_blocked(&["ip:y", "acct:x"]).await.unwrap(), until);
            store.throttle_clear("acct:x").await.unwrap();
            assert!(store.throttle_blocked(&["acct:x"]).await.unwrap().is_none());
            store.close().await;
            db.cleanup().await;
        }
    }
}
