//! The organisation tree.

use crate::BeginWrite;
use std::collections::HashMap;

use lanhmang_domain::text::fold_vi;
use lanhmang_domain::unit::UnitFields;
use lanhmang_domain::units_import::{ExistingUnit, ImportRow};
use lanhmang_domain::{Paging, SchoolLevel, UnitKind, UnitStatus};
use time::OffsetDateTime;

use crate::{AuditContext, Result, Store, StoreError, like_escape, now, parse_path};

/// Inserts a unit and sets its path inside the open transaction `$tx`; evaluates to the new id.
macro_rules! insert_unit_in_tx {
    ($tx:expr, $parent_id:expr, $parent_path:expr, $fields:expr, $at:expr) => {{
        let f: &UnitFields = $fields;
        let parent_path: &str = $parent_path;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO units (parent_id, path, code, name, name_folded, kind, school_level, status, address, websites, created_at, updated_at) \
             VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind($parent_id)
        .bind(f.code.as_str())
        .bind(&f.name)
        .bind(fold_vi(&f.name))
        .bind(f.kind.as_str())
        .bind(f.school_level.map(SchoolLevel::as_str))
        .bind(f.status.as_str())
        .bind(&f.address)
        .bind(f.websites.join("\n"))
        .bind($at)
        .fetch_one(&mut *$tx)
        .await
        .map_err(|e| unique_to_conflict(e, "Mã đơn vị đã được dùng cho đơn vị khác."))?;
        sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
            .bind(child_path(parent_path, id))
            .bind(id)
            .execute(&mut *$tx)
            .await?;
        id
    }};
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// Ancestry, root first, ending with this unit's id.
    pub ancestry: Vec<i64>,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub school_level: Option<SchoolLevel>,
    pub status: UnitStatus,
    pub address: String,
    pub websites: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    code: String,
    name: String,
    kind: String,
    school_level: Option<String>,
    status: String,
    address: String,
    websites: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

pub(crate) const UNIT_COLUMNS: &str = "u.id, u.parent_id, u.path, u.code, u.name, u.kind, u.school_level, u.status, u.address, u.websites, u.created_at, u.updated_at";

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;
    fn try_from(r: UnitRow) -> Result<Unit> {
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("unit {}: {what} '{v}'", r.id));
        Ok(Unit {
            id: r.id,
            parent_id: r.parent_id,
            ancestry: parse_path(&r.path),
            kind: UnitKind::parse(&r.kind).ok_or_else(|| corrupt("kind", &r.kind))?,
            school_level: match &r.school_level {
                Some(l) => Some(SchoolLevel::parse(l).ok_or_else(|| corrupt("school_level", l))?),
                None => None,
            },
            status: UnitStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            websites: r
                .websites
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            code: r.code,
            name: r.name,
            address: r.address,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Filters for unit lists.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Matched against the folded name and the code, diacritics ignored.
    pub query: Option<String>,
    pub kind: Option<UnitKind>,
    pub school_level: Option<SchoolLevel>,
    pub status: Option<UnitStatus>,
}

/// How many units of a kind, level and status are in a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCount {
    pub kind: UnitKind,
    pub school_level: Option<SchoolLevel>,
    pub status: UnitStatus,
    pub count: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

/// A child's ancestry path. Ids are zero-padded so that ordering by path lists siblings in
/// creation order (unpadded, '/10/' would sort before '/3/').
fn child_path(parent_path: &str, id: i64) -> String {
    format!("{parent_path}{id:012}/")
}

/// `(sql, binds)`: a condition true for units inside the subtrees of `roots`.
fn scope_condition(roots: &[i64], first_placeholder: usize) -> String {
    if roots.is_empty() {
        return "1 = 0".to_string();
    }
    let list: Vec<String> = (0..roots.len())
        .map(|i| format!("${}", first_placeholder + i))
        .collect();
    format!(
        "EXISTS (SELECT 1 FROM units r WHERE r.id IN ({}) AND substr(u.path, 1, length(r.path)) = r.path)",
        list.join(", ")
    )
}

impl Store {
    pub async fn unit(&self, id: i64) -> Result<Option<Unit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u WHERE u.id = $1");
        let row: Option<UnitRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        row.map(Unit::try_from).transpose()
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Option<Unit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u WHERE u.code = $1");
        let row: Option<UnitRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code).fetch_optional(pool).await?);
        row.map(Unit::try_from).transpose()
    }

    pub async fn units_by_ids(&self, ids: &[i64]) -> Result<Vec<Unit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u WHERE u.id IN ({}) ORDER BY u.path",
            list.join(", ")
        );
        let rows: Vec<UnitRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(Unit::try_from).collect()
    }

    /// Every active school below `root` (the root itself excluded), in tree order.
    pub async fn active_schools_under(&self, root: i64) -> Result<Vec<Unit>> {
        let Some(root) = self.unit(root).await? else {
            return Ok(Vec::new());
        };
        let (low, high) = crate::path_range_of(&root.ancestry);
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u WHERE u.path > $1 AND u.path < $2 \
             AND u.kind = 'school' AND u.status = 'active' ORDER BY u.path"
        );
        let rows: Vec<UnitRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&low).bind(&high).fetch_all(pool).await?);
        rows.into_iter().map(Unit::try_from).collect()
    }

    /// Active schools under `roots` (and under `within`, the plan's reach) that have no enabled
    /// principal account, so nothing the office sends them reaches anyone: the first `limit` by
    /// tree position, and how many there are.
    pub async fn schools_without_principal(
        &self,
        within: &[i64],
        roots: &[i64],
        limit: i64,
    ) -> Result<(Vec<Unit>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let (reach_low, reach_high) = crate::path_range_of(within);
        let (scope, binds) = crate::range_condition("u.path", &ranges, 3);
        let base = format!(
            "FROM units u WHERE u.kind = 'school' AND u.status = 'active' AND u.path >= $1 AND u.path < $2 AND {scope} \
             AND NOT EXISTS (SELECT 1 FROM role_grants g JOIN people p ON p.id = g.person_id \
             WHERE g.unit_id = u.id AND g.role = 'principal' AND NOT p.disabled)"
        );
        let count_sql = format!("SELECT COUNT(*) {base}");
        let list_sql = format!("SELECT {UNIT_COLUMNS} {base} ORDER BY u.path LIMIT {}", limit.max(0));
        let (total, rows): ((i64,), Vec<UnitRow>) = on_pool!(self, pool => {
            let mut count = sqlx::query_as(sqlx::AssertSqlSafe(count_sql.as_str())).bind(&reach_low).bind(&reach_high);
            let mut list = sqlx::query_as(sqlx::AssertSqlSafe(list_sql.as_str())).bind(&reach_low).bind(&reach_high);
            for b in &binds {
                count = count.bind(b);
                list = list.bind(b);
            }
            (count.fetch_one(pool).await?, list.fetch_all(pool).await?)
        });
        Ok((rows.into_iter().map(Unit::try_from).collect::<Result<_>>()?, total.0))
    }

    pub async fn count_units(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, pool => sqlx::query_as("SELECT COUNT(*) FROM units").fetch_one(pool).await?);
        Ok(n)
    }

    /// Units inside the subtrees of `roots`, filtered and paginated, ordered by tree position.
    pub async fn list_units(&self, roots: &[i64], filter: &UnitFilter, paging: Paging) -> Result<(Vec<Unit>, i64)> {
        let mut conditions = vec![scope_condition(roots, 1)];
        let mut texts: Vec<String> = Vec::new();
        let mut next = roots.len() + 1;
        if let Some(q) = filter.query.as_deref().map(fold_vi).filter(|q| !q.is_empty()) {
            conditions.push(format!(
                "(u.name_folded LIKE ${next} ESCAPE '\\' OR lower(u.code) LIKE ${next} ESCAPE '\\')"
            ));
            texts.push(format!("%{}%", like_escape(&q)));
            next += 1;
        }
        for (column, value) in [
            ("kind", filter.kind.map(UnitKind::as_str)),
            ("school_level", filter.school_level.map(SchoolLevel::as_str)),
            ("status", filter.status.map(UnitStatus::as_str)),
        ] {
            if let Some(v) = value {
                conditions.push(format!("u.{column} = ${next}"));
                texts.push(v.to_string());
                next += 1;
            }
        }
        let where_clause = conditions.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) FROM units u WHERE {where_clause}");
        let list_sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u WHERE {where_clause} ORDER BY u.path LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let (rows, total): (Vec<UnitRow>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, UnitRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            for id in roots {
                count = count.bind(*id);
                list = list.bind(*id);
            }
            for t in &texts {
                count = count.bind(t.clone());
                list = list.bind(t.clone());
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        Ok((rows.into_iter().map(Unit::try_from).collect::<Result<_>>()?, total))
    }

    /// Counts by kind, school level and status inside the subtrees of `roots`.
    pub async fn unit_counts(&self, roots: &[i64]) -> Result<Vec<UnitCount>> {
        let sql = format!(
            "SELECT u.kind, u.school_level, u.status, COUNT(*) FROM units u WHERE {} \
             GROUP BY u.kind, u.school_level, u.status ORDER BY u.kind, u.school_level, u.status",
            scope_condition(roots, 1)
        );
        let rows: Vec<(String, Option<String>, String, i64)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in roots {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(kind, level, status, count)| {
                Ok(UnitCount {
                    kind: UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind}")))?,
                    school_level: level.as_deref().and_then(SchoolLevel::parse),
                    status: UnitStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                    count,
                })
            })
            .collect()
    }

    /// Creates a unit under `parent_id` (None: a new root), with its audit entry.
    pub async fn create_unit(&self, ctx: &AuditContext, parent_id: Option<i64>, f: &UnitFields) -> Result<Unit> {
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let parent_path: String = match parent_id {
                Some(pid) => {
                    let row: Option<(String, String)> = sqlx::query_as("SELECT path, kind FROM units WHERE id = $1")
                        .bind(pid)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match row {
                        Some((_, kind)) if kind == "school" => {
                            return Err(StoreError::Conflict("Trường học không thể có đơn vị cấp dưới.".into()))
                        }
                        Some((path, _)) => path,
                        None => return Err(StoreError::NotFound("đơn vị cấp trên")),
                    }
                }
                None => "/".to_string(),
            };
            let id = insert_unit_in_tx!(tx, parent_id, &parent_path, f, now());
            audit_in_tx!(self, tx, ctx, "unit.create", format!("unit:{id}"), format!("{} {}", f.code, f.name));
            tx.commit().await?;
            id
        });
        self.unit(id).await?.ok_or(StoreError::NotFound("đơn vị"))
    }

    /// Updates a unit's fields, with its audit entry. The parent does not change here.
    pub async fn update_unit(&self, ctx: &AuditContext, id: i64, f: &UnitFields) -> Result<Unit> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let children: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM units WHERE parent_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if f.kind == UnitKind::School && children.0 > 0 {
                return Err(StoreError::Conflict("Đơn vị đang có đơn vị cấp dưới nên không thể là trường học.".into()));
            }
            let done = sqlx::query(
                "UPDATE units SET code = $1, name = $2, name_folded = $3, kind = $4, school_level = $5, status = $6, \
                 address = $7, websites = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(f.code.as_str())
            .bind(&f.name)
            .bind(fold_vi(&f.name))
            .bind(f.kind.as_str())
            .bind(f.school_level.map(SchoolLevel::as_str))
            .bind(f.status.as_str())
            .bind(&f.address)
            .bind(f.websites.join("\n"))
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_to_conflict(e, "Mã đơn vị đã được dùng cho đơn vị khác."))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("đơn vị"));
            }
            audit_in_tx!(self, tx, ctx, "unit.update", format!("unit:{id}"), format!("{} {} ({})", f.code, f.name, f.status.as_str()));
            tx.commit().await?;
        });
        self.unit(id).await?.ok_or(StoreError::NotFound("đơn vị"))
    }

    /// The school's staff and pupils, when the office recorded them; `None` when either is unknown.
    pub async fn school_size(&self, unit_id: i64) -> Result<Option<u32>> {
        let row: Option<(Option<i64>, Option<i64>)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT staff_count, pupil_count FROM units WHERE id = $1",
        ).bind(unit_id).fetch_optional(pool).await?);
        Ok(match row {
            Some((Some(staff), Some(pupils))) => u32::try_from(staff + pupils).ok(),
            _ => None,
        })
    }

    /// Records a school's size (staff and pupils), with its audit entry.
    pub async fn set_school_size(
        &self,
        ctx: &AuditContext,
        unit_id: i64,
        staff: Option<u32>,
        pupils: Option<u32>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE units SET staff_count = $1, pupil_count = $2, updated_at = $3 WHERE id = $4")
                .bind(staff.map(i64::from))
                .bind(pupils.map(i64::from))
                .bind(now())
                .bind(unit_id)
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(self, tx, ctx, "unit.size", format!("unit:{unit_id}"), format!("{staff:?}/{pupils:?}"));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every unit's code, kind and parent code, as the import checks need them.
    pub async fn unit_links(&self) -> Result<HashMap<String, ExistingUnit>> {
        let rows: Vec<(String, String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT u.code, u.kind, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(code, kind, parent_code)| {
                let kind = UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind}")))?;
                Ok((code, ExistingUnit { kind, parent_code }))
            })
            .collect()
    }

    /// Writes a checked import in one transaction: all rows or none. Rows come parents first.
    pub async fn import_units(&self, ctx: &AuditContext, rows: &[ImportRow], source: &str) -> Result<ImportSummary> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut summary = ImportSummary::default();
            let t = now();
            for r in rows {
                let f = &r.fields;
                let parent: Option<(i64, String)> = match &r.parent_code {
                    Some(pc) => {
                        let found: Option<(i64, String)> = sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                            .bind(pc.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                        Some(found.ok_or_else(|| StoreError::Conflict(format!("dòng {}: không có đơn vị cấp trên {pc}", r.row)))?)
                    }
                    None => None,
                };
                let existing: Option<(i64, String)> = sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                    .bind(f.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let parent_id = parent.as_ref().map(|p| p.0);
                let parent_path = parent.as_ref().map(|p| p.1.clone()).unwrap_or_else(|| "/".to_string());
                match existing {
                    Some((id, old_path)) => {
                        let new_path = child_path(&parent_path, id);
                        sqlx::query(
                            "UPDATE units SET parent_id = $1, name = $2, name_folded = $3, kind = $4, school_level = $5, \
                             status = $6, address = $7, websites = $8, updated_at = $9 WHERE id = $10",
                        )
                        .bind(parent_id)
                        .bind(&f.name)
                        .bind(fold_vi(&f.name))
                        .bind(f.kind.as_str())
                        .bind(f.school_level.map(SchoolLevel::as_str))
                        .bind(f.status.as_str())
                        .bind(&f.address)
                        .bind(f.websites.join("\n"))
                        .bind(t)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        if new_path != old_path {
                            // Moving a unit moves its whole subtree.
                            sqlx::query(
                                "UPDATE units SET path = $1 || substr(path, length($2) + 1) \
                                 WHERE substr(path, 1, length($2)) = $2",
                            )
                            .bind(&new_path)
                            .bind(&old_path)
                            .execute(&mut *tx)
                            .await?;
                            // These keep a copy of their unit's path (their lists and who
                            // sees them): they move with it.
                            for table in PATH_COPIES {
                                let sql = format!(
                                    "UPDATE {table} SET unit_path = $1 || substr(unit_path, length($2) + 1) \
                                     WHERE substr(unit_path, 1, length($2)) = $2"
                                );
                                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                                    .bind(&new_path)
                                    .bind(&old_path)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                        summary.updated += 1;
                    }
                    None => {
                        insert_unit_in_tx!(tx, parent_id, &parent_path, f, t);
                        summary.created += 1;
                    }
                }
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                "unit.import",
                source.to_string(),
                format!("{} tạo mới, {} cập nhật", summary.created, summary.updated)
            );
            tx.commit().await?;
            Ok(summary)
        })
    }
}

/// Turns a unique-constraint violation into a conflict with a message users can act on.
/// The tables that keep a copy of their unit's path, rewritten when a unit moves.
const PATH_COPIES: [&str; 6] = [
    "sites",
    "incidents",
    "clarifications",
    "lessons",
    "trainings",
    "notices",
];

pub(crate) fn unique_to_conflict(e: sqlx::Error, message: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message.to_string()),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use lanhmang_domain::unit::UnitInput;
    use lanhmang_domain::units_import::{plan_import, read_table};

    use super::*;
    use crate::test_support::{TestDb, both_backends};

    fn fields(code: &str, name: &str, kind: &str, level: &str) -> UnitFields {
        UnitInput {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            school_level: level.into(),
            ..Default::default()
        }
        .parse()
        .unwrap()
    }

    both_backends!(tree_scope_search_and_counts_on_every_backend);
    async fn tree_scope_search_and_counts_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let dept = store
                .create_unit(&ctx, None, &fields("S", "Sở Giáo dục", "so", ""))
                .await
                .unwrap();
            let office = store
                .create_unit(&ctx, Some(dept.id), &fields("P", "Phòng Văn hóa", "phong", ""))
                .await
                .unwrap();
            let a = store
                .create_unit(
                    &ctx,
                    Some(office.id),
                    &fields("A", "Trường Tiểu học Đống Đa", "truong", "th"),
                )
                .await
                .unwrap();
            let other = store
                .create_unit(&ctx, Some(dept.id), &fields("Q", "Phòng khác", "phong", ""))
                .await
                .unwrap();
            store
                .create_unit(&ctx, Some(other.id), &fields("B", "Trường THCS Bắc", "truong", "thcs"))
                .await
                .unwrap();
            assert_eq!(a.ancestry, vec![dept.id, office.id, a.id], "{backend}");

            let (units, total) = store
                .list_units(&[office.id], &UnitFilter::default(), Paging::default())
                .await
                .unwrap();
            assert_eq!(total, 2, "{backend}");
            assert_eq!(
                units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
                vec!["P", "A"]
            );

            let search = UnitFilter {
                query: Some("dong da".into()),
                ..Default::default()
            };
            let (found, _) = store.list_units(&[dept.id], &search, Paging::default()).await.unwrap();
            assert_eq!(found.len(), 1, "{backend}: diacritic-insensitive search");
            let wildcard = UnitFilter {
                query: Some("%".into()),
                ..Default::default()
            };
            assert_eq!(
                store
                    .list_units(&[dept.id], &wildcard, Paging::default())
                    .await
                    .unwrap()
                    .1,
                0,
                "{backend}"
            );

            let page = Paging { page: 2, per_page: 2 };
            let (second, total) = store
                .list_units(&[dept.id], &UnitFilter::default(), page)
                .await
                .unwrap();
            assert_eq!((second.len(), total), (2, 5), "{backend}");
            assert!(
                store
                    .list_units(&[], &UnitFilter::default(), page)
                    .await
                    .unwrap()
                    .0
                    .is_empty()
            );

            let counts = store.unit_counts(&[dept.id]).await.unwrap();
            let schools: i64 = counts
                .iter()
                .filter(|c| c.kind == UnitKind::School)
                .map(|c| c.count)
                .sum();
            assert_eq!(schools, 2, "{backend}");

            let dup = store
                .create_unit(&ctx, Some(dept.id), &fields("A", "Trùng mã", "khac", ""))
                .await;
            assert!(matches!(dup, Err(StoreError::Conflict(_))), "{backend}: {dup:?}");
            let under_school = store
                .create_unit(&ctx, Some(a.id), &fields("Z", "Dưới trường", "khac", ""))
                .await;
            assert!(matches!(under_school, Err(StoreError::Conflict(_))), "{backend}");
            assert_eq!(store.count_units().await.unwrap(), 5);
            store.close().await;
            db.cleanup().await;
        }
    }

    both_backends!(import_creates_updates_and_moves_subtrees);
    async fn import_creates_updates_and_moves_subtrees(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let csv = "code,name,kind,parent_code,school_level\nS,Sở,so,,\nP1,Phòng 1,phong,S,\nP2,Phòng 2,phong,S,\nT1,Trường 1,truong,P1,THCS\n";
            let rows = plan_import(&read_table(csv.as_bytes()).unwrap(), &HashMap::new()).unwrap();
            let s = store.import_units(&ctx, &rows, "test.csv").await.unwrap();
            assert_eq!(s, ImportSummary { created: 4, updated: 0 }, "{backend}");

            // A notice of P1 keeps a copy of its path: it moves with P1.
            let p1 = store.unit_by_code("P1").await.unwrap().unwrap();
            store
                .execute_raw_for_tests(&format!(
                    "INSERT INTO notices (unit_id, unit_path, title, body, audience, recipients, created_at) \
                     VALUES ({}, '{}', 't', 'b', '{{}}', 0, '2026-01-01T00:00:00Z')",
                    p1.id,
                    crate::path_of(&p1.ancestry)
                ))
                .await
                .unwrap();
            // Move P1 (with T1 below it) under P2.
            let csv2 = "code,name,kind,parent_code\nP1,Phòng 1 mới,phong,P2\n";
            let rows2 = plan_import(
                &read_table(csv2.as_bytes()).unwrap(),
                &store.unit_links().await.unwrap(),
            )
            .unwrap();
            let s2 = store.import_units(&ctx, &rows2, "test2.csv").await.unwrap();
            assert_eq!(s2, ImportSummary { created: 0, updated: 1 }, "{backend}");
            let p2 = store.unit_by_code("P2").await.unwrap().unwrap();
            let t1 = store.unit_by_code("T1").await.unwrap().unwrap();
            let p1 = store.unit_by_code("P1").await.unwrap().unwrap();
            assert_eq!(p1.name, "Phòng 1 mới");
            assert_eq!(t1.ancestry, vec![p2.ancestry[0], p2.id, p1.id, t1.id], "{backend}");
            let moved = store
                .execute_raw_for_tests(&format!(
                    "UPDATE notices SET title = title WHERE unit_path = '{}'",
                    crate::path_of(&p1.ancestry)
                ))
                .await
                .unwrap();
            assert_eq!(moved, 1, "{backend}: the notice's path moved with its unit");
            store.close().await;
            db.cleanup().await;
        }
    }
}
