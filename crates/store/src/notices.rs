//! Notices (thông báo, công văn): the notice, numbered in its issuing unit's sequence for the
//! year, and its recipients with when each read and acknowledged it.
//!
//! Sending resolves the audience inside the database, a few units per `INSERT … SELECT`: the
//! request addresses the first recipients itself (every one, for an ordinary notice), and a
//! larger audience — the parents of thousands of schools — is addressed after it by the
//! addressing job, a batch of units per transaction (`address_notice_batch`), so the request
//! returns at once however many it reaches. The notifications and mails are written afterwards
//! by the delivery job in batches (`deliver_notice_batch`). The read and acknowledged counts
//! live on the notice and per unit (`notice_units`), kept by the UPDATE that marks a person, so
//! the sender's page never counts the recipients.

use lanhmang_domain::notice::NoticeAudience;
use time::{Date, OffsetDateTime};

use crate::notifications::Outgoing;
use crate::people::{PERSON_COLUMNS, Person, PersonRow};
use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now, parse_path, path_of};

/// The job that writes notices' notifications and mails.
pub const DELIVER_NOTICES_JOB: &str = "deliver_notices";

/// The job that addresses the rest of a large audience after the request that sent it.
pub const ADDRESS_NOTICES_JOB: &str = "address_notices";

/// Recipients the sending request addresses itself: an ordinary notice (a province's
/// principals, a school's parents) is addressed whole before the request returns.
pub const ADDRESSED_IN_REQUEST: i64 = 2_000;

/// Recipients one transaction of the addressing job adds at most (a little more: whole units).
pub const ADDRESSED_PER_BATCH: i64 = 20_000;

/// Units read at a time while addressing.
const UNIT_PAGE: i64 = 1_000;
/// Units one `INSERT … SELECT` addresses at most.
const MAX_UNITS_PER_STATEMENT: usize = 64;

/// How a notice's audience is found: the units it reaches (by kind, level and subtree, in id
/// order), then the people with the roles (and, for parents, the classes) there.
struct AudiencePlan {
    /// `$1` units after this id, `$2` how many; then kinds, levels and path ranges.
    units_sql: String,
    unit_binds: Vec<String>,
    roles: Vec<&'static str>,
    classes: Vec<String>,
    grades: Vec<i64>,
}

impl AudiencePlan {
    fn new(audience: &NoticeAudience, ranges: &[(String, String)]) -> AudiencePlan {
        let mut next = 3;
        let mut placeholders = |count: usize| {
            let list: Vec<String> = (next..next + count).map(|i| format!("${i}")).collect();
            next += count;
            list.join(", ")
        };
        let mut filters = String::new();
        let mut unit_binds: Vec<String> = Vec::new();
        if !audience.unit_kinds.is_empty() {
            filters.push_str(&format!(" AND u.kind IN ({})", placeholders(audience.unit_kinds.len())));
            unit_binds.extend(audience.unit_kinds.iter().map(|k| k.as_str().to_string()));
        }
        if !audience.school_levels.is_empty() {
            // A level narrows the schools only: offices have none.
            filters.push_str(&format!(
                " AND (u.kind <> 'school' OR u.school_level IN ({}))",
                placeholders(audience.school_levels.len())
            ));
            unit_binds.extend(audience.school_levels.iter().map(|l| l.as_str().to_string()));
        }
        let (in_scope, range_binds) = crate::range_condition("u.path", ranges, next);
        unit_binds.extend(range_binds);
        AudiencePlan {
            units_sql: format!(
                "SELECT u.id FROM units u WHERE u.status = 'active' AND u.id > $1{filters} AND {in_scope} ORDER BY u.id LIMIT $2"
            ),
            unit_binds,
            roles: audience.roles.iter().map(|r| r.as_str()).collect(),
            classes: audience.classes.iter().map(|c| c.as_str().to_string()).collect(),
            grades: audience.grades.iter().map(|g| i64::from(*g)).collect(),
        }
    }

    /// Addresses the people of `units` units: `$1` notice, `$2` the sender (never addressed),
    /// then the roles, classes, grades and the units. A person holding roles in several of
    /// them is addressed once, at the first unit.
    fn insert_sql(&self, units: usize) -> String {
        let mut next = 3;
        let mut placeholders = |count: usize| {
            let list: Vec<String> = (next..next + count).map(|i| format!("${i}")).collect();
            next += count;
            list.join(", ")
        };
        let mut filters = format!("g.role IN ({})", placeholders(self.roles.len()));
        if !self.classes.is_empty() || !self.grades.is_empty() {
            // A parent is addressed by their classes at the school where they hold the role.
            let mut which = Vec::new();
            if !self.classes.is_empty() {
                which.push(format!("c.class_name IN ({})", placeholders(self.classes.len())));
            }
            if !self.grades.is_empty() {
                which.push(format!("c.grade IN ({})", placeholders(self.grades.len())));
            }
            filters.push_str(&format!(
                " AND (g.role <> 'parent' OR EXISTS (SELECT 1 FROM parent_classes c \
                 WHERE c.person_id = g.person_id AND c.unit_id = g.unit_id AND ({})))",
                which.join(" OR ")
            ));
        }
        let units = placeholders(units);
        format!(
            "INSERT INTO notice_recipients (notice_id, person_id, unit_id) \
             SELECT $1, g.person_id, g.unit_id FROM role_grants g JOIN people p ON p.id = g.person_id \
             WHERE g.unit_id IN ({units}) AND p.disabled = FALSE AND g.person_id <> $2 AND {filters} \
             ORDER BY g.person_id, g.unit_id ON CONFLICT (notice_id, person_id) DO NOTHING"
        )
    }
}

/// The per-unit counts of the units just addressed: `$1` notice, then the units. Each unit is
/// addressed once, so its count is set, not added to.
fn count_units_sql(units: usize) -> String {
    let list: Vec<String> = (2..2 + units).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO notice_units (notice_id, unit_id, recipients) \
         SELECT notice_id, unit_id, COUNT(*) FROM notice_recipients WHERE notice_id = $1 AND unit_id IN ({}) \
         GROUP BY notice_id, unit_id \
         ON CONFLICT (notice_id, unit_id) DO UPDATE SET recipients = excluded.recipients",
        list.join(", ")
    )
}

/// Addresses the audience of `$plan` for notice `$notice` in transaction `$tx`, from the units
/// after `$after`, until about `$budget` recipients are added: gives how many were, and the
/// last unit addressed when units remain (None: the audience is addressed whole). Statements
/// grow from one unit to as many as the budget allows, by the recipients per unit so far.
macro_rules! address_in_tx {
    ($tx:expr, $plan:expr, $notice:expr, $sender:expr, $after:expr, $budget:expr) => {{
        let plan: &AudiencePlan = $plan;
        let (notice, sender, budget): (i64, i64, i64) = ($notice, $sender, $budget);
        let mut after: i64 = $after;
        let mut added: i64 = 0;
        let mut units_done: i64 = 0;
        // Units done before the first recipient was found (the issuing office, schools without
        // parents): they say nothing of the size of the units after them.
        let mut empty_units: i64 = 0;
        let mut remaining = false;
        'pages: loop {
            let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(plan.units_sql.as_str()))
                .bind(after)
                .bind(UNIT_PAGE);
            for b in &plan.unit_binds {
                q = q.bind(b);
            }
            let units: Vec<i64> = q.fetch_all(&mut *$tx).await?.into_iter().map(|r| r.0).collect();
            let mut i = 0;
            while i < units.len() {
                if added >= budget {
                    remaining = true;
                    break 'pages;
                }
                let chunk = match added.checked_div(units_done - empty_units) {
                    Some(per_unit) if per_unit > 0 => usize::try_from((budget - added) / per_unit)
                        .unwrap_or(1)
                        .clamp(1, MAX_UNITS_PER_STATEMENT),
                    // Nothing found yet: one unit, then twice as many each time, so that a run
                    // of empty units passes in a few statements, and the first units with
                    // people are never taken 64 at once (the parents of 64 schools, 16 times
                    // the request's budget, when the office came first and was empty).
                    _ => usize::try_from(units_done)
                        .unwrap_or(1)
                        .clamp(1, MAX_UNITS_PER_STATEMENT),
                };
                let these = &units[i..(i + chunk).min(units.len())];
                let sql = plan.insert_sql(these.len());
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(notice).bind(sender);
                for r in &plan.roles {
                    q = q.bind(*r);
                }
                for c in &plan.classes {
                    q = q.bind(c.as_str());
                }
                for g in &plan.grades {
                    q = q.bind(*g);
                }
                for u in these {
                    q = q.bind(*u);
                }
                let n = i64::try_from(q.execute(&mut *$tx).await?.rows_affected()).unwrap_or(i64::MAX);
                if n > 0 {
                    let sql = count_units_sql(these.len());
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(notice);
                    for u in these {
                        q = q.bind(*u);
                    }
                    q.execute(&mut *$tx).await?;
                }
                added = added.saturating_add(n);
                units_done += these.len() as i64;
                if added == 0 {
                    empty_units = units_done;
                }
                after = these.last().copied().unwrap_or(after);
                i += these.len();
            }
            if (units.len() as i64) < UNIT_PAGE {
                break;
            }
        }
        (added, remaining.then_some(after))
    }};
}

/// What a sender sends.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub title: String,
    pub body: String,
    pub audience: NoticeAudience,
    pub ack_required: bool,
    pub due_on: Option<Date>,
    /// The issuer's symbol in the number ("PGDĐT" in "12/TB-PGDĐT") and the year of its
    /// register; None for a message to families, which is not numbered.
    pub numbered: Option<(String, i32)>,
    /// When the webhooks may post it: after the quiet hours for a notice to families; None:
    /// at once.
    pub webhooks_from: Option<OffsetDateTime>,
    /// Recipients addressed before the request returns (`ADDRESSED_IN_REQUEST`); the rest by
    /// the addressing job.
    pub first_batch: i64,
    /// The files it carries, checked.
    pub attachments: Vec<lanhmang_domain::notice::NoticeFile>,
}

/// A file a notice carries, without its content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeAttachment {
    pub id: i64,
    pub notice_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// What sending did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub id: i64,
    /// The number in the unit's register for the year; None for a message to families.
    pub sequence: Option<i64>,
    /// Addressed so far: all of them unless `addressing`.
    pub recipients: i64,
    /// The rest of a large audience is being addressed after the request.
    pub addressing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub unit_id: i64,
    pub unit_ancestry: Vec<i64>,
    pub unit_name: String,
    /// `notice` for one sent; else what the automatic one records (`plan_published`, …).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// What an automatic notice is about ("/ke-hoach/3"); empty for a sent one.
    pub link: String,
    pub audience: NoticeAudience,
    pub ack_required: bool,
    pub due_on: Option<Date>,
    /// The number of a sent notice; None for an automatic one.
    pub doc_sequence: Option<i64>,
    pub doc_issuer: Option<String>,
    pub doc_year: Option<i64>,
    pub recipients: i64,
    pub read_count: i64,
    pub ack_count: i64,
    pub reminded_at: Option<OffsetDateTime>,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    /// Its audience is still being addressed (a large one, after the request): `recipients`
    /// counts those addressed so far.
    pub addressing: bool,
    /// How many files it carries.
    pub attachments: i64,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    unit_id: i64,
    unit_path: String,
    unit_name: String,
    kind: String,
    title: String,
    body: String,
    link: String,
    audience: String,
    ack_required: bool,
    due_on: Option<Date>,
    doc_sequence: Option<i64>,
    doc_issuer: Option<String>,
    doc_year: Option<i64>,
    recipients: i64,
    read_count: i64,
    ack_count: i64,
    reminded_at: Option<OffsetDateTime>,
    created_by: Option<i64>,
    created_at: OffsetDateTime,
    addressed_through: Option<i64>,
    attachments: i64,
}

impl From<NoticeRow> for Notice {
    fn from(r: NoticeRow) -> Notice {
        Notice {
            id: r.id,
            unit_id: r.unit_id,
            unit_ancestry: parse_path(&r.unit_path),
            unit_name: r.unit_name,
            kind: r.kind,
            title: r.title,
            body: r.body,
            link: r.link,
            // Written by `send_notice` from the same type; an unreadable one shows no audience
            // rather than hiding the notice.
            audience: serde_json::from_str(&r.audience).unwrap_or_default(),
            ack_required: r.ack_required,
            due_on: r.due_on,
            doc_sequence: r.doc_sequence,
            doc_issuer: r.doc_issuer,
            doc_year: r.doc_year,
            recipients: r.recipients,
            read_count: r.read_count,
            ack_count: r.ack_count,
            reminded_at: r.reminded_at,
            created_by: r.created_by,
            created_at: r.created_at,
            addressing: r.addressed_through.is_some(),
            attachments: r.attachments,
        }
    }
}

const COLUMNS: &str = "n.id, n.unit_id, n.unit_path, u.name AS unit_name, n.kind, n.title, n.body, n.link, n.audience, n.ack_required, \
     n.due_on, n.doc_sequence, n.doc_issuer, n.doc_year, n.recipients, n.read_count, n.ack_count, n.reminded_at, \
     n.created_by, n.created_at, n.addressed_through, \
     (SELECT COUNT(*) FROM notice_attachments a WHERE a.notice_id = n.id) AS attachments";

/// A notice in a list, with the reader's own reading when they are a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedNotice {
    pub notice: Notice,
    /// The reader is a recipient.
    pub addressed: bool,
    pub read_at: Option<OffsetDateTime>,
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// One person's reading of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Reading {
    pub read_at: Option<OffsetDateTime>,
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// A unit's recipients of a notice, for the sender's page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitReading {
    pub unit_id: i64,
    pub unit_name: String,
    pub recipients: i64,
    pub read: i64,
    pub acknowledged: i64,
}

/// One recipient, for the sender's list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecipientRow {
    pub person_id: i64,
    pub unit_id: i64,
    pub display_name: String,
    pub unit_name: String,
    pub read_at: Option<OffsetDateTime>,
    pub acknowledged_at: Option<OffsetDateTime>,
    /// The recipient is a parent at the unit (has a class there).
    pub parent: bool,
}

/// Most notices or recipients one page reads.
/// The same as a page's most rows, so a page never comes back shorter than asked.
pub const MAX_LISTED: i64 = lanhmang_domain::paging::MAX_PER_PAGE as i64;

impl Store {
    /// Sends a notice from the unit with `unit_ancestry`: numbers it next in the unit's sequence
    /// for `doc_year`, addresses its audience (but the sender: all of it, or its first
    /// `first_batch` recipients and the addressing job for the rest), queues its webhooks and
    /// the delivery job, audited, in one transaction. The audience's units must be in the issuing
    /// unit's subtree (the caller checked them).
    pub async fn send_notice(&self, ctx: &AuditContext, unit_ancestry: &[i64], n: &NewNotice) -> Result<Sent> {
        let unit_id = *unit_ancestry.last().ok_or(StoreError::NotFound("đơn vị"))?;
        let roots = if n.audience.unit_ids.is_empty() {
            vec![unit_id]
        } else {
            n.audience.unit_ids.clone()
        };
        let ranges = self.subtree_ranges(&roots).await?;
        let plan = AudiencePlan::new(&n.audience, &ranges);
        let audience = serde_json::to_string(&n.audience).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let at = now();
        let sender = ctx.actor_id.unwrap_or(0);
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (sequence, doc_issuer, doc_year) = match &n.numbered {
                Some((issuer, year)) => {
                    let (sequence,): (i64,) = sqlx::query_as(
                        "SELECT COALESCE(MAX(doc_sequence), 0) + 1 FROM notices WHERE unit_id = $1 AND doc_year = $2",
                    )
                    .bind(unit_id)
                    .bind(i64::from(*year))
                    .fetch_one(&mut *tx)
                    .await?;
                    (Some(sequence), Some(issuer.as_str()), Some(i64::from(*year)))
                }
                None => (None, None, None),
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO notices (unit_id, unit_path, title, body, audience, ack_required, due_on, doc_sequence, \
                 doc_issuer, doc_year, recipients, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12) RETURNING id",
            )
            .bind(unit_id)
            .bind(path_of(unit_ancestry))
            .bind(&n.title)
            .bind(&n.body)
            .bind(&audience)
            .bind(n.ack_required)
            .bind(n.due_on)
            .bind(sequence)
            .bind(doc_issuer)
            .bind(doc_year)
            .bind(ctx.actor_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            // Two notices of one unit numbered at the same instant (PostgreSQL reads the
            // sequence without locking it): the second is refused, nothing written.
            .map_err(|e| {
                crate::units::unique_to_conflict(
                    e,
                    "Một thông báo khác của đơn vị vừa được đánh số cùng lúc; hãy bấm gửi lại.",
                )
            })?;
            for file in &n.attachments {
                use sha2::Digest as _;
                sqlx::query(
                    "INSERT INTO notice_attachments (notice_id, file_name, content_type, size, sha256, content) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(&file.name)
                .bind(file.content_type)
                .bind(i64::try_from(file.bytes.len()).unwrap_or(i64::MAX))
                .bind(hex::encode(sha2::Sha256::digest(&file.bytes)))
                .bind(&file.bytes)
                .execute(&mut *tx)
                .await?;
            }
            let (recipients, addressing) = address_in_tx!(tx, &plan, id, sender, 0, n.first_batch.max(1));
            sqlx::query("UPDATE notices SET recipients = $1, addressed_through = $2 WHERE id = $3")
                .bind(recipients)
                .bind(addressing)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if addressing.is_some() {
                sqlx::query(crate::outbox::KICK_DELIVERY)
                    .bind(ADDRESS_NOTICES_JOB)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            let hooks_sql = crate::webhooks::queue_notice_sql(unit_ancestry.len());
            let mut hooks = sqlx::query(sqlx::AssertSqlSafe(hooks_sql.as_str()))
                .bind(id)
                .bind(crate::trainings::utc(n.webhooks_from.unwrap_or(at)))
                .bind(at);
            for unit in unit_ancestry {
                hooks = hooks.bind(unit);
            }
            if hooks.execute(&mut *tx).await?.rows_affected() > 0 {
                sqlx::query(crate::outbox::KICK_DELIVERY)
                    .bind(crate::webhooks::DELIVER_WEBHOOKS_JOB)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            if recipients > 0 {
                sqlx::query(crate::outbox::KICK_DELIVERY)
                    .bind(DELIVER_NOTICES_JOB)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                "notice.send",
                format!("notice:{id}"),
                format!("{} ({recipients} người nhận)", n.title)
            );
            tx.commit().await?;
            Sent {
                id,
                sequence,
                recipients,
                addressing: addressing.is_some(),
            }
        }))
    }

    pub async fn notice(&self, id: i64) -> Result<Option<Notice>> {
        let sql = format!("SELECT {COLUMNS} FROM notices n JOIN units u ON u.id = n.unit_id WHERE n.id = $1");
        let row: Option<NoticeRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row.map(Notice::from))
    }

    /// Notices sent in the subtrees of `roots`, sent by `person_id` or addressed to them, newest first, with
    /// the person's reading, and how many there are. `unread_only` keeps those the person has
    /// not read.
    pub async fn notices_for(
        &self,
        roots: &[i64],
        person_id: i64,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ListedNotice>, i64)> {
        let (condition, binds) = if unread_only {
            ("r.person_id IS NOT NULL AND r.read_at IS NULL".to_string(), Vec::new())
        } else {
            let ranges = self.subtree_ranges(roots).await?;
            let (in_scope, binds) = crate::range_condition("n.unit_path", &ranges, 2);
            // A message to families (sent, unnumbered) is followed by its own unit only. The
            // ids are integers, written into the text.
            let own: Vec<String> = roots.iter().map(i64::to_string).collect();
            let own = if own.is_empty() {
                "0".to_string()
            } else {
                own.join(", ")
            };
            (
                format!(
                    "(r.person_id IS NOT NULL OR n.created_by = $1 OR ({in_scope} \
                     AND (n.kind <> 'notice' OR n.doc_sequence IS NOT NULL OR n.unit_id IN ({own}))))"
                ),
                binds,
            )
        };
        let from = "FROM notices n LEFT JOIN notice_recipients r ON r.notice_id = n.id AND r.person_id = $1";
        let n = binds.len();
        let sql = format!(
            "SELECT {COLUMNS}, r.person_id AS addressed_to, r.read_at, r.acknowledged_at {from} \
             JOIN units u ON u.id = n.unit_id WHERE {condition} ORDER BY n.id DESC LIMIT ${} OFFSET ${}",
            n + 2,
            n + 3
        );
        let count = format!("SELECT COUNT(*) {from} WHERE {condition}");
        let (rows, total) = on_pool!(self, pool => {
            use sqlx::Row;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id);
            let mut c = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count.as_str())).bind(person_id);
            for b in &binds {
                q = q.bind(b);
                c = c.bind(b);
            }
            let rows = q.bind(limit.clamp(1, MAX_LISTED)).bind(offset.max(0)).fetch_all(pool).await?;
            let mut listed = Vec::with_capacity(rows.len());
            for row in &rows {
                let addressed: Option<i64> = row.try_get("addressed_to")?;
                listed.push(ListedNotice {
                    notice: Notice::from(<NoticeRow as sqlx::FromRow<_>>::from_row(row)?),
                    addressed: addressed.is_some(),
                    read_at: row.try_get("read_at")?,
                    acknowledged_at: row.try_get("acknowledged_at")?,
                });
            }
            (listed, c.fetch_one(pool).await?.0)
        });
        Ok((rows, total))
    }

    /// Whether some recipients wait to be told of their notice (the delivery job's work).
    pub async fn notices_undelivered(&self) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT notice_id FROM notice_recipients WHERE delivered_at IS NULL LIMIT 1",
        )
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some())
    }

    /// The files a notice carries, in the order they were sent.
    pub async fn notice_attachments(&self, notice_id: i64) -> Result<Vec<NoticeAttachment>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT id, notice_id, file_name, content_type, size, sha256 FROM notice_attachments \
             WHERE notice_id = $1 ORDER BY id",
        )
        .bind(notice_id)
        .fetch_all(pool)
        .await?))
    }

    /// One file of a notice, with its content.
    pub async fn notice_attachment(&self, notice_id: i64, id: i64) -> Result<Option<(NoticeAttachment, Vec<u8>)>> {
        #[derive(sqlx::FromRow)]
        struct WithContent {
            #[sqlx(flatten)]
            file: NoticeAttachment,
            content: Vec<u8>,
        }
        let row: Option<WithContent> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, notice_id, file_name, content_type, size, sha256, content FROM notice_attachments \
             WHERE notice_id = $1 AND id = $2",
        )
        .bind(notice_id)
        .bind(id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|r| (r.file, r.content)))
    }

    /// Whether a notice's audience is still being addressed (the addressing job's work).
    pub async fn notices_addressing(&self) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id FROM notices WHERE addressed_through IS NOT NULL LIMIT 1",
        )
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some())
    }

    /// Addresses the next batch of the oldest notice still being addressed (about `budget`
    /// recipients, whole units), in one transaction; gives how many were added and whether
    /// any notice is left to address.
    pub async fn address_notice_batch(&self, budget: i64) -> Result<(i64, bool)> {
        let row: Option<(i64, String, String, Option<i64>, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, unit_path, audience, created_by, addressed_through FROM notices \
             WHERE addressed_through IS NOT NULL ORDER BY id LIMIT 1",
        )
        .fetch_optional(pool)
        .await?);
        let Some((id, unit_path, audience, created_by, through)) = row else {
            return Ok((0, false));
        };
        let audience: NoticeAudience = serde_json::from_str(&audience)
            .map_err(|e| StoreError::Corrupt(format!("đối tượng nhận của thông báo {id}: {e}")))?;
        let roots = if audience.unit_ids.is_empty() {
            parse_path(&unit_path).last().copied().into_iter().collect()
        } else {
            audience.unit_ids.clone()
        };
        let ranges = self.subtree_ranges(&roots).await?;
        let plan = AudiencePlan::new(&audience, &ranges);
        let at = now();
        let more = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (added, next) = address_in_tx!(tx, &plan, id, created_by.unwrap_or(0), through, budget.max(1));
            // Only from where this batch started: a second job that got here first wins.
            let current = sqlx::query(
                "UPDATE notices SET recipients = recipients + $1, addressed_through = $2 \
                 WHERE id = $3 AND addressed_through = $4",
            )
            .bind(added)
            .bind(next)
            .bind(id)
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if !current {
                tx.rollback().await?;
                return Ok((0, true));
            }
            if added > 0 {
                sqlx::query(crate::outbox::KICK_DELIVERY)
                    .bind(DELIVER_NOTICES_JOB)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            (added, next.is_some())
        });
        let (added, this_one) = more;
        Ok((added, this_one || self.notices_addressing().await?))
    }

    /// Whether some recipients of this notice wait to be told of it, or to be addressed.
    pub async fn notice_undelivered(&self, notice_id: i64) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT person_id FROM notice_recipients WHERE notice_id = $1 AND delivered_at IS NULL \
             UNION ALL SELECT id FROM notices WHERE id = $1 AND addressed_through IS NOT NULL LIMIT 1",
        )
        .bind(notice_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some())
    }

    /// The person's reading of a notice; None when it was not addressed to them.
    pub async fn notice_reading(&self, notice_id: i64, person_id: i64) -> Result<Option<Reading>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT read_at, acknowledged_at FROM notice_recipients WHERE notice_id = $1 AND person_id = $2",
        )
        .bind(notice_id)
        .bind(person_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Marks the notice read (and, with `acknowledge`, acknowledged) by a recipient, once each:
    /// the person's row and the notice's counts change in one transaction. Gives whether
    /// anything changed; false for someone it was not addressed to.
    pub async fn mark_notice(&self, notice_id: i64, person_id: i64, acknowledge: bool) -> Result<bool> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let read = sqlx::query(
                "UPDATE notice_recipients SET read_at = $1 WHERE notice_id = $2 AND person_id = $3 AND read_at IS NULL",
            )
            .bind(at)
            .bind(notice_id)
            .bind(person_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let acknowledged = if acknowledge {
                sqlx::query(
                    "UPDATE notice_recipients SET acknowledged_at = $1 \
                     WHERE notice_id = $2 AND person_id = $3 AND acknowledged_at IS NULL",
                )
                .bind(at)
                .bind(notice_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                0
            };
            if read + acknowledged > 0 {
                sqlx::query("UPDATE notices SET read_count = read_count + $1, ack_count = ack_count + $2 WHERE id = $3")
                    .bind(i64::try_from(read).unwrap_or(0))
                    .bind(i64::try_from(acknowledged).unwrap_or(0))
                    .bind(notice_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE notice_units SET read_count = read_count + $1, ack_count = ack_count + $2 \
                     WHERE notice_id = $3 AND unit_id = (SELECT unit_id FROM notice_recipients WHERE notice_id = $3 AND person_id = $4)",
                )
                .bind(i64::try_from(read).unwrap_or(0))
                .bind(i64::try_from(acknowledged).unwrap_or(0))
                .bind(notice_id)
                .bind(person_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            read + acknowledged > 0
        }))
    }

    /// Per unit of the recipients: how many were addressed, read and acknowledged, by unit name.
    pub async fn notice_unit_readings(&self, notice_id: i64) -> Result<Vec<UnitReading>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT c.unit_id, u.name AS unit_name, c.recipients, c.read_count AS read, c.ack_count AS acknowledged \
             FROM notice_units c JOIN units u ON u.id = c.unit_id \
             WHERE c.notice_id = $1 ORDER BY u.name_folded, c.unit_id",
        )
        .bind(notice_id)
        .fetch_all(pool)
        .await?))
    }

    /// The recipients, those who have not read first, then by unit and name, a page at a time.
    pub async fn notice_recipients(&self, notice_id: i64, limit: i64, offset: i64) -> Result<Vec<RecipientRow>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT r.person_id, r.unit_id, p.display_name, u.name AS unit_name, r.read_at, r.acknowledged_at, \
             EXISTS (SELECT 1 FROM parent_classes c WHERE c.person_id = r.person_id AND c.unit_id = r.unit_id) AS parent \
             FROM notice_recipients r JOIN people p ON p.id = r.person_id JOIN units u ON u.id = r.unit_id \
             WHERE r.notice_id = $1 \
             ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, u.name_folded, p.name_folded, r.person_id \
             LIMIT $2 OFFSET $3",
        )
        .bind(notice_id)
        .bind(limit.clamp(1, MAX_LISTED))
        .bind(offset.max(0))
        .fetch_all(pool)
        .await?))
    }

    /// Writes the notifications and mails of up to `limit` recipients not yet told, oldest
    /// notice first, as `compose` words them, and marks them told, in one transaction (so a
    /// killed worker's batch is written again whole or not at all). Gives how many were told
    /// and whether more wait.
    pub async fn deliver_notice_batch(
        &self,
        limit: i64,
        compose: impl Fn(&Notice, &[Person]) -> Outgoing,
    ) -> Result<(usize, bool)> {
        let pending_sql = format!(
            "SELECT r.notice_id, {PERSON_COLUMNS} FROM notice_recipients r JOIN people p ON p.id = r.person_id \
             WHERE r.delivered_at IS NULL ORDER BY r.notice_id, r.person_id LIMIT $1"
        );
        let pending: Vec<(i64, Person)> = on_pool!(self, pool => {
            use sqlx::Row;
            let rows = sqlx::query(sqlx::AssertSqlSafe(pending_sql.as_str()))
                .bind(limit.clamp(1, 5_000) + 1)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let notice_id: i64 = row.try_get("notice_id")?;
                out.push((notice_id, Person::from(<PersonRow as sqlx::FromRow<_>>::from_row(row)?)));
            }
            out
        });
        let more = pending.len() as i64 > limit.clamp(1, 5_000);
        let batch = &pending[..pending.len().min(limit.clamp(1, 5_000) as usize)];
        let mut told = 0;
        let mut start = 0;
        while start < batch.len() {
            let notice_id = batch[start].0;
            let end = start + batch[start..].iter().take_while(|(n, _)| *n == notice_id).count();
            let people: Vec<Person> = batch[start..end].iter().map(|(_, p)| p.clone()).collect();
            let Some(notice) = self.notice(notice_id).await? else {
                start = end;
                continue;
            };
            let outgoing = compose(&notice, &people);
            let at = now();
            on_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                // Exactly those read: a large audience is still being addressed while it is
                // delivered, so others may have joined between the first and the last.
                let list: Vec<String> = (3..3 + people.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "UPDATE notice_recipients SET delivered_at = $1 \
                     WHERE notice_id = $2 AND person_id IN ({}) AND delivered_at IS NULL",
                    list.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(at).bind(notice_id);
                for p in &people {
                    q = q.bind(p.id);
                }
                q.execute(&mut *tx).await?;
                send_in_tx!(tx, &outgoing)?;
                tx.commit().await?;
            });
            told += people.len();
            start = end;
        }
        Ok((told, more))
    }

    /// Notices whose due day has come (`today`, Vietnam time) and whose reminder has not gone.
    pub async fn notices_due_for_reminder(&self, today: Date) -> Result<Vec<Notice>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notices n JOIN units u ON u.id = n.unit_id \
             WHERE n.reminded_at IS NULL AND n.due_on IS NOT NULL AND n.due_on <= $1 ORDER BY n.id"
        );
        let rows: Vec<NoticeRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(today).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Notice::from).collect())
    }

    /// Enabled recipients already told who have not read the notice or, when it asks for
    /// acknowledgment, not acknowledged it: whom its reminder goes to.
    pub async fn notice_laggards(&self, notice: &Notice) -> Result<Vec<Person>> {
        let pending = if notice.ack_required {
            "r.acknowledged_at IS NULL"
        } else {
            "r.read_at IS NULL"
        };
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM notice_recipients r JOIN people p ON p.id = r.person_id \
             WHERE r.notice_id = $1 AND p.disabled = FALSE AND r.delivered_at IS NOT NULL AND {pending} ORDER BY p.id"
        );
        let rows: Vec<PersonRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(notice.id).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// Records the notice's reminder and sends it, once: the UPDATE that stamps it refuses a
    /// second time, and then nothing is sent. Gives whether it was sent now.
    pub async fn send_notice_reminder(&self, notice_id: i64, outgoing: &Outgoing) -> Result<bool> {
        let at = now();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let stamped = sqlx::query("UPDATE notices SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL")
                .bind(at)
                .bind(notice_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if stamped {
                send_in_tx!(tx, outgoing)?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            stamped
        }))
    }

    /// The symbol an issuing unit writes in its documents' numbers: the one of its latest
    /// numbered plan, else None.
    pub async fn latest_doc_issuer(&self, unit_id: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT doc_issuer FROM plans WHERE issuing_unit_id = $1 AND doc_issuer <> '' ORDER BY id DESC LIMIT 1",
        )
        .bind(unit_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|r| r.0))
    }

    /// How many times parents at a school read a notice to families (a message to parents only:
    /// sent, unnumbered) sent in a period: the parents reached that the yearly report counts (S3.3).
    pub async fn school_family_reach(&self, school_id: i64, from: OffsetDateTime, to: OffsetDateTime) -> Result<i64> {
        let (reached,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM notice_recipients r JOIN notices n ON n.id = r.notice_id \
             WHERE r.unit_id = $1 AND r.read_at IS NOT NULL AND n.kind = 'notice' AND n.doc_sequence IS NULL \
             AND n.created_at >= $2 AND n.created_at < $3",
        )
        .bind(school_id)
        .bind(crate::trainings::utc(from))
        .bind(crate::trainings::utc(to))
        .fetch_one(pool)
        .await?);
        Ok(reached)
    }
}
