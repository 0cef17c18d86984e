//! A synthetic sector-news dataset for `bench/supervision`'s `news_search`: one department, its
//! offices and schools, one website and one feed per school, and entries with Vietnamese titles
//! spread over three years. Written with multi-row inserts inside transactions.

use crate::BeginWrite;
use lanhmang_domain::text::fold_vi;
use time::{Duration, OffsetDateTime};

use crate::bench_data::SplitMix64;
use crate::{Backend, Result, Store, now};

pub const ACTIONS: &[&str] = &[
    "Tổ chức",
    "Triển khai",
    "Hưởng ứng",
    "Tuyên truyền về",
    "Phát động phong trào",
    "Tổng kết",
    "Khai mạc",
    "Tập huấn",
    "Hội thảo chuyên đề",
    "Sinh hoạt dưới cờ về",
    "Ngoại khóa",
    "Báo cáo kết quả",
];

pub const SUBJECTS: &[&str] = &[
    "an toàn trên mạng",
    "phòng chống lừa đảo trực tuyến",
    "sử dụng mạng xã hội lành mạnh",
    "quy định sử dụng điện thoại trong trường học",
    "kỹ năng số cho học sinh",
    "phòng chống bắt nạt trực tuyến",
    "gương người tốt việc tốt",
    "chuyển đổi số trong giáo dục",
    "đào tạo, bồi dưỡng giáo viên",
    "an toàn giao thông",
    "phòng cháy chữa cháy",
    "ngày hội đọc sách",
    "văn hóa ứng xử học đường",
    "bảo vệ dữ liệu cá nhân",
    "nhận diện tin giả",
    "hội khỏe Phù Đổng",
    "vui Tết Trung thu",
    "kỷ niệm ngày Nhà giáo Việt Nam 20/11",
    "khai giảng năm học mới",
    "sơ kết học kỳ I",
    "giáo dục giới tính",
    "phòng chống đuối nước",
    "trải nghiệm sáng tạo",
    "thi Olympic tiếng Anh",
];

pub const AUDIENCES: &[&str] = &[
    "cho học sinh khối 5",
    "cho học sinh khối 9",
    "cho giáo viên",
    "cho cha mẹ học sinh",
    "toàn trường",
    "cho đội ngũ cán bộ, nhân viên",
    "cho học sinh lớp 6",
    "cấp trường",
    "cho học sinh tiểu học",
    "tại điểm trường",
];

const SENTENCES: &[&str] = &[
    "Buổi sinh hoạt giúp các em nhận biết nguy cơ và biết cách tự bảo vệ mình.",
    "Nhà trường phối hợp với Công an phường và Đoàn thanh niên thực hiện.",
    "Các lớp đã chuẩn bị tiểu phẩm, tranh vẽ và câu hỏi thảo luận.",
    "Giáo viên chủ nhiệm hướng dẫn học sinh đặt mật khẩu mạnh, không chia sẻ thông tin cá nhân.",
    "Phụ huynh được phát tài liệu hướng dẫn đồng hành cùng con khi dùng Internet.",
    "Kết thúc chương trình, ban tổ chức khen thưởng các tập thể và cá nhân tiêu biểu.",
    "Học sinh không mang điện thoại vào giờ học, chỉ dùng khi giáo viên cho phép.",
    "Nhiều em đã nhặt được của rơi và trả lại người đánh mất.",
];

/// What the benchmark needs to know about the generated data.
#[derive(Debug, Clone)]
pub struct NewsBench {
    pub department: i64,
    pub offices: Vec<i64>,
    pub schools: usize,
    pub entries: usize,
}

/// One entry as the benchmark's reference scan reads it.
#[derive(Debug, Clone)]
pub struct NewsBenchRow {
    pub id: i64,
    pub published_at: OffsetDateTime,
    pub site_id: Option<i64>,
    /// The path of the entry's unit (`None` without a unit).
    pub unit_path: Option<String>,
    pub title: String,
    pub folded: String,
}

/// A title and summary for entry `i`.
pub fn bench_title(g: &mut SplitMix64) -> (String, String) {
    let pick = |g: &mut SplitMix64, list: &[&'static str]| list[g.below(list.len() as u64) as usize];
    let title = format!("{} {} {}", pick(g, ACTIONS), pick(g, SUBJECTS), pick(g, AUDIENCES));
    let summary = format!("{} {}", pick(g, SENTENCES), pick(g, SENTENCES));
    (title, summary)
}

impl Store {
    /// The dataset a previous run generated, if this database holds one.
    pub async fn news_bench_existing(&self) -> Result<Option<NewsBench>> {
        let dept: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as("SELECT id FROM units WHERE code = 'SGD-BENCH'")
            .fetch_optional(pool).await?);
        let Some((department,)) = dept else { return Ok(None) };
        let offices: Vec<(i64,)> = on_pool!(self, pool => sqlx::query_as("SELECT id FROM units WHERE parent_id = $1 ORDER BY id")
            .bind(department).fetch_all(pool).await?);
        let (schools,): (i64,) = on_pool!(self, pool => sqlx::query_as("SELECT COUNT(*) FROM units WHERE kind = 'school'")
            .fetch_one(pool).await?);
        let (entries,): (i64,) = on_pool!(self, pool => sqlx::query_as("SELECT COUNT(*) FROM news_entries")
            .fetch_one(pool).await?);
        Ok(Some(NewsBench {
            department,
            offices: offices.into_iter().map(|(o,)| o).collect(),
            schools: usize::try_from(schools).unwrap_or(0),
            entries: usize::try_from(entries).unwrap_or(0),
        }))
    }

    /// Every entry with what a search filters and ranks on, read in one pass (the benchmark
    /// checks each search against a scan of these). Read by id ranges so neither backend holds
    /// a million rows in one result.
    pub async fn news_bench_rows(&self) -> Result<Vec<NewsBenchRow>> {
        type Row = (i64, OffsetDateTime, Option<i64>, Option<String>, String, String);
        let mut out = Vec::new();
        let mut after = 0_i64;
        loop {
            let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
                "SELECT e.id, e.published_at, e.site_id, u.path, e.title, e.folded FROM news_entries e \
                 LEFT JOIN units u ON u.id = e.unit_id WHERE e.id > $1 ORDER BY e.id LIMIT 50000",
            ).bind(after).fetch_all(pool).await?);
            let Some(last) = rows.last() else { break };
            after = last.0;
            out.extend(
                rows.into_iter()
                    .map(|(id, published_at, site_id, unit_path, title, folded)| NewsBenchRow {
                        id,
                        published_at,
                        site_id,
                        unit_path,
                        title,
                        folded,
                    }),
            );
        }
        Ok(out)
    }

    /// Generates the dataset into an empty, migrated database: `offices` offices of
    /// `schools / offices` schools under one department, a site and a feed per school, and
    /// `entries` entries over the three years before now.
    pub async fn generate_news_bench(
        &self,
        offices: usize,
        schools: usize,
        entries: usize,
        seed: u64,
        progress: &mut dyn FnMut(&str),
    ) -> Result<NewsBench> {
        let at = now();
        let mut g = SplitMix64::new(seed);
        // The tree, one row at a time (paths need each id).
        let mut school_ids: Vec<i64> = Vec::with_capacity(schools);
        let mut office_ids = Vec::with_capacity(offices);
        let department = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let name = "Sở Giáo dục và Đào tạo (bench)";
            let (dept,): (i64,) = sqlx::query_as(
                "INSERT INTO units (path, code, name, name_folded, kind, status, created_at, updated_at) \
                 VALUES ('', 'SGD-BENCH', $1, $2, 'department', 'active', $3, $3) RETURNING id",
            ).bind(name).bind(fold_vi(name)).bind(at).fetch_one(&mut *tx).await?;
            let dept_path = format!("/{dept:012}/");
            sqlx::query("UPDATE units SET path = $1 WHERE id = $2").bind(&dept_path).bind(dept).execute(&mut *tx).await?;
            let per_office = schools.div_ceil(offices.max(1));
            for o in 0..offices {
                let name = format!("Phòng Văn hóa – Xã hội phường {}", o + 1);
                let (office,): (i64,) = sqlx::query_as(
                    "INSERT INTO units (parent_id, path, code, name, name_folded, kind, status, created_at, updated_at) \
                     VALUES ($1, '', $2, $3, $4, 'office', 'active', $5, $5) RETURNING id",
                ).bind(dept).bind(format!("P-{o:04}")).bind(&name).bind(fold_vi(&name)).bind(at).fetch_one(&mut *tx).await?;
                let office_path = format!("{dept_path}{office:012}/");
                sqlx::query("UPDATE units SET path = $1 WHERE id = $2").bind(&office_path).bind(office).execute(&mut *tx).await?;
                office_ids.push(office);
                for s in 0..per_office {
                    if school_ids.len() >= schools {
                        break;
                    }
                    let level = if s % 3 == 2 { "lower_secondary" } else { "primary" };
                    let name = if level == "primary" {
                        format!("Trường Tiểu học số {} phường {}", s + 1, o + 1)
                    } else {
                        format!("Trường THCS số {} phường {}", s + 1, o + 1)
                    };
                    let (school,): (i64,) = sqlx::query_as(
                        "INSERT INTO units (parent_id, path, code, name, name_folded, kind, school_level, status, created_at, updated_at) \
                         VALUES ($1, '', $2, $3, $4, 'school', $5, 'active', $6, $6) RETURNING id",
                    ).bind(office).bind(format!("T-{o:04}-{s:03}")).bind(&name).bind(fold_vi(&name)).bind(level).bind(at)
                    .fetch_one(&mut *tx).await?;
                    sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
                        .bind(format!("{office_path}{school:012}/")).bind(school).execute(&mut *tx).await?;
                    school_ids.push(school);
                }
            }
            tx.commit().await?;
            dept
        });
        progress(&format!("{} offices, {} schools", office_ids.len(), school_ids.len()));

        // A site and a feed per school.
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in school_ids.chunks(500) {
                let mut sql = String::from(
                    "INSERT INTO sites (unit_id, url, host, kind, next_full_at, next_check_at, created_at, updated_at) VALUES ",
                );
                let rows: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${}, 'website', $1, $1, $1, $1)", 2 + 3 * i, 3 + 3 * i, 4 + 3 * i)).collect();
                sql.push_str(&rows.join(", "));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at);
                for id in chunk {
                    let host = format!("t{id}.bench.edu.vn");
                    q = q.bind(*id).bind(format!("https://{host}/")).bind(host);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO news_feeds (url, kind, site_id, unit_id, next_poll_at, created_at) \
                 SELECT 'https://' || host || '/feed', 'site', id, unit_id, $1, $1 FROM sites",
            ).bind(at + Duration::days(3650)).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        let feeds: Vec<(i64, i64, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, site_id, unit_id FROM news_feeds ORDER BY id",
        ).fetch_all(pool).await?);

        // PostgreSQL builds a GIN index faster in one go than row by row.
        if let Backend::Postgres(pool) = &self.backend {
            sqlx::raw_sql("DROP INDEX IF EXISTS news_entries_search")
                .execute(pool)
                .await?;
        }
        let span = Duration::days(3 * 365).whole_seconds();
        let batch = 1000;
        let mut done = 0;
        while done < entries {
            let n = batch.min(entries - done);
            let mut rows: Vec<(i64, i64, i64, String, String, String, OffsetDateTime)> = Vec::with_capacity(n);
            for i in 0..n {
                let (feed, site, unit) = feeds[g.below(feeds.len() as u64) as usize];
                let (title, summary) = bench_title(&mut g);
                let published = at - Duration::seconds(g.below(span as u64) as i64);
                let url = format!("https://t{unit}.bench.edu.vn/tin/{}", done + i);
                rows.push((feed, site, unit, url, title, summary, published));
            }
            on_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let mut sql = String::from(
                    "INSERT INTO news_entries (feed_id, site_id, unit_id, url, dedup_key, title, summary, published_at, \
                     first_seen_at, folded, canonical_key) VALUES ",
                );
                let placeholders: Vec<String> = (0..rows.len())
                    .map(|i| {
                        let b = 2 + 9 * i;
                        format!("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $1, ${}, ${})", b, b + 1, b + 2, b + 3, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8)
                    })
                    .collect();
                sql.push_str(&placeholders.join(", "));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at);
                for (feed, site, unit, url, title, summary, published) in &rows {
                    let folded = fold_vi(&format!("{title} {summary}"));
                    q = q.bind(*feed).bind(*site).bind(*unit).bind(url.clone()).bind(title.clone()).bind(summary.clone()).bind(*published).bind(folded)
                        .bind(lanhmang_domain::news::canonical_url(url).unwrap_or_else(|| url.clone()));
                }
                q.execute(&mut *tx).await?;
                tx.commit().await?;
            });
            done += n;
            if done % 100_000 == 0 {
                progress(&format!("{done} entries"));
            }
        }
        if let Backend::Postgres(pool) = &self.backend {
            progress("GIN index");
            sqlx::raw_sql("CREATE INDEX news_entries_search ON news_entries USING GIN (search)")
                .execute(pool)
                .await?;
        }
        progress("topics");
        self.reindex_all_news_topics().await?;
        self.optimize_news_index().await?;
        self.bench_vacuum_analyze(false).await?;
        Ok(NewsBench {
            department,
            offices: office_ids,
            schools: school_ids.len(),
            entries,
        })
    }
}
