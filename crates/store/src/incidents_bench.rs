//! A department-scale incidents dataset for `bench/incidents` (issue 12): one department of
//! 10,000 schools in offices of about 100, with 1,000,000 cases over the three years before the
//! dataset's "today", and the collaborator network (about 85% of the schools have collaborators).
//!
//! Cases are written as the application would have left them: in the order they were received;
//! old ones almost all settled and closed, closed ones past their retention purged (details
//! emptied, as the purge job leaves them), recent ones spread over every state with the clocks'
//! due times of `domain::incident::clock` (so some are overdue, and escalated); a share from the
//! public form with receipt codes, some of it spam; some restricted (an exploitation category, or
//! a pupil named by class and initials). About one case in a hundred is the office's own.
//!
//! Not used by the application. It writes straight into the tables (no history rows, audit
//! entries or notices: the measured queries do not read them) and refuses a database that already
//! holds units. Deterministic: the same parameters give the same rows.

use std::collections::HashMap;

use lanhmang_domain::incident::clock::{Basis, Due, WorkingTime, due};
use lanhmang_domain::incident::{Referral, Severity, State};
use lanhmang_domain::report::VIETNAM;
use lanhmang_domain::text::fold_vi;
use time::macros::time;
use time::{Date, Duration, Month, OffsetDateTime};

use crate::bench_data::{
    BIG_DEPARTMENT_CODE, BenchParams, Conn, ROWS_PER_TRANSACTION, SplitMix64, chunk_values, exec, insert_sql,
    insert_tree, on_conn,
};
use crate::{Result, Store, StoreError};

/// Bumped whenever the generator writes different rows for the same parameters.
const GENERATOR_VERSION: u32 = 1;
/// The `settings` key that records which dataset a database holds; written last.
const MARKER_KEY: &str = "bench_incidents_dataset";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentsBenchParams {
    pub schools: u32,
    /// The average office size (sizes vary ±20% around it).
    pub office_size: u32,
    pub cases: u32,
    /// Cases are received over this many years before `as_of`.
    pub years: u32,
    /// The dataset's "today" (cases stop at 10:00 that day, Vietnam time).
    pub as_of: Date,
    pub seed: u64,
}

impl Default for IncidentsBenchParams {
    fn default() -> Self {
        IncidentsBenchParams {
            schools: 10_000,
            office_size: 100,
            cases: 1_000_000,
            years: 3,
            // A Friday in the busy first term.
            as_of: Date::from_calendar_date(2026, Month::November, 20).unwrap_or(Date::MIN),
            seed: 2026,
        }
    }
}

impl IncidentsBenchParams {
    /// A text naming the dataset exactly; a database holding another one is not reused.
    pub fn fingerprint(&self) -> String {
        format!(
            "v{GENERATOR_VERSION} schools={} office_size={} cases={} years={} as_of={} seed={}",
            self.schools, self.office_size, self.cases, self.years, self.as_of, self.seed
        )
    }

    /// The dataset's "now": what the benchmark passes as the time of its queries.
    pub fn now(&self) -> OffsetDateTime {
        self.as_of
            .with_time(time!(10:00))
            .assume_offset(VIETNAM)
            .to_offset(time::UtcOffset::UTC)
    }

    fn start(&self) -> OffsetDateTime {
        self.now() - Duration::days(365 * i64::from(self.years))
    }

    /// The unit tree's parameters: one department of every office, school years up to `as_of`'s.
    fn tree(&self) -> BenchParams {
        let current = if self.as_of.month() as u8 >= 9 {
            self.as_of.year()
        } else {
            self.as_of.year() - 1
        };
        BenchParams {
            schools: self.schools,
            office_size: self.office_size,
            departments: 1,
            big_department_offices: self.schools / self.office_size.max(1),
            first_year: current - self.years as i32,
            years: self.years + 1,
            as_of: self.as_of,
            seed: self.seed,
            ..BenchParams::default()
        }
    }

    fn check(&self) -> Result<()> {
        if self.office_size < 10 || self.schools == 0 || !self.schools.is_multiple_of(self.office_size) {
            return Err(StoreError::Conflict(
                "tham số bộ dữ liệu không hợp lệ: schools must be a multiple of office_size (at least 10)".into(),
            ));
        }
        if self.years == 0 || self.years > 10 || self.cases < self.schools {
            return Err(StoreError::Conflict(
                "tham số bộ dữ liệu không hợp lệ: 1 ≤ years ≤ 10, cases ≥ schools".into(),
            ));
        }
        Ok(())
    }
}

/// What the benchmark reads back from a generated dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentsBenchDataset {
    pub department: i64,
    /// The department's incident lead (person id).
    pub department_lead: i64,
    /// (office id, its incident lead's person id), in id order.
    pub offices: Vec<(i64, i64)>,
    pub schools: i64,
}

/// Categories with their weight per thousand cases and whether they go to the public form
/// more often than most (per thousand).
const CATEGORIES: [(&str, u64, u64); 11] = [
    ("cyberbullying", 220, 300),
    ("image_without_consent", 100, 300),
    ("phone_rules", 230, 120),
    ("scam", 120, 400),
    ("false_information", 60, 500),
    ("child_exploitation", 8, 300),
    ("gambling", 30, 300),
    ("website_compromised", 20, 200),
    ("data_leak", 30, 300),
    ("feedback", 140, 700),
    ("other", 42, 300),
];

const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "cyberbullying",
        "Một nhóm học sinh lập nhóm chat để chế giễu, đặt biệt danh xúc phạm một bạn trong lớp, đăng ảnh kèm bình luận khiếm nhã.",
    ),
    (
        "cyberbullying",
        "Học sinh bị nhắn tin đe dọa liên tục qua Messenger sau một mâu thuẫn ở trường; em sợ không dám đi học.",
    ),
    (
        "image_without_consent",
        "Có clip quay cảnh hai học sinh xô xát trong giờ ra chơi được đăng lên TikTok, chưa được các em và gia đình đồng ý.",
    ),
    (
        "phone_rules",
        "Học sinh dùng điện thoại chơi game trong giờ học, giáo viên nhắc nhở nhiều lần nhưng không chấp hành.",
    ),
    (
        "phone_rules",
        "Một số học sinh quay video trong lớp học và đăng lên mạng xã hội trong giờ học.",
    ),
    (
        "scam",
        "Phụ huynh nhận tin nhắn mạo danh nhà trường yêu cầu chuyển khoản đóng tiền học thêm vào tài khoản cá nhân.",
    ),
    (
        "scam",
        "Có tài khoản giả danh giáo viên chủ nhiệm kết bạn với phụ huynh, báo con bị tai nạn và đề nghị chuyển tiền gấp.",
    ),
    (
        "false_information",
        "Một trang Facebook đăng tin sai sự thật rằng trường thu các khoản trái quy định, nhiều người chia sẻ.",
    ),
    (
        "child_exploitation",
        "Một người lạ làm quen với học sinh qua mạng, hứa tặng quà và đề nghị gửi hình ảnh riêng tư.",
    ),
    (
        "gambling",
        "Một nhóm học sinh tham gia cá độ bóng đá qua ứng dụng trên điện thoại, có em nợ tiền bạn bè.",
    ),
    (
        "website_compromised",
        "Website của trường hiển thị liên kết quảng cáo cờ bạc ở cuối trang, nhà trường không đăng nội dung này.",
    ),
    (
        "data_leak",
        "Danh sách học sinh kèm số điện thoại phụ huynh bị chia sẻ công khai trong một nhóm Zalo không rõ nguồn.",
    ),
    (
        "feedback",
        "Xin hỏi quy định mới về việc học sinh mang điện thoại đến trường áp dụng từ khi nào và xử lý vi phạm ra sao?",
    ),
    (
        "feedback",
        "Đề nghị nhà trường tổ chức thêm buổi hướng dẫn cha mẹ học sinh cài đặt chế độ kiểm soát của phụ huynh.",
    ),
    (
        "other",
        "Học sinh xem nội dung không phù hợp lứa tuổi trên điện thoại của bạn trong giờ ra chơi.",
    ),
];

const OUTCOMES: &[&str] = &[
    "Đã gặp học sinh và gia đình, các em xin lỗi nhau; nội dung đã được gỡ bỏ.",
    "Đã nhắc nhở, tổ chức sinh hoạt lớp về quy định sử dụng điện thoại; phụ huynh cam kết phối hợp.",
    "Đã thông báo cho phụ huynh toàn trường cảnh giác với tin nhắn mạo danh; báo Công an phường.",
    "Đã đăng thông tin chính thức trên website trường; trang đăng tin sai đã gỡ bài.",
    "Đã trả lời người gửi qua mã biên nhận.",
];

const LINK_HOSTS: &[&str] = &[
    "https://www.facebook.com/groups/",
    "https://www.tiktok.com/@",
    "https://zalo.me/g/",
    "https://www.youtube.com/watch?v=",
];

const CLASSES: &[&str] = &["6A", "6B", "7A", "7C", "8A", "8B", "9A", "9D", "3A", "4B", "5A", "5C"];

/// Referral targets with the share of referred cases.
const REFERRALS: [(Referral, u64); 5] = [
    (Referral::Police, 350),
    (Referral::Hotline111, 150),
    (Referral::Platform, 300),
    (Referral::Office, 150),
    (Referral::Other, 50),
];

/// A case before its details: when and where, and the generator it continues with.
struct Skeleton {
    received_at: OffsetDateTime,
    unit: u32,
    rng: SplitMix64,
}

/// A unit cases arrive at, with the people who may handle them.
struct CaseUnit {
    id: i64,
    path: String,
    /// The school's enabled collaborators; for an office, its incident lead.
    handlers: Vec<i64>,
    /// Cases stop arriving here (a closed school).
    until: OffsetDateTime,
    weight: u64,
}

/// One case as inserted.
struct CaseRow {
    unit: u32,
    category: &'static str,
    severity: Severity,
    state: State,
    restricted: bool,
    public: bool,
    description: &'static str,
    links: String,
    happened_on: Option<Date>,
    affected: String,
    child_in_danger: bool,
    reporter_id: Option<i64>,
    reporter_contact: String,
    receipt_hash: Option<String>,
    handler_id: Option<i64>,
    outcome: &'static str,
    referral: &'static str,
    referral_ref: String,
    spam: bool,
    version: i64,
    received_at: OffsetDateTime,
    responded_at: Option<OffsetDateTime>,
    resolved_at: Option<OffsetDateTime>,
    closed_at: Option<OffsetDateTime>,
    response_due_at: Option<OffsetDateTime>,
    resolution_due_at: Option<OffsetDateTime>,
    escalation: i64,
    purged_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
}

impl Store {
    /// Reads back a dataset generated with exactly `params`, or None when the database holds no
    /// dataset or another one. The database must be migrated.
    pub async fn incidents_bench_dataset(
        &self,
        params: &IncidentsBenchParams,
    ) -> Result<Option<IncidentsBenchDataset>> {
        if self.setting(MARKER_KEY).await?.as_deref() != Some(params.fingerprint().as_str()) {
            return Ok(None);
        }
        let leads: Vec<(i64, String, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT u.id, u.kind, g.person_id FROM units u JOIN role_grants g ON g.unit_id = u.id \
             WHERE g.role = 'incident_lead' AND u.kind IN ('department', 'office') ORDER BY u.id, g.person_id",
        ).fetch_all(pool).await?);
        let department = leads
            .iter()
            .find(|l| l.1 == "department")
            .ok_or(StoreError::NotFound("sở của bộ dữ liệu"))?;
        let (schools,): (i64,) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM units WHERE kind = 'school'",
        ).fetch_one(pool).await?);
        Ok(Some(IncidentsBenchDataset {
            department: department.0,
            department_lead: department.2,
            offices: leads.iter().filter(|l| l.1 == "office").map(|l| (l.0, l.2)).collect(),
            schools,
        }))
    }

    /// Generates the dataset into an empty, migrated database. `progress` hears what is done.
    pub async fn generate_incidents_bench(
        &self,
        params: &IncidentsBenchParams,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        params.check()?;
        if self.count_units().await? > 0 {
            return Err(StoreError::Conflict(
                "bộ dữ liệu benchmark chỉ được tạo trong một cơ sở dữ liệu trống".into(),
            ));
        }
        let mut conn = self.bulk_connection().await?;
        let started = std::time::Instant::now();
        let tree_params = params.tree();
        let tree = insert_tree(&mut conn, &tree_params).await?;
        let paths: Vec<(i64, String)> = on_conn!(&mut conn, c => sqlx::query_as(
            "SELECT id, path FROM units WHERE kind IN ('office', 'school') ORDER BY id",
        ).fetch_all(&mut *c).await?);
        let path_of: HashMap<i64, String> = paths.into_iter().collect();
        let mut department: Vec<(i64,)> = on_conn!(&mut conn, c => sqlx::query_as(
            "SELECT id FROM units WHERE code = $1",
        ).bind(BIG_DEPARTMENT_CODE).fetch_all(&mut *c).await?);
        let (department,) = department.pop().ok_or(StoreError::NotFound("sở của bộ dữ liệu"))?;

        // People: an incident lead per office and one at the department; collaborators at about
        // 85% of the schools (one to three, a few disabled).
        let created = params.start() - Duration::days(30);
        let mut people: Vec<(i64, String, bool, Option<&'static str>)> = Vec::new();
        people.push((department, "lead-sgd".into(), false, Some("incident_lead")));
        for (o, &office) in tree.offices.iter().enumerate() {
            people.push((office, format!("lead-p{o:03}"), false, Some("incident_lead")));
        }
        for s in &tree.schools {
            let mut rng = SplitMix64::for_item(params.seed, 20, s.index);
            if rng.chance(850) {
                for k in 0..rng.between(1, 3) {
                    people.push((s.id, format!("ctv-{}-{k}", s.id), rng.chance(40), Some("collaborator")));
                }
            }
        }
        let person_ids = insert_people(&mut conn, &people, created).await?;
        let mut handlers: HashMap<i64, Vec<i64>> = HashMap::new();
        for ((unit, _, disabled, _), id) in people.iter().zip(&person_ids) {
            if !disabled {
                handlers.entry(*unit).or_default().push(*id);
            }
        }
        progress(&format!(
            "units: {} offices, {} schools; {} people ({:.1} s)",
            tree.offices.len(),
            tree.schools.len(),
            people.len(),
            started.elapsed().as_secs_f64()
        ));

        // Where cases arrive: every office (its own cases, one in a hundred) and every school,
        // some schools much busier than others.
        let (start, end) = (params.start(), params.now());
        let mut units: Vec<CaseUnit> = Vec::with_capacity(tree.offices.len() + tree.schools.len());
        for &office in &tree.offices {
            units.push(CaseUnit {
                id: office,
                path: path_of.get(&office).cloned().unwrap_or_default(),
                handlers: handlers.get(&office).cloned().unwrap_or_default(),
                until: end,
                weight: 0,
            });
        }
        let office_cases = u64::from(params.cases) / 100;
        let mut total_weight = 0;
        for s in &tree.schools {
            let mut rng = SplitMix64::for_item(params.seed, 21, s.index);
            let weight = if rng.chance(100) {
                rng.below(4000) + 2000
            } else {
                rng.below(1500) + 300
            };
            let until = s
                .closed_from
                .map_or(end, |y| {
                    crate::bench_data::day(y, Month::September, 1)
                        .midnight()
                        .assume_offset(VIETNAM)
                })
                .min(end);
            let weight = if until <= start { 0 } else { weight };
            total_weight += weight;
            units.push(CaseUnit {
                id: s.id,
                path: path_of.get(&s.id).cloned().unwrap_or_default(),
                handlers: handlers.get(&s.id).cloned().unwrap_or_default(),
                until,
                weight,
            });
        }
        if units.iter().any(|u| u.path.is_empty()) {
            return Err(StoreError::Corrupt("a bench unit without a path".into()));
        }
        let school_cases = u64::from(params.cases) - office_cases;
        let mut counts: Vec<u64> = units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                if i < tree.offices.len() {
                    office_cases / tree.offices.len() as u64
                } else {
                    school_cases * u.weight / total_weight.max(1)
                }
            })
            .collect();
        // What the divisions left over goes to the busiest units, one case each.
        let left = u64::from(params.cases) - counts.iter().sum::<u64>();
        let mut by_weight: Vec<usize> = (tree.offices.len()..units.len()).collect();
        by_weight.sort_by_key(|&i| std::cmp::Reverse((units[i].weight, i)));
        for &i in by_weight.iter().cycle().take(left as usize) {
            counts[i] += 1;
        }
        let mut skeletons: Vec<Skeleton> = Vec::with_capacity(params.cases as usize);
        let mut n = 0u64;
        for (u, (unit, &count)) in units.iter().zip(&counts).enumerate() {
            for _ in 0..count {
                let mut rng = SplitMix64::for_item(params.seed, 22, n);
                n += 1;
                let received_at = received_time(&mut rng, start, unit.until);
                skeletons.push(Skeleton {
                    received_at,
                    unit: u as u32,
                    rng,
                });
            }
        }
        skeletons.sort_by_key(|s| (s.received_at, s.unit));
        progress(&format!(
            "{} cases planned ({:.1} s)",
            skeletons.len(),
            started.elapsed().as_secs_f64()
        ));

        let wt = WorkingTime::vietnam_default();
        let mut done = 0;
        for batch in skeletons.chunks(ROWS_PER_TRANSACTION * 2) {
            let rows: Vec<CaseRow> = batch.iter().map(|s| make_case(s, &units, &wt, end)).collect();
            insert_cases(&mut conn, &rows, &units).await?;
            done += rows.len();
            if done % 200_000 < batch.len() {
                progress(&format!("{done} cases ({:.0} s)", started.elapsed().as_secs_f64()));
            }
        }
        Store::finish_bulk_load(conn, MARKER_KEY, params.fingerprint()).await
    }

    /// The codes of the active schools: where a bench sends public reports.
    pub async fn bench_school_codes(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT code FROM units WHERE kind = 'school' AND status = 'active' ORDER BY code",
        ).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }

    /// Reads every case row, with its words: the benchmark's baseline. Returns (rows, characters
    /// of the descriptions).
    pub async fn full_scan_incidents(&self) -> Result<(i64, i64)> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(length(description)), 0) AS BIGINT) FROM incidents",
        ).fetch_one(pool).await?))
    }
}

/// A moment in `[start, until)`: fewer in the summer holidays, at Tết and at weekends, more as
/// the years go on (the form becomes known), mostly in the day.
fn received_time(rng: &mut SplitMix64, start: OffsetDateTime, until: OffsetDateTime) -> OffsetDateTime {
    let span = (until - start).whole_seconds().max(1) as u64;
    let mut at = start;
    for _ in 0..64 {
        at = start + Duration::seconds(rng.below(span) as i64);
        let local = at.to_offset(VIETNAM);
        let mut keep = 400 + 600 * (at - start).whole_seconds() as u64 / span;
        if matches!(local.month(), Month::June | Month::July) {
            keep = keep * 35 / 100;
        }
        if local.month() == Month::February && local.day() <= 15 {
            keep /= 2;
        }
        if matches!(local.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            keep = keep * 4 / 10;
        }
        if !(6..22).contains(&local.hour()) {
            keep /= 8;
        }
        if rng.below(1000) < keep {
            break;
        }
    }
    at.replace_nanosecond(0).unwrap_or(at)
}

fn pick_weighted<T: Copy>(rng: &mut SplitMix64, items: &[(T, u64)]) -> T {
    let mut r = rng.below(items.iter().map(|i| i.1).sum());
    for &(item, w) in items {
        if r < w {
            return item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

/// A case's state by its age in days: the older, the more surely settled.
fn state_by_age(rng: &mut SplitMix64, age_days: i64) -> State {
    use State::*;
    let table: &[(State, u64)] = match age_days {
        a if a > 120 => &[
            (Closed, 950),
            (Resolved, 30),
            (Referred, 10),
            (Waiting, 5),
            (InProgress, 5),
        ],
        a if a > 30 => &[
            (Closed, 700),
            (Resolved, 200),
            (Referred, 30),
            (Waiting, 30),
            (InProgress, 30),
            (Triaged, 10),
        ],
        a if a > 7 => &[
            (Closed, 250),
            (Resolved, 300),
            (InProgress, 200),
            (Waiting, 80),
            (Referred, 40),
            (Triaged, 80),
            (Received, 50),
        ],
        _ => &[
            (Received, 250),
            (Triaged, 250),
            (InProgress, 250),
            (Waiting, 70),
            (Referred, 30),
            (Resolved, 100),
            (Closed, 50),
        ],
    };
    pick_weighted(rng, table)
}

fn due_at(start: OffsetDateTime, budget: Duration, basis: Basis, wt: &WorkingTime) -> OffsetDateTime {
    match due(start, budget, basis, &[], wt) {
        Due::At(t) => t,
        Due::Paused { remaining } => start + remaining,
    }
}

/// A moment after `from` by a share of `span` (on time) or past `due` (late), never after `cap`.
fn met_at(
    rng: &mut SplitMix64,
    from: OffsetDateTime,
    due: OffsetDateTime,
    on_time: bool,
    cap: OffsetDateTime,
) -> OffsetDateTime {
    let t = if on_time {
        let span = (due - from).whole_seconds().max(600) as u64;
        from + Duration::seconds(300 + rng.below(span) as i64)
    } else {
        due + Duration::seconds(3600 + rng.below(6 * 86_400) as i64)
    };
    t.min(cap).max(from)
}

fn make_case(s: &Skeleton, units: &[CaseUnit], wt: &WorkingTime, now: OffsetDateTime) -> CaseRow {
    let mut rng = s.rng.clone();
    let unit = &units[s.unit as usize];
    let received = s.received_at;
    let categories: Vec<(usize, u64)> = CATEGORIES.iter().enumerate().map(|(i, c)| (i, c.1)).collect();
    let (category, _, public_share) = CATEGORIES[pick_weighted(&mut rng, &categories)];
    let public = rng.below(1000) < public_share;
    let spam = public && rng.chance(60);
    let named = matches!(category, "cyberbullying" | "image_without_consent" | "gambling") && rng.chance(200);
    let exploitation = category == "child_exploitation";
    let child_in_danger = exploitation && rng.chance(500);
    let severity = if exploitation || child_in_danger {
        Severity::Urgent
    } else if matches!(category, "data_leak" | "website_compromised") && rng.chance(500)
        || category == "scam" && rng.chance(300)
        || rng.chance(40)
    {
        Severity::High
    } else {
        Severity::Normal
    };
    let age_days = (now - received).whole_days();
    let state = if spam {
        State::Closed
    } else {
        state_by_age(&mut rng, age_days)
    };
    let clocks = severity.clocks(wt);
    let mut response_due = Some(due_at(received, clocks.response, clocks.basis, wt));
    let mut resolution_due = Some(due_at(received, clocks.resolution, clocks.basis, wt));
    let settled = matches!(state, State::Resolved | State::Closed);
    let responded_at = (state != State::Received).then(|| {
        let on_time = rng.chance(850);
        met_at(&mut rng, received, response_due.unwrap_or(received), on_time, now)
    });
    let resolved_at = settled.then(|| {
        let (from, on_time) = (responded_at.unwrap_or(received), rng.chance(800));
        met_at(&mut rng, from, resolution_due.unwrap_or(from), on_time, now)
    });
    let closed_at = (state == State::Closed)
        .then(|| resolved_at.map(|r| (r + Duration::seconds(3600 + rng.below(6 * 86_400) as i64)).min(now)))
        .flatten();
    if state == State::Waiting {
        // The clocks stand still while the case waits.
        (response_due, resolution_due) = (None, None);
    }
    let overdue = !settled
        && (resolution_due.is_some_and(|d| d < now)
            || (responded_at.is_none() && response_due.is_some_and(|d| d < now)));
    let escalation = match (overdue, resolution_due) {
        (true, Some(d)) if now - d > Duration::days(3) => 2,
        (true, _) => 1,
        _ => 0,
    };
    let handler_id = (state != State::Received && !unit.handlers.is_empty())
        .then(|| unit.handlers[rng.below(unit.handlers.len() as u64) as usize]);
    let reporter_id = (!public)
        .then(|| {
            unit.handlers
                .get(rng.below(unit.handlers.len().max(1) as u64) as usize)
                .copied()
        })
        .flatten();
    let descriptions: Vec<&'static str> = DESCRIPTIONS.iter().filter(|d| d.0 == category).map(|d| d.1).collect();
    let description = if descriptions.is_empty() {
        DESCRIPTIONS[0].1
    } else {
        rng.pick(&descriptions)
    };
    let links = if matches!(
        category,
        "cyberbullying" | "image_without_consent" | "scam" | "false_information"
    ) && rng.chance(500)
    {
        (0..rng.between(1, 2))
            .map(|_| format!("{}{:x}", rng.pick(LINK_HOSTS), rng.next_u64() >> 20))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        String::new()
    };
    let affected = if named {
        const INITIALS: &[u8] = b"ABCDGHKLMNPQTV";
        let mut initial = || char::from(INITIALS[rng.below(INITIALS.len() as u64) as usize]);
        let letters = format!("{}.{}.{}", initial(), initial(), initial());
        format!("{} – {letters}", rng.pick(CLASSES))
    } else {
        String::new()
    };
    let restricted = exploitation || named;
    let referred = state == State::Referred || settled && rng.chance(60);
    let referral = if referred {
        pick_weighted(&mut rng, &REFERRALS).as_str()
    } else {
        ""
    };
    let referral_ref = if referred && rng.chance(500) {
        format!("CV-{}/{}", rng.between(100, 9999), received.year())
    } else {
        String::new()
    };
    let receipt_hash = public.then(|| {
        format!(
            "{:016x}{:016x}{:016x}{:016x}",
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64()
        )
    });
    let reporter_contact = if public && rng.chance(300) {
        format!("phuhuynh{}@example.vn", rng.below(1_000_000))
    } else {
        String::new()
    };
    let happened_on = (!public || rng.chance(400))
        .then(|| (received.to_offset(VIETNAM) - Duration::days(rng.below(4) as i64)).date());
    let outcome = if settled && !spam { rng.pick(OUTCOMES) } else { "" };
    let version = match state {
        State::Received => 1,
        State::Triaged => 2,
        State::InProgress => 3,
        State::Waiting | State::Referred | State::Resolved => 4,
        State::Closed => 5,
    } + escalation;
    let last_move = closed_at.or(resolved_at).or(responded_at).unwrap_or(received);
    let mut row = CaseRow {
        unit: s.unit,
        category,
        severity,
        state,
        restricted,
        public,
        description,
        links,
        happened_on,
        affected,
        child_in_danger,
        reporter_id,
        reporter_contact,
        receipt_hash,
        handler_id,
        outcome,
        referral,
        referral_ref,
        spam,
        version,
        received_at: received,
        responded_at,
        resolved_at,
        closed_at,
        response_due_at: response_due,
        resolution_due_at: resolution_due,
        escalation,
        purged_at: None,
        updated_at: last_move,
    };
    // The retention rule as the daily purge job applies it: spam after a month, public feedback
    // after six, other cases after twelve.
    if let Some(closed) = closed_at {
        let keep = if spam {
            Duration::days(30)
        } else if public && category == "feedback" {
            Duration::days(182)
        } else {
            Duration::days(365)
        };
        let purge = closed + keep + Duration::seconds(rng.below(86_400) as i64);
        if purge < now {
            row.description = "";
            row.links.clear();
            row.affected.clear();
            row.reporter_id = None;
            row.reporter_contact.clear();
            row.handler_id = None;
            row.outcome = "";
            row.referral_ref.clear();
            row.happened_on = None;
            row.purged_at = Some(purge);
            row.updated_at = purge;
            row.version += 1;
        }
    }
    row
}

/// People and their one role grant each; returns their ids in the order given.
async fn insert_people(
    conn: &mut Conn,
    people: &[(i64, String, bool, Option<&'static str>)],
    at: OffsetDateTime,
) -> Result<Vec<i64>> {
    const COLUMNS: usize = 8;
    let mut ids: Vec<i64> = Vec::with_capacity(people.len());
    exec(conn, "BEGIN").await?;
    for chunk in people.chunks(chunk_values(conn) / COLUMNS) {
        let sql = insert_sql(
            conn,
            "INSERT INTO people (unit_id, username, display_name, name_folded, email, disabled, created_at, updated_at)",
            COLUMNS,
            chunk.len(),
            " RETURNING id, username",
        );
        let returned: Vec<(i64, String)> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for (unit, username, disabled, _) in chunk {
                let name = format!("Cộng tác viên {username}");
                q = q
                    .bind(*unit)
                    .bind(username)
                    .bind(fold_vi(&name))
                    .bind(name)
                    .bind(format!("{username}@bench.edu.vn"))
                    .bind(*disabled)
                    .bind(at)
                    .bind(at);
            }
            q.fetch_all(&mut *c).await?
        });
        let by_name: HashMap<String, i64> = returned.into_iter().map(|(id, u)| (u, id)).collect();
        for (_, username, _, _) in chunk {
            ids.push(
                *by_name
                    .get(username)
                    .ok_or_else(|| StoreError::Corrupt(format!("person {username} not returned")))?,
            );
        }
    }
    let grants: Vec<(i64, &'static str, i64)> = people
        .iter()
        .zip(&ids)
        .filter_map(|((unit, _, _, role), id)| role.map(|r| (*id, r, *unit)))
        .collect();
    for chunk in grants.chunks(chunk_values(conn) / 4) {
        let sql = insert_sql(
            conn,
            "INSERT INTO role_grants (person_id, role, unit_id, created_at)",
            4,
            chunk.len(),
            "",
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (person, role, unit) in chunk {
                q = q.bind(*person).bind(*role).bind(*unit).bind(at);
            }
            q.execute(&mut *c).await?;
        });
    }
    exec(conn, "COMMIT").await?;
    Ok(ids)
}

async fn insert_cases(conn: &mut Conn, rows: &[CaseRow], units: &[CaseUnit]) -> Result<()> {
    const COLUMNS: usize = 30;
    exec(conn, "BEGIN").await?;
    for chunk in rows.chunks(chunk_values(conn) / COLUMNS) {
        let sql = insert_sql(
            conn,
            "INSERT INTO incidents (unit_id, unit_path, category, severity, state, restricted, source, description, \
             links, happened_on, affected, child_in_danger, reporter_id, reporter_contact, receipt_hash, handler_id, \
             outcome, referral, referral_ref, spam, version, received_at, responded_at, resolved_at, closed_at, \
             response_due_at, resolution_due_at, escalation, purged_at, updated_at)",
            COLUMNS,
            chunk.len(),
            "",
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                let unit = &units[r.unit as usize];
                q = q
                    .bind(unit.id)
                    .bind(unit.path.as_str())
                    .bind(r.category)
                    .bind(r.severity.as_str())
                    .bind(r.state.as_str())
                    .bind(r.restricted)
                    .bind(if r.public { "public" } else { "account" })
                    .bind(r.description)
                    .bind(r.links.as_str())
                    .bind(r.happened_on)
                    .bind(r.affected.as_str())
                    .bind(r.child_in_danger)
                    .bind(r.reporter_id)
                    .bind(r.reporter_contact.as_str())
                    .bind(r.receipt_hash.as_deref())
                    .bind(r.handler_id)
                    .bind(r.outcome)
                    .bind(r.referral)
                    .bind(r.referral_ref.as_str())
                    .bind(r.spam)
                    .bind(r.version)
                    .bind(r.received_at)
                    .bind(r.responded_at)
                    .bind(r.resolved_at)
                    .bind(r.closed_at)
                    .bind(r.response_due_at)
                    .bind(r.resolution_due_at)
                    .bind(r.escalation)
                    .bind(r.purged_at)
                    .bind(r.updated_at);
            }
            q.execute(&mut *c).await?;
        });
    }
    exec(conn, "COMMIT").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::{CoverageFilter, IncidentFilter, IncidentScope};
    use lanhmang_domain::Paging;

    crate::both_backends!(a_small_incidents_dataset_on_every_backend);
    /// A small dataset on every backend: generated, found again by its parameters, and
    /// consistent with what the case list and the coverage read.
    async fn a_small_incidents_dataset_on_every_backend(backend: &'static str) {
        let params = IncidentsBenchParams {
            schools: 200,
            office_size: 20,
            cases: 6_000,
            ..IncidentsBenchParams::default()
        };
        let (db, store) = crate::test_support::TestDb::store(backend).await.unwrap();
        assert!(store.incidents_bench_dataset(&params).await.unwrap().is_none());
        store.generate_incidents_bench(&params, &mut |_| {}).await.unwrap();
        assert!(
            store.generate_incidents_bench(&params, &mut |_| {}).await.is_err(),
            "{backend}: not twice"
        );
        let data = store.incidents_bench_dataset(&params).await.unwrap().unwrap();
        assert_eq!((data.offices.len(), data.schools), (10, 200), "{backend}");
        let (n, chars) = store.full_scan_incidents().await.unwrap();
        assert_eq!(n, 6_000, "{backend}");
        assert!(chars > 6_000 * 20, "{backend}: {chars}");
        let now = params.now();

        let all = IncidentScope {
            roots: vec![data.department],
            person_id: data.department_lead,
        };
        let (page, total) = store
            .list_incidents(&all, &IncidentFilter::default(), Paging::default())
            .await
            .unwrap();
        // Spam is hidden by default: a few per cent of the cases.
        assert!((5_500..6_000).contains(&total), "{backend}: {total}");
        assert_eq!(page.len(), 50);
        assert!(
            page.windows(2).all(|w| w[0].received_at >= w[1].received_at),
            "{backend}: newest first"
        );
        let overdue = IncidentFilter {
            overdue_at: Some(now),
            ..Default::default()
        };
        let (_, overdue_n) = store.list_incidents(&all, &overdue, Paging::default()).await.unwrap();
        assert!(
            overdue_n > 0 && overdue_n < total / 10,
            "{backend}: {overdue_n} overdue"
        );
        let mut offices_total = 0;
        for &(office, lead) in &data.offices {
            let scope = IncidentScope {
                roots: vec![office],
                person_id: lead,
            };
            offices_total += store
                .list_incidents(&scope, &IncidentFilter::default(), Paging::default())
                .await
                .unwrap()
                .1;
        }
        let (office, lead) = data.offices[0];
        assert_eq!(
            offices_total, total,
            "{backend}: the offices' lists add up to the department's"
        );

        let filter = CoverageFilter {
            roots: vec![office],
            since: Some(now - Duration::days(100)),
            ..Default::default()
        };
        let (rows, listed, totals) = store.incident_coverage(&filter, now, Paging::default()).await.unwrap();
        assert!((15..=25).contains(&listed), "{backend}: {listed} schools");
        assert_eq!(rows.len() as i64, listed);
        let without = rows.iter().filter(|r| r.collaborators == 0).count() as i64;
        assert_eq!(without, totals.schools_without_collaborator, "{backend}");
        assert!(
            without < listed / 2,
            "{backend}: {without} of {listed} without a collaborator"
        );
        assert!(totals.open > 0 && totals.overdue > 0, "{backend}: {totals:?}");
        let scope = IncidentScope {
            roots: vec![office],
            person_id: lead,
        };
        let (_, office_overdue) = store.list_incidents(&scope, &overdue, Paging::default()).await.unwrap();
        assert_eq!(
            totals.overdue, office_overdue,
            "{backend}: coverage and list agree on overdue cases"
        );
        let (purged,): (i64,) = on_pool!(store, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM incidents WHERE purged_at IS NOT NULL AND description = ''",
        ).fetch_one(pool).await.unwrap());
        assert!(purged > 1_000, "{backend}: {purged} purged");
        db.cleanup().await;
    }
}
