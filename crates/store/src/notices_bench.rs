//! The dataset of `bench/notices` (issue 14): one office of thousands of schools, each with
//! hundreds of parents who signed up with their class's invitation, beside the demo's units; and
//! the few queries the benchmark needs besides the application's own (reads marked in bulk, the
//! baseline full count, what the delivery wrote).
//!
//! Not used by the application. The parents are written with the rows `sign_up_parent` writes
//! (the person, their class with the invitation it was joined with, the parent's role at the
//! school, the invitation's count), but in `INSERT … SELECT` over a generated series, a block of
//! schools per transaction, with one password hash for every account, and without the
//! sign-up's audit entries (the measured requests do not read them).

use time::OffsetDateTime;

use crate::bench_data::{Conn, on_conn};
use crate::{Backend, BeginWrite, Result, Store, StoreError, now};

/// The code of the benchmark's office: a database holding it has the dataset.
pub const BENCH_OFFICE_CODE: &str = "BENCH-NOTICES";
/// The office head who sends the notices (the password of the account whose hash was copied).
pub const BENCH_SENDER: &str = "bench.notices.head";

/// Schools whose parents one transaction writes.
const SCHOOLS_PER_TRANSACTION: i64 = 100;
/// Classes of every school: grades 1 to 5, A to D.
const CLASSES: i64 = 20;

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticesBenchOffice {
    pub office_id: i64,
    pub schools: i64,
    pub parents: i64,
}

/// What the delivery of one notice wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeDelivered {
    pub recipients: i64,
    pub undelivered: i64,
    pub notifications: i64,
    pub mails: i64,
}

impl Store {
    /// Adds the benchmark's office below the first department, `schools` primary schools in it
    /// and `parents_per_school` parents in each (half with an e-mail address, half with a phone
    /// only), every one in one of the school's 20 classes, joined with its invitation; and the
    /// office head `BENCH_SENDER`. Every account gets the password hash of `hash_of` (an
    /// existing account). `progress` is told after every block of schools.
    pub async fn generate_notices_bench(
        &self,
        schools: i64,
        parents_per_school: i64,
        hash_of: &str,
        progress: &mut dyn FnMut(&str),
    ) -> Result<NoticesBenchOffice> {
        let at = now();
        let mut conn = self.bulk_connection().await?;
        let sqlite = matches!(conn, Conn::Sqlite(_));
        let result: Result<NoticesBenchOffice> = on_conn!(&mut conn, c => {
            let hash: Option<(Option<String>,)> = sqlx::query_as("SELECT password_hash FROM people WHERE username = $1")
                .bind(hash_of)
                .fetch_optional(&mut *c)
                .await?;
            let hash = hash.and_then(|h| h.0).ok_or(StoreError::NotFound("tài khoản mẫu"))?;
            let department: Option<(i64, String)> =
                sqlx::query_as("SELECT id, path FROM units WHERE kind = 'department' ORDER BY id LIMIT 1")
                    .fetch_optional(&mut *c)
                    .await?;
            let (department, department_path) = department.ok_or(StoreError::NotFound("sở"))?;
            let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM units WHERE code = $1")
                .bind(BENCH_OFFICE_CODE)
                .fetch_optional(&mut *c)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("{BENCH_OFFICE_CODE} already exists")));
            }
            // Each id is only known after its row is written; SQLite and PostgreSQL pad it
            // differently.
            let path_sql = if sqlite {
                "UPDATE units SET path = $1 || printf('%012d', id) || '/' WHERE "
            } else {
                "UPDATE units SET path = $1 || lpad(id::text, 12, '0') || '/' WHERE "
            };
            let mut tx = sqlx::Connection::begin(&mut *c).await?;
            let (office,): (i64,) = sqlx::query_as(
                "INSERT INTO units (parent_id, path, code, name, name_folded, kind, status, created_at, updated_at) \
                 VALUES ($1, '', $2, 'Phòng Văn hóa - Xã hội (bench thông báo)', 'phong van hoa - xa hoi (bench thong bao)', \
                 'office', 'active', $3, $3) RETURNING id",
            )
            .bind(department)
            .bind(BENCH_OFFICE_CODE)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("{path_sql}id = $2")))
                .bind(&department_path)
                .bind(office)
                .execute(&mut *tx)
                .await?;
            let (office_path,): (String,) = sqlx::query_as("SELECT path FROM units WHERE id = $1")
                .bind(office)
                .fetch_one(&mut *tx)
                .await?;
            let (head,): (i64,) = sqlx::query_as(
                "INSERT INTO people (unit_id, username, display_name, name_folded, email, password_hash, \
                 must_change_password, disabled, created_at, updated_at) \
                 VALUES ($1, $2, 'Trưởng phòng (bench)', 'truong phong (bench)', 'bench.notices.head@bench.test', $3, \
                 FALSE, FALSE, $4, $4) RETURNING id",
            )
            .bind(office)
            .bind(BENCH_SENDER)
            .bind(&hash)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO role_grants (person_id, role, unit_id, created_at) VALUES ($1, 'office_head', $2, $3)")
                .bind(head)
                .bind(office)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "WITH RECURSIVE s(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM s WHERE i < $1) \
                 INSERT INTO units (parent_id, path, code, name, name_folded, kind, school_level, status, created_at, updated_at) \
                 SELECT $2, '', 'BN-' || CAST(i AS TEXT), 'Trường Tiểu học Bench ' || CAST(i AS TEXT), \
                 'truong tieu hoc bench ' || CAST(i AS TEXT), 'school', 'primary', 'active', $3, $3 FROM s ORDER BY i",
            )
            .bind(schools)
            .bind(office)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("{path_sql}parent_id = $2")))
                .bind(&office_path)
                .bind(office)
                .execute(&mut *tx)
                .await?;
            // The invitations the parents joined with: one per class, valid a year.
            sqlx::query(
                "WITH RECURSIVE k(c) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT c + 1 FROM k WHERE c < $1 - 1) \
                 INSERT INTO class_invitations (unit_id, class_name, grade, code, created_by, created_at, expires_at, joined) \
                 SELECT u.id, CAST(1 + c / 4 AS TEXT) || substr('ABCD', CAST(1 + c % 4 AS INTEGER), 1), 1 + c / 4, \
                 'BN' || CAST(u.id AS TEXT) || '-' || CAST(c AS TEXT), NULL, $2, $3, 0 \
                 FROM units u CROSS JOIN k WHERE u.parent_id = $4 ORDER BY u.id, c",
            )
            .bind(CLASSES)
            .bind(at)
            .bind(at + time::Duration::days(365))
            .bind(office)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM units WHERE parent_id = $1 ORDER BY id")
                .bind(office)
                .fetch_all(&mut *c)
                .await?;
            let ids: Vec<i64> = ids.into_iter().map(|r| r.0).collect();
            let mut parents = 0i64;
            for block in ids.chunks(SCHOOLS_PER_TRANSACTION as usize) {
                let (Some(first), Some(last)) = (block.first(), block.last()) else { continue };
                let mut tx = sqlx::Connection::begin(&mut *c).await?;
                let added = sqlx::query(
                    "WITH RECURSIVE s(j) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT j + 1 FROM s WHERE j < $1 - 1) \
                     INSERT INTO people (unit_id, username, display_name, name_folded, email, phone, password_hash, \
                     must_change_password, disabled, created_at, updated_at) \
                     SELECT u.id, 'ph' || CAST(u.id AS TEXT) || '.' || CAST(j AS TEXT), \
                     'Phụ huynh ' || CAST(u.id AS TEXT) || '.' || CAST(j AS TEXT), \
                     'phu huynh ' || CAST(u.id AS TEXT) || '.' || CAST(j AS TEXT), \
                     CASE WHEN j % 2 = 0 THEN 'ph' || CAST(u.id AS TEXT) || '.' || CAST(j AS TEXT) || '@bench.test' END, \
                     CASE WHEN j % 2 = 1 THEN '09' || CAST(10000000 + u.id * 1000 + j AS TEXT) END, \
                     $2, FALSE, FALSE, $3, $3 \
                     FROM units u CROSS JOIN s WHERE u.parent_id = $4 AND u.id >= $5 AND u.id <= $6 ORDER BY u.id, j",
                )
                .bind(parents_per_school)
                .bind(&hash)
                .bind(at)
                .bind(office)
                .bind(first)
                .bind(last)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query(
                    "INSERT INTO parent_classes (person_id, unit_id, class_name, grade, invitation_id, joined_at) \
                     SELECT p.id, p.unit_id, i.class_name, i.grade, i.id, $1 FROM people p JOIN class_invitations i \
                     ON i.code = 'BN' || CAST(p.unit_id AS TEXT) || '-' || CAST(p.id % $2 AS TEXT) \
                     WHERE p.unit_id >= $3 AND p.unit_id <= $4 AND p.unit_id IN (SELECT id FROM units WHERE parent_id = $5) \
                     ORDER BY p.id",
                )
                .bind(at)
                .bind(CLASSES)
                .bind(first)
                .bind(last)
                .bind(office)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO role_grants (person_id, role, unit_id, created_at) \
                     SELECT p.id, 'parent', p.unit_id, $1 FROM people p \
                     WHERE p.unit_id >= $2 AND p.unit_id <= $3 AND p.unit_id IN (SELECT id FROM units WHERE parent_id = $4) \
                     ORDER BY p.id",
                )
                .bind(at)
                .bind(first)
                .bind(last)
                .bind(office)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE class_invitations SET joined = (SELECT COUNT(*) FROM parent_classes c \
                     WHERE c.unit_id = class_invitations.unit_id AND c.class_name = class_invitations.class_name) \
                     WHERE unit_id >= $1 AND unit_id <= $2 AND unit_id IN (SELECT id FROM units WHERE parent_id = $3)",
                )
                .bind(first)
                .bind(last)
                .bind(office)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                parents += i64::try_from(added).unwrap_or(i64::MAX);
                progress(&format!("{parents} parents"));
            }
            Ok(NoticesBenchOffice {
                office_id: office,
                schools: ids.len() as i64,
                parents,
            })
        });
        let office = result?;
        Store::finish_bulk_load(conn, "bench_notices_dataset", format!("{schools}x{parents_per_school}")).await?;
        Ok(office)
    }

    /// Marks `read_percent` of a notice's recipients read and `ack_percent` acknowledged (by
    /// person id: an acknowledged one has read it too), and sets the counts the application
    /// keeps from them, as if each had opened it.
    pub async fn bench_mark_read(&self, notice_id: i64, read_percent: i64, ack_percent: i64) -> Result<()> {
        let at: OffsetDateTime = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE notice_recipients SET read_at = $1 WHERE notice_id = $2 AND read_at IS NULL AND person_id % 100 < $3")
                .bind(at)
                .bind(notice_id)
                .bind(read_percent)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE notice_recipients SET acknowledged_at = $1 \
                 WHERE notice_id = $2 AND acknowledged_at IS NULL AND person_id % 100 < $3",
            )
            .bind(at)
            .bind(notice_id)
            .bind(ack_percent.min(read_percent))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE notice_units SET \
                 read_count = (SELECT COUNT(r.read_at) FROM notice_recipients r WHERE r.notice_id = notice_units.notice_id AND r.unit_id = notice_units.unit_id), \
                 ack_count = (SELECT COUNT(r.acknowledged_at) FROM notice_recipients r WHERE r.notice_id = notice_units.notice_id AND r.unit_id = notice_units.unit_id) \
                 WHERE notice_id = $1",
            )
            .bind(notice_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE notices SET \
                 read_count = (SELECT COALESCE(SUM(read_count), 0) FROM notice_units WHERE notice_id = $1), \
                 ack_count = (SELECT COALESCE(SUM(ack_count), 0) FROM notice_units WHERE notice_id = $1) WHERE id = $1",
            )
            .bind(notice_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The baseline: the sender's counts (per unit: addressed, read, acknowledged) computed the
    /// naive way, by counting the recipients. Gives the units and the three totals.
    pub async fn bench_full_count(&self, notice_id: i64) -> Result<(usize, i64, i64, i64)> {
        let rows: Vec<(i64, i64, i64, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT unit_id, COUNT(*), COUNT(read_at), COUNT(acknowledged_at) FROM notice_recipients \
             WHERE notice_id = $1 GROUP BY unit_id",
        )
        .bind(notice_id)
        .fetch_all(pool)
        .await?);
        let total = |f: fn(&(i64, i64, i64, i64)) -> i64| rows.iter().map(f).sum::<i64>();
        Ok((rows.len(), total(|r| r.1), total(|r| r.2), total(|r| r.3)))
    }

    /// Recipients of a notice not yet told (the delivery job's work left).
    pub async fn bench_undelivered(&self, notice_id: i64) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1 AND delivered_at IS NULL",
        )
        .bind(notice_id)
        .fetch_one(pool)
        .await?);
        Ok(n)
    }

    /// What the delivery of a notice wrote: its recipients, those not yet told, the
    /// notifications and the mails queued for it.
    pub async fn bench_notice_delivered(&self, notice_id: i64) -> Result<NoticeDelivered> {
        let dedup = format!("notice:{notice_id}:%");
        let link = format!("/van-ban/{notice_id}");
        let (recipients, undelivered, notifications, mails): (i64, i64, i64, i64) = on_pool!(self, pool => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1), \
             (SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1 AND delivered_at IS NULL), \
             (SELECT COUNT(*) FROM notifications WHERE kind = 'notice' AND link = $2), \
             (SELECT COUNT(*) FROM outbox WHERE reason = 'notice' AND dedup_key LIKE $3)",
        )
        .bind(notice_id)
        .bind(link)
        .bind(dedup)
        .fetch_one(pool)
        .await?);
        Ok(NoticeDelivered {
            recipients,
            undelivered,
            notifications,
            mails,
        })
    }

    /// The query plan of a statement, one line per step, for the report of a slow one.
    pub async fn bench_explain(&self, sql: &str, binds: &[i64]) -> Result<Vec<String>> {
        let explain = match &self.backend {
            Backend::Sqlite(_) => format!("EXPLAIN QUERY PLAN {sql}"),
            Backend::Postgres(_) => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
        };
        Ok(on_pool!(self, pool => {
            use sqlx::Row;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(explain.as_str()));
            for b in binds {
                q = q.bind(*b);
            }
            let rows = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(match &self.backend {
                    Backend::Sqlite(_) => row.try_get::<String, _>(3)?,
                    Backend::Postgres(_) => row.try_get::<String, _>(0)?,
                });
            }
            out
        }))
    }
}
