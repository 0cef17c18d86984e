//! `bench/incidents`: issue 12's benchmark.
//!
//! - `dataset`: a department of 10,000 schools with 1,000,000 cases over three years
//!   (`lanhmang_store::incidents_bench`), generated once per backend and reused while its
//!   parameters stay the same. The office's case list and coverage dashboard, and the department
//!   lead's, measured against a full scan of the incidents table in the same run.
//! - `flood`: the release `lanhmang serve` on a fresh demo database; one address floods the public
//!   form while 50 others report now and then, each client bound to its own loopback address (the
//!   server counts reports per connection address).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::bail;
use clap::Parser;
use lanhmang_bench_load::{ServerFiles, port_is_free, run_command, start_server, stop_server};
use lanhmang_domain::Paging;
use lanhmang_domain::incident::State;
use lanhmang_store::Store;
use lanhmang_store::bench_data::{
    Series, SplitMix64, bench_backend, bench_database_url, bench_dataset_in, load_average, measure, ms,
    open_bench_store, quantile, thousands,
};
use lanhmang_store::incidents::{CoverageFilter, IncidentFilter, IncidentScope};
use lanhmang_store::incidents_bench::IncidentsBenchParams;
use serde_json::json;

#[derive(Parser, Debug)]
#[command(about = "Issue 12: case list and coverage at department scale; the public form under a flood")]
struct Args {
    /// The `lanhmang` binary for the flood (a release build).
    #[arg(long)]
    bin: PathBuf,
    /// Where the SQLite datasets, the audit key and the server logs go.
    #[arg(long, default_value = "/tmp/lanhmang-bench-incidents")]
    data: PathBuf,
    /// A PostgreSQL server URL (trust or password in the URL).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_incidents")]
    pg_db: String,
    #[arg(long, default_value = "lanhmang_bench_flood")]
    pg_flood_db: String,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// dataset, flood
    #[arg(long, value_delimiter = ',', default_value = "dataset,flood")]
    parts: Vec<String>,
    /// Measured runs of each office query.
    #[arg(long, default_value_t = 200)]
    iterations: usize,
    /// Measured runs of each department-wide query.
    #[arg(long, default_value_t = 20)]
    department_iterations: usize,
    #[arg(long, default_value_t = 5)]
    scan_iterations: usize,
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Generate the dataset again even when a cached one matches.
    #[arg(long)]
    regenerate: bool,
    #[arg(long, default_value_t = 10_000)]
    schools: u32,
    #[arg(long, default_value_t = 1_000_000)]
    cases: u32,
    /// Seconds of each flood phase (without the flood, then with it).
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Public reports a minute from the flooding address.
    #[arg(long, default_value_t = 1_000)]
    flood_per_minute: u64,
    /// Other addresses reporting now and then (127.0.0.3 onwards).
    #[arg(long, default_value_t = 50)]
    others: u8,
    #[arg(long, default_value_t = 18_490)]
    port: u16,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

/// The goal for the office's list and coverage.
const P95_GOAL: Duration = Duration::from_millis(50);
const SCAN: &str = "full scan of incidents (baseline)";

struct Outcome {
    backend: &'static str,
    series: Vec<(Series, bool)>,
    scan_median: Duration,
}

async fn run_dataset(args: &Args, backend: &'static str, params: &IncidentsBenchParams) -> anyhow::Result<Outcome> {
    println!("\n== dataset on {backend} ==");
    let (store, data) = bench_dataset_in(
        backend,
        &args.data.join("incidents.db"),
        (&args.pg, &args.pg_db),
        (args.regenerate, false),
        &params.fingerprint(),
        async |store: &Store| store.incidents_bench_dataset(params).await,
        async |store: &Store, progress: &mut dyn FnMut(&str)| store.generate_incidents_bench(params, progress).await,
    )
    .await?;
    println!("  {}", store.bench_backend_info().await?);
    let rows = store
        .bench_count_rows(&["units", "people", "role_grants", "incidents"])
        .await?;
    let rows: Vec<String> = rows.iter().map(|(t, n)| format!("{t} {}", thousands(*n))).collect();
    println!("  rows: {}", rows.join(", "));
    println!(
        "  database size: {:.2} GiB",
        store.bench_database_bytes().await? as f64 / (1024.0 * 1024.0 * 1024.0)
    );
    if data.offices.is_empty() {
        bail!("no office in the dataset");
    }
    let now = params.now();
    // The coverage counts from the start of the school year, as the office's page does.
    let year = if params.as_of.month() as u8 >= 8 {
        params.as_of.year()
    } else {
        params.as_of.year() - 1
    };
    let since = time::Date::from_calendar_date(year, time::Month::August, 1)?
        .midnight()
        .assume_offset(lanhmang_domain::report::VIETNAM);
    let mut rng = SplitMix64::new(args.seed ^ 0x1C1D);
    let picks: Vec<(i64, i64)> = (0..args.warmup + args.iterations)
        .map(|_| data.offices[rng.below(data.offices.len() as u64) as usize])
        .collect();
    println!("  load average before: {}", load_average());

    let list_filters: [(&'static str, IncidentFilter, Paging); 4] = [
        ("office list, page 1", IncidentFilter::default(), Paging::default()),
        (
            "office list, overdue",
            IncidentFilter {
                overdue_at: Some(now),
                ..Default::default()
            },
            Paging::default(),
        ),
        (
            "office list, state in progress",
            IncidentFilter {
                state: Some(State::InProgress),
                ..Default::default()
            },
            Paging::default(),
        ),
        (
            "office list, page 50",
            IncidentFilter::default(),
            Paging { page: 50, per_page: 50 },
        ),
    ];
    let mut series = Vec::new();
    for (name, filter, paging) in &list_filters {
        let s = measure(name, args.warmup, args.iterations, |i| {
            let (office, lead) = picks[i];
            let store = &store;
            async move {
                let scope = IncidentScope {
                    roots: vec![office],
                    person_id: lead,
                };
                let (page, total) = store.list_incidents(&scope, filter, *paging).await?;
                if total > i64::from(paging.page - 1) * 50 && page.is_empty() {
                    bail!("office {office}: {total} cases but an empty page");
                }
                anyhow::Ok(())
            }
        })
        .await?;
        series.push((s, true));
    }
    let coverage = measure("office coverage, page 1", args.warmup, args.iterations, |i| {
        let (office, _) = picks[i];
        let store = &store;
        async move {
            let filter = CoverageFilter {
                roots: vec![office],
                since: Some(since),
                ..Default::default()
            };
            let (rows, listed, totals) = store.incident_coverage(&filter, now, Paging::default()).await?;
            if listed < 50 || rows.len() != 50 || totals.received == 0 {
                bail!("office {office}: {listed} schools listed, {} rows", rows.len());
            }
            anyhow::Ok(())
        }
    })
    .await?;
    series.push((coverage, true));
    let lead = IncidentScope {
        roots: vec![data.department],
        person_id: data.department_lead,
    };
    let department_list = measure(
        "department list, page 1",
        (args.warmup / 10).max(1),
        args.department_iterations,
        |_| {
            let (store, lead) = (&store, &lead);
            async move {
                let (page, total) = store
                    .list_incidents(lead, &IncidentFilter::default(), Paging::default())
                    .await?;
                if total < i64::from(params.cases) / 2 || page.len() != 50 {
                    bail!("department: {total} cases, {} on the page", page.len());
                }
                anyhow::Ok(())
            }
        },
    )
    .await?;
    series.push((department_list, false));
    let department_coverage = measure(
        "department coverage, page 1",
        (args.warmup / 10).max(1),
        args.department_iterations,
        |_| {
            let store = &store;
            let filter = CoverageFilter {
                roots: vec![data.department],
                since: Some(since),
                ..Default::default()
            };
            async move {
                let (_, listed, _) = store.incident_coverage(&filter, now, Paging::default()).await?;
                if listed < data.schools * 9 / 10 {
                    bail!("department coverage: {listed} schools of {}", data.schools);
                }
                anyhow::Ok(())
            }
        },
    )
    .await?;
    series.push((department_coverage, false));
    // Once unmeasured (it warms the cache as the other series were warmed), then measured.
    let scanned = store.full_scan_incidents().await?;
    let scan = measure(SCAN, 0, args.scan_iterations, |_| {
        let store = &store;
        async move {
            if store.full_scan_incidents().await? != scanned {
                bail!("the full scan read other rows");
            }
            anyhow::Ok(())
        }
    })
    .await?;
    println!(
        "  full scan read {} cases, {} characters of descriptions",
        thousands(scanned.0),
        thousands(scanned.1)
    );
    let scan_median = scan.quantile(0.5);
    series.push((scan, false));
    println!("  load average after: {}", load_average());
    store.close().await;
    Ok(Outcome {
        backend,
        series,
        scan_median,
    })
}

fn print_dataset(outcomes: &[Outcome]) -> bool {
    println!("\n| backend | query | runs | p50 ms | p95 ms | p99 ms | p95 ÷ full scan (median) |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for o in outcomes {
        for (s, _) in &o.series {
            let ratio = if s.name == SCAN {
                format!("{} ms", ms(o.scan_median))
            } else {
                let r = s.quantile(0.95).as_secs_f64() / o.scan_median.as_secs_f64().max(1e-9);
                format!("{:.1}%", r * 100.0)
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {ratio} |",
                o.backend,
                s.name,
                s.samples.len(),
                ms(s.quantile(0.5)),
                ms(s.quantile(0.95)),
                ms(s.quantile(0.99)),
            );
        }
    }
    println!();
    let mut ok = true;
    for o in outcomes {
        for (s, _) in o.series.iter().filter(|(_, goal)| *goal) {
            let pass = s.quantile(0.95) < P95_GOAL;
            ok &= pass;
            println!(
                "{} {}: {} p95 {} ms (goal < {} ms)",
                if pass { "PASS" } else { "FAIL" },
                o.backend,
                s.name,
                ms(s.quantile(0.95)),
                P95_GOAL.as_millis()
            );
        }
    }
    ok
}

/// The answers one group of senders got.
#[derive(Default)]
struct Answers {
    statuses: BTreeMap<u16, u64>,
    /// 429s that carried a Retry-After header.
    retry_after: u64,
    errors: BTreeMap<String, u64>,
    /// Latency of each request from the moment it was due.
    latencies: Vec<Duration>,
}

type Shared = Arc<Mutex<Answers>>;

fn lock(a: &Shared) -> std::sync::MutexGuard<'_, Answers> {
    // A panicking sender cannot leave the tallies half-updated in a way that matters here.
    a.lock().unwrap_or_else(|e| e.into_inner())
}

fn client_from(address: Ipv4Addr) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(IpAddr::V4(address))
        .timeout(Duration::from_secs(30))
        .build()?)
}

async fn report(client: &reqwest::Client, url: &str, n: u64, due: tokio::time::Instant, answers: &Shared) {
    let body = json!({
        "category": "cyberbullying",
        "description": format!("Bench: một bạn bị nhắn tin chế giễu trong nhóm lớp (lần {n})."),
        "links": [],
    });
    let result = client.post(url).json(&body).send().await;
    let elapsed = due.elapsed();
    let mut a = lock(answers);
    match result {
        Ok(r) => {
            let status = r.status().as_u16();
            *a.statuses.entry(status).or_default() += 1;
            if status == 429 && r.headers().contains_key("retry-after") {
                a.retry_after += 1;
            }
            a.latencies.push(elapsed);
        }
        Err(e) => *a.errors.entry(e.to_string()).or_default() += 1,
    }
}

/// One phase: the others report now and then (one every 20–60 s each, from a random start in the
/// first 20 s) and, with `flood`, one address sends `per_minute` reports a minute, for `seconds`.
async fn phase(
    base: &str,
    codes: &[String],
    others: u8,
    flood: Option<u64>,
    seconds: u64,
    seed: u64,
) -> anyhow::Result<(Answers, Answers)> {
    let (others_answers, flood_answers): (Shared, Shared) = Default::default();
    let start = tokio::time::Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..others {
        let client = client_from(Ipv4Addr::new(127, 0, 0, 3 + k))?;
        let url = format!("{base}/api/v1/public/units/{}/reports", codes[k as usize % codes.len()]);
        let answers = others_answers.clone();
        let mut rng = SplitMix64::new(seed ^ u64::from(k));
        tasks.spawn(async move {
            let mut due = start + Duration::from_millis(rng.below(20_000));
            let mut n = 0;
            while due < end {
                tokio::time::sleep_until(due).await;
                report(&client, &url, n, due, &answers).await;
                n += 1;
                due += Duration::from_millis(20_000 + rng.below(40_000));
            }
        });
    }
    if let Some(per_minute) = flood {
        let client = client_from(Ipv4Addr::new(127, 0, 0, 2))?;
        let url = format!("{base}/api/v1/public/units/{}/reports", codes[0]);
        let answers = flood_answers.clone();
        let every = Duration::from_secs_f64(60.0 / per_minute.max(1) as f64);
        tasks.spawn(async move {
            let mut sends = tokio::task::JoinSet::new();
            let mut due = start;
            let mut n = 0;
            while due < end {
                tokio::time::sleep_until(due).await;
                let (client, url, answers) = (client.clone(), url.clone(), answers.clone());
                sends.spawn(async move { report(&client, &url, n, due, &answers).await });
                n += 1;
                due += every;
            }
            while sends.join_next().await.is_some() {}
        });
    }
    while let Some(r) = tasks.join_next().await {
        r?;
    }
    let take = |a: Shared| std::mem::take(&mut *lock(&a));
    Ok((take(others_answers), take(flood_answers)))
}

fn statuses(a: &Answers) -> String {
    let mut parts: Vec<String> = a.statuses.iter().map(|(s, n)| format!("{n}× {s}")).collect();
    for (e, n) in &a.errors {
        parts.push(format!("{n}× error «{e}»"));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

async fn run_flood(args: &Args, backend: &'static str) -> anyhow::Result<bool> {
    println!("\n== flood on {backend} ==");
    let files = ServerFiles {
        bin: args.bin.clone(),
        data: args.data.clone(),
    };
    let url = bench_database_url(backend, &args.data.join("flood.db"), &args.pg, &args.pg_flood_db, true).await?;
    run_command(&files, &url, backend, &["migrate"], Duration::from_secs(120)).await?;
    run_command(&files, &url, backend, &["demo"], Duration::from_secs(300)).await?;
    let codes: Vec<String> = {
        let (store, _) = open_bench_store(&url).await?;
        let codes = store.bench_school_codes().await?;
        store.close().await;
        codes
    };
    if codes.is_empty() {
        bail!("the demo has no active school");
    }
    let server = start_server(&files, &url, backend, args.port).await?;
    let base = server.base.clone();
    println!(
        "  demo database, {} active schools; load average {}",
        codes.len(),
        load_average()
    );
    let result = async {
        let baseline = phase(&base, &codes, args.others, None, args.duration, args.seed).await?;
        let flooded = phase(
            &base,
            &codes,
            args.others,
            Some(args.flood_per_minute),
            args.duration,
            args.seed ^ 0xF100D,
        )
        .await?;
        anyhow::Ok((baseline, flooded))
    }
    .await;
    stop_server(server).await?;
    let ((baseline, _), (others, flood)) = result?;
    let line = |name: &str, a: &Answers| {
        println!(
            "  {name}: {} requests: {}; p50 {} ms, p95 {} ms",
            a.latencies.len() + a.errors.values().sum::<u64>() as usize,
            statuses(a),
            ms(quantile(&a.latencies, 0.5)),
            ms(quantile(&a.latencies, 0.95))
        );
    };
    line("others without the flood (baseline)", &baseline);
    line("others during the flood", &others);
    line("the flooding address", &flood);
    println!(
        "  the flood's 429 answers with Retry-After: {} of {}; load average {}",
        flood.retry_after,
        flood.statuses.get(&429).copied().unwrap_or(0),
        load_average()
    );
    let all_created =
        |a: &Answers| a.errors.is_empty() && a.statuses.keys().all(|s| *s == 201) && !a.latencies.is_empty();
    let ok = all_created(&baseline) && all_created(&others);
    println!(
        "{} {backend}: every other address's report answered 201 (without the flood: {}; during it: {})",
        if ok { "PASS" } else { "FAIL" },
        statuses(&baseline),
        statuses(&others)
    );
    let throttled = flood.statuses.get(&429).copied().unwrap_or(0);
    let flood_ok = throttled > 0 && flood.retry_after == throttled;
    println!(
        "{} {backend}: the flood was turned away with 429 and Retry-After ({throttled} of {})",
        if flood_ok { "PASS" } else { "FAIL" },
        flood.latencies.len()
    );
    Ok(ok && flood_ok)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built without a TLS provider of its own; the server here is plain HTTP, but a
    // client cannot be built before one is chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let params = IncidentsBenchParams {
        schools: args.schools,
        cases: args.cases,
        seed: args.seed,
        ..IncidentsBenchParams::default()
    };
    println!(
        "lanhmang bench/incidents: {} schools in offices of about {}, {} cases over {} years to {}; machine: {} cores, \
         load average {}",
        thousands(i64::from(params.schools)),
        params.office_size,
        thousands(i64::from(params.cases)),
        params.years,
        params.as_of,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut ok = true;
    let mut outcomes = Vec::new();
    let parts: Vec<&str> = args.parts.iter().map(String::as_str).collect();
    if let Some(other) = parts.iter().find(|p| !matches!(**p, "dataset" | "flood")) {
        bail!("unknown part {other} (dataset or flood)");
    }
    if parts.contains(&"flood") {
        port_is_free(args.port)?;
    }
    for backend in &args.backends {
        let backend = bench_backend(backend).map_err(anyhow::Error::msg)?;
        if parts.contains(&"dataset") {
            outcomes.push(run_dataset(&args, backend, &params).await?);
        }
        if parts.contains(&"flood") {
            ok &= run_flood(&args, backend).await?;
        }
    }
    if !outcomes.is_empty() {
        ok &= print_dataset(&outcomes);
    }
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
