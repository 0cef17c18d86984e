//! A national-scale dataset for the reports benchmark (`bench/reports`), and the few queries the
//! benchmark needs besides the application's own: the baseline full scan, table sizes, VACUUM and
//! ANALYZE.
//!
//! The dataset: 45,000 schools (primary, lower secondary, combined; a few closed) in offices of
//! about 100, under departments of which one holds exactly 10,000 schools, under one ministry;
//! per office and school year one published plan with the built-in template's content; about
//! 20 activities per school per year; yearly reports with every indicator of the plan, most of
//! them in for past years (some late, some returned) and a partial spread in the current year.
//! Rows are written as the application would have written them over the years: activities in
//! the order they were logged, reports in the order they were created, values in the order they
//! were last saved, so that one office's rows are spread over the tables as in real use.
//!
//! Not used by the application. It writes straight into the tables (no audit entries, no people,
//! no school plans: the queries measured do not read them) and refuses a database that already holds units. Deterministic: the same parameters give the
//! same rows.

use std::collections::HashMap;
use std::fmt::Write as _;

use lanhmang_domain::SchoolLevel;
use lanhmang_domain::activity::{ActivityFacts, ActivityKind, Audience};
use lanhmang_domain::plan::PlanContent;
use lanhmang_domain::plan_template::{BUILTIN, IndicatorKind};
use lanhmang_domain::report::{VIETNAM, compute_from_activities, is_late};
use lanhmang_domain::text::fold_vi;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnection, SqliteSynchronous};
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};

use crate::{Backend, Result, Store, StoreError, path_range_of};

/// Bumped whenever the generator writes different rows for the same parameters, so that a cached
/// dataset from an older generator is not reused.
const GENERATOR_VERSION: u32 = 1;
/// The `settings` key that records which dataset a database holds; written last.
const MARKER_KEY: &str = "bench_reports_dataset";
/// The code of the department that holds `big_department_offices` offices.
pub const BIG_DEPARTMENT_CODE: &str = "SGD-01";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchParams {
    pub schools: u32,
    /// The average office size; sizes vary around it (±20%) in pairs that keep the average exact.
    pub office_size: u32,
    pub departments: u32,
    /// Offices of the first department (`BIG_DEPARTMENT_CODE`): it holds this many times
    /// `office_size` schools (exactly, for an even number of offices).
    pub big_department_offices: u32,
    pub first_year: i32,
    pub years: u32,
    /// The average number of activities per school per school year.
    pub activities_per_year: u32,
    /// The dataset's "today", inside the last school year: activities and reports stop there.
    pub as_of: Date,
    pub seed: u64,
}

impl Default for BenchParams {
    fn default() -> Self {
        BenchParams {
            schools: 45_000,
            office_size: 100,
            departments: 34,
            big_department_offices: 100,
            first_year: 2022,
            years: 5,
            activities_per_year: 20,
            // Two weeks before the 1 June deadline: the busiest days of the office dashboard.
            as_of: Date::from_calendar_date(2027, Month::May, 20).unwrap_or(Date::MIN),
            seed: 2026,
        }
    }
}

impl BenchParams {
    /// A text naming the dataset exactly; a database holding another one is not reused.
    pub fn fingerprint(&self) -> String {
        format!(
            "v{GENERATOR_VERSION} schools={} office_size={} departments={} big_department_offices={} years={}+{} \
             activities={} as_of={} seed={}",
            self.schools,
            self.office_size,
            self.departments,
            self.big_department_offices,
            self.first_year,
            self.years,
            self.activities_per_year,
            self.as_of,
            self.seed
        )
    }

    /// The last school year (its first calendar year): the "current" one.
    pub fn current_year(&self) -> i32 {
        self.first_year + self.years as i32 - 1
    }

    pub fn offices(&self) -> u32 {
        self.schools / self.office_size.max(1)
    }

    fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(StoreError::Conflict(format!("tham số bộ dữ liệu không hợp lệ: {m}")));
        if self.office_size < 40 || self.schools == 0 || !self.schools.is_multiple_of(self.office_size) {
            return bad("schools must be a multiple of office_size (at least 40)");
        }
        if self.departments == 0 || self.big_department_offices == 0 || self.big_department_offices > self.offices() {
            return bad("departments and big_department_offices must fit the offices");
        }
        if self.years == 0 || self.activities_per_year < 4 {
            return bad("years >= 1 and activities_per_year >= 4");
        }
        let (start, _) = year_span(self.current_year());
        if self.as_of <= start + Duration::days(30) || self.as_of > deadline(self.current_year()) {
            return bad("as_of must fall in the last school year, before its deadline");
        }
        Ok(())
    }
}

/// What the benchmark reads back from a generated dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchDataset {
    pub current_year: i32,
    /// (plan id, issuing office id) of every office's plan in the current school year.
    pub office_plans: Vec<(i64, i64)>,
    pub big_department: i64,
    pub big_department_schools: i64,
}

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// A generator for one item of a stream (a school in a year), independent of the order the
    /// items are made in.
    pub(crate) fn for_item(seed: u64, stream: u64, item: u64) -> SplitMix64 {
        let mut g =
            SplitMix64(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F) ^ item.wrapping_mul(0xE703_7ED1_A0B4_28DB));
        g.next_u64();
        g
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi.saturating_sub(lo)) + 1) as u32
    }

    /// True `per_mille` times in a thousand.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The connection the generators write on: a dedicated one, tuned for bulk loading.
pub(crate) enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Like `on_pool!`, over the generator's connection: one SQL text for both backends.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_conn;

pub(crate) async fn exec(conn: &mut Conn, sql: &'static str) -> Result<()> {
    on_conn!(conn, c => { sqlx::raw_sql(sql).execute(&mut *c).await?; });
    Ok(())
}

/// `INSERT … VALUES ($1, …, $k), (…), …` for `rows` rows of `columns` values, then `tail`.
///
/// The one difference between the backends here: SQLite gets anonymous `?` placeholders. It
/// looks a `$N` name up in a list for every value it binds, a cost that grows with the square
/// of the values in one statement; `?` has no name to look up, so long statements stay cheap.
pub(crate) fn insert_sql(conn: &Conn, head: &str, columns: usize, rows: usize, tail: &str) -> String {
    values_sql(matches!(conn, Conn::Postgres(_)), head, columns, rows, tail)
}

fn values_sql(numbered: bool, head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * columns * 8);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            if numbered {
                let _ = write!(sql, "${n}");
            } else {
                sql.push('?');
            }
            n += 1;
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// Bound values per multi-row INSERT: below both backends' limits (SQLite 32,766, PostgreSQL
/// 65,535), long enough that the round trip per statement does not matter.
pub(crate) fn chunk_values(conn: &Conn) -> usize {
    match conn {
        Conn::Sqlite(_) => 16_000,
        Conn::Postgres(_) => 20_000,
    }
}

/// Rows per transaction.
pub(crate) const ROWS_PER_TRANSACTION: usize = 50_000;

pub(crate) fn day(year: i32, month: Month, d: u8) -> Date {
    Date::from_calendar_date(year, month, d).unwrap_or(Date::MIN)
}

/// The first and last day activities happen in a school year.
fn year_span(start_year: i32) -> (Date, Date) {
    (
        day(start_year, Month::September, 5),
        day(start_year + 1, Month::May, 28),
    )
}

fn deadline(start_year: i32) -> Date {
    day(start_year + 1, Month::June, 1)
}

fn random_day(rng: &mut SplitMix64, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(0) as u64;
    from + Duration::days(rng.below(span + 1) as i64)
}

/// An instant on `date` during office hours in Vietnam, in UTC, in whole seconds.
pub(crate) fn at_on(rng: &mut SplitMix64, date: Date) -> OffsetDateTime {
    let seconds = 7 * 3600 + rng.below(13 * 3600) as i64;
    date.midnight().assume_offset(VIETNAM).to_offset(UtcOffset::UTC) + Duration::seconds(seconds)
}

const PLACES: &[&str] = &[
    "An Bình",
    "Tân Phú",
    "Hòa Bình",
    "Phú Lợi",
    "Thạnh Mỹ",
    "Long Hưng",
    "Bình Minh",
    "Đông Hòa",
    "Tây Sơn",
    "Hưng Đạo",
    "Quang Trung",
    "Phước Long",
    "Vĩnh Thạnh",
    "Mỹ Xuân",
    "Hiệp Thành",
    "Thuận An",
    "Nghĩa Đô",
    "Yên Hòa",
    "Kim Liên",
    "Trung Hòa",
    "Đồng Xuân",
    "Cát Linh",
    "Bến Thành",
    "Phú Nhuận",
    "Hải Châu",
];

const SCHOOL_NAMES: &[&str] = &[
    "Lê Lợi",
    "Nguyễn Trãi",
    "Kim Đồng",
    "Trần Phú",
    "Quang Trung",
    "Hùng Vương",
    "Lý Tự Trọng",
    "Võ Thị Sáu",
    "Chu Văn An",
    "Ngô Quyền",
    "Lê Quý Đôn",
    "Nguyễn Du",
    "Trần Quốc Toản",
    "Nguyễn Văn Trỗi",
    "Phan Bội Châu",
    "Hai Bà Trưng",
    "Lê Văn Tám",
    "Đinh Tiên Hoàng",
    "Nguyễn Khuyến",
    "Tô Hiến Thành",
    "Bế Văn Đàn",
    "Võ Văn Kiệt",
];

/// Titles by kind, as staff write them.
const TITLES: &[(ActivityKind, &str)] = &[
    (
        ActivityKind::Talk,
        "Nói chuyện chuyên đề: ứng xử văn minh trên mạng xã hội",
    ),
    (
        ActivityKind::Talk,
        "Chuyên đề kỹ năng nhận diện tin giả, tin xấu độc trên Internet",
    ),
    (
        ActivityKind::Talk,
        "Nói chuyện chuyên đề phòng chống lừa đảo trực tuyến cho học sinh",
    ),
    (
        ActivityKind::Training,
        "Tập huấn giáo viên: nhận diện tin giả và lừa đảo trực tuyến",
    ),
    (
        ActivityKind::Training,
        "Bồi dưỡng cán bộ quản trị website về an toàn thông tin",
    ),
    (
        ActivityKind::Campaign,
        "Tuần lễ tuyên truyền \"Dùng điện thoại đúng lúc, đúng chỗ\"",
    ),
    (
        ActivityKind::Campaign,
        "Tháng hành động vì một môi trường mạng lành mạnh",
    ),
    (
        ActivityKind::ParentMeeting,
        "Họp cha mẹ học sinh: cùng con dùng Internet an toàn",
    ),
    (
        ActivityKind::ParentMeeting,
        "Trao đổi với Ban đại diện cha mẹ học sinh về quản lý thời gian dùng điện thoại",
    ),
    (
        ActivityKind::WebPost,
        "Bài viết trên website trường về quy định của ngành",
    ),
    (
        ActivityKind::WebPost,
        "Tin hoạt động: học sinh tham gia cuộc thi an toàn thông tin",
    ),
    (
        ActivityKind::WebPost,
        "Đăng tải hướng dẫn sử dụng mạng xã hội an toàn cho học sinh",
    ),
    (
        ActivityKind::PartnerWork,
        "Phối hợp Trung tâm Văn hóa - Thông tin tổ chức buổi ngoại khóa",
    ),
    (
        ActivityKind::PartnerWork,
        "Phối hợp Công an phường tuyên truyền pháp luật về an ninh mạng",
    ),
    (
        ActivityKind::PhoneRules,
        "Phổ biến nội quy sử dụng điện thoại di động đầu năm học",
    ),
    (
        ActivityKind::PhoneRules,
        "Sinh hoạt lớp: quy định không dùng điện thoại trong giờ học",
    ),
    (
        ActivityKind::StoryPost,
        "Giới thiệu tấm gương học sinh tiêu biểu trên trang của trường",
    ),
    (
        ActivityKind::StoryPost,
        "Gương sáng thầy cô: giáo viên ứng dụng công nghệ trong dạy học",
    ),
    (ActivityKind::Other, "Sinh hoạt dưới cờ về an toàn thông tin cá nhân"),
    (ActivityKind::Other, "Hoạt động trải nghiệm: em làm chủ thiết bị số"),
];

/// How often each kind is logged (per mille, in `ActivityKind::ALL` order).
const KIND_WEIGHTS: [u64; 9] = [140, 80, 100, 120, 240, 50, 100, 100, 70];

/// Tasks named explicitly instead of the kind's usual task, now and then.
fn extra_tasks(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Talk => "II.1.d II.2.a",
        ActivityKind::Training => "II.2.b II.3.b",
        ActivityKind::Campaign => "II.1.a II.1.c",
        ActivityKind::WebPost => "II.2.c",
        ActivityKind::ParentMeeting => "II.3.c II.1.c",
        ActivityKind::PartnerWork => "II.2.d II.1.d",
        ActivityKind::PhoneRules => "II.1.c II.2.a",
        ActivityKind::StoryPost => "II.1.b",
        ActivityKind::Other => "II.2.a",
    }
}

const PARTNERS: &[&str] = &[
    "Trung tâm Văn hóa - Thông tin và Thể thao phường",
    "Công an phường",
    "Đoàn Thanh niên Cộng sản Hồ Chí Minh phường",
    "Hội Liên hiệp Phụ nữ phường",
];

const DESCRIPTIONS: &[&str] = &[
    "Tổ chức tại hội trường nhà trường, có biên bản và hình ảnh kèm theo.",
    "Lồng ghép trong tiết sinh hoạt lớp của các lớp; giáo viên chủ nhiệm báo cáo số học sinh tham dự.",
    "Mời báo cáo viên của Công an phường; học sinh đặt nhiều câu hỏi về lừa đảo qua mạng.",
    "Đăng trên website và trang mạng xã hội chính thức của trường.",
];

const STRENGTHS: &[&str] = &[
    "Giáo viên chủ nhiệm phối hợp tốt với cha mẹ học sinh; website trường cập nhật thường xuyên.",
    "Ban giám hiệu quan tâm chỉ đạo; đội ngũ cộng tác viên nhiệt tình, nắm bắt kịp thời thông tin trên mạng.",
    "Học sinh hưởng ứng tích cực các hoạt động; nội quy sử dụng điện thoại được thực hiện nghiêm túc.",
];

const LIMITATIONS: &[&str] = &[
    "Một số buổi sinh hoạt chưa có minh chứng đầy đủ.",
    "Cơ sở vật chất phục vụ hoạt động trải nghiệm số còn hạn chế.",
    "Một bộ phận cha mẹ học sinh chưa quan tâm đến việc con sử dụng điện thoại ở nhà.",
];

const PROPOSALS: &[&str] = &[
    "Đề nghị Phòng cung cấp thêm tài liệu tuyên truyền phù hợp lứa tuổi.",
    "Đề nghị tổ chức lớp bồi dưỡng cho cán bộ quản trị website.",
    "Đề nghị phối hợp với Công an phường tổ chức thêm các buổi nói chuyện chuyên đề.",
];

const RETURN_COMMENTS: &[&str] = &[
    "Đề nghị bổ sung minh chứng cho các buổi nói chuyện chuyên đề.",
    "Số liệu học sinh được tập huấn vượt sĩ số; đề nghị kiểm tra lại.",
];

const OVERRIDE_REASON: &str = "Bổ sung hoạt động tổ chức trước khi dùng phần mềm, chưa ghi vào nhật ký";

/// A school as the generator knows it.
pub(crate) struct School {
    pub(crate) id: i64,
    /// Index among all schools: the generator's stream for it.
    pub(crate) index: u64,
    /// Index of its office in `Tree::offices`.
    pub(crate) office: usize,
    level: SchoolLevel,
    pupils: u32,
    /// The school year from which it is closed (it has no plan, activity or report then).
    pub(crate) closed_from: Option<i32>,
}

pub(crate) struct Tree {
    pub(crate) offices: Vec<i64>,
    pub(crate) schools: Vec<School>,
}

struct NewUnit {
    parent: Option<usize>,
    code: String,
    name: String,
    kind: &'static str,
    level: Option<&'static str>,
    status: &'static str,
    websites: String,
    staff: Option<i64>,
    pupils: Option<i64>,
}

struct ActivityRow {
    unit_id: i64,
    plan_id: i64,
    kind: ActivityKind,
    tasks: &'static str,
    held_on: Date,
    title: usize,
    audience: Audience,
    partner: &'static str,
    description: &'static str,
    created_at: OffsetDateTime,
    order: u64,
}

struct ValueRow {
    indicator: &'static str,
    number: Option<f64>,
    text: Option<&'static str>,
    computed: Option<f64>,
    reason: &'static str,
}

struct ReportRow {
    plan_id: i64,
    unit_id: i64,
    status: &'static str,
    version: i64,
    results: String,
    strengths: &'static str,
    limitations: &'static str,
    proposals: &'static str,
    review_comment: &'static str,
    first_submitted_at: Option<OffsetDateTime>,
    submitted_at: Option<OffsetDateTime>,
    late: Option<bool>,
    accepted_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    /// When its values were last written (the save before the first submission, or the last draft save).
    saved_at: OffsetDateTime,
    values: Vec<ValueRow>,
    /// (at, event, actor, comment)
    events: Vec<(OffsetDateTime, &'static str, &'static str, &'static str)>,
    order: u64,
}

impl Store {
    /// Reads back a dataset generated with exactly `params`, or None when the database holds no
    /// dataset or another one. The database must be migrated.
    pub async fn bench_dataset(&self, params: &BenchParams) -> Result<Option<BenchDataset>> {
        if self.setting(MARKER_KEY).await?.as_deref() != Some(params.fingerprint().as_str()) {
            return Ok(None);
        }
        let current_year = params.current_year();
        let office_plans: Vec<(i64, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT p.id, p.issuing_unit_id FROM plans p JOIN units i ON i.id = p.issuing_unit_id \
             WHERE p.school_year = $1 AND p.status = 'published' AND i.kind = 'office' ORDER BY p.id",
        ).bind(i64::from(current_year)).fetch_all(pool).await?);
        let dept = self
            .unit_by_code(BIG_DEPARTMENT_CODE)
            .await?
            .ok_or(StoreError::NotFound("sở của bộ dữ liệu"))?;
        let (low, high) = path_range_of(&dept.ancestry);
        let (big_department_schools,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM units WHERE kind = 'school' AND path >= $1 AND path < $2",
        ).bind(&low).bind(&high).fetch_one(pool).await?);
        Ok(Some(BenchDataset {
            current_year,
            office_plans,
            big_department: dept.id,
            big_department_schools,
        }))
    }

    /// Generates the dataset into an empty, migrated database. `progress` hears what is done.
    pub async fn generate_bench_data(&self, params: &BenchParams, progress: &mut dyn FnMut(&str)) -> Result<()> {
        params.check()?;
        if self.count_units().await? > 0 {
            return Err(StoreError::Conflict(
                "bộ dữ liệu benchmark chỉ được tạo trong một cơ sở dữ liệu trống".into(),
            ));
        }
        let mut conn = self.bulk_connection().await?;
        let started = std::time::Instant::now();
        let tree = insert_tree(&mut conn, params).await?;
        progress(&format!(
            "units: {} offices, {} schools ({:.1} s)",
            tree.offices.len(),
            tree.schools.len(),
            started.elapsed().as_secs_f64()
        ));
        let content = PlanContent::from_template(&BUILTIN);
        let content_json = content.to_json();
        let folded: Vec<String> = TITLES.iter().map(|(_, t)| fold_vi(t)).collect();
        for year in params.first_year..=params.current_year() {
            let t = std::time::Instant::now();
            let plans = insert_plans(&mut conn, params, &tree, year, &content_json).await?;
            let (mut activities, mut reports) = generate_year(params, &tree, &plans, &content, year);
            let (n_activities, n_reports) = (activities.len(), reports.len());
            activities.sort_by_key(|a| (a.created_at, a.order));
            insert_activities(&mut conn, &activities, &folded).await?;
            drop(activities);
            reports.sort_by_key(|r| (r.created_at, r.order));
            insert_reports(&mut conn, &mut reports).await?;
            progress(&format!(
                "{}–{}: {} plans, {n_activities} activities, {n_reports} reports ({:.1} s)",
                year,
                year + 1,
                plans.len(),
                t.elapsed().as_secs_f64()
            ));
        }
        // A sample school's stored path must be what the store computes for its ancestry.
        if let Some(s) = tree.schools.last() {
            let unit = self.unit(s.id).await?.ok_or(StoreError::NotFound("trường"))?;
            if unit.ancestry.len() != 4 || unit.ancestry[3] != s.id || unit.parent_id != Some(unit.ancestry[2]) {
                return Err(StoreError::Corrupt(format!(
                    "bench unit {} path {:?}",
                    s.id, unit.ancestry
                )));
            }
        }
        Store::finish_bulk_load(conn, MARKER_KEY, params.fingerprint()).await
    }

    /// A dedicated connection for a generator's bulk load. Durability is pointless while loading
    /// a throw-away dataset: no fsync (SQLite) or no wait for it (PostgreSQL), a big cache.
    pub(crate) async fn bulk_connection(&self) -> Result<Conn> {
        Ok(match &self.backend {
            Backend::Sqlite(pool) => {
                let options = (*pool.connect_options())
                    .clone()
                    .synchronous(SqliteSynchronous::Off)
                    .pragma("cache_size", "-524288");
                Conn::Sqlite(options.connect().await?)
            }
            Backend::Postgres(pool) => {
                let mut c = (*pool.connect_options()).clone().connect().await?;
                sqlx::raw_sql("SET synchronous_commit = off").execute(&mut c).await?;
                Conn::Postgres(c)
            }
        })
    }

    /// Records which dataset the database holds (a generator's last write) and closes its
    /// connection.
    pub(crate) async fn finish_bulk_load(mut conn: Conn, marker_key: &str, fingerprint: String) -> Result<()> {
        on_conn!(&mut conn, c => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
                .bind(marker_key)
                .bind(fingerprint)
                .execute(&mut *c)
                .await?;
        });
        on_conn!(conn, c => sqlx::Connection::close(c).await?);
        Ok(())
    }

    /// Reads every row of the activities table: the benchmark's baseline.
    /// Returns (rows, participants over all rows).
    pub async fn full_scan_activities(&self) -> Result<(i64, i64)> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(teachers + staff + pupils_g1_2 + pupils_g3_5 + pupils_g6_7 + pupils_g8_9 \
             + pupils_other + parents), 0) AS BIGINT) FROM activities",
        ).fetch_one(pool).await?))
    }

    /// Rows in each table the yearly loop uses.
    pub async fn bench_table_rows(&self) -> Result<Vec<(&'static str, i64)>> {
        self.bench_count_rows(&[
            "units",
            "plans",
            "plan_versions",
            "activities",
            "reports",
            "report_values",
            "report_events",
            "school_plans",
        ])
        .await
    }

    /// Rows in each of `tables` (names the caller wrote, never input).
    pub async fn bench_count_rows(&self, tables: &[&'static str]) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for &name in tables {
            if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(StoreError::Conflict(format!("bảng không hợp lệ: {name}")));
            }
            let sql = format!("SELECT COUNT(*) FROM {name}");
            let (n,): (i64,) =
                on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(pool).await?);
            out.push((name, n));
        }
        Ok(out)
    }

    /// The database's size on disk, in bytes.
    pub async fn bench_database_bytes(&self) -> Result<i64> {
        let (n,): (i64,) = match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query_as("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
                    .fetch_one(pool)
                    .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as("SELECT pg_database_size(current_database())")
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(n)
    }

    /// The server's version and the settings that matter for these queries, for the record.
    pub async fn bench_backend_info(&self) -> Result<String> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let (version,): (String,) = sqlx::query_as("SELECT sqlite_version()").fetch_one(pool).await?;
                Ok(format!("SQLite {version}"))
            }
            Backend::Postgres(pool) => {
                let (version,): (String,) = sqlx::query_as("SHOW server_version").fetch_one(pool).await?;
                let settings: Vec<(String, String)> = sqlx::query_as(
                    "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', \
                     'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather') ORDER BY name",
                )
                .fetch_all(pool)
                .await?;
                let settings: Vec<String> = settings.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
                Ok(format!("PostgreSQL {version} ({})", settings.join(", ")))
            }
        }
    }

    /// Refreshes the planner's statistics (ANALYZE); with `vacuum`, first compacts the database
    /// (SQLite: VACUUM rewrites the file; PostgreSQL: VACUUM also sets the visibility map).
    pub async fn bench_vacuum_analyze(&self, vacuum: bool) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                if vacuum {
                    sqlx::raw_sql("VACUUM").execute(pool).await?;
                    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
                }
                sqlx::raw_sql("ANALYZE").execute(pool).await?;
            }
            Backend::Postgres(pool) => {
                let sql = if vacuum { "VACUUM ANALYZE" } else { "ANALYZE" };
                sqlx::raw_sql(sql).execute(pool).await?;
            }
        }
        Ok(())
    }
}

/// The machine's load average over 1, 5 and 15 minutes ("?" where /proc is not there): every
/// bench prints it beside its timings, since other work on the cores changes them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Measured durations of one operation.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: &'static str,
    pub samples: Vec<std::time::Duration>,
}

impl Series {
    pub fn quantile(&self, q: f64) -> std::time::Duration {
        quantile(&self.samples, q)
    }

    pub fn max(&self) -> std::time::Duration {
        self.samples.iter().copied().max().unwrap_or_default()
    }
}

/// Runs `f` `warmup` times unmeasured, then `n` times measured; the first error stops it.
pub async fn measure<F, Fut, E>(name: &'static str, warmup: usize, n: usize, mut f: F) -> std::result::Result<Series, E>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<(), E>>,
{
    for i in 0..warmup {
        f(i).await?;
    }
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let t = std::time::Instant::now();
        f(warmup + i).await?;
        samples.push(t.elapsed());
    }
    Ok(Series { name, samples })
}

/// The nearest-rank quantile `q` (0..=1) of `samples`: the smallest sample with at least `q` of
/// them at or below it (zero when there are none).
pub fn quantile(samples: &[std::time::Duration], q: f64) -> std::time::Duration {
    let mut s = samples.to_vec();
    s.sort();
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len().max(1));
    s.get(rank - 1).copied().unwrap_or_default()
}

/// Milliseconds as the benches' tables print them: one decimal below 100.
pub fn ms(d: std::time::Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Peak resident memory of this process, MiB ("None" where /proc is not there).
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// A backend named on a bench's command line, as the name its tables print.
pub fn bench_backend(name: &str) -> std::result::Result<&'static str, String> {
    match name {
        "sqlite" => Ok("sqlite"),
        "postgres" => Ok("postgres"),
        other => Err(format!("unknown backend {other} (sqlite or postgres)")),
    }
}

/// The audit key of benchmark databases: their data is thrown away, and a fixed key lets a
/// kept dataset be opened again by the next run.
pub fn bench_audit_key() -> crate::AuditKey {
    crate::AuditKey::from_bytes(*b"lanhmang benchmark audit key 32b")
}

/// Connects to a benchmark database with [`bench_audit_key`], migrates it and signs its audit
/// head, as a server's start does.
pub async fn open_bench_store(url: &str) -> Result<(Store, crate::migrate::MigrationReport)> {
    let store = Store::connect(url, Some(bench_audit_key())).await?;
    let report = store.migrate().await?;
    store.secure_audit_head().await?;
    Ok((store, report))
}

/// The URL of a benchmark's database on `backend`: the SQLite file `file` (its folder created
/// when missing), or the PostgreSQL database `pg_db` on the server of `pg_admin`. With `fresh`,
/// the SQLite file and its journal are deleted first, the PostgreSQL database dropped and
/// created again.
pub async fn bench_database_url(
    backend: &str,
    file: &std::path::Path,
    pg_admin: &str,
    pg_db: &str,
    fresh: bool,
) -> Result<String> {
    match backend {
        "sqlite" => {
            let io = |e: std::io::Error, what: &std::path::Path| StoreError::Io(format!("{}: {e}", what.display()));
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
            }
            if fresh {
                for suffix in ["", "-wal", "-shm"] {
                    let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
                    if path.exists() {
                        std::fs::remove_file(&path).map_err(|e| io(e, &path))?;
                    }
                }
            }
            Ok(format!("sqlite://{}", file.display()))
        }
        "postgres" => postgres_bench_database(pg_admin, pg_db, fresh).await,
        other => Err(StoreError::BadUrl(format!(
            "unknown backend {other} (sqlite or postgres)"
        ))),
    }
}

/// A benchmark's dataset on `backend` (see [`bench_database_url`]): the one `find` reads back
/// when the database holds it (unless `regenerate`; its planner statistics refreshed after a
/// migration or when `analyze`), or else a fresh database where `generate` writes it,
/// compacted and analysed after. What it does is told on standard output.
pub async fn bench_dataset_in<D>(
    backend: &str,
    file: &std::path::Path,
    (pg_admin, pg_db): (&str, &str),
    (regenerate, analyze): (bool, bool),
    fingerprint: &str,
    find: impl AsyncFn(&Store) -> Result<Option<D>>,
    generate: impl AsyncFnOnce(&Store, &mut dyn FnMut(&str)) -> Result<()>,
) -> Result<(Store, D)> {
    let url = bench_database_url(backend, file, pg_admin, pg_db, false).await?;
    let (store, migration) = open_bench_store(&url).await?;
    if !regenerate && let Some(dataset) = find(&store).await? {
        println!("  dataset: reused ({fingerprint})");
        if !migration.applied.is_empty() || analyze {
            let t = std::time::Instant::now();
            store.bench_vacuum_analyze(false).await?;
            println!(
                "  migrations applied now: {:?}; ANALYZE {:.1} s",
                migration.applied,
                t.elapsed().as_secs_f64()
            );
        }
        return Ok((store, dataset));
    }
    store.close().await;
    let url = bench_database_url(backend, file, pg_admin, pg_db, true).await?;
    let (store, _) = open_bench_store(&url).await?;
    println!("  dataset: generating ({fingerprint})");
    let t = std::time::Instant::now();
    generate(&store, &mut |m| {
        println!("    {m} [{:.0} s]", t.elapsed().as_secs_f64())
    })
    .await?;
    let generated = t.elapsed();
    let t = std::time::Instant::now();
    store.bench_vacuum_analyze(true).await?;
    println!(
        "  generated in {:.0} s, VACUUM + ANALYZE {:.0} s, peak memory of this process {} MiB",
        generated.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        peak_rss_mib().map_or("?".into(), |m| m.to_string())
    );
    let dataset = find(&store)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the dataset just generated is not found again".into()))?;
    Ok((store, dataset))
}

/// Makes sure the PostgreSQL database `name` exists on the server of `admin_url` (dropping it
/// first when `recreate`), and returns its URL.
pub async fn postgres_bench_database(admin_url: &str, name: &str, recreate: bool) -> Result<String> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(StoreError::BadUrl(format!("tên cơ sở dữ liệu không hợp lệ: {name}")));
    }
    let admin = Store::connect(admin_url, None).await?;
    let Backend::Postgres(pool) = &admin.backend else {
        return Err(StoreError::BadUrl(crate::redact_url(admin_url)));
    };
    if recreate {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
            .execute(pool)
            .await?;
    }
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    if exists.is_none() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(pool)
            .await?;
    }
    admin.close().await;
    let mut url = url::Url::parse(admin_url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
    url.set_path(name);
    Ok(url.to_string())
}

/// Office sizes around `office_size`, in pairs (+d, −d) so that every even run of offices, and
/// the whole country, has exactly `office_size` schools per office on average.
fn office_sizes(params: &BenchParams) -> Vec<u32> {
    let n = params.offices() as usize;
    let mut rng = SplitMix64::for_item(params.seed, 1, 0);
    let mut sizes = vec![params.office_size; n];
    for pair in sizes.chunks_mut(2) {
        if let [a, b] = pair {
            let d = rng.between(0, params.office_size / 5);
            *a += d;
            *b -= d;
        }
    }
    sizes
}

pub(crate) async fn insert_tree(conn: &mut Conn, params: &BenchParams) -> Result<Tree> {
    let mut units: Vec<NewUnit> = vec![NewUnit {
        parent: None,
        code: "BGDDT".into(),
        name: "Bộ Giáo dục và Đào tạo".into(),
        kind: "ministry",
        level: None,
        status: "active",
        websites: "https://moet.gov.vn/".into(),
        staff: None,
        pupils: None,
    }];
    let first_department = units.len();
    for d in 0..params.departments as usize {
        units.push(NewUnit {
            parent: Some(0),
            code: format!("SGD-{:02}", d + 1),
            name: format!("Sở Giáo dục và Đào tạo tỉnh {:02}", d + 1),
            kind: "department",
            level: None,
            status: "active",
            websites: format!("https://sgd{:02}.edu.vn/", d + 1),
            staff: None,
            pupils: None,
        });
    }
    // The first department takes `big_department_offices`; the others share the rest evenly.
    let offices = params.offices() as usize;
    let big = params.big_department_offices as usize;
    let others = (params.departments as usize).saturating_sub(1);
    let department_of = |o: usize| -> usize {
        if o < big || others == 0 {
            0
        } else {
            1 + (o - big) * others / (offices - big).max(1)
        }
    };
    let first_office = units.len();
    let mut local = vec![0usize; params.departments as usize];
    let mut office_codes = Vec::with_capacity(offices);
    for o in 0..offices {
        let d = department_of(o);
        local[d] += 1;
        let code = format!("P{:02}-{:03}", d + 1, local[d]);
        units.push(NewUnit {
            parent: Some(first_department + d),
            name: format!(
                "Phòng Văn hóa - Xã hội phường {} {:03}",
                PLACES[o % PLACES.len()],
                o + 1
            ),
            websites: format!("https://{}.edu.vn/", code.to_lowercase()),
            code: code.clone(),
            kind: "office",
            level: None,
            status: "active",
            staff: None,
            pupils: None,
        });
        office_codes.push(code);
    }
    let first_school = units.len();
    let mut schools = Vec::with_capacity(params.schools as usize);
    let current = params.current_year();
    for (o, size) in office_sizes(params).into_iter().enumerate() {
        for s in 0..size {
            let index = schools.len() as u64;
            let mut rng = SplitMix64::for_item(params.seed, 2, index);
            let (level, prefix, pupils) = match rng.below(100) {
                0..=54 => (SchoolLevel::Primary, "Trường Tiểu học", rng.between(250, 1200)),
                55..=89 => (SchoolLevel::LowerSecondary, "Trường THCS", rng.between(300, 1400)),
                _ => (SchoolLevel::Combined, "Trường TH&THCS", rng.between(150, 700)),
            };
            // About one school in 200 has closed, in one of the later years.
            let closed_from = rng
                .chance(5)
                .then(|| params.first_year + 1 + rng.below(u64::from(params.years.max(2) - 1)) as i32)
                .filter(|y| *y <= current);
            let code = format!("T{}-{:03}", &office_codes[o][1..], s + 1);
            units.push(NewUnit {
                parent: Some(first_office + o),
                name: format!("{prefix} {} {}", rng.pick(SCHOOL_NAMES), rng.pick(PLACES)),
                websites: format!("https://{}.edu.vn/", code.to_lowercase()),
                code,
                kind: "school",
                level: Some(level.as_str()),
                status: if closed_from.is_some() { "closed" } else { "active" },
                staff: Some(i64::from(15 + pupils / 22)),
                pupils: Some(i64::from(pupils)),
            });
            schools.push(School {
                id: 0,
                index,
                office: o,
                level,
                pupils,
                closed_from,
            });
        }
    }
    // Level by level, so that every parent has its id (and path) before its children.
    let at = day(params.first_year, Month::August, 1).midnight().assume_utc();
    let mut ids: Vec<i64> = vec![0; units.len()];
    let levels = [
        0..first_department,
        first_department..first_office,
        first_office..first_school,
        first_school..units.len(),
    ];
    let per_chunk = chunk_values(conn) / 14;
    exec(conn, "BEGIN").await?;
    for level in levels {
        let start = level.start;
        for (chunk_no, chunk) in units[level].chunks(per_chunk).enumerate() {
            let sql = insert_sql(
                conn,
                "INSERT INTO units (parent_id, path, code, name, name_folded, kind, school_level, status, address, \
                 websites, created_at, updated_at, staff_count, pupil_count)",
                14,
                chunk.len(),
                " RETURNING id, code",
            );
            let returned: Vec<(i64, String)> = on_conn!(conn, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for u in chunk {
                    q = q
                        .bind(u.parent.map(|p| ids[p]))
                        .bind("")
                        .bind(&u.code)
                        .bind(&u.name)
                        .bind(fold_vi(&u.name))
                        .bind(u.kind)
                        .bind(u.level)
                        .bind(u.status)
                        .bind("")
                        .bind(&u.websites)
                        .bind(at)
                        .bind(at)
                        .bind(u.staff)
                        .bind(u.pupils);
                }
                q.fetch_all(&mut *c).await?
            });
            let by_code: HashMap<String, i64> = returned.into_iter().map(|(id, code)| (code, id)).collect();
            let base = start + chunk_no * per_chunk;
            for (i, u) in chunk.iter().enumerate() {
                ids[base + i] = *by_code
                    .get(&u.code)
                    .ok_or_else(|| StoreError::Corrupt(format!("unit {} not returned", u.code)))?;
            }
        }
        // The path is the parent's path and the zero-padded id (`crate::path_of`).
        exec(
            conn,
            "UPDATE units SET path = COALESCE((SELECT p.path FROM units p WHERE p.id = units.parent_id), '/') \
             || substr('000000000000' || id, length('000000000000' || id) - 11) || '/' WHERE path = ''",
        )
        .await?;
    }
    exec(conn, "COMMIT").await?;
    for (i, s) in schools.iter_mut().enumerate() {
        s.id = ids[first_school + i];
    }
    Ok(Tree {
        offices: ids[first_office..first_school].to_vec(),
        schools,
    })
}

/// One published plan per office for `year`, with its publication version. Returns the plan id
/// of each office, by office index.
async fn insert_plans(
    conn: &mut Conn,
    params: &BenchParams,
    tree: &Tree,
    year: i32,
    content: &str,
) -> Result<Vec<i64>> {
    let title = format!("{} năm học {}–{}", BUILTIN.title, year, year + 1);
    let deadline = deadline(year);
    let mut rng = SplitMix64::for_item(params.seed, 3, year as u64);
    let rows: Vec<(i64, i64, OffsetDateTime)> = tree
        .offices
        .iter()
        .map(|&office| {
            let on = day(year, Month::September, 3) + Duration::days(rng.below(20) as i64);
            let published = at_on(&mut rng, on);
            (office, 1 + rng.below(40) as i64, published)
        })
        .collect();
    let mut plan_of: HashMap<i64, i64> = HashMap::new();
    exec(conn, "BEGIN").await?;
    for chunk in rows.chunks(chunk_values(conn) / 14) {
        let sql = insert_sql(
            conn,
            "INSERT INTO plans (issuing_unit_id, title, school_year, deadline, doc_sequence, doc_issuer, doc_year, \
             template_code, content, status, version, published_at, created_at, updated_at)",
            14,
            chunk.len(),
            " RETURNING id, issuing_unit_id",
        );
        let returned: Vec<(i64, i64)> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for (office, sequence, published) in chunk {
                q = q
                    .bind(*office)
                    .bind(&title)
                    .bind(i64::from(year))
                    .bind(deadline)
                    .bind(*sequence)
                    .bind("VHXH")
                    .bind(i64::from(year))
                    .bind("builtin")
                    .bind(content)
                    .bind("published")
                    .bind(1_i64)
                    .bind(*published)
                    .bind(*published - Duration::days(3))
                    .bind(*published);
            }
            q.fetch_all(&mut *c).await?
        });
        plan_of.extend(returned.into_iter().map(|(id, office)| (office, id)));
        let sql = insert_sql(
            conn,
            "INSERT INTO plan_versions (plan_id, version, title, deadline, content, change_note, changed_at)",
            7,
            chunk.len(),
            "",
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (office, _, published) in chunk {
                q = q
                    .bind(plan_of.get(office).copied())
                    .bind(1_i64)
                    .bind(&title)
                    .bind(deadline)
                    .bind(content)
                    .bind("Ban hành")
                    .bind(*published);
            }
            q.execute(&mut *c).await?;
        });
    }
    exec(conn, "COMMIT").await?;
    tree.offices
        .iter()
        .map(|o| {
            plan_of
                .get(o)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("plan of office {o}")))
        })
        .collect()
}

/// Pupils of an activity spread over the grade bands the school teaches.
fn pupils_by_band(rng: &mut SplitMix64, level: SchoolLevel, pupils: u32, audience: &mut Audience) {
    if rng.chance(50) {
        audience.pupils_other = pupils;
        return;
    }
    match level {
        SchoolLevel::Primary => {
            audience.pupils_g1_2 = pupils * 2 / 5;
            audience.pupils_g3_5 = pupils - pupils * 2 / 5;
        }
        SchoolLevel::LowerSecondary => {
            audience.pupils_g6_7 = pupils / 2;
            audience.pupils_g8_9 = pupils - pupils / 2;
        }
        SchoolLevel::Combined => {
            audience.pupils_g1_2 = pupils / 5;
            audience.pupils_g3_5 = pupils * 3 / 10;
            audience.pupils_g6_7 = pupils / 4;
            audience.pupils_g8_9 = pupils - pupils / 5 - pupils * 3 / 10 - pupils / 4;
        }
    }
}

fn pick_kind(rng: &mut SplitMix64) -> ActivityKind {
    let mut r = rng.below(KIND_WEIGHTS.iter().sum());
    for (kind, w) in ActivityKind::ALL.into_iter().zip(KIND_WEIGHTS) {
        if r < w {
            return kind;
        }
        r -= w;
    }
    ActivityKind::Other
}

fn audience_for(rng: &mut SplitMix64, kind: ActivityKind, school: &School) -> Audience {
    let mut a = Audience::default();
    let teachers = 10 + school.pupils / 30;
    let pupils = |rng: &mut SplitMix64, lo: u32, hi: u32| rng.between(lo.min(school.pupils), hi.min(school.pupils));
    match kind {
        ActivityKind::Talk => {
            a.teachers = rng.between(5, teachers);
            a.staff = rng.between(0, 5);
            let n = pupils(rng, 100, 600);
            pupils_by_band(rng, school.level, n, &mut a);
            if rng.chance(100) {
                a.parents = rng.between(20, 80);
            }
        }
        ActivityKind::Training => {
            a.teachers = rng.between(8, teachers);
            a.staff = rng.between(0, 8);
            if rng.chance(300) {
                let n = pupils(rng, 30, 120);
                pupils_by_band(rng, school.level, n, &mut a);
            }
        }
        ActivityKind::Campaign | ActivityKind::PhoneRules => {
            a.teachers = rng.between(10, teachers);
            let n = pupils(rng, 150, school.pupils);
            pupils_by_band(rng, school.level, n, &mut a);
        }
        ActivityKind::ParentMeeting => {
            a.teachers = rng.between(5, 30);
            a.parents = rng.between(30, 400);
        }
        ActivityKind::PartnerWork | ActivityKind::Other => {
            a.teachers = rng.between(3, 15);
            let n = pupils(rng, 50, 300);
            pupils_by_band(rng, school.level, n, &mut a);
        }
        ActivityKind::WebPost | ActivityKind::StoryPost => {}
    }
    a
}

/// Every activity and report of one school year, in memory (about 200 MB at national scale).
fn generate_year(
    params: &BenchParams,
    tree: &Tree,
    plans: &[i64],
    content: &PlanContent,
    year: i32,
) -> (Vec<ActivityRow>, Vec<ReportRow>) {
    let current = year == params.current_year();
    let (first_day, last_day) = year_span(year);
    let last_day = if current { params.as_of.min(last_day) } else { last_day };
    let deadline = deadline(year);
    let mut activities = Vec::with_capacity(tree.schools.len() * params.activities_per_year as usize);
    let mut reports = Vec::with_capacity(tree.schools.len());
    let indicators: Vec<(&'static str, IndicatorKind)> = BUILTIN.indicators().map(|(_, i)| (i.code, i.kind)).collect();
    let titles_by_kind: Vec<Vec<usize>> = ActivityKind::ALL
        .iter()
        .map(|&k| (0..TITLES.len()).filter(|&i| TITLES[i].0 == k).collect())
        .collect();
    for school in &tree.schools {
        if school.closed_from.is_some_and(|c| c <= year) {
            continue;
        }
        let mut rng = SplitMix64::for_item(params.seed, 10 + year as u64, school.index);
        let plan_id = plans[school.office];
        let avg = params.activities_per_year;
        let count = rng.between(avg - avg * 3 / 10, avg + avg * 3 / 10);
        let mut facts = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let kind = pick_kind(&mut rng);
            let title = rng.pick(&titles_by_kind[kind as usize]);
            let tasks = if rng.chance(120) { extra_tasks(kind) } else { "" };
            let held_on = random_day(&mut rng, first_day, last_day);
            let audience = audience_for(&mut rng, kind, school);
            let partner = match kind {
                ActivityKind::PartnerWork => rng.pick(PARTNERS),
                ActivityKind::Talk if rng.chance(200) => PARTNERS[1],
                _ => "",
            };
            let description = if rng.chance(300) { rng.pick(DESCRIPTIONS) } else { "" };
            // Logged on the day or a few days later, never after "today".
            let logged = (held_on + Duration::days(rng.below(4) as i64)).min(last_day);
            activities.push(ActivityRow {
                unit_id: school.id,
                plan_id,
                kind,
                tasks,
                held_on,
                title,
                audience,
                partner,
                description,
                created_at: at_on(&mut rng, logged),
                order: rng.next_u64(),
            });
            facts.push(ActivityFacts {
                kind,
                tasks: tasks.split_whitespace().map(str::to_string).collect(),
                audience,
            });
        }
        if let Some(report) = make_report(
            &mut rng,
            school,
            plan_id,
            year,
            current,
            params.as_of,
            deadline,
            content,
            &indicators,
            &facts,
        ) {
            reports.push(report);
        }
    }
    (activities, reports)
}

#[allow(clippy::too_many_arguments)]
fn make_report(
    rng: &mut SplitMix64,
    school: &School,
    plan_id: i64,
    year: i32,
    current: bool,
    as_of: Date,
    deadline: Date,
    content: &PlanContent,
    indicators: &[(&'static str, IndicatorKind)],
    facts: &[ActivityFacts],
) -> Option<ReportRow> {
    // Past years: nearly every school reported; this year, two weeks before the deadline, a
    // partial spread.
    let r = rng.below(1000);
    let status = if current {
        match r {
            0..380 => return None,
            380..650 => "draft",
            650..680 => "returned",
            680..900 => "submitted",
            _ => "accepted",
        }
    } else {
        match r {
            0..20 => return None,
            20..30 => "draft",
            30..50 => "returned",
            50..110 => "submitted",
            _ => "accepted",
        }
    };
    let principal = "Hiệu trưởng";
    let office = "Chuyên viên Phòng";
    // First submission: before the deadline, or (about one in twelve, past years) after it.
    let first_day = if current {
        random_day(rng, day(year + 1, Month::April, 25).min(as_of), as_of)
    } else if rng.chance(80) {
        deadline + Duration::days(1 + rng.below(20) as i64)
    } else {
        random_day(rng, day(year + 1, Month::April, 20), deadline)
    };
    let first = at_on(rng, first_day);
    let created_day = random_day(rng, day(year + 1, Month::April, 1), first_day);
    let created = at_on(rng, created_day).min(first - Duration::hours(1));
    let mut events = vec![(created, "created", principal, "")];
    let (mut first_submitted_at, mut submitted_at, mut accepted_at, mut review_comment) = (None, None, None, "");
    let mut version = 2;
    let mut updated = created + Duration::hours(1);
    let mut saved = updated;
    if status == "draft" {
        if current {
            let on = random_day(rng, created_day, as_of);
            updated = at_on(rng, on).max(updated);
            saved = updated;
        }
    } else {
        saved = first - Duration::minutes(5);
        first_submitted_at = Some(first);
        submitted_at = Some(first);
        events.push((first, "submitted", principal, ""));
        version += 1;
        updated = first;
        // Some accepted reports were returned once and sent again.
        let returned_once = status == "returned" || (status == "accepted" && rng.chance(50));
        // This year nothing happens after the end of "today" (in Vietnam).
        let end_of_today = (as_of + Duration::days(1))
            .midnight()
            .assume_offset(VIETNAM)
            .to_offset(UtcOffset::UTC);
        let cap = |t: OffsetDateTime| if current { t.min(end_of_today) } else { t };
        if returned_once {
            review_comment = rng.pick(RETURN_COMMENTS);
            let back = cap(first + Duration::days(1 + rng.below(5) as i64));
            events.push((back, "returned", office, review_comment));
            version += 1;
            updated = back;
            if status == "accepted" {
                let again = cap(back + Duration::days(1 + rng.below(4) as i64));
                events.push((again, "submitted", principal, ""));
                submitted_at = Some(again);
                saved = again - Duration::minutes(5);
                version += 2;
                updated = again;
            }
        }
        if status == "accepted" {
            let at = cap(updated + Duration::days(1 + rng.below(if current { 4 } else { 20 }) as i64));
            events.push((at, "accepted", office, ""));
            accepted_at = Some(at);
            version += 1;
            updated = at;
        }
    }
    let computed = compute_from_activities(content, facts);
    let participants: u64 = facts.iter().map(|f| f.audience.total()).sum();
    let values = indicators
        .iter()
        .map(|&(code, kind)| {
            let mut v = ValueRow {
                indicator: code,
                number: None,
                text: None,
                computed: None,
                reason: "",
            };
            if let Some(&c) = computed.get(code) {
                v.computed = Some(c);
                v.number = Some(c);
                if rng.chance(30) {
                    v.number = Some(c + f64::from(rng.between(1, 3)));
                    v.reason = OVERRIDE_REASON;
                }
                return v;
            }
            match (code, kind) {
                ("s3_1_collaborators", _) => {
                    let n = f64::from(rng.between(2, 12));
                    (v.number, v.computed) = (Some(n), Some(n));
                }
                ("t5_1_school_plan", _) => {
                    let n = if rng.chance(950) { 1.0 } else { 0.0 };
                    (v.number, v.computed) = (Some(n), Some(n));
                }
                ("s3_2_webadmins_trained", _) => v.number = Some(f64::from(rng.between(0, 3))),
                ("s4_2_posts_per_month", _) => v.number = Some(f64::from(rng.between(1, 12))),
                (_, IndicatorKind::YesNo) => v.number = Some(if rng.chance(800) { 1.0 } else { 0.0 }),
                (_, IndicatorKind::Number) => v.number = Some(f64::from(rng.between(0, 8))),
                (_, IndicatorKind::Text) => v.text = rng.chance(600).then(|| rng.pick(PROPOSALS)),
            }
            v
        })
        .collect();
    let results = if status == "draft" && rng.chance(500) {
        String::new()
    } else {
        format!(
            "Nhà trường đã tổ chức {} hoạt động theo kế hoạch, thu hút {participants} lượt cán bộ, giáo viên, học sinh \
             và cha mẹ học sinh tham gia.",
            facts.len()
        )
    };
    Some(ReportRow {
        plan_id,
        unit_id: school.id,
        status,
        version,
        results,
        strengths: rng.pick(STRENGTHS),
        limitations: rng.pick(LIMITATIONS),
        proposals: rng.pick(PROPOSALS),
        review_comment,
        late: first_submitted_at.map(|f| is_late(f, deadline)),
        first_submitted_at,
        submitted_at,
        accepted_at,
        created_at: created,
        updated_at: updated,
        saved_at: saved,
        values,
        events,
        order: rng.next_u64(),
    })
}

async fn insert_activities(conn: &mut Conn, rows: &[ActivityRow], folded: &[String]) -> Result<()> {
    const COLUMNS: usize = 19;
    for batch in rows.chunks(ROWS_PER_TRANSACTION) {
        exec(conn, "BEGIN").await?;
        for chunk in batch.chunks(chunk_values(conn) / COLUMNS) {
            let sql = insert_sql(
                conn,
                "INSERT INTO activities (unit_id, plan_id, kind, tasks, held_on, title, title_folded, teachers, staff, \
                 pupils_g1_2, pupils_g3_5, pupils_g6_7, pupils_g8_9, pupils_other, parents, partner, description, \
                 created_at, updated_at)",
                COLUMNS,
                chunk.len(),
                "",
            );
            on_conn!(conn, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for a in chunk {
                    let n = &a.audience;
                    q = q
                        .bind(a.unit_id)
                        .bind(a.plan_id)
                        .bind(a.kind.as_str())
                        .bind(a.tasks)
                        .bind(a.held_on)
                        .bind(TITLES[a.title].1)
                        .bind(folded[a.title].as_str())
                        .bind(i64::from(n.teachers))
                        .bind(i64::from(n.staff))
                        .bind(i64::from(n.pupils_g1_2))
                        .bind(i64::from(n.pupils_g3_5))
                        .bind(i64::from(n.pupils_g6_7))
                        .bind(i64::from(n.pupils_g8_9))
                        .bind(i64::from(n.pupils_other))
                        .bind(i64::from(n.parents))
                        .bind(a.partner)
                        .bind(a.description)
                        .bind(a.created_at)
                        .bind(a.created_at);
                }
                q.execute(&mut *c).await?;
            });
        }
        exec(conn, "COMMIT").await?;
    }
    Ok(())
}

/// Reports in creation order, then their values in the order they were last saved, then the
/// events in time order.
async fn insert_reports(conn: &mut Conn, reports: &mut [ReportRow]) -> Result<()> {
    const COLUMNS: usize = 15;
    let mut ids: HashMap<(i64, i64), i64> = HashMap::with_capacity(reports.len());
    exec(conn, "BEGIN").await?;
    for chunk in reports.chunks(chunk_values(conn) / COLUMNS) {
        let sql = insert_sql(
            conn,
            "INSERT INTO reports (plan_id, unit_id, status, version, results, strengths, limitations, proposals, \
             review_comment, first_submitted_at, submitted_at, late, accepted_at, created_at, updated_at)",
            COLUMNS,
            chunk.len(),
            " RETURNING id, plan_id, unit_id",
        );
        let returned: Vec<(i64, i64, i64)> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.plan_id)
                    .bind(r.unit_id)
                    .bind(r.status)
                    .bind(r.version)
                    .bind(r.results.as_str())
                    .bind(r.strengths)
                    .bind(r.limitations)
                    .bind(r.proposals)
                    .bind(r.review_comment)
                    .bind(r.first_submitted_at)
                    .bind(r.submitted_at)
                    .bind(r.late)
                    .bind(r.accepted_at)
                    .bind(r.created_at)
                    .bind(r.updated_at);
            }
            q.fetch_all(&mut *c).await?
        });
        ids.extend(returned.into_iter().map(|(id, plan, unit)| ((plan, unit), id)));
    }
    exec(conn, "COMMIT").await?;
    let id_of = |r: &ReportRow| {
        ids.get(&(r.plan_id, r.unit_id))
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("report {}/{} not returned", r.plan_id, r.unit_id)))
    };

    reports.sort_by_key(|r| (r.saved_at, r.order));
    let mut values: Vec<(i64, &ValueRow)> = Vec::with_capacity(reports.len() * 25);
    for r in reports.iter() {
        let id = id_of(r)?;
        values.extend(r.values.iter().map(|v| (id, v)));
    }
    for batch in values.chunks(ROWS_PER_TRANSACTION) {
        exec(conn, "BEGIN").await?;
        for chunk in batch.chunks(chunk_values(conn) / 6) {
            let sql = insert_sql(
                conn,
                "INSERT INTO report_values (report_id, indicator, number_value, text_value, computed_value, override_reason)",
                6,
                chunk.len(),
                "",
            );
            on_conn!(conn, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, v) in chunk {
                    q = q.bind(*id).bind(v.indicator).bind(v.number).bind(v.text).bind(v.computed).bind(v.reason);
                }
                q.execute(&mut *c).await?;
            });
        }
        exec(conn, "COMMIT").await?;
    }

    let mut events: Vec<(OffsetDateTime, i64, &'static str, &'static str, &'static str)> = Vec::new();
    for r in reports.iter() {
        let id = id_of(r)?;
        events.extend(
            r.events
                .iter()
                .map(|&(at, event, actor, comment)| (at, id, event, actor, comment)),
        );
    }
    events.sort_by_key(|e| (e.0, e.1));
    for batch in events.chunks(ROWS_PER_TRANSACTION) {
        exec(conn, "BEGIN").await?;
        for chunk in batch.chunks(chunk_values(conn) / 5) {
            let sql = insert_sql(
                conn,
                "INSERT INTO report_events (report_id, at, actor, event, comment)",
                5,
                chunk.len(),
                "",
            );
            on_conn!(conn, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (at, id, event, actor, comment) in chunk {
                    q = q.bind(*id).bind(*at).bind(*actor).bind(*event).bind(*comment);
                }
                q.execute(&mut *c).await?;
            });
        }
        exec(conn, "COMMIT").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_sizes_keep_the_average() {
        let params = BenchParams::default();
        let sizes = office_sizes(&params);
        assert_eq!(sizes.len(), 450);
        assert_eq!(sizes.iter().sum::<u32>(), 45_000);
        assert_eq!(sizes[..100].iter().sum::<u32>(), 10_000);
        assert!(sizes.iter().all(|s| (80..=120).contains(s)));
    }

    #[test]
    fn insert_sql_numbers_every_value() {
        let head = "INSERT INTO t (a, b)";
        assert_eq!(
            values_sql(true, head, 2, 2, " RETURNING a"),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING a"
        );
        assert_eq!(
            values_sql(false, head, 2, 2, ""),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn parameters_are_checked() {
        assert!(BenchParams::default().check().is_ok());
        let bad = BenchParams {
            schools: 45_001,
            ..BenchParams::default()
        };
        assert!(bad.check().is_err());
    }

    crate::both_backends!(a_small_dataset_on_every_backend);
    /// A small dataset on every backend: generated, found again by its parameters, and
    /// consistent with what the dashboard and the report list read.
    async fn a_small_dataset_on_every_backend(backend: &'static str) {
        use crate::reports::ReportFilter;
        use lanhmang_domain::Paging;

        let params = BenchParams {
            schools: 240,
            office_size: 40,
            departments: 3,
            big_department_offices: 2,
            first_year: 2025,
            years: 2,
            activities_per_year: 6,
            ..BenchParams::default()
        };
        {
            let (db, store) = crate::test_support::TestDb::store(backend).await.unwrap();
            assert!(store.bench_dataset(&params).await.unwrap().is_none());
            store.generate_bench_data(&params, &mut |_| {}).await.unwrap();
            assert!(
                store.generate_bench_data(&params, &mut |_| {}).await.is_err(),
                "{backend}: not twice"
            );
            let other = BenchParams {
                seed: 1,
                ..params.clone()
            };
            assert!(store.bench_dataset(&other).await.unwrap().is_none());
            let data = store.bench_dataset(&params).await.unwrap().unwrap();
            assert_eq!(data.office_plans.len(), 6, "{backend}");
            assert_eq!(data.big_department_schools, 80, "{backend}");
            let rows: HashMap<&str, i64> = store.bench_table_rows().await.unwrap().into_iter().collect();
            assert_eq!(rows["units"], 1 + 3 + 6 + 240, "{backend}");
            assert_eq!(rows["plans"], 12, "{backend}");
            let (n, participants) = store.full_scan_activities().await.unwrap();
            assert_eq!(n, rows["activities"]);
            assert!(
                n > 240 * 2 * 4 && participants > n,
                "{backend}: {n} activities, {participants} people"
            );
            assert!(rows["report_values"] > rows["reports"] * 20, "{backend}");

            let mut submitted_total = 0;
            for &(plan_id, office) in &data.office_plans {
                let plan = store.plan(plan_id).await.unwrap().unwrap();
                let d = store.plan_dashboard(&plan, &[office]).await.unwrap();
                let expected: i64 = d.by_level.iter().map(|l| l.expected).sum();
                let submitted: i64 = d.by_level.iter().map(|l| l.submitted).sum();
                let all = store
                    .plan_reports(&plan, &[office], &ReportFilter::default(), Paging::default())
                    .await
                    .unwrap()
                    .1;
                let missing_only = ReportFilter {
                    missing_only: true,
                    ..Default::default()
                };
                let missing = store
                    .plan_reports(&plan, &[office], &missing_only, Paging::default())
                    .await
                    .unwrap()
                    .1;
                assert_eq!(
                    (expected, expected - submitted),
                    (all, missing),
                    "{backend}: plan {plan_id}"
                );
                assert!((30..=48).contains(&expected), "{backend}: {expected} schools expected");
                assert_eq!(d.first_submissions.len() as i64, submitted);
                let talks: i64 = d
                    .indicators
                    .iter()
                    .filter(|(c, _, _)| c == "s1_4_talks")
                    .map(|(_, _, s)| s.reporting)
                    .sum();
                assert_eq!(talks, submitted, "{backend}: every received report has the indicator");
                submitted_total += submitted;
            }
            // This year's spread: about a third of the schools have sent their report.
            assert!((40..=130).contains(&submitted_total), "{backend}: {submitted_total}");
            let rollup = store
                .year_rollup(data.current_year, &[data.big_department])
                .await
                .unwrap();
            let expected: i64 = rollup.by_level.iter().map(|l| l.expected).sum();
            assert!((75..=80).contains(&expected), "{backend}: {expected}");
            store.bench_vacuum_analyze(true).await.unwrap();
            assert!(store.bench_database_bytes().await.unwrap() > 100_000);
            db.cleanup().await;
        }
    }
}
