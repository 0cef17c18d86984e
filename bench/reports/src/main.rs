//! `bench/reports`: the office dashboard, the office's list of missing reports and a
//! 10,000-school department rollup over a national-scale dataset (45,000 schools, five school
//! years, about 4.5 million activities), on SQLite and PostgreSQL, each measured against a full
//! scan of the activities table in the same run.
//!
//! The dataset is generated once per backend and reused while its parameters stay the same:
//! a SQLite file under `--data`, a PostgreSQL database `--pg-db` on the server of `--pg`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use lanhmang_domain::Paging;
use lanhmang_store::Store;
use lanhmang_store::bench_data::{
    BenchParams, Series, SplitMix64, bench_backend, bench_dataset_in, load_average, measure, ms, thousands,
};
use lanhmang_store::plans::Plan;
use lanhmang_store::reports::ReportFilter;

#[derive(Parser, Debug)]
#[command(about = "Office dashboard and department rollup over a national-scale dataset, on SQLite and PostgreSQL")]
struct Args {
    /// Where the SQLite dataset is kept between runs.
    #[arg(long, default_value = "/tmp/lanhmang-bench-reports")]
    data: PathBuf,
    /// A PostgreSQL server URL (trust or password in the URL); the dataset goes into --pg-db there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_reports")]
    pg_db: String,
    /// Backends to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Measured runs of the office dashboard and of the report list.
    #[arg(long, default_value_t = 200)]
    iterations: usize,
    /// Measured runs of the department rollup.
    #[arg(long, default_value_t = 20)]
    rollup_iterations: usize,
    /// Measured full scans of the activities table.
    #[arg(long, default_value_t = 5)]
    scan_iterations: usize,
    /// Unmeasured runs before each measured series (at least one for the rollup and the scan).
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Generate the dataset again even when a cached one matches.
    #[arg(long)]
    regenerate: bool,
    /// Refresh the planner statistics (ANALYZE) of a reused dataset.
    #[arg(long)]
    analyze: bool,
    /// Schools in the country (a multiple of 100).
    #[arg(long, default_value_t = 45_000)]
    schools: u32,
    /// Offices of the department measured by the rollup (100 offices = 10,000 schools).
    #[arg(long, default_value_t = 100)]
    department_offices: u32,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

/// Goals from the issue: the office dashboard within 50 ms at p95 and at most 5% of a full scan;
/// the department rollup within 500 ms on PostgreSQL.
const DASHBOARD_P95_GOAL: Duration = Duration::from_millis(50);
const DASHBOARD_SHARE_OF_SCAN_GOAL: f64 = 0.05;
const ROLLUP_GOAL: Duration = Duration::from_millis(500);
const SCAN: &str = "full scan of activities";

struct Outcome {
    backend: &'static str,
    series: Vec<Series>,
    scan_median: Duration,
}

async fn run_backend(args: &Args, backend: &'static str, params: &BenchParams) -> anyhow::Result<Outcome> {
    println!("\n== {backend} ==");
    let (store, data) = bench_dataset_in(
        backend,
        &args.data.join("lanhmang-bench-reports.db"),
        (&args.pg, &args.pg_db),
        (args.regenerate, args.analyze),
        &params.fingerprint(),
        async |store: &Store| store.bench_dataset(params).await,
        async |store: &Store, progress: &mut dyn FnMut(&str)| store.generate_bench_data(params, progress).await,
    )
    .await?;
    println!("  {}", store.bench_backend_info().await?);
    let rows = store.bench_table_rows().await?;
    let rows: Vec<String> = rows.iter().map(|(t, n)| format!("{t} {}", thousands(*n))).collect();
    println!("  rows: {}", rows.join(", "));
    println!(
        "  database size: {:.2} GiB",
        store.bench_database_bytes().await? as f64 / (1024.0 * 1024.0 * 1024.0)
    );
    println!(
        "  current year {}–{}: {} office plans; department rollup over {} schools",
        data.current_year,
        data.current_year + 1,
        data.office_plans.len(),
        thousands(data.big_department_schools)
    );
    if data.office_plans.is_empty() {
        bail!("no office plan in the current year");
    }
    let mut plans: Vec<(Plan, i64)> = Vec::with_capacity(data.office_plans.len());
    for &(plan_id, office) in &data.office_plans {
        plans.push((store.plan(plan_id).await?.context("plan")?, office));
    }
    // The same offices in the same order on every backend and run.
    let mut rng = SplitMix64::new(args.seed ^ 0x5EED);
    let picks: Vec<usize> = (0..args.warmup + args.iterations)
        .map(|_| rng.below(plans.len() as u64) as usize)
        .collect();
    println!("  load average before: {}", load_average());

    let mut series = Vec::new();
    let dashboard = measure("office dashboard", args.warmup, args.iterations, |i| {
        let (plan, office) = &plans[picks[i]];
        let store = &store;
        async move {
            let d = store.plan_dashboard(plan, &[*office]).await?;
            let expected: i64 = d.by_level.iter().map(|l| l.expected).sum();
            if expected < 10 || d.indicators.is_empty() {
                bail!(
                    "office {office}: {expected} schools expected, {} indicator rows",
                    d.indicators.len()
                );
            }
            Ok(())
        }
    })
    .await?;
    series.push(dashboard);
    let missing_only = ReportFilter {
        missing_only: true,
        ..Default::default()
    };
    let list = measure("report list (missing, page 1)", args.warmup, args.iterations, |i| {
        let (plan, office) = &plans[picks[i]];
        let (store, filter) = (&store, &missing_only);
        async move {
            let (rows, total) = store.plan_reports(plan, &[*office], filter, Paging::default()).await?;
            if total > 0 && rows.is_empty() {
                bail!("office {office}: {total} missing but an empty first page");
            }
            Ok(())
        }
    })
    .await?;
    series.push(list);
    let rollup = measure(
        "department rollup",
        (args.warmup / 10).max(1),
        args.rollup_iterations,
        |_| {
            let store = &store;
            let (year, dept, schools) = (data.current_year, data.big_department, data.big_department_schools);
            async move {
                let d = store.year_rollup(year, &[dept]).await?;
                let expected: i64 = d.by_level.iter().map(|l| l.expected).sum();
                if expected < schools * 9 / 10 || expected > schools {
                    bail!("rollup: {expected} schools expected of {schools}");
                }
                Ok(())
            }
        },
    )
    .await?;
    series.push(rollup);
    // The baseline: every row of the activities table, once unmeasured, then measured.
    let mut scanned = store.full_scan_activities().await?;
    let mut samples = Vec::with_capacity(args.scan_iterations);
    for _ in 0..args.scan_iterations {
        let t = Instant::now();
        scanned = store.full_scan_activities().await?;
        samples.push(t.elapsed());
    }
    let scan = Series { name: SCAN, samples };
    println!(
        "  full scan read {} activities, {} participants",
        thousands(scanned.0),
        thousands(scanned.1)
    );
    let scan_median = scan.quantile(0.5);
    series.push(scan);
    println!("  load average after: {}", load_average());
    store.close().await;
    Ok(Outcome {
        backend,
        series,
        scan_median,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let params = BenchParams {
        schools: args.schools,
        big_department_offices: args.department_offices,
        seed: args.seed,
        ..BenchParams::default()
    };
    println!(
        "lanhmang bench/reports: {} schools, offices of about {}, {} school years from {}–{}, about {} activities per \
         school per year; \"today\" is {}",
        thousands(i64::from(params.schools)),
        params.office_size,
        params.years,
        params.first_year,
        params.first_year + 1,
        params.activities_per_year,
        params.as_of
    );
    println!(
        "machine: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut outcomes = Vec::new();
    for backend in &args.backends {
        let backend = bench_backend(backend).map_err(anyhow::Error::msg)?;
        outcomes.push(run_backend(&args, backend, &params).await?);
    }

    println!("\n| backend | query | runs | p50 ms | p95 ms | max ms | p95 ÷ full scan (median) |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for o in &outcomes {
        for s in &o.series {
            let ratio = if s.name == SCAN {
                "(baseline)".to_string()
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
                ms(s.max()),
            );
        }
    }
    println!();
    let mut failed = false;
    let mut goal = |ok: bool, text: String| {
        failed |= !ok;
        println!("{} {text}", if ok { "PASS" } else { "FAIL" });
    };
    for o in &outcomes {
        let find = |name: &str| o.series.iter().find(|s| s.name == name);
        if let Some(d) = find("office dashboard") {
            let p95 = d.quantile(0.95);
            goal(
                p95 < DASHBOARD_P95_GOAL,
                format!(
                    "{}: office dashboard p95 {} ms (goal < {} ms)",
                    o.backend,
                    ms(p95),
                    DASHBOARD_P95_GOAL.as_millis()
                ),
            );
            let share = p95.as_secs_f64() / o.scan_median.as_secs_f64().max(1e-9);
            goal(
                share <= DASHBOARD_SHARE_OF_SCAN_GOAL,
                format!(
                    "{}: office dashboard p95 is {:.1}% of a full scan of activities ({} ms) (goal ≤ {:.0}%)",
                    o.backend,
                    share * 100.0,
                    ms(o.scan_median),
                    DASHBOARD_SHARE_OF_SCAN_GOAL * 100.0
                ),
            );
        }
        if o.backend == "postgres"
            && let Some(r) = find("department rollup")
        {
            let p95 = r.quantile(0.95);
            goal(
                p95 < ROLLUP_GOAL,
                format!(
                    "{}: department rollup p95 {} ms, p50 {} ms (goal < {} ms)",
                    o.backend,
                    ms(p95),
                    ms(r.quantile(0.5)),
                    ROLLUP_GOAL.as_millis()
                ),
            );
        }
    }
    if failed {
        std::process::exit(1);
    }
    Ok(())
}
