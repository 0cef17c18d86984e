//! People, their accounts and the roles they hold.

use crate::BeginWrite;
use lanhmang_domain::person::PersonFields;
use lanhmang_domain::text::fold_vi;
use lanhmang_domain::{Grant, Paging, Role};
use time::OffsetDateTime;

use crate::units::unique_to_conflict;
use crate::{AuditContext, Result, Store, StoreError, like_escape, now};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Person {
    pub id: i64,
    pub unit_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub has_password: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    id: i64,
    unit_id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    phone: Option<String>,
    must_change_password: bool,
    disabled: bool,
    has_password: bool,
    created_at: OffsetDateTime,
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Person {
        Person {
            id: r.id,
            unit_id: r.unit_id,
            username: r.username,
            display_name: r.display_name,
            email: r.email,
            phone: r.phone,
            must_change_password: r.must_change_password,
            disabled: r.disabled,
            has_password: r.has_password,
            created_at: r.created_at,
        }
    }
}

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.unit_id, p.username, p.display_name, p.email, p.phone, p.must_change_password, \
     p.disabled, (p.password_hash IS NOT NULL) AS has_password, p.created_at";

/// A role held in a unit, with the unit's name for display.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoleGrant {
    pub id: i64,
    pub person_id: i64,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    /// The unit has no parent (where system administration is held).
    pub at_root: bool,
}

impl RoleGrant {
    pub fn as_grant(&self) -> Grant {
        Grant {
            role: self.role,
            unit_id: self.unit_id,
            at_root: self.at_root,
        }
    }
}

/// A person whose only roles are a parent's (`p` is the person).
const PARENT_ONLY: &str = "EXISTS (SELECT 1 FROM role_grants pg WHERE pg.person_id = p.id AND pg.role = 'parent') \
     AND NOT EXISTS (SELECT 1 FROM role_grants sg WHERE sg.person_id = p.id AND sg.role <> 'parent')";

impl Store {
    pub async fn person(&self, id: i64) -> Result<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = $1");
        let row: Option<PersonRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row.map(Person::from))
    }

    pub async fn person_by_username(&self, username: &str) -> Result<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.username = $1");
        let row: Option<PersonRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(username).fetch_optional(pool).await?);
        Ok(row.map(Person::from))
    }

    /// The person and stored password hash for a login attempt.
    pub async fn credentials(&self, username: &str) -> Result<Option<(Person, Option<String>)>> {
        let sql = format!("SELECT {PERSON_COLUMNS}, p.password_hash FROM people p WHERE p.username = $1");
        let row = on_pool!(self, pool => {
            use sqlx::Row;
            match sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(username).fetch_optional(pool).await? {
                Some(row) => {
                    let hash: Option<String> = row.try_get("password_hash")?;
                    let person = <PersonRow as sqlx::FromRow<_>>::from_row(&row)?;
                    Some((Person::from(person), hash))
                }
                None => None,
            }
        });
        Ok(row)
    }

    pub async fn count_people(&self) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, pool => sqlx::query_as("SELECT COUNT(*) FROM people").fetch_one(pool).await?);
        Ok(n)
    }

    /// People whose home unit is inside the subtrees of `roots`, paginated, by name.
    pub async fn list_people(&self, roots: &[i64], query: Option<&str>, paging: Paging) -> Result<(Vec<Person>, i64)> {
        if roots.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let list: Vec<String> = (1..=roots.len()).map(|i| format!("${i}")).collect();
        // Parents are the school's families, listed under their classes, not among its people.
        let mut where_clause = format!(
            "EXISTS (SELECT 1 FROM units u JOIN units r ON substr(u.path, 1, length(r.path)) = r.path \
             WHERE u.id = p.unit_id AND r.id IN ({})) AND NOT ({PARENT_ONLY})",
            list.join(", ")
        );
        let mut next = roots.len() + 1;
        let pattern = query
            .map(fold_vi)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", like_escape(&q)));
        if pattern.is_some() {
            where_clause.push_str(&format!(
                " AND (p.name_folded LIKE ${next} ESCAPE '\\' OR p.username LIKE ${next} ESCAPE '\\')"
            ));
            next += 1;
        }
        let count_sql = format!("SELECT COUNT(*) FROM people p WHERE {where_clause}");
        let list_sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people p WHERE {where_clause} ORDER BY p.name_folded, p.id LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let (rows, total): (Vec<PersonRow>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            for id in roots {
                count = count.bind(*id);
                list = list.bind(*id);
            }
            if let Some(p) = &pattern {
                count = count.bind(p.clone());
                list = list.bind(p.clone());
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        Ok((rows.into_iter().map(Person::from).collect(), total))
    }

    /// Creates a person in `unit_id`. `password_hash` None means the account cannot sign in
    /// until an administrator sets a password.
    pub async fn create_person(
        &self,
        ctx: &AuditContext,
        unit_id: i64,
        f: &PersonFields,
        password_hash: Option<&str>,
        must_change_password: bool,
    ) -> Result<Person> {
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let t = now();
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO people (unit_id, username, display_name, name_folded, email, phone, password_hash, \
                 must_change_password, disabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, $9, $9) RETURNING id",
            )
            .bind(unit_id)
            .bind(&f.username)
            .bind(&f.display_name)
            .bind(fold_vi(&f.display_name))
            .bind(&f.email)
            .bind(&f.phone)
            .bind(password_hash)
            .bind(must_change_password)
            .bind(t)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| unique_to_conflict(e, "Tên đăng nhập này đã có người dùng."))?;
            let (unit_name,): (String,) =
                sqlx::query_as("SELECT name FROM units WHERE id = $1").bind(unit_id).fetch_one(&mut *tx).await?;
            audit_in_tx!(self, tx, ctx, "person.create", format!("person:{id}"), format!("{} ({}) tại {unit_name}", f.username, f.display_name));
            tx.commit().await?;
            id
        });
        self.person(id).await?.ok_or(StoreError::NotFound("người dùng"))
    }

    /// Updates name, e-mail and phone (the username stays).
    pub async fn update_person(&self, ctx: &AuditContext, id: i64, f: &PersonFields) -> Result<Person> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE people SET display_name = $1, name_folded = $2, email = $3, phone = $4, updated_at = $5 WHERE id = $6",
            )
            .bind(&f.display_name)
            .bind(fold_vi(&f.display_name))
            .bind(&f.email)
            .bind(&f.phone)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("người dùng"));
            }
            audit_in_tx!(self, tx, ctx, "person.update", format!("person:{id}"), String::new());
            tx.commit().await?;
        });
        self.person(id).await?.ok_or(StoreError::NotFound("người dùng"))
    }

    /// Sets a new password hash. Every session and API token of the person ends, except the
    /// session `keep_session` (the one that made the change, if any).
    pub async fn set_password(
        &self,
        ctx: &AuditContext,
        person_id: i64,
        password_hash: &str,
        must_change_password: bool,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let action = if ctx.actor_id == Some(person_id) {
            "password.change"
        } else {
            "password.reset"
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE people SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
                .bind(password_hash)
                .bind(must_change_password)
                .bind(now())
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("người dùng"));
            }
            sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2")
                .bind(person_id)
                .bind(keep_session.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            audit_in_tx!(self, tx, ctx, action, format!("person:{person_id}"), String::new());
            tx.commit().await?;
        });
        Ok(())
    }

    /// Disables or re-enables an account. Disabling ends its sessions and revokes its tokens.
    pub async fn set_disabled(&self, ctx: &AuditContext, person_id: i64, disabled: bool) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE people SET disabled = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(now())
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("người dùng"));
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL")
                    .bind(now())
                    .bind(person_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let action = if disabled { "person.disable" } else { "person.enable" };
            audit_in_tx!(self, tx, ctx, action, format!("person:{person_id}"), String::new());
            tx.commit().await?;
        });
        Ok(())
    }

    /// The roles a person holds, with unit names.
    pub async fn grants_of(&self, person_id: i64) -> Result<Vec<RoleGrant>> {
        self.grants_of_many(&[person_id]).await
    }

    /// The roles of many people at once (one query for a page of a list).
    pub async fn grants_of_many(&self, person_ids: &[i64]) -> Result<Vec<RoleGrant>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=person_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT g.id, g.person_id, g.role, g.unit_id, u.name, (u.parent_id IS NULL) AS at_root \
             FROM role_grants g JOIN units u ON u.id = g.unit_id \
             WHERE g.person_id IN ({}) ORDER BY g.person_id, g.id",
            list.join(", ")
        );
        let rows: Vec<(i64, i64, String, i64, String, bool)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in person_ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(id, person_id, role, unit_id, unit_name, at_root)| {
                let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?;
                Ok(RoleGrant {
                    id,
                    person_id,
                    role,
                    unit_id,
                    unit_name,
                    at_root,
                })
            })
            .collect()
    }

    /// The names of many people at once (who did what, on a page of history).
    pub async fn display_names(&self, person_ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        let mut ids = person_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT id, display_name FROM people WHERE id IN ({})", list.join(", "));
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
    }

    pub async fn grant(&self, grant_id: i64) -> Result<Option<RoleGrant>> {
        let row: Option<(i64,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT person_id FROM role_grants WHERE id = $1").bind(grant_id).fetch_optional(pool).await?
        });
        match row {
            Some((person_id,)) => Ok(self.grants_of(person_id).await?.into_iter().find(|g| g.id == grant_id)),
            None => Ok(None),
        }
    }

    /// Grants `role` in `unit_id`; granting a role already held is a no-op.
    pub async fn grant_role(&self, ctx: &AuditContext, person_id: i64, role: Role, unit_id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO role_grants (person_id, role, unit_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (person_id, role, unit_id) DO NOTHING",
            )
            .bind(person_id)
            .bind(role.as_str())
            .bind(unit_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() > 0 {
                let (unit_name,): (String,) =
                    sqlx::query_as("SELECT name FROM units WHERE id = $1").bind(unit_id).fetch_one(&mut *tx).await?;
                audit_in_tx!(self, tx, ctx, "role.grant", format!("person:{person_id}"), format!("{} tại {unit_name}", role.label()));
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn revoke_role(&self, ctx: &AuditContext, grant: &RoleGrant) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("DELETE FROM role_grants WHERE id = $1").bind(grant.id).execute(&mut *tx).await?;
            if done.rows_affected() > 0 {
                audit_in_tx!(
                    self,
                    tx,
                    ctx,
                    "role.revoke",
                    format!("person:{}", grant.person_id),
                    format!("{} tại {}", grant.role.label(), grant.unit_name)
                );
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Enabled people holding one of `roles` in a unit of the subtrees of `roots`, each once,
    /// by name: whom a training for those roles there invites.
    pub async fn people_with_roles_under(&self, roots: &[i64], roles: &[Role]) -> Result<Vec<Person>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let ranges = self.subtree_ranges(roots).await?;
        let (in_scope, binds) = crate::range_condition("u.path", &ranges, roles.len() + 1);
        let role_list: Vec<String> = (1..=roles.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people p WHERE p.disabled = FALSE AND p.id IN (\
             SELECT g.person_id FROM role_grants g JOIN units u ON u.id = g.unit_id \
             WHERE g.role IN ({}) AND {in_scope}) ORDER BY p.name_folded, p.id",
            role_list.join(", ")
        );
        let rows: Vec<PersonRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for r in roles {
                q = q.bind(r.as_str());
            }
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// Enabled people invited to a training, by name: whom its changes and cancellation tell.
    pub async fn people_invited_to_training(&self, training_id: i64) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people p JOIN training_invitations i ON i.person_id = p.id \
             WHERE i.training_id = $1 AND p.disabled = FALSE ORDER BY p.name_folded, p.id"
        );
        let rows: Vec<PersonRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(training_id).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// Enabled website administrators of the units in the subtrees of `roots` whose websites
    /// have findings nobody has acted on yet (open or acknowledged): whom a training for T1.5
    /// invites.
    pub async fn webadmins_with_open_findings_under(&self, roots: &[i64]) -> Result<Vec<Person>> {
        let ranges = self.subtree_ranges(roots).await?;
        let (in_scope, binds) = crate::range_condition("u.path", &ranges, 1);
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people p WHERE p.disabled = FALSE AND p.id IN (\
             SELECT g.person_id FROM role_grants g JOIN units u ON u.id = g.unit_id \
             WHERE g.role = 'website_admin' AND {in_scope} AND EXISTS (SELECT 1 FROM sites s \
             JOIN site_findings f ON f.site_id = s.id WHERE s.unit_id = g.unit_id AND f.state IN ('open', 'acknowledged'))) \
             ORDER BY p.name_folded, p.id"
        );
        let rows: Vec<PersonRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// People holding a role, with their grants, for one unit's page.
    pub async fn people_with_roles_in_unit(&self, unit_id: i64) -> Result<Vec<(Person, Role)>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS}, g.role FROM role_grants g JOIN people p ON p.id = g.person_id \
             WHERE g.unit_id = $1 AND g.role <> 'parent' ORDER BY g.role, p.name_folded"
        );
        let rows = on_pool!(self, pool => {
            use sqlx::Row;
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(unit_id).fetch_all(pool).await? {
                let role: String = row.try_get("role")?;
                let person = <PersonRow as sqlx::FromRow<_>>::from_row(&row)?;
                out.push((Person::from(person), role));
            }
            out
        });
        rows.into_iter()
            .map(|(p, role)| {
                Ok((
                    p,
                    Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use lanhmang_domain::person::PersonInput;
    use lanhmang_domain::unit::UnitInput;

    use super::*;
    use crate::test_support::{TestDb, both_backends};

    both_backends!(people_roles_and_scope_on_every_backend);
    async fn people_roles_and_scope_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let unit = |code: &str, kind: &str, level: &str| {
                UnitInput {
                    code: code.into(),
                    name: format!("Đơn vị {code}"),
                    kind: kind.into(),
                    school_level: level.into(),
                    ..Default::default()
                }
                .parse()
                .unwrap()
            };
            let office = store.create_unit(&ctx, None, &unit("P", "phong", "")).await.unwrap();
            let school = store
                .create_unit(&ctx, Some(office.id), &unit("T", "truong", "th"))
                .await
                .unwrap();
            let other = store.create_unit(&ctx, None, &unit("Q", "phong", "")).await.unwrap();
            let person = |u: &str, n: &str| {
                PersonInput {
                    username: u.into(),
                    display_name: n.into(),
                    ..Default::default()
                }
                .parse()
                .unwrap()
            };
            let a = store
                .create_person(&ctx, school.id, &person("nguyen.a", "Nguyễn Văn Ân"), Some("h"), false)
                .await
                .unwrap();
            store
                .create_person(&ctx, other.id, &person("tran.b", "Trần Thị Bình"), None, false)
                .await
                .unwrap();
            let dup = store
                .create_person(&ctx, school.id, &person("nguyen.a", "Khác"), None, false)
                .await;
            assert!(matches!(dup, Err(StoreError::Conflict(_))), "{backend}");

            let (in_office, total) = store.list_people(&[office.id], None, Paging::default()).await.unwrap();
            assert_eq!((in_office.len(), total), (1, 1), "{backend}");
            assert_eq!(
                store
                    .list_people(&[office.id, other.id], Some("binh"), Paging::default())
                    .await
                    .unwrap()
                    .1,
                1
            );

            store.grant_role(&ctx, a.id, Role::Principal, school.id).await.unwrap();
            store.grant_role(&ctx, a.id, Role::Principal, school.id).await.unwrap();
            let grants = store.grants_of(a.id).await.unwrap();
            assert_eq!(grants.len(), 1, "{backend}: granting twice is one grant");
            assert_eq!(store.people_with_roles_in_unit(school.id).await.unwrap().len(), 1);
            store.revoke_role(&ctx, &grants[0]).await.unwrap();
            assert!(store.grants_of(a.id).await.unwrap().is_empty());

            let (p, hash) = store.credentials("nguyen.a").await.unwrap().unwrap();
            assert_eq!((p.id, hash.as_deref()), (a.id, Some("h")));
            store.set_disabled(&ctx, a.id, true).await.unwrap();
            assert!(store.person(a.id).await.unwrap().unwrap().disabled);
            // Each change above left exactly one audit entry, and the chain holds.
            let report = store.verify_audit_chain().await.unwrap();
            assert_eq!(report.first_broken, None, "{backend}");
            assert_eq!(report.entries, 3 + 2 + 1 + 1 + 1, "{backend}");
            store.close().await;
            db.cleanup().await;
        }
    }
}
