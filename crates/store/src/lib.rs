//! Lành Mạng's storage: the only crate that contains SQL.
//!
//! One [`Store`] serves SQLite or PostgreSQL, chosen at run time from the URL. Every query is
//! written once in the SQL both dialects accept (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and compiled for both pools by [`on_pool!`]; where the dialects differ, the
//! difference is one small named function per backend.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;

pub use lanhmang_domain::audit::AuditKey;

/// A value bound to a query built at run time, in the order of its `$n` placeholders.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Time(OffsetDateTime),
}

/// Binds every argument, in order, onto a query built with `sqlx::query_as`.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                $crate::Arg::Text(v) => q.bind(v.clone()),
                $crate::Arg::Int(v) => q.bind(*v),
                $crate::Arg::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Runs the same body against whichever pool the store holds. The body is compiled once per
/// backend, so one SQL text serves both.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}

/// Appends one audit entry inside an open transaction `$tx` of `$store`, chained to the previous
/// entry, and signs the new head with the store's audit key. Taking the head row first
/// serializes appenders on both backends (SQLite's write lock, PostgreSQL's row lock), so the
/// chain never forks. A head whose signature does not match is never signed again: that would
/// make a rewritten chain look genuine, so the change is refused instead.
macro_rules! audit_in_tx {
    ($store:expr, $tx:expr, $ctx:expr, $action:expr, $target:expr, $detail:expr) => {{
        let key: &lanhmang_domain::audit::AuditKey = $store.audit_key()?;
        let ctx: &$crate::AuditContext = $ctx;
        let at = $crate::now();
        let (seq, prev_hash, prev_signature): (i64, String, Option<String>) = sqlx::query_as(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash, signature",
        )
        .fetch_one(&mut *$tx)
        .await?;
        $crate::audit::check_head_before_append(key, seq - 1, &prev_hash, prev_signature.as_deref())?;
        let at_text = $crate::format_time(at);
        let target: String = $target;
        let detail: String = $detail;
        let hash = lanhmang_domain::audit::entry_hash(
            &prev_hash,
            &lanhmang_domain::audit::AuditFields {
                seq,
                at: &at_text,
                actor_user_id: ctx.actor_id,
                actor: &ctx.actor,
                action: $action,
                target: &target,
                detail: &detail,
                client_ip: &ctx.client_ip,
            },
        );
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_person_id, actor, action, target, detail, client_ip, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(at)
        .bind(ctx.actor_id)
        .bind(&ctx.actor)
        .bind($action)
        .bind(&target)
        .bind(&detail)
        .bind(&ctx.client_ip)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET last_hash = $1, signature = $2 WHERE id = 1")
            .bind(&hash)
            .bind(key.sign_head(seq, &hash))
            .execute(&mut *$tx)
            .await?;
    }};
}

/// Writes what a change sends (`&notices::Outgoing`: e-mails and in-app notices) inside the open
/// transaction `$tx` of that change. Evaluates to `Result<()>`.
macro_rules! send_in_tx {
    ($tx:expr, $outgoing:expr) => {{
        let outgoing: &$crate::notifications::Outgoing = $outgoing;
        let mut sent: $crate::Result<()> = Ok(());
        for mail in &outgoing.mails {
            if let Err(e) = queue_mail_in_tx!($tx, mail, outgoing.mail_held_until) {
                sent = Err(e);
                break;
            }
        }
        if sent.is_ok() {
            let at = $crate::now();
            for n in &outgoing.notifications {
                sqlx::query($crate::notifications::INSERT_NOTIFICATION)
                    .bind(n.person_id)
                    .bind(n.unit_id)
                    .bind(n.kind)
                    .bind(&n.title)
                    .bind(&n.body)
                    .bind(&n.link)
                    .bind(n.dedup_key.as_deref())
                    .bind(at)
                    .execute(&mut *$tx)
                    .await?;
            }
            if let Some(record) = &outgoing.record {
                if let Some(unit_id) = record.unit_ancestry.last() {
                    let (notice_id,): (i64,) = sqlx::query_as($crate::notifications::INSERT_RECORDED_NOTICE)
                        .bind(*unit_id)
                        .bind($crate::path_of(&record.unit_ancestry))
                        .bind(record.kind)
                        .bind(&record.title)
                        .bind(&record.body)
                        .bind(&record.link)
                        .bind(at)
                        .fetch_one(&mut *$tx)
                        .await?;
                    for n in &outgoing.notifications {
                        sqlx::query($crate::notifications::INSERT_RECORDED_RECIPIENT)
                            .bind(notice_id)
                            .bind(n.person_id)
                            .bind(n.unit_id.unwrap_or(*unit_id))
                            .bind(at)
                            .execute(&mut *$tx)
                            .await?;
                    }
                    sqlx::query($crate::notifications::COUNT_RECORDED_RECIPIENTS)
                        .bind(notice_id)
                        .execute(&mut *$tx)
                        .await?;
                    sqlx::query($crate::notifications::COUNT_NOTICE_UNITS)
                        .bind(notice_id)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
        sent
    }};
}

/// Queues one e-mail inside an open transaction `$tx` (as for `audit_in_tx!`), so that the mail
/// exists if and only if the change it announces commits, and queues the delivery job with it.
/// `$mail` is a `&outbox::NewMail`. Evaluates to `Result<bool>`: false when a mail with the same
/// dedup key exists already; invalid input (a bad address) is refused before anything is written.
macro_rules! queue_mail_in_tx {
    ($tx:expr, $mail:expr) => {
        queue_mail_in_tx!($tx, $mail, None)
    };
    // `$held`: an `Option<OffsetDateTime>` before which the mail must not leave (quiet hours).
    ($tx:expr, $mail:expr, $held:expr) => {{
        let mail: &$crate::outbox::NewMail = $mail;
        let held: Option<time::OffsetDateTime> = $held;
        let conn = &mut *$tx;
        async move {
            mail.check()?;
            let at = $crate::now();
            let queued = sqlx::query($crate::outbox::INSERT_MAIL)
                .bind(mail.to_address.trim())
                .bind(mail.to_name.trim())
                .bind(mail.subject.trim())
                .bind(&mail.body)
                .bind(mail.reason)
                .bind(mail.plan_id)
                .bind(mail.unit_id)
                .bind(at)
                .bind(mail.dedup_key.as_deref())
                // In UTC like every stored time: SQLite compares them as text.
                .bind(held.map_or(at, |h| h.max(at).to_offset(time::UtcOffset::UTC)))
                .execute(&mut *conn)
                .await?
                .rows_affected()
                > 0;
            if queued {
                sqlx::query($crate::outbox::KICK_DELIVERY)
                    .bind($crate::outbox::DELIVER_MAIL_JOB)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok::<bool, $crate::StoreError>(queued)
        }
        .await
    }};
}

#[macro_use]
pub mod activities;
pub mod audit;
pub mod auth;
#[cfg(any(test, feature = "bench-data"))]
pub mod bench_data;
#[cfg(any(test, feature = "bench-data"))]
pub mod bench_supervision;
pub mod clarifications;
pub mod class_sessions;
pub mod incident_attachments;
pub mod incident_links;
pub mod incidents;
#[cfg(any(test, feature = "bench-data"))]
pub mod incidents_bench;
pub mod jobs;
pub mod lessons;
pub mod migrate;
pub mod news;
#[cfg(any(test, feature = "bench-data"))]
pub mod news_bench;
mod news_index;
pub mod notices;
#[cfg(any(test, feature = "bench-data"))]
pub mod notices_bench;
pub mod notifications;
pub mod outbox;
pub mod parents;
pub mod people;
pub mod plans;
pub mod public_site;
#[cfg(any(test, feature = "bench-data"))]
pub mod public_site_bench;
pub mod reports;
pub mod settings;
pub mod sites;
pub mod stories;
pub mod trainings;
pub mod units;
pub mod webhooks;
pub mod working_time;

pub use audit::{AuditContext, AuditEntry, ChainReport};
pub use people::{Person, RoleGrant};
pub use units::{Unit, UnitFilter};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Không kết nối được cơ sở dữ liệu ({backend}): {message}")]
    Connect { backend: &'static str, message: String },
    #[error("Địa chỉ cơ sở dữ liệu không hợp lệ: {0} (dùng sqlite://… hoặc postgres://…)")]
    BadUrl(String),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Sql(#[source] sqlx::Error),
    /// The database cannot take the request now but may later: its disk is full, it is
    /// read-only, or it does not answer (restarting, unreachable). Nothing was written.
    #[error("cơ sở dữ liệu tạm thời không dùng được: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("dữ liệu không hợp lệ trong cơ sở dữ liệu: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    #[error("không tìm thấy {0}")]
    NotFound(&'static str),
    #[error("không thực hiện được: {0}")]
    Io(String),
    #[error(
        "Migration {name} đã bị sửa sau khi được áp dụng: mã kiểm tra SHA-256 ghi trong cơ sở dữ liệu ({recorded}) \
         khác với tệp trong chương trình ({expected}). Migration đã áp dụng không bao giờ được sửa; hãy dùng đúng \
         phiên bản chương trình hoặc đưa thay đổi vào một migration mới. \
         (migration checksum mismatch: {name})"
    )]
    MigrationChanged {
        name: String,
        recorded: String,
        expected: String,
    },
    #[error("chưa có khóa ký nhật ký (audit key): kho dữ liệu này chỉ đọc được nhật ký, không ghi thêm được")]
    AuditKeyMissing,
    #[error("{0}")]
    AuditHead(String),
}

/// Sorted once, here, so that callers match a variant instead of reading driver messages.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if unavailable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Sql(e)
        }
    }
}

/// Whether `e` says the database cannot work now (rather than that this statement is wrong):
/// retrying later, without changing anything, can succeed.
fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        // The pool found no live connection in time, or the connection broke mid-way.
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The extended result code, as text.
                sqlite_code_unavailable(db.code().as_deref())
            } else if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                postgres_state_unavailable(pg.code())
            } else {
                false
            }
        }
        _ => false,
    }
}

/// SQLite's primary result codes (the low byte of the extended code): SQLITE_BUSY (5: the write
/// lock stayed taken for the whole busy timeout), SQLITE_LOCKED (6), SQLITE_READONLY (8),
/// SQLITE_IOERR (10), SQLITE_FULL (13), SQLITE_CANTOPEN (14).
fn sqlite_code_unavailable(code: Option<&str>) -> bool {
    let Some(code) = code.and_then(|c| c.parse::<i32>().ok()) else {
        return false;
    };
    matches!(code & 0xff, 5 | 6 | 8 | 10 | 13 | 14)
}

/// PostgreSQL SQLSTATEs: class 08 (connection), 53 (insufficient resources: disk full, out of
/// memory, too many connections), 57P01–57P03 (shutting down, restarting, not yet accepting
/// connections), 25006 (read-only transaction: a standby, or a server set read-only), 40001 and
/// 40P01 (a serialization failure or a deadlock: the same request can pass when tried again).
fn postgres_state_unavailable(state: &str) -> bool {
    state.starts_with("08")
        || state.starts_with("53")
        || matches!(state, "57P01" | "57P02" | "57P03" | "25006" | "40001" | "40P01")
}

impl StoreError {
    /// Whether the database cannot take requests now (full, read-only, unreachable): people are
    /// asked to try again later, and nothing they sent was written.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// Whether the error is a unique-constraint violation (a duplicate code or username).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sql(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// How long a PostgreSQL request waits for a connection before it is answered 503.
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Opens a transaction that writes. On SQLite it takes the write lock as it begins: a deferred
/// transaction that reads before it writes cannot wait for the lock when another connection
/// commits in between. SQLite refuses that upgrade at once (SQLITE_BUSY_SNAPSHOT, whatever the
/// busy timeout), so two principals' steps at the same moment failed with "database is locked".
/// The first statement is a write that changes nothing, which waits its turn like any write.
/// (Not `BEGIN IMMEDIATE`: sqlx refuses a custom BEGIN on a connection whose transaction SQLite
/// rolled back by itself, after a full disk, until the connection is dropped.) PostgreSQL's row
/// locks already queue writers.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        let mut tx = self.begin().await?;
        // schema_migrations exists from the store's first start (before any migration).
        sqlx::query("UPDATE schema_migrations SET name = name WHERE 0")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>> + Send
    {
        self.begin()
    }
}

/// The database: a pool over SQLite or PostgreSQL, and the key that signs the audit chain's head.
pub struct Store {
    pub(crate) backend: Backend,
    audit_key: Option<AuditKey>,
    /// On PostgreSQL, this process's news search index (see `news_index`).
    news_index: std::sync::Arc<news_index::NewsIndex>,
}

/// Now, in UTC, truncated to whole seconds: stored times then compare correctly as text on
/// SQLite and survive a round trip unchanged on both backends (the audit chain hashes them).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

/// RFC 3339 text of a stored time, as the audit chain hashes it.
pub fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`. `audit_key` signs the
    /// audit chain's head; a store without one can read and verify nothing signed and append no
    /// audit entry (it serves administrative connections and checks of backup files).
    pub async fn connect(url: &str, audit_key: Option<AuditKey>) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: an acknowledged write survives a power cut.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                // Reads (a search walks the full-text index) map the file rather than copy each
                // page through a 2 MB cache per connection; the operating system shares the pages
                // between connections.
                .pragma("mmap_size", "1073741824");
            if let Some(dir) = sqlite_file(url).and_then(|p| p.parent().map(Path::to_path_buf))
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(&dir).map_err(|e| StoreError::Connect {
                    backend: "SQLite",
                    message: format!("không tạo được thư mục {}: {e}", dir.display()),
                })?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(15))
                // A connection goes back into the pool outside any transaction, or not at all.
                // SQLite ends a transaction by itself after some errors (a full disk, an I/O
                // error) while sqlx still counts it open; sqlx then opens that connection's next
                // transaction as a savepoint, whose rollback leaves a transaction open, holding
                // the write lock (every other write then waits and fails), and whose commit
                // commits nothing. Such a connection is closed, which ends what it held.
                .after_release(|conn, _| {
                    Box::pin(async move {
                        if sqlx::query("BEGIN").execute(&mut *conn).await.is_err() {
                            tracing::warn!("a database connection was left inside a transaction; it is closed");
                            return Ok(false);
                        }
                        Ok(sqlx::query("ROLLBACK").execute(&mut *conn).await.is_ok())
                    })
                })
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Connect {
                    backend: "SQLite",
                    message: e.to_string(),
                })?;
            Ok(Store {
                backend: Backend::Sqlite(pool),
                audit_key,
                news_index: news_index::NewsIndex::new(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                // Every query here is short and asks for a page of rows: compiling it (JIT, on by
                // default since PostgreSQL 12) costs more than it saves, up to hundreds of
                // milliseconds for a search whose plan looks expensive (a large bitmap scan).
                .options([("jit", "off")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                // While the server is down or restarting, a request fails within this time (503)
                // rather than holding its client: a refused connection is retried until then.
                .acquire_timeout(PG_ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Connect {
                    backend: "PostgreSQL",
                    message: e.to_string(),
                })?;
            Ok(Store {
                backend: Backend::Postgres(pool),
                audit_key,
                news_index: news_index::NewsIndex::new(),
            })
        } else {
            Err(StoreError::BadUrl(redact_url(url)))
        }
    }

    /// The key that signs the audit chain's head, or an error for a store opened without one.
    pub(crate) fn audit_key(&self) -> Result<&AuditKey> {
        self.audit_key.as_ref().ok_or(StoreError::AuditKeyMissing)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A round trip to the database, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// A consistent online copy of a SQLite database into `dest` (`VACUUM INTO`).
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<()> {
        let Backend::Sqlite(pool) = &self.backend else {
            return Err(StoreError::Io(
                "sao lưu bằng lệnh này chỉ dành cho SQLite; với PostgreSQL hãy dùng pg_dump".into(),
            ));
        };
        if dest.exists() {
            return Err(StoreError::Io(format!("tệp {} đã tồn tại", dest.display())));
        }
        let dest_text = dest
            .to_str()
            .ok_or_else(|| StoreError::Io("đường dẫn không phải UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(dest_text).execute(pool).await?;
        Ok(())
    }

    /// Checks a SQLite file's integrity (`PRAGMA integrity_check`).
    pub async fn integrity_check(&self) -> Result<()> {
        let Backend::Sqlite(pool) = &self.backend else {
            return Ok(());
        };
        let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(pool).await?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(result))
        }
    }
}

/// The file behind a `sqlite://` URL, if it names one.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.into())
    }
}

/// A database URL with its password replaced, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // set_password fails only for URLs that cannot have one, which this one has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<địa chỉ không hợp lệ>".to_string(),
    }
}

/// Escapes LIKE wildcards so that user text matches literally (used with `ESCAPE '\'`).
pub(crate) fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The stored path of a unit with this ancestry.
pub(crate) fn path_of(ancestry: &[i64]) -> String {
    let mut p = String::from("/");
    for id in ancestry {
        p.push_str(&format!("{id:012}/"));
    }
    p
}

/// `[low, high)`: every path in the subtree of the unit with this ancestry sorts inside it, so
/// a subtree is one index range scan on both backends. Paths hold only digits and '/', and '0'
/// is the character right after '/'.
pub(crate) fn path_range_of(ancestry: &[i64]) -> (String, String) {
    let low = path_of(ancestry);
    let high = format!("{}0", &low[..low.len() - 1]);
    (low, high)
}

/// A condition that `column` lies in one of `ranges`, with its binds from `$first` on. No range
/// means nothing matches.
pub(crate) fn range_condition(column: &str, ranges: &[(String, String)], first: usize) -> (String, Vec<String>) {
    if ranges.is_empty() {
        return ("1 = 0".into(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut binds = Vec::new();
    for (i, (low, high)) in ranges.iter().enumerate() {
        let a = first + 2 * i;
        parts.push(format!("({column} >= ${a} AND {column} < ${})", a + 1));
        binds.push(low.clone());
        binds.push(high.clone());
    }
    (format!("({})", parts.join(" OR ")), binds)
}

impl Store {
    /// The path ranges of the subtrees of `roots`, narrowed to the outermost ones.
    pub(crate) async fn subtree_ranges(&self, roots: &[i64]) -> Result<Vec<(String, String)>> {
        let units = self.units_by_ids(roots).await?;
        let mut ranges: Vec<(String, String)> = units.iter().map(|u| path_range_of(&u.ancestry)).collect();
        ranges.sort();
        let mut out: Vec<(String, String)> = Vec::new();
        for r in ranges {
            if !out.iter().any(|o| r.0.starts_with(&o.0)) {
                out.push(r);
            }
        }
        Ok(out)
    }
}

/// Unit ids from a stored ancestry path ('/1/2/7/' → [1, 2, 7]).
pub fn parse_path(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|p| p.parse().ok()).collect()
}

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert!(!redact_url("postgres://u:se cret@@").contains("se cret"));
    }

    #[test]
    fn sqlite_files() {
        assert_eq!(sqlite_file("sqlite://data/x.db?mode=rwc"), Some("data/x.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }

    #[test]
    fn unavailable_codes() {
        // SQLite: busy past the timeout (plain and a stale snapshot), locked, full, read-only
        // (plain and extended: moved, cannot lock), I/O (write, fsync), cannot open; a unique
        // violation (2067), a constraint or a plain error is the statement's fault.
        for code in ["5", "517", "6", "13", "8", "1032", "264", "10", "778", "1034", "14"] {
            assert!(sqlite_code_unavailable(Some(code)), "{code}");
        }
        for code in ["2067", "1", "19"] {
            assert!(!sqlite_code_unavailable(Some(code)), "{code}");
        }
        assert!(!sqlite_code_unavailable(None));
        // PostgreSQL: connection failures, disk full, shutting down, read-only transactions,
        // serialization failures and deadlocks.
        for state in ["08006", "08001", "53100", "57P01", "57P03", "25006", "40001", "40P01"] {
            assert!(postgres_state_unavailable(state), "{state}");
        }
        for state in ["23505", "42P01", "57014"] {
            assert!(!postgres_state_unavailable(state), "{state}");
        }
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_unavailable());
    }

    /// A real read-only SQLite database refuses a write with SQLITE_READONLY, which the store
    /// reports as unavailable (the server answers 503), not as a failed statement.
    #[tokio::test]
    async fn a_read_only_sqlite_database_is_unavailable_for_writes() {
        use sqlx::ConnectOptions;
        let (db, store) = crate::test_support::TestDb::store("sqlite").await.unwrap();
        store.close().await;
        let options = SqliteConnectOptions::from_str(&db.url).unwrap().read_only(true);
        let mut conn = options.connect().await.unwrap();
        let read: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM units")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(read.0, 0);
        let e = sqlx::query("INSERT INTO settings (key, value) VALUES ('x', 'y')")
            .execute(&mut conn)
            .await
            .unwrap_err();
        let e = StoreError::from(e);
        assert!(e.is_unavailable(), "{e:?}");
        assert!(!e.is_unique_violation());
    }

    /// SQLite ends a transaction by itself after some errors (a full disk, an I/O error) while
    /// sqlx still counts it open; sqlx then opens that connection's next transaction as a
    /// savepoint, whose rollback leaves a transaction (and its write lock) open and whose commit
    /// would then commit nothing. Such a connection must not go back into the pool.
    #[tokio::test]
    async fn a_connection_left_inside_a_transaction_is_not_reused() {
        use sqlx::{Acquire, ConnectOptions};
        let (db, store) = crate::test_support::TestDb::store("sqlite").await.unwrap();
        let Backend::Sqlite(pool) = &store.backend else {
            unreachable!("a SQLite store")
        };
        {
            let mut conn = pool.acquire().await.unwrap();
            {
                let mut tx = conn.begin().await.unwrap();
                // What SQLite does after a full disk, done behind sqlx's back.
                sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
            }
            {
                // A change abandoned on that connection (an error returned mid-way).
                let mut tx = conn.begin().await.unwrap();
                sqlx::query("INSERT INTO settings (key, value) VALUES ('abandoned', 'x')")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
        }
        // A change made afterwards commits, as seen from a connection of its own, and the one
        // abandoned is not there.
        let started = std::time::Instant::now();
        store
            .execute_raw_for_tests("INSERT INTO settings (key, value) VALUES ('after', 'y')")
            .await
            .unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "waited for a lock"
        );
        let mut other = SqliteConnectOptions::from_str(&db.url)
            .unwrap()
            .connect()
            .await
            .unwrap();
        let keys: Vec<(String,)> = sqlx::query_as("SELECT key FROM settings WHERE key IN ('abandoned', 'after')")
            .fetch_all(&mut other)
            .await
            .unwrap();
        assert_eq!(keys, vec![("after".to_string(),)]);
    }

    #[test]
    fn paths_and_like() {
        assert_eq!(parse_path("/1/2/7/"), vec![1, 2, 7]);
        assert_eq!(parse_path("/000000000001/000000000012/"), vec![1, 12]);
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
        let (low, high) = path_range_of(&[1, 12]);
        assert_eq!(low, "/000000000001/000000000012/");
        assert!(low.as_str() < "/000000000001/000000000012/000000000099/");
        assert!("/000000000001/000000000012/000000000099/" < high.as_str());
        assert!("/000000000001/000000000013/" > high.as_str());
    }
}
