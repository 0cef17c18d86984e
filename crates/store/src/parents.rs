//! Parents and their classes: a class's invitation codes, the parents who joined with them, and
//! the parent's role at the school, held while they have a class there.
//!
//! Joining is one transaction: the invitation is counted only while it is open (neither
//! revoked nor expired), the account, the role and the class are written together, and a code
//! that stopped working meanwhile writes nothing.

use lanhmang_domain::Role;
use lanhmang_domain::parents::ClassName;
use lanhmang_domain::person::PersonFields;
use lanhmang_domain::text::fold_vi;
use time::OffsetDateTime;

use crate::people::Person;
use crate::units::unique_to_conflict;
use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now};

/// A class's invitation code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Invitation {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub class_name: String,
    pub grade: i64,
    pub code: String,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub joined: i64,
}

impl Invitation {
    /// Whether a parent can still join with it at `at`.
    pub fn open_at(&self, at: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > at
    }
}

const INVITATION_COLUMNS: &str = "i.id, i.unit_id, u.name AS unit_name, i.class_name, i.grade, i.code, i.created_by, \
     i.created_at, i.expires_at, i.revoked_at, i.joined";

/// One of a parent's classes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ParentClass {
    pub person_id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub class_name: String,
    pub grade: i64,
    pub joined_at: OffsetDateTime,
    /// Named by the school as one of the class's parent representatives.
    pub representative: bool,
}

const MEMBER_COLUMNS: &str = "c.person_id, p.display_name, p.email, p.phone, c.unit_id, u.name AS unit_name, \
     c.class_name, c.grade, c.joined_at, c.representative";

/// A class of a school, with how many parents joined it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClassSummary {
    pub class_name: String,
    pub grade: i64,
    pub parents: i64,
}

/// The refusal when a code does not open a class (unknown, revoked or expired): one message for
/// all three, so that guessing learns nothing.
pub const CODE_REFUSED: &str = "Mã mời không đúng hoặc đã hết hạn. Anh/chị hãy xin giáo viên chủ nhiệm mã mới của lớp.";

/// Counts a parent in with the code when it is open, inside the transaction `$tx`; evaluates
/// to the invitation's id, school, class and grade, or None (unknown, revoked or expired).
macro_rules! take_invitation {
    ($tx:expr, $code:expr, $at:expr) => {{
        let row: Option<(i64, i64, String, i64)> = sqlx::query_as(
            "UPDATE class_invitations SET joined = joined + 1 \
             WHERE code = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING id, unit_id, class_name, grade",
        )
        .bind($code)
        .bind($at)
        .fetch_optional(&mut *$tx)
        .await?;
        row
    }};
}

/// Puts a parent in a class inside the transaction `$tx`, with the parent's role at the school;
/// evaluates to whether they were not in it already.
macro_rules! add_to_class {
    ($tx:expr, $person_id:expr, $unit_id:expr, $class_name:expr, $grade:expr, $invitation_id:expr, $at:expr) => {{
        let added = sqlx::query(
            "INSERT INTO parent_classes (person_id, unit_id, class_name, grade, invitation_id, joined_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (person_id, unit_id, class_name) DO NOTHING",
        )
        .bind($person_id)
        .bind($unit_id)
        .bind($class_name)
        .bind($grade)
        .bind($invitation_id)
        .bind($at)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            > 0;
        sqlx::query(
            "INSERT INTO role_grants (person_id, role, unit_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, role, unit_id) DO NOTHING",
        )
        .bind($person_id)
        .bind(Role::Parent.as_str())
        .bind($unit_id)
        .bind($at)
        .execute(&mut *$tx)
        .await?;
        added
    }};
}

impl Store {
    /// A new invitation code for a class of the school `unit_id`, valid until `expires_at`.
    pub async fn create_invitation(
        &self,
        ctx: &AuditContext,
        unit_id: i64,
        class: &ClassName,
        code: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Invitation> {
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO class_invitations (unit_id, class_name, grade, code, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(unit_id)
            .bind(class.as_str())
            .bind(i64::from(class.grade()))
            .bind(code)
            .bind(ctx.actor_id)
            .bind(now())
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| unique_to_conflict(e, "Mã mời vừa tạo trùng một mã đã có; hãy bấm tạo lại."))?;
            audit_in_tx!(self, tx, ctx, "invitation.create", format!("invitation:{id}"), format!("lớp {class}"));
            tx.commit().await?;
            id
        });
        self.invitation(id).await?.ok_or(StoreError::NotFound("mã mời"))
    }

    pub async fn invitation(&self, id: i64) -> Result<Option<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM class_invitations i JOIN units u ON u.id = i.unit_id WHERE i.id = $1"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?),
        )
    }

    /// The invitation with this code, open or not.
    pub async fn invitation_by_code(&self, code: &str) -> Result<Option<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM class_invitations i JOIN units u ON u.id = i.unit_id WHERE i.code = $1"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code).fetch_optional(pool).await?),
        )
    }

    /// A school's invitations, the newest first, and how many there are.
    pub async fn invitations(&self, unit_id: i64, limit: i64, offset: i64) -> Result<(Vec<Invitation>, i64)> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM class_invitations i JOIN units u ON u.id = i.unit_id \
             WHERE i.unit_id = $1 ORDER BY i.id DESC LIMIT $2 OFFSET $3"
        );
        Ok(on_pool!(self, pool => {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(unit_id)
                .bind(limit.clamp(1, crate::notices::MAX_LISTED))
                .bind(offset.max(0))
                .fetch_all(pool)
                .await?;
            let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM class_invitations WHERE unit_id = $1")
                .bind(unit_id)
                .fetch_one(pool)
                .await?;
            (rows, total)
        }))
    }

    /// The newest code of a class that still opens it at `at`.
    pub async fn open_invitation(
        &self,
        unit_id: i64,
        class: &ClassName,
        at: OffsetDateTime,
    ) -> Result<Option<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM class_invitations i JOIN units u ON u.id = i.unit_id \
             WHERE i.unit_id = $1 AND i.class_name = $2 AND i.revoked_at IS NULL AND i.expires_at > $3 \
             ORDER BY i.id DESC LIMIT 1"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .bind(class.as_str())
            .bind(at)
            .fetch_optional(pool)
            .await?))
    }

    /// The newest code of a class, open or not.
    pub async fn latest_invitation(&self, unit_id: i64, class: &ClassName) -> Result<Option<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM class_invitations i JOIN units u ON u.id = i.unit_id \
             WHERE i.unit_id = $1 AND i.class_name = $2 ORDER BY i.id DESC LIMIT 1"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .bind(class.as_str())
            .fetch_optional(pool)
            .await?))
    }

    /// How many parents joined a class.
    pub async fn parents_in_class(&self, unit_id: i64, class: &str) -> Result<i64> {
        let (n,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM parent_classes WHERE unit_id = $1 AND class_name = $2",
        )
        .bind(unit_id)
        .bind(class)
        .fetch_one(pool)
        .await?);
        Ok(n)
    }

    /// Names a parent of a class as one of its representatives, or no longer. False when the
    /// person is not a parent of the class.
    pub async fn set_class_representative(
        &self,
        ctx: &AuditContext,
        person_id: i64,
        unit_id: i64,
        class: &ClassName,
        representative: bool,
    ) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query(
                "UPDATE parent_classes SET representative = $1 WHERE person_id = $2 AND unit_id = $3 AND class_name = $4",
            )
            .bind(representative)
            .bind(person_id)
            .bind(unit_id)
            .bind(class.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if found {
                let event = if representative { "parent.representative" } else { "parent.representative_end" };
                audit_in_tx!(self, tx, ctx, event, format!("person:{person_id}"), format!("lớp {class}"));
            }
            tx.commit().await?;
            found
        }))
    }

    /// Stops an invitation working; parents who joined stay. False when it was revoked already.
    pub async fn revoke_invitation(&self, ctx: &AuditContext, invitation: &Invitation) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE class_invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(invitation.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if done {
                audit_in_tx!(self, tx, ctx, "invitation.revoke", format!("invitation:{}", invitation.id), format!("lớp {}", invitation.class_name));
            }
            tx.commit().await?;
            done
        }))
    }

    /// A new parent's account, made with an open invitation: the account (home: the school),
    /// the parent's role there and the class, in one transaction. A taken username is a
    /// conflict naming it; a code that no longer opens the class is `NotFound`.
    pub async fn sign_up_parent(
        &self,
        ctx: &AuditContext,
        code: &str,
        f: &PersonFields,
        password_hash: &str,
    ) -> Result<(Person, Invitation)> {
        let at = now();
        let (person_id, invitation_id) = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some((invitation_id, unit_id, class_name, grade)) = take_invitation!(tx, code, at) else {
                return Err(StoreError::NotFound("mã mời"));
            };
            let (person_id,): (i64,) = sqlx::query_as(
                "INSERT INTO people (unit_id, username, display_name, name_folded, email, phone, password_hash, \
                 must_change_password, disabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, FALSE, $8, $8) RETURNING id",
            )
            .bind(unit_id)
            .bind(&f.username)
            .bind(&f.display_name)
            .bind(fold_vi(&f.display_name))
            .bind(&f.email)
            .bind(&f.phone)
            .bind(password_hash)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| unique_to_conflict(e, "Tên đăng nhập này đã có người dùng; hãy chọn tên khác."))?;
            add_to_class!(tx, person_id, unit_id, &class_name, grade, invitation_id, at);
            let ctx = AuditContext { actor_id: Some(person_id), ..ctx.clone() };
            audit_in_tx!(self, tx, &ctx, "parent.signup", format!("person:{person_id}"), format!("{} ({}) lớp {class_name}", f.username, f.display_name));
            tx.commit().await?;
            (person_id, invitation_id)
        });
        let person = self
            .person(person_id)
            .await?
            .ok_or(StoreError::NotFound("người dùng"))?;
        let invitation = self
            .invitation(invitation_id)
            .await?
            .ok_or(StoreError::NotFound("mã mời"))?;
        Ok((person, invitation))
    }

    /// A parent already signed up joins one more class with its open code. Joining a class
    /// twice changes nothing. `NotFound` when the code does not open a class.
    pub async fn join_class(&self, ctx: &AuditContext, person_id: i64, code: &str) -> Result<Invitation> {
        let at = now();
        let invitation_id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some((invitation_id, unit_id, class_name, grade)) = take_invitation!(tx, code, at) else {
                return Err(StoreError::NotFound("mã mời"));
            };
            if add_to_class!(tx, person_id, unit_id, &class_name, grade, invitation_id, at) {
                audit_in_tx!(self, tx, ctx, "parent.join", format!("person:{person_id}"), format!("lớp {class_name}"));
                tx.commit().await?;
            } else {
                // Already in the class: the code was not used.
                tx.rollback().await?;
            }
            invitation_id
        });
        self.invitation(invitation_id)
            .await?
            .ok_or(StoreError::NotFound("mã mời"))
    }

    /// The classes of one parent, by school and class.
    pub async fn classes_of_parent(&self, person_id: i64) -> Result<Vec<ParentClass>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM parent_classes c JOIN people p ON p.id = c.person_id \
             JOIN units u ON u.id = c.unit_id WHERE c.person_id = $1 ORDER BY u.name_folded, c.unit_id, c.grade, c.class_name"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).fetch_all(pool).await?),
        )
    }

    /// The parents of a school (of one class when `class` is given), by class and name, a page
    /// at a time, and how many there are.
    pub async fn parents_of_school(
        &self,
        unit_id: i64,
        class: Option<&ClassName>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ParentClass>, i64)> {
        let condition = if class.is_some() {
            "c.unit_id = $1 AND c.class_name = $2"
        } else {
            "c.unit_id = $1 AND $2 = ''"
        };
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM parent_classes c JOIN people p ON p.id = c.person_id \
             JOIN units u ON u.id = c.unit_id WHERE {condition} \
             ORDER BY c.grade, c.class_name, p.name_folded, c.person_id LIMIT $3 OFFSET $4"
        );
        let count = format!("SELECT COUNT(*) FROM parent_classes c WHERE {condition}");
        let class = class.map_or("", |c| c.as_str());
        Ok(on_pool!(self, pool => {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(unit_id)
                .bind(class)
                .bind(limit.clamp(1, crate::notices::MAX_LISTED))
                .bind(offset.max(0))
                .fetch_all(pool)
                .await?;
            let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(count.as_str()))
                .bind(unit_id)
                .bind(class)
                .fetch_one(pool)
                .await?;
            (rows, total)
        }))
    }

    /// The classes of a school that have an invitation or a parent, with their parents counted.
    pub async fn classes_of_school(&self, unit_id: i64) -> Result<Vec<ClassSummary>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT k.class_name, k.grade, (SELECT COUNT(*) FROM parent_classes c \
             WHERE c.unit_id = $1 AND c.class_name = k.class_name) AS parents \
             FROM (SELECT DISTINCT class_name, grade FROM class_invitations WHERE unit_id = $1 \
                   UNION SELECT DISTINCT class_name, grade FROM parent_classes WHERE unit_id = $1) k \
             ORDER BY k.grade, k.class_name",
        )
        .bind(unit_id)
        .fetch_all(pool)
        .await?))
    }

    /// Takes a parent out of a class of a school; with their last class there goes their
    /// parent's role at the school (they keep the account and what they reported). False
    /// when they were not in the class.
    pub async fn remove_parent(
        &self,
        ctx: &AuditContext,
        person_id: i64,
        unit_id: i64,
        class: &ClassName,
    ) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let removed = sqlx::query("DELETE FROM parent_classes WHERE person_id = $1 AND unit_id = $2 AND class_name = $3")
                .bind(person_id)
                .bind(unit_id)
                .bind(class.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if removed {
                sqlx::query(
                    "DELETE FROM role_grants WHERE person_id = $1 AND unit_id = $2 AND role = $3 \
                     AND NOT EXISTS (SELECT 1 FROM parent_classes WHERE person_id = $1 AND unit_id = $2)",
                )
                .bind(person_id)
                .bind(unit_id)
                .bind(Role::Parent.as_str())
                .execute(&mut *tx)
                .await?;
                audit_in_tx!(self, tx, ctx, "parent.remove", format!("person:{person_id}"), format!("lớp {class}"));
            }
            tx.commit().await?;
            removed
        }))
    }
}
