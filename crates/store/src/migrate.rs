//! Schema migrations: the same file names for both backends, applied in order, each once, each
//! in its own transaction.
//!
//! A migration that has been applied is never edited again: `schema_migrations` records the
//! SHA-256 of each applied file's text, and a database whose recorded checksum differs from the
//! file in this binary is refused before anything runs, since its schema may not be the one
//! this code expects.

use crate::BeginWrite;
use sha2::{Digest, Sha256};

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
    migration!("0004_news"),
    migration!("0005_audit_signature"),
    migration!("0006_review_notified"),
    migration!("0007_site_state"),
    migration!("0008_news_canonical"),
    migration!("0010_report_reopened"),
    migration!("0011_news_search"),
    migration!("0012_incidents"),
    migration!("0013_clarifications"),
    migration!("0014_incident_cases"),
    migration!("0015_lessons"),
    migration!("0016_trainings"),
    migration!("0017_notices"),
    migration!("0018_parents"),
    migration!("0019_webhooks"),
    migration!("0020_notice_addressing"),
    migration!("0021_notice_attachments"),
    migration!("0022_class_representatives"),
    migration!("0023_stories"),
    migration!("0024_public_site"),
];

impl Migration {
    fn sql(&self, backend: &Backend) -> &'static str {
        match backend {
            Backend::Sqlite(_) => self.sqlite,
            Backend::Postgres(_) => self.postgres,
        }
    }
}

/// The SHA-256 of a migration's text, as hexadecimal.
fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// What `migrate` did besides applying migrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// The migrations applied now, in order.
    pub applied: Vec<&'static str>,
    /// Migrations applied by a version that recorded no checksum, whose checksum was recorded now.
    pub checksums_recorded: Vec<String>,
}

impl Store {
    /// Checks the checksums of the migrations applied before (recording those an earlier version
    /// did not record), then applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        on_pool!(self, pool => {
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL, checksum TEXT)",
            )
            .execute(pool)
            .await?;
        });
        self.add_checksum_column().await?;
        let mut report = MigrationReport {
            checksums_recorded: self.check_applied().await?,
            ..Default::default()
        };
        for m in MIGRATIONS {
            let sql = m.sql(&self.backend);
            let done = on_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
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
                    sqlx::query("INSERT INTO schema_migrations (name, applied_at, checksum) VALUES ($1, $2, $3)")
                        .bind(m.name)
                        .bind(crate::format_time(crate::now()))
                        .bind(checksum(sql))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                exists.is_none()
            });
            if done {
                report.applied.push(m.name);
            }
        }
        // Migration 0008 adds the column; its values need Rust (the canonical address).
        let folded = self.backfill_news_canonical_keys().await?;
        if folded > 0 {
            tracing::info!(folded, "duplicate news entries folded into the copy stored first");
        }
        Ok(report)
    }

    /// Versions before checksums made `schema_migrations` without the column.
    async fn add_checksum_column(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let (present,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'",
                )
                .fetch_one(pool)
                .await?;
                if present == 0 {
                    sqlx::query("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
                        .execute(pool)
                        .await?;
                }
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7283001)")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum TEXT")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Refuses a database whose recorded checksum of an applied migration is not the checksum
    /// of the same file in this binary; records the checksums an earlier version left out.
    /// Returns the names whose checksums were recorded now.
    async fn check_applied(&self) -> Result<Vec<String>> {
        let recorded: Vec<(String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT name, checksum FROM schema_migrations ORDER BY name").fetch_all(pool).await?
        });
        let mut filled = Vec::new();
        for (name, recorded) in recorded {
            // A migration this binary does not know comes from a newer version; its file is not
            // here to compare with.
            let Some(m) = MIGRATIONS.iter().find(|m| m.name == name) else {
                continue;
            };
            let expected = checksum(m.sql(&self.backend));
            match recorded {
                Some(recorded) if recorded == expected => {}
                Some(recorded) => {
                    return Err(StoreError::MigrationChanged {
                        name,
                        recorded,
                        expected,
                    });
                }
                None => {
                    let updated = on_pool!(self, pool => {
                        sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE name = $2 AND checksum IS NULL")
                            .bind(&expected)
                            .bind(&name)
                            .execute(pool)
                            .await?
                            .rows_affected()
                    });
                    if updated > 0 {
                        filled.push(name);
                    }
                }
            }
        }
        Ok(filled)
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

    /// Applied migrations are never edited: each file's checksum is pinned here when it is
    /// added, and a database that recorded another text is refused (see below).
    #[test]
    fn merged_migrations_are_frozen() {
        const FROZEN: &[(&str, &str, &str)] = &[
            (
                "0001_foundation",
                "b7da7f7237a2fdf082e6d3692e5f644f4d09e90c83a680b7497f37d00f5b0d1f",
                "191ab9fc7f993bbae1439ef67462ae6d8c1f06b65df664464163b28063325ce4",
            ),
            (
                "0002_yearly_loop",
                "fbf163a3463916515a377dfb27764ddaf1b5a134c186e5988d35a776626fc232",
                "b354c6f2f7ece372815fdb53e72da5ce85b35545fc4b621670c0ebfa918b7897",
            ),
            (
                "0003_supervision",
                "3b5c592707ed60324fbe7fb04257ab1e40de270b3912557929fd81d097eca527",
                "5b24c399db45cc856d78c8c22bfca7df54518eb0c4f4d4090ab1faa5fa3a5d0b",
            ),
            (
                "0004_news",
                "11109fa066f77cc442427ecd3e0a11293639e66a038ff7d99afcaf1a8ba6e932",
                "a0477a21ee7bf2f7b1d181493350ba8615e77966a23da7fe3194fe101657fe9c",
            ),
            (
                "0005_audit_signature",
                "42b932397272c840db45e90e9bf5e01e0384ceec462fd2aca1be851136cad35a",
                "42b932397272c840db45e90e9bf5e01e0384ceec462fd2aca1be851136cad35a",
            ),
            (
                "0006_review_notified",
                "054d6b2e754627f27a8fbb6d7f725ef88ff1e2c205896fbcbb066de0c47098e8",
                "054d6b2e754627f27a8fbb6d7f725ef88ff1e2c205896fbcbb066de0c47098e8",
            ),
            (
                "0007_site_state",
                "e2d685561d38fd0c6c30f75bf1f642b20f49c902474bec6ce5889ab769365521",
                "e2d685561d38fd0c6c30f75bf1f642b20f49c902474bec6ce5889ab769365521",
            ),
            (
                "0008_news_canonical",
                "885c15069911e5382ddd6383d4d6e674a08a96345f61abae9f6777a56992e844",
                "885c15069911e5382ddd6383d4d6e674a08a96345f61abae9f6777a56992e844",
            ),
            (
                "0010_report_reopened",
                "1f77fc44eec5a51362b6986ce29001d3b7de1a8d3cd7f15bfb87c48db2f26d02",
                "ac72c139ed851291489f2afc4c9368859794dc9bddee842a6c219f6536003552",
            ),
            (
                "0011_news_search",
                "727b1596c4f0636b02c7d6b68c8342873b949d825cd1908a7afb36ad203b76ad",
                "95b5af014b725716eac6ba51468390be0589264191d380545ed50fe6bc88061a",
            ),
            (
                "0012_incidents",
                "2f84c92307fea01935f6fd01f6469856302bfc843a86b78c09b343445b07a0e5",
                "5904424a154bd350d6c27bfa5bd8a35178d70e94fdaa9ed187c949f448941e89",
            ),
            (
                "0013_clarifications",
                "2fb14cef7926f6843c8eea80dd557c71d9bd0c95952c3c311409609354ff3e94",
                "57113c71c37b2ef20e4faa0b16a4627de823f7caf1fa78061973504e5642f31e",
            ),
            (
                "0014_incident_cases",
                "0a8d246e5680dd4d4e651dd088a7bd87d45bad84f1fcb3cfe633fb6d371c04f7",
                "2ad372be3ce1c4b8200bf38bc3d18ea832799a310678dca0604b68363345cdc7",
            ),
            (
                "0015_lessons",
                "abdf4f0ffa47dd7389b438f24b4e43cf5fa5ec471be26b737b99808b5d2f8d9c",
                "60c345f731d550d564229274cafad2bfb144a7c756f304ef42b058134bcd8364",
            ),
            (
                "0016_trainings",
                "5c57aec1ca1c67d9f9d4c8413b5bce228efce70cd54c99854d596ccf742ebf9b",
                "0c1c55a0d00035957657898a4df18669086630b35b4adda5c03ca148f765843e",
            ),
            (
                "0017_notices",
                "f4e26903a4a14b6e20ed05eb9cfd75635870157e2dccc1e0af72d7803813e985",
                "cea58a2a0f280ff1fc9afba14d6b3cada75cf85c9a4aafc92151dee1324be0ae",
            ),
            (
                "0018_parents",
                "9ea690988442f07f0744cd1ba22cee22e76726a449ab7509a7c3548c2ff425f9",
                "f1268bb983ec5fccd08d9abeab64d2df48cf3b933f8c5e13debfdbab3b2f91c1",
            ),
            (
                "0019_webhooks",
                "a666f14cf9e6b189213cc407288ebdda1cea929e0befbde5987e3c80a9d14b09",
                "28b707d0d2c55a120e883a0ac5aa3e8ce41be7aa29746a416b9156f847af6fba",
            ),
            (
                "0020_notice_addressing",
                "30fa9784cc2bbf2d39d5128e89158decb9f8d5411fc04309a16bb48e691dd335",
                "30fa9784cc2bbf2d39d5128e89158decb9f8d5411fc04309a16bb48e691dd335",
            ),
            (
                "0021_notice_attachments",
                "5ba5fa0fd11ccae361355f2b64163f6e5ffa3b75ac6c50146457c3954283ebc9",
                "44e6192d61da853b7e8ea6a166264160b4010382318b0f01e402d2c39ab430f5",
            ),
            (
                "0022_class_representatives",
                "9da7d703fdba93a26dfd32f3562072b4c5b54d79f80120ac86d4285f3d90b93b",
                "9da7d703fdba93a26dfd32f3562072b4c5b54d79f80120ac86d4285f3d90b93b",
            ),
            (
                "0023_stories",
                "c7fe84cdf5bc785927578332ed98c1f841327673e6e5f69e576fc870abfb4ded",
                "ed82b1c70bb7abd6e7e731105d5d5283ca0503208e79fe00a5a785de88bf39ab",
            ),
            (
                "0024_public_site",
                "a3d43ba050645421fdbf40783bb5569955f68fdfce9eef2f7bc072784e0111de",
                "0dd34de7a7ccb91ccd2ed9197ab5412ec2f3a44ae2d420e1d03bc4604f12e110",
            ),
        ];
        for (name, sqlite, postgres) in FROZEN {
            let m = MIGRATIONS.iter().find(|m| m.name == *name).expect(name);
            assert_eq!(checksum(m.sqlite), *sqlite, "{name} (sqlite) was edited after merging");
            assert_eq!(
                checksum(m.postgres),
                *postgres,
                "{name} (postgres) was edited after merging"
            );
        }
        assert_eq!(
            FROZEN.len(),
            MIGRATIONS.len(),
            "pin the checksums of a new migration here"
        );
    }

    async fn checksums(store: &Store) -> Vec<(String, Option<String>)> {
        on_pool!(store, pool => sqlx::query_as("SELECT name, checksum FROM schema_migrations ORDER BY name")
            .fetch_all(pool)
            .await
            .unwrap())
    }

    fn expected(store: &Store) -> Vec<(String, Option<String>)> {
        MIGRATIONS
            .iter()
            .map(|m| (m.name.to_string(), Some(checksum(m.sql(&store.backend)))))
            .collect()
    }

    #[tokio::test]
    async fn fresh_databases_record_checksums_and_a_changed_one_is_refused() {
        for backend in crate::test_support::backends() {
            let db = crate::test_support::TestDb::new(backend).await.unwrap();
            let store = db.connect().await.unwrap();
            let report = store.migrate().await.unwrap();
            assert_eq!(report.applied.len(), MIGRATIONS.len(), "{backend}");
            assert!(report.checksums_recorded.is_empty(), "{backend}");
            assert_eq!(checksums(&store).await, expected(&store), "{backend}");
            assert_eq!(
                store.migrate().await.unwrap(),
                MigrationReport::default(),
                "{backend}: again"
            );
            assert!(store.is_migrated().await.unwrap());

            store
                .execute_raw_for_tests(
                    "UPDATE schema_migrations SET checksum = 'abc123' WHERE name = '0002_yearly_loop'",
                )
                .await
                .unwrap();
            let err = store.migrate().await.unwrap_err();
            assert!(
                matches!(&err, StoreError::MigrationChanged { name, recorded, .. } if name == "0002_yearly_loop" && recorded == "abc123"),
                "{backend}: {err:?}"
            );
            let message = err.to_string();
            for part in [
                "Migration 0002_yearly_loop đã bị sửa",
                "migration checksum mismatch: 0002_yearly_loop",
            ] {
                assert!(message.contains(part), "{backend}: {message}");
            }
            store.close().await;
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn an_upgraded_database_gets_its_checksums_filled_in() {
        for backend in crate::test_support::backends() {
            let db = crate::test_support::TestDb::new(backend).await.unwrap();
            let store = db.connect().await.unwrap();
            // As the version before checksums left it: its table without the column, and the
            // migrations of that time applied.
            store
                .execute_raw_for_tests(
                    "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                )
                .await
                .unwrap();
            let old = &MIGRATIONS[..4];
            for m in old {
                store.execute_raw_for_tests(m.sql(&store.backend)).await.unwrap();
                store
                    .execute_raw_for_tests(&format!(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES ('{}', '2026-11-01T00:00:00Z')",
                        m.name
                    ))
                    .await
                    .unwrap();
            }
            let report = store.migrate().await.unwrap();
            assert_eq!(
                report.checksums_recorded,
                old.iter().map(|m| m.name.to_string()).collect::<Vec<_>>(),
                "{backend}"
            );
            assert_eq!(
                report.applied,
                MIGRATIONS[4..].iter().map(|m| m.name).collect::<Vec<_>>(),
                "{backend}"
            );
            assert_eq!(checksums(&store).await, expected(&store), "{backend}");

            // A row left without one (as by an interrupted upgrade) is filled in too.
            store
                .execute_raw_for_tests("UPDATE schema_migrations SET checksum = NULL WHERE name = '0003_supervision'")
                .await
                .unwrap();
            assert_eq!(
                store.migrate().await.unwrap().checksums_recorded,
                vec!["0003_supervision".to_string()],
                "{backend}"
            );
            assert_eq!(checksums(&store).await, expected(&store), "{backend}");
            store.close().await;
            db.cleanup().await;
        }
    }

    /// 0010 rebuilds the SQLite report tables to let a report be "reopened": reports, their
    /// values and their history survive it with their keys, the foreign keys still cascade, the
    /// indexes are back, and a report reopened before is now in the reopened state.
    #[tokio::test]
    async fn the_reopened_state_upgrade_keeps_reports_values_history_and_keys() {
        use lanhmang_domain::plan::{PlanContent, PlanHeader};
        use lanhmang_domain::plan_template::BUILTIN;
        use lanhmang_domain::report::{IndicatorValue, ReportEvent, ReportStatus, Value};
        use lanhmang_domain::unit::UnitInput;
        for backend in crate::test_support::backends() {
            let db = crate::test_support::TestDb::new(backend).await.unwrap();
            let store = db.connect().await.unwrap();
            store
                .execute_raw_for_tests(
                    "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL, checksum TEXT)",
                )
                .await
                .unwrap();
            let upgrade = MIGRATIONS
                .iter()
                .position(|m| m.name == "0010_report_reopened")
                .unwrap();
            for m in &MIGRATIONS[..upgrade] {
                store.execute_raw_for_tests(m.sql(&store.backend)).await.unwrap();
                store
                    .execute_raw_for_tests(&format!(
                        "INSERT INTO schema_migrations (name, applied_at, checksum) VALUES ('{}', '2026-12-01T00:00:00Z', '{}')",
                        m.name,
                        checksum(m.sql(&store.backend))
                    ))
                    .await
                    .unwrap();
            }
            // As the server does at start: the fresh chain's head is signed before anything appends.
            store.secure_audit_head().await.unwrap();
            let ctx = crate::AuditContext::system("test");
            let unit = |code: &str, kind: &str| {
                UnitInput {
                    code: code.into(),
                    name: format!("Đơn vị {code}"),
                    kind: kind.into(),
                    school_level: if kind == "truong" { "th".into() } else { String::new() },
                    ..Default::default()
                }
                .parse()
                .unwrap()
            };
            let office = store.create_unit(&ctx, None, &unit("P", "phong")).await.unwrap();
            let mut schools = Vec::new();
            for code in ["A", "B", "C"] {
                schools.push(
                    store
                        .create_unit(&ctx, Some(office.id), &unit(code, "truong"))
                        .await
                        .unwrap(),
                );
            }
            let header = PlanHeader::parse("Kế hoạch", "2026-2027", "2027-06-01", "").unwrap();
            let plan = store
                .create_plan(
                    &ctx,
                    office.id,
                    &header,
                    "builtin",
                    &PlanContent::from_template(&BUILTIN),
                )
                .await
                .unwrap();
            let plan = store
                .publish_plan(&ctx, plan.id, None, &Default::default())
                .await
                .unwrap();
            let values = std::collections::BTreeMap::from([(
                "s1_4_talks".to_string(),
                IndicatorValue {
                    value: Some(Value::Number(1.0)),
                    computed: Some(1.0),
                    override_reason: String::new(),
                },
            )]);
            let step = |r: crate::reports::Report, e: ReportEvent| {
                let (store, ctx, plan) = (&store, &ctx, &plan);
                async move {
                    store
                        .transition_report(
                            ctx,
                            plan,
                            &r,
                            r.version,
                            e,
                            "Lý do",
                            &Default::default(),
                            "Đã báo cho A.",
                        )
                        .await
                        .unwrap()
                }
            };
            // A: accepted, then reopened as the old code stored it (returned, last step reopened).
            let a = store
                .ensure_report(&ctx, plan.id, schools[0].id, &values)
                .await
                .unwrap();
            let a = step(a, ReportEvent::Submit).await;
            let a = step(a, ReportEvent::Accept).await;
            store
                .execute_raw_for_tests(&format!(
                    "UPDATE reports SET status = 'returned' WHERE id = {id}; \
                     INSERT INTO report_events (report_id, at, actor, event, comment, notified) \
                     VALUES ({id}, '2027-07-01T00:00:00Z', 'office', 'reopened', 'Sai số', 'Đã báo cho A.')",
                    id = a.id
                ))
                .await
                .unwrap();
            // B: returned by the office, and it stays returned.
            let b = store
                .ensure_report(&ctx, plan.id, schools[1].id, &values)
                .await
                .unwrap();
            let b = step(b, ReportEvent::Submit).await;
            let b = step(b, ReportEvent::Return).await;
            let a = store.report(plan.id, schools[0].id).await.unwrap().unwrap();
            let history = (
                store.report_history(a.id).await.unwrap(),
                store.report_history(b.id).await.unwrap(),
            );

            let report = store.migrate().await.unwrap();
            assert_eq!(
                report.applied,
                MIGRATIONS[upgrade..].iter().map(|m| m.name).collect::<Vec<_>>(),
                "{backend}"
            );
            let a2 = store.report(plan.id, schools[0].id).await.unwrap().unwrap();
            let b2 = store.report(plan.id, schools[1].id).await.unwrap().unwrap();
            assert_eq!(a2.status, ReportStatus::Reopened, "{backend}");
            assert_eq!(b2.status, ReportStatus::Returned, "{backend}");
            assert_eq!(
                (a2.id, &a2.values, a2.version),
                (a.id, &a.values, a.version),
                "{backend}"
            );
            assert_eq!((b2.id, &b2.values), (b.id, &b.values), "{backend}");
            assert_eq!(
                (
                    store.report_history(a.id).await.unwrap(),
                    store.report_history(b.id).await.unwrap()
                ),
                history,
                "{backend}: the history with who was told"
            );
            // The reopened report goes on: saved and sent again.
            let a3 = store
                .save_report(&ctx, &a2, a2.version, &Default::default(), &a2.values)
                .await
                .unwrap();
            let a3 = step(a3, ReportEvent::Submit).await;
            assert_eq!(a3.status, ReportStatus::Submitted, "{backend}");
            // New rows take new keys; the status check still refuses nonsense.
            let c = store
                .ensure_report(&ctx, plan.id, schools[2].id, &values)
                .await
                .unwrap();
            assert!(c.id > b.id, "{backend}: the key sequence carried over");
            assert!(
                store
                    .execute_raw_for_tests(&format!("UPDATE reports SET status = 'lost' WHERE id = {}", c.id))
                    .await
                    .is_err(),
                "{backend}: the status check"
            );
            // The foreign keys hold and cascade.
            assert!(
                store
                    .execute_raw_for_tests("INSERT INTO report_values (report_id, indicator) VALUES (987654, 'x')")
                    .await
                    .is_err(),
                "{backend}: values need their report"
            );
            store
                .execute_raw_for_tests(&format!("DELETE FROM reports WHERE id = {}", b.id))
                .await
                .unwrap();
            assert!(
                store.report_history(b.id).await.unwrap().is_empty(),
                "{backend}: cascade"
            );
            let (orphans,): (i64,) = on_pool!(store, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM report_values WHERE report_id = {}", b.id
            ))).fetch_one(pool).await.unwrap());
            assert_eq!(orphans, 0, "{backend}: the values went with their report");
            let indexes = "('reports_plan_status', 'reports_unit', 'report_events_report')";
            let sql = match store.backend {
                Backend::Sqlite(_) => {
                    format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN {indexes}")
                }
                Backend::Postgres(_) => format!("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN {indexes}"),
            };
            let (count,): (i64,) = on_pool!(store, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(pool).await.unwrap());
            assert_eq!(count, 3, "{backend}: the indexes");
            store.close().await;
            db.cleanup().await;
        }
    }

    /// 0011 moves SQLite's search to `news_search` (and logs changes for PostgreSQL's per-process
    /// index): entries stored before it are found after it, by words, scope, topic and press.
    #[tokio::test]
    async fn the_news_search_upgrade_finds_the_entries_stored_before() {
        use crate::news::{NewEntry, NewsFilter, PollOutcome};
        use lanhmang_domain::Paging;
        use lanhmang_domain::unit::UnitInput;
        for backend in crate::test_support::backends() {
            let db = crate::test_support::TestDb::new(backend).await.unwrap();
            let store = db.connect().await.unwrap();
            store
                .execute_raw_for_tests(
                    "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL, checksum TEXT)",
                )
                .await
                .unwrap();
            let upgrade = MIGRATIONS.iter().position(|m| m.name == "0011_news_search").unwrap();
            for m in &MIGRATIONS[..upgrade] {
                store.execute_raw_for_tests(m.sql(&store.backend)).await.unwrap();
                store
                    .execute_raw_for_tests(&format!(
                        "INSERT INTO schema_migrations (name, applied_at, checksum) VALUES ('{}', '2026-12-01T00:00:00Z', '{}')",
                        m.name,
                        checksum(m.sql(&store.backend))
                    ))
                    .await
                    .unwrap();
            }
            store.secure_audit_head().await.unwrap();
            let ctx = crate::AuditContext::system("test");
            let office = UnitInput {
                code: "P".into(),
                name: "Phòng GD&ĐT".into(),
                kind: "phong".into(),
                ..Default::default()
            }
            .parse()
            .unwrap();
            let office = store.create_unit(&ctx, None, &office).await.unwrap();
            let feed = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/giao-duc.rss", "Báo")
                .await
                .unwrap();
            let entry = |title: &str, n: u32| NewEntry {
                title: title.into(),
                url: Some(format!("https://bao.vn/{n}")),
                summary: String::new(),
                published_at: Some(crate::now() - time::Duration::days(i64::from(n))),
            };
            let entries = vec![entry("Cảnh giác lừa đảo qua mạng", 1), entry("Ngày hội đọc sách", 2)];
            store
                .record_news_poll(
                    feed.id,
                    &PollOutcome::Fetched {
                        etag: None,
                        last_modified: None,
                        title: String::new(),
                        entries,
                    },
                )
                .await
                .unwrap();
            let report = store.migrate().await.unwrap();
            assert_eq!(
                report.applied,
                vec![
                    "0011_news_search",
                    "0012_incidents",
                    "0013_clarifications",
                    "0014_incident_cases",
                    "0015_lessons",
                    "0016_trainings",
                    "0017_notices",
                    "0018_parents",
                    "0019_webhooks",
                    "0020_notice_addressing",
                    "0021_notice_attachments",
                    "0022_class_representatives",
                    "0023_stories",
                    "0024_public_site"
                ],
                "{backend}"
            );
            let scams = store
                .news_topics(&[])
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.name == "Lừa đảo trực tuyến")
                .unwrap();
            let search = |query: Option<&str>, roots: Vec<i64>, topic_id: Option<i64>| NewsFilter {
                roots,
                query: query.map(str::to_string),
                topic_id,
                ..Default::default()
            };
            for (filter, expected) in [
                (search(Some("lua dao"), vec![office.id], None), 1),
                (search(Some("\"doc sach\""), vec![], None), 1),
                (search(None, vec![office.id], None), 2),
                (search(None, vec![office.id], Some(scams.id)), 1),
                (search(Some("bong da"), vec![office.id], None), 0),
            ] {
                let (items, total) = store.search_news(&filter, Paging::default()).await.unwrap();
                assert_eq!(
                    (total, items.len() as i64),
                    (expected, expected),
                    "{backend}: {filter:?}"
                );
            }
            store.close().await;
            db.cleanup().await;
        }
    }
}
