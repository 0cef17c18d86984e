//! The domain inventory: hosts with their certificate and registration expiry (RDAP lookups).

use lanhmang_domain::paging::Paging;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Result, Store, now, range_condition};

/// A domain of the inventory.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DomainRow {
    pub host: String,
    pub sites: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub cert_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub registration_expires_at: Option<OffsetDateTime>,
    pub registrar: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
    pub check_error: Option<String>,
}

impl Store {
    // ----- Domains -----

    /// The domain inventory of a scope: each host with its sites, certificate and registration.
    pub async fn domain_inventory(&self, roots: &[i64], paging: Paging) -> Result<(Vec<DomainRow>, i64)> {
        let ranges = self.site_scope(roots).await?;
        let (scope, binds) = range_condition("s.unit_path", &ranges, 1);
        let n = binds.len();
        let from = format!("FROM sites s LEFT JOIN domains d ON d.name = s.host WHERE {scope}");
        let list_sql = format!(
            "SELECT s.host, COUNT(*) AS sites, MIN(s.cert_expires_at) AS cert_expires_at, \
             MAX(d.registration_expires_at) AS registration_expires_at, MAX(d.registrar) AS registrar, \
             MAX(d.checked_at) AS checked_at, MAX(d.check_error) AS check_error {from} \
             GROUP BY s.host ORDER BY MIN(COALESCE(s.cert_expires_at, d.registration_expires_at)), s.host LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(DISTINCT s.host) {from}");
        let (rows, total) = on_pool!(self, pool => {
            let mut list = sqlx::query_as::<_, DomainRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            for b in &binds {
                list = list.bind(b);
                count = count.bind(b);
            }
            let rows = list.bind(i64::from(paging.per_page)).bind(paging.offset()).fetch_all(pool).await?;
            let (total,) = count.fetch_one(pool).await?;
            (rows, total)
        });
        Ok((rows, total))
    }

    /// Hosts never looked up, or last looked up before `older_than`.
    pub async fn domains_due_for_lookup(&self, older_than: OffsetDateTime, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT s.host FROM sites s LEFT JOIN domains d ON d.name = s.host \
                 WHERE s.active AND (d.checked_at IS NULL OR d.checked_at < $1) ORDER BY s.host LIMIT $2",
            )
            .bind(older_than)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    pub async fn record_domain_lookup(
        &self,
        host: &str,
        expires: Option<OffsetDateTime>,
        registrar: &str,
        error: &str,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO domains (name, registration_expires_at, registrar, checked_at, check_error) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (name) DO UPDATE SET registration_expires_at = COALESCE(excluded.registration_expires_at, domains.registration_expires_at), \
                 registrar = CASE WHEN excluded.registrar = '' THEN domains.registrar ELSE excluded.registrar END, \
                 checked_at = excluded.checked_at, check_error = excluded.check_error",
            )
            .bind(host)
            .bind(expires)
            .bind(registrar)
            .bind(now())
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
