//! The news search index of a PostgreSQL node: derived data, the database stays the source.
//!
//! On SQLite, search is one FTS5 query over `news_search` (migration 0011), kept by triggers in
//! the database itself. PostgreSQL's GIN index cannot give the newest matches without reading
//! them all, nor count up to `COUNT_CAP` without visiting every match in the table (a common
//! word costs 60 ms in the index alone, a phrase in one office seconds). So each process on
//! PostgreSQL keeps the same FTS5 table, with the same keys, words and tags, in a private
//! in-memory SQLite database, and answers searches from it exactly as SQLite does.
//!
//! Kept in step by PostgreSQL itself: triggers (migration 0011) write the id of every entry
//! whose indexed text, date, unit, site or topics change to `news_search_log`, with the writing
//! transaction's id. The index remembers the PostgreSQL snapshot it reflects; before a search it
//! reads, in one repeatable-read transaction, the new snapshot, the entries logged by the
//! transactions that snapshot sees and the previous one did not, and those entries' rows, and
//! rewrites them. A transaction still running at the previous snapshot is caught on the next
//! search after it commits, whatever the order of commits: so every node on one database
//! answers from the same committed data, and the same query gets the same answer everywhere.
//!
//! The index is built in the background on the first search of a process (about two minutes
//! for a million entries); until it is ready searches run on PostgreSQL's own index, with the
//! same results, only slower. `Store::build_news_index` builds it at once (the benchmark, tests,
//! and `lanhmang news-index`).

use crate::BeginWrite;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use tokio::sync::Mutex;

use crate::{Backend, Result, Store, StoreError};

/// The index: SQLite's `news_search` (migration 0011), and each entry's key so that a changed
/// entry's old row can be deleted.
const SCHEMA: &str = "CREATE VIRTUAL TABLE news_search USING fts5(words, tags, content = '', contentless_delete = 1);
CREATE TABLE news_search_keys (entry_id INTEGER PRIMARY KEY, key INTEGER NOT NULL);";

/// (entry id, key, words, tags) of entries, as SQLite's view `news_search_source` computes them.
const SOURCE: &str = "SELECT e.id, (floor(extract(epoch FROM e.published_at))::bigint * 1073741824 + e.id) AS key, e.folded, \
     trim(coalesce('u' || replace(trim(both '/' FROM u.path), '/', ' u'), '') \
       || CASE WHEN e.site_id IS NULL THEN ' press' ELSE ' s' || e.site_id END \
       || coalesce((SELECT ' ' || string_agg('t' || t.topic_id, ' ') FROM news_entry_topics t WHERE t.entry_id = e.id), '')) \
     FROM news_entries e LEFT JOIN units u ON u.id = e.unit_id";

type SourceRow = (i64, i64, String, String);

/// How long `news_search_log` keeps a row. A process whose index was last brought up to date
/// longer ago than half of this builds it again instead (see `news_search_index`).
const LOG_KEPT_HOURS: i64 = 48;

/// Rows per insert into the index (4 parameters each, well under SQLite's limit).
const INSERT_ROWS: usize = 500;

#[derive(Default)]
pub(crate) struct NewsIndex {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The index, the PostgreSQL snapshot it reflects and when it was taken, once built.
    ready: Option<(SqlitePool, String, std::time::Instant)>,
    building: bool,
}

impl NewsIndex {
    pub(crate) fn new() -> Arc<NewsIndex> {
        Arc::new(NewsIndex::default())
    }
}

/// A private in-memory database: one connection, kept open for the life of the process (the
/// database ends with its connection).
async fn open_memory() -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(|e| StoreError::BadUrl(e.to_string()))?;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?;
    sqlx::raw_sql(SCHEMA).execute(&pool).await?;
    Ok(pool)
}

/// Writes `rows` into the index (their old rows must be gone).
async fn insert_rows(conn: &mut sqlx::SqliteConnection, rows: &[SourceRow]) -> Result<()> {
    for chunk in rows.chunks(INSERT_ROWS) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO news_search (rowid, words, tags) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (_, key, words, tags) in chunk {
            q = q.bind(*key).bind(words.as_str()).bind(tags.as_str());
        }
        q.execute(&mut *conn).await?;
        let keys: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO news_search_keys (entry_id, key) VALUES {}",
            keys.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, key, _, _) in chunk {
            q = q.bind(*id).bind(*key);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A repeatable-read, read-only transaction on PostgreSQL and the snapshot it reads.
async fn pg_snapshot(pg: &PgPool) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, String)> {
    let mut tx = pg.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let (snapshot,): (String,) = sqlx::query_as("SELECT pg_current_snapshot()::text")
        .fetch_one(&mut *tx)
        .await?;
    Ok((tx, snapshot))
}

/// Builds an index of every entry; returns it, the snapshot it reflects and its size.
async fn build(pg: &PgPool) -> Result<(SqlitePool, String, usize)> {
    let index = open_memory().await?;
    let (mut tx, snapshot) = pg_snapshot(pg).await?;
    let mut conn = index.acquire().await?;
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let sql = format!("{SOURCE} WHERE e.id > $1 ORDER BY e.id LIMIT 20000");
    let mut after = 0_i64;
    let mut total = 0;
    loop {
        let rows: Vec<SourceRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        total += rows.len();
        insert_rows(&mut conn, &rows).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    sqlx::query("INSERT INTO news_search (news_search) VALUES ('optimize')")
        .execute(&mut *conn)
        .await?;
    tx.commit().await?;
    drop(conn);
    Ok((index, snapshot, total))
}

/// Brings `index` from `snapshot` to PostgreSQL's current one; returns the new snapshot.
async fn catch_up(pg: &PgPool, index: &SqlitePool, snapshot: &str) -> Result<String> {
    let (mut tx, current) = pg_snapshot(pg).await?;
    if current == snapshot {
        tx.commit().await?;
        return Ok(current);
    }
    // Logged by a transaction the old snapshot did not see (so, one that committed since).
    let changed: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT entry_id FROM news_search_log \
         WHERE xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $1::pg_snapshot)",
    )
    .bind(snapshot)
    .fetch_all(&mut *tx)
    .await?;
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(current);
    }
    let ids: Vec<i64> = changed.into_iter().map(|(id,)| id).collect();
    let sql = format!("{SOURCE} WHERE e.id = ANY($1)");
    let rows: Vec<SourceRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut w = index.begin().await?;
    for id in &ids {
        sqlx::query("DELETE FROM news_search WHERE rowid = (SELECT key FROM news_search_keys WHERE entry_id = $1)")
            .bind(id)
            .execute(&mut *w)
            .await?;
        sqlx::query("DELETE FROM news_search_keys WHERE entry_id = $1")
            .bind(id)
            .execute(&mut *w)
            .await?;
    }
    insert_rows(&mut w, &rows).await?;
    w.commit().await?;
    Ok(current)
}

impl Store {
    /// The search index to answer from, brought up to date: SQLite's own table, or on
    /// PostgreSQL this process's index once built (`None` before: the search then runs on
    /// PostgreSQL, and the first call starts building the index in the background).
    pub(crate) async fn news_search_index(&self) -> Result<Option<SqlitePool>> {
        let pg = match &self.backend {
            Backend::Sqlite(pool) => return Ok(Some(pool.clone())),
            Backend::Postgres(pg) => pg,
        };
        let mut state = self.news_index.state.lock().await;
        let fresh = std::time::Duration::from_secs(u64::try_from(LOG_KEPT_HOURS * 3600 / 2).unwrap_or(u64::MAX));
        if let Some((index, snapshot, at)) = &state.ready
            && at.elapsed() < fresh
        {
            let index = index.clone();
            let current = catch_up(pg, &index, snapshot).await?;
            state.ready = Some((index.clone(), current, std::time::Instant::now()));
            return Ok(Some(index));
        }
        // Never built, or idle for so long that the log may have been purged since.
        state.ready = None;
        if !state.building {
            state.building = true;
            let (pg, shared) = (pg.clone(), self.news_index.clone());
            tokio::spawn(async move {
                let built = build(&pg).await;
                let mut state = shared.state.lock().await;
                state.building = false;
                match built {
                    Ok((index, snapshot, entries)) => {
                        tracing::info!(entries, "news search index built");
                        state.ready = Some((index, snapshot, std::time::Instant::now()));
                    }
                    Err(e) => tracing::warn!(error = %e, "news search index not built; searching on PostgreSQL"),
                }
            });
        }
        Ok(None)
    }

    /// Starts building this process's news search index in the background if it has none
    /// (PostgreSQL; SQLite's is in the database).
    pub async fn prepare_news_index(&self) -> Result<()> {
        self.news_search_index().await.map(|_| ())
    }

    /// Builds the news search index now, from every entry, and returns how many it holds: on
    /// PostgreSQL this process's index (replacing the one it had); on SQLite the table
    /// `news_search` again (what the triggers keep, rewritten whole).
    pub async fn build_news_index(&self) -> Result<usize> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("INSERT INTO news_search (news_search) VALUES ('delete-all')")
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query(
                    "INSERT INTO news_search (rowid, words, tags) SELECT key, words, tags FROM news_search_source",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO news_search (news_search) VALUES ('optimize')")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }
            Backend::Postgres(pg) => {
                let (index, snapshot, entries) = build(pg).await?;
                self.news_index.state.lock().await.ready = Some((index, snapshot, std::time::Instant::now()));
                Ok(entries)
            }
        }
    }

    /// Merges SQLite's `news_search` into one segment, dropping what deletions left behind
    /// (after a bulk load; FTS5 merges little by little on its own as entries arrive). Nothing
    /// on PostgreSQL, whose processes build theirs whole.
    pub async fn optimize_news_index(&self) -> Result<()> {
        if let Backend::Sqlite(pool) = &self.backend {
            sqlx::query("INSERT INTO news_search (news_search) VALUES ('optimize')")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Forgets `news_search_log` rows older than `LOG_KEPT_HOURS` (PostgreSQL; nothing on
    /// SQLite); returns how many.
    pub async fn purge_news_search_log(&self) -> Result<u64> {
        let Backend::Postgres(pg) = &self.backend else {
            return Ok(0);
        };
        let done = sqlx::query("DELETE FROM news_search_log WHERE logged_at < now() - make_interval(hours => $1)")
            .bind(i32::try_from(LOG_KEPT_HOURS).unwrap_or(i32::MAX))
            .execute(pg)
            .await?;
        Ok(done.rows_affected())
    }
}
