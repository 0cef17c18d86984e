//! `bench/load`: the deadline week of a 2,000-school department, played against a running
//! `lanhmang serve` (the release binary, started here as a child process) on SQLite and
//! PostgreSQL.
//!
//! Virtual users sign in once through the real login form and login API, then act with
//! exponential think times chosen so that the whole department offers `--rate` requests per
//! second: offices open their plan's dashboard and report list, principals open their report
//! form, read, save (twice) and submit their report, teachers log activities. Each latency is
//! measured from the moment the request was due, so a slow server is not hidden by users who
//! wait for it. `/healthz` is measured in the same run, at the same rate and at full speed, as
//! the baseline. Afterwards every acknowledged write is looked for in the database.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use lanhmang_bench_load::{ServerFiles, port_is_free, start_server, stop_server};
use lanhmang_domain::Role;
use lanhmang_domain::person::PersonFields;
use lanhmang_store::bench_data::{
    BenchParams, SplitMix64, bench_backend, bench_database_url, load_average, ms, open_bench_store, quantile,
};
use lanhmang_store::{AuditContext, Store};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "The deadline week of a 2,000-school department against a running server, on SQLite and PostgreSQL")]
struct Args {
    /// The `lanhmang` binary to serve with (a release build).
    #[arg(long)]
    bin: PathBuf,
    /// Where the SQLite database, the audit key and the server logs go.
    #[arg(long, default_value = "/tmp/lanhmang-bench-load")]
    data: PathBuf,
    /// A PostgreSQL server URL; the database --pg-db there is dropped and created again.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_load")]
    pg_db: String,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Requests per second offered by all virtual users together.
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of the measured deadline-week mix per backend (after --warmup).
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Seconds of the mix played before measuring.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Seconds of /healthz at --rate, and again at full speed.
    #[arg(long, default_value_t = 10)]
    healthz_duration: u64,
    #[arg(long, default_value_t = 2_000)]
    schools: u32,
    /// Virtual principals; the schools are shared out among them.
    #[arg(long, default_value_t = 120)]
    principals: usize,
    /// Virtual teachers, each logging activities for one school.
    #[arg(long, default_value_t = 60)]
    teachers: usize,
    #[arg(long, default_value_t = 18_480)]
    port: u16,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

const PASSWORD: &str = "Tải-thử hạn chót 2026!";
/// The goal: p95 under 100 ms for every page at 200 requests per second.
const P95_GOAL: Duration = Duration::from_millis(100);
/// Shares of the offered rate: offices, principals, teachers.
const OFFICE_SHARE: f64 = 0.30;
const PRINCIPAL_SHARE: f64 = 0.50;
const TEACHER_SHARE: f64 = 0.20;

const KINDS: [&str; 8] = [
    "page: office dashboard",
    "page: report list",
    "page: report form",
    "API: read report",
    "API: save report",
    "API: submit report",
    "API: log activity",
    "/healthz",
];
const HEALTHZ: &str = "/healthz";

fn vietnam_today() -> Date {
    lanhmang_domain::report::vietnam_date(OffsetDateTime::now_utc())
}

/// The two backends' pools, for the few statements the store has no method for.
enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    async fn connect(url: &str) -> anyhow::Result<Db> {
        Ok(if url.starts_with("sqlite:") {
            Db::Sqlite(sqlx::SqlitePool::connect(url).await?)
        } else {
            Db::Postgres(sqlx::PgPool::connect(url).await?)
        })
    }

    async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

/// What the run needs to know of the generated department.
struct Department {
    /// (office id, its plan in the current year)
    offices: Vec<(i64, i64)>,
    /// (plan id, school id)
    schools: Vec<(i64, i64)>,
}

struct Accounts {
    offices: Vec<(String, i64)>,
    principals: Vec<(String, Vec<(i64, i64)>)>,
    teachers: Vec<(String, (i64, i64))>,
}

async fn prepare(args: &Args, backend: &str, params: &BenchParams) -> anyhow::Result<(String, Department, Accounts)> {
    let url = bench_database_url(backend, &args.data.join("load.db"), &args.pg, &args.pg_db, true).await?;
    let (store, _) = open_bench_store(&url).await?;
    let t = std::time::Instant::now();
    store.generate_bench_data(params, &mut |m| println!("    {m}")).await?;
    store.bench_vacuum_analyze(true).await?;
    let dataset = store
        .bench_dataset(params)
        .await?
        .context("the dataset just generated is not found again")?;
    println!("  dataset generated in {:.0} s", t.elapsed().as_secs_f64());

    // Two days before the deadline: every plan of the current year is due then.
    let db = Db::connect(&url).await?;
    let deadline = vietnam_today() + time::Duration::days(2);
    let year = i64::from(dataset.current_year);
    on_db!(&db, p => {
        sqlx::query("UPDATE plans SET deadline = $1 WHERE school_year = $2").bind(deadline).bind(year).execute(p).await?;
        sqlx::query("UPDATE plan_versions SET deadline = $1 WHERE plan_id IN (SELECT id FROM plans WHERE school_year = $2)")
            .bind(deadline).bind(year).execute(p).await?;
    });
    let units: Vec<(i64, Option<i64>)> = on_db!(&db, p => sqlx::query_as(
        "SELECT id, parent_id FROM units WHERE kind = 'school' ORDER BY id"
    ).fetch_all(p).await?);
    db.close().await;
    let plan_of: HashMap<i64, i64> = dataset
        .office_plans
        .iter()
        .map(|&(plan, office)| (office, plan))
        .collect();
    let schools: Vec<(i64, i64)> = units
        .iter()
        .filter_map(|&(id, parent)| parent.and_then(|o| plan_of.get(&o)).map(|&plan| (plan, id)))
        .collect();
    if schools.len() != units.len() || schools.is_empty() {
        bail!(
            "{} schools, {} of them under an office with a plan",
            units.len(),
            schools.len()
        );
    }
    let department = Department {
        offices: dataset
            .office_plans
            .iter()
            .map(|&(plan, office)| (office, plan))
            .collect(),
        schools,
    };
    let accounts = create_accounts(&store, args, &department).await?;
    store.close().await;
    Ok((url, department, accounts))
}

/// People for the virtual users, all with one password (hashed once: Argon2 is slow on purpose).
async fn create_accounts(store: &Store, args: &Args, d: &Department) -> anyhow::Result<Accounts> {
    let hash = lanhmang_domain::password::hash(PASSWORD)?;
    let ctx = AuditContext::system("bench/load");
    let person = |username: String, name: String| PersonFields {
        username,
        display_name: name,
        email: None,
        phone: None,
    };
    let mut accounts = Accounts {
        offices: Vec::new(),
        principals: Vec::new(),
        teachers: Vec::new(),
    };
    for (i, &(office, plan)) in d.offices.iter().enumerate() {
        let username = format!("phong{i}");
        let p = store
            .create_person(
                &ctx,
                office,
                &person(username.clone(), format!("Chuyên viên phòng {i}")),
                Some(&hash),
                false,
            )
            .await?;
        store.grant_role(&ctx, p.id, Role::OfficeAdmin, office).await?;
        accounts.offices.push((username, plan));
    }
    let n = args.principals.clamp(1, d.schools.len());
    for i in 0..n {
        let mine: Vec<(i64, i64)> = d.schools.iter().skip(i).step_by(n).copied().collect();
        let username = format!("hieutruong{i}");
        let p = store
            .create_person(
                &ctx,
                mine[0].1,
                &person(username.clone(), format!("Hiệu trưởng {i}")),
                Some(&hash),
                false,
            )
            .await?;
        for &(_, school) in &mine {
            store.grant_role(&ctx, p.id, Role::Principal, school).await?;
        }
        accounts.principals.push((username, mine));
    }
    for i in 0..args.teachers {
        // Spread over the department, away from the principals' first schools.
        let school = d.schools[(i * 7919 + 13) % d.schools.len()];
        let username = format!("giaovien{i}");
        let p = store
            .create_person(
                &ctx,
                school.1,
                &person(username.clone(), format!("Giáo viên {i}")),
                Some(&hash),
                false,
            )
            .await?;
        store.grant_role(&ctx, p.id, Role::Teacher, school.1).await?;
        accounts.teachers.push((username, school));
    }
    Ok(accounts)
}

fn browser() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?)
}

fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// Signs in through the login form: the client keeps the session cookie.
async fn sign_in_page(base: &str, username: &str) -> anyhow::Result<reqwest::Client> {
    let client = browser()?;
    let body = client.get(format!("{base}/dang-nhap")).send().await?.text().await?;
    let csrf = extract_csrf(&body).context("no _csrf on the login form")?;
    let r = client
        .post(format!("{base}/dang-nhap"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await?;
    if r.status() != 303 {
        bail!("login form for {username}: {}", r.status());
    }
    Ok(client)
}

/// Signs in through the API: a bearer token.
async fn sign_in_api(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await?;
    let status = r.status();
    let body: Value = r.json().await?;
    match body["token"].as_str() {
        Some(t) if status.is_success() => Ok(t.to_string()),
        _ => bail!("API login for {username}: {status} {body}"),
    }
}

#[derive(Default)]
struct Recorder {
    /// Only requests due at or after this instant are recorded.
    from: Option<Instant>,
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    errors: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// The first answer of each (kind, error), to say why.
    error_samples: BTreeMap<(&'static str, String), String>,
    /// Writes the server acknowledged: (plan, school) → (version, submitted).
    reports: HashMap<(i64, i64), (i64, bool)>,
    activities: HashSet<i64>,
    acknowledged: u64,
}

type Shared = Arc<Mutex<Recorder>>;

fn lock(r: &Shared) -> std::sync::MutexGuard<'_, Recorder> {
    // A panicking user task cannot leave the recorder half-updated in a way that matters here.
    r.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends one request and records its latency from `due`; returns the JSON body of a success.
async fn send(
    rec: &Shared,
    kind: &'static str,
    due: Instant,
    request: reqwest::RequestBuilder,
    json_body: bool,
) -> Option<Value> {
    let outcome = match request.send().await {
        Ok(r) => {
            let status = r.status();
            if status.is_success() {
                if json_body {
                    r.json::<Value>()
                        .await
                        .map_err(|e| ("bad body".to_string(), e.to_string()))
                } else {
                    r.bytes()
                        .await
                        .map(|_| Value::Null)
                        .map_err(|e| ("body cut".to_string(), e.to_string()))
                }
            } else {
                let body = r.text().await.unwrap_or_default();
                Err((status.as_u16().to_string(), body.chars().take(300).collect()))
            }
        }
        Err(e) if e.is_timeout() => Err(("timeout".into(), e.to_string())),
        Err(e) => Err(("connection".into(), e.to_string())),
    };
    let elapsed = due.elapsed();
    let mut r = lock(rec);
    let recorded = r.from.is_some_and(|from| due >= from);
    match outcome {
        Ok(v) => {
            if recorded {
                r.latencies.entry(kind).or_default().push(elapsed);
            }
            Some(v)
        }
        Err((why, detail)) => {
            if recorded {
                r.latencies.entry(kind).or_default().push(elapsed);
                *r.errors.entry(kind).or_default().entry(why.clone()).or_default() += 1;
                r.error_samples.entry((kind, why)).or_insert(detail);
            }
            None
        }
    }
}

enum Player {
    Office {
        page: reqwest::Client,
        plan: i64,
    },
    Principal {
        page: reqwest::Client,
        token: String,
        schools: Vec<(i64, i64)>,
    },
    Teacher {
        token: String,
        school: (i64, i64),
        user: usize,
    },
}

struct Plan {
    base: String,
    api: reqwest::Client,
    rec: Shared,
    stop: Instant,
    today: Date,
    /// Each plan's indicators (code, kind): what a principal fills in before submitting.
    indicators: HashMap<i64, Vec<(String, String)>>,
}

/// What a principal types for the indicators still empty in `report`, as the form would send it.
fn fill_in(report: &Value, indicators: &[(String, String)]) -> serde_json::Map<String, Value> {
    let mut values = serde_json::Map::new();
    for (code, kind) in indicators {
        if report["values"][code]["value"].is_null() {
            let v = match kind.as_str() {
                "yes_no" => json!(true),
                "text" => json!("Nhà trường đã thực hiện theo kế hoạch."),
                _ => json!(2),
            };
            values.insert(code.clone(), v);
        }
    }
    values
}

/// The indicators of each plan, read once through the API as `token`'s holder.
async fn plan_indicators(
    api: &reqwest::Client,
    base: &str,
    token: &str,
    plans: impl IntoIterator<Item = i64>,
) -> anyhow::Result<HashMap<i64, Vec<(String, String)>>> {
    let mut out = HashMap::new();
    for plan in plans {
        let r = api
            .get(format!("{base}/api/v1/plans/{plan}"))
            .bearer_auth(token)
            .send()
            .await?;
        let status = r.status();
        let body: Value = r.json().await?;
        if !status.is_success() {
            bail!("reading plan {plan}: {status} {body}");
        }
        let mut list = Vec::new();
        for section in body["content"]["sections"].as_array().into_iter().flatten() {
            for task in section["tasks"].as_array().into_iter().flatten() {
                for ind in task["indicators"].as_array().into_iter().flatten() {
                    if let (Some(code), Some(kind)) = (ind["code"].as_str(), ind["kind"].as_str()) {
                        list.push((code.to_string(), kind.to_string()));
                    }
                }
            }
        }
        out.insert(plan, list);
    }
    Ok(out)
}

/// Exponential think time with mean `mean` (a Poisson stream per user).
fn think(rng: &mut SplitMix64, mean: Duration) -> Duration {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    mean.mul_f64(-(1.0 - u).ln().min(20.0))
}

/// One virtual user: sleeps its think time from when its last request was due, then sends the
/// next request of its journey.
async fn user(role: Player, plan: Arc<Plan>, mean: Duration, seed: u64) {
    let mut rng = SplitMix64::new(seed);
    let mut due = Instant::now() + think(&mut rng, mean);
    let next = |due: &mut Instant, rng: &mut SplitMix64| -> bool {
        *due += think(rng, mean);
        *due < plan.stop
    };
    let p = &plan;
    let base = p.base.as_str();
    match role {
        Player::Office { page, plan: id } => {
            let mut dashboard = rng.below(2) == 0;
            while due < p.stop {
                tokio::time::sleep_until(due).await;
                let (kind, path) = if dashboard {
                    ("page: office dashboard", format!("{base}/ke-hoach/{id}/tong-hop"))
                } else {
                    ("page: report list", format!("{base}/ke-hoach/{id}/bao-cao"))
                };
                send(&p.rec, kind, due, page.get(path), false).await;
                dashboard = !dashboard;
                if !next(&mut due, &mut rng) {
                    break;
                }
            }
        }
        Player::Principal { page, token, schools } => {
            'schools: for (plan_id, unit) in schools {
                let api = format!("{base}/api/v1/plans/{plan_id}/reports/{unit}");
                let mut version = None;
                let mut values = serde_json::Map::new();
                for step in 0..5 {
                    tokio::time::sleep_until(due).await;
                    match step {
                        0 => {
                            let form = format!("{base}/ke-hoach/{plan_id}/bao-cao/{unit}");
                            send(&p.rec, "page: report form", due, page.get(form), false).await;
                        }
                        1 => {
                            let r = send(
                                &p.rec,
                                "API: read report",
                                due,
                                p.api.get(&api).bearer_auth(&token),
                                true,
                            )
                            .await;
                            let Some(r) = r else { continue 'schools };
                            if matches!(r["status"].as_str(), Some("submitted" | "accepted")) {
                                continue 'schools;
                            }
                            version = r["version"].as_i64();
                            values = fill_in(&r, p.indicators.get(&plan_id).map_or(&[], Vec::as_slice));
                        }
                        2 | 3 => {
                            let Some(v) = version else { continue 'schools };
                            let body = json!({"version": v, "values": values, "narrative": {
                                "results": format!("Trường đã triển khai kế hoạch; bản lưu lần {} trước hạn chót.", step - 1)
                            }});
                            let req = p.api.put(&api).bearer_auth(&token).json(&body);
                            let r = send(&p.rec, "API: save report", due, req, true).await;
                            let Some(v) = r.as_ref().and_then(|r| r["version"].as_i64()) else {
                                continue 'schools;
                            };
                            version = Some(v);
                            let mut rec = lock(&p.rec);
                            rec.reports.insert((plan_id, unit), (v, false));
                            rec.acknowledged += 1;
                        }
                        _ => {
                            let Some(v) = version else { continue 'schools };
                            let req = p
                                .api
                                .post(format!("{api}/submit"))
                                .bearer_auth(&token)
                                .json(&json!({"version": v}));
                            let r = send(&p.rec, "API: submit report", due, req, true).await;
                            if let Some(v) = r.as_ref().and_then(|r| r["version"].as_i64())
                                && r.as_ref().and_then(|r| r["status"].as_str()) == Some("submitted")
                            {
                                let mut rec = lock(&p.rec);
                                rec.reports.insert((plan_id, unit), (v, true));
                                rec.acknowledged += 1;
                            }
                        }
                    }
                    if !next(&mut due, &mut rng) {
                        return;
                    }
                }
            }
        }
        Player::Teacher { token, school, user } => {
            let mut n = 0u64;
            while due < p.stop {
                tokio::time::sleep_until(due).await;
                n += 1;
                let body = json!({
                    "unit_id": school.1,
                    "plan_id": school.0,
                    "kind": "talk",
                    "date": p.today.to_string(),
                    "title": format!("Tải thử: buổi nói chuyện số {n} của giáo viên {user}"),
                    "audience": {"teachers": 3, "parents": 10},
                });
                let req = p
                    .api
                    .post(format!("{base}/api/v1/activities"))
                    .bearer_auth(&token)
                    .json(&body);
                let r = send(&p.rec, "API: log activity", due, req, true).await;
                if let Some(id) = r.as_ref().and_then(|r| r["id"].as_i64()) {
                    let mut rec = lock(&p.rec);
                    rec.activities.insert(id);
                    rec.acknowledged += 1;
                }
                if !next(&mut due, &mut rng) {
                    break;
                }
            }
        }
    }
}

/// /healthz from `users` virtual users, each with think time `mean` (None: back to back).
async fn healthz(base: &str, rec: &Shared, users: usize, mean: Option<Duration>, seconds: u64) -> u64 {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let start = Instant::now();
    let stop = start + Duration::from_secs(seconds);
    lock(rec).from = Some(start);
    let mut tasks = Vec::new();
    for u in 0..users {
        let (client, rec, url) = (client.clone(), rec.clone(), format!("{base}/healthz"));
        tasks.push(tokio::spawn(async move {
            let mut rng = SplitMix64::new(u as u64 + 1);
            let mut due = Instant::now();
            let mut count = 0u64;
            loop {
                match mean {
                    Some(m) => {
                        due += think(&mut rng, m);
                        tokio::time::sleep_until(due).await;
                    }
                    None => due = Instant::now(),
                }
                if due >= stop {
                    return count;
                }
                if send(&rec, HEALTHZ, due, client.get(&url), false).await.is_some() {
                    count += 1;
                }
            }
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    total
}

struct Row {
    kind: &'static str,
    requests: usize,
    per_second: f64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
    errors: BTreeMap<String, u64>,
}

fn rows(rec: &Recorder, seconds: f64) -> Vec<Row> {
    KINDS
        .iter()
        .filter_map(|&kind| {
            let mut s = rec.latencies.get(kind)?.clone();
            s.sort();
            Some(Row {
                kind,
                requests: s.len(),
                per_second: s.len() as f64 / seconds,
                p50: quantile(&s, 0.5),
                p95: quantile(&s, 0.95),
                p99: quantile(&s, 0.99),
                max: s.last().copied().unwrap_or_default(),
                errors: rec.errors.get(kind).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

struct Outcome {
    backend: &'static str,
    rows: Vec<Row>,
    healthz_at_rate: Row,
    healthz_max: f64,
    mix_per_second: f64,
    acknowledged: u64,
    lost: Vec<String>,
    sign_in_seconds: f64,
}

async fn run_backend(args: &Args, backend: &'static str, params: &BenchParams) -> anyhow::Result<Outcome> {
    println!("\n== {backend} ==");
    std::fs::create_dir_all(&args.data)?;
    let (url, department, accounts) = prepare(args, backend, params).await?;
    println!(
        "  {} offices, {} schools; {} office users, {} principals, {} teachers",
        department.offices.len(),
        department.schools.len(),
        accounts.offices.len(),
        accounts.principals.len(),
        accounts.teachers.len()
    );
    let files = ServerFiles {
        bin: args.bin.clone(),
        data: args.data.clone(),
    };
    let server = start_server(&files, &url, backend, args.port).await?;
    let base = server.base.clone();
    let result = drive(args, &base, accounts).await;
    stop_server(server).await?;
    let (rows_, healthz_at_rate, healthz_max, mix_per_second, rec, sign_in_seconds) = result?;
    for ((kind, why), detail) in &rec.error_samples {
        println!("  first {why} of {kind}: {detail}");
    }

    // Every acknowledged write must be in the database after the server stopped.
    let (store, _) = open_bench_store(&url).await?;
    let db = Db::connect(&url).await?;
    let mut lost = Vec::new();
    for (&(plan, unit), &(version, submitted)) in &rec.reports {
        match store.report(plan, unit).await? {
            Some(r) if r.version >= version && (!submitted || r.submitted_at.is_some()) => {}
            Some(r) => lost.push(format!(
                "report {plan}/{unit}: acknowledged version {version} (submitted {submitted}), found {} ({:?})",
                r.version, r.status
            )),
            None => lost.push(format!(
                "report {plan}/{unit}: acknowledged version {version}, not found"
            )),
        }
    }
    let ids: Vec<(i64,)> = on_db!(&db, p => sqlx::query_as("SELECT id FROM activities WHERE title LIKE 'Tải thử: %'")
        .fetch_all(p).await?);
    let found: HashSet<i64> = ids.into_iter().map(|(id,)| id).collect();
    let missing = rec.activities.difference(&found).count();
    if missing > 0 {
        lost.push(format!("{missing} acknowledged activities not found"));
    }
    db.close().await;
    store.close().await;
    Ok(Outcome {
        backend,
        rows: rows_,
        healthz_at_rate,
        healthz_max,
        mix_per_second,
        acknowledged: rec.acknowledged,
        lost,
        sign_in_seconds,
    })
}

type Driven = (Vec<Row>, Row, f64, f64, Recorder, f64);

async fn drive(args: &Args, base: &str, accounts: Accounts) -> anyhow::Result<Driven> {
    let api = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    // Sign in once per virtual user, one at a time (the login throttle and Argon2 are per attempt).
    let t = std::time::Instant::now();
    let mut roles = Vec::new();
    for (username, plan) in &accounts.offices {
        roles.push(Player::Office {
            page: sign_in_page(base, username).await?,
            plan: *plan,
        });
    }
    for (username, schools) in &accounts.principals {
        roles.push(Player::Principal {
            page: sign_in_page(base, username).await?,
            token: sign_in_api(&api, base, username).await?,
            schools: schools.clone(),
        });
    }
    for (i, (username, school)) in accounts.teachers.iter().enumerate() {
        roles.push(Player::Teacher {
            token: sign_in_api(&api, base, username).await?,
            school: *school,
            user: i,
        });
    }
    let sign_in_seconds = t.elapsed().as_secs_f64();
    // Every plan some principal reports on, read as one of the principals of that plan.
    let mut indicators = HashMap::new();
    for role in &roles {
        if let Player::Principal { token, schools, .. } = role {
            let plans: BTreeSet<i64> = schools
                .iter()
                .map(|&(plan, _)| plan)
                .filter(|plan| !indicators.contains_key(plan))
                .collect();
            indicators.extend(plan_indicators(&api, base, token, plans).await?);
        }
    }
    println!(
        "  {} virtual users signed in ({} page sessions, {} API tokens) in {sign_in_seconds:.1} s",
        roles.len(),
        accounts.offices.len() + accounts.principals.len(),
        accounts.principals.len() + accounts.teachers.len()
    );

    // The baseline: /healthz at the same offered rate, then as fast as it goes.
    let users = roles.len().max(1);
    let rec: Shared = Arc::default();
    let mean = Duration::from_secs_f64(users as f64 / args.rate);
    healthz(base, &rec, users, Some(mean), args.healthz_duration).await;
    let healthz_at_rate = rows(&lock(&rec), args.healthz_duration as f64)
        .into_iter()
        .next()
        .context("no /healthz measured")?;
    let rec_max: Shared = Arc::default();
    let served = healthz(base, &rec_max, 32, None, args.healthz_duration).await;
    let healthz_max = served as f64 / args.healthz_duration as f64;
    println!(
        "  /healthz: p95 {} ms at {:.0} req/s offered; {healthz_max:.0} req/s at full speed (32 connections); load average {}",
        ms(healthz_at_rate.p95),
        args.rate,
        load_average()
    );

    // The deadline-week mix.
    let start = Instant::now();
    let from = start + Duration::from_secs(args.warmup);
    let stop = from + Duration::from_secs(args.duration);
    let rec: Shared = Arc::new(Mutex::new(Recorder {
        from: Some(from),
        ..Recorder::default()
    }));
    let plan = Arc::new(Plan {
        base: base.to_string(),
        api,
        rec: rec.clone(),
        stop,
        today: vietnam_today(),
        indicators,
    });
    let n_office = accounts.offices.len().max(1) as f64;
    let n_principal = accounts.principals.len().max(1) as f64;
    let n_teacher = accounts.teachers.len().max(1) as f64;
    let mut tasks = Vec::new();
    for (i, role) in roles.into_iter().enumerate() {
        let mean = match role {
            Player::Office { .. } => n_office / (args.rate * OFFICE_SHARE),
            Player::Principal { .. } => n_principal / (args.rate * PRINCIPAL_SHARE),
            Player::Teacher { .. } => n_teacher / (args.rate * TEACHER_SHARE),
        };
        tasks.push(tokio::spawn(user(
            role,
            plan.clone(),
            Duration::from_secs_f64(mean),
            args.seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        )));
    }
    for t in tasks {
        t.await?;
    }
    let seconds = args.duration as f64;
    println!("  load average after the mix: {}", load_average());
    let rec = std::mem::take(&mut *lock(&rec));
    let rows_ = rows(&rec, seconds);
    let total: usize = rows_.iter().map(|r| r.requests).sum();
    Ok((
        rows_,
        healthz_at_rate,
        healthz_max,
        total as f64 / seconds,
        rec,
        sign_in_seconds,
    ))
}

fn print_tables(outcomes: &[Outcome], args: &Args) -> bool {
    println!(
        "\n| backend | request kind | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | p95 ÷ /healthz p95 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|---:|");
    for o in outcomes {
        let base = o.healthz_at_rate.p95.as_secs_f64().max(1e-6);
        for r in o.rows.iter().chain(std::iter::once(&o.healthz_at_rate)) {
            let errors = if r.errors.is_empty() {
                "0".to_string()
            } else {
                r.errors
                    .iter()
                    .map(|(k, n)| format!("{n}× {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let ratio = if r.kind == HEALTHZ {
                "(baseline)".to_string()
            } else {
                format!("{:.1}", r.p95.as_secs_f64() / base)
            };
            println!(
                "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {errors} | {ratio} |",
                o.backend,
                r.kind,
                r.requests,
                r.per_second,
                ms(r.p50),
                ms(r.p95),
                ms(r.p99),
                ms(r.max),
            );
        }
    }
    println!(
        "\n| backend | mix offered | mix served | /healthz at full speed | mix served ÷ /healthz full speed | writes acknowledged | lost | sign-in |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        println!(
            "| {} | {:.0} req/s | {:.1} req/s | {:.0} req/s | {:.1}% | {} | {} | {:.1} s |",
            o.backend,
            args.rate,
            o.mix_per_second,
            o.healthz_max,
            100.0 * o.mix_per_second / o.healthz_max.max(1e-9),
            o.acknowledged,
            o.lost.len(),
            o.sign_in_seconds
        );
    }
    println!();
    let mut ok = true;
    for o in outcomes {
        for r in &o.rows {
            let pass = r.p95 < P95_GOAL;
            ok &= pass;
            println!(
                "{} {}: {} p95 {} ms (goal < {} ms)",
                if pass { "PASS" } else { "FAIL" },
                o.backend,
                r.kind,
                ms(r.p95),
                P95_GOAL.as_millis()
            );
        }
        let errors: u64 = o.rows.iter().flat_map(|r| r.errors.values()).sum();
        ok &= errors == 0;
        println!(
            "{} {}: {errors} errors in the mix (goal 0)",
            if errors == 0 { "PASS" } else { "FAIL" },
            o.backend
        );
        ok &= o.lost.is_empty();
        println!(
            "{} {}: {} of {} acknowledged writes lost (goal 0)",
            if o.lost.is_empty() { "PASS" } else { "FAIL" },
            o.backend,
            o.lost.len(),
            o.acknowledged
        );
        for l in o.lost.iter().take(10) {
            println!("    {l}");
        }
        let reached = o.mix_per_second >= args.rate * 0.95;
        ok &= reached;
        println!(
            "{} {}: {:.1} req/s served of {:.0} offered (goal ≥ 95%)",
            if reached { "PASS" } else { "FAIL" },
            o.backend,
            o.mix_per_second,
            args.rate
        );
    }
    ok
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built without a TLS provider of its own (one TLS stack in the workspace); the
    // server here is plain HTTP, but a client cannot be built before one is chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Before anything is generated: the SQLite file of a server still running must not be deleted.
    port_is_free(args.port)?;
    let today = vietnam_today();
    // The school year under way today (it starts in September); its plans are due in two days.
    let current = if today.month() as u8 >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    let params = BenchParams {
        schools: args.schools,
        office_size: 100,
        departments: 1,
        big_department_offices: args.schools / 100,
        first_year: current - 1,
        years: 2,
        activities_per_year: 20,
        as_of: today,
        seed: args.seed,
    };
    if !Path::new(&args.bin).exists() {
        bail!("no server binary at {}", args.bin.display());
    }
    println!(
        "lanhmang bench/load: {} schools, plans due {} (today {today} in Vietnam); {:.0} req/s offered for {} s after {} s \
         of warm-up; machine: {} cores, load average {}",
        args.schools,
        today + time::Duration::days(2),
        args.rate,
        args.duration,
        args.warmup,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut outcomes = Vec::new();
    for backend in &args.backends {
        let backend = bench_backend(backend).map_err(anyhow::Error::msg)?;
        outcomes.push(run_backend(&args, backend, &params).await?);
    }
    if !print_tables(&outcomes, &args) {
        std::process::exit(1);
    }
    Ok(())
}
