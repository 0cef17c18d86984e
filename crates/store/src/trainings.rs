//! Trainings: the training, who was invited, registrations with attendance, and the group's
//! test tallies.
//!
//! No person's test answers or score are stored: a test taken sets the person's `pre_done` or
//! `post_done` flag and adds to per-question counts, in one transaction, so that the results are
//! the group's and a test counts once.

use time::{OffsetDateTime, UtcOffset};

use crate::notifications::Outgoing;
use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now, parse_path, path_of};

/// What an organizer schedules.
#[derive(Debug, Clone)]
pub struct NewTraining {
    pub title: String,
    pub starts_at: OffsetDateTime,
    pub minutes: i64,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub capacity: i64,
    pub audience_roles: Vec<String>,
    pub audience_units: Vec<i64>,
    pub webadmins_with_findings: bool,
    pub materials: Vec<String>,
    pub test_lesson_id: Option<String>,
    /// The test's questions as JSON ('[]' without a test).
    pub questions: String,
    pub attendance_code: String,
}

/// What an organizer may change before the start. The audience and the test stay as scheduled:
/// invitations went out for them, and pre-tests may have been taken.
#[derive(Debug, Clone)]
pub struct TrainingChange {
    pub title: String,
    pub starts_at: OffsetDateTime,
    pub minutes: i64,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub capacity: i64,
    pub materials: Vec<String>,
}

/// What an organizer does to a scheduled training.
#[derive(Debug, Clone, Copy)]
pub enum TrainingEdit<'a> {
    Change(&'a TrainingChange),
    Cancel {
        starts_at_seen: OffsetDateTime,
        reason: &'a str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Training {
    pub id: i64,
    pub unit_id: i64,
    pub unit_ancestry: Vec<i64>,
    pub unit_name: String,
    pub title: String,
    pub starts_at: OffsetDateTime,
    pub minutes: i64,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub capacity: i64,
    pub registered: i64,
    pub audience_roles: Vec<String>,
    pub audience_units: Vec<i64>,
    pub webadmins_with_findings: bool,
    pub materials: Vec<String>,
    pub test_lesson_id: Option<String>,
    pub questions: String,
    pub attendance_code: String,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct TrainingRow {
    id: i64,
    unit_id: i64,
    unit_path: String,
    unit_name: String,
    title: String,
    starts_at: OffsetDateTime,
    minutes: i64,
    place: Option<String>,
    online_link: Option<String>,
    capacity: i64,
    registered: i64,
    audience_roles: String,
    audience_units: String,
    webadmins_with_findings: bool,
    materials: String,
    test_lesson_id: Option<String>,
    questions: String,
    attendance_code: String,
    cancelled: bool,
    cancel_reason: Option<String>,
    created_by: Option<i64>,
    created_at: OffsetDateTime,
}

impl From<TrainingRow> for Training {
    fn from(r: TrainingRow) -> Training {
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        Training {
            id: r.id,
            unit_id: r.unit_id,
            unit_ancestry: parse_path(&r.unit_path),
            unit_name: r.unit_name,
            title: r.title,
            starts_at: r.starts_at,
            minutes: r.minutes,
            place: r.place,
            online_link: r.online_link,
            capacity: r.capacity,
            registered: r.registered,
            audience_roles: words(&r.audience_roles),
            audience_units: r
                .audience_units
                .split_whitespace()
                .filter_map(|u| u.parse().ok())
                .collect(),
            webadmins_with_findings: r.webadmins_with_findings,
            materials: words(&r.materials),
            test_lesson_id: r.test_lesson_id,
            questions: r.questions,
            attendance_code: r.attendance_code,
            cancelled: r.cancelled,
            cancel_reason: r.cancel_reason,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

const COLUMNS: &str = "t.id, t.unit_id, t.unit_path, u.name AS unit_name, t.title, t.starts_at, t.minutes, t.place, \
     t.online_link, t.capacity, t.registered, t.audience_roles, t.audience_units, t.webadmins_with_findings, t.materials, \
     t.test_lesson_id, t.questions, t.attendance_code, t.cancelled, t.cancel_reason, t.created_by, t.created_at";

/// One person's registration: never their answers, only whether they took each test.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Registration {
    pub person_id: i64,
    pub registered_at: OffsetDateTime,
    pub attended_at: Option<OffsetDateTime>,
    pub attendance_by: Option<String>,
    pub pre_done: bool,
    pub post_done: bool,
    pub certificate_code: Option<String>,
}

/// An invited person as the organizer's list shows them, with their registration if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub person_id: i64,
    pub display_name: String,
    pub unit_name: String,
    pub registration: Option<Registration>,
}

/// What became of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    Registered,
    AlreadyRegistered,
    Full,
}

/// A test phase: before or after the training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pre,
    Post,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pre => "pre",
            Phase::Post => "post",
        }
    }
}

/// One question's tally in one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub phase: Phase,
    pub question: i64,
    pub right: i64,
    pub answered: i64,
}

/// What the public verification page shows of a certificate, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub person_name: String,
    pub training_title: String,
    pub starts_at: OffsetDateTime,
    pub minutes: i64,
    pub unit_name: String,
}

/// A training a person attended, for their account page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attended {
    pub training_id: i64,
    pub title: String,
    pub starts_at: OffsetDateTime,
    pub unit_name: String,
    pub certificate_code: Option<String>,
}

/// Most trainings one list page reads.
/// The same as a page's most rows, so a page never comes back shorter than asked.
pub const MAX_LISTED: i64 = lanhmang_domain::paging::MAX_PER_PAGE as i64;

/// Times are stored in UTC: SQLite compares them as text.
pub(crate) fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

impl Store {
    /// Schedules a training for the unit with `unit_ancestry`, invites `invitees` and sends what
    /// `outgoing` composes for the new id (their notices and mails), audited, all in one transaction.
    pub async fn create_training(
        &self,
        ctx: &AuditContext,
        unit_ancestry: &[i64],
        t: &NewTraining,
        invitees: &[i64],
        outgoing: impl FnOnce(i64) -> Outgoing,
    ) -> Result<i64> {
        let unit_id = *unit_ancestry.last().ok_or(StoreError::NotFound("đơn vị"))?;
        let at = now();
        let units: Vec<String> = t.audience_units.iter().map(i64::to_string).collect();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO trainings (unit_id, unit_path, title, starts_at, minutes, place, online_link, capacity, \
                 audience_roles, audience_units, webadmins_with_findings, materials, test_lesson_id, questions, \
                 attendance_code, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
            )
            .bind(unit_id)
            .bind(path_of(unit_ancestry))
            .bind(&t.title)
            .bind(utc(t.starts_at))
            .bind(t.minutes)
            .bind(t.place.as_deref())
            .bind(t.online_link.as_deref())
            .bind(t.capacity)
            .bind(t.audience_roles.join(" "))
            .bind(units.join(" "))
            .bind(t.webadmins_with_findings)
            .bind(t.materials.join(" "))
            .bind(t.test_lesson_id.as_deref())
            .bind(&t.questions)
            .bind(&t.attendance_code)
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for person in invitees {
                sqlx::query(
                    "INSERT INTO training_invitations (training_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(person)
                .execute(&mut *tx)
                .await?;
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                "training.schedule",
                format!("training:{id}"),
                format!("{} ({} người được mời)", t.title, invitees.len())
            );
            // The messages link to the training, so they are composed once its id exists.
            let outgoing = outgoing(id);
            send_in_tx!(tx, &outgoing)?;
            tx.commit().await?;
            id
        }))
    }

    /// Changes or cancels a training, and sends what `outgoing` composes, audited, in one
    /// transaction. The UPDATE itself refuses what the caller's check may have missed since:
    /// a change to a cancelled or started training or below its registrations; a cancellation
    /// of one cancelled or moved since the caller saw it start at `starts_at_seen`. Refused:
    /// false, nothing written. A cancellation keeps registrations, attendance and certificates:
    /// a certificate is about a session that took place.
    pub async fn edit_training(
        &self,
        ctx: &AuditContext,
        id: i64,
        edit: TrainingEdit<'_>,
        outgoing: &Outgoing,
    ) -> Result<bool> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (query, action, detail) = match &edit {
                TrainingEdit::Change(change) => (
                    sqlx::query(
                        "UPDATE trainings SET title = $1, starts_at = $2, minutes = $3, place = $4, online_link = $5, \
                         capacity = $6, materials = $7 \
                         WHERE id = $8 AND cancelled = FALSE AND starts_at > $9 AND registered <= $6",
                    )
                    .bind(&change.title)
                    .bind(utc(change.starts_at))
                    .bind(change.minutes)
                    .bind(change.place.as_deref())
                    .bind(change.online_link.as_deref())
                    .bind(change.capacity)
                    .bind(change.materials.join(" "))
                    .bind(id)
                    .bind(at),
                    "training.update",
                    change.title.clone(),
                ),
                TrainingEdit::Cancel { starts_at_seen, reason } => (
                    sqlx::query(
                        "UPDATE trainings SET cancelled = TRUE, cancel_reason = $1 \
                         WHERE id = $2 AND cancelled = FALSE AND starts_at = $3",
                    )
                    .bind(*reason)
                    .bind(id)
                    .bind(utc(*starts_at_seen)),
                    "training.cancel",
                    reason.to_string(),
                ),
            };
            let changed = query.execute(&mut *tx).await?.rows_affected() > 0;
            if changed {
                audit_in_tx!(self, tx, ctx, action, format!("training:{id}"), detail);
                send_in_tx!(tx, outgoing)?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            changed
        }))
    }

    pub async fn training(&self, id: i64) -> Result<Option<Training>> {
        let sql = format!("SELECT {COLUMNS} FROM trainings t JOIN units u ON u.id = t.unit_id WHERE t.id = $1");
        let row: Option<TrainingRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row.map(Training::from))
    }

    /// Trainings organized in the subtrees of `roots` or to which `person_id` is invited,
    /// newest start first, with how many there are.
    pub async fn trainings_for(
        &self,
        roots: &[i64],
        person_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Training>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let (in_scope, binds) = crate::range_condition("t.unit_path", &ranges, 2);
        let condition =
            format!("({in_scope} OR t.id IN (SELECT training_id FROM training_invitations WHERE person_id = $1))");
        let n = binds.len();
        let sql = format!(
            "SELECT {COLUMNS} FROM trainings t JOIN units u ON u.id = t.unit_id WHERE {condition} \
             ORDER BY t.starts_at DESC, t.id DESC LIMIT ${} OFFSET ${}",
            n + 2,
            n + 3
        );
        let count = format!("SELECT COUNT(*) FROM trainings t WHERE {condition}");
        let (rows, total): (Vec<TrainingRow>, (i64,)) = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id);
            let mut c = sqlx::query_as(sqlx::AssertSqlSafe(count.as_str())).bind(person_id);
            for b in &binds {
                q = q.bind(b);
                c = c.bind(b);
            }
            (
                q.bind(limit.clamp(1, MAX_LISTED)).bind(offset.max(0)).fetch_all(pool).await?,
                c.fetch_one(pool).await?,
            )
        });
        Ok((rows.into_iter().map(Training::from).collect(), total.0))
    }

    pub async fn is_invited_to_training(&self, training_id: i64, person_id: i64) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT person_id FROM training_invitations WHERE training_id = $1 AND person_id = $2",
        )
        .bind(training_id)
        .bind(person_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some())
    }

    pub async fn training_registration(&self, training_id: i64, person_id: i64) -> Result<Option<Registration>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT person_id, registered_at, attended_at, attendance_by, pre_done, post_done, certificate_code \
             FROM training_registrations WHERE training_id = $1 AND person_id = $2",
        )
        .bind(training_id)
        .bind(person_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Everyone invited, with their registration, by unit then name; then people registered
    /// without an invitation (none today, kept so a list never hides anyone).
    pub async fn training_invitees(&self, training_id: i64) -> Result<Vec<Invitee>> {
        type Row = (
            i64,
            String,
            String,
            Option<OffsetDateTime>,
            Option<OffsetDateTime>,
            Option<String>,
            Option<bool>,
            Option<bool>,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT p.id, p.display_name, u.name, r.registered_at, r.attended_at, r.attendance_by, r.pre_done, \
             r.post_done, r.certificate_code FROM training_invitations i JOIN people p ON p.id = i.person_id \
             JOIN units u ON u.id = p.unit_id \
             LEFT JOIN training_registrations r ON r.training_id = i.training_id AND r.person_id = i.person_id \
             WHERE i.training_id = $1 ORDER BY u.name, p.name_folded, p.id",
        )
        .bind(training_id)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| Invitee {
                person_id: r.0,
                display_name: r.1,
                unit_name: r.2,
                registration: r.3.map(|registered_at| Registration {
                    person_id: r.0,
                    registered_at,
                    attended_at: r.4,
                    attendance_by: r.5,
                    pre_done: r.6.unwrap_or(false),
                    post_done: r.7.unwrap_or(false),
                    certificate_code: r.8,
                }),
            })
            .collect())
    }

    /// Registers a person while the training has room: the count and the row change in one
    /// transaction, the count's UPDATE checking the capacity, so two people never take the
    /// last seat. Nothing is written when it is full or they are registered already.
    pub async fn register_for_training(&self, training_id: i64, person_id: i64) -> Result<Registered> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let room = sqlx::query(
                "UPDATE trainings SET registered = registered + 1 WHERE id = $1 AND registered < capacity",
            )
            .bind(training_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if !room {
                tx.rollback().await?;
                let existing = self.training_registration(training_id, person_id).await?;
                return Ok(if existing.is_some() { Registered::AlreadyRegistered } else { Registered::Full });
            }
            let inserted = sqlx::query(
                "INSERT INTO training_registrations (training_id, person_id, registered_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (training_id, person_id) DO NOTHING",
            )
            .bind(training_id)
            .bind(person_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if inserted {
                tx.commit().await?;
                Registered::Registered
            } else {
                tx.rollback().await?;
                Registered::AlreadyRegistered
            }
        }))
    }

    /// Withdraws a registration not yet attended; false when there is none to withdraw.
    pub async fn unregister_from_training(&self, training_id: i64, person_id: i64) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let gone = sqlx::query(
                "DELETE FROM training_registrations WHERE training_id = $1 AND person_id = $2 AND attended_at IS NULL \
                 AND pre_done = FALSE",
            )
            .bind(training_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if gone {
                sqlx::query("UPDATE trainings SET registered = registered - 1 WHERE id = $1 AND registered > 0")
                    .bind(training_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            gone
        }))
    }

    /// Marks a person present (`by`: 'code' or 'hand'), registering them first when they came
    /// without registering (an invited walk-in: they are in the room, so the seat count does not
    /// refuse them). Present already: nothing changes. Gives whether anything changed.
    pub async fn mark_training_attended(
        &self,
        ctx: &AuditContext,
        training_id: i64,
        person_id: i64,
        by: &str,
    ) -> Result<bool> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO training_registrations (training_id, person_id, registered_at, attended_at, attendance_by) \
                 VALUES ($1, $2, $3, $3, $4) ON CONFLICT (training_id, person_id) DO NOTHING",
            )
            .bind(training_id)
            .bind(person_id)
            .bind(at)
            .bind(by)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            let changed = if inserted {
                sqlx::query("UPDATE trainings SET registered = registered + 1 WHERE id = $1")
                    .bind(training_id)
                    .execute(&mut *tx)
                    .await?;
                true
            } else {
                sqlx::query(
                    "UPDATE training_registrations SET attended_at = $1, attendance_by = $2 \
                     WHERE training_id = $3 AND person_id = $4 AND attended_at IS NULL",
                )
                .bind(at)
                .bind(by)
                .bind(training_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    > 0
            };
            if changed {
                audit_in_tx!(
                    self,
                    tx,
                    ctx,
                    "training.attended",
                    format!("training:{training_id}"),
                    format!("person:{person_id} ({by})")
                );
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            changed
        }))
    }

    /// The organizer unticks a person: not present after all. Their certificate, if one was
    /// issued, is withdrawn with it, so the verification page no longer confirms it.
    pub async fn unmark_training_attended(&self, ctx: &AuditContext, training_id: i64, person_id: i64) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE training_registrations SET attended_at = NULL, attendance_by = NULL, certificate_code = NULL \
                 WHERE training_id = $1 AND person_id = $2 AND attended_at IS NOT NULL",
            )
            .bind(training_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if changed {
                audit_in_tx!(
                    self,
                    tx,
                    ctx,
                    "training.absent",
                    format!("training:{training_id}"),
                    format!("person:{person_id}")
                );
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            changed
        }))
    }

    /// Counts one person's test, once: their flag for the phase is set and, per question, the
    /// group's tally grows (`right[i]`: whether question `i` was answered right; `None`:
    /// skipped). False, with nothing written, when they took this test already or have no
    /// registration (the post-test also needs their attendance).
    pub async fn record_training_test(
        &self,
        training_id: i64,
        person_id: i64,
        phase: Phase,
        right: &[Option<bool>],
    ) -> Result<bool> {
        let flag = match phase {
            Phase::Pre => {
                "UPDATE training_registrations SET pre_done = TRUE \
                 WHERE training_id = $1 AND person_id = $2 AND pre_done = FALSE"
            }
            Phase::Post => {
                "UPDATE training_registrations SET post_done = TRUE \
                 WHERE training_id = $1 AND person_id = $2 AND post_done = FALSE AND attended_at IS NOT NULL"
            }
        };
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let marked = sqlx::query(flag)
                .bind(training_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if !marked {
                tx.rollback().await?;
                return Ok(false);
            }
            for (question, answer) in right.iter().enumerate() {
                let Some(ok) = answer else { continue };
                sqlx::query(
                    "INSERT INTO training_tallies (training_id, phase, question, right_count, answered) VALUES ($1, $2, $3, $4, 1) \
                     ON CONFLICT (training_id, phase, question) DO UPDATE SET \
                     right_count = training_tallies.right_count + $4, answered = training_tallies.answered + 1",
                )
                .bind(training_id)
                .bind(phase.as_str())
                .bind(question as i64)
                .bind(i64::from(*ok))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            true
        }))
    }

    pub async fn training_tallies(&self, training_id: i64) -> Result<Vec<Tally>> {
        let rows: Vec<(String, i64, i64, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT phase, question, right_count, answered FROM training_tallies WHERE training_id = $1 ORDER BY phase, question",
        )
        .bind(training_id)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(phase, question, right, answered)| Tally {
                phase: if phase == "pre" { Phase::Pre } else { Phase::Post },
                question,
                right,
                answered,
            })
            .collect())
    }

    /// The certificate code of an attendee: the one issued before, or `code` now. None when
    /// the person did not attend.
    pub async fn issue_training_certificate(
        &self,
        training_id: i64,
        person_id: i64,
        code: &str,
    ) -> Result<Option<String>> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE training_registrations SET certificate_code = $1 \
                 WHERE training_id = $2 AND person_id = $3 AND attended_at IS NOT NULL AND certificate_code IS NULL",
            )
            .bind(code)
            .bind(training_id)
            .bind(person_id)
            .execute(pool)
            .await
            .map_err(|e| crate::units::unique_to_conflict(e, "mã chứng nhận trùng"))?;
        });
        Ok(self
            .training_registration(training_id, person_id)
            .await?
            .filter(|r| r.attended_at.is_some())
            .and_then(|r| r.certificate_code))
    }

    /// What a certificate's code confirms: who, which training, when, by which unit.
    pub async fn verify_training_certificate(&self, code: &str) -> Result<Option<Verified>> {
        let row: Option<(String, String, OffsetDateTime, i64, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT p.display_name, t.title, t.starts_at, t.minutes, u.name FROM training_registrations r \
             JOIN people p ON p.id = r.person_id JOIN trainings t ON t.id = r.training_id JOIN units u ON u.id = t.unit_id \
             WHERE r.certificate_code = $1 AND r.attended_at IS NOT NULL",
        )
        .bind(code)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|r| Verified {
            person_name: r.0,
            training_title: r.1,
            starts_at: r.2,
            minutes: r.3,
            unit_name: r.4,
        }))
    }

    /// The trainings a person attended, newest first.
    pub async fn trainings_attended_by(&self, person_id: i64) -> Result<Vec<Attended>> {
        let rows: Vec<(i64, String, OffsetDateTime, String, Option<String>)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT t.id, t.title, t.starts_at, u.name, r.certificate_code FROM training_registrations r \
             JOIN trainings t ON t.id = r.training_id JOIN units u ON u.id = t.unit_id \
             WHERE r.person_id = $1 AND r.attended_at IS NOT NULL ORDER BY t.starts_at DESC LIMIT 500",
        )
        .bind(person_id)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| Attended {
                training_id: r.0,
                title: r.1,
                starts_at: r.2,
                unit_name: r.3,
                certificate_code: r.4,
            })
            .collect())
    }

    /// A school's training figures for a period (its staff: people holding one of
    /// `staff_roles` in it): trainings at least one attended, attendances, and how many of its
    /// website administrators attended one.
    pub async fn school_training_facts(
        &self,
        school_id: i64,
        staff_roles: &[&str],
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(i64, i64, i64)> {
        let roles: Vec<String> = (0..staff_roles.len()).map(|i| format!("${}", i + 4)).collect();
        let staff = format!(
            "SELECT r.training_id, r.person_id FROM training_registrations r JOIN trainings t ON t.id = r.training_id \
             WHERE r.attended_at IS NOT NULL AND t.cancelled = FALSE AND t.starts_at >= $2 AND t.starts_at < $3 \
             AND r.person_id IN (SELECT person_id FROM role_grants WHERE unit_id = $1 AND role IN ({}))",
            roles.join(", ")
        );
        let sql = format!(
            "SELECT (SELECT COUNT(DISTINCT training_id) FROM ({staff}) a), (SELECT COUNT(*) FROM ({staff}) b), \
             (SELECT COUNT(DISTINCT r.person_id) FROM training_registrations r JOIN trainings t ON t.id = r.training_id \
              WHERE r.attended_at IS NOT NULL AND t.cancelled = FALSE AND t.starts_at >= $2 AND t.starts_at < $3 \
              AND r.person_id IN (SELECT person_id FROM role_grants WHERE unit_id = $1 AND role = 'website_admin'))"
        );
        let row: (i64, i64, i64) = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(school_id).bind(utc(from)).bind(utc(to));
            for r in staff_roles {
                q = q.bind(*r);
            }
            q.fetch_one(pool).await?
        });
        Ok(row)
    }
}
