//! Schema migrations: the same file names for both backends, applied in order, each once, each
//! in its own transaction.

use crate::{Backend, Result, Store, StoreError};

struct Migration {
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        Migration {
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!("0001_foundation"),
    migration!("0002_yearly_loop"),
    migration!("0003_supervision"),
];

impl Store {
    /// Applies every migration not yet applied. Returns the names applied now.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        on_pool!(self, pool => {
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
                .execute(pool)
                .await?;
        });
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            let sql = match self.backend {
                Backend::Sqlite(_) => m.sqlite,
                Backend::Postgres(_) => m.postgres,
            };
            let done = on_pool!(self, pool => {
                let mut tx = pool.begin().await?;
                if matches!(self.backend, Backend::Postgres(_)) {
                    // Two processes starting at once must not both apply the same migration.
                    sqlx::query("SELECT pg_advisory_xact_lock(7283001)").execute(&mut *tx).await?;
                }
                let exists: Option<(String,)> = sqlx::query_as("SELECT name FROM schema_migrations WHERE name = $1")
                    .bind(m.name)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(|e| {
                        StoreError::Corrupt(format!("migration {} failed: {e}", m.name))
                    })?;
                    sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
                        .bind(m.name)
                        .bind(crate::format_time(crate::now()))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                exists.is_none()
            });
            if done {
                applied.push(m.name);
            }
        }
        Ok(applied)
    }

    /// Whether the database holds Lành Mạng's schema at the current version.
    pub async fn is_migrated(&self) -> Result<bool> {
        let count: i64 = on_pool!(self, pool => {
            match sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM schema_migrations").fetch_one(pool).await {
                Ok((n,)) => n,
                Err(_) => 0,
            }
        });
        Ok(count == MIGRATIONS.len() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each backend's folder holds the same file names, and every file is in `MIGRATIONS`.
    #[test]
    fn migrations_are_paired_and_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |backend: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir.join(backend))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let sqlite = names("sqlite");
        assert_eq!(sqlite, names("postgres"));
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| format!("{}.sql", m.name)).collect();
        assert_eq!(sqlite, listed);
    }
}
