//! Exemplary stories, their people, the consents recorded for them and where they are
//! published.
//!
//! Publishing and withdrawing both begin by touching the story's row, so on PostgreSQL they
//! take its row lock and on SQLite the write lock: a consent withdrawn while someone publishes
//! is seen by one or the other, and a story is never left published without the consents its
//! purpose needs (`lanhmang_domain::story::missing_consents`, checked inside the transaction).

use lanhmang_domain::story::{GivenBy, Missing, Purpose, Standing, StoryInput, Subject, SubjectKind, missing_consents};
use time::OffsetDateTime;

use crate::notices::MAX_LISTED;
use crate::{AuditContext, BeginWrite, Result, Store, StoreError, now, parse_path};

/// How a consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentMethod {
    /// A signed paper form, its scan attached.
    Paper,
    /// In the app, by the person's own account.
    App,
}

impl ConsentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::Paper => "paper",
            ConsentMethod::App => "app",
        }
    }
}

/// A consent to record.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub subject_id: i64,
    pub given_by: GivenBy,
    pub purpose: Purpose,
    pub method: ConsentMethod,
    pub note: String,
    /// The signed form: (file name, content type, bytes).
    pub scan: Option<(String, String, Vec<u8>)>,
}

/// A consent as recorded (the scan's bytes are read on their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: i64,
    pub subject_id: i64,
    pub given_by: GivenBy,
    pub purpose: Purpose,
    pub method: String,
    pub note: String,
    pub scan_file_name: Option<String>,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdrawal_note: String,
}

/// Where a story is or was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub purpose: Purpose,
    pub approved_by: String,
    pub published_at: OffsetDateTime,
    pub unpublished_at: Option<OffsetDateTime>,
    pub unpublished_reason: String,
}

/// A story with its people, consents and publications.
#[derive(Debug, Clone)]
pub struct Story {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_ancestry: Vec<i64>,
    pub title: String,
    pub body: String,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: OffsetDateTime,
    pub subjects: Vec<Subject>,
    pub consents: Vec<Consent>,
    pub publications: Vec<Publication>,
    /// The parent account asked to consent in the app, per pupil of the story.
    pub asked_parents: Vec<AskedParent>,
    /// The photos, deleted ones included (without their bytes).
    pub photos: Vec<Photo>,
}

impl Story {
    /// The consents that stand (not withdrawn).
    pub fn standing(&self) -> Vec<Standing> {
        self.consents
            .iter()
            .filter(|c| c.withdrawn_at.is_none())
            .map(|c| Standing {
                subject_id: c.subject_id,
                given_by: c.given_by,
                purpose: c.purpose,
            })
            .collect()
    }

    /// Whether the story is published for `purpose` now.
    pub fn published_for(&self, purpose: Purpose) -> bool {
        self.publications
            .iter()
            .any(|p| p.purpose == purpose && p.unpublished_at.is_none())
    }
}

/// A parent account the school asked to give (or refuse) a pupil's consent in the app.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AskedParent {
    pub subject_id: i64,
    pub parent_id: i64,
    pub parent_name: String,
}

/// A story's photo, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Photo {
    pub id: i64,
    pub caption: String,
    pub width: i64,
    pub height: i64,
    pub created_at: OffsetDateTime,
    /// When its bytes were deleted (no purpose covered it any more, or staff removed it).
    pub deleted_at: Option<OffsetDateTime>,
}

/// A photo as stored: both sizes re-encoded as JPEG.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub caption: String,
    pub width: i64,
    pub height: i64,
    pub large: Vec<u8>,
    pub small: Vec<u8>,
}

/// The most photos a story holds.
pub const MAX_PHOTOS: i64 = 4;

/// A story a parent was asked about: the pupil, and the parent's own consents by purpose.
#[derive(Debug, Clone)]
pub struct ParentRequest {
    pub story_id: i64,
    pub unit_name: String,
    pub title: String,
    pub subject: Subject,
    pub consents: Vec<Consent>,
}

/// A story in a list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StorySummary {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub created_at: OffsetDateTime,
    /// The purposes it is published for now, comma-separated.
    pub published: String,
}

/// What publishing answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publishing {
    Published,
    /// The consents still missing, nothing written.
    Missing(Vec<Missing>),
}

/// The reason written when a withdrawal unpublishes a story.
pub const WITHDRAWN_REASON: &str = "consent_withdrawn";

#[derive(sqlx::FromRow)]
struct StoryRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    title: String,
    body: String,
    author_id: i64,
    author_name: String,
    created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SubjectRow {
    id: i64,
    kind: String,
    name: String,
    age: Option<i64>,
}

impl SubjectRow {
    fn into_subject(self) -> Result<Subject> {
        Ok(Subject {
            id: self.id,
            kind: SubjectKind::parse(&self.kind).ok_or_else(|| StoreError::Corrupt("story_subjects.kind".into()))?,
            name: self.name,
            age: self.age,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id: i64,
    subject_id: i64,
    given_by: String,
    purpose: String,
    method: String,
    note: String,
    scan_file_name: Option<String>,
    recorded_by: String,
    recorded_at: OffsetDateTime,
    withdrawn_at: Option<OffsetDateTime>,
    withdrawal_note: String,
}

fn purpose_of(raw: &str) -> Result<Purpose> {
    Purpose::parse(raw).ok_or_else(|| StoreError::Corrupt("story purpose".into()))
}

impl ConsentRow {
    fn into_consent(self) -> Result<Consent> {
        Ok(Consent {
            id: self.id,
            subject_id: self.subject_id,
            given_by: GivenBy::parse(&self.given_by)
                .ok_or_else(|| StoreError::Corrupt("story_consents.given_by".into()))?,
            purpose: purpose_of(&self.purpose)?,
            method: self.method,
            note: self.note,
            scan_file_name: self.scan_file_name,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
            withdrawn_at: self.withdrawn_at,
            withdrawal_note: self.withdrawal_note,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PublicationRow {
    purpose: String,
    approved_by: String,
    published_at: OffsetDateTime,
    unpublished_at: Option<OffsetDateTime>,
    unpublished_reason: String,
}

const PHOTOS_SQL: &str = "SELECT id, caption, width, height, created_at, deleted_at FROM story_photos \
     WHERE story_id = $1 ORDER BY position, id";
const SUBJECTS_SQL: &str = "SELECT id, kind, name, age FROM story_subjects WHERE story_id = $1 ORDER BY position";
const STANDING_SQL: &str =
    "SELECT subject_id, given_by, purpose FROM story_consents WHERE story_id = $1 AND withdrawn_at IS NULL";

/// The story's people and standing consents, read inside the transaction `$tx`.
macro_rules! consent_state_in_tx {
    ($tx:expr, $story_id:expr) => {{
        let subjects: Vec<SubjectRow> = sqlx::query_as(SUBJECTS_SQL)
            .bind($story_id)
            .fetch_all(&mut *$tx)
            .await?;
        let subjects = subjects
            .into_iter()
            .map(SubjectRow::into_subject)
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(STANDING_SQL)
            .bind($story_id)
            .fetch_all(&mut *$tx)
            .await?;
        let mut standing = Vec::with_capacity(rows.len());
        for (subject_id, given_by, purpose) in rows {
            standing.push(Standing {
                subject_id,
                given_by: GivenBy::parse(&given_by)
                    .ok_or_else(|| StoreError::Corrupt("story_consents.given_by".into()))?,
                purpose: purpose_of(&purpose)?,
            });
        }
        (subjects, standing)
    }};
}

/// Touches the story's row inside `$tx`: its lock orders publishing and withdrawing. Evaluates
/// to whether the story exists.
macro_rules! lock_story_in_tx {
    ($tx:expr, $story_id:expr) => {{
        sqlx::query("UPDATE stories SET updated_at = $2 WHERE id = $1")
            .bind($story_id)
            .bind(now())
            .execute(&mut *$tx)
            .await?
            .rows_affected()
            > 0
    }};
}

impl Store {
    /// Records a new story of the unit `unit_id` with its people, in their order.
    pub async fn create_story(
        &self,
        ctx: &AuditContext,
        unit_id: i64,
        author_id: i64,
        input: &StoryInput,
    ) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let at = now();
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO stories (unit_id, title, body, author_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(unit_id)
            .bind(&input.title)
            .bind(&input.body)
            .bind(author_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for (position, s) in input.subjects.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO story_subjects (story_id, position, kind, name, age) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(s.kind.as_str())
                .bind(&s.name)
                .bind(s.age)
                .execute(&mut *tx)
                .await?;
            }
            audit_in_tx!(self, tx, ctx, "story.create", format!("story:{id}"), input.title.clone());
            tx.commit().await?;
            id
        }))
    }

    /// A story with its people, consents and publications.
    pub async fn story(&self, id: i64) -> Result<Option<Story>> {
        let head: Option<StoryRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT s.id, s.unit_id, u.name AS unit_name, u.path AS unit_path, s.title, s.body, s.author_id, \
             p.display_name AS author_name, s.created_at FROM stories s JOIN units u ON u.id = s.unit_id \
             JOIN people p ON p.id = s.author_id WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        let Some(head) = head else { return Ok(None) };
        let (subjects, consents, publications): (Vec<SubjectRow>, Vec<ConsentRow>, Vec<PublicationRow>) = on_pool!(self, pool => (
            sqlx::query_as(SUBJECTS_SQL).bind(id).fetch_all(pool).await?,
            sqlx::query_as(
                "SELECT c.id, c.subject_id, c.given_by, c.purpose, c.method, c.note, c.scan_file_name, \
                 p.display_name AS recorded_by, c.recorded_at, c.withdrawn_at, c.withdrawal_note \
                 FROM story_consents c JOIN people p ON p.id = c.recorded_by WHERE c.story_id = $1 ORDER BY c.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?,
            sqlx::query_as(
                "SELECT s.purpose, p.display_name AS approved_by, s.published_at, s.unpublished_at, s.unpublished_reason \
                 FROM story_publications s JOIN people p ON p.id = s.approved_by WHERE s.story_id = $1 ORDER BY s.purpose",
            )
            .bind(id)
            .fetch_all(pool)
            .await?,
        ));
        let (asked_parents, photos): (Vec<AskedParent>, Vec<Photo>) = on_pool!(self, pool => (
            sqlx::query_as(
                "SELECT s.id AS subject_id, s.parent_id, p.display_name AS parent_name FROM story_subjects s \
                 JOIN people p ON p.id = s.parent_id WHERE s.story_id = $1 ORDER BY s.position",
            )
            .bind(id)
            .fetch_all(pool)
            .await?,
            sqlx::query_as(PHOTOS_SQL).bind(id).fetch_all(pool).await?,
        ));
        Ok(Some(Story {
            id: head.id,
            unit_id: head.unit_id,
            unit_name: head.unit_name,
            unit_ancestry: parse_path(&head.unit_path),
            title: head.title,
            body: head.body,
            author_id: head.author_id,
            author_name: head.author_name,
            created_at: head.created_at,
            subjects: subjects
                .into_iter()
                .map(SubjectRow::into_subject)
                .collect::<Result<_>>()?,
            consents: consents
                .into_iter()
                .map(ConsentRow::into_consent)
                .collect::<Result<_>>()?,
            publications: publications
                .into_iter()
                .map(|p| {
                    Ok(Publication {
                        purpose: purpose_of(&p.purpose)?,
                        approved_by: p.approved_by,
                        published_at: p.published_at,
                        unpublished_at: p.unpublished_at,
                        unpublished_reason: p.unpublished_reason,
                    })
                })
                .collect::<Result<_>>()?,
            asked_parents,
            photos,
        }))
    }

    /// The stories of the units in the subtrees of `roots`, newest first, with how many there are.
    pub async fn stories_in(&self, roots: &[i64], limit: i64, offset: i64) -> Result<(Vec<StorySummary>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let (in_scope, binds) = crate::range_condition("u.path", &ranges, 1);
        let n = binds.len();
        let sql = format!(
            "SELECT s.id, s.unit_id, u.name AS unit_name, s.title, s.created_at, \
             COALESCE((SELECT {agg} FROM story_publications p WHERE p.story_id = s.id AND p.unpublished_at IS NULL), '') \
             AS published FROM stories s JOIN units u ON u.id = s.unit_id WHERE {in_scope} \
             ORDER BY s.id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2,
            agg = match &self.backend {
                crate::Backend::Sqlite(_) => "group_concat(p.purpose, ',')",
                crate::Backend::Postgres(_) => "string_agg(p.purpose, ',' ORDER BY p.purpose)",
            }
        );
        let count = format!("SELECT COUNT(*) FROM stories s JOIN units u ON u.id = s.unit_id WHERE {in_scope}");
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            let mut c = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count.as_str()));
            for b in &binds {
                q = q.bind(b);
                c = c.bind(b);
            }
            let rows: Vec<StorySummary> = q.bind(limit.clamp(1, MAX_LISTED)).bind(offset.max(0)).fetch_all(pool).await?;
            (rows, c.fetch_one(pool).await?.0)
        }))
    }

    /// Records a consent for a person of the story.
    pub async fn add_story_consent(&self, ctx: &AuditContext, story_id: i64, consent: &NewConsent) -> Result<i64> {
        let (file_name, content_type, scan) = match &consent.scan {
            Some((f, t, b)) => (Some(f.as_str()), Some(t.as_str()), Some(b.as_slice())),
            None => (None, None, None),
        };
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO story_consents (story_id, subject_id, given_by, purpose, method, note, scan_file_name, \
                 scan_content_type, scan, recorded_by, recorded_at) \
                 SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM story_subjects WHERE id = $2 AND story_id = $1 \
                 RETURNING id",
            )
            .bind(story_id)
            .bind(consent.subject_id)
            .bind(consent.given_by.as_str())
            .bind(consent.purpose.as_str())
            .bind(consent.method.as_str())
            .bind(&consent.note)
            .bind(file_name)
            .bind(content_type)
            .bind(scan)
            .bind(ctx.actor_id)
            .bind(now())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| {
                crate::units::unique_to_conflict(
                    e,
                    "Sự đồng ý này đã được ghi cho người này và mục đích này; muốn ghi lại, hãy ghi việc rút lại trước.",
                )
            })?
            .ok_or(StoreError::NotFound("người trong câu chuyện"))?;
            audit_in_tx!(
                self,
                tx,
                ctx,
                "story.consent",
                format!("story:{story_id}"),
                format!("consent:{id} {} {}", consent.given_by.as_str(), consent.purpose.as_str())
            );
            tx.commit().await?;
            id
        }))
    }

    /// The signed form of a consent: (file name, content type, bytes).
    pub async fn story_consent_scan(
        &self,
        story_id: i64,
        consent_id: i64,
    ) -> Result<Option<(String, String, Vec<u8>)>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT scan_file_name, scan_content_type, scan FROM story_consents WHERE story_id = $1 AND id = $2 \
             AND scan IS NOT NULL AND scan_file_name IS NOT NULL AND scan_content_type IS NOT NULL",
        )
        .bind(story_id)
        .bind(consent_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Publishes the story for `purpose` when every consent it needs stands, checked inside
    /// the transaction; otherwise writes nothing and names what is missing.
    pub async fn publish_story(
        &self,
        ctx: &AuditContext,
        story_id: i64,
        purpose: Purpose,
        approved_by: i64,
    ) -> Result<Publishing> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !lock_story_in_tx!(tx, story_id) {
                return Err(StoreError::NotFound("câu chuyện"));
            }
            let (subjects, standing) = consent_state_in_tx!(tx, story_id);
            let missing = missing_consents(&subjects, &standing, purpose);
            if !missing.is_empty() {
                tx.rollback().await?;
                return Ok(Publishing::Missing(missing));
            }
            sqlx::query(
                "INSERT INTO story_publications (story_id, purpose, approved_by, published_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (story_id, purpose) DO UPDATE SET approved_by = excluded.approved_by, \
                 published_at = excluded.published_at, unpublished_at = NULL, unpublished_reason = ''",
            )
            .bind(story_id)
            .bind(purpose.as_str())
            .bind(approved_by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            audit_in_tx!(self, tx, ctx, "story.publish", format!("story:{story_id}"), purpose.as_str().to_string());
            tx.commit().await?;
            Publishing::Published
        }))
    }

    /// Withdraws a consent and, in the same transaction, takes the story off every purpose that
    /// no longer has the consents it needs. Evaluates to those purposes; NotFound when the
    /// consent is not the story's or was withdrawn already.
    pub async fn withdraw_story_consent(
        &self,
        ctx: &AuditContext,
        story_id: i64,
        consent_id: i64,
        note: &str,
    ) -> Result<Vec<Purpose>> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !lock_story_in_tx!(tx, story_id) {
                return Err(StoreError::NotFound("câu chuyện"));
            }
            let at = now();
            let withdrawn = sqlx::query(
                "UPDATE story_consents SET withdrawn_at = $3, withdrawn_by = $4, withdrawal_note = $5 \
                 WHERE story_id = $1 AND id = $2 AND withdrawn_at IS NULL",
            )
            .bind(story_id)
            .bind(consent_id)
            .bind(at)
            .bind(ctx.actor_id)
            .bind(note)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if !withdrawn {
                return Err(StoreError::NotFound("sự đồng ý"));
            }
            audit_in_tx!(self, tx, ctx, "story.consent_withdraw", format!("story:{story_id}"), format!("consent:{consent_id}"));
            let (subjects, standing) = consent_state_in_tx!(tx, story_id);
            let live: Vec<(String,)> = sqlx::query_as(
                "SELECT purpose FROM story_publications WHERE story_id = $1 AND unpublished_at IS NULL ORDER BY purpose",
            )
            .bind(story_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut unpublished = Vec::new();
            for (raw,) in live {
                let purpose = purpose_of(&raw)?;
                if missing_consents(&subjects, &standing, purpose).is_empty() {
                    continue;
                }
                sqlx::query(
                    "UPDATE story_publications SET unpublished_at = $3, unpublished_reason = $4 \
                     WHERE story_id = $1 AND purpose = $2",
                )
                .bind(story_id)
                .bind(purpose.as_str())
                .bind(at)
                .bind(WITHDRAWN_REASON)
                .execute(&mut *tx)
                .await?;
                audit_in_tx!(
                    self,
                    tx,
                    ctx,
                    "story.unpublish",
                    format!("story:{story_id}"),
                    format!("{} {WITHDRAWN_REASON}", purpose.as_str())
                );
                unpublished.push(purpose);
            }
            // A photo is kept only while some purpose could still show it.
            if Purpose::ALL
                .iter()
                .all(|p| !missing_consents(&subjects, &standing, *p).is_empty())
            {
                let deleted = sqlx::query(
                    "UPDATE story_photos SET large = NULL, small = NULL, deleted_at = $2 \
                     WHERE story_id = $1 AND deleted_at IS NULL",
                )
                .bind(story_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if deleted > 0 {
                    audit_in_tx!(self, tx, ctx, "story.photos_delete", format!("story:{story_id}"), format!("{deleted} {WITHDRAWN_REASON}"));
                }
            }
            tx.commit().await?;
            unpublished
        }))
    }
}

impl Store {
    /// Adds a photo to the story, refused past [`MAX_PHOTOS`] (counted in the same transaction).
    pub async fn add_story_photo(&self, ctx: &AuditContext, story_id: i64, photo: &NewPhoto) -> Result<i64> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !lock_story_in_tx!(tx, story_id) {
                return Err(StoreError::NotFound("câu chuyện"));
            }
            let (count, next): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(CASE WHEN deleted_at IS NULL THEN 1 END), COALESCE(MAX(position), -1) + 1 \
                 FROM story_photos WHERE story_id = $1",
            )
            .bind(story_id)
            .fetch_one(&mut *tx)
            .await?;
            if count >= MAX_PHOTOS {
                return Err(StoreError::Conflict(format!(
                    "Một câu chuyện có tối đa {MAX_PHOTOS} ảnh; hãy gỡ bớt một ảnh trước."
                )));
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO story_photos (story_id, position, caption, width, height, large, small, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(story_id)
            .bind(next)
            .bind(&photo.caption)
            .bind(photo.width)
            .bind(photo.height)
            .bind(photo.large.as_slice())
            .bind(photo.small.as_slice())
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            audit_in_tx!(self, tx, ctx, "story.photo_add", format!("story:{story_id}"), format!("photo:{id}"));
            tx.commit().await?;
            id
        }))
    }

    /// Deletes a photo's bytes (staff took it off the story); NotFound when it has none left.
    pub async fn remove_story_photo(&self, ctx: &AuditContext, story_id: i64, photo_id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let removed = sqlx::query(
                "UPDATE story_photos SET large = NULL, small = NULL, deleted_at = $3 \
                 WHERE story_id = $1 AND id = $2 AND deleted_at IS NULL",
            )
            .bind(story_id)
            .bind(photo_id)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed == 0 {
                return Err(StoreError::NotFound("ảnh"));
            }
            audit_in_tx!(self, tx, ctx, "story.photo_remove", format!("story:{story_id}"), format!("photo:{photo_id}"));
            tx.commit().await?;
        });
        Ok(())
    }

    /// A photo's JPEG bytes, large or small; None once deleted.
    pub async fn story_photo(&self, story_id: i64, photo_id: i64, small: bool) -> Result<Option<Vec<u8>>> {
        let sql = if small {
            "SELECT small FROM story_photos WHERE story_id = $1 AND id = $2 AND small IS NOT NULL"
        } else {
            "SELECT large FROM story_photos WHERE story_id = $1 AND id = $2 AND large IS NOT NULL"
        };
        let row: Option<(Vec<u8>,)> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(story_id).bind(photo_id).fetch_optional(pool).await?);
        Ok(row.map(|(b,)| b))
    }

    /// Asks the parent account `parent_id` to consent for the pupil `subject_id` in the app (or
    /// stops asking, with None). The caller has checked the parent's class is at the story's unit.
    pub async fn ask_story_parent(
        &self,
        ctx: &AuditContext,
        story_id: i64,
        subject_id: i64,
        parent_id: Option<i64>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE story_subjects SET parent_id = $3 WHERE story_id = $1 AND id = $2 AND kind = 'pupil'",
            )
            .bind(story_id)
            .bind(subject_id)
            .bind(parent_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound("học sinh trong câu chuyện"));
            }
            audit_in_tx!(
                self,
                tx,
                ctx,
                "story.ask_parent",
                format!("story:{story_id}"),
                format!("subject:{subject_id} parent:{}", parent_id.map(|p| p.to_string()).unwrap_or_default())
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// The stories whose pupil the parent `parent_id` was asked about, newest first, with the
    /// consents recorded for that pupil.
    pub async fn parent_story_requests(&self, parent_id: i64) -> Result<Vec<ParentRequest>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            story_id: i64,
            unit_name: String,
            title: String,
            subject_id: i64,
            kind: String,
            name: String,
            age: Option<i64>,
        }
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT s.id AS story_id, u.name AS unit_name, s.title, j.id AS subject_id, j.kind, j.name, j.age \
             FROM story_subjects j JOIN stories s ON s.id = j.story_id JOIN units u ON u.id = s.unit_id \
             WHERE j.parent_id = $1 ORDER BY s.id DESC LIMIT 50",
        )
        .bind(parent_id)
        .fetch_all(pool)
        .await?);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let consents: Vec<ConsentRow> = on_pool!(self, pool => sqlx::query_as(
                "SELECT c.id, c.subject_id, c.given_by, c.purpose, c.method, c.note, c.scan_file_name, \
                 p.display_name AS recorded_by, c.recorded_at, c.withdrawn_at, c.withdrawal_note \
                 FROM story_consents c JOIN people p ON p.id = c.recorded_by \
                 WHERE c.story_id = $1 AND c.subject_id = $2 ORDER BY c.id",
            )
            .bind(r.story_id)
            .bind(r.subject_id)
            .fetch_all(pool)
            .await?);
            out.push(ParentRequest {
                story_id: r.story_id,
                unit_name: r.unit_name,
                title: r.title,
                subject: SubjectRow {
                    id: r.subject_id,
                    kind: r.kind,
                    name: r.name,
                    age: r.age,
                }
                .into_subject()?,
                consents: consents
                    .into_iter()
                    .map(ConsentRow::into_consent)
                    .collect::<Result<_>>()?,
            });
        }
        Ok(out)
    }
}
