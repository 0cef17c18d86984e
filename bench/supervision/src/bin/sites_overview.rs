//! `bench/supervision` — sites_overview: the office overview, the site list and the findings
//! list over 50,000 registered websites (one department, offices of about 100 schools, one
//! website per school, about 20 stored runs per site and 3 live findings), on SQLite and
//! PostgreSQL, each against a baseline measured in the same run: the department's overview
//! computed from the stored runs (latest run per site) and the findings, as a design without
//! the latest state on `sites` would compute it.
//!
//! The dataset is generated once per backend and reused while its parameters stay the same:
//! a SQLite file under `--data`, a PostgreSQL database `--pg-db` on the server of `--pg`.

#[path = "../common.rs"]
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use common::{Goals, Series, cores, load_average, measure, ms, peak_rss_mib, thousands};
use lanhmang_domain::Paging;
use lanhmang_domain::supervision::GRADES;
use lanhmang_store::Store;
use lanhmang_store::bench_data::{SplitMix64, bench_backend, open_bench_store, postgres_bench_database};
use lanhmang_store::bench_supervision::{SitesBenchDataset, SitesBenchParams};
use lanhmang_store::sites::{FindingFilter, Overview, SiteFilter};

#[derive(Parser, Debug)]
#[command(about = "Website overview, site list and findings over 50,000 sites, on SQLite and PostgreSQL")]
struct Args {
    /// Where the SQLite dataset is kept between runs.
    #[arg(long, default_value = "/tmp/lanhmang-bench-supervision")]
    data: PathBuf,
    /// A PostgreSQL server URL (trust or password in the URL); the dataset goes into --pg-db there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    #[arg(long, default_value = "lanhmang_bench_sites")]
    pg_db: String,
    /// Backends to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Measured calls of each overview and list query.
    #[arg(long, default_value_t = 200)]
    iterations: usize,
    /// Measured runs of the baseline (the overview computed from the stored runs).
    #[arg(long, default_value_t = 10)]
    scan_iterations: usize,
    /// Unmeasured calls before each measured series.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Generate the dataset again even when a cached one matches.
    #[arg(long)]
    regenerate: bool,
    /// Registered websites (one per school).
    #[arg(long, default_value_t = 50_000)]
    sites: u32,
    /// Schools per office.
    #[arg(long, default_value_t = 100)]
    office_size: u32,
    /// Stored runs per inspected site.
    #[arg(long, default_value_t = 20)]
    runs_per_site: u32,
    /// Average live findings per inspected site.
    #[arg(long, default_value_t = 3)]
    findings_per_site: u32,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

/// The goal: the overview and the site list answer within 100 ms (p95) at 50,000 sites.
const P95_GOAL: Duration = Duration::from_millis(100);
const BASELINE: &str = "baseline: overview from stored runs (department)";

struct Outcome {
    backend: &'static str,
    series: Vec<Series>,
    baseline_median: Duration,
    /// Whether the overview and the baseline gave the same figures (None: the overview failed).
    agree: Option<bool>,
}

async fn open_dataset(
    args: &Args,
    backend: &str,
    params: &SitesBenchParams,
) -> anyhow::Result<(Store, SitesBenchDataset)> {
    let file = args.data.join("lanhmang-bench-sites.db");
    let url = match backend {
        "sqlite" => {
            std::fs::create_dir_all(&args.data).with_context(|| format!("creating {}", args.data.display()))?;
            format!("sqlite://{}", file.display())
        }
        "postgres" => postgres_bench_database(&args.pg, &args.pg_db, false).await?,
        other => bail!("unknown backend {other} (sqlite or postgres)"),
    };
    let (store, migration) = open_bench_store(&url).await?;
    let applied = migration.applied;
    if !args.regenerate
        && let Some(dataset) = store.sites_bench_dataset(params).await?
    {
        println!("  dataset: reused ({})", params.fingerprint());
        if !applied.is_empty() {
            store.bench_vacuum_analyze(false).await?;
            println!("  migrations applied now: {applied:?}; ANALYZE done");
        }
        return Ok((store, dataset));
    }
    store.close().await;
    let url = if backend == "sqlite" {
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", file.display()));
            if path.exists() {
                std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
        url
    } else {
        postgres_bench_database(&args.pg, &args.pg_db, true).await?
    };
    let (store, _) = open_bench_store(&url).await?;
    println!("  dataset: generating ({})", params.fingerprint());
    let t = Instant::now();
    let dataset = store.generate_sites_bench(params, &mut |m| println!("    {m}")).await?;
    let generated = t.elapsed();
    let t = Instant::now();
    store.bench_vacuum_analyze(true).await?;
    println!(
        "  generated in {:.0} s, VACUUM + ANALYZE {:.0} s, peak memory of this process {} MiB",
        generated.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        peak_rss_mib().map_or("?".into(), |m| m.to_string())
    );
    Ok((store, dataset))
}

fn print_overview(label: &str, o: &Overview) {
    let grades: Vec<String> = o.grades.iter().map(|(g, n)| format!("{g} {n}")).collect();
    println!(
        "  {label}: {} sites, {} pending, {} up, {} down; certificates {} expiring, {} expired; {} compromised, \
         {} disclosure gaps; {} meet / {} fail the standard; {} open findings; grades: {}",
        thousands(o.total),
        o.pending,
        o.up,
        o.down,
        o.cert_expiring,
        o.cert_expired,
        o.compromised,
        o.disclosure_gap,
        o.meets_standard,
        o.failing_standard,
        thousands(o.open_findings),
        grades.join(", ")
    );
}

async fn run_backend(args: &Args, backend: &'static str, params: &SitesBenchParams) -> anyhow::Result<Outcome> {
    println!("\n== {backend} ==");
    let (store, data) = open_dataset(args, backend, params).await?;
    println!("  {}", store.bench_backend_info().await?);
    let rows: Vec<String> = store
        .bench_supervision_rows()
        .await?
        .iter()
        .map(|(t, n)| format!("{t} {}", thousands(*n)))
        .collect();
    println!("  rows: {}", rows.join(", "));
    println!(
        "  database size: {:.2} GiB",
        store.bench_database_bytes().await? as f64 / (1024.0 * 1024.0 * 1024.0)
    );
    if data.offices.is_empty() || data.sites == 0 {
        bail!("the dataset has no office or no site");
    }
    let dept = data.department;
    // The same offices in the same order on every backend and run.
    let mut rng = SplitMix64::new(args.seed ^ 0x5173);
    let picks: Vec<usize> = (0..args.warmup + args.iterations)
        .map(|_| rng.below(data.offices.len() as u64) as usize)
        .collect();

    // The figures must be the same whichever way they are computed.
    let baseline = store.bench_overview_from_runs(&data.department_ancestry).await?;
    let mut agree = None;
    match store.sites_overview(&[dept], None).await {
        Ok(overview) => {
            print_overview("overview (sites table)", &overview);
            let same = format!("{overview:?}") == format!("{baseline:?}");
            if same {
                println!("  the baseline computes the same figures from the stored runs");
            } else {
                print_overview("baseline (stored runs)", &baseline);
            }
            agree = Some(same);
        }
        Err(e) => {
            print_overview("baseline (stored runs)", &baseline);
            println!("  sites_overview failed: {e}");
        }
    }
    println!("  load average before: {}", load_average());

    let mut series = Vec::new();
    let (n, w) = (args.iterations, args.warmup);
    series.push(
        measure("overview: one office (~100 sites)", w, n, |i| {
            let office = data.offices[picks[i]].0;
            let store = &store;
            async move {
                let o = store.sites_overview(&[office], None).await?;
                if o.total == 0 {
                    bail!("office {office}: no site");
                }
                Ok(())
            }
        })
        .await,
    );
    series.push(
        measure("overview: department (all sites)", w, n, |_| {
            let store = &store;
            let total = data.sites;
            async move {
                let o = store.sites_overview(&[dept], None).await?;
                if o.total != total {
                    bail!("department: {} sites of {total}", o.total);
                }
                Ok(())
            }
        })
        .await,
    );
    let list = |name: &'static str, make: fn(usize) -> SiteFilter| {
        let store = &store;
        async move {
            measure(name, w, n, |i| {
                let filter = SiteFilter {
                    roots: vec![dept],
                    ..make(i)
                };
                async move {
                    let (rows, total) = store.list_sites(&filter, Paging::default()).await?;
                    if total > 0 && rows.is_empty() {
                        bail!("{name}: {total} sites but an empty first page");
                    }
                    Ok(())
                }
            })
            .await
        }
    };
    series.push(list("site list: department, page 1", |_| SiteFilter::default()).await);
    series.push(
        list("site list: department, grade=…", |i| SiteFilter {
            grade: Some(GRADES[i % GRADES.len()].to_string()),
            ..SiteFilter::default()
        })
        .await,
    );
    series.push(
        list("site list: department, status=down", |_| SiteFilter {
            status: Some("down".into()),
            ..SiteFilter::default()
        })
        .await,
    );
    series.push(
        list("site list: department, problem=cert", |_| SiteFilter {
            problem: Some("cert".into()),
            ..SiteFilter::default()
        })
        .await,
    );
    series.push(
        measure("findings list: one office, page 1", w, n, |i| {
            let office = data.offices[picks[i]].0;
            let store = &store;
            async move {
                let filter = FindingFilter {
                    roots: vec![office],
                    ..FindingFilter::default()
                };
                let (rows, total) = store.list_findings(&filter, Paging::default()).await?;
                if total == 0 || rows.is_empty() {
                    bail!("office {office}: no finding");
                }
                Ok(())
            }
        })
        .await,
    );
    let baseline = measure(BASELINE, 1, args.scan_iterations, |_| {
        let store = &store;
        let ancestry = &data.department_ancestry;
        async move {
            store.bench_overview_from_runs(ancestry).await?;
            Ok(())
        }
    })
    .await;
    if let Some(e) = &baseline.error {
        bail!("the baseline failed: {e}");
    }
    let baseline_median = baseline.quantile(0.5);
    series.push(baseline);
    println!("  load average after: {}", load_average());
    store.close().await;
    Ok(Outcome {
        backend,
        series,
        baseline_median,
        agree,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let params = SitesBenchParams {
        schools: args.sites,
        office_size: args.office_size,
        runs_per_site: args.runs_per_site,
        findings_per_site: args.findings_per_site,
        seed: args.seed,
    };
    println!(
        "lanhmang bench/supervision sites_overview: {} websites (one per school), offices of {}, {} stored runs and \
         about {} live findings per inspected site",
        thousands(i64::from(params.schools)),
        params.office_size,
        params.runs_per_site,
        params.findings_per_site
    );
    println!("machine: {} cores, load average {}", cores(), load_average());
    let mut outcomes = Vec::new();
    for backend in &args.backends {
        let backend = bench_backend(backend).map_err(anyhow::Error::msg)?;
        outcomes.push(run_backend(&args, backend, &params).await?);
    }

    println!("\n| backend | query | runs | p50 ms | p95 ms | max ms | p95 ÷ baseline (median) |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for o in &outcomes {
        for s in &o.series {
            if let Some(e) = &s.error {
                println!("| {} | {} | error: {e} | | | | |", o.backend, s.name);
                continue;
            }
            let ratio = if s.name == BASELINE {
                "(baseline)".to_string()
            } else {
                let r = s.quantile(0.95).as_secs_f64() / o.baseline_median.as_secs_f64().max(1e-9);
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
    let mut goals = Goals::default();
    for o in &outcomes {
        goals.check(
            o.agree == Some(true),
            format!(
                "{}: the overview's figures equal those computed from the stored runs ({})",
                o.backend,
                match o.agree {
                    Some(true) => "same",
                    Some(false) => "different",
                    None => "the overview failed",
                }
            ),
        );
        for s in o.series.iter().filter(|s| s.name != BASELINE) {
            if let Some(e) = &s.error {
                goals.check(false, format!("{}: {} failed: {e}", o.backend, s.name));
                continue;
            }
            let p95 = s.quantile(0.95);
            goals.check(
                p95 < P95_GOAL,
                format!(
                    "{}: {} p95 {} ms (goal < {} ms; {:.1}× faster than the baseline's median {} ms)",
                    o.backend,
                    s.name,
                    ms(p95),
                    P95_GOAL.as_millis(),
                    o.baseline_median.as_secs_f64() / p95.as_secs_f64().max(1e-9),
                    ms(o.baseline_median)
                ),
            );
        }
    }
    if goals.failed {
        std::process::exit(1);
    }
    Ok(())
}
