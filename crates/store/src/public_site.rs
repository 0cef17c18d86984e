//! What the public site of a unit reads: stories published for a purpose (newest first, read
//! one past the page so no count runs over every story), when the published set last changed,
//! the addresses of the sitemap, and visits counted by day.

use lanhmang_domain::story::Purpose;
use time::OffsetDateTime;

use crate::{BeginWrite, Result, Store, path_range_of};

/// Where a public page takes its stories from.
#[derive(Debug, Clone, Copy)]
pub enum PublicScope<'a> {
    /// Stories written at this unit only (a school's page).
    Unit(i64),
    /// Stories written anywhere in the subtree of the unit with this ancestry (an office's page).
    Subtree(&'a [i64]),
}

/// A published story as a public list shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublishedStory {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub title: String,
    pub body: String,
    pub published_at: OffsetDateTime,
    /// The first photo that still has its bytes.
    pub photo_id: Option<i64>,
}

/// A story's address for the sitemap: the unit whose page shows it, and when it was published.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SitemapStory {
    pub id: i64,
    pub unit_code: String,
    pub unit_kind: String,
    pub parent_code: Option<String>,
    pub purpose: String,
    pub published_at: OffsetDateTime,
}

/// The most addresses one sitemap file may hold (sitemaps.org).
pub const SITEMAP_MAX: i64 = 50_000;

/// What `published_stories_sql` binds after the purpose (`$1`): the unit, or the subtree's
/// range; then the limit and the offset.
#[derive(Debug, Clone)]
pub(crate) struct ScopeBinds {
    pub unit: Option<i64>,
    pub range: Option<(String, String)>,
}

/// The query behind `published_stories`, in one place so that the benchmark explains the very
/// text the public pages run.
///
/// The page's stories are chosen first over narrow rows (when published, which story), and only
/// those on the page are read whole: the choice may have to sort every story of an office (the
/// plan that starts from the office's schools, SQLite's for every page), and sorting 10,000
/// whole stories (on SQLite each with its photo looked up first) took twice to five times as
/// long as sorting the narrow rows (bench/public-site, issue 15).
pub(crate) fn published_stories_sql(scope: PublicScope<'_>) -> (String, ScopeBinds) {
    let (condition, binds) = match scope {
        PublicScope::Unit(id) => (
            "s.unit_id = $2",
            ScopeBinds {
                unit: Some(id),
                range: None,
            },
        ),
        PublicScope::Subtree(ancestry) => (
            "u.path >= $2 AND u.path < $3",
            ScopeBinds {
                unit: None,
                range: Some(path_range_of(ancestry)),
            },
        ),
    };
    let n = if binds.unit.is_some() { 3 } else { 4 };
    let sql = format!(
        "SELECT s.id, s.unit_id, u.code AS unit_code, u.name AS unit_name, s.title, s.body, page.published_at, \
         (SELECT MIN(f.id) FROM story_photos f WHERE f.story_id = s.id AND f.deleted_at IS NULL) AS photo_id \
         FROM (SELECT p.story_id, p.published_at \
         FROM story_publications p JOIN stories s ON s.id = p.story_id JOIN units u ON u.id = s.unit_id \
         WHERE p.purpose = $1 AND p.unpublished_at IS NULL AND {condition} \
         ORDER BY p.published_at DESC, p.story_id DESC LIMIT ${n} OFFSET ${}) page \
         JOIN stories s ON s.id = page.story_id JOIN units u ON u.id = s.unit_id \
         ORDER BY page.published_at DESC, page.story_id DESC",
        n + 1
    );
    (sql, binds)
}

impl Store {
    /// The stories published for `purpose` in `scope`, newest first: up to `limit` after
    /// skipping `offset`, and whether more follow.
    pub async fn published_stories(
        &self,
        purpose: Purpose,
        scope: PublicScope<'_>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PublishedStory>, bool)> {
        let limit = limit.clamp(1, 100);
        let (sql, binds) = published_stories_sql(scope);
        let mut rows: Vec<PublishedStory> = on_pool!(self, pool => {
            // Planned afresh for every page, with the unit's range and the offset in view.
            // PostgreSQL replaces a kept statement's plans by one generic plan after five runs
            // when that looks cheaper on average; blind to the range, it guessed one school's
            // stories and sorted the whole office's on every page (35–80 ms at 10,000 stories,
            // against 0.2 ms for the first page walked in order of publication). Planning costs
            // under a millisecond.
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .persistent(false)
                .bind(purpose.as_str());
            if let Some(id) = binds.unit {
                q = q.bind(id);
            }
            if let Some((low, high)) = &binds.range {
                q = q.bind(low).bind(high);
            }
            q.bind(limit + 1).bind(offset.max(0)).fetch_all(pool).await?
        });
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((rows, more))
    }

    /// When a story last left `purpose` anywhere: a public page's list may have changed then.
    pub async fn last_unpublished(&self, purpose: Purpose) -> Result<Option<OffsetDateTime>> {
        let row: Option<(Option<OffsetDateTime>,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT unpublished_at FROM story_publications WHERE purpose = $1 AND unpublished_at IS NOT NULL \
             ORDER BY unpublished_at DESC LIMIT 1",
        )
        .bind(purpose.as_str())
        .fetch_optional(pool)
        .await?);
        Ok(row.and_then(|(t,)| t))
    }

    /// The open units whose websites mention `host` (the caller keeps those whose website's host
    /// is exactly it: `LIKE` only narrows).
    pub async fn units_mentioning_host(&self, host: &str) -> Result<Vec<crate::Unit>> {
        let sql = format!(
            "SELECT {} FROM units u WHERE u.status <> 'closed' AND u.websites LIKE $1 ORDER BY u.id LIMIT 20",
            crate::units::UNIT_COLUMNS
        );
        let pattern = format!("%{}%", host.replace(['%', '_'], ""));
        let rows: Vec<crate::units::UnitRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(pattern)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(crate::Unit::try_from).collect()
    }

    /// The codes of the units whose public page is open (every unit not closed), by code.
    pub async fn public_unit_codes(&self) -> Result<Vec<(String, OffsetDateTime)>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT code, updated_at FROM units WHERE status <> 'closed' ORDER BY code LIMIT $1",
        )
        .bind(SITEMAP_MAX)
        .fetch_all(pool)
        .await?))
    }

    /// The newest published stories for the sitemap, up to `limit`.
    pub async fn sitemap_stories(&self, limit: i64) -> Result<Vec<SitemapStory>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT s.id, u.code AS unit_code, u.kind AS unit_kind, a.code AS parent_code, p.purpose, p.published_at \
             FROM story_publications p JOIN stories s ON s.id = p.story_id JOIN units u ON u.id = s.unit_id \
             LEFT JOIN units a ON a.id = u.parent_id \
             WHERE p.unpublished_at IS NULL AND p.purpose IN ('school_site', 'office_site') \
             ORDER BY p.published_at DESC, s.id DESC LIMIT $1",
        )
        .bind(limit.clamp(0, SITEMAP_MAX))
        .fetch_all(pool)
        .await?))
    }

    /// Adds `visits` to a unit's count for `day` (Vietnam's date, `YYYY-MM-DD`).
    pub async fn add_public_visits(&self, counts: &[(i64, String, i64)]) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (unit_id, day, visits) in counts {
                sqlx::query(
                    "INSERT INTO public_visits (unit_id, day, visits) VALUES ($1, $2, $3) \
                     ON CONFLICT (unit_id, day) DO UPDATE SET visits = public_visits.visits + excluded.visits",
                )
                .bind(unit_id)
                .bind(day)
                .bind(visits)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A unit's visits by day from `since` (inclusive, `YYYY-MM-DD`), oldest first.
    pub async fn public_visits(&self, unit_id: i64, since: &str) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT day, visits FROM public_visits WHERE unit_id = $1 AND day >= $2 ORDER BY day",
        )
        .bind(unit_id)
        .bind(since)
        .fetch_all(pool)
        .await?))
    }

    /// How many stories written in the subtree of `ancestry` were first published between `from`
    /// and `to` (for the report's count, S1.2), whatever purpose, still published or not.
    pub async fn published_story_count(
        &self,
        ancestry: &[i64],
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<i64> {
        let (low, high) = path_range_of(ancestry);
        let (n,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(DISTINCT s.id) FROM story_publications p JOIN stories s ON s.id = p.story_id \
             JOIN units u ON u.id = s.unit_id WHERE u.path >= $1 AND u.path < $2 \
             AND p.published_at >= $3 AND p.published_at < $4",
        )
        .bind(low)
        .bind(high)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?);
        Ok(n)
    }
}
