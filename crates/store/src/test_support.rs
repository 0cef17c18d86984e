//! Fresh databases for tests, on SQLite and on PostgreSQL.
//!
//! PostgreSQL is used when `LANHMANG_TEST_POSTGRES_URL` is set (a server URL; each test gets
//! its own new database on it). Under `CI=true` a missing URL is a failure, not a skip.

use std::path::PathBuf;

use crate::{AuditKey, Result, Store, StoreError};

/// A database made for one test; dropped (on PostgreSQL) by [`TestDb::cleanup`].
pub struct TestDb {
    pub url: String,
    /// The audit key file: one for all tests (see [`shared_audit_key_file`]).
    pub audit_key_file: PathBuf,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile_dir::Dir>,
}

/// The audit key file every test database and every test run of the binary use, so that a
/// test that starts `lanhmang` on a test database needs no key of its own. Tests of a wrong
/// key pass another file explicitly.
pub fn shared_audit_key_file() -> PathBuf {
    std::env::temp_dir().join("lanhmang-test-audit.key")
}

/// The backends a test must run on: always SQLite, and PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    if postgres_enabled() {
        vec!["sqlite", "postgres"]
    } else {
        vec!["sqlite"]
    }
}

/// Whether PostgreSQL tests run: when `LANHMANG_TEST_POSTGRES_URL` is set. Under `CI=true` a
/// missing URL panics, so CI can never pass by skipping PostgreSQL.
pub fn postgres_enabled() -> bool {
    let pg = std::env::var("LANHMANG_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if pg.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but LANHMANG_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI");
    }
    pg.is_some()
}

/// One test case per backend, so that a failure on one backend never hides the other's result.
///
/// ```ignore
/// both_backends!(reports_round_trip);
/// /// Doc comments stay on the function.
/// async fn reports_round_trip(backend: &'static str) {
///     let (db, store) = TestDb::store(backend).await.unwrap();
///     // …
/// }
/// ```
/// declares `reports_round_trip::sqlite` and `reports_round_trip::postgres` (the latter passes
/// without doing anything when PostgreSQL is not configured, and panics under `CI=true`; see
/// [`postgres_enabled`]). Arguments after the name go to `#[tokio::test(…)]`, for example
/// `both_backends!(name, flavor = "multi_thread", worker_threads = 2);`. Filter with
/// `cargo test name::` or `cargo test ::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident $(, $($tokio:tt)+)?) => {
        mod $name {
            #[tokio::test $(($($tokio)+))?]
            async fn sqlite() {
                super::$name("sqlite").await
            }

            #[tokio::test $(($($tokio)+))?]
            async fn postgres() {
                if $crate::test_support::postgres_enabled() {
                    super::$name("postgres").await
                } else {
                    eprintln!("skipped: LANHMANG_TEST_POSTGRES_URL is not set");
                }
            }
        }
    };
}

pub use crate::both_backends;

impl TestDb {
    /// A new, empty database on `backend` ("sqlite" or "postgres"), not yet migrated.
    /// Its audit key file exists already (see [`TestDb::audit_key`]).
    pub async fn new(backend: &str) -> Result<TestDb> {
        let audit_key_file = shared_audit_key_file();
        crate::audit::load_or_create_audit_key(&audit_key_file)?;
        match backend {
            "sqlite" => {
                let dir = tempfile_dir::Dir::new()?;
                let url = format!("sqlite://{}/lanhmang.db", dir.path());
                Ok(TestDb {
                    url,
                    audit_key_file,
                    admin_url: None,
                    name: None,
                    _dir: Some(dir),
                })
            }
            _ => {
                let admin_url = std::env::var("LANHMANG_TEST_POSTGRES_URL")
                    .map_err(|_| StoreError::BadUrl("LANHMANG_TEST_POSTGRES_URL is not set".into()))?;
                let name = format!("lanhmang_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Store::connect(&admin_url, None).await?;
                on_pool!(admin, pool => {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(pool).await?;
                });
                admin.close().await;
                let mut url = url::Url::parse(&admin_url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
                url.set_path(&name);
                Ok(TestDb {
                    url: url.to_string(),
                    audit_key_file,
                    admin_url: Some(admin_url),
                    name: Some(name),
                    _dir: None,
                })
            }
        }
    }

    /// The key in [`TestDb::audit_key_file`].
    pub fn audit_key(&self) -> Result<AuditKey> {
        Ok(crate::audit::load_or_create_audit_key(&self.audit_key_file)?.0)
    }

    /// A store on this database with its audit key, as the application opens it (not migrated).
    pub async fn connect(&self) -> Result<Store> {
        Store::connect(&self.url, Some(self.audit_key()?)).await
    }

    /// A connected, migrated store on a new database, its audit head signed as at a start.
    pub async fn store(backend: &str) -> Result<(TestDb, Store)> {
        let db = TestDb::new(backend).await?;
        let store = db.connect().await?;
        store.migrate().await?;
        store.secure_audit_head().await?;
        Ok((db, store))
    }

    /// Drops a PostgreSQL test database (SQLite's folder goes with the value).
    pub async fn cleanup(self) {
        if let (Some(admin_url), Some(name)) = (&self.admin_url, &self.name)
            && let Ok(admin) = Store::connect(admin_url, None).await
        {
            on_pool!(admin, pool => {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                // A database left behind is harmless; the next run makes its own.
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await;
            });
            admin.close().await;
        }
    }
}

/// A temporary folder removed on drop, without a dependency for one small need.
mod tempfile_dir {
    pub struct Dir(std::path::PathBuf);

    impl Dir {
        pub fn new() -> crate::Result<Dir> {
            let path = std::env::temp_dir().join(format!("lanhmang-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).map_err(|e| crate::StoreError::Io(e.to_string()))?;
            Ok(Dir(path))
        }

        pub fn path(&self) -> String {
            self.0.display().to_string()
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Store {
    /// Every value of every table, as text, one line per row ("table: v1 | v2 | …"): what a
    /// test searches to prove that something is nowhere in the database any more.
    pub async fn all_values_for_tests(&self) -> Result<String> {
        use sqlx::{Column, Row, TypeInfo};
        let mut out = String::new();
        on_pool!(self, pool => {
            let tables: Vec<(String,)> = match self.backend_name() {
                "sqlite" => sqlx::query_as(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                     AND name NOT LIKE 'news_search%'",
                )
                .fetch_all(pool)
                .await?,
                _ => sqlx::query_as(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_all(pool)
                .await?,
            };
            for (table,) in tables {
                let sql = format!("SELECT * FROM \"{table}\"");
                for row in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await? {
                    let mut values = Vec::new();
                    for (i, column) in row.columns().iter().enumerate() {
                        let kind = column.type_info().name().to_ascii_uppercase();
                        let text = if kind.contains("TEXT") || kind.contains("CHAR") || kind == "NULL" {
                            row.try_get::<Option<String>, _>(i).ok().flatten().unwrap_or_default()
                        } else if kind.contains("BYTEA") || kind.contains("BLOB") {
                            row.try_get::<Option<Vec<u8>>, _>(i)
                                .ok()
                                .flatten()
                                .map(|b| String::from_utf8_lossy(&b).into_owned())
                                .unwrap_or_default()
                        } else {
                            String::new()
                        };
                        values.push(text);
                    }
                    out.push_str(&format!("{table}: {}\n", values.join(" | ")));
                }
            }
        });
        Ok(out)
    }
}
