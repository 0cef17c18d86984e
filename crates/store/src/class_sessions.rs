//! Class sessions: a class takes a lesson's quiz on its own devices, with no accounts.
//!
//! Nothing about a pupil is stored: a participant is a random token and, while the session is
//! open, an optional nickname; every participant row goes when the session closes. What stays
//! is the class's aggregate: how many joined and answered, and per question how many chose each
//! choice.

use lanhmang_domain::activity::ActivityFields;
use time::OffsetDateTime;

use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now};

/// What a teacher starts.
#[derive(Debug, Clone)]
pub struct NewClassSession {
    pub code: String,
    pub unit_id: i64,
    pub lesson_id: String,
    pub lesson_title: String,
    pub topic: String,
    pub band: String,
    pub class_name: String,
    pub pupils_present: i64,
    /// The quiz as JSON, a snapshot of the lesson's questions with their answers.
    pub questions: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSession {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub teacher_id: i64,
    pub lesson_id: String,
    pub lesson_title: String,
    pub topic: String,
    pub band: String,
    pub class_name: String,
    pub pupils_present: i64,
    pub questions: String,
    pub open: bool,
    pub joined: i64,
    pub answered: i64,
    pub sheets: i64,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub activity_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    code: String,
    unit_id: i64,
    teacher_id: i64,
    lesson_id: String,
    lesson_title: String,
    topic: String,
    band: String,
    class_name: String,
    pupils_present: i64,
    questions: String,
    state: String,
    joined: i64,
    answered: i64,
    sheets: i64,
    opened_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
    activity_id: Option<i64>,
}

impl From<SessionRow> for ClassSession {
    fn from(r: SessionRow) -> ClassSession {
        ClassSession {
            id: r.id,
            code: r.code,
            unit_id: r.unit_id,
            teacher_id: r.teacher_id,
            lesson_id: r.lesson_id,
            lesson_title: r.lesson_title,
            topic: r.topic,
            band: r.band,
            class_name: r.class_name,
            pupils_present: r.pupils_present,
            questions: r.questions,
            open: r.state == "open",
            joined: r.joined,
            answered: r.answered,
            sheets: r.sheets,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            activity_id: r.activity_id,
        }
    }
}

const COLUMNS: &str = "id, code, unit_id, teacher_id, lesson_id, lesson_title, topic, band, class_name, pupils_present, \
     questions, state, joined, answered, sheets, opened_at, closed_at, activity_id";

/// How many pupils chose one choice of one question (choice -1: wrong, tallied by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub question: i64,
    pub choice: i64,
    pub count: i64,
}

/// What became of a pupil's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerOutcome {
    Counted,
    /// This participant's answers were counted before: a second send changes nothing.
    AlreadyAnswered,
    /// No such participant in this session (a made-up token, or the session closed).
    UnknownParticipant,
}

/// What the teacher typed for a class that answered on paper: per question, its right
/// choice and how many sheets had it right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetTally {
    pub question: i64,
    pub right_choice: i64,
    pub right: i64,
}

/// Sessions one list shows at most per page is the caller's; this bounds one teacher's history.
pub const MAX_LISTED_SESSIONS: i64 = 200;

impl Store {
    /// Opens a session; `None` when its code is taken by another open session (draw another).
    pub async fn create_class_session(&self, teacher_id: i64, s: &NewClassSession) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "INSERT INTO class_sessions (code, unit_id, teacher_id, lesson_id, lesson_title, topic, band, class_name, \
             pupils_present, questions, state, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11) \
             ON CONFLICT (code) WHERE state = 'open' DO NOTHING RETURNING id",
        )
        .bind(&s.code)
        .bind(s.unit_id)
        .bind(teacher_id)
        .bind(&s.lesson_id)
        .bind(&s.lesson_title)
        .bind(&s.topic)
        .bind(&s.band)
        .bind(&s.class_name)
        .bind(s.pupils_present)
        .bind(&s.questions)
        .bind(now())
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(id,)| id))
    }

    pub async fn class_session(&self, id: i64) -> Result<Option<ClassSession>> {
        let sql = format!("SELECT {COLUMNS} FROM class_sessions WHERE id = $1");
        let row: Option<SessionRow> =
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row.map(ClassSession::from))
    }

    /// The open session a class joins with this code.
    pub async fn open_class_session_by_code(&self, code: &str) -> Result<Option<ClassSession>> {
        let sql = format!("SELECT {COLUMNS} FROM class_sessions WHERE code = $1 AND state = 'open'");
        let row: Option<SessionRow> =
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code).fetch_optional(pool).await?);
        Ok(row.map(ClassSession::from))
    }

    /// A teacher's sessions, newest first, and how many there are.
    pub async fn class_sessions_of(&self, teacher_id: i64, limit: i64, offset: i64) -> Result<(Vec<ClassSession>, i64)> {
        let sql = format!("SELECT {COLUMNS} FROM class_sessions WHERE teacher_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3");
        let (rows, total): (Vec<SessionRow>, (i64,)) = on_pool!(self, pool => (
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(teacher_id)
                .bind(limit.clamp(1, MAX_LISTED_SESSIONS))
                .bind(offset.max(0))
                .fetch_all(pool)
                .await?,
            sqlx::query_as("SELECT COUNT(*) FROM class_sessions WHERE teacher_id = $1")
                .bind(teacher_id)
                .fetch_one(pool)
                .await?,
        ));
        Ok((rows.into_iter().map(ClassSession::from).collect(), total.0))
    }

    /// Sessions opened before `before` and still open: the teacher forgot to close them.
    pub async fn stale_class_sessions(&self, before: OffsetDateTime) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id FROM class_sessions WHERE state = 'open' AND opened_at < $1 ORDER BY id LIMIT 500",
        )
        .bind(before)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Adds a participant to an open session with fewer than `max_joined`; false when the
    /// session is closed or full (nothing written).
    pub async fn join_class_session(&self, session_id: i64, token: &str, nickname: Option<&str>, max_joined: i64) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let room = sqlx::query(
                "UPDATE class_sessions SET joined = joined + 1 WHERE id = $1 AND state = 'open' AND joined < $2",
            )
            .bind(session_id)
            .bind(max_joined)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if room {
                sqlx::query("INSERT INTO class_session_participants (session_id, token, nickname) VALUES ($1, $2, $3)")
                    .bind(session_id)
                    .bind(token)
                    .bind(nickname)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            room
        }))
    }

    /// Counts one participant's answers (`choices[i]`: the choice for question `i`, none when
    /// skipped) into the class's tallies, once: the participant's mark, the session's count
    /// and the tallies change in one transaction.
    pub async fn answer_class_session(&self, session_id: i64, token: &str, choices: &[Option<i64>]) -> Result<AnswerOutcome> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let marked = sqlx::query(
                "UPDATE class_session_participants SET answered = TRUE WHERE session_id = $1 AND token = $2 AND answered = FALSE",
            )
            .bind(session_id)
            .bind(token)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if !marked {
                let known: Option<(i64,)> =
                    sqlx::query_as("SELECT session_id FROM class_session_participants WHERE session_id = $1 AND token = $2")
                        .bind(session_id)
                        .bind(token)
                        .fetch_optional(&mut *tx)
                        .await?;
                tx.rollback().await?;
                return Ok(if known.is_some() { AnswerOutcome::AlreadyAnswered } else { AnswerOutcome::UnknownParticipant });
            }
            let open = sqlx::query("UPDATE class_sessions SET answered = answered + 1 WHERE id = $1 AND state = 'open'")
                .bind(session_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if !open {
                tx.rollback().await?;
                return Ok(AnswerOutcome::UnknownParticipant);
            }
            let picked: Vec<(i64, i64)> =
                choices.iter().enumerate().filter_map(|(q, c)| c.map(|c| (q as i64, c))).collect();
            if !picked.is_empty() {
                let values: Vec<String> =
                    (0..picked.len()).map(|i| format!("($1, ${}, ${}, 1)", 2 + 2 * i, 3 + 2 * i)).collect();
                let sql = format!(
                    "INSERT INTO class_session_tallies (session_id, question, choice, count) VALUES {} \
                     ON CONFLICT (session_id, question, choice) DO UPDATE SET count = class_session_tallies.count + 1",
                    values.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(session_id);
                for (question, choice) in &picked {
                    q = q.bind(*question).bind(*choice);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            AnswerOutcome::Counted
        }))
    }

    /// Adds quiz sheets counted by hand to an open session: `sheets` more answered, and per
    /// question its right choice `right` times and a wrong one the rest. False when closed.
    pub async fn add_class_session_sheets(&self, session_id: i64, sheets: i64, tallies: &[SheetTally]) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let open = sqlx::query("UPDATE class_sessions SET sheets = sheets + $1 WHERE id = $2 AND state = 'open'")
                .bind(sheets)
                .bind(session_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if !open {
                tx.rollback().await?;
                return Ok(false);
            }
            for t in tallies {
                for (choice, count) in [(t.right_choice, t.right), (-1, sheets - t.right)] {
                    if count > 0 {
                        sqlx::query(
                            "INSERT INTO class_session_tallies (session_id, question, choice, count) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (session_id, question, choice) DO UPDATE SET count = class_session_tallies.count + $4",
                        )
                        .bind(session_id)
                        .bind(t.question)
                        .bind(choice)
                        .bind(count)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            tx.commit().await?;
            true
        }))
    }

    pub async fn class_session_tallies(&self, session_id: i64) -> Result<Vec<Tally>> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT question, choice, count FROM class_session_tallies WHERE session_id = $1 ORDER BY question, choice",
        )
        .bind(session_id)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(question, choice, count)| Tally { question, choice, count }).collect())
    }

    /// Closes an open session: its participants (tokens and nicknames) are deleted and, when
    /// `activity` is given (the plan it serves and the fields), the activity is logged, all in
    /// one transaction with its audit entry. Gives the activity's id. A closed session is a
    /// conflict.
    pub async fn close_class_session(
        &self,
        ctx: &AuditContext,
        session_id: i64,
        activity: Option<(i64, &ActivityFields)>,
    ) -> Result<Option<i64>> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let unit: Option<(i64,)> = sqlx::query_as(
                "UPDATE class_sessions SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'open' RETURNING unit_id",
            )
            .bind(at)
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((unit_id,)) = unit else {
                tx.rollback().await?;
                return Err(StoreError::Conflict("Buổi học này đã kết thúc.".into()));
            };
            sqlx::query("DELETE FROM class_session_participants WHERE session_id = $1")
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
            let activity_id = match activity {
                Some((plan_id, fields)) => {
                    let id = insert_activity_in_tx!(tx, ctx, unit_id, plan_id, fields, at);
                    sqlx::query("UPDATE class_sessions SET activity_id = $1 WHERE id = $2")
                        .bind(id)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                    Some(id)
                }
                None => None,
            };
            audit_in_tx!(
                self,
                tx,
                ctx,
                "class_session.close",
                format!("class_session:{session_id}"),
                activity_id.map(|id| format!("ghi hoạt động số {id}")).unwrap_or_default()
            );
            tx.commit().await?;
            activity_id
        }))
    }
}
