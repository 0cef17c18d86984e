//! Sector news (S4.2, S1.1): the feeds we follow, their entries, search over the folded text,
//! the offices' topics, and publishing activity per site.
//!
//! Only institutions' public sites and press feeds are followed, never personal accounts
//! (DOMAIN.md, "The boundary we keep"): [`check_feed_url`] refuses social-network addresses.
//!
//! Search matches `fold_vi(title + summary)` through the FTS5 table `news_search` (migration
//! 0011: keys in date order, the folded words, and tags for the scope, site and topics), in the
//! SQLite database or, on PostgreSQL, in the process's own copy (`news_index`); a PostgreSQL
//! process whose copy is not built yet searches its `tsvector` (`to_tsvector('simple', folded)`,
//! GIN) with the same results. The query is folded by the same function and reduced to plain
//! tokens (letters and digits), so nothing the user types reaches the match syntax: words are
//! ANDed, text in double quotes is a phrase, and a topic is the entries tagged with it. The index
//! only filters: best first is ordered in Rust by `lanhmang_domain::news::RankedQuery` (the
//! query prepared once), the same on both backends.
//!
//! One story is one entry: `canonical_key` (unique) is the canonical address of its link, so a
//! story that a second feed brings is not stored again.
//!
//! Topics with `unit_id` NULL are the defaults every office sees (seeded by migration 0004);
//! an office adds its own.

use crate::BeginWrite;
use lanhmang_domain::Paging;
use lanhmang_domain::address_policy::web_link;
use lanhmang_domain::news::{RankedQuery, canonical_url};
use lanhmang_domain::news::{keyword_groups, matches_any, query_groups, terms};
use lanhmang_domain::report::{VIETNAM, vietnam_date};
use lanhmang_domain::text::fold_vi;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::{AuditContext, Backend, Result, Store, StoreError, now, range_condition};

/// How often a healthy feed is polled.
pub const POLL_INTERVAL: Duration = Duration::minutes(60);
/// The longest wait after failures (the backoff doubles up to this).
pub const MAX_BACKOFF: Duration = Duration::hours(24);
/// Search totals are counted up to this many and reported as `COUNT_CAP + 1` beyond it.
pub const COUNT_CAP: i64 = 10_000;
/// Best first ranks this many of the newest matches (see `search_news`); older matches follow
/// them newest first. Ranking is done in Rust by `lanhmang_domain::news::relevance`, the same
/// on both backends, so it must stay bounded: a common word matches a large share of the table.
pub const RANKED_CANDIDATES: i64 = 1_000;
/// Characters kept of an entry's summary.
pub const SUMMARY_CHARS: usize = 400;
/// Characters kept of an entry's title and of an error.
const TITLE_CHARS: usize = 500;
const ERROR_CHARS: usize = 1000;

/// Whether a feed's address may be followed: http(s), a host, not a personal social account.
/// Returns the normalised URL or the reason in Vietnamese.
pub fn check_feed_url(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Hãy nhập địa chỉ nguồn tin (RSS, Atom hoặc JSON Feed).".into());
    }
    let url = url::Url::parse(raw).map_err(|_| {
        format!(
            "«{}» không phải là địa chỉ web hợp lệ (ví dụ: https://baochinhphu.vn/rss).",
            shown(raw)
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Địa chỉ nguồn tin phải bắt đầu bằng http:// hoặc https://.".into());
    }
    let Some(host) = url.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()) else {
        return Err("Địa chỉ nguồn tin thiếu tên miền.".into());
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Địa chỉ nguồn tin không được chứa tên đăng nhập hay mật khẩu.".into());
    }
    if lanhmang_domain::address_policy::is_personal_social_feed(&url) {
        return Err(format!(
            "Lành Mạng chỉ theo dõi trang tin công khai của cơ quan, trường học và báo chí, không theo dõi tài khoản mạng xã hội cá nhân ({host})."
        ));
    }
    if raw.len() > 2000 {
        return Err("Địa chỉ nguồn tin dài quá 2000 ký tự.".into());
    }
    let mut url = url;
    url.set_fragment(None);
    Ok(url.to_string())
}

fn shown(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(100).collect()
}

fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", text[..i].trim_end()),
        None => text.to_string(),
    }
}

/// Plain text from a feed's summary (which is often HTML): tags dropped, entities decoded for
/// the common cases, white space collapsed, cut to [`SUMMARY_CHARS`].
pub fn plain_summary(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(4096));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
        if out.len() > SUMMARY_CHARS * 8 {
            break;
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    cut(&decoded.split_whitespace().collect::<Vec<_>>().join(" "), SUMMARY_CHARS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// Found on a registered site of a unit.
    Site,
    /// A press feed an office added.
    Press,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Site => "site",
            FeedKind::Press => "press",
        }
    }
}

/// A feed as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewsFeed {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub kind: FeedKind,
    pub site_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_polled_at: Option<OffsetDateTime>,
    pub next_poll_at: OffsetDateTime,
    pub consecutive_failures: i64,
    pub last_error: String,
    /// "ok", "not_modified", "error", or "" before the first poll.
    pub last_status: String,
    pub active: bool,
    pub entries: i64,
}

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: i64,
    url: String,
    title: String,
    kind: String,
    site_id: Option<i64>,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    last_polled_at: Option<OffsetDateTime>,
    next_poll_at: OffsetDateTime,
    consecutive_failures: i64,
    last_error: String,
    last_status: String,
    active: bool,
    entries: i64,
}

impl From<FeedRow> for NewsFeed {
    fn from(r: FeedRow) -> NewsFeed {
        NewsFeed {
            id: r.id,
            url: r.url,
            title: r.title,
            kind: if r.kind == "press" {
                FeedKind::Press
            } else {
                FeedKind::Site
            },
            site_id: r.site_id,
            unit_id: r.unit_id,
            unit_name: r.unit_name.unwrap_or_default(),
            etag: r.etag,
            last_modified: r.last_modified,
            last_polled_at: r.last_polled_at,
            next_poll_at: r.next_poll_at,
            consecutive_failures: r.consecutive_failures,
            last_error: r.last_error,
            last_status: r.last_status,
            active: r.active,
            entries: r.entries,
        }
    }
}

const FEED_COLUMNS: &str = "f.id, f.url, f.title, f.kind, f.site_id, f.unit_id, u.name AS unit_name, f.etag, \
     f.last_modified, f.last_polled_at, f.next_poll_at, f.consecutive_failures, f.last_error, f.last_status, f.active, \
     (SELECT COUNT(*) FROM news_entries e WHERE e.feed_id = f.id) AS entries";

/// One entry read from a feed, before storing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub title: String,
    pub url: Option<String>,
    /// Plain text (see [`plain_summary`]).
    pub summary: String,
    pub published_at: Option<OffsetDateTime>,
}

impl NewEntry {
    /// The entry's link if it is a web address; anything else (`javascript:`, `data:`) is
    /// dropped here, the last gate before the database, whoever produced the entry.
    fn link(&self) -> Option<String> {
        self.url.as_deref().and_then(|u| web_link(None, u))
    }

    /// What makes two entries of a feed the same: the link, else the title and date.
    fn dedup_key(&self) -> String {
        match self.link() {
            Some(u) => format!("u:{u}"),
            None => format!(
                "t:{}|{}",
                fold_vi(&self.title),
                self.published_at.map(crate::format_time).unwrap_or_default()
            ),
        }
    }
}

/// What makes two entries the same story across feeds (`news_entries.canonical_key`): the
/// canonical address of the link ([`canonical_url`]), or, for an entry without a usable link,
/// its own key within its feed (nothing else says two such entries are one story).
fn entry_key(feed_id: i64, url: &str, dedup_key: &str) -> String {
    match canonical_url(url) {
        Some(key) => key,
        None => format!("feed:{feed_id}:{dedup_key}"),
    }
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// 304: nothing new.
    NotModified,
    /// The feed was read: its validators for the next poll, its title and entries.
    Fetched {
        etag: Option<String>,
        last_modified: Option<String>,
        title: String,
        entries: Vec<NewEntry>,
    },
    /// The feed could not be fetched or read.
    Failed(String),
}

/// Order of search results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NewsSort {
    #[default]
    Newest,
    Relevance,
}

/// What to search. `roots` is the caller's scope; press entries (no site) are visible to every
/// scope unless a unit or site is chosen.
#[derive(Debug, Clone, Default)]
pub struct NewsFilter {
    pub roots: Vec<i64>,
    pub query: Option<String>,
    /// The subtree of this unit (already checked to be in scope).
    pub unit_id: Option<i64>,
    pub site_id: Option<i64>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub topic_id: Option<i64>,
    pub sort: NewsSort,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewsItem {
    pub id: i64,
    pub title: String,
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    pub site_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub feed_title: String,
    pub snippet: String,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    title: String,
    url: String,
    summary: String,
    folded: String,
    published_at: OffsetDateTime,
    site_id: Option<i64>,
    unit_id: Option<i64>,
    unit_name: Option<String>,
    feed_title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewsTopic {
    pub id: i64,
    /// None: a default topic.
    pub unit_id: Option<i64>,
    pub name: String,
    /// One keyword or phrase per line, as written.
    pub keywords: String,
}

impl NewsTopic {
    pub fn keyword_list(&self) -> Vec<String> {
        keyword_lines(&self.keywords)
    }
}

/// The non-empty lines of a keyword list, cleaned.
pub fn keyword_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Checks a topic's name and keywords; returns them cleaned or the reason.
pub fn check_topic(name: &str, keywords: &str) -> std::result::Result<(String, String), String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("Hãy đặt tên cho chủ đề.".into());
    }
    if name.chars().count() > 120 {
        return Err("Tên chủ đề dài tối đa 120 ký tự.".into());
    }
    let lines = keyword_lines(keywords);
    if lines.is_empty() {
        return Err("Hãy nhập ít nhất một từ khóa (mỗi dòng một từ khóa hoặc cụm từ).".into());
    }
    if lines.len() > 100 {
        return Err("Một chủ đề có tối đa 100 từ khóa.".into());
    }
    if lines.iter().any(|l| terms(&fold_vi(l)).is_empty()) {
        return Err("Mỗi từ khóa phải có ít nhất một chữ cái hoặc chữ số.".into());
    }
    Ok((name, lines.join("\n")))
}

/// What a unit's registered (active) websites published over a period: the counts the posts
/// per month figure is made of (`lanhmang_app::news::PostsPerMonth`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnitActivity {
    pub unit_id: i64,
    pub unit_name: String,
    /// The addresses of its active sites.
    pub site_urls: Vec<String>,
    /// Feeds found on those sites (none: what they publish cannot be known).
    pub feeds: i64,
    /// Entries of those sites published in the period.
    pub entries: i64,
    pub last_published_at: Option<OffsetDateTime>,
}

/// An office that gets the weekly digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestOffice {
    pub unit_id: i64,
    pub name: String,
    pub ancestry: Vec<i64>,
    /// (name, e-mail) of its office administrators.
    pub recipients: Vec<(String, String)>,
}

/// The job kind that rebuilds a topic's entries after its keywords change.
pub const TOPIC_INDEX_JOB: &str = "news_topic_index";

/// The PostgreSQL tsquery of a search's groups: all of them, each a phrase. Tokens hold only
/// letters and digits, so they need no escaping.
fn pg_tsquery(groups: &[Vec<String>]) -> String {
    groups
        .iter()
        .map(|g| {
            if g.len() == 1 {
                g[0].clone()
            } else {
                format!("({})", g.join(" <-> "))
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The columns a search's result rows are read with (`ItemRow`).
const ITEM_COLUMNS: &str = "e.id, e.title, e.url, e.summary, e.folded, e.published_at, e.site_id, e.unit_id, \
     u.name AS unit_name, CASE WHEN f.title = '' THEN f.url ELSE f.title END AS feed_title";

/// How a search is run.
enum SearchPlan {
    /// One FTS5 query over news_search (migration 0011; on PostgreSQL the process's copy, see
    /// `news_index`), keys in `[from, to)`.
    Fts {
        index: sqlx::SqlitePool,
        expression: String,
        from: i64,
        to: i64,
    },
    /// PostgreSQL before its index is built: the capped count and the newest-first list (its
    /// last two parameters are LIMIT and OFFSET).
    Sql {
        count: String,
        list: String,
        binds: Vec<Bind>,
    },
}

/// Entry ids stay below 2^30: a search key is the publication time in seconds times 2^30 plus
/// the id (migration 0011), so it sorts as (published_at, id).
const KEY_ID_BITS: u32 = 30;

/// The first search key at or after `t` (an entry published at `t` has a key above it).
fn key_at(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().saturating_mul(1 << KEY_ID_BITS)
}

/// The entry a search key stands for.
fn entry_of_key(key: i64) -> i64 {
    key & ((1 << KEY_ID_BITS) - 1)
}

/// The tag of a unit's subtree in news_search.tags (migration 0011: `u` and the id in 12 digits,
/// as in units.path).
fn unit_tag(id: i64) -> String {
    format!("u{id:012}")
}

/// A search as one FTS5 query: the words (each group a phrase, all required) in the
/// folded text, and the scope, site and topic as tags; dates as a range of keys. `None` when
/// nothing can match (an empty scope). Tokens hold only letters and digits, so nothing typed
/// reaches the query syntax.
fn fts_plan(index: sqlx::SqlitePool, filter: &NewsFilter, groups: &[Vec<String>]) -> Option<SearchPlan> {
    let quoted = |t: &str| format!("\"{t}\"");
    let mut parts: Vec<String> = Vec::new();
    if !groups.is_empty() {
        let phrases: Vec<String> = groups.iter().map(|g| quoted(&g.join(" "))).collect();
        parts.push(format!("words : ({})", phrases.join(" AND ")));
    }
    // Scope: the chosen unit's subtree, or the caller's, plus press entries. A root inside
    // another root adds nothing, and an unknown one matches nothing.
    let (roots, press) = match filter.unit_id {
        Some(u) => (vec![u], false),
        None => (filter.roots.clone(), filter.site_id.is_none()),
    };
    let mut scope: Vec<String> = roots.iter().map(|r| quoted(&unit_tag(*r))).collect();
    if press {
        scope.push(quoted("press"));
    }
    if scope.is_empty() {
        return None;
    }
    parts.push(format!("tags : ({})", scope.join(" OR ")));
    if let Some(s) = filter.site_id {
        parts.push(format!("tags : {}", quoted(&format!("s{s}"))));
    }
    if let Some(t) = filter.topic_id {
        parts.push(format!("tags : {}", quoted(&format!("t{t}"))));
    }
    Some(SearchPlan::Fts {
        index,
        expression: parts.join(" AND "),
        from: filter.from.map_or(i64::MIN, |d| key_at(day_start(d))),
        to: filter
            .to
            .map_or(i64::MAX, |d| key_at(day_start(d.next_day().unwrap_or(d)))),
    })
}

/// A short excerpt of `text` around the first query token found, else its start.
fn snippet(text: &str, groups: &[Vec<String>], max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Fold per character so positions in the folded text map back to the original; ASCII
    // (most of the text) needs no normalisation.
    let folded: Vec<String> = chars
        .iter()
        .map(|c| {
            if c.is_ascii() {
                c.to_ascii_lowercase().to_string()
            } else {
                fold_vi(&c.to_string())
            }
        })
        .collect();
    let mut starts = Vec::with_capacity(chars.len());
    let mut flat = String::new();
    for f in &folded {
        starts.push(flat.len());
        flat.push_str(if f.is_empty() { " " } else { f });
    }
    let hit = groups
        .iter()
        .flatten()
        .filter_map(|t| flat.find(t.as_str()))
        .min()
        .and_then(|byte| starts.iter().rposition(|s| *s <= byte));
    let start = hit.map_or(0, |h| h.saturating_sub(max / 3));
    let end = (start + max).min(chars.len());
    let mut out: String = chars[start..end].iter().collect();
    out = out.trim().to_string();
    if start > 0 {
        out = format!("…{out}");
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// Midnight in Vietnam at the start of `d`, in UTC.
fn day_start(d: Date) -> OffsetDateTime {
    d.midnight().assume_offset(VIETNAM).to_offset(UtcOffset::UTC)
}

enum Bind {
    Text(String),
    Int(i64),
    Time(OffsetDateTime),
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Int(v) => q.bind(*v),
                Bind::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}

/// Queues the job that rebuilds topic `$id`'s entries, in the transaction that changed it.
macro_rules! queue_topic_index_in_tx {
    ($tx:expr, $id:expr, $at:expr) => {{
        let payload = format!("{{\"topic_id\":{}}}", $id);
        sqlx::query(
            "INSERT INTO jobs (kind, payload, state, dedup_key, run_at, created_at) VALUES ($1, $2, 'queued', $3, $4, $4) \
             ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING",
        )
        .bind(TOPIC_INDEX_JOB)
        .bind(&payload)
        .bind(format!("{TOPIC_INDEX_JOB}:{}", $id))
        .bind($at)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    // -----------------------------------------------------------------------------------------
    // Feeds.

    /// Adds a press feed for `office_id`, with its audit entry. Refuses bad or personal URLs and
    /// duplicates with a Vietnamese reason (`StoreError::Conflict`), writing nothing.
    pub async fn add_press_feed(&self, ctx: &AuditContext, office_id: i64, url: &str, title: &str) -> Result<NewsFeed> {
        let url = check_feed_url(url).map_err(StoreError::Conflict)?;
        let title = cut(&title.split_whitespace().collect::<Vec<_>>().join(" "), 200);
        let at = now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO news_feeds (url, title, kind, unit_id, next_poll_at, created_by, created_at) \
                 VALUES ($1, $2, 'press', $3, $4, $5, $4) ON CONFLICT (url) DO NOTHING RETURNING id",
            )
            .bind(&url)
            .bind(&title)
            .bind(office_id)
            .bind(at)
            .bind(ctx.actor_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id,)) = row else {
                return Err(StoreError::Conflict(format!("Nguồn tin {url} đã có trong danh sách theo dõi.")));
            };
            audit_in_tx!(self, tx, ctx, "news.feed.add", format!("news_feed:{id}"), url.clone());
            tx.commit().await?;
            id
        });
        self.news_feed(id).await?.ok_or(StoreError::NotFound("nguồn tin"))
    }

    /// Registers feeds an inspection found on a registered site (the unit is the site's);
    /// idempotent. Addresses that are not http(s) or that name personal accounts are skipped.
    /// Returns how many were new.
    pub async fn discover_site_feeds(&self, site_id: i64, feed_urls: &[String]) -> Result<usize> {
        let site: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as("SELECT unit_id FROM sites WHERE id = $1")
            .bind(site_id).fetch_optional(pool).await?);
        let Some((unit_id,)) = site else {
            return Err(StoreError::NotFound("trang web"));
        };
        let at = now();
        let mut added = 0;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for raw in feed_urls {
                let Ok(url) = check_feed_url(raw) else { continue };
                let done = sqlx::query(
                    "INSERT INTO news_feeds (url, kind, site_id, unit_id, next_poll_at, created_at) \
                     VALUES ($1, 'site', $2, $3, $4, $4) ON CONFLICT (url) DO NOTHING",
                )
                .bind(&url)
                .bind(site_id)
                .bind(unit_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                added += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            tx.commit().await?;
        });
        Ok(added)
    }

    pub async fn news_feed(&self, id: i64) -> Result<Option<NewsFeed>> {
        let sql =
            format!("SELECT {FEED_COLUMNS} FROM news_feeds f LEFT JOIN units u ON u.id = f.unit_id WHERE f.id = $1");
        let row: Option<FeedRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(pool).await?);
        Ok(row.map(NewsFeed::from))
    }

    /// Feeds of units inside `roots`, press first, then by unit and address.
    pub async fn list_news_feeds(&self, roots: &[i64], paging: Paging) -> Result<(Vec<NewsFeed>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let (scope, binds) = range_condition("u.path", &ranges, 1);
        let n = binds.len();
        let count_sql = format!("SELECT COUNT(*) FROM news_feeds f JOIN units u ON u.id = f.unit_id WHERE {scope}");
        let list_sql = format!(
            "SELECT {FEED_COLUMNS} FROM news_feeds f JOIN units u ON u.id = f.unit_id WHERE {scope} \
             ORDER BY CASE WHEN f.kind = 'press' THEN 0 ELSE 1 END, u.name, f.url LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let (rows, total): (Vec<FeedRow>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, FeedRow>(sqlx::AssertSqlSafe(list_sql.as_str()));
            for b in &binds {
                count = count.bind(b.clone());
                list = list.bind(b.clone());
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        Ok((rows.into_iter().map(NewsFeed::from).collect(), total))
    }

    /// Active feeds due for a poll, the longest waiting first, at most `limit`.
    pub async fn due_news_feeds(&self, limit: i64) -> Result<Vec<NewsFeed>> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM news_feeds f LEFT JOIN units u ON u.id = f.unit_id \
             WHERE f.active AND f.next_poll_at <= $1 ORDER BY f.next_poll_at, f.id LIMIT $2"
        );
        let rows: Vec<FeedRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(now()).bind(limit).fetch_all(pool).await?);
        Ok(rows.into_iter().map(NewsFeed::from).collect())
    }

    /// Makes a feed due now (an office's "read now", and tests).
    pub async fn poll_news_feed_now(&self, feed_id: i64) -> Result<()> {
        let done = on_pool!(self, pool => sqlx::query("UPDATE news_feeds SET next_poll_at = $1 WHERE id = $2")
            .bind(now()).bind(feed_id).execute(pool).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound("nguồn tin"));
        }
        Ok(())
    }

    /// The unit a registered site belongs to.
    pub async fn news_site_unit(&self, site_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as("SELECT unit_id FROM sites WHERE id = $1")
            .bind(site_id).fetch_optional(pool).await?);
        Ok(row.map(|(u,)| u))
    }

    /// Whether any active feed is due for a poll.
    pub async fn news_feeds_due(&self) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id FROM news_feeds WHERE active AND next_poll_at <= $1 LIMIT 1",
        ).bind(now()).fetch_optional(pool).await?);
        Ok(row.is_some())
    }

    /// Records a poll's outcome: new entries stored (deduplicated), the validators kept for the
    /// next conditional request, the next poll scheduled (doubling the wait after failures).
    /// Returns how many entries were new.
    pub async fn record_news_poll(&self, feed_id: i64, outcome: &PollOutcome) -> Result<usize> {
        let at = now();
        let feed: Option<(Option<i64>, Option<i64>, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT site_id, unit_id, consecutive_failures FROM news_feeds WHERE id = $1",
        ).bind(feed_id).fetch_optional(pool).await?);
        let Some((site_id, unit_id, failures)) = feed else {
            return Err(StoreError::NotFound("nguồn tin"));
        };
        match outcome {
            PollOutcome::NotModified => {
                on_pool!(self, pool => { sqlx::query(
                    "UPDATE news_feeds SET last_polled_at = $1, next_poll_at = $2, consecutive_failures = 0, \
                     last_error = '', last_status = 'not_modified' WHERE id = $3",
                ).bind(at).bind(at + POLL_INTERVAL).bind(feed_id).execute(pool).await?; });
                Ok(0)
            }
            PollOutcome::Failed(error) => {
                let failures = failures + 1;
                let shift = u32::try_from(failures.clamp(1, 10) - 1).unwrap_or(0);
                let wait = (POLL_INTERVAL * (1_i32 << shift)).min(MAX_BACKOFF);
                on_pool!(self, pool => { sqlx::query(
                    "UPDATE news_feeds SET last_polled_at = $1, next_poll_at = $2, consecutive_failures = $3, \
                     last_error = $4, last_status = 'error' WHERE id = $5",
                ).bind(at).bind(at + wait).bind(failures).bind(cut(error, ERROR_CHARS)).bind(feed_id).execute(pool).await?; });
                Ok(0)
            }
            PollOutcome::Fetched {
                etag,
                last_modified,
                title,
                entries,
            } => {
                let mut added = 0;
                let topics = self.news_topics_all().await?;
                on_pool!(self, pool => {
                    let mut tx = pool.begin_write().await?;
                    for e in entries {
                        let title_text = cut(&e.title.split_whitespace().collect::<Vec<_>>().join(" "), TITLE_CHARS);
                        if title_text.is_empty() {
                            continue;
                        }
                        let summary = cut(&e.summary, SUMMARY_CHARS);
                        let published = e
                            .published_at
                            .map(|t| t.to_offset(UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t))
                            // A date in the future is a feed's mistake; it would pin the entry on top.
                            .filter(|t| *t <= at + Duration::days(1))
                            .unwrap_or(at);
                        let folded = fold_vi(&format!("{title_text} {summary}"));
                        let link = e.link().unwrap_or_default();
                        let dedup_key = e.dedup_key();
                        let inserted: Option<(i64,)> = sqlx::query_as(
                            "INSERT INTO news_entries (feed_id, site_id, unit_id, url, dedup_key, title, summary, \
                             published_at, first_seen_at, folded, canonical_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                             ON CONFLICT DO NOTHING RETURNING id",
                        )
                        .bind(feed_id)
                        .bind(site_id)
                        .bind(unit_id)
                        .bind(&link)
                        .bind(&dedup_key)
                        .bind(&title_text)
                        .bind(&summary)
                        .bind(published)
                        .bind(at)
                        .bind(&folded)
                        .bind(entry_key(feed_id, &link, &dedup_key))
                        .fetch_optional(&mut *tx)
                        .await?;
                        // Nothing inserted: this feed had it already, or another feed brought the
                        // same story first (the copy stored first stays).
                        let Some((entry_id,)) = inserted else { continue };
                        added += 1;
                        for (topic_id, groups) in &topics {
                            if matches_any(&folded, groups) {
                                sqlx::query("INSERT INTO news_entry_topics (topic_id, entry_id, published_at) VALUES ($1, $2, $3)")
                                    .bind(*topic_id).bind(entry_id).bind(published).execute(&mut *tx).await?;
                            }
                        }
                    }
                    sqlx::query(
                        "UPDATE news_feeds SET etag = $1, last_modified = $2, \
                         title = CASE WHEN $3 = '' THEN title ELSE $3 END, last_polled_at = $4, next_poll_at = $5, \
                         consecutive_failures = 0, last_error = '', last_status = 'ok' WHERE id = $6",
                    )
                    .bind(etag.as_deref())
                    .bind(last_modified.as_deref())
                    .bind(cut(title, 200))
                    .bind(at)
                    .bind(at + POLL_INTERVAL)
                    .bind(feed_id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                });
                Ok(added)
            }
        }
    }

    /// Gives every entry stored before migration 0008 its canonical key, folding each duplicate
    /// into the copy stored first (the lowest id: what the poller keeps too, since it ignores a
    /// story it has already). The copy folded away hands its topics to the one kept, under the
    /// kept entry's date. Runs after the migrations, by batches; nothing to do is one index
    /// probe. Returns how many entries were folded away.
    pub(crate) async fn backfill_news_canonical_keys(&self) -> Result<u64> {
        const BATCH: i64 = 500;
        let mut folded = 0_u64;
        loop {
            let seen = on_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                if matches!(self.backend, Backend::Postgres(_)) {
                    // Two processes starting at once must not fold the same rows.
                    sqlx::query("SELECT pg_advisory_xact_lock(7283008)").execute(&mut *tx).await?;
                }
                let rows: Vec<(i64, i64, String, String, OffsetDateTime)> = sqlx::query_as(
                    "SELECT id, feed_id, url, dedup_key, published_at FROM news_entries \
                     WHERE canonical_key IS NULL ORDER BY id LIMIT $1",
                )
                .bind(BATCH)
                .fetch_all(&mut *tx)
                .await?;
                for (id, feed_id, url, dedup_key, published) in &rows {
                    let key = entry_key(*feed_id, url, dedup_key);
                    let holder: Option<(i64, OffsetDateTime)> =
                        sqlx::query_as("SELECT id, published_at FROM news_entries WHERE canonical_key = $1")
                            .bind(&key)
                            .fetch_optional(&mut *tx)
                            .await?;
                    // (kept, its date, folded away); None: the key is free.
                    let fold = match holder {
                        None => None,
                        Some((h, h_published)) if h < *id => Some((h, h_published, *id)),
                        // Stored later (by a poller that ran before this backfill): this one stays.
                        Some((h, _)) => Some((*id, *published, h)),
                    };
                    if let Some((kept, kept_published, gone)) = fold {
                        sqlx::query(
                            "INSERT INTO news_entry_topics (topic_id, entry_id, published_at) \
                             SELECT topic_id, $1, $2 FROM news_entry_topics WHERE entry_id = $3 ON CONFLICT DO NOTHING",
                        )
                        .bind(kept)
                        .bind(kept_published)
                        .bind(gone)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("DELETE FROM news_entry_topics WHERE entry_id = $1")
                            .bind(gone)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM news_entries WHERE id = $1")
                            .bind(gone)
                            .execute(&mut *tx)
                            .await?;
                        folded += 1;
                    }
                    if fold.is_none_or(|(kept, _, _)| kept == *id) {
                        sqlx::query("UPDATE news_entries SET canonical_key = $1 WHERE id = $2")
                            .bind(&key)
                            .bind(*id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                rows.len()
            });
            if (seen as i64) < BATCH {
                break;
            }
        }
        Ok(folded)
    }

    // -----------------------------------------------------------------------------------------
    // Search.

    /// Entries matching `filter`, newest first (or best first), with the total count.
    pub async fn search_news(&self, filter: &NewsFilter, paging: Paging) -> Result<(Vec<NewsItem>, i64)> {
        let groups = filter.query.as_deref().map(query_groups).unwrap_or_default();
        // Topic keywords only highlight the snippet: membership is read from news_entry_topics
        // (and, on SQLite, from the t<topic> tags of news_search).
        let topic_groups: Vec<Vec<String>> = match filter.topic_id {
            Some(id) => keyword_groups(
                &self
                    .news_topic(id)
                    .await?
                    .ok_or(StoreError::NotFound("chủ đề"))?
                    .keywords,
            ),
            None => Vec::new(),
        };
        let plan = match self.news_search_index().await? {
            Some(index) => match fts_plan(index, filter, &groups) {
                Some(plan) => plan,
                None => return Ok((Vec::new(), 0)),
            },
            None => self.sql_plan(filter, &groups).await?,
        };
        let searching = !groups.is_empty();
        let page = async {
            let rows = if filter.sort == NewsSort::Relevance && searching {
                // Best first: the newest RANKED_CANDIDATES matches are ranked by the one relevance
                // rule (phrase proximity included), ties newest first; matches older than those
                // follow newest first, so every match still has a page.
                let candidates = self.news_candidates(&plan).await?;
                let query = RankedQuery::new(&fold_vi(filter.query.as_deref().unwrap_or_default()));
                let mut scored: Vec<(u32, i64)> = candidates
                    .iter()
                    .map(|(id, title, folded)| (query.score(&fold_vi(title), folded), *id))
                    .collect();
                // Stable: equal scores keep the newest-first order they came in.
                scored.sort_by_key(|s| std::cmp::Reverse(s.0));
                let ranked_len = scored.len() as i64;
                let (offset, end) = (paging.offset(), paging.offset() + paging.limit());
                let ids: Vec<i64> = scored
                    .into_iter()
                    .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                    .take(usize::try_from(paging.limit()).unwrap_or(0))
                    .map(|(_, id)| id)
                    .collect();
                let mut page = self.news_rows_by_id(&ids).await?;
                if end > ranked_len && ranked_len == RANKED_CANDIDATES {
                    let from = offset.max(ranked_len);
                    page.extend(self.news_rows(&plan, end - from, from).await?);
                }
                page
            } else {
                self.news_rows(&plan, paging.limit(), paging.offset()).await?
            };
            Ok::<_, StoreError>(rows)
        };
        // The count and the page are independent reads: side by side, a search waits for the
        // slower of the two rather than their sum.
        let (total, rows) = tokio::try_join!(self.news_count(&plan), page)?;
        let mut highlight = groups.clone();
        highlight.extend(topic_groups);
        Ok((
            rows.into_iter()
                .map(|r| {
                    let text = if r.summary.is_empty() {
                        r.title.clone()
                    } else {
                        r.summary.clone()
                    };
                    NewsItem {
                        snippet: snippet(&text, &highlight, 200),
                        id: r.id,
                        title: r.title,
                        // Rows stored before links were checked may hold anything.
                        url: web_link(None, &r.url).unwrap_or_default(),
                        published_at: r.published_at,
                        site_id: r.site_id,
                        unit_id: r.unit_id,
                        unit_name: r.unit_name.unwrap_or_default(),
                        feed_title: r.feed_title,
                    }
                })
                .collect(),
            total,
        ))
    }

    /// PostgreSQL's search until its index is built: the filters as SQL over news_entries (GIN on the tsvector for words,
    /// news_entry_topics for a topic, the units' paths for the scope).
    async fn sql_plan(&self, filter: &NewsFilter, groups: &[Vec<String>]) -> Result<SearchPlan> {
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let mut next = 1;
        // Scope: the chosen unit's subtree, or the caller's, plus press entries.
        let roots = match filter.unit_id {
            Some(u) => vec![u],
            None => filter.roots.clone(),
        };
        let ranges = self.subtree_ranges(&roots).await?;
        let (scope, range_binds) = range_condition("u.path", &ranges, next);
        next += range_binds.len();
        binds.extend(range_binds.into_iter().map(Bind::Text));
        let narrow = filter.unit_id.is_some() || filter.site_id.is_some();
        if narrow {
            conditions.push(scope);
        } else {
            conditions.push(format!("({scope} OR e.site_id IS NULL)"));
        }
        if let Some(s) = filter.site_id {
            conditions.push(format!("e.site_id = ${next}"));
            binds.push(Bind::Int(s));
            next += 1;
        }
        if let Some(d) = filter.from {
            conditions.push(format!("e.published_at >= ${next}"));
            binds.push(Bind::Time(day_start(d)));
            next += 1;
        }
        if let Some(d) = filter.to {
            conditions.push(format!("e.published_at < ${next}"));
            binds.push(Bind::Time(day_start(d.next_day().unwrap_or(d))));
            next += 1;
        }
        // With a topic, its newest-first index drives the query.
        let topic_join = match filter.topic_id {
            Some(id) => {
                let join =
                    format!("news_entry_topics t JOIN news_entries e ON e.id = t.entry_id AND t.topic_id = ${next} ");
                binds.push(Bind::Int(id));
                next += 1;
                join
            }
            None => String::new(),
        };
        if !groups.is_empty() {
            conditions.push(format!("e.search @@ to_tsquery('simple', ${next})"));
            binds.push(Bind::Text(pg_tsquery(groups)));
            next += 1;
        }
        let from = format!(
            "{} {} units u ON u.id = e.unit_id",
            if topic_join.is_empty() {
                "news_entries e"
            } else {
                topic_join.as_str()
            },
            if narrow { "JOIN" } else { "LEFT JOIN" }
        );
        let where_ = conditions.join(" AND ");
        let order = if filter.topic_id.is_some() {
            "t.published_at DESC, t.entry_id DESC"
        } else {
            "e.published_at DESC, e.id DESC"
        };
        Ok(SearchPlan::Sql {
            // Counting stops at COUNT_CAP: past it, "more than 10,000" is all a reader needs,
            // and an exact count of a common word would cost as much as a scan.
            count: format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE {where_} LIMIT {}) capped",
                COUNT_CAP + 1
            ),
            list: format!(
                "SELECT {ITEM_COLUMNS} FROM {from} JOIN news_feeds f ON f.id = e.feed_id WHERE {where_} \
                 ORDER BY {order} LIMIT ${next} OFFSET ${}",
                next + 1
            ),
            binds,
        })
    }

    /// The capped count of a search's matches.
    async fn news_count(&self, plan: &SearchPlan) -> Result<i64> {
        let (total,): (i64,) = match plan {
            SearchPlan::Fts {
                index,
                expression,
                from,
                to,
            } => {
                sqlx::query_as(
                    "SELECT COUNT(*) FROM (SELECT rowid FROM news_search WHERE news_search MATCH $1 \
                     AND rowid >= $2 AND rowid < $3 LIMIT $4) capped",
                )
                .bind(expression)
                .bind(from)
                .bind(to)
                .bind(COUNT_CAP + 1)
                .fetch_one(index)
                .await?
            }
            SearchPlan::Sql { count, binds, .. } => on_pool!(self, pool => {
                bind_all!(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count.as_str())), binds).fetch_one(pool).await?
            }),
        };
        Ok(total)
    }

    /// `limit` matches from the `offset`th, newest first.
    async fn news_rows(&self, plan: &SearchPlan, limit: i64, offset: i64) -> Result<Vec<ItemRow>> {
        match plan {
            SearchPlan::Fts { .. } => {
                let ids = self.news_ids(plan, limit, offset).await?;
                self.news_rows_by_id(&ids).await
            }
            SearchPlan::Sql { list, binds, .. } => Ok(on_pool!(self, pool => {
                let q = bind_all!(sqlx::query_as::<_, ItemRow>(sqlx::AssertSqlSafe(list.as_str())), binds);
                q.bind(limit).bind(offset).fetch_all(pool).await?
            })),
        }
    }

    /// The ids of `limit` matches from the `offset`th, newest first, from the index (nothing
    /// for a plan without one).
    async fn news_ids(&self, plan: &SearchPlan, limit: i64, offset: i64) -> Result<Vec<i64>> {
        let SearchPlan::Fts {
            index,
            expression,
            from,
            to,
        } = plan
        else {
            return Ok(Vec::new());
        };
        let keys: Vec<(i64,)> = sqlx::query_as(
            "SELECT rowid FROM news_search WHERE news_search MATCH $1 AND rowid >= $2 AND rowid < $3 \
             ORDER BY rowid DESC LIMIT $4 OFFSET $5",
        )
        .bind(expression)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(index)
        .await?;
        Ok(keys.iter().map(|(k,)| entry_of_key(*k)).collect())
    }

    /// (id, title, folded text) of the newest `RANKED_CANDIDATES` matches, newest first: what
    /// best first ranks (the page's rows are read afterwards, by id).
    async fn news_candidates(&self, plan: &SearchPlan) -> Result<Vec<(i64, String, String)>> {
        let SearchPlan::Fts { .. } = plan else {
            let rows = self.news_rows(plan, RANKED_CANDIDATES, 0).await?;
            return Ok(rows.into_iter().map(|r| (r.id, r.title, r.folded)).collect());
        };
        let ids = self.news_ids(plan, RANKED_CANDIDATES, 0).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String, String)> = match &self.backend {
            Backend::Sqlite(pool) => {
                let list = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query_as(
                    "SELECT id, title, folded FROM news_entries WHERE id IN (SELECT value FROM json_each($1))",
                )
                .bind(list)
                .fetch_all(pool)
                .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as("SELECT id, title, folded FROM news_entries WHERE id = ANY($1)")
                    .bind(&ids)
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut by_id: std::collections::HashMap<i64, (i64, String, String)> =
            rows.into_iter().map(|r| (r.0, r)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The result rows of entries `ids`, in that order.
    async fn news_rows_by_id(&self, ids: &[i64]) -> Result<Vec<ItemRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let from = "news_entries e LEFT JOIN units u ON u.id = e.unit_id JOIN news_feeds f ON f.id = e.feed_id";
        let rows: Vec<ItemRow> = match &self.backend {
            Backend::Sqlite(pool) => {
                let list = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let sql = format!("SELECT {ITEM_COLUMNS} FROM {from} WHERE e.id IN (SELECT value FROM json_each($1))");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(list)
                    .fetch_all(pool)
                    .await?
            }
            Backend::Postgres(pool) => {
                let sql = format!("SELECT {ITEM_COLUMNS} FROM {from} WHERE e.id = ANY($1)");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(ids)
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut by_id: std::collections::HashMap<i64, ItemRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The baseline the benchmark compares search with: the same work (count, then the newest
    /// `limit`) done by scanning the folded text with LIKE. Returns (count, rows returned).
    #[cfg(any(test, feature = "bench-data"))]
    pub async fn search_news_by_scan(&self, query: &str, limit: i64) -> Result<(i64, usize)> {
        let pattern = format!("%{}%", crate::like_escape(&fold_vi(query)));
        let (n, ids): (i64, Vec<(i64,)>) = on_pool!(self, pool => {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM news_entries WHERE folded LIKE $1 ESCAPE '\\'")
                .bind(&pattern).fetch_one(pool).await?;
            let ids = sqlx::query_as(
                "SELECT id FROM news_entries WHERE folded LIKE $1 ESCAPE '\\' ORDER BY published_at DESC, id DESC LIMIT $2",
            ).bind(&pattern).bind(limit).fetch_all(pool).await?;
            (n, ids)
        });
        Ok((n, ids.len()))
    }

    // -----------------------------------------------------------------------------------------
    // Topics.

    /// The default topics and those of `unit_ids` (an office's own), by name.
    pub async fn news_topics(&self, unit_ids: &[i64]) -> Result<Vec<NewsTopic>> {
        let list: Vec<String> = (0..unit_ids.len()).map(|i| format!("${}", i + 1)).collect();
        let condition = if list.is_empty() {
            "unit_id IS NULL".to_string()
        } else {
            format!("unit_id IS NULL OR unit_id IN ({})", list.join(", "))
        };
        let sql = format!(
            "SELECT id, unit_id, name, keywords FROM news_topics WHERE {condition} ORDER BY unit_id IS NULL DESC, name, id"
        );
        let rows: Vec<(i64, Option<i64>, String, String)> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in unit_ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, unit_id, name, keywords)| NewsTopic {
                id,
                unit_id,
                name,
                keywords,
            })
            .collect())
    }

    pub async fn news_topic(&self, id: i64) -> Result<Option<NewsTopic>> {
        let row: Option<(i64, Option<i64>, String, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, unit_id, name, keywords FROM news_topics WHERE id = $1",
        ).bind(id).fetch_optional(pool).await?);
        Ok(row.map(|(id, unit_id, name, keywords)| NewsTopic {
            id,
            unit_id,
            name,
            keywords,
        }))
    }

    /// Rebuilds which entries belong to a topic (after its keywords changed); returns how many
    /// do. Reads the entries in batches, so it runs in a job, not in a request.
    pub async fn reindex_news_topic(&self, topic_id: i64) -> Result<usize> {
        let Some(topic) = self.news_topic(topic_id).await? else {
            return Ok(0);
        };
        self.reindex_news_topics(&[(topic_id, keyword_groups(&topic.keywords))])
            .await
    }

    /// Rebuilds every topic's entries in one pass (the benchmark's dataset); returns the rows.
    #[cfg(any(test, feature = "bench-data"))]
    pub async fn reindex_all_news_topics(&self) -> Result<usize> {
        let topics = self.news_topics_all().await?;
        self.reindex_news_topics(&topics).await
    }

    async fn news_topics_all(&self) -> Result<Vec<(i64, Vec<Vec<String>>)>> {
        let rows: Vec<(i64, String)> =
            on_pool!(self, pool => sqlx::query_as("SELECT id, keywords FROM news_topics").fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(id, k)| (id, keyword_groups(&k))).collect())
    }

    async fn reindex_news_topics(&self, topics: &[(i64, Vec<Vec<String>>)]) -> Result<usize> {
        for (topic_id, _) in topics {
            on_pool!(self, pool => {
                sqlx::query("DELETE FROM news_entry_topics WHERE topic_id = $1").bind(*topic_id).execute(pool).await?;
            });
        }
        let mut after = 0_i64;
        let mut total = 0;
        loop {
            let rows: Vec<(i64, String, OffsetDateTime)> = on_pool!(self, pool => sqlx::query_as(
                "SELECT id, folded, published_at FROM news_entries WHERE id > $1 ORDER BY id LIMIT 5000",
            ).bind(after).fetch_all(pool).await?);
            let Some(last) = rows.last() else { break };
            after = last.0;
            let mut hits: Vec<(i64, i64, OffsetDateTime)> = Vec::new();
            for (id, folded, published) in &rows {
                for (topic_id, groups) in topics {
                    if matches_any(folded, groups) {
                        hits.push((*topic_id, *id, *published));
                    }
                }
            }
            for chunk in hits.chunks(500) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${})", 1 + 3 * i, 2 + 3 * i, 3 + 3 * i))
                    .collect();
                let sql = format!(
                    "INSERT INTO news_entry_topics (topic_id, entry_id, published_at) VALUES {} ON CONFLICT DO NOTHING",
                    values.join(", ")
                );
                on_pool!(self, pool => {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                    for (topic_id, id, p) in chunk {
                        q = q.bind(*topic_id).bind(*id).bind(*p);
                    }
                    q.execute(pool).await?;
                });
            }
            total += hits.len();
        }
        Ok(total)
    }

    /// Adds a topic (`unit_id` None: a default for everyone), with its audit entry.
    pub async fn create_news_topic(
        &self,
        ctx: &AuditContext,
        unit_id: Option<i64>,
        name: &str,
        keywords: &str,
    ) -> Result<NewsTopic> {
        let (name, keywords) = check_topic(name, keywords).map_err(StoreError::Conflict)?;
        let at = now();
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO news_topics (unit_id, name, keywords, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
            ).bind(unit_id).bind(&name).bind(&keywords).bind(at).fetch_one(&mut *tx).await?;
            audit_in_tx!(self, tx, ctx, "news.topic.create", format!("news_topic:{id}"), name.clone());
            queue_topic_index_in_tx!(tx, id, at);
            tx.commit().await?;
            id
        });
        self.news_topic(id).await?.ok_or(StoreError::NotFound("chủ đề"))
    }

    /// Changes a topic's name and keywords, with its audit entry.
    pub async fn update_news_topic(
        &self,
        ctx: &AuditContext,
        id: i64,
        name: &str,
        keywords: &str,
    ) -> Result<NewsTopic> {
        let (name, keywords) = check_topic(name, keywords).map_err(StoreError::Conflict)?;
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE news_topics SET name = $1, keywords = $2, updated_at = $3 WHERE id = $4")
                .bind(&name).bind(&keywords).bind(at).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("chủ đề"));
            }
            audit_in_tx!(self, tx, ctx, "news.topic.update", format!("news_topic:{id}"), name.clone());
            queue_topic_index_in_tx!(tx, id, at);
            tx.commit().await?;
        });
        self.news_topic(id).await?.ok_or(StoreError::NotFound("chủ đề"))
    }

    pub async fn delete_news_topic(&self, ctx: &AuditContext, id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String,)> = sqlx::query_as("DELETE FROM news_topics WHERE id = $1 RETURNING name")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some((name,)) = row else { return Err(StoreError::NotFound("chủ đề")) };
            audit_in_tx!(self, tx, ctx, "news.topic.delete", format!("news_topic:{id}"), name);
            tx.commit().await?;
        });
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Publishing activity.

    /// Units inside `roots` that have active registered websites, with what those sites
    /// published in [from, to] (Vietnam days): the units that publish least first (so an office
    /// sees the unused sites), paginated. The one query behind every posts-per-month figure.
    pub async fn news_unit_activity(
        &self,
        roots: &[i64],
        from: Date,
        to: Date,
        paging: Paging,
    ) -> Result<(Vec<UnitActivity>, i64)> {
        let ranges = self.subtree_ranges(roots).await?;
        let (count_scope, _) = range_condition("u.path", &ranges, 1);
        let (scope, binds) = range_condition("u.path", &ranges, 3);
        let n = 2 + binds.len();
        let has_site = "EXISTS (SELECT 1 FROM sites s WHERE s.unit_id = u.id AND s.active)";
        let count_sql = format!("SELECT COUNT(*) FROM units u WHERE {has_site} AND {count_scope}");
        let list_sql = format!(
            "SELECT u.id, u.name, \
             (SELECT COUNT(*) FROM news_feeds f JOIN sites s ON s.id = f.site_id WHERE s.unit_id = u.id AND s.active) AS feeds, \
             (SELECT COUNT(*) FROM news_entries e JOIN sites s ON s.id = e.site_id \
              WHERE s.unit_id = u.id AND s.active AND e.published_at >= $1 AND e.published_at < $2) AS entries, \
             (SELECT MAX(e.published_at) FROM news_entries e JOIN sites s ON s.id = e.site_id \
              WHERE s.unit_id = u.id AND s.active) AS last_published \
             FROM units u WHERE {has_site} AND {scope} \
             ORDER BY entries, u.name, u.id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let start = day_start(from);
        let end = day_start(to.next_day().unwrap_or(to));
        type Row = (i64, String, i64, i64, Option<OffsetDateTime>);
        let (rows, total): (Vec<Row>, i64) = on_pool!(self, pool => {
            let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql.as_str()));
            let mut list = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(list_sql.as_str())).bind(start).bind(end);
            for b in &binds {
                count = count.bind(b.clone());
                list = list.bind(b.clone());
            }
            let (total,) = count.fetch_one(pool).await?;
            (list.bind(paging.limit()).bind(paging.offset()).fetch_all(pool).await?, total)
        });
        let mut urls: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        if !rows.is_empty() {
            let list: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT unit_id, url FROM sites WHERE active AND unit_id IN ({}) ORDER BY unit_id, id",
                list.join(", ")
            );
            let sites: Vec<(i64, String)> = on_pool!(self, pool => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for r in &rows {
                    q = q.bind(r.0);
                }
                q.fetch_all(pool).await?
            });
            for (unit, url) in sites {
                urls.entry(unit).or_default().push(url);
            }
        }
        Ok((
            rows.into_iter()
                .map(|(unit_id, unit_name, feeds, entries, last)| UnitActivity {
                    site_urls: urls.remove(&unit_id).unwrap_or_default(),
                    unit_id,
                    unit_name,
                    feeds,
                    entries,
                    last_published_at: last,
                })
                .collect(),
            total,
        ))
    }

    /// Entries per calendar month (Vietnam time) of one site over [from, to]: (year, month, count).
    pub async fn site_posts_by_month(&self, site_id: i64, from: Date, to: Date) -> Result<Vec<(i32, u8, i64)>> {
        let rows: Vec<(OffsetDateTime,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT published_at FROM news_entries WHERE site_id = $1 AND published_at >= $2 AND published_at < $3",
        ).bind(site_id).bind(day_start(from)).bind(day_start(to.next_day().unwrap_or(to))).fetch_all(pool).await?);
        let mut counts: std::collections::BTreeMap<(i32, u8), i64> = std::collections::BTreeMap::new();
        for (t,) in rows {
            let d = vietnam_date(t);
            *counts.entry((d.year(), u8::from(d.month()))).or_default() += 1;
        }
        Ok(counts.into_iter().map(|((y, m), n)| (y, m, n)).collect())
    }

    // -----------------------------------------------------------------------------------------
    // The weekly digest.

    /// Offices (units with schools below them) that follow at least one feed in their subtree,
    /// with their office administrators who have an e-mail address.
    pub async fn news_digest_offices(&self) -> Result<Vec<DigestOffice>> {
        let offices: Vec<(i64, String, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT o.id, o.name, o.path FROM units o WHERE o.kind = 'office' AND o.status = 'active' AND EXISTS \
             (SELECT 1 FROM news_feeds f JOIN units fu ON fu.id = f.unit_id \
              WHERE f.active AND fu.path >= o.path AND fu.path < o.path || '~') ORDER BY o.id",
        ).fetch_all(pool).await?);
        let mut out = Vec::new();
        for (id, name, path) in offices {
            let recipients: Vec<(String, String)> = on_pool!(self, pool => sqlx::query_as(
                "SELECT p.display_name, p.email FROM people p JOIN role_grants g ON g.person_id = p.id \
                 WHERE g.unit_id = $1 AND g.role = 'office_admin' AND NOT p.disabled AND p.email IS NOT NULL AND p.email <> '' \
                 ORDER BY p.id",
            ).bind(id).fetch_all(pool).await?);
            out.push(DigestOffice {
                unit_id: id,
                name,
                ancestry: crate::parse_path(&path),
                recipients,
            });
        }
        Ok(out)
    }

    /// Schools under `office_id` whose registered sites published nothing since `since`:
    /// (school name, site URL), at most `limit`.
    pub async fn news_silent_sites(
        &self,
        office_id: i64,
        since: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        let ranges = self.subtree_ranges(&[office_id]).await?;
        let (scope, binds) = range_condition("u.path", &ranges, 3);
        let sql = format!(
            "SELECT u.name, s.url FROM sites s JOIN units u ON u.id = s.unit_id \
             WHERE s.active AND u.kind = 'school' AND {scope} \
             AND NOT EXISTS (SELECT 1 FROM news_entries e WHERE e.site_id = s.id AND e.published_at >= $1) \
             ORDER BY u.name, s.id LIMIT $2"
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(since).bind(limit);
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.fetch_all(pool).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_urls_are_checked() {
        assert!(check_feed_url("https://baochinhphu.vn/rss/giao-duc.rss").is_ok());
        assert!(check_feed_url("ftp://x.vn/feed").unwrap_err().contains("http"));
        assert!(check_feed_url("không phải url").is_err());
        assert!(check_feed_url("").is_err());
        for personal in [
            "https://www.facebook.com/some.teacher",
            "https://m.facebook.com/x",
            "https://www.tiktok.com/@abc",
            "https://zalo.me/123",
            "https://x.com/abc",
            "https://twitter.com/abc",
            "https://www.instagram.com/abc",
            "https://www.youtube.com/@abc",
        ] {
            assert!(
                check_feed_url(personal)
                    .unwrap_err()
                    .contains("không theo dõi tài khoản"),
                "{personal}"
            );
        }
        assert!(check_feed_url("https://www.youtube.com/feeds/videos.xml?channel_id=UC1").is_ok());
    }

    #[test]
    fn snippets_and_summaries() {
        let s = snippet(
            "Trường tổ chức buổi tập huấn Đào tạo kỹ năng số cho giáo viên",
            &[vec!["dao".into()]],
            30,
        );
        assert!(s.contains("Đào tạo"), "{s}");
        assert_eq!(
            plain_summary("<p>Chào&nbsp;<b>mừng</b> &amp; vui</p>"),
            "Chào mừng & vui"
        );
        assert_eq!(
            lanhmang_domain::news::months_between(
                Date::from_calendar_date(2026, time::Month::January, 15).unwrap(),
                Date::from_calendar_date(2026, time::Month::December, 1).unwrap()
            ),
            12
        );
        assert!(check_topic("", "a").is_err());
        assert!(check_topic("Chủ đề", " \n ").is_err());
        assert_eq!(
            check_topic(" Lừa  đảo ", "lừa đảo\n\n mạo danh ").unwrap(),
            ("Lừa đảo".into(), "lừa đảo\nmạo danh".into())
        );
    }
    use lanhmang_domain::unit::UnitInput;

    use crate::test_support::{TestDb, both_backends};
    use lanhmang_domain::unit::UnitFields;

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

    /// A registered site; the registry's own functions belong to the supervision module.
    async fn site(store: &Store, unit_id: i64, url: &str) -> i64 {
        let at = now();
        on_pool!(store, pool => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO sites (unit_id, url, host, kind, next_full_at, next_check_at, created_at, updated_at) \
                 VALUES ($1, $2, 'x', 'website', $3, $3, $3, $3) RETURNING id",
            ).bind(unit_id).bind(url).bind(at).fetch_one(pool).await.unwrap();
            id
        })
    }

    fn entry(title: &str, url: &str, days_ago: i64) -> NewEntry {
        NewEntry {
            title: title.into(),
            url: Some(url.into()),
            summary: format!("Tóm tắt: {title}"),
            published_at: Some(now() - Duration::days(days_ago)),
        }
    }

    fn fetched(entries: Vec<NewEntry>) -> PollOutcome {
        PollOutcome::Fetched {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Sat, 28 Nov 2026 08:00:00 GMT".into()),
            title: "Tin tức nhà trường".into(),
            entries,
        }
    }

    both_backends!(entry_links_are_kept_only_for_the_web_on_every_backend);
    /// Feed entries keep only http(s) links: a `javascript:` or `data:` link from a hostile feed
    /// is stored empty, and one stored before the check is not handed out either.
    async fn entry_links_are_kept_only_for_the_web_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let office = store
                .create_unit(&ctx, None, &fields("P", "Phòng GD&ĐT", "phong", ""))
                .await
                .unwrap();
            let feed = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/rss", "Báo")
                .await
                .unwrap();
            let entries = vec![
                entry("Tin một", "javascript:alert(document.cookie)", 1),
                entry("Tin hai", " data:text/html,<script>alert(1)</script>", 2),
                entry("Tin ba", "https://bao.vn/3", 3),
            ];
            assert_eq!(
                store.record_news_poll(feed.id, &fetched(entries)).await.unwrap(),
                3,
                "{backend}"
            );
            on_pool!(store, pool => {
                sqlx::query(
                    "INSERT INTO news_entries (feed_id, url, dedup_key, title, summary, published_at, first_seen_at, folded) \
                     VALUES ($1, 'javascript:alert(2)', 'old', 'Tin cũ', '', $2, $2, 'tin cu')",
                )
                .bind(feed.id)
                .bind(now())
                .execute(pool)
                .await
                .unwrap();
            });
            let filter = NewsFilter {
                roots: vec![office.id],
                ..Default::default()
            };
            let (items, total) = store.search_news(&filter, Paging::default()).await.unwrap();
            assert_eq!(total, 4, "{backend}");
            let mut links: Vec<(String, String)> = items.into_iter().map(|i| (i.title, i.url)).collect();
            links.sort();
            assert_eq!(
                links,
                vec![
                    ("Tin ba".to_string(), "https://bao.vn/3".to_string()),
                    ("Tin cũ".into(), String::new()),
                    ("Tin hai".into(), String::new()),
                    ("Tin một".into(), String::new()),
                ],
                "{backend}"
            );
            db.cleanup().await;
        }
    }

    both_backends!(one_story_is_stored_once_across_feeds_on_every_backend);
    /// The same story reached through two feeds of a site, or the same address (give or take
    /// its scheme, tracking parameters, fragment, trailing slash) from a press feed, is stored
    /// once: the copy stored first stays (issue 10).
    async fn one_story_is_stored_once_across_feeds_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let office = store
                .create_unit(&ctx, None, &fields("P", "Phòng GD&ĐT", "phong", ""))
                .await
                .unwrap();
            let school = store
                .create_unit(&ctx, Some(office.id), &fields("A", "Trường Tiểu học A", "truong", "th"))
                .await
                .unwrap();
            let site_a = site(&store, school.id, "https://a.edu.vn/").await;
            let found = vec!["https://a.edu.vn/rss".to_string(), "https://a.edu.vn/atom".to_string()];
            assert_eq!(store.discover_site_feeds(site_a, &found).await.unwrap(), 2);
            let press = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/rss", "Báo")
                .await
                .unwrap();
            let feeds = store.due_news_feeds(10).await.unwrap();
            let rss = feeds
                .iter()
                .find(|f| f.url.ends_with("/rss") && f.site_id.is_some())
                .unwrap()
                .id;
            let atom = feeds.iter().find(|f| f.url.ends_with("/atom")).unwrap().id;
            let story = "Trao học bổng cho học sinh vượt khó";
            assert_eq!(
                store
                    .record_news_poll(rss, &fetched(vec![entry(story, "https://a.edu.vn/tin/1", 2)]))
                    .await
                    .unwrap(),
                1,
                "{backend}"
            );
            let again = vec![
                entry(story, "http://A.edu.vn/tin/1/?utm_source=atom&utm_medium=feed#top", 2),
                entry("Hội khỏe Phù Đổng", "https://a.edu.vn/tin/2", 1),
            ];
            assert_eq!(
                store.record_news_poll(atom, &fetched(again)).await.unwrap(),
                1,
                "{backend}: only the new story"
            );
            assert_eq!(
                store
                    .record_news_poll(
                        press.id,
                        &fetched(vec![entry(story, "https://a.edu.vn/tin/1?fbclid=IwAR1&zarsrc=30", 0)])
                    )
                    .await
                    .unwrap(),
                0,
                "{backend}: the press copy of a school's story"
            );
            let all = NewsFilter {
                roots: vec![office.id],
                ..Default::default()
            };
            let (items, total) = store.search_news(&all, Paging::default()).await.unwrap();
            assert_eq!(total, 2, "{backend}");
            let kept = items.iter().find(|i| i.title == story).unwrap();
            assert_eq!(
                (kept.url.as_str(), kept.site_id),
                ("https://a.edu.vn/tin/1", Some(site_a)),
                "{backend}: the copy stored first"
            );
            // Entries without a link are only the same within their own feed.
            let when = now() - Duration::days(3);
            let no_link = |title: &str| NewEntry {
                title: title.into(),
                url: None,
                summary: String::new(),
                published_at: Some(when),
            };
            assert_eq!(
                store
                    .record_news_poll(rss, &fetched(vec![no_link("Thông báo")]))
                    .await
                    .unwrap(),
                1
            );
            assert_eq!(
                store
                    .record_news_poll(atom, &fetched(vec![no_link("Thông báo")]))
                    .await
                    .unwrap(),
                1
            );
            assert_eq!(
                store
                    .record_news_poll(atom, &fetched(vec![no_link("Thông báo")]))
                    .await
                    .unwrap(),
                0
            );
            db.cleanup().await;
        }
    }

    /// An entry as a version before migration 0008 stored it: no canonical key.
    async fn raw_entry(store: &Store, feed: i64, url: &str, title: &str, published: OffsetDateTime) -> i64 {
        on_pool!(store, pool => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO news_entries (feed_id, url, dedup_key, title, summary, published_at, first_seen_at, folded) \
                 VALUES ($1, $2, $3, $4, '', $5, $5, $6) RETURNING id",
            )
            .bind(feed).bind(url).bind(format!("u:{url}")).bind(title).bind(published).bind(fold_vi(title))
            .fetch_one(pool).await.unwrap();
            id
        })
    }

    async fn member(store: &Store, topic: i64, entry: i64, published: OffsetDateTime) {
        on_pool!(store, pool => {
            sqlx::query("INSERT INTO news_entry_topics (topic_id, entry_id, published_at) VALUES ($1, $2, $3)")
                .bind(topic).bind(entry).bind(published).execute(pool).await.unwrap();
        });
    }

    both_backends!(duplicates_stored_before_the_key_are_folded_on_every_backend);
    /// Entries stored before migration 0008 get their canonical key afterwards; a duplicate is
    /// folded into the copy stored first, which takes over its topics under its own date.
    async fn duplicates_stored_before_the_key_are_folded_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let office = store
                .create_unit(&ctx, None, &fields("P", "Phòng GD&ĐT", "phong", ""))
                .await
                .unwrap();
            let one = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/rss", "Báo")
                .await
                .unwrap();
            let two = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/atom", "Báo")
                .await
                .unwrap();
            let topics = store.news_topics(&[]).await.unwrap();
            let (t1, t2) = (topics[0].id, topics[1].id);
            let early = now() - Duration::days(5);
            let late = now() - Duration::days(1);
            let first = raw_entry(&store, one.id, "https://bao.vn/tin/1", "Tin một", late).await;
            let copy = raw_entry(&store, two.id, "http://bao.vn/tin/1/?utm_source=x", "Tin một", early).await;
            let other = raw_entry(&store, one.id, "https://bao.vn/tin/2", "Tin hai", late).await;
            member(&store, t1, first, late).await;
            member(&store, t1, copy, early).await;
            member(&store, t2, copy, early).await;

            assert_eq!(store.backfill_news_canonical_keys().await.unwrap(), 1, "{backend}");
            assert_eq!(
                store.backfill_news_canonical_keys().await.unwrap(),
                0,
                "{backend}: once"
            );
            let ids: Vec<(i64, Option<String>)> = on_pool!(store, pool => sqlx::query_as(
                "SELECT id, canonical_key FROM news_entries ORDER BY id",
            ).fetch_all(pool).await.unwrap());
            assert_eq!(
                ids,
                vec![
                    (first, Some("//bao.vn/tin/1".to_string())),
                    (other, Some("//bao.vn/tin/2".to_string()))
                ],
                "{backend}"
            );
            let memberships: Vec<(i64, i64, OffsetDateTime)> = on_pool!(store, pool => sqlx::query_as(
                "SELECT topic_id, entry_id, published_at FROM news_entry_topics ORDER BY topic_id",
            ).fetch_all(pool).await.unwrap());
            assert_eq!(
                memberships,
                vec![(t1, first, late), (t2, first, late)],
                "{backend}: the topics follow the copy kept, under its date"
            );
            let by_t2 = NewsFilter {
                roots: vec![office.id],
                topic_id: Some(t2),
                ..Default::default()
            };
            assert_eq!(
                store.search_news(&by_t2, Paging::default()).await.unwrap().1,
                1,
                "{backend}"
            );
            // The poller then ignores the story in either feed.
            assert_eq!(
                store
                    .record_news_poll(two.id, &fetched(vec![entry("Tin một", "https://bao.vn/tin/1#a", 5)]))
                    .await
                    .unwrap(),
                0,
                "{backend}"
            );

            // A copy stored later by a poller (it has its key) yields to an older row without one.
            let newer = store
                .record_news_poll(two.id, &fetched(vec![entry("Tin ba", "https://bao.vn/tin/3", 1)]))
                .await
                .unwrap();
            assert_eq!(newer, 1);
            store
                .execute_raw_for_tests(&format!(
                    "UPDATE news_entries SET canonical_key = NULL, url = 'https://bao.vn/tin/3/' WHERE id = {other}"
                ))
                .await
                .unwrap();
            assert_eq!(store.backfill_news_canonical_keys().await.unwrap(), 1, "{backend}");
            let left: Vec<(i64, String)> = on_pool!(store, pool => sqlx::query_as(
                "SELECT id, canonical_key FROM news_entries ORDER BY id",
            ).fetch_all(pool).await.unwrap());
            assert_eq!(
                left,
                vec![
                    (first, "//bao.vn/tin/1".to_string()),
                    (other, "//bao.vn/tin/3".to_string())
                ],
                "{backend}"
            );
            db.cleanup().await;
        }
    }

    both_backends!(a_query_ranks_adjacent_words_first_on_every_backend);
    /// Best first is the one relevance rule on both backends: "hoc bong" lists the scholarship
    /// above newer football news, and pages past the ranked candidates still list every match.
    async fn a_query_ranks_adjacent_words_first_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let office = store
                .create_unit(&ctx, None, &fields("P", "Phòng GD&ĐT", "phong", ""))
                .await
                .unwrap();
            let feed = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/rss", "Báo")
                .await
                .unwrap();
            let entries = vec![
                entry("Học sinh khối 5 giao lưu bóng đá", "https://bao.vn/1", 1),
                entry("Trao học bổng cho học sinh vượt khó", "https://bao.vn/2", 9),
                entry("Giải bóng đá học sinh tiểu học", "https://bao.vn/3", 2),
                entry("Ngày hội đọc sách", "https://bao.vn/4", 0),
            ];
            store.record_news_poll(feed.id, &fetched(entries)).await.unwrap();
            let filter = |sort| NewsFilter {
                roots: vec![office.id],
                query: Some("hoc bong".into()),
                sort,
                ..Default::default()
            };
            let (best, total) = store
                .search_news(&filter(NewsSort::Relevance), Paging::default())
                .await
                .unwrap();
            assert_eq!(total, 3, "{backend}");
            assert_eq!(best[0].url, "https://bao.vn/2", "{backend}: {best:?}");
            let (newest, _) = store
                .search_news(&filter(NewsSort::Newest), Paging::default())
                .await
                .unwrap();
            assert_eq!(newest[0].url, "https://bao.vn/1", "{backend}");
            // Paging through best first covers every match once.
            let mut seen = Vec::new();
            for page in 1..=3 {
                let (items, _) = store
                    .search_news(&filter(NewsSort::Relevance), Paging { page, per_page: 1 })
                    .await
                    .unwrap();
                seen.extend(items.into_iter().map(|i| i.url));
            }
            seen.sort();
            assert_eq!(
                seen,
                vec!["https://bao.vn/1", "https://bao.vn/2", "https://bao.vn/3"],
                "{backend}"
            );
            db.cleanup().await;
        }
    }

    both_backends!(every_plan_agrees_with_a_scan_on_every_backend);
    /// Many matches and few, in the whole scope and in one office: the same count as a scan,
    /// newest first.
    async fn every_plan_agrees_with_a_scan_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let bench = store.generate_news_bench(2, 40, 6000, 7, &mut |_| {}).await.unwrap();
            let phrase = "\"hoc sinh\"";
            let (scan_total, _) = store.search_news_by_scan("học sinh", 10).await.unwrap();
            let broad = NewsFilter {
                roots: vec![bench.department],
                query: Some(phrase.into()),
                ..Default::default()
            };
            let (items, total) = store
                .search_news(&broad, Paging { page: 2, per_page: 20 })
                .await
                .unwrap();
            assert_eq!(total, scan_total, "{backend}");
            assert!(total > 2_000, "{backend}: {total}");
            assert!(
                items.windows(2).all(|w| w[0].published_at >= w[1].published_at),
                "{backend}"
            );
            let relevance = NewsFilter {
                sort: NewsSort::Relevance,
                ..broad.clone()
            };
            assert_eq!(store.search_news(&relevance, Paging::default()).await.unwrap().1, total);
            let office = NewsFilter {
                unit_id: Some(bench.offices[0]),
                ..broad.clone()
            };
            let (in_office, n_office) = store
                .search_news(&office, Paging { page: 1, per_page: 500 })
                .await
                .unwrap();
            assert!(n_office > 0 && n_office < total, "{backend}: {n_office}");
            assert_eq!(in_office.len() as i64, n_office.min(500));
            assert!(
                in_office.windows(2).all(|w| w[0].published_at >= w[1].published_at),
                "{backend}"
            );
            let rare = NewsFilter {
                query: Some("Olympic tiếng Anh giáo viên".into()),
                ..broad.clone()
            };
            let (rare_items, rare_total) = store.search_news(&rare, Paging::default()).await.unwrap();
            assert!(rare_total < 2_000 && rare_total > 0, "{backend}: {rare_total}");
            assert!(
                rare_items.iter().all(|i| fold_vi(&i.title).contains("olympic")),
                "{backend}"
            );
            db.cleanup().await;
        }
    }

    both_backends!(search_follows_moves_topics_and_deletions_on_every_backend);
    /// What a search filters on changes after the entry was stored: its school moves to another
    /// office, a topic's keywords change, its site is removed. Each is seen by the next search
    /// (on SQLite the index news_search is rewritten in the change's transaction).
    async fn search_follows_moves_topics_and_deletions_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let dept = store
                .create_unit(&ctx, None, &fields("S", "Sở Giáo dục", "so", ""))
                .await
                .unwrap();
            let p1 = store
                .create_unit(&ctx, Some(dept.id), &fields("P1", "Phòng 1", "phong", ""))
                .await
                .unwrap();
            let p2 = store
                .create_unit(&ctx, Some(dept.id), &fields("P2", "Phòng 2", "phong", ""))
                .await
                .unwrap();
            let a = store
                .create_unit(&ctx, Some(p1.id), &fields("A", "Trường Tiểu học A", "truong", "th"))
                .await
                .unwrap();
            let site_a = site(&store, a.id, "https://a.edu.vn/").await;
            store
                .discover_site_feeds(site_a, &["https://a.edu.vn/feed".to_string()])
                .await
                .unwrap();
            let feed = store.due_news_feeds(10).await.unwrap()[0].id;
            let entries = vec![
                entry("Cảnh giác lừa đảo qua mạng", "https://a.edu.vn/1", 1),
                entry("Ngày hội đọc sách", "https://a.edu.vn/2", 2),
            ];
            // Two processes on one database (on PostgreSQL, each with its own index, built
            // before the entries arrive: what follows reaches them through the log).
            let other = db.connect().await.unwrap();
            store.build_news_index().await.unwrap();
            other.build_news_index().await.unwrap();
            store.record_news_poll(feed, &fetched(entries)).await.unwrap();
            let count = |roots: Vec<i64>, unit_id: Option<i64>, topic_id: Option<i64>| {
                let (store, other) = (&store, &other);
                async move {
                    let filter = NewsFilter {
                        roots,
                        unit_id,
                        topic_id,
                        query: Some("lua dao".into()),
                        ..Default::default()
                    };
                    let here = store.search_news(&filter, Paging::default()).await.unwrap();
                    let there = other.search_news(&filter, Paging::default()).await.unwrap();
                    assert_eq!(here, there, "{backend}: {filter:?}");
                    here.1
                }
            };
            assert_eq!(count(vec![p1.id], None, None).await, 1, "{backend}");
            assert_eq!(count(vec![p2.id], None, None).await, 0, "{backend}");

            // The school moves to the other office.
            let move_row = lanhmang_domain::units_import::ImportRow {
                row: 2,
                fields: fields("A", "Trường Tiểu học A", "truong", "th"),
                parent_code: Some(lanhmang_domain::unit::UnitCode::parse("P2").unwrap()),
            };
            store.import_units(&ctx, &[move_row], "test").await.unwrap();
            assert_eq!(count(vec![p1.id], None, None).await, 0, "{backend}: moved away");
            assert_eq!(count(vec![p2.id], None, None).await, 1, "{backend}: moved here");
            assert_eq!(count(vec![dept.id], Some(p2.id), None).await, 1, "{backend}");

            // A topic's keywords change.
            let topic = store
                .create_news_topic(&ctx, Some(p2.id), "Đọc sách", "đọc sách")
                .await
                .unwrap();
            store.reindex_news_topic(topic.id).await.unwrap();
            assert_eq!(count(vec![p2.id], None, Some(topic.id)).await, 0, "{backend}");
            store
                .update_news_topic(&ctx, topic.id, "Lừa đảo", "cảnh giác")
                .await
                .unwrap();
            store.reindex_news_topic(topic.id).await.unwrap();
            assert_eq!(count(vec![p2.id], None, Some(topic.id)).await, 1, "{backend}");

            // The site is removed, and its entries with it.
            on_pool!(store, pool => {
                sqlx::query("DELETE FROM sites WHERE id = $1").bind(site_a).execute(pool).await.unwrap();
            });
            assert_eq!(count(vec![dept.id], None, None).await, 0, "{backend}: removed");
            assert_eq!(count(vec![p2.id], None, Some(topic.id)).await, 0, "{backend}");
            db.cleanup().await;
        }
    }

    both_backends!(feeds_entries_search_topics_and_activity_on_every_backend);
    async fn feeds_entries_search_topics_and_activity_on_every_backend(backend: &'static str) {
        {
            let (db, store) = TestDb::store(backend).await.unwrap();
            let ctx = AuditContext::system("test");
            let dept = store
                .create_unit(&ctx, None, &fields("S", "Sở Giáo dục", "so", ""))
                .await
                .unwrap();
            let office = store
                .create_unit(&ctx, Some(dept.id), &fields("P", "Phòng GD&ĐT", "phong", ""))
                .await
                .unwrap();
            let a = store
                .create_unit(&ctx, Some(office.id), &fields("A", "Trường Tiểu học A", "truong", "th"))
                .await
                .unwrap();
            let b = store
                .create_unit(&ctx, Some(office.id), &fields("B", "Trường THCS B", "truong", "thcs"))
                .await
                .unwrap();
            let site_a = site(&store, a.id, "https://a.edu.vn/").await;
            let site_b = site(&store, b.id, "https://b.edu.vn/").await;

            // Discovery is idempotent and skips personal accounts.
            let urls = vec![
                "https://a.edu.vn/feed".to_string(),
                "https://facebook.com/a".to_string(),
            ];
            assert_eq!(store.discover_site_feeds(site_a, &urls).await.unwrap(), 1, "{backend}");
            assert_eq!(store.discover_site_feeds(site_a, &urls).await.unwrap(), 0, "{backend}");
            store
                .discover_site_feeds(site_b, &["https://b.edu.vn/rss".to_string()])
                .await
                .unwrap();
            // Press feeds: bad input writes nothing; a duplicate is refused.
            assert!(matches!(
                store.add_press_feed(&ctx, office.id, "javascript:alert(1)", "").await,
                Err(StoreError::Conflict(_))
            ));
            assert!(matches!(
                store
                    .add_press_feed(&ctx, office.id, "https://www.tiktok.com/@gv", "")
                    .await,
                Err(StoreError::Conflict(_))
            ));
            let press = store
                .add_press_feed(&ctx, office.id, "https://bao.vn/giao-duc.rss", "Báo")
                .await
                .unwrap();
            assert!(
                store
                    .add_press_feed(&ctx, office.id, "https://bao.vn/giao-duc.rss", "")
                    .await
                    .is_err()
            );
            let (feeds, total) = store.list_news_feeds(&[office.id], Paging::default()).await.unwrap();
            assert_eq!((total, feeds[0].kind), (3, FeedKind::Press), "{backend}");

            // Polls: entries deduplicated by link; 304 and errors keep the bookkeeping.
            let due = store.due_news_feeds(10).await.unwrap();
            assert_eq!(due.len(), 3, "{backend}");
            let feed_a = due.iter().find(|f| f.site_id == Some(site_a)).unwrap().id;
            let feed_b = due.iter().find(|f| f.site_id == Some(site_b)).unwrap().id;
            let first = vec![
                entry("Tập huấn Đào tạo kỹ năng số cho giáo viên", "https://a.edu.vn/1", 1),
                entry("Cảnh giác với lừa đảo trực tuyến", "https://a.edu.vn/2", 5),
                entry("Cảnh giác với lừa đảo trực tuyến", "https://a.edu.vn/2", 5),
            ];
            assert_eq!(
                store.record_news_poll(feed_a, &fetched(first.clone())).await.unwrap(),
                2,
                "{backend}"
            );
            assert_eq!(
                store.record_news_poll(feed_a, &fetched(first)).await.unwrap(),
                0,
                "{backend}: dedup"
            );
            let f = store.news_feed(feed_a).await.unwrap().unwrap();
            assert_eq!(
                (f.etag.as_deref(), f.last_status.as_str(), f.entries),
                (Some("\"v1\""), "ok", 2)
            );
            assert!(f.next_poll_at > now(), "{backend}");
            assert_eq!(
                store.record_news_poll(feed_a, &PollOutcome::NotModified).await.unwrap(),
                0
            );
            assert_eq!(
                store.news_feed(feed_a).await.unwrap().unwrap().last_status,
                "not_modified"
            );
            store
                .record_news_poll(
                    feed_b,
                    &fetched(vec![entry(
                        "Tuyên dương học sinh nhặt được của rơi",
                        "https://b.edu.vn/1",
                        3,
                    )]),
                )
                .await
                .unwrap();
            store
                .record_news_poll(press.id, &PollOutcome::Failed("hết thời gian chờ".into()))
                .await
                .unwrap();
            store
                .record_news_poll(press.id, &PollOutcome::Failed("hết thời gian chờ".into()))
                .await
                .unwrap();
            let p = store.news_feed(press.id).await.unwrap().unwrap();
            assert_eq!(
                (p.consecutive_failures, p.last_status.as_str()),
                (2, "error"),
                "{backend}"
            );
            assert!(
                p.next_poll_at >= now() + POLL_INTERVAL + Duration::minutes(59),
                "{backend}: backoff"
            );
            assert!(store.due_news_feeds(10).await.unwrap().is_empty(), "{backend}");
            assert!(!store.news_feeds_due().await.unwrap());

            // Folded search, scope, site, dates, topics, pagination.
            let search = |query: &str| NewsFilter {
                roots: vec![office.id],
                query: Some(query.into()),
                ..Default::default()
            };
            for q in ["dao tao", "Đào Tạo", "đào tạo", "\"dao tao\" giao vien"] {
                let (items, total) = store.search_news(&search(q), Paging::default()).await.unwrap();
                assert_eq!(total, 1, "{backend}: {q}");
                assert!(items[0].snippet.contains("Đào tạo"), "{backend}: {:?}", items[0]);
                assert_eq!(items[0].unit_name, "Trường Tiểu học A");
            }
            assert_eq!(
                store
                    .search_news(&search("\"tao dao\""), Paging::default())
                    .await
                    .unwrap()
                    .1,
                0
            );
            assert_eq!(
                store.search_news(&search("*\"'"), Paging::default()).await.unwrap().1,
                3,
                "{backend}: no tokens, no text filter"
            );
            let all = NewsFilter {
                roots: vec![office.id],
                ..Default::default()
            };
            let (items, total) = store.search_news(&all, Paging { page: 1, per_page: 2 }).await.unwrap();
            assert_eq!((total, items.len()), (3, 2), "{backend}");
            assert!(
                items[0].published_at >= items[1].published_at,
                "{backend}: newest first"
            );
            let (page2, _) = store.search_news(&all, Paging { page: 2, per_page: 2 }).await.unwrap();
            assert_eq!(page2.len(), 1);
            let only_b = NewsFilter {
                roots: vec![office.id],
                unit_id: Some(b.id),
                ..Default::default()
            };
            assert_eq!(
                store.search_news(&only_b, Paging::default()).await.unwrap().1,
                1,
                "{backend}: subtree"
            );
            let school_a = NewsFilter {
                roots: vec![a.id],
                ..Default::default()
            };
            assert_eq!(
                store.search_news(&school_a, Paging::default()).await.unwrap().1,
                2,
                "{backend}: scope"
            );
            let site_filter = NewsFilter {
                roots: vec![office.id],
                site_id: Some(site_b),
                ..Default::default()
            };
            assert_eq!(store.search_news(&site_filter, Paging::default()).await.unwrap().1, 1);
            let recent = NewsFilter {
                roots: vec![office.id],
                from: Some(vietnam_date(now() - Duration::days(1))),
                to: Some(vietnam_date(now())),
                ..Default::default()
            };
            assert_eq!(
                store.search_news(&recent, Paging::default()).await.unwrap().1,
                1,
                "{backend}: dates"
            );

            let topics = store.news_topics(&[office.id]).await.unwrap();
            assert_eq!(topics.len(), 5, "{backend}: the defaults");
            let scams = topics.iter().find(|t| t.name == "Lừa đảo trực tuyến").unwrap();
            let by_topic = NewsFilter {
                roots: vec![office.id],
                topic_id: Some(scams.id),
                ..Default::default()
            };
            let (items, total) = store.search_news(&by_topic, Paging::default()).await.unwrap();
            assert_eq!((total, items[0].url.as_str()), (1, "https://a.edu.vn/2"), "{backend}");
            let good = topics.iter().find(|t| t.name == "Gương người tốt việc tốt").unwrap();
            let mine = store
                .create_news_topic(&ctx, Some(office.id), "Kỹ năng số", "kỹ năng số\nchuyển đổi số")
                .await
                .unwrap();
            assert!(
                store
                    .create_news_topic(&ctx, Some(office.id), "Rỗng", "  \n")
                    .await
                    .is_err()
            );
            store.reindex_news_topic(mine.id).await.unwrap();
            let by_mine = NewsFilter {
                roots: vec![office.id],
                topic_id: Some(mine.id),
                sort: NewsSort::Relevance,
                ..Default::default()
            };
            assert_eq!(
                store.search_news(&by_mine, Paging::default()).await.unwrap().1,
                1,
                "{backend}"
            );
            let both = NewsFilter {
                query: Some("hoc sinh".into()),
                topic_id: Some(good.id),
                ..by_topic.clone()
            };
            assert_eq!(
                store.search_news(&both, Paging::default()).await.unwrap().1,
                1,
                "{backend}"
            );
            store
                .update_news_topic(&ctx, mine.id, "Kỹ năng số", "an ninh mạng")
                .await
                .unwrap();
            store.reindex_news_topic(mine.id).await.unwrap();
            assert_eq!(
                store.search_news(&by_mine, Paging::default()).await.unwrap().1,
                0,
                "{backend}"
            );
            assert_eq!(store.news_topics(&[office.id]).await.unwrap().len(), 6);
            assert_eq!(store.news_topics(&[]).await.unwrap().len(), 5);
            store.delete_news_topic(&ctx, mine.id).await.unwrap();

            // Publishing activity: windows are days in Vietnam, whatever the hour in UTC.
            let today = vietnam_date(now());
            let year_ago = today - Duration::days(360);
            let (rows, total) = store
                .news_unit_activity(&[office.id], year_ago, today, Paging::default())
                .await
                .unwrap();
            assert_eq!(total, 2, "{backend}");
            assert_eq!(
                (rows[0].unit_id, rows[0].entries, rows[0].feeds),
                (b.id, 1, 1),
                "{backend}: least active first"
            );
            assert_eq!(rows[0].site_urls, vec!["https://b.edu.vn/".to_string()], "{backend}");
            assert_eq!((rows[1].unit_id, rows[1].entries), (a.id, 2), "{backend}");
            let (only_a, _) = store
                .news_unit_activity(&[a.id], today, today, Paging::default())
                .await
                .unwrap();
            assert_eq!((only_a.len(), only_a[0].entries), (1, 0), "{backend}: the window");
            assert!(
                !store
                    .site_posts_by_month(site_a, year_ago, today)
                    .await
                    .unwrap()
                    .is_empty()
            );

            // The digest's data.
            let offices = store.news_digest_offices().await.unwrap();
            assert_eq!(
                offices.iter().map(|o| o.unit_id).collect::<Vec<_>>(),
                vec![office.id],
                "{backend}"
            );
            let silent = store
                .news_silent_sites(office.id, now() - Duration::days(2), 10)
                .await
                .unwrap();
            assert_eq!(
                silent,
                vec![("Trường THCS B".to_string(), "https://b.edu.vn/".to_string())],
                "{backend}"
            );
            db.cleanup().await;
        }
    }
}
